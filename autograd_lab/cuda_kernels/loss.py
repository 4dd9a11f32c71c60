"""Fused log-softmax + negative log-likelihood (cross entropy), forward and backward.

For logits x (N, C) and class targets t (N,):

    lse_i = log Σ_c exp x[i, c]            l_i = -w[t_i] (x[i, t_i] - lse_i)
    dl_i/dx[i, c] = w[t_i] (softmax(x)[i, c] - [c = t_i])

Composed from CuPy ops this is ~8 kernel launches and three (N, C) temporaries (max,
exp, log-probabilities); fused, the forward is one pass per row and the backward one
elementwise kernel that recomputes softmax from ``x`` and the saved ``lse`` (N,) instead of
storing the (N, C) probabilities.

Forward thread mapping: one thread per row (grid-stride over rows), looping over the C
classes with the *online* log-sum-exp (Milakov & Gimelshein, 2018): keep the running maximum
m and s = Σ exp(x - m); when a larger value arrives, rescale s by exp(m_old - m_new). One pass,
and exp never overflows. One thread per row suits classification (C up to a few thousand);
rows are independent, so there is no atomic and the result is deterministic.

Backward thread mapping: one thread per element (i, c) of the (N, C) gradient, c fastest:
coalesced reads of x and writes of the gradient.
"""

from __future__ import annotations

import numpy as np

from ._build import BLOCK, blocks, i64, raw_kernel

__all__ = ["cross_entropy", "cross_entropy_backward", "cross_entropy_reference",
           "cross_entropy_backward_reference", "FORWARD_SOURCE", "BACKWARD_SOURCE"]

FORWARD_SOURCE = r"""
extern "C" __global__ void cross_entropy_forward(
    const T* __restrict__ x, const long long* __restrict__ target,
    const T* __restrict__ weight, T* __restrict__ loss, T* __restrict__ lse_out,
    T* __restrict__ row_weight, long long* __restrict__ bad, long long N, long long C,
    long long ignore_index, long long has_weight) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < N;
       i += (long long)blockDim.x * gridDim.x) {
    const T* row = x + i * C;
    T m = neg_inf(), s = 0;  // running maximum, and sum of exp(x - m)
    for (long long c = 0; c < C; ++c) {
      T v = row[c];
      if (v > m) {
        s = s * exp(m - v) + (T)1;  // the old terms, rescaled to the new maximum
        m = v;
      } else {
        s += exp(v - m);
      }
    }
    T lse = m + log(s);
    lse_out[i] = lse;
    long long t = target[i];
    if (t == ignore_index || t < 0 || t >= C) {
      if (t != ignore_index) {  // reported by the caller: "Target t is out of bounds."
        bad[0] = 1;
        bad[1] = t;
      }
      loss[i] = 0;
      row_weight[i] = 0;
      continue;
    }
    T w = has_weight ? weight[t] : (T)1;
    row_weight[i] = w;
    loss[i] = -w * (row[t] - lse);
  }
}
"""

BACKWARD_SOURCE = r"""
extern "C" __global__ void cross_entropy_backward(
    const T* __restrict__ x, const long long* __restrict__ target,
    const T* __restrict__ lse, const T* __restrict__ row_scale, T* __restrict__ gx,
    long long total, long long C) {
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)blockDim.x * gridDim.x) {
    long long i = idx / C, c = idx % C;
    T p = exp(x[idx] - lse[i]);  // softmax, recomputed rather than stored
    gx[idx] = row_scale[i] * (p - (target[i] == c ? (T)1 : (T)0));
  }
}
"""


def cross_entropy(cp, x, target, weight=None, ignore_index: int = -100):
    """Per-row losses of logits ``x`` (N, C) for class indices ``target`` (N,).

    Returns ``(loss, lse, row_weight, bad)``: loss (N,) = -w[t] (x[i, t] - lse) (0 where
    ignored), lse (N,) the log-sum-exp of each row (for the backward), row_weight (N,) the
    weight w[t_i] of each row (0 where ignored; 'mean' divides by its sum), and ``bad`` (2,)
    int64: ``bad[0]`` is 1 if a target is out of [0, C), ``bad[1]`` one such target. Reading
    ``bad`` waits for the GPU: the caller does it once, to raise PyTorch's IndexError.
    """
    n, c = x.shape
    x = cp.ascontiguousarray(x)
    target = cp.ascontiguousarray(target.astype(np.int64, copy=False))
    has_weight = weight is not None
    weight = cp.ascontiguousarray(weight.astype(x.dtype, copy=False)) if has_weight else x
    loss, lse, row_weight = (cp.empty(n, dtype=x.dtype) for _ in range(3))
    bad = cp.zeros(2, dtype=np.int64)
    if n:
        raw_kernel(cp, FORWARD_SOURCE, "cross_entropy_forward", x.dtype)(
            blocks(n), (BLOCK,),
            (x, target, weight, loss, lse, row_weight, bad,
             *i64(n, c, ignore_index, has_weight)))
    return loss, lse, row_weight, bad


def cross_entropy_backward(cp, x, target, lse, row_scale):
    """dL/dx (N, C): ``row_scale[i] * (softmax(x)[i] - onehot(t_i))``. ``row_scale`` (N,) is
    the output gradient times each row's weight (divided by Σ weights for 'mean')."""
    x = cp.ascontiguousarray(x)
    gx = cp.empty(x.shape, dtype=x.dtype)
    if gx.size:
        raw_kernel(cp, BACKWARD_SOURCE, "cross_entropy_backward", x.dtype)(
            blocks(gx.size), (BLOCK,),
            (x, cp.ascontiguousarray(target.astype(np.int64, copy=False)),
             cp.ascontiguousarray(lse), cp.ascontiguousarray(row_scale.astype(x.dtype)), gx,
             *i64(gx.size, x.shape[1])))
    return gx


# ----------------------------------------------------------------------------- references
def cross_entropy_reference(x: np.ndarray, target: np.ndarray, weight=None,
                            ignore_index: int = -100):
    """:func:`cross_entropy` in NumPy (two-pass log-sum-exp)."""
    n, c = x.shape
    with np.errstate(invalid="ignore", over="ignore"):
        m = x.max(axis=1, initial=-np.inf) if c else np.full(n, -np.inf, x.dtype)
        lse = (m + np.log(np.exp(x - m[:, None]).sum(axis=1))).astype(x.dtype)
    ignored = target == ignore_index
    out_of_range = ~ignored & ((target < 0) | (target >= c))
    valid = ~ignored & ~out_of_range
    t = np.where(valid, target, 0)
    w = (weight[t] if weight is not None else np.ones(n, x.dtype)) * valid
    picked = x[np.arange(n), t] if c else np.zeros(n, x.dtype)
    loss = np.where(valid, -w * (picked - lse), 0).astype(x.dtype)
    bad = np.array([1, target[out_of_range][0]] if out_of_range.any() else [0, 0], np.int64)
    return loss, lse, w.astype(x.dtype), bad


def cross_entropy_backward_reference(x, target, lse, row_scale) -> np.ndarray:
    """:func:`cross_entropy_backward` in NumPy."""
    onehot = np.arange(x.shape[1])[None, :] == target[:, None]
    return (row_scale[:, None] * (np.exp(x - lse[:, None]) - onehot)).astype(x.dtype)
