"""``viz.stepper``: step through a real backward pass, one node at a time.

The stepper does not simulate backward: it *runs* ``tensor.backward()`` once, with hooks on
every node of the graph that record, in the order the engine calls them, what each node
received, what it sent to each of its ``next_functions`` and what each leaf's ``.grad`` was
before and after accumulation. The widget then replays that recording. So the order shown is
the engine's own (see :mod:`autograd_lab.autograd.engine`: a node runs once every consumer
has sent its gradient), and afterwards ``.grad`` holds what ``backward()`` would have left.

The "local derivative" of a node is the first paragraph of its op's docstring (the engine's
ops state their derivative there), and, where the incoming gradient broadcasts against the
gradient sent to an input, the measured ratio ``sent / incoming``.
"""

from __future__ import annotations

import html
import inspect
from typing import Any

import anywidget
import numpy as np
import traitlets

from ._graph_common import build_view, load_esm, shape_text, summarize, svg, to_numpy
from ._graph_extract import GraphData, extract_graph
from ._graph_widget import _compact

__all__ = ["stepper", "BackwardStepper"]


def local_derivative(node: Any) -> str:
    """What a node computes and its derivative, from its op's docstring, plus where to read
    its backward (``autograd_lab/ops/elementwise.py: Mul.backward``)."""
    from ..autograd.function import AccumulateGrad

    if isinstance(node, AccumulateGrad):
        return "leaf.grad += incoming gradient (leaf.grad = it, if it was None)"
    op = getattr(getattr(node, "_inner", None), "_op", None) or getattr(node, "_op", None) \
        or getattr(node, "_fn", None)
    if op is None:
        return f"see {type(node).__name__}._apply_backward"
    doc = inspect.getdoc(op) or ""
    first = " ".join(doc.split("\n\n", 1)[0].split()).replace("``", "")  # reST literals
    where = f"{op.__module__.replace('.', '/')}.py: {op.__name__}.backward"
    return f"{first} [{where}]" if first else f"[{where}]"


def _ratio(sent: Any, incoming: Any) -> dict | None:
    """``sent / incoming`` when the two broadcast: the local derivative, measured."""
    a, b = to_numpy(sent), to_numpy(incoming)
    if a is None or b is None or a.dtype.kind != "f" or b.dtype.kind != "f" or not np.all(b):
        return None
    try:
        if np.broadcast_shapes(a.shape, b.shape) != a.shape:
            return None  # reductions and matrix products: no elementwise ratio
    except ValueError:
        return None
    with np.errstate(all="ignore"):
        return summarize(a / b)


def _record(tensor: Any, g: GraphData, gradient: Any, retain_graph: bool | None) -> list[dict]:
    """Run backward once with recording hooks; return one step per node the engine ran."""
    from ..autograd.engine import _fit_to_meta
    from ..autograd.function import AccumulateGrad

    index = {obj: nid for nid, obj in enumerate(g.objects) if obj is not None}
    steps: list[dict] = []
    open_step: dict[int, dict] = {}
    handles = []

    def pre(nid: int, grads: tuple) -> None:
        step = {"node": nid, "kind": "op", "grad_in": [summarize(x) if x is not None else None
                                                       for x in grads], "to": []}
        open_step[nid] = step
        steps.append(step)

    def post(nid: int, node: Any, grad_inputs: tuple, grads: tuple) -> None:
        step = open_step.pop(nid)
        incoming = next((x for x in grads if x is not None), None)
        for i, ((child, _), gi) in enumerate(zip(node.next_functions, grad_inputs)):
            flow: dict[str, Any] = {"input": i, "parent": index.get(child)}
            if child is not None and gi is not None:
                meta = node._input_meta[i]
                fitted = gi
                if gi._data.shape != meta[0] or gi._data.dtype != meta[1]:
                    fitted = _fit_to_meta(gi, meta)  # what the engine does next
                    flow["summed_from"] = list(gi._data.shape)
                flow["grad"] = summarize(fitted)
                if incoming is not None:
                    flow["ratio"] = _ratio(gi, incoming)
            step["to"].append(flow)

    def leaf_hook(nid: int, leaf: Any, grad: Any) -> None:
        before = summarize(leaf.grad) if leaf.grad is not None else None
        steps.append({"node": nid, "kind": "leaf", "grad_in": [summarize(grad)],
                      "before": before, "to": []})

    try:
        for nid, obj in enumerate(g.objects):
            if obj is None:
                continue
            if isinstance(obj, AccumulateGrad):
                handles.append(obj.variable.register_hook(
                    lambda grad, nid=nid, leaf=obj.variable: leaf_hook(nid, leaf, grad)))
            else:
                handles.append(obj.register_prehook(lambda grads, nid=nid: pre(nid, grads)))
                handles.append(obj.register_hook(
                    lambda gi, go, nid=nid, obj=obj: post(nid, obj, gi, go)))
        tensor.backward(gradient, retain_graph=retain_graph)
    finally:
        for h in handles:
            h.remove()
    for step in steps:
        obj = g.objects[step["node"]]
        step["local"] = local_derivative(obj)
        if step["kind"] == "leaf":  # each leaf accumulates once per backward: .grad is final
            grad = obj.variable.grad
            step["after"] = summarize(grad) if grad is not None else None
    return steps


class BackwardStepper(anywidget.AnyWidget):
    """A recorded backward pass to step through (see :func:`stepper`, which builds one).

    Synchronised state: ``nodes`` and ``scene`` (as in :class:`GraphWidget`), ``steps`` (one
    record per node the engine ran, in its order: ``node, kind, grad_in, local, to`` and for
    leaves ``before``/``after``) and ``current`` (the step shown).
    """

    _esm = traitlets.Unicode(load_esm("stepper.js")).tag(sync=True)
    nodes = traitlets.List().tag(sync=True)
    scene = traitlets.Dict().tag(sync=True)
    steps = traitlets.List().tag(sync=True)
    current = traitlets.Int(0).tag(sync=True)

    def __init__(self, tensor: Any, params: dict[str, Any] | None = None, *, model: Any = None,
                 gradient: Any = None, retain_graph: bool | None = None, **kwargs: Any) -> None:
        g = extract_graph(tensor, params, model=model)
        steps = _record(tensor, g, gradient, retain_graph)
        view = build_view(g, (), show_saved=False, groups=False)
        self._nodes = g.nodes
        super().__init__(nodes=[_compact(n) for n in g.nodes], scene=view, steps=steps,
                         **kwargs)

    @traitlets.validate("current")
    def _clamp(self, proposal: Any) -> int:
        return max(0, min(proposal["value"], len(self.steps) - 1))

    @property
    def order(self) -> list[str]:
        """Labels of the nodes in the order the engine ran them."""
        return [self._nodes[s["node"]]["label"] for s in self.steps]

    def step(self, n: int = 1) -> None:
        """Show the next step (or ``n`` steps on)."""
        self.current += n

    def back(self, n: int = 1) -> None:
        """Show the previous step (or ``n`` steps back)."""
        self.current -= n

    def text(self) -> str:
        """The whole recording as plain text, one line per step (for terminals)."""
        lines = []
        for k, s in enumerate(self.steps):
            node = self._nodes[s["node"]]
            got = _brief(s["grad_in"][0] if s["grad_in"] else None)
            line = f"{k + 1:>3}. {node['label']:<28} grad in {got}"
            sent = [f"{self._nodes[f['parent']]['label']}: {_brief(f.get('grad'))}"
                    for f in s["to"] if f["parent"] is not None]
            if sent:
                line += "  ->  " + "; ".join(sent)
            if s["kind"] == "leaf":
                line += f"  .grad {_brief(s.get('before'))} -> {_brief(s.get('after'))}"
            lines.append(line)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The graph with the current node outlined, beside the table of all steps."""
        step = self.steps[self.current] if self.steps else None
        mark = {step["node"]: "#d81b60"} if step else {}
        cell = 'style="padding:2px 8px;text-align:left;vertical-align:top"'
        rows = []
        for k, s in enumerate(self.steps):
            sent = "; ".join(f"{self._nodes[f['parent']]['label']}: {_brief(f.get('grad'))}"
                             for f in s["to"] if f["parent"] is not None)
            if s["kind"] == "leaf":
                sent = f".grad {_brief(s.get('before'))} → {_brief(s.get('after'))}"
            bg = ' style="background:#fce4ec"' if k == self.current else ""
            rows.append(f"<tr{bg}><td {cell}>{k + 1}</td>"
                        f"<td {cell}>{html.escape(self._nodes[s['node']]['label'])}</td>"
                        f"<td {cell}>{_brief(s['grad_in'][0] if s['grad_in'] else None)}</td>"
                        f"<td {cell}>{html.escape(sent)}</td></tr>")
        head = "".join(f"<th {cell}>{h}</th>" for h in ("step", "node", "incoming gradient",
                                                         "sent to next_functions"))
        return ('<div style="display:flex;gap:16px;align-items:flex-start;overflow:auto;'
                'font:12px sans-serif">'
                f"{svg(self._nodes, self.scene, mark, max_width=700)}"
                f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(rows)}'
                "</table></div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        data, metadata = super()._repr_mimebundle_(**kwargs)
        return {**data, "text/html": self._repr_html_()}, metadata

    def __repr__(self) -> str:
        return f"BackwardStepper({len(self.steps)} steps, at {self.current + 1})"

    __str__ = text  # print(s) in a terminal shows the whole recording


def _brief(s: dict | None) -> str:
    """A summary in a few characters: the values when few, else shape and mean."""
    if not s:
        return "None"
    if "values" in s:
        vals = ", ".join(str(v) for v in s["values"])
        return vals if not s["shape"] else f"[{vals}]"
    return f"{shape_text(s['shape'])} mean {s.get('mean')}"


def stepper(tensor: Any, params: dict[str, Any] | None = None, *, model: Any = None,
            gradient: Any = None, retain_graph: bool | None = None) -> BackwardStepper:
    """Run ``tensor.backward()`` once, recorded, and step through it node by node.

    Use it *instead of* ``tensor.backward()``: afterwards the leaves' ``.grad`` hold what
    backward leaves there. Each step shows the node the engine runs (highlighted in the
    graph), the gradient it received, its local derivative, what it sends to each of its
    ``next_functions`` and, for a leaf, ``.grad`` before and after accumulation. Buttons step,
    go back and play; ``step()``, ``back()`` and ``current`` do the same from Python.

    Args:
        tensor: the output to backpropagate from (usually the loss).
        params: names for leaves, e.g. ``{"x": x}`` or ``dict(model.named_parameters())``.
        model: an ``nn.Module`` whose parameter names label the leaves.
        gradient: as in ``Tensor.backward`` (needed when ``tensor`` is not a scalar).
        retain_graph: as in ``Tensor.backward``.

    Example:
        >>> x = autograd_lab.ones(2, 2, requires_grad=True)
        >>> y = x + 2
        >>> z = y * y * 3
        >>> out = z.mean()
        >>> s = viz.stepper(out, params={"x": x})
        >>> s.order
        ['MeanBackward0', 'MulBackward0', 'MulBackward0', 'AddBackward0', 'x']
        >>> x.grad
        tensor([[4.5000, 4.5000],
                [4.5000, 4.5000]])
    """
    return BackwardStepper(tensor, params, model=model, gradient=gradient,
                           retain_graph=retain_graph)
