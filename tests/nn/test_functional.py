"""autograd_lab.nn.functional (activations, dropout, normalization, embedding, pad, interpolate,
attention) against torch.nn.functional: values, input gradients and weight gradients."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as A
import autograd_lab.nn.functional as F
from autograd_lab.autograd import gradcheck, gradgradcheck
from autograd_lab.nn._functional_activations import erf

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seeded_data():
    """Each test draws the same data whatever the order or the worker."""
    global RNG
    RNG = np.random.default_rng(0)


def _both(arrays, grad_mask):
    torch = require_torch()
    ours = [A.tensor(a, requires_grad=g) if isinstance(a, np.ndarray) else a
            for a, g in zip(arrays, grad_mask, strict=True)]
    theirs = [torch.tensor(a, requires_grad=g) if isinstance(a, np.ndarray) else a
              for a, g in zip(arrays, grad_mask, strict=True)]
    return ours, theirs


def check_parity(ours_fn, torch_fn, arrays, grad_mask=None, rtol=1e-5, atol=1e-6):
    """Run both libraries on the same inputs; compare outputs and every input gradient."""
    grad_mask = grad_mask or [isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    ours, theirs = _both(arrays, grad_mask)
    a, b = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    assert a.dtype.name == str(b.dtype).replace("torch.", "")
    if not b.requires_grad:
        return a, b
    g = RNG.standard_normal(b.shape).astype(arrays[0].dtype)
    (a * A.tensor(g)).sum().backward()
    (b * require_torch().tensor(g)).sum().backward()
    for o, t in zip(ours, theirs, strict=True):
        if getattr(t, "grad", None) is not None:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
    return a, b


def _x(*shape, dtype=np.float32, scale=2.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


# ----------------------------------------------------------------------------- activations
ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("silu", {}), ("mish", {}), ("sigmoid", {}), ("tanh", {}), ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}), ("hardtanh", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("softmax", {"dim": 1}),
    ("softmax", {"dim": 0}), ("log_softmax", {"dim": -1}), ("softmin", {"dim": 1}),
]
GRAD_FN = {"relu": "ReluBackward0", "relu6": "HardtanhBackward0", "elu": "EluBackward0",
           "gelu": "GeluBackward0", "silu": "SiluBackward0", "mish": "MishBackward0",
           "softplus": "SoftplusBackward0", "hardtanh": "HardtanhBackward0",
           "leaky_relu": "LeakyReluBackward0", "log_softmax": "LogSoftmaxBackward0"}


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kw"), ACTIVATIONS)
def test_activation_parity(name, kw, dtype):
    torch = require_torch()
    x = _x(4, 5, dtype=dtype, scale=3.0)
    x[0, :3] = [0.0, 6.0, -1.0]  # kinks
    a, b = check_parity(lambda t: getattr(F, name)(t, **kw),
                        lambda t: getattr(torch.nn.functional, name)(t, **kw), [x])
    if name in GRAD_FN:
        assert a.grad_fn.name() == GRAD_FN[name] == b.grad_fn.name()


@pytest.mark.torch
@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "hardtanh", "silu",
                                  "mish"])
def test_activation_inplace(name):
    torch = require_torch()
    x = _x(3, 4)
    ours, theirs = A.tensor(x), torch.tensor(x)
    r1 = getattr(F, name)(ours, inplace=True)
    getattr(torch.nn.functional, name)(theirs, inplace=True)
    assert r1 is ours
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.torch
def test_extreme_values():
    torch = require_torch()
    x = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], np.float32)
    for name in ["gelu", "silu", "mish", "softplus", "elu", "sigmoid"]:
        check_parity(getattr(F, name), getattr(torch.nn.functional, name), [x])


def test_erf_accuracy():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 1e-12, 2.0, 5.9999, 6.0, 30.0]])
    ref = np.array([math.erf(v) for v in x])
    got = erf(A.tensor(x)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-15)
    assert np.isnan(erf(A.tensor([float("nan")])).item())
    assert erf(A.tensor([float("inf"), -float("inf")])).tolist() == [1.0, -1.0]


@pytest.mark.parametrize(("name", "kw"), [(n, k) for n, k in ACTIVATIONS
                                          if n not in ("sigmoid", "tanh")])
def test_activation_gradcheck(name, kw):
    x = A.tensor(_x(3, 4, dtype=np.float64), requires_grad=True)
    with A.no_grad():  # keep finite differences away from the kinks
        x.masked_fill_(x.abs() < 1e-3, 0.5)
        x.masked_fill_((x - 6).abs() < 1e-3, 5.5)
    assert gradcheck(lambda t: getattr(F, name)(t, **kw), (x,))
    assert gradgradcheck(lambda t: getattr(F, name)(t, **kw), (x,))


def test_erf_gradcheck():
    x = A.tensor(_x(6, dtype=np.float64, scale=1.0), requires_grad=True)
    assert gradcheck(erf, (x,))
    assert gradgradcheck(erf, (x,))


@pytest.mark.torch
def test_activation_errors():
    torch = require_torch()
    tf = torch.nn.functional
    for ours, theirs in [(lambda: F.hardtanh(A.zeros(2), 2, 1), lambda: tf.hardtanh(
            torch.zeros(2), 2, 1)), (lambda: F.gelu(A.zeros(2), approximate="x"),
                                     lambda: tf.gelu(torch.zeros(2), approximate="x")),
                         (lambda: F.dropout(A.zeros(2), 1.5), lambda: tf.dropout(
                             torch.zeros(2), 1.5))]:
        with pytest.raises(Exception) as e1:
            ours()
        with pytest.raises(Exception) as e2:
            theirs()
        assert type(e1.value) is type(e2.value) and str(e1.value) == str(e2.value)


def test_softmax_implicit_dim_warns():
    x = A.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.sum(1).numpy(), [1, 1], rtol=1e-6)
    with pytest.warns(UserWarning, match="log_softmax"):
        y = F.log_softmax(A.randn(3))
    assert y.shape == (3,)


# ----------------------------------------------------------------------------- dropout
def test_dropout_values_and_grad():
    A.manual_seed(0)
    x = A.ones(200, 50, requires_grad=True)
    y = F.dropout(x, 0.3)
    np.testing.assert_allclose(np.unique(y.detach().numpy()), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((y.detach().numpy() == 0).mean() - 0.3) < 0.02
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())
    assert F.dropout(x, 0.3, training=False) is x
    assert (F.dropout(x, 1.0).detach().numpy() == 0).all()
    assert y.dtype == A.float32


def test_dropout_inplace_and_seed():
    A.manual_seed(3)
    a = F.dropout(A.ones(10, 10), 0.5)
    A.manual_seed(3)
    b = A.ones(10, 10)
    assert F.dropout(b, 0.5, inplace=True) is b
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dropout2d_channels():
    A.manual_seed(1)
    x = A.ones(8, 16, 3, 3, requires_grad=True)
    y = F.dropout2d(x, 0.5)
    arr = y.detach().numpy()
    per_channel = arr.reshape(8, 16, 9)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # whole channels dropped or kept
    assert set(np.unique(arr)) == {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), arr)


@pytest.mark.torch
def test_dropout2d_warnings_match_torch():
    torch = require_torch()
    for shape in [(2, 3, 4), (2, 3)]:
        with warnings.catch_warnings(record=True) as w1:
            warnings.simplefilter("always")
            F.dropout2d(A.ones(*shape), 0.5)
        with warnings.catch_warnings(record=True) as w2:
            warnings.simplefilter("always")
            torch.nn.functional.dropout2d(torch.ones(*shape), 0.5)
        assert [str(w.message) for w in w1] == [str(w.message) for w in w2]


# ----------------------------------------------------------------------------- linear, bilinear
@pytest.mark.torch
@pytest.mark.parametrize("bias", [True, False])
def test_linear_bilinear(bias):
    torch = require_torch()
    tf = torch.nn.functional
    args = [_x(4, 3), _x(5, 3), _x(5) if bias else None]
    check_parity(F.linear, tf.linear, args, rtol=1e-5, atol=1e-5)
    args = [_x(2, 4, 3), _x(2, 4, 2), _x(5, 3, 2), _x(5) if bias else None]
    check_parity(F.bilinear, tf.bilinear, args, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- normalization
def _copy_stats(*arrays):
    torch = require_torch()
    return [A.tensor(a.copy()) for a in arrays], [torch.tensor(a.copy()) for a in arrays]


@pytest.mark.torch
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (4, 3, 5, 2)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm(shape, training, affine, dtype):
    torch = require_torch()
    c = shape[1]
    stats = [_x(c, dtype=dtype, scale=0.3), np.abs(_x(c, dtype=dtype)) + 0.5]
    (rm, rv), (trm, trv) = _copy_stats(*stats)
    args = [_x(*shape, dtype=dtype), _x(c, dtype=dtype) if affine else None,
            _x(c, dtype=dtype) if affine else None]
    check_parity(
        lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training, 0.2, 1e-4),
        lambda x, w, b: torch.nn.functional.batch_norm(x, trm, trv, w, b, training, 0.2, 1e-4),
        args, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.torch
def test_batch_norm_no_running_stats_and_errors():
    torch = require_torch()
    check_parity(lambda x: F.batch_norm(x, None, None, training=True),
                 lambda x: torch.nn.functional.batch_norm(x, None, None, training=True),
                 [_x(5, 2, 3)], rtol=1e-4, atol=1e-5)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(A.randn(4, 3), None, None, training=False)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                       r"training, got input size autograd_lab.Size\(\[1, 3\]\)"):
        F.batch_norm(A.randn(1, 3), A.zeros(3), A.ones(3), training=True)
    y = F.batch_norm(A.randn(4, 3, requires_grad=True), None, None, training=True)
    assert y.grad_fn.name() == "NativeBatchNormBackward0"


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    x = A.tensor(_x(4, 3, 2, dtype=np.float64), requires_grad=True)
    w = A.tensor(_x(3, dtype=np.float64), requires_grad=True)
    b = A.tensor(_x(3, dtype=np.float64), requires_grad=True)
    rm, rv = A.zeros(3, dtype=A.float64), A.ones(3, dtype=A.float64)

    def f(x, w, b):
        return F.batch_norm(x, rm.clone(), rv.clone(), w, b, training)

    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


@pytest.mark.torch
@pytest.mark.parametrize(("shape", "ns"), [((4, 6), (6,)), ((2, 3, 4), (4,)),
                                           ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(shape, ns, affine):
    torch = require_torch()
    args = [_x(*shape), _x(*ns) if affine else None, _x(*ns) if affine else None]
    a, b = check_parity(lambda x, w, b: F.layer_norm(x, ns, w, b),
                        lambda x, w, b: torch.nn.functional.layer_norm(x, ns, w, b),
                        args, rtol=1e-4, atol=1e-5)
    assert a.grad_fn.name() == b.grad_fn.name() == "NativeLayerNormBackward0"


@pytest.mark.torch
def test_layer_norm_error():
    torch = require_torch()
    with pytest.raises(RuntimeError) as e:
        torch.nn.functional.layer_norm(torch.zeros(2, 3), (4,))
    with pytest.raises(RuntimeError) as e2:
        F.layer_norm(A.zeros(2, 3), (4,))
    assert str(e2.value) == str(e.value)


def test_layer_norm_gradcheck():
    x = A.tensor(_x(3, 4, dtype=np.float64), requires_grad=True)
    w = A.tensor(_x(4, dtype=np.float64), requires_grad=True)
    b = A.tensor(_x(4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))


@pytest.mark.torch
@pytest.mark.parametrize(("shape", "groups"), [((2, 6), 3), ((2, 6, 5), 2), ((2, 4, 3, 3), 4),
                                               ((2, 4, 3, 3), 1)])
def test_group_norm(shape, groups):
    torch = require_torch()
    c = shape[1]
    check_parity(lambda x, w, b: F.group_norm(x, groups, w, b),
                 lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b),
                 [_x(*shape), _x(c), _x(c)], rtol=1e-4, atol=1e-5)
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(A.zeros(2, 6), 4)


@pytest.mark.torch
@pytest.mark.parametrize("kw", [{}, {"p": 1.0}, {"dim": 0}, {"p": 3.0, "dim": -1}])
def test_normalize(kw):
    torch = require_torch()
    x = _x(3, 4)
    x[1] = 0.0
    check_parity(lambda t: F.normalize(t, **kw), lambda t: torch.nn.functional.normalize(t, **kw),
                 [x], rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- embedding, one_hot
@pytest.mark.torch
@pytest.mark.parametrize("padding_idx", [None, 0, 2, -1])
def test_embedding(padding_idx):
    torch = require_torch()
    idx = np.array([[0, 2, 2], [4, 1, 0]])
    a, b = check_parity(
        lambda w, i: F.embedding(i, w, padding_idx=padding_idx),
        lambda w, i: torch.nn.functional.embedding(i, w, padding_idx=padding_idx),
        [_x(5, 3), idx], grad_mask=[True, False])
    assert a.grad_fn.name() == b.grad_fn.name() == "EmbeddingBackward0"


@pytest.mark.torch
def test_embedding_max_norm_and_errors():
    torch = require_torch()
    w = _x(5, 3, scale=3.0)
    ow, tw = A.tensor(w), torch.tensor(w)
    idx = np.array([1, 3, 3])
    F.embedding(A.tensor(idx), ow, max_norm=1.0)
    torch.nn.functional.embedding(torch.tensor(idx), tw, max_norm=1.0)
    np.testing.assert_allclose(ow.numpy(), tw.numpy(), rtol=1e-6)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(A.tensor([5]), A.zeros(5, 2))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(A.tensor([1]), A.zeros(5, 2), padding_idx=5)


def test_embedding_gradcheck():
    w = A.tensor(_x(4, 2, dtype=np.float64), requires_grad=True)
    idx = A.tensor([[0, 3, 3], [1, 1, 2]])
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))


@pytest.mark.torch
def test_one_hot():
    torch = require_torch()
    for t, n in [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3)]:
        a = F.one_hot(A.tensor(t, dtype=A.int64), n)
        b = torch.nn.functional.one_hot(torch.tensor(t, dtype=torch.int64), n)
        assert a.dtype == A.int64
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for t, n, msg in [([1, -1], -1, "Class values must be non-negative."),
                      ([1, 3], 3, "Class values must be smaller than num_classes.")]:
        with pytest.raises(RuntimeError, match=msg):
            F.one_hot(A.tensor(t), n)
    with pytest.raises(RuntimeError, match="only applicable to index tensor"):
        F.one_hot(A.tensor([1.0]))


# ----------------------------------------------------------------------------- pad
PADS = [("constant", (1, 2), (2, 3, 4)), ("constant", (1, 0, 2, 1), (1, 2, 3, 4)),
        ("constant", (-1, 1), (2, 3, 4)), ("reflect", (2, 1), (2, 3, 4)),
        ("reflect", (1, 2, 2, 0), (1, 2, 3, 4)), ("replicate", (3, 1), (2, 3, 4)),
        ("replicate", (1, 2, 2, 1), (1, 2, 3, 4)), ("circular", (1, 2), (2, 3, 4)),
        ("circular", (2, 1, 1, 2), (1, 2, 3, 4))]


@pytest.mark.torch
@pytest.mark.parametrize(("mode", "p", "shape"), PADS)
def test_pad(mode, p, shape):
    torch = require_torch()
    check_parity(lambda x: F.pad(x, p, mode), lambda x: torch.nn.functional.pad(x, p, mode),
                 [_x(*shape)])


@pytest.mark.torch
def test_pad_value_and_errors():
    torch = require_torch()
    check_parity(lambda x: F.pad(x, (1, 1), value=2.5),
                 lambda x: torch.nn.functional.pad(x, (1, 1), value=2.5), [_x(2, 3)])
    for p, mode in [((1,), "constant"), ((3, 3), "reflect")]:
        with pytest.raises(RuntimeError) as e1:
            F.pad(A.zeros(1, 2, 3), p, mode)
        with pytest.raises(RuntimeError) as e2:
            torch.nn.functional.pad(torch.zeros(1, 2, 3), p, mode)
        assert str(e1.value) == str(e2.value)


def test_pad_gradcheck():
    x = A.tensor(_x(2, 3, dtype=np.float64), requires_grad=True)
    for mode, p in [("constant", (1, -1, 2, 0)), ("reflect", (2, 1)), ("replicate", (1, 2))]:
        assert gradcheck(lambda t, m=mode, p=p: F.pad(t, p, m), (x,))


# ----------------------------------------------------------------------------- interpolate
INTERP = [({"scale_factor": 2}, "nearest"), ({"size": (5, 3)}, "nearest"),
          ({"scale_factor": 0.5}, "nearest"), ({"size": (7, 5)}, "bilinear"),
          ({"scale_factor": 2, "align_corners": True}, "bilinear"),
          ({"size": (3, 2), "align_corners": False}, "bilinear"),
          ({"scale_factor": 1.7}, "bilinear"), ({"size": (1, 4), "align_corners": True},
                                                "bilinear")]


@pytest.mark.torch
@pytest.mark.parametrize(("kw", "mode"), INTERP)
def test_interpolate(kw, mode):
    torch = require_torch()
    check_parity(lambda x: F.interpolate(x, mode=mode, **kw),
                 lambda x: torch.nn.functional.interpolate(x, mode=mode, **kw),
                 [_x(2, 3, 4, 4)], rtol=1e-5, atol=1e-5)


@pytest.mark.torch
def test_interpolate_nearest_3d_and_errors():
    torch = require_torch()
    check_parity(lambda x: F.interpolate(x, size=7),
                 lambda x: torch.nn.functional.interpolate(x, size=7), [_x(2, 3, 4)])
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(A.zeros(1, 1, 2, 2), size=3, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(A.zeros(1, 1, 2, 2), size=3, align_corners=True)


# ----------------------------------------------------------------------------- attention
SDPA = [{}, {"is_causal": True}, {"scale": 0.3}, {"mask": "bool"}, {"mask": "float"},
        {"mask": "bool", "shape": (2, 3, 5, 4)}]


@pytest.mark.torch
@pytest.mark.parametrize("kw", SDPA)
def test_scaled_dot_product_attention(kw):
    torch = require_torch()
    kw = dict(kw)
    shape = kw.pop("shape", (2, 5, 4))
    mask_kind = kw.pop("mask", None)
    L = shape[-2]
    q, k, v = _x(*shape), _x(*shape[:-2], L + 1, shape[-1]), _x(*shape[:-2], L + 1, 3)
    if kw.get("is_causal"):
        k, v = _x(*shape), _x(*shape[:-1], 3)
    mask = None
    if mask_kind == "bool":
        mask = RNG.random((L, L + 1)) > 0.3
        mask[:, 0] = True
    elif mask_kind == "float":
        mask = _x(L, L + 1)

    def ours(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, None if mask is None else A.tensor(mask),
                                              **kw)

    def theirs(q, k, v):
        return torch.nn.functional.scaled_dot_product_attention(
            q, k, v, None if mask is None else torch.tensor(mask), **kw)

    check_parity(ours, theirs, [q, k, v], rtol=1e-4, atol=1e-5)


def test_sdpa_gradcheck():
    q, k, v = (A.tensor(_x(2, 3, 2, dtype=np.float64), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                     (q, k, v))


@pytest.mark.torch
@pytest.mark.parametrize("name", ["leaky_relu", "elu", "silu", "mish", "hardtanh", "relu6"])
def test_inplace_activation_on_non_leaf_backpropagates_like_torch(name):
    torch = require_torch()
    a = np.array([-2.0, -0.5, 0.5, 3.0])
    grads = []
    for lib in (A, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * 2
        z = getattr(lib.nn.functional, name)(y, inplace=True)
        assert z is y and y._version == 1
        (z * z).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


# ----------------------------------------------------------------------------- in-place nodes
# (call on a non-leaf h, lib): each writes into h; grad_fn names, values and grads vs torch.
INPLACE_CALLS = {
    "F.relu(inplace)": lambda h, lib: lib.nn.functional.relu(h, inplace=True),
    "F.relu_": lambda h, lib: lib.nn.functional.relu_(h),
    "nn.ReLU(inplace)": lambda h, lib: lib.nn.ReLU(inplace=True)(h),
    "F.leaky_relu(inplace)": lambda h, lib: lib.nn.functional.leaky_relu(h, 0.2, inplace=True),
    "F.leaky_relu_": lambda h, lib: lib.nn.functional.leaky_relu_(h, 0.2),
    "F.leaky_relu_ default": lambda h, lib: lib.nn.functional.leaky_relu_(h),
    "F.leaky_relu_ slope 0": lambda h, lib: lib.nn.functional.leaky_relu_(h, 0.0),
    "nn.LeakyReLU(inplace)": lambda h, lib: lib.nn.LeakyReLU(0.1, inplace=True)(h),
    "F.elu(inplace)": lambda h, lib: lib.nn.functional.elu(h, 0.5, inplace=True),
    "F.elu_": lambda h, lib: lib.nn.functional.elu_(h, 0.5),
    "F.elu_ default": lambda h, lib: lib.nn.functional.elu_(h),
    "nn.ELU(inplace)": lambda h, lib: lib.nn.ELU(inplace=True)(h),
    "F.hardtanh(inplace)": lambda h, lib: lib.nn.functional.hardtanh(h, -1, 1.5, inplace=True),
    "F.hardtanh_": lambda h, lib: lib.nn.functional.hardtanh_(h, -1.0, 1.5),
    "F.hardtanh_ min > max": lambda h, lib: lib.nn.functional.hardtanh_(h, 2.0, 1.0),
    "nn.Hardtanh(inplace)": lambda h, lib: lib.nn.Hardtanh(inplace=True)(h),
    "F.relu6(inplace)": lambda h, lib: lib.nn.functional.relu6(h, inplace=True),
    "nn.ReLU6(inplace)": lambda h, lib: lib.nn.ReLU6(inplace=True)(h),
    "F.silu(inplace)": lambda h, lib: lib.nn.functional.silu(h, inplace=True),
    "nn.SiLU(inplace)": lambda h, lib: lib.nn.SiLU(inplace=True)(h),
    "F.mish(inplace)": lambda h, lib: lib.nn.functional.mish(h, inplace=True),
    "nn.Mish(inplace)": lambda h, lib: lib.nn.Mish(inplace=True)(h),
    "on a view": lambda h, lib: lib.nn.functional.leaky_relu_(h[1], 0.1),
    "on a view, elu": lambda h, lib: lib.nn.functional.elu_(h[:, 1:], 2.0),
}


def _inplace_program(lib, name, dtype):
    x = lib.tensor(np.array([[-1.5, 0.3, 2.0], [0.7, -0.2, -3.0]], dtype), requires_grad=True)
    h = x * 2
    y = INPLACE_CALLS[name](h, lib)
    names = (y.grad_fn.name(), h.grad_fn.name())
    up = lib.tensor(np.arange(6, dtype=dtype).reshape(2, 3) - 2.5)
    (h * up).sum().backward()
    return y is h or y._base is h, names, h.detach().numpy(), x.grad.numpy()


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(INPLACE_CALLS))
def test_inplace_activation_nodes_values_and_grads_match_torch(name, dtype):
    torch = require_torch()
    same_t, names_t, h_t, g_t = _inplace_program(torch, name, dtype)
    same_o, names_o, h_o, g_o = _inplace_program(A, name, dtype)
    assert same_o and same_t
    names_t = tuple(n.replace("torch::autograd::", "") for n in names_t)
    if "view" in name:  # the view's own node is AsStridedBackward0 in PyTorch (design.md)
        names_t, names_o = names_t[1:], names_o[1:]
    assert names_o == names_t
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12}
    np.testing.assert_allclose(h_o, h_t, **tol)
    np.testing.assert_allclose(g_o, g_t, **tol)  # float32: r + alpha cancels for ELU


INPLACE_ERRORS = {
    "leaky_relu negative slope": lambda h, lib: lib.nn.functional.leaky_relu(h, -0.2,
                                                                              inplace=True),
    "elu negative alpha": lambda h, lib: lib.nn.functional.elu_(h, -0.5),
    "elu result changed": lambda h, lib: lib.nn.functional.elu_(h).add_(1),
    "leaky_relu result changed": lambda h, lib: lib.nn.functional.leaky_relu_(h).mul_(2),
    "view result changed": lambda h, lib: lib.nn.functional.elu_(h[1:]).mul_(2),
    "leaf": lambda h, lib: lib.nn.functional.elu_(h.detach().requires_grad_()),
    "leaf leaky": lambda h, lib: lib.nn.LeakyReLU(inplace=True)(h.detach().requires_grad_()),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(INPLACE_ERRORS))
def test_inplace_activation_errors_match_torch(name):
    torch = require_torch()
    errors = []
    for lib in (torch, A):
        x = lib.tensor([-1.0, 2.0, -0.5], requires_grad=True)
        h = x * 1
        try:
            INPLACE_ERRORS[name](h, lib)
            h.sum().backward()
        except RuntimeError as e:
            errors.append(str(e).replace("torch.", "autograd_lab.").split(" Hint:")[0])
    assert len(errors) == 2 and errors[0] == errors[1]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
def test_inplace_activation_double_backward_matches_torch(name):
    torch = require_torch()
    results = []
    for lib in (torch, A):
        x = lib.tensor([-1.0, 0.5, 1.0, -2.0], dtype=lib.float64, requires_grad=True)
        y = getattr(lib.nn.functional, name)(x * 1.5, 0.3, inplace=True)
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        g.sum().backward()
        results.append((g.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)


def test_inplace_activations_without_grad_write_in_place():
    x = A.tensor([-1.0, 2.0])
    for f in (F.leaky_relu_, F.elu_, F.hardtanh_):
        v = x._version
        assert f(x) is x and x._version == v + 1
