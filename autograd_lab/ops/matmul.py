"""``matmul`` (the ``@`` operator): PyTorch's dispatch on the operands' dims.

1-D @ 1-D is ``dot``, 2-D @ 1-D ``mv``, 1-D @ 2-D a row vector times a matrix, 2-D @ 2-D
``mm`` (all in :mod:`autograd_lab.ops.linalg`); anything with more dims is a batch of matrix
products with broadcast batch dims, one fused :class:`Matmul` op here. PyTorch builds that from
reshapes, ``mm``/``bmm`` and ``_unsafe_view``; we name our node after the outermost node PyTorch
records (``UnsafeViewBackward0`` and friends) so ``grad_fn`` reads the same, but the graph under
it is a single step, and the error messages are those of the kernel PyTorch would pick.
"""

from __future__ import annotations

import math

from .._tensor import Tensor
from ..autograd.function import Op
from .linalg import (
    Dot,
    Mm,
    Mv,
    VecMat,
    _check_bmm,
    _check_dot,
    _check_mm,
    _check_mv,
    _check_tensor,
    _rows,
    _write,
)


class Matmul(Op):
    """out = A @ B for N-D tensors: a batch of matrix products, batch dims broadcast.

    A 1-D operand is a row (left) or column (right) vector whose extra dim is dropped again.
    dA = grad B^T,  dB = A^T grad, summed over broadcast batch dims (the engine does the sum);
    when one side is a single matrix the other's batch is folded into its rows, so the
    gradient of that matrix is one ``mm`` instead of a batch of products summed afterwards.
    """

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        # Give vectors their matrix dim back: a row vector (1, m), a column vector (m, 1).
        va, vb = a.ndim == 1, b.ndim == 1
        if va:
            a, grad = a.unsqueeze(0), grad.unsqueeze(-2)
        if vb:
            b, grad = b.unsqueeze(1), grad.unsqueeze(-1)
        ga = gb = None
        if needs_a:
            ga = _fold_product(grad, b.mT)
            ga = ga.squeeze(-2) if va else ga
        if needs_b:
            if b.ndim <= 2 and a.ndim > 2:  # fold: (batch*n, m)^T @ (batch*n, p)
                gb = Mm.apply(_rows(a).mT, _rows(grad))
            else:
                gb = matmul(a.mT, grad)
            gb = gb.squeeze(-1) if vb else gb
        return ga, gb


def _fold_product(x: Tensor, m: Tensor) -> Tensor:
    """``x @ m`` for N-D ``x`` and a matrix ``m`` (one mm on the folded rows when possible)."""
    if m.ndim == 2 and x.ndim > 2:
        return Mm.apply(_rows(x), m).reshape(*x.shape[:-1], m.shape[-1])
    return matmul(x, m)


class MatmulClone(Matmul):
    """``matrix @ batch``: PyTorch transposes the result back with ``.contiguous()``."""

    node_name = "CloneBackward0"


class MatmulTranspose(Matmul):
    """``matrix @ batch`` whose transposed result is already contiguous (a size-1 dim)."""

    node_name = "TransposeBackward0"


# ------------------------------------------------------------------ matmul: dispatch on dims
def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Matrix product with PyTorch's rules for the operands' dims (the ``@`` operator).

    1-D @ 1-D is ``dot``; 2-D @ 1-D ``mv``; 1-D @ 2-D a row vector times a matrix; 2-D @ 2-D
    ``mm``; otherwise a batch of matrix products whose batch dims broadcast, where a 1-D
    operand is a vector (its dim added for the product and removed after).
    dA = grad B^T,  dB = A^T grad.

    Shape:
        (*, n, m) @ (*, m, p) -> (broadcast(*), n, p).

    Example:
        >>> (autograd_lab.ones(5, 2, 3) @ autograd_lab.ones(3, 4)).shape
        autograd_lab.Size([5, 2, 4])
    """
    _check_tensor("matmul", input, "input", 1)
    _check_tensor("matmul", other, "other", 2)
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        _check_dot(input, other)
        result = Dot.apply(input, other)
    elif da == 2 and db == 1:
        _check_mv(input, other)
        result = Mv.apply(input, other)
    elif da == 1 and db == 2:
        _check_mm(input, other, shape_a=(1, input._data.shape[0]))
        result = VecMat.apply(input, other)
    elif da == 2 and db == 2:
        _check_mm(input, other)
        result = Mm.apply(input, other)
    else:
        result = _matmul_nd(input, other)
    return _write("matmul", result, out)


def _matmul_nd(a: Tensor, b: Tensor) -> Tensor:
    """N-D matmul: check shapes with the messages of the kernel PyTorch would pick, then run
    one :class:`Matmul`. PyTorch folds the bigger operand's batch into matrix rows and calls
    ``mm``/``mv`` when the other is a matrix or vector and folding saves memory (the smaller
    operand needs a gradient) or costs no copy; otherwise it broadcasts and calls ``bmm``."""
    sa, sb = a._data.shape, b._data.shape
    # PyTorch 2.13 treats a 3-D operand with a batch of one that requires grad, against a
    # bigger 3-D batch, as a matrix (measured against torch: see tests/test_linalg.py).
    ea, eb = len(sa), len(sb)
    if ea == eb == 3 and a._requires_grad and sa[0] == 1 and sb[0] > 1:
        ea, sa = 2, sa[1:]
    elif ea == eb == 3 and b._requires_grad and sb[0] == 1 and sa[0] > 1:
        eb, sb = 2, sb[1:]
    if ea >= eb:
        fold = eb <= 2 and (b._requires_grad or _rows_foldable(a._data))
        if fold:
            rows = (math.prod(sa[:-1]), sa[-1])
            if eb == 2:
                _check_mm(a, b, shape_a=rows, shape_b=sb)
            else:
                _check_mv(a, b, shape_mat=rows)
            return Matmul.apply(a, b)
    else:
        fold = ea <= 2 and (a._requires_grad
                            or (ea != 2 and _rows_foldable(b._data.swapaxes(-1, -2))))
        if fold:  # computed by PyTorch as (B^T @ A^T)^T, B's batch folded into rows
            rows = (math.prod(sb[:-2]) * sb[-1], sb[-2])
            if ea == 2:
                _check_mm(b, a, shape_a=rows, shape_b=(sa[1], sa[0]))
                n, p = sa[0], sb[-1]
                empty = n * p * math.prod(sb[:-2]) == 0
                op = MatmulTranspose if n == 1 or p == 1 or empty else MatmulClone
                return op.apply(a, b)
            _check_mv(b, a, shape_mat=rows)
            return Matmul.apply(a, b)
    # bmm over the broadcast batch.
    batch = _broadcast_batch(sa[:-2] if len(sa) > 1 else (), sb[:-2] if len(sb) > 1 else ())
    nb = math.prod(batch)
    n, m1 = (sa[-2] if len(sa) > 1 else 1), sa[-1]
    m2, p = (sb[-2], sb[-1]) if len(sb) > 1 else (sb[0], 1)
    _check_bmm(a, b, shape_a=(nb, n, m1), shape_b=(nb, m2, p))
    return Matmul.apply(a, b)


def _rows_foldable(arr) -> bool:
    """Can ``arr.reshape(-1, arr.shape[-1])`` be a view (PyTorch's no-copy folding test)?"""
    if arr.size == 0:
        return True
    st, sh = arr.strides, arr.shape
    return all(st[i] == st[i + 1] * sh[i + 1] for i in range(arr.ndim - 2))


def _broadcast_batch(sa: tuple, sb: tuple) -> tuple:
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    out = []
    for i, (x, y) in enumerate(zip(sa, sb, strict=True)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)
