"""Reductions: sum, mean, prod, all/any, and the helpers every reduction shares.

Every reduction maps ``x`` to fewer elements, so every backward has the same first step: put
the reduced dims back (``keepdim``) and broadcast the gradient over them (:func:`expand_back`,
a view, no copy). Max/min/argmax live in :mod:`.minmax`, var/std in :mod:`.variance`, norm in
:mod:`.norm`, logsumexp, softmax, log_softmax and cumsum/cumprod in :mod:`.softmax`. They are
re-exported here, so ``Tensor`` methods find every reduction in one module.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from ..backend import array_module, broadcast_to
from ._util import normalize_dims, write_out

__all__ = ["sum", "sum_to_size", "mean", "prod", "var", "std", "var_mean", "std_mean", "norm",
           "all", "any", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp",
           "softmax", "log_softmax", "cumsum", "cumprod"]


# ----------------------------------------------------------------- helpers shared by reductions
def reduce_dims(dim, ndim: int, name: str = "sum") -> tuple:
    """The reduced dims as a sorted tuple; ``None`` and ``()`` mean all dims (PyTorch's rule).

    A 0-d tensor accepts ``dim`` 0 or -1 and reduces nothing, so it gets ``()``.
    """
    if dim is None or (isinstance(dim, tuple | list) and len(dim) == 0):
        return tuple(range(ndim))
    if not isinstance(dim, int | np.integer | tuple | list) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be tuple of ints, not "
                        f"{type(dim).__name__}")
    dims = normalize_dims(dim, ndim)
    return dims if ndim else ()


def kept_shape(shape: tuple, dims: tuple) -> tuple:
    """``shape`` with the reduced ``dims`` set to 1 (the ``keepdim=True`` result shape)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def expand_back(grad: Tensor, shape: tuple, dims, keepdim: bool, divisor=None) -> Tensor:
    """Broadcast a reduced gradient (divided by ``divisor``) back over the reduced dims.

    The result is a view (stride 0 along the reduced dims), never a copy. In a plain backward
    (grad mode off: nothing is recorded) this works on the raw array, skipping two graph ops;
    under ``create_graph=True`` it uses Tensor ops, so the gradient is itself differentiable.
    """
    keep = not keepdim and dims is not None and grad._data.ndim  # a 0-d grad just expands
    if not grad_mode._enabled:
        g = grad._data if divisor is None else grad._data / divisor
        if g.shape != shape:
            if keep:
                g = g.reshape(kept_shape(shape, dims))
            g = broadcast_to(array_module(grad._device), g, shape)
        return Tensor._make(g, device=grad._device)
    if divisor is not None:
        grad = grad / divisor
    if grad._data.shape == shape:
        return grad
    if keep:
        grad = grad.reshape(kept_shape(shape, dims))
    return grad.expand(shape)


def count(shape: tuple, dims: tuple) -> int:
    """How many elements each output of a reduction over ``dims`` combines."""
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def type_name(d) -> str:
    """PyTorch's scalar type name in messages: float32 -> "Float", int64 -> "Long"."""
    return d._tensor_type[: -len("Tensor")]


def check_autograd_dtype(input: Tensor, np_dtype) -> None:  # noqa: A002
    """A reduction asked for an integer result cannot take part in autograd."""
    if (np_dtype is not None and np.dtype(np_dtype).kind != "f" and input._requires_grad
            and grad_mode._enabled):
        name = type_name(Tensor._dtype_of_np(np.dtype(np_dtype)))
        raise RuntimeError(f"Autograd not support dtype: {name}")


def _int_accumulate(input: Tensor, dtype):  # noqa: A002
    """Result dtype for sum/prod/cumsum: ``dtype``, or int64 for integer and bool inputs."""
    if dtype is not None:
        return _dtype.as_dtype(dtype).np
    if input._data.dtype.kind in "biu":
        return np.dtype(np.int64)  # integer sums accumulate in int64, as in PyTorch
    return None


# ----------------------------------------------------------------- sum and mean
class Sum(Op):
    """out = sum of x over ``dims``.   d/dx = 1, so the gradient is broadcast back."""

    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return ctx.xp.asarray(x.sum(axis=dims, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)


class SumAll(Sum):
    """``x.sum()`` with no dim: PyTorch names this node SumBackward0."""

    node_name = "SumBackward0"


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:  # noqa: A001, A002
    """Sum of all elements, or over ``dim`` (an int or a tuple of ints; ``()`` means all).

    out = Σ x.   d/dx = 1.  Integer and bool inputs sum to int64.

    Example:
        >>> autograd_lab.tensor([[1., 2.], [3., 4.]]).sum(0)
        tensor([4., 6.])
    """
    d = _int_accumulate(input, dtype)
    if d is not None and dtype is not None:
        check_autograd_dtype(input, d)
    if dim is None:
        res = SumAll.apply(input, dims=None, keepdim=False, dtype=d)
    else:
        dims = reduce_dims(dim, input._data.ndim, "sum")
        res = Sum.apply(input, dims=dims, keepdim=keepdim, dtype=d)
    return write_out("sum", res, out)


def sum_to_size(input: Tensor, *size) -> Tensor:  # noqa: A002
    """Sum ``input`` down to ``size``, undoing broadcasting (the engine uses it for gradients)."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    shape = input._data.shape
    if tuple(size) == shape:
        return input
    lead = len(shape) - len(size)
    err = RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                       f"{{{', '.join(map(str, shape))}}}.")
    if lead < 0:
        raise err
    dims = list(range(lead))
    for i, s in enumerate(size):
        if s == 1 and shape[lead + i] != 1:
            dims.append(lead + i)
        elif s != shape[lead + i]:
            raise err
    out = Sum.apply(input, dims=tuple(dims), keepdim=True) if dims else input
    return out.reshape(size) if lead else out


class Mean(Op):
    """out = Σ x / N over ``dims``.   d/dx = 1/N, broadcast back."""

    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = x.size if dims is None else count(x.shape, dims)
        return _mean_array(ctx.xp, x, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim, divisor=ctx.count)


def _mean_array(xp, x, dims, keepdim, dtype=None):
    s = x.sum(axis=dims, keepdims=keepdim, dtype=dtype)
    n = x.size if dims is None else count(x.shape, dims)
    if n == 0:  # the mean of nothing is nan, as in PyTorch (and without NumPy's warning)
        return xp.full(xp.shape(s), xp.nan, dtype=s.dtype)
    s = xp.asarray(s)
    s /= n  # in place: the sum is a fresh array
    return s


class MeanAll(Mean):
    """``x.mean()`` with no dim: PyTorch names this node MeanBackward0."""

    node_name = "MeanBackward0"


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:  # noqa: A002
    """Arithmetic mean of all elements, or over ``dim`` (floating dtypes only).

    out = Σ x / N.   d/dx = 1/N.  The mean of an empty tensor is nan.

    Example:
        >>> autograd_lab.tensor([[1., 2.], [3., 4.]]).mean(1)
        tensor([1.5000, 3.5000])
    """
    d = None
    if dtype is not None:
        dt = _dtype.as_dtype(dtype)
        if np.dtype(dt.np).kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: {type_name(dt)}")
        d = np.dtype(dt.np)
    elif input._data.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {type_name(input.dtype)}")
    if dim is None:
        res = MeanAll.apply(input, dims=None, keepdim=False, dtype=d)
    else:
        dims = reduce_dims(dim, input._data.ndim, "mean")
        res = Mean.apply(input, dims=dims, keepdim=keepdim, dtype=d)
    return write_out("mean", res, out)


# ----------------------------------------------------------------- prod
class Prod(Op):
    """out = Π x over ``dim``.   d/dx_i = Π_{j≠i} x_j  (= out / x_i when no x is zero).

    At zeros out / x is 0/0, so the product of the *others* is built without dividing (see
    :func:`prod_of_others`): one zero gets the product of the rest; with two or more zeros
    every gradient is 0, and second derivatives stay right.
    """

    node_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        out = ctx.xp.asarray(ctx.xp.prod(x, axis=dims, keepdims=keepdim, dtype=dtype))
        ctx.has_zero = bool((out == 0).any())  # only then may some x be zero
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        grad = expand_back(grad, ctx.shape, dims, keepdim)
        if not ctx.has_zero:
            return grad * expand_back(out, ctx.shape, dims, keepdim) / x
        if dims is None or len(dims) != 1:  # the whole tensor: one slice, along a flat dim
            return grad * prod_of_others(x.reshape(-1), 0).reshape(ctx.shape)
        return grad * prod_of_others(x, dims[0])


def first_zero(xp, x, dim: int):
    """Masks (constants) for the zeros of ``x`` along ``dim``: ``(first, before, has)``.

    ``first``: the first zero of each slice; ``before``: positions before any zero;
    ``has``: (kept dim) whether the slice has a zero at all.
    """
    zero = x == 0
    n = xp.cumsum(zero, axis=dim)
    return zero & (n == 1), n == 0, n.take([-1], axis=dim) > 0


def prod_of_others(x: Tensor, dim: int) -> Tensor:
    """Π_{j≠i} x_j along ``dim`` for every i, differentiable (twice) even at zeros.

    No zeros: prod / x. Otherwise with z the first zero of a slice and x' = x with x_z set to
    1: at z it is prod(x'); elsewhere x_z · (the same quantity for x'), a recursion that ends
    when no zeros are left (x_z is 0 but keeps its gradient).
    """
    from .elementwise import where

    if not bool((x._data == 0).any()):
        return x.prod(dim, keepdim=True) / x
    first, _, has = (Tensor._make(m, device=x._device) for m in first_zero(_xp(x), x._data, dim))
    x1 = where(first, 1.0, x)
    x_z = where(has, where(first, x, 0.0).sum(dim, keepdim=True), 1.0)
    return where(first, x1.prod(dim, keepdim=True), x_z * prod_of_others(x1, dim))


def _xp(t: Tensor):
    return array_module(t._device)


class ProdAll(Prod):
    """``x.prod()`` with no dim: PyTorch names this node ProdBackward0."""

    node_name = "ProdBackward0"


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """Product of all elements, or over one ``dim``.

    out = Π x.   d/dx_i = Π_{j≠i} x_j.  Integer and bool inputs multiply in int64.

    Example:
        >>> autograd_lab.tensor([[1., 2.], [3., 4.]]).prod(1)
        tensor([ 2., 12.])
    """
    d = _int_accumulate(input, dtype)
    if dtype is not None:
        check_autograd_dtype(input, d)
    if dim is None:
        return ProdAll.apply(input, dims=None, keepdim=False, dtype=d)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    dims = reduce_dims(dim, input._data.ndim, "prod")
    return Prod.apply(input, dims=dims, keepdim=keepdim, dtype=d)


# ----------------------------------------------------------------- all / any (no gradient)
def _logical_reduce(fn: str, input: Tensor, dim, keepdim: bool) -> Tensor:  # noqa: A002
    x = input._data
    if dim is None:
        axis = None
    elif isinstance(dim, tuple | list) and len(dim) == 0:
        axis = ()  # PyTorch: ``dim=()`` reduces nothing (each element becomes a bool)
    else:
        axis = normalize_dims(dim, x.ndim) if x.ndim else ()
    xp = array_module(input._device)
    res = xp.asarray(getattr(xp, fn)(x, axis=axis, keepdims=keepdim))
    if x.dtype == np.uint8:  # PyTorch keeps uint8 for all/any of uint8, bool for all else
        res = res.astype(np.uint8)
    return Tensor._make(res, device=input._device)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True if every element (over ``dim``) is non-zero. Result dtype bool (uint8 for uint8).

    Example:
        >>> autograd_lab.tensor([[1, 0], [2, 3]]).all(1)
        tensor([False,  True])
    """
    return _logical_reduce("all", input, dim, keepdim)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True if some element (over ``dim``) is non-zero. Result dtype bool (uint8 for uint8)."""
    return _logical_reduce("any", input, dim, keepdim)


# Norms, max/min, softmax and the scans live in their own modules; re-exported for Tensor.
from .minmax import amax, amin, argmax, argmin, max, min  # noqa: A004, E402
from .norm import norm  # noqa: E402
from .softmax import cumprod, cumsum, log_softmax, logsumexp, softmax  # noqa: E402
from .variance import std, std_mean, var, var_mean  # noqa: E402
