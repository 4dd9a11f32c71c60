"""Per-sample normalization layers: ``LayerNorm`` and ``GroupNorm``.

Unlike batch norm, these normalise each sample with its own statistics, so they behave the
same in training and eval mode and keep no running buffers. The arithmetic is
``autograd_lab.nn.functional.layer_norm`` / ``group_norm``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm"]


class LayerNorm(Module):
    r"""Layer normalization over the last ``len(normalized_shape)`` dimensions.

    .. math::
        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    Mean and (biased) variance are taken over the trailing dimensions given by
    ``normalized_shape``, separately for every leading index. :math:`\gamma` (``weight``,
    ones) and :math:`\beta` (``bias``, zeros) have shape ``normalized_shape`` when
    ``elementwise_affine``. The gradient flows through the statistics.

    Args:
        normalized_shape: the trailing shape to normalise over (an int means one dimension).
        eps: added to the variance for numerical stability. Default: ``1e-5``.
        elementwise_affine: learnable per-element ``weight`` and ``bias``. Default: ``True``.
        bias: learnable ``bias`` (when ``elementwise_affine``). Default: ``True``.

    Shape:
        - Input: :math:`(N, *)`, ending in ``normalized_shape``
        - Output: same shape as the input

    Example:
        >>> x = autograd_lab.randn(20, 5, 10, 10)
        >>> layer_norm = nn.LayerNorm([10, 10])
        >>> output = layer_norm(x)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device=None,
                 dtype=None) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(_creation.empty(self.normalized_shape, **factory_kwargs))
            if bias:
                self.bias = Parameter(_creation.empty(self.normalized_shape, **factory_kwargs))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    r"""Group normalization: channels split into ``num_groups`` groups, each normalised.

    .. math::
        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    For every sample, mean and (biased) variance are taken over the channels of a group and
    all spatial positions. :math:`\gamma` (``weight``, ones) and :math:`\beta` (``bias``,
    zeros) are per-channel vectors of size ``num_channels`` when ``affine``. The gradient
    flows through the statistics.

    Args:
        num_groups: number of groups; must divide ``num_channels``.
        num_channels: ``C``, the number of channels expected in the input.
        eps: added to the variance for numerical stability. Default: ``1e-5``.
        affine: learnable per-channel ``weight`` and ``bias``. Default: ``True``.
        bias: (keyword) learnable ``bias`` when ``affine``. Default: ``True``.

    Shape:
        - Input: :math:`(N, C, *)`
        - Output: same shape as the input

    Example:
        >>> x = autograd_lab.randn(20, 6, 10, 10)
        >>> m = nn.GroupNorm(3, 6)
        >>> output = m(x)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if self.affine:
            self.weight = Parameter(_creation.empty(num_channels, **factory_kwargs))
            if bias:
                self.bias = Parameter(_creation.empty(num_channels, **factory_kwargs))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
