"""A small layered (Sugiyama-style) layout for backward graphs, in plain Python.

Steps, each deterministic (every ordering comes from node indices, never from a set or id()):

1. break cycles (only collapsed module groups can make one) by reversing DFS back edges;
2. layer by longest path from the sources: the output on top, each node one row below its
   lowest consumer, so a parameter sits just under the op that uses it; then rank module
   groups as units, as Graphviz does with clusters: what a group leads to goes below it;
3. split edges that span several rows with dummy points, so they can bend around nodes;
4. order each row by barycenters, sweeping down and up, keeping the order with the fewest
   edge crossings; a group's members stay side by side;
5. place x by sweeps that pull each node towards the mean x of its neighbours, keeping rows
   in order and boxes apart (a pool-adjacent-violators pass per row: the exact least-squares
   placement for a fixed order).

Why not a library: Graphviz ``dot`` lays out best, but it needs a system binary that pip
cannot install. ``grandalf`` (pure Python, on PyPI) was measured on the 2,008-node graph of
``benchmarks/viz_graph.py``: its Sugiyama layout alone took about 3 s (2.3 to 4.4 s across
runs on these shared 2-core machines), the whole budget for building the widget, where this
module lays out the same boxes in 0.2 to 0.4 s (docs/benchmarks.md). It also has no
clusters, which module grouping needs (steps 2 and 4 keep a module's nodes together, so that
a rectangle drawn around them rarely covers anything else; two groups side by side in the
same rows, such as a ResNet block's two branches, can still overlap a little).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Layout", "layered_layout", "crossings"]

LAYER_GAP = 46.0  # vertical space between rows (room for arrows)
NODE_GAP = 18.0  # horizontal space between boxes in a row
DUMMY_GAP = 8.0  # between an edge's bend point and its neighbours
MARGIN = 20.0


@dataclass
class Layout:
    """Box centres ``x, y``, ``layer`` per node, polyline ``points`` per edge and the size."""

    x: list[float]
    y: list[float]
    layer: list[int]
    points: list[list[float]]
    width: float
    height: float


def layered_layout(sizes: list[tuple[float, float]], edges: list[tuple[int, int]],
                   clusters: list[tuple[str, ...]] | None = None, sweeps: int = 6) -> Layout:
    """Lay out a directed graph top to bottom.

    Args:
        sizes: ``(width, height)`` of each node's box.
        edges: ``(src, dst)`` pairs, ``src != dst``; ``src`` is drawn above ``dst`` (unless
            the edge closes a cycle).
        clusters: per node, the chain of groups it sits in, outermost first (``()`` for
            none). A group's nodes are kept side by side in each row, and nothing the group
            leads to shares its rows, so a rectangle drawn around a group rarely covers
            other nodes.
        sweeps: barycenter ordering iterations (each is one down and one up pass).

    Example:
        >>> lay = layered_layout([(40, 20)] * 3, [(0, 1), (0, 2)])
        >>> lay.layer
        [0, 1, 1]
    """
    n = len(sizes)
    if any(u == v for u, v in edges):
        raise ValueError("layered_layout: self-loops cannot be drawn; drop them first")
    clusters = clusters or [()] * n
    dag = _acyclic(n, edges)
    layer = _cluster_layers(n, dag, clusters)
    # Long edges become chains through dummy nodes, one per row they cross.
    width = [w for w, _ in sizes]
    height = [h for _, h in sizes]
    layer_of = list(layer)
    chains: list[list[int]] = []
    succ: list[list[int]] = [[] for _ in range(n)]
    cluster_of = list(clusters)
    for u, v, _ in dag:
        chain = [u]
        common = _common_prefix(clusters[u], clusters[v])
        for row in range(layer_of[u] + 1, layer_of[v]):
            chain.append(len(layer_of))
            cluster_of.append(common)  # a bend point stays inside the groups of both ends
            layer_of.append(row)
            width.append(0.0)
            height.append(0.0)
            succ.append([])
        chain.append(v)
        for a, b in zip(chain, chain[1:]):
            succ[a].append(b)
        chains.append(chain)
    total = len(layer_of)
    pred: list[list[int]] = [[] for _ in range(total)]
    for a in range(total):
        for b in succ[a]:
            pred[b].append(a)

    rows = _order(total, n, layer_of, succ, pred, cluster_of, sweeps)
    ys = _row_y(rows, height)
    row_half = [max((height[v] for v in row), default=0.0) / 2 for row in rows]
    xs = _place_x(rows, width, succ, pred, n)
    left = min((xs[v] - width[v] / 2 for v in range(total)), default=0.0)
    right = max((xs[v] + width[v] / 2 for v in range(total)), default=0.0)
    shift = MARGIN - left
    xs = [x + shift for x in xs]
    y = [ys[layer_of[v]] for v in range(total)]

    points: list[list[float]] = []
    for (u, v, reversed_), chain in zip(dag, chains):
        pts = [xs[u], y[u] + height[u] / 2]
        for d in chain[1:-1]:  # straight down through a row, so the edge misses its boxes
            half = row_half[layer_of[d]]
            pts += [xs[d], y[d] - half, xs[d], y[d] + half] if half else [xs[d], y[d]]
        pts += [xs[v], y[v] - height[v] / 2]
        if reversed_:  # drawn against the flow: put the arrowhead back on the real target
            pts = [c for i in range(len(pts) - 2, -1, -2) for c in pts[i: i + 2]]
        points.append([round(p, 1) for p in pts])
    bottom = max((y[v] + height[v] / 2 for v in range(n)), default=0.0)
    return Layout(x=[round(v, 1) for v in xs[:n]], y=[round(v, 1) for v in y[:n]],
                  layer=layer[:n], points=points, width=round(right - left + 2 * MARGIN, 1),
                  height=round(bottom + MARGIN, 1))


def _acyclic(n: int, edges: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """``(u, v, reversed)`` per edge, with each DFS back edge reversed (no cycle remains)."""
    out: list[list[int]] = [[] for _ in range(n)]
    for k, (u, _) in enumerate(edges):
        out[u].append(k)
    state = [0] * n  # 0 new, 1 on the DFS stack, 2 done
    reverse = [False] * len(edges)
    has_pred = [False] * n
    for _, v in edges:
        has_pred[v] = True
    starts = [v for v in range(n) if not has_pred[v]] + list(range(n))
    for s in starts:
        if state[s]:
            continue
        state[s] = 1
        stack = [(s, 0)]
        while stack:
            u, i = stack[-1]
            if i == len(out[u]):
                state[u] = 2
                stack.pop()
                continue
            stack[-1] = (u, i + 1)
            k = out[u][i]
            v = edges[k][1]
            if state[v] == 1:
                reverse[k] = True
            elif state[v] == 0:
                state[v] = 1
                stack.append((v, 0))
    return [(v, u, True) if reverse[k] else (u, v, False)
            for k, (u, v) in enumerate(edges)]


def _common_prefix(a: tuple, b: tuple) -> tuple:
    k = 0
    while k < len(a) and k < len(b) and a[k] == b[k]:
        k += 1
    return a[:k]


def _longest_path(n: int, edges: list[tuple[int, int, int]]) -> list[int] | None:
    """Rows with ``row[v] >= row[u] + length`` for every edge ``(u, v, length)``, each as high
    as allowed; None if the edges make a cycle."""
    indeg = [0] * n
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for u, v, length in edges:
        out[u].append((v, length))
        indeg[v] += 1
    layer = [0] * n
    ready = [v for v in range(n) if indeg[v] == 0]
    ready.reverse()  # pop() takes the lowest index first
    done = 0
    while ready:
        u = ready.pop()
        done += 1
        for v, length in out[u]:
            layer[v] = max(layer[v], layer[u] + length)
            indeg[v] -= 1
            if indeg[v] == 0:
                ready.append(v)
    return layer if done == n else None


def _cluster_layers(n: int, dag: list[tuple[int, int, bool]],
                    clusters: list[tuple[str, ...]]) -> list[int]:
    """Longest-path rows, with groups ranked as units (as Graphviz does with clusters): a node
    that an edge leaves a group for goes below the group's lowest row.

    Each group gets a virtual "bottom" node: every member points to it (length 0, so it sits
    on the group's lowest row) and it points to the targets of the edges leaving the group
    (length 1). One longest-path pass then settles every group, however many are chained.
    """
    edges = [(u, v, 1) for u, v, _ in dag]
    plain = _longest_path(n, edges)
    assert plain is not None  # the dag has no cycle
    if not any(clusters):
        return plain
    bottom: dict[str, int] = {}  # group -> its virtual node
    for v in range(n):
        for key in clusters[v]:
            edges.append((v, bottom.setdefault(key, n + len(bottom)), 0))
    for u, v, _ in dag:
        for key in clusters[u]:
            if key not in clusters[v]:
                edges.append((bottom[key], v, 1))
    layer = _longest_path(n + len(bottom), edges)
    # A path that leaves a group and comes back into it (possible only with hand-made
    # groups) makes a cycle: such groups cannot be ranked as units, so fall back.
    return layer[:n] if layer is not None else plain


def _order(total: int, n: int, layer_of: list[int], succ: list[list[int]],
           pred: list[list[int]], cluster_of: list[tuple], sweeps: int) -> list[list[int]]:
    """Rows of node indices, ordered to reduce crossings."""
    # Start from depth-first discovery order: a subtree's nodes start out side by side.
    seen = [False] * total
    rows: list[list[int]] = [[] for _ in range(max(layer_of, default=0) + 1)]
    for s in [v for v in range(n) if not pred[v]] + list(range(total)):
        if seen[s]:
            continue
        stack = [s]
        while stack:
            u = stack.pop()
            if seen[u]:
                continue
            seen[u] = True
            rows[layer_of[u]].append(u)
            stack.extend(reversed(succ[u]))
    pos = [0] * total
    for row in rows:
        for i, v in enumerate(row):
            pos[v] = i
    best, best_cross = [list(r) for r in rows], crossings(rows, succ)
    for _ in range(sweeps):
        for r in range(1, len(rows)):
            _sort_row(rows[r], pred, pos, cluster_of)
        for r in range(len(rows) - 2, -1, -1):
            _sort_row(rows[r], succ, pos, cluster_of)
        cross = crossings(rows, succ)
        if cross < best_cross:
            best, best_cross = [list(r) for r in rows], cross
        if best_cross == 0:
            break
    return best


def _sort_row(row: list[int], neighbours: list[list[int]], pos: list[int],
              cluster_of: list[tuple]) -> None:
    """Sort a row by barycenter of the neighbours in the row before; members of a group stay
    together (a group sorts by the mean barycenter of its members, at every nesting level)."""
    bary = {}
    for v in row:
        nb = neighbours[v]
        bary[v] = sum(pos[u] for u in nb) / len(nb) if nb else float(pos[v])
    group_sum: dict[tuple, list[float]] = {}
    for v in row:
        chain = cluster_of[v]
        for k in range(1, len(chain) + 1):
            acc = group_sum.setdefault(chain[:k], [0.0, 0])
            acc[0] += bary[v]
            acc[1] += 1

    def key(v: int) -> tuple:
        chain = cluster_of[v]
        levels = tuple(group_sum[chain[:k]][0] / group_sum[chain[:k]][1]
                       for k in range(1, len(chain) + 1))
        # the group's name breaks ties between two groups with equal barycenters
        return (*((m, chain[k]) for k, m in enumerate(levels)), (bary[v], ""), (pos[v], ""))

    row.sort(key=key)
    for i, v in enumerate(row):
        pos[v] = i


def crossings(rows: list[list[int]], succ: list[list[int]]) -> int:
    """Number of edge crossings between consecutive rows (edges go from row r to row r+1)."""
    pos = {}
    for row in rows:
        for i, v in enumerate(row):
            pos[v] = i
    total = 0
    for row in rows[:-1]:
        ends = sorted((pos[u], pos[v]) for u in row for v in succ[u])
        total += _inversions([b for _, b in ends])
    return total


def _inversions(seq: list[int]) -> int:
    """Pairs i < j with seq[i] > seq[j] (merge sort, O(k log k))."""
    if len(seq) < 2:
        return 0
    mid = len(seq) // 2
    left, right = seq[:mid], seq[mid:]
    count = _inversions(left) + _inversions(right)
    left.sort()
    right.sort()
    j = 0
    for a in left:
        while j < len(right) and right[j] < a:
            j += 1
        count += j
    return count


def _row_y(rows: list[list[int]], height: list[float]) -> list[float]:
    ys, top = [], MARGIN
    for row in rows:
        h = max((height[v] for v in row), default=0.0)
        ys.append(top + h / 2)
        top += h + LAYER_GAP
    return ys


def _place_x(rows: list[list[int]], width: list[float], succ: list[list[int]],
             pred: list[list[int]], n: int) -> list[float]:
    xs = [0.0] * len(width)
    for row in rows:
        for v, off in zip(row, _offsets(row, width, n)):
            xs[v] = off
    # A node is pulled by its successors except the leaves hanging under it (parameters):
    # they follow their node, not the reverse. Otherwise every op of a deep network moves a
    # little towards its weight and the main chain drifts sideways, row after row.
    pull = [[u for u in succ[v] if succ[u] or u >= n] or succ[v] for v in range(len(succ))]
    # ... and when a row is fitted, those leaves give way: an op below its consumer keeps
    # its place and the parameters spread around it (weights of the least-squares fit; not
    # zero, so that a row of leaves alone still has a weighted mean).
    weight = [1e-3 if v < n and not succ[v] else 1.0 for v in range(len(succ))]
    for sweep in range(8):
        down = sweep % 2 == 0
        order = rows[1:] if down else rows[-2::-1]
        for row in order:
            targets = []
            for v in row:
                nb = pred[v] if down else pull[v]
                if sweep == 7:  # last pass: balance between both sides
                    nb = pred[v] + pull[v]
                targets.append(sum(xs[u] for u in nb) / len(nb) if nb else xs[v])
            fitted = _fit_row(targets, _offsets(row, width, n), [weight[v] for v in row])
            for v, x in zip(row, fitted):
                xs[v] = x
    return xs


def _offsets(row: list[int], width: list[float], n: int) -> list[float]:
    """Left-packed centres: the tightest spacing the row's boxes allow."""
    offs, x = [], 0.0
    for i, v in enumerate(row):
        if i:
            u = row[i - 1]
            gap = NODE_GAP if u < n and v < n else DUMMY_GAP
            x += (width[u] + width[v]) / 2 + gap
        offs.append(x)
    return offs


def _fit_row(targets: list[float], offsets: list[float],
             weights: list[float] | None = None) -> list[float]:
    """Positions closest (weighted least squares) to ``targets`` keeping the row's order and
    spacing.

    With ``x_i = z_i + offsets_i`` the spacing constraints become ``z`` non-decreasing: an
    isotonic regression of ``targets - offsets``, solved by pooling adjacent violators.
    """
    weights = weights or [1.0] * len(targets)
    blocks: list[list[float]] = []  # [weighted mean, total weight, count]
    for t, o, w in zip(targets, offsets, weights):
        blocks.append([t - o, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks[-1]
            blocks[-1] = [(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2]
    z: list[float] = []
    for m, _, c in blocks:
        z.extend([m] * int(c))
    return [zi + o for zi, o in zip(z, offsets)]
