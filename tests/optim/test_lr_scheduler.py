"""LR schedulers against PyTorch: learning-rate sequences, state dicts, plateaus, errors."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
import autograd_lab.optim as aoptim
from autograd_lab.optim import lr_scheduler as alrs

pytestmark = pytest.mark.torch

N_STEPS = 50


def _optimizer(lib, name="SGD", lrs=(0.1, 0.02), **kwargs):
    groups = [{"params": [lib.ones(2, requires_grad=True)], "lr": lr} for lr in lrs]
    if name == "SGD":
        kwargs.setdefault("momentum", 0.9)
    return getattr(lib.optim, name)(groups, **kwargs)


# name -> (optimizer kind, factory(lr_scheduler module, optimizer) -> scheduler)
SCHEDULERS = {
    "StepLR": ("SGD", lambda m, o: m.StepLR(o, step_size=7, gamma=0.5)),
    "MultiStepLR": ("SGD", lambda m, o: m.MultiStepLR(o, milestones=[3, 10, 10, 30], gamma=0.3)),
    "ExponentialLR": ("SGD", lambda m, o: m.ExponentialLR(o, gamma=0.93)),
    "CosineAnnealingLR": ("SGD", lambda m, o: m.CosineAnnealingLR(o, T_max=12, eta_min=1e-3)),
    "CosineAnnealingLR_long": ("SGD", lambda m, o: m.CosineAnnealingLR(o, T_max=50)),
    "WarmRestarts": ("SGD", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=1e-4)),
    "WarmRestarts_mult": ("SGD", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3,
                                                                            T_mult=2)),
    "OneCycleLR": ("SGD", lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.1], total_steps=N_STEPS)),
    "OneCycleLR_linear_3phase_adam": (
        "Adam", lambda m, o: m.OneCycleLR(o, max_lr=0.3, epochs=5, steps_per_epoch=10,
                                          anneal_strategy="linear", three_phase=True,
                                          pct_start=0.25)),
    "OneCycleLR_no_momentum": ("Adagrad", lambda m, o: m.OneCycleLR(o, max_lr=0.2,
                                                                    total_steps=N_STEPS,
                                                                    cycle_momentum=False)),
    "LinearLR": ("SGD", lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=20)),
    "LinearLR_down": ("SGD", lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                                     total_iters=10)),
    "ConstantLR": ("SGD", lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=8)),
    "LambdaLR": ("SGD", lambda m, o: m.LambdaLR(o, lr_lambda=lambda e: 0.95**e)),
    "LambdaLR_per_group": ("SGD", lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1),
                                                             lambda e: e % 4])),
    "SequentialLR": ("SGD", lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.ExponentialLR(o, gamma=0.9),
            m.CosineAnnealingLR(o, T_max=10)], milestones=[5, 25])),
}


def _lr_state(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _run(lib, name, n=N_STEPS, opt=None, sched=None):
    kind, factory = SCHEDULERS[name]
    if opt is None:
        opt = _optimizer(lib, kind)
        sched = factory(lib.optim.lr_scheduler, opt)
    seq = [(sched.get_last_lr(), _lr_state(opt))]
    for _ in range(n):
        opt.step()
        sched.step()
        seq.append((sched.get_last_lr(), _lr_state(opt)))
    return opt, sched, seq


def _assert_sequences_close(ours, theirs):
    assert len(ours) == len(theirs)
    for (a_last, a_groups), (t_last, t_groups) in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a_last, t_last, rtol=1e-12, atol=1e-15)
        for a, t in zip(a_groups, t_groups, strict=True):
            np.testing.assert_allclose(a[0], t[0], rtol=1e-12, atol=1e-15)
            assert (a[1] is None) == (t[1] is None)
            if a[1] is not None:
                np.testing.assert_allclose(a[1], t[1], rtol=1e-12)
            if a[2] is not None:
                np.testing.assert_allclose(a[2], t[2], rtol=1e-12)


def _assert_state_equal(ours, theirs):
    """Scheduler state dicts: same keys in the same order, values equal (floats to 1e-12)."""
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for key in theirs:
            _assert_state_equal(ours[key], theirs[key])
    elif isinstance(theirs, list | tuple):
        assert len(ours) == len(theirs)
        for a, t in zip(ours, theirs, strict=True):
            _assert_state_equal(a, t)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
    else:
        assert ours == theirs


@pytest.mark.parametrize("name", SCHEDULERS)
def test_learning_rates_match_torch(name):
    torch = require_torch()
    *_, ours = _run(al, name)
    *_, theirs = _run(torch, name)
    _assert_sequences_close(ours, theirs)


@pytest.mark.parametrize("name", SCHEDULERS)
def test_state_dict_matches_torch_and_round_trips(name):
    torch = require_torch()
    _, sched_a, _ = _run(al, name, n=17)
    _, sched_t, _ = _run(torch, name, n=17)
    state_a, state_t = sched_a.state_dict(), sched_t.state_dict()
    _assert_state_equal(state_a, state_t)
    # resume: a fresh optimizer + scheduler loaded from the saved states goes on identically
    opt_a = sched_a.optimizer
    saved_opt, saved_sched = copy.deepcopy(opt_a.state_dict()), copy.deepcopy(state_a)
    kind, factory = SCHEDULERS[name]
    opt_r = _optimizer(al, kind)
    sched_r = factory(alrs, opt_r)
    opt_r.load_state_dict(saved_opt)
    sched_r.load_state_dict(saved_sched)
    *_, resumed = _run(al, name, n=N_STEPS - 17, opt=opt_r, sched=sched_r)
    *_, continued = _run(torch, name, n=N_STEPS - 17, opt=sched_t.optimizer, sched=sched_t)
    _assert_sequences_close(resumed, continued)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "LinearLR", "ConstantLR"])
def test_step_with_epoch_uses_the_closed_form(name):
    torch = require_torch()
    results = []
    for lib in (al, torch):
        kind, factory = SCHEDULERS[name]
        opt = _optimizer(lib, kind)
        sched = factory(lib.optim.lr_scheduler, opt)
        opt.step()
        lrs = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in (3, 9, 4, 20):
                sched.step(epoch)
                lrs.append(sched.get_last_lr())
        results.append((lrs, [str(w.message) for w in caught]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    assert results[0][1] == results[1][1]


def test_warm_restarts_with_fractional_epochs():
    torch = require_torch()
    results = []
    for lib in (al, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2,
                                                                   eta_min=0.001)
        lrs = []
        for epoch in range(12):
            for i in range(3):
                opt.step()
                sched.step(epoch + i / 3)
                lrs.append(sched.get_last_lr() + [sched.T_cur, sched.T_i, sched.last_epoch])
        results.append(lrs)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


PLATEAU_CASES = [
    {},
    {"patience": 2, "factor": 0.5},
    {"mode": "max", "patience": 1, "threshold": 0.1},
    {"threshold_mode": "abs", "threshold": 0.05, "patience": 0, "cooldown": 2},
    {"mode": "max", "threshold_mode": "abs", "patience": 1, "min_lr": [0.05, 0.001]},
    {"patience": 0, "factor": 0.5, "min_lr": 0.01, "eps": 1e-3},
]
METRICS = [1.0, 0.9, 0.95, 0.95, 0.89, 0.9, 0.91, 0.92, 0.5, 0.5, 0.5, 0.6, 0.7, 0.4, 0.41,
           0.42, 0.43, 0.44, 0.45, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    torch = require_torch()
    results = []
    for lib in (al, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for metric in METRICS:
            opt.step()
            sched.step(lib.tensor(metric))
            seq.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter,
                        sched.best))
        results.append((seq, sched.state_dict()))
    (seq_a, state_a), (seq_t, state_t) = results
    np.testing.assert_allclose([s[0] for s in seq_a], [s[0] for s in seq_t], rtol=1e-12)
    _assert_state_equal([s[1:] for s in seq_a], [s[1:] for s in seq_t])
    _assert_state_equal(state_a, state_t)


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt = _optimizer(al)
    sched = alrs.ReduceLROnPlateau(opt, mode="max", patience=1)
    for metric in METRICS[:7]:
        sched.step(metric)
    fresh = alrs.ReduceLROnPlateau(_optimizer(al))
    fresh.load_state_dict(copy.deepcopy(sched.state_dict()))
    assert fresh.state_dict() == sched.state_dict()
    assert fresh._is_better(10.0, 5.0)  # max mode came back with the state


def _error_cases(m, o):
    return [
        lambda: m.StepLR(object(), 3),
        lambda: m.LambdaLR(o, [lambda e: 1.0]),
        lambda: m.LinearLR(o, start_factor=0),
        lambda: m.LinearLR(o, end_factor=1.5),
        lambda: m.ConstantLR(o, factor=2),
        lambda: m.CosineAnnealingWarmRestarts(o, T_0=0),
        lambda: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
        lambda: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="x"),
        lambda: m.OneCycleLR(o, max_lr=0.1),
        lambda: m.OneCycleLR(o, max_lr=0.1, total_steps=-3),
        lambda: m.OneCycleLR(o, max_lr=0.1, epochs=0, steps_per_epoch=3),
        lambda: m.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=2.0),
        lambda: m.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
        lambda: m.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10),
        lambda: m.ReduceLROnPlateau(o, factor=1.0),
        lambda: m.ReduceLROnPlateau(o, mode="avg"),
        lambda: m.ReduceLROnPlateau(o, threshold_mode="pct"),
        lambda: m.ReduceLROnPlateau(o, min_lr=[0.1]),
        lambda: m.SequentialLR(o, [], milestones=[]),
        lambda: m.SequentialLR(o, [m.StepLR(o, 2)], milestones=[3]),
        lambda: m.SequentialLR(o, [m.StepLR(o, 2), m.ReduceLROnPlateau(o)], milestones=[3]),
        lambda: m.StepLR(o, 3, last_epoch=4),
    ]


@pytest.mark.parametrize("case", range(22))
def test_constructor_errors_match_torch(case):
    torch = require_torch()
    with pytest.raises(Exception) as expected:
        _error_cases(torch.optim.lr_scheduler, _optimizer(torch))[case]()
    with pytest.raises(type(expected.value)) as got:
        _error_cases(alrs, _optimizer(al))[case]()
    assert str(got.value) == str(expected.value)


def test_one_cycle_stepping_too_far_raises_like_torch():
    torch = require_torch()
    messages = []
    for lib in (al, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError) as err:
            sched.step()
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_warns_when_scheduler_steps_before_optimizer():
    torch = require_torch()
    messages = []
    for lib in (al, torch):
        sched = lib.optim.lr_scheduler.StepLR(_optimizer(lib), 3)
        with pytest.warns(UserWarning) as record:
            sched.step()
        messages.append([str(w.message) for w in record])
    assert messages[0] == messages[1]
    opt = _optimizer(al)
    sched = alrs.StepLR(opt, 3)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()  # the right order: no warning


def test_get_lr_outside_step_warns():
    sched = alrs.StepLR(_optimizer(al), 3)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_scheduler_drives_the_optimizer_learning_rate():
    p = al.ones(1, requires_grad=True)
    opt = aoptim.SGD([p], lr=1.0)
    sched = alrs.StepLR(opt, step_size=1, gamma=0.5)
    values = []
    for _ in range(3):
        p.grad = al.ones(1)
        before = p.item()
        opt.step()
        values.append(before - p.item())
        sched.step()
    assert values == [1.0, 0.5, 0.25]
