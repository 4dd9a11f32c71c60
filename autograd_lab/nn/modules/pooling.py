"""Pooling layers (as ``torch.nn``): ``MaxPool1d``, ``MaxPool2d``, ``AvgPool2d``,
``AdaptiveAvgPool2d``, ``AdaptiveMaxPool2d``. They hold no parameters and call the functional
ops of :mod:`autograd_lab.ops.pool`."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops.pool import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    r"""1-d max pooling: :math:`out[n, c, i] = \max_{a < k} x[n, c, s i - p + d a]`.

    The gradient goes to each window's maximum (see :func:`autograd_lab.nn.functional.max_pool1d`).

    Args:
        kernel_size, stride (default ``kernel_size``), padding (-inf, at most half the
        kernel), dilation, return_indices, ceil_mode: as ``torch.nn.MaxPool1d``.

    Shape:
        ``(N, C, L)`` -> ``(N, C, L_out)``.

    Example:
        >>> nn.MaxPool1d(2)(autograd_lab.randn(2, 3, 8)).shape
        autograd_lab.Size([2, 3, 4])
    """

    def forward(self, input: Tensor):  # noqa: A002
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    r"""2-d max pooling: the largest value of each ``kernel_size`` window.

    The gradient goes to each window's maximum (see :func:`autograd_lab.nn.functional.max_pool2d`).

    Args:
        kernel_size, stride (default ``kernel_size``), padding (-inf, at most half the
        kernel), dilation, return_indices, ceil_mode: as ``torch.nn.MaxPool2d``.

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)``,
        ``H_out = floor_or_ceil((H + 2p - d (k - 1) - 1) / s) + 1``.

    Example:
        >>> nn.MaxPool2d(2)
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, input: Tensor):  # noqa: A002
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool2d(Module):
    r"""2-d average pooling: the mean of each window (see
    :func:`autograd_lab.nn.functional.avg_pool2d` for the divisor rules).

    Args:
        kernel_size, stride (default ``kernel_size``), padding, ceil_mode, count_include_pad,
        divisor_override: as ``torch.nn.AvgPool2d``.

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)``.

    Example:
        >>> nn.AvgPool2d(2)
        AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    r"""2-d average pooling to a fixed ``output_size`` (windows cover the input evenly).

    Args:
        output_size: int or pair; ``None`` keeps that input size.

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, *output_size)``.

    Example:
        >>> nn.AdaptiveAvgPool2d((5, 7))(autograd_lab.randn(1, 64, 8, 9)).shape
        autograd_lab.Size([1, 64, 5, 7])
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    r"""2-d max pooling to a fixed ``output_size`` (windows cover the input evenly).

    Args:
        output_size: int or pair; ``None`` keeps that input size.
        return_indices: also return the flat indices of the maxima.

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, *output_size)``.

    Example:
        >>> nn.AdaptiveMaxPool2d(3)(autograd_lab.randn(1, 4, 8, 9)).shape
        autograd_lab.Size([1, 4, 3, 3])
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor):  # noqa: A002
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
