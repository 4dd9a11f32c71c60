"""Small helpers shared by the op modules: operand lifting, promotion, dims, ``out=``."""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap_dim
from ..autograd import grad_mode
from ..backend import array_module

__all__ = ["promote_operands", "wrap_dim", "normalize_dims", "write_out", "as_tensor_like",
           "is_scalar", "shape_arg", "type_name", "require_tensor"]

wrap_dim = _wrap_dim
_FLOAT = _dtype._FLOAT


def is_scalar(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, Tensor)


def promote_operands(a, b):
    """Return ``(a, b, result_dtype)`` ready for a NumPy ufunc that yields PyTorch's dtype.

    Fast path (``result_dtype`` is None): two tensors of one dtype, or a tensor and a Python
    scalar that NumPy 2 already promotes as PyTorch does (Python scalars are "weak" in both:
    ``float32_tensor * 2.5`` stays float32). Otherwise operands are converted to the promoted
    dtype: scalars become NumPy scalars, tensors that do not require grad are cast as arrays. A
    tensor that requires grad is returned unchanged and the op computes in ``result_dtype``
    (the engine casts its gradient back). NumPy scalars count as Python scalars, as in PyTorch.
    """
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype is b._data.dtype or a._data.dtype == b._data.dtype:
                return a, b, None
        else:
            b = _python_scalar(b)
            if _weak_ok(a, b):
                return a, b, None
    elif isinstance(b, Tensor):
        a = _python_scalar(a)
        if _weak_ok(b, a):
            return a, b, None
    else:
        raise TypeError("expected at least one Tensor operand")
    rt = _dtype.result_type(a, b)
    return _cast(a, rt), _cast(b, rt), rt


def _python_scalar(s):
    """A Python number for ``s`` (NumPy scalars included); TypeError for anything else."""
    tp = type(s)
    if tp is float or tp is int or tp is bool:
        return s
    if isinstance(s, np.generic) and s.dtype.kind in "biuf":
        return s.item()
    if isinstance(s, numbers.Real):
        return float(s) if not isinstance(s, numbers.Integral) else int(s)
    raise TypeError(f"unsupported operand type: {type(s).__name__}")


# Range of each integer dtype: a Python int outside it wraps around, as in PyTorch (NumPy 2
# raises OverflowError instead, so such scalars take the slow path through ``_cast``).
_INT_RANGE = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
              for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}


def _weak_ok(t: Tensor, s) -> bool:
    """Does NumPy's own promotion of tensor ``t`` with Python scalar ``s`` give PyTorch's?"""
    kind = t._data.dtype.kind
    tp = type(s)
    if tp is float:
        return kind == "f"
    if tp is int:
        if kind == "f":
            return True
        if kind == "b":
            return False
        lo, hi = _INT_RANGE[t._data.dtype]
        return lo <= s <= hi
    return True  # bool: never changes the tensor's dtype


def _cast(x, rt):
    if isinstance(x, Tensor):
        if x._data.dtype == rt.np:
            return x
        if x._requires_grad:
            return x  # computed in rt by the op; gradient cast back by the engine
        return Tensor._make(x._data.astype(rt.np), device=x._device)
    # A NumPy *scalar* (not a 0-d array): NumPy promotes both alike (strongly typed), and
    # CuPy accepts NumPy scalars next to its arrays but refuses NumPy arrays.
    if type(x) is int and rt.np in _INT_RANGE:
        lo, hi = _INT_RANGE[rt.np]
        if not lo <= x <= hi:  # wrap around like a C cast, as PyTorch does
            return np.asarray(x, dtype=np.int64).astype(rt.np)[()]
    return np.asarray(x, dtype=rt.np)[()]


def type_name(d) -> str:
    """PyTorch's short name of a dtype in error messages: ``Float``, ``Long``, ``Bool``."""
    return d._tensor_type[:-len("Tensor")]


def require_tensor(fn: str, arg: str, pos: int, value) -> None:
    """PyTorch's TypeError for a non-Tensor where only a Tensor is accepted."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(value).__name__}")


def normalize_dims(dim, ndim: int) -> tuple:
    """``None`` -> all dims; an int or sequence -> a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int | np.integer):
        return (wrap_dim(int(dim), ndim),)
    dims = tuple(wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def shape_arg(args) -> tuple:
    """Accept sizes as varargs (``view(2, 3)``) or one sequence (``view((2, 3))``)."""
    if len(args) == 1 and isinstance(args[0], list | tuple):
        args = args[0]
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, int | np.integer):
            raise TypeError(f"expected a sequence of integers, but got {type(s).__name__}")
        out.append(int(s))
    return tuple(out)


def write_out(name: str, result: Tensor, out: Tensor | None) -> Tensor:
    """Implement ``out=``: copy ``result`` into ``out`` (resizing it as PyTorch does)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode._enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    rd, od = result.dtype, out.dtype
    if rd.category > od.category:
        raise RuntimeError(f"result type {type_name(rd)} can't be cast to the desired output "
                           f"type {type_name(od)}")
    if out._data.shape != result._data.shape:
        if out._data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"[{', '.join(map(str, out._data.shape))}], which does not match the required "
                f"output shape [{', '.join(map(str, result._data.shape))}]. This behavior is "
                "deprecated, and in a future PyTorch release outputs will not be resized unless "
                "they have zero elements. You can explicitly reuse an out tensor t by resizing "
                "it, inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = array_module(out._device).empty(result._data.shape, out._data.dtype)
    out._data[...] = result._data
    out._version_counter.value += 1
    return out


def as_tensor_like(value, like: Tensor) -> Tensor:
    """Lift a scalar or array-like to a Tensor on ``like``'s device (for ``where``, ``lerp``)."""
    if isinstance(value, Tensor):
        return value
    xp = array_module(like._device)
    if is_scalar(value):
        d = _dtype.result_type(like, value)
        return Tensor._make(xp.asarray(value, dtype=d.np), device=like._device)
    return Tensor._make(xp.asarray(value), device=like._device)


def float_dtype_for(t: Tensor):
    """The floating dtype an op like ``exp`` returns for ``t`` (ints -> default float)."""
    if t._data.dtype.kind == "f":
        return None
    return _dtype.get_default_dtype().np


_ = _FLOAT


def common_device(*operands):
    """The device shared by the Tensor operands; PyTorch's error if they differ.

    ``Op.apply`` does this check for recorded ops; functions that compute on arrays directly
    (comparisons, logical and bitwise ops) call this first, before any array work.
    """
    dev = None
    for x in operands:
        if isinstance(x, Tensor):
            if dev is None:
                dev = x._device
            elif x._device != dev:
                from ..autograd.function import _same_device_error

                raise _same_device_error([t._device for t in operands if isinstance(t, Tensor)])
    return dev
