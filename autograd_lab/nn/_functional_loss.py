"""Loss functions of ``autograd_lab.nn.functional``: regression, NLL and cross entropy (the
binary losses and divergences are in ``_functional_loss_binary``).

Regression and binary losses are primitive :class:`Op` s that compute the elementwise loss and
its reduction in one step (grad_fn ``MseLossBackward0``, ``BinaryCrossEntropyBackward0``, ...).
``cross_entropy`` is ``log_softmax`` (a stable fused op: exp never overflows, even for logits of
±1e4) followed by the ``NllLoss`` primitive, exactly as PyTorch composes it.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op, _broadcast_error
from ._functional_activations import log_softmax
from ._functional_loss_fused import CrossEntropyFused, fused_kernels

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy"]

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction: str, extra: tuple = ()) -> str:
    """PyTorch's reduction argument, with the deprecated size_average/reduce pair mapped."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    if reduction not in _REDUCTIONS + extra:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce_array(loss, reduction: str):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _grad_scale(ctx, grad: Tensor) -> Tensor:
    """The output gradient spread over the elements: grad / n for 'mean' (broadcasts)."""
    return grad / ctx.n if ctx.reduction == "mean" else grad


def _size_warning(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


class _PointwiseLoss(Op):
    """Base of the elementwise losses: subclasses define ``loss(ctx, d)`` and ``dloss``."""

    @classmethod
    def forward(cls, ctx, x, y, reduction="mean", param=1.0):
        ctx.reduction, ctx.param = reduction, param
        ctx.save_for_backward(x, y)
        d = x - y
        ctx.n = d.size
        return _reduce_array(cls.loss(ctx.xp, d, param), reduction)

    @classmethod
    def backward(cls, ctx, grad):
        x, y = ctx.saved_tensors
        gx = _grad_scale(ctx, grad) * cls.dloss(x - y, ctx.param)
        needs = ctx.needs_input_grad
        return (gx if needs[0] else None, -gx if needs[1] else None)


class MseLoss(_PointwiseLoss):
    """l = (x - y)².   dl/dx = 2 (x - y) = -dl/dy."""

    node_name = "MseLossBackward0"

    @staticmethod
    def loss(xp, d, param):
        return d * d

    @staticmethod
    def dloss(d, param):
        return 2 * d


class SmoothL1Loss(_PointwiseLoss):
    """l = d²/(2β) if |d| < β else |d| - β/2.   dl/dx = clamp(d/β, -1, 1)."""

    node_name = "SmoothL1LossBackward0"

    @staticmethod
    def loss(xp, d, beta):
        a = xp.abs(d)
        return xp.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta).astype(d.dtype, copy=False)

    @staticmethod
    def dloss(d, beta):
        return (d / beta).clamp(-1, 1)


class HuberLoss(_PointwiseLoss):
    """l = d²/2 if |d| < δ else δ (|d| - δ/2).   dl/dx = clamp(d, -δ, δ)."""

    node_name = "HuberLossBackward0"

    @staticmethod
    def loss(xp, d, delta):
        a = xp.abs(d)
        return xp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)).astype(d.dtype,
                                                                                copy=False)

    @staticmethod
    def dloss(d, delta):
        return d.clamp(-delta, delta)


def _weighted(loss: Tensor, weight: Tensor, input: Tensor, reduction: str,  # noqa: A002
              mean_by_weight: bool) -> Tensor:
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum() if mean_by_weight else loss.mean()


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,  # noqa: A002
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error: reduce((x - y)²).   dl/dx = 2 (x - y) (/ n for 'mean').

    With ``weight``: reduce(w (x - y)²), where 'mean' divides by Σ w.

    Shape: input (*), target same shape (else a broadcasting warning).
    """
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    s = _bshape(input, target)
    x, y = _expand(input, s), _expand(target, s)
    if weight is not None:
        return _weighted(MseLoss.apply(x, y, reduction="none"), weight, input, reduction, True)
    return MseLoss.apply(x, y, reduction=reduction)


def _expand(t: Tensor, shape: tuple) -> Tensor:
    """``t`` broadcast to ``shape``; ``t`` itself when it has that shape already.

    Like PyTorch's ``broadcast_tensors``, which adds no ExpandBackward0 node in that case, so
    ``loss.grad_fn.next_functions`` leads straight to the op that made the input.
    """
    return t if tuple(t.shape) == tuple(shape) else t.broadcast_to(shape)


def _bshape(a: Tensor, b: Tensor) -> tuple:
    """The broadcast shape of input and target (PyTorch's error when there is none)."""
    try:
        return np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise _broadcast_error(ValueError("could not be broadcast"), [a._data, b._data]) from None


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,  # noqa: A002
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: reduce(|x - y|).   dl/dx = sign(x - y) (composite of abs and mean)."""
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    loss = (input - target).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction, True)
    return _reduce_tensor(loss, reduction)


def _reduce_tensor(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,  # noqa: A002
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Quadratic d²/(2β) for |d| < β, linear |d| - β/2 beyond (β = 0: L1).

    dl/dx = clamp(d / β, -1, 1).
    """
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    s = _bshape(input, target)
    return SmoothL1Loss.apply(_expand(input, s), _expand(target, s),
                              reduction=reduction, param=float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """d²/2 for |d| < δ, δ(|d| - δ/2) beyond.   dl/dx = clamp(d, -δ, δ).

    With ``weight``, 'mean' is the plain mean of w·l (PyTorch's rule for this loss).
    """
    _size_warning(input, target)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    s = _bshape(input, target)
    x, y = _expand(input, s), _expand(target, s)
    if weight is not None:
        loss = HuberLoss.apply(x, y, reduction="none", param=float(delta))
        return _weighted(loss, weight, input, reduction, False)
    return HuberLoss.apply(x, y, reduction=reduction, param=float(delta))


# ----------------------------------------------------------------------------- NLL, cross entropy
class NllLoss(Op):
    """l_i = -w[t_i] x[i, t_i] (0 where t_i = ignore_index); 'mean' divides by Σ_i w[t_i].

    dl/dx[i, c] = -w[t_i] (/ Σ w for 'mean') where c = t_i, else 0: a scatter of the weights.
    Works along dim 1 of (N, C, d1, ...) inputs, or dim 0 of a (C,) input.
    """

    node_name = "NllLossBackward0"
    quiet_fp = True  # 'mean' over only ignored targets is 0/0 = nan, as in PyTorch

    @staticmethod
    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean"):
        xp = ctx.xp
        axis = 0 if x.ndim == 1 else 1
        valid = target != ignore_index
        n_cls = x.shape[axis]
        bad = valid & ((target < 0) | (target >= n_cls))
        if bad.any():
            raise IndexError(f"Target {int(target[bad].reshape(-1)[0])} is out of bounds.")
        t = xp.expand_dims(xp.where(valid, target, 0), axis)
        w = valid.astype(x.dtype)
        if weight is not None:
            w *= weight[t.squeeze(axis)]
        loss = xp.take_along_axis(x, t, axis=axis).squeeze(axis)
        loss *= -w
        ctx.t, ctx.w, ctx.axis, ctx.reduction = t, w, axis, reduction
        if reduction == "none":
            return loss
        if reduction == "sum":
            return loss.sum()
        total = w.sum()
        ctx.w = w / total
        return loss.sum() / total

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        shape = ctx._input_meta[0][0]
        coef = xp.zeros(shape, ctx.w.dtype)
        xp.put_along_axis(coef, ctx.t, xp.expand_dims(-ctx.w, ctx.axis), axis=ctx.axis)
        g = grad if ctx.reduction != "none" else grad.unsqueeze(ctx.axis)
        if not grad_mode._enabled:  # plain backward: in place on the fresh array
            coef *= g._data
            return Tensor._make(coef, device=grad._device)
        return Tensor._make(coef, device=grad._device) * g


class NllLoss2d(NllLoss):
    """:class:`NllLoss` for inputs with spatial dimensions (N, C, d1, ...)."""

    node_name = "NllLoss2DBackward0"


def _int_name(t: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int32": "Int",
            "bool": "Bool", "uint8": "Byte", "int16": "Short", "int8": "Char",
            "int64": "Long"}.get(t.dtype.name, t.dtype.name)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities: l_i = -w[t_i] · input[i, t_i].

    Args:
        weight: per-class rescaling weights, shape (C,).
        ignore_index: targets with this value contribute nothing (nor to the mean's divisor).

    Shape: input (N, C) or (C,) or (N, C, d1, ...); target (N,) or () or (N, d1, ...).
    """
    reduction = _reduction(size_average, reduce, reduction)
    w = _check_nll_args(input, target, weight)
    op = NllLoss2d if input._data.ndim > 2 else NllLoss
    return op.apply(input, target=target._data, weight=w, ignore_index=ignore_index,
                    reduction=reduction)


def _check_nll_args(input: Tensor, target: Tensor, weight: Tensor | None):  # noqa: A002
    """PyTorch's checks of nll_loss's arguments, in its order: ranks and sizes, the weight,
    then the target's dtype. Returns the weight's array (or None)."""
    x, t = input._data, target._data
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim <= 2 and t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if x.ndim >= 2 and t.ndim >= 1 and x.shape[0] != t.shape[0]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0]}).")
    if x.ndim == 4 and t.ndim != 3:  # PyTorch's image (2d) kernel has its own wording
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                           f"targets of dimension: {t.ndim}")
    if x.ndim == 4 and t.shape != x.shape[:1] + x.shape[2:]:
        raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: "
                           f"{list(t.shape)}")
    if x.ndim > 2 and t.shape != x.shape[:1] + x.shape[2:]:
        want = list(x.shape[:1] + x.shape[2:])
        raise RuntimeError(f"Expected target size {want}, got {list(t.shape)}".replace(",)", ")"))
    n_cls = x.shape[1] if x.ndim >= 2 else x.shape[0]
    w = None
    if weight is not None:
        if weight._data.size != n_cls:
            raise RuntimeError(f"weight tensor should be defined either for all {n_cls} classes "
                               f"or no classes but got weight tensor of shape: "
                               f"{list(weight._data.shape)}")
        w = weight._data.reshape(-1)
    if t.dtype.name not in ("int64", "uint8"):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_int_name(target)}")
    return w


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits: nll_loss(log_softmax(input, 1), target), stable for any logits.

    l_i = -w[t_i] (x[i, t_i] - log Σ_c exp x[i, c]).   dl/dx = softmax(x) - onehot(t) (·w).

    ``target`` holds class indices (int64 or uint8, shape (N, d1, ...)) or class probabilities
    (float, the input's shape: a target of the input's shape is always read as probabilities).
    ``label_smoothing`` ε mixes the target with the uniform distribution:
    (1 - ε) · nll + ε/C · Σ_c -w_c log p_c (a negative ε is ignored, as in PyTorch).

    Shape: input (N, C), (C,) or (N, C, d1, ...).

    Example:
        >>> F.cross_entropy(autograd_lab.tensor([[1e4, 0.]]), autograd_lab.tensor([1]))
        tensor(10000.)
    """
    reduction = _reduction(size_average, reduce, reduction)
    probs = target._data.shape == input._data.shape
    if probs and target._data.dtype.kind != "f":
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           f"got {_int_name(target)}")
    if probs and ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    label_smoothing = max(label_smoothing, 0.0)
    cls_dim = 0 if input.dim() == 1 else 1
    fused = fused_kernels(input) if not probs and label_smoothing == 0.0 else None
    if fused is not None:  # a GPU with custom kernels: one fused primitive
        w = _check_nll_args(input, target, weight)
        return CrossEntropyFused.apply(input, target=target._data, weight=w,
                                       ignore_index=ignore_index, reduction=reduction,
                                       kernels=fused)
    logp = log_softmax(input, cls_dim)
    n_cls = input._data.shape[cls_dim]
    if probs:
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, cls_dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    wshape = [1] * logp.dim()
    wshape[cls_dim] = n_cls
    smooth = -(logp * weight.reshape(wshape)).sum(cls_dim) if weight is not None \
        else -logp.sum(cls_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target[~ignored].reshape(-1)
            smooth = smooth.sum() / weight.gather(0, kept).sum()
        else:  # the mean over the targets that are not ignored
            smooth = smooth.sum() / (~ignored).sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_cls)


def _cross_entropy_probs(logp, target, weight, reduction, eps, cls_dim):
    n_cls = logp._data.shape[cls_dim]
    if eps > 0:
        target = target * (1 - eps) + eps / n_cls
    prod = logp * target
    if weight is not None:
        wshape = [1] * logp.dim()
        wshape[cls_dim] = n_cls
        prod = prod * weight.reshape(wshape)
    if reduction == "none":
        return -prod.sum(cls_dim)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum() / (logp.numel() / n_cls)
