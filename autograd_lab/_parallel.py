"""Intra-op parallelism: one big op split over the CPU's cores, as PyTorch does.

PyTorch runs each large kernel (a convolution, a ReLU over a batch) on all cores with OpenMP:
``torch.get_num_threads()`` of them. NumPy's loops run on one core, and only its BLAS
(``matmul``) uses several. So autograd_lab splits a few heavy ops over the *batch*: each thread
computes its slice of the images with ordinary NumPy calls. That works with plain Python
threads because NumPy releases the GIL (the interpreter lock) inside its loops and BLAS calls,
so two threads copying or multiplying arrays really run at the same time.

While the slices run, BLAS is limited to one thread each (threadpoolctl): two threads that each
asked OpenBLAS for all cores would fight over them (measured 1.5x slower than one thread per
slice).

Used by: convolutions (forward, input and weight gradients), max pooling, ReLU and batch norm
(forward and backward). Small ops stay on one thread: handing work to another thread costs
~20-50 us, more than a small op takes.

Each op splits so that its result does not depend on the number of threads: over the images
where images are independent, over the channels where a sum runs over the images (batch
norm's statistics, a convolution's weight gradient), so every sum adds the same numbers in the
same order as one thread would.

Example:
    >>> import autograd_lab as torch
    >>> torch.set_num_threads(1)   # everything on one core (as OMP_NUM_THREADS=1)
    >>> torch.get_num_threads()
    1
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["get_num_threads", "set_num_threads", "split", "split_elements", "run_slices"]

# Work per thread below which an op stays on one thread, since handing work to another thread
# costs ~20-50 us: multiply-adds for a convolution (a 64-image LeNet convolution does ~2e7, one
# image's 3e5), array elements for a pass over memory (a ReLU over 64 feature maps: ~1e6).
MIN_MULTIPLY_ADDS = 4_000_000
MIN_ELEMENTS = 1 << 17


def _default_threads() -> int:
    """``OMP_NUM_THREADS`` when set (PyTorch reads it too), else the cores this process may use."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


_num_threads = _default_threads()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_blas = None  # threadpoolctl's controller, made on first use (it scans the loaded libraries)


def get_num_threads() -> int:
    """Threads used to split a large op on the CPU (``torch.get_num_threads``)."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for large CPU ops, BLAS included (``torch.set_num_threads``).

    Args:
        n (int): a positive thread count; 1 runs everything on the calling thread.
    """
    global _num_threads, _pool
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    with _pool_lock:
        _num_threads = n
        if _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None
    _controller().limit(limits=n, user_api="blas")  # kept: the limit object is not undone


def _controller():
    """threadpoolctl's view of the loaded BLAS (made after NumPy is imported: it looks only at
    libraries already loaded)."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(_num_threads - 1, 1),
                                       thread_name_prefix="autograd_lab")
        return _pool


def _forget_pool() -> None:
    """After ``fork`` the child has none of the parent's threads: start a new pool if needed."""
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def split(xp, n: int, work: float, grain: float | None = None) -> list:
    """How to split ``n`` items (images, channels): one slice per thread, but only as many
    threads as get at least ``grain`` (default :data:`MIN_MULTIPLY_ADDS`) of the ``work``
    each. One part is ``[...]`` (everything, 0-d arrays included), and so is always the
    answer on a GPU (``xp`` is not NumPy), which runs each kernel on all its cores anyway."""
    if xp is not np:
        return [...]
    grain = MIN_MULTIPLY_ADDS if grain is None else grain
    parts = min(_num_threads, n, max(int(work // grain), 1))
    if parts <= 1:
        return [...]
    bounds = [n * i // parts for i in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:])]


def split_elements(xp, n: int, size: int) -> list:
    """:func:`split` for a pass over ``size`` array elements, ``n`` images (or channels)."""
    return split(xp, n, size, MIN_ELEMENTS)


def run_slices(fn: Callable, slices: list) -> list:
    """``[fn(s) for s in slices]``, the slices on different threads; returns the results in order.

    The calling thread runs the first slice itself. Each slice runs in a copy of the caller's
    context, so NumPy's ``errstate`` (set by the backward pass) holds in every thread.
    Exceptions are re-raised in the caller.
    """
    if len(slices) == 1:
        return [fn(slices[0])]
    with _controller().limit(limits=1, user_api="blas"):
        pool = _executor()
        futures = [pool.submit(contextvars.copy_context().run, fn, s) for s in slices[1:]]
        try:
            first = fn(slices[0])
        finally:
            rest = [f.result() for f in futures]  # always wait: the slices share arrays
    return [first, *rest]
