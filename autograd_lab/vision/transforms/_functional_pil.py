"""The PIL side of ``transforms.functional``: each function takes and returns a PIL image.

Pillow does the work (its resampling filters, ``ImageEnhance``, ``ImageOps``); these functions
only translate torchvision's arguments into Pillow's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._pil import is_pil_image, pil_image


def _check(img: Any) -> None:
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img: Any) -> list[int]:
    _check(img)
    width, height = img.size
    return [len(img.getbands()), height, width]


def get_image_size(img: Any) -> list[int]:
    _check(img)
    return list(img.size)


def get_image_num_channels(img: Any) -> int:
    _check(img)
    return len(img.getbands())


def hflip(img: Any) -> Any:
    _check(img)
    return img.transpose(pil_image().Transpose.FLIP_LEFT_RIGHT)


def vflip(img: Any) -> Any:
    _check(img)
    return img.transpose(pil_image().Transpose.FLIP_TOP_BOTTOM)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    # PIL fills the part of the box outside the image with zeros, like the tensor path.
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img: Any, size: Sequence[int], interpolation: int) -> Any:
    """Resize to ``size`` = [h, w] with a Pillow resampling filter (antialiased)."""
    _check(img)
    return img.resize((size[1], size[0]), interpolation)


def parse_fill(fill: Any, img: Any, name: str = "fillcolor") -> dict[str, Any]:
    """``fill`` as Pillow wants it: one int per band (floats only for mode "F")."""
    num_channels = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, int | float) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, list | tuple):
        if len(fill) == 1:
            fill = tuple(fill) * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img: Any, padding: int | Sequence[int], fill: Any = 0,
        padding_mode: str = "constant") -> Any:
    """Pad with ``fill`` (constant) or numpy.pad's edge/reflect/symmetric modes."""
    _check(img)
    Image = pil_image()
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if isinstance(padding, int):
        left = right = top = bottom = padding
    elif len(padding) == 2:
        left = right = padding[0]
        top = bottom = padding[1]
    else:
        left, top, right, bottom = padding
    palette = img.getpalette() if img.mode == "P" else None
    if padding_mode == "constant":
        from PIL import ImageOps

        out = ImageOps.expand(img, border=(left, top, right, bottom),
                              **parse_fill(fill, img, name="fill"))
    else:
        # Negative padding crops; numpy.pad does the rest (it defines the three modes).
        crop_l, crop_t, crop_r, crop_b = (max(-p, 0) for p in (left, top, right, bottom))
        if crop_l or crop_t or crop_r or crop_b:
            img = img.crop((crop_l, crop_t, img.width - crop_r, img.height - crop_b))
        left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
        arr = np.asarray(img)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
        out = Image.fromarray(np.pad(arr, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def rotate(img: Any, angle: float, interpolation: int = 0, expand: bool = False,
           center: Sequence[int] | None = None, fill: Any = None) -> Any:
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **parse_fill(fill, img))


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    from PIL import ImageEnhance

    _check(img)
    return ImageEnhance.Brightness(img).enhance(brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    from PIL import ImageEnhance

    _check(img)
    return ImageEnhance.Contrast(img).enhance(contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    from PIL import ImageEnhance

    _check(img)
    return ImageEnhance.Color(img).enhance(saturation_factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the hue channel (in HSV, 0..255 is one full turn) by ``hue_factor`` turns."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    Image = pil_image()
    if img.mode in {"L", "1", "I", "F"}:
        return img
    mode = img.mode
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    # uint8 arithmetic wraps around: exactly the rotation of the hue circle we want.
    np_h += np.array(np.int8(hue_factor * 255)).view(np.uint8)
    h = Image.fromarray(np_h, "L")
    return Image.merge("HSV", (h, s, v)).convert(mode)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Pillow's "L" conversion (ITU-R 601-2 luma); 3 channels repeat it as RGB."""
    _check(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        gray = np.array(img.convert("L"), dtype=np.uint8)
        return pil_image().fromarray(np.dstack([gray, gray, gray]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")
