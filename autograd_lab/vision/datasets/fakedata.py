"""``FakeData``: random images, the same for the same index every time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._creation import randint, randn
from ..._random import Generator
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """Random images with random labels, as ``torchvision.datasets.FakeData``: for trying a
    pipeline without any file.

    Item ``i`` is drawn from a generator seeded with ``i + random_offset``, so it is the same
    on every call and in every worker process. Unlike torchvision we seed a private generator,
    leaving the global random state untouched (torchvision saves and restores it). The
    numbers are autograd_lab's, not torchvision's.

    Args:
        size: the number of items.
        image_size: (C, H, W) of each image.
        num_classes: labels are drawn from ``range(num_classes)``.
        transform: applied to each PIL image.
        target_transform: applied to each label.
        random_offset: added to the index to seed each item (another offset, other images).

    Example:
        >>> ds = FakeData(size=10, image_size=(3, 32, 32), transform=transforms.ToTensor())
        >>> ds[0][0].shape
        autograd_lab.Size([3, 32, 32])
    """

    def __init__(self, size: int = 1000, image_size: tuple[int, int, int] = (3, 224, 224),
                 num_classes: int = 10, transform: Callable | None = None,
                 target_transform: Callable | None = None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """Returns ``(image, target)``: a PIL image (after ``transform``) and its label."""
        from ..transforms.functional import to_pil_image

        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        g = Generator().manual_seed(index + self.random_offset)
        img = randn(*self.image_size, generator=g)
        target = randint(0, self.num_classes, size=(1,), generator=g).item()
        img = to_pil_image(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return self.size
