"""How long ``viz.graph`` takes to build its widget: a LeNet loss and a 2,000-node graph.

    python benchmarks/viz_graph.py            # print the timings
    python benchmarks/viz_graph.py --write    # also append a dated section to docs/benchmarks.md

Timed: the ``viz.graph(loss, model=net)`` call (reading the graph, value summaries and
histograms, the layout, the widget's state), not the forward pass that made the graph. The
median of ``--repeats`` builds after one warm-up build, each on a fresh graph. Targets (from
issue #6): LeNet under 0.5 s, 2,000 nodes under 3 s; both graphs are drawn fully expanded
(``collapsed=[]``), the slowest case.

The layout alone is timed too, and, if ``grandalf`` (a pure-Python Sugiyama layout on PyPI)
is importable, grandalf's layout of the same boxes and edges: that comparison is why
autograd_lab lays out graphs itself (see ``autograd_lab/viz/_layout.py``).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = REPO / "docs" / "benchmarks.md"
sys.path[:0] = [str(REPO), str(HERE)]  # the working tree's engine; run.py's machine helpers

from bench_lenet import make_net  # noqa: E402
from run import cpu_count, cpu_model, engine_revision  # noqa: E402

import autograd_lab as torch  # noqa: E402
import autograd_lab.nn.functional as F  # noqa: E402
from autograd_lab import viz  # noqa: E402
from autograd_lab.vision.models import CifarResNet  # noqa: E402
from autograd_lab.viz._graph_common import build_view  # noqa: E402
from autograd_lab.viz._graph_extract import extract_graph  # noqa: E402

TARGETS = {"lenet": 0.5, "2000": 3.0}


def lenet_loss():
    net = make_net(torch)  # the CIFAR-10 tutorial's network
    with viz.trace_modules(net):
        loss = F.cross_entropy(net(torch.randn(4, 3, 32, 32)), torch.tensor([1, 0, 4, 9]))
    return net, loss


def resnet_loss(blocks: int = 51):
    """A CIFAR ResNet with ``blocks`` residual blocks per stage: 2,000+ graph nodes with skip
    connections and BatchNorm, on small images so that the forward pass stays quick."""
    net = CifarResNet(layers=[blocks] * 3)
    with viz.trace_modules(net):
        loss = F.cross_entropy(net(torch.randn(2, 3, 8, 8)), torch.tensor([1, 2]))
    return net, loss


def time_build(make, repeats: int) -> tuple[float, int]:
    times, nodes = [], 0
    for i in range(repeats + 1):
        net, loss = make()
        gc.collect()
        t0 = time.perf_counter()
        w = viz.graph(loss, model=net, collapsed=[])
        elapsed = time.perf_counter() - t0
        nodes = sum(1 for n in w.nodes if n["kind"] != "saved")
        w.close()
        if i:  # the first build is the warm-up
            times.append(elapsed)
    return statistics.median(times), nodes


def time_layouts(make, repeats: int) -> tuple[float, float | None]:
    """Median seconds to lay out the same visible graph (no module groups: grandalf has none)
    with ``autograd_lab.viz._layout`` and with grandalf (None when it is not installed)."""
    from autograd_lab.viz._layout import layered_layout

    net, loss = make()
    view = build_view(extract_graph(loss, model=net), (), groups=False)
    ids = [v for v, *_ in view["nodes"]]
    index = {v: i for i, v in enumerate(ids)}
    sizes = [(w, h) for _, _, _, w, h in view["nodes"]]
    pairs = [(index[a], index[b]) for a, b, *_ in view["edges"]]
    ours = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        layered_layout(sizes, pairs)
        ours.append(time.perf_counter() - t0)
    if importlib.util.find_spec("grandalf") is None:
        return statistics.median(ours), None
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    theirs = []
    for _ in range(repeats):
        verts = [Vertex(v) for v in ids]
        for vert, (w, h) in zip(verts, sizes):
            vert.view = type("View", (), {"w": w, "h": h})()
        t0 = time.perf_counter()
        g = Graph(verts, [Edge(verts[a], verts[b]) for a, b in pairs])
        for comp in g.C:
            sug = SugiyamaLayout(comp)
            sug.init_all()
            sug.draw(3)
        theirs.append(time.perf_counter() - t0)
    return statistics.median(ours), statistics.median(theirs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"append results to {RESULTS}")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    load = os.getloadavg()[0]  # other work on a 2-core machine slows every build
    rows = []
    for key, label, make in [("lenet", "LeNet (CIFAR-10 tutorial), batch 4", lenet_loss),
                             ("2000", "CIFAR ResNet, 3 x 51 blocks, batch 2", resnet_loss)]:
        seconds, nodes = time_build(make, args.repeats)
        ours, other = time_layouts(make, 3)
        target = TARGETS[key]
        rows.append((label, nodes, seconds, target, ours, other))
        extra = f", grandalf {other:.2f} s" if other is not None else ""
        print(f"{label}: {nodes} nodes, build {seconds:.3f} s (target < {target} s); "
              f"layout alone: ours {ours:.3f} s{extra}")

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## {now}: Widgets: graph build time, {cpu_model()}, {cpu_count()} cores", "",
             f"- `python benchmarks/viz_graph.py`; autograd_lab {engine_revision()}; "
             f"load average (1 min) at the start: {load:.2f}",
             f"- build: `viz.graph(loss, model=net, collapsed=[])` (extraction, summaries, "
             f"layout, widget state), median of {args.repeats} builds after 1 warm-up",
             "- layout alone: the same boxes and edges (no module groups) laid out by "
             "`autograd_lab.viz._layout` and by grandalf 0.8's `SugiyamaLayout` "
             "(pure Python, PyPI), median of 3", "",
             "| graph | nodes | build | target | result | layout alone: ours | grandalf |",
             "|---|---:|---:|---:|---|---:|---:|"]
    for label, nodes, seconds, target, ours, other in rows:
        verdict = "PASS" if seconds < target else "MISS"
        gl = f"{other:.2f} s" if other is not None else "(not installed)"
        lines.append(f"| {label} | {nodes} | {seconds:.3f} s | < {target} s | {verdict} | "
                     f"{ours:.3f} s | {gl} |")
    section = "\n".join(lines) + "\n"
    print()
    print(section)
    if args.write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + section)
        print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
