"""Datasets for the DataLoader worker tests.

They live in an importable module (not in the test files) so that workers started with the
``spawn`` start method can unpickle them by name, as a user's datasets must.
"""

from __future__ import annotations

import os
import random
import signal
import time

import numpy as np

import autograd_lab as al
from autograd_lab.utils.data import Dataset, IterableDataset, get_worker_info


class Squares(Dataset):
    """Sample ``i`` is ``(float32 tensor [i, i+0.5], i * i)``."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return al.tensor([i, i + 0.5]), i * i


class WhoLoadedMe(Dataset):
    """Sample ``i`` records where and with which random state it was loaded."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "index": i,
            "pid": os.getpid(),
            "worker_id": -1 if info is None else info.id,
            "num_workers": 0 if info is None else info.num_workers,
            "seed": -1 if info is None else info.seed,
            "same_dataset": info is not None and info.dataset is self,
            "py_random": random.random(),
            "al_random": al.rand(1).item(),
            "np_random": float(np.random.rand()),
        }


class FailsAt(Dataset):
    """Raises ``exc_type(message)`` when asked for ``bad`` (a worker error)."""

    def __init__(self, n: int, bad: int, exc_type: type = ValueError) -> None:
        self.n, self.bad, self.exc_type = n, bad, exc_type

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc_type(f"cannot load sample {i}")
        return i


class DiesAt(Dataset):
    """Kills its own process when asked for ``bad``: ``os._exit(3)`` or a signal."""

    def __init__(self, n: int, bad: int, how: str = "exit") -> None:
        self.n, self.bad, self.how = n, bad, how

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            if self.how == "exit":
                os._exit(3)
            os.kill(os.getpid(), signal.SIGKILL)
        return i


class Slow(Dataset):
    """Sleeps ``delay`` seconds per sample."""

    def __init__(self, n: int, delay: float) -> None:
        self.n, self.delay = n, delay

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay)
        return i


class Big(Dataset):
    """Samples of ``size_mb`` megabytes each: batches bigger than the result pipe's buffer."""

    def __init__(self, n: int, size_mb: float) -> None:
        self.n, self.numel = n, int(size_mb * 2**20 / 8)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return np.full(self.numel, float(i))


class Unpicklable(Dataset):
    """Returns samples that cannot be pickled (a lambda), so batches cannot leave a worker."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i):
        return lambda: i


class Stream(IterableDataset):
    """``start .. end - 1``; with ``shard=True`` each worker yields only its share."""

    def __init__(self, start: int, end: int, shard: bool = False) -> None:
        self.start, self.end, self.shard = start, end, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.start, self.end))
        return iter(range(self.start + info.id, self.end, info.num_workers))


class UnevenStream(IterableDataset):
    """Worker ``k`` yields ``k + 1`` items (workers run out at different times)."""

    def __iter__(self):
        info = get_worker_info()
        wid = 0 if info is None else info.id
        return iter([wid * 100 + j for j in range(wid + 1)])


def record_init(worker_id: int) -> None:
    """A worker_init_fn: leaves a mark on the worker's dataset copy."""
    get_worker_info().dataset.initialized_by = worker_id


class Marked(Dataset):
    """Returns the mark ``record_init`` left (None when not initialised)."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i):
        return getattr(self, "initialized_by", None)


def first_field_collate(batch):
    """A picklable custom collate_fn: just the first field of every sample, as a list."""
    return [sample[0] for sample in batch]
