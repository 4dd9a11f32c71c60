"""viz.stepper: it steps through the engine's real backward order, shows what each node
received and sent, and leaves the same .grad as a plain backward."""

from __future__ import annotations

import json

import numpy as np
import pytest

import autograd_lab as al
import autograd_lab.nn as al_nn
from autograd_lab.autograd.function import AccumulateGrad
from autograd_lab.viz._graph_extract import extract_graph

pytest.importorskip("anywidget")
from autograd_lab import viz  # noqa: E402


def tutorial():
    x = al.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    return z.mean(), {"x": x}


def mlp(seed=0):
    al.manual_seed(seed)
    net = al_nn.Sequential(al_nn.Linear(4, 6), al_nn.ReLU(), al_nn.Linear(6, 3))
    x = al.randn(5, 4)
    loss = al_nn.functional.cross_entropy(net(x), al.tensor([0, 2, 1, 1, 0]))
    return loss, dict(net.named_parameters())


def branches():
    a = al.ones(3, requires_grad=True)
    b = al.full((3,), 2.0, requires_grad=True)
    h = a * b
    return (h.exp() + h * a + b.sin()).sum(), {"a": a, "b": b}


def broadcast():
    w = al.ones(2, 3, requires_grad=True)
    bias = al.zeros(3, requires_grad=True)
    return ((w + bias) ** 2).sum(), {"w": w, "bias": bias}


CASES = [tutorial, mlp, branches, broadcast]


def engine_order(out):
    """The order the engine runs the nodes of ``out``'s graph, recorded with hooks: a prehook
    on every node, a tensor hook on every leaf (AccumulateGrad runs no node hooks)."""
    g = extract_graph(out)
    seen = []
    handles = []
    for nid, node in enumerate(g.objects):
        if isinstance(node, AccumulateGrad):
            handles.append(node.variable.register_hook(lambda grad, nid=nid: seen.append(nid)))
        elif node is not None:
            handles.append(node.register_prehook(lambda grads, nid=nid: seen.append(nid)))
    return seen, handles


@pytest.mark.parametrize("make", CASES, ids=lambda f: f.__name__)
def test_order_is_the_engines(make):
    out, params = make()
    seen, handles = engine_order(out)
    s = viz.stepper(out, params)  # runs the real backward: our hooks see it too
    for h in handles:
        h.remove()
    assert [step["node"] for step in s.steps] == seen
    assert len(seen) == sum(1 for n in s.nodes if n["kind"] in ("op", "leaf"))


def test_tutorial_steps():
    out, params = tutorial()
    x = params["x"]
    s = viz.stepper(out, params)
    assert s.order == ["MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "x"]
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    mean, mul3, mul_yy, add, leaf = s.steps
    assert mean["grad_in"][0]["values"] == [1.0]
    assert mean["to"][0]["grad"]["values"] == [0.25] * 4
    assert mean["to"][0]["ratio"]["values"] == [0.25] * 4  # d mean / dz_i = 1/4
    assert mul3["to"][0]["ratio"]["values"] == [3.0] * 4  # d(3z)/dz = 3
    assert mul3["to"][1] == {"input": 1, "parent": None}  # the constant 3 gets nothing
    assert "d/da = b" in mul_yy["local"] and "elementwise.py: Mul.backward" in mul_yy["local"]
    assert [f["grad"]["values"] for f in mul_yy["to"]] == [[2.25] * 4] * 2  # y, once per use
    assert add["grad_in"][0]["values"] == [4.5] * 4  # the two gradients, summed
    assert leaf["kind"] == "leaf" and leaf["before"] is None
    assert leaf["after"]["values"] == [4.5] * 4 and leaf["local"].startswith("leaf.grad +=")


def test_accumulates_like_backward_and_shows_before():
    out, params = tutorial()
    x = params["x"]
    out.backward(retain_graph=True)
    s = viz.stepper(out, params)
    assert s.steps[-1]["before"]["values"] == [4.5] * 4
    assert s.steps[-1]["after"]["values"] == [9.0] * 4
    assert x.grad.tolist() == [[9.0, 9.0], [9.0, 9.0]]


def test_mlp_grads_equal_plain_backward():
    loss, params = mlp()
    viz.stepper(loss, params)
    ref_loss, ref_params = mlp()
    ref_loss.backward()
    for name, p in params.items():
        np.testing.assert_array_equal(p.grad.numpy(), ref_params[name].grad.numpy())


def test_unbroadcast_is_shown():
    out, params = broadcast()
    s = viz.stepper(out, params)
    add = next(st for st in s.steps if s.nodes[st["node"]]["name"] == "AddBackward0")
    to_bias = next(f for f in add["to"] if s.nodes[f["parent"]]["label"] == "bias")
    assert to_bias["summed_from"] == [2, 3] and to_bias["grad"]["shape"] == [3]
    assert to_bias["grad"]["values"] == [4.0, 4.0, 4.0]


def test_hooks_are_removed():
    out, params = branches()
    g = extract_graph(out)
    viz.stepper(out, params, retain_graph=True)
    for node in g.objects[1:]:
        if isinstance(node, AccumulateGrad):
            assert not node.variable._hooks
        else:
            assert not node._prehooks and not node._hooks


def test_widget_state():
    out, params = tutorial()
    s = viz.stepper(out, params)
    assert isinstance(s, viz.BackwardStepper) and s.current == 0
    json.dumps([s.steps, s.nodes, s.scene], allow_nan=False)
    s.step()
    s.step(2)
    assert s.current == 3
    s.step(10)
    assert s.current == 4  # clamped to the last step
    s.back(10)
    assert s.current == 0
    assert repr(s) == "BackwardStepper(5 steps, at 1)"
    lines = s.text().splitlines()
    assert len(lines) == 5 and lines[-1].split()[:2] == ["5.", "x"]
    assert lines[-1].endswith(".grad None -> [4.5, 4.5, 4.5, 4.5]")
    shown = [v for v, *_ in s.scene["nodes"]]
    assert shown == [0, 1, 2, 3, 4, 5]  # no saved values, no groups
    bundle, _ = s._repr_mimebundle_()
    assert "<svg" in bundle["text/html"] and "AddBackward0" in bundle["text/html"]
    assert "export default" in s._esm and ".al-step-node" in s._esm


def test_non_scalar_needs_gradient():
    x = al.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        viz.stepper(y)
    s = viz.stepper(y, gradient=al.tensor([1.0, 0.0, 2.0]))
    assert s.steps[0]["grad_in"][0]["values"] == [1.0, 0.0, 2.0]
    assert x.grad.tolist() == [2.0, 0.0, 4.0]
