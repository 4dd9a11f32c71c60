"""Downloading and unpacking datasets, as ``torchvision.datasets.utils``.

A download is streamed into ``<file>.part`` with a progress bar, retried on transient errors
(connection reset, timeout, HTTP 5xx), resumed where it stopped (HTTP ``Range``), checked
against its md5 and only then renamed to its final name: a file under its real name is always
complete. Archives are unpacked into a temporary folder first and moved into place, for the
same reason.

Mirrors: every downloadable dataset has a class attribute ``mirrors`` (URL roots, tried in
order). Pass ``mirror=`` to the dataset, or set the environment variable
``AUTOGRAD_LAB_DATASETS_MIRROR``, to fetch from somewhere else instead: an ``http(s)://`` or
``file://`` URL, or a plain local folder, holding the same files under the same names (for
example a folder with ``cifar-10-python.tar.gz``). ``{dataset}`` in it is replaced by the class
name, so one variable can serve several datasets (``http://lab/data/{dataset}/``).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import http.client
import lzma
import os
import shutil
import socket
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

from .._pil import tqdm_class

__all__ = ["MIRROR_ENV", "INTEGRITY_ENV", "calculate_md5", "check_md5", "check_integrity",
           "download_url", "download_from_mirrors", "extract_archive",
           "download_and_extract_archive", "resolve_mirrors", "integrity_enabled"]

#: Environment variable: a URL root or local folder to download every dataset from.
MIRROR_ENV = "AUTOGRAD_LAB_DATASETS_MIRROR"
#: Environment variable: ``0`` skips md5 checks of files already on disk (trusted local copies).
INTEGRITY_ENV = "AUTOGRAD_LAB_DATASETS_CHECK_INTEGRITY"

USER_AGENT = "autograd_lab/vision"
CHUNK = 1 << 20
#: Retries after the first attempt, and the first pause (doubled after each failure).
RETRIES = 3
RETRY_DELAY = 1.0


# ----------------------------------------------------------------------------- checksums
def calculate_md5(fpath: str | os.PathLike, chunk_size: int = CHUNK) -> str:
    """The md5 hex digest of a file, read in chunks (datasets are hundreds of MB)."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str | os.PathLike, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str | os.PathLike, md5: str | None = None) -> bool:
    """True when ``fpath`` is a file and, if ``md5`` is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def integrity_enabled(check_integrity: bool | None) -> bool:
    """A dataset's ``check_integrity`` argument, where ``None`` means: check, unless
    $AUTOGRAD_LAB_DATASETS_CHECK_INTEGRITY is 0 (or false, no, off)."""
    if check_integrity is not None:
        return bool(check_integrity)
    return os.environ.get(INTEGRITY_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


# ----------------------------------------------------------------------------- mirrors
def _as_url_root(location: str) -> str:
    """``location`` as a URL ending in '/': URLs stay, local folders become file:// URLs."""
    if "://" not in location:
        location = Path(location).expanduser().resolve().as_uri()
    return location if location.endswith("/") else location + "/"


def resolve_mirrors(mirrors: Sequence[str], name: str, mirror: str | None = None) -> list[str]:
    """The URL roots to try, in order: ``mirror``, else $AUTOGRAD_LAB_DATASETS_MIRROR, else the
    dataset's official ``mirrors``. An override replaces the official list (a machine that
    uses a mirror usually can't reach the internet: falling back would only add timeouts)."""
    override = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None
    if override is None:
        return list(mirrors)
    return [_as_url_root(str(override).replace("{dataset}", name))]


# ----------------------------------------------------------------------------- download
class _ShortRead(ConnectionError):
    """The server closed the connection before sending Content-Length bytes."""


def _is_transient(err: BaseException) -> bool:
    """Worth retrying: the same request may succeed in a moment."""
    if isinstance(err, HTTPError):
        return err.code >= 500 or err.code in (408, 429)
    if isinstance(err, URLError):
        # No such host or no such local file won't fix itself; refused/reset/timeout might.
        return not isinstance(err.reason, socket.gaierror | FileNotFoundError)
    return isinstance(err, ConnectionError | TimeoutError | http.client.HTTPException)


def _stream(url: str, part: str, progress: bool, timeout: float) -> bool:
    """Append the rest of ``url`` to ``part``; return whether an earlier partial was resumed."""
    offset = os.path.getsize(part) if os.path.exists(part) else 0
    resumable = urlparse(url).scheme in ("http", "https")
    if not resumable:
        offset = 0
    request = Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urlopen(request, timeout=timeout)
    except HTTPError as e:
        if e.code != 416 or not offset:
            raise
        # Range not satisfiable: the partial file is not a prefix of this file; start over.
        offset = 0
        response = urlopen(Request(url, headers={"User-Agent": USER_AGENT}), timeout=timeout)
    with response:
        if offset and getattr(response, "status", None) != 206:
            offset = 0  # the server ignored Range and sends the whole file
        length = response.headers.get("Content-Length")
        total = int(length) + offset if length is not None else None
        bar = tqdm_class()(total=total, initial=offset, unit="B", unit_scale=True,
                           unit_divisor=1024, desc=os.path.basename(part)[:-5],
                           disable=not progress)
        with bar, open(part, "ab" if offset else "wb") as f:
            while chunk := response.read(CHUNK):
                f.write(chunk)
                bar.update(len(chunk))
    if total is not None and os.path.getsize(part) < total:
        raise _ShortRead(f"connection closed after {os.path.getsize(part)} of {total} bytes")
    return offset > 0


def _fetch(url: str, part: str, progress: bool, timeout: float, retries: int) -> bool:
    """``_stream`` with retries; each retry resumes the partial file. Returns ``resumed``."""
    resumed = False
    for attempt in range(retries + 1):
        try:
            return _stream(url, part, progress, timeout) or resumed
        except Exception as err:
            if not _is_transient(err) or attempt == retries:
                raise
            resumed = True
            time.sleep(RETRY_DELAY * 2**attempt)
    raise AssertionError("unreachable")


def download_url(url: str, root: str | os.PathLike, filename: str | None = None,
                 md5: str | None = None, *, progress: bool = True, timeout: float = 30.0,
                 retries: int | None = None) -> str:
    """Download ``url`` to ``root/filename`` unless a file with that ``md5`` is already there.

    Args:
        url: an ``http(s)://`` or ``file://`` URL.
        root: the folder to put the file in (created if needed).
        filename: the name to save under; defaults to the URL's last path component.
        md5: the expected checksum; ``None`` skips verification.
        progress: show a tqdm progress bar.
        timeout: seconds to wait for the server on each request.
        retries: how often to retry after a transient error (default ``RETRIES``).

    Returns:
        The path of the downloaded file.

    Raises:
        RuntimeError: the downloaded file's md5 differs from ``md5`` (the message names the
            file, both checksums and the URL; nothing is left under the file's name).
        urllib.error.URLError: the file could not be fetched.

    Example:
        >>> download_url("file:///srv/mirror/cifar-10-python.tar.gz", "data",
        ...              md5="c58f30108f718f92721af3b95e74349a")
    """
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(urlparse(url).path)
    fpath = os.path.join(root, filename)
    if check_integrity(fpath, md5):
        return fpath
    os.makedirs(root, exist_ok=True)
    part = fpath + ".part"
    retries = RETRIES if retries is None else retries
    try:
        resumed = _fetch(url, part, progress, timeout, retries)
        if md5 is not None:
            actual = calculate_md5(part)
            if actual != md5 and resumed:
                # A partial file from an earlier run may belong to an older version of the
                # file: one clean download before calling it a mismatch.
                os.remove(part)
                _fetch(url, part, progress, timeout, retries)
                actual = calculate_md5(part)
            if actual != md5:
                raise RuntimeError(f"Checksum mismatch for {filename} (downloaded from {url}): "
                                   f"expected md5 {md5}, got {actual}. The file is corrupted or "
                                   "is not the official one.")
    except Exception as err:
        # A later call resumes a partial file, unless it is wrong (checksum) or the server
        # says there is no such file (HTTP 4xx).
        if os.path.exists(part) and isinstance(err, RuntimeError | HTTPError) \
                and not _is_transient(err):
            os.remove(part)
        raise
    os.replace(part, fpath)
    return fpath


def download_from_mirrors(mirrors: Sequence[str], filename: str, root: str | os.PathLike,
                          md5: str | None = None, extract_root: str | os.PathLike | None = None,
                          **kwargs) -> None:
    """Download ``filename`` from the first mirror that has it (then extract it, if
    ``extract_root`` is given). A checksum mismatch stops at once: it is not a network problem.

    Raises:
        RuntimeError: no mirror could deliver the file (each mirror's error is listed).
    """
    errors = []
    for mirror in mirrors:
        url = f"{mirror}{filename}"
        try:
            if extract_root is None:
                download_url(url, root, filename, md5, **kwargs)
            else:
                download_and_extract_archive(url, root, extract_root, filename, md5, **kwargs)
            return
        except (URLError, OSError, http.client.HTTPException) as err:
            errors.append(f"Tried {url}, got:\n{err}")
    raise RuntimeError(f"Error downloading {filename}:\n" + "\n".join(errors))


# ----------------------------------------------------------------------------- extract
_COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz")


def _move_into(src: str, dst: str) -> None:
    """Move the tree ``src`` into ``dst``, replacing files that exist (merging folders)."""
    for entry in os.scandir(src):
        target = os.path.join(dst, entry.name)
        if entry.is_dir(follow_symlinks=False) and os.path.isdir(target):
            _move_into(entry.path, target)
        else:
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            os.replace(entry.path, target)


def _extract_tar(from_path: str, to_path: str) -> None:
    with tarfile.open(from_path, "r:*") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(to_path, filter="data")  # refuses ../ paths, links out, devices
        else:  # Python < 3.10.12: check the names ourselves
            root = os.path.realpath(to_path)
            for member in tar.getmembers():
                dest = os.path.realpath(os.path.join(to_path, member.name))
                if os.path.commonpath([root, dest]) != root or member.issym() or member.islnk():
                    raise RuntimeError(f"Refusing to extract {member.name!r} from {from_path}")
            tar.extractall(to_path)


def _extract_zip(from_path: str, to_path: str) -> None:
    with zipfile.ZipFile(from_path) as z:
        z.extractall(to_path)  # zipfile already strips absolute and ../ components


def extract_archive(from_path: str | os.PathLike, to_path: str | os.PathLike | None = None,
                    remove_finished: bool = False) -> str:
    """Unpack a tar (optionally gz/bz2/xz), zip, or single .gz/.bz2/.xz file into ``to_path``.

    Members are unpacked into a temporary folder beside the destination and then moved into
    place, so an interrupted extraction leaves no half-written files under their real names.

    Args:
        from_path: the archive.
        to_path: the destination folder (default: the archive's folder).
        remove_finished: delete the archive afterwards.

    Returns:
        ``to_path``.

    Example:
        >>> extract_archive("data/cifar-10-python.tar.gz")
        'data'
    """
    from_path = os.fspath(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else os.fspath(to_path)
    os.makedirs(to_path, exist_ok=True)
    name = os.path.basename(from_path)
    lower = name.lower()
    tmp = tempfile.mkdtemp(prefix=".extract-", dir=to_path)
    try:
        if lower.endswith(_TAR_SUFFIXES) or (tarfile.is_tarfile(from_path)
                                             and not lower.endswith(".zip")):
            _extract_tar(from_path, tmp)
        elif lower.endswith(".zip"):
            _extract_zip(from_path, tmp)
        elif (suffix := os.path.splitext(lower)[1]) in _COMPRESSIONS:
            with _COMPRESSIONS[suffix](from_path, "rb") as src, \
                    open(os.path.join(tmp, name[: -len(suffix)]), "wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
        else:
            raise RuntimeError(f"Unsupported archive format: {name} (expected a tar, zip, .gz, "
                               ".bz2 or .xz file)")
        _move_into(tmp, to_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root: str | os.PathLike,
                                 extract_root: str | os.PathLike | None = None,
                                 filename: str | None = None, md5: str | None = None,
                                 remove_finished: bool = False, **kwargs) -> None:
    """``download_url`` then ``extract_archive`` (into ``extract_root``, default
    ``download_root``). Keyword arguments go to ``download_url``."""
    download_root = os.path.expanduser(os.fspath(download_root))
    extract_root = download_root if extract_root is None else extract_root
    filename = filename or os.path.basename(urlparse(url).path)
    fpath = download_url(url, download_root, filename, md5, **kwargs)
    extract_archive(fpath, extract_root, remove_finished)
