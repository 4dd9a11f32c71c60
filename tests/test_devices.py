"""Devices: ``autograd_lab.device``, ``cuda.is_available`` without a GPU, and device mixing.

This machine has no GPU, so CUDA tensors are simulated with ``Tensor._make(arr,
device=device("cuda", 0))``: enough to check that ops refuse to mix devices before touching
any array. The separation rule of DESIGN.md (only ``backend.py`` imports CuPy) is checked by
reading the sources.
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import numpy as np
import pytest
from _outcome import assert_same

import autograd_lab as al
from autograd_lab import backend

NO_GPU = not al.cuda.is_available()
PACKAGE = Path(al.__file__).parent

DEVICE_CASES = [
    "T.device('cpu')", "T.device('cuda')", "T.device('cuda:0')", "T.device('cuda', 1)",
    "T.device('cuda:1')", "T.device('cpu:0')", "T.device('cpu', 0)", "T.device('meta')",
    "T.device(type='cuda', index=2)", "T.device(T.device('cuda:1'))", "T.device('mps')",
    "str(T.device('cuda', 1))", "str(T.device('cpu'))", "str(T.device('cuda'))",
    "T.device('cuda', 0).type", "T.device('cuda', 0).index", "T.device('cpu').index",
    # equality: devices compare by (type, index); never equal to a string, as in PyTorch
    "T.device('cuda', 0) == T.device('cuda:0')", "T.device('cuda') == T.device('cuda:0')",
    "T.device('cpu') == T.device('cpu')", "T.device('cpu') == 'cpu'", "'cpu' == T.device('cpu')",
    "T.device('cuda:0') != 'cuda:1'", "T.device('cpu') == 1", "T.device('cpu') == None",
    "T.ones(2).device == 'cpu'", "T.ones(2).device.type == 'cpu'",
    "hash(T.device('cpu')) == hash(T.device('cpu'))", "{T.device('cpu'): 1}[T.device('cpu')]",
    # bad device strings and arguments
    "T.device('gpu')", "T.device('CUDA')", "T.device('float32')", "T.device(' cuda')",
    "T.device('')", "T.device('cuda:')", "T.device('cuda:-1')", "T.device('cuda:01')",
    "T.device('cuda:a')", "T.device('cuda:0:1')", "T.device('cuda:1x')",
    "T.device('cuda', -1)", "T.device('cuda:0', 1)", "T.device(-1)", "T.device('cuda', '1')",
    "T.device('cuda', 1.5)", "T.device('cuda', True)", "T.ones(2, device='gpu')",
    "T.ones(2).to('gpu')",
    # tensors on the CPU
    "T.ones(2).device", "T.ones(2).is_cuda", "T.ones(2, device='cpu').device",
    "T.ones(2, device=T.device('cpu')).device", "T.ones(2, device=None).device",
    "T.zeros(2, device='cpu:0').device", "T.tensor([1], device='cpu').device",
]

# Without a GPU PyTorch (CPU build) and autograd_lab (no CuPy) agree on these too.
NO_GPU_CASES = ["T.device(0)", "T.ones(2).to(0)", "T.ones(2, device=0)",
                "T.cuda.is_available()", "T.cuda.device_count()"]


@pytest.mark.torch
@pytest.mark.parametrize("src", DEVICE_CASES)
def test_device_matches_torch(torch, src):
    assert_same(torch, src)


@pytest.mark.torch
@pytest.mark.skipif(not NO_GPU, reason="compares the no-GPU behaviour")
@pytest.mark.parametrize("src", NO_GPU_CASES)
def test_no_gpu_matches_torch(torch, src):
    assert_same(torch, src)


def test_device_basics():
    d = al.device("cuda", 1)
    assert (repr(d), str(d)) == ("device(type='cuda', index=1)", "cuda:1")
    assert repr(al.device("cpu")) == "device(type='cpu')"
    assert al.device("cuda:1") == d and al.device(d) == d
    with pytest.raises(RuntimeError, match=r"^Expected one of cpu, cuda, ipu, xpu, mkldnn, "
                                           r".* device type at start of device string: gpu$"):
        al.device("gpu")


# ----------------------------------------------------------------------------- no GPU here
@pytest.fixture
def fresh_cupy_probe():
    """Forget the cached CuPy probe before and after (the result is cached for speed)."""
    backend._cupy.cache_clear()
    yield
    backend._cupy.cache_clear()


def _fake_cupy(get_device_count):
    runtime = types.SimpleNamespace(getDeviceCount=get_device_count)
    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))


class CUDARuntimeError(RuntimeError):
    """Stands in for cupy_backends.cuda.api.runtime.CUDARuntimeError."""


def _raise(exc):
    def f():
        raise exc

    return f


@pytest.mark.parametrize("probe", [
    pytest.param(_raise(ImportError("No module named 'cupy'")), id="not-installed"),
    pytest.param(lambda: _fake_cupy(_raise(CUDARuntimeError("cudaErrorNoDevice"))),
                 id="no-device-raises"),
    pytest.param(lambda: _fake_cupy(_raise(OSError("libcuda.so.1 not found"))),
                 id="no-driver"),
    pytest.param(lambda: _fake_cupy(lambda: 0), id="zero-devices"),
])
def test_cuda_unavailable_never_raises(monkeypatch, fresh_cupy_probe, probe):
    def import_module(name, *args, **kwargs):
        assert name == "cupy"
        return probe()

    monkeypatch.setattr(backend.importlib, "import_module", import_module)
    assert al.cuda.is_available() is False
    assert al.cuda.device_count() == 0
    assert al.cuda.memory_allocated() == 0  # bookkeeping answers, as PyTorch's CPU build
    for needs_gpu in (lambda: al.ones(2).to("cuda"), al.cuda.synchronize):
        with pytest.raises(RuntimeError, match=r"CUDA is not available: autograd_lab runs on "
                                               r"the GPU through CuPy\. Install it with `pip "):
            needs_gpu()


@pytest.mark.skipif(not NO_GPU, reason="needs a machine without a usable GPU")
@pytest.mark.parametrize("make", [
    lambda: al.ones(2).to("cuda"), lambda: al.ones(2).cuda(), lambda: al.ones(2, device="cuda"),
    lambda: al.tensor([1.0], device="cuda:0"), lambda: al.zeros_like(al.ones(2), device="cuda"),
    lambda: al.cuda.current_device(),
])
def test_cuda_request_without_gpu_says_what_to_install(make):
    with pytest.raises(RuntimeError, match=r"CUDA is not available.*cupy-cuda12x"):
        make()


def test_unsupported_device_types_are_refused():
    with pytest.raises(RuntimeError, match="only on 'cpu' .* and 'cuda' .* devices, not 'mps'"):
        al.ones(2, device="mps")


# ----------------------------------------------------------------------------- device mixing
MIXED = "Expected all tensors to be on the same device, but found at least two devices, " \
        "cuda:0 and cpu!"


def _fake_cuda(values, dtype=np.float32):
    return al.Tensor._make(np.asarray(values, dtype), device=al.device("cuda", 0))


@pytest.mark.parametrize("op", [
    pytest.param(lambda g, c: g + c, id="add"), pytest.param(lambda g, c: c + g, id="radd"),
    pytest.param(lambda g, c: g * c.long(), id="mul-promoting"),
    pytest.param(lambda g, c: al.sub(c, g), id="sub"), pytest.param(lambda g, c: g / c, id="div"),
    pytest.param(lambda g, c: g ** c, id="pow"), pytest.param(lambda g, c: g @ c, id="matmul"),
    pytest.param(lambda g, c: g == c, id="eq"), pytest.param(lambda g, c: g < c, id="lt"),
    pytest.param(lambda g, c: al.where(c > 0, g, c), id="where"),
    pytest.param(lambda g, c: al.maximum(g, c), id="maximum"),
    pytest.param(lambda g, c: c.add_(g), id="add_"),
    pytest.param(lambda g, c: al.lerp(c, g, 0.5), id="lerp"),
    pytest.param(lambda g, c: al.clamp(c, min=g), id="clamp"),
    pytest.param(lambda g, c: al.mm(_fake_cuda([[1.0, 2.0, 3.0]]), c.reshape(3, 1)), id="mm"),
    pytest.param(lambda g, c: al.logical_or(g, c), id="logical_or"),
    pytest.param(lambda g, c: al.logical_and(c, g), id="logical_and"),
    pytest.param(lambda g, c: al.bitwise_and(_fake_cuda([1, 2, 3], np.int64), c.long()),
                 id="bitwise_and"),
    pytest.param(lambda g, c: al.isclose(g, c), id="isclose"),
    pytest.param(lambda g, c: al.allclose(c, g), id="allclose"),
    pytest.param(lambda g, c: al.equal(g, c), id="equal"),
])
def test_mixing_devices_raises_before_any_array_work(op):
    # The fake CUDA tensor holds a NumPy array, so an op that skipped the check would succeed.
    g, c = _fake_cuda([1.0, 2.0, 3.0]), al.ones(3)
    with pytest.raises(RuntimeError, match=re.escape(MIXED)):
        op(g, c)


@pytest.mark.torch
def test_mixing_message_is_torchs(torch):
    # PyTorch's wording, from its CUDA builds (this CPU build cannot produce it itself).
    assert MIXED.startswith("Expected all tensors to be on the same device")


# ----------------------------------------------------------------------------- DESIGN.md rule
_CUPY_USE = re.compile(r"^\s*(import cupy|from cupy)|import_module\(\s*[\"']cupy|\bcupy\.|"
                       r"\b_cupy\b", re.MULTILINE)


def test_only_backend_imports_cupy():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "backend.py" and path.parent == PACKAGE:
            continue
        for match in _CUPY_USE.finditer(path.read_text()):
            line = path.read_text()[:match.start()].count("\n") + 1
            offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {match.group(0).strip()}")
    assert not offenders, "only backend.py may use CuPy:\n" + "\n".join(offenders)
