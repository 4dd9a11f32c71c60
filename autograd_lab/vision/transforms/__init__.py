"""Image transforms with torchvision's names, arguments and reprs.

Each transform works on PIL images and on Tensor images (C, H, W), most also on batches
(N, C, H, W); random ones are seeded by ``autograd_lab.manual_seed``. ``functional`` holds
the same operations as plain functions.

Example:
    >>> import autograd_lab.vision.transforms as transforms
    >>> transform = transforms.Compose([transforms.ToTensor(),
    ...                                 transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
"""

from __future__ import annotations

from . import functional
from ._geometry import (
    CenterCrop,
    Pad,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
)
from .functional import InterpolationMode
from .transforms import (
    ColorJitter,
    Compose,
    ConvertImageDtype,
    Grayscale,
    Lambda,
    Normalize,
    PILToTensor,
    RandomErasing,
    ToPILImage,
    ToTensor,
)

__all__ = ["CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "Grayscale",
           "InterpolationMode", "Lambda", "Normalize", "Pad", "PILToTensor", "RandomCrop",
           "RandomErasing", "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation",
           "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor", "functional"]
