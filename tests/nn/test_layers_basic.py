"""Linear, Bilinear, Identity, Flatten/Unflatten, the activation layers and the loss modules
against PyTorch: repr, parameter shapes and state_dict keys, default initialisation bounds,
outputs, input gradients and parameter gradients with the same weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
import autograd_lab.nn as alnn

pytestmark = pytest.mark.torch
RNG = np.random.default_rng(0)


def _norm(text: str) -> str:
    return text.replace("torch.", "autograd_lab.")


def _both(ctor: str, lib_t, lib_o):
    """Evaluate a constructor expression with ``nn``/``T`` bound to each library."""
    return (eval(ctor, {"nn": lib_t.nn, "T": lib_t}),  # noqa: S307 - expressions of this file
            eval(ctor, {"nn": alnn, "T": lib_o}))  # noqa: S307


def _copy(theirs, ours) -> None:
    ours.load_state_dict({k: al.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})


def _run_and_compare(torch, theirs, ours, shapes, rtol=1e-5, atol=1e-6, backward=True,
                     dtype=np.float32):
    xs = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    txs = [torch.tensor(x, requires_grad=backward) for x in xs]
    oxs = [al.tensor(x, requires_grad=backward) for x in xs]
    t_out, o_out = theirs(*txs), ours(*oxs)
    assert o_out.dtype.name == str(t_out.dtype).split(".")[-1]
    np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol,
                               atol=atol)
    if not backward:
        return
    g = RNG.standard_normal(tuple(t_out.shape)).astype(dtype)
    t_out.backward(torch.tensor(g))
    o_out.backward(al.tensor(g))
    for tx, ox in zip(txs, oxs, strict=True):
        np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=rtol * 10, atol=atol)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(),
                                   rtol=rtol * 10, atol=atol * 10, err_msg=name)


# ----------------------------------------------------------------------------- layers
LAYERS = [
    # (constructor, input shapes)
    ("nn.Linear(5, 3)", [(4, 5)]),
    ("nn.Linear(5, 3, bias=False)", [(4, 5)]),
    ("nn.Linear(5, 3)", [(2, 6, 5)]),
    ("nn.Linear(5, 3)", [(5,)]),
    ("nn.Linear(1, 7, dtype=T.float64)", [(3, 1)]),
    ("nn.Bilinear(4, 3, 2)", [(6, 4), (6, 3)]),
    ("nn.Bilinear(4, 3, 2, bias=False)", [(6, 4), (6, 3)]),
    ("nn.Bilinear(2, 3, 5)", [(2, 4, 2), (2, 4, 3)]),
    ("nn.Identity(54, unused_argument1=0.1)", [(3, 2)]),
    ("nn.Flatten()", [(2, 3, 4, 5)]),
    ("nn.Flatten(0, 2)", [(2, 3, 4, 5)]),
    ("nn.Flatten(-2)", [(2, 3, 4)]),
    ("nn.Unflatten(1, (2, 5))", [(3, 10)]),
    ("nn.Unflatten(-1, [2, 2, 1])", [(3, 4)]),
    ("nn.ReLU()", [(4, 5)]),
    ("nn.ReLU(inplace=True)", [(4, 5)]),
    ("nn.ReLU6()", [(4, 5)]),
    ("nn.LeakyReLU()", [(4, 5)]),
    ("nn.LeakyReLU(0.2, inplace=True)", [(4, 5)]),
    ("nn.ELU()", [(4, 5)]),
    ("nn.ELU(alpha=0.5)", [(4, 5)]),
    ("nn.ELU(alpha=0.5, inplace=True)", [(4, 5)]),
    ("nn.GELU()", [(4, 5)]),
    ("nn.GELU(approximate='tanh')", [(4, 5)]),
    ("nn.SiLU()", [(4, 5)]),
    ("nn.Mish()", [(4, 5)]),
    ("nn.Sigmoid()", [(4, 5)]),
    ("nn.Tanh()", [(4, 5)]),
    ("nn.Softplus()", [(4, 5)]),
    ("nn.Softplus(beta=2, threshold=1.5)", [(4, 5)]),
    ("nn.Hardtanh()", [(4, 5)]),
    ("nn.Hardtanh(-0.5, 2.0)", [(4, 5)]),
    ("nn.Hardtanh(-0.5, 2.0, inplace=True)", [(4, 5)]),
    ("nn.ReLU6(inplace=True)", [(4, 5)]),
    ("nn.SiLU(inplace=True)", [(4, 5)]),
    ("nn.Mish(inplace=True)", [(4, 5)]),
    ("nn.Softmax(dim=1)", [(4, 5)]),
    ("nn.Softmax(dim=0)", [(4, 5, 2)]),
    ("nn.LogSoftmax(dim=-1)", [(4, 5)]),
    ("nn.LogSoftmax(1)", [(2, 3, 4)]),
]


@pytest.mark.parametrize(("ctor", "shapes"), LAYERS, ids=[c for c, _ in LAYERS])
def test_layer_matches_torch(ctor, shapes):
    torch = require_torch()
    theirs, ours = _both(ctor, torch, al)
    assert repr(ours) == _norm(repr(theirs))
    t_sd, o_sd = theirs.state_dict(), ours.state_dict()
    assert list(o_sd) == list(t_sd)
    for k in t_sd:
        assert tuple(o_sd[k].shape) == tuple(t_sd[k].shape)
        assert o_sd[k].dtype.name == str(t_sd[k].dtype).split(".")[-1]
    _copy(theirs, ours)
    inplace = "inplace=True" in ctor
    if inplace:  # in-place on a leaf is an error in both: compare on a non-leaf input
        x = RNG.standard_normal(shapes[0]).astype(np.float32)
        tx, ox = torch.tensor(x, requires_grad=True), al.tensor(x, requires_grad=True)
        t_out, o_out = theirs(tx * 1), ours(ox * 1)
        np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-6)
        assert o_out.grad_fn.name() == t_out.grad_fn.name()  # LeakyReluBackward1, ...
        g = RNG.standard_normal(shapes[0]).astype(np.float32)
        t_out.backward(torch.tensor(g))
        o_out.backward(al.tensor(g))
        np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
        return
    dtype = np.float64 if "float64" in ctor else np.float32
    _run_and_compare(torch, theirs, ours, shapes, dtype=dtype)


def test_linear_grad_fn_and_default_init():
    m = alnn.Linear(50, 40)
    assert m(al.ones(3, 50)).grad_fn.name() == "AddmmBackward0"
    bound = 1 / math.sqrt(50)
    for p in (m.weight, m.bias):
        arr = p.detach().numpy()
        assert arr.dtype == np.float32
        assert arr.min() >= -bound and arr.max() <= bound
        assert arr.max() - arr.min() > 1.6 * bound  # really spread over the interval
    assert m.weight.shape == (40, 50) and m.bias.shape == (40,)
    b = alnn.Bilinear(9, 3, 4)
    assert b.weight.shape == (4, 9, 3)
    assert np.abs(b.weight.detach().numpy()).max() <= 1 / 3
    al.manual_seed(3)
    w1 = alnn.Linear(4, 4).weight.detach().numpy().copy()
    al.manual_seed(3)
    np.testing.assert_array_equal(alnn.Linear(4, 4).weight.detach().numpy(), w1)
    m.reset_parameters()
    assert not m.weight.grad_fn and m.weight.requires_grad


def test_linear_no_bias_and_zero_features():
    torch = require_torch()
    m = alnn.Linear(3, 2, bias=False)
    assert m.bias is None and list(m.state_dict()) == ["weight"]
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        z = alnn.Linear(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        tz = torch.nn.Linear(0, 3)
    assert z.weight.shape == tuple(tz.weight.shape) == (3, 0)
    assert z(al.ones(2, 0)).tolist() == [z.bias.tolist()] * 2  # bias bound is 0 for fan_in 0
    assert z.bias.tolist() == [0.0] * 3 == tz.bias.tolist()


LAYER_ERRORS = [
    "nn.Unflatten(1, 5)",
    "nn.Unflatten(1, (2, 2.5))",
    "nn.Hardtanh(1.0, 0.5)",
    "nn.HuberLoss(delta='a')",
]


@pytest.mark.parametrize("ctor", LAYER_ERRORS)
def test_constructor_errors_match_torch(ctor):
    torch = require_torch()
    errs = []
    for lib, nn in ((torch, torch.nn), (al, alnn)):
        with pytest.raises(Exception) as info:  # noqa: PT011 - the type is compared below
            eval(ctor, {"nn": nn, "T": lib})  # noqa: S307
        errs.append((type(info.value).__name__, _norm(str(info.value))))
    assert errs[1] == errs[0]


def test_activations_in_place_return_input():
    x = al.randn(3, 4)
    for m in (alnn.ReLU(inplace=True), alnn.LeakyReLU(inplace=True), alnn.ELU(inplace=True),
              alnn.SiLU(inplace=True), alnn.Hardtanh(inplace=True), alnn.ReLU6(True)):
        assert m(x) is x


# ----------------------------------------------------------------------------- losses
def _targets(kind: str, shape):
    if kind == "class":
        return RNG.integers(0, shape[1], size=(shape[0],) + tuple(shape[2:])).astype(np.int64)
    if kind == "prob01":
        return RNG.random(shape).astype(np.float32)
    if kind == "sign":
        return np.where(RNG.random(shape[:1]) < 0.5, -1, 1).astype(np.float32)
    if kind == "probs":
        p = RNG.random(shape).astype(np.float32)
        return p / p.sum(1, keepdims=True)
    return RNG.standard_normal(shape).astype(np.float32)


LOSSES = [
    # (constructor, input shape, target kind, input transform)
    ("nn.MSELoss()", (4, 3), "real", None),
    ("nn.MSELoss(reduction='sum')", (4, 3), "real", None),
    ("nn.L1Loss(reduction='none')", (4, 3), "real", None),
    ("nn.SmoothL1Loss(beta=0.5)", (4, 3), "real", None),
    ("nn.HuberLoss(delta=0.7, reduction='sum')", (4, 3), "real", None),
    ("nn.CrossEntropyLoss()", (5, 4), "class", None),
    ("nn.CrossEntropyLoss(weight=T.tensor([1., 2., .5, 1.]), ignore_index=1)", (5, 4), "class",
     None),
    ("nn.CrossEntropyLoss(label_smoothing=0.1, reduction='sum')", (3, 4, 2), "class", None),
    ("nn.CrossEntropyLoss()", (5, 4), "probs", None),
    ("nn.NLLLoss(weight=T.tensor([1., 2., .5]))", (6, 3), "class", "log_softmax"),
    ("nn.NLLLoss(reduction='none')", (6, 3), "class", "log_softmax"),
    ("nn.BCELoss()", (4, 3), "prob01", "sigmoid"),
    ("nn.BCELoss(weight=T.tensor([1., 2., 3.]))", (4, 3), "prob01", "sigmoid"),
    ("nn.BCEWithLogitsLoss()", (4, 3), "prob01", None),
    ("nn.BCEWithLogitsLoss(pos_weight=T.tensor([1., 3., .5]), weight=T.tensor([2., 1., 1.]))",
     (4, 3), "prob01", None),
    ("nn.KLDivLoss(reduction='batchmean')", (4, 3), "probs", "log_softmax"),
    ("nn.KLDivLoss(reduction='sum', log_target=True)", (4, 3), "real", "log_softmax"),
    ("nn.CosineEmbeddingLoss(margin=0.2)", (5, 3), "sign", None),
    ("nn.CosineEmbeddingLoss(reduction='none')", (5, 3), "sign", None),
]


@pytest.mark.parametrize(("ctor", "shape", "kind", "transform"), LOSSES,
                         ids=[c for c, *_ in LOSSES])
def test_loss_module_matches_torch(ctor, shape, kind, transform):
    torch = require_torch()
    theirs, ours = _both(ctor, torch, al)
    assert repr(ours) == _norm(repr(theirs))
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.reduction == theirs.reduction
    x = RNG.standard_normal(shape).astype(np.float32)
    tx, ox = torch.tensor(x, requires_grad=True), al.tensor(x, requires_grad=True)
    tin, oin = tx, ox
    if transform == "sigmoid":
        tin, oin = tx.sigmoid(), ox.sigmoid()
    elif transform == "log_softmax":
        tin, oin = tx.log_softmax(1), ox.log_softmax(1)
    target = _targets(kind, shape)
    if "Cosine" in ctor:
        x2 = RNG.standard_normal(shape).astype(np.float32)
        t_out = theirs(tin, torch.tensor(x2), torch.tensor(target))
        o_out = ours(oin, al.tensor(x2), al.tensor(target))
    else:
        t_out = theirs(tin, torch.tensor(target))
        o_out = ours(oin, al.tensor(target))
    np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    t_out.sum().backward()
    o_out.sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_loss_buffers_follow_to_and_legacy_reduction():
    torch = require_torch()
    loss = alnn.CrossEntropyLoss(weight=al.tensor([1.0, 2.0]))
    loss.double()
    assert loss.weight.dtype is al.float64
    with pytest.warns(UserWarning, match="reduction='sum' instead"):
        legacy = alnn.MSELoss(size_average=False)
    with pytest.warns(UserWarning):
        t_legacy = torch.nn.MSELoss(size_average=False)
    assert legacy.reduction == t_legacy.reduction == "sum"
    with pytest.warns(UserWarning):
        assert alnn.L1Loss(reduce=False).reduction == "none"
    assert alnn.BCEWithLogitsLoss().pos_weight is None
    assert list(alnn.BCEWithLogitsLoss(pos_weight=al.ones(2)).state_dict()) == ["pos_weight"]
