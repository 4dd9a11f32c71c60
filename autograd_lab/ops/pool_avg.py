"""Average pooling: ``avg_pool2d`` and ``adaptive_avg_pool2d``.

Both are linear maps, so each op's derivative is its adjoint, and the adjoint's derivative is
the op again: the pair closes under differentiation (double backward works).

* ``avg_pool2d``: a sum over the kernel taps (a loop over kh * kw strided views of the padded
  input, vectorised over batch and pixels) divided by each window's divisor. The adjoint adds
  ``grad / divisor`` back onto every tap's positions.
* ``adaptive_avg_pool2d``: averaging rows and columns separately is a pair of small matrices,
  ``out = P_h @ x @ P_w^T`` with ``P[i, a] = 1 / len(window i)`` for ``a`` in window ``i``;
  the adjoint is ``P_h^T @ grad @ P_w``.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from . import _im2col as im
from ._pool_args import (
    _pair,
    adaptive_size,
    check_pool_input,
    pool_dims,
    window_bounds,
)
from ._util import require_tensor

__all__ = ["avg_pool2d", "adaptive_avg_pool2d"]


def _planes(x):
    return x.reshape(-1, 1, *x.shape[-2:])


class AvgPool2D(Op):
    """out = (sum of each window) / divisor.   dx = every tap's share, grad / divisor."""

    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, *, dims, divisor):
        xp = ctx.xp
        ctx.dims, ctx.divisor, ctx.in_shape = dims, divisor, x.shape
        (dh, dw) = dims
        xpad = im.pad(xp, _planes(x), dims)
        out = None
        for i in range(dh.k):
            rows = dh.offsets(i)
            for j in range(dw.k):
                tap = xpad[:, 0, rows, dw.offsets(j)]
                if out is None:
                    out = tap.copy()
                else:
                    out += tap
        out /= xp.asarray(divisor, dtype=out.dtype)
        return out.reshape(x.shape[:-2] + out.shape[-2:])

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2DAdjoint.apply(grad, dims=ctx.dims, divisor=ctx.divisor,
                                      shape=ctx.in_shape)


class AvgPool2DAdjoint(Op):
    """dx = grad / divisor added onto each window's positions (the backward of avg_pool2d).

    Its derivative is avg_pool2d again.
    """

    node_name = "AvgPool2DBackwardBackward0"

    @staticmethod
    def forward(ctx, g, *, dims, divisor, shape):
        xp = ctx.xp
        ctx.dims, ctx.divisor = dims, divisor
        (dh, dw) = dims
        share = _planes(g) / xp.asarray(divisor, dtype=g.dtype)
        planes = share.shape[0]
        hp, wp = max(dh.span, dh.lo + dh.size), max(dw.span, dw.lo + dw.size)
        acc = xp.zeros((planes, hp, wp), dtype=g.dtype)
        for i in range(dh.k):
            rows = dh.offsets(i)
            for j in range(dw.k):
                acc[:, rows, dw.offsets(j)] += share[:, 0]
        return xp.ascontiguousarray(acc[:, dh.lo:dh.lo + dh.size, dw.lo:dw.lo + dw.size]
                                    ).reshape(shape)

    @staticmethod
    def backward(ctx, up):
        return AvgPool2D.apply(up, dims=ctx.dims, divisor=ctx.divisor)


def _divisor(dims, count_include_pad: bool, divisor_override, dtype):
    """PyTorch's divisor per output: the window size, clipped to the padded input (and to the
    input itself without ``count_include_pad``); a scalar when all windows agree."""
    if divisor_override is not None:
        return divisor_override
    lengths = []
    for dm in dims:
        start = np.arange(dm.out) * dm.s - dm.lo
        end = np.minimum(start + dm.k, dm.size + dm.lo)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, dm.size)
        lengths.append(end - start)
    div = np.outer(lengths[0], lengths[1]).astype(dtype)
    return float(div.flat[0]) if (div == div.flat[0]).all() else div


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    r"""2-d average pooling: the mean of each window.

    .. math:: out[n, c, i, j] = \frac{1}{D_{ij}} \sum_{a < kH, b < kW}
              x[n, c, s_h i - p_h + a, s_w j - p_w + b]

    ``D`` is ``divisor_override`` if given, else the window size (windows are clipped to the
    padded input; without ``count_include_pad``, to the input itself). Derivative:
    dx = grad / D spread over each window. A primitive; twice differentiable.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: int or pair. stride: int or pair (default: ``kernel_size``).
        padding: zeros on both sides, at most half the kernel.
        ceil_mode: round the output size up instead of down.
        count_include_pad: count the padding zeros in the divisor.
        divisor_override: divide every window by this instead.

    Shape:
        ``H_out = floor_or_ceil((H + 2p - k) / s) + 1``.

    Example:
        >>> avg_pool2d(autograd_lab.ones(1, 1, 4, 4), 2)
        tensor([[[[1., 1.],
                  [1., 1.]]]])
    """
    fn = "avg_pool2d"
    require_tensor(fn, "input", 1, input)
    if input.ndim < 3:  # PyTorch reads input.size(-3) before it checks the rank
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got -3)")
    check_pool_input(fn, input, (3, 4), "Expected 3D or 4D (batch mode) tensor with optional 0 "
                     f"dim batch size for input, but got:[{', '.join(map(str, input.shape))}]")
    _pair(fn, "kernel_size", kernel_size)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    dims = pool_dims(fn, tuple(input.shape[-2:]), kernel_size, stride, padding, 1, ceil_mode,
                     tuple(input.shape[:-2]))
    div = _divisor(dims, count_include_pad, divisor_override, input._data.dtype)
    return AvgPool2D.apply(input, dims=dims, divisor=div)


class AdaptiveAvgPool2D(Op):
    """out = P_h @ x @ P_w^T (row and column averages).   dx = P_h^T @ grad @ P_w."""

    node_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, *, ph, pw):
        xp = ctx.xp
        ctx.ph, ctx.pw = ph, pw
        ph, pw = xp.asarray(ph, dtype=x.dtype), xp.asarray(pw, dtype=x.dtype)
        return xp.matmul(xp.matmul(ph, x), pw.T)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPool2DAdjoint.apply(grad, ph=ctx.ph.T, pw=ctx.pw.T)


class AdaptiveAvgPool2DAdjoint(AdaptiveAvgPool2D):
    """The backward of adaptive_avg_pool2d: the same product with the matrices transposed."""

    node_name = "AdaptiveAvgPool2DBackwardBackward0"

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPool2D.apply(grad, ph=ctx.ph.T, pw=ctx.pw.T)


def _averaging_matrix(size: int, out: int) -> np.ndarray:
    starts, ends = window_bounds(size, out)
    m = np.zeros((out, size))
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):  # one row per output, not pixel
        m[i, a:b] = 1.0 / (b - a)
    return m


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    r"""2-d average pooling to a fixed output size; windows cover the input as evenly as possible.

    .. math:: out[i, j] = \mathrm{mean}\ x[\lfloor iH/H_o \rfloor : \lceil (i+1)H/H_o \rceil,
                                          \lfloor jW/W_o \rfloor : \lceil (j+1)W/W_o \rceil]

    Computed as ``P_h @ x @ P_w^T`` with averaging matrices; derivative ``P_h^T @ grad @ P_w``.
    Output size 1 is ``mean`` over the last two dims, as in PyTorch (``MeanBackward1``).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: int or pair (``None`` keeps that input size).

    Example:
        >>> adaptive_avg_pool2d(autograd_lab.randn(2, 3, 7, 9), (2, 4)).shape
        autograd_lab.Size([2, 3, 2, 4])
    """
    name = "adaptive_avg_pool2d"
    check_pool_input(name, input, (3, 4), f"{name}(): Expected 3D or 4D tensor, but got "
                     f"[{', '.join(map(str, input.shape))}]", empty_check=True)
    size = adaptive_size(name, output_size, tuple(input.shape[-2:]),
                         f"{name}: output_size must be 2")
    if size == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    h, w = input.shape[-2:]
    return AdaptiveAvgPool2D.apply(input, ph=_averaging_matrix(h, size[0]),
                                   pw=_averaging_matrix(w, size[1]))
