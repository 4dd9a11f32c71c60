"""Datasets from a folder per class: ``root/<class>/<any/depth>/<file>``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .._pil import pil_image
from .vision import VisionDataset

__all__ = ["IMG_EXTENSIONS", "DatasetFolder", "ImageFolder", "default_loader", "find_classes",
           "has_file_allowed_extension", "is_image_file", "make_dataset", "pil_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions: str | tuple[str, ...]) -> bool:
    """Whether ``filename`` ends with one of ``extensions`` (case-insensitive)."""
    return filename.lower().endswith(extensions if isinstance(extensions, str)
                                     else tuple(extensions))


def is_image_file(filename: str) -> bool:
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
    """The class folders of ``directory``, sorted, and their indices.

    Raises:
        FileNotFoundError: ``directory`` has no sub-folder.
    """
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory: str | os.PathLike, class_to_idx: dict[str, int] | None = None,
                 extensions: str | tuple[str, ...] | None = None,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> list[tuple[str, int]]:
    """The ``(path, class_index)`` samples under ``directory``, in sorted order.

    Give exactly one of ``extensions`` (files to keep) and ``is_valid_file`` (a test on the
    path). Files are listed class by class, folders walked in sorted order (following links),
    so the order is the same on every machine.

    Raises:
        ValueError: both or neither of ``extensions`` and ``is_valid_file`` given.
        FileNotFoundError: a class has no valid file (unless ``allow_empty``).
    """
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the "
                         "same time")
    if extensions is not None:
        def is_valid_file(path: str) -> bool:
            return has_file_allowed_extension(path, extensions)

    instances, found = [], set()
    for target_class in sorted(class_to_idx):
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_to_idx[target_class]))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            msg += ("Supported extensions are: "
                    f"{extensions if isinstance(extensions, str) else ', '.join(extensions)}")
        raise FileNotFoundError(msg)
    return instances


class DatasetFolder(VisionDataset):
    """A dataset of files arranged in one folder per class, as
    ``torchvision.datasets.DatasetFolder``::

        root/dog/xxx.ext
        root/dog/nested/xxy.ext
        root/cat/123.ext

    Args:
        root: the folder of class folders.
        loader: reads a sample from its path.
        extensions: the file endings to keep (or use ``is_valid_file``).
        transform: applied to each loaded sample.
        target_transform: applied to each class index.
        is_valid_file: a test on each path (instead of ``extensions``).
        allow_empty: accept class folders without a valid file.

    Attributes:
        classes: the class names, sorted. ``class_to_idx``: name -> index.
        samples: the ``(path, class_index)`` pairs. ``targets``: the class index of each.

    Example:
        >>> ds = DatasetFolder("texts", loader=lambda p: open(p).read(), extensions=(".txt",))
    """

    def __init__(self, root: str | os.PathLike, loader: Callable[[str], Any],
                 extensions: str | tuple[str, ...] | None = None,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)
        samples = self.make_dataset(self.root, class_to_idx, extensions, is_valid_file,
                                    allow_empty=allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]

    @staticmethod
    def make_dataset(directory: str | os.PathLike, class_to_idx: dict[str, int],
                     extensions: str | tuple[str, ...] | None = None,
                     is_valid_file: Callable[[str], bool] | None = None,
                     allow_empty: bool = False) -> list[tuple[str, int]]:
        """The samples; override to change how files are found."""
        if class_to_idx is None:
            # find_classes may be overridden: make_dataset must use the same classes.
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
        """The classes; override to use another folder structure."""
        return find_classes(directory)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """Returns ``(sample, target)``: the loaded file (after ``transform``) and its class."""
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.samples)


def pil_loader(path: str | os.PathLike) -> Any:
    """Open an image file as an RGB PIL image (read fully, so the file is closed at once)."""
    with open(path, "rb") as f:
        return pil_image().open(f).convert("RGB")


def default_loader(path: str | os.PathLike) -> Any:
    return pil_loader(path)


class ImageFolder(DatasetFolder):
    """A :class:`DatasetFolder` of images (``IMG_EXTENSIONS``) loaded as RGB PIL images, as
    ``torchvision.datasets.ImageFolder``.

    Args:
        root: the folder of class folders (``root/cat/1.png``, ``root/dog/2.jpg``, ...).
        transform: applied to each PIL image.
        target_transform: applied to each class index.
        loader: reads an image from its path (default: RGB through Pillow).
        is_valid_file: a test on each path, instead of the image extensions.
        allow_empty: accept class folders without images.

    Example:
        >>> ds = ImageFolder("pets", transform=transforms.ToTensor())
        >>> ds.classes, ds.imgs[0]
        (['cat', 'dog'], ('pets/cat/1.png', 0))
    """

    def __init__(self, root: str | os.PathLike, transform: Callable | None = None,
                 target_transform: Callable | None = None,
                 loader: Callable[[str], Any] = default_loader,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> None:
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform=transform, target_transform=target_transform,
                         is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
