"""``nn.init`` (fans, gains, bounds and the statistics of each initialiser) and ``nn.utils``
(gradient clipping, parameters <-> vector) against PyTorch.

The random streams differ from PyTorch's by design, so initialisers are checked by exact
bounds and by sample statistics of large tensors (tolerances of several standard errors)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
import autograd_lab.nn as alnn
from autograd_lab.nn import init


def _norm(text: str) -> str:
    return text.replace("torch.", "autograd_lab.")


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is what we compare
        return type(e).__name__, _norm(str(e))
    return None


# ----------------------------------------------------------------------------- gains and fans
GAINS = [("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None),
         ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
         ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)), ("selu", None)]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "param"), GAINS)
def test_calculate_gain_matches_torch(name, param):
    torch = require_torch()
    assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


@pytest.mark.torch
@pytest.mark.parametrize("call", ["('leaky_relu', True)", "('leaky_relu', 'a')", "('swish',)"])
def test_calculate_gain_errors_match_torch(call):
    torch = require_torch()
    args = eval(call)  # noqa: S307 - literals of this file
    assert (_err(lambda: init.calculate_gain(*args))
            == _err(lambda: torch.nn.init.calculate_gain(*args)))


@pytest.mark.torch
@pytest.mark.parametrize("shape", [(3,), (4, 5), (6, 3, 5), (8, 4, 3, 3), (2, 3, 2, 2, 2),
                                   (0, 3)])
def test_fans_match_torch(shape):
    torch = require_torch()
    ours = _err(lambda: init._calculate_fan_in_and_fan_out(al.empty(shape))) or \
        init._calculate_fan_in_and_fan_out(al.empty(shape))
    theirs = _err(lambda: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))) or \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert ours == theirs


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    "init.kaiming_uniform_(T.empty(3, 4), mode='fan_avg')",
    "init.eye_(T.empty(2, 3, 4))",
    "init.orthogonal_(T.empty(3))",
    "init.xavier_uniform_(T.empty(3))",
    "init.uniform_(T.empty(3), 2.0, 1.0)",
    "init.normal_(T.empty(3), 0.0, -1.0)",
])
def test_init_errors_match_torch(call):
    torch = require_torch()
    t_err = _err(lambda: eval(call, {"init": torch.nn.init, "T": torch}))  # noqa: S307
    o_err = _err(lambda: eval(call, {"init": init, "T": al}))  # noqa: S307
    assert t_err is not None and o_err == t_err


# ----------------------------------------------------------------------------- distributions
def _stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a.mean(), a.std(), np.abs(a).max(), a.min(), a.max()


def _uniform_bound(fan_in, fan_out, kind, **kw):
    if kind == "xavier":
        return kw.get("gain", 1.0) * math.sqrt(6.0 / (fan_in + fan_out))
    fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
    gain = init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
    return gain * math.sqrt(3.0 / fan)


UNIFORMS = [
    ("xavier_uniform_", (300, 200), {}),
    ("xavier_uniform_", (64, 32, 3, 3), {"gain": 2.0}),
    ("kaiming_uniform_", (400, 100), {}),
    ("kaiming_uniform_", (400, 100), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (64, 16, 5, 5), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform_", (200, 300), {"mode": "FAN_IN", "nonlinearity": "tanh"}),
]


@pytest.mark.parametrize(("fn", "shape", "kw"), UNIFORMS)
def test_uniform_initialisers_bounds(fn, shape, kw):
    t = al.empty(shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    bound = _uniform_bound(fan_in, fan_out, fn.split("_")[0],
                           **{k: (v.lower() if k == "mode" else v) for k, v in kw.items()})
    assert getattr(init, fn)(t, **kw) is t
    mean, std, amax, lo, hi = _stats(t)
    assert amax <= bound * (1 + 1e-6)
    assert lo < -0.99 * bound and hi > 0.99 * bound
    n = t.numel()
    assert abs(mean) < 5 * bound / math.sqrt(3 * n)
    assert abs(std - bound / math.sqrt(3)) < 0.02 * bound


NORMALS = [
    ("xavier_normal_", (300, 200), {}, lambda fi, fo: math.sqrt(2.0 / (fi + fo))),
    ("xavier_normal_", (32, 16, 3, 3), {"gain": 0.5},
     lambda fi, fo: 0.5 * math.sqrt(2 / (fi + fo))),
    ("kaiming_normal_", (400, 100), {}, lambda fi, fo: math.sqrt(2.0 / fi)),
    ("kaiming_normal_", (64, 16, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"},
     lambda fi, fo: math.sqrt(2.0 / fo)),
    ("normal_", (300, 300), {"mean": 2.0, "std": 0.5}, lambda fi, fo: 0.5),
]


@pytest.mark.parametrize(("fn", "shape", "kw", "want_std"), NORMALS)
def test_normal_initialisers_statistics(fn, shape, kw, want_std):
    t = al.empty(shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    std_expected = want_std(fan_in, fan_out)
    assert getattr(init, fn)(t, **kw) is t
    mean, std, *_ = _stats(t)
    n = t.numel()
    assert abs(mean - kw.get("mean", 0.0)) < 5 * std_expected / math.sqrt(n)
    assert abs(std / std_expected - 1) < 0.02


def _trunc_moments(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z
                    - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize(("mean", "std", "a", "b"), [
    (0.0, 1.0, -2.0, 2.0),  # most of the mass: redraw the outliers
    (0.0, 0.02, -0.04, 0.04),  # ViT-style
    (0.0, 1.0, 0.5, 1.0),  # a narrow slice: uniform proposals with acceptance
    (1.0, 2.0, -0.5, 0.0),
])
def test_trunc_normal_statistics(mean, std, a, b):
    t = al.empty(400, 250)
    assert init.trunc_normal_(t, mean, std, a, b) is t
    got_mean, got_std, _, lo, hi = _stats(t)
    assert lo >= a and hi <= b
    want_mean, want_std = _trunc_moments(mean, std, a, b)
    assert abs(got_mean - want_mean) < 5 * want_std / math.sqrt(t.numel())
    assert abs(got_std / want_std - 1) < 0.02


def test_trunc_normal_warns_like_torch():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(al.empty(10), mean=5.0, std=1.0, a=-1.0, b=1.0)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (6, 2, 3, 3), (4, 1)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    t = al.empty(shape, dtype=al.float64)
    init.orthogonal_(t, gain=gain)
    flat = t.numpy().reshape(shape[0], -1)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, gain**2 * np.eye(gram.shape[0]), atol=1e-10)
    assert t.dtype is al.float64


@pytest.mark.torch
@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_fills_match_torch(shape):
    torch = require_torch()
    for name, args in (("eye_", ()), ("zeros_", ()), ("ones_", ()), ("constant_", (0.25,))):
        t = torch.empty(shape)
        getattr(torch.nn.init, name)(t, *args)
        o = al.empty(shape)
        assert getattr(init, name)(o, *args) is o
        np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_initialisers_do_not_record_and_bump_version():
    p = alnn.Parameter(al.empty(20, 10))
    for fn, args in ((init.uniform_, ()), (init.normal_, ()), (init.constant_, (1.0,)),
                     (init.zeros_, ()), (init.ones_, ()), (init.eye_, ()),
                     (init.xavier_uniform_, ()), (init.xavier_normal_, ()),
                     (init.kaiming_uniform_, ()), (init.kaiming_normal_, ()),
                     (init.orthogonal_, ()), (init.trunc_normal_, ())):
        before = p._version
        assert fn(p, *args) is p
        assert p.is_leaf and p.requires_grad and p.grad_fn is None, fn.__name__
        assert p._version > before, fn.__name__
        assert p.dtype is al.float32


@pytest.mark.parametrize("fn", ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_",
                                "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
                                "trunc_normal_"])
def test_generator_argument_reproducible(fn):
    outs = []
    for seed in (7, 7, 8):
        g = al.Generator().manual_seed(seed)
        outs.append(getattr(init, fn)(al.empty(6, 5), generator=g).numpy().copy())
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_kaiming_zero_element_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(al.empty(0, 3))


# ----------------------------------------------------------------------------- nn.utils
def _grads_pair(torch, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,), (2, 2, 2)]
    vals = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [(rng.standard_normal(s) * scale).astype(np.float32) for s in shapes]
    tp = [torch.nn.Parameter(torch.tensor(v)) for v in vals]
    op = [alnn.Parameter(al.tensor(v)) for v in vals]
    for t, o, g in zip(tp, op, grads, strict=True):
        t.grad, o.grad = torch.tensor(g), al.tensor(g)
    return tp, op


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = require_torch()
    tp, op = _grads_pair(torch, 0)
    t_total = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    o_total = alnn.utils.clip_grad_norm_(iter(op), max_norm, norm_type=norm_type)
    assert o_total.shape == () and o_total.dtype is al.float32
    np.testing.assert_allclose(o_total.item(), t_total.item(), rtol=1e-6)
    for t, o in zip(tp, op, strict=True):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.torch
def test_clip_grad_norm_edge_cases_match_torch():
    torch = require_torch()
    tp, op = _grads_pair(torch, 1)
    tp[0].grad[0, 0], op[0].grad[0, 0] = float("nan"), float("nan")
    t_err = _err(lambda: torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True))
    o_err = _err(lambda: alnn.utils.clip_grad_norm_(op, 1.0, error_if_nonfinite=True))
    assert t_err is not None and o_err == t_err
    assert alnn.utils.clip_grad_norm_([alnn.Parameter(al.ones(2))], 1.0).item() == 0.0
    single = alnn.Parameter(al.ones(4))
    single.grad = al.full((4,), 2.0)
    assert alnn.utils.clip_grad_norm_(single, 1.0).item() == 4.0
    np.testing.assert_allclose(single.grad.numpy(), np.full(4, 0.5 / (1 + 2.5e-7)), rtol=1e-6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        alnn.utils.clip_grad_norm_((p for p in []), 1.0)
    assert "empty generator" in str(caught[0].message)


@pytest.mark.torch
@pytest.mark.parametrize("clip", [0.1, 1, 5.0])
def test_clip_grad_value_matches_torch(clip):
    torch = require_torch()
    tp, op = _grads_pair(torch, 2, scale=3.0)
    torch.nn.utils.clip_grad_value_(tp, clip)
    assert alnn.utils.clip_grad_value_(op, clip) is None
    for t, o in zip(tp, op, strict=True):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


@pytest.mark.torch
def test_parameters_vector_round_trip_matches_torch():
    torch = require_torch()
    tp, op = _grads_pair(torch, 3)
    t_vec = torch.nn.utils.parameters_to_vector(tp)
    o_vec = alnn.utils.parameters_to_vector(op)
    np.testing.assert_array_equal(o_vec.detach().numpy(), t_vec.detach().numpy())
    assert o_vec.requires_grad and o_vec.grad_fn is not None
    o_vec.sum().backward()  # differentiable: grads of ones accumulate onto the .grad set above
    new = np.arange(t_vec.numel(), dtype=np.float32)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tp)
    alnn.utils.vector_to_parameters(al.tensor(new), op)
    for t, o in zip(tp, op, strict=True):
        assert isinstance(o, alnn.Parameter)
        np.testing.assert_array_equal(o.detach().numpy(), t.detach().numpy())
    t_err = _err(lambda: torch.nn.utils.vector_to_parameters([1.0], tp))
    o_err = _err(lambda: alnn.utils.vector_to_parameters([1.0], op))
    assert o_err == t_err
