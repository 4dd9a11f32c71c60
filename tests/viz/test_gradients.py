"""viz.gradients: the numbers it shows match PyTorch computed independently, and its
beginner-worded flags fire on a vanishing, an exploding, a dead-ReLU and a badly stepped
network, and not on a healthy one."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lab as al
import autograd_lab.nn as al_nn
from autograd_lab import viz
from autograd_lab.viz import gradient_report as grad_mod


def mlp(nn, act: str, depth: int, width: int = 16, n_in: int = 12, n_out: int = 5):
    layers = []
    for i in range(depth):
        layers += [nn.Linear(n_in if i == 0 else width, width), getattr(nn, act)()]
    return nn.Sequential(*layers, nn.Linear(width, n_out))


def huge_init(net, nn) -> None:
    for p in net.parameters():
        if p.dim() >= 2:
            nn.init.normal_(p, std=3.0)


def negative_bias(net, nn) -> None:
    nn.init.constant_(net[0].bias, -50.0)


# name -> (activation, depth, how to change the init, lr, warn-level flag kinds expected)
NETS = {
    "healthy": ("ReLU", 3, None, 0.05, set()),
    "vanishing (deep sigmoid)": ("Sigmoid", 10, None, 0.05, {"vanishing"}),
    "exploding (huge init)": ("ReLU", 6, huge_init, 1e-6, {"exploding"}),
    "dead ReLUs (bias -50)": ("ReLU", 2, negative_bias, 0.05, {"dead_relu"}),
    "learning rate too high": ("ReLU", 3, None, 50.0, {"large_update"}),
}


def build(name: str, torch):
    """The same network, weights and batch in autograd_lab and in PyTorch."""
    act, depth, tweak, lr, _ = NETS[name]
    al.manual_seed(0)
    ours = mlp(al_nn, act, depth)
    if tweak:
        tweak(ours, al_nn)
    theirs = mlp(torch.nn, act, depth)
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 12)).astype(np.float32)
    y = rng.integers(0, 5, 32)
    return ours, theirs, x, y, lr


def backward(net, lib, x, y, lr):
    opt = lib.optim.SGD(net.parameters(), lr=lr)
    opt.zero_grad()
    lib.nn.functional.cross_entropy(net(lib.tensor(x)), lib.tensor(y)).backward()
    return opt


def torch_reference(theirs, torch, x, y, lr):
    """Norms, ratios, histograms inputs and dead shares computed directly with PyTorch."""
    opt = backward(theirs, torch, x, y, lr)
    before = {n: p.detach().clone().double() for n, p in theirs.named_parameters()}
    ref = {n: {"grad_norm": p.grad.double().norm().item(),
               "grad_to_weight": (p.grad.double().norm() / p.detach().double().norm()).item(),
               "abs_grad": p.grad.double().abs().flatten().numpy()}
           for n, p in theirs.named_parameters()}
    dead, h = {}, torch.tensor(x)
    with torch.no_grad():
        for i, layer in enumerate(theirs):
            h = layer(h)
            if isinstance(layer, torch.nn.ReLU):
                dead[str(i)] = ((h == 0).all(dim=0).double().mean().item(),
                                (h == 0).double().mean().item())
    opt.step()
    for n, p in theirs.named_parameters():
        ref[n]["update_ratio"] = ((p.detach().double() - before[n]).norm()
                                  / before[n].norm()).item()
    return ref, dead


@pytest.mark.torch
@pytest.mark.parametrize("name", NETS)
def test_numbers_match_torch(name, torch):
    ours, theirs, x, y, lr = build(name, torch)
    opt = backward(ours, al, x, y, lr)
    report = viz.gradients(ours, opt, inputs=al.tensor(x))
    opt.step()
    ref, dead = torch_reference(theirs, torch, x, y, lr)

    assert [r["name"] for r in report.rows] == list(ref)
    lo, hi = report.decades
    edges = np.linspace(lo, hi, (hi - lo) * grad_mod.HIST_BINS_PER_DECADE + 1)
    for row in report.rows:
        want = ref[row["name"]]
        for key in ("grad_norm", "grad_to_weight"):
            assert row[key] == pytest.approx(want[key], rel=1e-3, abs=1e-30), (row["name"], key)
        # float32 steps: an update far below the weight's precision rounds away (ratio 0)
        assert row["update_ratio"] == pytest.approx(want["update_ratio"], rel=2e-2, abs=1e-7)
        nonzero = want["abs_grad"][want["abs_grad"] > 0]
        assert row["zeros"] == want["abs_grad"].size - nonzero.size
        counts = np.histogram(np.clip(np.log10(nonzero), lo, hi), bins=edges)[0]
        # a value on a bin edge may land on either side after float32 rounding
        assert np.abs(np.array(row["histogram"]) - counts).sum() <= 2, row["name"]
        assert sum(row["histogram"]) == nonzero.size
    assert set(report.dead_relu) == set(dead)
    for module, (dead_share, zero_share) in dead.items():
        assert report.dead_relu[module]["dead"] == pytest.approx(dead_share)
        assert report.dead_relu[module]["zero"] == pytest.approx(zero_share)


@pytest.mark.torch
@pytest.mark.parametrize("name", NETS)
def test_flags_fire_only_on_the_broken_network(name, torch):
    ours, _, x, y, lr = build(name, torch)
    opt = backward(ours, al, x, y, lr)
    report = viz.gradients(ours, opt, inputs=al.tensor(x))
    opt.step()
    warned = {f["kind"] for f in report.flags if f["level"] == "warn"}
    assert warned == NETS[name][4], report.flags
    kinds = [f["kind"] for f in report.flags]
    assert ("healthy" in kinds) == (not NETS[name][4])
    for flag in report.flags:  # every message is also in both views
        assert flag["message"] in report.to_text()
        assert flag["message"].replace("'", "&#x27;") in report.html


def test_the_same_report_works_on_a_pytorch_model(torch):
    _, theirs, x, y, lr = build("vanishing (deep sigmoid)", torch)
    opt = backward(theirs, torch, x, y, lr)
    report = viz.gradients(theirs, opt, inputs=torch.tensor(x))
    opt.step()
    assert "vanishing" in {f["kind"] for f in report.flags}
    assert all(r["update_ratio"] is not None for r in report.rows)


SITUATIONS = {
    # name -> (prepare(net, x, y) -> optimizer or None, flag kind expected, level)
    "before backward": (lambda net, x, y: None, "no_grad", "warn"),
    "part of the model unused": (
        lambda net, x, y: al.nn.functional.cross_entropy(net[2](net[1](net[0](x)))
                                                         @ al.ones(16, 5), y).backward(),
        "no_grad", "info"),
    "nan in the loss": (
        lambda net, x, y: (net(x).sum() * float("nan")).backward(), "nonfinite", "warn"),
    "loss times zero": (
        lambda net, x, y: (net(x).sum() * 0).backward(), "zero_grad", "info"),
}


@pytest.mark.parametrize("name", SITUATIONS)
def test_situation_flags(name):
    prepare, kind, level = SITUATIONS[name]
    al.manual_seed(0)
    net = mlp(al_nn, "ReLU", 2)
    x, y = al.randn(8, 12), al.randint(0, 5, (8,))
    prepare(net, x, y)
    report = viz.gradients(net)
    assert {"kind": kind, "level": level} in [{"kind": f["kind"], "level": f["level"]}
                                              for f in report.flags], report.flags


def test_learning_rate_too_low_is_noticed():
    al.manual_seed(0)
    net = mlp(al_nn, "ReLU", 2)
    opt = al.optim.SGD(net.parameters(), lr=1e-12)
    al.nn.functional.cross_entropy(net(al.randn(8, 12)), al.randint(0, 5, (8,))).backward()
    report = viz.gradients(net, opt)
    assert "small_update" not in {f["kind"] for f in report.flags}  # not before the step
    opt.step()
    assert "small_update" in {f["kind"] for f in report.flags}
    opt.step()  # the report watched one step only; its hooks are gone
    assert len(opt._optimizer_step_pre_hooks) == len(opt._optimizer_step_post_hooks) == 0


def test_widget_state_and_views():
    al.manual_seed(0)
    net = mlp(al_nn, "ReLU", 2)
    al.nn.functional.cross_entropy(net(al.randn(8, 12)), al.randint(0, 5, (8,))).backward()
    report = viz.gradients(net)
    assert set(report.keys) >= {"rows", "flags", "decades", "dead_relu", "html"}  # synced
    assert report.html == report._repr_html_() == report.to_html()
    assert repr(report) == report.to_text() and report.to_text().startswith("Gradients")
    assert [r["name"] for r in report.rows] == [n for n, _ in net.named_parameters()]
    assert report.rows[0]["grad_norm"] == pytest.approx(net[0].weight.grad.norm().item())
    assert all(r["update_ratio"] is None for r in report.rows)
    assert ">update / weight</th>" not in report.html  # no column before the step
    before = report.html
    net.zero_grad()
    al.nn.functional.cross_entropy(net(al.randn(8, 12) * 3), al.randint(0, 5, (8,))).backward()
    report.refresh()
    assert report.html != before


def test_dead_relu_restores_buffers_and_skips_functional_relu():
    net = al_nn.Sequential(al_nn.Linear(3, 4), al_nn.BatchNorm1d(4), al_nn.ReLU())
    mean_before = net[1].running_mean.clone()
    stats = viz.dead_relu(net, al.randn(16, 3))
    assert list(stats) == ["2"] and stats["2"]["units"] == 4
    assert al.equal(net[1].running_mean, mean_before)


@pytest.mark.parametrize("value, words", [(12.0, "12"), (3456.0, "3,500"),
                                          (2.4e8, "240,000,000"), (math.inf, "inf")])
def test_factors_read_like_words(value, words):
    assert grad_mod.times(value) == words
