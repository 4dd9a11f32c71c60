"""Binary elementwise arithmetic with broadcasting: ``+ - * / // % **``, maximum, where, lerp.

Each op is one class: ``forward`` on raw arrays, ``backward`` on Tensors with the derivative
written out. Broadcasting needs no code here: the engine sums each gradient back to its input's
shape. Unary maths (exp, log, tanh, ...) lives in :mod:`autograd_lab.ops.unary`; in-place
variants (``add_``) are made from the out-of-place op by :func:`inplace`.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import as_tensor_like, is_scalar, promote_operands, write_out

# Unary maths is re-exported so ``Tensor`` methods find every elementwise op in one module.
from .unary import (  # noqa: F401
    Abs, Clamp, Exp, Log, Neg, Relu, Sigmoid, Sqrt, Tanh, abs, abs_, ceil, clamp, clamp_, clip, cos,
    exp, exp_, expm1, floor, frac, log, log1p, log2, log10, log_, neg, neg_, reciprocal,
    reciprocal_, relu, relu_, round, rsqrt, sigmoid, sigmoid_, sign, sin, sqrt, sqrt_, square,
    tan, tanh, tanh_, trunc, inplace, bitwise_not, logical_not, fill_, copy_, negative,
)


def _dtype_kw(a, b, rt):
    """``{"dtype": ...}`` when NumPy's own promotion would not give PyTorch's result type."""
    if rt is None:
        return {}
    for x in (a, b):
        if isinstance(x, Tensor) and x._data.dtype != rt.np:
            return {"dtype": rt.np}
    return {}


class Add(Op):
    """out = a + alpha * b.   d/da = 1,  d/db = alpha."""

    node_name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1, dtype=None):
        ctx.alpha = alpha
        if alpha != 1:
            b = b * alpha
        return a + b if dtype is None else ctx.xp.add(a, b, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


class Sub(Op):
    """out = a - alpha * b.   d/da = 1,  d/db = -alpha."""

    node_name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1, dtype=None):
        ctx.alpha = alpha
        if alpha != 1:
            b = b * alpha
        return a - b if dtype is None else ctx.xp.subtract(a, b, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha)


class Rsub(Op):
    """out = b - alpha * a (``2 - x``).   d/da = -alpha,  d/db = 1."""

    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b, alpha=1, dtype=None):
        ctx.alpha = alpha
        if alpha != 1:
            a = a * alpha
        return b - a if dtype is None else ctx.xp.subtract(b, a, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return (-grad if ctx.alpha == 1 else grad * -ctx.alpha), grad


class Mul(Op):
    """out = a * b.   d/da = b,  d/db = a."""

    node_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return a * b if dtype is None else ctx.xp.multiply(a, b, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad * b if needs_a else None), (grad * a if needs_b else None)


class Div(Op):
    """out = a / b.   d/da = 1 / b,  d/db = -a / b^2."""

    node_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return a / b if dtype is None else ctx.xp.true_divide(a, b, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad / b if needs_a else None), (-grad * a / (b * b) if needs_b else None)


class Pow(Op):
    """out = a ** b.   d/da = b * a^(b-1),  d/db = a^b * log(a) (0 where a == 0 and b >= 0)."""

    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        if dtype is not None:
            return ctx.xp.power(a, b, dtype=dtype)
        return a**b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        ga = gb = None
        if needs_a:
            ga = grad * b * a ** (b - 1) if not is_scalar(b) or b != 0 else grad * 0
        if needs_b:
            # log(a) is -inf at a == 0; PyTorch defines the gradient there as 0.
            safe = where(a == 0, as_tensor_like(1.0, grad), a)
            gb = grad * (a**b) * safe.log()
        return ga, gb


class PowScalar(Pow):
    """``tensor ** number``: PyTorch names this node PowBackward0."""

    node_name = "PowBackward0"


class RpowScalar(Pow):
    """``number ** tensor``: PyTorch names this node PowBackward2."""

    node_name = "PowBackward2"


class Maximum(Op):
    """out = max(a, b).   The gradient goes to the larger input (split evenly on ties)."""

    node_name = "MaximumBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b, dtype=dtype) if dtype else ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_mask(grad, a > b, a == b)


class Minimum(Op):
    """out = min(a, b).   The gradient goes to the smaller input (split evenly on ties)."""

    node_name = "MinimumBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return ctx.xp.minimum(a, b, dtype=dtype) if dtype else ctx.xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_mask(grad, a < b, a == b)


def _split_by_mask(grad, wins, ties):
    share = wins.to(grad.dtype) + ties.to(grad.dtype) * 0.5
    return grad * share, grad * (1 - share)


class Remainder(Op):
    """out = a - floor(a / b) * b (Python's %, sign of b).  d/da = 1,  d/db = -floor(a / b)."""

    node_name = "RemainderBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return ctx.xp.remainder(a, b, dtype=dtype) if dtype else ctx.xp.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad, -grad * (a / b).floor()


class Fmod(Op):
    """out = a - trunc(a / b) * b (C's fmod, sign of a).  d/da = 1,  d/db = -trunc(a / b)."""

    node_name = "FmodBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return ctx.xp.fmod(a, b, dtype=dtype) if dtype else ctx.xp.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad, -grad * (a / b).trunc()


class FloorDivide(Op):
    """out = floor(a / b). Piecewise constant: its gradient is zero (PyTorch: not differentiable)."""

    node_name = "FloorDivideBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        return ctx.xp.floor_divide(a, b, dtype=dtype) if dtype else ctx.xp.floor_divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad * 0


class Where(Op):
    """out = cond ? a : b.   d/da = cond,  d/db = not cond."""

    node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, cond, a, b, dtype=None):
        ctx.save_for_backward(cond)
        out = ctx.xp.where(cond, a, b)
        return out if dtype is None or out.dtype == dtype else out.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        zero = grad.new_zeros(())
        return None, where(cond, grad, zero), where(cond, zero, grad)


class Lerp(Op):
    """out = a + w * (b - a).   d/da = 1 - w,  d/db = w,  d/dw = b - a."""

    node_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        return a + w * (b - a)

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (grad * (1 - w) if needs[0] else None, grad * w if needs[1] else None,
                grad * (b - a) if len(needs) > 2 and needs[2] else None)


class LerpScalar(Lerp):
    node_name = "LerpBackward0"


# ----------------------------------------------------------------------------- public functions
def _binary(op, a, b, out=None, name="", **kw):
    a, b, rt = promote_operands(a, b)
    result = op.apply(a, b, **_dtype_kw(a, b, rt), **kw)
    return result if out is None else write_out(name, result, out)


def add(input, other, *, alpha=1, out=None):  # noqa: A002 - PyTorch's argument names
    """out = input + alpha * other, with broadcasting.

    Example:
        >>> autograd_lab.add(autograd_lab.tensor([1., 2.]), 1)
        tensor([2., 3.])
    """
    if not isinstance(input, Tensor):
        if alpha != 1:
            raise TypeError("add(): alpha must be 1 when input is a number")
        return _binary(Add, other, input, out, "add")
    return _binary(Add, input, other, out, "add", **({"alpha": alpha} if alpha != 1 else {}))


def sub(input, other, *, alpha=1, out=None):  # noqa: A002
    """out = input - alpha * other, with broadcasting."""
    if not isinstance(input, Tensor):
        return rsub(other, input, alpha=alpha)
    if input._data.dtype.kind == "b" and getattr(other, "dtype", None) is _dtype.bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    return _binary(Sub, input, other, out, "sub", **({"alpha": alpha} if alpha != 1 else {}))


subtract = sub


def rsub(input, other, *, alpha=1):  # noqa: A002
    """out = other - alpha * input (what ``2 - x`` calls)."""
    return _binary(Rsub, input, other, **({"alpha": alpha} if alpha != 1 else {}))


def mul(input, other, *, out=None):  # noqa: A002
    """out = input * other, elementwise with broadcasting."""
    if not isinstance(input, Tensor):
        return _binary(Mul, other, input, out, "mul")
    return _binary(Mul, input, other, out, "mul")


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    """out = input / other. Integer inputs give the default float dtype (true division).

    ``rounding_mode='floor'`` or ``'trunc'`` rounds the quotient (and keeps integer dtypes).
    """
    if rounding_mode == "floor":
        return write_out("div", floor_divide(input, other), out)
    if rounding_mode == "trunc":
        a, b, rt = promote_operands(input, other)
        q = _binary(Div, a, b)
        res = q.trunc()
        if (rt or _dtype.result_type(input, other)).category != _dtype._FLOAT:
            res = res.to(rt or _dtype.result_type(input, other))
        return write_out("div", res, out)
    if rounding_mode is not None:
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    a, b, rt = promote_operands(input, other)
    rt = rt or _dtype.result_type(a, b)
    if rt.category != _dtype._FLOAT:
        rt = _dtype.get_default_dtype()
        return write_out("div", Div.apply(a, b, dtype=rt.np), out)
    return write_out("div", Div.apply(a, b, **_dtype_kw(a, b, rt)), out)


divide = div
true_divide = div


def floor_divide(input, other, *, out=None):  # noqa: A002
    """out = floor(input / other), PyTorch's ``//``."""
    return _binary(FloorDivide, input, other, out, "floor_divide")


def remainder(input, other, *, out=None):  # noqa: A002
    """Python's ``%``: the result has the sign of ``other``."""
    return _binary(Remainder, input, other, out, "remainder")


def fmod(input, other, *, out=None):  # noqa: A002
    """C's ``fmod``: the result has the sign of ``input``."""
    return _binary(Fmod, input, other, out, "fmod")


def pow(input, exponent, *, out=None):  # noqa: A002
    """out = input ** exponent.

    ``tensor ** number`` records PowBackward0, ``tensor ** tensor`` PowBackward1 and
    ``number ** tensor`` PowBackward2, as in PyTorch.
    """
    if not isinstance(input, Tensor):
        return _binary(RpowScalar, input, exponent, out, "pow")
    if isinstance(exponent, Tensor):
        if input._data.dtype.kind in "iu" and exponent._data.dtype.kind in "iu":
            if (exponent._data < 0).any():
                raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _binary(Pow, input, exponent, out, "pow")
    if input._data.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _binary(PowScalar, input, exponent, out, "pow")


def float_power(input, exponent):  # noqa: A002
    """``pow`` computed in float64, as PyTorch's float_power."""
    input = input.double() if isinstance(input, Tensor) else input
    exponent = exponent.double() if isinstance(exponent, Tensor) else exponent
    return pow(input, exponent)


def maximum(input, other, *, out=None):  # noqa: A002
    """Elementwise maximum of two tensors (NaN-propagating)."""
    return _binary(Maximum, input, other, out, "maximum")


def minimum(input, other, *, out=None):  # noqa: A002
    """Elementwise minimum of two tensors (NaN-propagating)."""
    return _binary(Minimum, input, other, out, "minimum")


def where(condition, input=None, other=None):  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (broadcast together).

    With only ``condition``, returns ``condition.nonzero(as_tuple=True)``.
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' must be Tensor")
    if condition._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {condition.dtype.name.capitalize()}")
    like = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else condition
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        rt = _dtype.result_type(input, other)
        a = Tensor._make(np.asarray(input, rt.np), device=like._device)
        b = Tensor._make(np.asarray(other, rt.np), device=like._device)
        return Where.apply(condition, a, b)
    a, b, rt = promote_operands(input, other)
    a, b = as_tensor_like(a, like), as_tensor_like(b, like)
    return Where.apply(condition, a, b, **_dtype_kw(a, b, rt or _dtype.result_type(a, b)))


def lerp(input, end, weight, *, out=None):  # noqa: A002
    """out = input + weight * (end - input)."""
    op = Lerp if isinstance(weight, Tensor) else LerpScalar
    return write_out("lerp", op.apply(input, end, weight), out)


def _logical(fn, a, b):
    xp = np if not isinstance(a, Tensor) else None
    arr_a = a._data if isinstance(a, Tensor) else a
    arr_b = b._data if isinstance(b, Tensor) else b
    dev = a._device if isinstance(a, Tensor) else b._device
    from ..backend import array_module

    xp = array_module(dev)
    return Tensor._make(getattr(xp, fn)(arr_a, arr_b), device=dev)


def logical_and(input, other):  # noqa: A002
    return _logical("logical_and", input, other)


def logical_or(input, other):  # noqa: A002
    return _logical("logical_or", input, other)


def logical_xor(input, other):  # noqa: A002
    return _logical("logical_xor", input, other)


def _bitwise(fn, a, b):
    for x in (a, b):
        if isinstance(x, Tensor) and x._data.dtype.kind == "f":
            raise RuntimeError(f'"{fn}_cpu" not implemented for \'Float\'')
    a, b, rt = promote_operands(a, b)
    arr_a = a._data if isinstance(a, Tensor) else a
    arr_b = b._data if isinstance(b, Tensor) else b
    dev = a._device if isinstance(a, Tensor) else b._device
    from ..backend import array_module

    return Tensor._make(getattr(array_module(dev), fn)(arr_a, arr_b), device=dev)


def bitwise_and(input, other):  # noqa: A002
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input, other):  # noqa: A002
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input, other):  # noqa: A002
    return _bitwise("bitwise_xor", input, other)


add_ = inplace(add, Add, "add_")
sub_ = inplace(sub, Sub, "sub_")
mul_ = inplace(mul, Mul, "mul_")
div_ = inplace(div, Div, "div_")
pow_ = inplace(pow, Pow, "pow_")
floor_divide_ = inplace(floor_divide, FloorDivide, "floor_divide_")
remainder_ = inplace(remainder, Remainder, "remainder_")
lerp_ = inplace(lerp, Lerp, "lerp_")
bitwise_and_ = inplace(bitwise_and, None, "bitwise_and_")
bitwise_or_ = inplace(bitwise_or, None, "bitwise_or_")
bitwise_xor_ = inplace(bitwise_xor, None, "bitwise_xor_")
