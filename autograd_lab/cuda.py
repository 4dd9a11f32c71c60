"""``autograd_lab.cuda``: GPU availability, as ``torch.cuda``.

The GPU is reached through CuPy, which only ``backend.py`` imports; these functions ask it.
Without CuPy or without a GPU, ``is_available()`` is False and never raises.
"""

from __future__ import annotations

from . import backend
from .backend import cuda_device_count, cuda_is_available

__all__ = ["is_available", "device_count", "current_device", "manual_seed", "manual_seed_all",
           "synchronize"]


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU. Never raises."""
    return cuda_is_available()


def device_count() -> int:
    """How many GPUs CuPy sees (0 without CuPy or a GPU)."""
    return cuda_device_count()


def current_device() -> int:
    """The index of the current GPU (always 0 here: autograd_lab does not switch GPUs)."""
    if not cuda_is_available():
        raise RuntimeError(backend._NO_CUDA)
    return 0


def manual_seed(seed: int) -> None:
    """Seed the GPU generator: values are drawn on the CPU generator, so this seeds that one."""
    from ._random import manual_seed as _seed

    _seed(seed)


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    """Wait until the GPU has finished its queued work (a no-op without a GPU)."""
    if cuda_is_available():
        backend.synchronize(None if device is None else backend.device(device).index)
