"""im2col and col2im: a convolution as one big matrix product (cuBLAS does the maths).

A 2-d convolution of x (N, C, H, W) with weights (O, C, KH, KW) is, for each output pixel, a
dot product between the weights and the KH x KW patch under them. ``im2col`` copies every
patch into a column of ``cols`` (N, C*KH*KW, OH*OW); then ``weights.reshape(O, -1) @ cols``
is the whole convolution, an (N, O, OH*OW) batched matrix product that cuBLAS runs near the
GPU's peak. Backward: the input gradient is ``col2im(W^T @ grad)``, the adjoint of im2col
(each input pixel sums the column entries that were copies of it), and the weight gradient
is ``grad @ cols^T`` summed over the batch.

Thread mapping (both kernels, one thread per element written, grid-stride loop):

- ``im2col``: thread ``idx`` writes ``cols[idx]``, read as (n, c, ki, kj, oh, ow) with ``ow``
  fastest, so the 32 threads of a warp write 32 neighbouring columns (one coalesced store)
  and read input pixels ``SW`` apart in one row.
- ``col2im``: thread ``idx`` writes ``x[idx]`` (n, c, h, w) by *gathering* the at most
  KH x KW column entries that came from it. Scattering instead (one thread per column entry,
  ``atomicAdd`` into x) would need atomics and add in a different order each run; the
  gather needs neither and is deterministic.
"""

from __future__ import annotations

import numpy as np

from ._build import BLOCK, blocks, i64, raw_kernel

__all__ = ["im2col", "col2im", "im2col_reference", "col2im_reference", "out_size",
           "IM2COL_SOURCE", "COL2IM_SOURCE"]

_GEOMETRY = ("long long C, long long H, long long W, long long KH, long long KW, "
             "long long OH, long long OW, long long SH, long long SW, long long PH, "
             "long long PW, long long DH, long long DW")

IM2COL_SOURCE = r"""
extern "C" __global__ void im2col(const T* __restrict__ x, T* __restrict__ cols,
                                  long long total, GEOMETRY) {
  // grid-stride loop: thread idx handles idx, idx + (all threads), ... until total
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)blockDim.x * gridDim.x) {
    // cols is (N, C, KH, KW, OH, OW) in row-major order: peel the coordinates off idx
    long long ow = idx % OW, t = idx / OW;
    long long oh = t % OH;  t /= OH;
    long long kj = t % KW;  t /= KW;
    long long ki = t % KH;  t /= KH;
    long long c = t % C, n = t / C;
    // the input pixel that tap (ki, kj) of output pixel (oh, ow) sits on
    long long h = oh * SH - PH + ki * DH;
    long long w = ow * SW - PW + kj * DW;
    bool inside = h >= 0 && h < H && w >= 0 && w < W;  // outside: the zero padding
    cols[idx] = inside ? x[((n * C + c) * H + h) * W + w] : (T)0;
  }
}
""".replace("GEOMETRY", _GEOMETRY)

COL2IM_SOURCE = r"""
extern "C" __global__ void col2im(const T* __restrict__ cols, T* __restrict__ x,
                                  long long total, GEOMETRY) {
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)blockDim.x * gridDim.x) {
    long long w = idx % W, t = idx / W;
    long long h = t % H;  t /= H;
    long long c = t % C, n = t / C;
    T sum = 0;
    // Which (tap ki, output row oh) read row h?  oh * SH - PH + ki * DH == h, so for each
    // tap the output row is (h + PH - ki * DH) / SH, when that divides exactly and fits.
    for (long long ki = 0; ki < KH; ++ki) {
      long long hs = h + PH - ki * DH;
      if (hs < 0 || hs % SH != 0 || hs / SH >= OH) continue;
      long long oh = hs / SH;
      for (long long kj = 0; kj < KW; ++kj) {
        long long ws = w + PW - kj * DW;
        if (ws < 0 || ws % SW != 0 || ws / SW >= OW) continue;
        long long ow = ws / SW;
        sum += cols[((((n * C + c) * KH + ki) * KW + kj) * OH + oh) * OW + ow];
      }
    }
    x[idx] = sum;
  }
}
""".replace("GEOMETRY", _GEOMETRY)


def out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a convolution/pooling window sliding over ``size`` (floor mode)."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _geometry(shape, kernel_size, stride, padding, dilation, out_hw=None):
    """``padding`` is the padding *before* the input; ``out_hw`` (OH, OW) defaults to the
    symmetric-padding size. Pass it for asymmetric padding (``padding="same"`` with an even
    kernel): the padding after the input only decides how many outputs there are."""
    _, c, h, w = shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh, ow = out_hw or (out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw))
    return c, h, w, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw


def im2col(cp, x, kernel_size, stride=(1, 1), padding=(0, 0), dilation=(1, 1), out_hw=None):
    """Patches of ``x`` (N, C, H, W) as columns: (N, C*KH*KW, OH*OW), same dtype.

    Shape: ``OH = (H + 2 PH - DH (KH - 1) - 1) // SH + 1`` (and OW likewise).

    Example:
        >>> cols = im2col(cp, x, (3, 3), padding=(1, 1))
        >>> y = (weight.reshape(O, -1) @ cols).reshape(N, O, H, W)   # a 3x3 "same" conv
    """
    x = cp.ascontiguousarray(x)
    g = _geometry(x.shape, kernel_size, stride, padding, dilation, out_hw)
    c, _, _, kh, kw, oh, ow = g[:7]
    cols = cp.empty((x.shape[0], c * kh * kw, oh * ow), dtype=x.dtype)
    if cols.size:  # a launch with zero blocks is an error: empty batches skip it
        raw_kernel(cp, IM2COL_SOURCE, "im2col", x.dtype)(
            blocks(cols.size), (BLOCK,), (x, cols, *i64(cols.size, *g)))
    return cols


def col2im(cp, cols, x_shape, kernel_size, stride=(1, 1), padding=(0, 0), dilation=(1, 1),
           out_hw=None):
    """The adjoint of :func:`im2col`: ``cols`` (N, C*KH*KW, OH*OW) summed back into an array
    of ``x_shape`` (N, C, H, W); each input pixel gets the sum of its copies' values."""
    cols = cp.ascontiguousarray(cols)
    x = cp.empty(tuple(x_shape), dtype=cols.dtype)
    if x.size:
        g = _geometry(x_shape, kernel_size, stride, padding, dilation, out_hw)
        raw_kernel(cp, COL2IM_SOURCE, "col2im", x.dtype)(
            blocks(x.size), (BLOCK,), (cols, x, *i64(x.size, *g)))
    return x


# ----------------------------------------------------------------------------- references
def im2col_reference(x: np.ndarray, kernel_size, stride=(1, 1), padding=(0, 0),
                     dilation=(1, 1), out_hw=None) -> np.ndarray:
    """:func:`im2col` in NumPy: one strided slice of the padded input per tap (ki, kj)."""
    c, h, w, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw = _geometry(x.shape, kernel_size, stride,
                                                                padding, dilation, out_hw)
    after = (max(ph, (oh - 1) * sh + (kh - 1) * dh + 1 - h - ph),
             max(pw, (ow - 1) * sw + (kw - 1) * dw + 1 - w - pw))
    xp = np.pad(x, ((0, 0), (0, 0), (ph, after[0]), (pw, after[1])))
    cols = np.zeros((x.shape[0], c, kh, kw, oh, ow), dtype=x.dtype)
    for ki in range(kh):
        for kj in range(kw):
            cols[:, :, ki, kj] = xp[:, :, ki * dh: ki * dh + sh * (oh - 1) + 1: sh,
                                    kj * dw: kj * dw + sw * (ow - 1) + 1: sw][:, :, :oh, :ow]
    return cols.reshape(x.shape[0], c * kh * kw, oh * ow)


def col2im_reference(cols: np.ndarray, x_shape, kernel_size, stride=(1, 1), padding=(0, 0),
                     dilation=(1, 1), out_hw=None) -> np.ndarray:
    """:func:`col2im` in NumPy: each tap's columns added back where im2col read them."""
    c, h, w, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw = _geometry(x_shape, kernel_size, stride,
                                                                padding, dilation, out_hw)
    n = x_shape[0]
    cols = cols.reshape(n, c, kh, kw, oh, ow)
    xp = np.zeros((n, c, h + 2 * ph + sh + dh * kh, w + 2 * pw + sw + dw * kw), cols.dtype)
    for ki in range(kh):
        for kj in range(kw):
            xp[:, :, ki * dh: ki * dh + sh * oh: sh, kj * dw: kj * dw + sw * ow: sw] += \
                cols[:, :, ki, kj]
    return xp[:, :, ph: ph + h, pw: pw + w]
