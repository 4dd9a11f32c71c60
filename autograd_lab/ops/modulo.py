"""Floor division and remainders: ``//`` (not differentiable, as in PyTorch), ``%``
(``remainder``, sign of the divisor) and ``fmod`` (sign of the dividend). Integer division by
zero raises ``RuntimeError: ZeroDivisionError``, as in PyTorch.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from ._util import promote_operands, write_out
from .elementwise import (
    _check_int_division,
    _check_not_bool,
    _dtype_kw,
    _raw,
    _rounded_div,
    _xp_of,
)

__all__ = ["floor_divide", "remainder", "fmod", "not_differentiable"]


class NotDifferentiable(Op):
    """An op PyTorch defines no derivative for (``//``): recorded, but backward raises.

    Only the inputs that require grad are recorded, as in PyTorch's ``NotImplemented`` node.
    """

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, *inputs, result=None, name=""):
        ctx.name = name
        return result

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"derivative for aten::{ctx.name} is not implemented")


def not_differentiable(name: str, result, *operands) -> Tensor:
    """Wrap the array ``result``; record a raising node if an operand requires grad."""
    tracked = [t for t in operands if isinstance(t, Tensor) and t._requires_grad]
    if tracked and grad_mode._enabled:
        return NotDifferentiable.apply(*tracked, result=result, name=name)
    dev = next(t._device for t in operands if isinstance(t, Tensor))
    return Tensor._make(result, device=dev)


class Remainder(Op):
    """out = a - floor(a / b) * b (Python's %, sign of b).  d/da = 1,  d/db = -floor(a / b)."""

    node_name = "RemainderBackward1"
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return _remainder(ctx.xp, a, b, dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad if needs_a else None), (-grad * (a / b).floor() if needs_b else None)


class RemainderScalar(Op):
    """out = a % s for a number ``s``.   d/da = 1."""

    node_name = "RemainderBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, other=1, dtype=None):
        return _remainder(ctx.xp, a, other, dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _remainder(xp, a, b, dtype=None):
    if dtype is not None:
        a, b = xp.asarray(a).astype(dtype, copy=False), xp.asarray(b).astype(dtype, copy=False)
    if xp.result_type(a, b).kind != "f":
        return xp.remainder(a, b)
    # PyTorch: r = fmod(a, b), moved into b's sign. A zero result keeps a's sign (NumPy: b's).
    r = xp.fmod(a, b)
    return xp.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)


class Fmod(Op):
    """out = a - trunc(a / b) * b (C's fmod, sign of a).  d/da = 1,  d/db = -trunc(a / b)."""

    node_name = "FmodBackward1"
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return ctx.xp.fmod(a, b, dtype=dtype) if dtype else ctx.xp.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad if needs_a else None), (-grad * (a / b).trunc() if needs_b else None)


class FmodScalar(Op):
    """out = fmod(a, s) for a number ``s``.   d/da = 1."""

    node_name = "FmodBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, other=1, dtype=None):
        return ctx.xp.fmod(a, other, dtype=dtype) if dtype else ctx.xp.fmod(a, other)

    @staticmethod
    def backward(ctx, grad):
        return grad


def floor_divide(input, other, *, out=None) -> Tensor:  # noqa: A002
    """out = floor(input / other), PyTorch's ``//``. Not differentiable (backward raises)."""
    a, b, rt = promote_operands(input, other)
    _check_not_bool("div_floor_cpu", a, b, rt)
    _check_int_division(a, b, rt)
    arr = _rounded_div(_xp_of(a, b), _raw(a), _raw(b), "floor", rt.np if rt is not None else None)
    return write_out("floor_divide", not_differentiable("floor_divide", arr, a, b), out)


def remainder(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Python's ``%``: the result has the sign of ``other``.

    Derivative: d/dinput = 1, d/dother = -floor(input / other).
    """
    a, b, rt = promote_operands(input, other)
    _check_not_bool("remainder_cpu", a, b, rt)
    _check_int_division(a, b, rt)
    kw = _dtype_kw(a, b, rt)
    if not isinstance(a, Tensor):  # number % tensor: PyTorch has no derivative for it
        arr = _remainder(_xp_of(a, b), _raw(a), _raw(b), rt.np if rt is not None else None)
        result = not_differentiable("remainder", arr, a, b)
    elif isinstance(b, Tensor):
        result = Remainder.apply(a, b, **kw)
    else:
        result = RemainderScalar.apply(a, other=b, **kw)
    return write_out("remainder", result, out)


def fmod(input, other, *, out=None) -> Tensor:  # noqa: A002
    """C's ``fmod``: the result has the sign of ``input``.

    Derivative: d/dinput = 1, d/dother = -trunc(input / other).
    """
    a, b, rt = promote_operands(input, other)
    _check_not_bool("fmod_cpu", a, b, rt)
    _check_int_division(a, b, rt)
    kw = _dtype_kw(a, b, rt)
    result = Fmod.apply(a, b, **kw) if isinstance(b, Tensor) else FmodScalar.apply(a, other=b,
                                                                                   **kw)
    return write_out("fmod", result, out)
