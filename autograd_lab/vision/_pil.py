"""Pillow, imported on first use: ``import autograd_lab`` (and ``autograd_lab.vision``) must work
without it, and a learner without Pillow gets an error that says what to install."""

from __future__ import annotations

import sys
from typing import Any

_INSTALL = ("autograd_lab.vision needs Pillow for images (and tqdm for download progress): "
            "pip install 'autograd_lab[vision]'")


def pil_image() -> Any:
    """The ``PIL.Image`` module, or an ImportError naming the extra to install."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(_INSTALL) from e
    return Image


def is_pil_image(obj: Any) -> bool:
    """Whether ``obj`` is a PIL image, without importing Pillow (no Pillow: it can't be one)."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(obj, module.Image)


def tqdm_class() -> Any:
    """``tqdm.tqdm``, or the same ImportError as Pillow (both come with the vision extra)."""
    try:
        from tqdm.auto import tqdm
    except ImportError as e:
        raise ImportError(_INSTALL) from e
    return tqdm
