"""Custom CUDA kernels: the places where composing CuPy ops is slow, written out by hand.

A GPU runs a *kernel* (a C function) on thousands of threads at once. Threads come in
*blocks* (here 256 threads: 8 *warps* of 32 that execute in lockstep), blocks in a *grid*;
each thread computes its global number ``blockIdx.x * blockDim.x + threadIdx.x`` and from it
which element(s) to work on. Memory is fastest when the 32 threads of a warp touch 32
neighbouring addresses (a *coalesced* access), so each kernel here maps consecutive threads to
consecutive elements of the array it writes. Where the data run out before the threads do,
threads check ``idx < total``; where threads run out first, each loops with the grid's size
as its stride (a *grid-stride loop*), so one kernel works for any size.

Each module holds the CUDA C source as a readable string, the Python function that launches
it (``cp`` is the CuPy module, handed over by ``backend.kernel``), and a NumPy reference that
computes the same thing, which the tests compare against:

=================  =====================================  ====================================
module             kernels                                replaces
=================  =====================================  ====================================
``conv``           im2col, col2im (gather)                strided copies + scatter-add
``pool``           max-pool 2d forward with indices,      window loops, argmax, scatter-add
                   backward (atomic, or gather when
                   deterministic)
``loss``           fused log-softmax + NLL forward,       ~8 launches, (N, C) temporaries
                   backward
``optim``          SGD (momentum), Adam/AdamW (AMSGrad)   ~10 launches per parameter
``batchnorm``      per-channel sums (ReductionKernel),    mean/var/normalise as separate ops
                   normalise and backward (Elementwise)
=================  =====================================  ====================================

Matrix products need no custom kernel: ``cp.matmul`` calls cuBLAS, NVIDIA's tuned GEMM.
Ops reach these kernels only through ``backend.kernel(xp, name)``, which returns None on NumPy,
so no op asks which device it is on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from . import batchnorm, conv, loss, optim, pool

__all__ = ["launcher", "LAUNCHERS", "REFERENCES", "conv", "pool", "loss", "optim",
           "batchnorm"]

#: name -> function(cp, ...) that launches the kernel(s).
LAUNCHERS: dict[str, Callable] = {
    "im2col": conv.im2col,
    "col2im": conv.col2im,
    "max_pool2d": pool.max_pool2d,
    "max_pool2d_backward": pool.max_pool2d_backward,
    "cross_entropy": loss.cross_entropy,
    "cross_entropy_backward": loss.cross_entropy_backward,
    "sgd_step": optim.sgd_step,
    "adam_step": optim.adam_step,
    "batch_norm": batchnorm.batch_norm,
    "batch_norm_inference": batchnorm.batch_norm_inference,
    "batch_norm_backward": batchnorm.batch_norm_backward,
}

#: name -> the NumPy function computing the same result (for tests and for reading).
REFERENCES: dict[str, Callable] = {
    "im2col": conv.im2col_reference,
    "col2im": conv.col2im_reference,
    "max_pool2d": pool.max_pool2d_reference,
    "max_pool2d_backward": pool.max_pool2d_backward_reference,
    "cross_entropy": loss.cross_entropy_reference,
    "cross_entropy_backward": loss.cross_entropy_backward_reference,
    "sgd_step": optim.sgd_step_reference,
    "adam_step": optim.adam_step_reference,
    "batch_norm": batchnorm.batch_norm_reference,
    "batch_norm_backward": batchnorm.batch_norm_backward_reference,
}


@functools.cache
def launcher(cp, name: str) -> Callable:
    """``LAUNCHERS[name]`` with the array module bound: ``launcher(cp, "adam_step")(p, g, ...)``.
    """
    try:
        return functools.partial(LAUNCHERS[name], cp)
    except KeyError:
        raise KeyError(f"no CUDA kernel named {name!r}; there are: "
                       f"{', '.join(sorted(LAUNCHERS))}") from None
