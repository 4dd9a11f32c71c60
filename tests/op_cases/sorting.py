"""Cases for autograd_lab.ops.sorting."""

from __future__ import annotations

import numpy as np

from . import Idx, In, OpCase


def _np_sort(a, axis=-1, descending=False):
    s = np.sort(a, axis=axis)
    return np.flip(s, axis=axis) if descending else s


CASES = [
    OpCase("sort", lambda lib, a: lib.sort(a).values, [In((3, 5))],
           ref=_np_sort, double=True),
    OpCase("sort", lambda lib, a: lib.sort(a, dim=0, descending=True).values, [In((4, 3))],
           ref=lambda a: _np_sort(a, 0, True), double=True, id="dim0-descending"),
    OpCase("sort", lambda lib, a: tuple(a.sort(-2)), [In((2, 4, 3))],
           ref=lambda a: (np.sort(a, -2), np.argsort(a, -2)), grad=False, id="tuple"),
    OpCase("argsort", lambda lib, a: lib.argsort(a, dim=1, descending=True), [In((3, 4))],
           ref=lambda a: np.argsort(-a, axis=1), grad=False),
    OpCase("msort", lambda lib, a: lib.msort(a), [In((4, 3))],
           ref=lambda a: np.sort(a, 0), double=True),
    OpCase("topk", lambda lib, a: lib.topk(a, 2).values, [In((3, 5))],
           ref=lambda a: _np_sort(a, -1, True)[:, :2], double=True),
    OpCase("topk", lambda lib, a: lib.topk(a, 3, dim=0, largest=False).values, [In((5, 2))],
           ref=lambda a: np.sort(a, 0)[:3], double=True, id="smallest-dim0"),
    OpCase("topk", lambda lib, a: tuple(a.topk(2, dim=1)), [In((2, 4))],
           ref=lambda a: (_np_sort(a, 1, True)[:, :2], np.argsort(-a, 1)[:, :2]), grad=False,
           id="tuple"),
    OpCase("unique", lambda lib, a: lib.unique(a), [Idx((10,), 4)], ref=np.unique, grad=False),
    OpCase("unique", lambda lib, a: lib.unique(a, return_inverse=True, return_counts=True),
           [Idx((3, 4), 3)],
           ref=lambda a: tuple(np.unique(a, return_inverse=True, return_counts=True)),
           grad=False, id="inverse-counts"),
    OpCase("unique", lambda lib, a: lib.unique(a, dim=0, return_inverse=True),
           [np.array([[1, 2], [0, 5], [1, 2]])], grad=False, id="dim0"),
    OpCase("unique", lambda lib, a: lib.unique(a.detach()), [In((6,))], ref=np.unique,
           grad=False, id="float"),
]
