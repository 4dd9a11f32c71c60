"""Geometric transforms on PIL images and Tensors (C, H, W) and batches (N, C, H, W): flips,
crops, padding (vs numpy.pad), resizing (vs Pillow directly, and vs torch's interpolate),
rotation (vs Pillow), random crops and flips (seeded)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from PIL import Image

import autograd_lab as al
from autograd_lab.vision import transforms as T
from autograd_lab.vision.transforms import functional as F

RNG = np.random.default_rng(1)
HWC = RNG.integers(0, 256, (9, 12, 3), dtype=np.uint8)
IMG = Image.fromarray(HWC)


def chw(arr: np.ndarray) -> al.Tensor:
    return al.tensor(np.ascontiguousarray(np.moveaxis(arr, -1, -3)))


def as_chw(img) -> np.ndarray:
    """A PIL image or Tensor as a CHW (or NCHW) array."""
    if isinstance(img, al.Tensor):
        return img.numpy()
    arr = np.asarray(img)
    return (arr[..., None] if arr.ndim == 2 else arr).transpose(2, 0, 1)


BOTH = [pytest.param(lambda a: Image.fromarray(a), id="pil"), pytest.param(chw, id="tensor")]


# ----------------------------------------------------------------------------- flips
@pytest.mark.parametrize("make", BOTH)
def test_flips(make):
    np.testing.assert_array_equal(as_chw(F.hflip(make(HWC))), chw(HWC).numpy()[..., ::-1])
    np.testing.assert_array_equal(as_chw(F.vflip(make(HWC))), chw(HWC).numpy()[..., ::-1, :])
    assert as_chw(T.RandomHorizontalFlip(p=0.0)(make(HWC))).tolist() == chw(HWC).tolist()
    np.testing.assert_array_equal(as_chw(T.RandomVerticalFlip(p=1.0)(make(HWC))),
                                  chw(HWC).numpy()[:, ::-1])


def test_flips_batched_and_differentiable():
    x = al.rand(2, 3, 4, 5, requires_grad=True)
    np.testing.assert_array_equal(F.hflip(x).detach().numpy(), x.detach().numpy()[..., ::-1])
    (F.vflip(x) * al.arange(4.0).view(4, 1)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0, :, 0], [3, 2, 1, 0])


def test_random_flip_is_seeded():
    flip = T.RandomHorizontalFlip()
    x = al.arange(3.0).view(1, 1, 3)

    def draws(seed):
        al.manual_seed(seed)
        return [flip(x)[0, 0, 0].item() == 2.0 for _ in range(400)]

    first = draws(0)
    assert draws(0) == first and draws(1) != first
    assert 150 < sum(first) < 250  # about half


# ----------------------------------------------------------------------------- crops
CROP_BOXES = [(0, 0, 9, 12), (2, 3, 4, 5), (5, 8, 4, 4), (-2, -3, 5, 6), (6, 10, 5, 4),
              (-1, -1, 11, 14)]


@pytest.mark.parametrize("box", CROP_BOXES)
@pytest.mark.parametrize("make", BOTH)
def test_crop_outside_is_zero(make, box):
    top, left, h, w = box
    padded = np.zeros((9 + 20, 12 + 20, 3), np.uint8)
    padded[10:19, 10:22] = HWC
    expected = padded[10 + top:10 + top + h, 10 + left:10 + left + w].transpose(2, 0, 1)
    np.testing.assert_array_equal(as_chw(F.crop(make(HWC), top, left, h, w)), expected)


CENTER_CASES = [(5, (2, 4)), ((4, 6), (2, 3)), ((9, 12), (0, 0)), ((3, 5), (3, 4)),
                ((8, 11), (0, 0))]


@pytest.mark.parametrize("size, corner", CENTER_CASES)
@pytest.mark.parametrize("make", BOTH)
def test_center_crop(make, size, corner):
    out = as_chw(T.CenterCrop(size)(make(HWC)))
    h, w = (size, size) if isinstance(size, int) else size
    # top = round((9 - h) / 2), left = round((12 - w) / 2), Python's round (half to even)
    top, left = int(round((9 - h) / 2)), int(round((12 - w) / 2))
    assert (top, left) == corner
    np.testing.assert_array_equal(out, chw(HWC).numpy()[:, top:top + h, left:left + w])


@pytest.mark.parametrize("make", BOTH)
def test_center_crop_larger_than_image_pads(make):
    out = as_chw(F.center_crop(make(HWC), (12, 15)))
    assert out.shape == (3, 12, 15)
    np.testing.assert_array_equal(out[:, 1:10, 1:13], chw(HWC).numpy())  # pad (1,1,2,2)
    assert out[:, 0].sum() == 0 and out[:, 10:].sum() == 0 and out[:, :, 13:].sum() == 0


# ----------------------------------------------------------------------------- pad
PADDINGS = [2, [3], (1, 2), (1, 2, 3, 4), (0, 3, 0, 1), (-1, 2, 1, -2)]
MODES = ["constant", "edge", "reflect", "symmetric"]


def numpy_pad(arr: np.ndarray, padding, mode: str, fill=0) -> np.ndarray:
    """The reference: crop negative pads, then numpy.pad (H, W axes of an HWC array)."""
    if isinstance(padding, int) or len(padding) == 1:
        p = padding if isinstance(padding, int) else padding[0]
        left = top = right = bottom = p
    elif len(padding) == 2:
        left = right = padding[0]
        top = bottom = padding[1]
    else:
        left, top, right, bottom = padding
    h, w = arr.shape[:2]
    arr = arr[max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    widths = [(max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))] + \
        [(0, 0)] * (arr.ndim - 2)
    kwargs = {"constant_values": fill} if mode == "constant" else {}
    return np.pad(arr, widths, mode=mode, **kwargs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", PADDINGS, ids=str)
@pytest.mark.parametrize("make", BOTH)
def test_pad_matches_numpy(make, padding, mode):
    fill = 7 if mode == "constant" else 0
    out = as_chw(T.Pad(padding, fill=fill, padding_mode=mode)(make(HWC)))
    np.testing.assert_array_equal(out, numpy_pad(HWC, padding, mode, fill).transpose(2, 0, 1))


@pytest.mark.parametrize("mode", MODES)
def test_pad_tensor_batched_grey_and_differentiable(mode):
    x = al.rand(2, 1, 4, 5, requires_grad=True)
    out = F.pad(x, (1, 2, 3, 1), padding_mode=mode)
    expected = numpy_pad(np.moveaxis(x.detach().numpy(), (0, 1), (2, 3)), (1, 2, 3, 1), mode)
    np.testing.assert_array_equal(out.detach().numpy(), np.moveaxis(expected, (2, 3), (0, 1)))
    out.sum().backward()
    # each output element copies one input element (or is the constant)
    copies = x.numel() if mode == "constant" else out.numel()
    assert x.grad.sum().item() == pytest.approx(copies)
    grey = Image.fromarray(HWC[..., 0])
    np.testing.assert_array_equal(np.asarray(F.pad(grey, 2, padding_mode=mode)),
                                  numpy_pad(HWC[..., 0], 2, mode))


def test_pad_fill_per_channel_pil_and_errors():
    out = np.asarray(F.pad(IMG, 1, fill=(1, 2, 3)))
    assert out[0, 0].tolist() == [1, 2, 3] and out.shape == (11, 14, 3)
    with pytest.raises(TypeError, match="inappropriate fill"):
        F.pad(chw(HWC), 1, fill=(1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element"):
        F.pad(IMG, (1, 2, 3))
    with pytest.raises(TypeError, match="inappropriate padding"):
        T.Pad("1")


# ----------------------------------------------------------------------------- resize
SIZE_CASES = [
    # (size, max_size, (h, w) for a 9x12 image)
    (6, None, (6, 8)), (12, None, (12, 16)), (5, None, (5, 6)), ([7], None, (7, 9)),
    ((4, 20), None, (4, 20)), (6, 7, (5, 7)), (9, None, (9, 12)),
]


@pytest.mark.parametrize("size, max_size, expected", SIZE_CASES)
@pytest.mark.parametrize("make", BOTH)
def test_resize_output_size(make, size, max_size, expected):
    out = T.Resize(size, max_size=max_size)(make(HWC))
    assert F.get_dimensions(out)[1:] == list(expected)
    if expected == (9, 12):
        assert out is not None and as_chw(out).tolist() == chw(HWC).tolist()


PIL_FILTERS = [(T.InterpolationMode.NEAREST, Image.Resampling.NEAREST),
               (T.InterpolationMode.BILINEAR, Image.Resampling.BILINEAR),
               (T.InterpolationMode.BICUBIC, Image.Resampling.BICUBIC),
               (T.InterpolationMode.BOX, Image.Resampling.BOX),
               (T.InterpolationMode.HAMMING, Image.Resampling.HAMMING),
               (T.InterpolationMode.LANCZOS, Image.Resampling.LANCZOS),
               (3, Image.Resampling.BICUBIC)]


@pytest.mark.parametrize("mode, pil_filter", PIL_FILTERS, ids=lambda c: str(c))
@pytest.mark.parametrize("size", [(4, 5), (20, 31)])
def test_resize_pil_is_pillow(mode, pil_filter, size):
    ours = T.Resize(size, interpolation=mode)(IMG)
    theirs = IMG.resize((size[1], size[0]), pil_filter)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_resize_errors_and_warnings():
    with pytest.raises(ValueError, match="max_size = 5 must be strictly greater"):
        F.resize(IMG, 6, max_size=5)
    with pytest.raises(ValueError, match="max_size should only be passed"):
        F.resize(IMG, (6, 7), max_size=10)
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(TypeError, match="InterpolationMode"):
        T.Resize(3, interpolation="bilinear")
    with pytest.warns(UserWarning, match="Anti-alias option is always applied"):
        F.resize(IMG, 4, antialias=False)
    with pytest.raises(ValueError, match="Tensor images support"):
        F.resize(chw(HWC), 4, interpolation=T.InterpolationMode.LANCZOS)


TORCH_RESIZE = [(m, aa) for m in ("nearest", "nearest-exact") for aa in (False,)] + \
    [(m, aa) for m in ("bilinear", "bicubic") for aa in (False, True)]


@pytest.mark.torch
@pytest.mark.parametrize("mode, antialias", TORCH_RESIZE)
@pytest.mark.parametrize("size", [(4, 5), (9, 31), (20, 7), (3, 12)])
def test_resize_tensor_matches_torch_interpolate(torch, mode, antialias, size):
    x = np.random.default_rng(2).random((2, 3, 9, 12)).astype(np.float32)
    ours = F.resize(al.tensor(x), list(size), T.InterpolationMode(mode), antialias=antialias)
    kwargs = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
    theirs = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode,
                                             antialias=antialias, **kwargs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=2e-6)
    # uint8: computed in float32, rounded back (1 off where torch's uint8 kernel rounds a tie
    # the other way)
    u = (x[0] * 255).astype(np.uint8)
    ours_u = F.resize(al.tensor(u), list(size), T.InterpolationMode(mode), antialias=antialias)
    ref = torch.nn.functional.interpolate(torch.from_numpy(u[None]).float(), size=size,
                                          mode=mode, antialias=antialias, **kwargs)[0]
    ref = ref.clamp(0, 255).round().to(torch.uint8)
    assert ours_u.dtype == al.uint8
    assert np.abs(ours_u.numpy().astype(int) - ref.numpy().astype(int)).max() <= 1


def test_resize_tensor_is_differentiable_and_close_to_pil():
    x = chw(HWC).float().div(255).requires_grad_()
    out = T.Resize((5, 6))(x)  # antialiased bilinear, like Pillow's
    out.sum().backward()
    assert x.grad.shape == x.shape and x.grad.sum().item() == pytest.approx(30 * 3, rel=1e-5)
    pil = np.asarray(T.Resize((5, 6))(IMG)).transpose(2, 0, 1) / 255
    assert np.abs(out.detach().numpy() - pil).max() < 3 / 255


# ----------------------------------------------------------------------------- rotate
@pytest.mark.parametrize("angle, k", [(90, 1), (180, 2), (270, 3), (-90, 3), (0, 0)])
@pytest.mark.parametrize("make", BOTH)
def test_rotate_quarter_turns(make, angle, k):
    square = HWC[:, :9]  # a square image rotates onto itself
    out = as_chw(F.rotate(make(square), angle))
    np.testing.assert_array_equal(out, np.rot90(square, k).transpose(2, 0, 1))
    even = HWC[:8]  # torchvision's expanded size rounds odd sizes up on tensors (see below)
    expanded = as_chw(F.rotate(make(even), angle, expand=True))
    np.testing.assert_array_equal(expanded, np.rot90(even, k).transpose(2, 0, 1))


def test_rotate_expand_size_of_odd_images_follows_torchvision():
    # torchvision measures the rotated corners from the centre and rounds outwards, so a
    # 9x12 tensor turned by 90 degrees becomes 13x10 (Pillow, rounding differently: 12x9)
    assert F.rotate(chw(HWC), 90, expand=True).shape == (3, 13, 10)
    assert F.rotate(IMG, 90, expand=True).size == (9, 12)


# (Pillow places an expanded canvas differently when the centre is not the image's.)
ROTATIONS = [(a, e, c) for a in (10, 30, -45, 123) for e, c in ((False, None), (True, None),
                                                               (False, (2, 3)))]


@pytest.mark.parametrize("angle, expand, center", ROTATIONS)
def test_rotate_tensor_matches_pillow(angle, expand, center):
    ours = F.rotate(chw(HWC), angle, expand=expand, center=center, fill=[9.0, 8.0, 7.0])
    pil = as_chw(F.rotate(IMG, angle, expand=expand, center=center, fill=(9, 8, 7)))
    assert ours.shape == pil.shape
    # the same sampling points; a pixel may differ where a point falls exactly between two
    assert (ours.numpy() != pil).any(axis=0).mean() < 0.05


def test_rotate_bilinear_and_batches():
    x = al.rand(2, 3, 8, 8)
    out = F.rotate(x, 90, interpolation=T.InterpolationMode.BILINEAR)
    np.testing.assert_allclose(out.numpy(), np.rot90(x.numpy(), 1, axes=(2, 3)), atol=1e-5)
    faded = F.rotate(al.ones(1, 8, 8), 45, interpolation=T.InterpolationMode.BILINEAR,
                     fill=[0.0])
    assert faded[0, 4, 4].item() == pytest.approx(1.0) and faded[0, 0, 0].item() == 0.0
    with pytest.raises(ValueError, match="unsupported with Tensor input"):
        F.rotate(x, 10, interpolation=T.InterpolationMode.BICUBIC)


def test_random_rotation():
    rot = T.RandomRotation((90, 90))
    np.testing.assert_array_equal(as_chw(rot(Image.fromarray(HWC[:, :9]))),
                                  np.rot90(HWC[:, :9]).transpose(2, 0, 1))
    al.manual_seed(0)
    angles = [T.RandomRotation.get_params([-10.0, 25.0]) for _ in range(200)]
    assert -10 <= min(angles) and max(angles) <= 25 and max(angles) - min(angles) > 30
    out = T.RandomRotation(30, expand=True, fill=255)(chw(HWC))
    assert out.shape[1] >= 9 and out.shape[2] >= 12
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="center should be a sequence of length 2"):
        T.RandomRotation(3, center=(1, 2, 3))


# ----------------------------------------------------------------------------- random crops
def find_window(big: np.ndarray, small: np.ndarray) -> list[tuple[int, int]]:
    """Positions (i, j) where ``small`` (C, h, w) occurs in ``big`` (C, H, W)."""
    _, h, w = small.shape
    return [(i, j) for i in range(big.shape[1] - h + 1) for j in range(big.shape[2] - w + 1)
            if np.array_equal(big[:, i:i + h, j:j + w], small)]


@pytest.mark.parametrize("mode", MODES)
def test_random_crop_is_a_window_of_the_padded_image(mode):
    crop = T.RandomCrop((9, 12), padding=3, padding_mode=mode)
    padded = numpy_pad(HWC, 3, mode).transpose(2, 0, 1)
    seen = set()
    for seed in range(8):
        al.manual_seed(seed)
        out_pil = as_chw(crop(IMG))
        al.manual_seed(seed)
        out_t = crop(chw(HWC)).numpy()
        np.testing.assert_array_equal(out_pil, out_t)  # same draw, same crop on both paths
        al.manual_seed(seed)
        i, j = (al.randint(0, 7, size=(1,)).item(), al.randint(0, 7, size=(1,)).item())
        assert (i, j) in find_window(padded, out_t)
        seen.add((i, j))
    assert len(seen) > 3


def test_random_crop_options():
    assert T.RandomCrop(9)(chw(HWC)[:, :, :9]).shape == (3, 9, 9)  # whole image: no draw
    out = T.RandomCrop((12, 14), pad_if_needed=True, fill=5)(chw(HWC))
    # torchvision pads the missing width and height on *both* sides, then crops
    padded = numpy_pad(HWC, (2, 3), "constant", 5).transpose(2, 0, 1)
    assert out.shape == (3, 12, 14) and find_window(padded, out.numpy())
    with pytest.raises(ValueError, match="Required crop size \\(10, 10\\) is larger"):
        T.RandomCrop(10)(IMG)
    batch = T.RandomCrop(4)(al.rand(5, 3, 9, 12))
    assert batch.shape == (5, 3, 4, 4)


@pytest.mark.parametrize("seed", range(20))
def test_random_resized_crop_params(seed):
    al.manual_seed(seed)
    i, j, h, w = T.RandomResizedCrop.get_params(IMG, (0.08, 1.0), (3 / 4, 4 / 3))
    assert 0 <= i and i + h <= 9 and 0 <= j and j + w <= 12 and h > 0 and w > 0
    assert 0.08 * 108 * 0.5 <= h * w <= 108  # area from the scale range (with rounding slack)
    assert 3 / 4 * 0.6 <= w / h <= 4 / 3 * 1.6


def test_random_resized_crop_fallback_and_paths():
    # no box can have ratio 10 with 90% of a square's area: the centre crop with ratio 10
    square = Image.fromarray(RNG.integers(0, 256, (40, 40, 3), dtype=np.uint8))
    al.manual_seed(0)
    assert T.RandomResizedCrop.get_params(square, (0.9, 1.0), (10.0, 12.0)) == (18, 0, 4, 40)
    rrc = T.RandomResizedCrop((6, 8))
    al.manual_seed(4)
    params = rrc.get_params(IMG, rrc.scale, rrc.ratio)
    al.manual_seed(4)
    pil = rrc(IMG)
    al.manual_seed(4)
    tensor = rrc(chw(HWC).float() / 255)
    assert pil.size == (8, 6) and tensor.shape == (3, 6, 8)
    np.testing.assert_array_equal(np.asarray(pil), np.asarray(
        F.resized_crop(IMG, *params, [6, 8])))
    assert np.abs(tensor.numpy() - as_chw(pil) / 255).max() < 0.1
    with pytest.warns(UserWarning, match="Scale and ratio should be of kind"):
        T.RandomResizedCrop(4, scale=(1.0, 0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        T.RandomResizedCrop(4)
