"""``autograd_lab.cuda``: the GPU, as ``torch.cuda``.

The GPU is reached through CuPy, which only ``backend.py`` imports; these functions ask it.
Without CuPy or without a GPU, ``is_available()`` is False and never raises, and each function
does what PyTorch's CPU-only build does: the bookkeeping ones return 0 (``memory_allocated``,
``device_count``) or nothing (``empty_cache``, ``manual_seed``); the ones that need a GPU raise
a ``RuntimeError`` that says how to get one (PyTorch raises ``AssertionError: Torch not
compiled with CUDA enabled`` there).

Timing GPU work needs events, because kernels run asynchronously: Python gets control back
as soon as a kernel is queued.

Example:
    >>> start, end = autograd_lab.cuda.Event(enable_timing=True), \\
    ...     autograd_lab.cuda.Event(enable_timing=True)
    >>> start.record(); y = x @ x; end.record()
    >>> end.synchronize(); start.elapsed_time(end)   # milliseconds
    0.52
"""

from __future__ import annotations

from typing import Any

from . import backend
from .backend import cuda_device_count, cuda_is_available

__all__ = ["is_available", "device_count", "current_device", "set_device", "get_device_name",
           "get_device_capability", "get_device_properties", "synchronize", "manual_seed",
           "manual_seed_all", "is_initialized", "init", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats", "empty_cache",
           "Event", "device"]

DeviceLike = Any  # an int index, "cuda:1", a device, or None for the current GPU


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU. Never raises."""
    return cuda_is_available()


def device_count() -> int:
    """How many GPUs CuPy sees (0 without CuPy or a GPU)."""
    return cuda_device_count()


def is_initialized() -> bool:
    """True once the GPU can be used (PyTorch initialises lazily; CuPy on first probe)."""
    return cuda_is_available()


def init() -> None:
    """Initialise the GPU (a no-op with one: CuPy starts lazily). Raises without a GPU."""
    if not cuda_is_available():
        raise RuntimeError(backend._NO_CUDA)


def _index(device: DeviceLike, optional: bool = True) -> int:
    """A GPU index from ``device`` (PyTorch's ``_get_device_index``); None is the current GPU."""
    if isinstance(device, str | backend.device):
        d = backend.device(device)
        if d.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {d}")
        device = d.index
    if device is None:
        if not optional:
            raise ValueError("Expected a cuda device with a specified index or an integer, "
                             "but got:None")
        return backend.cuda_current_device()
    if not cuda_is_available():
        raise RuntimeError(backend._NO_CUDA)
    if not 0 <= device < cuda_device_count():
        raise RuntimeError(f"CUDA error: invalid device ordinal (cuda:{device} requested, "
                           f"{cuda_device_count()} device(s) available)")
    return int(device)


def current_device() -> int:
    """The index of the current GPU: where ``device="cuda"`` puts tensors."""
    return backend.cuda_current_device()


def set_device(device: DeviceLike) -> None:
    """Make ``device`` the current GPU. A negative index is ignored, as in PyTorch.

    Ops run on the current GPU: create tensors after choosing it (ops do not switch GPUs to
    follow their inputs).
    """
    if isinstance(device, int) and device < 0:
        return
    backend.cuda_set_device(_index(device))


def synchronize(device: DeviceLike = None) -> None:
    """Wait until the GPU has finished all its queued work (kernels run asynchronously)."""
    backend.cuda_synchronize(_index(device))


def get_device_properties(device: DeviceLike = None) -> _CudaDeviceProperties:
    """Name, compute capability, total memory (bytes) and streaming-multiprocessor count."""
    return _CudaDeviceProperties(**backend.cuda_device_properties(_index(device)))


def get_device_name(device: DeviceLike = None) -> str:
    """The GPU's name, e.g. ``'NVIDIA H100 80GB HBM3'``."""
    return get_device_properties(device).name


def get_device_capability(device: DeviceLike = None) -> tuple[int, int]:
    """The compute capability ``(major, minor)``, e.g. ``(9, 0)`` for an H100."""
    props = get_device_properties(device)
    return props.major, props.minor


class _CudaDeviceProperties:
    """What :func:`get_device_properties` returns (a subset of PyTorch's fields)."""

    def __init__(self, name: str, major: int, minor: int, total_memory: int,
                 multi_processor_count: int) -> None:
        self.name, self.major, self.minor = name, major, minor
        self.total_memory, self.multi_processor_count = total_memory, multi_processor_count

    def __repr__(self) -> str:
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, "
                f"minor={self.minor}, total_memory={self.total_memory // 2**20}MB, "
                f"multi_processor_count={self.multi_processor_count})")


# ----------------------------------------------------------------------------- random numbers
def manual_seed(seed: int) -> None:
    """Seed the random numbers of GPU tensors.

    autograd_lab draws every random number with one generator on the CPU (so a seed gives
    the same numbers on CPU and GPU), and copies GPU tensors' values over. With a GPU this
    seeds that generator (``autograd_lab.manual_seed`` does the same); without one it does
    nothing, as in PyTorch's CPU build, so CPU programs are unaffected.
    """
    if cuda_is_available():
        from ._random import manual_seed as _seed

        _seed(seed)


def manual_seed_all(seed: int) -> None:
    """:func:`manual_seed` (one generator serves every GPU)."""
    manual_seed(seed)


# ----------------------------------------------------------------------------- memory
def memory_allocated(device: DeviceLike = None) -> int:
    """Bytes of GPU memory held by tensors now (0 without a GPU).

    Freed tensors give their memory back to CuPy's pool, not to the driver: see
    :func:`memory_reserved` and :func:`empty_cache`.
    """
    return backend.cuda_memory(_index(device))[0] if cuda_is_available() else 0


def max_memory_allocated(device: DeviceLike = None) -> int:
    """The most bytes held by tensors at once since the start or the last
    :func:`reset_peak_memory_stats` (0 without a GPU)."""
    return backend.cuda_memory(_index(device))[2] if cuda_is_available() else 0


def memory_reserved(device: DeviceLike = None) -> int:
    """Bytes the memory pool holds from the driver: in use plus cached for reuse."""
    return backend.cuda_memory(_index(device))[1] if cuda_is_available() else 0


def reset_peak_memory_stats(device: DeviceLike = None) -> None:
    """Start :func:`max_memory_allocated` again from what is in use now."""
    backend.cuda_reset_peak(_index(device))


def empty_cache() -> None:
    """Return the cached, unused GPU (and pinned host) memory to the driver, so other programs
    (and ``nvidia-smi``) see it free. Tensors still alive keep theirs. A no-op without a GPU."""
    if cuda_is_available():
        backend.cuda_empty_cache()


# ----------------------------------------------------------------------------- events
class Event:
    """A marker in the GPU's queue of work: ``record()`` it, and it completes when the GPU has
    done everything queued before it. Two timing events measure GPU time.

    Args:
        enable_timing: the event records a time stamp (needed for :meth:`elapsed_time`).
        blocking: :meth:`synchronize` sleeps instead of spinning.
        interprocess: accepted (CuPy can share events between processes).

    Example:
        >>> start, end = Event(enable_timing=True), Event(enable_timing=True)
        >>> start.record(); out = model(x); end.record()
        >>> end.synchronize()
        >>> start.elapsed_time(end)  # milliseconds of GPU time between the two
    """

    def __init__(self, enable_timing: bool = False, blocking: bool = False,
                 interprocess: bool = False) -> None:
        self._event = backend.cuda_event(enable_timing, blocking, interprocess)
        self._recorded = False

    def record(self, stream: Any = None) -> None:
        """Put the marker in the queue of ``stream`` (the current stream by default)."""
        self._event.record(stream)
        self._recorded = True

    def wait(self, stream: Any = None) -> None:
        """Make ``stream``'s later work wait for this event (the current stream by default);
        the GPU waits, not Python."""
        (stream or backend.cuda_current_stream()).wait_event(self._event)

    def query(self) -> bool:
        """True if the work queued before the event has completed (True if never recorded)."""
        return self._event.done

    def synchronize(self) -> None:
        """Wait on the host until the event has completed."""
        self._event.synchronize()

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds of GPU time from this event to ``end_event`` (both recorded and
        completed)."""
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return backend.cuda_elapsed_ms(self._event, end_event._event)

    def __repr__(self) -> str:
        return f"<autograd_lab.cuda.Event {self._event.ptr:#x}>"


class device:  # noqa: N801 - PyTorch's name
    """Context manager that makes ``device`` the current GPU inside a ``with`` block.

    Example:
        >>> with autograd_lab.cuda.device(1):
        ...     x = autograd_lab.ones(3, device="cuda")   # on cuda:1
    """

    def __init__(self, device: DeviceLike) -> None:
        self.idx = -1 if device is None else device
        self.prev_idx = -1

    def __enter__(self) -> None:
        if isinstance(self.idx, int) and self.idx < 0:
            return
        self.prev_idx = current_device()
        set_device(self.idx)

    def __exit__(self, *exc: Any) -> None:
        if self.prev_idx >= 0:
            set_device(self.prev_idx)
