"""max, min, amax, amin, argmax, argmin.

Three kinds of gradient, exactly as PyTorch defines them:

* ``x.max()`` (no dim) and ``x.amax(dims)``: the gradient is split evenly among all entries
  equal to the maximum (a tie of two gets half each);
* ``x.max(dim)``: returns ``(values, indices)`` and the gradient goes to the one entry at
  ``indices`` only (the first maximum);
* ``argmax`` / ``argmin`` return integer indices: no gradient.
"""

from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import array_module
from ._util import wrap_dim, write_out
from .reduce import expand_back, reduce_dims

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin"]


class MaxAll(Op):
    """out = max(x).   d/dx = 1/k on the k entries equal to the max (nan: on the nans), else 0."""

    node_name = "MaxBackward1"
    reduce = "amax"

    @classmethod
    def forward(cls, ctx, x):
        out = ctx.xp.asarray(getattr(ctx.xp, cls.reduce)(x))
        ctx.out_is_nan = bool(ctx.xp.isnan(out)) if out.dtype.kind == "f" else False
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        mask = (x.isnan() if ctx.out_is_nan else x == out).to(grad.dtype)
        return mask * (grad / mask.sum())


class MinAll(MaxAll):
    """out = min(x).   The gradient is split evenly among the minima."""

    node_name = "MinBackward1"
    reduce = "amin"


class Amax(Op):
    """out = max of x over ``dims``.   d/dx = 1/k on the k maxima of each slice, else 0."""

    node_name = "AmaxBackward0"
    reduce = "amax"

    @classmethod
    def forward(cls, ctx, x, dims=(), keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        out = ctx.xp.asarray(getattr(ctx.xp, cls.reduce)(x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.shape, ctx.dims, ctx.keepdim
        mask = (x == expand_back(out, shape, dims, keepdim)).to(grad.dtype)
        share = grad / mask.sum(dims, keepdim=keepdim)
        return mask * expand_back(share, shape, dims, keepdim)


class Amin(Amax):
    """out = min of x over ``dims``.   The gradient is split evenly among each slice's minima."""

    node_name = "AminBackward0"
    reduce = "amin"


class MaxDim(Op):
    """(values, indices) = max of x along ``dim``.   d/dx = 1 at ``indices``, 0 elsewhere."""

    node_name = "MaxBackward0"
    num_outputs = 2
    arg = "argmax"

    @classmethod
    def forward(cls, ctx, x, dim=0, keepdim=False):
        xp = ctx.xp
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        if x.ndim == 0:  # a 0-d tensor is its own max, at index 0
            ctx.idx = None
            return x.copy(), xp.zeros((), dtype=xp.int64)
        idx = xp.asarray(getattr(xp, cls.arg)(x, axis=dim, keepdims=True), dtype=xp.int64)
        values = xp.take_along_axis(x, idx, axis=dim)
        ctx.idx = idx
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        return values, idx

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if grad is None:
            return None
        if ctx.idx is None:
            return grad
        # The gradient's destination: 1 where the index points, 0 elsewhere (index bookkeeping).
        xp, shape, dim = ctx.xp, ctx.shape, ctx.dim
        pos = xp.arange(shape[dim]).reshape((-1,) + (1,) * (len(shape) - dim - 1))
        onehot = Tensor._make((pos == ctx.idx).astype(grad._data.dtype), device=grad._device)
        return expand_back(grad, shape, (dim,), ctx.keepdim) * onehot


class MinDim(MaxDim):
    """(values, indices) = min of x along ``dim``.   d/dx = 1 at ``indices``, 0 elsewhere."""

    node_name = "MinBackward0"
    arg = "argmin"


def _check_nonempty(name: str, input: Tensor, dims, given) -> None:  # noqa: A002
    """PyTorch refuses max/min of nothing: a reduction without identity."""
    shape = input._data.shape
    if 0 not in shape:
        return
    if given is None:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    for d, g in zip(dims, given, strict=True):
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {g} to have non-zero size.")


def _max_min(name: str, all_op, dim_op, binary, input, dim, keepdim, out):  # noqa: A002
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        return binary(input, dim, out=out)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            "(keepdim=bool, ), but expected (int dim, bool keepdim = False)")
        if input._data.size == 0:
            _check_nonempty(name, input, (), None)
        return write_out(name, all_op.apply(input), out)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(dim).__name__}), but expected one of: (), (Tensor other), "
                        "(int dim, bool keepdim = False)")
    d = wrap_dim(int(dim), input._data.ndim)
    if input._data.size == 0:
        _check_nonempty(name, input, (d,), (d,))
    values, indices = dim_op.apply(input, dim=d, keepdim=keepdim)
    if out is not None:
        values, indices = write_out(name, values, out[0]), write_out(name, indices, out[1])
    return getattr(return_types, name)(values, indices)


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001, A002
    """The maximum: of all elements, along ``dim`` with its index, or of two tensors.

    * ``max(x)``: a 0-d tensor. d/dx = 1/k on the k tied maxima.
    * ``max(x, dim, keepdim=False)``: ``return_types.max(values, indices)``; the gradient goes
      to the entry at ``indices`` only.
    * ``max(x, other)``: :func:`maximum`.

    Example:
        >>> autograd_lab.tensor([[1., 5.], [7., 2.]]).max(1).indices
        tensor([1, 0])
    """
    from .elementwise import maximum

    return _max_min("max", MaxAll, MaxDim, maximum, input, dim, keepdim, out)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001, A002
    """The minimum: of all elements, along ``dim`` with its index, or of two tensors.

    Same forms and gradients as :func:`max`.
    """
    from .elementwise import minimum

    return _max_min("min", MinAll, MinDim, minimum, input, dim, keepdim, out)


def _amax_amin(name: str, op, input: Tensor, dim, keepdim: bool) -> Tensor:  # noqa: A002
    ndim = input._data.ndim
    dims = reduce_dims(dim, ndim, name)
    if input._data.size == 0:
        every = isinstance(dim, tuple | list) and not dim
        given = None if every else ((dim,) if isinstance(dim, int | np.integer) else tuple(dim))
        wrapped = None if given is None else tuple(wrap_dim(int(g), ndim) for g in given)
        _check_nonempty(name, input, wrapped or (), given)
    return op.apply(input, dims=dims, keepdim=keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Maximum over ``dim`` (an int or tuple; ``()`` means all dims), values only.

    out = max over dims.   d/dx = 1/k on the k tied maxima of each slice, 0 elsewhere.

    Example:
        >>> autograd_lab.tensor([[1., 5.], [7., 2.]]).amax(0)
        tensor([7., 5.])
    """
    return _amax_amin("amax", Amax, input, dim, keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Minimum over ``dim`` (an int or tuple; ``()`` means all dims), values only."""
    return _amax_amin("amin", Amin, input, dim, keepdim)


def _arg(name: str, input: Tensor, dim, keepdim: bool) -> Tensor:  # noqa: A002
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    xp = array_module(input._device)
    fn = getattr(xp, name)
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        res = xp.asarray(fn(x), dtype=xp.int64)  # index into the flattened tensor
        if keepdim:
            res = res.reshape((1,) * x.ndim)
        return Tensor._make(res, device=input._device)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    d = wrap_dim(int(dim), x.ndim)
    if x.ndim == 0:
        return Tensor._make(xp.zeros((), dtype=xp.int64), device=input._device)
    if x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    res = xp.asarray(fn(x, axis=d, keepdims=keepdim), dtype=xp.int64)
    return Tensor._make(res, device=input._device)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the maximum along ``dim`` (of the flattened tensor when ``dim`` is None).

    The first index wins a tie; a nan counts as the maximum. No gradient (int64 result).

    Example:
        >>> autograd_lab.tensor([[1., 5.], [7., 2.]]).argmax()
        tensor(2)
    """
    return _arg("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the minimum along ``dim`` (of the flattened tensor when ``dim`` is None)."""
    return _arg("argmin", input, dim, keepdim)

