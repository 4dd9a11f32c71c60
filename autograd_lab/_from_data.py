"""Tensors from data: ``tensor``, ``as_tensor``, ``from_numpy`` and PyTorch's dtype inference.

``tensor(data)`` always copies; ``as_tensor`` and ``from_numpy`` share memory with a NumPy
array when they can. The dtype of nested Python data is inferred as PyTorch does it:

* Python ``bool`` -> bool, ``int`` -> int64, ``float`` -> the default dtype (float32);
* NumPy scalars and arrays, and tensors inside a list, keep their own dtype;
* a list takes the promotion of its elements' dtypes (``[1, 2.5]`` -> float32,
  ``[np.float64(1), 2]`` -> float64, ``[]`` -> float32).

The shape is read from the first element at each depth, then every element is checked
against it, giving PyTorch's errors ("expected sequence of length 2 at dim 1 (got 3)").
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from . import _dtype
from ._tensor import Tensor
from .backend import (
    CPU,
    _type_name,
    canonical_device,
    cuda_is_available,
    device_of_array,
    pin,
    to_device,
    to_numpy,
)

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy"]

_PY_NUMBERS = frozenset((bool, int, float))
_SEQUENCES = frozenset((list, tuple))
_MAX_DIMS = 64


# ----------------------------------------------------------------------------- checks
def check_dtype(fn: str, dtype) -> _dtype.dtype | None:
    """``dtype`` as our dtype (``float``, ``int``, ``bool`` allowed, as in PyTorch), or None."""
    if dtype is None or isinstance(dtype, _dtype.dtype):
        return dtype
    if dtype in (float, int, bool):
        return _dtype.as_dtype(dtype)
    raise TypeError(f"{fn}(): argument 'dtype' must be autograd_lab.dtype, not "
                    f"{_type_name(dtype)}")


def finish(arr, dev, requires_grad: bool) -> Tensor:
    """Wrap a freshly made NumPy array as a leaf tensor on ``dev``."""
    if requires_grad and arr.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    if dev.type != "cpu":
        arr = to_device(arr, dev)
    return Tensor._make(arr, bool(requires_grad), dev)


def _check_ndarray(arr: np.ndarray) -> None:
    """PyTorch's checks before it wraps a NumPy array (byte order, dtype, strides)."""
    if not arr.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    if arr.dtype not in _dtype._FROM_NP:
        # PyTorch lists its own types here; we list ours (no complex or wide unsigned types).
        raise TypeError(f"can't convert np.ndarray of type numpy.{arr.dtype.type.__name__}. "
                        "The only supported types are: float64, float32, float16, int64, "
                        "int32, int16, int8, uint8, and bool.")
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")


def is_int(x) -> bool:
    """An int for a size: Python/NumPy integers and one-element integer tensors, not bools."""
    if isinstance(x, Tensor):
        return x.dtype.category == _dtype._INT and x.numel() == 1
    return isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_)


_NO_PINNED = ("pin_memory=True requires a CUDA or other accelerator backend; no pinned memory "
              "allocator is available on this system.")


def pinned(t: Tensor, pin_memory: bool) -> Tensor:
    """``t`` in page-locked memory when a factory got ``pin_memory=True`` (PyTorch's errors)."""
    if not pin_memory:
        return t
    if t.is_cuda:
        raise RuntimeError("Only dense CPU tensors can be pinned")
    if not cuda_is_available():
        raise RuntimeError(_NO_PINNED)
    t._data = pin(t._data)
    return t


def _out(t: Tensor, out):
    if out is None:
        return t
    from .ops._util import write_out

    return write_out("factory", t, out)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


# ----------------------------------------------------------------------------- inference
def _is_sequence(x) -> bool:
    return type(x) in _SEQUENCES or isinstance(x, list | tuple | range | bytearray | np.ndarray
                                                   | str | bytes) or (
        isinstance(x, Sequence) and not isinstance(x, Tensor))


def _compute_sizes(data) -> tuple:
    """The shape, read from the first element at each depth (PyTorch's ``compute_sizes``)."""
    sizes = []
    seq = data
    while _is_sequence(seq):
        if isinstance(seq, np.ndarray):
            if seq.ndim == 0:
                raise TypeError("len() of unsized object")
            sizes.extend(seq.shape)
            break
        n = len(seq)
        sizes.append(n)
        if len(sizes) > _MAX_DIMS:
            raise ValueError(f"too many dimensions '{_type_name(seq)}'")
        if n == 0:
            break
        seq = seq[0]
    return tuple(sizes)


def _scalar_dtype(x) -> _dtype.dtype:
    """The dtype one element contributes to inference (PyTorch's ``infer_scalar_type``)."""
    t = type(x)
    if t is float:
        return _dtype.get_default_dtype()
    if t is int:
        return _dtype.int64
    if t is bool:
        return _dtype.bool
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, str | bytes):
        raise TypeError(f"new(): invalid data type '{_type_name(x)}'")
    if isinstance(x, np.ndarray | np.generic):
        return _dtype.from_numpy_dtype(x.dtype)
    if isinstance(x, complex):
        raise TypeError("autograd_lab has no complex dtypes (PyTorch would make a complex64 "
                        "tensor here)")
    if isinstance(x, float):
        return _dtype.get_default_dtype()
    if isinstance(x, int):
        return _dtype.bool if isinstance(x, bool) else _dtype.int64
    if _is_sequence(x):
        return _infer_dtype(x)
    raise RuntimeError(f"Could not infer dtype of {_type_name(x)}")


def _infer_dtype(seq) -> _dtype.dtype:
    """The promotion of the dtypes of all elements of a (nested) sequence."""
    if len(seq) == 0:
        return _dtype.get_default_dtype()
    types = set(map(type, seq))
    if types <= _PY_NUMBERS:  # the common case, decided without a Python loop per element
        return (_dtype.get_default_dtype() if float in types else
                _dtype.int64 if int in types else _dtype.bool)
    result = None
    for x in seq:
        d = _scalar_dtype(x)
        result = d if result is None else _dtype.promote_types(result, d)
    return result


def _tensor_leaves(data, is_int: bool):
    """Replace tensors inside nested lists by Python numbers, as PyTorch converts them."""
    if isinstance(data, Tensor):
        return data.__index__() if is_int else data.__float__()
    if isinstance(data, list | tuple):
        return [_tensor_leaves(x, is_int) for x in data]
    return data


def _check_store(obj, sizes: tuple, dim: int, is_int: bool) -> None:
    """Walk ``obj`` against ``sizes`` and raise PyTorch's error for the first mismatch."""
    if dim == len(sizes):
        if _is_sequence(obj) or obj is None:
            name = _type_name(obj)
            raise TypeError(f"'{name}' object cannot be interpreted as an integer" if is_int
                            else f"must be real number, not {name}")
        return
    if not _is_sequence(obj):
        raise TypeError("not a sequence")
    if len(obj) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} "
                         f"(got {len(obj)})")
    for x in obj:
        _check_store(x, sizes, dim + 1, is_int)


# PyTorch checks that a Python number fits an integer dtype; unsigned types also accept
# negative integers down to -max (they wrap: -1 -> 255), but no negative floats.
def _check_int_range(wide: np.ndarray, target: _dtype.dtype, from_float: bool) -> None:
    info = np.iinfo(target.np)
    lo = info.min if info.min < 0 else (0 if from_float else -int(info.max))
    if wide.size and (wide.min() < lo or wide.max() > info.max or
                      (from_float and np.isnan(wide).any())):
        raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")


def _from_python(data, target: _dtype.dtype | None) -> np.ndarray:
    """Nested Python/NumPy data -> a new ndarray with PyTorch's dtype inference and errors."""
    if type(data) is list and data and target is None:
        types = set(map(type, data))
        if types <= _PY_NUMBERS:  # fast path: a flat list of Python numbers
            if float in types:
                with np.errstate(over="ignore"):  # 1e300 -> inf, as PyTorch
                    return np.array(data, _dtype.get_default_dtype().np)
            if int in types:
                try:
                    return np.array(data, np.int64)
                except OverflowError:
                    raise ValueError("Overflow when unpacking long long") from None
            return np.array(data, np.bool_)
    sizes = _compute_sizes(data)
    inferred = _scalar_dtype(data)
    if target is None:
        target = inferred
    if 0 in sizes:
        return np.zeros(sizes, target.np)  # PyTorch reads no element of an empty shape
    is_int = target.category == _dtype._INT
    if any(isinstance(x, Tensor) for x in _leaves(data)):
        data = _tensor_leaves(data, is_int)
    from_float = inferred.category == _dtype._FLOAT
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # 1e300 -> inf, as PyTorch
            if is_int and (from_float or target is not _dtype.int64):
                # Checked conversion: through int64/float64, test the range, then cast.
                wide = np.array(data, np.float64 if from_float else np.int64)
                _check_int_range(wide, target, from_float)
                arr = wide.astype(target.np)
            else:
                arr = np.array(data, target.np)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    except (ValueError, TypeError):
        _check_store(data, sizes, 0, is_int)  # raises PyTorch's message for ragged data
        raise
    if arr.shape != sizes:
        _check_store(data, sizes, 0, is_int)
    return arr


def _leaves(data):
    """Yield the leaves of nested lists (stops early in the caller's ``any``)."""
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, list | tuple):
            if set(map(type, x)) <= _PY_NUMBERS:
                continue
            stack.extend(x)
        else:
            yield x


# ----------------------------------------------------------------------------- public API
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array, a tensor).

    The dtype is inferred from the data as PyTorch does (see the module docstring) unless
    ``dtype`` is given.

    Args:
        data: a Python number, (nested) list or tuple, NumPy array or scalar, or a tensor.
        dtype: the element type; inferred from ``data`` when None.
        device: ``"cpu"`` or ``"cuda"``; ``data``'s device for a tensor, else the CPU.
        requires_grad: record operations on the result (floating dtypes only).

    Example:
        >>> autograd_lab.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> autograd_lab.tensor([2.5, 3.5], requires_grad=True)
        tensor([2.5000, 3.5000], requires_grad=True)
    """
    return pinned(_tensor("tensor", data, dtype, device, requires_grad), pin_memory)


def _tensor(fn: str, data, dtype, device, requires_grad, copy_name: str | None = None):
    dt = check_dtype(fn, dtype)
    if not isinstance(requires_grad, bool):
        raise TypeError(f"{fn}(): argument 'requires_grad' must be bool, not "
                        f"{_type_name(requires_grad)}")
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
            "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            f"{copy_name or 'autograd_lab.tensor'}(sourceTensor).", UserWarning, stacklevel=3)
        dev = canonical_device(device if device is not None else data.device)
        arr = to_numpy(data._data)
        arr = arr.astype(dt.np) if dt is not None else arr.copy()
        return finish(arr, dev, requires_grad)
    if isinstance(data, str | bytes):
        raise TypeError(f"new(): invalid data type '{_type_name(data)}'")
    src_dev = device_of_array(data)  # cuda:N for a CuPy array, else the CPU
    dev = canonical_device(device if device is not None else
                           (src_dev if src_dev.type == "cuda" else None))
    if isinstance(data, np.ndarray):
        _check_ndarray(data)
        arr = data.astype(dt.np) if dt is not None else data.copy()
    elif src_dev.type == "cuda":
        arr = data.astype(dt.np) if dt is not None else data.copy()
    else:
        arr = _from_python(data, dt)
    return finish(arr, dev, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor`, but shares memory with ``data`` when dtype and device allow.

    A tensor comes back unchanged (or converted with ``.to``); a NumPy array of a supported
    dtype on the CPU is wrapped without copying, so writing to one changes the other.

    Example:
        >>> a = numpy.array([1, 2, 3])
        >>> t = autograd_lab.as_tensor(a)
        >>> t[0] = -1
        >>> a
        array([-1,  2,  3])
    """
    dt = check_dtype("as_tensor", dtype)
    if isinstance(data, Tensor):
        if dt is None and device is None:
            return data
        return data.to(device=device, dtype=dt)
    if isinstance(data, np.ndarray):
        _check_ndarray(data)
        dev = canonical_device(device)
        if dt is None or dt.np == data.dtype:
            return finish(data, dev, False)  # shares memory on the CPU
        return finish(data.astype(dt.np), dev, False)
    if device is None and device_of_array(data).type == "cuda":
        arr = data if dt is None else data.astype(dt.np, copy=False)
        return Tensor._make(arr, False, device_of_array(data))
    return tensor(data, dtype=dt, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``: changing one changes the other.

    The dtype is the array's (float64 stays float64). Arrays with negative strides
    (``a[::-1]``), non-native byte order or unsupported dtypes are refused as in PyTorch.

    Example:
        >>> a = numpy.zeros(3)
        >>> t = autograd_lab.from_numpy(a)
        >>> a[0] = 5
        >>> t
        tensor([5., 0., 0.], dtype=autograd_lab.float64)
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {_type_name(ndarray)})")
    _check_ndarray(ndarray)
    if not ndarray.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and autograd_lab does not support "
                      "non-writable tensors. This means writing to this tensor will result in "
                      "an error. You may want to copy the array to protect its data or make it "
                      "writable before converting it to a tensor.", UserWarning, stacklevel=2)
    return Tensor._make(ndarray, False, CPU)


def tensor_init(self: Tensor, args: tuple, device=None, dtype=None) -> None:
    """``Tensor(*sizes)`` (uninitialised float32), ``Tensor(data)`` (a float32 copy),
    ``Tensor(other)`` (shares ``other``'s storage and dtype), ``Tensor()`` (empty)."""
    from ._creation import parse_sizes

    if dtype is not None:
        raise TypeError("new() received an invalid combination of arguments - got an "
                        "unexpected keyword argument 'dtype': use autograd_lab.tensor(data, "
                        "dtype=...) or autograd_lab.empty(*size, dtype=...)")
    from ._tensor import Size

    dev = canonical_device(device)
    first = args[0] if len(args) == 1 else None
    if not args:
        src = np.empty((0,), np.float32)
    elif isinstance(first, Tensor):  # PyTorch returns an alias: same storage, same dtype
        src, dev = first._data, first._device
    elif len(args) == 1 and not isinstance(first, Size | int | np.integer):
        if isinstance(first, str | bytes):
            raise TypeError(f"new(): invalid data type '{_type_name(first)}'")
        if not _is_sequence(first):
            raise TypeError(f"new(): data must be a sequence (got {_type_name(first)})")
        src = _from_python(first, _dtype.float32) if not isinstance(first, np.ndarray) else (
            _tensor("new", first, _dtype.float32, None, False)._data)
    else:
        src = np.empty(parse_sizes("new", args), np.float32)
    self._data = src if dev.type == "cpu" else to_device(src, dev)
    self._requires_grad = False
    from ._tensor import _VersionCounter

    self._version_counter = _VersionCounter()
    self._device = dev
