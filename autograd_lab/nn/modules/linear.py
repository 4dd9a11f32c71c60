"""``Identity``, ``Linear`` and ``Bilinear`` (as ``torch.nn``)."""

from __future__ import annotations

import math
from typing import Any

from ... import _creation
from ..._tensor import Tensor
from ...ops.linalg import linear
from .. import init
from .._functional_misc import bilinear
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged; accepts (and ignores) any constructor arguments.

    Example:
        >>> nn.Identity(54, unused_argument=0.1)(autograd_lab.ones(2)).shape
        autograd_lab.Size([2])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Linear(Module):
    r"""An affine map :math:`y = x W^T + b`.

    Gradients: :math:`\partial L/\partial x = g W`, :math:`\partial L/\partial W = g^T x`,
    :math:`\partial L/\partial b = \sum g` over the batch dims (one ``addmm`` for 2-D input,
    whose ``grad_fn`` is ``AddmmBackward0`` as in PyTorch).

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias. Default: ``True``.

    Shape:
        input (*, in_features) -> (*, out_features).

    Attributes:
        weight: (out_features, in_features), initialised U(-k, k) with k = 1/sqrt(in_features)
            (PyTorch's ``kaiming_uniform_(a=sqrt(5))``).
        bias: (out_features,), U(-k, k).

    Example:
        >>> m = nn.Linear(20, 30)
        >>> m(autograd_lab.randn(128, 20)).shape
        autograd_lab.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty((out_features, in_features), device=device,
                                                dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    r"""A bilinear map :math:`y_o = x_1^T A_o x_2 + b_o`.

    Computed as the composite ``einsum("...i,oij,...j->...o")`` (+ bias); its gradients come
    from the einsum: :math:`\partial y_o/\partial x_1 = A_o x_2`,
    :math:`\partial y_o/\partial x_2 = A_o^T x_1`, :math:`\partial y_o/\partial A_o =
    x_1 x_2^T`.

    Args:
        in1_features: size of each first input sample.
        in2_features: size of each second input sample.
        out_features: size of each output sample.
        bias: learn an additive bias. Default: ``True``.

    Shape:
        input1 (*, in1_features), input2 (*, in2_features) -> (*, out_features).

    Attributes:
        weight: (out_features, in1_features, in2_features), U(-k, k) with
            k = 1/sqrt(in1_features).
        bias: (out_features,), U(-k, k).

    Example:
        >>> m = nn.Bilinear(20, 30, 40)
        >>> m(autograd_lab.randn(128, 20), autograd_lab.randn(128, 30)).shape
        autograd_lab.Size([128, 40])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty((out_features, in1_features, in2_features),
                                                device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
