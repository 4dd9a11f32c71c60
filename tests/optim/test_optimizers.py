"""Optimizers against PyTorch: trajectories, state dicts, param groups, zero_grad, errors, repr.

Every parity test starts both libraries from the same NumPy parameters and feeds the same
gradients (or computes the same loss in each library), then compares the parameters after
every step and the optimizer's ``state_dict`` at the end.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
import autograd_lab.nn as ann
import autograd_lab.optim as aoptim

pytestmark = pytest.mark.torch

SHAPES = [(3, 4), (5,), ()]
N_STEPS = 10

# (optimizer name, keyword arguments): each option of each optimizer appears at least once.
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3, "maximize": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01, "foreach": False}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-6, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
]
CASE_IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


def _params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


def _grads(n: int = N_STEPS, seed: int = 1) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(n)]


def _pair(values):
    torch = require_torch()
    ours = [al.tensor(v.copy(), requires_grad=True) for v in values]
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in values]
    return ours, theirs


def _assert_params_close(ours, theirs, rtol=2e-6):
    for a, t in zip(ours, theirs, strict=True):
        expected = t.detach().numpy()
        np.testing.assert_allclose(a.detach().numpy(), expected, rtol=rtol,
                                   atol=rtol * max(1.0, float(np.abs(expected).max())))


def _to_numpy(value):
    return value.detach().numpy() if hasattr(value, "detach") else value


def _assert_state_dicts_equal(ours: dict, theirs: dict, rtol=2e-6):
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["state"]) == list(theirs["state"])
    for idx, t_state in theirs["state"].items():
        a_state = ours["state"][idx]
        assert list(a_state) == list(t_state)
        for key, t_val in t_state.items():
            a_val = a_state[key]
            if t_val is None:
                assert a_val is None
                continue
            assert str(a_val.dtype).split(".")[-1] == str(t_val.dtype).split(".")[-1]
            assert tuple(a_val.shape) == tuple(t_val.shape)
            np.testing.assert_allclose(_to_numpy(a_val), _to_numpy(t_val), rtol=rtol,
                                       atol=1e-7)


def _feed(params, grads, lib):
    for p, g in zip(params, grads, strict=True):
        p.grad = lib.tensor(g.copy())


def _make(name, params, kwargs, lib):
    return getattr(lib.optim, name)(params, **copy.deepcopy(kwargs))


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=CASE_IDS)
def test_trajectory_and_state_match_torch(name, kwargs):
    torch = require_torch()
    ours, theirs = _pair(_params())
    opt_a, opt_t = _make(name, ours, kwargs, al), _make(name, theirs, kwargs, torch)
    for grads in _grads():
        _feed(ours, grads, al)
        _feed(theirs, grads, torch)
        opt_a.step()
        opt_t.step()
        _assert_params_close(ours, theirs)
    _assert_state_dicts_equal(opt_a.state_dict(), opt_t.state_dict())


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=CASE_IDS)
def test_training_a_small_mlp_with_closure_matches_torch(name, kwargs):
    torch = require_torch()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    y = rng.standard_normal((8, 2)).astype(np.float32)
    init = [rng.standard_normal(s).astype(np.float32) * 0.5 for s in [(3, 5), (5,), (5, 2)]]
    results = []
    for lib in (al, torch):
        w1, b1, w2 = (lib.tensor(v.copy(), requires_grad=True) for v in init)
        opt = _make(name, [w1, b1, w2], kwargs, lib)
        xs, ys = lib.tensor(x), lib.tensor(y)
        losses = []

        def closure(lib=lib, w1=w1, b1=b1, w2=w2, opt=opt, xs=xs, ys=ys):
            opt.zero_grad()
            loss = (((xs @ w1 + b1).tanh() @ w2 - ys) ** 2).mean()
            loss.backward()
            return loss

        for _ in range(N_STEPS):
            losses.append(float(opt.step(closure).detach()))
        results.append((losses, [w1, b1, w2]))
    (losses_a, params_a), (losses_t, params_t) = results
    np.testing.assert_allclose(losses_a, losses_t, rtol=1e-5)
    _assert_params_close(params_a, params_t, rtol=1e-5)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_param_groups_with_their_own_options(name):
    torch = require_torch()
    ours, theirs = _pair(_params())
    extra = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}

    def groups(ps):
        return [{"params": ps[:1], "lr": 0.2, **extra}, {"params": ps[1:], "weight_decay": 0.1}]

    opt_a = getattr(aoptim, name)(groups(ours), lr=0.01)
    opt_t = getattr(torch.optim, name)(groups(theirs), lr=0.01)
    assert [g["lr"] for g in opt_a.param_groups] == [0.2, 0.01]
    for grads in _grads(5):
        _feed(ours, grads, al)
        _feed(theirs, grads, torch)
        opt_a.step()
        opt_t.step()
    _assert_params_close(ours, theirs)
    _assert_state_dicts_equal(opt_a.state_dict(), opt_t.state_dict())
    assert repr(opt_a) == repr(opt_t)


def test_parameters_without_grad_are_skipped():
    torch = require_torch()
    ours, theirs = _pair(_params())
    opt_a, opt_t = aoptim.Adam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    grads = _grads(1)[0]
    ours[0].grad, theirs[0].grad = al.tensor(grads[0]), torch.tensor(grads[0])
    before = ours[1].detach().numpy().copy()
    opt_a.step()
    opt_t.step()
    np.testing.assert_array_equal(ours[1].detach().numpy(), before)
    _assert_state_dicts_equal(opt_a.state_dict(), opt_t.state_dict())


def test_works_with_nn_parameter():
    torch = require_torch()
    values = _params()
    ours = [ann.Parameter(al.tensor(v.copy())) for v in values]
    theirs = [torch.nn.Parameter(torch.tensor(v.copy())) for v in values]
    opt_a, opt_t = aoptim.SGD(ours, lr=0.1, momentum=0.9), torch.optim.SGD(theirs, lr=0.1,
                                                                          momentum=0.9)
    for grads in _grads(3):
        _feed(ours, grads, al)
        _feed(theirs, grads, torch)
        opt_a.step()
        opt_t.step()
    _assert_params_close(ours, theirs)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=CASE_IDS)
def test_state_dict_round_trip_then_continue(name, kwargs):
    torch = require_torch()
    ours, theirs = _pair(_params())
    opt_a, opt_t = _make(name, ours, kwargs, al), _make(name, theirs, kwargs, torch)
    grads = _grads(8)
    for g in grads[:3]:
        _feed(ours, g, al)
        _feed(theirs, g, torch)
        opt_a.step()
        opt_t.step()
    saved = copy.deepcopy(opt_a.state_dict())
    resumed = [al.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
    opt_r = _make(name, resumed, kwargs, al)
    opt_r.load_state_dict(saved)
    _assert_state_dicts_equal(opt_r.state_dict(), opt_t.state_dict())
    for g in grads[3:]:
        _feed(resumed, g, al)
        _feed(theirs, g, torch)
        opt_r.step()
        opt_t.step()
    _assert_params_close(resumed, theirs)
    _assert_state_dicts_equal(opt_r.state_dict(), opt_t.state_dict())


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    p32 = al.zeros(3, requires_grad=True)
    opt = aoptim.Adam([p32])
    p32.grad = al.ones(3)
    opt.step()
    p64 = al.zeros(3, dtype=al.float64, requires_grad=True)
    opt64 = aoptim.Adam([p64])
    opt64.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert opt64.state[p64]["exp_avg"].dtype == al.float64
    assert opt64.state[p64]["step"].dtype == al.float32  # 'step' is never cast


def test_load_state_dict_errors_match_torch():
    torch = require_torch()
    ours, theirs = _pair(_params())
    one_a, one_t = aoptim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
    two_a = aoptim.SGD([{"params": ours[:1]}, {"params": ours[1:]}], lr=0.1)
    two_t = torch.optim.SGD([{"params": theirs[:1]}, {"params": theirs[1:]}], lr=0.1)
    short_a = aoptim.SGD(ours[:2], lr=0.1)
    short_t = torch.optim.SGD(theirs[:2], lr=0.1)
    for (dst_a, src_a), (dst_t, src_t) in [((one_a, two_a), (one_t, two_t)),
                                           ((one_a, short_a), (one_t, short_t))]:
        with pytest.raises(ValueError) as theirs_err:
            dst_t.load_state_dict(src_t.state_dict())
        with pytest.raises(ValueError, match="^" + str(theirs_err.value) + "$"):
            dst_a.load_state_dict(src_a.state_dict())


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    torch = require_torch()
    results = []
    for lib in (al, torch):
        p = lib.ones(3, requires_grad=True)
        (p * p).sum().backward(create_graph=True)  # the grad has a grad_fn
        q = lib.ones(2, requires_grad=True)
        q.grad = lib.full((2,), 5.0)
        grad_q = q.grad
        opt = lib.optim.SGD([p, q], lr=0.1)
        opt.zero_grad(set_to_none=set_to_none)
        if set_to_none:
            results.append((p.grad, q.grad))
        else:
            assert q.grad is grad_q  # zeroed in place
            results.append((p.grad.tolist(), p.grad.requires_grad, p.grad.grad_fn is None,
                            q.grad.tolist()))
    assert results[0] == results[1]


def test_zero_grad_then_step_still_applies_weight_decay_and_momentum():
    torch = require_torch()
    ours, theirs = _pair(_params())
    kw = {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}
    opt_a, opt_t = aoptim.SGD(ours, **kw), torch.optim.SGD(theirs, **kw)
    for grads in _grads(3):
        _feed(ours, grads, al)
        _feed(theirs, grads, torch)
        opt_a.zero_grad(set_to_none=False)
        opt_t.zero_grad(set_to_none=False)
        opt_a.step()
        opt_t.step()
    _assert_params_close(ours, theirs)


def test_step_bumps_versions_so_stale_graphs_fail():
    p = al.ones(3, requires_grad=True)
    y = (p * p).sum()  # saves p for backward
    version = p._version
    p.grad = al.ones(3)
    aoptim.SGD([p], lr=0.1).step()
    assert p._version > version
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_step_hooks_and_handles():
    p = al.ones(2, requires_grad=True)
    p.grad = al.ones(2)
    opt = aoptim.SGD([p], lr=0.5)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", p.tolist())))
    opt.register_step_post_hook(lambda o, a, k: calls.append(("post", p.tolist())))
    opt.step()
    pre.remove()
    opt.step()
    assert calls == [("pre", [1.0, 1.0]), ("post", [0.5, 0.5]), ("post", [0.0, 0.0])]


def test_state_dict_hooks():
    opt = aoptim.SGD([al.ones(2, requires_grad=True)], lr=0.5)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    seen = []
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append(sorted(sd)))
    opt.register_load_state_dict_post_hook(lambda o: seen.append(o.param_groups[0]["lr"]))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == [["extra", "param_groups", "state"], 0.5]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_repr_and_defaults_match_torch(name):
    torch = require_torch()
    ours, theirs = _pair(_params())
    kw = {"lr": 0.1} if name == "SGD" else {}
    opt_a, opt_t = getattr(aoptim, name)(ours, **kw), getattr(torch.optim, name)(theirs, **kw)
    assert repr(opt_a) == repr(opt_t)
    assert opt_a.defaults == opt_t.defaults
    _assert_state_dicts_equal(opt_a.state_dict(), opt_t.state_dict())


CONSTRUCTOR_ERRORS = [
    ("SGD", {"lr": -1}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1e-3}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "fused": True, "foreach": True}),
    ("Adam", {"lr": -0.5}),
    ("Adam", {"eps": -1.0}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -1}),
    ("Adam", {"betas": (0.9, 1)}),
    ("AdamW", {"betas": (-0.1, 0.9)}),
    ("RMSprop", {"lr": -1e-3}),
    ("RMSprop", {"eps": -1e-3}),
    ("RMSprop", {"momentum": -1}),
    ("RMSprop", {"weight_decay": -1}),
    ("RMSprop", {"alpha": -0.5}),
    ("Adagrad", {"lr_decay": -1}),
    ("Adagrad", {"weight_decay": -1}),
    ("Adagrad", {"initial_accumulator_value": -1}),
    ("Adagrad", {"eps": -1}),
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"eps": -1}),
    ("Adadelta", {"lr": -1}),
    ("Adadelta", {"weight_decay": -1}),
    ("Adadelta", {"rho": -0.1}),
    ("SGD", {"lr": "a"}),
    ("SGD", {"lr": 0.1, "fused": True, "differentiable": True}),
    ("Adam", {"fused": True, "differentiable": True}),
    ("AdamW", {"lr": -1}),
    ("AdamW", {"eps": -1}),
    ("AdamW", {"weight_decay": -1}),
    ("AdamW", {"betas": (0.9, 1.0)}),
    ("AdamW", {"fused": True, "foreach": True}),
    ("Adagrad", {"lr": -1}),
    ("Adagrad", {"fused": True, "foreach": True}),
    ("RMSprop", {"lr": float("nan")}),
    ("Adam", {"lr": float("nan")}),
]


@pytest.mark.parametrize(("name", "kwargs"), CONSTRUCTOR_ERRORS)
def test_argument_errors_match_torch(name, kwargs):
    torch = require_torch()
    ours, theirs = _pair(_params())
    with pytest.raises(Exception) as expected:
        getattr(torch.optim, name)(theirs, **kwargs)
    with pytest.raises(type(expected.value)) as got:
        getattr(aoptim, name)(ours, **kwargs)
    assert str(got.value) == str(expected.value)


def _tensor_arg_cases(lib):
    """Options given as tensors (built in each library)."""
    t = lib.tensor
    return {
        "SGD lr 2 elements": ("SGD", {"lr": t([0.1, 0.2])}),
        "Adam lr 2 elements": ("Adam", {"lr": t([0.1, 0.2])}),
        "Adam lr tensor with foreach": ("Adam", {"lr": t(0.1), "foreach": True}),
        "AdamW lr tensor with foreach": ("AdamW", {"lr": t(0.1), "foreach": True}),
        "Adam betas mixed": ("Adam", {"betas": (0.9, t(0.99))}),
        "Adam beta tensors with foreach": ("Adam", {"betas": (t(0.9), t(0.99)),
                                                    "foreach": True}),
        "Adam beta 2 elements": ("Adam", {"betas": (t([0.9, 0.8]), t(0.99))}),
        "RMSprop lr 2 elements": ("RMSprop", {"lr": t([0.1, 0.2])}),
        "Adagrad lr 2 elements": ("Adagrad", {"lr": t([0.1, 0.2])}),
        "Adadelta lr 2 elements": ("Adadelta", {"lr": t([0.1, 0.2])}),
    }


@pytest.mark.parametrize("case", list(_tensor_arg_cases(al)))
def test_tensor_argument_errors_match_torch(case):
    torch = require_torch()
    ours, theirs = _pair(_params())
    name, t_kwargs = _tensor_arg_cases(torch)[case]
    _, o_kwargs = _tensor_arg_cases(al)[case]
    with pytest.raises(Exception) as expected:
        getattr(torch.optim, name)(theirs, **t_kwargs)
    with pytest.raises(type(expected.value)) as got:
        getattr(aoptim, name)(ours, **o_kwargs)
    assert str(got.value) == str(expected.value)


def test_sgd_accepts_a_nan_learning_rate_like_torch():
    torch = require_torch()
    ours, theirs = _pair(_params())
    assert np.isnan(aoptim.SGD(ours, lr=float("nan")).param_groups[0]["lr"])
    assert np.isnan(torch.optim.SGD(theirs, lr=float("nan")).param_groups[0]["lr"])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_docstring_shows_the_update_rule(name):
    doc = getattr(aoptim, name).__doc__
    assert r"\begin{aligned}" in doc and r"\textbf{for } t = 1, 2, \ldots" in doc
    assert r"\theta_t \leftarrow" in doc  # the parameter update itself
    for section in ("Args:", "Example::"):
        assert section in doc


def _param_errors(lib):
    leaf = lib.ones(2, requires_grad=True)
    other = lib.ones(3, requires_grad=True)
    return [
        lambda: lib.optim.SGD([], lr=0.1),
        lambda: lib.optim.SGD(leaf, lr=0.1),
        lambda: lib.optim.SGD([leaf * 2], lr=0.1),
        lambda: lib.optim.SGD([leaf, 1.5], lr=0.1),
        lambda: lib.optim.SGD([leaf], lr=0.1).add_param_group({"params": {other}}),
        lambda: lib.optim.SGD([{"params": [leaf]}, {"params": [other, leaf]}], lr=0.1),
        lambda: lib.optim.SGD([leaf], lr=0.1).add_param_group({"params": leaf}),
        lambda: lib.optim.SGD([leaf], lr=0.1).add_param_group([other]),
        lambda: lib.optim.SGD([("w", leaf)], lr=0.1).add_param_group({"params": [other]}),
    ]


@pytest.mark.parametrize("case", range(9))
def test_param_group_errors_match_torch(case):
    torch = require_torch()
    with pytest.raises(Exception) as expected:
        _param_errors(torch)[case]()
    with pytest.raises(type(expected.value)) as got:
        _param_errors(al)[case]()
    assert str(got.value) == str(expected.value).replace("torch.", "autograd_lab.")


def test_add_param_group_and_named_parameters():
    torch = require_torch()
    results = []
    for lib in (al, torch):
        a, b = lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)
        opt = lib.optim.Adam([("a", a)], lr=0.1)
        opt.add_param_group({"params": [("b", b)], "lr": 0.01, "amsgrad": True})
        results.append((repr(opt), opt.state_dict()["param_groups"]))
    assert results[0] == results[1]


def test_differentiable_is_refused():
    with pytest.raises(ValueError, match="differentiable=True"):
        aoptim.SGD([al.ones(2, requires_grad=True)], lr=0.1, differentiable=True)
