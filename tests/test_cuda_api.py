"""``autograd_lab.cuda`` and the device plumbing, on a machine without a GPU.

Three kinds of checks:

- without a GPU, each function does what PyTorch's CPU build does where that build returns
  (``memory_allocated() == 0``, ``pin_memory=True`` refused with its message, ...): compared
  with torch itself;
- where PyTorch's CPU build raises ``AssertionError: Torch not compiled with CUDA enabled``,
  we raise a ``RuntimeError`` that says what to install;
- the bookkeeping (current device, peak memory, events, pinned memory) against a *fake* CuPy
  that records what it is asked: the logic of ``cuda.py``/``backend.py`` runs, no GPU needed.
"""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest
from _outcome import assert_same

import autograd_lab as al
import autograd_lab.nn as nn
from autograd_lab import backend

NO_GPU = not al.cuda.is_available()
needs_no_gpu = pytest.mark.skipif(not NO_GPU, reason="checks the behaviour without a GPU")


@pytest.fixture
def deterministic_reset(torch=None):
    yield
    al.use_deterministic_algorithms(False)


# ----------------------------------------------------------------------------- as torch's CPU build
SAME_AS_TORCH = [
    "T.cuda.is_available()", "T.cuda.device_count()", "T.cuda.is_initialized()",
    "T.cuda.memory_allocated()", "T.cuda.memory_allocated(0)", "T.cuda.max_memory_allocated()",
    "T.cuda.memory_reserved()", "T.cuda.empty_cache()", "T.cuda.manual_seed(0)",
    "T.cuda.manual_seed_all(1)", "T.cuda.set_device(-1)", "T.cuda.set_device('cpu')",
    "T.cuda.device(0).idx",
    # pinned memory needs a GPU
    "T.ones(2).is_pinned()", "T.ones(2).pin_memory()", "T.ones(2, pin_memory=True)",
    "T.zeros(2, 3, pin_memory=True)", "T.empty(2, pin_memory=True).shape",
    "T.full((2,), 1., pin_memory=True)", "T.eye(2, pin_memory=True)",
    "T.rand(2, pin_memory=True).shape", "T.randn(2, pin_memory=True).shape",
    "T.randint(3, (2,), pin_memory=True).shape", "T.randperm(3, pin_memory=True).shape",
    "T.arange(3, pin_memory=True)", "T.linspace(0, 1, 3, pin_memory=True)",
    "T.logspace(0, 1, 3, pin_memory=True)", "T.tensor([1.], pin_memory=True)",
    "T.ones(2, pin_memory=False)",
    # non_blocking is accepted everywhere
    "T.ones(2).to('cpu', non_blocking=True)", "T.ones(2).to('cpu', T.float64, True)",
    "T.ones(2).to(T.float64, non_blocking=True)", "T.ones(2).to(T.float64, True, True)",
    "T.ones(2).to(T.ones(1, dtype=T.int64), non_blocking=True)", "T.ones(2).cuda(0)",
    # the deterministic switch
    "T.are_deterministic_algorithms_enabled()", "T.is_deterministic_algorithms_warn_only_enabled()",
    "T.use_deterministic_algorithms(1)", "T.use_deterministic_algorithms('yes')",
    "T.use_deterministic_algorithms(True, warn_only=1)", "T.use_deterministic_algorithms()",
]


@pytest.mark.torch
@needs_no_gpu
@pytest.mark.parametrize("src", SAME_AS_TORCH)
def test_without_gpu_like_torchs_cpu_build(torch, src):
    assert_same(torch, src)


@pytest.mark.torch
def test_deterministic_switch_like_torch(torch, deterministic_reset):
    try:
        for lib in (al, torch):
            lib.use_deterministic_algorithms(True, warn_only=True)
        assert al.are_deterministic_algorithms_enabled() is True
        assert al.is_deterministic_algorithms_warn_only_enabled() is True
        for lib in (al, torch):
            lib.use_deterministic_algorithms(False, warn_only=True)
        assert (al.are_deterministic_algorithms_enabled(),
                al.is_deterministic_algorithms_warn_only_enabled()) == (
            torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled()) == (False, True)
    finally:
        torch.use_deterministic_algorithms(False)
        al.use_deterministic_algorithms(False)


# ----------------------------------------------------------------------------- clear errors
NEEDS_GPU = [
    lambda: al.cuda.current_device(), lambda: al.cuda.set_device(0),
    lambda: al.cuda.set_device("cuda:0"), lambda: al.cuda.get_device_name(),
    lambda: al.cuda.get_device_name(0), lambda: al.cuda.get_device_properties(0),
    lambda: al.cuda.get_device_capability(), lambda: al.cuda.synchronize(),
    lambda: al.cuda.synchronize(0), lambda: al.cuda.reset_peak_memory_stats(),
    lambda: al.cuda.Event(), lambda: al.cuda.Event(enable_timing=True), lambda: al.cuda.init(),
    lambda: al.cuda.device(0).__enter__(), lambda: al.ones(2).cuda(non_blocking=True),
    lambda: al.ones(2).to("cuda:0", non_blocking=True), lambda: nn.Linear(2, 2).cuda(),
    lambda: nn.Linear(2, 2).to("cuda"), lambda: nn.Linear(2, 2).to("cuda", non_blocking=True),
    lambda: al.zeros(2, device="cuda"), lambda: al.full((2,), 3.0, device="cuda"),
]


@needs_no_gpu
@pytest.mark.parametrize("call", NEEDS_GPU)
def test_gpu_only_calls_say_what_to_install(call):
    with pytest.raises(RuntimeError, match=r"^CUDA is not available: .*cupy-cuda12x.*"
                                           r"autograd_lab\.cuda\.is_available\(\)"):
        call()


@needs_no_gpu
def test_cuda_manual_seed_without_gpu_leaves_the_cpu_stream_alone():
    # As in PyTorch's CPU build: seeding the (absent) GPU changes no CPU number.
    al.manual_seed(3)
    a = al.rand(4)
    al.manual_seed(3)
    al.cuda.manual_seed(99)
    al.cuda.manual_seed_all(7)
    assert al.equal(al.rand(4), a)


@needs_no_gpu
def test_dataloader_pin_memory_warns_and_yields_the_same_batches():
    data = al.arange(10.0).reshape(5, 2)
    plain = list(al.utils.data.DataLoader(data, batch_size=2))
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                         "accelerator is found"):
        pinned = list(al.utils.data.DataLoader(data, batch_size=2, pin_memory=True))
    assert len(pinned) == len(plain) == 3
    for a, b in zip(pinned, plain, strict=True):
        assert al.equal(a, b) and not a.is_pinned()


def test_module_to_with_non_blocking_keeps_parameters():
    m = nn.Linear(3, 2)
    w = m.weight
    assert m.to("cpu", non_blocking=True) is m and m.weight is w
    assert m.to(al.float64, non_blocking=True).weight.dtype == al.float64
    assert m.weight is w  # optimizers built before the move keep the right tensors


# ----------------------------------------------------------------------------- a fake CuPy
class _Pool:
    """Stands in for CuPy's MemoryPool: tracks bytes in use and held per device."""

    def __init__(self, runtime):
        self.runtime, self.used, self.held, self.freed_all = runtime, {}, {}, 0

    def malloc(self, size):
        dev = self.runtime.current
        self.used[dev] = self.used.get(dev, 0) + size
        self.held[dev] = max(self.held.get(dev, 0), self.used[dev])
        return types.SimpleNamespace(device_id=dev, size=size)

    def free(self, mem):
        self.used[mem.device_id] -= mem.size

    def used_bytes(self):
        return self.used.get(self.runtime.current, 0)

    def total_bytes(self):
        return self.held.get(self.runtime.current, 0)

    def free_all_blocks(self):
        self.freed_all += 1
        self.held = dict(self.used)


class _Runtime:
    memoryTypeHost = 1  # noqa: N815 - CuPy's names

    def __init__(self):
        self.current, self.pinned = 0, set()

    def getDeviceCount(self):  # noqa: N802
        return 2

    def getDevice(self):  # noqa: N802
        return self.current

    def setDevice(self, i):  # noqa: N802
        self.current = i

    def getDeviceProperties(self, i):  # noqa: N802
        return {"name": f"Fake GPU {i}".encode(), "major": 9, "minor": 0,
                "totalGlobalMem": 80 * 2**30, "multiProcessorCount": 132}

    def pointerGetAttributes(self, ptr):  # noqa: N802
        return types.SimpleNamespace(type=1 if ptr in self.pinned else 0)


class _Event:
    def __init__(self, block=False, disable_timing=True, interprocess=False):
        self.timing, self.recorded, self.ptr = not disable_timing, 0, 0x1234

    def record(self, stream=None):
        self.recorded += 1

    def synchronize(self):
        pass

    done = True


def _fake_cupy():
    runtime = _Runtime()
    pool, pinned_pool = _Pool(runtime), _Pool(runtime)
    synced = []

    class Device:
        def __init__(self, i=None):
            self.id = runtime.current if i is None else i

        def __enter__(self):
            self.prev = runtime.current
            runtime.current = self.id

        def __exit__(self, *exc):
            runtime.current = self.prev

        def synchronize(self):
            synced.append(self.id)

    def alloc_pinned_memory(n):
        buf = bytearray(n)
        runtime.pinned.add(np.frombuffer(buf, np.uint8).__array_interface__["data"][0])
        return buf

    waited = []
    stream = types.SimpleNamespace(wait_event=waited.append)
    cuda = types.SimpleNamespace(runtime=runtime, Device=Device, Event=_Event,
                                 get_elapsed_time=lambda a, b: 1.5,
                                 get_current_stream=lambda: stream, waited=waited,
                                 alloc_pinned_memory=alloc_pinned_memory, allocator=None)
    cuda.set_allocator = lambda f: setattr(cuda, "allocator", f)
    return types.SimpleNamespace(cuda=cuda, get_default_memory_pool=lambda: pool,
                                 get_default_pinned_memory_pool=lambda: pinned_pool,
                                 synced=synced)


@pytest.fixture
def fake_gpu(monkeypatch):
    fake = _fake_cupy()
    monkeypatch.setattr(backend, "_cupy", lambda: fake)
    monkeypatch.setattr(backend, "_PEAK", {})
    backend._track_peak_memory(fake)
    return fake


def test_fake_gpu_device_bookkeeping(fake_gpu):
    cuda = al.cuda
    assert cuda.is_available() and cuda.device_count() == 2 and cuda.current_device() == 0
    assert backend.canonical_device("cuda") == al.device("cuda", 0)
    cuda.set_device(1)
    assert cuda.current_device() == 1 and backend.canonical_device("cuda") == al.device("cuda:1")
    cuda.set_device(-1)  # ignored, as in PyTorch
    assert cuda.current_device() == 1
    with cuda.device(0):
        assert cuda.current_device() == 0
    assert cuda.current_device() == 1
    cuda.set_device(al.device("cuda:0"))
    with pytest.raises(RuntimeError, match=r"invalid device ordinal \(cuda:2 requested, 2"):
        cuda.set_device(2)
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        backend.canonical_device("cuda:5")
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        cuda.synchronize("cpu")
    cuda.synchronize()
    cuda.synchronize("cuda:1")
    assert fake_gpu.synced == [0, 1]
    assert cuda.get_device_name(1) == "Fake GPU 1"
    assert cuda.get_device_capability() == (9, 0)
    assert repr(cuda.get_device_properties()) == (
        "_CudaDeviceProperties(name='Fake GPU 0', major=9, minor=0, total_memory=81920MB, "
        "multi_processor_count=132)")


def test_fake_gpu_memory_statistics(fake_gpu):
    alloc, pool = fake_gpu.cuda.allocator, fake_gpu.get_default_memory_pool()
    a, b = alloc(1024), alloc(4096)
    assert al.cuda.memory_allocated() == 5120 == al.cuda.max_memory_allocated()
    pool.free(b)
    assert al.cuda.memory_allocated() == 1024
    assert al.cuda.max_memory_allocated() == 5120  # the peak stays
    assert al.cuda.memory_reserved() == 5120  # freed blocks stay cached in the pool
    al.cuda.reset_peak_memory_stats()
    assert al.cuda.max_memory_allocated() == 1024
    al.cuda.empty_cache()
    assert al.cuda.memory_reserved() == 1024
    assert pool.freed_all == 1 and fake_gpu.get_default_pinned_memory_pool().freed_all == 1
    with al.cuda.device(1):  # statistics are per GPU
        assert al.cuda.memory_allocated() == 0
        alloc(512)
    assert al.cuda.max_memory_allocated(1) == 512 and al.cuda.memory_allocated(0) == 1024
    pool.free(a)


def test_fake_gpu_events(fake_gpu):
    start, end = al.cuda.Event(enable_timing=True), al.cuda.Event(enable_timing=True)
    with pytest.raises(RuntimeError, match="Both events must be recorded"):
        start.elapsed_time(end)
    start.record()
    end.record()
    end.synchronize()
    assert end.query() is True
    assert start.elapsed_time(end) == 1.5
    assert start._event.timing and not al.cuda.Event()._event.timing
    end.wait()  # the current stream waits on the GPU: nothing blocks here
    assert fake_gpu.cuda.waited == [end._event]


def test_fake_gpu_pinned_memory(fake_gpu):
    t = al.arange(6.0).reshape(2, 3)
    p = t.pin_memory()
    assert p.is_pinned() and not t.is_pinned()
    assert al.equal(p, t) and p.dtype == t.dtype and p.pin_memory() is p
    assert al.ones(3, pin_memory=True).is_pinned()
    assert al.tensor([1, 2], pin_memory=True).is_pinned()
    x = al.ones(2, requires_grad=True)
    px = x.pin_memory()
    assert px.is_pinned() and px.grad_fn is not None  # recorded: the gradient flows back
    px.sum().backward()
    assert al.equal(x.grad, al.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a GPU is "present": no warning
        batches = list(al.utils.data.DataLoader(al.arange(8.0), batch_size=3, pin_memory=True))
    assert all(b.is_pinned() for b in batches)
    assert al.equal(al.cat(batches), al.arange(8.0))


def test_fake_gpu_cuda_manual_seed_seeds_the_shared_generator(fake_gpu):
    al.cuda.manual_seed(5)
    a = al.rand(3)
    al.manual_seed(5)
    assert al.equal(al.rand(3), a)
