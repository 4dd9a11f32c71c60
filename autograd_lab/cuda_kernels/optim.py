"""Fused optimizer steps: SGD with momentum and Adam, one elementwise kernel each.

Written with CuPy ops, one Adam step is about ten kernels per parameter (multiply, add,
square, sqrt, divide, ...), each reading and writing whole arrays; the fused kernel reads
the parameter, its gradient and the moments once and writes them once.

Thread mapping: CuPy's ``ElementwiseKernel`` writes the loop for us: element ``i`` of the
(broadcast) arguments goes to one thread, grid-stride over all elements; in ``operation``
each argument's name stands for its element ``i``. The scalars (learning rate, betas, ...)
are computed on the host in double precision and passed as ``T``, as the CPU optimizers do
(NumPy casts a Python float to the array's dtype), so both paths round the same way.
"""

from __future__ import annotations

import numpy as np

from ._build import elementwise, scalar

__all__ = ["sgd_step", "adam_step", "sgd_step_reference", "adam_step_reference", "SGD_SPEC",
           "SGD_PLAIN_SPEC", "ADAM_SPEC", "ADAM_AMSGRAD_SPEC"]

SGD_SPEC = (
    "T grad, T lr, T weight_decay, T momentum, T one_minus_dampening, bool nesterov, "
    "bool maximize, bool first",
    "T param, T buf",
    r"""
    T g = maximize ? -grad : grad;
    if (weight_decay != (T)0) g += weight_decay * param;
    // the buffer starts as the first gradient, then b = mu b + (1 - dampening) g
    buf = first ? g : momentum * buf + one_minus_dampening * g;
    g = nesterov ? g + momentum * buf : buf;
    param -= lr * g;
    """,
)
SGD_PLAIN_SPEC = (  # momentum == 0: no buffer at all
    "T grad, T lr, T weight_decay, bool maximize",
    "T param",
    r"""
    T g = maximize ? -grad : grad;
    if (weight_decay != (T)0) g += weight_decay * param;
    param -= lr * g;
    """,
)

_ADAM_BODY = r"""
    T g = maximize ? -grad : grad;
    if (weight_decay != (T)0) {
      if (decoupled) param *= one_minus_lr_wd;  // AdamW: decay the weights themselves
      else g += weight_decay * param;            // Adam: L2 penalty through the moments
    }
    // m.lerp_(g, 1 - beta1) with PyTorch's two-sided formula (exact at both ends)
    exp_avg = w1 < (T)0.5 ? exp_avg + w1 * (g - exp_avg) : g - (g - exp_avg) * one_minus_w1;
    exp_avg_sq = exp_avg_sq * beta2 + one_minus_beta2 * g * g;
    AMSGRAD
    T denom = sqrt(SECOND) / bias_correction2_sqrt + eps;
    param += -step_size * (exp_avg / denom);
"""
_ADAM_IN = ("T grad, T weight_decay, T one_minus_lr_wd, T w1, T one_minus_w1, T beta2, "
            "T one_minus_beta2, T step_size, T bias_correction2_sqrt, T eps, bool decoupled, "
            "bool maximize")
ADAM_SPEC = (_ADAM_IN, "T param, T exp_avg, T exp_avg_sq",
             _ADAM_BODY.replace("AMSGRAD", "").replace("SECOND", "exp_avg_sq"))
ADAM_AMSGRAD_SPEC = (
    _ADAM_IN, "T param, T exp_avg, T exp_avg_sq, T max_exp_avg_sq",
    _ADAM_BODY.replace("AMSGRAD", "max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq);")
    .replace("SECOND", "max_exp_avg_sq"))


def sgd_step(cp, param, grad, buf=None, *, lr: float, momentum: float, dampening: float,
             weight_decay: float, nesterov: bool, maximize: bool, first: bool) -> None:
    """One SGD step on ``param`` in place (see ``autograd_lab.optim.SGD``); ``buf`` is the
    momentum buffer (written, not read, when ``first``), None when ``momentum == 0``."""
    t = param.dtype
    if momentum == 0:
        elementwise(cp, SGD_PLAIN_SPEC, "sgd_plain_step")(
            grad, scalar(t, lr), scalar(t, weight_decay), maximize, param)
        return
    elementwise(cp, SGD_SPEC, "sgd_step")(
        grad, scalar(t, lr), scalar(t, weight_decay), scalar(t, momentum),
        scalar(t, 1 - dampening), nesterov, maximize, first, param, buf)


def adam_step(cp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, lr: float,
              beta1: float, beta2: float, eps: float, weight_decay: float, step: float,
              decoupled: bool, maximize: bool) -> None:
    """One Adam/AdamW step on ``param`` and its moments, in place (see
    ``autograd_lab.optim.Adam``). ``step`` counts from 1; ``max_exp_avg_sq`` selects AMSGrad.
    """
    t = param.dtype
    args = (grad, scalar(t, weight_decay), scalar(t, 1 - lr * weight_decay),
            scalar(t, 1 - beta1), scalar(t, 1 - (1 - beta1)), scalar(t, beta2),
            scalar(t, 1 - beta2),
            scalar(t, lr / (1 - beta1**step)), scalar(t, (1 - beta2**step) ** 0.5),
            scalar(t, eps), decoupled, maximize, param, exp_avg, exp_avg_sq)
    if max_exp_avg_sq is None:
        elementwise(cp, ADAM_SPEC, "adam_step")(*args)
    else:
        elementwise(cp, ADAM_AMSGRAD_SPEC, "adam_amsgrad_step")(*args, max_exp_avg_sq)


# ----------------------------------------------------------------------------- references
def sgd_step_reference(param, grad, buf, *, lr, momentum, dampening, weight_decay, nesterov,
                       maximize, first) -> None:
    """:func:`sgd_step` in NumPy (in place)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    if momentum != 0:
        buf[...] = g if first else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf.copy()
    param -= lr * g


def adam_step_reference(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, lr, beta1,
                        beta2, eps, weight_decay, step, decoupled, maximize) -> None:
    """:func:`adam_step` in NumPy (in place)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled:
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    w = 1 - beta1
    exp_avg[...] = exp_avg + w * (g - exp_avg) if w < 0.5 else g - (g - exp_avg) * (1 - w)
    exp_avg_sq[...] = exp_avg_sq * beta2 + (1 - beta2) * g * g
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    denom = np.sqrt(second) / (1 - beta2**step) ** 0.5 + eps
    param += -(lr / (1 - beta1**step)) * (exp_avg / denom)
