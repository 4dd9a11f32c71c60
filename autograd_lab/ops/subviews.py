"""Views of parts of a tensor: ``narrow``, ``select``, ``split``/``chunk``, ``unbind``,
``diagonal``. Each shares the input's storage; the backward embeds the gradient into zeros of
the input's shape (``split``/``unbind`` concatenate/stack their pieces' gradients).
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import wrap_dim
from .strides import _as_strided, _elem_strides


# ----------------------------------------------------------------------------- slicing views
class Narrow(Op):
    """out = x[index] for a tuple of ints/slices (a view).   d/dx = grad embedded in zeros."""

    node_name = "SliceBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, index=()):
        ctx.in_shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        return Embed.apply(grad, shape=ctx.in_shape, index=ctx.index)


class Select(Narrow):
    node_name = "SelectBackward0"


class Embed(Op):
    """out = zeros(shape) with out[index] = g (backward of slicing).   d/dg = grad[index]."""

    node_name = "SliceBackwardBackward0"

    @staticmethod
    def forward(ctx, g, shape=(), index=()):
        ctx.index = index
        out = ctx.xp.zeros(shape, dtype=g.dtype)
        out[index] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return Narrow.apply(grad, index=ctx.index)


def _dim_index(d: int, item) -> tuple:
    return (slice(None),) * d + (item, Ellipsis)


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:  # noqa: A002
    """The view ``input[..., start:start+length, ...]`` along ``dim``."""
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return Narrow.apply(input, index=_dim_index(d, slice(start, start + length)))


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """The view ``input[..., index, ...]`` along ``dim`` (that dim is removed)."""
    n = input._data.ndim
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, input.shape))}] at dimension {dim}")
    return Select.apply(input, index=_dim_index(d, index % size))


class Split(Op):
    """Consecutive pieces of ``sizes`` along ``dim``, all views (one node, several outputs).
    d/dx = the pieces' gradients concatenated (zeros for pieces without one)."""

    node_name = "SplitBackward0"
    is_view = True
    num_outputs = 2  # "several": the actual count is set per call in forward

    @staticmethod
    def forward(ctx, x, dim=0, sizes=()):
        ctx.dim, ctx.sizes, ctx._num_outputs = dim, sizes, len(sizes)
        ctx.in_shape = x.shape
        outs, start = [], 0
        for s in sizes:
            outs.append(x[_dim_index(dim, slice(start, start + s))])
            start += s
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        from .join import cat

        pieces = []
        for g, s in zip(grads, ctx.sizes, strict=True):
            if g is None:
                shape = list(ctx.in_shape)
                shape[ctx.dim] = s
                g = _zeros_like_grad(grads, shape)
            pieces.append(g)
        return cat(pieces, ctx.dim)


class SplitWithSizes(Split):
    node_name = "SplitWithSizesBackward0"


def _zeros_like_grad(grads, shape):
    ref = next(g for g in grads if g is not None)
    return ref.new_zeros(shape)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Split into pieces of ``split_size`` (the last may be smaller) or of the listed sizes.

    The pieces are views of ``tensor``; changing one in place while autograd records is an
    error, as in PyTorch (they are outputs of one node).
    """
    n = tensor._data.ndim
    d = wrap_dim(dim, n)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int | np.integer):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        count = max(-(-size // step), 1) if step else 1
        sizes = tuple(min(step, size - i * step) for i in range(count))
        return Split.apply(tensor, dim=d, sizes=sizes)
    sizes = tuple(int(s) for s in split_size_or_sections)
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={list(sizes)}")
    if sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                           f"(input tensor's size at dimension {d}), but got "
                           f"split_sizes={list(sizes)}")
    return SplitWithSizes.apply(tensor, dim=d, sizes=sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """Split into ``chunks`` near-equal views (fewer when the size doesn't allow)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if size == 0:  # PyTorch still returns ``chunks`` (empty) pieces
        return SplitWithSizes.apply(input, dim=d, sizes=(0,) * chunks)
    return split(input, -(-size // chunks), dim)


class Unbind(Op):
    """All slices along ``dim`` (views, one node).   d/dx = the gradients stacked."""

    node_name = "UnbindBackward0"
    is_view = True
    num_outputs = 2  # actual count set per call

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim, ctx._num_outputs = dim, x.shape[dim]
        ctx.piece_shape = x.shape[:dim] + x.shape[dim + 1:]
        return tuple(x[_dim_index(dim, i)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        from .join import stack

        return stack([g if g is not None else _zeros_like_grad(grads, ctx.piece_shape)
                      for g in grads], ctx.dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """The slices of ``input`` along ``dim``, as a tuple of views."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return Unbind.apply(input, dim=wrap_dim(dim, input._data.ndim))


class Diagonal(Op):
    """The diagonal of dims (dim1, dim2) as a new last dim (a view).
    d/dx = zeros with the diagonal set to grad."""

    node_name = "DiagonalBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, offset=0, dim1=0, dim2=1):
        ctx.in_shape, ctx.offset, ctx.dim1, ctx.dim2 = x.shape, offset, dim1, dim2
        idx = [slice(None)] * x.ndim
        if offset >= 0:
            idx[dim2] = slice(min(offset, x.shape[dim2]), None)
        else:
            idx[dim1] = slice(min(-offset, x.shape[dim1]), None)
        y = x[tuple(idx)]
        st = _elem_strides(y)
        keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
        shape = [y.shape[i] for i in keep] + [min(y.shape[dim1], y.shape[dim2])]
        return _as_strided(ctx.xp, y, shape, [st[i] for i in keep] + [st[dim1] + st[dim2]])

    @staticmethod
    def backward(ctx, grad):
        return DiagonalEmbed.apply(grad, shape=ctx.in_shape, offset=ctx.offset, dim1=ctx.dim1,
                                   dim2=ctx.dim2)


class DiagonalEmbed(Op):
    """out = zeros(shape) with its diagonal set to g.   d/dg = grad's diagonal."""

    node_name = "DiagonalBackwardBackward0"

    @staticmethod
    def forward(ctx, g, shape=(), offset=0, dim1=0, dim2=1):
        ctx.args = (offset, dim1, dim2)
        out = ctx.xp.zeros(shape, dtype=g.dtype)
        Diagonal.forward(ctx, out, offset, dim1, dim2)[...] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, offset=ctx.args[0], dim1=ctx.args[1], dim2=ctx.args[2])


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal (``offset`` above the main one, below if negative) of the matrices in dims
    ``dim1`` and ``dim2``, as a view whose last dim runs along the diagonal."""
    n = input._data.ndim
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2)
