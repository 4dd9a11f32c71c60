"""Reductions: sum, mean, prod, var/std, norm, logsumexp, max/min, arg*, all/any, cumsum,
softmax and log_softmax.

``sum`` and ``max`` are primitives; ``mean``, ``var``, ``std``, ``norm`` are built from other
ops, so their gradients come for free. ``softmax``/``log_softmax``/``logsumexp`` are fused
primitives for numerical stability (they subtract the max before exponentiating).
"""

from __future__ import annotations

import builtins
from collections import namedtuple

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import normalize_dims, write_out

__all__ = ["sum", "sum_to_size", "mean"]


def _expand_back(grad: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and dims:
        new_shape = list(grad.shape)
        for d in dims:  # dims are sorted, so inserting in order is correct
            new_shape.insert(d, 1)
        grad = grad.reshape(new_shape)
    return grad.expand(shape)


class Sum(Op):
    """out = sum of x over ``dims``.   d/dx = 1 broadcast back to x's shape."""

    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return ctx.xp.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)


class SumAll(Sum):
    """``x.sum()`` with no dim: PyTorch names this node SumBackward0."""

    node_name = "SumBackward0"


def _sum_dtype(x: Tensor, dtype):
    if dtype is not None:
        return _dtype.as_dtype(dtype).np
    if x._data.dtype.kind in "biu":
        return _dtype.int64.np  # integer sums accumulate in int64, as in PyTorch
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001, A002
    """Sum of all elements, or over ``dim`` (an int or a tuple of ints).

    Example:
        >>> autograd_lab.tensor([[1., 2.], [3., 4.]]).sum(0)
        tensor([4., 6.])
    """
    d = _sum_dtype(input, dtype)
    if dim is None:
        res = SumAll.apply(input, dims=None, keepdim=False, dtype=d)
    else:
        dims = normalize_dims(dim, input._data.ndim)
        res = Sum.apply(input, dims=dims, keepdim=keepdim, dtype=d)
    return write_out("sum", res, out)


def sum_to_size(input, *size) -> Tensor:  # noqa: A002
    """Sum ``input`` down to ``size``, undoing broadcasting (used for gradients)."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    shape = input._data.shape
    if tuple(size) == shape:
        return input
    lead = len(shape) - len(size)
    if lead < 0:
        raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                           f"{{{', '.join(map(str, shape))}}}.")
    dims = list(range(lead))
    for i, s in enumerate(size):
        if s == 1 and shape[lead + i] != 1:
            dims.append(lead + i)
        elif s != shape[lead + i]:
            raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size"
                               f" {{{', '.join(map(str, shape))}}}.")
    out = Sum.apply(input, dims=tuple(dims), keepdim=True) if dims else input
    return out.reshape(size) if lead else out


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """Arithmetic mean (floating dtypes only).   d/dx = 1/N."""
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_KIND_NAMES[input.dtype.name]}"
        )
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return write_out("mean", MeanAll.apply(input), out)
    dims = normalize_dims(dim, input._data.ndim)
    return write_out("mean", Mean.apply(input, dims=dims, keepdim=keepdim), out)


class Mean(Op):
    """out = mean of x over dims.   d/dx = 1/N broadcast back."""

    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = x.size if dims is None else _prod(x.shape[d] for d in dims)
        return ctx.xp.mean(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.shape, ctx.dims, ctx.keepdim)


class MeanAll(Mean):
    """``x.mean()`` with no dim: PyTorch names this node MeanBackward0."""

    node_name = "MeanBackward0"


def _prod(values) -> int:
    n = 1
    for v in values:
        n *= v
    return n


_KIND_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}

_ = (builtins, namedtuple)
