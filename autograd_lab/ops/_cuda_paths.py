"""Convolution and max pooling with the custom CUDA kernels (:mod:`autograd_lab.cuda_kernels`).

The array-level functions of :mod:`.conv` and :mod:`.pool` try these first. Each returns
``None`` where there is no kernel: on NumPy (``backend.kernel`` has none, so the CPU path is
untouched), with ``AUTOGRAD_LAB_CUDA_KERNELS=0``, or for a dtype other than float32/float64
(those keep the plain CuPy composition of the CPU code).

Convolution is im2col + one batched matrix product (cuBLAS), with ``cols`` ``(N, C·kh·kw, L)``
whose rows are in PyTorch's weight order ``(c, i, j)``, so ``W.reshape(g, O/g, -1)`` multiplies
it as it is (no ``_tap_major`` reordering, which the CPU layout needs):

    forward   out[n] = W[g] @ cols(x)[n, g] + b
    adjoint   x = col2im(W[g]^T @ y[n, g])        (the input gradient, conv_transpose)
    weight    dW[g] = Σ_n g[n, g] @ cols(x)[n, g]^T

The ``Dim`` of each spatial dim gives the geometry: ``lo`` is the padding before the input;
the padding after only decides the output size, passed as ``out_hw`` (asymmetric
``padding="same"``, a transposed convolution's ``output_padding``). A 1-d convolution is an
image of height 1 (``_im2col.FLAT``), as on the CPU.

Max pooling: the forward kernel gives the maximum and its index ``h * W + w`` (the CPU path's
convention, ties and NaNs alike); the backward kernel sends each gradient to its index, by
gather under ``use_deterministic_algorithms(True)`` and by ``atomicAdd`` otherwise.
"""

from __future__ import annotations

from .. import backend

__all__ = ["conv_forward", "conv_adjoint", "conv_weight", "max_pool2d",
           "max_pool2d_backward"]

_KERNEL_DTYPES = ("float32", "float64")


def _kernel(xp, name: str, a):
    """``backend.kernel(xp, name)`` when it exists and handles ``a``'s dtype, else None."""
    fused = backend.kernel(xp, name)
    return fused if fused is not None and a.dtype.name in _KERNEL_DTYPES else None


def _geometry(dims) -> tuple:
    """Kernel size, stride, padding before, dilation and output size, as (h, w) pairs."""
    dh, dw = dims
    return (dh.k, dw.k), (dh.s, dw.s), (dh.lo, dw.lo), (dh.d, dw.d), (dh.out, dw.out)


def _cols(im2col, x, dims):
    """im2col of ``x`` (N, C, H, W): (N, C·kh·kw, L), L = Ho·Wo."""
    k, s, lo, d, out = _geometry(dims)
    return im2col(x, k, s, lo, d, out_hw=out)


def conv_forward(xp, x, w, b, dims, groups):
    """``W * x + b``: x (N, C, H, W), w (O, C/g, kh, kw) -> (N, O, Ho, Wo); None without a
    kernel."""
    im2col = _kernel(xp, "im2col", x)
    if im2col is None:
        return None
    n, o = x.shape[0], w.shape[0]
    cols = _cols(im2col, x, dims)
    _, k, length = cols.shape  # (no -1 in the reshapes: an empty batch has size 0)
    out = xp.matmul(w.reshape(groups, o // groups, k // groups),
                    cols.reshape(n, groups, k // groups, length))
    out = out.reshape(n, o, dims[0].out, dims[1].out)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def conv_adjoint(xp, y, w, dims, groups, c):
    """``conv_transpose(y, W)``: y (N, O, Ho, Wo) -> (N, C, H, W); None without a kernel."""
    col2im = _kernel(xp, "col2im", y)
    if col2im is None:
        return None
    n, o = y.shape[:2]
    length = dims[0].out * dims[1].out
    k = c * dims[0].k * dims[1].k
    wt = w.reshape(groups, o // groups, k // groups).transpose(0, 2, 1)  # (g, K/g, O/g)
    cols = xp.matmul(wt, y.reshape(n, groups, o // groups, length))
    size, s, lo, d, out = _geometry(dims)
    return col2im(cols.reshape(n, k, length), (n, c, dims[0].size, dims[1].size), size, s, lo,
                  d, out_hw=out)


def conv_weight(xp, x, g, dims, groups, wshape):
    """``dW = Σ_n g @ cols(x)^T`` per group, of shape ``wshape``; None without a kernel."""
    im2col = _kernel(xp, "im2col", x)
    if im2col is None:
        return None
    n, o = x.shape[0], wshape[0]
    cols = _cols(im2col, x, dims)
    _, k, length = cols.shape
    gw = xp.matmul(g.reshape(n, groups, o // groups, length),
                   cols.reshape(n, groups, k // groups, length).transpose(0, 1, 3, 2))
    return gw.sum(axis=0).reshape(wshape)


def max_pool2d(xp, planes, dims):
    """Max and flat index ``h * W + w`` of each window of ``planes`` (P, 1, H, W); None
    without a kernel."""
    pool = _kernel(xp, "max_pool2d", planes)
    if pool is None:
        return None
    k, s, lo, d, out = _geometry(dims)
    return pool(planes, k, s, lo, d, out_hw=out)


def max_pool2d_backward(xp, g, idx, shape, dims):
    """The input gradient (``shape``) of max pooling: each gradient of ``g`` added at its
    index; None without a kernel. Deterministic (a gather) when
    ``use_deterministic_algorithms(True)`` is on, atomic adds otherwise."""
    scatter = _kernel(xp, "max_pool2d_backward", g)
    if scatter is None:
        return None
    k, s, lo, d, _ = _geometry(dims)
    return scatter(g, idx, tuple(shape), k, s, lo, d, out_hw=tuple(g.shape[-2:]))
