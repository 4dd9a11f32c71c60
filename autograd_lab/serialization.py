"""``save`` and ``load``: checkpoints in a safe, documented format; PyTorch files read safely.

``torch.save`` pickles: loading a pickle can run any code the file asks for. autograd_lab never
unpickles arbitrary objects. Its own files are a zip archive (members stored, uncompressed)::

    autograd_lab/manifest.json     {"format": "autograd_lab.save", "version": 1,
                                    "tensors": [{"dtype": "float32", "shape": [2, 3],
                                                 "device": "cpu", "requires_grad": false,
                                                 "parameter": false}, ...],
                                    "root": <node>}
    autograd_lab/tensors/0.npy     the values of tensor 0 (NumPy .npy, read with
    autograd_lab/tensors/1.npy     ``allow_pickle=False``), one member per tensor

The object tree is JSON with one tagged node per value: ``{"type": "none"}``,
``{"type": "bool" | "int" | "str", "value": ...}``, ``{"type": "float", "value": "0.1"}``
(``repr``, so ``nan``/``inf`` survive), ``{"type": "bytes", "value": <base64>}``,
``{"type": "list" | "tuple", "items": [...]}``, ``{"type": "dict" | "ordered_dict",
"items": [[key, value], ...]}`` (keys are nodes, so ``1`` and ``"1"`` stay distinct; an
OrderedDict's ``_metadata`` attribute, which ``Module.state_dict`` sets, is kept under
``"metadata"``), ``{"type": "tensor", "index": i}``, ``{"type": "size" | "dtype" | "device",
"value": ...}``. A tensor referenced twice is stored once and loads as one object.

What round-trips: tensors (dtype, shape, values, device, ``requires_grad``, and whether it is
an ``nn.Parameter``) inside nested dicts, OrderedDicts, lists and tuples, with ints, floats,
bools, None, strings and bytes: state_dicts, optimizer state, checkpoints. Differences from
``torch.save``: views are saved as their own values (two tensors sharing storage load as
independent tensors; ``.grad`` is not saved, as in PyTorch); subclasses of dict/list/tuple
(``defaultdict``, named tuples) load as the plain container; anything else (modules, NumPy
arrays, custom classes) raises a TypeError at save time naming the key.

``load`` also reads files written by ``torch.save`` (the zip format of PyTorch >= 1.6) through
a restricted unpickler that builds only tensors and plain containers (see ``_torch_zip``;
``_save_format`` writes and checks our own archives).

Saving to a path is atomic: the archive is written to a temporary file in the same folder and
renamed over the target, so a failed save leaves any earlier file intact.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from ._save_format import (
    FORMAT,
    MANIFEST,
    VERSION,
    _Decoder,
    _Encoder,
    _FileError,
    _parameter_class,
    _write_archive,
)
from ._tensor import Tensor
from .backend import CPU, canonical_device, cuda_is_available, device, to_device

__all__ = ["save", "load"]

FileLike = str | os.PathLike | IO[bytes]
MapLocation = None | str | device | dict | Callable


# ----------------------------------------------------------------------------- save
def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save tensors, numbers, strings and nested containers of them to a file.

    Args:
        obj: the object to save, e.g. ``model.state_dict()`` or
            ``{"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict()}``.
        f: a path (``str`` or ``os.PathLike``) or a binary file object open for writing.
        pickle_module, pickle_protocol, _use_new_zipfile_serialization,
            _disable_byteorder_record: accepted for compatibility with ``torch.save`` and
            ignored: the format (see the module docstring) uses no pickle.

    Raises:
        TypeError: ``obj`` holds something other than tensors, numbers, strings, bytes, None
            and dicts/lists/tuples of them; the message names the key. Nothing is written.
        RuntimeError: the parent folder of the path does not exist.

    Example:
        >>> autograd_lab.save({"epoch": 3, "model": model.state_dict()}, "checkpoint.pt")
        >>> ckpt = autograd_lab.load("checkpoint.pt")
    """
    encoder = _Encoder()
    manifest = {"format": FORMAT, "version": VERSION, "tensors": encoder.metas,
                "root": encoder.encode(obj, "obj")}
    text = json.dumps(manifest, allow_nan=False, separators=(",", ":")).encode()
    if hasattr(f, "write"):
        _write_archive(f, text, encoder.arrays)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, text, encoder.arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _file_mode(path: str) -> int:
    """Keep an existing file's permissions; a new file gets the usual ``0o666 & ~umask``."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ----------------------------------------------------------------------------- load
def load(f: FileLike, map_location: MapLocation = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args: Any) -> Any:
    """Load an object saved by :func:`save`, or by ``torch.save`` in PyTorch's zip format.

    Nothing in the file is ever executed: PyTorch files are read by a restricted unpickler
    that builds only tensors and plain containers and refuses anything else, naming it.

    Args:
        f: a path (``str`` or ``os.PathLike``) or a binary file object open for reading.
        map_location: where to put the tensors. ``None``: the device they were saved from;
            a ``str`` or ``device``: all there (``"cpu"``); a dict: maps saved location
            strings to new ones (``{"cuda:0": "cpu"}``); a callable ``fn(tensor, location)``:
            gets each tensor on the CPU with its saved location string and returns a tensor
            (PyTorch passes a storage instead) or ``None`` to keep the default.
        pickle_module, weights_only, mmap, pickle_load_args: accepted for compatibility with
            ``torch.load``. Loading is always restricted (``weights_only=False`` loads
            nothing more) and values are read into memory (``mmap`` is ignored).

    Raises:
        RuntimeError: the file is empty, truncated or corrupted, not an autograd_lab or
            PyTorch checkpoint, or a legacy (non-zip) PyTorch file.
        pickle.UnpicklingError: a PyTorch file refers to anything other than tensors and
            plain containers (a pickled model class, ``os.system``, ...).

    Example:
        >>> state = autograd_lab.load("model.pt", map_location="cpu")
        >>> model.load_state_dict(state)
    """
    from ._torch_zip import read_torch_zip

    name = repr(os.fspath(f) if not hasattr(f, "read") else getattr(f, "name", "<file object>"))
    with _open_for_read(f) as fh:
        head = fh.read(16)
        fh.seek(0)
        archive = _open_zip(fh, head, name)
        with archive:
            names = archive.namelist()
            make = _TensorMaker(map_location)
            try:
                if MANIFEST in names:
                    return _Decoder(archive, make).decode_file()
                prefix = _torch_prefix(names)
                if prefix is not None:
                    return read_torch_zip(archive, prefix, make)
            except _FileError as exc:
                raise RuntimeError(f"autograd_lab.load: {name}: {exc}") from None
            except RecursionError:
                raise RuntimeError(f"autograd_lab.load: {name}: the object tree is nested too "
                                   "deeply to load (a corrupted or hostile file?)") from None
            except (OSError, zipfile.BadZipFile, EOFError, ValueError, KeyError, IndexError,
                    OverflowError, struct.error, NotImplementedError) as exc:
                raise RuntimeError(f"autograd_lab.load: {name}: file is truncated or corrupted "
                                   f"({type(exc).__name__}: {exc})") from None
    raise RuntimeError(f"autograd_lab.load: {name}: not an autograd_lab or PyTorch checkpoint "
                       f"(a zip archive without {MANIFEST} or <archive>/data.pkl)")


class _open_for_read:  # noqa: N801 - used as a context manager, like open()
    """A seekable binary stream for ``f``; closes it afterwards only if it opened it."""

    def __init__(self, f: FileLike) -> None:
        self.f, self.owned = f, not hasattr(f, "read")

    def __enter__(self) -> IO[bytes]:
        if self.owned:
            self.fh = open(os.fspath(self.f), "rb")  # noqa: SIM115 - closed in __exit__
            return self.fh
        seekable = getattr(self.f, "seekable", None)
        self.fh = self.f if seekable is not None and seekable() else io.BytesIO(self.f.read())
        return self.fh

    def __exit__(self, *exc) -> None:
        if self.owned:
            self.fh.close()


_LEGACY_TORCH = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"


def _open_zip(fh: IO[bytes], head: bytes, name: str) -> zipfile.ZipFile:
    prefix = f"autograd_lab.load: {name}:"
    if not head:
        raise RuntimeError(f"{prefix} file is empty (a save that never finished?)")
    if head.startswith(_LEGACY_TORCH):
        raise RuntimeError(
            f"{prefix} legacy PyTorch file (saved with _use_new_zipfile_serialization=False or "
            "PyTorch < 1.6), which can't be read without running pickled code. Re-save it in "
            "PyTorch: torch.save(torch.load(path, weights_only=True), new_path)")
    if b"PK\x03\x04".startswith(head[:4]) and len(head) < 4:
        raise RuntimeError(f"{prefix} file is truncated or corrupted ({len(head)} bytes)")
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        kind = "a pickle file" if head[:1] == b"\x80" else f"it starts with {head[:8]!r}"
        raise RuntimeError(f"{prefix} not an autograd_lab or PyTorch checkpoint ({kind})")
    try:
        return zipfile.ZipFile(fh)
    except Exception as exc:  # noqa: BLE001 - only zip parsing happens here
        raise RuntimeError(f"{prefix} file is truncated or corrupted ({exc})") from None


def _torch_prefix(names: list[str]) -> str | None:
    for n in names:
        parts = n.split("/")
        if len(parts) == 2 and parts[1] == "data.pkl":
            return parts[0] + "/"
    return None


class _TensorMaker:
    """Builds a loaded tensor on the device ``map_location`` asks for."""

    def __init__(self, map_location: MapLocation) -> None:
        self.map_location = map_location

    def __call__(self, arr: np.ndarray, location: str, requires_grad: bool,
                 parameter: bool) -> Tensor:
        t = Tensor._make(arr, False, CPU)
        target: Any = location
        m = self.map_location
        if isinstance(m, (str, device)):
            target = m
        elif isinstance(m, dict):
            target = m.get(location, location)
        elif callable(m):
            result = m(t, location)
            if result is not None:
                if not isinstance(result, Tensor):
                    raise TypeError(f"map_location returned {type(result).__name__}; expected "
                                    "a Tensor or None")
                t, target = result, None
        elif m is not None:
            raise TypeError(f"map_location should be a str, device, dict or callable, not "
                            f"{type(m).__name__}")
        if target is not None:
            dev = device(target) if isinstance(target, str) else target
            if dev.type == "cuda" and not cuda_is_available():
                raise RuntimeError(
                    "Attempting to deserialize object on a CUDA device but "
                    "autograd_lab.cuda.is_available() is False. If you are running on a CPU-only"
                    " machine, please use autograd_lab.load with "
                    "map_location=autograd_lab.device('cpu') to map your storages to the CPU.")
            dev = canonical_device(dev)
            if dev != t.device:
                t = Tensor._make(to_device(t._data, dev), False, dev)
        if requires_grad and t.dtype.is_floating_point:
            t._requires_grad = True
        elif requires_grad:
            raise _FileError(f"file is truncated or corrupted (a {t.dtype.name} tensor marked "
                             "requires_grad)")
        param_cls = _parameter_class() if parameter else None
        return param_cls(t, requires_grad) if param_cls is not None else t
