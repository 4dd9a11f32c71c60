"""Datasets against PyTorch's: items, lengths, errors; random_split's sizes and seeding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _data_compare import assert_same, to_torch
from conftest import require_torch

import autograd_lab as al
from autograd_lab.utils.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from autograd_lab.utils.data._utils.collate import StackedBatch

X = al.arange(20.0).reshape(10, 2)
Y = al.arange(10) % 3


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


@pytest.mark.torch
@pytest.mark.parametrize("index", [0, 9, -1, slice(2, 5), [3, 1]])
def test_tensor_dataset_items_match_torch(index):
    torch = require_torch()
    theirs = torch.utils.data.TensorDataset(*to_torch([X, Y]))
    ours = TensorDataset(X, Y)
    assert len(ours) == len(theirs) == 10
    assert_same(ours[index], theirs[index])


def test_tensor_dataset_getitems_is_one_fancy_index():
    ds = TensorDataset(X, Y)
    batch = ds.__getitems__([7, 2, 2])
    assert isinstance(batch, StackedBatch) and len(batch) == 3
    for got, i in zip(batch, [7, 2, 2]):
        assert got[0].tolist() == X[i].tolist() and got[1].item() == Y[i].item()


def _stream(D):
    """A one-item IterableDataset of the library whose ``utils.data`` module is ``D``."""

    class OneItem(D.IterableDataset):
        def __iter__(self):
            return iter([1])

    return OneItem()


# Each builds something invalid with (tensor library, its utils.data module).
DATASET_ERRORS = {
    "tensor_sizes": lambda lib, D: D.TensorDataset(lib.zeros(3), lib.zeros(4)),
    "concat_empty": lambda lib, D: D.ConcatDataset([]),
    "concat_index": lambda lib, D: D.ConcatDataset([range(3), range(2)])[-6],
    "concat_stream": lambda lib, D: D.ConcatDataset([range(3), _stream(D)]),
    "abstract_getitem": lambda lib, D: D.Dataset()[0],
    "stack_nothing": lambda lib, D: D.StackDataset(),
    "stack_sizes": lambda lib, D: D.StackDataset(range(2), range(3)),
    "stack_both_kinds": lambda lib, D: D.StackDataset(range(2), a=range(2)),
}


@pytest.mark.torch
@pytest.mark.parametrize("make", DATASET_ERRORS.values(), ids=DATASET_ERRORS.keys())
def test_dataset_errors_match_torch(make):
    torch = require_torch()
    import autograd_lab.utils.data as ald

    with pytest.raises(Exception) as theirs:
        make(torch, torch.utils.data)
    with pytest.raises(type(theirs.value)) as ours:
        make(al, ald)
    assert str(ours.value) == str(theirs.value)


def test_concat_dataset_and_add():
    a, b = TensorDataset(X[:3]), TensorDataset(X[3:5])
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 5
    assert cat.cumulative_sizes == [3, 5]
    assert [cat[i][0].tolist() for i in range(5)] == X[:5].tolist()
    assert cat[-1][0].tolist() == X[4].tolist()
    assert list(ConcatDataset([range(3), range(10, 12)])) == [0, 1, 2, 10, 11]


def test_chain_dataset():
    chained = Stream([1, 2]) + Stream([3])
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [1, 2, 3] and len(chained) == 3
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([range(2)]))


def test_stack_dataset():
    by_position = StackDataset(range(3), ["a", "b", "c"])
    assert by_position[1] == (1, "b") and len(by_position) == 3
    by_name = StackDataset(x=range(3), label=["a", "b", "c"])
    assert by_name[2] == {"x": 2, "label": "c"}


def test_subset():
    ds = TensorDataset(X, Y)
    sub = Subset(ds, [8, 1, 5])
    assert len(sub) == 3
    assert sub[0][0].tolist() == X[8].tolist()
    assert sub[[0, 2]][0].tolist() == X[[8, 5]].tolist()  # a list key goes through
    batch = sub.__getitems__([2, 0])  # delegates to TensorDataset.__getitems__
    assert isinstance(batch, StackedBatch)
    assert batch.fields[0].tolist() == X[[5, 8]].tolist()
    plain = Subset(range(100, 110), [3, 4])
    assert plain.__getitems__([1, 0]) == [104, 103]


def test_subset_subclass_must_override_getitems_with_getitem():
    class Doubled(Subset):
        def __getitem__(self, idx):
            return 2 * super().__getitem__(idx)

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Doubled(range(3), [0])


SPLITS = [[0.5, 0.5], [0.3, 0.3, 0.4], [0.1, 0.9], [3, 7], [0.33, 0.33, 0.34], [1.0],
          [0.25, 0.25, 0.25, 0.25], [0.0, 1.0]]


@pytest.mark.torch
@pytest.mark.parametrize("lengths", SPLITS)
def test_random_split_sizes_and_warnings_match_torch(lengths):
    torch = require_torch()
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = torch.utils.data.random_split(range(10), lengths)
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = random_split(range(10), lengths, generator=al.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]
    # Non-overlapping and complete.
    assert sorted(i for s in ours for i in s) == list(range(10))


@pytest.mark.torch
@pytest.mark.parametrize("lengths", [[4, 5], [1.2, -0.2], [0.5, 0.6]])
def test_random_split_errors_match_torch(lengths):
    torch = require_torch()
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.random_split(range(10), lengths)
    with pytest.raises(ValueError) as ours:
        random_split(range(10), lengths)
    assert str(ours.value) == str(theirs.value)


def test_random_split_same_seed_same_split():
    def split(seed):
        parts = random_split(TensorDataset(X), [0.7, 0.3],
                             generator=al.Generator().manual_seed(seed))
        return [p.indices for p in parts]

    assert split(42) == split(42)
    assert split(42) != split(43)
    al.manual_seed(7)  # the default generator is used when none is given
    first = [p.indices for p in random_split(range(20), [10, 10])]
    al.manual_seed(7)
    assert [p.indices for p in random_split(range(20), [10, 10])] == first


def test_dataset_is_generic_and_subclassable():
    class Squares(Dataset[int]):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i * i

    assert [Squares()[i] for i in range(4)] == [0, 1, 4, 9]
    assert np.array_equal(np.array(list(Subset(Squares(), [3, 2]))), [9, 4])
