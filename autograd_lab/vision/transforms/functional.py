"""The function forms of the transforms, as ``torchvision.transforms.functional``.

Each function accepts a PIL image or a Tensor image (..., C, H, W) and returns the same kind;
the PIL path lives in ``_functional_pil``, the tensor path in ``_functional_tensor``. Random
transforms draw their parameters and then call these deterministic functions.

Example:
    >>> import autograd_lab.vision.transforms.functional as F
    >>> F.hflip(autograd_lab.tensor([[[1, 2, 3]]]))
    tensor([[[3, 2, 1]]])
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np

from ..._creation import from_numpy
from ..._dtype import dtype as Dtype
from ..._dtype import float32, get_default_dtype
from ..._tensor import Tensor
from .._pil import is_pil_image, pil_image
from . import _functional_pil as F_pil
from . import _functional_tensor as F_t

__all__ = ["InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_hue",
           "adjust_saturation", "center_crop", "convert_image_dtype", "crop", "erase",
           "get_dimensions", "get_image_num_channels", "get_image_size", "hflip", "normalize",
           "pad", "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale", "rotate",
           "to_grayscale", "to_pil_image", "to_tensor", "vflip"]


class InterpolationMode(Enum):
    """How to compute pixels between pixels (torchvision's names)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    # Pillow-only filters
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's Image.Resampling values (NEAREST=0, LANCZOS=1, BILINEAR=2, BICUBIC=3, BOX=4,
# HAMMING=5), written out so that importing this module does not import Pillow.
pil_modes_mapping = {
    InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
    InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4,
    InterpolationMode.HAMMING: 5, InterpolationMode.LANCZOS: 1,
}
_FROM_PIL_INT = {v: k for k, v in pil_modes_mapping.items() if k is not
                 InterpolationMode.NEAREST_EXACT}


def _interpolation(mode: InterpolationMode | int) -> InterpolationMode:
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and mode in _FROM_PIL_INT:
        return _FROM_PIL_INT[mode]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding "
                    "Pillow integer constant")


def _is_tensor(img: Any) -> bool:
    return isinstance(img, Tensor)


# ----------------------------------------------------------------------------- sizes
def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL image or Tensor."""
    return F_t.get_dimensions(img) if _is_tensor(img) else F_pil.get_dimensions(img)


def get_image_size(img: Any) -> list[int]:
    """[width, height] (PIL's order)."""
    return F_t.get_image_size(img) if _is_tensor(img) else F_pil.get_image_size(img)


def get_image_num_channels(img: Any) -> int:
    return (F_t.get_image_num_channels(img) if _is_tensor(img)
            else F_pil.get_image_num_channels(img))


# ----------------------------------------------------------------------------- conversions
# PIL modes whose pixels aren't uint8 (np.array(pic, dtype) reads them correctly)
_MODE_TO_NPTYPE = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
                   "F": np.float32}


def to_tensor(pic: Any) -> Tensor:
    """A PIL image or HWC ndarray as a CHW Tensor; uint8 values are scaled to float [0, 1].

    x_out[c, i, j] = x_in[i, j, c] / 255 (in the default float dtype) for uint8 input;
    other dtypes keep their values.
    """
    if not (is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        arr = np.array(pic, _MODE_TO_NPTYPE.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            arr = 255 * arr
        arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    arr = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if arr.dtype == np.uint8:
        default = get_default_dtype().np
        return from_numpy(arr.astype(default) / default.type(255))
    return from_numpy(arr)


def pil_to_tensor(pic: Any) -> Tensor:
    """A PIL image as a CHW Tensor with the same values and dtype (no scaling)."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    return from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def convert_image_dtype(image: Tensor, dtype: Dtype = float32) -> Tensor:
    """Convert a Tensor image to ``dtype``, rescaling values (float: [0, 1]; int: [0, max])."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """A CHW Tensor or HWC ndarray as a PIL image. Floats are taken to be in [0, 1] and
    scaled by 255 (truncated); the mode follows from the channels and dtype unless given."""
    if isinstance(pic, Tensor):
        if pic.dim() not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.dim()} dimensions.")
        pic = pic.detach().numpy(force=True)
        if pic.ndim == 3:
            pic = pic.transpose(1, 2, 0)
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = pic[:, :, None]
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        # Through int64 so that out-of-range values wrap like PyTorch's float->uint8 cast.
        npimg = (npimg * 255).astype(np.int64).astype(np.uint8)
    channels = npimg.shape[2]
    if channels == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. "
                             f"Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return pil_image().fromarray(np.ascontiguousarray(npimg), mode=mode)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Tensor:
    """output[c] = (input[c] - mean[c]) / std[c] for a float Tensor image (..., C, H, W)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


# ----------------------------------------------------------------------------- geometry
def _compute_resized_output_size(image_size: tuple[int, int], size: Sequence[int],
                                 max_size: int | None = None) -> list[int]:
    """[h, w] after resizing: ``size`` of length 1 sets the shorter edge (keeping the aspect
    ratio, the longer edge truncated, capped at ``max_size``), of length 2 sets both."""
    if len(size) == 2:
        return [size[0], size[1]]
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested "
                             f"size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resize(img: Any, size: int | Sequence[int],
           interpolation: InterpolationMode | int = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Any:
    """Resize to ``size`` ((h, w), or the shorter edge when an int). PIL images use Pillow's
    filters (always antialiased); tensors use PyTorch's interpolation formulas."""
    interpolation = _interpolation(interpolation)
    if isinstance(size, list | tuple):
        if len(size) not in (1, 2):
            raise ValueError("Size must be an int or a 1 or 2 element tuple/list, not a "
                             f"{len(size)} element tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of "
                             "the smaller edge, i.e. size should be an int or a sequence of "
                             "length 1 in torchscript mode.")
    _, height, width = get_dimensions(img)
    size = [size] if isinstance(size, int) else list(size)
    output_size = _compute_resized_output_size((height, width), size, max_size)
    if [height, width] == output_size:
        return img
    if not _is_tensor(img):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument "
                          "antialias is ignored.", stacklevel=2)
        return F_pil.resize(img, output_size, pil_modes_mapping[interpolation])
    return F_t.resize(img, output_size, interpolation.value, antialias=bool(antialias))


def pad(img: Any, padding: int | Sequence[int], fill: Any = 0,
        padding_mode: str = "constant") -> Any:
    """Pad each border: ``padding`` is one int (all), (left/right, top/bottom) or
    (left, top, right, bottom). Modes: constant (``fill``), edge, reflect (mirror without
    the edge pixel), symmetric (mirror with it). Negative padding crops."""
    if not isinstance(padding, numbers.Number | tuple | list):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, tuple | list) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if _is_tensor(img):
        return F_t.pad(img, padding, fill, padding_mode)
    if fill is not None and not isinstance(fill, numbers.Number | tuple | list):
        raise TypeError("Got inappropriate fill arg")
    return F_pil.pad(img, padding, fill, padding_mode)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The box with top-left corner (top, left) and size (height, width); zeros outside."""
    return (F_t.crop(img, top, left, height, width) if _is_tensor(img)
            else F_pil.crop(img, top, left, height, width))


def center_crop(img: Any, output_size: int | Sequence[int]) -> Any:
    """The central (h, w) box; an image smaller than that is first padded with zeros."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, tuple | list) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


def resized_crop(img: Any, top: int, left: int, height: int, width: int,
                 size: Sequence[int],
                 interpolation: InterpolationMode | int = InterpolationMode.BILINEAR,
                 antialias: bool | None = True) -> Any:
    """``crop`` then ``resize`` to ``size``."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img: Any) -> Any:
    """Mirror left-right: out[..., j] = in[..., W-1-j]."""
    return F_t.hflip(img) if _is_tensor(img) else F_pil.hflip(img)


def vflip(img: Any) -> Any:
    """Mirror top-bottom: out[..., i, :] = in[..., H-1-i, :]."""
    return F_t.vflip(img) if _is_tensor(img) else F_pil.vflip(img)


def _get_inverse_affine_matrix(center: list[float], angle: float, translate: list[float],
                               scale: float, shear: list[float]) -> list[float]:
    """The 2x3 matrix taking output coordinates to input coordinates for
    T * C * R * S * Sh * C^-1 (rotation R by ``angle`` degrees, shear Sh, scale S, about
    ``center``, then translation T)."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    # det([[a, b], [c, d]]) == 1, so the inverse of the rotation-shear part is [[d, -b], [-c, a]]
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def rotate(img: Any, angle: float,
           interpolation: InterpolationMode | int = InterpolationMode.NEAREST,
           expand: bool = False, center: Sequence[int] | None = None,
           fill: Any = None) -> Any:
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default: the image
    centre). ``expand`` enlarges the output to hold the whole rotated image; pixels from
    outside the input get ``fill``."""
    interpolation = _interpolation(interpolation)
    if not isinstance(angle, int | float):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, list | tuple):
        raise TypeError("Argument center should be a sequence")
    if not _is_tensor(img):
        return F_pil.rotate(img, angle, pil_modes_mapping[interpolation], expand, center, fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        # pixel coordinates, translated so that (0, 0) is the image centre
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    # rotate() turns counter-clockwise; the affine matrix convention is clockwise: -angle.
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    if fill is not None and not isinstance(fill, list | tuple):
        fill = [float(fill)]
    return F_t.rotate(img, matrix, interpolation.value, expand, fill)


# ----------------------------------------------------------------------------- colour
def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Blend with black: factor 0 gives black, 1 the original, 2 twice as bright."""
    return (F_t.adjust_brightness(img, brightness_factor) if _is_tensor(img)
            else F_pil.adjust_brightness(img, brightness_factor))


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the mean grey level: 0 gives a grey image, 1 the original."""
    return (F_t.adjust_contrast(img, contrast_factor) if _is_tensor(img)
            else F_pil.adjust_contrast(img, contrast_factor))


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the greyscale image: 0 gives black and white, 1 the original."""
    return (F_t.adjust_saturation(img, saturation_factor) if _is_tensor(img)
            else F_pil.adjust_saturation(img, saturation_factor))


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space."""
    return (F_t.adjust_hue(img, hue_factor) if _is_tensor(img)
            else F_pil.adjust_hue(img, hue_factor))


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Luma L = 0.299 R + 0.587 G + 0.114 B (Pillow's "L"; tensors use 0.2989 as
    torchvision), as 1 channel or repeated into 3."""
    if _is_tensor(img):
        return F_t.rgb_to_grayscale(img, num_output_channels)
    return F_pil.to_grayscale(img, num_output_channels)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """``rgb_to_grayscale`` for PIL images only (torchvision's older name)."""
    if not is_pil_image(img):
        raise TypeError("Input should be PIL Image")
    return F_pil.to_grayscale(img, num_output_channels)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Tensor:
    """Set the box (i, j, h, w) of a Tensor image to ``v`` (a value or a broadcastable
    Tensor)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace=inplace)
