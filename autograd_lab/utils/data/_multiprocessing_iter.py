"""The DataLoader iterator with worker processes (``num_workers > 0``).

::

    main process                                    worker i (one per num_workers)
    ------------                                    ------------------------------
    batch sampler --(task_id, [keys])--> index pipe i --> fetch + collate
                                                                  |
    reorder by task_id <-------- (task_id, batch) -------- result pipe (shared)

The main process keeps ``prefetch_factor * num_workers`` tasks in flight, handing them out
round-robin, and sends a new task each time it returns a batch. Batches can arrive out of
order (worker 1 may finish before worker 0); they wait in ``_task_info`` until their turn,
so the loader yields exactly the sampler's order.

Nothing here may hang: every wait has a timeout, after which the workers' liveness is
checked (a dead worker raises ``RuntimeError``), and the workers are shut down when the
epoch ends, on error, on Ctrl-C, and when the iterator is garbage-collected (``break``).
"""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import queue
import signal
import time

from . import _utils
from ._utils.channel import ResultReader, ResultWriter, enlarge_pipe
from ._utils.fetch import _DatasetKind
from ._utils.worker import (
    ExceptionWrapper,
    _IterableDatasetStopIteration,
    _ResumeIteration,
    _worker_loop,
)
from .dataloader import DataLoader, _BaseDataLoaderIter

_JOIN_TIMEOUT = 1.0  # seconds a shutting-down worker gets to exit before it is terminated


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Iterates once over the DataLoader's dataset (or once per epoch, with persistent
    workers), with ``num_workers`` processes fetching and collating ahead."""

    def __init__(self, loader: DataLoader) -> None:
        self._shutdown = False  # first: __del__ runs even if __init__ fails
        self._workers: list = []
        self._index_conns: list = []
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._start_method = ctx.get_start_method()
        forked = self._start_method == "fork"
        # Without fork a worker starts from scratch and receives its objects pickled: do it
        # once here (not once per worker), where a failure can be explained.
        pickled = None if forked else _pickle_for_workers(
            self._dataset, self._collate_fn, loader.worker_init_fn, self._start_method)

        reader_conn, writer_conn = ctx.Pipe(duplex=False)
        enlarge_pipe(writer_conn)
        self._result_reader = ResultReader(reader_conn)
        # Kept for the iterator's life: a spawned worker opens the lock's semaphore by name
        # while starting up, and it is deleted when the parent's lock object is collected.
        self._result_writer = result_writer = ResultWriter(writer_conn, ctx.Lock())
        self._workers_done_event = ctx.Event()
        try:
            for i in range(self._num_workers):
                index_reader, index_writer = ctx.Pipe(duplex=False)
                w = ctx.Process(
                    target=_worker_loop, daemon=True,  # daemon: killed if we exit abruptly
                    args=(self._dataset_kind, None if pickled else self._dataset,
                          index_reader, result_writer, self._workers_done_event,
                          self._auto_collation, None if pickled else self._collate_fn,
                          self._drop_last, self._base_seed,
                          None if pickled else loader.worker_init_fn, i, self._num_workers,
                          pickled, _utils.MP_STATUS_CHECK_INTERVAL,
                          (reader_conn, index_writer) if forked else ()))
                w.start()
                index_reader.close()  # the worker has its own copy now
                self._index_conns.append(index_writer)
                self._workers.append(w)
            # Only the workers write results: once they have all exited, reads see EOF.
            writer_conn.close()
            self._reset(loader, first_iter=True)
        except BaseException:  # a failed start, or the sampler raised: no half-born workers
            self._shutdown_workers()
            raise

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0  # id of the next task to send
        self._rcvd_idx = 0  # id of the next task to return
        # task id -> (worker id,) while in flight, (worker id, batch) once arrived early
        self._task_info: dict[int, tuple] = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers  # False: exhausted or stopped
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: tell each one a new epoch starts, and throw away whatever
            # was still in flight from the last one (after a `break`) until all have replied.
            for conn in self._index_conns:
                conn.send(_ResumeIteration())
            resume_iteration_cnt = self._num_workers
            while resume_iteration_cnt > 0:
                return_idx, _ = self._get_data()
                if isinstance(return_idx, _ResumeIteration):
                    resume_iteration_cnt -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def __next__(self):
        try:
            return super().__next__()
        except KeyboardInterrupt:
            self._shutdown_workers()  # don't leave workers loading for a loop that is gone
            raise

    # ------------------------------------------------------------------------- receiving
    def _try_get_data(self, timeout: float):
        try:
            return True, self._result_reader.get(timeout)
        except (queue.Empty, EOFError) as e:
            # Nothing came: is it because a worker died?
            if isinstance(e, EOFError):
                # Every worker has closed its end of the pipe, so they are all exiting; the
                # OS closes files a moment before the exit can be observed: wait for it.
                for w in self._workers:
                    w.join(timeout=_utils.MP_STATUS_CHECK_INTERVAL)
            failed = [(i, w) for i, w in enumerate(self._workers)
                      if self._workers_status[i] and not w.is_alive()]
            if failed:
                self._shutdown_workers()
                pids = ", ".join(str(w.pid) for _, w in failed)
                reasons = "; ".join(_exit_reason(i, w) for i, w in failed)
                if self._start_method != "fork" and any(w.exitcode == 1 for _, w in failed):
                    reasons += (f". A worker started with {self._start_method!r} re-imports the "
                                "main script: is its code under `if __name__ == '__main__':`? "
                                "The worker's own error is printed above")
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                                   f"({reasons})") from e
            if isinstance(e, EOFError):
                self._shutdown_workers()
                raise RuntimeError("DataLoader workers closed their result pipe") from e
            return False, None

    def _get_data(self):
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:  # wait as long as it takes, checking the workers now and then
            success, data = self._try_get_data(_utils.MP_STATUS_CHECK_INTERVAL)
            if success:
                return data

    def _next_data(self):
        while True:
            # Skip tasks that will never arrive: sent to an IterableDataset worker that has
            # since run out of data.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break  # arrived, or still coming
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:  # nothing in flight: the epoch is over
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier, out of order
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and isinstance(
                    data, _IterableDatasetStopIteration):
                # This worker's replica is exhausted: send it nothing more.
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue

            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)  # keep it until its turn
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _process_data(self, data, worker_idx: int):
        self._workers_num_tasks[worker_idx] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # ------------------------------------------------------------------------- sending
    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, if any
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx] and (
                    self._in_order
                    or self._workers_num_tasks[worker_queue_idx]
                    < max_tasks // sum(self._workers_status)):
                break
        else:
            return
        self._index_conns[worker_queue_idx].send((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _mark_worker_as_unavailable(self, worker_id: int) -> None:
        """Tell one worker to exit (its IterableDataset replica is exhausted)."""
        try:
            self._index_conns[worker_id].send(None)
        except OSError:
            pass  # already gone
        self._workers_status[worker_id] = False

    # ------------------------------------------------------------------------- shutdown
    def _shutdown_workers(self) -> None:
        """Stop every worker: ask politely, then terminate stragglers. Safe to call twice."""
        if _utils.python_exit_status or self._shutdown:
            return  # at interpreter exit, multiprocessing terminates daemonic workers itself
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for conn in self._index_conns:
                try:
                    conn.send(None)
                except OSError:
                    pass
            # A worker blocked writing a batch nobody will read now gets an error and exits.
            self._result_reader.close()
            deadline = time.monotonic() + _JOIN_TIMEOUT
            for w in self._workers:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_JOIN_TIMEOUT)
            for conn in self._index_conns:
                conn.close()

    def __del__(self) -> None:
        # `break` out of a loop drops the iterator: its workers must not outlive it.
        if getattr(self, "_workers", None) and not getattr(self, "_shutdown", True):
            self._shutdown_workers()


def _exit_reason(worker_id: int, w) -> str:
    code = w.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (SIGKILL is often the out-of-memory killer)" if name == "SIGKILL" else ""
        return f"worker {worker_id} was killed by {name}{hint}"
    return f"worker {worker_id} exited with code {code}"


def _pickle_for_workers(dataset, collate_fn, worker_init_fn, method: str) -> bytes:
    """Pickle what the workers need, or explain why it cannot be sent to them."""
    try:
        return pickle.dumps((dataset, collate_fn, worker_init_fn),
                            protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        msg = (f"DataLoader workers started with the {method!r} start method receive the "
               "dataset, collate_fn and worker_init_fn by pickling, and pickling failed: "
               f"{e}. Define them at module level in an importable module (not as a lambda, a "
               "local function, or in a notebook), or use multiprocessing_context='fork' "
               "where available.")
        try:
            err = type(e)(msg)
        except Exception:
            err = RuntimeError(msg)
        raise err from e
