"""Convolutions against PyTorch: conv1d, conv2d, conv_transpose1d/2d (functional) and the
Conv1d, Conv2d, ConvTranspose2d layers. Values, input/weight/bias gradients over a table of
configurations, float64 gradchecks and double backward, error messages, reprs and init."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
import autograd_lab.nn as alnn
from autograd_lab.autograd import gradcheck, gradgradcheck
from autograd_lab.ops import conv as C

RNG = np.random.default_rng(0)

# (function, input shape, weight shape, has bias, keyword arguments)
CASES = [
    ("conv2d", (2, 3, 9, 8), (6, 3, 3, 3), True, {}),
    ("conv2d", (2, 3, 32, 32), (6, 3, 5, 5), True, {}),  # LeNet's first layer
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 2), False, dict(stride=(2, 3), padding=(1, 2),
                                                       dilation=(2, 1), groups=2)),
    ("conv2d", (2, 4, 9, 8), (6, 4, 4, 3), True, dict(padding="same", dilation=(1, 2))),
    ("conv2d", (2, 4, 9, 8), (6, 4, 3, 3), True, dict(padding="same")),
    ("conv2d", (2, 4, 9, 8), (6, 4, 4, 3), False, dict(padding="valid", stride=2)),
    ("conv2d", (4, 9, 8), (6, 4, 3, 3), True, dict(padding=1)),  # unbatched
    ("conv2d", (2, 6, 7, 7), (6, 1, 3, 3), True, dict(groups=6, padding=2, stride=2)),
    ("conv2d", (1, 2, 5, 5), (3, 2, 5, 5), True, {}),  # kernel = whole image
    ("conv1d", (2, 4, 11), (6, 2, 3), True, dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv1d", (2, 4, 11), (6, 4, 4), False, dict(padding="same")),
    ("conv1d", (4, 11), (6, 4, 3), True, {}),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), True, {}),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 2), True, dict(
        stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2))),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), False, dict(stride=2, padding=2,
                                                                  output_padding=1)),
    ("conv_transpose2d", (4, 5, 6), (4, 2, 2, 2), True, dict(stride=2)),
    ("conv_transpose1d", (2, 4, 7), (4, 3, 3), True, dict(stride=2, padding=1,
                                                         output_padding=1)),
]


def _case_id(case) -> str:
    fn, xs, ws, bias, kw = case
    return f"{fn}-{'x'.join(map(str, xs))}-{'x'.join(map(str, ws))}-{bias}-{kw}"


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_functional_matches_torch(case):
    torch = require_torch()
    fn, xshape, wshape, has_bias, kw = case
    x = RNG.standard_normal(xshape).astype(np.float32)
    w = RNG.standard_normal(wshape).astype(np.float32)
    out_channels = wshape[0] if not fn.startswith("conv_t") else wshape[1] * kw.get("groups", 1)
    b = RNG.standard_normal(out_channels).astype(np.float32) if has_bias else None
    ours = [al.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    with warnings.catch_warnings():  # PyTorch warns (once) about 'same' with even kernels
        warnings.simplefilter("ignore")
        t_out = getattr(torch.nn.functional, fn)(*theirs, **kw)
    o_out = getattr(C, fn)(*ours, **kw)
    assert tuple(o_out.shape) == tuple(t_out.shape)
    assert type(o_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4,
                               atol=1e-4)
    g = RNG.standard_normal(tuple(t_out.shape)).astype(np.float32)
    o_out.backward(al.tensor(g))
    t_out.backward(torch.tensor(g))
    for o, t in zip(ours, theirs, strict=True):
        if t is not None:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


GRAD_CASES = [c for c in CASES if np.prod(c[1]) <= 500]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[_case_id(c) for c in GRAD_CASES])
def test_gradcheck_float64(case):
    fn, xshape, wshape, has_bias, kw = case
    x = al.tensor(RNG.standard_normal(xshape), requires_grad=True)
    w = al.tensor(RNG.standard_normal(wshape), requires_grad=True)
    out_channels = wshape[0] if not fn.startswith("conv_t") else wshape[1] * kw.get("groups", 1)
    inputs = [x, w]
    if has_bias:
        inputs.append(al.tensor(RNG.standard_normal(out_channels), requires_grad=True))
    assert gradcheck(lambda *a: getattr(C, fn)(*a, **kw), inputs, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("fn, xshape, wshape, kw", [
    ("conv2d", (2, 2, 5, 4), (3, 2, 3, 2), dict(stride=(2, 1), padding=1)),
    ("conv2d", (1, 4, 5, 5), (4, 2, 3, 3), dict(groups=2, dilation=2, padding="same")),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 3, 2, 3), dict(stride=2, output_padding=1)),
    ("conv1d", (2, 2, 6), (3, 2, 3), dict(stride=2)),
])
def test_double_backward_float64(fn, xshape, wshape, kw):
    x = al.tensor(RNG.standard_normal(xshape), requires_grad=True)
    w = al.tensor(RNG.standard_normal(wshape), requires_grad=True)
    b_size = wshape[0] if fn != "conv_transpose2d" else wshape[1]
    b = al.tensor(RNG.standard_normal(b_size), requires_grad=True)
    assert gradgradcheck(lambda *a: getattr(C, fn)(*a, **kw), [x, w, b], eps=1e-6, atol=1e-4)


@pytest.mark.torch
def test_double_backward_matches_torch():
    """Gradient penalty: d/dW of |d loss/dx|^2, through create_graph=True."""
    torch = require_torch()
    xs = RNG.standard_normal((2, 3, 7, 7)).astype(np.float32)
    ws = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
    results = []
    for lib, F in ((al, C), (torch, torch.nn.functional)):
        x, w = lib.tensor(xs, requires_grad=True), lib.tensor(ws, requires_grad=True)
        y = F.conv2d(x, w, stride=2, padding=1)
        (gx,) = lib.autograd.grad((y * y).sum(), [x], create_graph=True)
        (gx * gx).sum().backward()
        results.append((gx.detach().numpy(), w.grad.numpy(), x.grad.numpy()))
    for o, t in zip(*results, strict=True):
        np.testing.assert_allclose(o, t, rtol=1e-4, atol=1e-3)


ERRORS = [
    ("conv2d", (1, 4, 32, 32), (6, 3, 5, 5), None, {}),
    ("conv2d", (1, 3, 4, 4), (6, 3, 5, 5), None, {}),
    ("conv2d", (3, 4, 4), (6, 3, 5, 5), None, {}),
    ("conv1d", (1, 3, 4), (6, 3, 5), None, {}),
    ("conv2d", (1, 3, 4, 4), (6, 3, 3, 3), None, dict(stride=2, padding="same")),
    ("conv2d", (1, 3, 4, 4), (6, 3, 3, 3), None, dict(padding="foo")),
    ("conv2d", (1, 6, 8, 8), (6, 3, 3, 3), None, dict(groups=4)),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), None, dict(groups=2)),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), (5,), {}),
    ("conv2d", (3, 8), (6, 3, 3, 3), None, {}),
    ("conv1d", (4, 8, 2, 2), (4, 2, 3), None, {}),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3), None, {}),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), None, dict(stride=0)),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), None, dict(padding=-1)),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), None, dict(dilation=0)),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), None, dict(groups=0)),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), None, dict(stride=(1, 1, 1))),
    ("conv2d", (1, 3, 8, 8), (6, 3, 3, 3), None, dict(padding=(1, 2, 3))),
    ("conv_transpose2d", (1, 3, 8, 8), (4, 2, 3, 3), None, {}),
    ("conv_transpose2d", (1, 4, 8, 8), (4, 2, 3, 3), (3,), {}),
    ("conv_transpose2d", (1, 4, 8, 8), (4, 2, 3, 3), None, dict(stride=2, output_padding=2)),
    ("conv_transpose1d", (1, 4, 8), (4, 2, 3), None, dict(stride=2, output_padding=2)),
    ("conv_transpose2d", (1, 4, 8, 8), (4, 2, 3, 3), None, dict(padding="same")),
    ("conv_transpose2d", (1, 4, 2, 2), (4, 2, 3, 3), None, dict(padding=3)),
]


@pytest.mark.torch
@pytest.mark.parametrize("fn, xshape, wshape, bshape, kw", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_match_torch(fn, xshape, wshape, bshape, kw):
    torch = require_torch()
    args_t = [torch.zeros(xshape), torch.zeros(wshape)]
    args_o = [al.zeros(xshape), al.zeros(wshape)]
    if bshape is not None:
        args_t.append(torch.zeros(bshape))
        args_o.append(al.zeros(bshape))
    with pytest.raises((RuntimeError, TypeError)) as expected:
        getattr(torch.nn.functional, fn)(*args_t, **kw)
    with pytest.raises(expected.type) as got:
        getattr(C, fn)(*args_o, **kw)
    assert str(got.value) == str(expected.value).replace("torch.", "autograd_lab.")


@pytest.mark.torch
def test_dtype_mismatch_errors():
    torch = require_torch()
    for x, w, b in [((np.float32,) * 2 + (None,)), (np.float64, np.float32, None),
                    (np.float32, np.float32, np.float64)]:
        xs = np.zeros((1, 3, 8, 8), x)
        ws = np.zeros((6, 3, 3, 3), w)
        bs = None if b is None else np.zeros(6, b)
        mk_t = [torch.tensor(a) if a is not None else None for a in (xs, ws, bs)]
        mk_o = [al.tensor(a) if a is not None else None for a in (xs, ws, bs)]
        try:
            torch.nn.functional.conv2d(*mk_t)
        except RuntimeError as e:
            with pytest.raises(RuntimeError) as got:
                C.conv2d(*mk_o)
            assert str(got.value) == str(e)
        else:
            assert C.conv2d(*mk_o).shape == (1, 6, 6, 6)


# ----------------------------------------------------------------------------------- layers
LAYERS = [
    ("nn.Conv2d(3, 6, 5)", (2, 3, 12, 12)),
    ("nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(2, 1), groups=2, bias=False)",
     (2, 4, 9, 9)),
    ("nn.Conv2d(3, 4, 3, padding='same')", (2, 3, 6, 6)),
    ("nn.Conv2d(3, 4, 3, padding='valid')", (3, 6, 6)),
    ("nn.Conv1d(4, 8, 3)", (2, 4, 10)),
    ("nn.Conv1d(4, 8, 3, stride=2, padding=2, dilation=2, groups=4, bias=False)", (2, 4, 10)),
    ("nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)", (2, 4, 5, 5)),
    ("nn.ConvTranspose2d(4, 6, (3, 2), stride=(1, 2), padding=1, groups=2, dilation=2)",
     (2, 4, 5, 5)),
]


def _norm(text: str) -> str:
    return text.replace("torch.", "autograd_lab.")


@pytest.mark.torch
@pytest.mark.parametrize("ctor, shape", LAYERS, ids=[c for c, _ in LAYERS])
def test_layer_matches_torch(ctor, shape):
    torch = require_torch()
    theirs = eval(ctor, {"nn": torch.nn})  # noqa: S307 - expressions of this file
    ours = eval(ctor, {"nn": alnn})  # noqa: S307
    assert repr(ours) == _norm(repr(theirs))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p_o), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters(),
                                     strict=True):
        assert tuple(p_o.shape) == tuple(p_t.shape), name
    ours.load_state_dict({k: al.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal(shape).astype(np.float32)
    xt, xo = torch.tensor(x, requires_grad=True), al.tensor(x, requires_grad=True)
    yt, yo = theirs(xt), ours(xo)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = RNG.standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(g))
    yo.backward(al.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (name, p_o), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters(),
                                     strict=True):
        np.testing.assert_allclose(p_o.grad.numpy(), p_t.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=name)


@pytest.mark.parametrize("ctor, fan_in", [
    ("alnn.Conv2d(3, 6, 5)", 75), ("alnn.Conv2d(4, 6, 3, groups=2)", 18),
    ("alnn.Conv1d(4, 8, 3)", 12), ("alnn.ConvTranspose2d(4, 6, 3, groups=2)", 27),
])
def test_default_init_bounds(ctor, fan_in):
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias the same."""
    al.manual_seed(0)
    m = eval(ctor)  # noqa: S307 - expressions of this file
    bound = 1 / math.sqrt(fan_in)
    for p in (m.weight, m.bias):
        values = p.detach().numpy()
        assert values.dtype == np.float32
        assert np.abs(values).max() <= bound
    # spread over the whole interval, not a narrower one
    assert np.abs(m.weight.detach().numpy()).max() > 0.8 * bound


@pytest.mark.torch
@pytest.mark.parametrize("kw", [dict(groups=0), dict(groups=2), dict(padding="foo"),
                                dict(padding="same", stride=2)])
def test_layer_constructor_errors(kw):
    torch = require_torch()
    with pytest.raises(ValueError) as expected:
        torch.nn.Conv2d(3, 6, 3, **kw)
    with pytest.raises(ValueError) as got:
        alnn.Conv2d(3, 6, 3, **kw)
    assert str(got.value) == str(expected.value)


def test_padding_modes_other_than_zeros_are_refused():
    with pytest.raises(ValueError, match="padding_mode='zeros' only"):
        alnn.Conv2d(3, 6, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        alnn.Conv2d(3, 6, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        alnn.ConvTranspose2d(3, 6, 3, padding_mode="reflect")


@pytest.mark.torch
def test_conv_transpose_output_size():
    torch = require_torch()
    theirs = torch.nn.ConvTranspose2d(4, 2, 3, stride=2)
    ours = alnn.ConvTranspose2d(4, 2, 3, stride=2)
    ours.load_state_dict({k: al.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal((1, 4, 5, 5)).astype(np.float32)
    yt = theirs(torch.tensor(x), output_size=[12, 12])
    yo = ours(al.tensor(x), output_size=[12, 12])
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError) as expected:
        theirs(torch.tensor(x), output_size=[14, 12])
    with pytest.raises(ValueError) as got:
        ours(al.tensor(x), output_size=[14, 12])
    assert str(got.value) == _norm(str(expected.value))


def test_float32_stays_float32():
    x = al.randn(2, 3, 8, 8, requires_grad=True)
    m = alnn.Conv2d(3, 4, 3)
    y = m(x)
    y.sum().backward()
    assert y.dtype == al.float32
    assert x.grad.dtype == al.float32 and m.weight.grad.dtype == al.float32
