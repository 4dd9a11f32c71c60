"""Adam and AdamW, as ``torch.optim.Adam`` / ``torch.optim.AdamW``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._tensor import Tensor
from ..backend import array_module
from ._util import (
    _bump,
    _check_fused,
    _check_lr,
    _fused_step,
    _grad_array,
    _params_with_grad,
    _scalar,
    _step_tensor,
    _zeros_like,
)
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


def _lerp_(xp, a, b, weight: float) -> None:
    """``a.lerp_(b, weight)`` with PyTorch's two-sided formula (exact at both ends)."""
    if abs(weight) < 0.5:
        a += weight * (b - a)
    else:
        xp.subtract(b, (b - a) * (1 - weight), out=a)


class Adam(Optimizer):
    r"""Implements the Adam algorithm.

    .. math::
       \begin{aligned}
         &\textbf{input}: \gamma \text{ (lr)}, \beta_1, \beta_2 \text{ (betas)},
            \theta_0 \text{ (params)}, f(\theta) \text{ (objective)},
            \lambda \text{ (weight decay)}, \textit{amsgrad}, \textit{maximize},
            \epsilon \text{ (epsilon)} \\
         &\textbf{initialize}: m_0 \leftarrow 0, \; v_0 \leftarrow 0, \;
            v_0^{max} \leftarrow 0 \\
         &\textbf{for } t = 1, 2, \ldots: \\
         &\quad g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (-\nabla_\theta f_t(\theta_{t-1}) \text{ if maximize}) \\
         &\quad \textbf{if } \lambda \ne 0: \; g_t \leftarrow g_t + \lambda\theta_{t-1}
            \quad (\text{decoupled: } \theta_{t-1} \leftarrow \theta_{t-1}
            - \gamma\lambda\theta_{t-1}) \\
         &\quad m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
         &\quad v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
         &\quad \widehat{m_t} \leftarrow m_t / (1 - \beta_1^t) \\
         &\quad \textbf{if amsgrad}: \; v_t^{max} \leftarrow \max(v_{t-1}^{max}, v_t), \;
            \widehat{v_t} \leftarrow v_t^{max} / (1 - \beta_2^t) \\
         &\quad \textbf{else}: \; \widehat{v_t} \leftarrow v_t / (1 - \beta_2^t) \\
         &\quad \theta_t \leftarrow \theta_{t-1} - \gamma \widehat{m_t} /
            (\sqrt{\widehat{v_t}} + \epsilon)
       \end{aligned}

    The state of each parameter is ``step`` (a float32 0-dim tensor), ``exp_avg`` (m),
    ``exp_avg_sq`` (v) and, with amsgrad, ``max_exp_avg_sq``, as in PyTorch.

    Args:
        params (iterable): iterable of parameters to optimize or dicts defining groups
        lr (float, optional): learning rate (default: 1e-3)
        betas (tuple[float, float], optional): coefficients of the running averages of the
            gradient and its square (default: (0.9, 0.999))
        eps (float, optional): term added to the denominator for numerical stability
            (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        amsgrad (bool, optional): use the AMSGrad variant (default: False)
        foreach, capturable, differentiable, fused: see :class:`Optimizer`.
        maximize (bool, optional): maximize the objective (default: False)
        decoupled_weight_decay (bool, optional): if True, this is AdamW: the weight decay
            does not go through the moments (default: False)

    Example::

        >>> optimizer = autograd_lab.optim.Adam(model.parameters(), lr=1e-3)
        >>> optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and "
                             "foreach=True")
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if beta.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = (_scalar(betas[0]), _scalar(betas[1]))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
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
            beta1, beta2 = group["betas"]
            lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
            amsgrad = group["amsgrad"]
            for p in _params_with_grad(group):
                xp = array_module(p._device)
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                step_t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                fused = _fused_step(p, "adam_step")
                if fused is not None:  # GPU: one kernel for the whole update
                    step_t._data += 1
                    vmax = state["max_exp_avg_sq"] if amsgrad else None
                    fused(p._data, p._grad._data, m._data, v._data,
                          None if vmax is None else vmax._data, lr=lr, beta1=beta1,
                          beta2=beta2, eps=eps, weight_decay=wd, step=float(step_t._data),
                          decoupled=group["decoupled_weight_decay"],
                          maximize=group["maximize"])
                    _bump(p, step_t, m, v, *([vmax] if amsgrad else []))
                    continue
                g = _grad_array(p, group["maximize"])
                step_t._data += 1
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        xp.multiply(p._data, 1 - lr * wd, out=p._data)
                    else:
                        g = g + wd * p._data
                _lerp_(xp, m._data, g, 1 - beta1)
                xp.multiply(v._data, beta2, out=v._data)
                v._data += (1 - beta2) * g * g
                step = float(step_t._data)
                step_size = lr / (1 - beta1**step)
                bias_correction2_sqrt = (1 - beta2**step) ** 0.5
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]
                    xp.maximum(vmax._data, v._data, out=vmax._data)
                    _bump(vmax)
                    denom = xp.sqrt(vmax._data) / bias_correction2_sqrt + eps
                else:
                    denom = xp.sqrt(v._data) / bias_correction2_sqrt + eps
                p._data += -step_size * (m._data / denom)
                _bump(p, step_t, m, v)
        return loss


class AdamW(Adam):
    r"""Implements AdamW: Adam whose weight decay does not go through the moments.

    .. math::
       \begin{aligned}
         &\textbf{for } t = 1, 2, \ldots: \\
         &\quad g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (-\nabla_\theta f_t(\theta_{t-1}) \text{ if maximize}) \\
         &\quad \theta_t \leftarrow \theta_{t-1} - \gamma\lambda\theta_{t-1} \\
         &\quad m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
         &\quad v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
         &\quad \widehat{m_t} \leftarrow m_t / (1 - \beta_1^t) \\
         &\quad \textbf{if amsgrad}: \; v_t^{max} \leftarrow \max(v_{t-1}^{max}, v_t), \;
            \widehat{v_t} \leftarrow v_t^{max} / (1 - \beta_2^t) \\
         &\quad \textbf{else}: \; \widehat{v_t} \leftarrow v_t / (1 - \beta_2^t) \\
         &\quad \theta_t \leftarrow \theta_t - \gamma \widehat{m_t} /
            (\sqrt{\widehat{v_t}} + \epsilon)
       \end{aligned}

    Args:
        params (iterable): iterable of parameters to optimize or dicts defining groups
        lr (float, optional): learning rate (default: 1e-3)
        betas (tuple[float, float], optional): coefficients of the running averages
            (default: (0.9, 0.999))
        eps (float, optional): term added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay coefficient (default: 1e-2)
        amsgrad (bool, optional): use the AMSGrad variant (default: False)
        maximize (bool, optional): maximize the objective (default: False)
        foreach, capturable, differentiable, fused: see :class:`Optimizer`.

    Example::

        >>> optimizer = autograd_lab.optim.AdamW(model.parameters(), lr=1e-3)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
