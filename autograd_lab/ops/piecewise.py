"""Piecewise functions: ``sign``, ``relu``, ``clamp`` and rounding (``floor``, ``ceil``,
``round``, ``trunc``, ``frac``). Their derivatives are 0 or 1 on each piece; at the kinks we
follow PyTorch's choice (``relu'(0) = 0``, ``clamp`` passes the gradient at the bounds).
"""

from __future__ import annotations

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import type_name, write_out

__all__ = ["sign", "relu", "clamp", "clip", "floor", "ceil", "round", "trunc", "fix", "frac"]


class Sign(Op):
    """out = sign(x).   d/dx = 0."""

    node_name = "SignBackward0"

    @staticmethod
    def forward(ctx, x):
        # (x > 0) - (x < 0): 0 for NaN as in PyTorch (NumPy's sign gives NaN).
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


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
    """out = min(max(x, lo), hi) for number bounds.   d/dx = 1 inside [lo, hi], else 0."""

    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo=None, hi=None, dtype=None):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        if dtype is not None:
            x = x.astype(dtype)
        y = x if lo is None else ctx.xp.maximum(x, lo)
        y = y if hi is None else ctx.xp.minimum(y, hi)
        return y.astype(x.dtype, copy=False) if y is not x else y.copy()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        if lo is not None and hi is not None:
            mask = (x >= lo) & (x <= hi)  # False at NaN, as in PyTorch
        else:
            mask = (x >= lo) if lo is not None else (x <= hi)
        return grad * mask


class ClampTensor(Op):
    """``clamp`` with tensor bounds (either may be None).

    d/dx = 1 where lo <= x <= hi;  d/dlo = 1 where x < lo (and lo < hi);  d/dhi = 1 where
    x > hi (or hi < lo, where hi wins) -- PyTorch's clamp_backward_min_max.
    """

    node_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, x, lo, hi, dtype=None):
        ctx.save_for_backward(x, lo, hi)
        xp = ctx.xp
        y = x if lo is None else xp.maximum(x, lo, dtype=dtype)
        y = y if hi is None else xp.minimum(y, hi, dtype=dtype)
        return y if dtype is None or y.dtype == dtype else y.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = glo = ghi = None
        if lo is not None and hi is not None:
            if needs[0]:
                gx = grad * ((x >= lo) & (x <= hi))
            if needs[1]:
                glo = grad * ((x < lo) & (lo < hi))
            if needs[2]:
                ghi = grad * ((x > hi) | (hi < lo))
        elif lo is not None:
            gx = grad * (x >= lo) if needs[0] else None
            glo = grad * (x < lo) if needs[1] else None
        else:
            gx = grad * (x <= hi) if needs[0] else None
            ghi = grad * (x > hi) if needs[2] else None
        return gx, glo, ghi


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


class RoundDecimals(Rounding):
    """``round(x, decimals=d)`` with d != 0: a separate node in PyTorch."""

    node_name = "RoundBackward1"


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


def _not_for(kernel: str, t: Tensor, kinds: str) -> None:
    """PyTorch has no kernel for some dtypes (``abs`` of bool): the same NotImplementedError."""
    if t._data.dtype.kind in kinds:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(t.dtype)}'")


def sign(input, *, out=None) -> Tensor:  # noqa: A002
    """-1, 0 or 1 following the sign of each element (0 for NaN).   d/dx = 0."""
    if input._data.dtype.kind == "b":
        return write_out("sign", input.clone(), out)
    return write_out("sign", Sign.apply(input), out)


def relu(input) -> Tensor:  # noqa: A002
    """out = max(input, 0).   d/dx = 1 where out > 0, else 0."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(input)


def clamp(input, min=None, max=None, *, out=None) -> Tensor:  # noqa: A001, A002
    """Clip values into ``[min, max]``; either bound may be None (not both).

    Bounds are numbers (ClampBackward1) or tensors (ClampBackward0, broadcast, differentiable).
    If min > max, every element becomes max. The result dtype follows type promotion.
    Derivative: d/dinput = 1 where min <= input <= max, else 0.
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tmin, tmax = isinstance(min, Tensor), isinstance(max, Tensor)
    if (tmin or tmax) and not ((tmin or min is None) and (tmax or max is None)):
        # A tensor with a number: PyTorch reads a 0-dim tensor as a number, else refuses.
        if all(not isinstance(b, Tensor) or b._data.ndim == 0 for b in (min, max)):
            min = min.item() if tmin else min
            max = max.item() if tmax else max
            tmin = tmax = False
        else:
            got = ", ".join("Tensor" if isinstance(b, Tensor) else type(b).__name__
                            for b in (min, max))
            bad = ", ".join("!Tensor!" if isinstance(b, Tensor) else f"!{type(b).__name__}!"
                            for b in (min, max))
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got ({got}), but "
                "expected one of:\n * (Tensor min = None, Tensor max = None)\n      didn't "
                f"match because some of the arguments have invalid types: ({bad})\n * (Number "
                "min = None, Number max = None)\n      didn't match because some of the "
                f"arguments have invalid types: ({bad})\n")
    bounds = [b for b in (min, max) if b is not None]
    rt = _dtype.result_type(input, *bounds)
    kw = {} if rt.np == input._data.dtype else {"dtype": rt.np}
    if tmin or tmax:
        result = ClampTensor.apply(input, min, max, dtype=rt.np)
    else:
        result = Clamp.apply(input, lo=min, hi=max, **kw)
    return result if out is None else write_out("clamp", result, out)


clip = clamp


def _rounding(op, fn, input, out, kernel, **kw):  # noqa: A002
    _not_for(kernel, input, "b")
    if input._data.dtype.kind != "f":  # integers are already whole: a copy, as in PyTorch
        return write_out(fn, input.clone(), out)
    return write_out(fn, op.apply(input, fn=fn, **kw), out)


def floor(input, *, out=None) -> Tensor:  # noqa: A002
    """The largest integer <= each element.   d/dx = 0."""
    return _rounding(Floor, "floor", input, out, "floor_vml_cpu")


def ceil(input, *, out=None) -> Tensor:  # noqa: A002
    """The smallest integer >= each element.   d/dx = 0."""
    return _rounding(Ceil, "ceil", input, out, "ceil_vml_cpu")


def round(input, *, decimals=0, out=None) -> Tensor:  # noqa: A001, A002
    """Round half to even, as PyTorch (and NumPy) do; ``decimals`` digits after the point.

    ``decimals != 0`` records RoundBackward1 (PyTorch does for any explicit ``decimals``).
    d/dx = 0.
    """
    if decimals == 0:
        return _rounding(Round, "round", input, out, "round_vml_cpu")
    _not_for("round_cpu", input, "biu")
    return write_out("round", RoundDecimals.apply(input, fn="round", decimals=decimals), out)


def trunc(input, *, out=None) -> Tensor:  # noqa: A002
    """Round toward zero.   d/dx = 0."""
    return _rounding(Trunc, "trunc", input, out, "trunc_vml_cpu")


fix = trunc


def frac(input, *, out=None) -> Tensor:  # noqa: A002
    """out = input - trunc(input) (keeps the sign).   d/dx = 1."""
    _not_for("frac_cpu", input, "biu")
    return write_out("frac", Frac.apply(input), out)
