"""Stochastic gradient descent, as ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._tensor import Tensor
from ..backend import array_module
from ._util import (
    _bump,
    _check_fused,
    _fused_step,
    _grad_array,
    _params_with_grad,
    _scalar,
)
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Implements stochastic gradient descent (optionally with momentum).

    .. math::
       \begin{aligned}
         &\textbf{input}: \gamma \text{ (lr)}, \theta_0 \text{ (params)}, f(\theta)
            \text{ (objective)}, \lambda \text{ (weight decay)}, \mu \text{ (momentum)},
            \tau \text{ (dampening)}, \textit{nesterov}, \textit{maximize} \\
         &\textbf{for } t = 1, 2, \ldots: \\
         &\quad g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (-\nabla_\theta f_t(\theta_{t-1}) \text{ if maximize}) \\
         &\quad \textbf{if } \lambda \ne 0: \; g_t \leftarrow g_t + \lambda\theta_{t-1} \\
         &\quad \textbf{if } \mu \ne 0: \\
         &\quad\quad b_t \leftarrow g_t \text{ if } t = 1 \text{ else }
            \mu b_{t-1} + (1 - \tau) g_t \\
         &\quad\quad g_t \leftarrow g_t + \mu b_t \text{ if nesterov else } b_t \\
         &\quad \theta_t \leftarrow \theta_{t-1} - \gamma g_t
       \end{aligned}

    The momentum buffer starts as the first gradient (not zeros), so dampening applies from the
    second step on; the learning rate multiplies the whole update (``v = mu v + g; p -= lr v``),
    unlike Sutskever et al. Both as in PyTorch.

    Args:
        params (iterable): iterable of parameters (or ``(name, parameter)`` pairs) to optimize,
            or of dicts defining parameter groups
        lr (float, optional): learning rate (default: 1e-3)
        momentum (float, optional): momentum factor (default: 0)
        dampening (float, optional): dampening for momentum (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        nesterov (bool, optional): enables Nesterov momentum. Only applicable when momentum is
            non-zero. (default: False)
        maximize (bool, optional): maximize the objective instead of minimizing (default: False)
        foreach, differentiable, fused: accepted for compatibility; see :class:`Optimizer`.

    Example::

        >>> optimizer = autograd_lab.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 momentum: float = 0, dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False, *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        # PyTorch's SGD tests ``lr < 0.0`` (so nan passes), unlike the other optimizers.
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): a closure that reevaluates the model and returns
                the loss.
        """
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, wd = _scalar(group["lr"]), group["weight_decay"]
            momentum, dampening = group["momentum"], group["dampening"]
            for p in _params_with_grad(group):
                xp = array_module(p._device)
                fused = _fused_step(p, "sgd_step")
                if fused is not None:  # GPU: one kernel for the whole update
                    self._fused_update(fused, xp, p, group)
                    continue
                g = _grad_array(p, group["maximize"])
                if wd != 0:
                    g = g + wd * p._data
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = Tensor._make(xp.array(g, copy=True), device=p._device)
                        state["momentum_buffer"] = buf
                    else:
                        b = buf._data
                        xp.multiply(b, momentum, out=b)
                        b += (1 - dampening) * g
                        _bump(buf)
                    g = g + momentum * buf._data if group["nesterov"] else buf._data
                p._data -= lr * g
                _bump(p)
        return loss

    def _fused_update(self, fused, xp, p: Tensor, group: dict[str, Any]) -> None:
        """:meth:`step` for one parameter with the fused kernel (``cuda_kernels.optim``)."""
        momentum = group["momentum"]
        buf = None
        first = False
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:  # the kernel fills it with the first gradient
                buf = Tensor._make(xp.empty_like(p._data), device=p._device)
                state["momentum_buffer"] = buf
                first = True
            _bump(buf)
        fused(p._data, p._grad._data, None if buf is None else buf._data,
              lr=_scalar(group["lr"]), momentum=momentum, dampening=group["dampening"],
              weight_decay=group["weight_decay"], nesterov=group["nesterov"],
              maximize=group["maximize"], first=first)
        _bump(p)
