"""The NumPy arithmetic behind resizing and rotating tensor images.

``resample_matrix`` gives, for one axis, the matrix M with ``out = M @ in``: resizing an image
is then two matrix products (rows, then columns), which any device and autograd can do.
``affine_output_size`` and ``grid_sample`` follow torchvision's and PyTorch's
``grid_sample(align_corners=False)`` conventions for rotations.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["affine_output_size", "grid_sample", "resample_matrix"]


@functools.lru_cache(maxsize=256)
def resample_matrix(n_in: int, n_out: int, mode: str, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) matrix M with ``out = M @ in`` along one axis, built with PyTorch's
    formulas for F.interpolate(align_corners=False): nearest and nearest-exact index in
    float32 as PyTorch does; bilinear/bicubic with ``antialias`` widen the filter by the
    downscaling factor and renormalise (Pillow's and PyTorch's antialiased resampling)."""
    scale = n_in / n_out
    dst = np.arange(n_out)
    m = np.zeros((n_out, n_in))
    if mode in ("nearest", "nearest-exact"):
        offset = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        src = np.floor((dst.astype(np.float32) + offset) * (np.float32(n_in) / np.float32(n_out)))
        m[dst, np.minimum(src.astype(np.int64), n_in - 1)] = 1.0
    elif antialias:
        stretch = max(scale, 1.0)
        support = (1.0 if mode == "bilinear" else 2.0) * stretch
        for i in dst:
            center = (i + 0.5) * scale
            lo = max(int(center - support + 0.5), 0)
            hi = min(int(center + support + 0.5), n_in)
            x = (np.arange(lo, hi) - center + 0.5) / stretch
            w = np.maximum(1.0 - np.abs(x), 0.0) if mode == "bilinear" else _cubic(x, -0.5)
            m[i, lo:hi] = w / w.sum()
    elif mode == "bilinear":
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        lam = src - i0
        np.add.at(m, (dst, i0), 1.0 - lam)
        np.add.at(m, (dst, np.minimum(i0 + 1, n_in - 1)), lam)
    else:  # bicubic: 4 taps, out-of-range taps clamped to the border pixel
        src = (dst + 0.5) * scale - 0.5
        i0 = np.floor(src).astype(np.int64)
        t = src - i0
        for k, w in zip((-1, 0, 1, 2), (_cubic(t + 1, -0.75), _cubic(t, -0.75),
                                        _cubic(1 - t, -0.75), _cubic(2 - t, -0.75))):
            np.add.at(m, (dst, np.clip(i0 + k, 0, n_in - 1)), w)
    m.setflags(write=False)
    return m


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution kernel with parameter ``a``."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """(width, height) that holds the whole transformed image (``expand=True``)."""
    corners = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    pts = corners @ theta.T
    shift = np.array([w * 0.5, h * 0.5], dtype=np.float32)
    lo, hi = pts.min(axis=0) + shift, pts.max(axis=0) + shift
    tol = np.float32(1e-4)  # so that 1e-15 above an integer does not round up a whole pixel
    cmax = np.ceil(np.trunc(hi / tol) * tol)
    cmin = np.floor(np.trunc(lo / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def grid_sample(x: np.ndarray, sx: np.ndarray, sy: np.ndarray, mode: str) -> np.ndarray:
    """Sample x (N, C, H, W) at pixel coordinates (sx, sy); outside the image counts as 0."""
    h, w = x.shape[-2:]

    def tap(ix: np.ndarray, iy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        return np.where(inside, x[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)], 0), inside

    if mode == "nearest":
        return tap(np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64))[0]
    x0, y0 = np.floor(sx), np.floor(sy)
    fx, fy = (sx - x0).astype(x.dtype), (sy - y0).astype(x.dtype)
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    out = np.zeros(x.shape[:-2] + sx.shape, dtype=x.dtype)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            out += tap(x0 + dx, y0 + dy)[0] * (wx * wy)
    return out
