"""The real datasets in ``shared/data`` (skipped when absent): all 60,000 CIFAR-10 and 70,000
MNIST images load with the right shapes, labels and classes.

CIFAR-10 has exactly 5,000 training and 1,000 test images per class; MNIST's per-digit counts
are those of its label files (whose md5s are the published ones), checked against the files
read directly with gzip and NumPy.
"""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest
from conftest import DATA_DIR
from PIL import Image

import autograd_lab as al
from autograd_lab.vision import datasets, transforms

pytestmark = pytest.mark.data

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


@pytest.mark.parametrize("train, n, per_class", [(True, 50000, 5000), (False, 10000, 1000)])
def test_cifar10_shared_copy(train, n, per_class):
    ds = datasets.CIFAR10(DATA_DIR, train=train, download=True, check_integrity=False)
    assert len(ds) == n and ds.data.shape == (n, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.classes == CLASSES
    assert np.bincount(ds.targets, minlength=10).tolist() == [per_class] * 10
    img, label = ds[n - 1]
    assert isinstance(img, Image.Image) and img.size == (32, 32) and label == ds.targets[-1]
    # labels are in the original order: compare with the file read directly
    name = "data_batch_1" if train else "test_batch"
    with open(DATA_DIR / "cifar-10-batches-py" / name, "rb") as f:
        entry = pickle.load(f, encoding="latin1")
    assert ds.targets[:10000] == list(entry["labels"])
    np.testing.assert_array_equal(ds.data[:5], entry["data"][:5].reshape(5, 3, 32, 32)
                                  .transpose(0, 2, 3, 1))


def test_cifar10_shared_copy_is_not_official():
    # the README: re-pickled files, so the official checksums fail, with a clear message
    with pytest.raises(RuntimeError, match="check_integrity=False"):
        datasets.CIFAR10(DATA_DIR, train=False)


def test_cifar10_meta_is_a_python2_pickle():
    # batches.meta is the original file: its keys are bytes under encoding="bytes"
    with open(DATA_DIR / "cifar-10-batches-py" / "batches.meta", "rb") as f:
        raw = pickle.load(f, encoding="bytes")
    assert b"label_names" in raw
    from autograd_lab.vision.datasets.cifar import load_cifar_pickle

    assert load_cifar_pickle(DATA_DIR / "cifar-10-batches-py" / "batches.meta")[
        "label_names"] == CLASSES


def _labels(name: str) -> np.ndarray:
    with gzip.open(DATA_DIR / "MNIST" / "raw" / f"{name}-labels-idx1-ubyte.gz", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=8)


@pytest.mark.parametrize("train, n", [(True, 60000), (False, 10000)])
def test_mnist_shared_copy(train, n):
    ds = datasets.MNIST(DATA_DIR, train=train, download=True,
                        transform=transforms.Compose([transforms.ToTensor(),
                                                      transforms.Normalize((0.5,), (0.5,))]))
    assert len(ds) == n and tuple(ds.data.shape) == (n, 28, 28) and ds.data.dtype == al.uint8
    counts = np.bincount(ds.targets.numpy(), minlength=10)
    assert counts.sum() == n
    assert counts.tolist() == MNIST_COUNTS["train" if train else "t10k"]
    x, label = ds[0]
    assert x.shape == (1, 28, 28) and -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert label == (5 if train else 7)  # the first digits of MNIST's two files


MNIST_COUNTS = {  # images per digit in MNIST's label files (their md5s are the published ones)
    "train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "t10k": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}


@pytest.mark.parametrize("split", ["train", "t10k"])
def test_mnist_label_counts(split):
    assert np.bincount(_labels(split)).tolist() == MNIST_COUNTS[split]
