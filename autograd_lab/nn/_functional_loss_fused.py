"""Cross entropy as one fused GPU primitive (``cuda_kernels.loss``), used by ``cross_entropy``
for (N, C) float32/float64 logits with class-index targets when a CUDA kernel exists.

On the CPU, ``cross_entropy`` stays ``nll_loss(log_softmax(x))`` (two primitives, PyTorch's
composition). On the GPU the fused op computes the same values with one kernel per pass; its
node keeps PyTorch's name, ``NllLossBackward0`` (what ``print(loss)`` shows in tutorials),
but has the logits' node as its direct input: the log-softmax node is fused into it.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from ..backend import array_module, kernel

__all__ = ["CrossEntropyFused", "fused_kernels"]


def fused_kernels(input: Tensor):  # noqa: A002
    """The fused cross-entropy kernels for (N, C) float32/float64 logits, else None (always
    None on the CPU: ``backend.kernel`` has no kernels for NumPy)."""
    x = input._data
    if x.ndim != 2 or x.shape[1] == 0 or x.dtype.name not in ("float32", "float64"):
        return None
    xp = array_module(input._device)
    forward, backward = kernel(xp, "cross_entropy"), kernel(xp, "cross_entropy_backward")
    return None if forward is None else (forward, backward)


class CrossEntropyFused(Op):
    """l_i = -w[t_i] (x[i, t_i] - log Σ_c exp x[i, c]);  'mean' divides Σ l_i by Σ w[t_i].

    dl_i/dx[i, c] = w[t_i] (softmax(x)[i, c] - [c = t_i]) (/ Σ w for 'mean').
    Fused for speed: one pass per row forward (online log-sum-exp), one elementwise pass
    backward (softmax recomputed from the saved log-sum-exp, no (N, C) temporary kept).
    """

    node_name = "NllLossBackward0"
    quiet_fp = True  # 'mean' over only ignored targets is 0/0 = nan, as in PyTorch

    @staticmethod
    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean",
                kernels=None):
        forward_kernel, ctx.backward_kernel = kernels
        loss, lse, row_weight, bad = forward_kernel(x, target, weight, ignore_index)
        # Reading the flag waits for the GPU; an out-of-range target would otherwise give a
        # silently wrong loss (PyTorch stops with a device-side assert instead).
        if int(bad[0]):
            raise IndexError(f"Target {int(bad[1])} is out of bounds.")
        ctx.save_for_backward(x)
        ctx.target, ctx.lse, ctx.reduction = target, lse, reduction
        if reduction == "none":
            ctx.row_weight = row_weight
            return loss
        if reduction == "sum":
            ctx.row_weight = row_weight
            return loss.sum()
        total = row_weight.sum()
        ctx.row_weight = row_weight / total
        return loss.sum() / total

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if grad_mode._enabled:  # create_graph=True: a differentiable composition instead
            onehot = Tensor._make(ctx.xp.arange(x.shape[1])[None, :] == ctx.target[:, None],
                                  device=x._device)
            scale = Tensor._make(ctx.row_weight, device=x._device)
            g = grad if ctx.reduction == "none" else grad.expand(scale.shape)
            return (x.softmax(1) - onehot.to(x.dtype)) * (scale * g).unsqueeze(1)
        row_scale = ctx.row_weight * grad._data  # grad: (N,) for 'none', else a 0-d array
        gx = ctx.backward_kernel(x._data, ctx.target, ctx.lse, row_scale)
        return Tensor._make(gx, device=grad._device)
