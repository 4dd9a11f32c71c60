"""Argument checking and geometry for pooling, with PyTorch's error messages."""

from __future__ import annotations

from .._tensor import Tensor
from ._im2col import Dim
from ._util import require_tensor


def _pair(fn: str, name: str, value, allow_empty: bool = False):
    """An int or a 1- or 2-sequence -> pair; PyTorch's message otherwise."""
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * 2
    if len(value) != 2:
        what = {"kernel_size": "kernel_size must either be a single int, or a tuple of two ints",
                "stride": "stride must either be omitted, a single int, or a tuple of two ints",
                "padding": "padding must either be a single int, or a tuple of two ints",
                "dilation": "dilation must be either a single int, or a tuple of two ints"}[name]
        raise RuntimeError(f"{fn}: {what}")
    return value


def check_pool_input(fn: str, input: Tensor, ndims: tuple, message: str,  # noqa: A002
                     empty_check: bool = False) -> None:
    require_tensor(fn, "input", 1, input)
    if input.ndim not in ndims:
        raise RuntimeError(message)
    if empty_check:
        for d in range(1, input.ndim):
            if input.shape[d] == 0:
                raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                                   f"dimensions, but input has sizes "
                                   f"[{', '.join(map(str, input.shape))}] with dimension {d} "
                                   "being empty")


def _out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape``: a ceil-mode window must start inside the input."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def pool_dims(fn: str, size: tuple, kernel_size, stride, padding, dilation, ceil_mode: bool,
              lead: tuple) -> tuple:
    """The :class:`Dim` of each spatial dim of a pooling window (checks as PyTorch)."""
    k = _pair(fn, "kernel_size", kernel_size)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _pair(fn, "stride", stride)
    p = _pair(fn, "padding", padding)
    d = _pair(fn, "dilation", dilation)
    if any(x == 0 for x in s):
        raise RuntimeError("stride should not be zero")
    if any(x <= 0 for x in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: "
                           f"{k[1]}")
    for pad in p:
        if pad < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    for kk, pad, dd in zip(k, p, d, strict=True):
        if pad > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pad}, kernel_size={kk} and dilation={dd}")
    if any(x < 0 for x in s):
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s[0]} dW: {s[1]}")
    if any(x <= 0 for x in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} "
                           f"dilationW: {d[1]}")
    outs = [_out_size(n, kk, ss, pp, dd, ceil_mode)
            for n, kk, ss, pp, dd in zip(size, k, s, p, d, strict=True)]
    if any(o < 1 for o in outs) and fn != "max_pool1d":
        planes = lead[-1] if lead else 1
        raise RuntimeError(f"Given input size: ({planes}x{size[0]}x{size[1]}). Calculated "
                           f"output size: ({planes}x{outs[0]}x{outs[1]}). Output size is too "
                           "small")
    dims = []
    for n, kk, ss, pp, dd, o in zip(size, k, s, p, d, outs, strict=True):
        span = (o - 1) * ss + dd * (kk - 1) + 1
        dims.append(Dim(n, kk, ss, dd, pp, max(0, span - n - pp), o))
    return tuple(dims)


def adaptive_size(fn: str, output_size, size: tuple, message: str) -> tuple:
    """``output_size`` as a pair of ints (``None`` keeps the input size)."""
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    output_size = tuple(output_size)
    if len(output_size) != 2:
        raise RuntimeError(f"{fn}(): {message}" if "internal" in message else message)
    return tuple(n if o is None else int(o) for o, n in zip(output_size, size, strict=True))


def window_bounds(size: int, out: int) -> tuple:
    """Start and end (exclusive) of each adaptive window: floor(i*n/o), ceil((i+1)*n/o)."""
    starts = [(i * size) // out for i in range(out)]
    ends = [-((-(i + 1) * size) // out) for i in range(out)]
    return starts, ends
