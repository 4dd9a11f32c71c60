"""Datasets, as ``torch.utils.data.dataset``: what a DataLoader reads from.

A *map-style* dataset (:class:`Dataset`) answers ``dataset[i]`` and usually ``len(dataset)``;
the loader's sampler picks the keys. An *iterable-style* dataset (:class:`IterableDataset`)
is a stream: the loader just iterates it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from ..._creation import randperm
from ..._random import Generator, default_generator
from ..._tensor import Tensor
from ._utils.collate import StackedBatch

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset",
           "Subset", "TensorDataset", "random_split"]

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class Dataset(Generic[_T_co]):
    """An abstract class representing a map-style dataset: ``dataset[key]`` is a sample.

    Subclasses override ``__getitem__``, and usually ``__len__`` (the default samplers need
    it). They may also define ``__getitems__(indices)`` returning the list of samples of a
    whole batch at once, which the DataLoader then calls instead of ``__getitem__`` per key.
    ``a + b`` concatenates two datasets.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 10
        ...     def __getitem__(self, i):
        ...         return i, i * i
        >>> Squares()[3]
        (3, 9)
    """

    def __getitem__(self, index) -> _T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[_T_co]) -> ConcatDataset[_T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[_T_co], Iterable[_T_co]):
    """An iterable dataset: a stream of samples (``__iter__``) rather than a lookup table.

    With ``num_workers > 0`` each worker process iterates its own copy of the dataset, so
    each sample would come ``num_workers`` times: split the work in ``__iter__`` (or in a
    ``worker_init_fn``) with :func:`~autograd_lab.utils.data.get_worker_info`.

    Example:
        >>> class Range(IterableDataset):
        ...     def __init__(self, start, end):
        ...         self.start, self.end = start, end
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         if info is None:  # single-process loading: everything
        ...             return iter(range(self.start, self.end))
        ...         per_worker = math.ceil((self.end - self.start) / info.num_workers)
        ...         lo = self.start + info.id * per_worker
        ...         return iter(range(lo, min(lo + per_worker, self.end)))
        >>> list(DataLoader(Range(3, 7), num_workers=2))
        [tensor([3]), tensor([5]), tensor([4]), tensor([6])]
    """

    def __add__(self, other: Dataset[_T_co]) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Dataset wrapping tensors: sample ``i`` is ``(t[i] for t in tensors)``.

    Fetching a batch is one fancy index per tensor (``__getitems__``), not one ``t[i]`` per
    sample: the fast way to train on data already in memory.

    Args:
        *tensors (Tensor): tensors that have the same size of the first dimension.

    Example:
        >>> x, y = autograd_lab.randn(100, 3), autograd_lab.randint(0, 2, (100,))
        >>> dataset = TensorDataset(x, y)
        >>> len(dataset), dataset[0][1].shape
        (100, autograd_lab.Size([]))
    """

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __getitems__(self, indices: list[int]) -> StackedBatch:
        # Not in PyTorch's TensorDataset. A StackedBatch acts as the list of samples, and
        # default_collate returns its stacked tensors as they are.
        return StackedBatch([tensor[indices] for tensor in self.tensors])

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    """Samples from several datasets side by side: a tuple (``*args``) or a dict (``**kwargs``).

    Args:
        *args (Dataset): datasets for stacking returned as tuple.
        **kwargs (Dataset): datasets for stacking returned as dict.

    Example:
        >>> StackDataset(range(3), ["a", "b", "c"])[1]
        (1, 'b')
        >>> StackDataset(x=range(3), label=["a", "b", "c"])[2]
        {'x': 2, 'label': 'c'}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or"
                                 "``dict``- (via ``kwargs``) like input/output, but both types "
                                 "are given.")
            datasets = args
        elif kwargs:
            datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")
        parts = list(datasets.values()) if isinstance(datasets, dict) else list(datasets)
        self._length = len(parts[0])
        if any(self._length != len(dataset) for dataset in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets = datasets

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: dataset[index] for k, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[_T_co]):
    """Dataset as a concatenation of multiple datasets (what ``a + b`` builds).

    Args:
        datasets (sequence): list of datasets to be concatenated

    Example:
        >>> len(ConcatDataset([TensorDataset(autograd_lab.zeros(3)),
        ...                    TensorDataset(autograd_lab.ones(2))]))
        5
    """

    @staticmethod
    def cumsum(sequence):
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        # The first dataset whose cumulative end is past idx holds it (binary search).
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Chains iterable datasets: iterates the first, then the second, ...

    Args:
        datasets (iterable of IterableDataset): datasets to be chained together
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset[_T_co]):
    """Subset of a dataset at specified indices: ``subset[i]`` is ``dataset[indices[i]]``.

    Args:
        dataset (Dataset): the whole dataset
        indices (sequence): indices in the whole set selected for subset

    Example:
        >>> evens = Subset(dataset, range(0, len(dataset), 2))
    """

    def __init__(self, dataset: Dataset[_T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        if (type(self).__getitem__ is not Subset.__getitem__
                and type(self).__getitems__ is Subset.__getitems__):
            # The DataLoader calls __getitems__, which would silently bypass the override.
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. "
                "When subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. "
                "A simple implementation:\n\n"
                "def __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]")

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[_T_co]:
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset[_T], lengths: Sequence[int | float],
                 generator: Generator | None = default_generator) -> list[Subset[_T]]:
    """Randomly split a dataset into non-overlapping new datasets of given lengths.

    ``lengths`` are sizes, or fractions summing to 1: then each split gets
    ``floor(frac * len(dataset))`` items and the remainder is handed out one by one,
    round-robin from the first split.

    Args:
        dataset (Dataset): dataset to be split
        lengths (sequence): lengths or fractions of splits to be produced
        generator (Generator): generator used for the random permutation (the same seed
            gives the same split within autograd_lab; PyTorch's split differs)

    Example:
        >>> train, val = random_split(range(10), [0.8, 0.2],
        ...                           generator=autograd_lab.Generator().manual_seed(42))
        >>> len(train), len(val)
        (8, 2)
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths: list[int] = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(len(dataset) * frac))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. "
                              f"This might result in an empty dataset.", stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
