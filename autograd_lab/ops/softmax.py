"""Ops along one dimension that need exp or a running total: logsumexp, softmax,
log_softmax (fused, numerically stable primitives), cumsum and cumprod.

Stability: exp(1e4) overflows, so these subtract the maximum first. Mathematically nothing
changes (softmax(x) = softmax(x - c) for any c), numerically everything does:
exp(x - max) is at most 1.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from ..backend import array_module
from ._util import float_dtype_for, wrap_dim, write_out
from .reduce import (
    _int_accumulate,
    check_autograd_dtype,
    expand_back,
    first_zero,
    reduce_dims,
    type_name,
)

__all__ = ["logsumexp", "softmax", "log_softmax", "cumsum", "cumprod"]


def _stable_max(xp, x, axis):
    """max over ``axis`` (kept), replaced by 0 where it is ±inf or the slice is empty.

    Shifting by an infinite max would give inf - inf = nan; PyTorch shifts by 0 there.
    """
    if x.size == 0:
        return xp.zeros(tuple(1 if axis is None or i in axis else s
                              for i, s in enumerate(x.shape)), dtype=x.dtype)
    m = x.max(axis=axis, keepdims=True)
    finite = xp.isfinite(m)
    return m if finite.all() else xp.where(finite, m, 0)


class Logsumexp(Op):
    """out = log Σ exp(x) over ``dims``.   d/dx = exp(x - out)  (= softmax(x))."""

    node_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, dims=(), keepdim=False):
        xp = ctx.xp
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        m = _stable_max(xp, x, dims)
        s = xp.sum(xp.exp(x - m), axis=dims, keepdims=True)
        with np.errstate(divide="ignore"):  # log(0) = -inf: every entry was -inf
            out = xp.log(s)
        out += m
        if not keepdim and dims:
            out = out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in dims))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.shape, ctx.dims, ctx.keepdim
        return expand_back(grad, shape, dims, keepdim) * (
            x - expand_back(out, shape, dims, keepdim)).exp()


def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A002
    """log(Σ exp(x)) over ``dim`` (an int or tuple), computed without overflow.

    out = m + log Σ exp(x - m) with m = max(x).   d/dx = exp(x - out) = softmax(x).
    Integer inputs give the default float dtype.

    Example:
        >>> autograd_lab.tensor([1e4, 1e4]).logsumexp(0)
        tensor(10000.6934)
    """
    d = float_dtype_for(input)
    if d is not None:
        input = Tensor._make(input._data.astype(d), device=input._device)
    dims = reduce_dims(dim, input._data.ndim, "logsumexp")
    return write_out("logsumexp", Logsumexp.apply(input, dims=dims, keepdim=keepdim), out)


class Softmax(Op):
    """y = exp(x - max) / Σ exp(x - max) along ``dim``.   dL/dx = y (g - Σ g y)."""

    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        xp = ctx.xp
        ctx.dim = dim
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)  # the engine casts the gradient back to the input's dtype
        axis = (dim,) if x.ndim else ()
        y = xp.asarray(x - _stable_max(xp, x, axis))
        xp.exp(y, out=y)  # in place: y is a fresh array
        y /= y.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if not grad_mode._enabled:  # plain backward: the same formula on raw arrays, in place
            g, y = grad._data, y._data
            gx = g * y
            gx -= y * gx.sum(axis=ctx.dim if y.ndim else None, keepdims=True)
            return Tensor._make(gx, device=grad._device)
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True))


class LogSoftmax(Op):
    """y = x - log Σ exp(x) along ``dim``.   dL/dx = g - softmax(x) Σ g = g - exp(y) Σ g."""

    node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        xp = ctx.xp
        ctx.dim = dim
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        axis = (dim,) if x.ndim else ()
        y = xp.asarray(x - _stable_max(xp, x, axis))
        s = xp.asarray(xp.exp(y).sum(axis=axis, keepdims=True))
        y -= xp.log(s, out=s)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if not grad_mode._enabled:  # plain backward: the same formula on raw arrays, in place
            g = grad._data
            gx = ctx.xp.exp(y._data)
            gx *= -g.sum(axis=ctx.dim if g.ndim else None, keepdims=True)
            gx += g
            return Tensor._make(gx, device=grad._device)
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True)


def _softmax_args(name: str, input: Tensor, dim, dtype):  # noqa: A002
    if dim is None or not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' (position 2) must be int, not "
                        f"{type(dim).__name__}")
    ndim = input._data.ndim
    d = None if dtype is None else np.dtype(_dtype.as_dtype(dtype).np)
    wrapped = wrap_dim(int(dim), ndim)
    kind = d or input._data.dtype
    if kind.kind != "f":
        kernel = f"{name}_lastdim" if wrapped == max(ndim - 1, 0) else name
        raise NotImplementedError(f'"{kernel}_kernel_impl" not implemented for '
                                  f"'{type_name(Tensor._dtype_of_np(kind))}'")
    return wrapped, d


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:  # noqa: A002
    """Softmax along ``dim``: exponentials normalised to sum to 1. A fused, stable primitive.

    y_i = exp(x_i) / Σ_j exp(x_j).   dy_i/dx_j = y_i (δ_ij - y_j).

    Args:
        dim: the dimension that sums to 1 (required, as in ``torch.softmax``).
        dtype: cast the input to this dtype first (e.g. float64 for extra precision).

    Example:
        >>> autograd_lab.tensor([1., 2., 3.]).softmax(0)
        tensor([0.0900, 0.2447, 0.6652])
    """
    d, dt = _softmax_args("softmax", input, dim, dtype)
    return Softmax.apply(input, dim=d, dtype=dt)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:  # noqa: A002
    """log(softmax(x)) along ``dim``, computed stably (no log of an underflowed 0).

    y_i = x_i - log Σ_j exp(x_j).   dy_i/dx_j = δ_ij - softmax(x)_j.

    Example:
        >>> autograd_lab.tensor([1e4, 0.]).log_softmax(0)
        tensor([     0., -10000.])
    """
    d, dt = _softmax_args("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(input, dim=d, dtype=dt)


# ----------------------------------------------------------------- cumulative sum and product
class Cumsum(Op):
    """out_i = Σ_{j<=i} x_j along ``dim``.   dL/dx_j = Σ_{i>=j} g_i (a reversed cumsum).

    ``reverse=True`` computes that reversed cumsum (the backward; its own backward is cumsum).
    """

    node_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None, reverse=False):
        xp = ctx.xp
        ctx.dim, ctx.reverse = dim, reverse
        if x.ndim == 0:
            return x.astype(dtype or x.dtype, copy=True)
        if not reverse:
            return xp.cumsum(x, axis=dim, dtype=dtype)
        out = xp.cumsum(xp.flip(x, axis=dim), axis=dim, dtype=dtype)
        return xp.ascontiguousarray(xp.flip(out, axis=dim))

    @staticmethod
    def backward(ctx, grad):
        return Cumsum.apply(grad, dim=ctx.dim, reverse=not ctx.reverse)


def _reverse_cumsum(t: Tensor, dim: int) -> Tensor:
    return Cumsum.apply(t, dim=dim, reverse=True)


class Cumprod(Op):
    """out_i = Π_{j<=i} x_j along ``dim``.   dL/dx_j = Σ_{i>=j} g_i out_i / x_j.

    Dividing by x_j fails at zeros; see :func:`_cumprod_grad` for the exact form there.
    """

    node_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        ctx.dim = dim
        if x.ndim == 0:
            out = x.astype(dtype or x.dtype, copy=True)
        else:
            out = ctx.xp.cumprod(x, axis=dim, dtype=dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x._data.ndim == 0:
            return grad
        return _cumprod_grad(x, out, grad, ctx.dim)


def _cumprod_grad(x: Tensor, out: Tensor, grad: Tensor, dim: int) -> Tensor:
    """Σ_{i>=j} g_i Π_{k<=i, k≠j} x_k, differentiable (twice) even at zeros.

    Along each slice, with z its first zero and x' = x with x_z set to 1: positions before z
    use Σ g_i out_i / x_j; z itself gets Σ_{i>=z} g_i cumprod(x')_i; positions after z get
    x_z times the same gradient for x' (a recursion that ends when no zeros are left).
    """
    from .elementwise import where

    if not bool((x._data == 0).any()):
        return _reverse_cumsum(grad * out, dim) / x
    dev = x._device
    first, before, has = (Tensor._make(m, device=dev)
                          for m in first_zero(array_module(dev), x._data, dim))
    at_before = _reverse_cumsum(grad * out, dim) / where(before, x, 1.0)
    x1 = where(first, 1.0, x)
    out1 = x1.cumprod(dim)
    at_first = _reverse_cumsum(grad * out1, dim)
    x_z = where(has, where(first, x, 0.0).sum(dim, keepdim=True), 1.0)
    after = x_z * _cumprod_grad(x1, out1, grad, dim)
    return where(before, at_before, where(first, at_first, after))


def _scan(name: str, op, input: Tensor, dim, dtype) -> Tensor:  # noqa: A002
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    d = _int_accumulate(input, dtype)
    if dtype is not None:
        check_autograd_dtype(input, d)
    return op.apply(input, dim=wrap_dim(int(dim), input._data.ndim), dtype=d)


def cumsum(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:  # noqa: A002
    """Running sum along ``dim``.   out_i = Σ_{j<=i} x_j.   d/dx: a reversed running sum.

    Integer and bool inputs accumulate in int64.

    Example:
        >>> autograd_lab.tensor([1., 2., 3.]).cumsum(0)
        tensor([1., 3., 6.])
    """
    return write_out("cumsum", _scan("cumsum", Cumsum, input, dim, dtype), out)


def cumprod(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:  # noqa: A002
    """Running product along ``dim``.   out_i = Π_{j<=i} x_j  (gradient correct at zeros).

    Example:
        >>> autograd_lab.tensor([1., 2., 3.]).cumprod(0)
        tensor([1., 2., 6.])
    """
    return write_out("cumprod", _scan("cumprod", Cumprod, input, dim, dtype), out)
