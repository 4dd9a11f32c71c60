"""The custom CUDA kernels (``autograd_lab.cuda_kernels``), checked three ways.

1. Their NumPy references against the engine's own CPU ops (so the references, which the GPU
   results are compared with, are right). Always runs.
2. Every CUDA source compiles with NVRTC, which needs no GPU: syntax and type errors surface
   here, not on the first GPU run. Skips without the NVRTC library.
3. Every case of the table in ``_kernel_cases.py`` against its reference: emulated on the CPU
   (each thread run in turn by C++ compiled with g++; skips without g++), and on a real GPU
   (``gpu`` marker; skips without one).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from _cuda_emulator import FakeCupy, elementwise_source, reduction_source
from _kernel_cases import CASES, KernelCase

import autograd_lab as al
import autograd_lab.nn.functional as F
from autograd_lab import backend, cuda_kernels
from autograd_lab.cuda_kernels import _build, batchnorm, conv, loss, optim, pool

SMALL = [c for c in CASES if not c.large]
RNG = np.random.default_rng(0)


def _host(a):
    get = getattr(a, "get", None)
    return get() if get is not None else np.asarray(a)


def _run_case(case: KernelCase, cp) -> None:
    host = case.inputs(np.random.default_rng(0))
    # copies on both sides: kernels and references may update their inputs in place
    dev = {k: cp.array(v, copy=True) if isinstance(v, np.ndarray) else v
           for k, v in host.items()}
    want = case.ref({k: v.copy() if isinstance(v, np.ndarray) else v for k, v in host.items()})
    got = case.run(cp, dev)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        g = _host(g)
        assert g.shape == np.shape(w) and g.dtype == np.asarray(w).dtype, (i, g.shape, g.dtype)
        np.testing.assert_allclose(g, w, rtol=case.rtol, atol=case.atol, equal_nan=True,
                                   err_msg=f"output {i} of {case.case_id}")


# ----------------------------------------------------------------------------- 1. references
@pytest.mark.parametrize("geom", [((2, 3, 7, 9), (3, 2), (2, 1), (1, 1), (1, 2)),
                                  ((2, 4, 9, 8), (5, 5), (3, 2), (2, 2), (1, 1))])
def test_conv_references_are_a_convolution_and_its_input_gradient(geom):
    shape, k, s, p, d = geom
    x = al.tensor(RNG.standard_normal(shape), requires_grad=True)
    w = al.tensor(RNG.standard_normal((4, shape[1], *k)))
    y = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    cols = conv.im2col_reference(x.detach().numpy(), k, s, p, d)
    np.testing.assert_allclose((w.numpy().reshape(4, -1) @ cols).reshape(y.shape),
                               y.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = RNG.standard_normal(y.shape)
    y.backward(al.tensor(g))
    dcols = w.numpy().reshape(4, -1).T @ g.reshape(shape[0], 4, -1)
    np.testing.assert_allclose(conv.col2im_reference(dcols, shape, k, s, p, d), x.grad.numpy(),
                               rtol=1e-10, atol=1e-10)


def test_conv_references_with_asymmetric_padding():
    # padding="same" with an even kernel: 1 row before, 2 after; the output size says so
    x = al.tensor(RNG.standard_normal((2, 3, 6, 7)))
    w = al.tensor(RNG.standard_normal((4, 3, 4, 3)))
    y = F.conv2d(x, w, padding="same")
    cols = conv.im2col_reference(x.numpy(), (4, 3), (1, 1), (1, 1), (1, 1), out_hw=(6, 7))
    np.testing.assert_allclose((w.numpy().reshape(4, -1) @ cols).reshape(y.shape), y.numpy(),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("p", [((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), (1, 1), False),
                               ((2, 3, 9, 8), (3, 2), (2, 1), (1, 1), (2, 3), True),
                               ((2, 3, 9, 8), (3, 3), (1, 1), (0, 0), (1, 1), False)])
def test_max_pool_references_match_the_engine(p):
    shape, k, s, pad, d, ceil = p
    x = np.round(RNG.standard_normal(shape) * 2)  # ties: the first maximum must win
    xt = al.tensor(x, requires_grad=True)
    y, idx = F.max_pool2d(xt, k, s, pad, d, ceil_mode=ceil, return_indices=True)
    ry, ridx = pool.max_pool2d_reference(x, k, s, pad, d, ceil)
    np.testing.assert_array_equal(ry, y.detach().numpy())
    np.testing.assert_array_equal(ridx, idx.numpy())
    g = RNG.standard_normal(y.shape)
    y.backward(al.tensor(g))
    np.testing.assert_allclose(pool.max_pool2d_backward_reference(g, ridx, shape),
                               xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_references_match_the_engine(weighted):
    x = RNG.standard_normal((6, 5)) * 3
    t = np.array([0, 4, -100, 2, 2, 1])
    w = np.abs(RNG.standard_normal(5)) + 0.1 if weighted else None
    xt = al.tensor(x, requires_grad=True)
    out = F.cross_entropy(xt, al.tensor(t), None if w is None else al.tensor(w),
                          reduction="none")
    rloss, lse, rw, bad = loss.cross_entropy_reference(x, t, w)
    np.testing.assert_allclose(rloss, out.detach().numpy(), rtol=1e-12)
    assert bad.tolist() == [0, 0]
    scale = RNG.standard_normal(6)
    out.backward(al.tensor(scale))
    np.testing.assert_allclose(loss.cross_entropy_backward_reference(x, t, lse, scale * rw),
                               xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.3, 0.9), maximize=True)),
])
def test_optimizer_references_match_the_engine(name, kwargs):
    p0 = RNG.standard_normal(7).astype(np.float32)
    grads = [RNG.standard_normal(7).astype(np.float32) for _ in range(4)]
    p = al.tensor(p0.copy(), requires_grad=True)
    opt = getattr(al.optim, name)([p], **kwargs)
    mine = p0.copy()
    state = {k: np.zeros(7, np.float32) for k in ("buf", "m", "v", "vmax")}
    for step, g in enumerate(grads, 1):
        p.grad = al.tensor(g)
        opt.step()
        if name == "SGD":
            optim.sgd_step_reference(
                mine, g, state["buf"], lr=kwargs["lr"], momentum=kwargs.get("momentum", 0),
                dampening=kwargs.get("dampening", 0), weight_decay=kwargs.get("weight_decay", 0),
                nesterov=kwargs.get("nesterov", False), maximize=kwargs.get("maximize", False),
                first=step == 1)
        else:
            b1, b2 = kwargs.get("betas", (0.9, 0.999))
            optim.adam_step_reference(
                mine, g, state["m"], state["v"], state["vmax"] if kwargs.get("amsgrad") else None,
                lr=kwargs["lr"], beta1=b1, beta2=b2, eps=1e-8,
                weight_decay=kwargs.get("weight_decay", 0.01 if name == "AdamW" else 0),
                step=float(step), decoupled=name == "AdamW",
                maximize=kwargs.get("maximize", False))
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(4, 3, 5, 7), (6, 3), (3, 3, 4)])
def test_batch_norm_references_match_the_engine(shape):
    x = RNG.standard_normal(shape) * 2 + 3
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)
    xt, wt, bt = (al.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.batch_norm(xt, None, None, wt, bt, training=True, eps=1e-5)
    ry, mean, invstd, var = batchnorm.batch_norm_reference(x, w, b, 1e-5)
    np.testing.assert_allclose(ry, y.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = RNG.standard_normal(shape)
    y.backward(al.tensor(g))
    gx, gw, gb = batchnorm.batch_norm_backward_reference(g, x, mean, invstd, w)
    for got, want in ((gx, xt.grad), (gw, wt.grad), (gb, bt.grad)):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-9, atol=1e-10)


# ----------------------------------------------------------------------------- 2. NVRTC
RAW_SOURCES = {name: getattr(mod, name) for mod in (conv, pool, loss)
               for name in mod.__all__ if name.endswith("_SOURCE")}
# spec, names of the *scalar* inputs (the rest are arrays)
ELEMENTWISE = {
    "SGD_SPEC": (optim.SGD_SPEC, {"lr", "weight_decay", "momentum", "one_minus_dampening",
                                  "nesterov", "maximize", "first"}),
    "SGD_PLAIN_SPEC": (optim.SGD_PLAIN_SPEC, {"lr", "weight_decay", "maximize"}),
    "ADAM_SPEC": (optim.ADAM_SPEC, set(optim.ADAM_SPEC[0].replace(",", " ").split()[3::2])),
    "ADAM_AMSGRAD_SPEC": (optim.ADAM_AMSGRAD_SPEC,
                          set(optim.ADAM_SPEC[0].replace(",", " ").split()[3::2])),
    "NORMALIZE_SPEC": (batchnorm.NORMALIZE_SPEC, set()),
    "BACKWARD_SPEC": (batchnorm.BACKWARD_SPEC, {"inv_n"}),
}
REDUCTIONS = {"SUM_SPEC": batchnorm.SUM_SPEC,
              "SQUARED_DEVIATION_SPEC": batchnorm.SQUARED_DEVIATION_SPEC,
              "DOT_SPEC": batchnorm.DOT_SPEC}


def _nvrtc(source: str) -> None:
    try:
        backend.nvrtc_compile(source)
    except ImportError as exc:
        pytest.skip(f"{exc} (pip install nvidia-cuda-nvrtc-cu12 to compile without a GPU)")


def _parse(spec: str):
    return [(w.split()[-2], w.split()[-1], "raw" in w.split()[:-2]) for w in spec.split(",")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(RAW_SOURCES))
def test_raw_kernel_compiles_with_nvrtc(name, dtype):
    _nvrtc(_build.prelude(dtype) + RAW_SOURCES[name])


@pytest.mark.parametrize("dtype", ["float", "double"])
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_kernel_compiles_with_nvrtc(name, dtype):
    (ins, outs, operation), scalars = ELEMENTWISE[name]
    arrays = {n for _, n, _ in _parse(ins)} - scalars
    _nvrtc(elementwise_source(_parse(ins), _parse(outs), operation, dtype, arrays, cuda=True))


@pytest.mark.parametrize("dtype", ["float", "double"])
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_kernel_compiles_with_nvrtc(name, dtype):
    spec = REDUCTIONS[name]
    _nvrtc(reduction_source(_parse(spec[0]), _parse(spec[1]), spec, dtype, cuda=True))


def test_nvrtc_reports_compile_errors():
    with pytest.raises(RuntimeError, match="expected an expression"):
        _nvrtc('extern "C" __global__ void f(float* x) { x[0] = ; }')


# ----------------------------------------------------------------------------- 3. the table
def test_every_kernel_has_cases_and_a_reference():
    covered = {c.kernel for c in CASES}
    assert covered == set(cuda_kernels.LAUNCHERS) - {"batch_norm_inference"}
    assert set(cuda_kernels.REFERENCES) <= covered


@pytest.mark.skipif(shutil.which("g++") is None, reason="the CPU emulation needs g++")
@pytest.mark.parametrize("case", SMALL, ids=[c.case_id for c in SMALL])
def test_kernel_emulated_on_cpu(case):
    _run_case(case, FakeCupy())


@pytest.mark.skipif(shutil.which("g++") is None, reason="the CPU emulation needs g++")
def test_grid_stride_loops_cover_more_work_than_threads(monkeypatch):
    monkeypatch.setattr(_build, "MAX_BLOCKS", 2)  # 512 threads for thousands of elements
    for case in SMALL:
        if case.kernel in ("im2col", "col2im", "max_pool2d", "cross_entropy_backward"):
            _run_case(case, FakeCupy())


@pytest.mark.skipif(shutil.which("g++") is None, reason="the CPU emulation needs g++")
def test_batch_norm_inference_emulated():
    x = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    mean, var = RNG.standard_normal(4).astype(np.float32), RNG.random(4).astype(np.float32)
    w, b = RNG.standard_normal(4).astype(np.float32), RNG.standard_normal(4).astype(np.float32)
    got = batchnorm.batch_norm_inference(FakeCupy(), x, mean, var, w, b, 1e-5)
    want = F.batch_norm(al.tensor(x), al.tensor(mean), al.tensor(var), al.tensor(w),
                        al.tensor(b), training=False, eps=1e-5)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)


def test_kernels_are_reached_only_through_backend(monkeypatch):
    assert backend.kernel(np, "adam_step") is None  # the CPU has no custom kernels
    fake = FakeCupy()
    assert callable(backend.kernel(fake, "adam_step"))
    monkeypatch.setenv("AUTOGRAD_LAB_CUDA_KERNELS", "0")
    assert backend.kernel(fake, "adam_step") is None  # switched off: plain CuPy ops
    monkeypatch.delenv("AUTOGRAD_LAB_CUDA_KERNELS")
    with pytest.raises(KeyError, match="no CUDA kernel named 'nope'; there are: adam_step"):
        backend.kernel(fake, "nope")


@pytest.mark.gpu
@pytest.mark.parametrize("case", CASES, ids=[c.case_id for c in CASES])
def test_kernel_on_gpu(case):
    _run_case(case, backend.array_module(al.device("cuda")))


@pytest.mark.gpu
def test_gather_backward_is_bitwise_repeatable_on_gpu():
    cp = backend.array_module(al.device("cuda"))
    x = cp.asarray(RNG.standard_normal((64, 32, 33, 33)).astype(np.float32))
    y, idx = pool.max_pool2d(cp, x, (3, 3), (1, 1), (1, 1))
    gy = cp.asarray(RNG.standard_normal(y.shape).astype(np.float32))
    runs = [pool.max_pool2d_backward(cp, gy, idx, x.shape, (3, 3), (1, 1), (1, 1),
                                     deterministic=True).get() for _ in range(3)]
    assert all(np.array_equal(runs[0], r) for r in runs[1:])


@pytest.mark.gpu
def test_grid_stride_loops_on_gpu(monkeypatch):
    monkeypatch.setattr(_build, "MAX_BLOCKS", 3)
    cp = backend.array_module(al.device("cuda"))
    for case in SMALL:
        _run_case(case, cp)
