"""Devices and their array modules: ``cpu`` computes with NumPy, ``cuda`` with CuPy.

This is the only module that imports CuPy. Ops never ask "am I on the GPU?": they ask a
tensor's device for its array module (``xp``) and call ``xp.exp``, ``xp.matmul``, ... The few
places where NumPy and CuPy really differ live here as small functions.
"""

from __future__ import annotations

import functools
import importlib
import re

import numpy as np

__all__ = ["device", "array_module", "to_numpy", "cuda_is_available", "cuda_device_count",
           "synchronize"]


# Every device type PyTorch's parser knows, in its order (for its error message). autograd_lab
# computes only on "cpu" and "cuda"; the others make device objects but no tensors.
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")
_DEVICE_RE = re.compile(r"([a-zA-Z_]+)(?::([1-9][0-9]*|0))?")


def _type_name(obj) -> str:
    """The name PyTorch's argument parser prints for ``obj``'s type (``numpy.float64``)."""
    t = type(obj)
    if t.__module__ == "builtins" or t.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE: a class
        return t.__name__
    return f"{t.__module__}.{t.__name__}"  # a C type such as numpy.float64


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor's values live: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``.

    As in PyTorch, ``device("cuda")`` (no index: "the current GPU") is not equal to
    ``device("cuda:0")``, and a device never equals a string: ``t.device == "cpu"`` is False
    in PyTorch too. Compare ``t.device.type == "cpu"`` instead.

    Example:
        >>> device("cuda:0")
        device(type='cuda', index=0)
        >>> str(device("cuda", 1))
        'cuda:1'
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device | int, index: int | None = None):  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            # A bare index means "that index of the accelerator" (PyTorch 2.x).
            if type < 0:
                raise RuntimeError("Device index must not be negative")
            if not cuda_is_available():
                raise RuntimeError("Cannot access accelerator device when none is available.")
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got "
                f"({_type_name(type)}), but expected one of:\n * (autograd_lab.device device)\n"
                f" * (str type, int index = -1)\n"
            )
        else:
            type, index = self._parse(type, index)
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{_type_name(index)}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
        self.type = type
        self.index = index

    @staticmethod
    def _parse(text: str, index):
        if not text:
            raise RuntimeError("Device string must not be empty")
        match = _DEVICE_RE.fullmatch(text)
        if match is None:
            raise RuntimeError(f"Invalid device string: '{text}'")
        kind, idx = match.groups()
        if kind not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start "
                               f"of device string: {text}")
        if idx is not None:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {text}")
            index = int(idx)
        return kind, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented  # like PyTorch: device("cpu") == "cpu" is False
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")

_NO_CUDA = (
    "CUDA is not available: autograd_lab runs on the GPU through CuPy. Install it with "
    "`pip install -e \".[gpu]\"` (cupy-cuda12x) on a machine with an NVIDIA GPU, or keep "
    "tensors on the CPU (device='cpu'). `autograd_lab.cuda.is_available()` tells which."
)


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
    if d.type != "cuda":
        raise RuntimeError(f"autograd_lab computes only on 'cpu' (NumPy) and 'cuda' (CuPy) "
                           f"devices, not '{d.type}'")
    if not cuda_is_available():
        raise RuntimeError(_NO_CUDA)
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
    cupy = _cupy()
    if cupy is None:
        raise RuntimeError(_NO_CUDA)
    return cupy


def synchronize(index: int | None = None) -> None:
    """Wait for the work queued on a GPU (no-op without one)."""
    cupy = _cupy()
    if cupy is not None:
        cupy.cuda.Device(index or 0).synchronize()


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


def broadcast_to(xp, arr, shape: tuple):
    """A read-only broadcast view of ``arr`` with ``shape`` (stride 0 along repeated dims).

    For a contiguous NumPy array the view is built directly from the buffer, which is ~8x
    cheaper than ``np.broadcast_to``: this sits on the backward path of every reduction.
    """
    if type(arr) is not np.ndarray or not arr.flags.c_contiguous or arr.ndim > len(shape):
        return xp.broadcast_to(arr, shape)
    lead = len(shape) - arr.ndim
    strides = [0] * lead
    for size, target, st in zip(arr.shape, shape[lead:], arr.strides, strict=True):
        if size == target:
            strides.append(st)
        elif size == 1:
            strides.append(0)
        else:
            return xp.broadcast_to(arr, shape)  # let NumPy raise its error
    out = np.ndarray(shape, arr.dtype, arr, 0, tuple(strides))
    out.flags.writeable = False
    return out
