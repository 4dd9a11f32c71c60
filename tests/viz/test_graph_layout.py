"""The graph layout: rows follow the edges, boxes never overlap, crossings are reduced, module
groups stay together, and the same graph gives the same picture under any hash seed."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lab.viz._layout import (
    DUMMY_GAP,
    NODE_GAP,
    _fit_row,
    _inversions,
    crossings,
    layered_layout,
)

REPO = Path(__file__).resolve().parents[2]

# name: (number of nodes, edges, expected rows)
CASES = {
    "single": (1, [], [0]),
    "chain": (4, [(0, 1), (1, 2), (2, 3)], [0, 1, 2, 3]),
    "diamond": (4, [(0, 1), (0, 2), (1, 3), (2, 3)], [0, 1, 1, 2]),
    # longest path: 3 sits below 2, so the edge 0 -> 3 spans two rows
    "long edge": (4, [(0, 1), (1, 2), (2, 3), (0, 3)], [0, 1, 2, 3]),
    "leaf under its consumer": (4, [(0, 1), (1, 2), (0, 3)], [0, 1, 2, 1]),
    "cycle": (3, [(0, 1), (1, 2), (2, 1)], [0, 1, 2]),
    "two roots": (3, [(0, 2), (1, 2)], [0, 0, 1]),
}


def random_dag(seed: int, n: int = 40) -> tuple[list, list]:
    rng = random.Random(seed)
    edges = [(rng.randrange(v), v) for v in range(1, n)]  # a tree ...
    edges += [(rng.randrange(v), v) for v in rng.sample(range(1, n), n // 3)]  # ... plus more
    sizes = [(rng.choice([40.0, 90.0, 150.0]), 36.0) for _ in range(n)]
    return sizes, sorted(set(edges))


def assert_no_overlap(lay, sizes):
    """Boxes are apart: NODE_GAP, or 2 * DUMMY_GAP where an edge passes between them."""
    gap = min(NODE_GAP, 2 * DUMMY_GAP) - 1e-6
    boxes = [(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
             for x, y, (w, h) in zip(lay.x, lay.y, sizes)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] <= b[1] or b[3] <= a[1], \
                (a, b)


@pytest.mark.parametrize("name", CASES)
def test_rows(name):
    n, edges, rows = CASES[name]
    lay = layered_layout([(50.0, 30.0)] * n, edges)
    assert lay.layer == rows
    assert len(lay.points) == len(edges)
    for v in range(n):  # a row has one y
        assert all(lay.y[u] == lay.y[v] for u in range(n) if lay.layer[u] == lay.layer[v])
    assert_no_overlap(lay, [(50.0, 30.0)] * n)
    assert all(0 < x < lay.width for x in lay.x) and all(0 < y < lay.height for y in lay.y)


def test_edges_run_from_box_to_box():
    lay = layered_layout([(50.0, 30.0)] * 4, CASES["long edge"][1])
    for (u, v), pts in zip(CASES["long edge"][1], lay.points):
        assert pts[:2] == [lay.x[u], lay.y[u] + 15]  # leaves the bottom of the source
        assert pts[-2:] == [lay.x[v], lay.y[v] - 15]  # arrives on top of the target
    # 0 -> 3 crosses two rows, straight down through each: two points per row
    assert len(lay.points[3]) == 12
    assert lay.points[3][2] == lay.points[3][4] and lay.points[3][3] == lay.y[1] - 15
    cyc = layered_layout([(50.0, 30.0)] * 3, CASES["cycle"][1])
    back = cyc.points[2]  # 2 -> 1 closes the cycle: drawn upwards, still ending at node 1
    assert back[:2] == [cyc.x[2], cyc.y[2] - 15] and back[-2:] == [cyc.x[1], cyc.y[1] + 15]


def test_self_loop_is_refused():
    with pytest.raises(ValueError, match="self-loops"):
        layered_layout([(10.0, 10.0)], [(0, 0)])


@pytest.mark.parametrize("seed", range(5))
def test_random_graphs(seed):
    sizes, edges = random_dag(seed)
    lay = layered_layout(sizes, edges)
    for u, v in edges:
        assert lay.layer[v] > lay.layer[u]
    assert_no_overlap(lay, sizes)


def row_crossings(lay, edges, n):
    rows: dict[int, list[int]] = {}
    for v, r in enumerate(lay.layer):
        rows.setdefault(r, []).append(v)
    ordered = [sorted(rows[r], key=lambda v: lay.x[v]) for r in sorted(rows)]
    return crossings(ordered, [[v for u, v in edges if u == w] for w in range(n)])


def test_ordering_removes_an_avoidable_crossing():
    # depth-first discovery puts 4, 5 (under 1) left of 3, 6 (under 2), but 3 is also
    # reached from 7, the rightmost: one crossing that the barycenter sweeps remove
    edges = [(0, 1), (0, 2), (1, 4), (2, 3), (1, 5), (2, 6), (0, 7), (7, 3)]
    sizes = [(40.0, 20.0)] * 8
    assert row_crossings(layered_layout(sizes, edges, sweeps=0), edges, 8) == 1
    assert row_crossings(layered_layout(sizes, edges), edges, 8) == 0


@pytest.mark.parametrize("seq, expected", [([], 0), ([1, 2, 3], 0), ([3, 2, 1], 3),
                                           ([2, 1, 2, 1], 3), ([1, 1, 1], 0)])
def test_inversions(seq, expected):
    assert _inversions(list(seq)) == expected


@pytest.mark.parametrize("targets, offsets, expected", [
    ([0.0, 100.0], [0.0, 50.0], [0.0, 100.0]),  # room enough: exactly on target
    ([10.0, 10.0], [0.0, 50.0], [-15.0, 35.0]),  # both want 10: centred around it
    ([30.0, 0.0, 60.0], [0.0, 10.0, 20.0], [10.0, 20.0, 60.0]),
])
def test_fit_row_is_least_squares_with_spacing(targets, offsets, expected):
    got = _fit_row(targets, offsets)
    assert got == pytest.approx(expected)
    gaps = [b - a for a, b in zip(offsets, offsets[1:])]
    assert all(y - x >= g - 1e-9 for x, y, g in zip(got, got[1:], gaps))


def test_fit_row_weights_decide_who_gives_way():
    # both want 0; the heavy one (an op under its consumer) stays, the leaf moves aside
    assert _fit_row([0.0, 0.0], [0.0, 50.0], [8.0, 1.0]) == pytest.approx([-50 / 9, 400 / 9])
    assert _fit_row([0.0, 0.0], [0.0, 50.0], [1.0, 1.0]) == pytest.approx([-25.0, 25.0])


def test_a_deep_chain_with_parameters_stays_straight():
    # op_i -> op_(i+1) and op_i -> leaf_i (a weight): the ops stay in one column instead of
    # drifting a little further sideways at every row
    n_ops = 30
    edges = [(2 * i, 2 * i + 2) for i in range(n_ops - 1)] + [(2 * i, 2 * i + 1)
                                                             for i in range(n_ops)]
    sizes = [(120.0, 36.0)] * (2 * n_ops)
    lay = layered_layout(sizes, edges)
    ops_x = [lay.x[2 * i] for i in range(n_ops)]
    assert max(ops_x) - min(ops_x) < 120  # less than one box over 30 rows
    assert lay.width < 4 * 120


def test_clusters_stay_together_and_own_their_rows():
    # 0 -> A(1 -> 2, 1 -> 3) -> 4, and 0 -> 5 outside: group A = {1, 2, 3}
    sizes = [(40.0, 20.0)] * 6
    edges = [(0, 1), (1, 2), (1, 3), (1, 4), (0, 5), (5, 4)]
    clusters = [(), ("A",), ("A",), ("A",), (), ()]
    lay = layered_layout(sizes, edges, clusters)
    assert lay.layer[4] > max(lay.layer[1:4])  # below the group's lowest row
    plain = layered_layout(sizes, edges)
    assert plain.layer[4] == 2 and plain.layer[2] == 2  # without clusters they would share
    for row in set(lay.layer):  # members are side by side in every row
        members = sorted((lay.x[v], clusters[v]) for v in range(6) if lay.layer[v] == row)
        names = [c for _, c in members]
        assert names == sorted(names, key=lambda c: names.index(c))


def test_a_long_chain_of_groups_is_ranked_in_one_pass():
    # op_i and its parameter leaf form group i; op_i feeds op_(i+1): each op must sit below
    # the previous group's leaf, all the way down (a fixed number of rounds would stop early)
    n_groups = 40
    edges, clusters = [], []
    for i in range(n_groups):
        op, leaf = 2 * i, 2 * i + 1
        clusters += [(f"g{i}",), (f"g{i}",)]
        edges.append((op, leaf))
        if i:
            edges.append((op - 2, op))
    lay = layered_layout([(40.0, 20.0)] * (2 * n_groups), edges, clusters)
    assert [lay.layer[2 * i] for i in range(n_groups)] == [2 * i for i in range(n_groups)]


def test_groups_that_cannot_be_units_fall_back():
    # 1 and 3 are in A, but the path 1 -> 2 -> 3 leaves A and comes back
    clusters = [(), ("A",), (), ("A",)]
    lay = layered_layout([(40.0, 20.0)] * 4, [(0, 1), (1, 2), (2, 3)], clusters)
    assert lay.layer == [0, 1, 2, 3]


def test_dummy_points_keep_their_distance():
    sizes, edges = random_dag(7, 30)
    lay = layered_layout(sizes, edges)
    bends = [(pts[i], pts[i + 1]) for pts in lay.points for i in range(2, len(pts) - 2, 4)]
    by_row: dict[float, list[float]] = {}
    for x, y in bends:
        by_row.setdefault(y, []).append(x)
    for xs in by_row.values():
        xs.sort()
        assert all(b - a >= DUMMY_GAP - 1e-6 for a, b in zip(xs, xs[1:]))


# ------------------------------------------------------------------ determinism
SCRIPT = """
import json
import autograd_lab as al
import autograd_lab.nn as nn
from autograd_lab import viz
from autograd_lab.viz._graph_common import build_view, svg
from autograd_lab.viz._graph_extract import extract_graph
from autograd_lab.vision.models import cifar_resnet20

al.manual_seed(0)
net = cifar_resnet20()
with viz.trace_modules(net):
    loss = nn.functional.cross_entropy(net(al.randn(2, 3, 8, 8)), al.tensor([1, 2]))
g = extract_graph(loss, model=net)
out = {}
for name, collapsed, saved in [("expanded", (), False), ("saved", (), True),
                               ("collapsed", ("layer2", "layer1.1"), False)]:
    view = build_view(g, collapsed, saved)
    out[name] = view
    out[name + " svg"] = svg(g.nodes, view)
out["groups"] = list(g.groups)
print(json.dumps(out, sort_keys=True))
"""


def layout_under_seed(seed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(proc.stdout)


def test_layout_is_the_same_under_any_hash_seed():
    a = layout_under_seed("0")
    b = layout_under_seed("4242")
    assert a["expanded"]["nodes"] and a["collapsed"]["boxes"]
    for key in a:
        assert a[key] == b[key], key
