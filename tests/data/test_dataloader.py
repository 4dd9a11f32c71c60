"""DataLoader in one process, against PyTorch: the same batches for the same order, len(),
argument errors; shuffling and seeding within our engine; the batched-fetch fast path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _data_compare import assert_same, to_torch
from _loader_datasets import first_field_collate
from conftest import require_torch

import autograd_lab as al
import autograd_lab.utils.data as ald
from autograd_lab.utils.data import DataLoader, IterableDataset, Subset, TensorDataset

X = al.arange(40.0).reshape(20, 2)
Y = al.arange(20) % 3
IMAGES = np.random.default_rng(0).integers(0, 256, (12, 4, 4, 3), dtype=np.uint8)


def samples(lib):
    """A map-style dataset that is a plain list: (float tensor, int, str) samples."""
    return [(lib.tensor([i, i + 0.5]), i * i, f"s{i}") for i in range(10)]


def dict_samples(lib):
    return [{"image": IMAGES[i], "label": i % 4} for i in range(12)]


def tensor_dataset(lib):
    D = ald if lib is al else lib.utils.data
    return D.TensorDataset(*(to_torch([X, Y]) if lib is not al else [X, Y]))


def subset_of_tensors(lib):
    D = ald if lib is al else lib.utils.data
    return D.Subset(tensor_dataset(lib), [19, 0, 7, 3, 3, 11])


def stream(lib, n=10):
    D = ald if lib is al else lib.utils.data

    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter([(i, float(i)) for i in range(n)])

        def __len__(self):
            return n

    return Stream()


# (name, dataset builder, loader kwargs): the orders are deterministic, so each library must
# produce exactly the same batches.
CASES = [
    ("defaults", samples, {}),
    ("batch4", samples, {"batch_size": 4}),
    ("batch4_drop_last", samples, {"batch_size": 4, "drop_last": True}),
    ("sampler_list", samples, {"batch_size": 3, "sampler": [9, 2, 5, 5, 0]}),
    ("batch_sampler", samples, {"batch_sampler": [[3, 1], [0], [9, 8, 7]]}),
    ("no_batching", samples, {"batch_size": None}),
    ("no_batching_sampler", samples, {"batch_size": None, "sampler": [4, 2]}),
    ("custom_collate", samples, {"batch_size": 4, "collate_fn": first_field_collate}),
    ("dicts_of_numpy", dict_samples, {"batch_size": 5}),
    ("tensor_dataset", tensor_dataset, {"batch_size": 6}),
    ("tensor_dataset_sampler", tensor_dataset, {"batch_size": 4, "sampler": [5, 1, 1, 19, 0]}),
    ("tensor_dataset_no_batching", tensor_dataset, {"batch_size": None, "sampler": [3, 4]}),
    ("subset_of_tensors", subset_of_tensors, {"batch_size": 4}),
    ("stream", stream, {"batch_size": 3}),
    ("stream_drop_last", stream, {"batch_size": 3, "drop_last": True}),
    ("stream_no_batching", stream, {"batch_size": None}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,make,kwargs", CASES, ids=[c[0] for c in CASES])
def test_batches_match_torch(name, make, kwargs):
    torch = require_torch()
    ours = DataLoader(make(al), **kwargs)
    theirs = torch.utils.data.DataLoader(make(torch), **kwargs)
    assert len(ours) == len(theirs)
    assert_same(list(ours), list(theirs))
    assert_same(list(ours), list(theirs))  # a second epoch: the same again


# Each returns DataLoader keyword arguments (given the library's utils.data) that PyTorch
# rejects; our error type and message must be the same.
ARG_ERRORS = {
    "negative_workers": lambda D: {"num_workers": -1},
    "negative_timeout": lambda D: {"timeout": -1},
    "prefetch_without_workers": lambda D: {"prefetch_factor": 2},
    "negative_prefetch": lambda D: {"num_workers": 1, "prefetch_factor": -1},
    "persistent_without_workers": lambda D: {"persistent_workers": True},
    "sampler_and_shuffle": lambda D: {"sampler": [0, 1], "shuffle": True},
    "batch_sampler_and_batch_size": lambda D: {"batch_sampler": [[0]], "batch_size": 2},
    "batch_sampler_and_shuffle": lambda D: {"batch_sampler": [[0]], "shuffle": True},
    "batch_sampler_and_sampler": lambda D: {"batch_sampler": [[0]], "sampler": [0]},
    "batch_sampler_and_drop_last": lambda D: {"batch_sampler": [[0]], "drop_last": True},
    "no_batching_and_drop_last": lambda D: {"batch_size": None, "drop_last": True},
    "stream_and_shuffle": lambda D: {"dataset": _stream_of(D), "shuffle": True},
    "stream_and_sampler": lambda D: {"dataset": _stream_of(D), "sampler": [0, 1]},
    "stream_and_batch_sampler": lambda D: {"dataset": _stream_of(D), "batch_sampler": [[0]]},
    "bad_start_method": lambda D: {"num_workers": 1, "multiprocessing_context": "nope"},
    "bad_context_type": lambda D: {"num_workers": 1, "multiprocessing_context": 3},
    "context_without_workers": lambda D: {"multiprocessing_context": "fork"},
}


def _stream_of(D):
    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    return Stream()


@pytest.mark.torch
@pytest.mark.parametrize("make_kwargs", ARG_ERRORS.values(), ids=ARG_ERRORS.keys())
def test_argument_errors_match_torch(make_kwargs):
    torch = require_torch()

    def build(D):
        kwargs = {"dataset": list(range(4)), **make_kwargs(D)}
        return D.DataLoader(**kwargs)

    with pytest.raises(Exception) as theirs:
        build(torch.utils.data)
    with pytest.raises(type(theirs.value)) as ours:
        build(ald)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.torch
@pytest.mark.parametrize("attr", ["batch_size", "batch_sampler", "sampler", "drop_last",
                                  "dataset", "persistent_workers"])
def test_frozen_attributes_match_torch(attr):
    torch = require_torch()
    with pytest.raises(ValueError) as theirs:
        setattr(torch.utils.data.DataLoader(range(3)), attr, None)
    with pytest.raises(ValueError) as ours:
        setattr(DataLoader(range(3)), attr, None)
    assert str(ours.value) == str(theirs.value)
    loader = DataLoader(range(3))
    loader.num_workers = 0  # other attributes stay settable
    loader.collate_fn = first_field_collate


@pytest.mark.torch
def test_timeout_without_workers_fails_on_iter_like_torch():
    torch = require_torch()
    with pytest.raises(AssertionError) as theirs:
        iter(torch.utils.data.DataLoader(range(3), timeout=1))
    with pytest.raises(AssertionError) as ours:
        iter(DataLoader(range(3), timeout=1))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.torch
@pytest.mark.skipif(al.cuda.is_available(), reason="pin_memory warns only without a GPU")
def test_pin_memory_is_accepted_and_warns_like_torch():
    torch = require_torch()
    with pytest.warns(UserWarning) as theirs:
        list(torch.utils.data.DataLoader(range(3), pin_memory=True))
    with pytest.warns(UserWarning) as ours:
        batches = list(DataLoader(range(3), pin_memory=True))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert [b.tolist() for b in batches] == [[0], [1], [2]]


def test_defaults():
    loader = DataLoader(range(5))
    assert loader.batch_size == 1 and loader.num_workers == 0 and not loader.drop_last
    assert isinstance(loader.sampler, ald.SequentialSampler)
    assert isinstance(loader.batch_sampler, ald.BatchSampler)
    assert loader.collate_fn is ald.default_collate and loader.prefetch_factor is None
    assert DataLoader(range(5), num_workers=1).prefetch_factor == 2
    assert DataLoader(range(5), batch_size=None).collate_fn is ald.default_convert
    assert isinstance(DataLoader(range(5), shuffle=True).sampler, ald.RandomSampler)


def test_shuffle_is_reproducible_with_a_generator_and_with_manual_seed():
    def epochs(loader, n=2):
        return [[b.tolist() for b in loader] for _ in range(n)]

    a = epochs(DataLoader(range(30), batch_size=4, shuffle=True,
                          generator=al.Generator().manual_seed(5)))
    b = epochs(DataLoader(range(30), batch_size=4, shuffle=True,
                          generator=al.Generator().manual_seed(5)))
    assert a == b and a[0] != a[1]  # same seed, same epochs; each epoch reshuffles
    assert sorted(sum(a[0], [])) == list(range(30))
    al.manual_seed(11)
    c = epochs(DataLoader(range(30), batch_size=4, shuffle=True))
    al.manual_seed(11)
    assert epochs(DataLoader(range(30), batch_size=4, shuffle=True)) == c


class CountingTensorDataset(TensorDataset):
    calls = 0

    def __getitem__(self, index):
        CountingTensorDataset.calls += 1
        return super().__getitem__(index)


class PerItem(ald.Dataset):
    """The same samples, without __getitems__: the DataLoader fetches them one by one."""

    def __init__(self, *tensors):
        self.tensors = tensors

    def __len__(self):
        return len(self.tensors[0])

    def __getitem__(self, i):
        return tuple(t[i] for t in self.tensors)


def test_tensor_dataset_batches_are_fetched_with_one_index():
    CountingTensorDataset.calls = 0
    sampler = [3, 17, 0, 0, 9, 12, 5]
    fast = list(DataLoader(CountingTensorDataset(X, Y), batch_size=3, sampler=sampler))
    assert CountingTensorDataset.calls == 0  # __getitems__ did all the work
    slow = list(DataLoader(PerItem(X, Y), batch_size=3, sampler=sampler))
    assert len(fast) == len(slow) == 3
    for (xf, yf), (xs, ys) in zip(fast, slow):
        assert xf.dtype == xs.dtype and yf.dtype == ys.dtype
        assert xf.tolist() == xs.tolist() and yf.tolist() == ys.tolist()
    # Subset forwards the batch to the dataset's __getitems__ too.
    list(DataLoader(Subset(CountingTensorDataset(X, Y), range(10)), batch_size=5))
    assert CountingTensorDataset.calls == 0


def test_custom_collate_sees_the_samples_of_a_tensor_dataset():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, sampler=[2, 5, 8],
                        collate_fn=lambda batch: [int(y) for _, y in batch])
    assert list(loader) == [[Y[2].item(), Y[5].item(), Y[8].item()]]


def test_iterable_dataset_len_and_overrun_warning():
    class Liar(IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 2

    loader = DataLoader(Liar(), batch_size=None)
    assert len(loader) == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert list(loader) == list(range(5))  # default_convert leaves ints alone
    assert any("was reported to be 2" in str(w.message) for w in caught)


def test_iterator_len():
    it = iter(DataLoader(range(10), batch_size=4))
    assert len(it) == 3 and iter(it) is it
