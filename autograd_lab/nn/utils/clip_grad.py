"""Gradient clipping, as ``torch.nn.utils``: ``clip_grad_norm_``, ``clip_grad_value_``,
``get_total_norm``, ``clip_grads_with_norm_``.

Differs from PyTorch: ``foreach`` is accepted and ignored (there is one implementation).
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor
from ...autograd import no_grad
from ...backend import array_module

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]

_tensor_or_tensors = Tensor | Iterable[Tensor]


def get_total_norm(tensors: _tensor_or_tensors, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    r"""The p-norm of all ``tensors`` together, as if concatenated into one vector:
    :math:`\|(\|t_1\|_p, \dots, \|t_n\|_p)\|_p` (``norm_type=inf``: the largest absolute value).

    Returns ``tensor(0.)`` for no tensors.
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    first = tensors[0]
    xp = array_module(first.device)
    norms = [xp.asarray(xp.linalg.norm(t._data.reshape(-1), norm_type), dtype=t._data.dtype)
             for t in tensors]
    norms = [n if t.device == first.device else xp.asarray(n.item(), dtype=n.dtype)
             for n, t in zip(norms, tensors, strict=True)]
    stacked = xp.stack(norms)
    total = xp.asarray(xp.linalg.norm(stacked, norm_type), dtype=stacked.dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return Tensor._make(total, device=first.device)


def clip_grads_with_norm_(parameters: _tensor_or_tensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    r"""Scale the gradients in place by :math:`\min(\text{max\_norm} /
    (\text{total\_norm} + 10^{-6}), 1)`."""
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    with no_grad():
        clip_coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.device))


def clip_grad_norm_(parameters: _tensor_or_tensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    r"""Rescale the gradients in place so that their total norm is at most ``max_norm``.

    :math:`g \leftarrow g \cdot \min(\text{max\_norm} / (\|g\|_p + 10^{-6}), 1)`, the norm
    taken over all gradients together.

    Args:
        parameters: tensors (or one tensor) whose ``.grad`` is clipped.
        max_norm: the largest allowed total norm.
        norm_type: p of the p-norm (``float("inf")`` for the max norm). Default: 2.
        error_if_nonfinite: raise if the total norm is nan or inf. Default: False.
        foreach: ignored.

    Returns:
        The total norm before clipping (a 0-d tensor).

    Example:
        >>> loss.backward()
        >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters: _tensor_or_tensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_` (warns, as PyTorch)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: _tensor_or_tensors, clip_value: float,
                     foreach: bool | None = None) -> None:
    r"""Clamp each gradient element in place to ``[-clip_value, clip_value]``.

    Example:
        >>> nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    clip_value = float(clip_value)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
