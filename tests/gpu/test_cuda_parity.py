"""Everything on ``cuda`` gives what it gives on the CPU (float32 tolerances).

No new tables: the op table (``tests/op_cases``) and the layer, loss, convolution, pooling,
norm and optimizer tables of ``tests/nn`` and ``tests/optim`` are loaded and each row is run
twice, on the CPU and on the GPU, with the same inputs; outputs, input gradients, parameter
gradients and optimizer trajectories must agree. Then what only a GPU has: transfers keep
dtypes and values, memory comes back after ``del`` + ``empty_cache``, mixed devices raise
PyTorch's error, events time, deterministic mode repeats bit for bit.

Every test here is marked ``gpu``: without a GPU they skip with the reason.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from op_cases import make_inputs

import autograd_lab as al
import autograd_lab.nn as nn
import autograd_lab.nn.functional as F

pytestmark = pytest.mark.gpu
TESTS = Path(__file__).resolve().parents[1]
CUDA = "cuda"


@functools.cache
def _module(relpath: str):
    """Another test module, loaded under a private name (its tests are not collected here)."""
    path = TESTS / relpath
    spec = importlib.util.spec_from_file_location(f"_gpu_tables_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(relpath: str, name: str):
    """A table (or helper) defined in another test module."""
    return getattr(_module(relpath), name)


def _op_cases():
    cases = []
    for name in ("elementwise", "reduce", "shape", "index", "linalg", "sorting"):
        cases += importlib.import_module(f"op_cases.{name}").CASES
    return cases


def _np(t):
    return t.detach().cpu().numpy()


def _to_cuda(x):
    if not isinstance(x, al.Tensor):
        return x
    return x.detach().to(CUDA).requires_grad_(x.requires_grad)


def _close(gpu, cpu, rtol=1e-4, atol=1e-5, what=""):
    assert gpu.device.type == CUDA, what
    assert gpu.dtype == cpu.dtype and tuple(gpu.shape) == tuple(cpu.shape), what
    np.testing.assert_allclose(_np(gpu), _np(cpu), rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=what)


def _outputs(x):
    return [o for o in (x if isinstance(x, tuple | list) else (x,)) if isinstance(o, al.Tensor)]


def _backward_both(cpu_out, gpu_out, seed=1):
    rng = np.random.default_rng(seed)
    pairs = [(c, g) for c, g in zip(cpu_out, gpu_out, strict=True) if c.requires_grad]
    if not pairs:
        return
    ups = [rng.standard_normal(tuple(c.shape)).astype(np.float32) for c, _ in pairs]
    al.autograd.backward([c for c, _ in pairs], [al.tensor(u).to(c.dtype)
                                                 for u, (c, _) in zip(ups, pairs)])
    al.autograd.backward([g for _, g in pairs], [al.tensor(u).to(g.dtype).to(CUDA)
                                                 for u, (_, g) in zip(ups, pairs)])


# ----------------------------------------------------------------------------- the op table
OP_CASES = _op_cases()


@pytest.mark.parametrize("case", OP_CASES, ids=[c.case_id for c in OP_CASES])
def test_op_case_on_cuda_matches_cpu(case):
    cpu_in = make_inputs(case, al, "float32")
    gpu_in = [_to_cuda(x) for x in cpu_in]
    cpu_out, gpu_out = case.fn(al, *cpu_in), case.fn(al, *gpu_in)
    cpu_t, gpu_t = _outputs(cpu_out), _outputs(gpu_out)
    assert len(cpu_t) == len(gpu_t)
    for c, g in zip(cpu_t, gpu_t, strict=True):
        _close(g, c, case.rtol * 10, case.atol * 10, case.case_id)
        assert g.requires_grad == c.requires_grad
    _backward_both(cpu_t, gpu_t)
    for c, g in zip(cpu_in, gpu_in, strict=True):
        if isinstance(c, al.Tensor) and c.grad is not None:
            _close(g.grad, c.grad, case.rtol * 10, case.atol * 10, f"grad of {case.case_id}")


# ----------------------------------------------------------------------------- layers and losses
LAYERS = (_table("nn/test_layers_basic.py", "LAYERS") + [
    (c, [s]) for c, s in _table("nn/test_conv.py", "LAYERS") + _table("nn/test_pool.py",
                                                                        "LAYERS")])


def _run_module(module, inputs, lib_device):
    xs = [al.tensor(x).to(lib_device).requires_grad_() for x in inputs]
    return xs, module(*(x * 1 for x in xs))  # * 1: in-place layers need a non-leaf input


@pytest.mark.parametrize(("ctor", "shapes"), LAYERS, ids=[c for c, _ in LAYERS])
def test_layer_on_cuda_matches_cpu(ctor, shapes):
    cpu = eval(ctor, {"nn": nn, "T": al})  # noqa: S307 - expressions from the test tables
    gpu = copy.deepcopy(cpu).to(CUDA)
    assert all(t.device.type == CUDA for t in (*gpu.parameters(), *gpu.buffers()))
    rng = np.random.default_rng(0)
    dtype = np.float64 if "float64" in ctor else np.float32
    inputs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    cx, cout = _run_module(cpu, inputs, "cpu")
    gx, gout = _run_module(gpu, inputs, CUDA)
    cout, gout = _outputs(cout), _outputs(gout)
    for c, g in zip(cout, gout, strict=True):
        _close(g, c, what=ctor)
    _backward_both(cout, gout)
    for c, g in zip(cx, gx, strict=True):
        _close(g.grad, c.grad, what=f"input grad of {ctor}")
    for (name, c), (_, g) in zip(cpu.named_parameters(), gpu.named_parameters(), strict=True):
        _close(g.grad, c.grad, 1e-4, 1e-4, f"{ctor}.{name}.grad")


LOSSES = _table("nn/test_layers_basic.py", "LOSSES")


@pytest.mark.parametrize(("ctor", "shape", "kind", "transform"), LOSSES,
                         ids=[c for c, *_ in LOSSES])
def test_loss_on_cuda_matches_cpu(ctor, shape, kind, transform):
    targets = _table("nn/test_layers_basic.py", "_targets")
    rng = np.random.default_rng(0)
    x, target = rng.standard_normal(shape).astype(np.float32), targets(kind, shape)
    x2 = rng.standard_normal(shape).astype(np.float32)
    results = []
    for dev in ("cpu", CUDA):
        module = eval(ctor, {"nn": nn, "T": al}).to(dev)  # noqa: S307
        xt = al.tensor(x).to(dev).requires_grad_()
        inp = {"sigmoid": xt.sigmoid, "log_softmax": lambda t=xt: t.log_softmax(1)}.get(
            transform, lambda t=xt: t)()
        extra = (al.tensor(x2).to(dev),) if "Cosine" in ctor else ()
        out = module(inp, *extra, al.tensor(target).to(dev))
        out.sum().backward()
        results.append((out, xt.grad))
    (c_out, c_grad), (g_out, g_grad) = results
    _close(g_out, c_out, what=ctor)
    _close(g_grad, c_grad, what=f"grad of {ctor}")
    if ctor == "nn.CrossEntropyLoss()" and kind == "class":  # the fused kernel ran
        assert g_out.grad_fn.name() == "NllLossBackward0"


CE_CASES = _table("nn/test_losses.py", "CE_CASES")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("shape", "kw"), CE_CASES, ids=[f"{s}-{k}" for s, k in CE_CASES])
def test_cross_entropy_on_cuda_matches_cpu(shape, kw, reduction):
    kw = dict(kw)
    rng = np.random.default_rng(0)
    c = shape[1] if len(shape) > 1 else shape[0]
    w = np.abs(rng.standard_normal(c)).astype(np.float32) + 0.1 if kw.pop("weight", False) \
        else None
    t = rng.integers(0, c, shape[:1] + shape[2:] if len(shape) > 1 else ()).astype(np.int64)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    res = []
    for dev in ("cpu", CUDA):
        xt = al.tensor(x).to(dev).requires_grad_()
        out = F.cross_entropy(xt, al.tensor(t).to(dev),
                              None if w is None else al.tensor(w).to(dev),
                              reduction=reduction, **kw)
        out.sum().backward()
        res.append((out, xt.grad))
    _close(res[1][0], res[0][0])
    _close(res[1][1], res[0][1])


def test_cross_entropy_bad_target_on_cuda_raises_like_cpu():
    x, t = al.randn(3, 4, device=CUDA), al.tensor([0, 9, 1], device=CUDA)
    with pytest.raises(IndexError, match="^Target 9 is out of bounds.$"):
        F.cross_entropy(x, t)


def test_cross_entropy_double_backward_on_cuda():
    x = al.randn(4, 3, dtype=al.float64, requires_grad=True)
    t = al.tensor([0, 2, 1, 2])
    grads = []
    for dev in ("cpu", CUDA):
        xd = x.detach().to(dev).requires_grad_()
        (g,) = al.autograd.grad(F.cross_entropy(xd, t.to(dev)), xd, create_graph=True)
        (gg,) = al.autograd.grad((g * g).sum(), xd)
        grads.append(gg)
    _close(grads[1], grads[0], 1e-10, 1e-12)


CONV = _table("nn/test_conv.py", "CASES")
POOL = _table("nn/test_pool.py", "CASES")


@pytest.mark.parametrize("case", CONV, ids=[str(c[:4]) for c in CONV])
def test_conv_on_cuda_matches_cpu(case):
    fn, xshape, wshape, has_bias, kw = case
    rng = np.random.default_rng(0)
    out_c = wshape[0] if not fn.startswith("conv_t") else wshape[1] * kw.get("groups", 1)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in (xshape, wshape)]
    arrays.append(rng.standard_normal(out_c).astype(np.float32) if has_bias else None)
    res = []
    for dev in ("cpu", CUDA):
        ts = [None if a is None else al.tensor(a).to(dev).requires_grad_() for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(F, fn)(*ts, **kw)
        out.sum().backward()
        res.append((out, ts))
    _close(res[1][0], res[0][0], 1e-4, 1e-4)
    for c, g in zip(res[0][1], res[1][1], strict=True):
        if c is not None:
            _close(g.grad, c.grad, 1e-4, 1e-4)


@pytest.mark.parametrize("deterministic", [False, True])
@pytest.mark.parametrize("case", POOL, ids=[str(c) for c in POOL])
def test_pool_on_cuda_matches_cpu(case, deterministic):
    fn, shape, args, kw = case
    x = np.round(np.random.default_rng(0).standard_normal(shape) * 2).astype(np.float32)
    res = []
    al.use_deterministic_algorithms(deterministic)
    try:
        for dev in ("cpu", CUDA):
            xt = al.tensor(x).to(dev).requires_grad_()
            out = _outputs(getattr(F, fn)(xt, *args, **kw))
            out[0].sum().backward()
            res.append((out, xt.grad))
    finally:
        al.use_deterministic_algorithms(False)
    for c, g in zip(res[0][0], res[1][0], strict=True):
        _close(g, c)
    _close(res[1][1], res[0][1])


BN = _table("nn/test_norm.py", "BN_CASES")


@pytest.mark.parametrize(("name", "kwargs", "shape"), BN)
def test_batch_norm_on_cuda_matches_cpu(name, kwargs, shape):
    rng = np.random.default_rng(0)
    cpu = getattr(nn, name)(3, **kwargs)
    gpu = copy.deepcopy(cpu).cuda()
    for mode in ("train", "train", "eval"):
        for m in (cpu, gpu):
            m.train(mode == "train")
        x = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
        xc, xg = al.tensor(x, requires_grad=True), al.tensor(x).cuda().requires_grad_()
        yc, yg = cpu(xc), gpu(xg)
        _close(yg, yc)
        g = rng.standard_normal(shape).astype(np.float32)
        yc.backward(al.tensor(g))
        yg.backward(al.tensor(g).cuda())
        _close(xg.grad, xc.grad)
        for (_, bc), (_, bg) in zip(cpu.named_buffers(), gpu.named_buffers(), strict=True):
            np.testing.assert_allclose(_np(bg), _np(bc), rtol=1e-5, atol=1e-6)


OPTIMIZERS = _table("optim/test_optimizers.py", "CASES")


@pytest.mark.parametrize(("name", "kwargs"), OPTIMIZERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_optimizer_on_cuda_matches_cpu(name, kwargs):
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (5,), (), (1001,)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(6)]
    runs = []
    for dev in ("cpu", CUDA):
        params = [al.tensor(v).to(dev).requires_grad_() for v in init]
        opt = getattr(al.optim, name)(params, **copy.deepcopy(kwargs))
        for step in grads:
            for p, g in zip(params, step, strict=True):
                p.grad = al.tensor(g).to(dev)
            opt.step()
        runs.append((params, opt))
    (cp, copt), (gp, gopt) = runs
    for c, g in zip(cp, gp, strict=True):
        _close(g, c, 1e-5, 1e-6)
    for c_state, g_state in zip(copt.state.values(), gopt.state.values(), strict=True):
        for key, value in c_state.items():
            if isinstance(value, al.Tensor) and key != "step":
                _close(g_state[key], value, 1e-5, 1e-6, key)  # the state lives on the GPU


# ----------------------------------------------------------------------------- GPU-only behaviour
DTYPES = [al.float32, al.float64, al.float16, al.int64, al.int32, al.int16, al.int8, al.uint8,
          al.bool]


@pytest.mark.parametrize("non_blocking", [False, True])
@pytest.mark.parametrize("pinned", [False, True])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_transfers_keep_dtype_and_values(dtype, pinned, non_blocking):
    host = (al.randn(3, 5) * 50).to(dtype)
    src = host.pin_memory() if pinned else host
    assert src.is_pinned() == pinned
    gpu = src.to("cuda:0", non_blocking=non_blocking)
    assert gpu.is_cuda and gpu.device == al.device("cuda", 0) and gpu.dtype == dtype
    al.cuda.synchronize()
    back = gpu.cpu()
    assert not back.is_cuda and back.dtype == dtype and al.equal(back, host)
    assert al.equal(host.cuda(non_blocking=non_blocking).cpu(), host)
    assert al.equal(host[:, ::2].cuda().cpu(), host[:, ::2])  # non-contiguous source


def test_factories_create_on_the_gpu():
    for t in (al.zeros(2, 3, device=CUDA), al.ones(2, device="cuda:0"), al.empty(4, device=CUDA),
              al.full((2,), 7, device=CUDA), al.eye(3, device=CUDA), al.arange(5, device=CUDA),
              al.rand(2, device=CUDA), al.randn(2, device=CUDA), al.randint(3, (4,), device=CUDA),
              al.randperm(4, device=CUDA), al.tensor([1.0], device=CUDA),
              al.zeros_like(al.ones(2), device=CUDA), al.ones(2).new_zeros(3, device=CUDA)):
        assert t.is_cuda and t.device == al.device("cuda", 0)
    assert al.equal(al.full((2,), -1, dtype=al.uint8, device=CUDA).cpu(),
                    al.tensor([255, 255], dtype=al.uint8))


def test_memory_is_released_after_del_and_empty_cache():
    al.cuda.synchronize()
    al.cuda.empty_cache()
    before = al.cuda.memory_allocated()
    x = al.empty(64, 1024, 1024, device=CUDA)  # 256 MiB
    assert al.cuda.memory_allocated() >= before + x.numel() * 4
    assert al.cuda.max_memory_allocated() >= before + x.numel() * 4
    reserved = al.cuda.memory_reserved()
    del x
    assert al.cuda.memory_allocated() == before
    assert al.cuda.memory_reserved() == reserved  # kept in the pool until empty_cache
    al.cuda.empty_cache()
    assert al.cuda.memory_reserved() < reserved
    al.cuda.reset_peak_memory_stats()
    assert al.cuda.max_memory_allocated() == al.cuda.memory_allocated()


def test_mixing_devices_raises_pytorchs_error():
    with pytest.raises(RuntimeError, match=r"^Expected all tensors to be on the same device, "
                                           r"but found at least two devices, cuda:0 and cpu!$"):
        al.ones(2, device=CUDA) + al.ones(2)
    with pytest.raises(RuntimeError, match="same device"):
        nn.Linear(2, 2).cuda()(al.ones(1, 2))


def test_events_time_gpu_work():
    start, end = al.cuda.Event(enable_timing=True), al.cuda.Event(enable_timing=True)
    x = al.randn(2048, 2048, device=CUDA)
    start.record()
    for _ in range(5):
        x = x @ x / 2048
    end.record()
    end.synchronize()
    assert end.query() and start.elapsed_time(end) > 0


def test_device_api_on_a_gpu():
    assert al.cuda.device_count() >= 1 and al.cuda.current_device() == 0
    name = al.cuda.get_device_name(0)
    assert isinstance(name, str) and name == al.cuda.get_device_properties().name
    assert al.cuda.get_device_capability()[0] >= 3
    al.cuda.set_device(0)
    al.cuda.synchronize()


def test_save_load_map_location(tmp_path):
    net = nn.Linear(3, 2).cuda()
    al.save(net.state_dict(), tmp_path / "net.pth")
    on_gpu = al.load(tmp_path / "net.pth")
    on_cpu = al.load(tmp_path / "net.pth", map_location="cpu")
    assert on_gpu["weight"].is_cuda and not on_cpu["weight"].is_cuda
    moved = al.load(tmp_path / "net.pth", map_location={"cuda:0": "cpu"})
    assert not moved["bias"].is_cuda
    al.save(nn.Linear(3, 2).state_dict(), tmp_path / "cpu.pth")
    assert al.load(tmp_path / "cpu.pth", map_location="cuda:0")["weight"].is_cuda


def test_deterministic_mode_repeats_training_bit_for_bit():
    al.use_deterministic_algorithms(True)
    try:
        results = []
        for _ in range(2):
            al.manual_seed(0)
            net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                nn.MaxPool2d(3, 1), nn.Flatten(),
                                nn.Linear(8 * 30 * 30, 10)).cuda()
            opt = al.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
            x, y = al.randn(16, 3, 32, 32, device=CUDA), al.randint(10, (16,), device=CUDA)
            for _ in range(3):
                opt.zero_grad()
                F.cross_entropy(net(x), y).backward()
                opt.step()
            results.append([p.detach().cpu().numpy() for p in net.parameters()])
        for a, b in zip(*results, strict=True):
            assert np.array_equal(a, b)
    finally:
        al.use_deterministic_algorithms(False)


def test_custom_kernels_can_be_switched_off(monkeypatch):
    x, t = al.randn(8, 5, device=CUDA, requires_grad=True), al.randint(5, (8,), device=CUDA)
    fused = F.cross_entropy(x, t)
    monkeypatch.setenv("AUTOGRAD_LAB_CUDA_KERNELS", "0")
    plain = F.cross_entropy(x, t)
    assert plain.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    _close(fused, plain)
