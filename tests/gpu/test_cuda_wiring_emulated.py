"""The CUDA kernels as the engine calls them (cross entropy, SGD, Adam, convolution, max
pooling, batch norm), on the CPU.

``backend._require_cupy`` is pointed at the emulator's ``FakeCupy`` (NumPy arrays, kernels
run thread by thread from their CUDA C), so "cuda" tensors here hold NumPy arrays and every
op on them goes through the same code as on a GPU: ``F.cross_entropy`` takes the fused
primitive, the optimizers their fused steps, convolutions im2col/col2im, and so on. Results
must equal the CPU path's. What this cannot check is CuPy itself (launch, memory, streams):
the ``gpu`` tests do.
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



# ----------------------------------------------------------------------------- conv, pool, norm
# Convolution, max pooling and batch norm as wired into the ops (ops/_cuda_paths.py,
# nn/_functional_norm_fused.py): each case runs on the CPU and on emulated "cuda", and the
# outputs, input and parameter gradients, second derivatives, updated running statistics and
# node names must agree. Shapes are small: the emulator runs every CUDA thread in turn.
TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-11)}


@pytest.fixture
def launched(monkeypatch):
    """The names of the CUDA kernels launched (looked up with ``backend.kernel``, then
    called), plus the raw kernels the max-pool launchers compiled (gather or atomic)."""
    from autograd_lab.cuda_kernels import pool as pool_kernels

    names = []
    real_kernel, real_raw = backend.kernel, pool_kernels.raw_kernel

    def kernel(xp, name):
        fn = real_kernel(xp, name)
        if fn is None:
            return None

        def launch(*args, **kwargs):
            names.append(name)
            return fn(*args, **kwargs)

        return launch

    def raw_kernel(cp, source, name, dtype):
        names.append(name)
        return real_raw(cp, source, name, dtype)

    monkeypatch.setattr(backend, "kernel", kernel)
    monkeypatch.setattr(pool_kernels, "raw_kernel", raw_kernel)
    return names


def _like(a, like, requires_grad=False):
    """The array ``a`` as a tensor on ``like``'s device."""
    return al.Tensor._make(np.array(a), requires_grad, like._device)


def _random(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _on_both(arrays: dict, run):
    """``run(tensors)`` with CPU tensors, then with emulated "cuda" ones (requiring grad
    unless the name starts with ``_``; None stays None). Returns the two result lists, tensors
    as NumPy arrays."""
    results = []
    for make in (lambda a, rg: al.tensor(a, requires_grad=rg), _gpu):
        tensors = {k: None if v is None else make(v, not k.startswith("_"))
                   for k, v in arrays.items()}
        out = run(tensors)
        if make is _gpu:
            assert all(r.device == GPU for r in out if isinstance(r, al.Tensor))
        results.append([np.array(r._data) if isinstance(r, al.Tensor) else r for r in out])
    return results


def _assert_same(cpu: list, gpu: list, dtype) -> None:
    assert len(cpu) == len(gpu)
    for i, (c, g) in enumerate(zip(cpu, gpu, strict=True)):
        if not isinstance(c, np.ndarray):
            assert g == c, i
            continue
        assert (g.dtype, g.shape) == (c.dtype, c.shape), i
        if c.dtype.kind == "f":
            np.testing.assert_allclose(g, c, **TOL[dtype], err_msg=f"result {i}")
        else:
            np.testing.assert_array_equal(g, c, err_msg=f"result {i}")


CONV = [  # (function, input shape, weight shape, bias, keyword arguments)
    ("conv2d", (2, 4, 6, 5), (6, 4, 3, 3), True, dict(padding=1)),
    ("conv2d", (2, 4, 7, 6), (6, 2, 3, 2), True,
     dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ("conv2d", (1, 2, 5, 6), (3, 2, 2, 4), False, dict(padding="same", dilation=(2, 1))),
    ("conv2d", (1, 3, 6, 5), (6, 1, 3, 3), True, dict(stride=2, groups=3)),
    ("conv2d", (0, 2, 5, 5), (4, 2, 3, 3), True, dict(padding=1)),  # empty batch
    ("conv2d", (2, 5, 4), (4, 2, 3, 3), True, dict(padding=(2, 1))),  # unbatched
    ("conv1d", (2, 3, 9), (4, 3, 3), True, dict(stride=2, padding=1, dilation=2)),
    ("conv1d", (2, 4, 8), (6, 2, 4), False, dict(padding="same", groups=2)),
    ("conv_transpose2d", (2, 4, 4, 3), (4, 3, 3, 3), True,
     dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose2d", (1, 4, 3, 4), (4, 2, 2, 3), True,
     dict(stride=(1, 2), dilation=(2, 1), groups=2)),
    ("conv_transpose1d", (2, 2, 5), (2, 3, 3), False, dict(stride=3, padding=1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("fn", "xshape", "wshape", "bias", "kwargs"), CONV,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV)])
def test_convolutions_match_the_cpu(fn, xshape, wshape, bias, kwargs, dtype, launched):
    out_channels = wshape[1] * kwargs.get("groups", 1) if "transpose" in fn else wshape[0]
    arrays = {"x": _random(xshape, dtype, 0), "w": _random(wshape, dtype, 1),
              "b": _random(out_channels, dtype, 2) if bias else None}

    def run(t):
        leaves = [v for v in t.values() if v is not None]
        y = getattr(F, fn)(t["x"], t["w"], t["b"], **kwargs)
        r = _like(_random(y.shape, dtype, 3), y)
        grads = al.autograd.grad((y * r).sum(), leaves, create_graph=True)
        gx, gw = grads[:2]
        # double backward: the derivatives of the three conv primitives are conv primitives
        second = al.autograd.grad((gx * gx).sum() + (gw * gw * gw).sum(), leaves[:2],
                                  allow_unused=True)
        return [y, *grads, *second, y.grad_fn.name(), gx.grad_fn.name(), gw.grad_fn.name()]

    cpu, gpu = _on_both(arrays, run)
    _assert_same(cpu, gpu, dtype)
    name = "SqueezeBackward1" if len(xshape) == len(wshape) - 1 else "ConvolutionBackward0"
    assert cpu[-3] == name
    assert {"im2col", "col2im"} <= set(launched)


POOL = [  # (input shape, max_pool2d's keyword arguments; one_d: max_pool1d)
    ((2, 3, 6, 6), dict(kernel_size=2)),  # disjoint windows
    ((2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1)),  # overlapping, padded
    ((1, 2, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                        ceil_mode=True)),
    ((3, 5, 5), dict(kernel_size=3, stride=1)),  # unbatched, heavy overlap
    ((2, 2, 6, 7), dict(kernel_size=2, stride=2, ceil_mode=True)),  # a partial last window
    ((0, 2, 4, 4), dict(kernel_size=2)),  # empty batch
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, one_d=True)),
]


@pytest.mark.parametrize("deterministic", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "kwargs"), POOL, ids=[str(i) for i in range(len(POOL))])
def test_max_pool_matches_the_cpu(shape, kwargs, dtype, deterministic, launched):
    kwargs = dict(kwargs)
    fn = F.max_pool1d if kwargs.pop("one_d", False) else F.max_pool2d
    x = np.random.default_rng(5).integers(-3, 3, shape).astype(dtype)  # ties: first max wins
    if x.size:
        x[(0,) * (x.ndim - 2) + (slice(0, 2), slice(0, 2))] = -np.inf  # all -inf windows
        x.reshape(-1)[-3] = np.nan

    def run(t):
        y, idx = fn(t["x"], return_indices=True, **kwargs)
        r = _like(_random(y.shape, dtype, 6), y, requires_grad=True)
        (gx,) = al.autograd.grad((y * r).sum(), t["x"], create_graph=True)
        (gr,) = al.autograd.grad((gx * _like(_random(gx.shape, dtype, 7), gx)).sum(), r)
        return [y, idx, gx, gr, _node_names(y) | _node_names(gx)]

    al.use_deterministic_algorithms(deterministic)
    try:
        cpu, gpu = _on_both({"x": x}, run)
    finally:
        al.use_deterministic_algorithms(False)
    _assert_same(cpu, gpu, dtype)
    assert {"MaxPool2DWithIndicesBackward0", "MaxPool2DWithIndicesBackwardBackward0"} <= cpu[-1]
    backward = "max_pool2d_backward_gather" if deterministic else "max_pool2d_backward_atomic"
    assert {"max_pool2d", "max_pool2d_backward"} <= set(launched)
    assert (backward in launched) == (x.size > 0)  # nothing to launch for an empty batch


BATCH_NORM = [  # (input shape, affine, track_running_stats, training, momentum, eps)
    ((6, 3), True, True, True, 0.1, 1e-5),
    ((3, 2, 5), False, True, True, 0.3, 1e-3),
    ((2, 3, 4, 3), True, False, True, 0.1, 1e-5),
    ((2, 3, 4, 3), True, True, False, 0.1, 1e-5),
    ((2, 2, 3, 2, 2), False, True, False, 0.1, 1e-2),
]


def _batch_norm_arrays(shape, affine, track, dtype):
    c = shape[1]
    return {"x": _random(shape, dtype, 8) * 2 + 3,
            "w": _random(c, dtype, 9) if affine else None,
            "b": _random(c, dtype, 10) if affine else None,
            "_rm": _random(c, dtype, 11) if track else None,
            "_rv": np.abs(_random(c, dtype, 12)) + 0.5 if track else None}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "affine", "track", "training", "momentum", "eps"),
                         BATCH_NORM, ids=[str(i) for i in range(len(BATCH_NORM))])
def test_batch_norm_matches_the_cpu(shape, affine, track, training, momentum, eps, dtype,
                                    launched):
    arrays = _batch_norm_arrays(shape, affine, track, dtype)

    def run(t):
        leaves = [t[k] for k in ("x", "w", "b") if t[k] is not None]
        y = F.batch_norm(t["x"], t["_rm"], t["_rv"], t["w"], t["b"], training, momentum, eps)
        r = _like(_random(y.shape, dtype, 13), y)
        out = [y, *al.autograd.grad((y * r).sum(), leaves), y.grad_fn.name()]
        if not training:  # create_graph (training: see the next test)
            y = F.batch_norm(t["x"], t["_rm"], t["_rv"], t["w"], t["b"], training, momentum,
                             eps)
            grads = al.autograd.grad((y * r).sum(), leaves, create_graph=True)
            out += grads
            if affine:
                out += al.autograd.grad((grads[0] * grads[0]).sum(), leaves, allow_unused=True)
        return out + [t["_rm"], t["_rv"]]

    cpu, gpu = _on_both(arrays, run)
    _assert_same(cpu, gpu, dtype)
    assert [v for v in cpu if isinstance(v, str)] == ["NativeBatchNormBackward0"]
    if track:  # updated in training only
        assert np.allclose(cpu[-1], arrays["_rv"]) != training
        assert np.allclose(cpu[-2], arrays["_rm"]) != training
    wanted = {"batch_norm", "batch_norm_backward"} if training else {"batch_norm_inference"}
    assert wanted <= set(launched) <= {"batch_norm", "batch_norm_backward",
                                       "batch_norm_inference"}


@pytest.mark.parametrize("dtype", [np.float64])
def test_batch_norm_double_backward_in_training(dtype, launched):
    arrays = _batch_norm_arrays((3, 2, 4), True, True, dtype)

    def run(t):
        leaves = [t["x"], t["w"], t["b"]]
        y = F.batch_norm(t["x"], t["_rm"], t["_rv"], t["w"], t["b"], True)
        r = _like(_random(y.shape, dtype, 13), y)
        grads = al.autograd.grad((y * r).sum(), leaves, create_graph=True)
        second = al.autograd.grad((grads[0] * grads[0]).sum(), leaves, allow_unused=True)
        return [y, *grads, *second]

    _assert_same(*_on_both(arrays, run), dtype)
    assert "batch_norm" in launched


def test_other_dtypes_and_switched_off_kernels_take_the_plain_path(monkeypatch, launched):
    """float16 (no kernel for it), or ``AUTOGRAD_LAB_CUDA_KERNELS=0``: the CPU code runs on
    the GPU's array module (plain CuPy), with the same results."""
    def run(t):
        x, w = t["x"], t["w"]
        y = F.max_pool2d(F.conv2d(x, w, padding=1), 2, 1)
        if x.dtype == al.float32:
            y = F.batch_norm(y, None, None, training=True)
        (gx,) = al.autograd.grad(y.sum() + (y * y).sum(), x)
        return [y, gx]

    arrays = {"x": _random((2, 2, 5, 5), np.float16, 14), "w": _random((3, 2, 3, 3),
                                                                     np.float16, 15)}
    _assert_same(*_on_both(arrays, run), np.float32)
    assert launched == []
    monkeypatch.setenv("AUTOGRAD_LAB_CUDA_KERNELS", "0")
    arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
    _assert_same(*_on_both(arrays, run), np.float32)
    assert launched == []


@pytest.mark.parametrize("name", ["exp", "sqrt", "rsqrt", "tanh", "sigmoid", "reciprocal"])
def test_saved_outputs_come_back_on_the_gpu(name):
    """Ops whose backward reads their saved output (exp' = exp): that output is unpacked as a
    cuda tensor, so backward does not mix devices."""
    x = np.linspace(0.5, 2.0, 6)
    xc = al.tensor(x, requires_grad=True)
    xg = _gpu(x, requires_grad=True)
    getattr(xc, name)().sum().backward()
    getattr(xg, name)().sum().backward()
    assert xg.grad.device == GPU
    np.testing.assert_allclose(xg.grad._data, xc.grad.numpy(), rtol=1e-12)
