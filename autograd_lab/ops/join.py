"""Joining tensors: ``cat`` (with its aliases), ``stack``, and the ``hstack``/``vstack``/
``dstack``/``column_stack`` family built on them. Inputs of different dtypes are promoted as
in PyTorch; the result owns new storage.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import wrap_dim, write_out


# ----------------------------------------------------------------------------- cat / stack
def _check_tensor_list(tensors, name: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, list | tuple):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {tensors.index(t)} in argument 0, but "
                            f"got {type(t).__name__}")
    return list(tensors)


def _check_dim_arg(dim, name: str) -> int:
    if not isinstance(dim, int):
        raise TypeError(f"{name}(): argument 'dim' (position 2) must be int, not "
                        f"{type(dim).__name__}")
    return dim


class Cat(Op):
    """Join tensors along ``dim``.   d/dx_i = the slice of grad that x_i filled."""

    node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0, dtype=None, skip=()):
        # ``skip``: 1-D empty tensors, which PyTorch ignores for backward compatibility.
        ctx.dim = dim
        ctx.sizes = [None if i in skip else a.shape[dim] for i, a in enumerate(arrays)]
        kept = [a for i, a in enumerate(arrays) if i not in skip]
        return ctx.xp.concatenate(kept, axis=dim, dtype=dtype, casting="unsafe")

    @staticmethod
    def backward(ctx, grad):
        out, start = [], 0
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad, strict=True):
            if size is None:
                out.append(grad.new_zeros((0,)) if needed else None)
                continue
            out.append(grad.narrow(ctx.dim, start, size) if needed else None)
            start += size
        return tuple(out)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Concatenate tensors along an existing dim ``dim``; dtypes are promoted.

    Example:
        >>> autograd_lab.cat([autograd_lab.zeros(1, 2), autograd_lab.ones(2, 2)]).shape
        autograd_lab.Size([3, 2])
    """
    tensors = _check_tensor_list(tensors, "cat")
    dim = _check_dim_arg(dim, "cat")
    if not tensors:
        raise ValueError("autograd_lab.cat(): expected a non-empty list of Tensors")
    skip = tuple(i for i, t in enumerate(tensors) if t._data.shape == (0,))
    if len(skip) == len(tensors):
        skip = ()
    live = [(i, t) for i, t in enumerate(tensors) if i not in skip]
    for i, t in live:
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    ref = live[0][1]._data.shape
    d = wrap_dim(dim, len(ref))
    for i, t in live[1:]:
        shape = t._data.shape
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(shape)}")
        for k, (a, b) in enumerate(zip(ref, shape, strict=True)):
            if k != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {a} but got size {b} for tensor number {i} "
                                   "in the list.")
    np_dtype = None
    first = tensors[0]._data.dtype
    if any(t._data.dtype != first for t in tensors):
        np_dtype = _dtype.result_type(*tensors).np
    return write_out("cat", Cat.apply(*tensors, dim=d, dtype=np_dtype, skip=skip), out)


concat = concatenate = cat


class Stack(Op):
    """Join equal-shaped tensors along a new dim ``dim``.   d/dx_i = grad.select(dim, i)."""

    node_name = "StackBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0, dtype=None):
        ctx.dim = dim
        return ctx.xp.stack(arrays, axis=dim, dtype=dtype, casting="unsafe")

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad.select(ctx.dim, i) if needed else None
                     for i, needed in enumerate(ctx.needs_input_grad))


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Stack equal-shaped tensors along a new dim ``dim`` (in ``[-ndim-1, ndim]``)."""
    tensors = _check_tensor_list(tensors, "stack")
    dim = _check_dim_arg(dim, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"[{', '.join(map(str, ref))}] at entry 0 and "
                               f"[{', '.join(map(str, t.shape))}] at entry {i}")
    d = wrap_dim(dim, len(ref) + 1)
    np_dtype = None
    if any(t._data.dtype != tensors[0]._data.dtype for t in tensors):
        np_dtype = _dtype.result_type(*tensors).np
    return write_out("stack", Stack.apply(*tensors, dim=d, dtype=np_dtype), out)


def atleast_1d(*tensors):
    """0-D tensors become shape (1,); others are returned as they are."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], list | tuple) else tensors
    res = tuple(t.reshape(1) if t._data.ndim == 0 else t for t in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


def atleast_2d(*tensors):
    """0-D -> (1, 1), 1-D (n,) -> (1, n); others as they are."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], list | tuple) else tensors
    res = tuple(t.reshape(1, 1) if t._data.ndim == 0 else t.unsqueeze(0) if t._data.ndim == 1
                else t for t in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


def atleast_3d(*tensors):
    """0-D -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1); others as they are."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], list | tuple) else tensors
    fix = {0: lambda t: t.reshape(1, 1, 1), 1: lambda t: t.unsqueeze(0).unsqueeze(-1),
           2: lambda t: t.unsqueeze(-1)}
    res = tuple(fix[t._data.ndim](t) if t._data.ndim < 3 else t for t in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


def hstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Concatenate column-wise: along dim 0 for 1-D tensors, else dim 1 (``cat``)."""
    ts = atleast_1d(_check_tensor_list(tensors, "hstack"))
    if not ts:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Concatenate row-wise after making every tensor at least 2-D (``cat`` along dim 0)."""
    ts = atleast_2d(_check_tensor_list(tensors, "vstack"))
    if not ts:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(ts, 0, out=out)


row_stack = vstack


def dstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Concatenate depth-wise (dim 2) after making every tensor at least 3-D."""
    ts = atleast_3d(_check_tensor_list(tensors, "dstack"))
    if not ts:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(ts, 2, out=out)


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """1-D (and 0-D) tensors become columns; then ``hstack``."""
    ts = _check_tensor_list(tensors, "column_stack")
    ts = [t.reshape(-1, 1) if t._data.ndim <= 1 else t for t in ts]
    return cat(ts, 1, out=out)
