"""Comparisons (``== != < <= > >=``) and tests (``isnan``, ``allclose``). Not differentiable:
they return bool tensors (or Python bools for ``equal``/``allclose``).

Operands are promoted first (``int_tensor < 2.5`` compares as floats), as in PyTorch.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..backend import array_module
from ._util import common_device, promote_operands, require_tensor, type_name, write_out

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "equal", "isclose", "allclose", "isnan", "isinf", "isfinite", "isposinf",
           "isneginf"]


def _compare(fn, a, b, out=None, name=""):
    a, b, _ = promote_operands(a, b)
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    dev = common_device(a, b)
    xa = a._data if ta else a
    xb = b._data if tb else b
    try:
        res = Tensor._make(getattr(array_module(dev), fn)(xa, xb), device=dev)
    except ValueError as e:
        from ..autograd.function import _broadcast_error

        raise _broadcast_error(e, [xa, xb]) from None
    return res if out is None else write_out(name, res, out)


def eq(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise ``input == other`` as a bool tensor."""
    return _compare("equal", input, other, out, "eq")


def ne(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise ``input != other`` as a bool tensor."""
    return _compare("not_equal", input, other, out, "ne")


def lt(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise ``input < other`` as a bool tensor."""
    return _compare("less", input, other, out, "lt")


def le(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise ``input <= other`` as a bool tensor."""
    return _compare("less_equal", input, other, out, "le")


def gt(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise ``input > other`` as a bool tensor."""
    return _compare("greater", input, other, out, "gt")


def ge(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise ``input >= other`` as a bool tensor."""
    return _compare("greater_equal", input, other, out, "ge")


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def eq_operator(self: Tensor, other):
    """``self == other``: like :func:`eq`, but an unsupported operand (None, a string, a list)
    gives NotImplemented, so Python answers False, as PyTorch does."""
    try:
        return eq(self, other)
    except TypeError:
        return NotImplemented


def ne_operator(self: Tensor, other):
    """``self != other`` (True for unsupported operands, as in PyTorch)."""
    try:
        return ne(self, other)
    except TypeError:
        return NotImplemented


def equal(input, other) -> bool:  # noqa: A002
    """True if both tensors have the same shape and elements (dtypes may differ)."""
    require_tensor("equal", "other", 2, other)
    if input._data.shape != other._data.shape:
        return False
    return bool(array_module(common_device(input, other)).array_equal(input._data, other._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:  # noqa: A002
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (same dtypes required)."""
    require_tensor("isclose", "other", 2, other)
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{type_name(input.dtype)} did not match {type_name(other.dtype)}")
    for name, v in (("rtol", rtol), ("atol", atol)):
        if v < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {v}")
    xp = array_module(common_device(input, other))
    a, b = input._data, other._data
    if a.dtype.kind in "biu":  # NumPy's isclose would compute in float64 anyway
        a, b = a.astype(xp.float64), b.astype(xp.float64)
    try:
        res = xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError as e:
        from ..autograd.function import _broadcast_error

        raise _broadcast_error(e, [a, b]) from None
    return Tensor._make(xp.asarray(res), device=input._device)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """True if every element satisfies :func:`isclose`."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _test(fn: str, doc: str):
    def check(input) -> Tensor:  # noqa: A002
        return Tensor._make(getattr(array_module(input._device), fn)(input._data),
                            device=input._device)

    check.__name__ = check.__qualname__ = fn
    check.__doc__ = doc
    return check


isnan = _test("isnan", "Elementwise: is the value NaN?")
isinf = _test("isinf", "Elementwise: is the value +inf or -inf?")
isfinite = _test("isfinite", "Elementwise: is the value neither inf nor NaN?")
isposinf = _test("isposinf", "Elementwise: is the value +inf?")
isneginf = _test("isneginf", "Elementwise: is the value -inf?")
