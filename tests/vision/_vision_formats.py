"""Writers for the real on-disk formats, so vision tests need no downloaded data.

- CIFAR "python version" batches, three ways: as the official files are (Python 2 pickles,
  whose str keys load as str under ``encoding='latin1'`` and as bytes under
  ``encoding='bytes'``), as Python 3 writes bytes keys, and as Python 3 writes str keys
  (the layout of ``shared/data``);
- MNIST idx files, raw or gzipped;
- an ImageFolder tree of PNG files;
- a local HTTP server (Range requests, injected failures) for the download path.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import tarfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck"]


# ----------------------------------------------------------------------------- pickles
class Py2Pickler(pickle._Pickler):
    """Writes what Python 2's cPickle wrote: str as (SHORT_)BINSTRING, numpy's reconstructor
    under its old module name ``numpy.core.multiarray``."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj: bytes | str) -> None:
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + len(data).to_bytes(4, "little") + data)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str

    def save_global(self, obj, name=None):
        module = getattr(obj, "__module__", "") or ""
        if module.startswith("numpy._core"):
            qual = name or obj.__qualname__
            old = module.replace("numpy._core", "numpy.core")
            self.write(pickle.GLOBAL + f"{old}\n{qual}\n".encode())
            self.memoize(obj)
            return
        super().save_global(obj, name)


def py2_pickle(obj) -> bytes:
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def _bytes_keys(d: dict) -> dict:
    return {k.encode(): v for k, v in d.items()}


def dump_cifar_entry(path: Path, entry: dict, style: str) -> None:
    """Write ``entry`` (str keys) as a Python 2 pickle ("py2"), a Python 3 protocol-2 pickle
    with bytes keys ("py3-bytes"), or a Python 3 pickle with str keys ("py3-str")."""
    if style == "py2":
        data = py2_pickle(entry)
    elif style == "py3-bytes":
        data = pickle.dumps(_bytes_keys(entry), protocol=2)
    elif style == "py3-str":
        data = pickle.dumps(entry, protocol=4)
    else:
        raise ValueError(style)
    path.write_bytes(data)


def md5(path: Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def write_cifar(root: Path, style: str = "py2", per_batch: int = 6, n_test: int = 5,
                cifar100: bool = False, seed: int = 0) -> dict:
    """A small CIFAR-10 (5 training batches) or CIFAR-100 folder under ``root``.

    Returns the arrays written (``train``/``test`` images in CHW rows, labels) and the
    md5 of each file, for checking loaders and patching checksums.
    """
    rng = np.random.default_rng(seed)
    folder = root / ("cifar-100-python" if cifar100 else "cifar-10-batches-py")
    folder.mkdir(parents=True, exist_ok=True)
    n_classes = 100 if cifar100 else 10
    label_key = "fine_labels" if cifar100 else "labels"
    out = {"train_x": [], "train_y": [], "md5": {}}
    names = ["train"] if cifar100 else [f"data_batch_{i}" for i in range(1, 6)]
    sizes = [per_batch * 5] if cifar100 else [per_batch] * 5
    for name, n in [*zip(names, sizes), ("test" if cifar100 else "test_batch", n_test)]:
        x = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        y = [int(v) for v in rng.integers(0, n_classes, n)]
        entry = {"batch_label": f"{name} of fake", label_key: y, "data": x,
                 "filenames": [f"img_{i}.png" for i in range(n)]}
        if cifar100:
            entry["coarse_labels"] = [v // 5 for v in y]
        dump_cifar_entry(folder / name, entry, style)
        out["md5"][name] = md5(folder / name)
        if name.startswith("test"):
            out["test_x"], out["test_y"] = x, y
        else:
            out["train_x"].append(x)
            out["train_y"] += y
    classes = ([f"class_{i:02d}" for i in range(100)] if cifar100 else CIFAR10_CLASSES)
    meta_name = "meta" if cifar100 else "batches.meta"
    meta_key = "fine_label_names" if cifar100 else "label_names"
    dump_cifar_entry(folder / meta_name, {meta_key: classes, "num_vis": 3072}, style)
    out["md5"][meta_name] = md5(folder / meta_name)
    out["train_x"] = np.concatenate(out["train_x"])
    out["classes"] = classes
    return out


def patched_cifar(cls, md5s: dict, tgz_md5: str | None = None):
    """A subclass of ``cls`` whose official checksums are those of our fake files."""
    attrs = {
        "train_list": [[name, md5s[name]] for name, _ in cls.train_list],
        "test_list": [[name, md5s[name]] for name, _ in cls.test_list],
        "meta": {**cls.meta, "md5": md5s[cls.meta["filename"]]},
    }
    if tgz_md5 is not None:
        attrs["tgz_md5"] = tgz_md5
    return type(cls.__name__, (cls,), attrs)


# ----------------------------------------------------------------------------- idx
IDX_CODES = {np.uint8: 8, np.int8: 9, np.int16: 11, np.int32: 12, np.float32: 13, np.float64: 14}


def idx_bytes(arr: np.ndarray) -> bytes:
    """The idx encoding of ``arr``: magic (0, 0, type, ndim), big-endian sizes, values."""
    code = IDX_CODES[arr.dtype.type]
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">i4").tobytes()
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_mnist(root: Path, name: str = "MNIST", n_train: int = 12, n_test: int = 7,
                gz: bool = True, seed: int = 0) -> dict:
    """Four idx files in ``root/name/raw`` (``.gz`` or raw). Returns the arrays."""
    rng = np.random.default_rng(seed)
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    for fname, arr in arrays.items():
        data = idx_bytes(arr)
        if gz:
            # mtime=0: the same bytes (and md5) every time
            (raw / f"{fname}.gz").write_bytes(gzip.compress(data, mtime=0))
        else:
            (raw / fname).write_bytes(data)
    return arrays


# ----------------------------------------------------------------------------- folders
def write_image_folder(root: Path, spec: dict[str, list[str]], size=(5, 4)) -> dict:
    """PNG files ``root/<class>/<name>`` with distinct solid colours; returns path -> colour."""
    from PIL import Image

    colours = {}
    k = 0
    for cls, names in spec.items():
        for name in names:
            path = root / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            colour = (10 * k % 256, 20 * k % 256, 255 - k)
            if name.lower().endswith((".png", ".bmp", ".jpg", ".jpeg")):
                Image.new("RGB", size, colour).save(path)
                colours[str(path)] = colour
            else:
                path.write_text("not an image")
            k += 1
    return colours


def make_tar_gz(archive: Path, folder: Path) -> str:
    """Pack ``folder`` (as its own name) into ``archive``; return the archive's md5."""
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return md5(archive)


# ----------------------------------------------------------------------------- HTTP
class _Handler(SimpleHTTPRequestHandler):
    """Serves a folder with HTTP Range support; ``server.faults[path]`` is a list of faults to
    inject on the next requests of that path: "500" (server error), "cut" (close after half
    the body), "norange" (ignore the Range header)."""

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.requests.append((self.path, self.headers.get("Range")))
        faults = self.server.faults.get(self.path, [])
        fault = faults.pop(0) if faults else None
        if fault == "500":
            self.send_error(500, "injected failure")
            return
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404, "File not found")
            return
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng and fault != "norange":
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self.send_error(416, "Requested Range Not Satisfiable")
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if fault == "cut":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 (free port) serving ``folder`` in a thread."""

    def __init__(self, folder: Path) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                         partial(_Handler, directory=os.fspath(folder)))
        self.httpd.faults = {}
        self.httpd.requests = []
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        # a short poll interval: shutdown() waits for the next poll
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    @property
    def faults(self) -> dict:
        return self.httpd.faults

    @property
    def requests(self) -> list:
        return self.httpd.requests

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
