"""Index-driven ops along one dim: gather / scatter, index_select / index_add, masked_fill, take.

They come in pairs whose gradients are each other: the gradient of ``gather`` is a
``scatter_add`` of the gradient, the gradient of ``scatter_add``'s source is a ``gather``;
``index_select`` and ``index_add`` likewise. Backward passes are written with these Tensor ops,
so second derivatives work too.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import array_module, ufunc_at
from ..backend import scatter_add as _scatter_add_raw
from ._util import type_name, wrap_dim, write_out
from .inplace import inplace

__all__ = ["gather", "scatter", "scatter_", "scatter_add", "scatter_add_", "index_select",
           "index_add", "index_add_", "take"]

_INDEX_DTYPES = (np.int64, np.int32)


def _dims_str(shape) -> str:
    return str(list(shape))


def _along(xp, index, dim: int) -> tuple:
    """The NumPy index that sends ``index[i, j, k]`` to position (i, j, k) with dim replaced.

    For dim=0 it is ``(index, arange(J)[None, :, None], arange(K)[None, None, :])``: a full
    mesh of positions in which the dim coordinate is read from ``index``.
    """
    n = index.ndim
    return tuple(index if d == dim else
                 xp.arange(s).reshape((1,) * d + (s,) + (1,) * (n - d - 1))
                 for d, s in enumerate(index.shape))


def _check_range(index, size: int, dim: int, name: str = "") -> None:
    """PyTorch refuses negative and too-large indices here (NumPy would wrap negatives)."""
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        bad = lo if lo < 0 else hi if hi >= size else None
        if bad is not None:
            if name == "index_select":
                raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} "
                                   f"axis_dim={size}")
            raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _check_gather_like(name, input, dim, index, src=None) -> int:  # noqa: A002
    if not isinstance(index, Tensor) or index._data.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    nd, ni = input._data.ndim, index._data.ndim
    dim = wrap_dim(dim, nd)
    who = "input" if name == "gather" else "self"
    if max(nd, 1) != max(ni, 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {who} tensor")
    if src is not None and max(src._data.ndim, 1) != max(ni, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    ishape, sshape = index._data.shape, input._data.shape
    for d in range(ni):
        too_big = d != dim and ishape[d] > sshape[d]
        if src is not None and (too_big or ishape[d] > src._data.shape[d]):
            raise RuntimeError(f"Expected index {_dims_str(ishape)} to be no larger than self "
                               f"{_dims_str(sshape)} apart from dimension {dim} and to be no "
                               f"larger size than src {_dims_str(src._data.shape)}")
        if too_big:
            raise RuntimeError(f"Size does not match at dimension {d} expected index "
                               f"{_dims_str(ishape)} to be no larger than self "
                               f"{_dims_str(sshape)} apart from dimension {dim}")
    _check_range(index._data, sshape[dim] if nd else 1, dim)
    return dim


def _as_1d(x):
    """0-d arrays take part as 1-element arrays (PyTorch treats them as size-1 vectors here)."""
    return x.reshape(1) if x.ndim == 0 else x


# ----------------------------------------------------------------------------- gather / scatter
class Gather(Op):
    """out[i][j] = x[index[i][j]][j] (dim=0).   d/dx = zeros.scatter_add(dim, index, grad)."""

    node_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, x, index, dim=0):
        ctx.dim, ctx.in_shape = dim, x.shape
        ctx.save_for_backward(index)
        idx = _as_1d(index)
        return _as_1d(x)[_along(ctx.xp, idx, dim)].reshape(index.shape)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return scatter_add(grad.new_zeros(ctx.in_shape), ctx.dim, index, grad), None


class Scatter(Op):
    """out = x with out[index[i][j]][j] = src[i][j] (dim=0).

    d/dx = grad with zeros at the written places,  d/dsrc = grad.gather(dim, index).
    """

    node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, index, src, dim=0, reduce=None):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = _as_1d(x).copy()
        idx = _as_1d(index)
        where = _along(ctx.xp, idx, dim)
        if not isinstance(src, numbers.Number) and src.ndim:
            src = src[tuple(slice(0, s) for s in idx.shape)]
        if reduce is None:
            out[where] = src
        elif reduce == "add":
            _scatter_add_raw(ctx.xp, out, where, src)
        else:  # CuPy has no multiply.at: the backend's helper handles both
            ufunc_at(ctx.xp, "multiply", out, where, src)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = scatter(grad, ctx.dim, index, value=0) if needs[0] else None
        gsrc = gather(grad, ctx.dim, index) if len(needs) > 2 and needs[2] else None
        return gx, None, gsrc


class ScatterValue(Scatter):
    node_name = "ScatterBackward1"


class ScatterReduce(Scatter):
    """``scatter(..., reduce=)``: PyTorch has no derivative for it, and neither do we."""

    node_name = "NotImplemented"

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


class ScatterAdd(Op):
    """out = x with out[index[i][j]][j] += src[i][j] (dim=0).

    d/dx = grad,  d/dsrc = grad.gather(dim, index).
    """

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, x, index, src, dim=0):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = _as_1d(x).copy()
        idx = _as_1d(index)
        src = _as_1d(src)[tuple(slice(0, s) for s in idx.shape)]
        _scatter_add_raw(ctx.xp, out, _along(ctx.xp, idx, dim), src)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return grad, None, gather(grad, ctx.dim, index) if needs[2] else None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,  # noqa: A002
           out: Tensor | None = None) -> Tensor:
    """Pick values along ``dim`` by ``index``: ``out[i][j] = input[index[i][j]][j]`` for dim=0.

    d/dinput = zeros with grad *added* at the gathered places (``scatter_add``).

    Shape: ``index`` has input's number of dims, and no larger sizes except along ``dim``;
    out has index's shape.

    Example:
        >>> t = autograd_lab.tensor([[1., 2.], [3., 4.]])
        >>> autograd_lab.gather(t, 1, autograd_lab.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
    """
    dim = _check_gather_like("gather", input, dim, index)
    return write_out("gather", Gather.apply(input, index, dim=dim), out)


def _scatter_args(input, dim, index, src, value, reduce):  # noqa: A002
    if src is None and value is None:
        raise TypeError("scatter() missing required argument: 'src' or 'value'")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    src = value if src is None else src
    if isinstance(src, Tensor):
        dim = _check_gather_like("scatter", input, dim, index, src)
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if reduce is not None:
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                          "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                          "instead for more reduction options.", UserWarning, stacklevel=3)
        op = Scatter if reduce is None else ScatterReduce
    else:
        dim = _check_gather_like("scatter", input, dim, index)
        op = ScatterValue if reduce is None else ScatterReduce
        xp = array_module(input._device)
        src = xp.asarray(src, dtype=input._data.dtype)  # the value cast to input's dtype
    return op, dim, src


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,  # noqa: A002
            reduce: str | None = None, out: Tensor | None = None) -> Tensor:
    """Write ``src`` (a tensor, or a scalar ``value``) into a copy of ``input`` at ``index``.

    ``out[index[i][j]][j] = src[i][j]`` for dim=0; ``reduce='add'``/``'multiply'`` combines
    instead of overwriting (no gradient, as in PyTorch).
    d/dinput = grad with zeros at the written places,  d/dsrc = grad.gather(dim, index).

    Example:
        >>> autograd_lab.scatter(autograd_lab.zeros(2, 3), 1, autograd_lab.tensor([[2], [0]]),
        ...                      autograd_lab.tensor([[5.], [6.]]))
        tensor([[0., 0., 5.],
                [6., 0., 0.]])
    """
    op, dim, src = _scatter_args(input, dim, index, src, value, reduce)
    return write_out("scatter", op.apply(input, index, src, dim=dim, reduce=reduce), out)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *,  # noqa: A002
                out: Tensor | None = None) -> Tensor:
    """``out = input`` with ``out[index[i][j]][j] += src[i][j]`` (dim=0); repeats add up.

    d/dinput = grad,  d/dsrc = grad.gather(dim, index).

    Example:
        >>> autograd_lab.scatter_add(autograd_lab.zeros(3), 0, autograd_lab.tensor([0, 0, 2]),
        ...                          autograd_lab.tensor([1., 2., 3.]))
        tensor([3., 0., 3.])
    """
    dim = _check_gather_like("scatter", input, dim, index, src)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return write_out("scatter_add", ScatterAdd.apply(input, index, src, dim=dim), out)


def _scatter_inplace(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    return scatter(input, dim, index, src, value=value, reduce=reduce)


scatter_ = inplace(_scatter_inplace, "scatter_")
scatter_add_ = inplace(scatter_add, "scatter_add_")


# ----------------------------------------------------------------------------- index_select/add
def _check_index_vector(name, index, extra=""):
    if index._data.dtype not in _INDEX_DTYPES:
        got = f" but got: {type_name(index.dtype)}" if name == "index_add_" else ""
        raise RuntimeError(f"{name}(): Expected dtype int32{' or ' if not got else '/'}int64 for "
                           f"index{got}")
    if index._data.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector{extra}")


class IndexSelect(Op):
    """out = x.take(index, axis=dim).   d/dx = zeros.index_add(dim, index, grad)."""

    node_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, x, index, dim=0):
        ctx.dim, ctx.in_shape = dim, x.shape
        ctx.save_for_backward(index)
        if x.ndim == 0:
            return x.copy()
        return ctx.xp.take(x, _as_1d(index), axis=dim)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        if not ctx.in_shape:
            return grad, None
        return index_add(grad.new_zeros(ctx.in_shape), ctx.dim, index.reshape(-1), grad), None


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The slices of ``input`` along ``dim`` at positions ``index`` (a vector), in that order.

    d/dinput = zeros with grad *added* at those slices (``index_add``).

    Example:
        >>> autograd_lab.index_select(autograd_lab.arange(6.).view(2, 3), 1,
        ...                           autograd_lab.tensor([2, 0]))
        tensor([[2., 0.],
                [5., 3.]])
    """
    dim = wrap_dim(dim, input._data.ndim)
    _check_index_vector("index_select", index)
    size = input._data.shape[dim] if input._data.ndim else 1
    _check_range(index._data, size, dim, "index_select")
    return write_out("index_select", IndexSelect.apply(input, index, dim=dim), out)


class IndexAdd(Op):
    """out = x; out[..., index[k], ...] += alpha * src[..., k, ...].

    d/dx = grad,  d/dsrc = alpha * grad.index_select(dim, index).
    """

    node_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, x, index, src, dim=0, alpha=1):
        ctx.dim, ctx.alpha = dim, alpha
        ctx.save_for_backward(index)
        out = x.copy()
        where = (slice(None),) * dim + (_as_1d(index),)
        _scatter_add_raw(ctx.xp, out, where, src if alpha == 1 else src * alpha)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        if not ctx.needs_input_grad[2]:
            return grad, None, None
        gsrc = index_select(grad, ctx.dim, index)
        return grad, None, gsrc if ctx.alpha == 1 else gsrc * ctx.alpha


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """Add ``alpha * source`` into a copy of ``input`` at positions ``index`` along ``dim``.

    Repeated indices add up. d/dinput = grad,  d/dsource = alpha * grad.index_select(dim, index).

    Example:
        >>> autograd_lab.index_add(autograd_lab.zeros(3), 0, autograd_lab.tensor([0, 0]),
        ...                        autograd_lab.tensor([1., 2.]), alpha=10)
        tensor([30.,  0.,  0.])
    """
    nd = input._data.ndim
    dim = wrap_dim(dim, nd)
    _check_index_vector("index_add_", index, f", but got dim: {index._data.ndim} with type: "
                        f"{type_name(index.dtype)} and size: {_dims_str(index.shape)}")
    sshape, ishape = source._data.shape, input._data.shape
    if len(sshape) != nd or any(s != i for d, (s, i) in enumerate(zip(sshape, ishape,
                                                                      strict=False)) if d != dim):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {_dims_str(ishape)} "
                           f"source.shape = {_dims_str(sshape)}")
    n = index._data.size
    if nd and n != sshape[dim]:
        raise RuntimeError(f"index_add_(): Number of indices ({n}) should be equal to "
                           f"source.size(dim): ({sshape[dim]}), for dim: {dim}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({type_name(input.dtype)}) and source "
                           f"({type_name(source.dtype)}) must have the same scalar type")
    _check_range(index._data, ishape[dim] if nd else 1, dim)
    return write_out("index_add", IndexAdd.apply(input, index, source, dim=dim, alpha=alpha), out)


index_add_ = inplace(index_add, "index_add_")


# ----------------------------------------------------------------------------- take
class Take(Op):
    """out = x.flatten()[index].   d/dx = zeros with grad added at index (then reshaped)."""

    node_name = "TakeBackward0"

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape = x.shape
        flat_index = ctx.xp.where(index < 0, index + x.size, index)
        ctx.save_for_backward(flat_index)  # a constant: never an input
        return x.reshape(-1)[flat_index]

    @staticmethod
    def backward(ctx, grad):
        (flat_index,) = ctx.saved_tensors
        n = int(np.prod(ctx.in_shape))
        flat = index_add(grad.new_zeros(n), 0, flat_index.reshape(-1), grad.reshape(-1))
        return flat.reshape(ctx.in_shape), None


def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002
    """``input`` read as 1-D at ``index`` (negative indices count from the end).

    d/dinput = zeros with grad added at those places. Out has index's shape.

    Example:
        >>> t = autograd_lab.tensor([[1., 2.], [3., 4.]])
        >>> autograd_lab.take(t, autograd_lab.tensor([3, 0]))
        tensor([4., 1.])
    """
    if index._data.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{type_name(index.dtype)}")
    n = input._data.size
    if index._data.size:
        lo, hi = int(index._data.min()), int(index._data.max())
        bad = lo if lo < -n else hi if hi >= n else None
        if bad is not None:
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                             "elements.")
    return Take.apply(input, index)

