"""Sorting beyond the op table: named tuples, ties (stable order), NaN, errors, unique."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lab


def _outcome(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - we compare the exception itself
        return (type(e).__name__, str(e))


def _same(ours, theirs):
    if isinstance(theirs, tuple) and not hasattr(theirs, "_fields") and type(theirs) is tuple \
            and theirs and isinstance(theirs[0], str):
        assert ours == theirs  # an exception
        return
    ours_t = ours if isinstance(ours, tuple) else (ours,)
    theirs_t = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours_t) == len(theirs_t)
    for o, t in zip(ours_t, theirs_t, strict=True):
        assert tuple(o.shape) == tuple(t.shape)
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(o.detach().numpy(), t.detach().numpy())


def test_sort_returns_named_tuple():
    x = autograd_lab.tensor([3.0, 1.0, 2.0], requires_grad=True)
    result = x.sort()
    values, indices = result
    assert type(result).__name__ == "sort"
    assert type(result).__module__ == "autograd_lab.return_types"
    assert result.values is values and result[1] is indices
    assert type(values.grad_fn).__name__ == "SortBackward0"
    assert indices.dtype == autograd_lab.int64 and not indices.requires_grad
    assert repr(result).startswith("autograd_lab.return_types.sort(\nvalues=tensor([1., 2., 3.]")
    assert repr(result).endswith(",\nindices=tensor([1, 2, 0]))")
    assert type(autograd_lab.topk(x, 2)).__name__ == "topk"


TIES = [[3.0, 1.0, 2.0, 1.0, 3.0, 1.0], [1.0, 1.0, 1.0], [2.0, float("nan"), 1.0, float("nan")]]


@pytest.mark.torch
@pytest.mark.parametrize("values", TIES)
@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_with_ties_and_nan_matches_torch(torch, values, descending):
    ours = autograd_lab.sort(autograd_lab.tensor(values), descending=descending, stable=True)
    theirs = torch.sort(torch.tensor(values), descending=descending, stable=True)
    _same(tuple(ours), tuple(theirs))
    _same(autograd_lab.argsort(autograd_lab.tensor(values), descending=descending, stable=True),
          torch.argsort(torch.tensor(values), descending=descending, stable=True))


@pytest.mark.torch
def test_sort_gradient_with_ties_follows_indices(torch):
    grads = []
    for lib in (autograd_lab, torch):
        x = lib.tensor([[2.0, 1.0, 2.0], [0.0, 5.0, 0.0]], requires_grad=True)
        v = lib.sort(x, dim=1, descending=True, stable=True).values
        (v * lib.tensor([1.0, 10.0, 100.0])).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.sort(lib.tensor([3.0, 1.0]), dim=1),
    lambda lib: lib.sort(lib.tensor(3.0)),
    lambda lib: lib.sort(lib.tensor([True, False, True])),
    lambda lib: lib.sort(lib.tensor([[1, 2], [3, 1]]), dim=0, descending=True),
    lambda lib: lib.sort(lib.zeros(0)),
    lambda lib: lib.argsort(lib.tensor([3.0, 1.0]), dim=3),
    lambda lib: lib.topk(lib.tensor(3.0), 1),
    lambda lib: lib.topk(lib.tensor([3.0, 1.0, 2.0]), 5),
    lambda lib: lib.topk(lib.tensor([3.0, 1.0, 2.0]), -1),
    lambda lib: lib.topk(lib.tensor([3.0, 1.0, 2.0]), 0),
    lambda lib: lib.topk(lib.tensor([3.0, 1.0, 2.0]), 1, dim=2),
    lambda lib: lib.topk(lib.tensor([3.0, 1.0, 2.0]), 1.5),
    lambda lib: lib.topk(lib.tensor([True, False]), 1),
    lambda lib: lib.topk(lib.tensor([[1.0, 2, 3], [4, 5, 6]]), 2, dim=0),
    lambda lib: lib.topk(lib.tensor([1.0, float("nan"), 0.0]), 2),
    lambda lib: lib.topk(lib.tensor([1.0, 5, 3, 4, 2]), 2, largest=False),
    lambda lib: lib.msort(lib.tensor([[3.0, 1.0], [1.0, 2.0]])),
])
def test_sort_topk_results_and_errors_match_torch(torch, call):
    ours = _outcome(lambda: call(autograd_lab))
    theirs = _outcome(lambda: call(torch))
    if isinstance(theirs, tuple) and hasattr(theirs, "values"):  # a return_types tuple
        ours, theirs = tuple(ours), tuple(theirs)
    _same(ours, theirs)


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.unique(lib.tensor([3, 1, 2, 1, 3])),
    lambda lib: lib.unique(lib.tensor([3, 1, 2, 1, 3]), sorted=False),
    lambda lib: lib.unique(lib.tensor([3, 1, 2, 1, 3]), return_inverse=True, return_counts=True),
    lambda lib: lib.unique(lib.tensor([3, 1, 2, 1, 3]), return_counts=True),
    lambda lib: lib.unique(lib.tensor([[3, 1], [1, 2]]), return_inverse=True),
    lambda lib: lib.unique(lib.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True,
                           return_counts=True),
    lambda lib: lib.unique(lib.tensor([[1, 2], [1, 2], [0, 5]]), dim=1, return_inverse=True,
                           return_counts=True),
    lambda lib: lib.unique(lib.tensor([[1, 2]]), dim=2),
    lambda lib: lib.unique(lib.tensor(5), return_inverse=True),
    lambda lib: lib.unique(lib.tensor([True, False, True])),
    lambda lib: lib.unique(lib.tensor([float("nan"), 1.0, float("nan")])),
    lambda lib: lib.unique(lib.zeros(0, dtype=lib.long), return_inverse=True,
                           return_counts=True),
    lambda lib: lib.tensor([2, 2, 1]).unique(return_counts=True),
])
def test_unique_matches_torch(torch, call):
    ours, theirs = _outcome(lambda: call(autograd_lab)), _outcome(lambda: call(torch))
    assert isinstance(ours, tuple) == isinstance(theirs, tuple)
    _same(ours, theirs)


@pytest.mark.torch
@pytest.mark.parametrize("dim", [None, 0])
def test_unique_records_a_node_whose_backward_raises(torch, dim):
    outcomes = []
    for lib in (autograd_lab, torch):
        x = lib.tensor([[3.0, 1.0], [3.0, 1.0]], requires_grad=True)
        u = lib.unique(x, dim=dim)
        outcomes.append((type(u.grad_fn).__name__, u.requires_grad,
                         _outcome(lambda u=u: u.sum().backward())))
    assert outcomes[0] == outcomes[1]


def test_topk_gradient_is_zero_off_the_selection():
    x = autograd_lab.tensor([1.0, 5.0, 3.0, 4.0], requires_grad=True)
    x.topk(2).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0, 1.0])


def test_sort_keeps_float32():
    x = autograd_lab.randn(4, 3, requires_grad=True)
    v = x.sort(0).values
    v.sum().backward()
    assert v.dtype == autograd_lab.float32 and x.grad.dtype == autograd_lab.float32
