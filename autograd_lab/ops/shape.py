"""View operations: new shapes and strides over the same storage, as in PyTorch.

A view op's forward returns a NumPy view of its input (``is_view = True``): writing through a
view changes the base, both share one version counter, and ``stride()``/``is_contiguous()``
agree with PyTorch (where NumPy would choose other strides for size-1 or broadcast dims, the
view is rebuilt with ``as_strided``). Backward of a view op reshapes, permutes, sums or embeds
the gradient back into the input's shape.

Related modules, re-exported at the end of this one so Tensor methods find every shape op
here: :mod:`.subviews` (narrow, select, split, chunk, unbind, diagonal), :mod:`.join` (cat,
stack, hstack, ...), :mod:`.shape_copy` (clone, to, repeat, flip, roll, tril/triu) and
:mod:`.strides` (PyTorch's stride rules).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op, _check_inplace_allowed
from ._util import normalize_dims, shape_arg, wrap_dim
from .strides import (
    _NOT_VIEWABLE,
    _as_strided,
    _elem_strides,
    _infer_shape,
    _restride,
    _view_strides,
)


# ----------------------------------------------------------------------------- view / reshape
class View(Op):
    """out = x with a new shape over the same storage.   d/dx = grad reshaped back."""

    node_name = "ViewBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        if x.flags.c_contiguous and 1 not in x.shape and 0 not in x.shape:
            # Fast path: row-major strides in and out, which NumPy and PyTorch agree on.
            return x.reshape(shape)
        strides = _view_strides(x.shape, _elem_strides(x), shape)
        if strides is None:
            raise RuntimeError(_NOT_VIEWABLE)
        cand = x.reshape(shape) if x.flags.c_contiguous else _as_strided(ctx.xp, x, shape,
                                                                         strides)
        return _restride(ctx.xp, x, cand, strides)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class ReshapeAlias(View):
    """``reshape`` of a non-contiguous tensor whose layout still allows a view."""

    node_name = "ReshapeAliasBackward0"


class UnsafeView(Op):
    """The reshape half of a ``reshape`` that had to copy (PyTorch's ``_unsafe_view``): its
    input is a fresh contiguous clone, so the result is not tracked as a view of it.
    d/dx = grad reshaped back."""

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _view_dtype(input: Tensor, d) -> Tensor:  # noqa: A002
    """``view(dtype)``: the same bytes read as another dtype (not differentiable)."""
    d = _dtype.as_dtype(d)
    a = input._data
    if a.itemsize != d.np.itemsize and a.ndim and a.shape[-1] * a.itemsize % d.np.itemsize:
        ratio = max(d.np.itemsize // a.itemsize, 1)
        raise RuntimeError(f"self.size(-1) must be divisible by {ratio} to view "
                           f"{_TYPE_NAMES[input.dtype.name]} as {_TYPE_NAMES[d.name]} "
                           f"(different element sizes), but got {a.shape[-1]}")
    out = Tensor._make(a.view(d.np), device=input._device)
    out._base = input._base if input._base is not None else input
    out._version_counter = input._version_counter
    return out


def view(input: Tensor, *shape) -> Tensor:  # noqa: A002
    """A tensor with the same data and a new shape (one size may be -1, inferred).

    Never copies: fails when the layout can't be expressed with strides (e.g. after a
    transpose); use :func:`reshape` then. ``view(dtype)`` reinterprets the bytes.

    Example:
        >>> autograd_lab.arange(6).view(2, -1).shape
        autograd_lab.Size([2, 3])
    """
    if len(shape) == 1 and not isinstance(shape[0], int | list | tuple | Tensor):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(shape_arg(shape), input._data.size)
    return View.apply(input, shape=shape)


def reshape(input: Tensor, *shape) -> Tensor:  # noqa: A002
    """Like :func:`view` when the layout allows (no copy), else a contiguous copy.

    PyTorch's grad_fn tells which happened: ``ViewBackward0`` (contiguous input),
    ``ReshapeAliasBackward0`` (a view of a non-contiguous input) or ``UnsafeViewBackward0``
    (a ``clone`` followed by an untracked reshape of the copy).
    """
    shape = _infer_shape(shape_arg(shape), input._data.size)
    a = input._data
    if a.flags.c_contiguous:
        return View.apply(input, shape=shape)
    if _view_strides(a.shape, _elem_strides(a), shape) is None:
        return UnsafeView.apply(Clone.apply(input, order="C"), shape=shape)
    return ReshapeAlias.apply(input, shape=shape)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-D tensor: ``contiguous().view(-1)`` (a view when contiguous)."""
    return View.apply(contiguous(input), shape=(input._data.size,))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim..end_dim`` into one (a view when the layout allows)."""
    n = input._data.ndim
    if n == 0:  # dims are checked as for a 1-D tensor, as in PyTorch
        wrap_dim(start_dim, 1)
        wrap_dim(end_dim, 1)
        return reshape(input, 1)
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dim ``dim`` into ``sizes`` (one may be -1). A view."""
    n = input._data.ndim
    d = wrap_dim(dim, n)
    shape = input._data.shape
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    ok = (known and shape[d] % known == 0) if -1 in sizes else known == shape[d]
    if not ok:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor")
    inner = _infer_shape(sizes, shape[d])
    return View.apply(input, shape=shape[:d] + inner + shape[d + 1:])


# ----------------------------------------------------------------------------- expand
class Expand(Op):
    """Repeat size-1 dims to ``shape`` without copying (stride 0).   d/dx = grad summed back."""

    node_name = "ExpandBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        lead = len(shape) - x.ndim
        old = _elem_strides(x)
        strides = [0] * len(shape)
        overlap = False
        for i in range(len(shape) - 1, -1, -1):
            if i >= lead:
                size, st = x.shape[i - lead], old[i - lead]
            else:  # a new leading dim: PyTorch gives it the stride of the next dim's span
                size, st = 1, (shape[i + 1] * strides[i + 1] if i + 1 < len(shape) else 1)
            if size != shape[i]:
                st = 0
                overlap = overlap or shape[i] > 1
            strides[i] = st
        return _as_strided(ctx.xp, x, shape, strides, writeable=not overlap)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.in_shape)


def expand(input: Tensor, *sizes) -> Tensor:  # noqa: A002
    """A view with size-1 dims repeated to ``sizes`` (no copy); -1 keeps a dim's size.

    New dims may be added in front. Writing into an expanded tensor is refused (its elements
    share memory).
    """
    sizes = shape_arg(sizes)
    shape = input._data.shape
    fmt = ", ".join
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(autograd_lab.{input.dtype._tensor_type}{{[{fmt(map(str, shape))}]}}, "
            f"size=[{fmt(map(str, sizes))}]): the number of sizes provided ({len(sizes)}) must "
            f"be greater or equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: [{fmt(map(str, sizes))}].  "
                f"Tensor sizes: [{fmt(map(str, shape))}]")
        target.append(s)
    return Expand.apply(input, shape=tuple(target))


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:  # noqa: A002
    """Broadcast ``input`` to ``size`` (same as ``input.expand(size)``)."""
    return expand(input, size)


def expand_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return expand(input, other.shape)


# ----------------------------------------------------------------------------- permutations
class Permute(Op):
    """Reorder dims (a view).   d/dx = grad permuted by the inverse order."""

    node_name = "PermuteBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*np.argsort(ctx.dims).tolist())


class Transpose(Op):
    """Swap two dims (a view).   d/dx = grad with the same dims swapped back."""

    node_name = "TransposeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dim0=0, dim1=1):
        ctx.dim0, ctx.dim1 = dim0, dim1
        return x.swapaxes(dim0, dim1) if x.ndim else x[...]

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.dim0, ctx.dim1)


class T(Transpose):
    """``t()``: matrix transpose; 0-D and 1-D tensors come back unchanged (still a view)."""

    node_name = "TBackward0"

    @staticmethod
    def forward(ctx, x, dim0=0, dim1=1):
        ctx.dim0, ctx.dim1 = dim0, dim1
        return x.T if x.ndim == 2 else x[...]

    @staticmethod
    def backward(ctx, grad):
        return grad.t()


def permute(input: Tensor, *dims) -> Tensor:  # noqa: A002
    """A view with dims reordered: ``out.shape[i] == input.shape[dims[i]]``."""
    dims = shape_arg(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims=dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """A view with dims ``dim0`` and ``dim1`` swapped."""
    n = input._data.ndim
    return Transpose.apply(input, dim0=wrap_dim(dim0, n), dim1=wrap_dim(dim1, n))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose of a matrix; 0-D and 1-D tensors are returned as they are."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return T.apply(input)


def matrix_transpose(input: Tensor) -> Tensor:  # noqa: A002
    """``Tensor.mT``: swap the last two dims of a matrix or a batch of matrices."""
    n = input._data.ndim
    if n == 1:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           "Got 1-D tensor.")
    return Transpose.apply(input, dim0=max(n - 2, 0), dim1=max(n - 1, 0))


def adjoint(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose of the last two dims (real tensors: no conjugation)."""
    return transpose(input, -2, -1)


def movedim(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """Move dims ``source`` to positions ``destination``; the others keep their order.
    A :func:`permute` (grad_fn ``PermuteBackward0``)."""
    n = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(wrap_dim(d, n) for d in src)
    dst = tuple(wrap_dim(d, n) for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")
    order = [None] * n
    for s, d in zip(src, dst, strict=True):
        order[d] = s
    rest = iter(d for d in range(n) if d not in src)
    order = tuple(o if o is not None else next(rest) for o in order)
    return Permute.apply(input, dims=order)


moveaxis = movedim


# ----------------------------------------------------------------------------- (un)squeeze
class Unsqueeze(Op):
    """Insert a size-1 dim at ``dim`` (a view).   d/dx = grad with that dim removed."""

    node_name = "UnsqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        old = _elem_strides(x)
        st = x.shape[dim] * old[dim] if dim < x.ndim else 1
        # NumPy's reshape of a contiguous array already gives PyTorch's stride for the new dim;
        # indexing with None (stride 0) is the cheap way otherwise, fixed up by _restride.
        cand = (x.reshape(x.shape[:dim] + (1,) + x.shape[dim:]) if x.flags.c_contiguous
                else x[(slice(None),) * dim + (None,)])
        return _restride(ctx.xp, x, cand, old[:dim] + (st,) + old[dim:])

    @staticmethod
    def backward(ctx, grad):
        return grad.squeeze(ctx.dim)


class Squeeze(Op):
    """Remove the size-1 dims ``dims`` (a view).   d/dx = grad reshaped back."""

    node_name = "SqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.in_shape = x.shape
        # Indexing a size-1 dim with 0 drops it and keeps every other stride, as PyTorch does.
        return x[tuple(0 if i in dims else slice(None) for i in range(x.ndim)) + (Ellipsis,)]

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    node_name = "SqueezeBackward2"


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """A view with a size-1 dim inserted at ``dim`` (in ``[-ndim-1, ndim]``)."""
    return Unsqueeze.apply(input, dim=wrap_dim(dim, input._data.ndim + 1))


def _squeeze_args(input, dim):
    shape = input._data.shape
    n = len(shape)
    if dim is None:
        return 0, tuple(i for i, s in enumerate(shape) if s == 1)
    if isinstance(dim, int | np.integer):
        d = wrap_dim(int(dim), n)
        return 1, ((d,) if n and shape[d] == 1 else ())
    dims = normalize_dims(dim, n)
    return 2, tuple(d for d in dims if n and shape[d] == 1)


_SQUEEZE_OPS = (Squeeze, SqueezeDim, SqueezeDims)


def squeeze(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    """A view without dims of size 1: all of them, or those among ``dim`` (int or tuple).

    Dims named in ``dim`` whose size isn't 1 are left alone, as in PyTorch.
    """
    kind, dims = _squeeze_args(input, dim)
    return _SQUEEZE_OPS[kind].apply(input, dims=dims)


# ----------------------------------------------------------------------------- in-place views
# ``t_``, ``transpose_``, ``squeeze_`` and ``unsqueeze_`` change a tensor's shape and strides,
# not its values. Here the tensor simply swaps its array for a view of it and takes the
# view op's node as its history. Simplification: views taken of it *before* the change are
# not updated (PyTorch keeps them valid through as_strided); they still share its memory.
class TInplace(T):
    node_name = "TBackward1"


class TransposeInplace(Transpose):
    node_name = "TransposeBackward1"


class UnsqueezeInplace(Unsqueeze):
    node_name = "UnsqueezeBackward1"


class SqueezeInplace(Squeeze):
    node_name = "SqueezeBackward3"


class SqueezeDimInplace(Squeeze):
    node_name = "SqueezeBackward4"


class SqueezeDimsInplace(Squeeze):
    node_name = "SqueezeBackward5"


def _inplace_view(self: Tensor, op, **options) -> Tensor:
    if grad_mode._enabled and self._requires_grad:
        _check_inplace_allowed(self)
    res = op.apply(self, **options)
    if self._base is not None:
        # Keep self replayable from its base: a stand-in holds its old view recipe.
        old = Tensor._make(self._data, device=self._device)
        old._base, old._view_src = self._base, self._view_src
        self._view_src = (old, op, options)
    self._data = res._data
    self._version_counter.value += 1
    if res.grad_fn is not None:
        self.grad_fn, self._output_nr = res.grad_fn, 0
    return self


def t_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place :func:`t`: ``input`` itself becomes its transpose."""
    t(input)  # validates
    return _inplace_view(input, TInplace)


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    n = input._data.ndim
    return _inplace_view(input, TransposeInplace, dim0=wrap_dim(dim0, n),
                         dim1=wrap_dim(dim1, n))


def unsqueeze_(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    return _inplace_view(input, UnsqueezeInplace, dim=wrap_dim(dim, input._data.ndim + 1))


def squeeze_(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    kind, dims = _squeeze_args(input, dim)
    op = (SqueezeInplace, SqueezeDimInplace, SqueezeDimsInplace)[kind]
    return _inplace_view(input, op, dims=dims)


# The rest of the shape ops, re-exported (see the module docstring).
from .join import (  # noqa: E402, I001
    atleast_1d, atleast_2d, atleast_3d, cat, column_stack, concat, concatenate, dstack, hstack,
    row_stack, stack, vstack,
)
from .shape_copy import (  # noqa: E402
    Clone, channels_last, clone, contiguous, contiguous_format, flip, fliplr, flipud,
    memory_format, pin_memory, preserve_format, repeat, repeat_interleave, roll, tile, to, tril,
    tril_, triu, triu_,
)
from .subviews import chunk, diagonal, narrow, select, split, unbind  # noqa: E402

__all__ = [
    "view", "reshape", "ravel", "flatten", "unflatten", "expand", "expand_as", "broadcast_to",
    "permute", "transpose", "swapaxes", "swapdims", "t", "adjoint", "movedim", "moveaxis",
    "unsqueeze", "squeeze", "narrow", "select", "split", "chunk", "unbind", "diagonal",
    "t_", "transpose_", "unsqueeze_", "squeeze_",
    "atleast_1d", "atleast_2d", "atleast_3d", "cat", "clone", "column_stack", "concat",
    "concatenate", "contiguous", "dstack", "flip", "fliplr", "flipud", "hstack", "repeat",
    "repeat_interleave", "roll", "stack", "tile", "to", "tril", "tril_", "triu", "triu_",
    "vstack", "row_stack", "memory_format", "contiguous_format", "preserve_format",
    "channels_last", "pin_memory",
]
