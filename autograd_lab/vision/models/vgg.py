"""VGG (Simonyan and Zisserman, 2014, "Very Deep Convolutional Networks for Large-Scale Image
Recognition"), as torchvision.

Same submodules as torchvision: ``features`` (one ``Sequential``, so its layers are
``features.0``, ``features.3``, ... exactly as in torchvision's checkpoints), ``avgpool`` (an
``AdaptiveAvgPool2d((7, 7))``) and ``classifier`` (Linear-ReLU-Dropout twice, then Linear).
Torchvision's initialisation: He-normal convolutions (``mode="fan_out"``) with zero bias,
BatchNorm weight 1 and bias 0, and N(0, 0.01) linear weights with zero bias.

Parameter counts (``num_classes=1000``): vgg11 132,863,336; vgg11_bn 132,868,840;
vgg13 133,047,848; vgg13_bn 133,053,736; vgg16 138,357,544; vgg16_bn 138,365,992;
vgg19 143,667,240; vgg19_bn 143,678,248. Almost all of it is the classifier's first layer
(25088 x 4096 = 102,764,544 weights).

Differences from torchvision: ``weights`` must be ``None`` (nothing is downloaded; see
:func:`vgg11` for loading a checkpoint from disk).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ..._tensor import Tensor
from ._utils import check_weights

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"]


class VGG(nn.Module):
    """A stack of 3x3 convolutions and max-pools (``features``), then three linear layers.

    ``avgpool`` brings any feature map to 7x7 (for a 224x224 input it already is, and pooling
    changes nothing), so inputs from 32x32 up work: five max-pools divide the size by 32, and
    a smaller map is stretched to 7x7 by repeating values.

    Args:
        features: the convolutional part, usually from :func:`make_layers`; its output must
            have 512 channels.
        num_classes: outputs of the last linear layer. Default: 1000 (ImageNet).
        init_weights: initialise as torchvision does (otherwise each layer keeps its own
            default init). Default: ``True``.
        dropout: the probability of both ``Dropout`` layers. Default: 0.5.

    Shape:
        - Input: (N, 3, H, W) with H, W >= 32 (224 for ImageNet)
        - Output: (N, num_classes)

    Example:
        >>> model = VGG(make_layers(cfgs["A"]), num_classes=10)
        >>> model(autograd_lab.randn(1, 3, 32, 32)).shape
        autograd_lab.Size([1, 10])
    """

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = x.flatten(1)
        x = self.classifier(x)
        return x


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> nn.Sequential:
    """Build VGG's ``features`` from a configuration list.

    Args:
        cfg: an int ``v`` is a 3x3 convolution to ``v`` channels (padding 1, so the size is
            kept) followed by a ReLU (with a BatchNorm2d between them if ``batch_norm``);
            ``"M"`` is a 2x2 max-pool that halves the size.
        batch_norm: add BatchNorm2d after each convolution (the ``_bn`` models).

    Example:
        >>> make_layers([8, "M"])
        Sequential(
          (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
          (1): ReLU(inplace=True)
          (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        )
    """
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            v = int(v)
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


#: The four configurations of the paper's Table 1: A (11 weight layers), B (13), D (16), E (19).
cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


def _vgg(name: str, cfg: str, batch_norm: bool, weights: Any, progress: bool,
         **kwargs: Any) -> VGG:
    check_weights(name, weights, kwargs)
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


def vgg11(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11, configuration "A" (132,863,336 parameters).

    Args:
        weights: must be ``None``: autograd_lab does not download pretrained weights, and any
            other value raises NotImplementedError. To use torchvision's ImageNet weights,
            load a checkpoint file that is already on disk::

                model = vgg11()
                model.load_state_dict(autograd_lab.load("vgg11-8a719046.pth",
                                                        map_location="cpu"))

            (torchvision keeps its downloads in ``~/.cache/torch/hub/checkpoints/``.)
        progress: accepted for torchvision compatibility (no download to show).
        **kwargs: passed to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``).

    Example:
        >>> model = vgg11(num_classes=10).eval()
        >>> model(autograd_lab.randn(1, 3, 32, 32)).shape
        autograd_lab.Size([1, 10])
    """
    return _vgg("vgg11", "A", False, weights, progress, **kwargs)


def vgg11_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 with BatchNorm (132,868,840 parameters). Args: as :func:`vgg11`.

    Example:
        >>> vgg11_bn(init_weights=False).features[1]
        BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """
    return _vgg("vgg11_bn", "A", True, weights, progress, **kwargs)


def vgg13(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13, configuration "B" (133,047,848 parameters). Args: as :func:`vgg11`.

    Example:
        >>> len(vgg13(init_weights=False).features)
        25
    """
    return _vgg("vgg13", "B", False, weights, progress, **kwargs)


def vgg13_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 with BatchNorm (133,053,736 parameters). Args: as :func:`vgg11`.

    Example:
        >>> len(vgg13_bn(init_weights=False).features)
        35
    """
    return _vgg("vgg13_bn", "B", True, weights, progress, **kwargs)


def vgg16(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16, configuration "D" (138,357,544 parameters). Args: as :func:`vgg11`.

    Example:
        >>> len(vgg16(init_weights=False).features)
        31
    """
    return _vgg("vgg16", "D", False, weights, progress, **kwargs)


def vgg16_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 with BatchNorm (138,365,992 parameters). Args: as :func:`vgg11`.

    Example:
        >>> len(vgg16_bn(init_weights=False).features)
        44
    """
    return _vgg("vgg16_bn", "D", True, weights, progress, **kwargs)


def vgg19(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19, configuration "E" (143,667,240 parameters). Args: as :func:`vgg11`.

    Example:
        >>> len(vgg19(init_weights=False).features)
        37
    """
    return _vgg("vgg19", "E", False, weights, progress, **kwargs)


def vgg19_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 with BatchNorm (143,678,248 parameters). Args: as :func:`vgg11`.

    Example:
        >>> len(vgg19_bn(init_weights=False).features)
        53
    """
    return _vgg("vgg19_bn", "E", True, weights, progress, **kwargs)
