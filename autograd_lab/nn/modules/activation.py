"""Activation layers (as ``torch.nn``): thin modules over ``autograd_lab.nn.functional``.

Each holds only its settings (shown by ``extra_repr`` exactly as PyTorch prints them); the
maths and the derivative are in the functional each one calls.
"""

from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .. import functional as F  # noqa: N812 - PyTorch's idiom
from .module import Module

__all__ = ["ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "ELU", "GELU", "SiLU", "Mish", "Sigmoid",
           "Tanh", "Softplus", "Softmax", "LogSoftmax"]


def _inplace_only(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class ReLU(Module):
    r""":math:`\max(0, x)`; derivative 1 where :math:`x > 0`, else 0.

    Args:
        inplace: overwrite the input. Default: ``False``.

    Shape:
        any -> same shape.

    Example:
        >>> nn.ReLU()(autograd_lab.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_only(self.inplace)


class Hardtanh(Module):
    r""":math:`\mathrm{clamp}(x, \text{min\_val}, \text{max\_val})`; derivative 1 strictly
    inside the interval, else 0.

    Args:
        min_val: lower end. Default: -1.
        max_val: upper end. Default: 1.
        inplace: overwrite the input. Default: ``False``.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val "
                                 f"({self.min_val})")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    r""":math:`\min(\max(0, x), 6)` (``Hardtanh(0, 6)``)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_only(self.inplace)


class LeakyReLU(Module):
    r""":math:`x` if :math:`x \ge 0` else :math:`\text{negative\_slope} \cdot x`; derivative
    1 or ``negative_slope``.

    Args:
        negative_slope: slope for negative inputs. Default: 0.01.
        inplace: overwrite the input. Default: ``False``.
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class ELU(Module):
    r""":math:`x` if :math:`x > 0` else :math:`\alpha (e^x - 1)`; derivative 1 or
    :math:`\alpha e^x`.

    Args:
        alpha: the saturation value for negative inputs. Default: 1.
        inplace: overwrite the input. Default: ``False``.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class GELU(Module):
    r""":math:`x \Phi(x)` (``approximate='none'``) or
    :math:`0.5 x (1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))` (``approximate='tanh'``).

    Args:
        approximate: ``'none'`` or ``'tanh'``. Default: ``'none'``.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    r""":math:`x \sigma(x)` (swish); derivative :math:`\sigma(x)(1 + x(1 - \sigma(x)))`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_only(self.inplace)


class Mish(Module):
    r""":math:`x \tanh(\mathrm{softplus}(x))`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_only(self.inplace)


class Sigmoid(Module):
    r""":math:`\sigma(x) = 1 / (1 + e^{-x})`; derivative :math:`\sigma(x)(1 - \sigma(x))`."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.sigmoid()


class Tanh(Module):
    r""":math:`\tanh(x)`; derivative :math:`1 - \tanh^2(x)`."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.tanh()


class Softplus(Module):
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, and :math:`x` where
    :math:`\beta x > \text{threshold}` (for stability); derivative :math:`\sigma(\beta x)`.

    Args:
        beta: sharpness. Default: 1.
        threshold: above this (times beta) the layer is the identity. Default: 20.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim`` (computed stably, shifted by the max).

    Args:
        dim: the dimension that sums to 1 (``None``: PyTorch's legacy choice, with a warning).

    Example:
        >>> nn.Softmax(dim=1)(autograd_lab.zeros(2, 4))
        tensor([[0.2500, 0.2500, 0.2500, 0.2500],
                [0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    r""":math:`x_i - \log\sum_j e^{x_j}` along ``dim`` (log-sum-exp, stable).

    Args:
        dim: the dimension to normalise over.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
