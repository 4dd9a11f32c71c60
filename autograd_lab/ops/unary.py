"""Unary elementwise maths and activations, each with its derivative beside it.

Integer inputs to floating functions (``exp``, ``sqrt``, ...) give the default float dtype, as
in PyTorch. Also here: ``abs``, ``neg``, ``square``. ``sign``, ``relu``, ``clamp`` and rounding
are in :mod:`.piecewise`; the in-place forms (``exp_``) in :mod:`.inplace`.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import float_dtype_for, write_out

__all__ = ["neg", "negative", "abs", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt",
           "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "reciprocal", "square"]


def _float_input(x: Tensor):
    """Integer/bool tensors are computed as the default float dtype."""
    d = float_dtype_for(x)
    return x if d is None else Tensor._make(x._data.astype(d), device=x._device)


class Neg(Op):
    """out = -x.   d/dx = -1."""

    node_name = "NegBackward0"

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Abs(Op):
    """out = |x|.   d/dx = sign(x) (0 at 0)."""

    node_name = "AbsBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sign()


class Exp(Op):
    """out = e^x.   d/dx = e^x = out (the output is saved, not the input)."""

    node_name = "ExpBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Expm1(Op):
    """out = e^x - 1 (accurate near 0).   d/dx = out + 1."""

    node_name = "Expm1Backward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)


class Log(Op):
    """out = ln x.   d/dx = 1 / x."""

    node_name = "LogBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(Op):
    """out = ln(1 + x) (accurate near 0).   d/dx = 1 / (1 + x)."""

    node_name = "Log1PBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Log2(Op):
    """out = log2 x.   d/dx = 1 / (x ln 2)."""

    node_name = "Log2Backward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * float(np.log(2.0)))


class Log10(Op):
    """out = log10 x.   d/dx = 1 / (x ln 10)."""

    node_name = "Log10Backward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * float(np.log(10.0)))


class Sqrt(Op):
    """out = sqrt(x).   d/dx = 1 / (2 sqrt(x)) = 0.5 / out."""

    node_name = "SqrtBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Rsqrt(Op):
    """out = 1 / sqrt(x).   d/dx = -0.5 x^(-3/2) = -0.5 out^3."""

    node_name = "RsqrtBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        y = 1 / ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * y * y) * -0.5


class Sin(Op):
    """out = sin x.   d/dx = cos x."""

    node_name = "SinBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(Op):
    """out = cos x.   d/dx = -sin x."""

    node_name = "CosBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * x.sin()


class Tan(Op):
    """out = tan x.   d/dx = 1 + tan^2 x = 1 + out^2."""

    node_name = "TanBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 + y * y)


class Tanh(Op):
    """out = tanh x.   d/dx = 1 - out^2."""

    node_name = "TanhBackward0"

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(Op):
    """out = 1 / (1 + e^-x).   d/dx = out (1 - out).

    Computed exactly so, like PyTorch: for x << 0, e^-x overflows to inf and out is 0 (the true
    value underflows anyway); there is no cancellation, so no stabilised branches are needed.
    float16 is computed in float32, as PyTorch does.
    """

    node_name = "SigmoidBackward0"

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        xf = x.astype(xp.float32) if x.dtype == xp.float16 else x
        with np.errstate(over="ignore"):  # exp overflow to inf is intended
            y = 1 / (1 + xp.exp(-xf))
        if y.dtype != x.dtype:
            y = y.astype(x.dtype)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Reciprocal(Op):
    """out = 1 / x.   d/dx = -1 / x^2 = -out^2."""

    node_name = "ReciprocalBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, x):
        y = 1 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * y * y


def _unary(op, name):
    def fn(input, *, out=None):  # noqa: A002 - PyTorch's argument name
        return write_out(name, op.apply(_float_input(input)), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = op.__doc__
    return fn


# Functions whose integer inputs are promoted to float.
exp = _unary(Exp, "exp")
expm1 = _unary(Expm1, "expm1")
log = _unary(Log, "log")
log1p = _unary(Log1p, "log1p")
log2 = _unary(Log2, "log2")
log10 = _unary(Log10, "log10")
sqrt = _unary(Sqrt, "sqrt")
rsqrt = _unary(Rsqrt, "rsqrt")
sin = _unary(Sin, "sin")
cos = _unary(Cos, "cos")
tan = _unary(Tan, "tan")
tanh = _unary(Tanh, "tanh")
sigmoid = _unary(Sigmoid, "sigmoid")
reciprocal = _unary(Reciprocal, "reciprocal")


def neg(input, *, out=None) -> Tensor:  # noqa: A002
    """out = -input.   d/dx = -1."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return write_out("neg", Neg.apply(input), out)


negative = neg


def abs(input, *, out=None) -> Tensor:  # noqa: A001, A002
    """out = |input|.   d/dx = sign(x)."""
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return write_out("abs", Abs.apply(input), out)


def square(input, *, out=None) -> Tensor:  # noqa: A002
    """out = input ** 2 (a composite: recorded as PowBackward0, as in PyTorch)."""
    from .elementwise import pow

    return pow(input, 2, out=out)


