"""``make_grid`` and ``save_image``: lay a batch of images out as one picture."""

from __future__ import annotations

import math
import os
import tempfile
from typing import IO, Any

from .._dtype import uint8
from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.join import cat, stack
from ._pil import pil_image

__all__ = ["make_grid", "save_image"]


@no_grad()
def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: tuple[float, float] | None = None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Arrange a batch of images (B, C, H, W) in a grid of ``nrow`` images per row.

    Each cell is (H + padding) x (W + padding) with the image at its bottom-right, plus one
    more ``padding`` strip at the top and left of the grid, so the result has shape
    (C, rows * (H + padding) + padding, min(nrow, B) * (W + padding) + padding) filled with
    ``pad_value`` around the images. One-channel images are repeated into 3 channels; a single
    image is returned as it is (after normalisation).

    Args:
        tensor: a 4-D batch, a list of same-size images, a 3-D image or a 2-D image.
        nrow: images per row.
        padding: the border between images, in pixels.
        normalize: shift and scale to [0, 1]: (x - low) / max(high - low, 1e-5) after
            clamping to [low, high] = ``value_range`` (default: the min and max).
        value_range: (low, high) for ``normalize``.
        scale_each: normalise each image by its own min and max.
        pad_value: the colour of the padding.

    Example:
        >>> make_grid(autograd_lab.rand(4, 3, 32, 32)).shape
        autograd_lab.Size([3, 36, 138])
    """
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list "
                                    f"containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = stack(tensor, dim=0)
    if tensor.dim() == 2:  # one image, H x W
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # one image, C x H x W
        if tensor.size(0) == 1:
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:  # one-channel images shown as grey RGB
        tensor = cat((tensor, tensor, tensor), 1)

    if normalize is True:
        tensor = tensor.clone()  # normalised in place below: never touch the caller's tensor
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")

        def norm_ip(img: Tensor, low: float, high: float) -> None:
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t: Tensor) -> None:
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:  # each image of the batch (views: normalised in place)
                norm_range(t)
        else:
            norm_range(tensor)

    if tensor.size(0) == 1:
        return tensor.squeeze(0)

    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    num_channels = tensor.size(1)
    grid = tensor.new_full((num_channels, height * ymaps + padding, width * xmaps + padding),
                           pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            top, left = y * height + padding, x * width + padding
            grid[:, top:top + height - padding, left:left + width - padding] = tensor[k]
            k += 1
    return grid


@no_grad()
def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | IO[bytes],
               format: str | None = None, **kwargs: Any) -> None:  # noqa: A002 - torchvision's
    """Save images (values in [0, 1]) as one picture file, through ``make_grid``.

    Pixels are round(255 x) clamped to [0, 255]. A path is written atomically: to a
    temporary file in the same folder, renamed when complete.

    Args:
        tensor: an image or a batch (see ``make_grid``).
        fp: a file name or a binary file object.
        format: the image format (e.g. "PNG"); by default from the file name's extension.
        **kwargs: passed to ``make_grid`` (nrow, padding, normalize, ...).

    Example:
        >>> save_image(autograd_lab.rand(16, 3, 32, 32), "samples.png", nrow=4)
    """
    grid = make_grid(tensor, **kwargs)
    # +0.5 then truncation: round to the nearest integer
    arr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", dtype=uint8)
    im = pil_image().fromarray(arr.numpy())
    if not isinstance(fp, str | os.PathLike):
        im.save(fp, format=format)
        return
    path = os.fspath(fp)
    folder, name = os.path.split(os.path.abspath(path))
    # Same extension, so Pillow picks the format from it as it would for `path`.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=os.path.splitext(name)[1], dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            im.save(f, format=format or _format_of(path))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _format_of(path: str) -> str:
    """Pillow's format name for the file's extension (what ``Image.save(path)`` would use)."""
    Image = pil_image()
    ext = os.path.splitext(path)[1].lower()
    formats = Image.registered_extensions()
    if ext not in formats:
        raise ValueError(f"unknown file extension: {ext}")
    return formats[ext]
