"""Sorting and selection: sort, argsort, msort, topk, unique.

Sorting along a dim is a permutation: ``values = take_along(x, indices)``. Its gradient puts
each output gradient back where the value came from: a scatter of ``grad`` by ``indices`` into
zeros (for ``topk`` the positions not selected get zero). Both directions are ops here, so the
gradient is itself differentiable. Sorts are stable (equal values keep their order), for
``stable=False`` too: the result is then one of the orders PyTorch may return.
"""

from __future__ import annotations

from .. import return_types
from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import array_module
from ._util import wrap_dim


def _put(xp, g, idx, dim: int, shape: tuple):
    out = xp.zeros(shape, dtype=g.dtype)
    if out.ndim == 0:
        out[...] = g
    else:
        xp.put_along_axis(out, idx, g, axis=dim)
    return out


class TakeAlong(Op):
    """out = x[..., idx[..., j], ...] along ``dim``.   d/dx = grad scattered back by idx."""

    node_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, x, idx, dim=0):
        ctx.dim, ctx.shape = dim, x.shape
        ctx.save_for_backward(idx)
        return x.copy() if x.ndim == 0 else ctx.xp.take_along_axis(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        return ScatterAlong.apply(grad, idx, dim=ctx.dim, shape=ctx.shape), None


class ScatterAlong(Op):
    """out = zeros(shape) with out[idx] = g along ``dim`` (idx unique along dim).
    d/dg = grad taken back at idx."""

    node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, g, idx, dim=0, shape=()):
        ctx.dim = dim
        ctx.save_for_backward(idx)
        return _put(ctx.xp, g, idx, dim, shape)

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        return TakeAlong.apply(grad, idx, dim=ctx.dim), None


def _sort_indices(xp, x, dim: int, descending: bool):
    """Stable argsort along ``dim`` (NaN counts as the largest value, as in PyTorch)."""
    if x.ndim == 0:
        return xp.zeros((), dtype=xp.int64)
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable").astype(xp.int64, copy=False)
    # Descending and stable: sort the reversed array ascending, reverse the order back, and
    # map positions in the reversed array to original ones (ties keep their original order).
    n = x.shape[dim]
    rev = xp.flip(xp.argsort(xp.flip(x, axis=dim), axis=dim, kind="stable"), axis=dim)
    return (n - 1 - rev).astype(xp.int64, copy=False)


class Sort(Op):
    """(values, indices) = x sorted along ``dim``.   d/dx = grad scattered back by indices."""

    node_name = "SortBackward0"
    num_outputs = 2

    @staticmethod
    def forward(ctx, x, dim=-1, descending=False, k=None):
        idx = _sort_indices(ctx.xp, x, dim, descending)
        if k is not None and x.ndim:  # topk: keep the first k along dim
            idx = ctx.xp.take(idx, ctx.xp.arange(k), axis=dim)
        ctx.dim, ctx.shape, ctx.idx = dim, x.shape, idx
        return x.copy() if x.ndim == 0 else ctx.xp.take_along_axis(x, idx, axis=dim), idx

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        idx = Tensor._make(ctx.idx, device=grad._device)
        return ScatterAlong.apply(grad, idx, dim=ctx.dim, shape=ctx.shape)


class Topk(Sort):
    """(values, indices) = the k largest (or smallest) entries along ``dim``.
    d/dx = grad at the selected positions, zero elsewhere."""

    node_name = "TopkBackward0"


def _dim_of(input: Tensor, dim: int) -> int:  # noqa: A002
    return wrap_dim(dim, input._data.ndim)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *,  # noqa: A002
         stable: bool = False) -> return_types.sort:
    """Sort along ``dim``: the named tuple ``(values, indices)`` with
    ``values = input.gather(dim, indices)``.   d/dinput = grad scattered back by ``indices``.

    Args:
        dim: the dim to sort along (default: the last).
        descending: largest first. NaN counts as larger than every number.
        stable: keep equal values in their original order (always done here).

    Example:
        >>> autograd_lab.tensor([3., 1., 2.]).sort()
        autograd_lab.return_types.sort(
        values=tensor([1., 2., 3.]),
        indices=tensor([2, 0, 1]))
    """
    if not isinstance(dim, int):
        raise TypeError(f"sort(): argument 'dim' must be int, not {type(dim).__name__}")
    d = _dim_of(input, dim)
    values, indices = Sort.apply(input, dim=d, descending=bool(descending))
    return return_types.sort(values, indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,  # noqa: A002
            stable: bool = False) -> Tensor:
    """The ``indices`` of :func:`sort` (int64, no gradient).

    Example:
        >>> autograd_lab.tensor([3., 1., 2.]).argsort()
        tensor([1, 2, 0])
    """
    d = _dim_of(input, dim)
    idx = _sort_indices(array_module(input._device), input._data, d, bool(descending))
    return Tensor._make(idx, device=input._device)


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """Sort along dim 0 and return the values. Composite: ``sort(input, dim=0).values``."""
    return sort(input, dim=0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True) -> return_types.topk:  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) entries along ``dim`` and their indices.

    d/dinput = grad at the selected positions, zero elsewhere. Results are always sorted (with
    ``sorted=False`` PyTorch may return another order).

    Example:
        >>> autograd_lab.tensor([1., 5., 3.]).topk(2)
        autograd_lab.return_types.topk(
        values=tensor([5., 3.]),
        indices=tensor([1, 2]))
    """
    if not isinstance(k, int) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    d = _dim_of(input, dim)
    size = input._data.shape[d] if input._data.ndim else 1
    if k < 0 or k > size:
        raise RuntimeError("selected index k out of range")
    if input._data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    values, indices = Topk.apply(input, dim=d, descending=bool(largest), k=k)
    return return_types.topk(values, indices)


class Unique(Op):
    """(values, inverse, counts) of ``torch.unique`` (flattened input): not differentiable.

    PyTorch records a node whose backward raises; so do we.
    """

    node_name = "Unique2Backward0"
    num_outputs = 3
    _kernel = "_unique2"

    @staticmethod
    def forward(ctx, x, dim=None):
        xp = ctx.xp
        flat = x.reshape(-1) if dim is None else x
        kw = {"equal_nan": False} if x.dtype.kind == "f" else {}
        if flat.size == 0 and dim is None:
            empty = xp.zeros(0, dtype=xp.int64)
            return flat.copy(), xp.zeros(x.shape, dtype=xp.int64), empty
        values, inverse, counts = xp.unique(flat, return_inverse=True, return_counts=True,
                                            axis=dim, **kw)
        inverse = inverse.reshape(x.shape if dim is None else (-1,))
        return values, inverse.astype(xp.int64, copy=False), counts.astype(xp.int64, copy=False)

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError(f"the derivative for '{ctx._op._kernel}' is not implemented.")


class UniqueDim(Unique):
    node_name = "UniqueDimBackward0"
    _kernel = "unique_dim"


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct values of ``input`` (``dim=None``, flattened) or its distinct slices along
    ``dim``, sorted; optionally where each input entry went (``inverse``) and how often each
    value occurs (``counts``). Not differentiable. NaNs are all distinct, as in PyTorch.

    Returns:
        ``output``, or a tuple ``(output, inverse?, counts?)`` with the requested extras.

    Example:
        >>> autograd_lab.unique(autograd_lab.tensor([3, 1, 3]), return_counts=True)
        (tensor([1, 3]), tensor([1, 2]))
    """
    if dim is None:
        values, inverse, counts = Unique.apply(input)
    else:
        d = _dim_of(input, dim)
        values, inverse, counts = UniqueDim.apply(input, dim=d)
    if not return_inverse and not return_counts:
        return values
    out = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts
                                                                else ())
    return out
