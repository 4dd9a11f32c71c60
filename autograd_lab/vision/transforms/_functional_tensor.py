"""The tensor side of ``transforms.functional``: images are Tensors of shape (..., C, H, W).

Flips, crops, padding, resizing, normalisation and brightness/contrast/saturation are written
with Tensor ops, so they run on the tensor's device and are differentiable. Rotation and hue
are computed with NumPy on a copy (not differentiable): they are data augmentation.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from ..._creation import zeros_like
from ..._dtype import dtype as Dtype
from ..._dtype import float32
from ..._tensor import Tensor
from ...backend import to_device, to_numpy
from ...nn import functional as nnF
from ._resample import affine_output_size, grid_sample, resample_matrix


# ----------------------------------------------------------------------------- helpers
def _assert_image_tensor(img: Tensor) -> None:
    if not isinstance(img, Tensor) or img.dim() < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img: Tensor) -> list[int]:
    _assert_image_tensor(img)
    channels = 1 if img.dim() == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def get_image_size(img: Tensor) -> list[int]:
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img: Tensor) -> int:
    return get_dimensions(img)[0]


def _assert_channels(img: Tensor, permitted: list[int]) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but "
                        f"found {c}")


def _max_value(dtype: Dtype) -> float:
    """The value of full intensity: 1.0 for floats, the largest integer otherwise."""
    if dtype.is_floating_point:
        return 1.0
    if dtype.np == np.bool_:
        return 1
    return int(np.iinfo(dtype.np).max)


def _array(img: Tensor) -> np.ndarray:
    return to_numpy(img._data)


def _like(arr: np.ndarray, img: Tensor) -> Tensor:
    """``arr`` as a Tensor on ``img``'s device."""
    return Tensor._make(to_device(np.ascontiguousarray(arr), img._device), device=img._device)


def _const(arr: np.ndarray, img: Tensor) -> Tensor:
    """A constant (matrix, index) for ``img``'s device, in ``img``'s dtype if floating."""
    if arr.dtype.kind == "f":
        arr = arr.astype(img._data.dtype)
    return _like(arr, img)


# ----------------------------------------------------------------------------- dtype
def convert_image_dtype(image: Tensor, dtype: Dtype = float32) -> Tensor:
    """Convert and rescale: float images live in [0, 1], integer ones in [0, max of dtype]."""
    if image.dtype == dtype:
        return image
    if image.dtype.is_floating_point:
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == float32 and dtype.np in (np.int32, np.int64)) or (
                image.dtype.np == np.float64 and dtype.np == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed "
                               "safely.")
        # 1.0 must map to max, not max + 1: scale by a hair less than max + 1, then truncate.
        eps = 1e-3
        return image.mul(float(_max_value(dtype)) + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return image.div(factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


@functools.lru_cache(maxsize=64)
def _channel_constants(values: tuple[float, ...], np_dtype: np.dtype) -> np.ndarray:
    """Per-channel constants shaped (C, 1, 1), converted once (Normalize runs per image)."""
    arr = np.asarray(values, dtype=np_dtype)
    arr = arr.reshape(-1, 1, 1) if arr.ndim == 1 else arr
    arr.setflags(write=False)
    return arr


def _channel_tensor(values: Sequence[float] | Tensor, like: Tensor) -> Tensor:
    if isinstance(values, Tensor):
        t = values.to(like.dtype)
        return t.view(-1, 1, 1) if t.dim() == 1 else t
    flat = (float(values),) if isinstance(values, int | float) else tuple(map(float, values))
    return _like(_channel_constants(flat, like._data.dtype), like)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Tensor:
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    mean_t, std_t = _channel_tensor(mean, tensor), _channel_tensor(std, tensor)
    if (std_t == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading "
                         "to division by zero.")
    if inplace:
        return tensor.sub_(mean_t).div_(std_t)
    return (tensor - mean_t) / std_t


# ----------------------------------------------------------------------------- geometry
def hflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-1)


def vflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-2)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """The box [top, top+height) x [left, left+width); parts outside the image are zeros."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                   max(right - w, 0), max(bottom - h, 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding, fill=0)
    return img[..., top:bottom, left:right]


def pad(img: Tensor, padding: int | Sequence[int], fill: float = 0,
        padding_mode: str = "constant") -> Tensor:
    """Pad the last two dims. The edge/reflect/symmetric modes copy pixels chosen exactly as
    ``numpy.pad`` chooses them: numpy.pad of the index range 0..n-1 *is* the gather index."""
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, int | tuple | list):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, int | float):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, tuple | list) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(padding, int):
        left = right = top = bottom = padding
    elif len(padding) == 1:
        left = right = top = bottom = padding[0]
    elif len(padding) == 2:
        left = right = padding[0]
        top = bottom = padding[1]
    else:
        left, top, right, bottom = padding
    if padding_mode == "constant":
        return nnF.pad(img, (left, right, top, bottom), value=float(fill))
    h, w = img.shape[-2:]
    img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    for dim, lo, hi in ((-1, left, right), (-2, top, bottom)):
        lo, hi = max(lo, 0), max(hi, 0)
        if lo or hi:
            index = np.pad(np.arange(img.shape[dim]), (lo, hi), mode=padding_mode)
            img = img.index_select(dim, _like(index, img))
    return img


def resize(img: Tensor, size: Sequence[int], interpolation: str = "bilinear",
           antialias: bool = True) -> Tensor:
    """Resize the last two dims to ``size`` = [h, w]: two matrix products, M_h @ img @ M_w^T
    (differentiable). Integer images are computed in float32 and rounded back."""
    _assert_image_tensor(img)
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"Tensor images support nearest, nearest-exact, bilinear and bicubic "
                         f"interpolation, not {interpolation}")
    antialias = antialias and interpolation in ("bilinear", "bicubic")
    out_dtype = img.dtype
    x = img if out_dtype.is_floating_point else img.to(float32)
    h, w = x.shape[-2:]
    rows = _const(resample_matrix(h, size[0], interpolation, antialias), x)
    cols = _const(resample_matrix(w, size[1], interpolation, antialias).T, x)
    out = rows.matmul(x).matmul(cols)
    if not out_dtype.is_floating_point:
        if interpolation == "bicubic" and out_dtype.np == np.uint8:
            out = out.clamp(0, 255)  # cubic overshoots
        out = out.round().to(out_dtype)
    return out


def rotate(img: Tensor, matrix: list[float], interpolation: str = "nearest",
           expand: bool = False, fill: list[float] | None = None) -> Tensor:
    """Apply the inverse affine ``matrix`` (output pixel -> input pixel, both measured from
    the image centre), sampling as ``grid_sample(align_corners=False)``. With ``fill``, pixels
    from outside the image take that colour (blended at the border for bilinear)."""
    _assert_image_tensor(img)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    arr = _array(img)
    out_dtype = arr.dtype
    x = arr if arr.dtype.kind == "f" else arr.astype(np.float32)
    squeeze = x.ndim == 2
    if squeeze:
        x = x[None]
    h, w = x.shape[-2:]
    ow, oh = affine_output_size(matrix, w, h) if expand else (w, h)
    gx, gy = np.meshgrid(np.arange(ow) - ow * 0.5 + 0.5, np.arange(oh) - oh * 0.5 + 0.5)
    sx = matrix[0] * gx + matrix[1] * gy + matrix[2] + w * 0.5 - 0.5
    sy = matrix[3] * gx + matrix[4] * gy + matrix[5] + h * 0.5 - 0.5
    out = grid_sample(x, sx, sy, interpolation)
    if fill is not None:
        mask = grid_sample(np.ones((1, h, w), dtype=x.dtype), sx, sy, interpolation)
        colour = np.asarray(fill, dtype=x.dtype).reshape(-1, 1, 1)
        if interpolation == "nearest":
            out = np.where(mask < 0.5, colour, out)
        else:
            out = out * mask + (1.0 - mask) * colour
    if squeeze:
        out = out[0]
    if out_dtype.kind != "f":
        out = np.round(out)
    return _like(out.astype(out_dtype), img)


# ----------------------------------------------------------------------------- colour
def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """L = 0.2989 R + 0.587 G + 0.114 B (truncated back to an integer dtype)."""
    if img.dim() < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.dim()}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        gray = img.clone()
    return gray.expand(img.shape) if num_output_channels == 3 else gray


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    dtype = img.dtype if img.dtype.is_floating_point else float32
    gray = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    mean = gray.to(dtype).mean(dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img: np.ndarray) -> np.ndarray:
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc  # grey pixels: hue and saturation are 0 (and avoid 0/0)
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_divisor = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_divisor, (maxc - g) / cr_divisor, (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack((h, s, maxc), axis=-3)


def _hsv2rgb(img: np.ndarray) -> np.ndarray:
    h, s, v = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    sector = (i[..., None, :, :] == np.arange(6).reshape(-1, 1, 1)).astype(img.dtype)
    table = np.stack((np.stack((v, q, p, p, t, v), axis=-3),   # R in each of the 6 sectors
                      np.stack((t, v, v, q, p, p), axis=-3),   # G
                      np.stack((p, p, t, v, v, q), axis=-3)),  # B
                     axis=-4)
    return np.einsum("...ijk,...xijk->...xjk", sector, table)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig_dtype = img.dtype
    x = _array(convert_image_dtype(img, float32).detach())
    hsv = _rgb2hsv(x)
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + hue_factor) % 1.0
    out = _like(_hsv2rgb(hsv), img)
    return convert_image_dtype(out, orig_dtype)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor,
          inplace: bool = False) -> Tensor:
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img

