"""What the model builders share: torchvision's ``weights=`` argument, which here only accepts
``None``, and the deprecated ``pretrained=`` argument."""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["check_weights"]


def check_weights(name: str, weights: Any, kwargs: dict[str, Any]) -> None:
    """Refuse pretrained weights with a message that says how to load them from a local file.

    torchvision downloads ``weights`` from the internet; autograd_lab never downloads
    checkpoints (the course runs offline, and a checkpoint is a few hundred MB), but it reads
    torchvision's ``.pth`` files, so a file already on disk loads with ``load_state_dict``.

    ``kwargs`` is the builder's ``**kwargs``: a legacy ``pretrained=`` is removed from it (with
    torchvision's deprecation warning), and ``pretrained=True`` counts as asking for weights.
    """
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        # stacklevel 4: check_weights <- _resnet/_vgg <- resnet18() <- the user's line
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in "
                      "the future, please use 'weights' instead.", UserWarning, stacklevel=4)
        if pretrained and weights is None:
            weights = "DEFAULT"
    if weights is None:
        return
    raise NotImplementedError(
        f"{name}(weights={weights!r}): autograd_lab does not download pretrained weights. "
        f"Build the model with weights=None and load a torchvision checkpoint from disk:\n"
        f"    model = {name}()\n"
        f"    model.load_state_dict(autograd_lab.load('{name}-<hash>.pth', map_location='cpu'))\n"
        f"torchvision keeps the files it downloaded in ~/.cache/torch/hub/checkpoints/; "
        f"with PyTorch, torch.save(torchvision.models.{name}(weights=...).state_dict(), path) "
        f"writes one. (autograd_lab.load refuses PyTorch's legacy non-zip format: re-save such "
        f"a file with torch.save(torch.load(path), new_path).)")
