"""Dropout and Dropout2d: the kept fraction, the 1/(1-p) scaling, whole-channel masks, eval as
the identity, the edge cases p=0 and p=1, gradients through the forward mask, ``inplace``,
and PyTorch's reprs and errors. The masks are random (and not PyTorch's numbers), so the
comparisons with torch are of behaviour: what is zeroed, how the rest is scaled."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab
from autograd_lab import nn


def _outcome(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - we compare the exception itself
        return (type(e).__name__, str(e).replace("autograd_lab.", "torch."))


def _kept_within(n_kept, n, p):
    """True when ``n_kept`` of ``n`` Bernoulli(1 - p) draws is within 5 standard deviations."""
    q = 1 - p
    return abs(n_kept - n * q) <= 5 * np.sqrt(n * p * q) + 1


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5, 0.8])
def test_dropout_kept_fraction_and_scale(p):
    autograd_lab.manual_seed(0)
    x = autograd_lab.ones(100, 400)
    y = nn.Dropout(p)(x).numpy()
    kept = y != 0
    assert _kept_within(kept.sum(), y.size, p)
    np.testing.assert_allclose(y[kept], np.float32(1) / np.float32(1 - p), rtol=1e-6)
    assert y.dtype == np.float32


@pytest.mark.parametrize("p", [0.2, 0.5, 0.7])
def test_dropout2d_zeroes_whole_channels(p):
    autograd_lab.manual_seed(1)
    x = autograd_lab.rand(40, 50, 3, 4) + 1  # no zeros of its own
    y = nn.Dropout2d(p)(x).numpy()
    zeroed = (y == 0).reshape(40, 50, -1)
    assert (zeroed.all(-1) | ~zeroed.any(-1)).all()  # a channel is zeroed whole or not at all
    kept = ~zeroed[..., 0]
    assert _kept_within(kept.sum(), kept.size, p)
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / np.float32(1 - p), rtol=1e-6)


def test_dropout2d_3d_input_is_batched_1d_channels_like_torch():
    torch = require_torch()
    autograd_lab.manual_seed(2)
    x = autograd_lab.rand(30, 40, 5) + 1
    with pytest.warns(UserWarning) as ours_warnings:
        y = nn.Dropout2d(0.5)(x).numpy()
    zeroed = y == 0
    assert (zeroed.all(-1) | ~zeroed.any(-1)).all()  # masks per (dim 0, dim 1), as torch
    assert zeroed.all(-1).any() and (~zeroed).all(-1).any()
    with pytest.warns(UserWarning) as torch_warnings:
        torch.nn.Dropout2d(0.5)(torch.ones(3, 4, 5))
    assert [str(w.message) for w in ours_warnings] == [str(w.message) for w in torch_warnings]


@pytest.mark.parametrize("cls", ["Dropout", "Dropout2d"])
def test_gradient_uses_the_forward_mask(cls):
    autograd_lab.manual_seed(3)
    p = 0.4
    x = (autograd_lab.rand(8, 6, 3, 3) + 0.5).requires_grad_()
    y = getattr(nn, cls)(p)(x)
    g = autograd_lab.randn(8, 6, 3, 3)
    y.backward(g)
    mask = y.detach().numpy() != 0
    assert mask.any() and not mask.all()
    np.testing.assert_allclose(x.grad.numpy(), g.numpy() * mask / np.float32(1 - p), rtol=1e-6)


@pytest.mark.parametrize("cls", ["Dropout", "Dropout2d"])
def test_eval_is_identity_like_torch(cls):
    torch = require_torch()
    ours, ref = getattr(nn, cls)(0.5).eval(), getattr(torch.nn, cls)(0.5).eval()
    x = autograd_lab.randn(2, 3, 4, 4, requires_grad=True)
    tx = torch.randn(2, 3, 4, 4, requires_grad=True)
    y, ty = ours(x), ref(tx)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())
    assert (y is x) == (ty is tx)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1)
    assert not ours.training


@pytest.mark.parametrize("cls", ["Dropout", "Dropout2d"])
def test_p_zero_and_p_one(cls):
    x = (autograd_lab.rand(4, 3, 2, 2) + 1).requires_grad_()
    y = getattr(nn, cls)(0.0)(x)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1)

    x.grad = None
    y = getattr(nn, cls)(1.0)(x)
    np.testing.assert_array_equal(y.detach().numpy(), 0)
    assert not np.isnan(y.detach().numpy()).any()
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0)


@pytest.mark.parametrize("cls", ["Dropout", "Dropout2d"])
def test_inplace_like_torch(cls):
    torch = require_torch()
    autograd_lab.manual_seed(4)
    a = (autograd_lab.rand(4, 5, 3, 3) + 1).requires_grad_()
    x = a * 1  # not a leaf, so it may be changed in place
    y = getattr(nn, cls)(0.5, inplace=True)(x)
    ta = torch.ones(4, 5, 3, 3, requires_grad=True)
    tx = ta * 1
    ty = getattr(torch.nn, cls)(0.5, inplace=True)(tx)
    assert (y is x) == (ty is tx)
    np.testing.assert_array_equal(x.detach().numpy(), y.detach().numpy())
    y.sum().backward()
    mask = y.detach().numpy() != 0
    assert mask.any() and not mask.all()
    np.testing.assert_allclose(a.grad.numpy(), mask * 2.0, rtol=1e-6)


def test_same_seed_same_mask():
    m = nn.Dropout(0.5)
    autograd_lab.manual_seed(7)
    first = m(autograd_lab.ones(50)).numpy()
    autograd_lab.manual_seed(7)
    np.testing.assert_array_equal(m(autograd_lab.ones(50)).numpy(), first)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept(dtype):
    dt = getattr(autograd_lab, dtype)
    assert nn.Dropout(0.3)(autograd_lab.ones(3, 4, dtype=dt)).dtype == dt
    assert nn.Dropout2d(0.3)(autograd_lab.ones(2, 3, 4, 4, dtype=dt)).dtype == dt


STRUCT_CASES = [
    ("Dropout", (), {}),
    ("Dropout", (0.25,), {}),
    ("Dropout", (), {"p": 0.0, "inplace": True}),
    ("Dropout2d", (), {}),
    ("Dropout2d", (1,), {"inplace": True}),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "args", "kwargs"), STRUCT_CASES)
def test_repr_and_state_match_torch(name, args, kwargs):
    torch = require_torch()
    ours, ref = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(ref)
    assert list(ours.state_dict()) == list(ref.state_dict()) == []
    assert list(ours.parameters()) == []
    assert (ours.p, ours.inplace) == (ref.p, ref.inplace)


ERROR_CASES = [
    ("p negative", lambda lib: lib.nn.Dropout(-0.1)),
    ("p above one", lambda lib: lib.nn.Dropout(1.5)),
    ("2d p above one", lambda lib: lib.nn.Dropout2d(p=2)),
    ("inplace on a leaf", lambda lib: lib.nn.Dropout(0.5, inplace=True)(
        lib.ones(3, requires_grad=True))),
]


@pytest.mark.torch
@pytest.mark.parametrize(("what", "call"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(what, call):
    torch = require_torch()
    assert _outcome(lambda: call(autograd_lab)) == _outcome(lambda: call(torch))


def _mnist_cnn(lib):
    """The MNIST CNN of the tutorials (shared/seeds/002): Dropout2d after the conv block."""
    nn_, F = lib.nn, lib.nn.functional

    class CNN(nn_.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn_.Conv2d(1, 32, 3, 1)
            self.conv2 = nn_.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn_.Dropout2d(0.25)
            self.dropout2 = nn_.Dropout2d(0.5)
            self.fc1 = nn_.Linear(9216, 128)
            self.fc2 = nn_.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            return F.log_softmax(self.fc2(x), dim=1)

    return CNN()


@pytest.mark.torch
def test_mnist_cnn_with_dropout2d():
    torch = require_torch()
    autograd_lab.manual_seed(5)
    ours, ref = _mnist_cnn(autograd_lab), _mnist_cnn(torch)
    ours.load_state_dict({k: autograd_lab.tensor(v.numpy()) for k, v in
                          ref.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((2, 1, 28, 28)).astype(np.float32)

    # Training: dropout2 sees a 2D (N, 128) input, which torch warns about, and so do we.
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        out = ours(autograd_lab.tensor(x))
    assert tuple(out.shape) == (2, 10)
    out.sum().backward()
    assert tuple(ours.conv1.weight.grad.shape) == (32, 1, 3, 3)
    assert np.isfinite(ours.fc1.weight.grad.numpy()).all()

    ours.eval()
    ref.eval()  # dropout is the identity: the whole network matches torch (and still warns)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        got = ours(autograd_lab.tensor(x)).detach().numpy()
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        want = ref(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
