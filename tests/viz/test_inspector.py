"""viz.inspect: shape, strides, storage offsets and storage sharing, checked case by case
against what PyTorch itself reports (untyped_storage, stride, storage_offset) for the same
code; and the rendered views."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT

import autograd_lab as al
from autograd_lab import viz


def base():
    return np.arange(6, dtype=np.float32)


# name -> code building named tensors with `t` (autograd_lab or torch) and `a` (a NumPy
# array, fresh per library). Each case is run with both libraries; PyTorch's answers are the
# expected ones.
CASES = {
    "view": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x.view(3, 2)},
    "transpose": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x.t()},
    "slice": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x[:, 1:]},
    "row": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x[1]},
    "reshape": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x.reshape(6)},
    "reshape of a transpose": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)),
                                            "y": x.t().reshape(6)},
    "flatten": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x.flatten()},
    "unsqueeze": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x.unsqueeze(0)},
    "expand": lambda t, a: {"x": (x := t.arange(3.0)), "y": x.expand(2, 3)},
    "contiguous (already)": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)),
                                          "y": x.contiguous()},
    "contiguous of a transpose": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)),
                                               "y": x.t(), "z": x.t().contiguous()},
    "clone": lambda t, a: {"x": (x := t.arange(6.0).reshape(2, 3)), "y": x.clone()},
    "detach": lambda t, a: {"x": (x := t.ones(2, 3, requires_grad=True)), "y": x.detach()},
    "arithmetic": lambda t, a: {"x": (x := t.arange(6.0)), "y": x + 0},
    "from_numpy": lambda t, a: {"a": a, "x": t.from_numpy(a)},
    "from_numpy then view": lambda t, a: {"a": a, "x": t.from_numpy(a).view(2, 3)},
    "tensor() copies": lambda t, a: {"a": a, "x": t.tensor(a)},
    "as_tensor": lambda t, a: {"a": a, "x": t.as_tensor(a)},
    "numpy()": lambda t, a: {"x": (x := t.arange(6.0)), "n": x.numpy()},
    "three of a kind": lambda t, a: {"a": a, "x": t.from_numpy(a), "y": t.tensor(a),
                                     "z": t.from_numpy(a)[::2]},
}


def torch_facts(named: dict, torch) -> tuple[set, dict]:
    """Pairs that share memory, and (shape, stride, offset, contiguous) of each tensor, as
    PyTorch reports them. A NumPy array's memory is its buffer's address range."""

    def span(v):
        if isinstance(v, np.ndarray):
            start = v.__array_interface__["data"][0]
            return start, start + v.nbytes
        storage = v.untyped_storage()
        return storage.data_ptr(), storage.data_ptr() + storage.nbytes()

    names = list(named)
    shared = {(p, q) for i, p in enumerate(names) for q in names[i + 1:]
              if span(named[p])[0] < span(named[q])[1] and span(named[q])[0] < span(named[p])[1]}
    layout = {n: (list(v.shape), list(v.stride()), v.storage_offset(), v.is_contiguous())
              for n, v in named.items() if not isinstance(v, np.ndarray)}
    return shared, layout


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_sharing_and_layout_match_torch(case, torch):
    ours = CASES[case](al, base())
    shared, layout = torch_facts(CASES[case](torch, base()), torch)
    widget = viz.inspect(**ours)
    assert {tuple(pair) for pair in widget.shared} == shared
    by_name = {row["name"]: row for row in widget.tensors}
    for name, (shape, stride, offset, contiguous) in layout.items():
        row = by_name[name]
        assert (row["shape"], row["stride"], row["contiguous"]) == (shape, stride, contiguous)
        if "from_numpy" not in case:  # PyTorch's storage starts at the array's first element
            assert row["storage_offset"] == offset


@pytest.mark.parametrize("case", CASES)
def test_sharing_means_writes_show_through(case):
    """What the picture promises: writing through one name changes the other exactly when
    the inspector says the two share a storage."""
    named = CASES[case](al, base())
    shared = {tuple(p) for p in viz.inspect(**named).shared}
    arrays = {n: v if isinstance(v, np.ndarray) else v.detach().numpy() for n, v in named.items()}
    names = list(named)
    for i, p in enumerate(names):
        for q in names[i + 1:]:
            src, dst = (p, q) if arrays[p].flags.writeable else (q, p)  # expand is read-only
            saved, before = arrays[src].copy(), arrays[dst].copy()
            arrays[src][...] = saved + 100
            changed = not np.array_equal(arrays[dst], before)
            arrays[src][...] = saved
            assert changed == ((p, q) in shared), (p, q)


def test_views():
    x = al.arange(6.0).reshape(2, 3)
    a = np.zeros(3)
    w = viz.inspect(x, x.t(), names=["x", "y"], a=a, b=al.from_numpy(a), c=al.tensor(a))
    assert set(w.keys) >= {"tensors", "shared", "html"}
    assert [r["name"] for r in w.tensors] == ["x", "y", "a", "b", "c"]
    assert [r["storage"] for r in w.tensors] == ["S0", "S0", "S1", "S1", "S2"]
    assert [r["kind"] for r in w.tensors][2:4] == ["numpy array", "tensor"]
    assert w.html == w._repr_html_()
    assert repr(w).splitlines()[:3] == [
        "name  shape   stride  storage  offset  contiguous  dtype",
        "x     (2, 3)  (3, 1)  S0 (6)   0       yes         float32",
        "y     (3, 2)  (1, 3)  S0 (6)   0       no          float32"]
    words = " ".join(text for _, text in w.explanations())
    assert "x, y share storage S0" in words and "a, b share storage S1" in words
    assert "c has a storage of its own (S2)" in words
    assert "y is not contiguous" in words and "x is not contiguous" not in words
    # element y[0, 1] is x[1, 0]: storage slot 3, linked for the hover highlight
    assert w.html.count('data-cell="S0:3"') == 3  # the storage cell, x[1, 0], y[0, 1]


@pytest.mark.parametrize("args, kwargs, error", [
    ((al.ones(2),), {"names": ["a", "b"]}, ValueError),
    (([1, 2],), {}, TypeError),
])
def test_bad_arguments(args, kwargs, error):
    with pytest.raises(error):
        viz.inspect(*args, **kwargs)


# Every view's HTML, printed as a hash: the same under any hash seed (no set order, ids or
# addresses leak into the output).
_RENDER_ALL = """
import hashlib, numpy as np, autograd_lab as al, autograd_lab.nn as nn
from autograd_lab import viz
al.manual_seed(0)
x = al.arange(6.0).reshape(2, 3); a = np.zeros(3)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
inputs = al.randn(16, 4)
nn.functional.cross_entropy(net(inputs), al.randint(0, 3, (16,))).backward()
mon = viz.TrainingMonitor(mode="widget", display=False, redraw_every=0)
for s in range(30):
    mon.update(s, loss=1 / (s + 1), accuracy=s / 30)
mon.close()
labels, preds = np.arange(12) % 3, np.arange(12) % 4 % 3
views = [viz.inspect(x=x, y=x.t(), a=a, b=al.from_numpy(a)),
         viz.gradients(net, inputs=inputs), mon,
         viz.image_grid(np.linspace(0, 1, 12 * 3 * 4 * 4).reshape(12, 3, 4, 4), labels, preds,
                        ["a", "b", "c"]),
         viz.confusion_matrix(labels, preds, ["a", "b", "c"]),
         viz.class_accuracy(labels, preds, ["a", "b", "c"])]
for v in views:
    print(hashlib.sha256((v.html + repr(v)).encode()).hexdigest())
"""


def test_views_do_not_depend_on_the_hash_seed():
    outputs = []
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO_ROOT))
        run = subprocess.run([sys.executable, "-c", _RENDER_ALL], env=env, capture_output=True,
                             text=True, timeout=120, cwd=REPO_ROOT)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert len(outputs[0].split()) == 6 and outputs[0] == outputs[1]
