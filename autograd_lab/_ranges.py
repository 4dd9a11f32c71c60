"""Ranges: ``arange``, ``linspace``, ``logspace``, computed as PyTorch computes them.

PyTorch's CPU kernels compute ``start + step * i`` with a fused multiply-add (one rounding),
and its vectorised loop computes each block of W values as ``base + j * step`` from the
block's first value. We mimic both, so that ``arange(0, 1, 0.1)`` gives PyTorch's exact
float32 values, not NumPy's (which differ in the last bit for some elements).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _dtype
from ._from_data import _number, _out, check_dtype, finish, is_int, pinned
from ._tensor import Tensor
from .backend import _type_name, canonical_device

__all__ = ["arange", "linspace", "logspace"]


def arange(start=None, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad: bool = False, layout=None, pin_memory: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``, e.g. ``arange(1, 3, .5)``.

    All-integer arguments give int64, any float the default float dtype. The count is
    ``ceil((end - start) / step)``, so ``arange(0, 1, 0.1)`` has 10 elements, and each value
    is ``start + i * step`` computed in float64, as PyTorch does on the CPU.
    """
    if end is None:
        if start is None:
            raise TypeError('arange() missing 1 required positional arguments: "end"')
        start, end = 0, start
    elif start is None:
        start = 0
    start, end, step = _number(start), _number(end), _number(step)
    dt = check_dtype("arange", dtype)
    if dt is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dt = _dtype.int64 if ints else _dtype.get_default_dtype()
    if dt is _dtype.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
    if dt.category == _dtype._INT:
        # PyTorch converts the bounds to the integer type first: arange(0, 2.5, dtype=int) is [0, 1]
        if step != 0 and int(step) == 0:
            raise ValueError("step must be nonzero")
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = math.ceil((end - start) / step) if dt.category == _dtype._FLOAT else (
        (end - start + step - (1 if step > 0 else -1)) // step)
    if dt.category == _dtype._FLOAT:
        arr = _arange_float(start, step, n, dt.np)
    else:
        arr = np.arange(start, start + n * step, step, dtype=np.int64)[:n].astype(dt.np)
    return _out(pinned(finish(arr, canonical_device(device), requires_grad), pin_memory), out)


# Bit-identical to PyTorch on x86, where long double has the 64-bit mantissa that makes the
# emulated fused multiply-add exact; elsewhere the last bit may differ.
_LONG = np.longdouble
_VECTOR_WIDTH = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}


def _fma(a, b, c, np_dtype) -> np.ndarray:
    """``a * b + c`` rounded once, then to ``np_dtype``."""
    exact = np.asarray(a).astype(_LONG) * np.asarray(b).astype(_LONG) + np.asarray(c).astype(_LONG)
    return exact.astype(np.float64).astype(np_dtype)


def _arange_float(start, step, n: int, np_dtype) -> np.ndarray:
    idx = np.arange(n)
    width = _VECTOR_WIDTH.get(np_dtype, n + 1)
    vec = (n // (2 * width)) * 2 * width  # the loop runs two vectors at a time, then a tail
    out = np.empty(n, np_dtype)
    out[vec:] = _fma(step, idx[vec:], start, np_dtype)
    if vec:
        block = idx[:vec] // width * width
        base = _fma(step, block, start, np_dtype)
        out[:vec] = _fma(step, idx[:vec] - block, base, np_dtype)
    return out


def _steps(fn: str, steps) -> int:
    steps = _number(steps)
    if not is_int(steps):
        raise TypeError(f"{fn}(): argument 'steps' (position 3) must be int, not "
                        f"{_type_name(steps)}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def linspace(start, end, steps, *, out=None, dtype=None, device=None,
             requires_grad: bool = False, layout=None, pin_memory: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Computed as PyTorch does on the CPU: the first half as ``start + step * i``, the second
    half as ``end - step * (steps - 1 - i)``, in the result dtype (float64 steps for integer
    dtypes, whose values are then truncated). So the last value is exactly ``end``. Values
    are bit-identical to PyTorch's below 32 steps; beyond, PyTorch's vectorised loop may
    differ in the last bit.
    """
    steps = _steps("linspace", steps)
    dt = check_dtype("linspace", dtype) or _dtype.get_default_dtype()
    if dt is _dtype.bool:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    start, end = _number(start), _number(end)
    work = dt.np if dt.category == _dtype._FLOAT else np.dtype(np.float64)
    if dt.category == _dtype._INT:
        start, end = int(start), int(end)
    s, e = work.type(start), work.type(end)
    if steps <= 1:
        arr = np.full(steps, s, work)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            step = (e - s) / work.type(steps - 1)
            idx = np.arange(steps)
            half = steps // 2
            arr = np.empty(steps, work)
            arr[:half] = _fma(step, idx[:half], s, work)
            arr[half:] = _fma(-step, steps - 1 - idx[half:], e, work)
    t = finish(arr.astype(dt.np, copy=False), canonical_device(device), requires_grad)
    return _out(pinned(t, pin_memory), out)


def logspace(start, end, steps, base: float = 10.0, *, out=None, dtype=None, device=None,
             requires_grad: bool = False, layout=None, pin_memory: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``, computed in float64 then cast."""
    steps = _steps("logspace", steps)
    dt = check_dtype("logspace", dtype) or _dtype.get_default_dtype()
    start, end = _number(start), _number(end)
    if dt.category == _dtype._INT:
        start, end = int(start), int(end)
    start, end = float(dt.np.type(start)), float(dt.np.type(end))
    if steps <= 1:
        exps = np.full(steps, start)
    else:
        step = (end - start) / (steps - 1)
        idx = np.arange(steps, dtype=np.float64)
        half = steps // 2
        exps = np.concatenate([start + step * idx[:half], end - step * (steps - 1 - idx[half:])])
    with np.errstate(over="ignore"):
        arr = np.power(float(base), exps).astype(dt.np)
    return _out(pinned(finish(arr, canonical_device(device), requires_grad), pin_memory), out)
