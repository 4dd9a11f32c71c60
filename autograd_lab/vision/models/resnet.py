"""ResNet (He et al., 2015, "Deep Residual Learning for Image Recognition"), as torchvision.

The classes and builders are torchvision's, line for line: the same submodule names
(``conv1 bn1 relu maxpool layer1..layer4 avgpool fc``; ``downsample.0`` / ``downsample.1`` for
the 1x1 projection shortcut), so ``state_dict()`` keys, parameter shapes and ``repr`` equal
torchvision's and a torchvision checkpoint loads with ``load_state_dict``. Torchvision's
initialisation too: He-normal convolutions (``mode="fan_out"``), BatchNorm weight 1 and bias 0,
and ``Linear``'s default for ``fc``.

Parameter counts (``num_classes=1000``): resnet18 11,689,512; resnet34 21,797,672;
resnet50 25,557,032; resnet101 44,549,160; resnet152 60,192,808.

Differences from torchvision: ``weights`` must be ``None`` (nothing is downloaded; see
:func:`resnet18` for loading a checkpoint from disk).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ... import nn
from ..._tensor import Tensor
from ._utils import check_weights

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "conv3x3", "conv1x1",
           "resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1,
            dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding (no bias: a BatchNorm follows, whose shift replaces it)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution (no bias), for channel changes and the projection shortcut."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + x)``.

    When the block changes the resolution (``stride``) or the width, ``x`` must be reshaped to
    be added: ``downsample`` does it (torchvision passes ``Sequential(conv1x1, BatchNorm2d)``,
    He et al.'s "option B").

    Args:
        inplanes: input channels.
        planes: output channels (``expansion`` is 1: the block's output has ``planes``).
        stride: of the first convolution (2 halves the height and width).
        downsample: module applied to ``x`` on the shortcut, or ``None`` for the identity.
        groups, base_width: must be 1 and 64 (wider/grouped blocks are Bottleneck's).
        dilation: must be 1.
        norm_layer: the normalisation class. Default: ``nn.BatchNorm2d``.

    Example:
        >>> block = BasicBlock(64, 64)
        >>> block(autograd_lab.randn(1, 64, 8, 8)).shape
        autograd_lab.Size([1, 64, 8, 8])
    """

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None, groups: int = 1, base_width: int = 64,
                 dilation: int = 1, norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        # Both self.conv1 and self.downsample downsample the input when stride != 1
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


class Bottleneck(nn.Module):
    """1x1 (reduce), 3x3, 1x1 (expand by ``expansion`` = 4) convolutions and a shortcut.

    The stride is on the 3x3 convolution (torchvision's "ResNet V1.5", slightly more accurate
    than the paper's stride on the first 1x1).

    Args:
        inplanes: input channels.
        planes: channels of the 3x3 convolution before widening; the output has
            ``planes * 4``.
        stride, downsample, norm_layer: as in :class:`BasicBlock`.
        groups, base_width: grouped (ResNeXt) and wider (Wide ResNet) blocks: the inner width
            is ``int(planes * base_width / 64) * groups``.
        dilation: of the 3x3 convolution.

    Example:
        >>> block = Bottleneck(256, 64)
        >>> block(autograd_lab.randn(1, 256, 8, 8)).shape
        autograd_lab.Size([1, 256, 8, 8])
    """

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None, groups: int = 1, base_width: int = 64,
                 dilation: int = 1, norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        # Both self.conv2 and self.downsample downsample the input when stride != 1
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)

        out = self.conv3(out)
        out = self.bn3(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


class ResNet(nn.Module):
    """The ImageNet ResNet: a 7x7 stride-2 stem and max-pool, four stages of residual blocks
    (64, 128, 256, 512 channels times ``block.expansion``; stages 2-4 halve the resolution),
    global average pooling and one linear layer.

    Any input of at least 32x32 works: the stem and stages divide the size by 32, and
    ``avgpool`` (adaptive) pools whatever is left to 1x1.

    Args:
        block: :class:`BasicBlock` (resnet18/34) or :class:`Bottleneck` (resnet50/101/152).
        layers: blocks per stage, e.g. ``[2, 2, 2, 2]`` for resnet18.
        num_classes: outputs of ``fc``. Default: 1000 (ImageNet).
        zero_init_residual: start the last BatchNorm of each block (``bn2``, or ``bn3`` for
            Bottleneck) at weight 0, so that every block starts as the identity (Goyal et al.,
            2017: improves accuracy by 0.2-0.3%).
        groups, width_per_group: ResNeXt / Wide ResNet blocks (Bottleneck only).
        replace_stride_with_dilation: three bools, for stages 2-4: keep the resolution and
            dilate the convolutions instead (segmentation backbones).
        norm_layer: the normalisation class. Default: ``nn.BatchNorm2d``.

    Shape:
        - Input: (N, 3, H, W) with H, W >= 32 (224 for ImageNet)
        - Output: (N, num_classes)

    Example:
        >>> model = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=10)
        >>> model(autograd_lab.randn(2, 3, 64, 64)).shape
        autograd_lab.Size([2, 10])
    """

    def __init__(self, block: type[BasicBlock | Bottleneck], layers: list[int],
                 num_classes: int = 1000, zero_init_residual: bool = False, groups: int = 1,
                 width_per_group: int = 64,
                 replace_stride_with_dilation: list[bool] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer

        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            # each element in the tuple indicates if we should replace
            # the 2x2 stride with a dilated convolution instead
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None "
                             f"or a 3-element tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        # He init keeps the variance of the gradients constant through the ReLU layers
        # ("fan_out": backward pass); BatchNorm starts as the identity.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

        # Zero-initialize the last BN in each residual branch,
        # so that the residual branch starts with zeros, and each residual block behaves like an
        # identity. This improves the model by 0.2~0.3% according to
        # https://arxiv.org/abs/1706.02677
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type[BasicBlock | Bottleneck], planes: int, blocks: int,
                    stride: int = 1, dilate: bool = False) -> nn.Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        # The shortcut needs a projection where the block changes the resolution or the width.
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )

        layers = []
        layers.append(block(self.inplanes, planes, stride, downsample, self.groups,
                            self.base_width, previous_dilation, norm_layer))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))

        return nn.Sequential(*layers)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)

        x = self.avgpool(x)
        x = x.flatten(1)
        x = self.fc(x)

        return x

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def _resnet(name: str, block: type[BasicBlock | Bottleneck], layers: list[int], weights: Any,
            progress: bool, **kwargs: Any) -> ResNet:
    check_weights(name, weights, kwargs)
    return ResNet(block, layers, **kwargs)


def resnet18(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-18 from "Deep Residual Learning for Image Recognition" (11,689,512 parameters).

    BasicBlocks ``[2, 2, 2, 2]``.

    Args:
        weights: must be ``None``: autograd_lab does not download pretrained weights, and any
            other value raises NotImplementedError. To use torchvision's ImageNet weights,
            load a checkpoint file that is already on disk::

                model = resnet18()
                model.load_state_dict(autograd_lab.load("resnet18-f37072fd.pth",
                                                        map_location="cpu"))

            (torchvision keeps its downloads in ``~/.cache/torch/hub/checkpoints/``.)
        progress: accepted for torchvision compatibility (no download to show).
        **kwargs: passed to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ...).

    Example:
        >>> model = resnet18(num_classes=10).eval()
        >>> model(autograd_lab.randn(1, 3, 64, 64)).shape
        autograd_lab.Size([1, 10])
    """
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, progress, **kwargs)


def resnet34(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-34 (21,797,672 parameters): BasicBlocks ``[3, 4, 6, 3]``.

    Args: as :func:`resnet18` (torchvision's file: ``resnet34-b627a593.pth``).

    Example:
        >>> resnet34(num_classes=10).fc
        Linear(in_features=512, out_features=10, bias=True)
    """
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, progress, **kwargs)


def resnet50(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-50 (25,557,032 parameters): Bottlenecks ``[3, 4, 6, 3]``.

    Args: as :func:`resnet18`.

    Example:
        >>> resnet50().fc
        Linear(in_features=2048, out_features=1000, bias=True)
    """
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


def resnet101(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-101 (44,549,160 parameters): Bottlenecks ``[3, 4, 23, 3]``.

    Args: as :func:`resnet18`.

    Example:
        >>> len(resnet101().layer3)
        23
    """
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


def resnet152(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-152 (60,192,808 parameters): Bottlenecks ``[3, 8, 36, 3]``.

    Args: as :func:`resnet18`.

    Example:
        >>> len(resnet152().layer3)
        36
    """
    return _resnet("resnet152", Bottleneck, [3, 8, 36, 3], weights, progress, **kwargs)
