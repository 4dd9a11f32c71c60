"""Automatic differentiation: ``backward``, ``grad``, ``Function``, grad modes, ``gradcheck``.

Mirrors ``torch.autograd``. The engine lives in :mod:`.engine`, the nodes in :mod:`.function`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..backend import array_module
from . import graph
from .function import AccumulateGrad, Function, FunctionCtx, Node, Op, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["backward", "grad", "Function", "FunctionCtx", "Node", "Op", "AccumulateGrad",
           "once_differentiable", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "gradcheck",
           "gradgradcheck", "graph", "set_detect_anomaly", "detect_anomaly"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Sequence) and not hasattr(x, "_data"):
        return tuple(x)
    return (x,)


def _make_grads(outputs, grad_outputs, create_graph):
    from .._tensor import Tensor

    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if not out.requires_grad:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                                   "have a grad_fn")
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.is_floating_point():
                raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                   f"outputs but got {out.dtype}")
            g = Tensor._make(array_module(out._device).ones_like(out._data), False, out._device)
        else:
            if not isinstance(g, Tensor):
                from .._creation import tensor

                g = tensor(g, dtype=out.dtype, device=out.device)
            if g.shape != out.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}]"
                    f" has a shape of {out.shape}."
                )
            if not out.requires_grad:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                                   "have a grad_fn")
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` w.r.t. graph leaves into their ``.grad``.

    Args:
        tensors: the outputs to differentiate (usually one scalar loss).
        grad_tensors: d(something)/d(tensors); may be None for single-element outputs.
        retain_graph: keep saved values for another backward (defaults to ``create_graph``).
        create_graph: record the backward pass so higher-order derivatives can be taken.
        inputs: accumulate only into these tensors' ``.grad``.
    """
    from .engine import run_backward

    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if grad_tensors is not None and len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} tensors and {len(tensors)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors, create_graph)
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching ``.grad``.

    Example:
        >>> x = autograd_lab.tensor(3.0, requires_grad=True)
        >>> (g,) = autograd_lab.autograd.grad(x ** 2, x, create_graph=True)
        >>> g                               # 2x
        tensor(6., grad_fn=<MulBackward0>)
    """
    from .engine import run_backward

    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_outputs, create_graph)
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                          accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        from .._creation import zeros_like

        result = [zeros_like(i) if g is None else g for g, i in zip(result, inputs, strict=True)]
    return tuple(result)


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Accepted for compatibility; autograd_lab's errors already name the failing op."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        pass


detect_anomaly = set_detect_anomaly
