"""RMSprop, as ``torch.optim.RMSprop``."""

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
from .adam import _lerp_
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""Implements the RMSprop algorithm.

    .. math::
       \begin{aligned}
         &\textbf{input}: \alpha \text{ (alpha)}, \gamma \text{ (lr)},
            \theta_0 \text{ (params)}, f(\theta) \text{ (objective)},
            \lambda \text{ (weight decay)}, \mu \text{ (momentum)}, \textit{centered},
            \epsilon \text{ (epsilon)} \\
         &\textbf{initialize}: v_0 \leftarrow 0, \; b_0 \leftarrow 0, \;
            g^{ave}_0 \leftarrow 0 \\
         &\textbf{for } t = 1, 2, \ldots: \\
         &\quad g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (-\nabla_\theta f_t(\theta_{t-1}) \text{ if maximize}) \\
         &\quad \textbf{if } \lambda \ne 0: \; g_t \leftarrow g_t + \lambda\theta_{t-1} \\
         &\quad v_t \leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2, \quad
            \tilde{v_t} \leftarrow v_t \\
         &\quad \textbf{if centered}: \; g^{ave}_t \leftarrow \alpha g^{ave}_{t-1}
            + (1 - \alpha) g_t, \; \tilde{v_t} \leftarrow \tilde{v_t} - (g^{ave}_t)^2 \\
         &\quad \textbf{if } \mu > 0: \; b_t \leftarrow \mu b_{t-1}
            + g_t / (\sqrt{\tilde{v_t}} + \epsilon), \;
            \theta_t \leftarrow \theta_{t-1} - \gamma b_t \\
         &\quad \textbf{else}: \; \theta_t \leftarrow \theta_{t-1}
            - \gamma g_t / (\sqrt{\tilde{v_t}} + \epsilon)
       \end{aligned}

    The square root is taken before adding epsilon (TensorFlow does the opposite), as in
    PyTorch. State: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered).

    Args:
        params (iterable): iterable of parameters to optimize or dicts defining groups
        lr (float, optional): learning rate (default: 1e-2)
        alpha (float, optional): smoothing constant (default: 0.99)
        eps (float, optional): term added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        momentum (float, optional): momentum factor (default: 0)
        centered (bool, optional): normalize the gradient by an estimate of its variance
        capturable, foreach, differentiable: see :class:`Optimizer`.
        maximize (bool, optional): maximize the objective (default: False)

    Example::

        >>> optimizer = autograd_lab.optim.RMSprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
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
            lr, alpha, eps = _scalar(group["lr"]), group["alpha"], group["eps"]
            wd, momentum = group["weight_decay"], group["momentum"]
            for p in _params_with_grad(group):
                xp = array_module(p._device)
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _zeros_like(p)
                g = _grad_array(p, group["maximize"])
                state["step"]._data += 1
                if wd != 0:
                    g = g + wd * p._data
                sq = state["square_avg"]
                xp.multiply(sq._data, alpha, out=sq._data)
                sq._data += (1 - alpha) * g * g
                changed = [p, state["step"], sq]
                if group["centered"]:
                    ga = state["grad_avg"]
                    _lerp_(xp, ga._data, g, 1 - alpha)
                    avg = xp.sqrt(sq._data + -1 * ga._data * ga._data)
                    changed.append(ga)
                else:
                    avg = xp.sqrt(sq._data)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    xp.multiply(buf._data, momentum, out=buf._data)
                    buf._data += g / avg
                    p._data += -lr * buf._data
                    changed.append(buf)
                else:
                    p._data += -lr * (g / avg)
                _bump(*changed)
        return loss
