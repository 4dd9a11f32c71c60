"""autograd_lab's own checkpoint format: the zip archive ``save`` writes and ``load`` reads.

The layout and the node types are described in ``autograd_lab.serialization``. ``_Encoder``
turns an object tree into JSON nodes (raising TypeError, with the key, for anything it can't
store); ``_Decoder`` checks every node and member while rebuilding the tree, so a damaged file
fails with a clear message instead of loading wrong values.
"""

from __future__ import annotations

import base64
import json
import os
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from . import _dtype
from ._tensor import Size, Tensor
from .backend import device, to_numpy

FORMAT = "autograd_lab.save"
VERSION = 1
MANIFEST = "autograd_lab/manifest.json"
_TENSOR_DIR = "autograd_lab/tensors/"
_NPY_HEADER_MAX = 65536  # a .npy header is at most this long


class _FileError(Exception):
    """What is wrong with a file (the message); ``load`` reports it as a RuntimeError."""


def read_member(archive: zipfile.ZipFile, name: str, nbytes: int | None = None,
                slack: int = 0) -> zipfile.ZipExtFile:
    """Open a stored member, checking its size first (so a corrupt size can't exhaust memory)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _FileError(f"file is truncated or corrupted (member {name} is missing)") from None
    if info.flag_bits & 0x1:
        raise _FileError(f"file is truncated or corrupted (member {name} is marked encrypted)")
    if info.compress_type != zipfile.ZIP_STORED:
        raise _FileError(f"file is truncated or corrupted (member {name} is compressed)")
    archive_size = archive.fp.seek(0, os.SEEK_END)
    too_big = info.file_size > archive_size
    if too_big or (nbytes is not None and not nbytes <= info.file_size <= nbytes + slack):
        raise _FileError(f"file is truncated or corrupted (member {name} has "
                         f"{info.file_size} bytes, expected {nbytes})")
    return archive.open(info)


def _write_archive(fh: IO[bytes], manifest: bytes, arrays: list) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(MANIFEST, manifest)
        for i, arr in enumerate(arrays):
            big = arr.nbytes > 2**31 - _NPY_HEADER_MAX
            with zf.open(f"{_TENSOR_DIR}{i}.npy", "w", force_zip64=big) as member:
                np.save(member, arr, allow_pickle=False)


_HINTS = {
    "Module": "save module.state_dict() instead of the module",
    "Optimizer": "save optimizer.state_dict() instead of the optimizer",
    "ndarray": "convert it with autograd_lab.from_numpy(array)",
}


class _Encoder:
    """Turns an object tree into JSON nodes, collecting each tensor's values once."""

    def __init__(self) -> None:
        self.metas: list[dict] = []
        self.arrays: list[np.ndarray] = []
        self._tensor_index: dict[int, int] = {}
        self._keep: list = []  # keeps encoded tensors alive so their ids stay unique
        self._active: set[int] = set()

    def encode(self, obj: Any, where: str) -> dict:
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, bool):
            return {"type": "bool", "value": obj}
        if isinstance(obj, int):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, float):
            return {"type": "float", "value": float.__repr__(float(obj))}
        if isinstance(obj, str):
            return {"type": "str", "value": str(obj)}
        if isinstance(obj, (bytes, bytearray)):
            return {"type": "bytes", "value": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, Tensor):
            return {"type": "tensor", "index": self._tensor(obj)}
        if isinstance(obj, _dtype.dtype):
            return {"type": "dtype", "value": obj.name}
        if isinstance(obj, device):
            return {"type": "device", "value": str(obj)}
        if isinstance(obj, Size):
            return {"type": "size", "value": list(obj)}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self._active:
                raise TypeError(f"autograd_lab.save can't store {where}: it contains itself "
                                "(a reference cycle)")
            self._active.add(id(obj))
            try:
                return self._container(obj, where)
            finally:
                self._active.discard(id(obj))
        names = {cls.__name__ for cls in type(obj).__mro__}
        hint = next((h for name, h in _HINTS.items() if name in names),
                    "convert it to one of these first (a NumPy scalar: call .item())")
        raise TypeError(
            f"autograd_lab.save can't store {where}: objects of type "
            f"{type(obj).__module__}.{type(obj).__qualname__} are not supported. It stores "
            f"tensors, int, float, bool, str, bytes, None and dicts/lists/tuples of them; {hint}."
        )

    def _container(self, obj, where: str) -> dict:
        if isinstance(obj, dict):
            items = [[self.encode(k, f"the key {k!r} of {where}"),
                      self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()]
            node = {"type": "ordered_dict" if isinstance(obj, OrderedDict) else "dict",
                    "items": items}
            metadata = getattr(obj, "_metadata", None)
            if isinstance(obj, OrderedDict) and metadata is not None:
                node["metadata"] = self.encode(metadata, f"{where}._metadata")
            return node
        kind = "list" if isinstance(obj, list) else "tuple"
        return {"type": kind, "items": [self.encode(v, f"{where}[{i}]") for i, v in
                                        enumerate(obj)]}

    def _tensor(self, t: Tensor) -> int:
        index = self._tensor_index.get(id(t))
        if index is None:
            index = self._tensor_index[id(t)] = len(self.arrays)
            self._keep.append(t)
            self.arrays.append(np.asarray(to_numpy(t._data), order="C"))  # keeps 0-d
            self.metas.append({"dtype": t.dtype.name, "shape": list(t.shape),
                               "device": str(t.device), "requires_grad": t.requires_grad,
                               "parameter": _is_parameter(t)})
        return index


def _parameter_class():
    """``autograd_lab.nn.Parameter`` when the nn package is there, else None."""
    try:
        from .nn.parameter import Parameter
    except ImportError:
        return None
    return Parameter


def _is_parameter(t: Tensor) -> bool:
    cls = _parameter_class()
    return cls is not None and isinstance(t, cls)


class _Decoder:
    """Reads our own archive: validates the manifest and rebuilds the tree."""

    def __init__(self, archive: zipfile.ZipFile, make: Callable) -> None:
        self.archive, self.make = archive, make
        self.tensors: dict[int, Tensor] = {}

    def decode_file(self) -> Any:
        with read_member(self.archive, MANIFEST) as fh:
            manifest = json.loads(fh.read().decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _FileError(f"not an autograd_lab checkpoint ({MANIFEST} has no "
                             f"'format': '{FORMAT}')")
        version = manifest.get("version")
        if not isinstance(version, int) or version > VERSION or version < 1:
            raise _FileError(f"written in format version {version!r}; this autograd_lab reads "
                             f"version {VERSION} (upgrade autograd_lab)")
        self.metas = _check(manifest.get("tensors"), list, "tensors")
        return self.node(manifest.get("root"))

    def node(self, n: Any) -> Any:
        kind = _check(n, dict, "node").get("type")
        value = n.get("value")
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            expected = {"bool": bool, "int": int, "str": str}[kind]
            if type(value) is not expected:
                raise _FileError(f"file is truncated or corrupted (bad {kind} node {value!r})")
            return value
        if kind == "float":
            return float(_check(value, str, "float"))
        if kind == "bytes":
            return base64.b64decode(_check(value, str, "bytes"), validate=True)
        if kind in ("list", "tuple"):
            items = [self.node(v) for v in _check(n.get("items"), list, kind)]
            return items if kind == "list" else tuple(items)
        if kind in ("dict", "ordered_dict"):
            out = {} if kind == "dict" else OrderedDict()
            for pair in _check(n.get("items"), list, kind):
                key, val = _check(pair, list, "dict item")
                key = self.node(key)
                if isinstance(key, (list, dict)):
                    raise _FileError("file is truncated or corrupted (unhashable dict key)")
                out[key] = self.node(val)
            if kind == "ordered_dict" and "metadata" in n:
                out._metadata = self.node(n["metadata"])
            return out
        if kind == "tensor":
            return self.tensor(_check(n.get("index"), int, "tensor index"))
        if kind == "dtype" and value in _dtype._BY_NAME:
            return _dtype._BY_NAME[value]
        if kind == "device":
            return device(_check(value, str, "device"))
        if kind == "size" and all(type(v) is int for v in _check(value, list, "size")):
            return Size(value)
        raise _FileError(f"file is truncated or corrupted (unknown node {kind!r})")

    def tensor(self, index: int) -> Tensor:
        if index in self.tensors:
            return self.tensors[index]
        if not 0 <= index < len(self.metas):
            raise _FileError(f"file is truncated or corrupted (no tensor {index})")
        meta = _check(self.metas[index], dict, "tensor entry")
        dt = _dtype._BY_NAME.get(meta.get("dtype"))
        shape = _check(meta.get("shape"), list, "shape")
        if dt is None or not all(type(s) is int and s >= 0 for s in shape):
            raise _FileError(f"file is truncated or corrupted (tensor {index}: bad dtype/shape)")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        name = f"{_TENSOR_DIR}{index}.npy"
        with read_member(self.archive, name, nbytes, _NPY_HEADER_MAX) as fh:
            try:
                arr = np.load(fh, allow_pickle=False)
            except Exception as exc:  # noqa: BLE001 - a damaged .npy header fails in many ways
                raise _FileError(f"file is truncated or corrupted ({name}: {exc})") from None
            fh.read()  # reach the end, so zipfile checks the CRC
        if arr.dtype != dt.np or list(arr.shape) != shape:
            raise _FileError(f"file is truncated or corrupted ({name} holds {arr.dtype} "
                             f"{arr.shape}, the manifest says {dt.name} {shape})")
        t = self.make(arr, str(_check(meta.get("device"), str, "device")),
                      meta.get("requires_grad") is True, meta.get("parameter") is True)
        self.tensors[index] = t
        return t


def _check(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise _FileError(f"file is truncated or corrupted (bad {what} in {MANIFEST})")
    return value
