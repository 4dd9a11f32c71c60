"""Indexing behaviour vs PyTorch: ``t[...]``, ``t[...] = v`` and the index ops' errors.

Tables of expressions run with ``L = torch`` and ``L = autograd_lab`` on the same values; each
row compares values, dtype, ``grad_fn`` names, view-or-copy, and gradients (or the exception
type and message). Hypothesis then draws random shapes and index expressions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    given = None

X = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)


def _run(L, code: str, x=None, **extra):  # noqa: N803 - L is "the library"
    """Evaluate ``code`` with ``x`` a fresh leaf of X's values; return ``(x, result)``."""
    x = L.tensor(X.copy(), requires_grad=True) if x is None else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x, eval(code, {"L": L, "x": x, "np": np, **extra})  # noqa: S307


def _error(L, code: str, **ns):  # noqa: N803
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, {"L": L, "np": np, **ns})  # noqa: S102
    except Exception as e:  # noqa: BLE001 - we compare whatever was raised
        return type(e).__name__, str(e).replace("autograd_lab.", "torch.")
    return None


def _shares(L, y, x) -> bool:  # noqa: N803
    """Is ``y`` a view of ``x`` (and, for us, a real NumPy view of its memory)?"""
    if L is al and y._data.size:
        assert bool(np.shares_memory(y._data, x._data)) == (y._base is x)
    return y._base is x


# ----------------------------------------------------------------------------- getitem
GETITEM = [
    # basic: views, named after the last step
    "x[0]", "x[-1]", "x[1:]", "x[::2]", "x[None]", "x[...]", "x[:]", "x[:, 1]", "x[..., 0]",
    "x[0, 1]", "x[0, 1, 2]", "x[:, None]", "x[..., None]", "x[0:2, 1]", "x[1, 0:2]",
    "x[None, 0]", "x[0, None]", "x[:, ::2, 1]", "x[:, :, None, 1:3]", "x[:, :]", "x[0:3, :]",
    "x[:, :100]", "x[:, -100:]", "x[1:-1]", "x[10:]", "x[-10:2]", "x[None, ...]",
    "x[1:2, ..., None]", "x[1, ..., 2]", "x[..., 1:3, :]", "x[L.tensor(1)]", "x[:, L.tensor(1)]",
    "x[np.int64(1)]", "x[L.tensor(1):L.tensor(3)]", "x[0][1:][:, 2]",
    # advanced: copies, IndexBackward0; gradients add up at repeated indices
    "x[[0, 1]]", "x[[0, 0, 2, 0]]", "x[L.tensor([0, 2])]", "x[x > 0]", "x[:, [0, 1]]",
    "x[[0, 1], [1, 2]]", "x[..., [1]]", "x[None, [0]]", "x[0, [1, 2]]", "x[True]", "x[False]",
    "x[[0, 1], :, [1, 2]]", "x[:, [0, 1], [1, 2]]", "x[[0, 1], 1:3, [1, 2]]",
    "x[0, :, [1, 2]]", "x[[0, 1], 0]", "x[[[0, 1], [1, 2]]]", "x[[0, [1]]]",
    "x[L.tensor([[0, 1], [2, 2]])]", "x[0, L.tensor([True, False, True, True])]",
    "x[:, L.tensor([True, False, True, True])]", "x[L.ones(3, 4, dtype=L.bool)]",
    "x[[0, 1], ..., [1, 2]]", "x[[0, 1], None, [1, 2]]", "x[None, [0, 1], [1, 2]]",
    "x[[0, 1], :, None]", "x[1:, [2, -1]]", "x[[-1, -3]]", "x[[]]", "x[np.array([0, 1])]",
    "x[np.array(1)]", "x[L.tensor(True)]", "x[L.tensor([1], dtype=L.int32)]",
    "x[[True, False, True]]", "x[:, [1, 1, 1], :]", "x[True, 0]", "x[False, [0]]",
    "x[[1.5]]", "x[L.tensor([2, 0]), 1:, L.tensor([[4], [0]])]",
]


@pytest.mark.torch
@pytest.mark.parametrize("code", GETITEM)
def test_getitem_matches_torch(code):
    torch = require_torch()
    out = {}
    for L in (torch, al):
        x, y = _run(L, code)
        up = np.arange(y.numel(), dtype=np.float32).reshape(tuple(y.shape))
        if y.requires_grad:
            y.backward(L.tensor(up))
        out[L] = (y, _shares(L, y, x), x.grad)
    (ty, tshare, tgrad), (oy, oshare, ograd) = out[torch], out[al]
    assert tuple(oy.shape) == tuple(ty.shape)
    assert str(oy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    np.testing.assert_array_equal(oy.detach().numpy(), ty.detach().numpy())
    assert type(oy.grad_fn).__name__ == type(ty.grad_fn).__name__
    assert oshare == tshare, "view-or-copy differs"
    if tgrad is None:
        assert ograd is None
    else:
        np.testing.assert_allclose(ograd.numpy(), tgrad.numpy(), rtol=1e-6)


GETITEM_ERRORS = [
    "x[5]", "x[-4]", "x[:, 7]", "x[0, 0, 9]", "x[0, :, 9]", "x[None, 0, 9]", "x[..., 9]",
    "x[1, 2, 3, 4]", "x[::-1]", "x[::0]", "x[0, ::-1]", "x[[5]]", "x[:, [5]]", "x[[-4]]",
    "x[L.tensor([1.0])]", "x[L.tensor([1], dtype=L.int16)]", "x[L.tensor([True, False])]",
    "x[L.ones(3, 5, dtype=L.bool)]", "x[L.ones(3, 4, 5, 6, dtype=L.bool)]",
    "x[0, L.ones(3, dtype=L.bool)]", "x[:, L.ones(2, dtype=L.bool)]", "L.tensor(1.)[0]",
    "L.tensor(1.)[0,]", "L.tensor(1.)[None, 0]", "x['a']", "x[1.5]", "x[0.0:2]",
    "x[:, :, :, None, None, 1]", "x[L.tensor(5)]", "x[[0, 1], [0, 1, 2]]", "x[:, :, [9]]",
    "x[[0], [9]]", "x[[0], :, [9]]", "x[1:, [9]]", "x[0, :, [9]]", "x[[0], [0], [9]]",
    "x[:, [0], [9]]", "x[[-9]]", "x[:, [0, 1], :, [0]]", "x[{}]",
]


@pytest.mark.torch
@pytest.mark.parametrize("code", GETITEM_ERRORS)
def test_getitem_errors_match_torch(code):
    torch = require_torch()
    x_t, x_o = torch.tensor(X), al.tensor(X)
    want = _error(torch, code, x=x_t)
    assert want is not None, "torch accepted it"
    assert _error(al, code, x=x_o) == want


def test_basic_index_is_a_view_and_advanced_a_copy():
    x = al.arange(12.0).view(3, 4)
    v = x[1, 1:]
    v[0] = 100.0  # writes through to x
    assert x[1, 1].item() == 100.0
    assert v._version == x._version == 1
    c = x[[1]]
    c[0, 0] = -1.0
    assert x[1, 0].item() == 4.0
    assert x[0, 0, ...].shape == () and x[0, 0, ...]._data.base is not None


def test_getitem_0d_result_is_a_view_not_a_numpy_scalar():
    x = al.arange(6.0).view(2, 3)
    y = x[1, 2]
    assert isinstance(y, al.Tensor) and y.shape == () and y.item() == 5.0
    x[1, 2] = 7.0
    assert y.item() == 7.0


def test_non_tuple_sequence_warns_like_torch():
    x = al.zeros(3, 4)
    with pytest.warns(UserWarning, match="non-tuple sequence for multidimensional indexing"):
        x[[0, [1]]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x[[0, 1]]  # a plain list of ints is one index tensor: no warning


def test_double_backward_through_indexing():
    x = al.tensor(X.astype(np.float64), requires_grad=True)
    for index in (0, (slice(None), 1), [0, 0, 2], (x > 0)):
        y = x[index]
        (g,) = al.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = al.autograd.grad(g.sum(), x)
        want = np.zeros_like(X, dtype=np.float64)
        np.add.at(want, index if not isinstance(index, al.Tensor) else index.numpy(), 2.0)
        np.testing.assert_allclose(gg.numpy(), want)


# ----------------------------------------------------------------------------- setitem
SETITEM = [
    # (setup, assignment); x is a fresh leaf of X's values, y = x * 1 unless the setup says
    ("y = x * 1", "y[0] = 1"),
    ("y = x * 1", "y[...] = 1"),
    ("y = x * 1", "y[:] = 1"),
    ("y = x * 1", "y[:, :] = 1"),
    ("y = x * 1", "y[0:3] = 1"),
    ("y = x * 1", "y[None] = 1"),
    ("y = x * 1", "y[True] = 1"),
    ("y = x * 1", "y[False] = 1"),
    ("y = x * 1", "y[[0, 1]] = 1"),
    ("y = x * 1", "y[y >= 0] = 0"),
    ("y = x * 1", "y[0, [0, 1]] = 1"),
    ("y = x * 1", "y[:, [0, 1]] = 1"),
    ("y = x * 1", "y[L.tensor(0)] = 1"),
    ("y = x * 1", "y[..., ::2] = v[..., :3]"),
    ("y = x * 1", "y[0] = v[0]"),
    ("y = x * 1", "y[1:, 2] = v[0, 0]"),
    ("y = x * 1", "y[[0, 0]] = v[:2]"),
    ("y = x * 1", "y[[2, 0], [1, 3]] = v[0, :2]"),
    ("y = x * 1", "y[y > 0] = v.sum()"),
    ("y = x * 1", "y[[0, 1]] = v[None, :2]"),
    ("y = x * 1", "y[0] = v[:1, :1]"),
    ("y = x * 1", "y[:, 1] = v[:, 0, :1]"),
    ("y = L.zeros(3, 4, 5)", "y[0] = v[0]"),
    ("y = L.zeros(3, 4, 5)", "y[[0, 0]] = v[:2]"),
    ("y = L.zeros(3, 4, 5, dtype=L.float64)", "y[0] = v[0]"),
    ("y = L.zeros(3, 4, 5, dtype=L.int64)", "y[0] = 1.7"),
    ("y = L.zeros(3, 4, 5, dtype=L.int64)", "y[1] = v[0].detach() * 3"),
    ("y = L.zeros(3, 4, 5, dtype=L.int64)", "y[[0, 1]] = 1.5"),
    ("y = L.zeros(3, 4, 5, dtype=L.bool)", "y[0] = 2"),
    ("y = L.zeros(3, 4, 5)", "y[0] = True"),
    ("y = L.zeros(3, 4, 5)", "y[0] = L.tensor(3)"),
    ("y = L.zeros(3, 4, 5)", "y[[0, 0, 1]] = L.tensor([[[1.]], [[2.]], [[3.]]])"),
    ("y = L.zeros(3, 4, 5)", "y[[0, 1]] = L.ones(1, 1, 1, 5)"),
    ("y = L.zeros(3, 4, 5)", "y[0] = L.ones(1, 1, 5)"),
    ("y = L.zeros(3, 4, 5)", "y[0, 0, 0] = L.tensor([[7.]])"),
    ("y = L.zeros(3, 4, 5)", "y[:, L.tensor([[True, False] * 2 + [True]] * 4)] = 1"),
    ("y = L.zeros(3, 4, 5)\nw = y[1]", "w[0] = 5"),
    ("y = x * 1\nw = y[1]", "w[[0, 2]] = v[0, :2]"),
]


@pytest.mark.torch
@pytest.mark.parametrize(("setup", "stmt"), SETITEM)
def test_setitem_matches_torch(setup, stmt):
    torch = require_torch()
    got = {}
    for L in (torch, al):
        x = L.tensor(X.copy(), requires_grad=True)
        v = L.tensor(X.copy() + 10, requires_grad=True)
        ns = {"L": L, "x": x, "v": v, "np": np}
        exec(setup, ns)  # noqa: S102
        y = ns["y"]
        before = y._version
        exec(stmt, ns)  # noqa: S102
        bumped = y._version - before
        name = type(y.grad_fn).__name__
        if y.requires_grad:
            up = np.arange(y.numel(), dtype=np.float32).reshape(tuple(y.shape)) % 7
            y.backward(L.tensor(up, dtype=y.dtype))
        got[L] = (y.detach().numpy().copy(), str(y.dtype).split(".")[-1], name, bumped,
                  x.grad, v.grad)
    t, o = got[torch], got[al]
    np.testing.assert_allclose(o[0], t[0], rtol=1e-6)
    assert o[1:4] == t[1:4]
    for og, tg in zip(o[4:], t[4:], strict=True):
        if tg is None:
            assert og is None or not np.any(og.numpy())
        else:
            np.testing.assert_allclose(og.numpy(), tg.numpy(), rtol=1e-6)


SETITEM_ERRORS = [
    "x = L.zeros(3, 4, requires_grad=True)\nx[0] = 1",
    "x = L.zeros(3, 4, requires_grad=True)\nx[[0]] = 1",
    "x = L.zeros(3, 4, requires_grad=True)\nx[x > 0] = 1",
    "x = L.zeros(3, 4, requires_grad=True)\nx[...] = 1",
    "x = L.zeros(3, 4, requires_grad=True)\nx[None] = 1",
    "x = L.zeros(3, 4)\nx[0] = L.ones(3)",
    "x = L.zeros(3, 4)\nx[0] = L.ones(2, 4)",
    "x = L.zeros(3, 4)\nx[0] = L.ones(2, 1, 4)",
    "x = L.zeros(3, 4)\nx[0, 0] = L.ones(2)",
    "x = L.zeros(3, 4)\nx[...] = L.ones(2, 4)",
    "x = L.zeros(3, 4)\nx[:] = L.ones(5)",
    "x = L.zeros(3, 4)\nx[0] = L.ones(0)",
    "x = L.zeros(3, 4)\nx[[0, 1]] = L.ones(3)",
    "x = L.zeros(3, 4)\nx[[0, 1]] = L.ones(2, 1, 4)",
    "x = L.zeros(3, 4)\nx[[0, 1], [0, 1]] = L.ones(3)",
    "x = L.zeros(3, 4)\nx[[0, 1], [0, 1, 2]] = 1",
    "x = L.zeros(3, 4)\nx[[0, 1]] = L.ones(4, dtype=L.float64)",
    "x = L.zeros(3, 4, dtype=L.long)\nx[[0, 1]] = L.ones(4)",
    "x = L.zeros(3, 4)\nx[L.zeros(2, dtype=L.bool)] = 1",
    "x = L.zeros(3, 4)\nx[0] = 'a'",
    "x = L.zeros(3, 4)\nx[0] = [1, 2, 3, 4]",
    "x = L.zeros(3, 4)\nx[0] = np.ones(4)",
    "x = L.zeros(3, 4)\nx[0] = None",
    "x = L.zeros(3, 4)\nx[5] = 1",
    "x = L.zeros(3, 4)\nx[[5]] = 1",
    "x = L.zeros(3, 4)\nx[::-1] = 1",
    "x = L.zeros(3, 4)\nv = L.ones(4, requires_grad=True)\nx[[0, 1]] = v.double()",
]


@pytest.mark.torch
@pytest.mark.parametrize("code", SETITEM_ERRORS)
def test_setitem_errors_match_torch(code):
    torch = require_torch()
    want = _error(torch, code)
    assert want is not None, "torch accepted it"
    assert _error(al, code) == want


def test_setitem_without_grad_is_plain_assignment():
    x = al.zeros(3, 4)
    base_version = x._version
    x[1:, ::2] = al.tensor([1.0, 2.0])
    x[[0, 0], [1, 1]] = 5.0
    assert x._version == base_version + 2 and x.grad_fn is None
    want = np.zeros((3, 4), np.float32)
    want[1:, ::2] = [1, 2]
    want[0, 1] = 5
    np.testing.assert_array_equal(x.numpy(), want)
    leaf = al.zeros(2, requires_grad=True)
    with al.no_grad():
        leaf[0] = 1.0
    assert leaf.grad_fn is None and leaf._version == 1


def test_setitem_on_view_records_copyslices_on_base():
    x = al.zeros(3, 4, requires_grad=True)
    y = x * 2
    v = al.ones(4, requires_grad=True)
    y[1] = v
    assert type(y.grad_fn).__name__ == "CopySlices"
    (y * y.detach().add(1.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[1], 0.0)
    np.testing.assert_array_equal(x.grad.numpy()[0], 2.0)
    np.testing.assert_array_equal(v.grad.numpy(), 2.0)


# ----------------------------------------------------------------------------- index ops
OP_ERRORS = [
    "L.gather(x, 0, L.tensor([[5]]))", "L.gather(x, 0, L.zeros(2, 5, dtype=L.long))",
    "L.gather(x, 0, L.zeros(2, dtype=L.long))", "L.gather(x, 2, i)",
    "L.gather(x, 0, L.tensor([[-1]]))",
    "L.gather(x, 0, L.tensor([[0.]]))", "L.gather(x, 1, L.tensor([[0], [1], [2], [3]]))",
    "L.scatter(x, 0, i, s, reduce='mean')", "L.scatter(x, 0, i, L.randn(1, 2))",
    "L.scatter(x, 0, i, s.double())", "L.scatter(x, 0, L.tensor([[7]]), s)",
    "L.scatter(x, 0, i.float(), s)", "L.scatter(x, 0, i[0], s)", "L.scatter(x, 0, i, L.tensor(2.))",
    "L.scatter_add(x, 0, i, s.double())", "L.scatter_add(x, 0, i, L.randn(1, 2))",
    "L.index_select(x, 1, L.tensor([[0]]))", "L.index_select(x, 1, L.tensor([1.]))",
    "L.index_select(x, 1, L.tensor([9]))", "L.index_select(x, 1, L.tensor([-1]))",
    "L.index_add(x, 0, L.tensor([0, 0]), L.randn(3, 4))",
    "L.index_add(x, 0, L.tensor([0, 0]), L.randn(2, 3))",
    "L.index_add(x, 0, L.tensor([0, 9]), L.randn(2, 4))",
    "L.index_add(x, 0, L.tensor([0, 0]), L.randn(2, 4).double())",
    "L.index_add(x, 0, L.tensor([[0, 0]]), L.randn(2, 4))",
    "L.index_add(x, 0, L.tensor([0.]), L.ones(1, 4))",
    "L.index_add(L.zeros(3), 0, L.tensor([1]), L.tensor(5.))",
    "L.masked_fill(x, m, L.tensor([2.0]))", "L.masked_fill(x, m.float(), 2.0)",
    "L.masked_fill(x, m.int(), 2.0)", "L.masked_fill(x, m.long(), 2.0)",
    "L.masked_fill(x, m.to(L.uint8), 2.0)", "L.masked_fill(x, L.tensor([True, False]), 2.0)",
    "x.detach()[0].masked_fill_(L.ones(2, 4, dtype=L.bool), 2.0)",
    "L.masked_select(x, m.float())", "L.masked_select(x, L.tensor([True, False]))",
    "L.take(x, L.tensor([12]))", "L.take(x, L.tensor([-13]))", "L.take(x, L.tensor([1.]))",
    "L.take(x, L.tensor([1]).int())",
    "L.index_put(x, (L.tensor([0, 0]),), 1.)", "L.index_put(x, (m,), L.tensor(1.))",
    "L.index_put(x, (None, L.tensor([0])), L.tensor(1.))",
    "L.index_put(x, (L.tensor([0]), L.tensor([1]), L.tensor([0])), L.tensor(1.))",
    "L.index_put(x, (L.tensor([0]),), L.tensor(1., dtype=L.float64))",
    "L.index_put(x, (L.tensor([0]),), L.ones(5))",
    "L.zeros(3, 4, requires_grad=True).index_put_((L.tensor([0]),), L.tensor(1.))",
]


@pytest.mark.torch
@pytest.mark.parametrize("code", OP_ERRORS)
def test_index_op_errors_match_torch(code):
    torch = require_torch()
    res = []
    for L in (torch, al):
        ns = {"x": L.randn(3, 4, requires_grad=True), "i": L.tensor([[0, 1, 2, 0]]),
              "m": L.tensor([True, False, True, False]), "s": L.randn(3, 4)}
        res.append(_error(L, code, **ns))
    assert res[0] is not None, "torch accepted it"
    assert res[1] == res[0]


OP_NAMES = [
    ("L.scatter(x, 0, i, s, reduce='add')", "NotImplemented"),
    ("L.scatter(x, 0, i, 2.0)", "ScatterBackward1"),
    ("L.masked_fill(x, m, L.tensor(2.0))", "MaskedFillBackward1"),
    ("L.index_select(x, 1, L.tensor(1))", "IndexSelectBackward0"),
    ("L.index_put(x, [L.tensor([0, 0])], L.tensor(1.), accumulate=True)", "IndexPutBackward0"),
    ("L.take(x, L.tensor(1))", "TakeBackward0"),
]


@pytest.mark.torch
@pytest.mark.parametrize(("code", "name"), OP_NAMES)
def test_index_op_results_match_torch(code, name):
    torch = require_torch()
    res = []
    for L in (torch, al):
        ns = {"i": L.tensor([[0, 1, 2, 0]]), "m": L.tensor([True, False, True, False]),
              "s": L.tensor(X[1, :3, :4].copy())}
        _, y = _run(L, code, x=L.tensor(X[0, :3, :4].copy(), requires_grad=True), **ns)
        res.append((type(y.grad_fn).__name__, tuple(y.shape), y.detach().numpy()))
    assert res[0][0] == name
    assert res[1][:2] == res[0][:2]
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-6)


def test_scatter_reduce_has_no_derivative():
    x = al.zeros(3, 4, requires_grad=True)
    with pytest.warns(UserWarning, match="reduce argument of torch.scatter with Tensor src"):
        y = al.scatter(x, 0, al.tensor([[0]]), al.ones(1, 1), reduce="add")
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        y.sum().backward()


def test_inplace_index_ops_bump_version_and_keep_identity():
    x = al.zeros(3, 4)
    idx = al.tensor([[0, 1, 2, 0]])
    for op in (lambda: x.scatter_(0, idx, al.ones(1, 4)),
               lambda: x.scatter_add_(0, idx, al.ones(1, 4)),
               lambda: x.index_add_(1, al.tensor([0, 0]), al.ones(3, 2)),
               lambda: x.masked_fill_(x > 0, 3.0),
               lambda: al.index_put_(x, (al.tensor([1]),), al.tensor(9.0), accumulate=True)):
        before = x._version
        assert op() is x
        assert x._version == before + 1


def test_index_put_accumulate_adds_repeats():
    x = al.zeros(4)
    al.index_put_(x, (al.tensor([1, 1, 3]),), al.tensor([1.0, 2.0, 3.0]), accumulate=True)
    np.testing.assert_array_equal(x.numpy(), [0, 3, 0, 3])


def test_nonzero_shapes_and_dtype():
    assert al.nonzero(al.tensor(3.0)).shape == (1, 0)
    assert al.nonzero(al.zeros(2, 0)).shape == (0, 2)
    t = al.nonzero(al.tensor(0.0), as_tuple=True)
    assert len(t) == 1 and t[0].shape == (0,) and t[0].dtype == al.int64


# ----------------------------------------------------------------------------- property tests
def _np_grad(shape, index, up):
    g = np.zeros(shape, np.float64)
    np.add.at(g, index, up)
    return g


if given is not None:

    @st.composite
    def shapes_and_indices(draw):
        """A shape, an index tuple, and whether NumPy reads the index the way PyTorch does."""
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
        items, dim, has_int, has_array, has_none = [], 0, False, False, False
        while dim < len(shape) and draw(st.booleans()):
            size = shape[dim]
            kind = draw(st.sampled_from(["int", "slice", "none", "array", "mask", "ellipsis"]))
            if kind == "int":
                items.append(draw(st.integers(-size, size - 1)))
                has_int = True
                dim += 1
            elif kind == "slice":
                start = draw(st.none() | st.integers(-size - 1, size + 1))
                stop = draw(st.none() | st.integers(-size - 1, size + 1))
                step = draw(st.none() | st.integers(1, 3))
                items.append(slice(start, stop, step))
                dim += 1
            elif kind == "none":
                items.append(None)
                has_none = True
            elif kind == "array":
                n = draw(st.integers(0, 4))
                items.append(draw(st.lists(st.integers(-size, size - 1), min_size=n, max_size=n)))
                has_array = True
                dim += 1
            elif kind == "mask":
                items.append(np.array(draw(st.lists(st.booleans(), min_size=size,
                                                    max_size=size))))
                has_array = True
                dim += 1
            else:  # an Ellipsis ends the index
                items.append(Ellipsis)
                break
        arrays = [i for i in items if isinstance(i, list | np.ndarray)]
        if len(arrays) > 1:  # index arrays must broadcast together: keep one array only
            first = next(k for k, i in enumerate(items) if isinstance(i, list | np.ndarray))
            items = [i if k == first or not isinstance(i, list | np.ndarray) else slice(None)
                     for k, i in enumerate(items)]
        # NumPy and PyTorch differ when ints mix with index arrays (PyTorch selects first)
        numpy_ok = not (has_int and has_array)
        return shape, tuple(items), numpy_ok, has_none

    @given(shapes_and_indices(), st.integers(0, 2**31 - 1))
    @settings(deadline=None, max_examples=200)
    def test_random_indexing_values_and_gradients(case, seed):
        shape, index, numpy_ok, has_none = case
        rng = np.random.default_rng(seed)
        data = rng.standard_normal(shape)
        x = al.tensor(data, requires_grad=True)
        y = x[index]
        up = rng.standard_normal(tuple(y.shape))
        y.backward(al.tensor(up))
        np_index = tuple(np.asarray(i, np.int64) if isinstance(i, list) else i for i in index)
        if numpy_ok:
            np.testing.assert_array_equal(y.detach().numpy(), data[np_index])
            if not has_none:
                np.testing.assert_allclose(x.grad.numpy(), _np_grad(shape, np_index, up))
        try:
            import torch
        except ImportError:
            return
        tx = torch.tensor(data, requires_grad=True)
        ty = tx[tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)]
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__
        ty.backward(torch.tensor(up))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)

    @given(shapes_and_indices(), st.integers(0, 2**31 - 1))
    @settings(deadline=None, max_examples=100)
    def test_random_setitem_matches_numpy(case, seed):
        shape, index, numpy_ok, has_none = case
        if not numpy_ok:
            return
        rng = np.random.default_rng(seed)
        data = rng.standard_normal(shape)
        np_index = tuple(np.asarray(i, np.int64) if isinstance(i, list) else i for i in index)
        target_shape = data[np_index].shape
        value = rng.standard_normal(target_shape[1:] if target_shape else ())
        want = data.copy()
        want[np_index] = value
        x = al.tensor(data)
        x[index] = al.tensor(value)
        np.testing.assert_array_equal(x.numpy(), want)
