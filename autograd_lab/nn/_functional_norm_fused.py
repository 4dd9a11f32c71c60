"""Batch norm with the custom CUDA kernels (``cuda_kernels.batchnorm``), used by ``batch_norm``
for float32/float64 inputs when those kernels exist (never on the CPU: ``backend.kernel`` has
none for NumPy, and the CPU code in :mod:`._functional_norm` runs unchanged).

Training: one kernel call gives y and the batch's mean, 1/sqrt(var + eps) and biased variance
(per-channel sums as reductions, then one elementwise pass); the running statistics are
updated from them as on the CPU (unbiased variance). The backward is one kernel call too:
Σg, Σg·x̂ and the input gradient. Evaluation: one elementwise pass with the running
statistics; its backward is :class:`NativeBatchNorm`'s (a few CuPy passes). With
``create_graph=True`` both use :class:`NativeBatchNorm`'s differentiable backward.

The node is PyTorch's native one, ``NativeBatchNormBackward0`` (PyTorch on a GPU with cuDNN
records ``CudnnBatchNormBackward0`` instead).
"""

from __future__ import annotations

from .. import backend
from .._tensor import Tensor
from ..autograd import grad_mode
from ._functional_norm import NativeBatchNorm, _update

__all__ = ["NativeBatchNormFused", "batch_norm_fused"]


class NativeBatchNormFused(NativeBatchNorm):
    """:class:`NativeBatchNorm` whose output ``y`` the CUDA kernels computed already; its
    backward with batch statistics is the ``batch_norm_backward`` kernel."""

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, *, y, axes, wshape, mean, invstd, training, eps):
        ctx.axes = ctx.waxes = axes
        ctx.wshape, ctx.training, ctx.eps = wshape, training, eps
        ctx.mean, ctx.invstd = mean, invstd  # kept dims (1, C, 1, ...)
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, grad):
        if not ctx.training or grad_mode._enabled:  # eval, or create_graph
            return NativeBatchNorm.backward(ctx, grad)
        x, w = ctx.saved_tensors
        needs, meta, dev = ctx.needs_input_grad, ctx._input_meta, grad._device
        gx, gw, gb = backend.kernel(ctx.xp, "batch_norm_backward")(
            grad._data, x._data, ctx.mean.reshape(-1), ctx.invstd.reshape(-1),
            None if w is None else w._data)
        gw = gw.reshape(meta[1][0]) if needs[1] else None
        gb = gb.reshape(meta[2][0]) if needs[2] else None
        gx = gx if needs[0] else None
        return tuple(None if a is None else Tensor._make(a, device=dev) for a in (gx, gw, gb))


def batch_norm_fused(input: Tensor, running_mean, running_var, weight, bias,  # noqa: A002
                     training: bool, momentum: float, eps: float):
    """``batch_norm`` (arguments checked, input not empty) with the CUDA kernels, or None where
    they do not apply (no kernel, or a dtype other than float32/float64)."""
    x = input._data
    xp = backend.array_module(input._device)
    forward = backend.kernel(xp, "batch_norm" if training else "batch_norm_inference")
    if forward is None or x.dtype.name not in ("float32", "float64") or any(
            t is not None and t.dtype != input.dtype for t in (weight, bias)):
        return None
    c = x.shape[1]
    keep = (1, c) + (1,) * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    w = None if weight is None else weight._data
    b = None if bias is None else bias._data
    if training:
        y, mean, invstd, var = forward(x, w, b, eps)
        if running_mean is not None:
            n = x.size / c
            with grad_mode.no_grad():
                _update(running_mean, mean, momentum)
                if running_var is not None:
                    _update(running_var, var * (n / (n - 1)), momentum)
    else:
        y = forward(x, running_mean._data, running_var._data, w, b, eps)
        mean = running_mean._data.astype(x.dtype, copy=False)
        invstd = (1 / xp.sqrt(running_var._data + eps)).astype(x.dtype, copy=False)
    return NativeBatchNormFused.apply(input, weight, bias, y=y, axes=axes, wshape=keep,
                                      mean=mean.reshape(keep), invstd=invstd.reshape(keep),
                                      training=training, eps=eps)
