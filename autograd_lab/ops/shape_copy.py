"""Shape operations that copy: clone/contiguous, ``to``, repeating, flipping, rolling and
triangles. Their results own new storage (unlike the views in :mod:`autograd_lab.ops.shape`,
which re-exports everything here). Joining (``cat``, ``stack``) is in :mod:`.join`.
"""

from __future__ import annotations

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import canonical_device, device, is_pinned, pin, to_device
from ._util import normalize_dims, shape_arg, wrap_dim, write_out
from .inplace import inplace


class memory_format:  # noqa: N801 - PyTorch's name
    """How a copy lays out its elements: ``contiguous_format`` (row-major),
    ``preserve_format`` (keep the input's stride order), ``channels_last`` (NHWC for 4-D)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"autograd_lab.{self.name}"


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")


# ----------------------------------------------------------------------------- clone / to
class Clone(Op):
    """A copy with its own storage.   d/dx = grad.

    ``order``: "K" keeps the input's stride order (PyTorch's ``preserve_format``), "C" is
    row-major, "NHWC" is channels_last.
    """

    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x, order="K"):
        if order == "NHWC":
            return x.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)
        if order == "K" and any(st == 0 and s > 1 for s, st in zip(x.shape, x.strides,
                                                                 strict=True)):
            order = "C"  # overlapping (expanded) memory can't be preserved: PyTorch goes dense
        return x.copy(order=order)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _order(input: Tensor, memory_format) -> str:
    if memory_format is None or memory_format is preserve_format:
        return "K"
    if memory_format is channels_last:
        if input._data.ndim != 4:
            raise RuntimeError("required rank 4 tensor to use channels_last format")
        return "NHWC"
    return "C"


def clone(input: Tensor, *, memory_format=None) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its own storage (differentiable: the gradient passes through).

    Example:
        >>> a = autograd_lab.ones(2); b = a.clone(); b[0] = 5; a
        tensor([1., 1.])
    """
    return Clone.apply(input, order=_order(input, memory_format))


def contiguous(input: Tensor, memory_format=None) -> Tensor:  # noqa: A002
    """``input`` itself if it is already row-major contiguous, else a contiguous copy."""
    if memory_format is channels_last:
        a = input._data
        if a.ndim == 4 and a.transpose(0, 2, 3, 1).flags.c_contiguous:
            return input
        return Clone.apply(input, order=_order(input, memory_format))
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input, order="C")


class ToCopy(Op):
    """Cast and/or move to another device.   d/dx = grad moved back (the engine casts it)."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype=None, dev=None, src_dev=None, non_blocking=False):
        ctx.src_dev = src_dev
        ctx.out_device = dev
        out = x if dev is None else to_device(x, dev, non_blocking)
        if np_dtype is not None and out.dtype != np_dtype:
            return out.astype(np_dtype)
        return out.copy() if out is x else out

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.src_dev) if grad.device != ctx.src_dev else grad


_TO_SIGNATURES = (
    " * (autograd_lab.device device = None, autograd_lab.dtype dtype = None, bool non_blocking "
    "= False, bool copy = False, *, autograd_lab.memory_format memory_format = None)\n"
    " * (autograd_lab.dtype dtype, bool non_blocking = False, bool copy = False, *, "
    "autograd_lab.memory_format memory_format = None)\n"
    " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, "
    "autograd_lab.memory_format memory_format = None)\n"
)


def _is_dtype_like(a) -> bool:
    return isinstance(a, _dtype.dtype) or a in (float, int, bool)


def _parse_to(args, kwargs):
    """PyTorch's three ``to`` signatures: (device, dtype, ...), (dtype, ...), (tensor, ...).

    Returns ``(device, dtype, non_blocking, copy)``.
    """
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    non_blocking = kwargs.pop("non_blocking", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dev, dt = other.device, other.dtype
    elif args and _is_dtype_like(args[0]):
        dt = args.pop(0)
    elif args and (isinstance(args[0], str | device) or type(args[0]) is int):
        dev = args.pop(0)
        if args and _is_dtype_like(args[0]):
            dt = args.pop(0)
    flags = args[:2]  # non_blocking, copy
    if len(args) > 2 or any(not isinstance(f, bool) for f in flags):
        got = ", ".join(type(a).__name__ for a in (*([dev] if dev is not None else []),
                                                   *([dt] if dt is not None else []), *args))
        raise TypeError(f"to() received an invalid combination of arguments - got ({got}), "
                        f"but expected one of:\n{_TO_SIGNATURES}")
    if flags:
        non_blocking = flags[0]
    if len(flags) == 2:
        copy = flags[1]
    return dev, dt, bool(non_blocking), copy


def to(input: Tensor, *args, **kwargs) -> Tensor:  # noqa: A002
    """Cast to a dtype and/or move to a device: ``to(dtype)``, ``to(device, dtype)``,
    ``to(other)``. Returns ``input`` itself when nothing changes (unless ``copy=True``).

    ``non_blocking=True`` lets a copy from pinned memory to the GPU run asynchronously (see
    ``Tensor.pin_memory``); other copies complete before ``to`` returns."""
    dev, dt, non_blocking, copy = _parse_to(args, dict(kwargs))
    target_dev = canonical_device(dev) if dev is not None else input._device
    dt = _dtype.as_dtype(dt) if dt is not None else None
    same_dev = target_dev == input._device
    same_dtype = dt is None or dt.np == input._data.dtype
    if same_dev and same_dtype and not copy:
        return input
    return ToCopy.apply(input, np_dtype=None if dt is None else dt.np,
                        dev=None if same_dev else target_dev, src_dev=input._device,
                        non_blocking=non_blocking)


def pin_memory(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of a CPU tensor in page-locked ("pinned") memory, which the GPU reads by DMA:
    ``pinned.to("cuda", non_blocking=True)`` then returns before the copy ends, so loading
    the next batch overlaps with the GPU's work. Returns ``input`` if it is pinned already.
    Needs a GPU (pinning is a CUDA driver service), as in PyTorch."""
    if input.is_cuda:
        raise RuntimeError(f"cannot pin '{input.type()}' only dense CPU tensors can be pinned")
    if is_pinned(input._data):
        return input
    if input.requires_grad:  # recorded like a copy: the gradient flows back unchanged
        out = to(input, copy=True)
        out._data = pin(out._data)
        return out
    return Tensor._make(pin(input._data))


# ----------------------------------------------------------------------------- repeat
class Repeat(Op):
    """Tile x ``repeats`` times along each dim (leading dims added as needed).
    d/dx = grad split into the tiles and summed over them."""

    node_name = "RepeatBackward0"

    @staticmethod
    def forward(ctx, x, repeats=()):
        ctx.in_shape = x.shape
        padded = (1,) * (len(repeats) - x.ndim) + x.shape
        ctx.padded, ctx.repeats = padded, repeats
        return ctx.xp.tile(x.reshape(padded), repeats)

    @staticmethod
    def backward(ctx, grad):
        # (r0*s0, r1*s1, ...) -> (r0, s0, r1, s1, ...): sum the r axes.
        inter = [v for pair in zip(ctx.repeats, ctx.padded, strict=True) for v in pair]
        summed = grad.reshape(inter).sum(tuple(range(0, len(inter), 2)))
        return summed.reshape(ctx.in_shape)


def repeat(input: Tensor, *repeats) -> Tensor:  # noqa: A002
    """Tile ``input``: ``repeats[i]`` copies along dim i (copies the data, unlike expand)."""
    reps = shape_arg(repeats)
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(reps) - input._data.ndim) + input._data.shape
    sizes = [r * s for r, s in zip(reps, padded, strict=True)]
    if any(r < 0 for r in reps):
        bad = next(s for s in sizes if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: "
                           f"[{', '.join(map(str, sizes))}]")
    return Repeat.apply(input, repeats=reps)


def tile(input: Tensor, *dims) -> Tensor:  # noqa: A002
    """Like :func:`repeat`, but ``dims`` may be shorter than ``input.ndim`` (padded with 1s)."""
    reps = shape_arg(dims)
    reps = (1,) * (input._data.ndim - len(reps)) + reps
    return repeat(input, reps)


def repeat_interleave(input: Tensor, repeats, dim: int | None = None, *,  # noqa: A002
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (the flattened input if None).

    Composite: int repeats are unsqueeze + expand + clone + view; a tensor of per-element
    repeats gathers with ``index_select``.
    """
    if dim is None:
        input, d = input.reshape(-1), 0
    else:
        d = wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        from ..backend import to_numpy
        from . import index as _index

        reps = to_numpy(repeats._data).reshape(-1)
        if reps.size != input._data.shape[d]:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {reps.size} and input.size({d}) = "
                               f"{input._data.shape[d]}")
        if (reps < 0).any():
            raise RuntimeError("repeats can not be negative")
        import numpy as np

        idx = Tensor._make(to_device(np.repeat(np.arange(reps.size), reps), input._device),
                           device=input._device)
        return _index.index_select(input, d, idx)
    r = int(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = input._data.shape
    big = list(shape[:d + 1]) + [r] + list(shape[d + 1:])
    out_shape = shape[:d] + (shape[d] * r,) + shape[d + 1:]
    return input.unsqueeze(d + 1).expand(big).clone(memory_format=contiguous_format).view(
        out_shape)


# ----------------------------------------------------------------------------- flip / roll
class Flip(Op):
    """Reverse the order of elements along ``dims`` (a copy).   d/dx = grad flipped back."""

    node_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        # NumPy's flip is a view with negative strides; PyTorch's is a copy in x's layout.
        return ctx.xp.flip(x, dims).copy(order="K")

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims)


def flip(input: Tensor, *dims) -> Tensor:  # noqa: A002
    """Reverse ``input`` along each dim in ``dims``."""
    dims = normalize_dims(shape_arg(dims), input._data.ndim) if input._data.ndim else ()
    return Flip.apply(input, dims=dims)


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """Flip left-right: dim 1."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return Flip.apply(input, dims=(1,))


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """Flip up-down: dim 0."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return Flip.apply(input, dims=(0,))


class Roll(Op):
    """Shift elements cyclically by ``shifts`` along ``dims`` (all flattened if None).
    d/dx = grad rolled back."""

    node_name = "RollBackward0"

    @staticmethod
    def forward(ctx, x, shifts=(), dims=None):
        ctx.shifts, ctx.dims = shifts, dims
        return ctx.xp.roll(x, shifts[0] if dims is None else shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.roll(tuple(-s for s in ctx.shifts), ctx.dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:  # noqa: A002
    """Roll ``input`` by ``shifts`` along ``dims``; elements leaving one end re-enter at the
    other. Without ``dims`` the tensor is rolled as if flattened."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return Roll.apply(input, shifts=shifts, dims=None)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    n = input._data.ndim
    if n == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return Roll.apply(input, shifts=shifts, dims=tuple(wrap_dim(d, n) for d in dims))


# ----------------------------------------------------------------------------- triangles
class Tril(Op):
    """Lower triangle of the last two dims (zeros above ``diagonal``).   d/dx = tril(grad)."""

    node_name = "TrilBackward0"

    @staticmethod
    def forward(ctx, x, diagonal=0):
        ctx.diagonal = diagonal
        return ctx.xp.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return grad.tril(ctx.diagonal)


class Triu(Op):
    """Upper triangle of the last two dims (zeros below ``diagonal``).   d/dx = triu(grad)."""

    node_name = "TriuBackward0"

    @staticmethod
    def forward(ctx, x, diagonal=0):
        ctx.diagonal = diagonal
        return ctx.xp.triu(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return grad.triu(ctx.diagonal)


def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Keep elements on and below the ``diagonal``-th diagonal of the last two dims."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return write_out("tril", Tril.apply(input, diagonal=int(diagonal)), out)


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Keep elements on and above the ``diagonal``-th diagonal of the last two dims."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return write_out("triu", Triu.apply(input, diagonal=int(diagonal)), out)


tril_ = inplace(tril, "tril_")
triu_ = inplace(triu, "triu_")
