"""The CIFAR-10 ResNets of He et al. (2015), section 4.2: ResNet-20, 32, 44, 56 and 110.

torchvision has no CIFAR ResNet; this one is built from torchvision's pieces and names, so it
reads like :class:`~autograd_lab.vision.models.ResNet`: a 3x3 stem (``conv1 bn1 relu``, 16
channels, no max-pool: a 32x32 image is small already), three stages ``layer1..layer3`` of
``n`` :class:`~autograd_lab.vision.models.BasicBlock` each (16, 32, 64 channels at 32x32,
16x16, 8x8), ``avgpool`` and ``fc``. Depth is ``6n + 2``.

Where a stage halves the size and doubles the width, the shortcut must change shape too. The
paper's CIFAR networks use **option A** (our default): take every second pixel and pad the new
channels with zeros (:class:`ZeroPadShortcut`), which adds no parameters. ``shortcut="B"``
uses torchvision's 1x1 convolution + BatchNorm projection (``downsample.0`` / ``downsample.1``)
instead.

Parameter counts (10 classes, option A / B): cifar_resnet20 269,722 / 272,474 (the paper's
"0.27M"); cifar_resnet32 464,154 / 466,906; cifar_resnet44 658,586 / 661,338;
cifar_resnet56 853,018 / 855,770; cifar_resnet110 1,727,962 / 1,730,714.

Initialisation as torchvision's ResNet: He-normal convolutions (``mode="fan_out"``),
BatchNorm weight 1 and bias 0, ``Linear``'s default for ``fc``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ... import nn
from ..._tensor import Tensor
from ...nn import functional as F
from .resnet import BasicBlock, conv1x1

__all__ = ["CifarResNet", "ZeroPadShortcut", "cifar_resnet20", "cifar_resnet32",
           "cifar_resnet44", "cifar_resnet56", "cifar_resnet110"]


class ZeroPadShortcut(nn.Module):
    """He et al.'s option A shortcut: subsample by ``stride``, then zero-pad the channels.

    The extra ``planes - inplanes`` channels are split between the front and the back (as in
    the widely used reference implementations), so the input's channels sit in the middle.
    It has no parameters; the gradient reaches the kept pixels unchanged.

    Args:
        inplanes: input channels.
        planes: output channels (``>= inplanes``).
        stride: keep every ``stride``-th row and column.

    Example:
        >>> short = ZeroPadShortcut(16, 32, stride=2)
        >>> short(autograd_lab.randn(1, 16, 8, 8)).shape
        autograd_lab.Size([1, 32, 4, 4])
    """

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        if planes < inplanes:
            raise ValueError(f"ZeroPadShortcut pads channels: planes ({planes}) must be >= "
                             f"inplanes ({inplanes})")
        self.inplanes = inplanes
        self.planes = planes
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        extra = self.planes - self.inplanes
        # F.pad's pairs start at the last dimension: (W, W, H, H, C, C)
        return F.pad(x, (0, 0, 0, 0, extra // 2, extra - extra // 2))

    def extra_repr(self) -> str:
        return f"{self.inplanes}, {self.planes}, stride={self.stride}"


class CifarResNet(nn.Module):
    """ResNet for 32x32 images: 3x3 stem, three stages of residual blocks, global pooling.

    Args:
        block: the residual block. Default: :class:`BasicBlock` (the paper's).
        layers: blocks per stage, three numbers. ``[3, 3, 3]`` is ResNet-20.
        num_classes: outputs of ``fc``. Default: 10 (CIFAR-10).
        shortcut: ``"A"`` (zero-padding identity, no parameters; the paper's choice for
            CIFAR) or ``"B"`` (1x1 convolution + BatchNorm projection, as torchvision's ResNet).
        zero_init_residual: start each block's last BatchNorm at weight 0 (each block starts
            as the identity), as torchvision's ResNet.
        norm_layer: the normalisation class. Default: ``nn.BatchNorm2d``.

    Shape:
        - Input: (N, 3, H, W); the network is designed for 32x32 (any H, W >= 4 work: the
          average pool is adaptive).
        - Output: (N, num_classes)

    Example:
        >>> model = CifarResNet(BasicBlock, [3, 3, 3])
        >>> model(autograd_lab.randn(2, 3, 32, 32)).shape
        autograd_lab.Size([2, 10])
    """

    def __init__(self, block: type[BasicBlock] = BasicBlock, layers: list[int] | None = None,
                 num_classes: int = 10, shortcut: str = "A", zero_init_residual: bool = False,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if layers is None:
            layers = [3, 3, 3]
        if len(layers) != 3:
            raise ValueError(f"CifarResNet has three stages: layers should have 3 elements, "
                             f"got {layers}")
        if shortcut not in ("A", "B"):
            raise ValueError(f"shortcut should be 'A' (zero padding) or 'B' (1x1 convolution), "
                             f"got {shortcut!r}")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.shortcut = shortcut

        self.inplanes = 16
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, 16, layers[0])
        self.layer2 = self._make_layer(block, 32, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 64, layers[2], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type[BasicBlock], planes: int, blocks: int,
                    stride: int = 1) -> nn.Sequential:
        downsample: nn.Module | None = None
        out = planes * block.expansion
        if stride != 1 or self.inplanes != out:
            if self.shortcut == "A":
                downsample = ZeroPadShortcut(self.inplanes, out, stride)
            else:
                downsample = nn.Sequential(conv1x1(self.inplanes, out, stride),
                                           self._norm_layer(out))
        layers = [block(self.inplanes, planes, stride, downsample,
                        norm_layer=self._norm_layer)]
        self.inplanes = out
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, norm_layer=self._norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)

        x = self.avgpool(x)
        x = x.flatten(1)
        x = self.fc(x)
        return x


def _cifar_resnet(n: int, **kwargs: Any) -> CifarResNet:
    return CifarResNet(BasicBlock, [n, n, n], **kwargs)


def cifar_resnet20(**kwargs: Any) -> CifarResNet:
    """ResNet-20 for CIFAR (n = 3; 269,722 parameters with option A, 272,474 with B).

    Args:
        **kwargs: passed to :class:`CifarResNet` (``num_classes``, ``shortcut``,
            ``zero_init_residual``, ``norm_layer``).

    Example:
        >>> model = cifar_resnet20()
        >>> model(autograd_lab.randn(2, 3, 32, 32)).shape
        autograd_lab.Size([2, 10])
    """
    return _cifar_resnet(3, **kwargs)


def cifar_resnet32(**kwargs: Any) -> CifarResNet:
    """ResNet-32 for CIFAR (n = 5; 464,154 parameters with option A). Args: as
    :func:`cifar_resnet20`.

    Example:
        >>> len(cifar_resnet32().layer1)
        5
    """
    return _cifar_resnet(5, **kwargs)


def cifar_resnet44(**kwargs: Any) -> CifarResNet:
    """ResNet-44 for CIFAR (n = 7; 658,586 parameters with option A). Args: as
    :func:`cifar_resnet20`.

    Example:
        >>> len(cifar_resnet44().layer1)
        7
    """
    return _cifar_resnet(7, **kwargs)


def cifar_resnet56(**kwargs: Any) -> CifarResNet:
    """ResNet-56 for CIFAR (n = 9; 853,018 parameters with option A). Args: as
    :func:`cifar_resnet20`.

    Example:
        >>> len(cifar_resnet56().layer1)
        9
    """
    return _cifar_resnet(9, **kwargs)


def cifar_resnet110(**kwargs: Any) -> CifarResNet:
    """ResNet-110 for CIFAR (n = 18; 1,727,962 parameters with option A). Args: as
    :func:`cifar_resnet20`.

    Example:
        >>> len(cifar_resnet110().layer1)
        18
    """
    return _cifar_resnet(18, **kwargs)
