"""make_grid's layout and normalisation arithmetic against hand-computed expectations;
save_image through Pillow (rounding, atomic write); importing without Pillow."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import autograd_lab as al
from autograd_lab.vision.utils import make_grid, save_image


def reference_grid(x: np.ndarray, nrow: int, padding: int, pad_value: float) -> np.ndarray:
    """The layout by hand: cell k at row k // cols, column k % cols; each cell is
    (H + padding) x (W + padding) with the image in its bottom-right corner, plus one
    padding strip along the top and left of the whole grid."""
    b, c, h, w = x.shape
    cols = min(nrow, b)
    rows = -(-b // cols)
    out = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding),
                  pad_value, dtype=x.dtype)
    for k in range(b):
        top = (k // cols) * (h + padding) + padding
        left = (k % cols) * (w + padding) + padding
        out[:, top:top + h, left:left + w] = x[k]
    return out


LAYOUTS = [
    # (batch, nrow, padding, expected (H, W) for 3x4 images)
    (4, 8, 2, (7, 26)),      # one row: min(nrow, B) columns
    (5, 2, 2, (17, 14)),     # 3 rows, the last one half empty
    (6, 3, 0, (6, 12)),      # no padding: images touch
    (7, 3, 1, (13, 16)),
    (2, 1, 5, (21, 14)),     # a column
]


@pytest.mark.parametrize("batch, nrow, padding, size", LAYOUTS)
def test_make_grid_layout(batch, nrow, padding, size):
    x = al.rand(batch, 3, 3, 4)
    grid = make_grid(x, nrow=nrow, padding=padding, pad_value=0.25)
    assert tuple(grid.shape) == (3, *size)
    np.testing.assert_array_equal(grid.numpy(), reference_grid(x.numpy(), nrow, padding, 0.25))


def test_make_grid_inputs():
    x = al.rand(3, 1, 2, 2)  # one channel: repeated into 3 (grey RGB)
    grid = make_grid(x, padding=1)
    assert tuple(grid.shape) == (3, 4, 10)
    assert al.equal(grid[0], grid[2])
    pieces = [al.rand(3, 4, 4) for _ in range(3)]
    assert al.equal(make_grid(pieces, nrow=2), make_grid(al.stack(pieces), nrow=2))
    img = al.rand(3, 5, 6)
    assert al.equal(make_grid(img), img)  # a single image comes back as it is
    assert tuple(make_grid(al.rand(5, 6)).shape) == (3, 5, 6)
    assert tuple(make_grid(al.rand(1, 5, 6)).shape) == (3, 5, 6)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(np.zeros((1, 3, 2, 2)))
    with pytest.raises(TypeError, match="got a list containing"):
        make_grid([al.rand(3, 2, 2), np.zeros((3, 2, 2))])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(al.rand(2, 3, 2, 2), normalize=True, value_range=[0, 1])


def test_make_grid_normalize_min_max():
    x = al.tensor(np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2) - 5)
    before = x.numpy().copy()
    grid = make_grid(x, normalize=True, padding=0)
    expected = (before - before.min()) / (before.max() - before.min())
    np.testing.assert_allclose(grid.numpy(), reference_grid(expected, 8, 0, 0.0), rtol=1e-6)
    np.testing.assert_array_equal(x.numpy(), before)  # the input is untouched


def test_make_grid_value_range_clamps():
    x = al.tensor([[[[-2.0, 0.0], [1.0, 3.0]]], [[[0.5, 0.5], [0.5, 0.5]]]])
    grid = make_grid(x, normalize=True, value_range=(-1.0, 1.0), padding=0)
    # clamp to [-1, 1], then (x + 1) / 2
    np.testing.assert_allclose(grid.numpy()[0], [[0.0, 0.5, 0.75, 0.75], [1.0, 1.0, 0.75, 0.75]])


def test_make_grid_scale_each():
    x = al.tensor([[[[0.0, 2.0]]], [[[10.0, 30.0]]], [[[4.0, 4.0]]]])
    grid = make_grid(x, normalize=True, scale_each=True, padding=0)
    # each image by its own min and max; a constant image: (x - x) / 1e-5 = 0
    assert grid.numpy()[0].tolist() == [[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]]
    together = make_grid(x, normalize=True, padding=0)
    np.testing.assert_allclose(together.numpy()[0], [[0.0, 2 / 30, 1 / 3, 1.0, 4 / 30, 4 / 30]],
                               rtol=1e-6)


@pytest.mark.torch
def test_make_grid_normalisation_in_float32_like_torch(torch):
    x = np.random.default_rng(0).normal(size=(3, 3, 4, 4)).astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    ref = torch.from_numpy(x).clone().clamp_(min=lo, max=hi).sub_(lo).div_(max(hi - lo, 1e-5))
    ours = make_grid(al.tensor(x), normalize=True, padding=0)
    np.testing.assert_allclose(ours.numpy(), reference_grid(ref.numpy(), 8, 0, 0.0), atol=1e-7)


# ----------------------------------------------------------------------------- save_image
def test_save_image_png(tmp_path):
    x = al.rand(5, 3, 4, 6)
    path = tmp_path / "grid.png"
    save_image(x, path, nrow=3, padding=1, pad_value=1.0)
    saved = np.asarray(Image.open(path))
    grid = make_grid(x, nrow=3, padding=1, pad_value=1.0).numpy().transpose(1, 2, 0)
    expected = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8)  # rounded
    np.testing.assert_array_equal(saved, expected)
    assert os.listdir(tmp_path) == ["grid.png"]


def test_save_image_file_object_format_and_errors(tmp_path):
    buf = io.BytesIO()
    save_image(al.ones(3, 2, 2), buf, format="PNG")
    assert np.asarray(Image.open(io.BytesIO(buf.getvalue()))).tolist() == [[[255] * 3] * 2] * 2
    save_image([al.zeros(1, 3, 3)], os.fspath(tmp_path / "black.bmp"))
    assert Image.open(tmp_path / "black.bmp").format == "BMP"
    with pytest.raises(ValueError, match="unknown file extension"):
        save_image(al.zeros(3, 2, 2), tmp_path / "picture.unknown")
    assert sorted(os.listdir(tmp_path)) == ["black.bmp"]  # no temporary file left behind


# ----------------------------------------------------------------------------- imports
def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_import_does_not_load_pillow_or_tqdm():
    result = _run("import sys, autograd_lab, autograd_lab.vision as tv\n"
                  "from autograd_lab.vision import datasets, transforms, utils\n"
                  "transforms.Compose([transforms.ToTensor()])\n"
                  "print(sorted(m for m in ('PIL', 'tqdm') if m in sys.modules))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_pillow_says_what_to_install():
    result = _run("import sys; sys.modules['PIL'] = None\n"
                  "import autograd_lab\n"
                  "from autograd_lab.vision import transforms\n"
                  "transforms.ToPILImage()(autograd_lab.zeros(3, 2, 2))")
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "pip install 'autograd_lab[vision]'" in result.stderr
