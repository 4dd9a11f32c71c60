"""Normalization functions of ``autograd_lab.nn.functional``: batch_norm, layer_norm,
group_norm, normalize.

``batch_norm`` and ``layer_norm`` share one fused primitive, :class:`NativeBatchNorm`: with
x̂ = (x - μ) · invstd over the statistics axes and y = x̂ · w + b,

    dL/dx = invstd (ĝ - mean(ĝ) - x̂ · mean(ĝ x̂)),   ĝ = g · w   (statistics from the batch)
    dL/dx = invstd · ĝ                                (fixed running statistics, eval mode)
    dL/dw = Σ g x̂,   dL/db = Σ g.

It is fused for speed (batch norm is on the training hot path: one pass instead of the dozen
ops of the composite); backward recomputes x̂ from the saved input rather than storing it.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op

__all__ = ["batch_norm", "layer_norm", "group_norm", "normalize"]


class NativeBatchNorm(Op):
    """y = (x - μ) invstd · w + b; see the module docstring for the derivatives.

    Options: ``axes`` (statistics), ``waxes`` (where w and b broadcast: the gradient of w sums
    over them), ``wshape`` (w reshaped for broadcasting), ``mean``/``invstd`` (kept-dim
    arrays), ``training`` (statistics depend on x).
    """

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, axes=(), waxes=(), wshape=(), mean=None, invstd=None,
                training=True, eps=1e-5):
        ctx.axes, ctx.waxes, ctx.wshape, ctx.training, ctx.eps = axes, waxes, wshape, training, eps
        ctx.mean, ctx.invstd = mean, invstd
        ctx.save_for_backward(x, w)
        if axes == waxes:  # per-channel scale and shift: y = x·α + β, two passes (PyTorch's)
            alpha = invstd if w is None else invstd * w.reshape(wshape)
            beta = -mean * alpha
            if b is not None:
                beta += b.reshape(wshape)
            y = x * alpha.astype(x.dtype, copy=False)
            y += beta.astype(x.dtype, copy=False)
            return y
        y = x - mean
        y *= invstd
        if w is not None:
            y *= w.reshape(wshape)
        if b is not None:
            y += b.reshape(wshape)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if grad_mode._enabled:  # create_graph: the same formulas with Tensor ops
            return _norm_backward_graph(ctx, x, w, grad, needs)
        g, xa = grad._data, x._data
        axes, waxes = ctx.axes, ctx.waxes
        meta = ctx._input_meta
        if ctx.training and axes == waxes:
            return _batch_norm_backward(ctx, g, xa, w, needs, meta, grad._device)
        xhat = xa - ctx.mean
        xhat *= ctx.invstd
        gw = (g * xhat).sum(axis=waxes).reshape(meta[1][0]) if needs[1] else None
        gb = g.sum(axis=waxes).reshape(meta[2][0]) if needs[2] else None
        gx = None
        if needs[0]:
            gh = g * w._data.reshape(ctx.wshape) if w is not None else g.copy()
            if ctx.training:
                corr = _mean_prod(g, w, ctx.wshape, xhat, axes)
                gh -= gh.mean(axis=axes, keepdims=True)
                xhat *= corr
                gh -= xhat
            gh *= ctx.invstd
            gx = gh
        dev = grad._device
        return tuple(None if a is None else Tensor._make(a, device=dev) for a in (gx, gw, gb))


def _ncl(a):
    """A batch-norm operand ``(N, C, *)`` as ``(N, C, L)`` (a view when it is contiguous)."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def _vecdot(xp, a, b):
    """Σ a·b along the last axis without a product array (NumPy 2's ``vecdot``)."""
    vecdot = getattr(xp, "vecdot", None)
    return vecdot(a, b) if vecdot is not None else (a * b).sum(axis=-1)


def _batch_norm_backward(ctx, g, x, w, needs, meta, dev):
    """Batch norm's backward with batch statistics, in few passes over the data.

    The statistics axes are also the axes w and b broadcast over, so the two per-channel sums
    the weight and bias gradients need, Σg and Σg·x̂, are also the two means in dx. With
    xc = x - μ (x̂ = xc·invstd) and k = invstd·w (PyTorch's order of operations):

        dx = k · (g - Σg/n) - xc · (k · invstd² · Σg·xc / n)
    """
    xp = ctx.xp
    c = x.shape[1]
    x3, g3 = _ncl(x), _ncl(g)
    n = max(x3.shape[0] * x3.shape[2], 1)
    mean, invstd = ctx.mean.reshape(c, 1), ctx.invstd.reshape(c)
    k = invstd if w is None else invstd * w._data.reshape(c)
    k = k.astype(g.dtype, copy=False)
    xc = x3 - mean
    sum_g = g3.sum(axis=2).sum(axis=0)
    dotp = _vecdot(xp, g3, xc).sum(axis=0)
    gx = None
    if needs[0]:
        xc *= (k * invstd * invstd * (dotp / n))[:, None].astype(g.dtype)
        gx = g3 * k[:, None]
        gx -= (k * (sum_g / n))[:, None].astype(g.dtype)
        gx -= xc
    gw = (dotp * invstd).reshape(meta[1][0]) if needs[1] else None
    gb = sum_g.reshape(meta[2][0]) if needs[2] else None
    if gx is not None:
        gx = gx.reshape(g.shape)
    return tuple(None if a is None else Tensor._make(a, device=dev) for a in (gx, gw, gb))


def _mean_prod(g, w, wshape, xhat, axes):
    """mean over ``axes`` of (g · w) · x̂ (the second correction term of batch norm's dx)."""
    gxh = g * xhat
    if w is not None:
        gxh *= w._data.reshape(wshape)
    return gxh.mean(axis=axes, keepdims=True)


def _norm_backward_graph(ctx, x, w, grad, needs):
    """Differentiable version of the backward (recomputes the statistics from x)."""
    axes = ctx.axes
    if ctx.training:
        mean = x.mean(axes, keepdim=True)
        xc = x - mean
        invstd = ((xc * xc).mean(axes, keepdim=True) + ctx.eps).rsqrt()
    else:
        xc = x - Tensor._make(ctx.mean, device=x._device)
        invstd = Tensor._make(ctx.invstd, device=x._device)
    xhat = xc * invstd
    meta = ctx._input_meta
    gw = (grad * xhat).sum(ctx.waxes).reshape(meta[1][0]) if needs[1] else None
    gb = grad.sum(ctx.waxes).reshape(meta[2][0]) if needs[2] else None
    gx = None
    if needs[0]:
        gh = grad * w.reshape(ctx.wshape) if w is not None else grad
        if ctx.training:
            gh = gh - gh.mean(axes, keepdim=True) - xhat * (gh * xhat).mean(axes, keepdim=True)
        gx = gh * invstd
    return gx, gw, gb


class NativeLayerNorm(NativeBatchNorm):
    """:class:`NativeBatchNorm` over the trailing dimensions (PyTorch's layer norm node)."""

    node_name = "NativeLayerNormBackward0"


def _stats(xp, x: np.ndarray, axes: tuple, eps: float):
    """Mean, biased variance and 1/sqrt(var + eps) over ``axes``, kept as dims.

    Two passes, the variance from the centred values (E[x²] - E[x]² would cancel badly in
    float32 when the mean is large).
    """
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    invstd = 1 / xp.sqrt(var + eps)
    return mean, var, invstd.astype(x.dtype, copy=False)


def _batch_stats(xp, x, eps: float):
    """:func:`_stats` over batch norm's axes (all but dim 1), faster: the sums run along the
    contiguous last axis of ``(N, C, L)`` first, and Σ(x - μ)² is a ``vecdot`` (no squares
    array). Float16 is summed in float32, as NumPy's ``mean`` does."""
    x3 = _ncl(x)
    if x3.dtype.itemsize < 4:
        x3 = x3.astype(xp.float32)
    c = x.shape[1]
    count = x3.dtype.type(max(x3.shape[0] * x3.shape[2], 1))
    mean = x3.sum(axis=2).sum(axis=0) / count
    xc = x3 - mean[:, None]
    var = _vecdot(xp, xc, xc).sum(axis=0) / count
    keep = (1, c) + (1,) * (x.ndim - 2)
    invstd = 1 / xp.sqrt(var + eps)
    return (mean.reshape(keep).astype(x.dtype, copy=False),
            var.reshape(keep).astype(x.dtype, copy=False),
            invstd.reshape(keep).astype(x.dtype, copy=False))


def _verify_batch_size(size) -> None:
    """Training needs more than one value per channel (batch times spatial size)."""
    size_prods = size[0]
    for s in size[2:]:
        size_prods *= s
    if size_prods == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{size}")


def _shape_text(t: Tensor) -> str:
    return "[" + ", ".join(str(n) for n in t._data.shape) + "]"


def _check_mixed_dtype(input: Tensor, *params: Tensor | None) -> None:  # noqa: A002
    """PyTorch (CPU) mixes dtypes only for a float16 input with float32 parameters."""
    first = next((t for t in params if t is not None), None)
    if first is None or first.dtype == input.dtype:
        return
    for t in params:
        if t is not None and t.dtype.name != "float32":
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if input.dtype.name not in ("float16", "bfloat16"):
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _check_batch_norm_args(input: Tensor, running_mean, running_var, weight, bias,  # noqa: A002
                           training: bool, eps: float) -> int:
    """PyTorch's checks, in its order; returns the number of channels C (0 for a 1-D input)."""
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    x = input._data
    c = x.shape[1] if x.ndim > 1 else 0
    if x.size == 0:
        return c
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is None:
            if not training:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
        elif t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    if x.ndim < 2:
        raise IndexError("Dimension out of range (expected to be in range of "
                         f"[{-max(x.ndim, 1)}, {max(x.ndim, 1) - 1}], but got 1)")
    _check_mixed_dtype(input, weight, bias, running_mean, running_var)
    return c


def batch_norm(input: Tensor, running_mean: Tensor | None,  # noqa: A002
               running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) over the batch and spatial dims, then scale and shift.

    y = (x - E[x]) / sqrt(Var[x] + eps) · weight + bias. In training the batch statistics are
    used (biased variance) and the running ones updated in place:
    running = (1 - momentum) · running + momentum · batch (unbiased variance). In eval the
    running statistics are used. See :class:`NativeBatchNorm` for the derivatives.

    Shape: input (N, C) or (N, C, *); running stats, weight, bias (C,). An empty input
    comes back (scaled by weight[0], shifted by bias[0], as PyTorch does) without statistics.
    """
    c = _check_batch_norm_args(input, running_mean, running_var, weight, bias, training, eps)
    x = input._data
    if x.size == 0:  # PyTorch's early return: a copy that stays in the graph
        out = input.clone()
        if weight is not None:
            out = out * weight[0]
        if bias is not None:
            out = out + bias[0]
        return out
    xp = backend.array_module(input._device)
    if backend.kernel(xp, "batch_norm") is not None:  # CUDA kernels (None on the CPU)
        from ._functional_norm_fused import batch_norm_fused  # (it imports this module)

        out = batch_norm_fused(input, running_mean, running_var, weight, bias, training,
                               momentum, eps)
        if out is not None:
            return out
    axes = (0,) + tuple(range(2, x.ndim))
    wshape = (1, c) + (1,) * (x.ndim - 2)
    use_batch = training
    if use_batch:
        mean, var, invstd = _batch_stats(xp, x, eps)
        if training and running_mean is not None:
            n = x.size / c
            with grad_mode.no_grad():
                _update(running_mean, mean, momentum)
                if running_var is not None:
                    _update(running_var, var * (n / (n - 1)), momentum)
    else:
        mean = running_mean._data.reshape(wshape).astype(x.dtype, copy=False)
        invstd = (1 / xp.sqrt(running_var._data.reshape(wshape) + eps)).astype(x.dtype,
                                                                               copy=False)
    return NativeBatchNorm.apply(input, weight, bias, axes=axes, waxes=axes, wshape=wshape,
                                 mean=mean, invstd=invstd, training=use_batch, eps=eps)


def _update(stat: Tensor, batch: np.ndarray, momentum: float) -> None:
    d = stat._data
    d *= 1 - momentum
    d += (momentum * batch.reshape(d.shape)).astype(d.dtype, copy=False)
    stat._version_counter.value += 1


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dims, then scale and shift elementwise.

    y = (x - E[x]) / sqrt(Var[x] + eps) · weight + bias (biased variance).

    Shape: input (*, normalized_shape); weight, bias normalized_shape.
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    x = input._data
    k = len(ns)
    ns_text = "[" + ", ".join(map(str, ns)) + "]"
    if k < 1:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {_shape_text(t)} and normalized_shape = "
                               f"{ns_text}")
    if x.ndim < k or x.shape[x.ndim - k:] != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size"
                           f"{input.size()}".replace("autograd_lab.Size(", "").replace(")", ""))
    _check_mixed_dtype(input, weight, bias)
    axes = tuple(range(x.ndim - k, x.ndim))
    mean, _, invstd = _stats(backend.array_module(input._device), x, axes, eps)
    return NativeLayerNorm.apply(input, weight, bias, axes=axes, waxes=tuple(range(x.ndim - k)),
                                 wshape=ns, mean=mean, invstd=invstd, training=True, eps=eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize each group of C / num_groups channels (with their spatial dims), then apply a
    per-channel affine. Composite: a layer norm of input.view(N, G, -1), then weight and bias.

    Shape: input (N, C, *); weight, bias (C,).
    """
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{x.ndim}")
    n, c = x.shape[0], x.shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(x.shape[2:]))
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(x.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {_shape_text(t)} "
                               f"and input of shape {list(x.shape)}")
    _check_mixed_dtype(input, weight, bias)
    grouped = input.reshape(n, num_groups, -1)
    mean, _, invstd = _stats(backend.array_module(input._device), grouped._data, (2,), eps)
    y = NativeLayerNorm.apply(grouped, None, None, axes=(2,), waxes=(0, 1), wshape=(1,),
                              mean=mean, invstd=invstd, training=True, eps=eps)
    y = y.reshape(x.shape)
    wshape = (1, c) + (1,) * (x.ndim - 2)
    # float32 parameters on a float16 input: the result stays float16, as in PyTorch.
    if weight is not None:
        y = y * weight.to(input.dtype).reshape(wshape)
    if bias is not None:
        y = y + bias.to(input.dtype).reshape(wshape)
    return y


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """x / max(‖x‖_p, eps) along ``dim``. Composite of norm, clamp and div.

    Example:
        >>> F.normalize(autograd_lab.tensor([[3., 4.]]))
        tensor([[0.6000, 0.8000]])
    """
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    result = input / denom
    if out is not None:
        return out.copy_(result)
    return result
