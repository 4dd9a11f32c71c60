"""``autograd_lab.cuda``: GPU availability (CuPy), as ``torch.cuda``."""

from __future__ import annotations

from .backend import cuda_device_count, cuda_is_available

__all__ = ["is_available", "device_count", "current_device", "manual_seed", "manual_seed_all",
           "synchronize"]


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU. Never raises."""
    return cuda_is_available()


def device_count() -> int:
    return cuda_device_count()


def current_device() -> int:
    if not cuda_is_available():
        raise RuntimeError("CUDA is not available: install CuPy (pip install -e \".[gpu]\") on "
                           "a machine with an NVIDIA GPU")
    return 0


def manual_seed(seed: int) -> None:
    """Seed the GPU generator: values are drawn on the CPU generator, so this seeds that one."""
    from ._random import manual_seed as _seed

    _seed(seed)


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    if cuda_is_available():
        from .backend import _cupy

        _cupy().cuda.Device().synchronize()
