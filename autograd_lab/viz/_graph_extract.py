"""Read the backward graph behind a tensor into plain records the widgets can send.

The graph is the one ``loss.backward()`` walks: start at ``loss.grad_fn`` and follow
``next_functions``. Nothing here changes the graph; saved values are read, never unpacked
(unpacking would raise for freed or modified values, which we want to *show* instead).

Node ids are given in breadth-first order from the output, following ``next_functions`` in
order, so the same code gives the same ids (and the same picture) on every run, whatever the
hash seed: ordering never comes from a set or from ``id()``.

Module grouping: a graph has no notion of ``nn.Module``. Run the forward pass inside
:func:`trace_modules` and each node is tagged, in ``node.metadata``, with the module calls
that created it. Without tracing, ``model=`` still groups each parameter with the ops that
consume it directly (a Linear's ``AddmmBackward0`` and ``TBackward0``), but not parameter-free
modules such as ``nn.ReLU``.
"""

from __future__ import annotations

import inspect
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ._graph_common import dtype_name, summarize

__all__ = ["GraphData", "extract_graph", "trace_modules"]

#: ``node.metadata`` key holding the chain of module calls (outermost first) of a node.
MODULE_KEY = "viz_module"


@dataclass
class GraphData:
    """The backward graph as plain data.

    Attributes:
        nodes: one dict per node, ``nodes[i]["id"] == i``. Node 0 is the output tensor, then
            the backward nodes and leaves in breadth-first order, then saved values.
            Keys: ``id, kind`` (``"output" | "op" | "leaf" | "saved"``), ``name`` (PyTorch's
            class name, ``"MulBackward0"``), ``label``, ``shape``, ``dtype``, ``group`` (a
            module call key or None), ``value``/``grad`` (summaries or None), ``next``
            (``[[child id or None, output_nr], ...]``, as ``next_functions``), ``saved`` (ids
            of the node's saved-value nodes, or ``"freed"`` after backward). Saved-value
            nodes also have ``owner`` (the node that saved it), ``ref`` (the node whose
            output the value is; its ``value`` holds the summary) and ``modified``
            (``[version now, version saved]`` after an in-place change).
        edges: ``(consumer, producer, output_nr, input_index)`` for every non-None entry of
            ``next_functions``; saved-value edges have ``input_index == -1``.
        groups: ``{key: (parent key or None, label)}`` in order of first appearance.
        objects: the graph's ``Node`` objects by id (None for the output and saved nodes).
    """

    nodes: list[dict]
    edges: list[tuple[int, int, int, int]]
    groups: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    objects: list[Any] = field(default_factory=list)


def _edge_node(t: Any) -> Any:
    """The node a tensor's gradient flows into, without creating an AccumulateGrad."""
    if t.grad_fn is not None:
        return t.grad_fn
    ref = t._accumulator_ref
    return ref() if ref is not None else None


@cache
def _arg_names(fn: Any) -> tuple[str, ...]:
    """Names of ``forward``'s positional inputs (after ``ctx``), to label saved values."""
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _saved_entries(node: Any) -> list | str:
    """The raw saved entries of a node, ``"freed"`` after backward, or ``[]``."""
    from ..autograd.function import FREED

    inner = getattr(node, "_inner", None)  # CopySlices keeps the in-place op's node
    saved = node._saved if inner is None else inner._saved
    if saved is FREED:
        return "freed"
    return list(saved) if isinstance(saved, list | tuple) else []


def extract_graph(tensor: Any, params: dict[str, Any] | None = None, *, model: Any = None,
                  saved: bool = True) -> GraphData:
    """Walk the backward graph of ``tensor`` and return it as :class:`GraphData`.

    Args:
        tensor: the output (usually the loss); it must have a ``grad_fn`` or be a leaf
            that requires grad.
        params: names for leaf tensors, e.g. ``dict(model.named_parameters())``.
        model: an ``nn.Module``; its ``named_parameters()`` name the leaves when ``params``
            is not given, and group them by module.
        saved: read the values saved for backward (summaries, and ``saved`` nodes).

    Example:
        >>> x = autograd_lab.ones(2, 2, requires_grad=True)
        >>> g = extract_graph((x * x).sum(), params={"x": x})
        >>> [n["label"] for n in g.nodes if n["kind"] != "saved"]
        ['output', 'SumBackward0', 'MulBackward0', 'x']
    """
    if not getattr(tensor, "requires_grad", False):
        raise ValueError("extract_graph: the tensor does not require grad, so it has no "
                         "backward graph (was it computed under no_grad, or from tensors "
                         "without requires_grad=True?)")
    if params is None and model is not None:
        params = dict(model.named_parameters())
    param_names = {id(p): name for name, p in (params or {}).items()}  # lookup only
    root = _edge_node(tensor) or tensor._grad_accumulator()

    # 1. Breadth-first walk: ids, edges, and the shape/dtype of each edge's tensor.
    objects: list[Any] = [None, root]
    index = {root: 1}  # node -> id (lookup only; order comes from `objects`)
    edges: list[tuple[int, int, int, int]] = [(0, 1, tensor._output_nr, 0)]
    out_meta: dict[int, dict[int, tuple]] = {1: {tensor._output_nr: (tensor.shape,
                                                                       tensor.dtype)}}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        nid = index[node]
        metas = node._input_meta
        for i, (child, nr) in enumerate(node.next_functions):
            if child is None:
                continue
            cid = index.get(child)
            if cid is None:
                cid = index[child] = len(objects)
                objects.append(child)
                queue.append(child)
            edges.append((nid, cid, nr, i))
            if i < len(metas) and metas[i] is not None:
                out_meta.setdefault(cid, {}).setdefault(nr, metas[i])

    # 2. One record per node.
    nodes = [_output_record(tensor)]
    for nid in range(1, len(objects)):
        nodes.append(_node_record(nid, objects[nid], out_meta.get(nid, {}), param_names))
    for nid in range(1, len(objects)):  # as next_functions reads, None entries included
        nodes[nid]["next"] = [[index[c], nr] if c is not None else [None, nr]
                              for c, nr in objects[nid].next_functions]

    # 3. Saved values: summaries, and a "saved" node per value (shown on request).
    if saved:
        for nid in range(1, len(objects)):
            _read_saved(nodes, edges, nid, objects[nid], index)

    # 4. Module groups.
    groups = _assign_groups(nodes, objects, edges, params or {})
    return GraphData(nodes=nodes, edges=edges, groups=groups, objects=objects)


def _blank(nid: int, kind: str, name: str, label: str, shape: Any, dtype: Any) -> dict:
    return {"id": nid, "kind": kind, "name": name, "label": label,
            "shape": list(shape) if shape is not None else None,
            "dtype": dtype_name(dtype) if dtype is not None else "?",
            "group": None, "value": None, "grad": None, "next": [], "saved": [], "owner": None,
            "ref": None, "modified": None}


def _output_record(tensor: Any) -> dict:
    rec = _blank(0, "output", type(tensor).__name__, "output", tensor.shape, tensor.dtype)
    rec["value"] = summarize(tensor)
    return rec


def _node_record(nid: int, node: Any, metas: dict, param_names: dict) -> dict:
    from ..autograd.function import AccumulateGrad

    if isinstance(node, AccumulateGrad):
        var = node.variable
        label = param_names.get(id(var), "AccumulateGrad")
        rec = _blank(nid, "leaf", "AccumulateGrad", label, var.shape, var.dtype)
        rec["value"] = summarize(var)
        rec["grad"] = summarize(var.grad) if var.grad is not None else None
        return rec
    shape, dtype = metas[min(metas)] if metas else (None, None)
    rec = _blank(nid, "op", node.name(), node.name(), shape, dtype)
    if node._retained:  # retain_grad(): the engine kept this output's gradient
        for ref in node._retained.values():
            t = ref()
            if t is not None and t.grad is not None:
                rec["grad"] = summarize(t.grad)
    return rec


def _read_saved(nodes: list[dict], edges: list, nid: int, node: Any, index: dict) -> None:
    from .._tensor import Tensor

    entries = _saved_entries(node)
    rec = nodes[nid]
    if entries == "freed":
        rec["saved"] = "freed"
        return
    fn = getattr(node, "_op", None) or getattr(node, "_fn", None)
    inner = getattr(node, "_inner", None)
    if inner is not None:
        fn = inner._op
    names = _arg_names(fn.forward) if fn is not None else ()
    used: list[int] = []  # input positions already named (y * y saves y twice)
    for k, (kind, value, counter, version) in enumerate(entries):
        ref, summary = None, None  # ref: the node whose output this value is
        if kind == 1:  # one of this node's own outputs: PyTorch's `_saved_result`
            name = "result" if value == 0 else f"result{value}"
            summary = summarize((inner or node)._output_arrays[value])
            if value == 0:
                ref = nid
        elif isinstance(value, Tensor):
            name = _input_name(node, value, names, used)
            source = _edge_node(value) if value.requires_grad else None
            if source in index and (value.grad_fn is None or value._output_nr == 0):
                ref = index[source]
            summary = summarize(value) if ref is None or nodes[ref]["value"] is None else None
        else:  # a constant the op kept (a mask, indices, a Python number)
            name = f"saved[{k}]"
            summary = summarize(value) if hasattr(value, "shape") else {"repr": repr(value)}
        if ref is not None and summary is not None:
            nodes[ref]["value"] = summary  # the graph's only copy of that node's output
        shown = summary or (nodes[ref]["value"] if ref is not None else None) or {}
        sid = len(nodes)
        saved_rec = _blank(sid, "saved", "saved", name, shown.get("shape"), shown.get("dtype"))
        saved_rec.update(owner=nid, ref=ref, value=summary if ref is None else None)
        if counter is not None and counter.value != version:
            saved_rec["modified"] = [counter.value, version]  # changed in place since saved
        nodes.append(saved_rec)
        edges.append((nid, sid, 0, -1))
        rec["saved"].append(sid)


def _input_name(node: Any, value: Any, names: tuple[str, ...], used: list[int]) -> str:
    """The forward argument a saved input was passed as (``a``, ``b``; PyTorch: self/other)."""
    target = _edge_node(value) if value.requires_grad else None
    matches = [i for i, (child, _) in enumerate(node.next_functions)
               if target is not None and child is target]
    free = [i for i in matches if i not in used]
    if not matches:
        return "input"
    i = (free or matches)[0]
    used.append(i)
    return names[i] if i < len(names) else f"input{i}"


# ---------------------------------------------------------------------------- module groups
def _assign_groups(nodes: list[dict], objects: list, edges: list, params: dict) -> dict:
    """Fill ``node["group"]`` (the innermost module call) and return the group tree."""
    chains: list[tuple | None] = [None] * len(nodes)
    for nid in range(1, len(objects)):
        meta = objects[nid]._metadata
        if meta and MODULE_KEY in meta:
            chains[nid] = meta[MODULE_KEY]
    # Without tracing: a parameter belongs to the module that owns it.
    owner = {id(p): name.rsplit(".", 1)[0] for name, p in params.items() if "." in name}
    for nid in range(1, len(objects)):
        if chains[nid] is None and nodes[nid]["kind"] == "leaf":
            path = owner.get(id(objects[nid].variable))
            if path is not None:
                parts = path.split(".")
                chains[nid] = tuple(".".join(parts[: j + 1]) for j in range(len(parts)))
    # ... and so do ops all of whose grouped inputs are that module's parameters (children
    # have larger ids than their first consumer, so walk ids backwards).
    children: list[list[int]] = [[] for _ in nodes]
    for consumer, producer, _, i in edges:
        if i >= 0 and consumer:
            children[consumer].append(producer)
    param_side = [nodes[n]["kind"] == "leaf" and chains[n] is not None for n in range(len(nodes))]
    for nid in range(len(objects) - 1, 0, -1):
        if chains[nid] is not None or nodes[nid]["kind"] != "op":
            continue
        found = {chains[c] for c in children[nid] if param_side[c]}
        if len(found) == 1:
            chains[nid] = found.pop()
            # a pure function of parameters (TBackward0 of a weight) passes the group on;
            # an input that needs no grad (None in next_functions) is data, not a parameter
            param_side[nid] = all(c is not None and param_side[c] for c, _ in nodes[nid]["next"])
    groups: dict[str, tuple[str | None, str]] = {}
    for nid in range(1, len(objects)):
        chain = chains[nid]
        if not chain:
            continue
        nodes[nid]["group"] = chain[-1]
        for j, key in enumerate(chain):
            groups.setdefault(key, (chain[j - 1] if j else None, key))
    for rec in nodes:  # a saved value sits in its owner's group
        if rec["kind"] == "saved":
            rec["group"] = nodes[rec["owner"]]["group"]
    return groups


class _Tracer:
    """Forward hooks that tag every node a module call creates (see :func:`trace_modules`)."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, set]] = []  # (call key, nodes of the call's inputs)
        self.calls: dict[str, int] = {}

    def pre_hook(self, path: str, module: Any, args: tuple, kwargs: dict) -> None:
        from .._tensor import Tensor

        k = self.calls[path] = self.calls.get(path, 0) + 1
        key = path if k == 1 else f"{path}:{k}"  # a module called twice: two groups
        boundary = set()
        for a in (*args, *kwargs.values()):
            if isinstance(a, Tensor) and a.requires_grad:
                boundary.add(_edge_node(a))
        self.stack.append((key, boundary))

    def hook(self, path: str, module: Any, args: tuple, kwargs: dict, output: Any) -> None:
        from .._tensor import Tensor

        chain = tuple(key for key, _ in self.stack)
        key, boundary = self.stack.pop()
        if output is None:  # forward raised (always_call): just unwind
            return
        outs = output if isinstance(output, tuple | list) else (
            tuple(output.values()) if isinstance(output, dict) else (output,))
        todo = [t.grad_fn for t in outs if isinstance(t, Tensor) and t.grad_fn is not None]
        depth = len(chain) - 1
        seen = set()
        # Walk back from the outputs to the inputs: untagged nodes were made by this call;
        # nodes tagged by a call inside this one are passed through; anything else (an
        # earlier sibling's nodes) is where this call's work stops.
        while todo:
            node = todo.pop()
            if node in seen or node in boundary:
                continue
            seen.add(node)
            tag = node.metadata.get(MODULE_KEY)
            if tag is None:
                node.metadata[MODULE_KEY] = chain
            elif len(tag) <= depth or tag[depth] != key:
                continue
            todo.extend(c for c, _ in node.next_functions if c is not None)


@contextmanager
def trace_modules(model: Any):
    """Record which ``nn.Module`` call created each graph node, for grouping in :func:`graph`.

    Inside the ``with`` block, forward hooks on every submodule tag the nodes each call
    creates (in ``node.metadata``); the hooks are removed on exit. A module called twice
    (a shared ``pool``) gives two groups, ``pool`` and ``pool:2``.

    Args:
        model: the ``nn.Module`` whose submodules name the groups (``layer1.0.conv1``).

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        >>> with viz.trace_modules(net):
        ...     loss = net(autograd_lab.randn(5, 4)).pow(2).mean()
        >>> viz.graph(loss, model=net)   # nodes grouped as "0", "1", "2"
    """
    tracer = _Tracer()
    handles = []
    for path, module in model.named_modules():
        if not path:  # the model itself is the whole graph: no box around everything
            continue
        handles.append(module.register_forward_pre_hook(
            lambda m, a, kw, p=path: tracer.pre_hook(p, m, a, kw), with_kwargs=True))
        handles.append(module.register_forward_hook(
            lambda m, a, kw, o, p=path: tracer.hook(p, m, a, kw, o), with_kwargs=True,
            always_call=True))
    try:
        yield model
    finally:
        for h in handles:
            h.remove()
