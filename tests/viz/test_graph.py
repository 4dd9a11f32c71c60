"""viz.graph: the graph it reads is PyTorch's graph for the same code (names and
next_functions), module grouping follows the module calls, and the widget's state (traitlets)
reacts to collapsing, saved values, selection and a later backward."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_lab as al
import autograd_lab.nn as al_nn
from autograd_lab import viz
from autograd_lab.viz._graph_extract import MODULE_KEY, extract_graph

# ------------------------------------------------------------------ the same code, two libraries


def tutorial(t, nn):
    x = t.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    return z.mean(), {"x": x}


def mlp(t, nn):
    t.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    loss = nn.functional.cross_entropy(net(t.randn(5, 4)), t.tensor([0, 2, 1, 1, 0]))
    return loss, dict(net.named_parameters())


class _LeNet:
    """The CIFAR-10 tutorial's network, built from either library's nn."""

    @staticmethod
    def make(nn):
        F = nn.functional  # noqa: N806

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 6, 5)
                self.pool = nn.MaxPool2d(2, 2)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, x):
                x = self.pool(F.relu(self.conv1(x)))
                x = self.pool(F.relu(self.conv2(x)))
                x = x.flatten(1)
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                return self.fc3(x)

        return Net()


def lenet(t, nn):
    net = _LeNet.make(nn)
    loss = nn.functional.cross_entropy(net(t.randn(2, 3, 32, 32)), t.tensor([1, 7]))
    return loss, dict(net.named_parameters())


def shared_leaf(t, nn):
    a = t.ones(3, requires_grad=True)
    b = t.full((3,), 2.0, requires_grad=True)
    return (a * b + a.exp()).sum(), {"a": a, "b": b}


def broadcast(t, nn):
    a = t.ones(2, 3, requires_grad=True)
    b = t.ones(3, requires_grad=True)
    return (a + b).pow(2).mean(), {"a": a, "b": b}


def split_outputs(t, nn):  # one node, several outputs: output_nr 0, 1, 2 in next_functions
    x = t.arange(6.0, requires_grad=True)
    parts = x.split(2)
    return parts[0].sum() + 2 * parts[2].sum(), {"x": x}


def inplace_on_view(t, nn):  # CopySlices: the base's history rewritten by y[0] = ...
    x = t.ones(3, requires_grad=True)
    y = x.clone()
    y[0] = x[1] * 2
    return (y * x).sum(), {"x": x}


def custom_function(t, nn):
    class Square(t.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = t.ones(3, requires_grad=True)
    return Square.apply(x).sum(), {"x": x}


GRAPHS = [tutorial, mlp, lenet, shared_leaf, broadcast, split_outputs, inplace_on_view,
          custom_function]


def torch_graph(out, params):
    """PyTorch's graph, walked as extract_graph walks ours: breadth first from grad_fn,
    following next_functions in order (a dict is used for lookup only)."""
    order, index = [out.grad_fn], {out.grad_fn: 0}
    i = 0
    while i < len(order):
        for child, _ in order[i].next_functions:
            if child is not None and child not in index:
                index[child] = len(order)
                order.append(child)
        i += 1
    names = {id(p): n for n, p in params.items()}
    kinds = [n.name().replace("torch::autograd::", "") for n in order]  # C++ namespace
    labels = [names.get(id(n.variable), "AccumulateGrad") if hasattr(n, "variable") else k
              for n, k in zip(order, kinds)]
    nexts = [[[index[c] if c is not None else None, nr] for c, nr in n.next_functions]
             for n in order]
    return kinds, labels, nexts


def our_graph(out, params):
    g = extract_graph(out, params)
    recs = [n for n in g.nodes if n["kind"] in ("op", "leaf")]
    assert [r["id"] for r in recs] == list(range(1, len(recs) + 1))  # ids in BFS order
    nexts = [[[c - 1 if c is not None else None, nr] for c, nr in r["next"]] for r in recs]
    return [r["name"] for r in recs], [r["label"] for r in recs], nexts


@pytest.mark.torch
@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_graph_matches_pytorch(make, torch):
    ours = our_graph(*make(al, al_nn))
    theirs = torch_graph(*make(torch, torch.nn))
    assert ours[0] == theirs[0]  # node names
    assert ours[1] == theirs[1]  # labels: leaves named by params
    assert ours[2] == theirs[2]  # next_functions, None entries and output_nr included


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_edges_agree_with_next_functions(make):
    out, params = make(al, al_nn)
    g = extract_graph(out, params)
    for consumer, producer, nr, i in g.edges:
        if i < 0:  # a saved value hangs off the node that saved it
            assert g.nodes[producer]["kind"] == "saved"
            assert g.nodes[producer]["owner"] == consumer
        elif consumer == 0:
            assert g.nodes[producer]["name"] == out.grad_fn.name()
        else:
            assert g.nodes[consumer]["next"][i] == [producer, nr]


def test_tutorial_records():
    out, params = tutorial(al, al_nn)
    g = extract_graph(out, params)
    by_label = {}
    for n in g.nodes:
        by_label.setdefault(n["label"], []).append(n)
    assert g.nodes[0]["kind"] == "output" and g.nodes[0]["value"]["values"] == [27.0]
    assert by_label["MeanBackward0"][0]["shape"] == []
    add = by_label["AddBackward0"][0]
    assert (add["shape"], add["dtype"]) == ([2, 2], "float32")
    assert add["value"]["values"] == [3.0] * 4  # y, known because y * y saved it
    x = by_label["x"][0]
    assert x["kind"] == "leaf" and x["value"]["values"] == [1.0] * 4 and x["grad"] is None
    # y * y saved both of its inputs; they are the output of AddBackward0
    mul_yy = g.nodes[add["id"] - 1]
    assert mul_yy["name"] == "MulBackward0" and mul_yy["next"] == [[add["id"], 0]] * 2
    saved = [g.nodes[s] for s in mul_yy["saved"]]
    assert [s["label"] for s in saved] == ["a", "b"]
    assert all(s["ref"] == add["id"] and s["owner"] == mul_yy["id"] for s in saved)


def test_saved_values_freed_after_backward_and_modified_in_place():
    x = al.ones(3, requires_grad=True)
    y = x.exp()  # ExpBackward0 saves its result
    loss = y.sum()
    loss.backward(retain_graph=False)
    g = extract_graph(loss)
    assert g.nodes[2]["name"] == "ExpBackward0" and g.nodes[2]["saved"] == "freed"
    assert g.nodes[3]["grad"]["values"] == pytest.approx([np.e] * 3, rel=1e-3)

    x = al.ones(3, requires_grad=True)
    h = x * 2
    z = h * h
    h.add_(1)  # z's saved inputs are now stale: backward would raise
    g = extract_graph(z.sum())
    stale = [n for n in g.nodes if n["kind"] == "saved" and n.get("modified")]
    assert len(stale) == 2 and stale[0]["modified"][0] > stale[0]["modified"][1]


def test_rejects_a_tensor_without_graph():
    with pytest.raises(ValueError, match="does not require grad"):
        extract_graph(al.ones(2))


# ------------------------------------------------------------------ module grouping
def test_trace_modules_groups_lenet():
    net = _LeNet.make(al_nn)
    with viz.trace_modules(net):
        loss = al_nn.functional.cross_entropy(net(al.randn(2, 3, 32, 32)), al.tensor([1, 7]))
    g = extract_graph(loss, model=net)
    groups = [(n["label"], n["group"]) for n in g.nodes if n["kind"] in ("op", "leaf")]
    expected = [
        ("NllLossBackward0", None), ("LogSoftmaxBackward0", None),
        ("AddmmBackward0", "fc3"), ("fc3.bias", "fc3"), ("ReluBackward0", None),
        ("TBackward0", "fc3"), ("AddmmBackward0", "fc2"), ("fc3.weight", "fc3"),
        ("fc2.bias", "fc2"), ("ReluBackward0", None), ("TBackward0", "fc2"),
        ("AddmmBackward0", "fc1"), ("fc2.weight", "fc2"), ("fc1.bias", "fc1"),
        ("ViewBackward0", None), ("TBackward0", "fc1"), ("MaxPool2DWithIndicesBackward0", "pool:2"),
        ("fc1.weight", "fc1"), ("ReluBackward0", None), ("ConvolutionBackward0", "conv2"),
        ("MaxPool2DWithIndicesBackward0", "pool"), ("conv2.weight", "conv2"),
        ("conv2.bias", "conv2"), ("ReluBackward0", None), ("ConvolutionBackward0", "conv1"),
        ("conv1.weight", "conv1"), ("conv1.bias", "conv1"),
    ]
    assert groups == expected
    assert list(g.groups) == ["fc3", "fc2", "fc1", "pool:2", "conv2", "pool", "conv1"]
    assert all(parent is None for parent, _ in g.groups.values())
    for m in net.modules():  # the hooks are gone
        assert not m._forward_hooks and not m._forward_pre_hooks


def test_trace_modules_nests_resnet_blocks():
    from autograd_lab.vision.models import cifar_resnet20

    net = cifar_resnet20()
    with viz.trace_modules(net):
        loss = net(al.randn(2, 3, 8, 8)).sum()
    g = extract_graph(loss, model=net)
    assert g.groups["layer1.0"] == ("layer1", "layer1.0")
    assert g.groups["layer1.0.conv1"] == ("layer1.0", "layer1.0.conv1")
    assert g.groups["layer1.0.relu:2"][0] == "layer1.0"  # nn.ReLU called twice in a block
    # the residual addition belongs to its block (it is in BasicBlock.forward)
    adds = [n for n in g.nodes if n["name"] == "AddBackward0"]
    assert len(adds) == 9 and all(n["group"].count(".") == 1 for n in adds)
    # every node between the stem and the head is inside some layer
    inside = [n for n in g.nodes if n["kind"] == "op" and n["group"]]
    tops = {n["group"].split(".")[0] for n in inside}
    assert tops == {"conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool", "fc"}


def test_trace_modules_removes_hooks_when_forward_raises():
    net = al_nn.Sequential(al_nn.Linear(4, 3), al_nn.Linear(5, 2))
    with pytest.raises(RuntimeError), viz.trace_modules(net):
        net(al.randn(2, 4))
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())


def test_model_without_tracing_groups_parameters_and_their_ops():
    net = al_nn.Sequential(al_nn.Linear(4, 8), al_nn.ReLU(), al_nn.Linear(8, 1))
    loss = net(al.randn(3, 4)).sum()
    g = extract_graph(loss, model=net)
    assert [(n["label"], n["group"]) for n in g.nodes if n["kind"] in ("op", "leaf")] == [
        ("SumBackward0", None), ("AddmmBackward0", "2"), ("2.bias", "2"),
        ("ReluBackward0", None), ("TBackward0", "2"), ("AddmmBackward0", "0"),
        ("2.weight", "2"), ("0.bias", "0"), ("TBackward0", "0"), ("0.weight", "0")]
    assert not any(MODULE_KEY in (n._metadata or {}) for n in g.objects[1:])


# ------------------------------------------------------------------ the widget
anywidget = pytest.importorskip("anywidget")


def traced_lenet():
    al.manual_seed(0)
    net = _LeNet.make(al_nn)
    with viz.trace_modules(net):
        loss = al_nn.functional.cross_entropy(net(al.randn(2, 3, 32, 32)), al.tensor([1, 7]))
    return net, loss


def test_widget_state_and_collapse():
    net, loss = traced_lenet()
    w = viz.graph(loss, model=net)
    assert isinstance(w, viz.GraphWidget) and repr(w) == "GraphWidget(28 nodes, 7 module groups)"
    shown = [v for v, *_ in w.scene["nodes"]]
    assert shown == list(range(28))  # small graph: nothing collapsed, no saved values
    assert w.groups[0] == ["fc3", None, 4] and w.collapsed == [] and w.selected is None

    w.collapse("fc1")
    assert w.collapsed == ["fc1"]
    shown = [v for v, *_ in w.scene["nodes"]]
    assert "g:fc1" in shown and len(shown) == 28 - 4 + 1
    assert w.scene["groups"]["g:fc1"] == ["fc1", 4]
    assert "fc1" not in [b[0] for b in w.scene["boxes"]]
    edges = {(a, b) for a, b, *_ in w.scene["edges"]}
    relu_above = next(n["id"] for n in w.nodes if n["label"] == "ReluBackward0"
                      and n["shape"] == [2, 120])
    assert (relu_above, "g:fc1") in edges

    w.show_saved = True
    saved_ids = [v for v, *_ in w.scene["nodes"] if isinstance(v, int)
                 and w.nodes[v]["kind"] == "saved"]
    assert saved_ids and all(e[3] for e in w.scene["edges"] if e[1] in saved_ids)
    w.expand()
    assert w.collapsed == []
    w.collapse()
    assert w.collapsed == [k for k, p, _ in w.groups if p is None]


def test_widget_state_is_small_json():
    al.manual_seed(0)
    net = al_nn.Sequential(*[m for _ in range(60) for m in (al_nn.Linear(8, 8), al_nn.ReLU())])
    loss = net(al.randn(4, 8)).pow(2).mean()
    w = viz.graph(loss, model=net, collapsed=[])
    n = sum(1 for r in w.nodes if r["kind"] != "saved")
    assert n > 300
    size = len(json.dumps([w.nodes, w.scene, w.groups], allow_nan=False))
    assert size / n < 800  # summaries, not arrays: a 2,000-node graph stays near 1 MB


def test_auto_collapse_of_big_graphs():
    from autograd_lab.vision.models import cifar_resnet56

    net = cifar_resnet56()
    with viz.trace_modules(net):
        loss = net(al.randn(2, 3, 8, 8)).sum()
    w = viz.graph(loss, model=net)
    assert w.collapsed == ["fc", "avgpool", "layer3", "layer2", "layer1", "relu", "bn1", "conv1"]
    assert [v for v, *_ in w.scene["nodes"]] == [
        0, 1, "g:fc", 4, "g:avgpool", "g:layer3", "g:layer2", "g:layer1", "g:relu", "g:bn1",
        "g:conv1"]
    assert viz.graph(loss, model=net, collapsed=[]).collapsed == []


def test_gradients_recorded_during_a_later_backward():
    net, loss = traced_lenet()
    w = viz.graph(loss, model=net)
    assert all("grad" not in n for n in w.nodes)
    relu = next(n for n in w.nodes if n["label"] == "ReluBackward0")
    loss.backward()
    assert w.nodes[0]["grad"]["values"] == [1.0]
    for n in w.nodes:
        if n["kind"] == "leaf":
            grad = dict(net.named_parameters())[n["label"]].grad.numpy()
            assert n["grad_src"] == "backward"
            assert n["grad"]["mean"] == pytest.approx(float(grad.mean()), rel=1e-3, abs=1e-9)
            assert n["grad"]["shape"] == list(grad.shape)
    assert w.nodes[relu["id"]]["grad"]["shape"] == relu["shape"]


def test_graph_built_after_backward_shows_grad_and_freed():
    net, loss = traced_lenet()
    loss.backward()
    w = viz.graph(loss, model=net)
    leaf = next(n for n in w.nodes if n["label"] == "fc3.bias")
    assert leaf["grad"]["values"] == pytest.approx(net.fc3.bias.grad.tolist(), rel=1e-3)
    assert "grad_src" not in leaf
    assert all(n.get("saved") in (None, "freed") for n in w.nodes if n["kind"] == "op")


def test_static_fallback():
    net, loss = traced_lenet()
    w = viz.graph(loss, model=net)
    bundle, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == w._repr_html_()
    root = ET.fromstring(w.to_svg())  # well-formed SVG
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for n in w.nodes:
        if n["kind"] != "saved":
            assert n["label"] in texts
    assert {"fc1", "pool:2", "conv1"} <= set(texts)  # group boxes are labelled
    assert "0x" not in w.to_svg()  # no object addresses: nbval sees the same output each run


def test_selected_trait_and_esm():
    net, loss = traced_lenet()
    w = viz.graph(loss, model=net)
    w.selected = 3
    assert w.nodes[3]["name"] == "AddmmBackward0"
    assert "export default" in w._esm and ".al-graph-node" in w._esm


def test_text_view_lists_nodes_and_next_functions():
    out, params = tutorial(al, al_nn)
    lines = str(viz.graph(out, params)).splitlines()
    assert [line.split()[1] for line in lines] == [
        "output", "MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "x"]
    assert lines[2].endswith("-> (MulBackward0, None)")  # z * 3: the 3 needs no gradient
    assert lines[4].endswith("2×2 float32  -> (x, None)")
