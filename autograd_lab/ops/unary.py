"""Unary elementwise maths and activations, each with its derivative beside it.

Integer inputs to floating functions (``exp``, ``sqrt``, ...) give the default float dtype, as
in PyTorch. Also here: :func:`inplace`, which turns any out-of-place op into its ``op_`` form
with PyTorch's autograd semantics, and ``fill_`` / ``copy_``.
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op, _check_inplace_allowed, _edge, _link_view_inplace
from ._util import float_dtype_for, write_out


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


class Sign(Op):
    """out = sign(x).   d/dx = 0."""

    node_name = "SignBackward0"

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class Exp(Op):
    """out = e^x.   d/dx = e^x = out (the output is saved, not the input)."""

    node_name = "ExpBackward0"

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

    Computed as ``exp(-|x|)``-based branches so large |x| neither overflows nor loses precision.
    """

    node_name = "SigmoidBackward0"

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Relu(Op):
    """out = max(x, 0).   d/dx = 1 where x > 0 else 0."""

    node_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y > 0)


class Clamp(Op):
    """out = min(max(x, lo), hi).   d/dx = 1 inside [lo, hi], 0 where clamped."""

    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        y = x
        if lo is not None:
            y = ctx.xp.maximum(y, lo)
        if hi is not None:
            y = ctx.xp.minimum(y, hi)
        return y.astype(x.dtype, copy=False) if y is not x else y.copy()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        mask = x == x  # all True, NaN excluded as in PyTorch
        if ctx.lo is not None:
            mask = mask & (x >= ctx.lo)
        if ctx.hi is not None:
            mask = mask & (x <= ctx.hi)
        return grad * mask


class ClampTensor(Op):
    """``clamp`` with tensor bounds.  d/dx where inside, d/dlo where below, d/dhi where above."""

    node_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        y = x
        if lo is not None:
            y = ctx.xp.maximum(y, lo)
        if hi is not None:
            y = ctx.xp.minimum(y, hi)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        below = (x < lo) if lo is not None else None
        above = (x > hi) if hi is not None else None
        inside = x == x
        if below is not None:
            inside = inside & ~below
        if above is not None:
            inside = inside & ~above
        return (grad * inside, None if below is None else grad * below,
                None if above is None else grad * above)


class Rounding(Op):
    """floor / ceil / round / trunc: piecewise constant, so the gradient is 0."""

    @staticmethod
    def forward(ctx, x, fn="floor", decimals=0):
        if fn == "round":
            return ctx.xp.round(x, decimals)
        return getattr(ctx.xp, fn)(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class Floor(Rounding):
    node_name = "FloorBackward0"


class Ceil(Rounding):
    node_name = "CeilBackward0"


class Round(Rounding):
    node_name = "RoundBackward0"


class Trunc(Rounding):
    node_name = "TruncBackward0"


class Frac(Op):
    """out = x - trunc(x).   d/dx = 1."""

    node_name = "FracBackward0"

    @staticmethod
    def forward(ctx, x):
        return x - ctx.xp.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Reciprocal(Op):
    """out = 1 / x.   d/dx = -1 / x^2 = -out^2."""

    node_name = "ReciprocalBackward0"

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


def neg(input, *, out=None):  # noqa: A002
    """out = -input."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return write_out("neg", Neg.apply(input), out)


negative = neg


def abs(input, *, out=None):  # noqa: A001, A002
    """out = |input|."""
    return write_out("abs", Abs.apply(input), out)


def sign(input, *, out=None):  # noqa: A002
    """-1, 0 or 1 following the sign of each element."""
    return write_out("sign", Sign.apply(input), out)


def relu(input):  # noqa: A002
    """out = max(input, 0)."""
    return Relu.apply(input)


def square(input):  # noqa: A002
    """out = input * input (recorded as PowBackward0, as in PyTorch)."""
    from .elementwise import pow

    return pow(input, 2)


def clamp(input, min=None, max=None, *, out=None):  # noqa: A001, A002
    """Clip values into ``[min, max]``; either bound may be None (not both)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return write_out("clamp", ClampTensor.apply(input, min, max), out)
    if input._data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        input = _float_input(input)
    return write_out("clamp", Clamp.apply(input, lo=min, hi=max), out)


clip = clamp


def floor(input, *, out=None):  # noqa: A002
    return write_out("floor", input.clone() if input._data.dtype.kind != "f"
                     else Floor.apply(input, fn="floor"), out)


def ceil(input, *, out=None):  # noqa: A002
    return write_out("ceil", input.clone() if input._data.dtype.kind != "f"
                     else Ceil.apply(input, fn="ceil"), out)


def round(input, *, decimals=0, out=None):  # noqa: A001, A002
    """Round half to even, as PyTorch (and NumPy) do."""
    return write_out("round", input.clone() if input._data.dtype.kind != "f"
                     else Round.apply(input, fn="round", decimals=decimals), out)


def trunc(input, *, out=None):  # noqa: A002
    return write_out("trunc", input.clone() if input._data.dtype.kind != "f"
                     else Trunc.apply(input, fn="trunc"), out)


fix = trunc


def frac(input, *, out=None):  # noqa: A002
    return write_out("frac", Frac.apply(input), out)


def bitwise_not(input):  # noqa: A002
    if input._data.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
    from ..backend import array_module

    return Tensor._make(array_module(input._device).invert(input._data), device=input._device)


def logical_not(input):  # noqa: A002
    from ..backend import array_module

    return Tensor._make(array_module(input._device).logical_not(input._data),
                        device=input._device)


# ----------------------------------------------------------------------------- in-place forms
def inplace(fn, op, name):
    """Make ``op_`` from an out-of-place ``fn``: same values, written into ``self``.

    Autograd: ``self`` keeps its identity but its history moves on: the new node's first input
    is a copy holding the old values, so ops that saved them (``mul_``) still backpropagate.
    A leaf that requires grad may not be changed in place (PyTorch's error).
    """

    def method(self, *args, **kwargs):
        record = grad_mode._enabled and (
            self._requires_grad or builtins.any(getattr(a, "_requires_grad", False)
                                               for a in args))
        if not record:
            result = fn(self, *args, **kwargs)
            _check_cast(result, self, name)
            _write_values(self, result)
            return self
        _check_inplace_allowed(self)
        old = Tensor._make(self._data.copy(), self._requires_grad, self._device)
        if self._requires_grad:
            old.grad_fn, old._output_nr = _edge(self)
        result = fn(old, *args, **kwargs)
        _check_cast(result, self, name)
        _write_values(self, result)
        _take_history(self, result)
        return self

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


def _check_cast(result: Tensor, target: Tensor, name: str) -> None:
    rt, tt = result.dtype, target.dtype
    if rt.category > tt.category:
        kinds = {"float": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool", "float32": "Float"}
        raise RuntimeError(f"result type {kinds[rt.name]} can't be cast to the desired output "
                           f"type {kinds[tt.name]}")
    if result._data.shape != target._data.shape:
        try:
            np.broadcast_shapes(result._data.shape, target._data.shape)
            ok = np.broadcast_shapes(result._data.shape, target._data.shape) == \
                target._data.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"output with shape [{', '.join(map(str, target.shape))}] doesn't "
                               f"match the broadcast shape "
                               f"[{', '.join(map(str, result.shape))}]")


def _write_values(target: Tensor, result: Tensor) -> None:
    target._data[...] = result._data
    target._version_counter.value += 1


def _take_history(target: Tensor, result: Tensor) -> None:
    """``target`` now stands where ``result`` stood in the graph."""
    node = result.grad_fn
    if node is None:
        return
    target._requires_grad = True
    target.grad_fn = node
    target._output_nr = result._output_nr
    # The node saved ``result``'s array as its output (exp_, sigmoid_): it must see the values
    # that now live in ``target``; they are equal, so nothing to rewrite. Version of target
    # is tracked from here on.
    if target._base is not None:
        _link_view_inplace(node, target)


class Fill(Op):
    """out = value everywhere.   d/dself = 0,  d/dvalue = sum(grad)."""

    node_name = "FillBackward1"

    @staticmethod
    def forward(ctx, x, value):
        out = ctx.xp.empty_like(x)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, (grad.sum() if ctx.needs_input_grad[1] else None)


class Copy(Op):
    """out = src broadcast to self's shape and dtype.   d/dself = 0,  d/dsrc = grad."""

    node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, x, src):
        out = ctx.xp.empty_like(x)
        out[...] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad


def _fill(input, value):  # noqa: A002
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    return Fill.apply(input, value)


def _copy(input, src):  # noqa: A002
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._device != input._device:
        from ..backend import to_device

        moved = Tensor._make(to_device(src._data, input._device), src._requires_grad,
                             input._device)
        moved.grad_fn, moved._output_nr = src.grad_fn, src._output_nr
        src = moved
    try:
        np.broadcast_shapes(src._data.shape, input._data.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({input.shape[-1] if input.ndim else 1}) "
                           f"must match the size of tensor b ({src.shape[-1]}) at "
                           "non-singleton dimension 0") from None
    return Copy.apply(input, src)


def _fill_inplace(self, value):
    """Fill ``self`` with ``value`` in place (``zero_`` is ``fill_(0)``)."""
    record = grad_mode._enabled and (self._requires_grad or getattr(value, "_requires_grad",
                                                                   False))
    if not record:
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version_counter.value += 1
        return self
    return _fill_rec(self, value)


def _copy_inplace(self, src):
    """Copy ``src`` into ``self`` (broadcasting, casting, across devices)."""
    record = grad_mode._enabled and (self._requires_grad or getattr(src, "_requires_grad", False))
    if not record:
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
        from ..backend import to_device

        data = src._data if src._device == self._device else to_device(src._data, self._device)
        try:
            self._data[...] = data
        except ValueError:
            raise RuntimeError(f"output with shape [{', '.join(map(str, self.shape))}] doesn't "
                               f"match the broadcast shape [{', '.join(map(str, src.shape))}]"
                               ) from None
        self._version_counter.value += 1
        return self
    return _copy_rec(self, src)


_fill_rec = inplace(_fill, Fill, "fill_")
_copy_rec = inplace(_copy, Copy, "copy_")
fill_ = _fill_inplace
copy_ = _copy_inplace

abs_ = inplace(abs, Abs, "abs_")
neg_ = inplace(neg, Neg, "neg_")
exp_ = inplace(exp, Exp, "exp_")
log_ = inplace(log, Log, "log_")
sqrt_ = inplace(sqrt, Sqrt, "sqrt_")
tanh_ = inplace(tanh, Tanh, "tanh_")
sigmoid_ = inplace(sigmoid, Sigmoid, "sigmoid_")
relu_ = inplace(relu, Relu, "relu_")
clamp_ = inplace(clamp, Clamp, "clamp_")
clip_ = clamp_
reciprocal_ = inplace(reciprocal, Reciprocal, "reciprocal_")

_ = _dtype
