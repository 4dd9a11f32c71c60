"""Small helpers shared by the op modules: operand lifting, promotion, dims, ``out=``."""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap_dim
from ..autograd import grad_mode
from ..backend import array_module

__all__ = ["promote_operands", "wrap_dim", "normalize_dims", "write_out", "as_tensor_like",
           "is_scalar", "shape_arg"]

wrap_dim = _wrap_dim
_FLOAT = _dtype._FLOAT


def is_scalar(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, Tensor)


def promote_operands(a, b):
    """Return ``(a, b, result_dtype)`` ready for a NumPy ufunc that yields PyTorch's dtype.

    Fast path: two tensors of one dtype, or a tensor and a Python scalar of the same or a
    lower category (NumPy 2 treats Python scalars as "weak", exactly like PyTorch). Otherwise
    operands are converted to the promoted dtype: scalars become 0-d arrays, tensors that do
    not require grad are cast as arrays. A tensor that requires grad is returned unchanged and
    the op computes in ``result_dtype`` (the engine casts its gradient back).
    """
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if ta and tb:
        if a._data.dtype is b._data.dtype or a._data.dtype == b._data.dtype:
            return a, b, None
    elif ta and not tb:
        if _weak_ok(a, b):
            return a, b, None
    elif tb and not ta:
        if _weak_ok(b, a):
            return a, b, None
    else:
        raise TypeError("expected at least one Tensor operand")
    rt = _dtype.result_type(a, b)
    return _cast(a, rt), _cast(b, rt), rt


def _weak_ok(t: Tensor, s) -> bool:
    if isinstance(s, bool | np.bool_):
        return True
    kind = t._data.dtype.kind
    if isinstance(s, int | np.integer):
        return kind != "b"
    if isinstance(s, float | np.floating):
        return kind == "f"
    if not isinstance(s, numbers.Number):
        raise TypeError(f"unsupported operand type: {type(s).__name__}")
    return False


def _cast(x, rt):
    if isinstance(x, Tensor):
        if x._data.dtype == rt.np:
            return x
        if x._requires_grad:
            return x  # computed in rt by the op; gradient cast back by the engine
        return Tensor._make(x._data.astype(rt.np), device=x._device)
    return np.asarray(x, dtype=rt.np)


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
    if out._data.dtype.kind != "f" and result._data.dtype.kind == "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{out.dtype.name.capitalize()}")
    if out._data.shape != result._data.shape:
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
