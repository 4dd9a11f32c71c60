"""Cases for autograd_lab.ops.index (``t[...]``, ``t[...] = v``, index_put) and ops.scatter.

Index tensors come from :class:`Idx` (int64, seeded) and masks from :class:`Mask`, identical for
autograd_lab and torch. Scatter-like cases use ``unique=True`` indices where a repeated index
would make "which write wins" (and so the gradient) ill-defined.
"""

from __future__ import annotations

import numpy as np

from . import Idx, In, Mask, OpCase


def _case(name, fn, inputs, ref=None, id="", **kw):  # noqa: A002
    kw.setdefault("double", True)
    return OpCase(name, fn, inputs, ref=ref, id=id, **kw)


def _getitem(id, index, ref_index=None, shape=(3, 4, 5)):  # noqa: A002
    """``x[index]`` for a fixed index (lists, slices, ...); NumPy agrees unless ref_index given."""
    ref_index = index if ref_index is None else ref_index
    return _case("getitem", lambda lib, a: a[index], [In(shape)], lambda a: a[ref_index], id=id)


def _np_take_along(a, idx, dim):
    sl = tuple(slice(0, s) if d != dim else slice(None) for d, s in enumerate(idx.shape))
    return np.take_along_axis(a[sl], idx, axis=dim)


def _np_scatter(a, dim, idx, src):
    out = a.copy()
    mesh = list(np.indices(idx.shape, sparse=True))
    mesh[dim] = idx
    out[tuple(mesh)] = src[tuple(slice(0, s) for s in idx.shape)] if np.ndim(src) else src
    return out


def _np_scatter_add(a, dim, idx, src):
    out = a.copy()
    mesh = list(np.indices(idx.shape, sparse=True))
    mesh[dim] = idx
    np.add.at(out, tuple(mesh), src[tuple(slice(0, s) for s in idx.shape)])
    return out


def _np_index_add(a, dim, idx, src, alpha=1):
    out = a.copy()
    np.add.at(out, (slice(None),) * dim + (idx,), alpha * src)
    return out


def _set(index, tensor_value=False):
    """``y = x * 1; y[index] = v; return y`` (v a tensor input, or the number 2.5)."""
    if not tensor_value:
        def fn(lib, a):
            y = a * 1
            y[index] = 2.5
            return y
        return fn

    def fn(lib, a, v):
        y = a * 1
        y[index] = v
        return y
    return fn


def _np_set(index, value=2.5):
    def ref(a, v=value):
        out = a.copy()
        out[index] = v
        return out
    return ref


X = In((3, 4, 5))
M = In((3, 4))

CASES = [
    # --- basic indexing: views
    _getitem("int", 1),
    _getitem("neg-int", -1),
    _getitem("slice", slice(1, None)),
    _getitem("step", slice(None, None, 2)),
    _getitem("none", None),
    _getitem("ellipsis", Ellipsis),
    _getitem("full-slice", slice(None)),
    _getitem("col", (slice(None), 1)),
    _getitem("ellipsis-int", (Ellipsis, 0)),
    _getitem("int-int-int", (0, 1, 2)),
    _getitem("slice-int", (slice(0, 2), 1)),
    _getitem("int-slice", (1, slice(0, 2))),
    _getitem("none-int", (None, 0)),
    _getitem("mixed", (slice(None), slice(None), None, slice(1, 3))),
    _getitem("strided", (slice(None), slice(None, None, 2), 1)),
    _case("getitem", lambda lib, a: a[5:], [X], lambda a: a[5:], id="empty", double=False),
    _getitem("0d-none", None, shape=()),
    # --- advanced indexing: copies, repeated indices accumulate
    _getitem("list", [0, 2]),
    _getitem("repeat", [0, 0, 2, 0]),
    _getitem("neg-list", [-1, -3]),
    _getitem("list-dim1", (slice(None), [1, 1, 3])),
    _getitem("two-lists", ([0, 1, 1], [1, 2, 2])),
    _getitem("split-lists", ([0, 1], slice(None), [1, 2])),
    _getitem("list-slice-list", ([0, 1], slice(1, 3), [1, 2])),
    # PyTorch applies the int first: (4, 2), where NumPy would give (2, 4)
    _case("getitem", lambda lib, a: a[0, :, [1, 2]], [X], lambda a: a[0][:, [1, 2]],
          id="int-then-list"),
    _getitem("2d-list", (np.array([[0, 1], [2, 2]]),)),
    _case("getitem", lambda lib, a: a[True], [X], lambda a: a[None], id="true"),
    _case("getitem", lambda lib, a, i: a[i], [X, Idx((2, 3), 3)], lambda a, i: a[i],
          id="tensor-index"),
    _case("getitem", lambda lib, a, i: a[:, i], [X, Idx((6,), 4)], lambda a, i: a[:, i],
          id="tensor-index-dim1"),
    _case("getitem", lambda lib, a, m: a[m], [X, Mask((3, 4))], lambda a, m: a[m], id="mask"),
    _case("getitem", lambda lib, a, m: a[:, m], [X, Mask((4,))], lambda a, m: a[:, m],
          id="mask-dim1"),
    _case("getitem", lambda lib, a: a[a > 0], [X], lambda a: a[a > 0], id="mask-self"),
    _case("getitem", lambda lib, a: a[1][[0, 0], 1:], [X], lambda a: a[1][[0, 0], 1:],
          id="chain"),
    # --- setitem: CopySlices (basic) or IndexPutBackward0 (advanced)
    _case("setitem", _set(0, True), [X, In((5,))], _np_set(0), id="int-broadcast"),
    _case("setitem", _set((slice(None), 1), True), [X, In((3, 1))],
          _np_set((slice(None), 1)), id="col"),
    _case("setitem", _set(slice(1, None)), [X], _np_set(slice(1, None)), id="scalar"),
    _case("setitem", _set([0, 2], True), [X, In((4, 5))], _np_set([0, 2]), id="list"),
    _case("setitem", _set(([0, 2], [1, 3]), True), [X, In((5,))], _np_set(([0, 2], [1, 3])),
          id="two-lists"),
    _case("setitem", _set((0, [1, 3])), [X], _np_set((0, [1, 3])), id="int-list-scalar"),
    _case("setitem", lambda lib, a, v: _set_mask(lib, a, v), [M, In(())],
          lambda a, v: np.where(a > 0, v, a), id="mask-0d-value"),
    # --- index_put
    _case("index_put", lambda lib, a, i, v: lib.index_put(a, (i,), v), [M, Idx((2,), 3, True),
          In((2, 4))], lambda a, i, v: _np_set(i)(a, v)),
    _case("index_put", lambda lib, a, i, v: lib.index_put(a, (i,), v, accumulate=True),
          [M, Idx((5,), 3), In((4,))], lambda a, i, v: _np_index_add(a, 0, i, np.broadcast_to(
              v, (5, 4))), id="accumulate"),
    _case("index_put", lambda lib, a, m, v: lib.index_put(a, (m,), v), [M, Mask((3, 4)),
          In(())], lambda a, m, v: np.where(m, v, a), id="mask"),
    _case("index_put_", lambda lib, a, i, j, v: lib.index_put_(a * 1, (i, j), v),
          [M, Idx((3,), 3, True), Idx((3,), 4, True), In((3,))],
          lambda a, i, j, v: _np_set((i, j))(a, v)),
    # --- gather / scatter
    _case("gather", lambda lib, a, i: lib.gather(a, 0, i), [M, Idx((5, 4), 3)],
          lambda a, i: _np_take_along(a, i, 0)),
    _case("gather", lambda lib, a, i: a.gather(-1, i), [M, Idx((2, 6), 4)],
          lambda a, i: _np_take_along(a, i, 1), id="smaller-index"),
    _case("scatter", lambda lib, a, i, s: lib.scatter(a, 0, i, s),
          [M, np.array([[2, 0, 1, 1], [0, 1, 2, 0]]), In((2, 4))],
          lambda a, i, s: _np_scatter(a, 0, i, s)),
    _case("scatter", lambda lib, a, i: lib.scatter(a, 1, i, value=-1.5),
          [M, np.array([[3], [0], [2]])], lambda a, i: _np_scatter(a, 1, i, -1.5), id="value"),
    _case("Tensor.scatter_", lambda lib, a, i, s: (a * 1).scatter_(0, i, s),
          [M, np.array([[2, 0, 1, 1]]), In((1, 4))], lambda a, i, s: _np_scatter(a, 0, i, s)),
    _case("scatter", lambda lib, a, i: lib.scatter(a.detach(), 0, i, 2.0, reduce="add"),
          [M, np.array([[2, 0, 2, 1]])],
          lambda a, i: _np_scatter_add(a, 0, i, np.full((1, 4), 2.0)),
          id="reduce-add", grad=False, double=False),
    _case("scatter", lambda lib, a, i: lib.scatter(a.detach(), 1, i, -1.0, reduce="multiply"),
          [M, np.array([[2], [0], [2]])],
          lambda a, i: _np_scatter(a, 1, i, -a[[0, 1, 2], [2, 0, 2]][:, None]),
          id="reduce-multiply", grad=False, double=False),
    _case("scatter_add", lambda lib, a, i, s: lib.scatter_add(a, 0, i, s),
          [M, Idx((4, 4), 3), In((4, 4))], lambda a, i, s: _np_scatter_add(a, 0, i, s)),
    _case("Tensor.scatter_add_", lambda lib, a, i, s: (a * 1).scatter_add_(1, i, s),
          [M, Idx((3, 6), 4), In((3, 6))], lambda a, i, s: _np_scatter_add(a, 1, i, s)),
    # --- index_select / index_add / take
    _case("index_select", lambda lib, a, i: lib.index_select(a, 1, i), [X, Idx((6,), 4)],
          lambda a, i: a[:, i]),
    _case("index_select", lambda lib, a, i: a.index_select(-3, i), [X, Idx((), 3)],
          lambda a, i: a[i][None], id="0d-index"),
    _case("index_add", lambda lib, a, i, s: lib.index_add(a, 0, i, s, alpha=2),
          [M, Idx((5,), 3), In((5, 4))], lambda a, i, s: _np_index_add(a, 0, i, s, 2)),
    _case("Tensor.index_add_", lambda lib, a, i, s: (a * 1).index_add_(1, i, s),
          [M, Idx((2,), 4), In((3, 2))], lambda a, i, s: _np_index_add(a, 1, i, s)),
    _case("take", lambda lib, a, i: lib.take(a, i), [M, Idx((2, 3), 12)],
          lambda a, i: a.reshape(-1)[i]),
    _case("take", lambda lib, a: lib.take(a, lib.tensor([-1, 0, -1])), [M],
          lambda a: a.reshape(-1)[[-1, 0, -1]], id="negative"),
    # --- masks
    _case("masked_fill", lambda lib, a, m: lib.masked_fill(a, m, -2.0), [M, Mask((3, 4))],
          lambda a, m: np.where(m, -2.0, a)),
    _case("masked_fill", lambda lib, a, m: a.masked_fill(m, 0.5), [M, Mask((4,))],
          lambda a, m: np.where(m, 0.5, a), id="broadcast-mask"),
    _case("masked_fill", lambda lib, a, m, v: lib.masked_fill(a, m, v), [M, Mask((3, 4)),
          In(())], lambda a, m, v: np.where(m, v, a), id="tensor-value"),
    _case("masked_fill", lambda lib, a, m: lib.masked_fill(a, m, 1.0), [In((4,)),
          Mask((3, 1))], lambda a, m: np.where(m, 1.0, a), id="broadcast-both"),
    _case("Tensor.masked_fill_", lambda lib, a, m, v: (a * 1).masked_fill_(m, v),
          [M, Mask((3, 4)), In(())], lambda a, m, v: np.where(m, v, a)),
    _case("masked_select", lambda lib, a, m: lib.masked_select(a, m), [M, Mask((3, 4))],
          lambda a, m: a[m]),
    _case("masked_select", lambda lib, a, m: lib.masked_select(a, m), [In((4,)),
          Mask((3, 4))], lambda a, m: np.broadcast_to(a, (3, 4))[m], id="broadcast"),
    _case("nonzero", lambda lib, a: lib.nonzero(a > 0), [M], lambda a: np.argwhere(a > 0),
          grad=False, double=False),
    _case("nonzero", lambda lib, a: lib.nonzero(a > 0, as_tuple=True), [M],
          lambda a: np.nonzero(a > 0), grad=False, double=False, id="as_tuple"),
]


def _set_mask(lib, a, v):
    y = a * 1
    y[a > 0] = v
    return y
