"""Max pooling: ``max_pool1d``, ``max_pool2d``, ``adaptive_max_pool2d``.

(Average pooling lives in :mod:`.pool_avg` and is re-exported here.)

The forward loops over the kernel taps (kh * kw of them, never over pixels): each tap is a
strided view of the padded input holding one candidate per output, compared with the best so
far. The position of each maximum is kept as a flat index ``h * W + w`` into the input plane
(PyTorch's ``return_indices``), and the backward sends each gradient to its index:

    out = max over the window,   dx[idx] += grad.

That scatter is :class:`MaxPoolScatter`, an op whose own derivative is a ``gather`` at the same
indices, so max pooling is twice differentiable. Ties go to the first maximum in the window and
NaN wins, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from . import _cuda_paths as cuda
from . import _im2col as im
from ._pool_args import adaptive_size, check_pool_input, pool_dims, window_bounds
from .pool_avg import adaptive_avg_pool2d, avg_pool2d

__all__ = ["max_pool1d", "max_pool2d", "adaptive_max_pool2d", "avg_pool2d",
           "adaptive_avg_pool2d"]


def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _keep_max(xp, best, arg, cand, tap) -> None:
    """Where ``cand`` beats ``best`` (or is NaN), take it and remember ``tap``."""
    better = cand > best
    better |= cand != cand
    xp.copyto(best, cand, where=better)
    xp.copyto(arg, tap, where=better)


def _window_max(xp, xpad, dims):
    """Max of each window and the tap (``i * kw + j``) where it was first found.

    The max is a chain of ``maximum`` (which propagates NaN, as PyTorch does). The first tap
    holding it is the number of leading taps that don't: a running "not found yet" mask summed
    tap by tap, all branch-free (a masked ``copyto`` per tap was 5x slower on random data).
    Windows with a NaN take the tap of their last NaN, as in PyTorch.
    """
    (dh, dw) = dims
    taps = [xpad[:, 0, dh.offsets(i), dw.offsets(j)] for i in range(dh.k) for j in range(dw.k)]
    if _disjoint(dims):
        # Windows that do not overlap: the taps together are no bigger than the input, so a
        # contiguous copy of each is affordable, and the ufuncs below then skip NumPy's
        # buffered path for strided operands (~30% faster overall).
        taps = [xp.ascontiguousarray(t) for t in taps]
    best = taps[0].copy()
    for cand in taps[1:]:
        xp.maximum(best, cand, out=best)
    small = xp.int8 if len(taps) < 128 else xp.int32
    missing = taps[0] != best
    arg = missing.astype(small)
    for cand in taps[1:-1]:
        missing &= cand != best
        arg += missing.view(small)  # True is 1: a same-dtype add, no bool -> int cast
    if best.dtype.kind == "f" and xp.isnan(best).any():
        for t in range(len(taps)):
            xp.copyto(arg, t, where=taps[t] != taps[t])
    return best, arg


def _disjoint(dims) -> bool:
    """Windows never overlap: the stride is at least the dilated kernel (kernel 2, stride 2)."""
    return all(d.s >= d.d * (d.k - 1) + 1 for d in dims)


def _first_inside(d) -> np.ndarray:
    """Per output, the first position of its window inside the (un-padded) input."""
    start = np.arange(d.out) * d.s - d.lo
    return np.where(start < 0, start + (-start + d.d - 1) // d.d * d.d, start)


def _save_indices(ctx, idx) -> None:
    """Keep the indices for backward as a saved value, so they are freed after backward like
    PyTorch's (a plain ``ctx`` attribute would live as long as the graph). Saved as a separate
    view: the output object itself would come back as an output of the node, and integer
    indices are no differentiable output."""
    ctx.save_for_backward(idx.view())


def _saved_indices(ctx, grad) -> Tensor:
    (idx,) = ctx.saved_tensors
    return Tensor._make(idx._data, device=grad._device)


def _pool_planes(xp, planes, dims):
    """Max and flat index (``h * W + w`` in the un-padded plane) of each window of ``planes``
    ``(P, 1, H, W)``."""
    (dh, dw) = dims
    w = planes.shape[-1]
    xpad = im.pad(xp, planes, dims, value=_lowest(planes.dtype))
    best, arg = _window_max(xp, xpad, dims)
    # Flat index in the un-padded plane: window origin + the winning tap's offset.
    origin = ((xp.arange(dh.out) * dh.s - dh.lo)[:, None] * w
              + (xp.arange(dw.out) * dw.s - dw.lo)[None, :])
    tap_offset = (xp.arange(dh.k) * dh.d)[:, None] * w + (xp.arange(dw.k) * dw.d)[None, :]
    idx = xp.take(tap_offset.ravel(), arg)  # (2x faster than tap_offset.ravel()[arg])
    idx += origin
    if xpad is not planes:
        # A window whose values are all -inf ties with its padding and would point into
        # it; PyTorch gives the window's first position inside the input instead.
        rows, cols = _first_inside(dh), _first_inside(dw)
        first = xp.asarray(rows[:, None] * w + cols[None, :])
        xp.copyto(idx, first, where=best == _lowest(planes.dtype))
    return best, idx


class MaxPool2D(Op):
    """out = max of each (dilated, strided) window; indices = where each max was read.

    dx = grad scattered to the indices (:class:`MaxPoolScatter`).
    """

    node_name = "MaxPool2DWithIndicesBackward0"
    num_outputs = 2

    @staticmethod
    def forward(ctx, x, *, dims):
        xp = ctx.xp
        (dh, dw) = dims
        h, w = x.shape[-2:]
        lead = x.shape[:-2]
        planes = x.reshape(-1, 1, h, w)
        fused = cuda.max_pool2d(xp, planes, dims)  # CUDA kernels (None on the CPU)
        if fused is not None:
            best, idx = fused
        else:
            best, idx = _pool_planes(xp, planes, dims)
        shape = lead + (dh.out, dw.out)
        idx = idx.reshape(shape)
        _save_indices(ctx, idx)
        ctx.in_shape = x.shape
        # Windows that never overlap (stride >= dilated kernel, e.g. kernel 2 stride 2) send
        # each input at most one gradient: the backward can assign instead of accumulate.
        ctx.unique, ctx.dims = _disjoint(dims), dims
        return best.reshape(shape), idx

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        return MaxPoolScatter.apply(grad, _saved_indices(ctx, grad), shape=ctx.in_shape,
                                    unique=ctx.unique, dims=ctx.dims)


class AdaptiveMaxPool2D(Op):
    """out[i, j] = max of rows floor(i*H/Ho)..ceil((i+1)*H/Ho), likewise columns.

    Windows may differ in size by one, so each tap reads its rows/columns by index, clamped to
    the window's last entry (a repeat never changes a max). dx = grad scattered to the indices.
    """

    node_name = "AdaptiveMaxPool2DBackward0"
    num_outputs = 2

    @staticmethod
    def forward(ctx, x, *, out_size):
        xp = ctx.xp
        h, w = x.shape[-2:]
        lead = x.shape[:-2]
        x3 = x.reshape(-1, h, w)
        (r0, r1), (c0, c1) = window_bounds(h, out_size[0]), window_bounds(w, out_size[1])
        r0, r1, c0, c1 = (xp.asarray(a) for a in (r0, r1, c0, c1))
        best = idx = None
        for i in range(int((r1 - r0).max())):
            rows = xp.minimum(r0 + i, r1 - 1)[:, None]
            for j in range(int((c1 - c0).max())):
                cols = xp.minimum(c0 + j, c1 - 1)[None, :]
                cand = x3[:, rows, cols]
                flat = xp.broadcast_to(rows * w + cols, cand.shape)
                if best is None:
                    best, idx = cand.copy(), flat.astype(xp.int64)
                else:
                    _keep_max(xp, best, idx, cand, flat)
        shape = lead + tuple(out_size)
        idx = idx.reshape(shape)
        _save_indices(ctx, idx)
        ctx.in_shape = x.shape
        return best.reshape(shape), idx

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        return AdaptiveMaxPoolScatter.apply(grad, _saved_indices(ctx, grad), shape=ctx.in_shape)


class MaxPoolScatter(Op):
    """dx = zeros(shape) with dx[idx] += g (per plane): the backward of max pooling.

    With ``unique`` indices (windows that do not overlap) this is one assignment
    ``dx.flat[idx] = g``; otherwise a ``bincount`` over flat indices, so overlapping windows
    accumulate (summed in float64, then cast back). With the pooling ``dims`` (not for
    adaptive pooling), a CUDA kernel does it where there is one. Its own derivative is a
    gather: d/dg = upstream.flatten(-2)[idx].
    """

    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx, g, idx, *, shape, unique=False, dims=None):
        xp = ctx.xp
        ctx.save_for_backward(idx)
        if dims is not None and (out := cuda.max_pool2d_backward(xp, g, idx, shape, dims)) \
                is not None:
            return out
        if g.size == 0:  # an empty batch (the reshapes below cannot infer a size from 0)
            return xp.zeros(shape, dtype=g.dtype)
        plane = shape[-1] * shape[-2]
        planes = idx.size // max(idx.shape[-1] * idx.shape[-2], 1)
        flat = idx.reshape(planes, -1) + (xp.arange(planes) * plane)[:, None]
        if unique:
            out = xp.zeros(shape, dtype=g.dtype)
            out.reshape(-1)[flat.reshape(-1)] = g.reshape(-1)
            return out
        out = xp.bincount(flat.ravel(), weights=g.ravel(), minlength=planes * plane)
        return out.astype(g.dtype, copy=False).reshape(shape)

    @staticmethod
    def backward(ctx, up):
        (idx,) = ctx.saved_tensors
        planes = up.flatten(-2) if up.ndim >= 2 else up
        flat_idx = idx.flatten(-2)
        return planes.gather(-1, flat_idx).reshape(idx.shape), None


class AdaptiveMaxPoolScatter(MaxPoolScatter):
    node_name = "AdaptiveMaxPool2DBackwardBackward0"


# ------------------------------------------------------------------------------ functional
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    r"""2-d max pooling: the largest value of each window.

    .. math:: out[n, c, i, j] = \max_{a < kH, b < kW}
              x[n, c, s_h i - p_h + d_h a, s_w j - p_w + d_w b]

    Derivative: the gradient goes to the position of each maximum (first one on ties).
    A primitive; twice differentiable (the backward is a scatter whose derivative is a gather).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: int or pair. stride: int or pair (default: ``kernel_size``).
        padding: implicit -inf on both sides, at most half the kernel. dilation: tap spacing.
        ceil_mode: round the output size up (a last, partial window) instead of down.
        return_indices: also return each maximum's flat index ``h * W + w`` in its plane.

    Shape:
        ``H_out = floor_or_ceil((H + 2p - d (k - 1) - 1) / s) + 1``.

    Example:
        >>> max_pool2d(autograd_lab.randn(1, 6, 28, 28), 2).shape
        autograd_lab.Size([1, 6, 14, 14])
    """
    check_pool_input("max_pool2d", input, (3, 4), "non-empty 3D or 4D (batch mode) tensor "
                     "expected for input")
    dims = pool_dims("max_pool2d", tuple(input.shape[-2:]), kernel_size, stride, padding,
                     dilation, ceil_mode, tuple(input.shape[:-2]))
    out, idx = MaxPool2D.apply(input, dims=dims)
    return (out, idx) if return_indices else out


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    r"""1-d max pooling: :func:`max_pool2d` over a signal seen as an image of height 1.

    .. math:: out[n, c, i] = \max_{a < k} x[n, c, s i - p + d a]

    As in PyTorch the graph is ``unsqueeze`` -> 2-d pooling -> ``squeeze``.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``; the other arguments as in :func:`max_pool2d`
            (single ints).

    Shape:
        ``L_out = floor_or_ceil((L + 2p - d (k - 1) - 1) / s) + 1``.

    Example:
        >>> max_pool1d(autograd_lab.randn(2, 3, 8), 2).shape
        autograd_lab.Size([2, 3, 4])
    """
    if input.ndim not in (2, 3):
        dims = ", ".join(map(str, input.shape))
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:[{dims}]")
    k = _single(kernel_size)
    s = k if stride is None or stride == [] or stride == () else _single(stride)
    p, d = _single(padding), _single(dilation)
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but "
                           f"got padding={p} and kernel_size={k}")
    dims = pool_dims("max_pool1d", (1, input.shape[-1]), (1, k), (1, s), (0, p), (1, d),
                     ceil_mode, tuple(input.shape[:-1]))
    if dims[1].out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {dims[1].out}")
    out, idx = MaxPool2D.apply(input.unsqueeze(-2), dims=dims)
    out = out.squeeze(-2)
    return (out, idx.squeeze(-2)) if return_indices else out


def _single(v) -> int:
    return int(v[0]) if isinstance(v, tuple | list) else int(v)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    r"""2-d max pooling to a fixed output size; windows cover the input as evenly as possible.

    .. math:: out[i, j] = \max x[\lfloor iH/H_o \rfloor : \lceil (i+1)H/H_o \rceil,
                                 \lfloor jW/W_o \rfloor : \lceil (j+1)W/W_o \rceil]

    Derivative: the gradient goes to each maximum. Twice differentiable.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: int or pair (``None`` keeps that input size).
        return_indices: also return the flat indices ``h * W + w`` of the maxima.

    Example:
        >>> adaptive_max_pool2d(autograd_lab.randn(1, 3, 7, 9), (2, 4)).shape
        autograd_lab.Size([1, 3, 2, 4])
    """
    name = "adaptive_max_pool2d"
    check_pool_input(name, input, (3, 4), f"{name}(): Expected 3D or 4D tensor, but got: "
                     f"[{', '.join(map(str, input.shape))}]", empty_check=True)
    size = adaptive_size(name, output_size, tuple(input.shape[-2:]),
                         "internal error: output_size.size() must be 2")
    out, idx = AdaptiveMaxPool2D.apply(input, out_size=size)
    return (out, idx) if return_indices else out
