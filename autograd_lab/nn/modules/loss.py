"""Loss modules (as ``torch.nn``): thin wrappers that hold the options and call the loss
functions of ``autograd_lab.nn.functional`` (read those for the formulas and gradients).

Class weights (``weight``, ``pos_weight``) are registered as buffers, as in PyTorch, so they
follow ``to()`` and appear in ``state_dict``.
"""

from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .. import functional as F  # noqa: N812 - PyTorch's idiom
from .module import Module

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "CrossEntropyLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss"]


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The old ``size_average``/``reduce`` pair as a ``reduction`` string (with PyTorch's
    deprecation warning)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    r"""Mean absolute error :math:`|x - y|`, reduced by ``reduction`` (``'mean'``, ``'sum'``,
    ``'none'``); gradient :math:`\mathrm{sign}(x - y)`.

    Shape:
        input (*), target (*) -> scalar, or (*) with ``'none'``.

    Example:
        >>> nn.L1Loss()(autograd_lab.zeros(3), autograd_lab.ones(3))
        tensor(1.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    r"""Mean squared error :math:`(x - y)^2`, reduced by ``reduction``; gradient
    :math:`2(x - y)` (divided by N for ``'mean'``).

    Example:
        >>> nn.MSELoss()(autograd_lab.zeros(3), autograd_lab.full((3,), 2.0))
        tensor(4.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    r""":math:`0.5 d^2 / \beta` where :math:`|d| < \beta`, else :math:`|d| - 0.5\beta`
    (:math:`d = x - y`).

    Args:
        reduction: ``'none'``, ``'mean'`` (default) or ``'sum'``.
        beta: where the loss switches from quadratic to linear. Default: 1.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    r""":math:`0.5 d^2` where :math:`|d| < \delta`, else :math:`\delta(|d| - 0.5\delta)`.

    Args:
        reduction: ``'none'``, ``'mean'`` (default) or ``'sum'``.
        delta: where the loss switches from quadratic to linear. Default: 1.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        if not isinstance(delta, (float, int)):
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    r"""Negative log likelihood :math:`-w_{y} x_{y}` of log-probabilities ``input``.

    Args:
        weight: a weight per class (C,), registered as a buffer.
        ignore_index: target value that contributes nothing. Default: -100.
        reduction: ``'mean'`` (weighted mean), ``'sum'`` or ``'none'``.

    Shape:
        input (N, C) or (N, C, d1, ...), target (N) or (N, d1, ...) class indices.
    """

    def __init__(self, weight: Tensor | None = None, size_average=None,
                 ignore_index: int = -100, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross entropy of logits: ``log_softmax`` then ``nll_loss`` (fused, stable for extreme
    logits); gradient :math:`\mathrm{softmax}(x) - \mathrm{onehot}(y)` per sample.

    Args:
        weight: a weight per class (C,), registered as a buffer.
        ignore_index: target value that contributes nothing (class-index targets).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        label_smoothing: mix the target with the uniform distribution. Default: 0.

    Shape:
        input (N, C) or (C) or (N, C, d1, ...); target class indices (N, ...) or
        probabilities shaped like input.

    Example:
        >>> loss = nn.CrossEntropyLoss()(autograd_lab.randn(3, 5), autograd_lab.tensor([1, 0, 4]))
    """

    def __init__(self, weight: Tensor | None = None, size_average=None,
                 ignore_index: int = -100, reduce=None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    r"""Binary cross entropy of probabilities: :math:`-w(y\log x + (1-y)\log(1-x))`
    (logs clamped at -100, as PyTorch).

    Args:
        weight: rescaling weight broadcast over the input, registered as a buffer.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    r"""Sigmoid + binary cross entropy in one stable formula:
    :math:`-w(p\,y\log\sigma(x) + (1-y)\log(1-\sigma(x)))`.

    Args:
        weight: rescaling weight broadcast over the input (buffer).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        pos_weight: weight of the positive examples, per class (buffer).
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    r"""Kullback-Leibler divergence :math:`y(\log y - x)` for log-probabilities ``input``.

    Args:
        reduction: ``'mean'`` (PyTorch warns: use ``'batchmean'``), ``'batchmean'``, ``'sum'``
            or ``'none'``.
        log_target: ``target`` is given as log-probabilities. Default: ``False``.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    r""":math:`1 - \cos(x_1, x_2)` for target 1, :math:`\max(0, \cos(x_1, x_2) - \text{margin})`
    for target -1.

    Args:
        margin: in [-1, 1]. Default: 0.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)
