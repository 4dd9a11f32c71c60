"""Image datasets with torchvision's names, arguments and attributes.

``CIFAR10``/``CIFAR100`` read the official python pickles, ``MNIST``/``FashionMNIST`` the idx
files (gzipped or not), ``ImageFolder``/``DatasetFolder`` a folder per class, ``FakeData``
makes random images. ``download=True`` really downloads (see ``datasets.utils`` for mirrors
and offline use: ``mirror=``, $AUTOGRAD_LAB_DATASETS_MIRROR, ``check_integrity=False``).
"""

from __future__ import annotations

from . import utils
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "MNIST", "FashionMNIST", "DatasetFolder", "ImageFolder",
           "FakeData", "VisionDataset", "StandardTransform", "utils"]
