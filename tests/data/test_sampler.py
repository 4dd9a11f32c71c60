"""Samplers: orders, lengths and argument errors against PyTorch; randomness within our engine.

Random orders cannot match PyTorch's (a different generator), so random samplers are checked
for their properties (a permutation, the right counts, reproducible with a seed) instead.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
from autograd_lab.utils.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def _gen(seed: int) -> al.Generator:
    return al.Generator().manual_seed(seed)


@pytest.mark.torch
@pytest.mark.parametrize("n", [0, 1, 7])
def test_sequential_sampler_matches_torch(n):
    torch = require_torch()
    theirs = torch.utils.data.SequentialSampler(range(n))
    ours = SequentialSampler(range(n))
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


BATCH_CASES = [(list(range(10)), 3, False), (list(range(10)), 3, True), (list(range(9)), 3, True),
               ([5, 2, 8], 1, False), ([5, 2, 8], 4, False), ([5, 2, 8], 4, True), ([], 2, False)]


@pytest.mark.torch
@pytest.mark.parametrize("order,batch_size,drop_last", BATCH_CASES)
def test_batch_sampler_matches_torch(order, batch_size, drop_last):
    torch = require_torch()
    theirs = torch.utils.data.BatchSampler(order, batch_size, drop_last)
    ours = BatchSampler(order, batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


# (sampler name, args, kwargs): invalid arguments; message and type must be PyTorch's.
ERROR_CASES = [
    ("RandomSampler", (range(3),), {"replacement": 1}),
    ("RandomSampler", (range(3),), {"num_samples": 0}),
    ("RandomSampler", (range(3),), {"num_samples": 2.0}),
    ("RandomSampler", ([],), {}),
    ("BatchSampler", (range(3), 0, False), {}),
    ("BatchSampler", (range(3), True, False), {}),
    ("BatchSampler", (range(3), 2, 1), {}),
    ("WeightedRandomSampler", ([1.0, 2.0], 0), {}),
    ("WeightedRandomSampler", ([1.0, 2.0], True), {}),
    ("WeightedRandomSampler", ([1.0, 2.0], 2, 1), {}),
    ("WeightedRandomSampler", ([[1.0, 2.0]], 1), {}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,args,kwargs", ERROR_CASES)
def test_sampler_argument_errors_match_torch(name, args, kwargs):
    torch = require_torch()
    with pytest.raises(Exception) as theirs:
        getattr(torch.utils.data, name)(*args, **kwargs)
    import autograd_lab.utils.data as ald

    with pytest.raises(type(theirs.value)) as ours:
        getattr(ald, name)(*args, **kwargs)
    assert str(ours.value) == str(theirs.value)


# (weights, num_samples, replacement): invalid distributions, raised when iterating.
MULTINOMIAL_ERRORS = [([1.0, -1.0, 2.0], 2, True), ([0.0, 0.0], 2, True),
                      ([1.0, float("nan")], 2, True), ([1.0, float("inf")], 2, True),
                      ([1.0, 2.0], 3, False)]


@pytest.mark.torch
@pytest.mark.parametrize("weights,num_samples,replacement", MULTINOMIAL_ERRORS)
def test_weighted_sampler_distribution_errors_match_torch(weights, num_samples, replacement):
    torch = require_torch()
    with pytest.raises(Exception) as theirs:
        list(torch.utils.data.WeightedRandomSampler(weights, num_samples, replacement))
    with pytest.raises(type(theirs.value)) as ours:
        list(WeightedRandomSampler(weights, num_samples, replacement))
    assert str(ours.value) == str(theirs.value)


def test_base_sampler_iter_is_abstract():
    with pytest.raises(NotImplementedError):
        iter(Sampler())


@pytest.mark.parametrize("n", [1, 5, 100])
def test_random_sampler_is_a_permutation_reproducible_with_a_generator(n):
    first = list(RandomSampler(range(n), generator=_gen(3)))
    assert sorted(first) == list(range(n))
    assert list(RandomSampler(range(n), generator=_gen(3))) == first
    if n > 5:
        assert list(RandomSampler(range(n), generator=_gen(4))) != first


def test_random_sampler_reshuffles_each_epoch_and_follows_manual_seed():
    sampler = RandomSampler(range(50))
    al.manual_seed(0)
    epoch1, epoch2 = list(sampler), list(sampler)
    assert epoch1 != epoch2 and sorted(epoch1) == sorted(epoch2) == list(range(50))
    al.manual_seed(0)
    assert list(sampler) == epoch1


@pytest.mark.parametrize("n,num_samples", [(5, 12), (5, 3), (5, 5)])
def test_random_sampler_num_samples_without_replacement(n, num_samples):
    out = list(RandomSampler(range(n), num_samples=num_samples, generator=_gen(0)))
    assert len(out) == num_samples == len(RandomSampler(range(n), num_samples=num_samples))
    counts = collections.Counter(out)
    # Whole permutations first, then part of one: counts differ by at most one.
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize("num_samples", [1, 32, 70])
def test_random_sampler_with_replacement(num_samples):
    sampler = RandomSampler(range(4), replacement=True, num_samples=num_samples,
                            generator=_gen(1))
    out = list(sampler)
    assert len(out) == num_samples == len(sampler)
    assert set(out) <= set(range(4))
    assert list(RandomSampler(range(4), True, num_samples, generator=_gen(1))) == out


def test_subset_random_sampler():
    indices = [10, 20, 30, 40]
    out = list(SubsetRandomSampler(indices, generator=_gen(0)))
    assert sorted(out) == indices and len(SubsetRandomSampler(indices)) == 4
    assert list(SubsetRandomSampler(indices, generator=_gen(0))) == out


def test_weighted_random_sampler_with_replacement_follows_the_weights():
    weights = [0.0, 1.0, 3.0, 0.0]
    out = list(WeightedRandomSampler(weights, 4000, generator=_gen(0)))
    counts = collections.Counter(out)
    assert set(counts) == {1, 2}  # zero weight: never drawn
    assert 0.70 < counts[2] / 4000 < 0.80
    assert list(WeightedRandomSampler(weights, 4000, generator=_gen(0))) == out
    assert WeightedRandomSampler(weights, 7).weights.dtype == al.float64


def test_weighted_random_sampler_without_replacement():
    out = list(WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, replacement=False,
                                     generator=_gen(0)))
    assert len(set(out)) == 5
    # A dominant weight comes first almost always.
    firsts = [next(iter(WeightedRandomSampler([1000.0, 1.0, 1.0], 2, False, generator=_gen(s))))
              for s in range(20)]
    assert firsts.count(0) >= 18


@pytest.mark.torch
def test_weighted_without_replacement_draws_zero_weights_last_like_torch():
    torch = require_torch()
    weights = [1.0, 0.0, 0.0]
    assert list(WeightedRandomSampler(weights, 2, False)) == \
        list(torch.utils.data.WeightedRandomSampler(weights, 2, False))


def test_weighted_sampler_accepts_numpy_and_tensor_weights():
    for w in (np.array([1.0, 2.0]), al.tensor([1.0, 2.0])):
        assert set(WeightedRandomSampler(w, 10)) <= {0, 1}
