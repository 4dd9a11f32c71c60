"""``viz.graph``: the backward graph behind a tensor, as an interactive widget.

What a learner sees: the output on top, then every backward node (``MulBackward0``...) with
its PyTorch name, down to the leaves (``AccumulateGrad``, named by ``params``); arrows follow
``next_functions``, the direction gradients flow. Each box shows the shape and dtype of the
tensor that node produced. Clicking a box opens a panel with the value (min/max/mean/std and
a histogram), the gradient once backward has run, ``next_functions`` and the saved values.

The layout is computed here in Python (:mod:`._layout`) and sent as coordinates, so the
picture is the same in JupyterLab, VS Code, exported HTML and the static SVG fallback.
Collapsing a module group or showing saved values asks Python for a new layout.
"""

from __future__ import annotations

import weakref
from typing import Any

import anywidget
import traitlets

from ._graph_common import build_view, load_esm, shape_text, summarize, svg
from ._graph_extract import GraphData, extract_graph

__all__ = ["graph", "GraphWidget"]

#: Above this many nodes, ``collapsed=None`` starts with the top-level modules collapsed.
AUTO_COLLAPSE = 200


def _compact(rec: dict) -> dict:
    """A node record without empty fields: the state of a 2,000-node graph stays small."""
    return {k: v for k, v in rec.items()
            if v is not None and not (k in ("next", "saved") and v == [])}


class GraphWidget(anywidget.AnyWidget):
    """The backward graph of a tensor (see :func:`graph`, which builds one).

    Synchronised state (traitlets): ``nodes`` (compact records, see
    :class:`~autograd_lab.viz._graph_extract.GraphData`), ``scene`` (the laid-out boxes and
    edges, see :func:`build_view`; not named ``layout``, which is ipywidgets' own CSS trait),
    ``groups`` (``[key, parent, size]``), ``collapsed`` (keys of collapsed module groups),
    ``show_saved`` (draw saved values as nodes) and ``selected`` (the clicked node id).
    """

    _esm = traitlets.Unicode(load_esm("graph.js")).tag(sync=True)
    nodes = traitlets.List().tag(sync=True)
    scene = traitlets.Dict().tag(sync=True)
    groups = traitlets.List().tag(sync=True)
    collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    show_saved = traitlets.Bool(False).tag(sync=True)
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, tensor: Any, params: dict[str, Any] | None = None, *, model: Any = None,
                 show_saved: bool = False, collapsed: list[str] | None = None,
                 record_grads: bool = True, **kwargs: Any) -> None:
        g = extract_graph(tensor, params, model=model)
        if collapsed is None:
            shown = sum(1 for n in g.nodes if n["kind"] != "saved")
            collapsed = [k for k, (p, _) in g.groups.items() if p is None] \
                if shown > AUTO_COLLAPSE else []
        sizes: dict[str, int] = {}
        for rec in g.nodes:
            key = rec["group"] if rec["kind"] != "saved" else None
            while key is not None:
                sizes[key] = sizes.get(key, 0) + 1
                key = g.groups[key][0]
        self._graph = GraphData(nodes=g.nodes, edges=g.edges, groups=g.groups)  # no Nodes
        self._pending: dict[int, dict] = {}  # gradient summaries not yet sent
        super().__init__(nodes=[_compact(n) for n in g.nodes],
                         groups=[[k, p, sizes.get(k, 0)] for k, (p, _) in g.groups.items()],
                         collapsed=list(collapsed), show_saved=show_saved,
                         scene=build_view(self._graph, collapsed, show_saved), **kwargs)
        if record_grads:
            _record_grads(self, g)

    @traitlets.observe("collapsed", "show_saved")
    def _relayout(self, change: Any) -> None:
        if change["old"] == change["new"]:
            return
        self.scene = build_view(self._graph, self.collapsed, self.show_saved)

    @traitlets.observe("selected")
    def _on_select(self, change: Any) -> None:
        if self._pending:  # a backward ran but not every node reported: show what we have
            self.refresh()

    def collapse(self, *keys: str) -> None:
        """Collapse module groups (all top-level ones when no key is given)."""
        keys = keys or tuple(k for k, p, _ in self.groups if p is None)
        self.collapsed = list(dict.fromkeys([*self.collapsed, *keys]))

    def expand(self, *keys: str) -> None:
        """Expand module groups (all of them when no key is given)."""
        self.collapsed = [k for k in self.collapsed if keys and k not in keys]

    def refresh(self) -> None:
        """Send the gradients recorded during backward to the view now."""
        pending, self._pending = self._pending, {}
        if not pending:
            return
        for nid, summary in pending.items():
            self._graph.nodes[nid]["grad"] = summary
            self._graph.nodes[nid]["grad_src"] = "backward"
        self.nodes = [_compact(n) for n in self._graph.nodes]

    def text(self) -> str:
        """The graph as plain text, one node per line with its next_functions (terminals)."""
        nodes = self._graph.nodes
        lines = []
        for n in nodes:
            if n["kind"] == "saved":
                continue
            nexts = ", ".join(nodes[c]["label"] if c is not None else "None"
                              for c, _ in n["next"])
            group = f"  [{n['group']}]" if n["group"] else ""
            arrow = f"  -> ({nexts})" if n["kind"] != "output" else f"  -> {nodes[1]['label']}"
            lines.append(f"{n['id']:>4}  {n['label']:<28} {shape_text(n['shape'])} "
                         f"{n['dtype']}{group}{arrow if n['next'] or n['id'] == 0 else ''}")
        return "\n".join(lines)

    __str__ = text  # print(w) in a terminal shows the graph

    def to_svg(self) -> str:
        """The current picture as a standalone SVG string (no JavaScript needed)."""
        return svg(self._graph.nodes, self.scene)

    def _repr_html_(self) -> str:
        return f'<div style="overflow:auto">{self.to_svg()}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        # Widget frontends show the widget; nbconvert, nbval and plain frontends the SVG.
        data, metadata = super()._repr_mimebundle_(**kwargs)
        return {**data, "text/html": self._repr_html_()}, metadata

    def __repr__(self) -> str:
        shown = sum(1 for n in self._graph.nodes if n["kind"] != "saved")
        return f"GraphWidget({shown} nodes, {len(self.groups)} module groups)"


def _record_grads(widget: GraphWidget, g: GraphData) -> None:
    """Hooks on the graph's nodes note each node's incoming gradient during a later backward,
    and what flows into each leaf; the view updates once every node has reported."""
    from ..autograd.engine import _fit_to_meta
    from ..autograd.function import AccumulateGrad

    ref = weakref.ref(widget)  # the graph must not keep a discarded widget alive
    index = {obj: nid for nid, obj in enumerate(g.objects) if obj is not None}
    ops = [(nid, obj) for nid, obj in enumerate(g.objects)
           if obj is not None and not isinstance(obj, AccumulateGrad)]
    state: dict[str, Any] = {"fired": 0, "flows": {}}

    def hook(nid: int, leaves: list, grad_inputs: tuple, grad_outputs: tuple) -> None:
        w = ref()
        if w is None:
            return
        incoming = next((x for x in grad_outputs if x is not None), None)
        if incoming is not None:
            w._pending[nid] = summarize(incoming)
            if nid == 1:  # the output's gradient is what its grad_fn receives
                w._pending[0] = w._pending[nid]
        for i, leaf_id, meta in leaves:  # what this node sends into leaves' .grad
            gi = grad_inputs[i]
            if gi is None:
                continue
            if gi._data.shape != meta[0] or gi._data.dtype != meta[1]:
                gi = _fit_to_meta(gi, meta)  # the engine un-broadcasts the same way
            prev = state["flows"].get(leaf_id)
            state["flows"][leaf_id] = gi._data.copy() if prev is None else prev + gi._data
        state["fired"] += 1
        if state["fired"] == len(ops):  # every node ran: backward is over
            for leaf_id, total in state["flows"].items():
                w._pending[leaf_id] = summarize(total)
            state["fired"], state["flows"] = 0, {}
            w.refresh()

    for nid, obj in ops:
        # the hook keeps ids and shapes only, never Node objects (no reference cycles)
        leaves = [(i, index[child], obj._input_meta[i])
                  for i, (child, _) in enumerate(obj.next_functions)
                  if isinstance(child, AccumulateGrad)]
        obj.register_hook(lambda gi, go, nid=nid, leaves=leaves: hook(nid, leaves, gi, go))


def graph(tensor: Any, params: dict[str, Any] | None = None, *, model: Any = None,
          show_saved: bool = False, collapsed: list[str] | None = None,
          record_grads: bool = True) -> GraphWidget:
    """Draw the backward graph of ``tensor`` (usually the loss) as an interactive widget.

    Boxes: the output (green), backward nodes with PyTorch's names (blue-grey), leaves named
    by ``params`` (blue) and, with ``show_saved``, the values saved for backward (orange).
    Arrows follow ``next_functions``. Click a box for its value, gradient, saved values and a
    histogram; drag to pan, scroll to zoom. Build the graph *before* ``loss.backward()`` to
    see every node's gradient afterwards (the graph's hooks record them) and the saved
    values (backward frees them).

    Args:
        tensor: the tensor whose graph to draw; it must require grad.
        params: names for leaves, e.g. ``dict(model.named_parameters())``.
        model: an ``nn.Module``: names the leaves (when ``params`` is None) and groups nodes by
            module. Run the forward inside :func:`trace_modules` to group every node.
        show_saved: also draw the saved values as nodes (a checkbox in the widget).
        collapsed: module groups drawn as one box; None collapses the top-level modules of
            graphs with more than 200 nodes.
        record_grads: register hooks on the graph's nodes that record the gradients of the
            next backward through it.

    Example:
        >>> net = Net()
        >>> with viz.trace_modules(net):
        ...     loss = nn.functional.cross_entropy(net(images), labels)
        >>> w = viz.graph(loss, model=net)
        >>> w                  # the widget; click a node
        >>> loss.backward()    # the widget now shows each node's gradient
    """
    return GraphWidget(tensor, params, model=model, show_saved=show_saved, collapsed=collapsed,
                       record_grads=record_grads)
