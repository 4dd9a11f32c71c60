"""autograd_lab.vision: the part of torchvision that learners meet.

``import autograd_lab.vision as torchvision`` gives ``datasets`` (CIFAR10, CIFAR100, MNIST,
FashionMNIST, ImageFolder, FakeData), ``transforms`` (and ``transforms.functional``) and
``utils`` (``make_grid``, ``save_image``), with torchvision's names, arguments and reprs.

Importing this package does not import Pillow: images need it only when they are made or
read, and then a missing Pillow raises an ImportError that says to
``pip install 'autograd_lab[vision]'``.

Example:
    >>> import autograd_lab.vision as torchvision
    >>> import autograd_lab.vision.transforms as transforms
    >>> trainset = torchvision.datasets.CIFAR10(root="../shared/data", train=True,
    ...                                         transform=transforms.ToTensor(),
    ...                                         check_integrity=False)
"""

from __future__ import annotations

from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
