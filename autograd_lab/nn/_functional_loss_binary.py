"""Binary losses and divergences of ``autograd_lab.nn.functional``: binary_cross_entropy (a
primitive: logs clamped at -100), binary_cross_entropy_with_logits (a primitive, stable for any
logit), kl_div and cosine_embedding_loss (composites).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op, _broadcast_error
from ..ops.pointwise import where
from ._functional_activations import softplus
from ._functional_loss import _grad_scale, _reduce_array, _reduce_tensor, _reduction

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss"]


# ----------------------------------------------------------------------------- shape checks
def _broadcast_shapes(*shapes) -> list[int]:
    """``torch.broadcast_shapes``, with its error text (which BCE's weight check shows)."""
    result = [1] * max(len(s) for s in shapes)
    for arg_idx, shape in enumerate(shapes):
        for i in range(-1, -1 - len(shape), -1):
            if shape[i] == 1 or shape[i] == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[i]} at "
                                   f"{i}! Mismatching argument at index {arg_idx} had {shape}; "
                                   f"but expected shape should be broadcastable to {result}")
            result[i] = shape[i]
    return result


def _check_operand(out: Tensor, other: Tensor) -> None:
    """``other`` must broadcast into ``out``'s shape, as for an in-place ``out * other``."""
    a, b = out._data, other._data
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _broadcast_error(ValueError("could not be broadcast"), [a, b]) from None
    if shape != a.shape:
        raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast shape "
                           f"{list(shape)}")


# ----------------------------------------------------------------------------- binary losses
def _clamped_log(xp, p):
    with np.errstate(divide="ignore"):
        return xp.maximum(xp.log(p), -100)


class BinaryCrossEntropy(Op):
    """l = -w (y log x + (1 - y) log(1 - x)), each log clamped at -100 (so l is finite at 0, 1).

    dl/dx = w (x - y) / max(x (1 - x), 1e-12);   dl/dy = w (log(1 - x) - log x) (clamped).
    """

    node_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, x, y, w=None, reduction="mean"):
        xp = ctx.xp
        ctx.reduction, ctx.n = reduction, x.size
        ctx.save_for_backward(x, y, w)
        loss = (y - 1) * _clamped_log(xp, 1 - x) - y * _clamped_log(xp, x)
        if w is not None:
            loss *= w
        return _reduce_array(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, w = ctx.saved_tensors
        g = _grad_scale(ctx, grad) if w is None else _grad_scale(ctx, grad) * w
        needs = ctx.needs_input_grad
        gx = gy = None
        if needs[0]:
            gx = g * (x - y) / (x * (1 - x)).clamp(min=1e-12)
        if needs[1]:
            gy = g * ((1 - x).log().clamp(min=-100) - x.log().clamp(min=-100))
        return gx, gy, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x; logs clamped at -100.

    dl/dx = w (x - y) / (x (1 - x)).   Shape: input (*), target same shape, weight broadcast.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input "
                         f"size ({input.size()}) is deprecated. Please ensure they have the "
                         "same size.")
    x = input._data
    if x.size and ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(_broadcast_shapes(target.size(), weight.size()))
        _check_operand(input, weight)
    return BinaryCrossEntropy.apply(input, target, weight, reduction=reduction)


class BinaryCrossEntropyWithLogits(Op):
    """l = w ((1 - y) x + L softplus(-x)),  L = 1 + (pw - 1) y   (no exp overflow).

    dl/dx = w (L σ(x) - pw y);   dl/dy = w ((pw - 1) softplus(-x) - x).
    (w and pw get no gradient: PyTorch refuses them when they require grad.)
    """

    node_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, x, y, w=None, pw=None, reduction="mean"):
        xp = ctx.xp
        ctx.reduction, ctx.n = reduction, x.size
        ctx.save_for_backward(x, y, w, pw)
        sp = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))  # softplus(-x) = -log σ(x)
        if pw is not None:
            sp = sp * (1 + (pw - 1) * y)
        loss = (1 - y) * x + sp
        if w is not None:
            loss = loss * w
        return _reduce_array(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, w, pw = ctx.saved_tensors
        g = _grad_scale(ctx, grad)
        if w is not None:
            g = g * w
        needs = ctx.needs_input_grad
        sp = softplus(-x)
        out = [None, None, None, None]
        if needs[0]:
            out[0] = g * (x.sigmoid() - y if pw is None
                          else (1 + (pw - 1) * y) * x.sigmoid() - pw * y)
        if needs[1]:
            out[1] = g * (-x if pw is None else (pw - 1) * sp - x)
        return tuple(out)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE of sigmoid(input), computed from the logits without overflow.

    l = w [pw y softplus(-x) + (1 - y) softplus(x)].   dl/dx = w (σ(x)(1 + (pw-1) y) - pw y).

    Args:
        pos_weight: weight of positive examples, broadcast along the last (class) dimension.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None and t.requires_grad and grad_mode._enabled:
            raise RuntimeError("The function 'binary_cross_entropy_with_logits' is not "
                               f"differentiable with respect to argument '{name}'. This input "
                               "cannot have requires_grad True.")
    if pos_weight is not None:  # PyTorch's order: pos_weight against the target, then weight
        _check_pos_weight(pos_weight, target)
    if weight is not None:
        _check_operand(input, weight)
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight,
                                              reduction=reduction)


def _check_pos_weight(pos_weight: Tensor, target: Tensor) -> None:
    a, b = pos_weight._data, target._data
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _broadcast_error(ValueError("could not be broadcast"), [a, b]) from None
    if shape != b.shape:
        raise RuntimeError(f"output with shape {list(b.shape)} doesn't match the broadcast shape "
                           f"{list(shape)}")


# ----------------------------------------------------------------------------- divergences
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` = log q: l = y (log y - input).

    With ``log_target``: l = e^y (y - input).  'batchmean' divides the sum by the batch size
    (the mathematical KL); 'mean' divides by the number of elements (and warns, as torch).
    Composite of elementwise ops; dl/dinput = -y.
    Difference: where the target is 0, its gradient is finite here (nan in PyTorch).
    """
    reduction = _reduction(size_average, reduce, reduction, ("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = target > 0
        loss = target * where(pos, target, 1.0).log() - target * input  # xlogy(y, y) - y x
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.size(0) if input.dim() != 0 else total
    return _reduce_tensor(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0, size_average=None, reduce=None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1;  max(0, cos(x1, x2) - margin) where y = -1.

    cos = Σ x1 x2 / sqrt((Σ x1² + 1e-12)(Σ x2² + 1e-12)). Composite.
    Shape: input1, input2 (N, D) or (D,); target (N,) or ().
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if target.dim() == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{target.dim()}D target tensor expects {want}D input tensors, but "
                           f"found inputs with sizes {list(input1.shape)} and "
                           f"{list(input2.shape)}.")
    d = 1 if input1.dim() == 2 else 0
    prod = (input1 * input2).sum(d)
    mag = ((input1 * input1).sum(d) + 1e-12) * ((input2 * input2).sum(d) + 1e-12)
    cos = prod / mag.sqrt()
    zero = cos.new_zeros(())
    loss = where(target == 1, 1 - cos, zero) + where(target == -1, (cos - margin).clamp(min=0),
                                                       zero)
    return _reduce_tensor(loss, reduction)
