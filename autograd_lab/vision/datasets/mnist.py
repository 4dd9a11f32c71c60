"""MNIST and Fashion-MNIST from their idx files (gzipped, as published, or unpacked)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._creation import from_numpy
from ..._tensor import Tensor
from .._pil import pil_image
from .utils import download_from_mirrors, integrity_enabled, resolve_mirrors
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "read_sn3_pascalvincent_tensor", "read_image_file",
           "read_label_file"]

# idx type codes -> big-endian numpy dtypes (http://yann.lecun.com/exdb/mnist/, bottom)
_IDX_TYPES = {8: np.dtype(">u1"), 9: np.dtype(">i1"), 11: np.dtype(">i2"), 12: np.dtype(">i4"),
              13: np.dtype(">f4"), 14: np.dtype(">f8")}


def _open_idx(path: str) -> bytes:
    """The bytes of ``path``, or of ``path + '.gz'`` decompressed when only that exists."""
    if not os.path.isfile(path) and os.path.isfile(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def _read_idx(path: str | os.PathLike, strict: bool = True) -> np.ndarray:
    data = _open_idx(os.fspath(path))
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an idx file (bad magic number {data[:4].hex()})")
    ndim = data[3]
    shape = tuple(int(n) for n in np.frombuffer(data, dtype=">i4", count=ndim, offset=4))
    dtype = _IDX_TYPES[data[2]]
    count = int(np.prod(shape))
    if strict and len(data) != 4 + 4 * ndim + count * dtype.itemsize:
        raise ValueError(f"{path}: the header announces {shape} values of {dtype}, but the "
                         f"file has {len(data)} bytes")
    values = np.frombuffer(data, dtype=dtype, count=count, offset=4 + 4 * ndim).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy


def read_sn3_pascalvincent_tensor(path: str | os.PathLike, strict: bool = True) -> Tensor:
    """Read an idx file (the format of MNIST's ``*-idx3-ubyte`` files) into a Tensor.

    The header is two zero bytes, a type code, the number of dimensions, then each dimension as
    a big-endian int32; the values follow, big-endian. A ``.gz`` file (or ``path + '.gz'``
    when ``path`` is missing) is decompressed on the fly.

    Args:
        path: the file.
        strict: check that the file size matches the header.

    Example:
        >>> read_sn3_pascalvincent_tensor("data/MNIST/raw/t10k-labels-idx1-ubyte.gz").shape
        autograd_lab.Size([10000])
    """
    return from_numpy(_read_idx(path, strict))


def read_label_file(path: str | os.PathLike) -> Tensor:
    """Labels of an idx1 file as int64 (torchvision's ``long``)."""
    x = _read_idx(path, strict=False)
    if x.dtype != np.uint8 or x.ndim != 1:
        raise ValueError(f"{path}: expected a 1-d uint8 label file, got {x.dtype} {x.shape}")
    return from_numpy(x.astype(np.int64))


def read_image_file(path: str | os.PathLike) -> Tensor:
    """Images of an idx3 file as uint8, shape (N, H, W)."""
    x = _read_idx(path, strict=False)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise ValueError(f"{path}: expected a 3-d uint8 image file, got {x.dtype} {x.shape}")
    return from_numpy(x)


class MNIST(VisionDataset):
    """`MNIST <http://yann.lecun.com/exdb/mnist/>`_ handwritten digits: 60,000 training and
    10,000 test images of 28x28 grey pixels, as ``torchvision.datasets.MNIST``.

    Files are read from ``root/MNIST/raw``, unpacked (``train-images-idx3-ubyte``) or as
    published (``train-images-idx3-ubyte.gz``). Items are ``(PIL image (mode "L"), label)``;
    ``data`` is a uint8 Tensor (N, 28, 28) and ``targets`` an int64 Tensor (N,).

    Args:
        root: the folder holding ``MNIST/raw``.
        train: the training set if True, else the test set.
        transform: applied to each PIL image, e.g. ``transforms.ToTensor()``.
        target_transform: applied to each label.
        download: fetch the four files (then unpack them) if they are missing.
        mirror: download from this URL root or local folder instead of ``mirrors`` (default:
            $AUTOGRAD_LAB_DATASETS_MIRROR when set). See ``datasets.utils``.
        check_integrity: verify the md5 of downloaded files (default: True, or
            $AUTOGRAD_LAB_DATASETS_CHECK_INTEGRITY). Files already on disk are not checked,
            as in torchvision.

    Raises:
        RuntimeError: "Dataset not found" (with the expected folder) when the files are
            missing and ``download`` is False.

    Example:
        >>> trainset = MNIST("../shared/data", train=True, transform=transforms.ToTensor())
        >>> image, label = trainset[0]
        >>> image.shape, label
        (autograd_lab.Size([1, 28, 28]), 5)
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False, *, mirror: str | None = None,
                 check_integrity: bool | None = None) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        self.mirror = mirror
        self.check_integrity = integrity_enabled(check_integrity)
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it "
                               f"(expected the idx files {self._names()} in {self.raw_folder})")
        self.data, self.targets = self._load_data()

    def _names(self) -> list[str]:
        return [os.path.splitext(name)[0] for name, _ in self.resources]

    def _load_data(self) -> tuple[Tensor, Tensor]:
        split = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{split}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{split}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """Returns ``(image, target)``: a PIL image (after ``transform``) and its label."""
        # Index the arrays, not the Tensors: one item is read thousands of times per epoch.
        img = pil_image().fromarray(self.data.numpy()[index])  # mode "L"
        target = int(self.targets.numpy()[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        return all(os.path.isfile(path) or os.path.isfile(path + ".gz")
                   for path in (os.path.join(self.raw_folder, n) for n in self._names()))

    def download(self) -> None:
        """Download and unpack the files that are missing (each from the first mirror that
        has it)."""
        if self._check_exists():
            return
        mirrors = resolve_mirrors(self.mirrors, type(self).__name__, self.mirror)
        for filename, md5 in self.resources:
            download_from_mirrors(mirrors, filename, self.raw_folder,
                                  md5 if self.check_integrity else None,
                                  extract_root=self.raw_folder)

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class FashionMNIST(MNIST):
    """`Fashion-MNIST <https://github.com/zalandoresearch/fashion-mnist>`_: 28x28 grey
    pictures of clothes in 10 classes, in MNIST's format and sizes (``root/FashionMNIST/raw``).

    Example:
        >>> FashionMNIST("data", download=True).classes[0]
        'T-shirt/top'
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
