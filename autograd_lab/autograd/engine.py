"""The backward engine: walks the graph from the outputs to the leaves, iteratively.

1. Walk every node reachable from the roots with an explicit stack (no recursion, so a
   100,000-op chain works), counting for each node how many edges point at it.
2. Seed the roots with their gradients. A node is ready once every consumer has sent its
   gradient (its count reached zero): then sum the gradients that arrived for each output,
   run hooks, call the node's backward, and pass each input gradient along its edge,
   un-broadcast and cast to the input's recorded shape and dtype.
3. ``AccumulateGrad`` nodes add into ``leaf.grad``; saved values are freed unless
   ``retain_graph``.

Backward runs with grad mode set to ``create_graph``: then the gradient computation is itself
recorded, which is all double backward needs.
"""

from __future__ import annotations

import numpy as np

from . import grad_mode
from .function import AccumulateGrad, _edge


def _fit_to_meta(g, meta):
    """Sum a broadcast gradient back to its input's shape and cast it to the input's dtype."""
    shape, dtype = meta
    if g._data.shape != shape:
        g = g.sum_to_size(shape)
    if g._data.dtype != dtype:
        g = g.to(g._dtype_of_np(dtype))
    return g


def _dependencies(roots, parents=None):
    """For every node reachable from ``roots``: how many edges of the graph point at it.

    A node may run its backward only after all of its consumers have sent their gradients,
    i.e. when this count drops to zero. Walked with an explicit stack: no recursion limit.
    If ``parents`` is a dict, it is filled with each node's consumers (for pruning).
    """
    deps: dict = {}
    stack = list(dict.fromkeys(roots))  # a node may be the root of several outputs
    seen = set(stack)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            if parents is not None:
                parents.setdefault(child, []).append(node)
            if child in deps:
                deps[child] += 1
            else:
                deps[child] = 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    return deps


def _ancestors(target_nodes, parents):
    """Nodes whose backward must run for gradients to reach the targets (autograd.grad)."""
    needed: set = set()
    frontier = list(target_nodes)
    while frontier:
        for p in parents.get(frontier.pop(), ()):
            if p not in needed:
                needed.add(p)
                frontier.append(p)
    return needed


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """Backpropagate from ``tensors``; return the captured gradients of ``inputs`` if given.

    With ``accumulate=True`` (``Tensor.backward``) gradients are added into ``.grad`` of the
    leaves (only of ``inputs`` when given). With ``accumulate=False`` (``autograd.grad``)
    nothing is accumulated and the gradients of ``inputs`` are returned.
    """
    roots = []
    buffers: dict = {}
    # Arrays a leaf may not adopt as its .grad without a copy: the caller's gradients, and
    # arrays already adopted by another leaf in this pass (AddBackward hands one gradient to
    # both inputs). Everything else the engine made fresh, so copying it would be waste.
    shared = {id(g._data) for g in grad_tensors}
    for t, g in zip(tensors, grad_tensors, strict=True):
        node, nr = _edge(t)
        roots.append(node)
        buf = buffers.setdefault(node, [None] * node._num_outputs)
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    targets: dict = {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            if not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets.setdefault(_edge(t), []).append(i)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    needed = None
    if inputs is not None and not accumulate:
        parents: dict = {}
        deps = _dependencies(roots, parents)
        needed = _ancestors({node for node, _ in targets}, parents)
    else:
        deps = _dependencies(roots)
    ready = [r for r in dict.fromkeys(roots) if r not in deps]

    prev_mode = grad_mode._enabled
    grad_mode._set_enabled(create_graph)
    # Gradients meet inf * 0 and x / 0 at the same points as the forward pass did; PyTorch
    # gives nan/inf silently, so NumPy's RuntimeWarnings are silenced for the whole pass.
    fp_state = np.errstate(all="ignore")
    fp_state.__enter__()
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:
                _release_children(node, deps, ready)
                continue
            if node._tensor_hooks or node._retained:
                grads = _run_tensor_hooks(node, grads)
            if targets:
                for nr, g in enumerate(grads):
                    for i in targets.get((node, nr), ()):
                        captured[i] = g
                        if accumulate and not isinstance(node, AccumulateGrad):
                            _accumulate_non_leaf(inputs[i], g, create_graph)
            if type(node) is AccumulateGrad:
                if accumulate and (inputs is None or (node, 0) in targets):
                    _accumulate_leaf(node, grads[0], create_graph, shared)
                continue
            if needed is not None and node not in needed:
                _release_children(node, deps, ready)
                continue
            if node._prehooks or node._hooks:
                in_grads = _call_node(node, grads)
            else:
                in_grads = node._apply_backward(grads)
                if len(in_grads) != len(node.next_functions):
                    _wrong_count(node, in_grads)
            if not retain_graph:
                node._release()
            for (child, nr), g, meta in zip(node.next_functions, in_grads, node._input_meta):
                if child is None:
                    continue
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    ready.append(child)
                if g is None:
                    continue
                data = g._data
                if data.shape != meta[0] or data.dtype != meta[1]:
                    g = _fit_to_meta(g, meta)
                buf = buffers.get(child)
                if buf is None:
                    buf = buffers[child] = [None] * child._num_outputs
                    buf[nr] = g
                elif buf[nr] is None:
                    buf[nr] = g
                else:
                    buf[nr] = buf[nr] + g
    finally:
        fp_state.__exit__(None, None, None)
        grad_mode._set_enabled(prev_mode)

    if inputs is not None and not allow_unused and not accumulate:
        for i, g in enumerate(captured):
            if g is None:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
    return captured


def _release_children(node, deps, ready) -> None:
    """A node that sends no gradient still counts as done for the nodes it points to."""
    for child, _ in node.next_functions:
        if child is not None:
            left = deps[child] - 1
            deps[child] = left
            if left == 0:
                ready.append(child)


def _wrong_count(node, in_grads):
    raise RuntimeError(
        f"function {node.name()} returned an incorrect number of gradients "
        f"(expected {len(node.next_functions)}, got {len(in_grads)})"
    )


def _call_node(node, grads):
    """Run one node's backward, with its pre-hooks and hooks."""
    if node._prehooks:
        for hook in node._prehooks:
            result = hook(tuple(grads))
            if result is not None:
                grads = list(result)
    in_grads = node._apply_backward(grads)
    if len(in_grads) != len(node.next_functions):
        _wrong_count(node, in_grads)
    if node._hooks:
        for hook in node._hooks:
            result = hook(tuple(in_grads), tuple(grads))
            if result is not None:
                in_grads = tuple(result)
    return in_grads


def _run_tensor_hooks(node, grads):
    grads = list(grads)
    if node._tensor_hooks:
        for nr, hooks in node._tensor_hooks.items():
            for hook in hooks:
                if grads[nr] is not None:
                    result = hook(grads[nr])
                    if result is not None:
                        grads[nr] = result
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                _accumulate_non_leaf(t, grads[nr], False)
    return grads


def _accumulate_leaf(node, g, create_graph, shared) -> None:
    """A leaf's AccumulateGrad node, in PyTorch's order: the tensor's hooks, the node's
    pre-hooks (either may replace the gradient), the accumulation into ``.grad``, then the
    node's hooks, called ``hook((), (grad,))``."""
    leaf = node.variable
    for hook in leaf._hooks or ():  # the tensor's own hooks come first
        result = hook(g)
        if result is not None:
            g = result
            shared.add(id(g._data))  # the hook's caller may hold this tensor
    if node._prehooks:
        for hook in node._prehooks:
            result = hook((g,))
            if result is not None:
                g = result[0]
                shared.add(id(g._data))
    _accumulate(leaf, g, create_graph, shared)
    if node._hooks:
        for hook in node._hooks:
            hook((), (g,))


def _accumulate_non_leaf(t, g, create_graph) -> None:
    t._grad = g.detach().clone() if t._grad is None else (t._grad + g).detach()


def _accumulate(leaf, g, create_graph, shared) -> None:
    """Add ``g`` into ``leaf.grad`` (PyTorch's AccumulateGrad; hooks ran before)."""
    if leaf._grad is None:
        if create_graph:
            leaf._grad = g
            return
        arr = g._data
        # .grad must own its memory: users and optimizers change it in place. Adopt the array
        # when nothing else can see it (PyTorch does the same with a reference count check).
        if arr.base is not None or not arr.flags.writeable or id(arr) in shared:
            arr = arr.copy()
        shared.add(id(arr))
        leaf._grad = type(g)._make(arr, False, g._device)
    elif create_graph or leaf._grad._requires_grad:
        leaf._grad = leaf._grad + g
    else:
        leaf._grad._data += g._data
        leaf._grad._version_counter.value += 1
