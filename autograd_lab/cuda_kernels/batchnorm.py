"""Batch normalisation, forward and backward, from reduction and elementwise kernels.

For x (N, C, *) with n = N * prod(*) values per channel c (training mode):

    mean_c = Σ x / n       var_c = Σ (x - mean_c)^2 / n       x̂ = (x - mean_c) / sqrt(var_c + eps)
    y = weight_c x̂ + bias_c
    dL/dx = weight_c / sqrt(var_c + eps) · (g - Σg / n - x̂ · Σ(g x̂) / n)
    dL/dweight_c = Σ g x̂          dL/dbias_c = Σ g

Per-channel sums are CuPy ``ReductionKernel`` s reduced over the axes (0, 2, 3, ...): CuPy maps
each *output* (channel) to a group of threads that add their share of that channel's values
in a tree inside the block, a fixed order, so sums are deterministic with no atomics. The
variance takes a second pass over ``(x - mean)^2`` rather than ``Σx² - n mean²``, which loses
every digit when the mean is large next to the spread (catastrophic cancellation).

The normalisation and the input gradient are ``ElementwiseKernel`` s: one thread per element
of x, the per-channel values reaching it by broadcasting arrays of shape (1, C, 1, 1).
"""

from __future__ import annotations

import numpy as np

from ._build import elementwise, reduction

__all__ = ["batch_norm", "batch_norm_inference", "batch_norm_backward",
           "batch_norm_reference", "batch_norm_backward_reference", "SUM_SPEC",
           "SQUARED_DEVIATION_SPEC", "DOT_SPEC", "NORMALIZE_SPEC", "BACKWARD_SPEC"]

# (in_params, out_params, map_expr, reduce_expr, post_map_expr, identity)
SUM_SPEC = ("T x", "T y", "x", "a + b", "y = a", "0")
SQUARED_DEVIATION_SPEC = ("T x, T mean", "T y", "(x - mean) * (x - mean)", "a + b", "y = a",
                          "0")
DOT_SPEC = ("T g, T x, T mean", "T y", "g * (x - mean)", "a + b", "y = a", "0")

NORMALIZE_SPEC = ("T x, T mean, T invstd, T weight, T bias", "T y",
                  "y = (x - mean) * invstd * weight + bias")
BACKWARD_SPEC = (
    "T g, T x, T mean, T invstd, T weight, T sum_g, T sum_g_xhat, T inv_n", "T gx",
    r"""
    T xhat = (x - mean) * invstd;
    gx = weight * invstd * (g - sum_g * inv_n - xhat * (sum_g_xhat * inv_n));
    """,
)


def _axes_and_shape(x):
    """The reduced axes (all but 1) and the broadcastable shape (1, C, 1, ...)."""
    axes = (0,) + tuple(range(2, x.ndim))
    return axes, (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _affine(cp, x, weight, bias):
    c = x.shape[1]
    w = cp.ones(c, x.dtype) if weight is None else weight.astype(x.dtype, copy=False)
    b = cp.zeros(c, x.dtype) if bias is None else bias.astype(x.dtype, copy=False)
    return w, b


def batch_norm(cp, x, weight, bias, eps: float):
    """Training-mode batch norm of ``x`` (N, C, *) -> ``(y, mean, invstd, var)``: mean (C,),
    invstd = 1 / sqrt(var + eps) (C,), var the biased variance (C,) (the running variance is
    updated with the unbiased one, var · n / (n - 1))."""
    axes, shape = _axes_and_shape(x)
    n = x.size // x.shape[1]
    mean = reduction(cp, SUM_SPEC, "bn_sum")(x, axis=axes) / n
    var = reduction(cp, SQUARED_DEVIATION_SPEC, "bn_squared_deviation")(
        x, mean.reshape(shape), axis=axes) / n
    invstd = 1 / cp.sqrt(var + eps)
    w, b = _affine(cp, x, weight, bias)
    y = elementwise(cp, NORMALIZE_SPEC, "bn_normalize")(
        x, mean.reshape(shape), invstd.reshape(shape), w.reshape(shape), b.reshape(shape))
    return y, mean, invstd, var


def batch_norm_inference(cp, x, running_mean, running_var, weight, bias, eps: float):
    """Evaluation-mode batch norm: normalise with the running statistics."""
    _, shape = _axes_and_shape(x)
    invstd = 1 / cp.sqrt(running_var.astype(x.dtype, copy=False) + eps)
    w, b = _affine(cp, x, weight, bias)
    return elementwise(cp, NORMALIZE_SPEC, "bn_normalize")(
        x, running_mean.astype(x.dtype, copy=False).reshape(shape), invstd.reshape(shape),
        w.reshape(shape), b.reshape(shape))


def batch_norm_backward(cp, g, x, mean, invstd, weight):
    """Gradients of training-mode batch norm: ``(grad_input, grad_weight, grad_bias)``."""
    axes, shape = _axes_and_shape(x)
    n = x.size // x.shape[1]
    sum_g = reduction(cp, SUM_SPEC, "bn_sum")(g, axis=axes)
    sum_g_xhat = reduction(cp, DOT_SPEC, "bn_dot")(g, x, mean.reshape(shape), axis=axes) * invstd
    w, _ = _affine(cp, x, weight, None)
    gx = elementwise(cp, BACKWARD_SPEC, "bn_backward")(
        g, x, mean.reshape(shape), invstd.reshape(shape), w.reshape(shape),
        sum_g.reshape(shape), sum_g_xhat.reshape(shape), x.dtype.type(1 / n))
    return gx, sum_g_xhat, sum_g


# ----------------------------------------------------------------------------- references
def batch_norm_reference(x: np.ndarray, weight, bias, eps: float):
    """:func:`batch_norm` in NumPy."""
    axes, shape = _axes_and_shape(x)
    mean = x.mean(axis=axes)
    var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
    invstd = (1 / np.sqrt(var + eps)).astype(x.dtype)
    w = np.ones(x.shape[1], x.dtype) if weight is None else weight
    b = np.zeros(x.shape[1], x.dtype) if bias is None else bias
    y = (x - mean.reshape(shape)) * invstd.reshape(shape) * w.reshape(shape) + b.reshape(shape)
    return y.astype(x.dtype), mean.astype(x.dtype), invstd, var.astype(x.dtype)


def batch_norm_backward_reference(g, x, mean, invstd, weight):
    """:func:`batch_norm_backward` in NumPy."""
    axes, shape = _axes_and_shape(x)
    n = x.size // x.shape[1]
    xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    sum_g, sum_g_xhat = g.sum(axis=axes), (g * xhat).sum(axis=axes)
    w = np.ones(x.shape[1], x.dtype) if weight is None else weight
    gx = w.reshape(shape) * invstd.reshape(shape) * (
        g - sum_g.reshape(shape) / n - xhat * sum_g_xhat.reshape(shape) / n)
    return gx.astype(x.dtype), sum_g_xhat.astype(x.dtype), sum_g.astype(x.dtype)
