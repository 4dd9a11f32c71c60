"""Cases for autograd_lab.ops.linalg and autograd_lab.ops.einsum."""

from __future__ import annotations

import numpy as np

from . import In, OpCase


def _linear(lib):
    """``F.linear`` lives in torch.nn.functional; ours is in ops.linalg until nn exists."""
    if lib.__name__ == "torch":
        return lib.nn.functional.linear
    from autograd_lab.ops.linalg import linear

    return linear


def _lin_ref(x, w, b=None):
    return x @ w.T + (0 if b is None else b)


CASES = [
    # matmul: every dispatch of torch.matmul
    OpCase("matmul", lambda lib, a, b: lib.matmul(a, b), [In((3,)), In((3,))],
           ref=np.matmul, double=True, id="1d@1d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((2, 3)), In((3,))],
           ref=np.matmul, double=True, id="2d@1d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((3,)), In((3, 4))],
           ref=np.matmul, double=True, id="1d@2d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((2, 3)), In((3, 4))],
           ref=np.matmul, double=True, id="2d@2d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((5, 2, 3)), In((5, 3, 4))],
           ref=np.matmul, double=True, id="3d@3d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((5, 2, 3)), In((3, 4))],
           ref=np.matmul, double=True, id="3d@2d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((5, 2, 3)), In((3, 4), requires_grad=False)],
           ref=np.matmul, double=True, id="3d@2d-const"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((2, 3)), In((5, 3, 4))],
           ref=np.matmul, double=True, id="2d@3d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((2, 3), requires_grad=False), In((5, 3, 4))],
           ref=np.matmul, double=True, id="2d@3d-const"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((5, 2, 3)), In((3,))],
           ref=np.matmul, double=True, id="3d@1d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((3,)), In((5, 3, 4))],
           ref=np.matmul, double=True, id="1d@3d"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((5, 1, 2, 3)), In((1, 6, 3, 4))],
           ref=np.matmul, double=True, id="4d-broadcast"),
    OpCase("matmul", lambda lib, a, b: a @ b, [In((1, 2, 3)), In((5, 3, 4))],
           ref=np.matmul, double=True, id="batch-of-one"),
    OpCase("matmul", lambda lib, a, b: a.matmul(b.transpose(-1, -2)),
           [In((2, 3, 4)), In((2, 5, 4))], ref=lambda a, b: a @ b.swapaxes(-1, -2),
           double=True, id="transposed-view"),
    OpCase("mm", lambda lib, a, b: lib.mm(a, b), [In((2, 3)), In((3, 4))],
           ref=np.matmul, double=True),
    OpCase("mm", lambda lib, a, b: a.mm(b.t()), [In((2, 3)), In((4, 3))],
           ref=lambda a, b: a @ b.T, double=True, id="transposed"),
    OpCase("bmm", lambda lib, a, b: lib.bmm(a, b), [In((2, 2, 3)), In((2, 3, 4))],
           ref=np.matmul, double=True),
    OpCase("mv", lambda lib, a, b: lib.mv(a, b), [In((2, 3)), In((3,))],
           ref=np.matmul, double=True),
    OpCase("dot", lambda lib, a, b: lib.dot(a, b), [In((4,)), In((4,))],
           ref=np.dot, double=True),
    OpCase("inner", lambda lib, a, b: lib.inner(a, b), [In((2, 3)), In((4, 3))],
           ref=np.inner, double=True),
    OpCase("inner", lambda lib, a, b: lib.inner(a, b), [In((3,)), In((3,))],
           ref=np.inner, double=True, id="vectors"),
    OpCase("outer", lambda lib, a, b: lib.outer(a, b), [In((3,)), In((4,))],
           ref=np.outer, double=True),
    OpCase("addmm", lambda lib, c, a, b: lib.addmm(c, a, b), [In((4,)), In((2, 3)), In((3, 4))],
           ref=lambda c, a, b: c + a @ b, double=True),
    OpCase("addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0),
           [In((2, 4)), In((2, 3)), In((3, 4))], ref=lambda c, a, b: 0.5 * c + 2 * (a @ b),
           double=True, id="beta-alpha"),
    OpCase("addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0),
           [In((2, 1)), In((2, 3)), In((3, 4))], ref=lambda c, a, b: a @ b,
           double=True, id="beta0"),
    OpCase("linear", lambda lib, x, w, b: _linear(lib)(x, w, b),
           [In((2, 3)), In((4, 3)), In((4,))], ref=_lin_ref, double=True, id="2d"),
    OpCase("linear", lambda lib, x, w: _linear(lib)(x, w), [In((2, 3)), In((4, 3))],
           ref=_lin_ref, double=True, id="2d-nobias"),
    OpCase("linear", lambda lib, x, w, b: _linear(lib)(x, w, b),
           [In((5, 2, 3)), In((4, 3)), In((4,))], ref=_lin_ref, double=True, id="3d"),
    OpCase("linear", lambda lib, x, w, b: _linear(lib)(x, w, b),
           [In((3,)), In((4, 3)), In((4,))], ref=_lin_ref, double=True, id="1d"),
    # einsum: the common patterns
    OpCase("einsum", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), [In((2, 3)), In((3, 4))],
           ref=lambda a, b: a @ b, double=True, id="mm"),
    OpCase("einsum", lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b),
           [In((2, 2, 3)), In((2, 3, 4))], ref=np.matmul, double=True, id="bmm"),
    OpCase("einsum", lambda lib, a, b: lib.einsum("i,i->", a, b), [In((3,)), In((3,))],
           ref=np.dot, double=True, id="dot"),
    OpCase("einsum", lambda lib, a: lib.einsum("ij->ji", a), [In((2, 3))],
           ref=np.transpose, double=True, id="transpose"),
    OpCase("einsum", lambda lib, a: lib.einsum("ii->i", a), [In((3, 3))],
           ref=np.diagonal, double=True, id="diagonal"),
    OpCase("einsum", lambda lib, a: lib.einsum("ii", a), [In((3, 3))],
           ref=np.trace, double=True, id="trace"),
    OpCase("einsum", lambda lib, a: lib.einsum("ij->", a), [In((2, 3))],
           ref=np.sum, double=True, id="sum"),
    OpCase("einsum", lambda lib, a: lib.einsum("ij->i", a), [In((2, 3))],
           ref=lambda a: a.sum(1), double=True, id="row-sum"),
    OpCase("einsum", lambda lib, a, b: lib.einsum("i,j->ij", a, b), [In((2,)), In((3,))],
           ref=np.outer, double=True, id="outer"),
    OpCase("einsum", lambda lib, q, k: lib.einsum("bhqd,bhkd->bhqk", q, k),
           [In((2, 3, 4, 5)), In((2, 3, 6, 5))], ref=lambda q, k: q @ k.swapaxes(-1, -2),
           double=True, id="attention"),
    OpCase("einsum", lambda lib, a, b: lib.einsum("ij,jk", a, b), [In((2, 3)), In((3, 4))],
           ref=lambda a, b: a @ b, double=True, id="implicit"),
    OpCase("einsum", lambda lib, a, b: lib.einsum("...ij,...jk->...ik", a, b),
           [In((5, 2, 3)), In((3, 4))], ref=np.matmul, double=True, id="ellipsis"),
    OpCase("einsum", lambda lib, a, b, c: lib.einsum("ij,jk,kl->il", [a, b, c]),
           [In((2, 3)), In((3, 4)), In((4, 5))], ref=lambda a, b, c: a @ b @ c,
           double=True, id="three-list"),
    OpCase("einsum", lambda lib, a, b: lib.einsum("iij,jk->ik", a, b),
           [In((2, 2, 3)), In((3, 4))],
           ref=lambda a, b: np.einsum("iij,jk->ik", a, b), double=True, id="diag-contract"),
    OpCase("einsum", lambda lib, a, b: lib.einsum("i,i->i", a, b), [In((1,)), In((3,))],
           ref=lambda a, b: a * b, double=True, id="size1-broadcast"),
]
