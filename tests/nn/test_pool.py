"""Pooling against PyTorch: max_pool1d/2d, avg_pool2d, adaptive_avg/max_pool2d (functional)
and their layers. Values, indices, input gradients, grad_fn names over a table of
configurations; float64 gradchecks and double backward; error messages; reprs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
import autograd_lab.nn as alnn
from autograd_lab.autograd import gradcheck, gradgradcheck
from autograd_lab.ops import pool as P

RNG = np.random.default_rng(0)

# (function, input shape, positional args, keyword args)
CASES = [
    ("max_pool2d", (2, 3, 8, 8), (2,), {}),
    ("max_pool2d", (2, 3, 9, 8), (3,), dict(stride=2, padding=1, return_indices=True)),
    ("max_pool2d", (2, 3, 9, 8), ((3, 2),), dict(stride=(2, 1), padding=(1, 1),
                                                 dilation=(2, 3), ceil_mode=True,
                                                 return_indices=True)),
    ("max_pool2d", (2, 3, 9, 8), (3,), dict(stride=2, ceil_mode=True, return_indices=True)),
    ("max_pool2d", (2, 3, 9, 8), (3,), dict(stride=1)),  # overlapping windows
    ("max_pool2d", (3, 8, 8), (2,), dict(return_indices=True)),  # unbatched
    ("max_pool1d", (2, 3, 9), (3,), dict(stride=2, padding=1, return_indices=True)),
    ("max_pool1d", (3, 9), (2,), dict(ceil_mode=True, dilation=2)),
    ("avg_pool2d", (2, 3, 8, 8), (2,), {}),
    ("avg_pool2d", (2, 3, 9, 8), (3,), dict(stride=2, padding=1)),
    ("avg_pool2d", (2, 3, 9, 8), (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("avg_pool2d", (2, 3, 9, 8), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (2, 3, 9, 8), (3,), dict(stride=2, padding=1, ceil_mode=True,
                                            count_include_pad=False)),
    ("avg_pool2d", (2, 3, 9, 8), ((3, 2),), dict(stride=(2, 3), padding=(1, 0),
                                                 divisor_override=5)),
    ("avg_pool2d", (3, 8, 8), (2,), {}),
    ("adaptive_avg_pool2d", (2, 3, 9, 8), ((4, 3),), {}),
    ("adaptive_avg_pool2d", (2, 3, 8, 8), (1,), {}),
    ("adaptive_avg_pool2d", (3, 9, 8), ((None, 5),), {}),
    ("adaptive_avg_pool2d", (2, 3, 4, 4), (7,), {}),  # bigger than the input
    ("adaptive_max_pool2d", (2, 3, 9, 8), ((4, 3),), dict(return_indices=True)),
    ("adaptive_max_pool2d", (2, 3, 9, 8), ((5, 7),), dict(return_indices=True)),
    ("adaptive_max_pool2d", (3, 9, 8), (1,), {}),
]


def _case_id(case) -> str:
    fn, shape, args, kw = case
    return f"{fn}-{'x'.join(map(str, shape))}-{args}-{kw}"


def _with_ties(shape):
    """Rounded values: many ties, so the first-maximum rule is exercised."""
    return np.round(RNG.standard_normal(shape) * 2).astype(np.float32)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_functional_matches_torch(case):
    torch = require_torch()
    fn, shape, args, kw = case
    x = _with_ties(shape) if "max" in fn else RNG.standard_normal(shape).astype(np.float32)
    xo, xt = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    o_out = getattr(P, fn)(xo, *args, **kw)
    t_out = getattr(torch.nn.functional, fn)(xt, *args, **kw)
    if kw.get("return_indices"):
        (o_out, o_idx), (t_out, t_idx) = o_out, t_out
        assert o_idx.dtype == al.int64
        np.testing.assert_array_equal(o_idx.numpy(), t_idx.numpy())
    assert tuple(o_out.shape) == tuple(t_out.shape)
    assert type(o_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    g = RNG.standard_normal(tuple(t_out.shape)).astype(np.float32)
    o_out.backward(al.tensor(g))
    t_out.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.torch
def test_max_pool_nan_wins_like_torch():
    torch = require_torch()
    x = np.where(RNG.random((2, 2, 7, 7)) < 0.2, np.nan, _with_ties((2, 2, 7, 7)))
    x = x.astype(np.float32)
    o, oi = P.max_pool2d(al.tensor(x), 3, stride=1, padding=1, return_indices=True)
    t, ti = torch.nn.functional.max_pool2d(torch.tensor(x), 3, stride=1, padding=1,
                                           return_indices=True)
    np.testing.assert_array_equal(o.numpy(), t.numpy())  # NaN positions equal too
    np.testing.assert_array_equal(oi.numpy(), ti.numpy())


GRAD_CASES = [c for c in CASES if np.prod(c[1]) <= 500]


def _distinct(shape):
    """Well-separated float64 values: no max ties that finite differences would straddle."""
    n = int(np.prod(shape))
    return (RNG.permutation(n).reshape(shape) * 0.1).astype(np.float64)


@pytest.mark.parametrize("case", GRAD_CASES, ids=[_case_id(c) for c in GRAD_CASES])
def test_gradcheck_float64(case):
    fn, shape, args, kw = case
    kw = {k: v for k, v in kw.items() if k != "return_indices"}
    x = al.tensor(_distinct(shape), requires_grad=True)
    assert gradcheck(lambda t: getattr(P, fn)(t, *args, **kw), [x], eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("fn, shape, args, kw", [
    ("max_pool2d", (1, 2, 5, 5), (3,), dict(stride=1, padding=1)),
    ("adaptive_max_pool2d", (1, 2, 5, 4), ((2, 3),), {}),
    ("avg_pool2d", (1, 2, 5, 5), (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("adaptive_avg_pool2d", (1, 2, 5, 4), ((2, 3),), {}),
])
def test_double_backward_float64(fn, shape, args, kw):
    """Pooling backward is itself differentiable (scatter <-> gather, pool <-> adjoint)."""
    x = al.tensor(_distinct(shape), requires_grad=True)
    assert gradgradcheck(lambda t: getattr(P, fn)(t, *args, **kw), [x], eps=1e-6, atol=1e-4)


ERRORS = [
    ("max_pool2d", (1, 3, 2, 2), (3,), {}),
    ("max_pool2d", (1, 3, 8, 8), (2,), dict(padding=2)),
    ("max_pool2d", (3, 8), (2,), {}),
    ("max_pool2d", (1, 3, 8, 8), (2,), dict(stride=0)),
    ("max_pool2d", (1, 3, 8, 8), (2,), dict(padding=-1)),
    ("max_pool2d", (1, 3, 8, 8), ((2, 2, 2),), {}),
    ("max_pool2d", (1, 3, 8, 8), (2,), dict(stride=(1, 1, 1))),
    ("max_pool2d", (1, 3, 8, 8), (2,), dict(dilation=0)),
    ("max_pool2d", (1, 3, 8, 8), (-1,), {}),
    ("max_pool1d", (1, 3, 2), (3,), {}),
    ("max_pool1d", (3,), (3,), {}),
    ("max_pool1d", (1, 3, 8), (2,), dict(padding=2)),
    ("avg_pool2d", (1, 3, 2, 2), (3,), {}),
    ("avg_pool2d", (1, 3, 8, 8), (2,), dict(padding=2)),
    ("avg_pool2d", (1, 3, 8, 8), (2,), dict(divisor_override=0)),
    ("avg_pool2d", (1, 3, 8, 8), ((2, 2, 2),), {}),
    ("adaptive_avg_pool2d", (1, 3, 8, 8), ((2,),), {}),
    ("adaptive_avg_pool2d", (3, 8), (2,), {}),
    ("adaptive_max_pool2d", (3, 8), (2,), {}),
    ("adaptive_max_pool2d", (1, 3, 8, 8), ((2, 3, 4),), {}),
    ("adaptive_max_pool2d", (1, 3, 0, 8), (2,), {}),
    ("adaptive_avg_pool2d", (1, 3, 0, 8), (2,), {}),
]


@pytest.mark.torch
@pytest.mark.parametrize("fn, shape, args, kw", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_match_torch(fn, shape, args, kw):
    torch = require_torch()
    with pytest.raises(RuntimeError) as expected:
        getattr(torch.nn.functional, fn)(torch.zeros(shape, requires_grad=True), *args, **kw)
    with pytest.raises(RuntimeError) as got:
        getattr(P, fn)(al.zeros(shape, requires_grad=True), *args, **kw)
    assert str(got.value) == str(expected.value)


# ----------------------------------------------------------------------------------- layers
LAYERS = [
    ("nn.MaxPool2d(2)", (2, 3, 8, 8)),
    ("nn.MaxPool2d(3, 2, 1, ceil_mode=True)", (2, 3, 9, 9)),
    ("nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=2, return_indices=True)",
     (2, 3, 9, 9)),
    ("nn.MaxPool1d(3, 2)", (2, 3, 9)),
    ("nn.MaxPool1d(2, return_indices=True)", (2, 3, 9)),
    ("nn.AvgPool2d(2)", (2, 3, 8, 8)),
    ("nn.AvgPool2d(3, 1, 1, True, False, 2)", (2, 3, 7, 7)),
    ("nn.AdaptiveAvgPool2d((5, None))", (2, 3, 8, 9)),
    ("nn.AdaptiveAvgPool2d(1)", (2, 3, 8, 9)),
    ("nn.AdaptiveMaxPool2d(3)", (2, 3, 8, 9)),
    ("nn.AdaptiveMaxPool2d((2, 4), return_indices=True)", (2, 3, 8, 9)),
]


@pytest.mark.torch
@pytest.mark.parametrize("ctor, shape", LAYERS, ids=[c for c, _ in LAYERS])
def test_layer_matches_torch(ctor, shape):
    torch = require_torch()
    theirs = eval(ctor, {"nn": torch.nn})  # noqa: S307 - expressions of this file
    ours = eval(ctor, {"nn": alnn})  # noqa: S307
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    x = _with_ties(shape)
    xt, xo = torch.tensor(x, requires_grad=True), al.tensor(x, requires_grad=True)
    yt, yo = theirs(xt), ours(xo)
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(yo[1].numpy(), yt[1].numpy())
        yt, yo = yt[0], yo[0]
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = RNG.standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(g))
    yo.backward(al.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_float32_stays_float32():
    x = al.randn(2, 3, 8, 8, requires_grad=True)
    for fn in (lambda t: P.max_pool2d(t, 2), lambda t: P.avg_pool2d(t, 2),
               lambda t: P.adaptive_avg_pool2d(t, 3), lambda t: P.adaptive_max_pool2d(t, 3)):
        x.grad = None
        y = fn(x)
        y.sum().backward()
        assert y.dtype == al.float32 and x.grad.dtype == al.float32
