"""Helpers shared by the graph widget and the backward stepper.

* :func:`summarize`: a compact, JSON-safe summary of an array (shape, dtype, min/max/mean/std,
  a small histogram, the values themselves when there are few). Widgets send these, never
  arrays, so the state of a 2,000-node graph stays small and exported HTML renders from it.
* :func:`load_esm`: the text of an ES module in ``static/`` (anywidget needs no build step).
* :func:`build_view`: what is visible (collapsed module groups, saved values on request),
  laid out by :mod:`._layout`; the widgets send this, the JavaScript draws it.
* :func:`svg`: the static picture of a laid-out graph, for nbval, nbconvert and frontends
  without widgets. The JavaScript view draws the same boxes from the same layout.
"""

from __future__ import annotations

import html
import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._layout import layered_layout

if TYPE_CHECKING:
    from ._graph_extract import GraphData

#: Histogram bins sent per tensor: enough to see a shape, small enough for 2,000 nodes.
HIST_BINS = 12
#: Tensors with at most this many elements also send their values (the tutorials' 2x2 x).
MAX_VALUES = 16
#: Larger tensors are histogrammed from an evenly strided sample of this many values.
HIST_SAMPLE = 100_000

STATIC = Path(__file__).with_name("static")
NODE_H = 36.0  # box height: a title line and a shape/dtype line

# Colours of the node kinds, shared by the static SVG and (by name) the JavaScript CSS.
FILL = {"output": "#c8e6c9", "op": "#e3ecf7", "leaf": "#bbdefb", "saved": "#ffe0b2",
        "group": "#eeeeee"}
STROKE = {"output": "#2e7d32", "op": "#5c7ea8", "leaf": "#1565c0", "saved": "#ef6c00",
          "group": "#616161"}


def num(v: float) -> float | str:
    """A float rounded to 4 significant digits; nan/inf as strings (JSON has no NaN)."""
    v = float(v)
    if math.isfinite(v):
        return float(f"{v:.4g}")
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def dtype_name(dtype: Any) -> str:
    """``"float32"`` for a NumPy dtype or an ``autograd_lab.float32``."""
    text = str(dtype)
    return text.rsplit(".", 1)[-1]


def to_numpy(value: Any) -> np.ndarray | None:
    """The NumPy array behind a Tensor or an array (CuPy arrays are copied to the host)."""
    data = getattr(value, "_data", value)
    if hasattr(data, "get") and not isinstance(data, np.ndarray):  # CuPy
        data = data.get()
    if isinstance(data, np.ndarray | np.generic):
        return np.asarray(data)
    return None


def summarize(value: Any) -> dict | None:
    """Compact summary of a Tensor or array: ``shape, dtype, min, max, mean, std, hist``.

    ``hist`` is ``[counts, lo, hi]`` over the finite values; ``values`` (flattened) is present
    for tensors of at most :data:`MAX_VALUES` elements. Returns None for non-arrays.
    """
    arr = to_numpy(value)
    if arr is None:
        return None
    out: dict[str, Any] = {"shape": list(arr.shape), "dtype": dtype_name(arr.dtype)}
    if arr.size == 0:
        return out
    flat = arr.reshape(-1)
    if arr.size <= MAX_VALUES:
        out["values"] = [num(v) for v in flat.astype(np.float64)]
    if arr.dtype.kind not in "biuf":  # complex and others: shape only
        return out
    sample = flat if flat.size <= HIST_SAMPLE else flat[:: flat.size // HIST_SAMPLE]
    x = sample.astype(np.float64)
    finite = x[np.isfinite(x)]
    with np.errstate(all="ignore"):
        out.update(min=num(flat.min()), max=num(flat.max()),
                   mean=num(flat.mean(dtype=np.float64)),
                   std=num(x.std()) if x.size > 1 else 0.0)
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if lo == hi:  # one value: a single centred bar
            lo, hi = lo - 0.5, hi + 0.5
        counts, _ = np.histogram(finite, bins=HIST_BINS, range=(lo, hi))
        out["hist"] = [counts.tolist(), num(lo), num(hi)]
    return out


def shape_text(shape: Any) -> str:
    """``(4, 3, 32, 32)`` as ``4×3×32×32``; a scalar as ``scalar``."""
    if shape is None:
        return "?"
    return "×".join(str(s) for s in shape) if len(shape) else "scalar"


@cache
def load_esm(name: str) -> str:
    """The text of ``static/<name>``: the widget's ES module, shipped as package data."""
    return (STATIC / name).read_text(encoding="utf-8")


def esc(text: Any) -> str:
    """``text`` safe inside HTML/SVG text and attribute values."""
    return html.escape(str(text), quote=True)


def svg(nodes: list[dict], layout: dict, highlight: dict[Any, str] | None = None,
        max_width: int = 1200) -> str:
    """The laid-out graph as a standalone SVG string (the widget's static fallback).

    Args:
        nodes: the widget's node records (``kind``, ``label``, ``shape``, ``dtype``).
        layout: the widget's layout (see :func:`autograd_lab.viz._layout.layout_view`).
        highlight: optional ``{view id: colour}`` for nodes to outline (the stepper's current).
        max_width: the picture is scaled down to at most this many pixels wide.
    """
    highlight = highlight or {}
    width, height = layout["width"], layout["height"]
    scale = min(1.0, max_width / max(width, 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * scale:.0f}" '
        f'height="{height * scale:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        'font-family="sans-serif" font-size="12">',
        '<defs><marker id="al-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="#777"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>',
    ]
    for path, x, y, w, h in layout["boxes"]:
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8" '
                     'fill="#9e9e9e" fill-opacity="0.08" stroke="#9e9e9e" '
                     'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 13:.1f}" fill="#616161" '
                     f'font-size="11">{esc(path)}</text>')
    for _, _, points, dashed in layout["edges"]:
        d = "M" + " L".join(f"{points[i]:.1f},{points[i + 1]:.1f}"
                             for i in range(0, len(points), 2))
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        parts.append(f'<path d="{d}" fill="none" stroke="#777" stroke-width="1.2"{dash} '
                     'marker-end="url(#al-arrow)"/>')
    for vid, x, y, w, h in layout["nodes"]:
        title, sub, kind = view_text(nodes, vid, layout["groups"])
        stroke = highlight.get(vid, STROKE[kind])
        sw = 3 if vid in highlight else 1.2
        parts.append(f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" '
                     f'height="{h:.1f}" rx="5" fill="{FILL[kind]}" stroke="{stroke}" '
                     f'stroke-width="{sw}"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                     f'font-weight="bold">{esc(title)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{y + 12:.1f}" text-anchor="middle" '
                     f'fill="#555" font-size="11">{esc(sub)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def view_text(nodes: list[dict], vid: Any, groups: dict) -> tuple[str, str, str]:
    """(title, subtitle, kind) of a view node: a node id, or ``"g:<key>"`` for a collapsed
    module group (``groups[vid] == [key, node count]``)."""
    if isinstance(vid, str):
        key, count = groups[vid]
        return key, f"{count} node{'s' if count != 1 else ''} (collapsed)", "group"
    n = nodes[vid]
    return n["label"], f"{shape_text(n['shape'])} {n['dtype']}", n["kind"]


def text_width(text: str, font_px: float = 12.0) -> float:
    """Approximate rendered width of ``text`` in a sans-serif font (no font metrics needed).

    Deterministic on purpose: the layout must not depend on the machine's fonts.
    """
    narrow = sum(1 for c in text if c in "ijlt.,:;|!()[]1 ")
    wide = sum(1 for c in text if c.isupper() or c in "mwMW×")
    return font_px * (0.56 * len(text) - 0.22 * narrow + 0.16 * wide)


def build_view(g: GraphData, collapsed: Any = (), show_saved: bool = False,
               groups: bool = True) -> dict:
    """Lay out what is visible: collapsed module groups become one box, saved values appear
    only with ``show_saved``.

    Returns ``{"nodes": [[id, x, y, w, h]], "edges": [[src, dst, points, dashed]], "boxes":
    [[key, x, y, w, h]], "groups": {id: [key, count]}, "width", "height"}`` where ``id`` is a
    node id or ``"g:<key>"`` for a collapsed group.
    """
    parent = {k: p for k, (p, _) in g.groups.items()}
    folded = set(collapsed) & set(parent)
    rep: list[Any] = []
    counts: dict[str, int] = {}
    for rec in g.nodes:
        if rec["kind"] == "saved" and not show_saved:
            rep.append(None)
            continue
        r: Any = rec["id"]
        key = rec["group"] if groups else None
        while key is not None:  # the outermost collapsed module containing this node wins
            if key in folded:
                r = f"g:{key}"
            key = parent[key]
        rep.append(r)
        if isinstance(r, str):
            counts[r] = counts.get(r, 0) + 1
    order = list(dict.fromkeys(r for r in rep if r is not None))  # first appearance
    index = {v: i for i, v in enumerate(order)}
    folded_info = {k: [k[2:], c] for k, c in counts.items()}
    sizes = []
    for v in order:
        title, sub, _ = view_text(g.nodes, v, folded_info)
        sizes.append((max(text_width(title) * 1.08, text_width(sub, 11)) + 18, NODE_H))
    pairs, styles = [], []
    seen = set()
    for consumer, producer, _, i in g.edges:
        a, b = rep[consumer], rep[producer]
        if a is None or b is None or a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        pairs.append((index[a], index[b]))
        styles.append(i < 0)  # saved values: dashed
    clusters = []
    if groups:
        for v in order:  # the expanded groups around each box, outermost first
            key = parent[v[2:]] if isinstance(v, str) else g.nodes[v]["group"]
            chain = []
            while key is not None:
                chain.append(key)
                key = parent[key]
            clusters.append(tuple(reversed(chain)))
    lay = layered_layout(sizes, pairs, clusters or None)
    nodes = [[v, lay.x[i], lay.y[i], round(sizes[i][0], 1), sizes[i][1]]
             for i, v in enumerate(order)]
    edges = [[order[u], order[v], pts, dashed]
             for (u, v), pts, dashed in zip(pairs, lay.points, styles)]
    boxes = _group_boxes(g, rep, nodes, parent) if groups else []
    width = max([lay.width] + [x + w + 20 for _, x, _, w, _ in boxes])
    return {"nodes": nodes, "edges": edges, "boxes": boxes, "width": round(width, 1),
            "height": lay.height, "groups": folded_info}


def _group_boxes(g: GraphData, rep: list, nodes: list, parent: dict) -> list:
    """Rectangles around the visible members of each expanded module group, nested."""
    where = {v: (x - w / 2, y - h / 2, x + w / 2, y + h / 2) for v, x, y, w, h in nodes}
    extent: dict[str, list[float]] = {}

    def grow(key: str, rect: tuple) -> None:
        box = extent.setdefault(key, [rect[0], rect[1], rect[2], rect[3]])
        box[:] = [min(box[0], rect[0]), min(box[1], rect[1]), max(box[2], rect[2]),
                  max(box[3], rect[3])]

    depth = {}
    for key in g.groups:
        d, k = 0, parent[key]
        while k is not None:
            d, k = d + 1, parent[k]
        depth[key] = d
    for rec, r in zip(g.nodes, rep):
        if isinstance(r, int) and rec["group"] is not None:
            grow(rec["group"], where[r])
        elif isinstance(r, str) and parent[r[2:]] is not None:  # a collapsed submodule
            grow(parent[r[2:]], where[r])
    boxes = []
    # Deepest first, so each parent box grows around its children's padded boxes (a parent
    # such as a Sequential may have no node of its own: it appears when a child grows it).
    for d in range(max(depth.values(), default=-1), -1, -1):
        for key in [k for k in extent if depth[k] == d]:
            x0, y0, x1, y1 = extent[key]
            x0, y0, x1, y1 = x0 - 6, y0 - 20, x1 + 6, y1 + 6  # room for the label on top
            x1 = max(x1, x0 + text_width(key, 11) + 12)  # the label fits inside
            boxes.append([key, round(x0, 1), round(y0, 1), round(x1 - x0, 1),
                          round(y1 - y0, 1)])
            if parent[key] is not None:
                grow(parent[key], (x0, y0, x1, y1))
    boxes.reverse()  # outermost drawn first (underneath)
    return boxes
