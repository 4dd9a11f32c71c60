"""CIFAR-10 and CIFAR-100 from the official "python version" pickles."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

from .._pil import pil_image
from .utils import (
    INTEGRITY_ENV,
    calculate_md5,
    download_from_mirrors,
    integrity_enabled,
    resolve_mirrors,
)
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "load_cifar_pickle"]

# What a CIFAR pickle may contain: dicts, lists, strings, numbers and numpy arrays. Anything
# else (a function call smuggled into a downloaded file) is refused.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("_codecs", "encode"),  # how Python 3 writes bytes in protocol 2
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"CIFAR files hold only arrays, lists and strings; "
                                         f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _text(value: Any) -> Any:
    return value.decode("latin1") if isinstance(value, bytes) else value


def load_cifar_pickle(path: str | os.PathLike) -> dict[str, Any]:
    """Read one CIFAR batch or meta file into a dict with str keys.

    The official files were pickled by Python 2: their str keys load as ``bytes`` under
    ``encoding='bytes'`` and as ``str`` under ``encoding='latin1'`` (which also lets numpy read
    the array bytes). Copies re-pickled by Python 3 have str keys already, and Python 3 pickles
    of bytes keys load as bytes; keys are decoded in every case.

    Example:
        >>> load_cifar_pickle("data/cifar-10-batches-py/batches.meta")["label_names"][:2]
        ['airplane', 'automobile']
    """
    with open(path, "rb") as f:
        entry = _Unpickler(f, encoding="latin1").load()
    return {_text(k): v for k, v in entry.items()}


class CIFAR10(VisionDataset):
    """`CIFAR-10 <https://www.cs.toronto.edu/~kriz/cifar.html>`_: 60,000 32x32 colour images
    in 10 classes (50,000 for training, 10,000 for testing), as ``torchvision.datasets.CIFAR10``.

    Items are ``(PIL image, class index)``; ``data`` holds all images as a uint8 array of shape
    (N, 32, 32, 3) and ``targets`` their labels (a list of ints).

    Args:
        root: the folder that holds (or will hold) ``cifar-10-batches-py``.
        train: the training set (5 batches) if True, else the test set.
        transform: applied to each PIL image, e.g. ``transforms.ToTensor()``.
        target_transform: applied to each label.
        download: fetch and unpack the archive if the files are missing or corrupted.
        mirror: download from this URL root or local folder instead of the official server
            (default: $AUTOGRAD_LAB_DATASETS_MIRROR when set). See ``datasets.utils``.
        check_integrity: compare the files with the official md5 checksums (default: True,
            or $AUTOGRAD_LAB_DATASETS_CHECK_INTEGRITY). Pass False for trusted copies that
            differ from the official bytes, such as ``shared/data/cifar-10-batches-py``
            (re-pickled by Python 3): then the files only have to exist.

    Raises:
        RuntimeError: "Dataset not found or corrupted" (with the expected path) when the
            files are missing or fail the checksum and ``download`` is False.

    Example:
        >>> trainset = CIFAR10(root="../shared/data", train=True, check_integrity=False,
        ...                    transform=transforms.ToTensor())
        >>> image, label = trainset[0]
        >>> image.shape, trainset.classes[label]
        (autograd_lab.Size([3, 32, 32]), 'frog')
    """

    base_folder = "cifar-10-batches-py"
    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}

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
        problem = self._first_problem()
        if problem is not None:
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to "
                               f"download it ({problem})")
        data, self.targets = [], []
        for name, _ in self.train_list if self.train else self.test_list:
            entry = load_cifar_pickle(os.path.join(self.root, self.base_folder, name))
            data.append(np.asarray(entry["data"], dtype=np.uint8))
            self.targets.extend(int(t) for t in entry.get("labels", entry.get("fine_labels")))
        # The files store each image as 3 planes (CHW); PIL and torchvision want HWC.
        # (A transposed view, as torchvision's: copying 150 MB into HWC order costs a second.)
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self._load_meta()

    def _load_meta(self) -> None:
        entry = load_cifar_pickle(os.path.join(self.root, self.base_folder,
                                               self.meta["filename"]))
        self.classes = [_text(c) for c in entry[self.meta["key"]]]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """Returns ``(image, target)``: a PIL image (after ``transform``) and its class index."""
        img, target = pil_image().fromarray(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _files(self) -> list[tuple[str, str]]:
        return [*self.train_list, *self.test_list, (self.meta["filename"], self.meta["md5"])]

    def _first_problem(self) -> str | None:
        """Why the files can't be used (missing file, wrong checksum), or None."""
        folder = os.path.join(self.root, self.base_folder)
        for name, md5 in self._files():
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                return f"expected {path}, which does not exist"
            if self.check_integrity and (actual := calculate_md5(path)) != md5:
                return (f"{path} has md5 {actual}, not the official {md5}; for a trusted copy "
                        f"that differs from the official files pass check_integrity=False or "
                        f"set {INTEGRITY_ENV}=0")
        return None

    def _check_integrity(self) -> bool:
        return self._first_problem() is None

    def download(self) -> None:
        """Download and unpack the archive, unless the files are already there (and verified)."""
        if self._check_integrity():
            return
        download_from_mirrors(resolve_mirrors(self.mirrors, type(self).__name__, self.mirror),
                              self.filename, self.root,
                              self.tgz_md5 if self.check_integrity else None,
                              extract_root=self.root)

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class CIFAR100(CIFAR10):
    """`CIFAR-100 <https://www.cs.toronto.edu/~kriz/cifar.html>`_: like :class:`CIFAR10` with
    100 classes (the "fine" labels); the files live in ``root/cifar-100-python``.

    Example:
        >>> CIFAR100(root="data", download=True).classes[:3]
        ['apple', 'aquarium_fish', 'baby']
    """

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424b2d2b21b"}
