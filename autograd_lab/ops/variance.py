"""Variance and standard deviation: var, std, var_mean, std_mean.

Primitives rather than composites so that the graph shows PyTorch's node names
(``VarBackward0``, ``StdBackward0``, ``VarMeanBackward0``) and so that ``std`` can define its
gradient at a constant input (0, where the chain rule would give 0/0).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import write_out
from .reduce import _mean_array, count, expand_back, reduce_dims

__all__ = ["var", "std", "var_mean", "std_mean"]


def _correction(name: str, dim, unbiased, correction):
    """Sort out PyTorch's two spellings: ``unbiased=`` (legacy) and ``correction=``."""
    if isinstance(dim, bool):  # x.var(False): the legacy positional ``unbiased``
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "unbiased and correction")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _var_array(ctx, x, dims, correction, keepdim, name):
    xp = ctx.xp
    n = count(x.shape, dims)
    if n - correction > 0:
        return xp.asarray(xp.var(x, axis=dims, ddof=correction, keepdims=keepdim))
    warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                  "than the reduction factor (input numel divided by output numel).",
                  UserWarning, stacklevel=6)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = xp.sum(x, axis=dims, keepdims=True) / n
        ss = xp.sum((x - m) ** 2, axis=dims, keepdims=keepdim)
        return xp.asarray(ss / max(n - correction, 0))


def _var_backward(ctx, x, grad):
    """d var / dx = 2 (x - mean) / (N - correction)."""
    grad = expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)
    dof = count(ctx.shape, ctx.dims) - ctx.correction
    scale = 2.0 / dof if dof > 0 else float("inf")  # PyTorch: nan gradient when dof <= 0
    return grad * scale * (x - x.mean(ctx.dims, keepdim=True))


def _std_to_var_grad(grad, std):
    """d std = d var / (2 std); PyTorch defines it as 0 where std == 0 (a constant input)."""
    from .elementwise import where

    if not bool((std._data == 0).any()):
        return grad / (2 * std)
    zero = std == 0
    return where(zero, 0.0, grad / (2 * where(zero, 1.0, std)))


class Var(Op):
    """out = Σ (x - mean)² / (N - correction).   d/dx = 2 (x - mean) / (N - correction)."""

    node_name = "VarBackward0"

    @staticmethod
    def forward(ctx, x, dims=(), correction=1, keepdim=False, name="var"):
        ctx.shape, ctx.dims, ctx.keepdim, ctx.correction = x.shape, dims, keepdim, correction
        ctx.save_for_backward(x)
        return _var_array(ctx, x, dims, correction, keepdim, name)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _var_backward(ctx, x, grad)


class Std(Op):
    """out = sqrt(var(x)).   d/dx = (x - mean) / ((N - correction) std)  (0 where std == 0)."""

    node_name = "StdBackward0"

    @staticmethod
    def forward(ctx, x, dims=(), correction=1, keepdim=False, name="std"):
        ctx.shape, ctx.dims, ctx.keepdim, ctx.correction = x.shape, dims, keepdim, correction
        out = ctx.xp.sqrt(_var_array(ctx, x, dims, correction, keepdim, name))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _var_backward(ctx, x, _std_to_var_grad(grad, out))


class VarMean(Op):
    """(var, mean) in one pass.   Each output's gradient is that of :class:`Var` / :class:`Mean`."""

    node_name = "VarMeanBackward0"
    num_outputs = 2
    take_sqrt = False

    @classmethod
    def forward(cls, ctx, x, dims=(), correction=1, keepdim=False, name="var_mean"):
        ctx.shape, ctx.dims, ctx.keepdim, ctx.correction = x.shape, dims, keepdim, correction
        v = _var_array(ctx, x, dims, correction, keepdim, name)
        if cls.take_sqrt:
            v = ctx.xp.sqrt(v)
        m = _mean_array(ctx.xp, x, dims, keepdim)
        ctx.save_for_backward(x, v)
        return v, m

    @classmethod
    def backward(cls, ctx, grad_v, grad_m):
        x, v = ctx.saved_tensors
        gx = None
        if grad_v is not None:
            gx = _var_backward(ctx, x, _std_to_var_grad(grad_v, v) if cls.take_sqrt else grad_v)
        if grad_m is not None:
            gm = expand_back(grad_m / count(ctx.shape, ctx.dims), ctx.shape, ctx.dims,
                             ctx.keepdim)
            gx = gm if gx is None else gx + gm
        return gx


class StdMean(VarMean):
    """(std, mean) in one pass."""

    node_name = "StdMeanBackward0"
    take_sqrt = True


def _moments(op, name, input, dim, unbiased, keepdim, correction):  # noqa: A002
    if input._data.dtype.kind != "f":
        what = "std and var" if name in ("std", "var") else name
        raise RuntimeError(f"{what} only support floating point and complex dtypes")
    dim, correction = _correction(name, dim, unbiased, correction)
    dims = reduce_dims(dim, input._data.ndim, name)
    return op.apply(input, dims=dims, correction=correction, keepdim=keepdim, name=name)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,  # noqa: A002
        out=None) -> Tensor:
    """Variance over ``dim`` (all dims if None), divided by ``N - correction``.

    out = Σ (x - mean)² / (N - correction).   d/dx = 2 (x - mean) / (N - correction).

    Args:
        unbiased: legacy spelling: True is ``correction=1`` (the default), False is 0.
        correction: Bessel's correction; 0 gives the population variance.

    Example:
        >>> autograd_lab.tensor([1., 2., 3., 4.]).var()
        tensor(1.6667)
    """
    return write_out("var", _moments(Var, "var", input, dim, unbiased, keepdim, correction), out)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,  # noqa: A002
        out=None) -> Tensor:
    """Standard deviation: ``sqrt(var(...))`` with the same arguments as :func:`var`.

    d/dx = (x - mean) / ((N - correction) std); 0 for a constant input, as in PyTorch.
    """
    return write_out("std", _moments(Std, "std", input, dim, unbiased, keepdim, correction), out)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
             correction=None) -> tuple:
    """``(var(input, ...), mean(input, ...))`` computed together; a plain tuple, as in PyTorch."""
    return _moments(VarMean, "var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
             correction=None) -> tuple:
    """``(std(input, ...), mean(input, ...))`` computed together; a plain tuple."""
    return _moments(StdMean, "std_mean", input, dim, unbiased, keepdim, correction)
