"""The fused kernels as the engine calls them (cross entropy, SGD, Adam), on the CPU.

``backend._require_cupy`` is pointed at the emulator's ``FakeCupy`` (NumPy arrays, kernels
run thread by thread from their CUDA C), so "cuda" tensors here hold NumPy arrays and every
op on them goes through the same code as on a GPU: ``F.cross_entropy`` takes the fused
primitive, the optimizers their fused steps. Results must equal the CPU path's. What this
cannot check is CuPy itself (launch, memory, streams): the ``gpu`` tests do.
"""

from __future__ import annotations

import copy
import shutil

import numpy as np
import pytest
from _cuda_emulator import FakeCupy

import autograd_lab as al
import autograd_lab.nn.functional as F
from autograd_lab import backend

pytestmark = pytest.mark.skipif(shutil.which("g++") is None,
                                reason="the CPU emulation of CUDA kernels needs g++")
FAKE = FakeCupy()
GPU = al.device("cuda", 0)


@pytest.fixture(autouse=True)
def emulated_gpu(monkeypatch):
    monkeypatch.setattr(backend, "_require_cupy", lambda: FAKE)


def _gpu(arr, requires_grad=False):
    return al.Tensor._make(np.array(arr), requires_grad, GPU)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("weighted", "ignore_index"), [(False, -100), (True, -100),
                                                        (False, 2), (True, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_cross_entropy_matches_the_cpu(reduction, weighted, ignore_index, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((9, 5)) * 3).astype(dtype)
    t = rng.integers(0, 5, 9)
    t[3] = ignore_index if ignore_index >= 0 else -100
    w = (np.abs(rng.standard_normal(5)) + 0.1).astype(dtype) if weighted else None
    kw = dict(reduction=reduction, ignore_index=ignore_index)
    xc = al.tensor(x, requires_grad=True)
    yc = F.cross_entropy(xc, al.tensor(t), None if w is None else al.tensor(w), **kw)
    xg = _gpu(x, requires_grad=True)
    yg = F.cross_entropy(xg, _gpu(t), None if w is None else _gpu(w), **kw)
    assert yg.device == GPU and yg.grad_fn.name() == "NllLossBackward0"
    assert yg.grad_fn.next_functions[0][0].name() == "AccumulateGrad"  # log-softmax fused in
    np.testing.assert_allclose(yg._data, yc.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = rng.standard_normal(yc.shape).astype(dtype)
    yc.backward(al.tensor(g))
    yg.backward(_gpu(g))
    np.testing.assert_allclose(xg.grad._data, xc.grad.numpy(), rtol=1e-5, atol=1e-6)


def _node_names(t) -> set[str]:
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node.name() not in seen:
            seen.add(node.name())
            stack.extend(fn for fn, _ in node.next_functions)
    return seen


def test_fused_cross_entropy_errors_and_fallbacks():
    x = _gpu(np.zeros((3, 4), np.float32), requires_grad=True)
    with pytest.raises(IndexError, match="^Target 7 is out of bounds.$"):
        F.cross_entropy(x, _gpu([0, 7, 1]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
        F.cross_entropy(x, _gpu(np.array([0, 1, 1], np.int32)))
    assert "LogSoftmaxBackward0" not in _node_names(F.cross_entropy(x, _gpu([0, 1, 1])))
    # not fused: class probabilities, label smoothing, spatial inputs, float16
    for y in (F.cross_entropy(x, _gpu(np.full((3, 4), 0.25, np.float32))),
              F.cross_entropy(x, _gpu([0, 1, 1]), label_smoothing=0.1),
              F.cross_entropy(_gpu(np.zeros((2, 4, 3), np.float32), True),
                              _gpu(np.zeros((2, 3), np.int64))),
              F.cross_entropy(_gpu(np.zeros((3, 4), np.float16), True), _gpu([0, 1, 1]))):
        assert "LogSoftmaxBackward0" in _node_names(y)


def test_fused_cross_entropy_double_backward():
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    out = []
    for xt, tt in ((al.tensor(x, requires_grad=True), al.tensor(t)),
                   (_gpu(x, requires_grad=True), _gpu(t))):
        (g,) = al.autograd.grad(F.cross_entropy(xt, tt), xt, create_graph=True)
        (gg,) = al.autograd.grad((g * g).sum(), xt)
        out.append(gg._data)
    np.testing.assert_allclose(out[1], out[0], rtol=1e-10, atol=1e-12)


FUSED = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.9), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True, "maximize": True}),
]


@pytest.mark.parametrize(("name", "kwargs"), FUSED, ids=[f"{n}-{k}" for n, k in FUSED])
def test_fused_optimizer_steps_match_the_cpu(name, kwargs, monkeypatch):
    calls = []
    real = backend.kernel

    def spy(xp, kernel_name):
        calls.append(kernel_name)
        return real(xp, kernel_name)

    monkeypatch.setattr("autograd_lab.optim._util.kernel", spy)
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (5,), (), (300,)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(5)]
    runs = []
    for make in (lambda a: al.tensor(a, requires_grad=True),
                 lambda a: _gpu(a, requires_grad=True)):
        params = [make(v) for v in init]
        opt = getattr(al.optim, name)(params, **copy.deepcopy(kwargs))
        for step in grads:
            for p, g in zip(params, step, strict=True):
                p.grad = make(g).detach()
            opt.step()
        runs.append((params, opt))
    assert calls and all(c in ("sgd_step", "adam_step") for c in calls)
    (cpu_p, cpu_opt), (gpu_p, gpu_opt) = runs
    for c, g in zip(cpu_p, gpu_p, strict=True):
        np.testing.assert_allclose(g._data, c.detach().numpy(), rtol=1e-6, atol=1e-7)
    for cs, gs in zip(cpu_opt.state.values(), gpu_opt.state.values(), strict=True):
        assert list(cs) == list(gs)
        for key in cs:
            if isinstance(cs[key], al.Tensor):
                assert gs[key].device == (GPU if key != "step" else al.device("cpu")), key
                np.testing.assert_allclose(gs[key]._data, cs[key].numpy(), rtol=1e-6,
                                           atol=1e-7)


def test_kernels_switched_off_give_the_plain_path(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LAB_CUDA_KERNELS", "0")
    y = F.cross_entropy(_gpu(np.ones((2, 3), np.float32), requires_grad=True), _gpu([0, 2]))
    assert y.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
