"""Batch normalization layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``.

A batch-norm layer normalises each channel with the statistics of the current mini-batch while
training and keeps running estimates of them (its *buffers*) for evaluation. The layer itself
only decides *which* statistics to use and *whether* to update the buffers; the arithmetic is
``autograd_lab.nn.functional.batch_norm``.
"""

from __future__ import annotations

from ... import _creation
from ..._dtype import long
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _NormBase(Module):
    """What the batch-norm layers share: parameters, buffers, reset and ``extra_repr``."""

    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = Parameter(_creation.empty(num_features, **factory_kwargs))
            if bias:
                self.bias = Parameter(_creation.empty(num_features, **factory_kwargs))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, **factory_kwargs))
            self.register_buffer("running_var", _creation.ones(num_features, **factory_kwargs))
            self.register_buffer("num_batches_tracked",
                                 _creation.tensor(0, dtype=long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, ``num_batches_tracked`` 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, then ``weight`` to ones and ``bias`` to zeros."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        # Version 2 added ``num_batches_tracked``: older state_dicts (and plain dicts without
        # ``_metadata``) load with the current count instead of reporting it missing.
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked
                                   if self.num_batches_tracked is not None
                                   else _creation.tensor(0, dtype=long))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Batch norm's forward; subclasses add ``_check_input_dim`` (the ranks they accept)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average: the mean of all batches
                factor = 1.0 / float(self.num_batches_tracked)
        # Batch statistics while training, and in eval mode when there are no buffers.
        if self.training:
            bn_training = True
        else:
            bn_training = self.running_mean is None and self.running_var is None
        # Buffers are passed only where they are used: updated (training and tracked) or read
        # (eval). ``track_running_stats=False`` in training passes None, so nothing updates.
        use_buffers = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if use_buffers else None,
            self.running_var if use_buffers else None,
            self.weight,
            self.bias,
            bn_training,
            factor,
            self.eps,
        )


_DOC_MATH = r"""
    .. math::
        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    Mean and variance are computed per channel over the mini-batch (and the spatial
    dimensions); :math:`\gamma` (``weight``, ones) and :math:`\beta` (``bias``, zeros) are
    learnable vectors of size ``C``. Normalisation uses the biased variance
    (``var(correction=0)``); the running variance stores the unbiased one (``correction=1``).
    While training, with ``track_running_stats=True``, each call updates the buffers::

        running_mean = (1 - momentum) * running_mean + momentum * batch_mean
        running_var  = (1 - momentum) * running_var  + momentum * batch_var_unbiased
        num_batches_tracked += 1

    ``momentum=None`` uses ``1 / num_batches_tracked`` (a cumulative moving average). In eval
    mode the running estimates normalise; without running stats the batch statistics are used
    in eval mode too. The gradient flows through the batch statistics (training) or treats
    the running statistics as constants (eval).

    Args:
        num_features: ``C``, the number of channels.
        eps: added to the variance for numerical stability. Default: ``1e-5``.
        momentum: weight of the new batch in the running estimates, or ``None`` for a
            cumulative moving average. Default: ``0.1``.
        affine: learnable ``weight`` and ``bias``. Default: ``True``.
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers. Default: ``True``.
        bias: (keyword) learnable ``bias`` when ``affine``. Default: ``True``.
"""


class BatchNorm1d(_BatchNorm):
    __doc__ = r"""Batch normalization over a 2D ``(N, C)`` or 3D ``(N, C, L)`` input.
    """ + _DOC_MATH + r"""
    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`
        - Output: same shape as the input

    Example:
        >>> m = nn.BatchNorm1d(100)
        >>> output = m(autograd_lab.randn(20, 100))
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    __doc__ = r"""Batch normalization over a 4D ``(N, C, H, W)`` input.
    """ + _DOC_MATH + r"""
    Shape:
        - Input: :math:`(N, C, H, W)`
        - Output: same shape as the input

    Example:
        >>> m = nn.BatchNorm2d(100, affine=False)
        >>> output = m(autograd_lab.randn(20, 100, 35, 45))
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    __doc__ = r"""Batch normalization over a 5D ``(N, C, D, H, W)`` input.
    """ + _DOC_MATH + r"""
    Shape:
        - Input: :math:`(N, C, D, H, W)`
        - Output: same shape as the input

    Example:
        >>> m = nn.BatchNorm3d(100)
        >>> output = m(autograd_lab.randn(20, 100, 35, 45, 10))
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")
