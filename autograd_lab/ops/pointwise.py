"""Pointwise selection and logic: maximum, minimum, where, lerp, logical_* and bitwise_*.

Like :mod:`.elementwise`, these broadcast their operands; the engine un-broadcasts gradients.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import array_module
from ._util import common_device, promote_operands, require_tensor, type_name, write_out

__all__ = ["maximum", "minimum", "where", "lerp", "logical_and", "logical_or", "logical_xor",
           "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"]


class Maximum(Op):
    """out = max(a, b), NaN-propagating.   The gradient goes to the larger input, half each on
    ties; at a NaN both inputs get it (PyTorch's rule: mask out only where the other wins)."""

    node_name = "MaximumBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b, dtype=dtype) if dtype else ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _share(grad, a, b, a < b, a > b, ctx.needs_input_grad)


class Minimum(Op):
    """out = min(a, b), NaN-propagating.   The gradient goes to the smaller input (half on ties)."""

    node_name = "MinimumBackward0"

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        ctx.save_for_backward(a, b)
        return ctx.xp.minimum(a, b, dtype=dtype) if dtype else ctx.xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _share(grad, a, b, a > b, a < b, ctx.needs_input_grad)


def _share(grad, a, b, a_loses, b_loses, needs):
    half = 1 - (a == b).to(grad.dtype) * 0.5
    ga = grad * (~a_loses).to(grad.dtype) * half if needs[0] else None
    gb = grad * (~b_loses).to(grad.dtype) * half if needs[1] else None
    return ga, gb


class Where(Op):
    """out = cond ? a : b.   d/da = grad where cond, d/db = grad where not cond."""

    node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, a, b, cond=None, dtype=None):
        ctx.save_for_backward(cond)  # not an input: comes back as a constant Tensor
        out = ctx.xp.where(cond, a, b)
        return out if dtype is None or out.dtype == dtype else out.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        zero = grad.new_zeros(())
        needs_a, needs_b = ctx.needs_input_grad
        return (where(cond, grad, zero) if needs_a else None,
                where(cond, zero, grad) if needs_b else None)


class Lerp(Op):
    """out = a + w * (b - a) (tensor weight).   d/da = 1 - w,  d/db = w,  d/dw = b - a."""

    node_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        # PyTorch's formula: exact at w == 1 (``b - (b - a) * (1 - w)`` for |w| >= 0.5).
        return ctx.xp.where(ctx.xp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (grad * (1 - w) if needs[0] else None, grad * w if needs[1] else None,
                grad * (b - a) if needs[2] else None)


class LerpScalar(Op):
    """out = a + w * (b - a) (number weight).   d/da = 1 - w,  d/db = w."""

    node_name = "LerpBackward0"

    @staticmethod
    def forward(ctx, a, b, weight=0.5):
        ctx.weight = weight
        return a + weight * (b - a) if abs(weight) < 0.5 else b - (b - a) * (1 - weight)

    @staticmethod
    def backward(ctx, grad):
        w = ctx.weight
        needs = ctx.needs_input_grad
        return (grad * (1 - w) if needs[0] else None, grad * w if needs[1] else None)


# ----------------------------------------------------------------------------- public functions
def maximum(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise maximum of two tensors (NaN-propagating), with broadcasting.

    Derivative: grad goes to the larger input; ties split it evenly.
    """
    require_tensor("maximum", "other", 2, other)
    a, b, rt = promote_operands(input, other)
    result = Maximum.apply(a, b, **_dtype_kw(a, b, rt))
    return result if out is None else write_out("maximum", result, out)


def minimum(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise minimum of two tensors (NaN-propagating), with broadcasting.

    Derivative: grad goes to the smaller input; ties split it evenly.
    """
    require_tensor("minimum", "other", 2, other)
    a, b, rt = promote_operands(input, other)
    result = Minimum.apply(a, b, **_dtype_kw(a, b, rt))
    return result if out is None else write_out("minimum", result, out)


def _dtype_kw(a, b, rt) -> dict:
    from .elementwise import _dtype_kw as kw

    return kw(a, b, rt)


def where(condition, input=None, other=None, *, out=None):  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (all three broadcast together).

    ``input``/``other`` may be numbers. With only ``condition``, returns
    ``condition.nonzero(as_tuple=True)``.
    Derivative: d/dinput = condition, d/dother = not condition.
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    require_tensor("where", "condition", 1, condition)
    if condition._data.dtype.kind not in "bu" or condition._data.dtype.itemsize != 1:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {type_name(condition.dtype)}")
    if out is not None:
        require_tensor("where", "input", 2, input)
        require_tensor("where", "other", 3, other)
    cond = condition._data
    if cond.dtype.kind != "b":
        cond = cond.astype(bool)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        xp = array_module(condition._device)
        rt = _dtype.result_type(input, other)
        result = Tensor._make(xp.where(cond, xp.asarray(input, rt.np), xp.asarray(other, rt.np)),
                              device=condition._device)
        return result
    a, b, rt = promote_operands(input, other)
    try:
        result = Where.apply(a, b, cond=cond, **_dtype_kw(a, b, rt))
    except (ValueError, RuntimeError):  # PyTorch's message, shapes in its order
        _check_broadcast(cond, getattr(a, "_data", a), getattr(b, "_data", b))
        raise
    return result if out is None else write_out("where", result, out)


def _check_broadcast(*arrays) -> None:
    from ..autograd.function import _broadcast_error

    shape = ()
    for arr in arrays:
        s = getattr(arr, "shape", ())
        try:
            shape = np.broadcast_shapes(shape, s)
        except ValueError:
            raise _broadcast_error(ValueError("could not be broadcast"),
                                   [np.broadcast_to(0, shape), np.broadcast_to(0, s)]) from None


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def lerp(input, end, weight, *, out=None) -> Tensor:  # noqa: A002
    """out = input + weight * (end - input), for floating tensors of one dtype.

    Derivative: d/dinput = 1 - weight, d/dend = weight, d/dweight = end - input.
    """
    wt = isinstance(weight, Tensor)
    if not input.dtype.is_floating_point:
        kernel = "lerp_kernel_tensor" if wt else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {_C_NAMES[input.dtype.name]} for `{name}` but "
                               f"got dtype {_C_NAMES[t.dtype.name]}")
    result = Lerp.apply(input, end, weight) if wt else LerpScalar.apply(input, end,
                                                                        weight=weight)
    return result if out is None else write_out("lerp", result, out)


# ----------------------------------------------------------------------------- logic
def _logical(fn, a, b):
    require_tensor(fn, "other", 2, b)
    dev = common_device(a, b)
    return Tensor._make(getattr(array_module(dev), fn)(a._data, b._data), device=dev)


def logical_and(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input and other`` (nonzero is True), a bool tensor."""
    return _logical("logical_and", input, other)


def logical_or(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input or other`` (nonzero is True), a bool tensor."""
    return _logical("logical_or", input, other)


def logical_xor(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input xor other`` (nonzero is True), a bool tensor."""
    return _logical("logical_xor", input, other)


def logical_not(input) -> Tensor:  # noqa: A002
    """Elementwise ``not input`` (nonzero is True), a bool tensor."""
    return Tensor._make(array_module(input._device).logical_not(input._data),
                        device=input._device)


def _bitwise(fn, a, b):
    a, b, rt = promote_operands(a, b)
    d = rt if rt is not None else (a if isinstance(a, Tensor) else b).dtype
    if d.is_floating_point:
        raise NotImplementedError(f'"{fn}_cpu" not implemented for \'{type_name(d)}\'')
    dev = common_device(a, b)
    xa = a._data if isinstance(a, Tensor) else a
    xb = b._data if isinstance(b, Tensor) else b
    return Tensor._make(getattr(array_module(dev), fn)(xa, xb), device=dev)


def bitwise_and(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input & other`` for integer and bool tensors."""
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input | other`` for integer and bool tensors."""
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input ^ other`` for integer and bool tensors."""
    return _bitwise("bitwise_xor", input, other)


def bitwise_not(input) -> Tensor:  # noqa: A002
    """Elementwise ``~input`` for integer and bool tensors."""
    if input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for "
                                  f"'{type_name(input.dtype)}'")
    return Tensor._make(array_module(input._device).invert(input._data), device=input._device)
