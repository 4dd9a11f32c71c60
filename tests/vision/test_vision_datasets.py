"""Datasets on small files in the real formats: CIFAR pickles (Python 2 and Python 3 styles),
idx files (gzipped and raw), an ImageFolder tree of PNGs, FakeData; items, attributes,
reprs and errors as torchvision's."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
from _vision_formats import (
    CIFAR10_CLASSES,
    idx_bytes,
    patched_cifar,
    py2_pickle,
    write_cifar,
    write_image_folder,
    write_mnist,
)
from PIL import Image

import autograd_lab as al
from autograd_lab.utils.data import DataLoader, Dataset
from autograd_lab.vision import datasets, transforms
from autograd_lab.vision.datasets import utils
from autograd_lab.vision.datasets.cifar import load_cifar_pickle
from autograd_lab.vision.datasets.mnist import read_sn3_pascalvincent_tensor

STYLES = ["py2", "py3-bytes", "py3-str"]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(utils.MIRROR_ENV, raising=False)
    monkeypatch.delenv(utils.INTEGRITY_ENV, raising=False)


# ----------------------------------------------------------------------------- pickles
def test_py2_pickle_is_what_python2_wrote():
    """Our writer's keys load as bytes with encoding='bytes' and as str with latin1 — the two
    behaviours of the official files."""
    data = py2_pickle({"data": np.arange(3, dtype=np.uint8), "labels": [1, 2]})
    assert b"numpy.core.multiarray\n_reconstruct" in data
    as_bytes = pickle.loads(data, encoding="bytes")
    assert set(as_bytes) == {b"data", b"labels"}
    as_latin1 = pickle.loads(data, encoding="latin1")
    assert set(as_latin1) == {"data", "labels"}
    np.testing.assert_array_equal(as_latin1["data"], [0, 1, 2])


@pytest.mark.parametrize("style", STYLES)
def test_load_cifar_pickle_decodes_keys(tmp_path, style):
    info = write_cifar(tmp_path, style=style)
    entry = load_cifar_pickle(tmp_path / "cifar-10-batches-py" / "data_batch_2")
    assert {"data", "labels", "batch_label", "filenames"} <= set(entry)
    assert entry["data"].dtype == np.uint8 and entry["data"].shape == (6, 3072)
    np.testing.assert_array_equal(entry["data"], info["train_x"][6:12])


def test_load_cifar_pickle_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    (tmp_path / "evil").write_bytes(pickle.dumps({"data": Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        load_cifar_pickle(tmp_path / "evil")


# ----------------------------------------------------------------------------- CIFAR
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("train", [True, False])
def test_cifar10_reads_every_pickle_style(tmp_path, style, train):
    info = write_cifar(tmp_path, style=style)
    ds = patched_cifar(datasets.CIFAR10, info["md5"])(tmp_path, train=train)
    rows, labels = (info["train_x"], info["train_y"]) if train else (info["test_x"],
                                                                     info["test_y"])
    assert isinstance(ds, Dataset)
    assert len(ds) == len(labels) == ds.data.shape[0]
    assert ds.data.dtype == np.uint8 and ds.data.shape[1:] == (32, 32, 3)
    # rows are 1024 red, 1024 green, 1024 blue values, each 32x32 row-major
    expected = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(ds.data, expected)
    assert ds.targets == labels and all(type(t) is int for t in ds.targets)
    assert ds.classes == CIFAR10_CLASSES
    assert ds.class_to_idx == {c: i for i, c in enumerate(CIFAR10_CLASSES)}
    img, target = ds[1]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), expected[1])
    assert target == labels[1]


def test_cifar100(tmp_path):
    info = write_cifar(tmp_path, style="py2", cifar100=True)
    ds = patched_cifar(datasets.CIFAR100, info["md5"])(tmp_path, train=True)
    assert len(ds) == 30 and ds.targets == info["train_y"]
    assert len(ds.classes) == 100 and ds.classes[7] == "class_07"
    assert "Split: Train" in repr(ds)


def test_cifar10_checksums(tmp_path, monkeypatch):
    write_cifar(tmp_path, style="py3-str")
    with pytest.raises(RuntimeError) as info:  # official md5s: our files differ
        datasets.CIFAR10(tmp_path)
    msg = str(info.value)
    assert msg.startswith("Dataset not found or corrupted. You can use download=True")
    assert "data_batch_1 has md5" in msg and "c99cafc152244af753f735de768cd75f" in msg
    assert "check_integrity=False" in msg
    assert len(datasets.CIFAR10(tmp_path, check_integrity=False)) == 30
    monkeypatch.setenv(utils.INTEGRITY_ENV, "0")
    assert len(datasets.CIFAR10(tmp_path, train=False)) == 5
    # the keyword wins over the environment
    with pytest.raises(RuntimeError, match="corrupted"):
        datasets.CIFAR10(tmp_path, check_integrity=True)


def test_cifar10_missing_file(tmp_path):
    write_cifar(tmp_path, style="py2")
    os.remove(tmp_path / "cifar-10-batches-py" / "test_batch")
    with pytest.raises(RuntimeError, match="test_batch, which does not exist"):
        datasets.CIFAR10(tmp_path, check_integrity=False)


def test_cifar10_transforms_and_repr(tmp_path):
    info = write_cifar(tmp_path, style="py2")
    cls = patched_cifar(datasets.CIFAR10, info["md5"])
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    ds = cls(os.fspath(tmp_path), train=True, transform=transform,
             target_transform=lambda y: y + 100)
    x, y = ds[3]
    assert x.shape == (3, 32, 32) and x.dtype == al.float32
    raw = info["train_x"][3].reshape(3, 32, 32).astype(np.float32)
    np.testing.assert_allclose(x.numpy(), (raw / 255 - 0.5) / 0.5, atol=1e-6)
    assert y == info["train_y"][3] + 100
    assert repr(cls(os.fspath(tmp_path), train=False, transform=transform)) == (
        "Dataset CIFAR10\n"
        "    Number of datapoints: 5\n"
        f"    Root location: {tmp_path}\n"
        "    Split: Test\n"
        "    StandardTransform\n"
        "Transform: Compose(\n"
        "               ToTensor()\n"
        "               Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))\n"
        "           )")


def test_cifar10_in_a_dataloader(tmp_path):
    info = write_cifar(tmp_path, style="py2")
    ds = patched_cifar(datasets.CIFAR10, info["md5"])(tmp_path, transform=transforms.ToTensor())
    images, labels = next(iter(DataLoader(ds, batch_size=4, shuffle=False)))
    assert images.shape == (4, 3, 32, 32) and labels.tolist() == info["train_y"][:4]


# ----------------------------------------------------------------------------- idx / MNIST
IDX_CASES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("np_dtype", IDX_CASES)
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_read_idx(tmp_path, np_dtype, gz):
    import gzip

    arr = (np.arange(24).reshape(2, 3, 4) * 3 - 7).astype(np_dtype)
    if np_dtype == np.uint8:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(arr)
    path = tmp_path / ("x.idx.gz" if gz else "x.idx")
    path.write_bytes(gzip.compress(data) if gz else data)
    t = read_sn3_pascalvincent_tensor(path)
    assert t.numpy().dtype == np.dtype(np_dtype)
    np.testing.assert_array_equal(t.numpy(), arr)


def test_read_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an idx file"):
        read_sn3_pascalvincent_tensor(tmp_path / "bad")
    (tmp_path / "short").write_bytes(idx_bytes(np.zeros(10, np.uint8))[:-3])
    with pytest.raises(ValueError, match="header announces"):
        read_sn3_pascalvincent_tensor(tmp_path / "short")


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST])
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("train", [True, False])
def test_mnist(tmp_path, cls, gz, train):
    arrays = write_mnist(tmp_path, name=cls.__name__, gz=gz)
    ds = cls(tmp_path, train=train)
    split = "train" if train else "t10k"
    images, labels = arrays[f"{split}-images-idx3-ubyte"], arrays[f"{split}-labels-idx1-ubyte"]
    assert isinstance(ds.data, al.Tensor) and ds.data.dtype == al.uint8
    assert ds.targets.dtype == al.int64 and ds.data.shape == (len(labels), 28, 28)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), images[2])
    assert type(target) is int and target == labels[2]
    assert len(ds.classes) == 10 and ds.class_to_idx[ds.classes[3]] == 3
    assert ds.raw_folder == os.path.join(tmp_path, cls.__name__, "raw")
    assert repr(ds).splitlines()[:4] == [f"Dataset {cls.__name__}",
                                        f"    Number of datapoints: {len(labels)}",
                                        f"    Root location: {tmp_path}",
                                        f"    Split: {'Train' if train else 'Test'}"]


def test_mnist_classes():
    assert datasets.MNIST.classes[0] == "0 - zero"
    assert datasets.FashionMNIST.classes[-1] == "Ankle boot"
    assert datasets.MNIST.mirrors[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"


def test_mnist_transform_to_tensor(tmp_path):
    arrays = write_mnist(tmp_path)
    ds = datasets.MNIST(tmp_path, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
    x, _ = ds[0]
    assert x.shape == (1, 28, 28)
    expected = (arrays["train-images-idx3-ubyte"][0] / np.float32(255) - 0.5) / 0.5
    np.testing.assert_allclose(x.numpy()[0], expected, atol=1e-6)


# ----------------------------------------------------------------------------- folders
TREE = {"cat": ["b.png", "a.PNG", "notes.txt"], "dog": ["x.bmp", "deep/y.png"],
        "empty_ok": []}


def test_image_folder(tmp_path):
    root = tmp_path / "pets"
    colours = write_image_folder(root, {"cat": TREE["cat"], "dog": TREE["dog"]})
    ds = datasets.ImageFolder(os.fspath(root))
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    expected = [(os.path.join(root, "cat", "a.PNG"), 0), (os.path.join(root, "cat", "b.png"), 0),
                (os.path.join(root, "dog", "x.bmp"), 1),
                (os.path.join(root, "dog", "deep", "y.png"), 1)]
    assert sorted(ds.samples) == sorted(expected)
    assert ds.samples[:2] == expected[:2]  # sorted within a class
    assert ds.imgs is ds.samples and ds.targets == [0, 0, 1, 1] and len(ds) == 4
    for i, (path, label) in enumerate(ds.samples):
        img, target = ds[i]
        assert img.mode == "RGB" and img.size == (5, 4) and target == label
        assert tuple(np.asarray(img)[0, 0]) == colours[path]


def test_image_folder_options(tmp_path):
    root = tmp_path / "pets"
    write_image_folder(root, {"cat": TREE["cat"], "dog": TREE["dog"]})
    ds = datasets.ImageFolder(root, is_valid_file=lambda p: p.endswith(".txt"), allow_empty=True)
    assert [os.path.basename(p) for p, _ in ds.samples] == ["notes.txt"]
    ds = datasets.ImageFolder(root, loader=lambda p: os.path.basename(p),
                              transform=str.upper, target_transform=lambda t: -t)
    assert ds[0] == ("A.PNG", 0) and ds[3][1] == -1
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes dog"):
        datasets.ImageFolder(root, is_valid_file=lambda p: "cat" in p)
    (root / "bird").mkdir()
    with pytest.raises(FileNotFoundError, match="classes bird. Supported extensions are: .jpg"):
        datasets.ImageFolder(root)
    assert datasets.ImageFolder(root, allow_empty=True).classes == ["bird", "cat", "dog"]
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path / "pets" / "bird")


def test_dataset_folder(tmp_path):
    for cls, texts in {"neg": ["bad", "awful"], "pos": ["good"]}.items():
        (tmp_path / cls).mkdir()
        for i, t in enumerate(texts):
            (tmp_path / cls / f"{i}.txt").write_text(t)
    ds = datasets.DatasetFolder(tmp_path, loader=lambda p: open(p).read(), extensions=".txt")
    assert [ds[i] for i in range(len(ds))] == [("bad", 0), ("awful", 0), ("good", 1)]
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(tmp_path, loader=open)
    assert repr(ds) == ("Dataset DatasetFolder\n    Number of datapoints: 3\n"
                        f"    Root location: {tmp_path}")


# ----------------------------------------------------------------------------- FakeData
def test_fake_data():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4,
                           transform=transforms.PILToTensor())
    state = al.get_rng_state()
    a, b = ds[2], ds[2]
    assert al.equal(al.get_rng_state(), state)  # the global generator is untouched
    assert a[0].shape == (3, 8, 6) and a[0].dtype == al.uint8
    assert al.equal(a[0], b[0]) and a[1] == b[1] and 0 <= a[1] < 4
    assert not al.equal(ds[3][0], a[0])
    other = datasets.FakeData(size=5, image_size=(3, 8, 6), random_offset=1,
                              transform=transforms.PILToTensor())
    assert al.equal(other[1][0], ds[2][0])
    assert len(ds) == 5 and isinstance(datasets.FakeData(image_size=(1, 4, 4))[0][0],
                                       Image.Image)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[5]
    assert repr(ds) == ("Dataset FakeData\n    Number of datapoints: 5\n    StandardTransform\n"
                        "Transform: PILToTensor()")


# ----------------------------------------------------------------------------- base class
def test_vision_dataset_transforms_argument():
    class Pairs(datasets.VisionDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return self.transforms(i, i) if self.transforms else (i, i)

    ds = Pairs("~/somewhere", transforms=lambda x, y: (x + 1, y - 1))
    assert ds[1] == (2, 0) and ds.root == os.path.expanduser("~/somewhere")
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        Pairs(None, transforms=lambda x, y: (x, y), transform=str)
    st = datasets.StandardTransform(None, transforms.Compose([transforms.ToTensor()]))
    assert repr(st) == ("StandardTransform\nTarget transform: Compose(\n"
                        "                      ToTensor()\n                  )")
