"""Transform classes: conversions, normalisation, colour, erasing (``_geometry`` has the rest).

A transform is a callable object: its arguments are fixed when it is built, and each call
applies it to one image (PIL or Tensor). The random ones draw their parameters from
autograd_lab's default generator, so ``autograd_lab.manual_seed(s)`` repeats them.

Example:
    >>> transform = Compose([ToTensor(), Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    >>> print(transform)
    Compose(
        ToTensor()
        Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    )
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..._creation import empty, rand, randint, randperm, tensor
from ..._dtype import dtype as Dtype
from ..._dtype import float32
from ..._tensor import Tensor
from . import functional as F

__all__ = ["Compose", "ToTensor", "PILToTensor", "ConvertImageDtype", "ToPILImage",
           "Normalize", "Lambda", "Grayscale", "ColorJitter", "RandomErasing"]


class _Transform:
    """Calling a transform runs its ``forward`` (subclasses may override either, as with
    torchvision's transforms, which are ``nn.Module``\\ s)."""

    def __call__(self, img: Any) -> Any:
        return self.forward(img)

    def forward(self, img: Any) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class Compose:
    """Apply several transforms one after the other.

    Args:
        transforms: the transforms, in order.

    Example:
        >>> Compose([CenterCrop(10), PILToTensor(), ConvertImageDtype(autograd_lab.float)])
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = [f"    {t}" for t in self.transforms]
        return "\n".join([self.__class__.__name__ + "(", *lines, ")"])


class ToTensor:
    """A PIL image or HWC ndarray in [0, 255] -> a float CHW Tensor in [0, 1].

    Only uint8 data (PIL modes L, LA, P, I, F, RGB, YCbCr, RGBA, CMYK, 1) is scaled by 1/255;
    other dtypes keep their values.

    Example:
        >>> ToTensor()(Image.new("RGB", (4, 2), (255, 0, 51)))[:, 0, 0]
        tensor([1.0000, 0.0000, 0.2000])
    """

    def __call__(self, pic: Any) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class PILToTensor:
    """A PIL image -> a CHW Tensor of the same dtype and values (uint8 stays 0..255)."""

    def __call__(self, pic: Any) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class ConvertImageDtype(_Transform):
    """Convert a Tensor image to ``dtype``, rescaling (uint8 255 <-> float 1.0).

    Example:
        >>> ConvertImageDtype(autograd_lab.float32)(autograd_lab.tensor([[[255]]],
        ...     dtype=autograd_lab.uint8))
        tensor([[[1.]]])
    """

    def __init__(self, dtype: Dtype) -> None:
        self.dtype = dtype

    def forward(self, image: Tensor) -> Tensor:
        return F.convert_image_dtype(image, self.dtype)


class ToPILImage:
    """A CHW Tensor or HWC ndarray -> a PIL image (floats in [0, 1] are scaled by 255).

    Args:
        mode: the PIL mode; by default inferred (1 channel: L, 2: LA, 3: RGB, 4: RGBA).
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(" + (f"mode={self.mode}" if self.mode else "") + ")"


class Normalize(_Transform):
    """output[c] = (input[c] - mean[c]) / std[c] for each channel of a float Tensor image.

    Args:
        mean: one mean per channel.
        std: one standard deviation per channel.
        inplace: overwrite the input tensor instead of returning a new one.

    Example:
        >>> Normalize((0.5,), (0.5,))(autograd_lab.ones(1, 1, 2))
        tensor([[[1., 1.]]])
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor: Tensor) -> Tensor:
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function as a transform.

    Example:
        >>> Lambda(lambda x: x * 2)(3)
        6
    """

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class Grayscale(_Transform):
    """Convert to greyscale: L = 0.299 R + 0.587 G + 0.114 B, as 1 channel or repeated in 3.

    Example:
        >>> Grayscale(num_output_channels=3)(img).mode
        'RGB'
    """

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def forward(self, img: Any) -> Any:
        return F.rgb_to_grayscale(img, num_output_channels=self.num_output_channels)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_output_channels={self.num_output_channels})"


class ColorJitter(_Transform):
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Each argument is a number x (factor drawn from [max(0, 1 - x), 1 + x], hue from [-x, x])
    or a (min, max) pair; 0 leaves that property alone.

    Args:
        brightness: how much to jitter brightness (non-negative).
        contrast: how much to jitter contrast.
        saturation: how much to jitter saturation.
        hue: how much to jitter hue, at most 0.5 (a half turn).

    Example:
        >>> ColorJitter(brightness=0.4, hue=0.1)
        ColorJitter(brightness=(0.6, 1.4), contrast=None, saturation=None, hue=(-0.1, 0.1))
    """

    def __init__(self, brightness: float | Sequence[float] = 0,
                 contrast: float | Sequence[float] = 0, saturation: float | Sequence[float] = 0,
                 hue: float | Sequence[float] = 0) -> None:
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5),
                                     clip_first_on_zero=False)

    @staticmethod
    def _check_input(value: Any, name: str, center: float = 1,
                     bound: tuple[float, float] = (0, float("inf")),
                     clip_first_on_zero: bool = True) -> tuple[float, float] | None:
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, tuple | list) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        if value[0] == value[1] == center:
            return None  # no change: skip it (and its random draw stays out of the way)
        return tuple(value)

    @staticmethod
    def get_params(brightness: tuple[float, float] | None, contrast: tuple[float, float] | None,
                   saturation: tuple[float, float] | None, hue: tuple[float, float] | None
                   ) -> tuple[Tensor, float | None, float | None, float | None, float | None]:
        """The order of the four adjustments and each factor (None: not applied)."""
        fn_idx = randperm(4)
        b = None if brightness is None else empty(1).uniform_(*brightness).item()
        c = None if contrast is None else empty(1).uniform_(*contrast).item()
        s = None if saturation is None else empty(1).uniform_(*saturation).item()
        h = None if hue is None else empty(1).uniform_(*hue).item()
        return fn_idx, b, c, s, h

    def forward(self, img: Any) -> Any:
        fn_idx, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation,
                                             self.hue)
        for fn_id in fn_idx.tolist():
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(brightness={self.brightness}, contrast="
                f"{self.contrast}, saturation={self.saturation}, hue={self.hue})")


class RandomErasing(_Transform):
    """With probability ``p``, erase a random box of a Tensor image (Zhong et al., 2017).

    The box covers a fraction of the area drawn from ``scale`` with an aspect ratio drawn
    log-uniformly from ``ratio``; it is filled with ``value``: a number, one value per
    channel, or ``"random"`` (standard normal noise).

    Args:
        p: probability of erasing.
        scale: range of the erased area, as a fraction of the image.
        ratio: range of the box's aspect ratio (h / w).
        value: the fill.
        inplace: modify the input tensor.

    Example:
        >>> RandomErasing(p=1.0, value="random")(autograd_lab.zeros(3, 32, 32)).shape
        autograd_lab.Size([3, 32, 32])
    """

    def __init__(self, p: float = 0.5, scale: Sequence[float] = (0.02, 0.33),
                 ratio: Sequence[float] = (0.3, 3.3), value: Any = 0,
                 inplace: bool = False) -> None:
        if not isinstance(value, numbers.Number | str | tuple | list):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace

    @staticmethod
    def get_params(img: Tensor, scale: Sequence[float], ratio: Sequence[float],
                   value: list[float] | None = None) -> tuple[int, int, int, int, Tensor]:
        """(top, left, h, w, fill) of the box; 10 tries, then the whole image unchanged."""
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * empty(1).uniform_(scale[0], scale[1]).item()
            aspect_ratio = math.exp(empty(1).uniform_(*log_ratio).item())
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = empty([img_c, h, w], dtype=float32).normal_()
            else:
                v = tensor(value)[:, None, None]
            i = randint(0, img_h - h + 1, size=(1,)).item()
            j = randint(0, img_w - w + 1, size=(1,)).item()
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def forward(self, img: Tensor) -> Tensor:
        if not isinstance(img, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(img)}")
        if rand(1).item() < self.p:
            if isinstance(self.value, int | float):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise ValueError("If value is a sequence, it should have either a single value "
                                 f"or {img.shape[-3]} (number of input channels)")
            x, y, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
            return F.erase(img, x, y, h, w, v, self.inplace)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
                f"value={self.value}, inplace={self.inplace})")
