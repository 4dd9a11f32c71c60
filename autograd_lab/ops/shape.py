"""Shape and view operations. Views share storage with their input, as in PyTorch.

A view op's forward returns a NumPy view of the input array (``is_view = True``), so writing
through a view changes the base, and both share one version counter. Backward of a view op is
the inverse reshaping of the gradient.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import canonical_device, device, to_device
from ._util import shape_arg, wrap_dim


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` in ``shape`` and check the element count (PyTorch's messages)."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                               f"size {numel}")
        shape = shape[: neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                           f"size {numel}")
    return shape


class View(Op):
    """out = x with a new shape, same storage.   d/dx = grad reshaped back."""

    node_name = "ViewBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape, copy=False)
        except (ValueError, AttributeError):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class ReshapeCopy(Op):
    """``reshape`` of a tensor whose layout can't be viewed: copies.   d/dx = grad reshaped."""

    node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        return ctx.xp.reshape(x, shape).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


def view(input, *shape) -> Tensor:  # noqa: A002
    """A view with a new shape (one dim may be -1). Fails if the layout forbids a view.

    ``view(dtype)`` reinterprets the bytes (no autograd), as PyTorch's ``view(dtype)``.
    """
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        d = shape[0]
        return Tensor._make(input._data.view(d.np), device=input._device)
    shape = _infer_shape(shape_arg(shape), input._data.size)
    if shape == input._data.shape and not input._requires_grad:
        pass
    return View.apply(input, shape=shape)


def reshape(input, *shape) -> Tensor:  # noqa: A002
    """Like ``view`` when possible, else a copy."""
    shape = _infer_shape(shape_arg(shape), input._data.size)
    try:
        input._data.reshape(shape, copy=False)
    except (ValueError, AttributeError):
        return ReshapeCopy.apply(input, shape=shape)
    return View.apply(input, shape=shape)


class Expand(Op):
    """Broadcast size-1 dims to ``shape`` without copying.   d/dx = grad summed back."""

    node_name = "ExpandBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.in_shape)


def expand(input, *sizes) -> Tensor:  # noqa: A002
    """View with size-1 dims repeated (no copy). -1 keeps a dim's size."""
    sizes = shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{[{', '.join(map(str, shape))}]}}, size=[{', '.join(map(str, sizes))}]): the number of sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"  # noqa: E501
        )
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  "
                f"Tensor sizes: [{', '.join(map(str, shape))}]"
            )
        target.append(s)
    return Expand.apply(input, shape=tuple(target))


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
        return ctx.xp.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.dim0, ctx.dim1)


class T(Transpose):
    node_name = "TBackward0"


def permute(input, *dims) -> Tensor:  # noqa: A002
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


def transpose(input, dim0, dim1) -> Tensor:  # noqa: A002
    n = input._data.ndim
    return Transpose.apply(input, dim0=wrap_dim(dim0, n), dim1=wrap_dim(dim1, n))


swapaxes = swapdims = transpose


def t(input) -> Tensor:  # noqa: A002
    """Transpose of a matrix (0-D and 1-D tensors are returned as they are)."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    if n < 2:
        return T.apply(input, dim0=0, dim1=0)
    return T.apply(input, dim0=0, dim1=1)


class Unsqueeze(Op):
    """Insert a size-1 dim (a view).   d/dx = grad with that dim removed."""

    node_name = "UnsqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        return ctx.xp.expand_dims(x, dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.squeeze(ctx.dim)


class Squeeze(Op):
    """Remove size-1 dims (a view).   d/dx = grad reshaped back."""

    node_name = "SqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.in_shape = x.shape
        return x.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


def unsqueeze(input, dim) -> Tensor:  # noqa: A002
    return Unsqueeze.apply(input, dim=wrap_dim(dim, input._data.ndim + 1))


def squeeze(input, dim=None) -> Tensor:  # noqa: A002
    """Remove dims of size 1 (all of them, or only ``dim``, which may be a tuple)."""
    shape = input._data.shape
    if dim is None:
        return Squeeze.apply(input, dims=tuple(i for i, s in enumerate(shape) if s == 1))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    n = input._data.ndim
    dims = tuple(wrap_dim(d, n) for d in dims)
    op = SqueezeDim if isinstance(dim, int) else Squeeze
    return op.apply(input, dims=tuple(d for d in dims if n and shape[d] == 1))


def flatten(input, start_dim=0, end_dim=-1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim..end_dim`` into one (a view when the layout allows)."""
    n = input._data.ndim
    if n == 0:
        return reshape(input, 1)
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (-1,) + shape[e + 1:])


def unflatten(input, dim, sizes) -> Tensor:  # noqa: A002
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    n = input._data.ndim
    d = wrap_dim(dim, n)
    shape = input._data.shape
    sizes = tuple(sizes)
    inner = _infer_shape(sizes, shape[d]) if -1 in sizes else sizes
    if int(np.prod(inner)) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + tuple(inner) + shape[d + 1:])


class Clone(Op):
    """A copy with its own storage.   d/dx = grad."""

    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(input, *, memory_format=None) -> Tensor:  # noqa: A002
    return Clone.apply(input)


def contiguous(input) -> Tensor:  # noqa: A002
    """``input`` itself if C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input)


class ToCopy(Op):
    """Cast and/or move to another device.   d/dx = grad cast/moved back."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype=None, dev=None, src_dev=None):
        ctx.src_dev = src_dev
        ctx.out_device = dev
        out = x if dev is None else to_device(x, dev)
        if np_dtype is not None and out.dtype != np_dtype:
            return out.astype(np_dtype)
        return out.copy() if out is x else out

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.src_dev) if grad.device != ctx.src_dev else grad


def _parse_to(args, kwargs):
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            dev, dt = a.device, a.dtype
        elif isinstance(a, _dtype.dtype):
            dt = a
        elif isinstance(a, str | device | int):
            dev = a
        elif isinstance(a, bool):
            copy = a
        elif a is not None:
            dt = _dtype.as_dtype(a)
    return dev, dt, copy


def to(input, *args, **kwargs) -> Tensor:  # noqa: A002
    """Cast to a dtype and/or move to a device; returns ``input`` if nothing changes."""
    dev, dt, copy = _parse_to(args, dict(kwargs))
    target_dev = canonical_device(dev) if dev is not None else input._device
    dt = _dtype.as_dtype(dt) if dt is not None else None
    same_dev = target_dev == input._device
    same_dtype = dt is None or dt.np == input._data.dtype
    if same_dev and same_dtype and not copy:
        return input
    return ToCopy.apply(input, np_dtype=None if dt is None else dt.np,
                        dev=None if same_dev else target_dev, src_dev=input._device)
