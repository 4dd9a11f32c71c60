"""autograd_lab.vision.models: torchvision's classification networks, built on autograd_lab.nn.

``resnet18`` ... ``resnet152`` (with the classes ``ResNet``, ``BasicBlock``, ``Bottleneck``)
and ``vgg11`` ... ``vgg19_bn`` (``VGG``) are torchvision's architectures exactly: the same
submodule names, ``state_dict`` keys and shapes, ``repr`` and initialisation, so a
torchvision checkpoint loads into them. ``cifar_resnet20`` ... ``cifar_resnet110``
(``CifarResNet``) are He et al.'s small ResNets for 32x32 images, which torchvision lacks.

Pretrained weights are not downloaded: the builders accept only ``weights=None``. A
torchvision checkpoint already on disk loads with::

    model = models.resnet18()
    model.load_state_dict(autograd_lab.load("resnet18-f37072fd.pth", map_location="cpu"))

Example:
    >>> from autograd_lab.vision import models
    >>> model = models.resnet18(num_classes=10)
    >>> models.list_models(include="resnet*")
    ['resnet101', 'resnet152', 'resnet18', 'resnet34', 'resnet50']
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from typing import Any

from ... import nn
from .cifar_resnet import (
    CifarResNet,
    ZeroPadShortcut,
    cifar_resnet20,
    cifar_resnet32,
    cifar_resnet44,
    cifar_resnet56,
    cifar_resnet110,
)
from .resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
)
from .vgg import (
    VGG,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)

__all__ = [
    "ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101",
    "resnet152", "VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
    "vgg19_bn", "CifarResNet", "ZeroPadShortcut", "cifar_resnet20", "cifar_resnet32",
    "cifar_resnet44", "cifar_resnet56", "cifar_resnet110", "get_model", "get_model_builder",
    "list_models",
]

# torchvision fills its registry with a decorator; an explicit table is easier to read.
_BUILDERS: dict[str, Callable[..., nn.Module]] = {
    fn.__name__: fn
    for fn in (resnet18, resnet34, resnet50, resnet101, resnet152, vgg11, vgg11_bn, vgg13,
               vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, cifar_resnet20, cifar_resnet32,
               cifar_resnet44, cifar_resnet56, cifar_resnet110)
}


def list_models(module: Any = None, include: str | Iterable[str] | None = None,
                exclude: str | Iterable[str] | None = None) -> list[str]:
    """The names of the model builders, sorted, as ``torchvision.models.list_models``.

    Args:
        module: accepted for torchvision compatibility; only this package has models.
        include: Unix shell-style pattern(s) (``"resnet*"``); keep only matching names.
        exclude: pattern(s) of names to drop (applied after ``include``).

    Example:
        >>> list_models(include="vgg11*")
        ['vgg11', 'vgg11_bn']
    """
    names = set(_BUILDERS)
    if include is not None:
        patterns = [include] if isinstance(include, str) else list(include)
        names = {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}
    if exclude is not None:
        patterns = [exclude] if isinstance(exclude, str) else list(exclude)
        names = {n for n in names if not any(fnmatch.fnmatch(n, p) for p in patterns)}
    return sorted(names)


def get_model_builder(name: str) -> Callable[..., nn.Module]:
    """The builder function of a model by name (``get_model_builder("resnet18")``).

    Raises:
        ValueError: no such model (``Unknown model name``, as torchvision).

    Example:
        >>> get_model_builder("vgg11") is vgg11
        True
    """
    name = name.lower()
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name: str, **config: Any) -> nn.Module:
    """Build a model by name: ``get_model("resnet18", num_classes=10)``.

    Args:
        name: a name from :func:`list_models`.
        **config: the builder's arguments (``weights`` must be ``None`` here).

    Example:
        >>> get_model("cifar_resnet20").fc
        Linear(in_features=64, out_features=10, bias=True)
    """
    return get_model_builder(name)(**config)
