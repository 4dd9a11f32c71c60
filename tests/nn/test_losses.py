"""Loss functions of autograd_lab.nn.functional against torch.nn.functional: values, input and
target gradients, every reduction, weights, stability at extreme inputs, error messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as A
import autograd_lab.nn.functional as F
from autograd_lab.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seeded_data():
    global RNG
    RNG = np.random.default_rng(0)


def _x(*shape, dtype=np.float32, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def check_parity(ours_fn, torch_fn, arrays, grad_mask, rtol=1e-5, atol=1e-6, grad_fn=True):
    torch = require_torch()
    ours = [A.tensor(a, requires_grad=g) if isinstance(a, np.ndarray) else a
            for a, g in zip(arrays, grad_mask, strict=True)]
    theirs = [torch.tensor(a, requires_grad=g) if isinstance(a, np.ndarray) else a
              for a, g in zip(arrays, grad_mask, strict=True)]
    a, b = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    assert a.shape == tuple(b.shape) and a.dtype.name == str(b.dtype)[6:]
    if grad_fn and b.grad_fn is not None:
        assert a.grad_fn.name() == b.grad_fn.name()
    g = RNG.standard_normal(b.shape).astype(arrays[0].dtype)
    (a * A.tensor(g)).sum().backward()
    (b * torch.tensor(g)).sum().backward()
    for o, t, need in zip(ours, theirs, grad_mask, strict=True):
        if need:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
    return a, b


REDUCTIONS = ["mean", "sum", "none"]


# ----------------------------------------------------------------------------- regression
@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kw"), [("mse_loss", {}), ("l1_loss", {}),
                                          ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.3}),
                                          ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}),
                                          ("huber_loss", {"delta": 0.4})])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_losses(name, kw, reduction, dtype):
    torch = require_torch()
    x, y = _x(4, 3, dtype=dtype), _x(4, 3, dtype=dtype)
    x[0, 0] = y[0, 0]  # a zero difference
    check_parity(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw),
                 lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction, **kw),
                 [x, y], [True, True], grad_fn=name != "smooth_l1_loss" or kw.get("beta") != 0)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression(name, reduction):
    torch = require_torch()
    w = np.abs(_x(4, 3))
    check_parity(lambda a, b: getattr(F, name)(a, b, reduction=reduction, weight=A.tensor(w)),
                 lambda a, b: getattr(torch.nn.functional, name)(
                     a, b, reduction=reduction, weight=torch.tensor(w)),
                 [_x(4, 3), _x(4, 3)], [True, True], grad_fn=False)


@pytest.mark.torch
def test_regression_size_warning_and_errors():
    torch = require_torch()
    with pytest.warns(UserWarning, match=r"Using a target size \(autograd_lab.Size\(\[3, 1\]\)\) "
                      r"that is different to the input size"):
        out = F.mse_loss(A.tensor(_x(3)), A.tensor(_x(3, 1)))
    assert out.shape == ()
    for ours, theirs in [
        (lambda: F.mse_loss(A.zeros(2), A.zeros(2), reduction="bad"),
         lambda: torch.nn.functional.mse_loss(torch.zeros(2), torch.zeros(2), reduction="bad")),
        (lambda: F.smooth_l1_loss(A.zeros(2), A.zeros(2), beta=-1),
         lambda: torch.nn.functional.smooth_l1_loss(torch.zeros(2), torch.zeros(2), beta=-1)),
        (lambda: F.huber_loss(A.zeros(2), A.zeros(2), delta=0),
         lambda: torch.nn.functional.huber_loss(torch.zeros(2), torch.zeros(2), delta=0)),
    ]:
        _same_error(ours, theirs)


def _same_error(ours, theirs):
    with pytest.raises(Exception) as e1:
        ours()
    with pytest.raises(Exception) as e2:
        theirs()
    assert type(e1.value) is type(e2.value)
    assert str(e1.value) == str(e2.value).replace("torch.", "autograd_lab.")


@pytest.mark.parametrize("name", ["mse_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_gradcheck(name):
    x = A.tensor(_x(3, 2, dtype=np.float64), requires_grad=True)
    y = A.tensor(_x(3, 2, dtype=np.float64), requires_grad=True)
    fn = getattr(F, name)
    assert gradcheck(fn, (x, y))
    assert gradgradcheck(lambda a, b: fn(a, b, reduction="none"), (x, y))


# ----------------------------------------------------------------------------- cross entropy, nll
CE_CASES = [
    ((5, 4), {}), ((5, 4), {"weight": True}), ((5, 4), {"ignore_index": 2}),
    ((5, 4), {"weight": True, "ignore_index": 1}), ((5, 4), {"label_smoothing": 0.1}),
    ((5, 4), {"label_smoothing": 0.2, "weight": True, "ignore_index": 0}),
    ((4,), {}), ((3, 4, 2), {}), ((2, 4, 3, 3), {"weight": True}),
    ((2, 4, 3, 3), {"label_smoothing": 0.3, "ignore_index": 1}),
]


def _targets(shape, ignore_index=None):
    c = shape[1] if len(shape) > 1 else shape[0]
    t_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    t = RNG.integers(0, c, t_shape).astype(np.int64)
    if ignore_index is not None and t.ndim:
        t.reshape(-1)[0] = ignore_index
    return t


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "kw"), CE_CASES)
def test_cross_entropy_indices(shape, kw, reduction):
    torch = require_torch()
    kw = dict(kw)
    c = shape[1] if len(shape) > 1 else shape[0]
    w = np.abs(_x(c)) + 0.1 if kw.pop("weight", False) else None
    t = _targets(shape, kw.get("ignore_index"))
    for name in ["cross_entropy", "nll_loss"]:
        if name == "nll_loss" and "label_smoothing" in kw:
            continue
        x = _x(*shape, scale=3.0)
        check_parity(
            lambda a, name=name: getattr(F, name)(
                a, A.tensor(t), None if w is None else A.tensor(w), reduction=reduction, **kw),
            lambda a, name=name: getattr(torch.nn.functional, name)(
                a, torch.tensor(t), None if w is None else torch.tensor(w), reduction=reduction,
                **kw),
            [x], [True], rtol=1e-5, atol=1e-6,
            grad_fn=reduction != "none" and "label_smoothing" not in kw)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "kw"), [((5, 4), {}), ((5, 4), {"weight": True}),
                                           ((5, 4), {"label_smoothing": 0.2}),
                                           ((2, 3, 4), {"weight": True, "label_smoothing": 0.1})])
def test_cross_entropy_probabilities(shape, kw, reduction):
    torch = require_torch()
    kw = dict(kw)
    w = np.abs(_x(shape[1])) + 0.1 if kw.pop("weight", False) else None
    p = np.exp(_x(*shape))
    p /= p.sum(1, keepdims=True)
    check_parity(
        lambda a, b: F.cross_entropy(a, b, None if w is None else A.tensor(w),
                                     reduction=reduction, **kw),
        lambda a, b: torch.nn.functional.cross_entropy(
            a, b, None if w is None else torch.tensor(w), reduction=reduction, **kw),
        [_x(*shape), p], [True, True], grad_fn=False)


@pytest.mark.torch
def test_cross_entropy_extreme_logits():
    torch = require_torch()
    x = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4], [1e4, 1e4, 1e4]], np.float32)
    t = np.array([1, 2, 0])
    for reduction in REDUCTIONS:
        a, _ = check_parity(
            lambda a, r=reduction: F.cross_entropy(a, A.tensor(t), reduction=r,
                                                   label_smoothing=0.1),
            lambda a, r=reduction: torch.nn.functional.cross_entropy(
                a, torch.tensor(t), reduction=r, label_smoothing=0.1),
            [x], [True], grad_fn=False, rtol=1e-5, atol=1e-3)
        assert np.isfinite(a.detach().numpy()).all()


@pytest.mark.torch
def test_cross_entropy_all_ignored_is_nan():
    torch = require_torch()
    a = F.cross_entropy(A.tensor(_x(3, 4)), A.tensor([-100, -100, -100]))
    b = torch.nn.functional.cross_entropy(torch.tensor(_x(3, 4)), torch.tensor([-100] * 3))
    assert np.isnan(a.item()) and np.isnan(b.item())


@pytest.mark.torch
def test_cross_entropy_errors():
    torch = require_torch()
    tf = torch.nn.functional
    x, tx = A.zeros(3, 4), torch.zeros(3, 4)
    cases = [
        (lambda: F.nll_loss(x, A.tensor([1, 2])), lambda: tf.nll_loss(tx, torch.tensor([1, 2]))),
        (lambda: F.cross_entropy(x, A.tensor([1, 2, 5])),
         lambda: tf.cross_entropy(tx, torch.tensor([1, 2, 5]))),
        (lambda: F.nll_loss(x, A.tensor([1, -3, 0])),
         lambda: tf.nll_loss(tx, torch.tensor([1, -3, 0]))),
        (lambda: F.cross_entropy(x, A.tensor([1, 2, 3]), reduction="foo"),
         lambda: tf.cross_entropy(tx, torch.tensor([1, 2, 3]), reduction="foo")),
        (lambda: F.cross_entropy(x, A.tensor([1, 2, 3]), label_smoothing=1.5),
         lambda: tf.cross_entropy(tx, torch.tensor([1, 2, 3]), label_smoothing=1.5)),
        (lambda: F.cross_entropy(x, A.rand(3, 5)), lambda: tf.cross_entropy(tx, torch.rand(3, 5))),
        (lambda: F.cross_entropy(x, A.tensor([1, 2, 3]), weight=A.ones(3)),
         lambda: tf.cross_entropy(tx, torch.tensor([1, 2, 3]), weight=torch.ones(3))),
    ]
    for ours, theirs in cases:
        _same_error(ours, theirs)


def test_cross_entropy_gradcheck():
    x = A.tensor(_x(4, 3, dtype=np.float64), requires_grad=True)
    t = A.tensor([0, 2, 1, 2])
    w = A.tensor([0.5, 1.0, 2.0], dtype=A.float64)
    assert gradcheck(lambda a: F.cross_entropy(a, t, w, label_smoothing=0.1), (x,))
    assert gradgradcheck(lambda a: F.cross_entropy(a, t, w), (x,))
    assert gradcheck(lambda a: F.nll_loss(a, t, w, reduction="none", ignore_index=1), (x,))
    p = A.tensor(np.full((4, 3), 1 / 3), requires_grad=True)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b), (x, p))


def test_cross_entropy_float32_stays_float32():
    x = A.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(x, A.tensor([0, 1, 2, 0]))
    loss.backward()
    assert loss.dtype == A.float32 and x.grad.dtype == A.float32


# ----------------------------------------------------------------------------- binary
@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    torch = require_torch()
    p = RNG.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    y = RNG.uniform(0, 1, (4, 3)).astype(np.float32)
    w = np.abs(_x(3)) if weighted else None
    check_parity(
        lambda a, b: F.binary_cross_entropy(a, b, None if w is None else A.tensor(w),
                                            reduction=reduction),
        lambda a, b: torch.nn.functional.binary_cross_entropy(
            a, b, None if w is None else torch.tensor(w), reduction=reduction),
        [p, y], [True, True], rtol=1e-5, atol=1e-5)


@pytest.mark.torch
def test_binary_cross_entropy_at_0_and_1():
    torch = require_torch()
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], np.float32)
    a, _ = check_parity(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                        lambda a, b: torch.nn.functional.binary_cross_entropy(
                            a, b, reduction="none"), [p, y], [True, False])
    assert a.detach().numpy()[2] == 100.0


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("weighted", "pos"), [(False, False), (True, False), (False, True),
                                               (True, True)])
def test_bce_with_logits(reduction, weighted, pos):
    torch = require_torch()
    x = _x(4, 3, scale=4.0)
    x[0] = [1e4, -1e4, 0.0]
    y = RNG.uniform(0, 1, (4, 3)).astype(np.float32)
    arrays = [x, y, np.abs(_x(4, 3)) if weighted else None, np.abs(_x(3)) + 0.5 if pos else None]
    check_parity(
        lambda a, b, w, pw: F.binary_cross_entropy_with_logits(a, b, w, reduction=reduction,
                                                               pos_weight=pw),
        lambda a, b, w, pw: torch.nn.functional.binary_cross_entropy_with_logits(
            a, b, w, reduction=reduction, pos_weight=pw),
        arrays, [True, True, False, False], rtol=1e-5, atol=1e-5)
    if weighted:
        _same_error(lambda: F.binary_cross_entropy_with_logits(
                        A.zeros(2), A.zeros(2), A.ones(2, requires_grad=True)),
                    lambda: torch.nn.functional.binary_cross_entropy_with_logits(
                        torch.zeros(2), torch.zeros(2), torch.ones(2, requires_grad=True)))


@pytest.mark.torch
def test_binary_errors():
    torch = require_torch()
    tf = torch.nn.functional
    _same_error(lambda: F.binary_cross_entropy(A.rand(3), A.rand(3, 1)),
                lambda: tf.binary_cross_entropy(torch.rand(3), torch.rand(3, 1)))
    _same_error(lambda: F.binary_cross_entropy(A.tensor([1.5]), A.rand(1)),
                lambda: tf.binary_cross_entropy(torch.tensor([1.5]), torch.rand(1)))
    _same_error(lambda: F.binary_cross_entropy_with_logits(A.rand(3), A.rand(4)),
                lambda: tf.binary_cross_entropy_with_logits(torch.rand(3), torch.rand(4)))


def test_binary_gradcheck():
    x = A.tensor(RNG.uniform(0.1, 0.9, (3, 2)), requires_grad=True)
    y = A.tensor(RNG.uniform(0, 1, (3, 2)), requires_grad=True)
    w = A.tensor(RNG.uniform(0.5, 2, (3, 2)))
    pw = A.tensor(RNG.uniform(0.5, 2, (2,)))
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b), (x, y))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b), (x, y))
    assert gradcheck(lambda a, b, c, d: F.binary_cross_entropy_with_logits(a, b, c, pos_weight=d),
                     (x, y, w, pw))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b), (x, y))


# ----------------------------------------------------------------------------- KL, cosine
@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    torch = require_torch()
    logq = np.log(RNG.dirichlet(np.ones(4), 3)).astype(np.float32)
    p = RNG.dirichlet(np.ones(4), 3).astype(np.float32)
    p[0, 0] = 0.0
    target = np.log(p + 1e-3).astype(np.float32) if log_target else p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_parity(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                     lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction,
                                                             log_target=log_target),
                     [logq, target], [True, log_target], grad_fn=False)
        target[0, 0] = 0.3  # no zero: the target's gradient is finite in both
        check_parity(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                     lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction,
                                                             log_target=log_target),
                     [logq, target], [True, True], grad_fn=False)
    if reduction == "mean":
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            F.kl_div(A.tensor(logq), A.tensor(p))


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss(reduction, margin):
    torch = require_torch()
    t = np.array([1, -1, 1, -1, -1])
    check_parity(lambda a, b: F.cosine_embedding_loss(a, b, A.tensor(t), margin,
                                                      reduction=reduction),
                 lambda a, b: torch.nn.functional.cosine_embedding_loss(
                     a, b, torch.tensor(t), margin, reduction=reduction),
                 [_x(5, 4), _x(5, 4)], [True, True], grad_fn=False, rtol=1e-5, atol=1e-6)


def test_kl_cosine_gradcheck():
    a = A.tensor(_x(3, 4, dtype=np.float64), requires_grad=True)
    b = A.tensor(RNG.uniform(0.1, 1, (3, 4)), requires_grad=True)
    assert gradcheck(lambda x, y: F.kl_div(x, y, reduction="batchmean"), (a, b))
    t = A.tensor([1, -1, -1])
    assert gradcheck(lambda x, y: F.cosine_embedding_loss(x, y, t, 0.1), (a, b))


def test_legacy_size_average_reduce():
    x, y = A.tensor(_x(3)), A.tensor(_x(3))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = F.mse_loss(x, y, size_average=False)
    np.testing.assert_allclose(out.item(), F.mse_loss(x, y, reduction="sum").item(), rtol=1e-6)
