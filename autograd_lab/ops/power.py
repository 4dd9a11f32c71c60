"""Powers: ``x ** 2`` (PowBackward0), ``x ** y`` (PowBackward1), ``2 ** x`` (PowBackward2),
``float_power``, and PyTorch's integer powers (no negative scalar exponents; ``x ** -n`` with a
tensor exponent is 1, +-1 or 0).
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import promote_operands, write_out
from .elementwise import _dtype_kw, _raw, _xp_of
from .pointwise import where

__all__ = ["pow", "float_power"]


class Pow(Op):
    """out = a ** b.   d/da = b * a^(b-1),  d/db = a^b * log(a) (0 where a == 0 and b >= 0)."""

    node_name = "PowBackward1"
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return a**b if dtype is None else ctx.xp.power(a, b, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        ga = gb = None
        if needs_a:
            ga = _pow_grad_base(grad, a, b)
        if needs_b:
            # log(a) is -inf at a == 0; PyTorch defines this gradient there as 0 (for b >= 0).
            mask = (a == 0) & (b >= 0)
            gb = where(mask, grad.new_zeros(()), grad * (a**b) * a.log())
        return ga, gb


def _pow_grad_base(grad, a, b):
    """d(a^b)/da = b * a^(b-1), defined as 0 where b == 0 (even at a == 0)."""
    g = grad * b * a ** (b - 1)
    return where(b == 0, grad.new_zeros(()), g) if isinstance(b, Tensor) else g


class PowScalar(Op):
    """out = a ** e for a number ``e``.   d/da = e * a^(e-1) (0 when e == 0)."""

    node_name = "PowBackward0"
    quiet_fp = True

    @staticmethod
    def forward(ctx, a, exponent=1, dtype=None):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        if dtype is not None:
            return ctx.xp.power(a, exponent, dtype=dtype)
        if exponent == 2:
            return a * a  # faster than power() and bitwise identical
        return a**exponent

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return grad * 0
        return grad * (e * a ** (e - 1)) if e != 2 else grad * (2 * a)


class RpowScalar(Op):
    """out = s ** b for a number ``s``.   d/db = s^b * log(s) (0 where s == 0 and b >= 0)."""

    node_name = "PowBackward2"
    quiet_fp = True

    @staticmethod
    def forward(ctx, b, base=1, dtype=None):
        y = ctx.xp.power(base, b, dtype=dtype) if dtype is not None else base**b
        ctx.save_for_backward(b, y)
        ctx.base = base
        return y

    @staticmethod
    def backward(ctx, grad):
        b, y = ctx.saved_tensors
        if float(ctx.base) == 0.0:
            return where(b >= 0, grad.new_zeros(()), grad * y * float("-inf"))
        import math

        return grad * y * math.log(float(ctx.base))


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A002
    """out = input ** exponent.

    ``tensor ** number`` records PowBackward0, ``tensor ** tensor`` PowBackward1 and
    ``number ** tensor`` PowBackward2, as in PyTorch.
    Derivative: d/dinput = exponent * input^(exponent-1), d/dexponent = input^exponent * ln(input).
    """
    a, b, rt = promote_operands(input, exponent)
    d = rt if rt is not None else (a if isinstance(a, Tensor) else b).dtype
    kw = _dtype_kw(a, b, rt)
    if d.is_floating_point:
        if not isinstance(a, Tensor):
            result = RpowScalar.apply(b, base=a, **kw)
        elif isinstance(b, Tensor):
            result = Pow.apply(a, b, **kw)
        else:
            result = PowScalar.apply(a, exponent=b, **kw)
        return result if out is None else write_out("pow", result, out)
    # Integer and bool powers (never differentiable).
    if not isinstance(exponent, Tensor):
        if exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if exponent.__class__ is int and isinstance(input, Tensor) and d is not _dtype.bool:
            info = np.iinfo(d.np)
            if exponent > info.max:
                raise RuntimeError(f"value cannot be converted to type {_C_INT[d.name]} "
                                   "without overflow")
    if d is _dtype.bool:
        if not (isinstance(a, Tensor) and b.__class__ is bool):
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        xp = _xp_of(a, b)  # x ** True is x, x ** False is all True
        res = a._data.copy() if b else xp.ones_like(a._data)
        return write_out("pow", Tensor._make(res, device=a._device), out)
    xp = _xp_of(a, b)
    xa, xb = _raw(a), _raw(b)
    if rt is not None:
        rd = rt.np
        xa, xb = xp.asarray(xa).astype(rd, copy=False), xp.asarray(xb).astype(rd, copy=False)
    if isinstance(b, Tensor) and (xb < 0).any():
        # PyTorch's integer pow: x ** -n is 1 for x == 1, +-1 for x == -1, else 0.
        neg = xb < 0
        res = xp.power(xa, xp.where(neg, 0, xb))
        odd = (xb % 2) != 0
        res = xp.where(neg, xp.where(xa == 1, 1, xp.where(xa == -1, xp.where(odd, -1, 1), 0)),
                       res).astype(res.dtype, copy=False)
    else:
        res = xp.power(xa, xb)
    dev = (a if isinstance(a, Tensor) else b)._device
    return write_out("pow", Tensor._make(xp.asarray(res), device=dev), out)


def float_power(input, exponent, *, out=None) -> Tensor:  # noqa: A002
    """``pow`` computed in float64, as PyTorch's float_power (a composite: ``.double()`` then
    ``pow``, so the graph shows ToCopyBackward0 before the Pow node)."""
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(input, exponent, out=out)


_C_INT = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int",
          "int64": "int64_t"}
