"""Read ``torch.save`` files (PyTorch's zip format) without running code from them.

A PyTorch checkpoint is a zip archive: ``<name>/data.pkl`` pickles the object tree, each tensor
storage is a raw little-endian member ``<name>/data/<key>``, and ``<name>/byteorder`` says the
byte order. A pickle can call any importable function, so we never use ``pickle.load`` as is:

1. ``pickletools.genops`` scans the opcodes first (no object is built): only data-building
   opcodes are allowed and memo indices must be small, so a crafted file can't ask the C
   unpickler for gigabytes of memo.
2. :class:`_RestrictedUnpickler` resolves globals through an allow-list (``find_class``):
   ``torch._utils._rebuild_tensor_v2``, ``_rebuild_parameter``, ``collections.OrderedDict``,
   ``torch.Size``, ``torch.device``, dtypes and the ``torch.<Type>Storage`` names of the
   supported dtypes. Each resolves to a *placeholder* of ours (a fresh object that refuses
   ``BUILD``), never to torch or to a shared object. Anything else raises
   ``pickle.UnpicklingError`` naming the global.
3. A final walk turns placeholders into Tensors (reading and checking each storage: size,
   offset, strides in bounds) and checks that only plain values remain.

Differences from ``torch.load``: each tensor gets its own contiguous copy of its values (views
that shared a storage no longer share memory; strides become contiguous); an OrderedDict's
``_metadata`` is kept, a parameter's extra Python attributes are dropped; reference cycles are
refused. Supported storages: float32/64, float16, int64/32/16, int8, uint8, bool.
"""

from __future__ import annotations

import codecs
import io
import pickle
import pickletools
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _dtype
from ._save_format import _FileError, read_member
from ._tensor import Size
from .backend import device

__all__ = ["read_torch_zip"]

_STORAGES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
             "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
             "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}
_TORCH_DTYPES = {"float32", "float", "float64", "double", "float16", "half", "int64", "long",
                 "int32", "int", "int16", "short", "int8", "uint8", "bool"}
_UNSUPPORTED_DTYPES = {"bfloat16", "complex64", "complex128", "cfloat", "cdouble", "uint16",
                       "uint32", "uint64", "float8_e4m3fn", "float8_e5m2"}
_STORAGE_NAMES = {"BFloat16Storage": "bfloat16", "ComplexFloatStorage": "complex64",
                  "ComplexDoubleStorage": "complex128", "QInt8Storage": "qint8",
                  "QUInt8Storage": "quint8", "QInt32Storage": "qint32"}
_MAX_PICKLE = 256 * 2**20  # data.pkl holds only the tree; the values are separate members
_MAX_EXPANDED = 2**26  # elements a stride-0 (expanded) tensor may grow to beyond its storage
_OPCODES = {
    "PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP", "NONE", "NEWTRUE", "NEWFALSE",
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE",
    "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8", "EMPTY_LIST",
    "APPEND", "APPENDS", "LIST", "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3",
    "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS", "GET", "BINGET", "LONG_BINGET", "PUT",
    "BINPUT", "LONG_BINPUT", "MEMOIZE", "GLOBAL", "STACK_GLOBAL", "REDUCE", "BUILD",
    "PERSID", "BINPERSID",
}
_REFUSED = ("only tensors and plain containers are allowed (autograd_lab never runs code from a "
            "file). A file holding a whole pickled model or custom objects can't be read: save "
            "model.state_dict() in PyTorch instead.")


def _corrupt(detail: str) -> _FileError:
    return _FileError(f"file is truncated or corrupted ({detail})")


# ----------------------------------------------------------------------------- placeholders
class _Placeholder:
    """Base of the objects the unpickler builds; ``BUILD`` (``__setstate__``) is refused."""

    __slots__ = ()

    def __setstate__(self, state):
        raise pickle.UnpicklingError(f"refusing to set the state of {type(self).__name__} "
                                     f"from the file: {_REFUSED}")


class _Marker(_Placeholder):
    """A dtype or a storage type named in the file."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any) -> None:
        self.kind, self.value = kind, value


class _Callable(_Placeholder):
    """An allowed global function, wrapped so the file can't modify the real one."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable) -> None:
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)


class _StorageRef(_Placeholder):
    __slots__ = ("key", "np_dtype", "location", "numel")

    def __init__(self, key: str, np_dtype, location: str, numel: int) -> None:
        self.key, self.np_dtype, self.location, self.numel = key, np_dtype, location, numel


class _TensorRef(_Placeholder):
    __slots__ = ("storage", "offset", "size", "stride", "requires_grad", "parameter")

    def __init__(self, storage, offset, size, stride, requires_grad, parameter=False) -> None:
        if not isinstance(storage, _StorageRef):
            raise _corrupt("a tensor without a storage")
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.requires_grad, self.parameter = requires_grad, parameter


class _OrderedDict(OrderedDict):
    """``collections.OrderedDict`` whose ``BUILD`` may only set ``_metadata`` (state_dicts)."""

    def __setstate__(self, state):
        if not isinstance(state, dict) or set(state) - {"_metadata"}:
            raise pickle.UnpicklingError(f"refusing to set attributes of an OrderedDict other "
                                         f"than _metadata: {_REFUSED}")
        self._metadata = state.get("_metadata")


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    return _TensorRef(storage, offset, size, stride, requires_grad)


def _rebuild_tensor(storage, offset, size, stride):
    return _TensorRef(storage, offset, size, stride, False)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    if not isinstance(data, _TensorRef):
        raise _corrupt("a parameter without a tensor")
    return _TensorRef(data.storage, data.offset, data.size, data.stride, requires_grad, True)


def _encode(text, encoding="utf-8"):  # protocol 2 pickles bytes as _codecs.encode(str, 'latin1')
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError(f"refusing to load '_codecs.encode' with these arguments: "
                                     f"{_REFUSED}")
    return codecs.encode(text, encoding)


def _global(module: str, name: str) -> Any:
    """A fresh placeholder for an allowed global, or None."""
    if module == "collections" and name == "OrderedDict":
        return _Callable(_OrderedDict)
    if module == "torch._utils":
        fn = {"_rebuild_tensor_v2": _rebuild_tensor_v2, "_rebuild_tensor": _rebuild_tensor,
              "_rebuild_parameter": _rebuild_parameter,
              "_rebuild_parameter_with_state": _rebuild_parameter}.get(name)
        return None if fn is None else _Callable(fn)
    if module == "torch":
        if name == "Size":
            return _Callable(Size)
        if name == "device":
            return _Callable(device)
        if name in _TORCH_DTYPES:
            return _Marker("dtype", _torch_dtype(name))
        if name in _STORAGES:
            return _Marker("storage", np.dtype(_STORAGES[name]))
    if module == "_codecs" and name == "encode":
        return _Callable(_encode)
    if module in ("builtins", "__builtin__") and name in ("bytes", "bytearray"):
        return _Callable(bytes if name == "bytes" else bytearray)
    return None


def _torch_dtype(name: str) -> _dtype.dtype:
    aliases = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
               "int": "int32", "short": "int16"}
    return _dtype._BY_NAME[aliases.get(name, name)]


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.storages: dict[str, _StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        found = _global(module, name)
        if found is None:
            _refuse_global(module, name)
        return found

    def persistent_load(self, pid: Any) -> _StorageRef:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _Marker) and pid[1].kind == "storage"
                and isinstance(pid[2], str) and isinstance(pid[3], str)
                and type(pid[4]) is int and pid[4] >= 0):
            raise _corrupt(f"unexpected persistent id {pid!r:.80}")
        _, marker, key, location, numel = pid
        ref = self.storages.get(key)
        if ref is None:
            ref = self.storages[key] = _StorageRef(key, marker.value, location, numel)
        elif ref.np_dtype != marker.value or ref.numel != numel:
            raise _corrupt(f"storage {key} is described twice, differently")
        return ref


def _refuse_global(module: str, name: str) -> None:
    module = _PY2_NAMES.get(module, module)  # protocol 2 spells builtins "__builtin__"
    if module == "torch" and (name in _UNSUPPORTED_DTYPES or name in _STORAGE_NAMES):
        raise pickle.UnpicklingError(
            f"the file holds PyTorch dtype {_STORAGE_NAMES.get(name, name)} (torch.{name}), "
            "which autograd_lab does not support (float32/64, float16, int64/32/16, int8, "
            "uint8, bool). Convert it in PyTorch first, e.g. tensor.float().")
    raise pickle.UnpicklingError(f"refusing to load '{module}.{name}' from the file: {_REFUSED}")


_PY2_NAMES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


def _scan(data: bytes) -> None:
    """Check every opcode before unpickling (builds nothing); name a refused global first."""
    ops = list(pickletools.genops(data))
    for op, arg, _ in ops:
        if op.name == "GLOBAL" and _global(*str(arg).split(" ", 1)) is None:
            _refuse_global(*str(arg).split(" ", 1))
    limit = max(len(data), 16)
    for op, arg, _ in ops:
        if op.name not in _OPCODES:
            raise pickle.UnpicklingError(f"refusing the pickle opcode {op.name} in the file: "
                                         f"{_REFUSED}")
        if op.name in ("PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET") and (
                not isinstance(arg, int) or not 0 <= arg < limit):
            raise _corrupt(f"memo index {arg!r} out of range")


# ----------------------------------------------------------------------------- reading
def read_torch_zip(archive: zipfile.ZipFile, prefix: str, make: Callable) -> Any:
    """The object saved by ``torch.save`` in ``archive`` (records under ``prefix``)."""
    with read_member(archive, prefix + "data.pkl") as fh:
        if archive.getinfo(prefix + "data.pkl").file_size > _MAX_PICKLE:
            raise _corrupt("data.pkl is implausibly large")
        data = fh.read()
    big_endian = False
    if prefix + "byteorder" in archive.namelist():
        with read_member(archive, prefix + "byteorder", 0, 16) as fh:
            order = fh.read()
        if order not in (b"little", b"big"):
            raise _corrupt(f"byteorder record {order!r:.20}")
        big_endian = order == b"big"
    _scan(data)
    unpickler = _RestrictedUnpickler(data)
    try:
        tree = unpickler.load()
    except (pickle.UnpicklingError, _FileError, RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure means a damaged pickle
        raise _corrupt(f"data.pkl: {type(exc).__name__}: {exc}") from None
    return _Finisher(archive, prefix, make, big_endian).walk(tree)


class _Finisher:
    """Turns the unpickled tree of placeholders into Tensors and plain values."""

    def __init__(self, archive, prefix: str, make: Callable, big_endian: bool) -> None:
        self.archive, self.prefix, self.make, self.big_endian = archive, prefix, make, big_endian
        self.memo: dict[int, Any] = {}
        self.active: set[int] = set()
        self.arrays: dict[str, np.ndarray] = {}
        self.keep: list = []

    def walk(self, obj: Any) -> Any:
        if obj is None or type(obj) in (bool, int, float, str, bytes, bytearray, Size, device):
            return device(obj.type, obj.index) if type(obj) is device else obj
        if isinstance(obj, _dtype.dtype):
            return obj
        if isinstance(obj, _Marker) and obj.kind == "dtype":
            return obj.value
        if id(obj) in self.memo:
            return self.memo[id(obj)]
        if id(obj) in self.active:
            raise _corrupt("the object tree contains a reference cycle")
        self.active.add(id(obj))
        try:
            out = self._convert(obj)
        finally:
            self.active.discard(id(obj))
        self.memo[id(obj)] = out
        self.keep.append(obj)
        return out

    def _convert(self, obj: Any) -> Any:
        if type(obj) is list:
            return [self.walk(v) for v in obj]
        if type(obj) is tuple:
            return tuple(self.walk(v) for v in obj)
        if type(obj) in (dict, _OrderedDict):
            out = {} if type(obj) is dict else OrderedDict()
            for k, v in obj.items():
                key = self.walk(k)
                if isinstance(key, (list, dict)):
                    raise _corrupt("a dict with an unhashable key")
                out[key] = self.walk(v)
            if type(obj) is _OrderedDict and "_metadata" in obj.__dict__:
                out._metadata = self.walk(obj._metadata)
            return out
        if type(obj) is _TensorRef:
            return self._tensor(obj)
        raise pickle.UnpicklingError(f"refusing to load an object of type "
                                     f"{type(obj).__name__} from the file: {_REFUSED}")

    def _storage(self, ref: _StorageRef) -> np.ndarray:
        arr = self.arrays.get(ref.key)
        if arr is None:
            nbytes = ref.numel * ref.np_dtype.itemsize
            with read_member(self.archive, f"{self.prefix}data/{ref.key}", nbytes) as fh:
                raw = fh.read()
            dt = ref.np_dtype.newbyteorder(">" if self.big_endian else "<")
            arr = self.arrays[ref.key] = np.frombuffer(raw, dt)
        return arr

    def _tensor(self, ref: _TensorRef) -> Any:
        size, stride, offset = ref.size, ref.stride, ref.offset
        ints = (isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
                and all(type(v) is int and v >= 0 for v in (*size, *stride, offset)))
        if not ints or type(ref.requires_grad) is not bool:
            raise _corrupt("a tensor with invalid size, stride or offset")
        storage = self._storage(ref.storage)
        numel = int(np.prod(size, dtype=object))
        if numel == 0:
            arr = np.empty(size, storage.dtype.newbyteorder("="))
        else:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= storage.size:
                raise _corrupt(f"a tensor reaches element {last} of a storage of "
                               f"{storage.size}")
            if numel > storage.size and numel > _MAX_EXPANDED:
                raise _corrupt(f"a tensor expands a storage of {storage.size} elements to "
                               f"{numel}")
            item = storage.dtype.itemsize
            view = np.lib.stride_tricks.as_strided(
                storage[offset:], shape=size, strides=[s * item for s in stride])
            arr = np.array(view, dtype=storage.dtype.newbyteorder("="), order="C")
        return self.make(arr, ref.storage.location, ref.requires_grad, ref.parameter)
