"""Dropout layers: ``Dropout`` (element-wise) and ``Dropout2d`` (whole channels).

In training mode each element (or channel) is zeroed with probability ``p`` and the survivors
are scaled by ``1 / (1 - p)``, so the expected value is unchanged; in eval mode the layer is
the identity. The masks come from ``autograd_lab``'s generator (``manual_seed``), so they are
reproducible but not PyTorch's numbers. The arithmetic is ``autograd_lab.nn.functional``.
"""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    """The shared constructor (``p`` checked, ``inplace``) and ``extra_repr``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    r"""Zero each element with probability ``p`` while training; scale the rest by 1/(1-p).

    .. math::
        y = \frac{m \odot x}{1 - p}, \quad m_i \sim \mathrm{Bernoulli}(1 - p);
        \qquad \frac{\partial y}{\partial x} = \frac{m}{1 - p}

    The gradient uses the same mask as the forward pass. In eval mode ``y = x``.

    Args:
        p: probability of an element to be zeroed. Default: ``0.5``.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any shape
        - Output: same shape as the input

    Example:
        >>> m = nn.Dropout(p=0.2)
        >>> output = m(autograd_lab.randn(20, 16))
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    r"""Zero whole channels with probability ``p`` while training; scale the rest by 1/(1-p).

    .. math::
        y_{n,c} = \frac{m_{n,c}\, x_{n,c}}{1 - p}, \quad m_{n,c} \sim \mathrm{Bernoulli}(1 - p)

    One draw per ``(sample, channel)`` zeroes (or keeps) the whole feature map, which suits
    convolutional features whose neighbouring pixels are strongly correlated. The gradient
    uses the same mask. In eval mode ``y = x``.

    Args:
        p: probability of a channel to be zeroed. Default: ``0.5``.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H, W)`, or :math:`(N, C, L)`: like PyTorch 2.13, a 3D input is
          read as batched 1D channels (with a warning), not as an unbatched image
        - Output: same shape as the input

    Example:
        >>> m = nn.Dropout2d(p=0.2)
        >>> output = m(autograd_lab.randn(20, 16, 32, 32))
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)
