"""2-d max pooling with indices, and its backward in two flavours (atomic and gather).

Forward: each output pixel is the maximum of its KH x KW window (taps ``DH``/``DW`` apart,
the window moving ``SH``/``SW`` per output, ``PH``/``PW`` of -inf padding); ``indices`` keeps
where the maximum was, as ``h * W + w`` within the (n, c) plane, PyTorch's convention. A NaN
anywhere in the window wins (the output is NaN), and among equal values the first in scan
order wins, as in PyTorch.

Backward: the gradient of each output goes to the input pixel its index names. Two ways:

- ``atomic`` (scatter): one thread per *output*, ``atomicAdd(&gx[index], gy)``. Fast, but
  where windows overlap (stride < kernel) two threads may add into the same pixel, in an
  order that changes between runs: the float sum changes in its last bits.
- ``gather``: one thread per *input* pixel visits the outputs whose window covers it and
  adds the gradients of those that picked it, always in the same order: deterministic, used
  under ``use_deterministic_algorithms(True)``. It reads up to KH*KW indices per pixel.

Thread mapping: forward and ``atomic``: thread ``o`` handles output ``o`` of the
(N, C, OH, OW) array, ``ow`` fastest, so a warp reads neighbouring windows; ``gather``:
thread ``i`` handles input ``i`` of (N, C, H, W). Grid-stride loops cover any size.
"""

from __future__ import annotations

import numpy as np

from .. import _deterministic
from ._build import BLOCK, blocks, i64, raw_kernel
from .conv import out_size

__all__ = ["max_pool2d", "max_pool2d_backward", "max_pool2d_reference",
           "max_pool2d_backward_reference", "MAX_POOL2D_SOURCE", "BACKWARD_ATOMIC_SOURCE",
           "BACKWARD_GATHER_SOURCE"]

_WINDOW = ("long long H, long long W, long long OH, long long OW, long long KH, long long KW, "
           "long long SH, long long SW, long long PH, long long PW, long long DH, long long DW")

MAX_POOL2D_SOURCE = r"""
extern "C" __global__ void max_pool2d(const T* __restrict__ x, T* __restrict__ y,
                                      long long* __restrict__ indices, long long total,
                                      WINDOW) {
  for (long long o = blockIdx.x * (long long)blockDim.x + threadIdx.x; o < total;
       o += (long long)blockDim.x * gridDim.x) {
    long long ow = o % OW, t = o / OW;
    long long oh = t % OH, plane = t / OH;  // plane = n * C + c
    const T* xp = x + plane * H * W;
    // the window's first tap inside the image (padding is -inf: never the maximum)
    long long h0 = oh * SH - PH, w0 = ow * SW - PW;
    long long hend = min(h0 + (KH - 1) * DH + 1, H), wend = min(w0 + (KW - 1) * DW + 1, W);
    while (h0 < 0) h0 += DH;
    while (w0 < 0) w0 += DW;
    T best = neg_inf();
    long long best_at = h0 * W + w0;
    for (long long h = h0; h < hend; h += DH) {
      for (long long w = w0; w < wend; w += DW) {
        T v = xp[h * W + w];
        if (v > best || isnan(v)) {  // strict >: the first maximum wins; NaN always wins
          best = v;
          best_at = h * W + w;
        }
      }
    }
    y[o] = best;
    indices[o] = best_at;
  }
}
""".replace("WINDOW", _WINDOW)

BACKWARD_ATOMIC_SOURCE = r"""
extern "C" __global__ void max_pool2d_backward_atomic(const T* __restrict__ gy,
                                                      const long long* __restrict__ indices,
                                                      T* __restrict__ gx, long long total,
                                                      long long HW, long long OHOW) {
  for (long long o = blockIdx.x * (long long)blockDim.x + threadIdx.x; o < total;
       o += (long long)blockDim.x * gridDim.x) {
    long long plane = o / OHOW;
    atomicAdd(&gx[plane * HW + indices[o]], gy[o]);  // windows may overlap: add atomically
  }
}
"""

BACKWARD_GATHER_SOURCE = r"""
extern "C" __global__ void max_pool2d_backward_gather(const T* __restrict__ gy,
                                                      const long long* __restrict__ indices,
                                                      T* __restrict__ gx, long long total,
                                                      WINDOW) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)blockDim.x * gridDim.x) {
    long long w = i % W, t = i / W;
    long long h = t % H, plane = t / H;
    long long here = h * W + w;
    T sum = 0;
    // the outputs whose window has a tap on (h, w): oh * SH - PH + ki * DH == h
    for (long long ki = 0; ki < KH; ++ki) {
      long long hs = h + PH - ki * DH;
      if (hs < 0 || hs % SH != 0 || hs / SH >= OH) continue;
      for (long long kj = 0; kj < KW; ++kj) {
        long long ws = w + PW - kj * DW;
        if (ws < 0 || ws % SW != 0 || ws / SW >= OW) continue;
        long long o = (plane * OH + hs / SH) * OW + ws / SW;
        if (indices[o] == here) sum += gy[o];  // that output picked this pixel
      }
    }
    gx[i] = sum;
  }
}
""".replace("WINDOW", _WINDOW)


def _window(x_shape, kernel_size, stride, padding, dilation, ceil_mode, out_hw=None):
    h, w = x_shape[-2:]
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh, ow = out_hw or (_pooled(h, kh, sh, ph, dh, ceil_mode),
                        _pooled(w, kw, sw, pw, dw, ceil_mode))
    return h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw


def _pooled(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; in ceil mode the last window must start inside the
    input or its left padding."""
    if not ceil_mode:
        return out_size(size, k, s, p, d)
    n = -(-(size + 2 * p - d * (k - 1) - 1) // s) + 1
    return n - 1 if (n - 1) * s >= size + p else n


def max_pool2d(cp, x, kernel_size, stride, padding=(0, 0), dilation=(1, 1),
               ceil_mode: bool = False, out_hw=None):
    """Max pooling of ``x`` (N, C, H, W) -> ``(y, indices)``, y (N, C, OH, OW) of x's dtype,
    indices int64 positions ``h * W + w`` in each (n, c) plane. ``out_hw`` overrides the
    output size (else computed from ``ceil_mode``, as PyTorch does)."""
    x = cp.ascontiguousarray(x)
    g = _window(x.shape, kernel_size, stride, padding, dilation, ceil_mode, out_hw)
    oh, ow = g[2], g[3]
    y = cp.empty(x.shape[:-2] + (oh, ow), dtype=x.dtype)
    indices = cp.empty(y.shape, dtype=np.int64)
    if y.size:
        raw_kernel(cp, MAX_POOL2D_SOURCE, "max_pool2d", x.dtype)(
            blocks(y.size), (BLOCK,), (x, y, indices, *i64(y.size, *g)))
    return y, indices


def max_pool2d_backward(cp, gy, indices, x_shape, kernel_size, stride, padding=(0, 0),
                        dilation=(1, 1), ceil_mode: bool = False,
                        deterministic: bool | None = None, out_hw=None):
    """The input gradient (``x_shape``) of :func:`max_pool2d`, from ``gy`` (its output's
    shape) and the forward's ``indices``. ``deterministic`` (default: the
    ``use_deterministic_algorithms`` setting) picks the gather kernel over the atomic one."""
    if deterministic is None:
        deterministic = _deterministic._state["enabled"]
    gy, indices = cp.ascontiguousarray(gy), cp.ascontiguousarray(indices)
    h, w = x_shape[-2:]
    if deterministic:
        gx = cp.empty(tuple(x_shape), dtype=gy.dtype)
        if gx.size:
            g = _window(x_shape, kernel_size, stride, padding, dilation, ceil_mode,
                        out_hw or gy.shape[-2:])
            raw_kernel(cp, BACKWARD_GATHER_SOURCE, "max_pool2d_backward_gather", gy.dtype)(
                blocks(gx.size), (BLOCK,), (gy, indices, gx, *i64(gx.size, *g)))
        return gx
    gx = cp.zeros(tuple(x_shape), dtype=gy.dtype)  # the atomic adds start from zero
    if gy.size:
        raw_kernel(cp, BACKWARD_ATOMIC_SOURCE, "max_pool2d_backward_atomic", gy.dtype)(
            blocks(gy.size), (BLOCK,),
            (gy, indices, gx, *i64(gy.size, h * w, gy.shape[-2] * gy.shape[-1])))
    return gx


# ----------------------------------------------------------------------------- references
def max_pool2d_reference(x: np.ndarray, kernel_size, stride, padding=(0, 0), dilation=(1, 1),
                         ceil_mode: bool = False, out_hw=None):
    """:func:`max_pool2d` in NumPy, tap by tap in the kernel's scan order (same ties, NaNs)."""
    h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw = _window(x.shape, kernel_size, stride,
                                                           padding, dilation, ceil_mode, out_hw)
    lead = x.shape[:-2]
    best = np.full(lead + (oh, ow), -np.inf, dtype=x.dtype)
    h0 = np.arange(oh) * sh - ph
    w0 = np.arange(ow) * sw - pw
    first_h = np.where(h0 < 0, h0 + (-h0 + dh - 1) // dh * dh, h0)
    first_w = np.where(w0 < 0, w0 + (-w0 + dw - 1) // dw * dw, w0)
    at = np.broadcast_to((first_h[:, None] * w + first_w[None, :]), best.shape).copy()
    for ki in range(kh):
        for kj in range(kw):
            hh, ww = h0 + ki * dh, w0 + kj * dw
            ok = ((hh >= 0) & (hh < h))[:, None] & ((ww >= 0) & (ww < w))[None, :]
            v = x[..., np.clip(hh, 0, h - 1)[:, None], np.clip(ww, 0, w - 1)[None, :]]
            take = ok & ((v > best) | np.isnan(v))
            best = np.where(take, v, best)
            at = np.where(take, hh[:, None] * w + ww[None, :], at)
    return best, at.astype(np.int64)


def max_pool2d_backward_reference(gy: np.ndarray, indices: np.ndarray, x_shape) -> np.ndarray:
    """:func:`max_pool2d_backward` in NumPy: ``np.add.at`` of each output's gradient."""
    h, w = x_shape[-2:]
    planes = int(np.prod(x_shape[:-2], dtype=np.int64))
    gx = np.zeros((planes, h * w), dtype=gy.dtype)
    rows = np.repeat(np.arange(planes), gy.shape[-2] * gy.shape[-1])
    np.add.at(gx, (rows, indices.reshape(-1)), gy.reshape(-1))
    return gx.reshape(x_shape)
