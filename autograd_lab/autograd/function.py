"""Graph nodes and the two ways to define a differentiable operation.

Every recorded operation becomes a *node* of the backward graph. Its class carries PyTorch's
name (``MulBackward0``), it points to the nodes that produced its inputs through
``next_functions``, and it knows how to turn the gradient of its outputs into gradients of its
inputs. Leaves that require grad end in an :class:`AccumulateGrad` node whose ``variable`` is
the leaf.

* :class:`Op` is how the engine defines its own primitives: ``forward`` computes on raw arrays
  (NumPy or CuPy) for speed; ``backward`` computes on Tensors, so the gradient itself is
  differentiable and ``create_graph=True`` (double backward) works for every primitive.
* :class:`Function` is PyTorch's ``torch.autograd.Function`` for users: ``forward`` and
  ``backward`` both take and return Tensors.

The shared work happens once, in ``_record``/``Op.apply``: lifting scalars, checking devices,
skipping the graph when nothing requires grad, recording input shapes and dtypes (so the engine
un-broadcasts gradients; op authors never write sum-to-shape code), and version counters for
in-place operations.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..backend import CPU, array_module
from . import grad_mode

__all__ = ["Node", "AccumulateGrad", "Op", "Function", "FunctionCtx", "once_differentiable"]

_Tensor: Any = None  # set by autograd_lab._tensor to break the import cycle


class _Freed:
    """Marker for saved values released after backward (``retain_graph=False``)."""


FREED = _Freed()


def _same_device_error(devices) -> RuntimeError:
    names = sorted({str(d) for d in devices})
    if "cpu" in names:
        names.remove("cpu")
        names.append("cpu")
    return RuntimeError(
        "Expected all tensors to be on the same device, but found at least two devices, "
        f"{names[0]} and {names[1]}!"
    )


class Node:
    """A node of the backward graph (PyTorch's ``torch.autograd.graph.Node``).

    Attributes:
        next_functions: one ``(node, output_nr)`` pair per input; ``(None, 0)`` for inputs that
            need no gradient. Walking these from ``loss.grad_fn`` visits the whole graph.
        metadata: a free dict for users, as in PyTorch.
    """

    next_functions: tuple = ()
    _num_outputs = 1
    _saved: Any = None
    _input_meta: tuple = ()
    _tensor_hooks: dict | None = None
    _retained: dict | None = None
    _hooks: list | None = None
    _prehooks: list | None = None
    _metadata: dict | None = None

    def name(self) -> str:
        return type(self).__name__

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; it may return new grad_inputs."""
        from ..utils.hooks import RemovableHandle

        if self._hooks is None:
            self._hooks = []
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; it may return new grad_outputs."""
        from ..utils.hooks import RemovableHandle

        if self._prehooks is None:
            self._prehooks = []
        return RemovableHandle(self._prehooks, fn)

    def _add_tensor_hook(self, output_nr: int, fn):
        from ..utils.hooks import RemovableHandle

        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        return RemovableHandle(self._tensor_hooks.setdefault(output_nr, []), fn)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    # The engine calls this with one gradient (Tensor or None) per output.
    def _apply_backward(self, grads: list) -> tuple:
        raise NotImplementedError  # every concrete node class defines it

    def _release(self) -> None:
        """Free saved values after backward so memory goes back before the next step."""
        if self._saved is not None:
            self._saved = FREED
            self._output_arrays = None  # held only so that saved outputs could be unpacked


class AccumulateGrad(Node):
    """The node at a leaf that requires grad: adds the incoming gradient into ``variable.grad``."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def _apply_backward(self, grads: list) -> tuple:
        raise RuntimeError("AccumulateGrad is applied by the engine")


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``: where an op keeps what backward needs.

    In autograd_lab, as in PyTorch, ``ctx`` *is* the graph node of the call.
    """

    # What ``save_for_backward`` stored: tuple of (kind, value, version_counter, version).
    # kind 0: an input or intermediate (value is a Tensor or raw value), 1: output #value.
    _saved: Any = None
    _dirty: tuple = ()
    _non_differentiable: tuple = ()
    _materialize_grads = True

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(fn is not None for fn, _ in self.next_functions)

    def mark_dirty(self, *tensors) -> None:
        """Declare the Tensors that ``forward`` modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that have no gradient (indices, masks)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """If False, backward receives None instead of zeros for outputs without gradient."""
        self._materialize_grads = value

    @property
    def saved_tensors(self) -> tuple:
        """The values given to ``save_for_backward``, checked against in-place modification."""
        saved = self._saved
        if saved is FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )
        if saved is None:
            return ()
        return tuple(self._unpack(entry) for entry in saved)

    def _unpack(self, entry):
        kind, value, counter, version = entry
        if counter is not None and counter.value != version:
            raise _modified_error(value, self if kind == 1 else None, counter.value, version,
                                  self._outputs_meta[value] if kind == 1 else None)
        if kind == 1:
            # A saved output comes back as a fresh Tensor whose grad_fn is this node: the same
            # graph position as the original output, without a reference cycle to it.
            arr = self._output_arrays[value]
            t = _Tensor._make(arr, self._recorded, self._out_dev)
            if self._recorded:
                t.grad_fn = self
                t._output_nr = value
            return t
        return value


def _short_name(node) -> str:
    """PyTorch names the forward op in this message: ``MulBackward0`` -> ``Mul``, but
    ``EluBackward1`` (the in-place form) -> ``Elu1``."""
    return re.sub(r"Backward(\d*)$", lambda m: m.group(1).lstrip("0"), node.name())


def _modified_error(value, node, current, expected, meta=None) -> RuntimeError:
    if meta is not None:
        shape, dtype = meta
    else:
        shape, dtype = tuple(value.shape), value.dtype
    desc = f"[autograd_lab.{dtype._tensor_type} [{', '.join(str(s) for s in shape)}]]"
    producer = ""
    if node is not None:
        producer = f", which is output 0 of {_short_name(node)},"
    elif getattr(value, "grad_fn", None) is not None:
        producer = f", which is output {value._output_nr} of {_short_name(value.grad_fn)},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {desc}{producer} is at version {current}; expected version {expected} "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with autograd_lab.autograd.set_detect_anomaly(True)."
    )


def _check_devices(tensors) -> Any:
    dev = tensors[0]._device
    for t in tensors:
        if t._device is not dev and t._device != dev:
            raise _same_device_error([x._device for x in tensors])
    return dev


class _OpNode(FunctionCtx, Node):
    """Node class for :class:`Op` calls. ``Op.__init_subclass__`` derives one per op."""

    _op: Any = None
    _output_arrays: Any = None
    _outputs_meta: Any = None
    _recorded = False
    _inputs: Any = None
    xp: Any = np  # CuPy for CUDA tensors, set per call by Op.apply
    out_device: Any = None
    # Devices of the inputs and of the outputs, for the saved values backward unpacks (set by
    # Op.apply when not the CPU; they differ only for ops that move data, such as ``to``).
    _in_dev: Any = CPU
    _out_dev: Any = CPU

    def save_for_backward(self, *values) -> None:
        """Keep values for backward. Inputs and outputs are checked for in-place changes.

        An op that must stay twice-differentiable saves its inputs and outputs only; other
        saved arrays (masks, indices, copies) come back as constants.
        """
        inputs = self._inputs
        if inputs is None:  # not recording: nothing will call backward
            return
        entries = []
        Tensor = _Tensor
        for v in values:
            for t in inputs:
                if isinstance(t, Tensor) and v is t._data:
                    entries.append((0, t, t._version_counter, t._version_counter.value))
                    break
            else:
                entries.append((2, v, None, 0))  # matched against outputs in Op.apply
        self._saved = entries

    def _unpack(self, entry):
        kind, value, counter, version = entry
        if kind == 2:  # an intermediate array: a constant Tensor on the inputs' device
            return _Tensor._make(value, False, self._in_dev) if hasattr(value, "shape") else value
        return FunctionCtx._unpack(self, entry)

    def _apply_backward(self, grads: list) -> tuple:
        if self._num_outputs == 1:
            out = self._op.backward(self, grads[0])
        else:
            out = self._op.backward(self, *grads)
        return out if isinstance(out, tuple) else (out,)


class Op:
    """Base of the engine's primitive operations.

    Subclasses define ``forward(ctx, *arrays, **options)`` on raw arrays (``ctx.xp`` is NumPy
    or CuPy) and ``backward(ctx, *grads)`` on Tensors, returning one gradient (or None) per
    positional input. Class attributes:

    * ``node_name``: the backward node's class name, PyTorch's (``"MulBackward0"``).
    * ``is_view``: the output shares the first input's storage (``view``, ``transpose``).
    * ``num_outputs``: how many arrays forward returns (a tuple when more than one).
    * ``quiet_fp``: compute without NumPy's floating-point warnings (``log``, ``div``).

    Positional arguments of ``apply`` are the op's inputs (Tensors or Python scalars);
    keyword arguments are options passed to forward unchanged.
    """

    node_name = ""
    is_view = False
    num_outputs = 1
    # PyTorch returns nan/inf silently for log(-1), 1/0, ...; NumPy would also print a
    # RuntimeWarning. Ops whose ordinary inputs hit such points set this to silence it.
    quiet_fp = False
    _node_cls: type = _OpNode

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("node_name") or f"{cls.__name__}Backward0"
        cls._node_cls = type(name, (_OpNode,), {"_op": cls, "_num_outputs": cls.num_outputs,
                                                "__module__": cls.__module__})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "an Op subclass must define forward(ctx, *arrays) on raw arrays"
        )

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError(
            "an Op subclass must define backward(ctx, *grads) returning one gradient per input"
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _Tensor
        ctx = object.__new__(cls._node_cls)
        arrays = []
        needs_grad = False
        dev = None
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    needs_grad = True
                if dev is None:
                    dev = a._device
                elif a._device is not dev and a._device != dev:
                    raise _same_device_error([t._device for t in args if isinstance(t, Tensor)])
            else:
                arrays.append(a)
        if dev is None:
            dev = CPU
        elif dev is not CPU:
            ctx.xp = array_module(dev)
        record = needs_grad and grad_mode._enabled
        if record:
            ctx._inputs = args  # save_for_backward matches saved arrays against these

        try:
            if cls.quiet_fp:
                with np.errstate(all="ignore"):
                    result = cls.forward(ctx, *arrays, **kwargs)
            else:
                result = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as e:
            raise _broadcast_error(e, arrays) from None

        out_arrays = (result,) if cls.num_outputs == 1 else result
        if not hasattr(out_arrays[0], "shape") or out_arrays[0].shape == ():
            # NumPy returns scalars (np.float32) from some 0-d computations: keep arrays, so
            # the result can be written in place like any tensor.
            xp = ctx.xp
            raw = out_arrays
            out_arrays = tuple(a if isinstance(a, xp.ndarray) else xp.asarray(a) for a in raw)
            if record and ctx._saved:  # a saved output must still be recognised as one
                swap = {id(r): a for r, a in zip(raw, out_arrays) if r is not a}
                ctx._saved = [(k, swap.get(id(v), v), c, ver) for k, v, c, ver in ctx._saved]
        odev = ctx.out_device or dev  # ops that move data (``to``) set ctx.out_device
        if dev is not CPU or odev is not CPU:
            ctx._in_dev, ctx._out_dev = dev, odev
        if cls.num_outputs == 1:
            outputs = [Tensor._make(out_arrays[0], False, odev)]
        else:
            outputs = [Tensor._make(arr, False, odev) for arr in out_arrays]
        if cls.is_view:
            base = args[0]
            root = base._base if base._base is not None else base
            for o in outputs:
                o._base = root
                o._version_counter = base._version_counter
                o._view_src = (base, cls, kwargs)
        if record:
            _link(ctx, ctx._inputs, outputs, out_arrays)
        return outputs[0] if cls.num_outputs == 1 else tuple(outputs)


def _broadcast_error(e: ValueError, arrays) -> Exception:
    """NumPy's broadcasting ValueError, reworded as PyTorch's RuntimeError."""
    if "could not be broadcast" not in str(e):
        return e
    shapes = [a.shape for a in arrays if hasattr(a, "shape")]
    if len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for d in range(n - 1, -1, -1):
            if a[d] != b[d] and a[d] != 1 and b[d] != 1:
                return RuntimeError(f"The size of tensor a ({a[d]}) must match the size of "
                                    f"tensor b ({b[d]}) at non-singleton dimension {d}")
    return RuntimeError(str(e))


def _view_chain(t) -> list:
    """The view ops, base first, that turn ``t._base`` into ``t``."""
    chain = []
    src = t._view_src
    while src is not None:
        base, op, kwargs = src
        chain.append((op, kwargs))
        src = base._view_src
    chain.reverse()
    return chain


def _check_inplace_allowed(t) -> None:
    if t.grad_fn is None and t._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if t._fn_view and t.grad_fn is not None:
        raise RuntimeError(
            f"Output {t._output_nr} of {_short_name(t.grad_fn)} is a view and is being modified "
            "inplace. This view was created inside a custom Function (or because an input was "
            "returned as-is) and the autograd logic to handle view+inplace would override the "
            "custom backward associated with the custom Function, leading to incorrect "
            "gradients. This behavior is forbidden. You can fix this by cloning the output of "
            "the custom Function.")
    if t._view_src is not None and t.grad_fn is not None and _from_multi_output_view(t):
        raise RuntimeError(
            f"Output {t._output_nr} of {_short_name(t.grad_fn)} is a view and is being modified "
            "inplace. This view is the output of a function that returns multiple views. Such "
            "functions do not allow the output views to be modified inplace. You should replace "
            "the inplace operation by an out-of-place one.")
    base = t._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def _from_multi_output_view(t) -> bool:
    """True if ``t`` is (a view of) one of several views made by one op (``split``, ``unbind``):
    PyTorch forbids changing those in place while recording."""
    src = t._view_src
    while src is not None:
        if src[1].num_outputs > 1:
            return True
        src = src[0]._view_src
    return False


def _edge(t):
    """The graph edge a Tensor's gradient flows into: ``(grad_fn, output_nr)``."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (t._grad_accumulator(), 0)


_NO_EDGE = (None, 0)


def _link(ctx, inputs, outputs, out_arrays) -> None:
    """Attach ``ctx`` to the graph: edges to the inputs, grad_fn of the outputs."""
    Tensor = _Tensor
    next_functions = []
    meta = []
    for t in inputs:
        if isinstance(t, Tensor):
            edge = t._pre_edge  # set while an in-place op links: the target's old value
            if edge is None:
                if not t._requires_grad:
                    next_functions.append(_NO_EDGE)
                    meta.append(None)
                    continue
                fn = t.grad_fn
                edge = (fn, t._output_nr) if fn is not None else (t._grad_accumulator(), 0)
            next_functions.append(edge)
            meta.append(None if edge[0] is None else (t._data.shape, t._data.dtype))
        else:
            next_functions.append(_NO_EDGE)
            meta.append(None)
    ctx.next_functions = tuple(next_functions)
    ctx._input_meta = tuple(meta)
    ctx._recorded = True
    saved = ctx._saved
    if saved:
        # Saved values that are not inputs: outputs (version-checked) or plain intermediates.
        for i, (kind, value, _, _) in enumerate(saved):
            if kind == 2:
                for k, arr in enumerate(out_arrays):
                    if value is arr:
                        o = outputs[k]
                        saved[i] = (1, k, o._version_counter, o._version_counter.value)
                        ctx._output_arrays = out_arrays
                        ctx._outputs_meta = [(a.shape, o.dtype) for a in out_arrays]
                        break
    ctx._inputs = None
    k = 0
    for o in outputs:
        if o._data.dtype.kind == "f":  # integer and bool results never require grad
            o._requires_grad = True
            o.grad_fn = ctx
            if k:
                o._output_nr = k
        k += 1


def _link_view_inplace(ctx, view) -> None:
    """An in-place op changed a view: rewrite the base's history through :class:`CopySlices`."""
    base = view._base
    copy = CopySlices()
    old_base_edge = _edge(base) if base._requires_grad else (None, 0)
    copy.next_functions = (old_base_edge,) + ctx.next_functions[1:]
    copy._input_meta = (((base._data.shape, base._data.dtype)
                         if old_base_edge[0] is not None else None),) + ctx._input_meta[1:]
    copy._view_chain = _view_chain(view)
    copy._inner = ctx
    base._requires_grad = True
    base.grad_fn = copy
    base._output_nr = 0


class CopySlices(Node):
    """Gradient of an in-place op applied to a view, seen from the view's base (PyTorch's name).

    The base's gradient passes unchanged outside the view's region; inside it, it goes through
    the in-place op's own backward.
    """

    _saved = None

    def _apply_backward(self, grads: list) -> tuple:
        # Written with Tensor ops (a view and an in-place copy), so it is differentiable too.
        from .engine import _fit_to_meta

        result = grads[0].clone()
        region = result
        for op, kwargs in self._view_chain:  # the same view of the gradient's copy
            region = op.apply(region, **kwargs)
        inner = self._inner
        inner_grads = inner._apply_backward([region.clone()])
        g_view = inner_grads[0]
        if g_view is None or inner._input_meta[0] is None:  # the view's old values had no grad
            region.fill_(0)
        else:
            region.copy_(_fit_to_meta(g_view, inner._input_meta[0]))
        return (result,) + tuple(inner_grads[1:])

    def _release(self) -> None:
        self._inner._release()


class Function(FunctionCtx):
    """Define a new differentiable operation on Tensors, as ``torch.autograd.Function``.

    Example:
        >>> class Square(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * grad          # d(x^2)/dx = 2x
        >>> y = Square.apply(autograd_lab.tensor([3.0], requires_grad=True))

    ``forward`` runs with grad recording off and returns a Tensor or a tuple of Tensors;
    ``backward`` receives one gradient per output and returns one per input of ``forward``
    (None for non-Tensor inputs or inputs that need no gradient).
    """

    _node_cls: type

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._node_cls = type(f"{cls.__name__}Backward", (_FunctionNode,),
                             {"_fn": cls, "__module__": cls.__module__})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _Tensor
        ctx = cls._node_cls()
        tensors = [a for a in args if isinstance(a, Tensor)]
        if tensors:
            _check_devices(tensors)
        needs_grad = grad_mode._enabled and any(t._requires_grad for t in tensors)
        ctx._inputs = [a if isinstance(a, Tensor) else None for a in args]
        with grad_mode.no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        if not needs_grad:
            ctx._inputs = None
            return result
        dirty = {id(t) for t in ctx._dirty}
        non_diff = {id(t) for t in ctx._non_differentiable}
        wrapped = []
        for o in outputs:
            if not isinstance(o, Tensor):
                wrapped.append(o)
                continue
            if id(o) in dirty:
                _check_inplace_allowed(o)
                o._pre_edge = _edge(o) if o._requires_grad else (None, 0)
            elif any(o is t for t in tensors):
                # An input returned unchanged becomes a new Tensor on the same memory, as in
                # PyTorch: a view sharing the input's version counter, which may not be changed
                # in place while recording (its custom backward would be bypassed).
                src = o
                o = Tensor._make(src._data, device=src._device)
                o._version_counter = src._version_counter
                o._fn_view = True
                if id(src) in non_diff:  # mark_non_differentiable named the input itself
                    non_diff.add(id(o))
            wrapped.append(o)
        next_functions, meta = [], []
        for a in args:
            if isinstance(a, Tensor) and a._pre_edge is not None:
                next_functions.append(a._pre_edge)
                meta.append(None if a._pre_edge[0] is None else (a._data.shape, a._data.dtype))
            elif isinstance(a, Tensor) and a._requires_grad:
                next_functions.append(_edge(a))
                meta.append((a._data.shape, a._data.dtype))
            else:
                next_functions.append((None, 0))
                meta.append(None)
        ctx.next_functions = tuple(next_functions)
        ctx._input_meta = tuple(meta)
        ctx._output_meta = []
        if ctx._saved:
            ctx._saved = [_function_saved_entry(v) for v in ctx._saved]
        ctx._inputs = None
        for k, o in enumerate(wrapped):
            if isinstance(o, Tensor):
                ctx._output_meta.append((o._data.shape, o._data.dtype, o._device))
                if id(o) in non_diff or o._data.dtype.kind != "f":
                    continue
                o._pre_edge = None
                o._requires_grad = True
                o.grad_fn = ctx
                o._output_nr = k
            else:
                ctx._output_meta.append(None)
        ctx._num_outputs = len(wrapped)
        return wrapped[0] if single else tuple(wrapped)


def _function_saved_entry(v):
    if v is None or not isinstance(v, _Tensor):
        return (0, v, None, 0)
    return (0, v, v._version_counter, v._version_counter.value)


class _FunctionNode(Node, FunctionCtx):
    """Node class of a user-defined :class:`Function`; also its ``ctx``."""

    _fn: Any = None
    _output_meta: list = []

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, _Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._saved = list(tensors)

    def _apply_backward(self, grads: list) -> tuple:
        if self._materialize_grads:
            grads = [
                g if g is not None or m is None
                else _Tensor._make(array_module(m[2]).zeros(m[0], m[1]), device=m[2])
                for g, m in zip(grads, self._output_meta, strict=False)
            ]
        out = self._fn.backward(self, *grads)
        out = out if isinstance(out, tuple) else (out,)
        n = len(self.next_functions)
        if len(out) > n and all(g is None for g in out[n:]):
            out = out[:n]
        if len(out) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(out)})")
        return out

    @property
    def _recorded(self) -> bool:
        return True


def once_differentiable(fn):
    """Decorator for a ``backward`` that is not itself differentiable: runs it under no_grad."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)

    return wrapper


def _set_tensor_class(cls) -> None:
    global _Tensor
    _Tensor = cls

