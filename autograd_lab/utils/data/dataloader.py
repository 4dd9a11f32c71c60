"""``DataLoader``: batches, shuffling and worker processes over a dataset, as in PyTorch.

How one epoch runs (``for x, y in loader``):

1. ``iter(loader)`` makes an iterator. The *sampler* decides the order of the keys
   (``SequentialSampler``, or ``RandomSampler`` when ``shuffle=True``); the *batch sampler*
   groups them into lists of ``batch_size`` keys.
2. Each list of keys is *fetched* (``dataset[k]`` per key, or one ``dataset.__getitems__``)
   and *collated* into a batch (``default_collate``: stack the samples' fields).
3. ``num_workers=0`` does step 2 in this process, when you ask for the next batch.
   ``num_workers=N`` starts N processes (see ``_multiprocessing_iter.py``); they fetch and
   collate ahead of time while the model trains, and batches come back in sampler order.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from ..._creation import empty
from ..._dtype import int64
from ..._random import Generator
from ...backend import cuda_is_available
from ._utils.collate import default_collate, default_convert
from ._utils.fetch import _DatasetKind
from ._utils.pin_memory import pin_memory as _pin_memory
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the "keys" for an IterableDataset, which ignores them."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Combines a dataset and a sampler, and provides an iterable over the given dataset.

    Supports map-style and iterable-style datasets, single- or multi-process loading,
    customizing the loading order, and automatic batching (collation).

    Args:
        dataset (Dataset): dataset from which to load the data.
        batch_size (int, optional): how many samples per batch to load (default: ``1``).
            ``None`` turns automatic batching off: each item is returned as it is (NumPy
            arrays converted to tensors).
        shuffle (bool, optional): set to ``True`` to have the data reshuffled at every epoch
            (default: ``False``).
        sampler (Sampler or Iterable, optional): defines the strategy to draw samples from
            the dataset. If specified, :attr:`shuffle` must not be specified.
        batch_sampler (Sampler or Iterable, optional): like :attr:`sampler`, but returns a
            batch of indices at a time. Mutually exclusive with :attr:`batch_size`,
            :attr:`shuffle`, :attr:`sampler`, and :attr:`drop_last`.
        num_workers (int, optional): how many subprocesses to use for data loading. ``0``
            means that the data will be loaded in the main process (default: ``0``).
        collate_fn (Callable, optional): merges a list of samples to form a batch.
        pin_memory (bool, optional): copy batches into page-locked memory when a GPU is
            present (see the note below).
        drop_last (bool, optional): set to ``True`` to drop the last incomplete batch
            (default: ``False``).
        timeout (numeric, optional): if positive, how many seconds to wait for a batch from
            the workers before raising (default: ``0``, wait for ever).
        worker_init_fn (Callable, optional): called with the worker id in each worker
            process, after seeding and before loading data (default: ``None``).
        multiprocessing_context (str or multiprocessing.context.BaseContext, optional):
            start method of the workers (``"fork"``, ``"spawn"``, ``"forkserver"``) or a
            context object. ``None`` uses the default of the ``multiprocessing`` module.
        generator (Generator, optional): the generator of ``RandomSampler`` (when shuffling)
            and of each epoch's ``base_seed`` for the workers' seeds.
        prefetch_factor (int, optional, keyword-only): batches loaded in advance by each
            worker (default: ``2`` with workers, ``None`` without).
        persistent_workers (bool, optional, keyword-only): keep the worker processes
            alive between epochs (default: ``False``).
        pin_memory_device (str, optional, keyword-only): accepted and ignored.
        in_order (bool, optional, keyword-only): return batches in sampler order even when a
            later one is ready first (default: ``True``).

    Workers. Each epoch draws ``base_seed`` from ``generator`` (or the default generator);
    worker ``i`` seeds autograd_lab's default generator and Python's ``random`` with
    ``base_seed + i`` (and NumPy's global generator from both), so random augmentations
    differ between workers and a seeded run repeats. :func:`get_worker_info` tells a worker
    who it is. An exception in a worker is re-raised here with the worker's traceback; a
    worker that dies raises ``RuntimeError`` instead of hanging. With the ``spawn`` start
    method (the default on Windows and macOS) the dataset and ``collate_fn`` travel to the
    workers by pickling: define them in an importable module, and put the script's main
    code under ``if __name__ == "__main__":`` (each worker re-imports the script).

    .. note::
        ``pin_memory=True`` copies each batch's tensors into page-locked memory (with a GPU:
        CuPy's pinned allocator; in this process, not a background thread as in PyTorch),
        so that ``batch.to("cuda", non_blocking=True)`` copies asynchronously. Without a GPU
        it warns, as PyTorch does, and does nothing.

    Differences from PyTorch: batches travel from the workers through a pipe (pickled, the
    arrays' bytes copied only by the kernel) rather than shared memory; after a timeout or a
    dead worker the iterator stops all its workers at once instead of when it is
    garbage-collected; ``TensorDataset`` fetches a batch with one index per tensor
    (``__getitems__``). Random orders and seeds come from autograd_lab's generator, so they
    are reproducible here but differ from PyTorch's.

    Example:
        >>> x = autograd_lab.arange(10.0).reshape(5, 2)
        >>> loader = DataLoader(TensorDataset(x, x.sum(1)), batch_size=2)
        >>> [xb.shape[0] for xb, yb in loader]
        [2, 2, 1]
    """

    _initialized = False

    def __init__(self, dataset: Dataset, batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        # Dataset checks come first: custom samplers make no sense for a stream.
        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            elif batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)

        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator

        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers

        self._initialized = True
        self._IterableDataset_len_called = None  # len(loader) of a stream, to warn on overrun
        self._iterator = None
        self.check_worker_number_rationality()

    def _get_iterator(self) -> _BaseDataLoaderIter:
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        # Imported here: the worker machinery imports this module's base iterator.
        from ._multiprocessing_iter import _MultiProcessingDataLoaderIter

        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context) -> None:
        if multiprocessing_context is not None:
            if self.num_workers > 0:
                if isinstance(multiprocessing_context, str):
                    valid_start_methods = multiprocessing.get_all_start_methods()
                    if multiprocessing_context not in valid_start_methods:
                        raise ValueError(
                            "multiprocessing_context option should specify a valid start "
                            f"method in {valid_start_methods!r}, but got "
                            f"multiprocessing_context={multiprocessing_context!r}")
                    multiprocessing_context = multiprocessing.get_context(
                        multiprocessing_context)
                if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
                    raise TypeError("multiprocessing_context option should be a valid context "
                                    "object or a string specifying the start method, but got "
                                    f"multiprocessing_context={multiprocessing_context}")
            else:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 "loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
        self._multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr, val) -> None:
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                          "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    def __iter__(self) -> _BaseDataLoaderIter:
        # Persistent workers: one iterator (and one set of processes) for the loader's life.
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        # What the fetcher is given: lists of keys when batching, single keys otherwise.
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._dataset_kind == _DatasetKind.Iterable:
            # Trusts the stream's own __len__ (each worker must read only its share).
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Warn when there are more workers than CPUs this process may use."""
        if not self.num_workers:
            return
        if hasattr(os, "sched_getaffinity"):
            max_workers, cpuset_checked = len(os.sched_getaffinity(0)), True
        else:
            max_workers, cpuset_checked = os.cpu_count(), False
        if max_workers is None or self.num_workers > max_workers:
            suggestion = (
                f"Our suggested max number of worker in current system is {max_workers}"
                f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, which is "
                "smaller than what this DataLoader is going to create."
                if max_workers is not None else
                "DataLoader is not able to compute a suggested max number of worker in current "
                "system.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                          f"total. {suggestion} Please be aware that excessive worker creation "
                          "might get DataLoader running slow or even freeze, lower the worker "
                          "number to avoid potential slowness/freeze if necessary.",
                          stacklevel=2)


class _BaseDataLoaderIter:
    """What one epoch's ``iter(loader)`` returns; subclasses say how a batch is produced."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory and not cuda_is_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._pin_memory = loader.pin_memory and cuda_is_available()
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # Drawn every epoch even without workers, as PyTorch does, so that a seeded run
        # consumes the same random numbers whatever num_workers is.
        self._base_seed = int(empty((), dtype=int64).random_(generator=loader.generator).item())
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self) -> _BaseDataLoaderIter:
        return self

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)  # may raise StopIteration

    def _next_data(self):
        raise NotImplementedError

    def __next__(self) -> Any:
        data = self._next_data()
        if self._pin_memory:
            data = _pin_memory(data)
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable
                and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be "
                   f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                   f"{self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly "
                        "configuring the IterableDataset replica at each worker.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """Fetches each batch in this process, when it is asked for."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
            self._drop_last)

    def _next_data(self):
        index = self._next_index()  # may raise StopIteration
        return self._dataset_fetcher.fetch(index)  # may raise StopIteration
