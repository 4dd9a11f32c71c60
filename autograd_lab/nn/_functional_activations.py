"""Activation functions and dropout of ``autograd_lab.nn.functional``.

Each activation with a kink or a numerically delicate formula is a primitive :class:`Op` with
PyTorch's ``grad_fn`` name (``GeluBackward0``, ``SoftplusBackward0``, ...): ``forward`` on
raw arrays, ``backward`` on Tensors (so double backward works). ``relu``, ``sigmoid``,
``tanh``, ``softmax`` and ``log_softmax`` are the engine's own ops.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _random
from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import to_device
from ..ops.inplace import inplace as _inplace
from ..ops.pointwise import where
from ..ops.softmax import log_softmax as _log_softmax
from ..ops.softmax import softmax as _softmax

__all__ = ["erf", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "gelu",
           "silu", "mish", "sigmoid", "tanh", "softplus", "hardtanh", "hardtanh_", "softmax",
           "softmin", "log_softmax", "dropout", "dropout2d"]

# ----------------------------------------------------------------------------- erf
# NumPy has no erf. We fit Chebyshev series once, at import, against ``math.erf`` (exact to
# float64 rounding): erf(x)/x as a series in x^2 on [0, 2], and x e^{x^2} erfc(x) (smooth,
# -> 1/sqrt(pi)) as a series in 1/x on [2, 6]. Beyond 6, erf(x) = 1 in float64.
_SQRT_PI = math.sqrt(math.pi)


def _fit(f, lo, hi, deg):
    k = np.arange(400)
    t = np.cos(np.pi * (k + 0.5) / 400)  # Chebyshev nodes: no Runge oscillation
    u = lo + (hi - lo) * (t + 1) / 2
    return np.polynomial.chebyshev.Chebyshev.fit(u, [f(v) for v in u], deg, domain=[lo, hi])


_ERF_SMALL = _fit(lambda s: math.erf(math.sqrt(s)) / math.sqrt(s) if s else 2 / _SQRT_PI,
                  0.0, 4.0, 40)
_ERFC_LARGE = _fit(lambda r: math.erfc(1 / r) * math.exp(1 / r ** 2) / r, 1 / 6, 0.5, 40)


def _erf_array(x: np.ndarray) -> np.ndarray:
    """erf of a float array, computed in float64 (accurate to ~1e-15), result in x's dtype."""
    a = np.abs(x.astype(np.float64))
    out = np.ones_like(a)
    small = a <= 2
    big = (a > 2) & (a < 6)
    s = a[small]
    out[small] = s * _ERF_SMALL(s * s)
    b = a[big]
    out[big] = 1 - _ERFC_LARGE(1 / b) * np.exp(-b * b) / b
    out[np.isnan(a)] = np.nan
    return np.copysign(out, x).astype(x.dtype, copy=False)


class Erf(Op):
    """out = erf(x) = 2/sqrt(pi) ∫_0^x e^{-t^2} dt.   d/dx = 2/sqrt(pi) e^{-x^2}."""

    node_name = "ErfBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / _SQRT_PI) * (-(x * x)).exp()


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function, elementwise (``torch.erf``).   d/dx = 2/sqrt(pi) exp(-x^2)."""
    return Erf.apply(input)


# ----------------------------------------------------------------------------- pointwise ops
class Hardtanh(Op):
    """out = clamp(x, lo, hi).   d/dx = 1 strictly inside (lo, hi), else 0 (PyTorch's rule)."""

    node_name = "HardtanhBackward0"

    @staticmethod
    def forward(ctx, x, lo=-1.0, hi=1.0):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return ctx.xp.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((x > ctx.lo) & (x < ctx.hi))


class LeakyRelu(Op):
    """out = x if x > 0 else slope x.   d/dx = 1 if x > 0 else slope."""

    node_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, x, slope=0.01):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return ctx.xp.where(x > 0, x, x * slope).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # 1 where x > 0, else slope (built in grad's dtype: no float32 rounding of slope)
        return grad * ((x > 0).to(grad.dtype) * (1 - ctx.slope) + ctx.slope)


class LeakyReluInplace(Op):
    """In-place leaky_relu: the node saves the result r, not x (x is overwritten).

    d/dx = 1 if r > 0 else slope (the same as from x when slope >= 0; PyTorch refuses a
    negative slope in backward, and so do we).
    """

    node_name = "LeakyReluBackward1"

    @staticmethod
    def forward(ctx, x, slope=0.01):
        ctx.slope = slope
        out = ctx.xp.where(x > 0, x, x * slope).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (r,) = ctx.saved_tensors
        if ctx.slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope "
                "which is not supported. This is caused by calling in-place forward function "
                "with a negative slope, please call out-of-place version instead. File an issue "
                "at https://github.com/pytorch/pytorch if you do require supporting in-place "
                "leakRelu backward calculation with negative slope")
        return grad * ((r > 0).to(grad.dtype) * (1 - ctx.slope) + ctx.slope)


class Elu(Op):
    """out = x if x > 0 else alpha (e^x - 1).   d/dx = 1 if x > 0 else alpha e^x."""

    node_name = "EluBackward0"

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        xp = ctx.xp
        return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        pos = x > 0
        return grad * where(pos, 1.0, ctx.alpha * x.clamp(max=0).exp())


class EluInplace(Op):
    """In-place elu: the node saves the result r = alpha (e^x - 1) (x < 0), not x.

    d/dx = 1 if r > 0 else r + alpha (= alpha e^x); PyTorch refuses a negative alpha in
    backward, and so do we.
    """

    node_name = "EluBackward1"

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        ctx.alpha = alpha
        xp = ctx.xp
        out = xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0))).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (r,) = ctx.saved_tensors
        if ctx.alpha < 0:
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is "
                "not supported. This is caused by calling in-place forward function with a "
                "negative slope, please call out-of-place version instead.")
        return grad * where(r > 0, 1.0, r + ctx.alpha)


_K = math.sqrt(2 / math.pi)


class Gelu(Op):
    """out = x Φ(x), Φ(x) = (1 + erf(x/√2))/2.   d/dx = Φ(x) + x φ(x), φ(x) = e^{-x²/2}/√(2π).

    ``approximate='tanh'``: out = x/2 (1 + tanh(u)), u = √(2/π)(x + 0.044715 x³);
    d/dx = (1 + tanh u)/2 + x/2 (1 - tanh² u) √(2/π)(1 + 3·0.044715 x²).
    """

    node_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        xp = ctx.xp
        if approximate == "tanh":
            return 0.5 * x * (1 + xp.tanh(_K * (x + 0.044715 * x * x * x)))
        return 0.5 * x * (1 + _erf_array(x * (1 / math.sqrt(2))))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = (_K * (x + 0.044715 * x * x * x)).tanh()
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _K * (1 + 3 * 0.044715 * x * x)
        else:
            cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
            d = cdf + x * (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))
        return grad * d


class Silu(Op):
    """out = x σ(x).   d/dx = σ(x) (1 + x (1 - σ(x)))."""

    node_name = "SiluBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return x / (1 + ctx.xp.exp(-x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad * s * (1 + x * (1 - s))


def _softplus_array(xp, z):
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^{-|z|})."""
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


class Mish(Op):
    """out = x tanh(softplus(x)).   d/dx = tanh(sp) + x σ(x) (1 - tanh²(sp))."""

    node_name = "MishBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * ctx.xp.tanh(_softplus_array(ctx.xp, x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = softplus(x).tanh()
        return grad * (t + x * x.sigmoid() * (1 - t * t))


class Softplus(Op):
    """out = log(1 + e^{βx})/β, or x where βx > threshold.   d/dx = σ(βx) (1 past threshold)."""

    node_name = "SoftplusBackward0"

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        z = x * beta
        out = ctx.xp.where(z > threshold, x, _softplus_array(ctx.xp, z) / beta)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        return grad * where(z > ctx.threshold, 1.0, z.sigmoid())


# ----------------------------------------------------------------------------- public functions
def _maybe_inplace(op, input: Tensor, inplace: bool, inplace_op=None,  # noqa: A002
                   **options) -> Tensor:
    """``op.apply(input)``, or the same written into ``input`` with autograd's in-place rules.

    By default the old values are kept for backward, as for every ``op_`` (see
    ops/inplace.py). ``inplace_op``, PyTorch's in-place node where it has one
    (``LeakyReluBackward1``), computes the gradient from the result instead.
    """
    if not inplace:
        return op.apply(input, **options)
    if inplace_op is not None:
        return _inplace(lambda x: inplace_op.apply(x, **options), f"{op.__name__.lower()}_",
                        saves_result=True)(input)
    return _inplace(lambda x: op.apply(x, **options), f"{op.__name__.lower()}_")(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0), elementwise.   d/dx = 1 where x > 0 else 0.

    Example:
        >>> F.relu(autograd_lab.tensor([-1., 2.]))
        tensor([0., 2.])
    """
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place :func:`relu`."""
    return input.relu_()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val).   d/dx = 1 strictly between the bounds, else 0.

    Shape: any -> same.
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(Hardtanh, input, inplace, lo=min_val, hi=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0  # noqa: A002
              ) -> Tensor:
    """In-place :func:`hardtanh` (``min_val > max_val`` is not checked: every value becomes
    ``max_val``, as PyTorch's ``hardtanh_``)."""
    return _maybe_inplace(Hardtanh, input, True, lo=min_val, hi=max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6) (``hardtanh(x, 0, 6)``, so its grad_fn is ``HardtanhBackward0``)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope · x.   d/dx = 1 or negative_slope.

    ``inplace=True`` writes into ``input``; its node, ``LeakyReluBackward1``, differentiates
    from the result (a negative slope then fails in backward, as in PyTorch).
    """
    return _maybe_inplace(LeakyRelu, input, inplace, LeakyReluInplace, slope=negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """In-place :func:`leaky_relu` (node ``LeakyReluBackward1``)."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x if x > 0 else alpha (e^x - 1).   d/dx = 1 or alpha e^x.

    ``inplace=True`` writes into ``input``; its node, ``EluBackward1``, differentiates from the
    result r: d/dx = r + alpha where r <= 0 (a negative alpha then fails in backward, as in
    PyTorch).
    """
    return _maybe_inplace(Elu, input, inplace, EluInplace, alpha=alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """In-place :func:`elu` (node ``EluBackward1``)."""
    return elu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x Φ(x) with Φ the standard normal CDF (exact, via erf), or its tanh approximation.

    Example:
        >>> F.gelu(autograd_lab.tensor([1.0]))
        tensor([0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x σ(x) (swish).   d/dx = σ(x)(1 + x(1 - σ(x)))."""
    return _maybe_inplace(Silu, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x tanh(softplus(x)).   d/dx = tanh(sp) + x σ(x) sech²(sp)."""
    return _maybe_inplace(Mish, input, inplace)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + e^-x).   d/dx = σ(x)(1 - σ(x))."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """tanh x.   d/dx = 1 - tanh² x."""
    return input.tanh()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + e^{βx})/β, linear (x) where βx > threshold.   d/dx = σ(βx)."""
    return Softplus.apply(input, beta=beta, threshold=threshold)


def _softmax_dim(name: str, input: Tensor, dim, stacklevel: int) -> int:  # noqa: A002
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if input.dim() in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype=None) -> Tensor:
    """exp(x_i) / Σ_j exp(x_j) along ``dim`` (stable fused op).   dy_i/dx_j = y_i(δ_ij - y_j).

    ``dim=None`` warns and picks 0 for 0-, 1- and 3-D inputs, else 1 (PyTorch's legacy rule).
    """
    return _softmax(input, _softmax_dim("softmax", input, dim, _stacklevel), dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    return _softmax(-input, _softmax_dim("softmin", input, dim, _stacklevel), dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
                dtype=None) -> Tensor:
    """x_i - log Σ_j exp(x_j) along ``dim``, stable.   dy_i/dx_j = δ_ij - softmax(x)_j."""
    return _log_softmax(input, _softmax_dim("log_softmax", input, dim, _stacklevel), dtype)


# ----------------------------------------------------------------------------- dropout
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input: Tensor, p: float, mask_shape, inplace: bool) -> Tensor:  # noqa: A002
    """input * mask, mask = bernoulli(1 - p) / (1 - p) of ``mask_shape`` (broadcast)."""
    x = input._data
    dt = x.dtype if x.dtype.kind == "f" else np.float32
    if p == 1.0:
        mask = np.zeros(mask_shape, dt)
    else:
        u = _random.uniform_array(mask_shape, dt)
        mask = (u >= p).astype(dt, copy=False)  # keep with probability 1 - p
        mask *= dt.type(1 / (1 - p))
    m = Tensor._make(mask if input._device.type == "cpu" else to_device(mask,
                                                                              input._device),
                     device=input._device)
    return input.mul_(m) if inplace else input * m


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 - p) (training only).

    out = x · m / (1 - p), m ~ Bernoulli(1 - p).   d/dx = m / (1 - p).
    Differences: the mask comes from autograd_lab's generator (not torch's stream); the
    grad_fn is ``MulBackward0``, as PyTorch's CPU path.
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, p, input._data.shape, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels (``input[n, c]``) with probability ``p``; scale the rest by 1/(1 - p).

    Shape: (N, C, H, W) or (N, C, L) (3-D inputs warn and drop channels of (N, C, L), as torch).
    """
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout2d "
            "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2)
    if inp_dim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
            "1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    if not training or p == 0.0:
        return input
    shape = input._data.shape
    if len(shape) < 2 and p != 1.0 and input._data.size:  # PyTorch's order of checks
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = shape[:2] + (1,) * (len(shape) - 2) if len(shape) >= 2 else shape
    return _apply_mask(input, p, mask_shape, inplace)
