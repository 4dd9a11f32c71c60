"""Building and launching kernels: compile once per dtype, split the work into blocks.

The array module ``cp`` (CuPy) is passed in by ``backend.kernel``: no module here imports it.
CuPy compiles a kernel with NVRTC the first time it is launched and caches the binary on disk
(``~/.cupy/kernel_cache``), so a kernel costs a compile once per machine, not per run.

Every RawKernel source here is written for an element type ``T``; ``raw_kernel`` prepends
:func:`prelude` (``typedef float T;`` or ``double``, and ``neg_inf()``) and compiles one copy
per dtype. NVRTC compiles without the C headers, so ``INFINITY`` (from ``<math.h>``) does not
exist there: ``neg_inf()`` builds -infinity from its bit pattern instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CTYPE", "BLOCK", "MAX_BLOCKS", "prelude", "raw_kernel", "elementwise", "reduction",
           "blocks", "i64", "scalar"]

#: The C name of each element type the kernels handle (others fall back to CuPy's own ops).
CTYPE = {"float32": "float", "float64": "double"}

#: Threads per block: a multiple of the warp size (32); 256 keeps 8 warps per block, enough
#: to hide memory latency, while many blocks fit on each streaming multiprocessor at once.
BLOCK = 256

#: At most this many blocks per launch: kernels loop ("grid-stride") over whatever is left, so
#: any size works, and a launch never asks for more blocks than the hardware allows.
MAX_BLOCKS = 65535 * 32

_NEG_INF = {"float32": "-__int_as_float(0x7f800000)",
            "float64": "-__longlong_as_double(0x7ff0000000000000LL)"}

_cache: dict[tuple, object] = {}


def prelude(dtype) -> str:
    """What precedes a RawKernel source compiled for ``dtype``."""
    name = np.dtype(dtype).name
    return (f"typedef {CTYPE[name]} T;\n"
            f"__device__ __forceinline__ T neg_inf() {{ return {_NEG_INF[name]}; }}\n")


def raw_kernel(cp, source: str, name: str, dtype):
    """The compiled ``extern "C" __global__ void name(...)`` of ``source`` for ``dtype``."""
    key = (id(cp), "raw", name, np.dtype(dtype).name)
    kern = _cache.get(key)
    if kern is None:
        kern = _cache[key] = cp.RawKernel(prelude(dtype) + source, name)
    return kern


def elementwise(cp, spec: tuple[str, str, str], name: str):
    """A CuPy ``ElementwiseKernel`` from ``(in_params, out_params, operation)``: CuPy writes the
    loop over elements (and the broadcasting) around ``operation``."""
    key = (id(cp), "elementwise", name)
    kern = _cache.get(key)
    if kern is None:
        kern = _cache[key] = cp.ElementwiseKernel(*spec, name=name)
    return kern


def reduction(cp, spec: tuple[str, str, str, str, str, str], name: str):
    """A CuPy ``ReductionKernel`` from ``(in_params, out_params, map_expr, reduce_expr,
    post_map_expr, identity)``: each output is ``post_map(reduce(map(element), ...))``."""
    key = (id(cp), "reduction", name)
    kern = _cache.get(key)
    if kern is None:
        kern = _cache[key] = cp.ReductionKernel(*spec, name=name)
    return kern


def blocks(n: int) -> tuple[int]:
    """The grid for ``n`` threads' worth of work: ceil(n / BLOCK) blocks, capped."""
    return (max(1, min((n + BLOCK - 1) // BLOCK, MAX_BLOCKS)),)


def i64(*values: int) -> tuple:
    """Integers as ``long long`` kernel arguments. A Python int would be passed with a width
    CuPy picks, not the one the kernel reads: always say it."""
    return tuple(np.int64(v) for v in values)


def scalar(dtype, value: float):
    """A floating-point kernel argument of type ``T`` (the array's dtype)."""
    return np.dtype(dtype).type(value)
