"""``torch.get_num_threads`` / ``torch.set_num_threads``: how many cores the CPU ops use.

PyTorch runs each large CPU kernel on ``get_num_threads()`` cores (OpenMP). In autograd_lab the
only multi-threaded part is NumPy's BLAS (``matmul``, so the convolutions' and linear layers'
products); every other op runs on one core in NumPy's loops. ``set_num_threads`` therefore sets
BLAS's thread count, through threadpoolctl.

Why not split other ops over Python threads? NumPy releases the GIL inside its loops, so it
can be done, and it was tried (convolutions and pooling over images, ReLU, batch norm over
channels). On the 2-core machines this project is measured on, a training step got *slower*
(LeNet at batch 64: 120 ms -> 132 ms; a conv + batch-norm net: 348 ms -> 431 ms): the ops are
memory-bound, each hand-off to a thread cost ~50 us, and switching BLAS between one and two
threads around each split cost more again (docs/design.md, "Threads").

Example:
    >>> import autograd_lab as torch
    >>> torch.set_num_threads(1)   # BLAS on one core (as OMP_NUM_THREADS=1)
    >>> torch.get_num_threads()
    1
"""

from __future__ import annotations

import os

__all__ = ["get_num_threads", "set_num_threads"]


def _default_threads() -> int:
    """``OMP_NUM_THREADS`` when set (PyTorch and OpenBLAS read it too), else the usable cores."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


_num_threads = _default_threads()


def get_num_threads() -> int:
    """The number of threads CPU ops may use (``torch.get_num_threads``)."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Let CPU ops use ``n`` threads: NumPy's BLAS (``torch.set_num_threads``).

    Args:
        n (int): a positive thread count; 1 runs everything on the calling thread.
    """
    global _num_threads
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    import numpy  # noqa: F401 - threadpoolctl finds BLAS only among the loaded libraries
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")  # stays in effect (not used as a context)
    _num_threads = n
