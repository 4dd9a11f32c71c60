"""Binary arithmetic with broadcasting: ``+ - * / // % **`` and their functional forms.

Each op is one class: ``forward`` on raw arrays, ``backward`` on Tensors with the derivative
written out. Broadcasting needs no code here: the engine sums each gradient back to its input's
shape. Where PyTorch records a Python-scalar operand as an input of the node (``x + 2`` has two
``next_functions``) the scalar is passed positionally; where it does not (``x ** 2``) it is an
option. Also re-exported from here, so ``Tensor`` methods find every elementwise op in one
module: powers (:mod:`.power`), ``//``/``%``/``fmod`` (:mod:`.modulo`), unary maths
(:mod:`.unary`, :mod:`.piecewise`), maximum/where/lerp/logical ops (:mod:`.pointwise`) and the
in-place forms (:mod:`.inplace`).
"""

from __future__ import annotations

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import promote_operands, write_out

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
           "floor_divide", "remainder", "fmod", "pow", "float_power"]


def _dtype_kw(a, b, rt) -> dict:
    """``{"dtype": ...}`` when an operand still differs from PyTorch's result type ``rt``
    (a tensor that requires grad is not cast up front: the op computes in ``rt``)."""
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
    """out = b - alpha * a (``torch.rsub``).   d/da = -alpha,  d/db = 1."""

    node_name = "RsubBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1, dtype=None):
        ctx.alpha = alpha
        if alpha != 1:
            a = a * alpha
        return b - a if dtype is None else ctx.xp.subtract(b, a, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return (-grad if ctx.alpha == 1 else grad * -ctx.alpha), grad


class RsubScalar(Op):
    """out = other - alpha * a for a number ``other`` (``2 - x``).   d/da = -alpha."""

    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, other=0, alpha=1, dtype=None):
        ctx.alpha = alpha
        if alpha != 1:
            a = a * alpha
        return other - a if dtype is None else ctx.xp.subtract(other, a, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return -grad if ctx.alpha == 1 else grad * -ctx.alpha


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
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return a / b if dtype is None else ctx.xp.true_divide(a, b, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad / b if needs_a else None), (-grad * a / (b * b) if needs_b else None)


class DivMode(Op):
    """out = floor(a / b) or trunc(a / b) (``rounding_mode``).   Piecewise constant: d = 0."""

    node_name = "DivBackward2"
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, b, mode="floor", dtype=None):
        return _rounded_div(ctx.xp, a, b, mode, dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad * 0


def _rounded_div(xp, a, b, mode, dtype=None):
    if dtype is not None:
        a, b = xp.asarray(a).astype(dtype, copy=False), xp.asarray(b).astype(dtype, copy=False)
    if mode == "floor":
        return xp.floor_divide(a, b)
    if xp.result_type(a, b).kind == "f":
        return xp.trunc(a / b)
    q = xp.floor_divide(a, b)  # integers: floor, then step toward zero where it rounded down
    return q + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0)))


# ----------------------------------------------------------------------------- checks
def _is_bool(x) -> bool:
    return x.__class__ is bool or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


def _check_int_division(a, b, rt) -> None:
    """Integer division by zero is an error in PyTorch (NumPy warns and returns 0)."""
    kind = rt.np.kind if rt is not None else (a if isinstance(a, Tensor) else b)._data.dtype.kind
    if kind in "iu":
        xb = b._data if isinstance(b, Tensor) else b
        if (xb == 0).any() if hasattr(xb, "any") else xb == 0:
            raise RuntimeError("ZeroDivisionError")


def _check_not_bool(kernel: str, a, b, rt) -> None:
    d = rt if rt is not None else (a if isinstance(a, Tensor) else b).dtype
    if d is _dtype.bool:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _check_alpha(alpha, a, b, rt) -> None:
    d = rt if rt is not None else (a if isinstance(a, Tensor) else b).dtype
    if alpha.__class__ is bool and d is not _dtype.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and not d.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


def _check_sub_bool(a, b) -> None:
    ba, bb = _is_bool(a), _is_bool(b)
    if ba and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if ba or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


# ----------------------------------------------------------------------------- public functions
def _binary(op, a, b, out=None, name="", **kw):
    a, b, rt = promote_operands(a, b)
    if rt is not None:
        kw.update(_dtype_kw(a, b, rt))
    result = op.apply(a, b, **kw)
    return result if out is None else write_out(name, result, out)


def add(input, other, *, alpha=1, out=None) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """out = input + alpha * other, with broadcasting and type promotion.

    Derivative: d/dinput = 1, d/dother = alpha.

    Example:
        >>> autograd_lab.add(autograd_lab.tensor([1., 2.]), 1)
        tensor([2., 3.])
    """
    if alpha.__class__ is int and alpha == 1:
        return _binary(Add, input, other, out, "add")
    a, b, rt = promote_operands(input, other)
    _check_alpha(alpha, a, b, rt)
    if (rt or (a if isinstance(a, Tensor) else b).dtype) is _dtype.bool:
        alpha = bool(alpha)
    result = Add.apply(a, b, alpha=alpha, **_dtype_kw(a, b, rt))
    return write_out("add", result, out)


def sub(input, other, *, alpha=1, out=None) -> Tensor:  # noqa: A002
    """out = input - alpha * other, with broadcasting. Bool tensors are refused, as in PyTorch.

    Derivative: d/dinput = 1, d/dother = -alpha.
    """
    if _is_bool(input) or _is_bool(other):
        _check_sub_bool(input, other)
    if alpha.__class__ is int and alpha == 1:
        return _binary(Sub, input, other, out, "sub")
    a, b, rt = promote_operands(input, other)
    _check_alpha(alpha, a, b, rt)
    return write_out("sub", Sub.apply(a, b, alpha=alpha, **_dtype_kw(a, b, rt)), out)


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """out = other - alpha * input (what ``2 - x`` calls).

    Derivative: d/dinput = -alpha, d/dother = 1. A number ``other`` records RsubBackward1 with
    ``input`` as its only input; a tensor records RsubBackward0.
    """
    if _is_bool(input) or _is_bool(other):
        _check_sub_bool(input, other)
    a, b, rt = promote_operands(input, other)
    if alpha.__class__ is not int or alpha != 1:
        _check_alpha(alpha, a, b, rt)
    kw = _dtype_kw(a, b, rt)
    if isinstance(b, Tensor):
        return Rsub.apply(a, b, alpha=alpha, **kw)
    return RsubScalar.apply(a, other=b, alpha=alpha, **kw)


def mul(input, other, *, out=None) -> Tensor:  # noqa: A002
    """out = input * other, elementwise with broadcasting.

    Derivative: d/dinput = other, d/dother = input.
    """
    return _binary(Mul, input, other, out, "mul")


multiply = mul


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:  # noqa: A002
    """out = input / other. Integer inputs give the default float dtype (true division).

    ``rounding_mode='floor'`` or ``'trunc'`` rounds the quotient and keeps integer dtypes; its
    gradient is zero (DivBackward2).
    Derivative (true division): d/dinput = 1 / other, d/dother = -input / other^2.
    """
    if rounding_mode is None:  # true division: an int scalar must not wrap to the int dtype
        if other.__class__ is int and isinstance(input, Tensor) and input._data.dtype.kind != "f":
            other = float(other)
        elif input.__class__ is int and isinstance(other, Tensor):
            input = float(input)
    a, b, rt = promote_operands(input, other)
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found '{rounding_mode}'")
        _check_not_bool(f"div_{rounding_mode}_cpu", a, b, rt)
        _check_int_division(a, b, rt)
        result = DivMode.apply(a, b, mode=rounding_mode, **_dtype_kw(a, b, rt))
        return write_out("div", result, out)
    if rt is None:
        kind = (a if isinstance(a, Tensor) else b)._data.dtype.kind
        result = (Div.apply(a, b) if kind == "f"
                  else Div.apply(a, b, dtype=_dtype.get_default_dtype().np))
    elif not rt.is_floating_point:
        result = Div.apply(a, b, dtype=_dtype.get_default_dtype().np)
    else:
        result = Div.apply(a, b, **_dtype_kw(a, b, rt))
    return result if out is None else write_out("div", result, out)


divide = div
true_divide = div


def rtruediv(self: Tensor, other) -> Tensor:
    """``other / self`` for a number ``other``: PyTorch computes ``self.reciprocal() * other``
    (so its graph shows MulBackward0 over ReciprocalBackward0)."""

    if not isinstance(other, Tensor):
        return mul(reciprocal(self), other)
    return div(other, self)


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _xp_of(a, b):
    from ..backend import array_module

    return array_module((a if isinstance(a, Tensor) else b)._device)



# Re-exports: every elementwise op reachable from one module (``Tensor`` methods use ``_ew``).
from .modulo import floor_divide, fmod, not_differentiable, remainder  # noqa: E402, F401, I001
from .power import float_power, pow  # noqa: E402, F401
from .unary import (  # noqa: E402, F401
    abs, cos, exp, expm1, log, log1p, log2, log10, neg, negative, reciprocal, rsqrt, sigmoid, sin,
    sqrt, square, tan, tanh,
)
from .piecewise import (  # noqa: E402, F401
    ceil, clamp, clip, fix, floor, frac, relu, round, sign, trunc,
)
from .pointwise import (  # noqa: E402, F401
    bitwise_and, bitwise_not, bitwise_or, bitwise_xor, lerp, logical_and, logical_not,
    logical_or, logical_xor, maximum, minimum, where,
)
from .inplace import (  # noqa: E402, F401
    abs_, add_, bitwise_and_, bitwise_or_, bitwise_xor_, ceil_, clamp_, clip_, copy_, cos_,
    div_, exp_, expm1_, fill_, fix_, float_power_, floor_, floor_divide_, fmod_, frac_, lerp_,
    log1p_, log2_, log10_, log_, mul_, neg_, negative_, pow_, reciprocal_, relu_, remainder_,
    round_, rsqrt_, sigmoid_, sign_, sin_, sqrt_, square_, sub_, tan_, tanh_, trunc_, zero_,
)
