"""Adagrad, as ``torch.optim.Adagrad``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._tensor import Tensor
from ..backend import array_module
from ._util import (
    _bump,
    _check_fused,
    _check_lr,
    _grad_array,
    _params_with_grad,
    _scalar,
    _step_tensor,
)
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Implements the Adagrad algorithm.

    .. math::
       \begin{aligned}
         &\textbf{input}: \gamma \text{ (lr)}, \theta_0 \text{ (params)}, f(\theta)
            \text{ (objective)}, \lambda \text{ (weight decay)},
            \tau \text{ (initial accumulator value)}, \eta \text{ (lr decay)} \\
         &\textbf{initialize}: state\_sum_0 \leftarrow \tau \\
         &\textbf{for } t = 1, 2, \ldots: \\
         &\quad g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (-\nabla_\theta f_t(\theta_{t-1}) \text{ if maximize}) \\
         &\quad \tilde{\gamma} \leftarrow \gamma / (1 + (t - 1)\eta) \\
         &\quad \textbf{if } \lambda \ne 0: \; g_t \leftarrow g_t + \lambda\theta_{t-1} \\
         &\quad state\_sum_t \leftarrow state\_sum_{t-1} + g_t^2 \\
         &\quad \theta_t \leftarrow \theta_{t-1}
            - \tilde{\gamma} \frac{g_t}{\sqrt{state\_sum_t} + \epsilon}
       \end{aligned}

    The state (``step`` and ``sum``) is created for every parameter in the constructor, as in
    PyTorch. Sparse gradients do not exist in autograd_lab.

    Args:
        params (iterable): iterable of parameters to optimize or dicts defining groups
        lr (float, optional): learning rate (default: 1e-2)
        lr_decay (float, optional): learning rate decay (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        initial_accumulator_value (float, optional): initial value of the sums of squares of
            the gradients (default: 0)
        eps (float, optional): term added to the denominator (default: 1e-10)
        foreach, differentiable, fused: see :class:`Optimizer`.
        maximize (bool, optional): maximize the objective (default: False)

    Example::

        >>> optimizer = autograd_lab.optim.Adagrad(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-2,
                 lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "fused": fused}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p: Tensor, initial_accumulator_value: float) -> None:
        state = self.state[p]
        state["step"] = _step_tensor()
        xp = array_module(p._device)
        state["sum"] = Tensor._make(xp.full_like(p._data, initial_accumulator_value),
                                    device=p._device)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): a closure that reevaluates the model and returns
                the loss.
        """
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
            for p in _params_with_grad(group):
                xp = array_module(p._device)
                state = self.state[p]
                if len(state) == 0:  # a group added after construction
                    self._init_state(p, self.defaults["initial_accumulator_value"])
                step_t, state_sum = state["step"], state["sum"]
                step_t._data += 1
                step = float(step_t._data)
                g = _grad_array(p, group["maximize"])
                if wd != 0:
                    g = g + wd * p._data
                clr = lr / (1 + (step - 1) * group["lr_decay"])
                state_sum._data += g * g
                std = xp.sqrt(state_sum._data)
                std += eps
                p._data += -clr * (g / std)
                _bump(p, step_t, state_sum)
        return loss
