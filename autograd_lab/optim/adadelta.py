"""Adadelta, as ``torch.optim.Adadelta``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._tensor import Tensor
from ..backend import array_module
from ._util import (
    _bump,
    _check_lr,
    _grad_array,
    _params_with_grad,
    _scalar,
    _step_tensor,
    _zeros_like,
)
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Implements the Adadelta algorithm.

    .. math::
       \begin{aligned}
         &\textbf{input}: \gamma \text{ (lr)}, \theta_0 \text{ (params)}, f(\theta)
            \text{ (objective)}, \rho \text{ (decay)}, \lambda \text{ (weight decay)} \\
         &\textbf{initialize}: v_0 \leftarrow 0 \text{ (square avg)}, \;
            u_0 \leftarrow 0 \text{ (accumulated deltas)} \\
         &\textbf{for } t = 1, 2, \ldots: \\
         &\quad g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (-\nabla_\theta f_t(\theta_{t-1}) \text{ if maximize}) \\
         &\quad \textbf{if } \lambda \ne 0: \; g_t \leftarrow g_t + \lambda\theta_{t-1} \\
         &\quad v_t \leftarrow v_{t-1}\rho + g_t^2 (1 - \rho) \\
         &\quad \Delta x_t \leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}
            g_t \\
         &\quad u_t \leftarrow u_{t-1}\rho + \Delta x_t^2 (1 - \rho) \\
         &\quad \theta_t \leftarrow \theta_{t-1} - \gamma \Delta x_t
       \end{aligned}

    State: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).

    Args:
        params (iterable): iterable of parameters to optimize or dicts defining groups
        lr (float, optional): coefficient that scales delta before it is applied to the
            parameters (default: 1.0)
        rho (float, optional): coefficient of the running average of squared gradients
            (default: 0.9)
        eps (float, optional): term added to the denominator (default: 1e-6)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        foreach, capturable, differentiable: see :class:`Optimizer`.
        maximize (bool, optional): maximize the objective (default: False)

    Example::

        >>> optimizer = autograd_lab.optim.Adadelta(model.parameters())
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1.0,
                 rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): a closure that reevaluates the model and returns
                the loss.
        """
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = _scalar(group["lr"]), group["rho"], group["eps"]
            wd = group["weight_decay"]
            for p in _params_with_grad(group):
                xp = array_module(p._device)
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
                sq, acc = state["square_avg"], state["acc_delta"]
                state["step"]._data += 1
                g = _grad_array(p, group["maximize"])
                if wd != 0:
                    g = g + wd * p._data
                xp.multiply(sq._data, rho, out=sq._data)
                sq._data += (1 - rho) * g * g
                std = xp.sqrt(sq._data + eps)
                delta = xp.sqrt(acc._data + eps)
                delta /= std
                delta *= g
                xp.multiply(acc._data, rho, out=acc._data)
                acc._data += (1 - rho) * delta * delta
                p._data += -lr * delta
                _bump(p, state["step"], sq, acc)
        return loss
