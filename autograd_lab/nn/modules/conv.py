"""``Conv1d``, ``Conv2d`` and ``ConvTranspose2d`` (as ``torch.nn``).

The layers hold the weight and bias and call the functional convolutions of
:mod:`autograd_lab.ops.conv` (im2col + BLAS). Only ``padding_mode='zeros'`` is implemented:
PyTorch's ``'reflect'``, ``'replicate'`` and ``'circular'`` raise a ValueError here.
"""

from __future__ import annotations

import math

from ... import _creation
from ..._tensor import Tensor
from ...ops.conv import conv1d, conv2d, conv_transpose2d
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}
_PADDING_STRINGS = {"same", "valid"}


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    return tuple(value)


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, init, ``extra_repr``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dilation, transposed: bool, output_padding, groups: int, bias: bool,
                 padding_mode: str, nd: int, device=None, dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _ntuple(stride, nd)
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:  # a set: printed in the same order as torch's
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{_PADDING_STRINGS}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, nd)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode='{padding_mode}'")
        if padding_mode != "zeros":
            raise ValueError(f"autograd_lab implements padding_mode='zeros' only, not "
                             f"'{padding_mode}' (pad with F.pad first)")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, nd)
        self.stride = stride
        self.padding = padding
        self.dilation = _ntuple(dilation, nd)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        if transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(_creation.empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init: ``kaiming_uniform_(a=sqrt(5))``, i.e. weight and bias
        ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * kernel area."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    r"""1-d convolution over signals: :math:`out[n, o] = b[o] + \sum_c W[o, c] \star x[n, c]`.

    Gradients as :func:`autograd_lab.nn.functional.conv1d` (im2col + BLAS, twice
    differentiable).

    Args:
        in_channels, out_channels: channels of input and output.
        kernel_size, stride, dilation: int or 1-tuple. padding: int, ``'valid'`` or ``'same'``.
        groups: independent channel groups. bias: learn an additive bias. Default: ``True``.
        padding_mode: ``'zeros'`` only (PyTorch also has reflect/replicate/circular).

    Shape:
        ``(N, C_in, L)`` -> ``(N, C_out, L_out)``,
        ``L_out = floor((L + 2 padding - dilation (k - 1) - 1) / stride + 1)``.

    Attributes:
        weight: ``(C_out, C_in / groups, k)``, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
            fan_in = C_in / groups * k. bias: ``(C_out,)``, same bound.

    Example:
        >>> nn.Conv1d(4, 8, 3)(autograd_lab.randn(2, 4, 10)).shape
        autograd_lab.Size([2, 8, 8])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, 1, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class Conv2d(_ConvNd):
    r"""2-d convolution over images: :math:`out[n, o] = b[o] + \sum_c W[o, c] \star x[n, c]`.

    Gradients as :func:`autograd_lab.nn.functional.conv2d` (im2col + BLAS, twice
    differentiable).

    Args:
        in_channels, out_channels: channels of input and output.
        kernel_size, stride, dilation: int or pair. padding: int, pair, ``'valid'`` or
            ``'same'``.
        groups: independent channel groups. bias: learn an additive bias. Default: ``True``.
        padding_mode: ``'zeros'`` only (PyTorch also has reflect/replicate/circular).

    Shape:
        ``(N, C_in, H, W)`` -> ``(N, C_out, H_out, W_out)``,
        ``H_out = floor((H + 2 padding - dilation (kH - 1) - 1) / stride + 1)``.

    Attributes:
        weight: ``(C_out, C_in / groups, kH, kW)``, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
            fan_in = C_in / groups * kH * kW. bias: ``(C_out,)``, same bound.

    Example:
        >>> nn.Conv2d(3, 6, 5)
        Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
        >>> nn.Conv2d(3, 6, 5)(autograd_lab.randn(4, 3, 32, 32)).shape
        autograd_lab.Size([4, 6, 28, 28])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, 2, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class ConvTranspose2d(_ConvNd):
    r"""2-d transposed convolution: the adjoint of :class:`Conv2d` (upsamples by ``stride``).

    Gradients as :func:`autograd_lab.nn.functional.conv_transpose2d` (col2im + BLAS, twice
    differentiable).

    Args:
        in_channels, out_channels: channels of input and output.
        kernel_size, stride, padding, output_padding, dilation: int or pair.
        groups: independent channel groups. bias: learn an additive bias. Default: ``True``.
        padding_mode: ``'zeros'`` only, as in PyTorch.

    Shape:
        ``(N, C_in, H, W)`` -> ``(N, C_out, H_out, W_out)``, ``H_out = (H - 1) stride
        - 2 padding + dilation (kH - 1) + output_padding + 1``. ``forward(input, output_size)``
        picks ``output_padding`` to reach ``output_size``.

    Attributes:
        weight: ``(C_in, C_out / groups, kH, kW)``, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
            fan_in = C_out / groups * kH * kW (PyTorch's fan of this layout). bias: ``(C_out,)``.

    Example:
        >>> nn.ConvTranspose2d(4, 2, 3, stride=2)(autograd_lab.randn(1, 4, 5, 5)).shape
        autograd_lab.Size([1, 2, 11, 11])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, 2, device, dtype)

    def _output_padding(self, input: Tensor, output_size) -> tuple:  # noqa: A002
        """PyTorch's choice of output_padding that reaches ``output_size``."""
        if output_size is None:
            return self.output_padding
        output_size = list(output_size)[-2:]
        spatial = tuple(input.shape[-2:])
        lo, hi = [], []
        for d in range(2):
            size = ((spatial[d] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            lo.append(size)
            hi.append(size + self.stride[d] - 1)
        for d in range(2):
            if not lo[d] <= output_size[d] <= hi[d]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {lo} to {hi} (for an input of "
                                 f"autograd_lab.Size([{', '.join(map(str, spatial))}]))")
        return tuple(output_size[d] - lo[d] for d in range(2))

    def forward(self, input: Tensor, output_size=None) -> Tensor:  # noqa: A002
        output_padding = self._output_padding(input, output_size)
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                output_padding, self.groups, self.dilation)
