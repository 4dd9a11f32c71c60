"""Small helpers shared by the optimizers: argument checks and array-level state updates."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..backend import array_module, kernel


def _check_lr(lr: float) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:  # nan is refused too (SGD writes its check differently: see sgd.py)
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_fused(fused: bool | None, foreach: bool | None, differentiable: bool) -> None:
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _scalar(x: Any) -> float:
    """A hyperparameter as a Python number (a 1-element tensor gives its value)."""
    return x.item() if isinstance(x, Tensor) else x


def _params_with_grad(group: dict[str, Any]) -> list[Tensor]:
    """The group's parameters that have a gradient (a ``None`` grad skips the parameter)."""
    return [p for p in group["params"] if p._grad is not None]


def _grad_array(p: Tensor, maximize: bool):
    """The gradient's array (negated when maximizing), never aliased with p.grad if changed."""
    g = p._grad._data
    return -g if maximize else g


def _fused_step(p: Tensor, name: str):
    """The fused CUDA kernel ``name`` (``cuda_kernels.optim``) for this parameter, or None:
    on the CPU, and for dtypes the kernels do not handle (float16)."""
    if p._data.dtype.name not in ("float32", "float64"):
        return None
    return kernel(array_module(p._device), name)


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(array_module(p._device).zeros_like(p._data), device=p._device)


def _step_tensor() -> Tensor:
    """``state['step']``: a float32 0-dim CPU tensor, as PyTorch keeps it."""
    return Tensor._make(np.zeros((), dtype=np.float32))


def _bump(*tensors: Tensor) -> None:
    """Record an in-place change of each tensor (its version counter moves on)."""
    for t in tensors:
        t._version_counter.value += 1
