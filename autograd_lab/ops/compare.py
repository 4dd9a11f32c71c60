"""Comparisons (``== != < <= > >=``) and tests (``isnan``, ``allclose``). Not differentiable:
they return bool tensors (or Python bools for ``equal``/``allclose``)."""

from __future__ import annotations

from .._tensor import Tensor
from ..backend import array_module
from ._util import promote_operands, write_out


def _compare(fn, a, b, out=None, name=""):
    a, b, _ = promote_operands(a, b)
    dev = a._device if isinstance(a, Tensor) else b._device
    xa = a._data if isinstance(a, Tensor) else a
    xb = b._data if isinstance(b, Tensor) else b
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._device != b._device:
        from ..autograd.function import _same_device_error

        raise _same_device_error([a._device, b._device])
    res = Tensor._make(getattr(array_module(dev), fn)(xa, xb), device=dev)
    return write_out(name, res, out)


def eq(input, other, *, out=None):  # noqa: A002
    """Elementwise ``input == other`` as a bool tensor."""
    return _compare("equal", input, other, out, "eq")


def ne(input, other, *, out=None):  # noqa: A002
    return _compare("not_equal", input, other, out, "ne")


def lt(input, other, *, out=None):  # noqa: A002
    return _compare("less", input, other, out, "lt")


def le(input, other, *, out=None):  # noqa: A002
    return _compare("less_equal", input, other, out, "le")


def gt(input, other, *, out=None):  # noqa: A002
    return _compare("greater", input, other, out, "gt")


def ge(input, other, *, out=None):  # noqa: A002
    return _compare("greater_equal", input, other, out, "ge")


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def equal(input, other) -> bool:  # noqa: A002
    """True if both tensors have the same shape and elements."""
    if input._data.shape != other._data.shape:
        return False
    return bool(array_module(input._device).array_equal(input._data, other._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """Elementwise ``|input - other| <= atol + rtol * |other|``."""
    if isinstance(other, Tensor) and input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{input.dtype.name.capitalize()} did not match "
                           f"{other.dtype.name.capitalize()}")
    xo = other._data if isinstance(other, Tensor) else other
    xp = array_module(input._device)
    return Tensor._make(xp.isclose(input._data, xo, rtol=rtol, atol=atol, equal_nan=equal_nan),
                        device=input._device)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """True if every element satisfies ``isclose``."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _test(fn):
    def check(input):  # noqa: A002
        return Tensor._make(getattr(array_module(input._device), fn)(input._data),
                            device=input._device)

    check.__name__ = fn
    return check


isnan = _test("isnan")
isinf = _test("isinf")
isfinite = _test("isfinite")
isposinf = _test("isposinf")
isneginf = _test("isneginf")
