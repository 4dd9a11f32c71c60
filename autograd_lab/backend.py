"""Devices and their array modules: ``cpu`` computes with NumPy, ``cuda`` with CuPy.

This is the only module that imports CuPy. Ops never ask "am I on the GPU?": they ask a
tensor's device for its array module (``xp``) and call ``xp.exp``, ``xp.matmul``, ... The few
places where NumPy and CuPy really differ live here as small functions.
"""

from __future__ import annotations

import functools
import importlib

import numpy as np

__all__ = ["device", "array_module", "to_numpy", "cuda_is_available", "cuda_device_count"]


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor's values live: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``.

    Example:
        >>> device("cuda:0")
        device(type='cuda', index=0)
        >>> str(device("cpu"))
        'cpu'
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None):  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        elif ":" in type:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed "
                    f"explicitly: {type}"
                )
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type
            )
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


CPU = device("cpu")


def canonical_device(d) -> device:
    """The concrete device a tensor lives on: ``"cuda"`` means ``cuda:0``, ``"cpu"`` has no index.

    Raises a clear error when CUDA is asked for on a machine without CuPy or a GPU.
    """
    if d is None:
        return CPU
    if not isinstance(d, device):
        d = device(d)
    if d.type == "cpu":
        return CPU
    if not cuda_is_available():
        raise RuntimeError(
            "CUDA is not available: autograd_lab runs on the GPU through CuPy. Install it with "
            "`pip install -e \".[gpu]\"` (cupy-cuda12x) on a machine with an NVIDIA GPU, or keep "
            "tensors on the CPU (device='cpu'). `autograd_lab.cuda.is_available()` tells which."
        )
    index = d.index or 0
    if index >= cuda_device_count():
        raise RuntimeError(
            f"CUDA error: invalid device ordinal (cuda:{index} requested, "
            f"{cuda_device_count()} device(s) available)"
        )
    return device("cuda", index)


@functools.cache
def _cupy():
    """CuPy if it imports and sees a GPU, else None. Cached: probing the driver is slow."""
    try:
        cupy = importlib.import_module("cupy")
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:  # noqa: BLE001 - any failure means "no usable GPU", never an exception
        return None
    return None


def cuda_is_available() -> bool:
    """True when CuPy imports and finds at least one GPU; never raises."""
    return _cupy() is not None


def cuda_device_count() -> int:
    cupy = _cupy()
    return 0 if cupy is None else cupy.cuda.runtime.getDeviceCount()


def array_module(d: device):
    """NumPy for the CPU, CuPy for CUDA devices."""
    if d.type == "cpu":
        return np
    return _cupy()


def device_of_array(arr) -> device:
    """The device an ndarray lives on (NumPy -> cpu, CuPy -> cuda:N)."""
    if isinstance(arr, np.ndarray):
        return CPU
    dev = getattr(arr, "device", None)
    if dev is not None and hasattr(dev, "id"):
        return device("cuda", dev.id)
    return CPU


def to_numpy(arr) -> np.ndarray:
    """A NumPy view (CPU) or copy (GPU) of an ndarray."""
    if isinstance(arr, np.ndarray):
        return arr
    get = getattr(arr, "get", None)
    return get() if get is not None else np.asarray(arr)


def to_device(arr, d: device):
    """Copy ``arr`` onto device ``d`` (no copy if it is already there)."""
    if d.type == "cpu":
        return to_numpy(arr)
    cupy = _cupy()
    with cupy.cuda.Device(d.index or 0):
        return cupy.asarray(arr)


def scatter_add(xp, target, index, values) -> None:
    """``target[index] += values`` with repeated indices accumulating (NumPy: ``np.add.at``)."""
    if xp is np:
        np.add.at(target, index, values)
    else:
        xp.add.at(target, index, values)  # cupy implements add.at with atomics
