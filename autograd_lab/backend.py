"""Devices and their array modules: ``cpu`` computes with NumPy, ``cuda`` with CuPy.

This is the only module that imports CuPy. Ops never ask "am I on the GPU?": they ask a
tensor's device for its array module (``xp``) and call ``xp.exp``, ``xp.matmul``, ... The few
places where NumPy and CuPy really differ live here as small functions.
"""

from __future__ import annotations

import functools
import importlib
import os
import re

import numpy as np

from . import _deterministic

__all__ = ["device", "array_module", "to_numpy", "to_device", "cuda_is_available",
           "cuda_device_count", "scatter_add", "kernel"]


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
    "`pip install -e \".[gpu]\"` (cupy-cuda12x; \".[gpu-cuda13]\" for a CUDA 13 driver) on a "
    "machine with an NVIDIA GPU, or keep tensors on the CPU (device='cpu'). "
    "`autograd_lab.cuda.is_available()` tells which."
)


def canonical_device(d) -> device:
    """The concrete device a tensor lives on: ``"cuda"`` means the current GPU (``cuda:0``
    unless ``autograd_lab.cuda.set_device`` chose another), ``"cpu"`` has no index.

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
    cupy = _require_cupy()
    index = cupy.cuda.runtime.getDevice() if d.index is None else d.index
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
            _track_peak_memory(cupy)
            return cupy
    except Exception:  # noqa: BLE001 - any failure means "no usable GPU", never an exception
        return None
    return None


def _require_cupy():
    """CuPy, or the RuntimeError that says how to get a GPU."""
    cupy = _cupy()
    if cupy is None:
        raise RuntimeError(_NO_CUDA)
    return cupy


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
    return _require_cupy()


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


def to_device(arr, d: device, non_blocking: bool = False):
    """Copy ``arr`` onto device ``d`` (no copy if it is already there).

    ``non_blocking`` makes a host-to-GPU copy asynchronous (queued on the current stream) when
    ``arr`` is in pinned memory, as in PyTorch; from ordinary memory the copy waits anyway.
    GPU-to-host copies always wait, so the NumPy array is complete when this returns.
    """
    if d.type == "cpu":
        return to_numpy(arr)
    cupy = _require_cupy()
    index = d.index or 0
    with cupy.cuda.Device(index):
        if isinstance(arr, np.ndarray):
            if not non_blocking or arr.size == 0:
                return cupy.asarray(arr)
            out = cupy.empty(arr.shape, arr.dtype)
            out.set(np.ascontiguousarray(arr), stream=cupy.cuda.get_current_stream())
            return out
        if not isinstance(arr, cupy.ndarray):
            return cupy.asarray(arr)
        # copy() makes the copy on the current device, reading peer memory if needed
        return arr if arr.device.id == index else arr.copy()


# CuPy's scatter kernels (``add.at``, ``maximum.at``, ...) use atomics, which exist only for
# some dtypes; the other cases go through the CPU: exact, but a round trip over PCIe.
_GPU_AT = {"add": frozenset({"float16", "float32", "float64", "int32", "uint32", "uint64"}),
           "maximum": frozenset({"float32", "float64", "int32", "uint32", "uint64"}),
           "minimum": frozenset({"float32", "float64", "int32", "uint32", "uint64"}),
           "multiply": frozenset()}


def ufunc_at(xp, name: str, target, index, values) -> None:
    """``target[index] = op(target[index], values)`` with repeated indices all applied, for
    ``name`` in add, multiply, maximum, minimum (NumPy's ``np.<name>.at``).

    On the GPU, float additions from atomics land in a different order on each run; under
    ``use_deterministic_algorithms(True)`` they are done on the CPU instead, in index order.
    """
    if xp is np:
        getattr(np, name).at(target, index, values)
        return
    kind = target.dtype.name
    if name == "add" and kind == "int64":  # two's complement: uint64 addition, same bits
        xp.add.at(target.view(np.uint64), index,
                  xp.asarray(values, dtype=np.int64).view(np.uint64))
    elif kind in _GPU_AT[name] and not (_deterministic._state["enabled"] and
                                        target.dtype.kind == "f" and name == "add"):
        getattr(xp, name).at(target, index, values)
    else:
        host = to_numpy(target)
        idx = tuple(_host_index(i) for i in index) if isinstance(index, tuple) \
            else _host_index(index)
        getattr(np, name).at(host, idx, _host_index(values))
        target[...] = xp.asarray(host)


def _host_index(x):
    return x if isinstance(x, slice | int | float | np.ndarray) or x is None else to_numpy(x)


def scatter_add(xp, target, index, values) -> None:
    """``target[index] += values`` with repeated indices accumulating (NumPy: ``np.add.at``)."""
    ufunc_at(xp, "add", target, index, values)


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


# ----------------------------------------------------------------------------- CUDA runtime
# What ``autograd_lab.cuda`` reports. Each function needs a GPU (``_require_cupy`` raises the
# message that says how to get one); ``cuda.py`` decides what to return without one.
_PEAK: dict[int, int] = {}  # GPU index -> most bytes in use at once since the last reset


def _track_peak_memory(cupy) -> None:
    """Route CuPy's allocations through a wrapper that records the peak in use per GPU.

    CuPy's memory pool knows what is in use now, not the maximum so far, which is what
    ``max_memory_allocated`` reports; one Python call per allocation is the price.
    """
    pool = cupy.get_default_memory_pool()

    def malloc(size: int):
        mem = pool.malloc(size)
        used = pool.used_bytes()
        if used > _PEAK.get(mem.device_id, 0):
            _PEAK[mem.device_id] = used
        return mem

    cupy.cuda.set_allocator(malloc)


def cuda_current_device() -> int:
    return _require_cupy().cuda.runtime.getDevice()


def cuda_set_device(index: int) -> None:
    _require_cupy().cuda.runtime.setDevice(index)


def cuda_synchronize(index: int) -> None:
    """Wait until GPU ``index`` has finished all the work queued on it."""
    _require_cupy().cuda.Device(index).synchronize()


def cuda_device_properties(index: int) -> dict:
    """Name, compute capability, memory and SM count of GPU ``index``."""
    props = _require_cupy().cuda.runtime.getDeviceProperties(index)
    name = props["name"]
    return {"name": name.decode() if isinstance(name, bytes) else name,
            "major": props["major"], "minor": props["minor"],
            "total_memory": props["totalGlobalMem"],
            "multi_processor_count": props["multiProcessorCount"]}


def cuda_versions() -> dict[str, str]:
    """CuPy's version and the CUDA runtime/driver versions it runs with (for reports)."""
    cupy = _require_cupy()
    rt = cupy.cuda.runtime

    def text(v: int) -> str:
        return f"{v // 1000}.{v % 1000 // 10}"

    return {"cupy": cupy.__version__, "cuda_runtime": text(rt.runtimeGetVersion()),
            "cuda_driver": text(rt.driverGetVersion())}


def cuda_memory(index: int) -> tuple[int, int, int]:
    """(bytes held by tensors, bytes reserved by the memory pool, peak bytes held) on GPU
    ``index``. CuPy rounds each block up to 512 bytes, as PyTorch's allocator does."""
    cupy = _require_cupy()
    pool = cupy.get_default_memory_pool()
    with cupy.cuda.Device(index):
        used, total = pool.used_bytes(), pool.total_bytes()
    return used, total, max(_PEAK.get(index, 0), used)


def cuda_reset_peak(index: int) -> None:
    _PEAK[index] = cuda_memory(index)[0]


def cuda_empty_cache() -> None:
    """Give the pool's unused blocks (GPU and pinned host memory) back to the driver."""
    cupy = _require_cupy()
    cupy.get_default_memory_pool().free_all_blocks()
    cupy.get_default_pinned_memory_pool().free_all_blocks()


def cuda_current_stream():
    """The CuPy stream kernels are queued on now."""
    return _require_cupy().cuda.get_current_stream()


def cuda_event(enable_timing: bool, blocking: bool, interprocess: bool):
    """A CUDA event (a marker in a stream's queue); see ``autograd_lab.cuda.Event``."""
    return _require_cupy().cuda.Event(block=blocking, disable_timing=not enable_timing,
                                      interprocess=interprocess)


def cuda_elapsed_ms(start, end) -> float:
    """Milliseconds between two recorded events (both must have completed)."""
    return float(_require_cupy().cuda.get_elapsed_time(start, end))


def pin(arr: np.ndarray) -> np.ndarray:
    """A copy of ``arr`` in page-locked (pinned) host memory, which the GPU can read by DMA:
    copies from it can be asynchronous (``non_blocking=True``)."""
    cupy = _cupy()
    if cupy is None:  # PyTorch's CPU build says the same
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if arr.nbytes == 0:
        return arr.copy()
    mem = cupy.cuda.alloc_pinned_memory(arr.nbytes)
    out = np.frombuffer(mem, arr.dtype, arr.size).reshape(arr.shape)
    out[...] = arr
    return out


def is_pinned(arr) -> bool:
    """True if ``arr`` is a NumPy array whose memory is page-locked (False without a GPU)."""
    cupy = _cupy()
    if cupy is None or not isinstance(arr, np.ndarray) or arr.nbytes == 0:
        return False
    runtime = cupy.cuda.runtime
    attrs = runtime.pointerGetAttributes(arr.__array_interface__["data"][0])
    return attrs.type == runtime.memoryTypeHost


# ----------------------------------------------------------------------------- custom kernels
def kernel(xp, name: str):
    """The custom CUDA kernel ``name`` (see ``autograd_lab.cuda_kernels``) as a function of
    arrays of module ``xp``, or None where there is none: on NumPy, or when the environment
    variable ``AUTOGRAD_LAB_CUDA_KERNELS=0`` switches them off (to compare with the plain
    CuPy composition). Ops call it instead of asking which device they are on::

        fused = backend.kernel(xp, "adam_step")
        if fused is not None: ...
    """
    if xp is np or os.environ.get("AUTOGRAD_LAB_CUDA_KERNELS") == "0":
        return None
    from . import cuda_kernels

    return cuda_kernels.launcher(xp, name)


def nvrtc_compile(source: str, name: str = "kernel.cu", arch: str = "compute_80") -> str:
    """Compile CUDA C ``source`` to PTX with NVRTC, no GPU needed; returns the PTX text.

    Raises ``ImportError`` when CuPy or the NVRTC library is not installed (``pip install
    nvidia-cuda-nvrtc-cu12``), ``RuntimeError`` with the compiler's log on a compile error.
    """
    try:
        nvrtc = importlib.import_module("cupy_backends.cuda.libs.nvrtc")
        nvrtc.getVersion()
    except Exception as exc:  # noqa: BLE001 - a missing library shows up in several ways
        raise ImportError(f"NVRTC is not available ({type(exc).__name__}: {exc})") from exc
    prog = nvrtc.createProgram(source, name, [], [])
    try:
        try:
            nvrtc.compileProgram(prog, [f"-arch={arch}", "-std=c++17"])
        except nvrtc.NVRTCError:
            raise RuntimeError(nvrtc.getProgramLog(prog)) from None
        ptx = nvrtc.getPTX(prog)
        return ptx.decode() if isinstance(ptx, bytes) else ptx
    finally:
        nvrtc.destroyProgram(prog)
