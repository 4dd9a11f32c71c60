"""In-place forms of the elementwise ops (``add_``, ``exp_``, ``clamp_``, ...), ``fill_``,
``zero_`` and ``copy_``.

Every ``op_`` is made from its out-of-place ``op`` by :func:`inplace`, with PyTorch's autograd
semantics:

* the values are computed out of place, checked (dtype, shape) and written into ``self``; the
  version counter goes up by one;
* a leaf that requires grad (or a view of one) may not be changed while grad is recorded;
* otherwise ``self`` keeps its identity but moves on in the graph: its ``grad_fn`` becomes the
  op's node, whose first input edge is ``self``'s previous history. The node sees a copy of the
  old values, so ops that saved them (``mul_``) still backpropagate correctly;
* on a view, the base's history is rewritten through a ``CopySlices`` node.
"""

from __future__ import annotations

import builtins

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import (
    Op,
    _broadcast_error,
    _check_inplace_allowed,
    _edge,
    _link_view_inplace,
)
from . import elementwise as _ew
from . import modulo as _mod
from . import piecewise as _pc
from . import pointwise as _pw
from . import power as _pow
from . import unary as _un
from ._util import type_name

__all__ = ["inplace", "fill_", "zero_", "copy_"]


def inplace(fn, name: str, fast=None, saves_result: bool = False):
    """Make ``op_`` from an out-of-place ``fn``: same values, written into ``self``.

    ``fast(self, *args, **kwargs)``, if given, may update ``self._data`` directly when nothing
    is recorded (the optimizer's case) and return True; it returns False to decline.
    ``saves_result``: ``fn``'s node saves its output (not its input) for backward, like
    PyTorch's in-place activation nodes (``LeakyReluBackward1``); the saved output then is
    ``self`` itself, so changing ``self`` again before backward raises, as in PyTorch.
    """

    def method(self, *args, **kwargs):
        record = grad_mode._enabled and (
            self._requires_grad or builtins.any(getattr(a, "_requires_grad", False)
                                               for a in args))
        if not record:
            if fast is not None and fast(self, *args, **kwargs):
                self._version_counter.value += 1
                return self
            result = fn(self, *args, **kwargs)
            _check_result(result, self)
            _write_values(self, result)
            return self
        _check_inplace_allowed(self)
        old = Tensor._make(self._data.copy(), self._requires_grad, self._device)
        if self._requires_grad:
            old.grad_fn, old._output_nr = _edge(self)
        result = fn(old, *args, **kwargs)
        _check_result(result, self)
        _write_values(self, result)
        _take_history(self, result)
        if saves_result and self.grad_fn is not None:
            _save_self_as_output(self.grad_fn, self)
        return self

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


def _check_result(result: Tensor, target: Tensor) -> None:
    rt, tt = result.dtype, target.dtype
    if rt.category > tt.category:
        raise RuntimeError(f"result type {type_name(rt)} can't be cast to the desired output "
                           f"type {type_name(tt)}")
    rs, ts = result._data.shape, target._data.shape
    if rs != ts:
        n = builtins.max(len(rs), len(ts))
        padded = (1,) * (n - len(rs)) + rs
        if len(rs) > len(ts) or builtins.any(r not in (1, t) for r, t in
                                            zip(padded, (1,) * (n - len(ts)) + ts, strict=True)):
            raise RuntimeError(f"output with shape [{', '.join(map(str, ts))}] doesn't match "
                               f"the broadcast shape [{', '.join(map(str, rs))}]")


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
    if target._base is not None:
        _link_view_inplace(node, target)


def _save_self_as_output(node, target: Tensor) -> None:
    """Point the node's saved output at ``target`` (its memory and its version counter)."""
    saved = node._saved
    if not saved:
        return
    counter = target._version_counter
    node._saved = [(1, k, counter, counter.value) if kind == 1 else (kind, k, c, v)
                   for kind, k, c, v in saved]
    node._output_arrays = (target._data,)


def _fast_ufunc(ufunc_name: str, scaled: bool):
    """Fast path for ``add_``/``sub_``/``mul_``/``div_`` with a same-dtype float operand."""

    def fast(self, other, *, alpha=1, rounding_mode=None) -> bool:
        data = self._data
        if data.dtype.kind != "f" or rounding_mode is not None:
            return False
        if isinstance(other, Tensor):
            o = other._data
            if o.dtype != data.dtype or o.shape != data.shape or other._device != self._device:
                return False
        elif other.__class__ is float or other.__class__ is int:
            o = other
        else:
            return False
        if scaled and alpha != 1:
            if alpha.__class__ is not float and alpha.__class__ is not int:
                return False
            o = o * alpha
        getattr(_xp(self), ufunc_name)(data, o, out=data)
        return True

    return fast


def _xp(t: Tensor):
    from ..backend import array_module

    return array_module(t._device)


# ----------------------------------------------------------------------------- fill_, copy_
class Fill(Op):
    """out = value everywhere (value a number).   d/dself = 0."""

    node_name = "FillBackward2"

    @staticmethod
    def forward(ctx, x, value=0):
        out = ctx.xp.empty_like(x)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class FillTensor(Op):
    """out = value everywhere (value a 0-dim tensor).   d/dself = 0,  d/dvalue = sum(grad)."""

    node_name = "FillBackward3"

    @staticmethod
    def forward(ctx, x, value):
        out = ctx.xp.empty_like(x)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, (grad.sum() if ctx.needs_input_grad[1] else None)


class Zero(Fill):
    """out = 0 everywhere.   d/dself = 0."""

    node_name = "ZeroBackward0"


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
    if isinstance(value, Tensor):
        return FillTensor.apply(input, value)
    return Fill.apply(input, value=value)


def _zero(input):  # noqa: A002
    return Zero.apply(input, value=0)


def _as_src(self: Tensor, src) -> Tensor:
    if not isinstance(src, Tensor):
        if isinstance(src, bool | int | float):
            return Tensor._make(_xp(self).asarray(src, dtype=self._data.dtype), device=self._device)
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    if src._device != self._device:
        from ..backend import to_device

        moved = Tensor._make(to_device(src._data, self._device), src._requires_grad,
                             self._device)
        moved.grad_fn, moved._output_nr = src.grad_fn, src._output_nr
        src = moved
    n = builtins.max(src._data.ndim, self._data.ndim)
    s = (1,) * (n - src._data.ndim) + src._data.shape
    t = (1,) * (n - self._data.ndim) + self._data.shape
    if src._data.ndim > self._data.ndim or builtins.any(a not in (1, b) for a, b in zip(s, t,
                                                                                   strict=True)):
        raise _broadcast_error(ValueError("could not be broadcast"), [self._data, src._data])
    return src


def _copy(input, src):  # noqa: A002
    return Copy.apply(input, src)


_fill_rec = inplace(_fill, "fill_")
_zero_rec = inplace(_zero, "zero_")
_copy_rec = inplace(_copy, "copy_")


def fill_(self: Tensor, value) -> Tensor:
    """Fill ``self`` with ``value`` (a number or a 0-dim tensor) in place."""
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    if not (grad_mode._enabled and (self._requires_grad or getattr(value, "_requires_grad",
                                                                     False))):
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version_counter.value += 1
        return self
    return _fill_rec(self, value)


def zero_(self: Tensor) -> Tensor:
    """Fill ``self`` with zeros in place."""
    if not (grad_mode._enabled and self._requires_grad):
        self._data[...] = 0
        self._version_counter.value += 1
        return self
    return _zero_rec(self)


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` into ``self`` (broadcasting, casting, across devices)."""
    src = _as_src(self, src)
    if not (grad_mode._enabled and (self._requires_grad or src._requires_grad)):
        self._data[...] = src._data
        self._version_counter.value += 1
        return self
    return _copy_rec(self, src)


# ----------------------------------------------------------------------------- op_ forms
add_ = inplace(_ew.add, "add_", _fast_ufunc("add", True))
sub_ = inplace(_ew.sub, "sub_", _fast_ufunc("subtract", True))
mul_ = inplace(_ew.mul, "mul_", _fast_ufunc("multiply", False))
div_ = inplace(_ew.div, "div_", _fast_ufunc("true_divide", False))
pow_ = inplace(_pow.pow, "pow_")
floor_divide_ = inplace(_mod.floor_divide, "floor_divide_")
remainder_ = inplace(_mod.remainder, "remainder_")
fmod_ = inplace(_mod.fmod, "fmod_")


def float_power_(self: Tensor, exponent) -> Tensor:
    """In-place float_power: only for float64 tensors, as in PyTorch."""
    if self.dtype.name != "float64":
        raise RuntimeError(f"the base given to float_power_ has dtype {type_name(self.dtype)} "
                           "but the operation's result requires dtype Double")
    return pow_(self, exponent)


abs_ = inplace(_un.abs, "abs_")
neg_ = inplace(_un.neg, "neg_")
negative_ = neg_
sign_ = inplace(_pc.sign, "sign_")
exp_ = inplace(_un.exp, "exp_")
expm1_ = inplace(_un.expm1, "expm1_")
log_ = inplace(_un.log, "log_")
log1p_ = inplace(_un.log1p, "log1p_")
log2_ = inplace(_un.log2, "log2_")
log10_ = inplace(_un.log10, "log10_")
sqrt_ = inplace(_un.sqrt, "sqrt_")
rsqrt_ = inplace(_un.rsqrt, "rsqrt_")
square_ = inplace(_un.square, "square_")
sin_ = inplace(_un.sin, "sin_")
cos_ = inplace(_un.cos, "cos_")
tan_ = inplace(_un.tan, "tan_")
tanh_ = inplace(_un.tanh, "tanh_")
sigmoid_ = inplace(_un.sigmoid, "sigmoid_")
relu_ = inplace(_pc.relu, "relu_")
clamp_ = inplace(_pc.clamp, "clamp_")
clip_ = clamp_
reciprocal_ = inplace(_un.reciprocal, "reciprocal_")
floor_ = inplace(_pc.floor, "floor_")
ceil_ = inplace(_pc.ceil, "ceil_")
round_ = inplace(_pc.round, "round_")
trunc_ = inplace(_pc.trunc, "trunc_")
fix_ = trunc_
frac_ = inplace(_pc.frac, "frac_")
lerp_ = inplace(_pw.lerp, "lerp_")
bitwise_and_ = inplace(_pw.bitwise_and, "bitwise_and_")
bitwise_or_ = inplace(_pw.bitwise_or, "bitwise_or_")
bitwise_xor_ = inplace(_pw.bitwise_xor, "bitwise_xor_")
