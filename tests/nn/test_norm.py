"""BatchNorm1d/2d/3d, LayerNorm and GroupNorm against PyTorch: the same weights in both, then
outputs, input and parameter gradients, running statistics over several training steps, eval
mode, ``state_dict`` keys, reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab
from autograd_lab import nn

pytestmark = pytest.mark.torch


def _outcome(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - we compare the exception itself
        return (type(e).__name__, str(e).replace("autograd_lab.", "torch."))


def _pair(name, args, kwargs, rng):
    """Our layer and torch's, with the same random (non-default) parameters and buffers."""
    torch = require_torch()
    ours = getattr(nn, name)(*args, **kwargs)
    ref = getattr(torch.nn, name)(*args, **kwargs)
    with torch.no_grad():
        for (n, p), (n2, q) in zip(ours.named_parameters(), ref.named_parameters(), strict=True):
            assert n == n2
            arr = rng.standard_normal(tuple(p.shape)).astype(np.float32)
            p.data.copy_(autograd_lab.tensor(arr))
            q.copy_(torch.tensor(arr))
    return ours, ref


def _step(ours, ref, x, rng):
    """One forward + backward with the same input and upstream gradient in both libraries."""
    torch = require_torch()
    ax = autograd_lab.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ao, to = ours(ax), ref(tx)
    g = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    assert ao.dtype == autograd_lab.float32 and tuple(ao.shape) == tuple(to.shape)
    np.testing.assert_allclose(ao.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    ao.backward(autograd_lab.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (n, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=n)


def _check_buffers(ours, ref):
    got, want = dict(ours.named_buffers()), dict(ref.named_buffers())
    assert list(got) == list(want)
    for name, t in want.items():
        assert got[name].dtype.name == str(t.dtype).removeprefix("torch."), name
        np.testing.assert_allclose(got[name].numpy(), t.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


# (layer, constructor kwargs, input shape)
BN_CASES = [
    ("BatchNorm1d", {}, (8, 3)),
    ("BatchNorm1d", {}, (4, 3, 5)),
    ("BatchNorm1d", {"affine": False}, (6, 3)),
    ("BatchNorm1d", {"momentum": None}, (4, 3, 5)),
    ("BatchNorm1d", {"track_running_stats": False}, (5, 3, 2)),
    ("BatchNorm1d", {"bias": False, "eps": 1e-3, "momentum": 0.3}, (7, 3)),
    ("BatchNorm2d", {}, (4, 3, 5, 6)),
    ("BatchNorm2d", {"affine": False, "momentum": None}, (2, 3, 4, 4)),
    ("BatchNorm2d", {"track_running_stats": False, "affine": False}, (3, 3, 2, 5)),
    ("BatchNorm2d", {"momentum": 1.0}, (2, 3, 3, 3)),
    ("BatchNorm3d", {"momentum": 0.5}, (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize(("name", "kwargs", "shape"), BN_CASES)
def test_batchnorm_train_then_eval_matches_torch(name, kwargs, shape):
    rng = np.random.default_rng(0)
    ours, ref = _pair(name, (3,), kwargs, rng)
    for _ in range(3):
        x = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
        _step(ours, ref, x, rng)
        _check_buffers(ours, ref)
    ours.eval()
    ref.eval()
    for _ in range(2):  # eval mode: buffers normalise (or the batch, untracked) and stay put
        _step(ours, ref, rng.standard_normal(shape).astype(np.float32), rng)
        _check_buffers(ours, ref)


def test_batchnorm_running_stats_formula():
    """The update rule spelled out: biased variance normalises, unbiased variance is stored."""
    rng = np.random.default_rng(1)
    m = nn.BatchNorm1d(2, momentum=0.25)
    x = rng.standard_normal((5, 2))
    m(autograd_lab.tensor(x, dtype=autograd_lab.float32))
    np.testing.assert_allclose(m.running_mean.numpy(), 0.25 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(m.running_var.numpy(), 0.75 + 0.25 * x.var(0, ddof=1), rtol=1e-5)
    assert m.num_batches_tracked.item() == 1

    cma = nn.BatchNorm1d(2, momentum=None)  # cumulative average: the plain mean of the batches
    batches = [rng.standard_normal((4, 2)) for _ in range(3)]
    for b in batches:
        cma(autograd_lab.tensor(b, dtype=autograd_lab.float32))
    np.testing.assert_allclose(cma.running_mean.numpy(), np.mean([b.mean(0) for b in batches], 0),
                               rtol=1e-5, atol=1e-6)
    assert cma.num_batches_tracked.item() == 3


def test_batchnorm_untracked_stays_untracked_and_eval_uses_batch():
    m = nn.BatchNorm2d(3, track_running_stats=False).eval()
    assert m.running_mean is None and m.num_batches_tracked is None
    x = autograd_lab.randn(4, 3, 2, 2) * 3 + 1
    y = m(x).detach().numpy()
    np.testing.assert_allclose(y.mean((0, 2, 3)), 0, atol=1e-5)  # batch statistics in eval


def test_batchnorm_no_grad_still_updates_buffers_in_training():
    m = nn.BatchNorm1d(3)
    with autograd_lab.no_grad():
        m(autograd_lab.randn(4, 3) + 5)
    assert m.num_batches_tracked.item() == 1
    assert (m.running_mean.numpy() > 0.2).all()
    assert not m.running_mean.requires_grad


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batchnorm_dtype_kwarg(dtype):
    dt = getattr(autograd_lab, dtype)
    m = nn.BatchNorm2d(3, dtype=dt)
    assert m.weight.dtype == dt and m.running_var.dtype == dt
    assert m.num_batches_tracked.dtype == autograd_lab.int64
    assert m(autograd_lab.randn(2, 3, 2, 2, dtype=dt)).dtype == dt


def test_batchnorm_gradcheck_float64():
    rng = np.random.default_rng(2)
    m = nn.BatchNorm1d(3, dtype=autograd_lab.float64)
    x = autograd_lab.tensor(rng.standard_normal((5, 3, 2)), requires_grad=True)
    assert autograd_lab.autograd.gradcheck(lambda t: m(t), (x,))
    m.eval()
    assert autograd_lab.autograd.gradcheck(lambda t: m(t), (x,))


def test_batchnorm_reset():
    m = nn.BatchNorm1d(3)
    m(autograd_lab.randn(4, 3) * 2 + 3)
    with autograd_lab.no_grad():
        m.weight.fill_(2.0)
        m.bias.fill_(1.0)
    m.reset_running_stats()
    np.testing.assert_array_equal(m.running_mean.numpy(), 0)
    np.testing.assert_array_equal(m.running_var.numpy(), 1)
    assert m.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(m.weight.detach().numpy(), 2)  # parameters untouched
    m(autograd_lab.randn(4, 3))
    m.reset_parameters()
    assert m.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(m.weight.detach().numpy(), 1)
    np.testing.assert_array_equal(m.bias.detach().numpy(), 0)


def test_batchnorm_loads_torch_state_and_old_state_without_count():
    torch = require_torch()
    ref = torch.nn.BatchNorm2d(3)
    for _ in range(2):
        ref(torch.randn(4, 3, 2, 2) * 2 + 1)
    state = {k: autograd_lab.tensor(v.numpy()) for k, v in ref.state_dict().items()}
    ours = nn.BatchNorm2d(3)
    ours.load_state_dict(state)
    _check_buffers(ours, ref)
    assert ours.num_batches_tracked.item() == 2

    # A plain dict from before ``num_batches_tracked`` existed: torch accepts it, so do we.
    old = {k: v for k, v in state.items() if k != "num_batches_tracked"}
    fresh_ref = torch.nn.BatchNorm2d(3)
    fresh_ref.load_state_dict({k: v for k, v in ref.state_dict().items()
                               if k != "num_batches_tracked"})
    fresh = nn.BatchNorm2d(3)
    result = fresh.load_state_dict(old)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    _check_buffers(fresh, fresh_ref)


# (layer, args, kwargs): reprs, state_dict keys, parameter shapes and defaults
STRUCT_CASES = [
    ("BatchNorm1d", (3,), {}),
    ("BatchNorm1d", (3,), {"affine": False, "track_running_stats": False}),
    ("BatchNorm1d", (4,), {"bias": False, "momentum": None, "eps": 1e-3}),
    ("BatchNorm2d", (5,), {"affine": False}),
    ("BatchNorm2d", (5,), {"track_running_stats": False}),
    ("BatchNorm3d", (2,), {}),
    ("LayerNorm", (4,), {}),
    ("LayerNorm", ([2, 3],), {"bias": False}),
    ("LayerNorm", ((3,),), {"elementwise_affine": False, "eps": 1e-6}),
    ("GroupNorm", (2, 4), {}),
    ("GroupNorm", (3, 6), {"affine": False}),
    ("GroupNorm", (1, 6), {"bias": False, "eps": 0.01}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), STRUCT_CASES)
def test_structure_matches_torch(name, args, kwargs):
    torch = require_torch()
    ours, ref = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(ref)
    want = ref.state_dict()
    got = ours.state_dict()
    assert list(got) == list(want)
    for k, v in want.items():
        assert tuple(got[k].shape) == tuple(v.shape), k
        np.testing.assert_array_equal(got[k].detach().numpy(), v.detach().numpy(), err_msg=k)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    for attr in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        if hasattr(ref, attr):
            assert (getattr(ours, attr) is None) == (getattr(ref, attr) is None), attr


LN_CASES = [
    ((4,), {}, (3, 4)),
    (4, {}, (2, 3, 4)),
    ((3, 4), {}, (2, 3, 4)),
    ((2, 3, 4), {"eps": 1e-3}, (2, 3, 4)),
    ((5,), {"elementwise_affine": False}, (2, 3, 5)),
    ((3, 5), {"bias": False}, (4, 3, 5)),
    ((6,), {}, (6,)),
]


@pytest.mark.parametrize(("shape_arg", "kwargs", "shape"), LN_CASES)
def test_layernorm_matches_torch(shape_arg, kwargs, shape):
    rng = np.random.default_rng(3)
    ours, ref = _pair("LayerNorm", (shape_arg,), kwargs, rng)
    for training in (True, False):  # no difference between modes
        ours.train(training)
        ref.train(training)
        ours.zero_grad()
        ref.zero_grad()
        _step(ours, ref, (rng.standard_normal(shape) * 3 + 1).astype(np.float32), rng)


GN_CASES = [
    ((2, 4), {}, (3, 4, 5)),
    ((1, 6), {}, (2, 6, 3, 3)),
    ((6, 6), {}, (2, 6, 2, 3)),
    ((3, 6), {"affine": False}, (2, 6, 4)),
    ((2, 4), {"bias": False, "eps": 1e-3}, (5, 4)),
    ((2, 4), {}, (2, 4, 2, 2, 2)),
]


@pytest.mark.parametrize(("args", "kwargs", "shape"), GN_CASES)
def test_groupnorm_matches_torch(args, kwargs, shape):
    rng = np.random.default_rng(4)
    ours, ref = _pair("GroupNorm", args, kwargs, rng)
    _step(ours, ref, (rng.standard_normal(shape) * 2 - 1).astype(np.float32), rng)


def test_layernorm_and_groupnorm_gradcheck_float64():
    rng = np.random.default_rng(5)
    ln = nn.LayerNorm((3, 2), dtype=autograd_lab.float64)
    gn = nn.GroupNorm(2, 4, dtype=autograd_lab.float64)
    with autograd_lab.no_grad():
        for p in [*ln.parameters(), *gn.parameters()]:
            p.copy_(autograd_lab.tensor(rng.standard_normal(tuple(p.shape))))
    x = autograd_lab.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
    assert autograd_lab.autograd.gradcheck(lambda t: ln(t), (x,))
    x = autograd_lab.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    assert autograd_lab.autograd.gradcheck(lambda t: gn(t), (x,))
    w = autograd_lab.tensor(rng.standard_normal(4), requires_grad=True)
    assert autograd_lab.autograd.gradcheck(
        lambda t, w: autograd_lab.nn.functional.group_norm(t, 2, w, None), (x, w))


# (what it does, lib -> result): each must raise the same error as torch
ERROR_CASES = [
    ("bn1d 4D input", lambda lib: lib.nn.BatchNorm1d(3)(lib.zeros(2, 3, 2, 2))),
    ("bn1d 1D input", lambda lib: lib.nn.BatchNorm1d(3)(lib.zeros(3))),
    ("bn2d 2D input", lambda lib: lib.nn.BatchNorm2d(3)(lib.zeros(2, 3))),
    ("bn2d 5D input", lambda lib: lib.nn.BatchNorm2d(3)(lib.zeros(2, 3, 1, 1, 1))),
    ("bn3d 4D input", lambda lib: lib.nn.BatchNorm3d(3)(lib.zeros(2, 3, 1, 1))),
    ("bn one value per channel", lambda lib: lib.nn.BatchNorm1d(3)(lib.zeros(1, 3))),
    ("bn one value, 4D", lambda lib: lib.nn.BatchNorm2d(3)(lib.zeros(1, 3, 1, 1))),
    ("bn one value ok in eval", lambda lib: tuple(lib.nn.BatchNorm1d(3).eval()(
        lib.ones(1, 3)).shape)),
    ("bn one value ok with length", lambda lib: tuple(lib.nn.BatchNorm1d(3)(
        lib.ones(1, 3, 2)).shape)),
    ("bn eps 0 in training", lambda lib: lib.nn.BatchNorm1d(3, eps=0)(lib.zeros(2, 3))),
    ("bn untracked, no affine: any C", lambda lib: tuple(lib.nn.BatchNorm1d(
        3, affine=False, track_running_stats=False)(lib.ones(2, 4)).shape)),
    ("gn not divisible", lambda lib: lib.nn.GroupNorm(3, 4)),
    ("gn not divisible 2", lambda lib: lib.nn.GroupNorm(4, 6, affine=False)),
    ("gn input channels", lambda lib: lib.nn.GroupNorm(2, 4)(lib.zeros(2, 5))),
    ("ln wrong trailing size", lambda lib: lib.nn.LayerNorm(3)(lib.zeros(2, 4))),
    ("ln wrong trailing shape", lambda lib: lib.nn.LayerNorm((2, 3))(lib.zeros(3, 2))),
]


@pytest.mark.parametrize(("what", "call"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(what, call):
    torch = require_torch()
    want = _outcome(lambda: call(torch))
    got = _outcome(lambda: call(autograd_lab))
    assert got == want


def test_batchnorm_in_a_conv_block_matches_torch():
    """Conv -> BatchNorm2d -> ReLU in a Sequential: nested state_dict keys, 3 training steps
    (outputs, gradients, running stats), then eval."""
    torch = require_torch()
    rng = np.random.default_rng(7)

    def block(lib):
        return lib.nn.Sequential(lib.nn.Conv2d(2, 4, 3, padding=1), lib.nn.BatchNorm2d(4),
                                 lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(4 * 5 * 5, 3))

    ours, ref = block(autograd_lab), block(torch)
    assert list(ours.state_dict()) == list(ref.state_dict())
    ours.load_state_dict({k: autograd_lab.tensor(v.numpy()) for k, v in
                          ref.state_dict().items()})
    for _ in range(3):
        ours.zero_grad()
        ref.zero_grad()
        _step(ours, ref, rng.standard_normal((6, 2, 5, 5)).astype(np.float32), rng)
        _check_buffers(ours, ref)
    ours.eval()
    ref.eval()
    _step(ours, ref, rng.standard_normal((2, 2, 5, 5)).astype(np.float32), rng)
