"""What a DataLoader worker process runs: seeding, the fetch loop, errors sent back home.

A worker is a separate Python process. It waits on its own *index queue* for tasks
``(task_id, batch_of_indices)``, fetches and collates that batch, and puts
``(task_id, batch)`` on the *result queue* shared by all workers. The main process hands out
tasks round-robin and puts results back in task order. A worker never raises: an exception
travels home as an :class:`ExceptionWrapper` (type and formatted traceback) and is re-raised
there. ``None`` on the index queue means "exit".
"""

from __future__ import annotations

import os
import pickle
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...._random import manual_seed
from .fetch import _DatasetKind

__all__ = ["WorkerInfo", "get_worker_info"]


@dataclass(frozen=True)
class WorkerInfo:
    """Information about the current DataLoader worker process.

    Attributes:
        id: the current worker id (0 to num_workers - 1)
        num_workers: total number of workers
        seed: the random seed set for this worker (``base_seed + id``)
        dataset: this process's copy of the dataset
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Information about the current DataLoader worker process, or ``None`` in the main process.

    Inside a worker it has ``id``, ``num_workers``, ``seed`` and ``dataset`` (this process's
    copy). An ``IterableDataset`` uses it in ``__iter__`` (or a ``worker_init_fn``) to read
    only its share of the data: every worker iterates its own replica of the dataset, so
    without sharding each sample comes back ``num_workers`` times.

    Example:
        >>> class Range(IterableDataset):
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         if info is None:  # single-process loading: everything
        ...             return iter(range(10))
        ...         return iter(range(info.id, 10, info.num_workers))  # every n-th sample
    """
    return _worker_info


class KeyErrorMessage(str):
    """A str whose repr is itself: KeyError shows ``repr(arg)``, which would mangle tracebacks."""

    __slots__ = ()

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception with its formatted traceback, to re-raise in another process.

    Only the type and the text travel (the traceback object itself cannot be pickled).
    """

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise an exception of the original type, carrying the original traceback as text."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # a type whose constructor wants other arguments
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent home by a worker whose IterableDataset replica is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch (and echoed back)."""


def _generate_state(base_seed: int, worker_id: int) -> list[int]:
    """PyTorch's seed for NumPy's legacy global RNG in worker ``worker_id`` (4 x uint32).

    Hashing (base_seed, worker_id) with NumPy's SeedSequence mixing gives well-separated
    streams even for consecutive seeds.
    """
    INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875
    INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715
    XSHIFT, MASK32 = 16, 0xFFFFFFFF

    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    hash_const_a = INIT_A

    def hash_(value: int) -> int:
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & MASK32
        hash_const_a = (hash_const_a * MULT_A) & MASK32
        value = (value * hash_const_a) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x: int, y: int) -> int:
        result = ((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32)
        result &= MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    pool = [hash_(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_b = INIT_B
    state = []
    for value in pool:
        value = (value ^ hash_const_b) & MASK32
        hash_const_b = (hash_const_b * MULT_B) & MASK32
        value = (value * hash_const_b) & MASK32
        state.append((value ^ (value >> XSHIFT)) & MASK32)
    return state


def _seed_worker(base_seed: int, worker_id: int) -> int:
    """Give this worker its own random streams (else every worker would draw the same
    "random" augmentations: forked workers inherit the parent's generator states)."""
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _worker_loop(dataset_kind: int, dataset, index_conn, result_writer, done_event,
                 auto_collation: bool, collate_fn, drop_last: bool, base_seed: int, init_fn,
                 worker_id: int, num_workers: int, pickled: bytes | None,
                 poll_interval: float, inherited: tuple = ()) -> None:
    """The body of worker process ``worker_id``; returns when told to (``None``) or orphaned.

    With a start method other than fork, ``pickled`` holds ``(dataset, collate_fn, init_fn)``:
    unpickling here, inside the error handling, turns "cannot find class MyDataset" into an
    error re-raised in the main process instead of a silently dead worker. ``inherited`` are
    the main process's pipe ends that a forked worker got by accident; closing them lets the
    main process interrupt a worker blocked on writing by closing its own end.
    """
    global _worker_info
    for conn in inherited:
        conn.close()
    try:
        seed = _seed_worker(base_seed, worker_id)
        init_exception = None
        fetcher = None
        where = f"in DataLoader worker process {worker_id}"
        try:
            if pickled is not None:
                where = (f"in DataLoader worker process {worker_id} while unpickling the "
                         "dataset, collate_fn or worker_init_fn (a worker that is not forked "
                         "imports them by name: define them in an importable module, e.g. a "
                         ".py file beside your notebook)")
                dataset, collate_fn, init_fn = pickle.loads(pickled)
                where = f"in DataLoader worker process {worker_id}"
            _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                      dataset=dataset)
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            # Reported as the answer to every task, so it surfaces in the main process.
            init_exception = ExceptionWrapper(where=where)

        iteration_end = False
        parent = os.getppid()
        while os.getppid() == parent:  # an orphan (main process killed) exits by itself
            if not index_conn.poll(poll_interval):
                continue
            r = index_conn.recv()
            if isinstance(r, _ResumeIteration):  # persistent workers: a new epoch starts
                result_writer.put((r, None))
                iteration_end = False
                if init_exception is None:
                    try:  # a fresh iterator over an IterableDataset, for the new epoch
                        fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset,
                                                              auto_collation, collate_fn,
                                                              drop_last)
                    except Exception:
                        init_exception = ExceptionWrapper(where=where)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue  # shutting down, or nothing left to read: skip queued tasks
            idx, index = r
            if init_exception is not None:
                data = init_exception
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process "
                                                      f"{worker_id}")
            try:
                result_writer.put((idx, data))
            except OSError:
                break  # the main process closed its end: it is shutting down
            except Exception:  # the batch cannot be pickled: say so instead of hanging
                result_writer.put((idx, ExceptionWrapper(
                    where=f"in DataLoader worker process {worker_id} while sending a batch "
                          "to the main process (batches must be picklable)")))
            del data, idx, index, r  # don't hold a batch while waiting for the next task
    except (KeyboardInterrupt, EOFError, OSError):
        pass  # Ctrl-C reaches the whole process group; EOF/OSError: the main process is gone
