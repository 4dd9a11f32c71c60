"""PyTorch computes log(-1), 1/0, sqrt(-1), ... silently (nan/inf); so must we, forward and
backward: a learner should not see NumPy RuntimeWarnings that PyTorch never prints."""

from __future__ import annotations

import warnings

import pytest

import autograd_lab as al

EXPRESSIONS = {
    "log": lambda x: x.log(),
    "log1p": lambda x: (x - 1).log1p(),
    "log2": lambda x: x.log2(),
    "log10": lambda x: x.log10(),
    "sqrt": lambda x: x.sqrt(),
    "rsqrt": lambda x: x.rsqrt(),
    "reciprocal": lambda x: x.reciprocal(),
    "div": lambda x: x / 0,
    "rdiv": lambda x: 1 / x,
    "pow": lambda x: x**-1.5,
    "rpow": lambda x: 0.0**x,
    "remainder": lambda x: x % 0.0,
    "fmod": lambda x: x.fmod(0.0),
    "exp-overflow": lambda x: (x * 1000).exp(),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_no_numpy_floating_point_warnings(name):
    x = al.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = EXPRESSIONS[name](x)
        y.sum().backward()
    assert x.grad is not None
