"""Samplers: the order in which a DataLoader visits a dataset, as ``torch.utils.data.sampler``.

A sampler is any iterable of dataset keys (``Sampler[int]``), or of lists of keys
(``BatchSampler``). The DataLoader draws keys from it in the main process and only sends the
keys to the workers, which is why shuffling is reproducible whatever ``num_workers`` is.

Random samplers draw from an ``autograd_lab.Generator``: the same seed gives the same order
within autograd_lab, but not PyTorch's order (its generator is a different algorithm).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from ..._creation import as_tensor, empty, randint, randperm
from ..._dtype import double, int64
from ..._random import Generator, _gen

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]

_T_co = TypeVar("_T_co", covariant=True)


class Sampler(Generic[_T_co]):
    """Base class for all samplers.

    A subclass provides ``__iter__`` (yielding dataset keys, or lists of keys for a batch
    sampler) and, when it can, ``__len__`` (``len(DataLoader)`` needs it).

    Example:
        >>> class EvenFirst(Sampler[int]):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __len__(self):
        ...         return self.n
        ...     def __iter__(self):
        ...         yield from range(0, self.n, 2)
        ...         yield from range(1, self.n, 2)
    """

    def __iter__(self) -> Iterator[_T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """Samples elements sequentially, always in the same order: ``0, 1, ..., len - 1``.

    Args:
        data_source (Sized): data source to sample from. Must implement ``__len__``.

    Example:
        >>> list(SequentialSampler(range(4)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Samples elements randomly: a fresh permutation each epoch, or with replacement.

    Without ``generator``, each ``iter()`` draws a seed from autograd_lab's default generator,
    so ``autograd_lab.manual_seed`` makes the whole run reproducible.

    Args:
        data_source (Sized): data source to sample from. Must implement ``__len__``.
        replacement (bool): draw with replacement if ``True`` (default: ``False``)
        num_samples (int): number of samples to draw (default: ``len(data_source)``); without
            replacement, more than ``len`` repeats whole permutations
        generator (Generator): generator used in sampling

    Example:
        >>> g = autograd_lab.Generator().manual_seed(0)
        >>> sorted(RandomSampler(range(5), generator=g))
        [0, 1, 2, 3, 4]
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError("replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        # The dataset may change size between epochs: ask it each time.
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        if self.generator is None:
            seed = int(empty((), dtype=int64).random_().item())
            generator = Generator().manual_seed(seed)
        else:
            generator = self.generator
        if self.replacement:
            # Drawn in chunks of 32, as PyTorch does, so stopping early wastes little.
            for _ in range(self.num_samples // 32):
                yield from randint(0, n, (32,), generator=generator).tolist()
            yield from randint(0, n, (self.num_samples % 32,), generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=generator).tolist()
            yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """Samples elements randomly from a given list of indices, without replacement.

    Args:
        indices (sequence): a sequence of indices
        generator (Generator): generator used in sampling

    Example:
        >>> sorted(SubsetRandomSampler([10, 20, 30]))
        [10, 20, 30]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Samples from ``[0, ..., len(weights) - 1]`` with the given probabilities (weights).

    Args:
        weights (sequence): a sequence of weights, not necessarily summing up to one
        num_samples (int): number of samples to draw
        replacement (bool): if ``True``, samples are drawn with replacement. If not, an index
            cannot be drawn twice in one pass.
        generator (Generator): generator used in sampling

    Example:
        >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3))
        [1, 1, 1]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights_tensor = as_tensor(weights, dtype=double)
        if len(weights_tensor.shape) != 1:
            raise ValueError("weights should be a 1d sequence but given "
                             f"weights have shape {tuple(weights_tensor.shape)}")
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        yield from _multinomial(self.weights.numpy(), self.num_samples, self.replacement,
                                self.generator).tolist()

    def __len__(self) -> int:
        return self.num_samples


def _multinomial(p: np.ndarray, n: int, replacement: bool,
                 generator: Generator | None) -> np.ndarray:
    """``torch.multinomial`` of a 1-D weight vector, with PyTorch's checks and messages."""
    if not np.all(p >= 0):  # also catches NaN
        raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                           "< 0)")
    if not np.all(np.isfinite(p)):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                           "= infinity or NaN)")
    if not p.sum() > 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _gen(generator)
    if replacement:
        # Inverse CDF: the first bucket whose cumulative weight exceeds u * total.
        cdf = np.cumsum(p)
        return np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right").astype(np.int64)
    if n > p.shape[0]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    # PyTorch's method: the n largest p_i / E_i (E_i ~ Exp(1)) are a weighted sample without
    # replacement; zero weights come last, in index order (a stable sort keeps it).
    keys = p / rng.exponential(size=p.shape[0])
    return np.argsort(-keys, kind="stable")[:n].astype(np.int64)


class BatchSampler(Sampler[list[int]]):
    """Wraps another sampler to yield mini-batches of indices (lists).

    Args:
        sampler (Sampler or Iterable): base sampler. Can be any iterable object
        batch_size (int): size of mini-batch.
        drop_last (bool): if ``True``, drop the last batch if it is smaller than
            ``batch_size``

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        sampler_iter = iter(self.sampler)
        if self.drop_last:
            # zip over the same iterator n times takes n items per tuple and stops at a
            # partial one: exactly "drop the last incomplete batch".
            for batch in zip(*[sampler_iter] * self.batch_size):
                yield [*batch]
        else:
            batch = [*itertools.islice(sampler_iter, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(sampler_iter, self.batch_size)]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
