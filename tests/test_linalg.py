"""Matrix products beyond the op table: PyTorch's errors, grad_fn names of every matmul
dispatch, dtypes (float32 stays float32), ``out=``, and ``einsum`` parsing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_lab
from autograd_lab.ops.linalg import linear

pytestmark = pytest.mark.torch


def _pair(lib, shapes, grads, dtypes=None):
    rng = np.random.default_rng(0)
    dtypes = dtypes or ["float32"] * len(shapes)
    out = []
    for s, g, d in zip(shapes, grads, dtypes, strict=True):
        arr = rng.standard_normal(s).astype(d)
        out.append(lib.tensor(arr, requires_grad=g and arr.dtype.kind == "f"))
    return out


def _outcome(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - we compare the exception itself
        return (type(e).__name__, str(e))


def _lin(lib):
    return lib.nn.functional.linear if lib.__name__ == "torch" else linear


# (call, shapes, dtypes or None)
ERROR_CASES = [
    (lambda lib, a, b: a @ b, [(), (3,)], None),
    (lambda lib, a, b: a @ b, [(3,), (4,)], None),
    (lambda lib, a, b: a @ b, [(2, 3), (4,)], None),
    (lambda lib, a, b: a @ b, [(3,), (4, 5)], None),
    (lambda lib, a, b: a @ b, [(2, 3), (4, 5)], None),
    (lambda lib, a, b: a @ b, [(5, 2, 3), (5, 4, 5)], None),
    (lambda lib, a, b: a @ b, [(5, 2, 3), (4, 3, 5)], None),
    (lambda lib, a, b: a @ b, [(5, 2, 3), (4, 5)], None),
    (lambda lib, a, b: a @ b, [(2, 3), (5, 4, 5)], None),
    (lambda lib, a, b: a @ b, [(5, 2, 3), (4,)], None),
    (lambda lib, a, b: a @ b, [(3,), (5, 4, 5)], None),
    (lambda lib, a, b: a @ b, [(2, 3), (3, 4)], ["float32", "float64"]),
    (lambda lib, a, b: a @ b, [(2, 3), (3,)], ["float32", "float64"]),
    (lambda lib, a, b: a @ b, [(3,), (3,)], ["float32", "float64"]),
    (lambda lib, a, b: a @ b, [(2, 2, 3), (2, 3, 4)], ["float32", "float64"]),
    (lambda lib, a, b: a @ b, [(2, 2, 3), (3, 4)], ["float32", "float64"]),
    (lambda lib, a, b: a @ b, [(2, 2, 3), (3,)], ["float32", "float64"]),
    (lambda lib, a, b: a @ b, [(3,), (2, 3, 4)], ["float32", "float64"]),
    (lambda lib, a, b: a @ b, [(2, 3), (3, 4)], ["int64", "float32"]),
    (lambda lib, a, b: a @ b, [(2, 3), (3, 4)], ["bool", "bool"]),
    (lambda lib, a, b: a @ b, [(2, 2, 3), (2, 3, 4)], ["bool", "bool"]),
    (lambda lib, a, b: a @ b, [(3,), (3,)], ["bool", "bool"]),
    (lambda lib, a, b: a @ b, [(2, 3), (3,)], ["bool", "bool"]),
    (lambda lib, a, b: lib.mm(a, b), [(3,), (3, 4)], None),
    (lambda lib, a, b: lib.mm(a, b), [(2, 3), (2, 3, 4)], None),
    (lambda lib, a, b: lib.mm(a, b), [(2, 3), (4, 5)], None),
    (lambda lib, a, b: lib.mm(a, b), [(2, 3), (3, 5)], ["float64", "float32"]),
    (lambda lib, a, b: lib.bmm(a, b), [(2, 2, 3), (2, 4, 4)], None),
    (lambda lib, a, b: lib.bmm(a, b), [(2, 2, 3), (3, 3, 4)], None),
    (lambda lib, a, b: lib.bmm(a, b), [(2, 3), (2, 3, 4)], None),
    (lambda lib, a, b: lib.bmm(a, b), [(2, 2, 3), (3, 4)], None),
    (lambda lib, a, b: lib.bmm(a, b), [(2, 2, 3), (2, 3, 4)], ["int64", "float32"]),
    (lambda lib, a, b: lib.mv(a, b), [(2, 3), (4,)], None),
    (lambda lib, a, b: lib.mv(a, b), [(3,), (3,)], None),
    (lambda lib, a, b: lib.mv(a, b), [(2, 3), (3, 1)], None),
    (lambda lib, a, b: lib.mv(a, b), [(2, 3), (3,)], ["int64", "float32"]),
    (lambda lib, a, b: lib.dot(a, b), [(3,), (4,)], None),
    (lambda lib, a, b: lib.dot(a, b), [(3, 1), (3,)], None),
    (lambda lib, a, b: lib.dot(a, b), [(3,), (3, 1)], None),
    (lambda lib, a, b: lib.dot(a, b), [(3,), (3,)], ["int64", "float32"]),
    (lambda lib, a, b: lib.outer(a, b), [(3, 1), (4,)], None),
    (lambda lib, a, b: lib.outer(a, b), [(3,), (4, 1)], None),
    (lambda lib, a, b: lib.inner(a, b), [(2, 3), (4, 2)], None),
    (lambda lib, c, a, b: lib.addmm(c, a, b), [(3,), (2, 3), (3, 4)], None),
    (lambda lib, c, a, b: lib.addmm(c, a, b), [(2, 2, 4), (2, 3), (3, 4)], None),
    (lambda lib, c, a, b: lib.addmm(c, a, b), [(4,), (2, 3), (5, 4)], None),
    (lambda lib, c, a, b: lib.addmm(c, a, b), [(4,), (3,), (3, 4)], None),
    (lambda lib, c, a, b: lib.addmm(c, a, b), [(4,), (2, 3), (2, 3, 4)], None),
    (lambda lib, c, a, b: lib.addmm(c, a, b), [(4,), (2, 3), (3, 4)],
     ["float32", "float64", "float32"]),
    (lambda lib, c, a, b: lib.addmm(c, a, b), [(4,), (2, 3), (3, 4)],
     ["float64", "float32", "float32"]),
    (lambda lib, x, w, b: _lin(lib)(x, w, b), [(2, 3), (4, 5), (4,)], None),
    (lambda lib, x, w, b: _lin(lib)(x, w, b), [(5, 2, 3), (4, 5), (4,)], None),
]


@pytest.mark.parametrize("case", range(len(ERROR_CASES)))
def test_errors_match_torch(torch, case):
    fn, shapes, dtypes = ERROR_CASES[case]
    theirs = _outcome(lambda: fn(torch, *_pair(torch, shapes, [True] * len(shapes), dtypes)))
    ours = _outcome(lambda: fn(autograd_lab, *_pair(autograd_lab, shapes, [True] * len(shapes),
                                                    dtypes)))
    assert isinstance(theirs, tuple), "this case should raise in torch"
    assert ours == theirs


@pytest.mark.parametrize("expr", ["t @ 2.0", "2.0 @ t", "lib.matmul(2.0, t)",
                                  "lib.matmul(t, 2.0)", "lib.mm(m, 2.0)", "lib.outer(t, 2.0)"])
def test_non_tensor_operands_raise_type_error(torch, expr):
    def run(lib):
        t, m = lib.ones(3), lib.ones(2, 3)
        return _outcome(lambda: eval(expr, {"lib": lib, "t": t, "m": m}))  # noqa: S307

    assert run(autograd_lab) == run(torch)


SHAPES_A = [(3,), (2, 3), (5, 2, 3), (1, 2, 3), (5, 1, 2, 3), (1, 1, 2, 3), (1, 3), (0, 3)]
SHAPES_B = [(3,), (3, 4), (5, 3, 4), (1, 3, 4), (1, 6, 3, 4), (5, 3, 1), (5, 1, 3, 4), (3, 0)]


@pytest.mark.parametrize("sa,sb", list(itertools.product(SHAPES_A, SHAPES_B)))
def test_matmul_dispatch_names_values_and_grads(torch, sa, sb):
    """Every combination of dims and of which side requires grad: same node name, result and
    gradients as torch (PyTorch picks mm, mv, bmm or a folded product depending on both)."""
    for grads in [(True, True), (True, False), (False, True)]:
        ours = _outcome(lambda g=grads: _run_matmul(autograd_lab, sa, sb, g))
        theirs = _outcome(lambda g=grads: _run_matmul(torch, sa, sb, g))
        if isinstance(theirs, tuple) and isinstance(theirs[0], str):
            assert ours == theirs
            continue
        assert ours[0] == theirs[0], (sa, sb, grads)
        for o, t in zip(ours[1:], theirs[1:], strict=True):
            assert (o is None) == (t is None)
            if o is not None:
                np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-5)


def _run_matmul(lib, sa, sb, grads):
    a, b = _pair(lib, [sa, sb], list(grads))
    out = a @ b
    out.backward(lib.ones(tuple(out.shape)))
    name = type(out.grad_fn).__name__
    return [name, out.detach().numpy()] + [None if t.grad is None else t.grad.numpy()
                                           for t in (a, b)]


@pytest.mark.parametrize("fn", [
    lambda lib, a, b: a @ b,
    lambda lib, a, b: lib.mm(a, b),
    lambda lib, a, b: lib.addmm(b.sum(0), a, b),
    lambda lib, a, b: lib.einsum("ij,jk->ik", a, b),
    lambda lib, a, b: lib.outer(a.sum(0), b.sum(0)),
])
def test_float32_stays_float32(fn):
    a = autograd_lab.randn(2, 3, requires_grad=True)
    b = autograd_lab.randn(3, 3, requires_grad=True)
    out = fn(autograd_lab, a, b)
    assert out.dtype == autograd_lab.float32 and out._data.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == autograd_lab.float32 and b.grad.dtype == autograd_lab.float32


def test_integer_products_match_torch(torch):
    for fn in (lambda lib, a, b: a @ b, lambda lib, a, b: lib.mm(a, b),
               lambda lib, a, b: lib.addmm(a.sum(1, keepdim=True), a, b, beta=2, alpha=3)):
        ours = fn(autograd_lab, autograd_lab.arange(6).reshape(2, 3),
                  autograd_lab.arange(9).reshape(3, 3))
        theirs = fn(torch, torch.arange(6).reshape(2, 3), torch.arange(9).reshape(3, 3))
        assert ours.dtype == autograd_lab.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_addmm_beta_zero_ignores_nan_input():
    c = autograd_lab.full((2, 2), float("nan"))
    out = autograd_lab.addmm(c, autograd_lab.eye(2), autograd_lab.eye(2), beta=0)
    np.testing.assert_array_equal(out.numpy(), np.eye(2, dtype=np.float32))


def _out_errors(lib):
    x, y = lib.ones(2, 3), lib.ones(3, 4)
    wrong_dtype = _outcome(lambda: lib.matmul(x, y, out=lib.empty(0, dtype=lib.long)))
    needs_grad = _outcome(lambda: lib.mm(x.requires_grad_(), y, out=lib.empty(0)))
    return [wrong_dtype, needs_grad]


def test_out_argument(torch):
    a, b = autograd_lab.ones(2, 3), autograd_lab.ones(3, 4)
    out = autograd_lab.empty(0)
    assert autograd_lab.mm(a, b, out=out) is out
    assert out.shape == (2, 4) and float(out.sum()) == 24.0
    assert _out_errors(autograd_lab) == _out_errors(torch)


def test_linear_names_match_torch(torch):
    for shape, bias in itertools.product([(3,), (2, 3), (5, 2, 3), (4, 5, 2, 3)], [True, False]):
        names = []
        for lib in (autograd_lab, torch):
            x, w, b = _pair(lib, [shape, (4, 3), (4,)], [True] * 3)
            names.append(type(_lin(lib)(x, w, b if bias else None).grad_fn).__name__)
        assert names[0] == names[1], (shape, bias)


EINSUM_ERRORS = [
    ("ij,jk->ik", [(2, 3), (4, 4)]), ("ij,jk->ik", [(2, 3)]), ("ij->ik", [(2, 3)]),
    ("ij->ii", [(2, 3)]), ("ijk->ij", [(2, 3)]), ("i->", [(2, 3)]), ("ij-ji", [(2, 3)]),
    ("ij,jk->ik,", [(2, 3), (3, 4)]), ("ii->i", [(2, 3)]), ("i1->i", [(2, 3)]),
    ("", [(2, 3)]), ("ij->j->", [(2, 3)]), ("i,i->i", [(2,), (3,)]), ("..i->i", [(2, 3)]),
    ("ij", [(2, 3), (3, 4)]), ("ijk...->i", [(2, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_ERRORS)
def test_einsum_errors_match_torch(torch, eq, shapes):
    ours = _outcome(lambda: autograd_lab.einsum(eq, *_pair(autograd_lab, shapes,
                                                           [True] * len(shapes))))
    theirs = _outcome(lambda: torch.einsum(eq, *_pair(torch, shapes, [True] * len(shapes))))
    assert ours == theirs


def test_einsum_dtype_mismatch(torch):
    for lib in (autograd_lab, torch):
        a, b = _pair(lib, [(2, 3), (3, 4)], [False, False], ["float64", "float32"])
        msg = _outcome(lambda: lib.einsum("ij,jk", a, b))  # noqa: B023
        assert msg == ("RuntimeError", "expected scalar type Double but found Float")


def test_einsum_implicit_output_order_and_uppercase(torch):
    for eq, shapes in [("bA,Ac", [(2, 3), (3, 4)]), ("ba", [(2, 3)]), ("Ba,aC", [(2, 3), (3, 5)]),
                       ("...ij,...jk", [(5, 1, 2, 3), (6, 3, 4)])]:
        ours = autograd_lab.einsum(eq, *_pair(autograd_lab, shapes, [False] * len(shapes)))
        theirs = torch.einsum(eq, *_pair(torch, shapes, [False] * len(shapes)))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_einsum_result_owns_its_memory():
    a = autograd_lab.randn(2, 3)
    t = autograd_lab.einsum("ij->ji", a)
    t.add_(1)
    assert not np.shares_memory(t.numpy(), a.numpy())
