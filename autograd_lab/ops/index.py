"""Indexing: ``t[...]`` and ``t[...] = v`` (basic, advanced, boolean), and ``index_put``.

PyTorch reads an index in two passes, and so do we (it differs from NumPy in one place):

1. *Basic* items (ints, slices, ``None``, ``...``) are applied left to right as views: select,
   slice, unsqueeze. The result shares memory with ``t``; its ``grad_fn`` is named after the last
   step (``x[0, 1:]`` -> ``SliceBackward0``).
2. *Advanced* items (integer or bool tensors, lists, arrays) are remembered with the dim they
   index, and index that view all at once, by NumPy's rules for where the new dims go. That
   copies (``IndexBackward0``); its gradient *adds* into repeated positions.

NumPy treats an int next to an array as advanced too: for ``x`` of shape (3, 4, 5),
``x[0, :, [1, 2]]`` has shape (2, 4) in NumPy and (4, 2) in PyTorch. Applying the basic part
first gives PyTorch's answer. gather, scatter, index_select, masked_fill, ... live in
``ops/scatter.py`` (re-exported here for the Tensor methods).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from ..backend import array_module
from ..backend import scatter_add as _scatter_add_raw
from . import inplace as _inplace
from ._util import type_name, write_out
from .index_parse import (
    adv_error,
    adv_shape,
    adv_tuple,
    check_bounds,
    convert_item,
    masks_to_ints,
    parse_index,
)
from .masked import _broadcast_shape, masked_fill, masked_fill_, nonzero  # noqa: F401
from .scatter import (  # noqa: F401 - re-exported for Tensor's methods
    gather,
    index_add,
    index_add_,
    index_select,
    scatter,
    scatter_,
    scatter_add,
    scatter_add_,
    take,
)

__all__ = ["getitem", "setitem", "index_put", "index_put_", "masked_select"]

# ----------------------------------------------------------------------------- the ops
class _View(Op):
    """out = x[key], a view.   d/dx = zeros of x's shape with grad written at the same place."""

    is_view = True

    @staticmethod
    def forward(ctx, x, key=()):
        ctx.key, ctx.in_shape = key, x.shape
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        if grad._data.size == int(np.prod(ctx.in_shape)):
            # The view kept every element in order (only None, full slices, size-1 selects).
            return grad.reshape(ctx.in_shape)
        return _VIEW_GRAD[ctx._op].apply(grad, key=ctx.key, shape=ctx.in_shape)


class Select(_View):
    node_name = "SelectBackward0"


class Slice(_View):
    node_name = "SliceBackward0"


class Unsqueeze(_View):
    node_name = "UnsqueezeBackward0"


class Alias(_View):
    node_name = "AliasBackward0"


class _ViewGrad(Op):
    """out = zeros(shape) with out[key] = g.   d/dg = grad[key]."""

    @staticmethod
    def forward(ctx, g, key=(), shape=()):
        ctx.key = key
        out = ctx.xp.zeros(shape, g.dtype)
        out[key] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return Slice.apply(grad, key=ctx.key)


class SelectGrad(_ViewGrad):
    node_name = "SelectBackwardBackward0"


class SliceGrad(_ViewGrad):
    node_name = "SliceBackwardBackward0"


_VIEWS = {"Select": Select, "Slice": Slice, "Unsqueeze": Unsqueeze, "Alias": Alias}
_VIEW_GRAD = {Select: SelectGrad, Slice: SliceGrad, Unsqueeze: SliceGrad, Alias: SliceGrad}


class Index(Op):
    """out = x[basic][adv], a copy.   d/dx = zeros with grad *added* at the indexed places."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, basic=(...,), adv=()):
        ctx.basic, ctx.adv, ctx.in_shape = basic, adv, x.shape
        sliced = x[basic]
        try:
            return sliced[adv]
        except IndexError:
            raise adv_error(sliced.shape, adv) from None

    @staticmethod
    def backward(ctx, grad):
        return IndexGrad.apply(grad, basic=ctx.basic, adv=ctx.adv, shape=ctx.in_shape)


class IndexGrad(Op):
    """out = zeros(shape); out[basic][adv] += g (repeats add up).   d/dg = grad[basic][adv]."""

    node_name = "IndexPutImplBackward0"

    @staticmethod
    def forward(ctx, g, basic=(...,), adv=(), shape=()):
        ctx.basic, ctx.adv = basic, adv
        out = ctx.xp.zeros(shape, g.dtype)
        _put(ctx.xp, out[basic], adv, g, accumulate=True)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, basic=ctx.basic, adv=ctx.adv)


class IndexPut(Op):
    """out = x with out[adv] = v (``+= v`` if accumulate).

    d/dx = grad with zeros where v was written (grad itself if accumulate),  d/dv = grad[adv]
    (summed back to v's shape by the engine).
    """

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, v, adv=(), accumulate=False):
        ctx.adv, ctx.accumulate = adv, accumulate
        out = x.copy()
        _put(ctx.xp, out, adv, v, accumulate)
        return out

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        gx = gv = None
        if needs[0]:
            gx = grad if ctx.accumulate else IndexPut.apply(grad, 0, adv=ctx.adv)
        if needs[1]:
            gv = Index.apply(grad, adv=ctx.adv)
        return gx, gv


def _put(xp, target, adv, values, accumulate) -> None:
    """``target[adv] = values`` (or ``+=``, repeated indices adding up), PyTorch's errors."""
    try:
        if not accumulate:
            target[adv] = values
        elif all(a.dtype == bool for a in adv if not isinstance(a, slice)):
            target[adv] += values  # masks never repeat a position
        else:
            _scatter_add_raw(xp, target, masks_to_ints(adv), values)
    except IndexError:
        raise adv_error(target.shape, adv) from None
    except ValueError:
        shape = adv_shape(target.shape, adv)
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(values))} cannot "
                           f"be broadcast to indexing result of shape {list(shape)}") from None


# ----------------------------------------------------------------------------- t[index]
def getitem(input: Tensor, index) -> Tensor:  # noqa: A002
    """``input[index]``: a view for ints, slices, None and ``...``; a copy with index arrays.

    Backward: the gradient is written (basic) or added (advanced; repeats add up) into zeros of
    the input's shape at the indexed places.

    Example:
        >>> x = autograd_lab.arange(6.).view(2, 3)
        >>> x[:, 1]
        tensor([1., 4.])
        >>> x[[0, 0], [2, 2]]
        tensor([2., 2.])
    """
    if index.__class__ is int:  # fast path for the commonest case, x[i]
        shape = input._data.shape
        if shape and -shape[0] <= index < shape[0]:
            return Select.apply(input, key=(index, Ellipsis))
    key = parse_index(input, index)
    if key.adv is None:
        return _VIEWS[key.view_op].apply(input, key=key.basic)
    if input._device.type != "cpu":  # CuPy wraps out-of-range indices instead of raising
        check_bounds(input._data[key.basic].shape, key.adv)
    return Index.apply(input, basic=key.basic, adv=key.adv)


class MaskedSelect(Index):
    """out = x[mask] (both broadcast first), 1-D.   d/dx = zeros with grad at the mask."""

    node_name = "MaskedSelectBackward0"


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (a copy).

    ``input`` and ``mask`` broadcast together first. d/dinput = grad put back at the mask.

    Example:
        >>> t = autograd_lab.tensor([[1., 2.], [3., 4.]])
        >>> autograd_lab.masked_select(t, t > 1)
        tensor([2., 3., 4.])
    """
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast_shape(mask._data.shape, input._data.shape)
    if input._data.shape != shape:
        input = input.expand(*shape)  # noqa: A001 - a view; the engine sums its gradient back
    m = mask._data
    if m.shape != shape:
        m = array_module(input._device).broadcast_to(m, shape)
    return write_out("masked_select", MaskedSelect.apply(input, adv=(m,)), out)


# ----------------------------------------------------------------------------- t[index] = v
def _strip_leading_ones(value: Tensor) -> Tensor:
    """PyTorch drops a value's leading size-1 dims before broadcasting it (x[0] = ones(1, 4))."""
    shape = value._data.shape
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return value if k == 0 else value.reshape(shape[k:])


def _check_expand(value: Tensor, shape: tuple) -> None:
    vs = value._data.shape
    ok = len(vs) <= len(shape) and all(v in (1, s) for v, s in zip(vs[::-1], shape[::-1],
                                                                  strict=False))
    if not ok:
        from .shape import expand

        expand(value, *shape)  # raises PyTorch's expand error
        raise RuntimeError(f"cannot assign a value of shape {list(vs)} to shape {list(shape)}")


def setitem(input: Tensor, index, value) -> None:  # noqa: A002
    """``input[index] = value``: write ``value`` (broadcast, cast to input's dtype) in place.

    With autograd: basic indices write through a view (the input's ``grad_fn`` becomes
    ``CopySlices``); index arrays record an in-place ``index_put_`` (``IndexPutBackward0``).
    """
    if isinstance(value, Tensor):
        value = _strip_leading_ones(value)
        if value._device != input._device:
            value = value.to(input._device)
    elif not isinstance(value, numbers.Number):
        name = type(value).__name__
        mod = type(value).__module__
        name = name if mod == "builtins" else f"{mod.split('.')[0]}.{name}"
        raise TypeError(f"can't assign a {name} to a {input.type()}")
    if index is False:
        return
    key = parse_index(input, index, for_set=True)
    record = grad_mode._enabled and (input._requires_grad or getattr(value, "_requires_grad",
                                                                    False))
    if not record:
        v = value._data if isinstance(value, Tensor) else value
        sliced = input._data[key.basic]
        if key.adv is None:
            if isinstance(value, Tensor):
                _check_expand(value, sliced.shape)
            sliced[...] = v
        else:
            if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
                raise _dtype_error(input, value)
            _put(array_module(input._device), sliced, key.adv, v, False)
        input._version_counter.value += 1
        return
    target = input if key.steps == 0 else _VIEWS[key.view_op].apply(input, key=key.basic)
    if not isinstance(value, Tensor):
        xp = array_module(input._device)
        value = Tensor._make(xp.asarray(value, dtype=input._data.dtype), device=input._device)
    if key.adv is not None:
        if value._data.dtype != input._data.dtype:
            raise _dtype_error(input, value)
        _index_put_rec(target, key.adv, value, False)
    elif value._data.ndim == 0 and target._data.ndim != 0:
        _inplace.fill_(target, value)
    else:
        _check_expand(value, target._data.shape)
        _inplace.copy_(target, value)


def _dtype_error(input: Tensor, value: Tensor) -> RuntimeError:  # noqa: A002
    return RuntimeError("Index put requires the source and destination dtypes match, got "
                        f"{type_name(input.dtype)} for the destination and "
                        f"{type_name(value.dtype)} for the source.")


# ----------------------------------------------------------------------------- index_put
def _indices_key(input: Tensor, indices) -> tuple:  # noqa: A002
    if not isinstance(indices, tuple | list):
        raise TypeError(f"index_put(): argument 'indices' (position 2) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
    items = [convert_item(t, input) for t in indices]
    ndim = input._data.ndim
    n = sum(v.ndim if tag == "mask" else 1 for tag, v in items)
    if n > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim} (got {n})")
    xp = array_module(input._device)
    adv, d = [], 0
    for tag, v in items:
        if tag in ("int", "bool"):  # 0-d tensors index like 1-element arrays here
            v = xp.asarray(v, dtype=bool if tag == "bool" else np.int64)
        adv.append((d, v))
        d += v.ndim if v.dtype == bool else 1
    return adv_tuple(adv, list(input._data.shape))


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """out = input with out[indices] = values (``+=`` with ``accumulate``, repeats adding up).

    d/dinput = grad with zeros where values were written (grad if accumulate),
    d/dvalues = grad[indices], summed back to values' shape.

    Args:
        indices: a tuple of index tensors (int or bool), one per leading dim.
        values: a tensor of input's dtype, broadcastable to the indexed shape.

    Example:
        >>> autograd_lab.index_put(autograd_lab.zeros(3), (autograd_lab.tensor([0, 2]),),
        ...                        autograd_lab.tensor(7.))
        tensor([7., 0., 7.])
    """
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 3) must be Tensor, not "
                        f"{type(values).__name__}")
    adv = _indices_key(input, indices)
    if values._data.dtype != input._data.dtype:
        raise _dtype_error(input, values)
    return IndexPut.apply(input, _strip_leading_ones(values), adv=adv, accumulate=accumulate)


def _index_put_raw(input, adv, values, accumulate):  # noqa: A002
    return IndexPut.apply(input, values, adv=adv, accumulate=accumulate)


_index_put_rec = _inplace.inplace(_index_put_raw, "index_put_")


def index_put_(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """In-place :func:`index_put`."""
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' (position 3) must be Tensor, not "
                        f"{type(values).__name__}")
    adv = _indices_key(input, indices)
    if values._data.dtype != input._data.dtype:
        raise _dtype_error(input, values)
    values = _strip_leading_ones(values)
    if grad_mode._enabled and (input._requires_grad or values._requires_grad):
        return _index_put_rec(input, adv, values, accumulate)
    _put(array_module(input._device), input._data, adv, values._data, accumulate)
    input._version_counter.value += 1
    return input
