"""download=True end to end, against files served by a local HTTP server (127.0.0.1, in a
thread) and from a local folder (file:// URLs and plain paths): streaming, retries, resuming,
md5 checks, extraction, mirrors, and what is (not) left on disk."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path
from urllib.error import HTTPError, URLError

import numpy as np
import pytest
from _vision_formats import (
    LocalServer,
    make_tar_gz,
    md5,
    patched_cifar,
    write_cifar,
    write_mnist,
)

from autograd_lab.vision import datasets
from autograd_lab.vision.datasets import utils

PAYLOAD = bytes(range(256)) * 4099  # ~1 MB: several chunks


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    monkeypatch.setattr(utils, "RETRY_DELAY", 0.0)
    monkeypatch.delenv(utils.MIRROR_ENV, raising=False)
    monkeypatch.delenv(utils.INTEGRITY_ENV, raising=False)


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP, holding ``payload.bin``."""
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "payload.bin").write_bytes(PAYLOAD)
    server = LocalServer(folder)
    yield server, folder
    server.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part")
                  or p.name.startswith(".extract-"))


# ----------------------------------------------------------------------------- checksums
def test_md5_and_integrity(tmp_path):
    f = tmp_path / "f.bin"
    f.write_bytes(PAYLOAD)
    digest = md5(f)
    assert utils.calculate_md5(f) == digest
    assert utils.calculate_md5(f, chunk_size=1000) == digest
    assert utils.check_md5(f, digest)
    assert utils.check_integrity(f) and utils.check_integrity(f, digest)
    assert not utils.check_integrity(f, "0" * 32)
    assert not utils.check_integrity(tmp_path / "missing")


# ----------------------------------------------------------------------------- download_url
def test_download_over_http(served, tmp_path):
    server, _ = served
    dest = tmp_path / "dl"
    path = utils.download_url(server.url + "payload.bin", dest, md5=md5(served[1] / "payload.bin"))
    assert Path(path).read_bytes() == PAYLOAD
    assert leftovers(dest) == []
    # present and verified: no second request
    n = len(server.requests)
    utils.download_url(server.url + "payload.bin", dest, md5=md5(Path(path)))
    assert len(server.requests) == n


@pytest.mark.parametrize("as_path", [False, True], ids=["file-url", "plain-path"])
def test_download_from_local_folder(served, tmp_path, as_path):
    _, folder = served
    root = utils.resolve_mirrors([], "X", os.fspath(folder) if as_path else folder.as_uri())[0]
    assert root.startswith("file://") and root.endswith("/")
    path = utils.download_url(root + "payload.bin", tmp_path / "dl", "copy.bin", md5(
        folder / "payload.bin"))
    assert Path(path).name == "copy.bin" and Path(path).read_bytes() == PAYLOAD


def test_checksum_mismatch_names_file_and_both_md5s(served, tmp_path):
    server, _ = served
    dest = tmp_path / "dl"
    with pytest.raises(RuntimeError) as info:
        utils.download_url(server.url + "payload.bin", dest, md5="0" * 32)
    msg = str(info.value)
    assert "Checksum mismatch for payload.bin" in msg
    assert "0" * 32 in msg and md5(served[1] / "payload.bin") in msg
    assert os.listdir(dest) == []  # nothing half-written, nothing under the real name


def test_retry_after_transient_500(served, tmp_path):
    server, _ = served
    server.faults["/payload.bin"] = ["500", "500"]
    path = utils.download_url(server.url + "payload.bin", tmp_path, md5=md5(
        served[1] / "payload.bin"))
    assert Path(path).read_bytes() == PAYLOAD
    assert len(server.requests) == 3


def test_gives_up_after_retries_and_keeps_partial_for_later(served, tmp_path):
    server, _ = served
    server.faults["/payload.bin"] = ["cut"] * 10
    with pytest.raises(ConnectionError):
        utils.download_url(server.url + "payload.bin", tmp_path, retries=1)
    part = tmp_path / "payload.bin.part"
    assert part.exists() and 0 < part.stat().st_size < len(PAYLOAD)
    assert not (tmp_path / "payload.bin").exists()


def test_connection_cut_midway_resumes_with_range(served, tmp_path):
    server, _ = served
    server.faults["/payload.bin"] = ["cut"]
    path = utils.download_url(server.url + "payload.bin", tmp_path, md5=md5(
        served[1] / "payload.bin"))
    assert Path(path).read_bytes() == PAYLOAD
    (first, range1), (second, range2) = server.requests
    assert range1 is None and range2 == f"bytes={len(PAYLOAD) // 2}-"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fault", [None, "norange"], ids=["206", "server-ignores-range"])
def test_resume_partial_file_from_earlier_run(served, tmp_path, fault):
    server, _ = served
    (tmp_path / "payload.bin.part").write_bytes(PAYLOAD[:1000])
    if fault:
        server.faults["/payload.bin"] = [fault]
    path = utils.download_url(server.url + "payload.bin", tmp_path, md5=md5(
        served[1] / "payload.bin"))
    assert Path(path).read_bytes() == PAYLOAD
    assert server.requests[0][1] == "bytes=1000-"


def test_stale_partial_file_is_redownloaded(served, tmp_path):
    server, _ = served
    (tmp_path / "payload.bin.part").write_bytes(b"x" * 1000)  # not a prefix of the file
    path = utils.download_url(server.url + "payload.bin", tmp_path, md5=md5(
        served[1] / "payload.bin"))
    assert Path(path).read_bytes() == PAYLOAD
    assert [r for _, r in server.requests] == ["bytes=1000-", None]


def test_oversized_partial_gets_416_and_restarts(served, tmp_path):
    server, _ = served
    (tmp_path / "payload.bin.part").write_bytes(b"y" * (len(PAYLOAD) + 5))
    path = utils.download_url(server.url + "payload.bin", tmp_path)
    assert Path(path).read_bytes() == PAYLOAD


def test_404_is_not_retried(served, tmp_path):
    server, _ = served
    with pytest.raises(HTTPError) as info:
        utils.download_url(server.url + "missing.bin", tmp_path / "dl")
    assert info.value.code == 404
    assert len(server.requests) == 1
    assert os.listdir(tmp_path / "dl") == []


def test_missing_local_file_raises_urlerror(tmp_path):
    with pytest.raises(URLError):
        utils.download_url((tmp_path / "nope.bin").as_uri(), tmp_path / "dl")


# ----------------------------------------------------------------------------- extract
def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", ["tar.gz", "tar", "tar.xz", "zip"])
def test_extract_archives(tmp_path, kind):
    src = tmp_path / "src" / "pack"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("A")
    (src / "sub" / "b.bin").write_bytes(b"\x00\x01")
    archive = tmp_path / f"pack.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as z:
            z.write(src / "a.txt", "pack/a.txt")
            z.write(src / "sub" / "b.bin", "pack/sub/b.bin")
    else:
        mode = {"tar.gz": "w:gz", "tar": "w", "tar.xz": "w:xz"}[kind]
        with tarfile.open(archive, mode) as tar:
            tar.add(src, arcname="pack")
    out = tmp_path / "out"
    assert utils.extract_archive(archive, out) == os.fspath(out)
    assert _tree(out) == {"pack/a.txt": b"A", "pack/sub/b.bin": b"\x00\x01"}
    # extracting again replaces files in place (merge, no error)
    (out / "pack" / "a.txt").write_text("changed")
    utils.extract_archive(archive, out, remove_finished=True)
    assert (out / "pack" / "a.txt").read_text() == "A" and not archive.exists()


def test_extract_single_gz_file(tmp_path):
    (tmp_path / "data.idx.gz").write_bytes(gzip.compress(b"payload"))
    utils.extract_archive(tmp_path / "data.idx.gz")
    assert (tmp_path / "data.idx").read_bytes() == b"payload"
    assert leftovers(tmp_path) == []


def test_extract_refuses_path_traversal(tmp_path):
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(Exception):  # noqa: B017 - tarfile's filter error or ours
        utils.extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()
    assert leftovers(tmp_path / "out") == []


def test_extract_unknown_format(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(RuntimeError, match="Unsupported archive format"):
        utils.extract_archive(tmp_path / "notes.txt")


# ----------------------------------------------------------------------------- mirrors
MIRROR_CASES = [
    # (keyword, environment, expected roots)
    (None, None, ["https://official/"]),
    ("http://mirror/x", None, ["http://mirror/x/"]),
    (None, "http://env/{dataset}", ["http://env/CIFAR10/"]),
    ("http://kw/", "http://env/", ["http://kw/"]),
    ("file:///srv/data/", None, ["file:///srv/data/"]),
]


@pytest.mark.parametrize("keyword, env, expected", MIRROR_CASES)
def test_resolve_mirrors(monkeypatch, keyword, env, expected):
    if env is not None:
        monkeypatch.setenv(utils.MIRROR_ENV, env)
    assert utils.resolve_mirrors(["https://official/"], "CIFAR10", keyword) == expected


def test_resolve_mirrors_local_path(tmp_path):
    assert utils.resolve_mirrors([], "MNIST", os.fspath(tmp_path)) == [tmp_path.as_uri() + "/"]


@pytest.mark.parametrize("value, expected", [("0", False), ("false", False), ("1", True),
                                             (None, True)])
def test_integrity_env(monkeypatch, value, expected):
    if value is not None:
        monkeypatch.setenv(utils.INTEGRITY_ENV, value)
    assert utils.integrity_enabled(None) is expected
    assert utils.integrity_enabled(True) is True and utils.integrity_enabled(False) is False


def test_download_from_mirrors_tries_the_next_one(served, tmp_path):
    server, _ = served
    utils.download_from_mirrors([server.url + "nothing/", server.url], "payload.bin", tmp_path)
    assert (tmp_path / "payload.bin").read_bytes() == PAYLOAD
    with pytest.raises(RuntimeError, match="Error downloading nope.bin") as info:
        utils.download_from_mirrors([server.url, server.url + "x/"], "nope.bin", tmp_path)
    assert str(info.value).count("Tried") == 2


# ----------------------------------------------------------------------------- datasets
@pytest.fixture
def cifar_mirror(tmp_path):
    """An official-layout cifar-10-python.tar.gz (from fake Python 2 pickles) in a folder."""
    build = tmp_path / "build"
    info = write_cifar(build, style="py2")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    tgz_md5 = make_tar_gz(mirror / "cifar-10-python.tar.gz", build / "cifar-10-batches-py")
    return mirror, patched_cifar(datasets.CIFAR10, info["md5"], tgz_md5), info


@pytest.mark.parametrize("how", ["http", "file", "env"])
def test_cifar10_download_end_to_end(cifar_mirror, tmp_path, monkeypatch, how):
    mirror, cls, info = cifar_mirror
    server = LocalServer(mirror) if how == "http" else None
    try:
        root = tmp_path / "root"
        kwargs = {}
        if how == "http":
            kwargs["mirror"] = server.url
        elif how == "file":
            kwargs["mirror"] = mirror.as_uri()
        else:
            monkeypatch.setenv(utils.MIRROR_ENV, os.fspath(mirror))
        ds = cls(root, train=True, download=True, **kwargs)
        np.testing.assert_array_equal(ds.data, info["train_x"].reshape(-1, 3, 32, 32)
                                      .transpose(0, 2, 3, 1))
        assert ds.targets == info["train_y"]
        assert sorted(os.listdir(root)) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]
        if server is not None:
            n = len(server.requests)
            cls(root, train=False, download=True, **kwargs)  # present and verified: skipped
            assert len(server.requests) == n
    finally:
        if server is not None:
            server.close()


def test_cifar10_download_checksum_mismatch(cifar_mirror, tmp_path):
    mirror, _, info = cifar_mirror
    cls = patched_cifar(datasets.CIFAR10, info["md5"])  # official tgz md5: ours differs
    with pytest.raises(RuntimeError, match="Checksum mismatch for cifar-10-python.tar.gz"):
        cls(tmp_path / "root", download=True, mirror=os.fspath(mirror))
    assert os.listdir(tmp_path / "root") == []
    # check_integrity=False accepts the (unofficial) archive and its files
    ds = cls(tmp_path / "root", download=True, mirror=os.fspath(mirror), check_integrity=False)
    assert len(ds) == len(info["train_y"])


def test_cifar10_missing_without_download(tmp_path):
    with pytest.raises(RuntimeError) as info:
        datasets.CIFAR10(tmp_path)
    msg = str(info.value)
    assert msg.startswith("Dataset not found or corrupted. You can use download=True to "
                          "download it")
    assert os.fspath(tmp_path / "cifar-10-batches-py" / "data_batch_1") in msg


def test_cifar10_unreachable_mirror(tmp_path):
    with pytest.raises(RuntimeError, match="Error downloading cifar-10-python.tar.gz"):
        datasets.CIFAR10(tmp_path / "root", download=True, mirror=os.fspath(tmp_path / "none"))


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST])
def test_mnist_download_end_to_end(tmp_path, cls):
    build = tmp_path / "build"
    arrays = write_mnist(build, name=cls.__name__, gz=True)
    raw = build / cls.__name__ / "raw"
    served_cls = type(cls.__name__, (cls,), {
        "resources": [(name, md5(raw / name)) for name, _ in cls.resources]})
    server = LocalServer(raw)
    try:
        ds = served_cls(tmp_path / "root", train=False, download=True, mirror=server.url)
        assert len(server.requests) == 4
        np.testing.assert_array_equal(ds.data.numpy(), arrays["t10k-images-idx3-ubyte"])
        got = sorted(os.listdir(tmp_path / "root" / cls.__name__ / "raw"))
        assert got == sorted([n for n, _ in cls.resources] + [n[:-3] for n, _ in cls.resources])
        served_cls(tmp_path / "root", train=True, download=True, mirror=server.url)
        assert len(server.requests) == 4  # already there
    finally:
        server.close()


def test_mnist_mirror_fallback_and_mismatch(tmp_path):
    build = tmp_path / "build"
    write_mnist(build, gz=True)
    raw = build / "MNIST" / "raw"
    # official md5s: our files don't match -> clear checksum error, nothing left behind
    bad_first = type("MNIST", (datasets.MNIST,), {"mirrors": [(tmp_path / "x").as_uri() + "/",
                                                               raw.as_uri() + "/"]})
    with pytest.raises(RuntimeError, match="Checksum mismatch for train-images-idx3-ubyte.gz"):
        bad_first(tmp_path / "root", download=True)
    assert leftovers(tmp_path / "root" / "MNIST" / "raw") == []
    ds = bad_first(tmp_path / "root", download=True, check_integrity=False)
    assert len(ds) == 12


def test_mnist_missing_without_download(tmp_path):
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(tmp_path)
    assert "Dataset not found. You can use download=True to download it" in str(info.value)
    assert os.fspath(tmp_path / "MNIST" / "raw") in str(info.value)
