"""Type promotion: result dtypes (and values) of binary ops over every pair of dtypes.

The rules (see ``autograd_lab/_dtype.py``): dimensioned tensors decide first; a zero-dim
tensor only wins with a higher category (bool < integer < floating); a Python scalar only with a
higher category, and then gives that category's default dtype. True division of integers gives
the default float dtype. The first tests need no PyTorch; the table is checked against it.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
SCALARS = [2, 2.5, True, -3, 0, 300]
OPS = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum",
       "minimum", "eq", "ne", "lt", "ge", "bitwise_and", "logical_and"]
REVERSIBLE = {"add", "sub", "mul", "div", "floor_divide", "remainder", "pow"}
# kind: both dimensioned, the second a zero-dim tensor, or the first a zero-dim tensor
KINDS = ["dim", "zero_other", "zero_self"]


def _tensor(lib, dt: str, zero_dim: bool = False):
    vals = [3, 1, 0, 2] if dt != "bool" else [True, False, True, True]
    return lib.tensor(vals[0] if zero_dim else vals, dtype=getattr(lib, dt))


@pytest.mark.parametrize(("a", "b", "want"), [
    ("int8", "uint8", "int16"), ("int64", "float16", "float16"), ("bool", "uint8", "uint8"),
    ("int32", "int64", "int64"), ("float16", "float32", "float32"), ("bool", "bool", "bool"),
    ("uint8", "int16", "int16"), ("bool", "float64", "float64"),
])
def test_promote_types(a, b, want):
    assert al.promote_types(getattr(al, a), getattr(al, b)) is getattr(al, want)
    assert al.promote_types(getattr(al, b), getattr(al, a)) is getattr(al, want)


@pytest.mark.parametrize(("expr", "want"), [
    ("T([1., 2.]) * 2.5", "float32"),  # a scalar never widens its own category
    ("T([1, 2]) * 2.5", "float32"),  # a higher-category scalar gives the default dtype
    ("T([1, 2], dtype=L.int8) + 1000", "int8"),
    ("T([1., 2.], dtype=L.float16) + T(1., dtype=L.float64)", "float16"),  # zero-dim: same cat.
    ("T([1, 2]) + T(1.5, dtype=L.float64)", "float64"),  # zero-dim of a higher category wins
    ("T([1, 2]) / T([2, 4])", "float32"),  # true division of integers
    ("T([True]) + T([True])", "bool"), ("T([True]) + 1", "int64"), ("T([True]) * 1.5", "float32"),
    ("T([1, 2], dtype=L.uint8) < 2.5", "bool"), ("T([1, 2]) // 2.5", "float32"),
])
def test_result_dtype(expr, want):
    r = eval(expr, {"L": al, "T": al.tensor})  # noqa: S307 - expressions written above
    assert r.dtype is getattr(al, want)


def test_default_dtype_changes_scalar_promotion():
    al.set_default_dtype(al.float64)
    try:
        assert (al.tensor([1, 2]) * 2.5).dtype is al.float64
        assert (al.tensor([1, 2]) / 2).dtype is al.float64
        assert (al.tensor([1.0], dtype=al.float32) * 2.5).dtype is al.float32
    finally:
        al.set_default_dtype(al.float32)


def _result(lib, op, args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = getattr(lib, op)(*args(lib))
    except Exception as e:  # noqa: BLE001 - the error is part of what is compared
        return ("raises", type(e).__name__, str(e))
    return (str(r.dtype).split(".")[-1],
            [repr(v) for v in np.asarray(r.numpy(), dtype=np.float64).round(4).tolist()])


@pytest.mark.torch
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("da", DTYPES)
def test_tensor_tensor_promotion_matches_torch(op, da):
    torch = require_torch()
    bad = []
    for db, kind in itertools.product(DTYPES, KINDS):
        def args(lib, db=db, kind=kind):
            return (_tensor(lib, da, kind == "zero_self"), _tensor(lib, db, kind == "zero_other"))

        want, got = _result(torch, op, args), _result(al, op, args)
        if got != want:
            bad.append((db, kind, got, want))
    assert not bad, bad


@pytest.mark.torch
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("da", DTYPES)
def test_tensor_scalar_promotion_matches_torch(op, da):
    torch = require_torch()
    bad = []
    for s, reverse in itertools.product(SCALARS, (False, True)):
        if reverse and op not in REVERSIBLE:
            continue

        def args(lib, s=s, reverse=reverse):
            t = _tensor(lib, da)
            return (s, t) if reverse else (t, s)

        want, got = _result(torch, op, args), _result(al, op, args)
        if op in {"maximum", "minimum", "logical_and"} or (reverse and op != "pow"):
            # Only the error type matters for ops PyTorch refuses with a number (the messages
            # list its overloads), and for functional forms like ``torch.add(2, x)``.
            want = want[:2] if want[0] == "raises" else want
            got = got[:2] if got[0] == "raises" else got
        if got != want:
            bad.append((s, reverse, got, want))
    assert not bad, bad
