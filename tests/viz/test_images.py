"""viz.image_grid, viz.confusion_matrix, viz.class_accuracy: the counts and accuracies
against a plain-Python count (and PyTorch's argmax for scores), the pixels drawn against the
input (decoded from the PNGs with Pillow), and the widget state."""

from __future__ import annotations

import base64
import io
import re
from collections import Counter

import numpy as np
import pytest

import autograd_lab as al
from autograd_lab import viz
from autograd_lab.viz._widgets_common import png_bytes

Image = pytest.importorskip("PIL.Image")

CLASSES = ["plane", "car", "bird", "cat"]


def python_counts(labels, preds, n):
    """The confusion matrix by counting pairs, independently of the widget's bincount."""
    pairs = Counter(zip(map(int, labels), map(int, preds)))
    return [[pairs[(i, j)] for j in range(n)] for i in range(n)]


def sample(n=200, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    preds = np.where(rng.random(n) < 0.6, labels, rng.integers(0, classes, n))
    return labels, preds


# name -> how labels and predictions are passed
INPUTS = {
    "numpy": lambda l, p: (l, p),
    "lists": lambda l, p: (l.tolist(), p.tolist()),
    "autograd_lab tensors": lambda l, p: (al.tensor(l), al.tensor(p)),
    "one-hot scores": lambda l, p: (al.tensor(l), al.tensor(np.eye(4, dtype=np.float32)[p])),
}


@pytest.mark.parametrize("kind", INPUTS)
def test_confusion_matrix_counts(kind):
    labels, preds = sample()
    cm = viz.confusion_matrix(*INPUTS[kind](labels, preds), classes=CLASSES)
    expected = python_counts(labels, preds, 4)
    assert cm.matrix.tolist() == cm.counts == expected
    assert cm.classes == CLASSES
    assert set(cm.keys) >= {"counts", "classes", "selected", "html"}
    for i in range(4):
        for j in range(4):  # every count is drawn, with its tooltip
            assert (f"true {CLASSES[i]}, predicted {CLASSES[j]}: {expected[i][j]} "
                    in cm.html)


@pytest.mark.torch
def test_scores_mean_argmax_as_in_torch(torch):
    labels, _ = sample()
    logits = np.random.default_rng(3).standard_normal((200, 4)).astype(np.float32)
    preds = torch.from_numpy(logits).argmax(dim=1).numpy()
    cm = viz.confusion_matrix(al.tensor(labels), al.tensor(logits))
    assert cm.counts == python_counts(labels, preds, 4)


def test_class_accuracy():
    labels, preds = sample()
    acc = viz.class_accuracy(labels, preds, CLASSES)
    for c in range(4):
        mine = [p == c for lab, p in zip(labels, preds) if lab == c]
        assert acc.accuracy[c] == pytest.approx(sum(mine) / len(mine))
        assert acc.support[c] == len(mine)
        assert f"{sum(mine) / len(mine):.1%} " in acc.html
    overall = float(np.mean(labels == preds))
    assert f"overall {overall:.1%}" in acc.html
    assert repr(acc).splitlines()[-1].startswith(f"overall accuracy {overall:.1%}")


def test_class_without_examples():
    acc = viz.class_accuracy([0, 0, 1], [0, 1, 1], CLASSES)
    assert acc.accuracy == [0.5, 1.0, None, None] and acc.support == [2, 1, 0, 0]
    assert "no examples" in acc.html


def test_mistakes_in_words():
    labels = [3] * 10 + [1] * 5 + [0] * 4
    preds = [1] * 7 + [3] * 3 + [1] * 5 + [2] * 2 + [0] * 2
    cm = viz.confusion_matrix(labels, preds, CLASSES)
    assert cm.mistakes(2) == [("cat", "car", 7), ("plane", "bird", 2)]
    assert "Most frequent mistakes: cat predicted as car (7×); plane predicted as bird (2×)" \
        in cm.html


def decoded_images(html: str) -> list[np.ndarray]:
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(u)))) for u in uris]


# name -> (images as passed, mean, std, the uint8 pixels expected (N, H, W, 3) or (N, H, W))
_rng = np.random.default_rng(0)
_U8 = _rng.integers(0, 256, (3, 5, 6, 3), dtype=np.uint8)
_FLOAT = _U8.astype(np.float32) / 255
IMAGES = {
    "uint8 NHWC (raw CIFAR arrays)": (_U8, None, None, _U8),
    "float NCHW in [0, 1]": (al.tensor(_FLOAT.transpose(0, 3, 1, 2)), None, None, _U8),
    "normalised, un-normalised with mean/std": (
        al.tensor(((_FLOAT - 0.5) / 0.25).transpose(0, 3, 1, 2)), (0.5,) * 3, (0.25,) * 3, _U8),
    "grey NCHW": (al.tensor(_FLOAT[..., :1].transpose(0, 3, 1, 2)), None, None, _U8[..., 0]),
    "grey NHW": (_FLOAT[..., 0], None, None, _U8[..., 0]),
    "outside [0, 1]: stretched": (_FLOAT * 4 - 2, None, None,
                                  np.round((_FLOAT - _FLOAT.min()) / np.ptp(_FLOAT) * 255)),
}


@pytest.mark.parametrize("name", IMAGES)
def test_image_grid_draws_the_pixels(name):
    images, mean, std, expected = IMAGES[name]
    grid = viz.image_grid(images, [0, 1, 2], classes=CLASSES, mean=mean, std=std)
    drawn = decoded_images(grid.html)
    assert len(drawn) == 3
    for got, want in zip(drawn, expected):
        assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


def test_image_grid_predictions():
    images = np.zeros((4, 3, 8, 8), dtype=np.float32)
    grid = viz.image_grid(images, [0, 1, 2, 3], [0, 2, 2, 1], CLASSES)
    assert (grid.correct, grid.labels, grid.predictions) == (2, [0, 1, 2, 3], [0, 2, 2, 1])
    assert "Predictions: 2 of 4 correct (50%)" in grid.html
    assert "true: car" in grid.html and "true: cat" in grid.html and "true: bird" not in grid.html
    assert repr(grid).splitlines()[2] == "1: predicted bird, true car  ✗"
    plain = viz.image_grid(images, [0, 1, 2, 3], classes=CLASSES)
    assert plain.correct is None and repr(plain) == "labels: plane, car, bird, cat"


def test_clicking_a_cell_shows_its_images():
    labels, preds = sample(60)
    images = np.random.default_rng(1).random((60, 3, 8, 8)).astype(np.float32)
    cm = viz.confusion_matrix(labels, preds, CLASSES, images=images)
    assert 'data-select="3,1"' in cm.html and "Click a cell" in cm.html
    assert decoded_images(cm.html) == []
    cm.selected = [3, 1]  # what the JavaScript sets on a click
    which = np.flatnonzero((labels == 3) & (preds == 1))
    assert f"true cat, predicted car: {which.size} images" in cm.html
    assert len(decoded_images(cm.html)) == min(which.size, 16)
    assert [f"#{k}" for k in which] == re.findall(r">(#\d+)<", cm.html)
    cm.selected = []
    assert decoded_images(cm.html) == []
    assert "data-select" not in viz.confusion_matrix(labels, preds).html  # no images: no clicks


@pytest.mark.parametrize("call, error", [
    (lambda: viz.confusion_matrix([0, 1], [0]), "2 labels but 1 predictions"),
    (lambda: viz.confusion_matrix([0, 5], [0, 1], CLASSES), "class index 5 but only 4"),
    (lambda: viz.confusion_matrix([0, -1], [0, 1]), "class indices"),
    (lambda: viz.image_grid(np.zeros((2, 5, 8, 8)), [0, 1]), "images must be"),
    (lambda: viz.image_grid(np.zeros((3, 3, 8, 8)), [0, 1]), "3 images, 2 labels"),
])
def test_bad_inputs(call, error):
    with pytest.raises(ValueError, match=error):
        call()


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (4, 9, 3)])
def test_png_encoder(shape):
    pixels = np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8)
    data = png_bytes(pixels)
    assert data == png_bytes(pixels.copy())  # same pixels, same bytes
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), pixels)
