"""Vector norms: ``norm`` (``torch.norm``), as PyTorch computes it, through ``vector_norm``.

One primitive, :class:`LinalgVectorNorm`, because its gradient needs care at the points where
the plain chain rule divides by zero (the zero vector, zero entries for p < 1) and PyTorch
defines it there: the gradient of a norm at the zero vector is 0, not nan.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import write_out
from .reduce import expand_back, reduce_dims, type_name

__all__ = ["norm"]


class LinalgVectorNorm(Op):
    """out = (Σ |x|^p)^(1/p) over ``dims``.   d/dx = sign(x) |x|^(p-1) / out^(p-1).

    Special orders: p=2 gives x / out; p=1 gives sign(x); p=±inf sends the gradient to the
    entries of largest/smallest |x| (split evenly on ties); p=0 (count of non-zeros) has no
    gradient. Where ``out`` is 0 the gradient is 0.
    """

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, ord=2.0, dims=(), keepdim=False):  # noqa: A002
        xp = ctx.xp
        ctx.shape, ctx.dims, ctx.keepdim, ctx.ord = x.shape, dims, keepdim, ord
        if ord == 2:
            out = xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim))
        elif ord == 1:
            out = xp.sum(xp.abs(x), axis=dims, keepdims=keepdim)
        elif ord == math.inf:
            out = xp.amax(xp.abs(x), axis=dims, keepdims=keepdim)
        elif ord == -math.inf:
            out = xp.amin(xp.abs(x), axis=dims, keepdims=keepdim)
        elif ord == 0:
            out = xp.sum(x != 0, axis=dims, keepdims=keepdim, dtype=x.dtype)
        else:
            with np.errstate(divide="ignore"):  # negative p: |0|^p = inf, then inf^(1/p) = 0
                out = xp.sum(xp.abs(x) ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
        out = xp.asarray(out)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import where

        x, out = ctx.saved_tensors
        p = ctx.ord
        if p == 0:
            return None
        grad = expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)
        out = expand_back(out, ctx.shape, ctx.dims, ctx.keepdim)
        if p == 1:
            return grad * x.sign()
        if p in (math.inf, -math.inf):
            mask = (x.abs() == out).to(grad.dtype)
            ties = mask.sum(ctx.dims, keepdim=True)
            return grad * x.sign() * mask / ties
        out_zero = bool((out._data == 0).any())
        if p == 2 and not out_zero:
            return grad * x / out
        if p < 1:
            x_zero = x == 0
            safe = where(x_zero, 1.0, x)
            scaled = where(x_zero, 0.0, x.sign() * safe.abs() ** (p - 1))
            return scaled * grad * out ** (1 - p)
        scaled = x if p == 2 else (x.sign() * x.abs() ** (p - 1) if p < 2
                                   else x * x.abs() ** (p - 2))
        if not out_zero:
            return scaled * (grad / out ** (p - 1))
        zero = out == 0
        return scaled * where(zero, 0.0, grad / where(zero, 1.0, out) ** (p - 1))


def _vector_norm(input: Tensor, ord, dim, keepdim: bool, dtype) -> Tensor:  # noqa: A002
    if input._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(input.dtype)}")
    if dtype is not None:
        dt = _dtype.as_dtype(dtype)
        if np.dtype(dt.np).kind != "f":
            raise RuntimeError("linalg.vector_norm: dtype should be floating point or complex, "
                               f"but got {type_name(dt)}")
        if np.dtype(dt.np).itemsize < input._data.dtype.itemsize:
            raise RuntimeError(
                f"linalg.vector_norm: the dtype of the input ({type_name(input.dtype)}) should "
                f"be convertible without narrowing to the specified dtype ({type_name(dt)})")
        input = input.to(dt)
    ord = float(ord)  # noqa: A001
    shape = input._data.shape
    dims = reduce_dims(dim, len(shape), "linalg.vector_norm")
    if abs(ord) == math.inf and 0 in shape:
        name = "inf" if ord > 0 else "-inf"
        if dim is None or (isinstance(dim, tuple | list) and not dim):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on an empty "
                               "tensor because the operation does not have an identity")
        for d in dims:
            if shape[d] == 0:  # PyTorch's message lacks the space before "because"
                raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on the "
                                   f"dimension {d}because this dimension is empty and the "
                                   "operation does not have an identity")
    return LinalgVectorNorm.apply(input, ord=ord, dims=dims, keepdim=keepdim)


class Svdvals(Op):
    """s = singular values of A (batched over leading dims).   dA = U diag(ds) V^T.

    U and V come back as constants, so this gradient is first-order only.
    """

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a):
        u, s, vh = ctx.xp.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh)
        return s

    @staticmethod
    def backward(ctx, grad):
        u, vh = ctx.saved_tensors
        return (u * grad.unsqueeze(-2)) @ vh


def _nuclear_norm(input: Tensor, dim, keepdim: bool) -> Tensor:  # noqa: A002
    """Sum of singular values over the two matrix dims ``dim`` (default: the last two)."""
    n = input._data.ndim
    if n < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    dims = (-2, -1) if dim is None else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dims))
    d0, d1 = (d % n for d in dims)
    out = Svdvals.apply(input.movedim((d0, d1), (-2, -1))).sum(-1)
    if keepdim:  # as PyTorch: size-1 dims at the end, moved back into place
        out = out.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (d0, d1))
    return out


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None,  # noqa: A002
         dtype=None) -> Tensor:
    """The vector p-norm of ``input`` over ``dim`` (all elements when ``dim`` is None).

    out = (Σ |x|^p)^(1/p).   d/dx = sign(x) |x|^(p-1) / out^(p-1)  (0 at the zero vector).

    Args:
        p: ``'fro'`` or 2 (Euclidean), 1, ``inf``/``-inf`` (max/min of |x|), 0 (count of
            non-zeros), any other number, or ``'nuc'`` (the nuclear norm of matrices: the sum
            of singular values over two dims, the last two by default).
        dim: an int or a tuple of ints; ``'fro'`` takes at most two dims.
        keepdim: keep the reduced dims with size 1.
        dtype: compute in (and return) this floating dtype.

    Example:
        >>> autograd_lab.tensor([3., 4.]).norm()
        tensor(5.)
    """
    if isinstance(p, str):
        if p != "fro":
            if p == "nuc":
                res = _nuclear_norm(input if dtype is None else input.to(dtype), dim, keepdim)
                return write_out("norm", res, out)
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if isinstance(dim, tuple | list) and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                               + " ".join(str(d) for d in dim))
        p = 2
    elif p is None:
        p = 2
    res = _vector_norm(input, p, dim, keepdim, dtype)
    return write_out("norm", res, out)
