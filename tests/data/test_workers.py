"""DataLoader with worker processes: results in sampler order, seeding, worker info,
IterableDataset replicas, errors with tracebacks, dead workers, timeouts, spawn, and no
process left behind.

These tests start real processes. They use tiny datasets and no timing assertions (the
machine may be loaded); a watchdog ends the test process if one of them hangs.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sys
import time

import numpy as np
import pytest
from _data_compare import assert_same
from _loader_datasets import (
    Big,
    DiesAt,
    FailsAt,
    Marked,
    Slow,
    Squares,
    Stream,
    UnevenStream,
    Unpicklable,
    WhoLoadedMe,
    first_field_collate,
    record_init,
)
from conftest import require_torch

import autograd_lab as al
from autograd_lab.utils.data import DataLoader, Dataset, TensorDataset, get_worker_info

# Three workers on a two-core machine is deliberate here (more workers than cores).
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning")

HANG_LIMIT_S = 120  # far above any test's normal duration, even on a loaded machine
X = al.arange(60.0).reshape(30, 2)
Y = al.arange(30) % 4


@pytest.fixture(autouse=True)
def hang_watchdog():
    """A hanging DataLoader is the failure these tests look for: make it fail the test.

    SIGALRM raises in the test (it interrupts a blocked wait); if even that cannot happen,
    faulthandler ends the process after printing every thread's stack.
    """
    def hung(signum, frame):
        raise TimeoutError(f"test still running after {HANG_LIMIT_S} s: a DataLoader hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, HANG_LIMIT_S)
    faulthandler.dump_traceback_later(2 * HANG_LIMIT_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def wait_until_gone(processes, within: float = 10.0) -> None:
    """Assert that the processes exit (and are reaped) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [p.pid for p in processes if p.is_alive()]
    assert not alive, f"worker processes still alive: {alive}"
    assert not set(processes) & set(multiprocessing.active_children())


def new_children(before) -> list:
    return [p for p in multiprocessing.active_children() if p not in before]


def plain(obj):
    """Tensors -> nested lists (with their dtype), recursively, for comparing batches."""
    if isinstance(obj, al.Tensor):
        return (str(obj.dtype), obj.tolist())
    if isinstance(obj, list | tuple):
        return [plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    return obj


# ----------------------------------------------------------------------------- results
LOADER_CASES = [
    ("squares_batch4", lambda: Squares(23), {"batch_size": 4}),
    ("squares_sampler", lambda: Squares(23), {"batch_size": 3, "sampler": [22, 0, 5, 5, 9, 1, 2]}),
    ("squares_drop_last", lambda: Squares(23), {"batch_size": 5, "drop_last": True}),
    ("squares_no_batching", lambda: Squares(7), {"batch_size": None}),
    ("tensors", lambda: TensorDataset(X, Y), {"batch_size": 7}),
    ("custom_collate", lambda: Squares(9), {"batch_size": 4, "collate_fn": first_field_collate}),
    ("prefetch_1", lambda: Squares(9), {"batch_size": 2, "prefetch_factor": 1}),
]


@pytest.mark.parametrize("num_workers", [1, 2, 3])
@pytest.mark.parametrize("name,make,kwargs", LOADER_CASES, ids=[c[0] for c in LOADER_CASES])
def test_workers_give_the_batches_of_one_process_in_order(name, make, kwargs, num_workers):
    single = {k: v for k, v in kwargs.items() if k != "prefetch_factor"}
    expected = list(DataLoader(make(), **single))
    got = list(DataLoader(make(), num_workers=num_workers, **kwargs))
    assert plain(got) == plain(expected)


@pytest.mark.torch
def test_workers_match_torch_single_process():
    torch = require_torch()
    sampler = [9, 3, 3, 0, 7, 1, 8]

    def data(lib):
        return [(lib.tensor([i, i + 0.5]), i * i, f"s{i}") for i in range(10)]

    theirs = list(torch.utils.data.DataLoader(data(torch), batch_size=3, sampler=sampler))
    ours = list(DataLoader(data(al), batch_size=3, sampler=sampler, num_workers=2))
    assert_same(ours, theirs)


def test_in_order_false_returns_every_batch():
    got = list(DataLoader(Squares(20), batch_size=3, num_workers=2, in_order=False))
    assert sorted(b[1].tolist() for b in got) == \
        sorted(b[1].tolist() for b in DataLoader(Squares(20), batch_size=3))


def test_batches_bigger_than_the_pipe():
    got = list(DataLoader(Big(6, size_mb=1.5), batch_size=2, num_workers=2))
    assert [b.shape for b in got] == [(2, Big(1, 1.5).numel)] * 3
    assert [b[:, 0].tolist() for b in got] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert all(bool((b[:, -1] == b[:, 0]).all()) for b in got)


# ----------------------------------------------------------------------------- worker info
def test_get_worker_info_and_seeds():
    assert get_worker_info() is None  # main process
    loader = DataLoader(WhoLoadedMe(8), batch_size=None, num_workers=2,
                        generator=al.Generator().manual_seed(123))
    epoch1 = list(loader)
    assert [r["index"] for r in epoch1] == list(range(8))
    assert [r["worker_id"] for r in epoch1] == [0, 1] * 4  # round-robin, in sampler order
    assert all(r["num_workers"] == 2 and r["same_dataset"] for r in epoch1)
    assert all(r["pid"] != os.getpid() for r in epoch1)
    assert len({r["pid"] for r in epoch1}) == 2
    seeds = {r["worker_id"]: r["seed"] for r in epoch1}
    assert seeds[1] == seeds[0] + 1  # base_seed + worker_id
    for key in ("py_random", "al_random", "np_random"):  # each worker has its own stream
        first_draws = [r[key] for r in epoch1[:2]]
        assert first_draws[0] != first_draws[1], key

    epoch2 = list(loader)
    assert epoch2[0]["seed"] != seeds[0]  # a new base_seed each epoch
    again = list(DataLoader(WhoLoadedMe(8), batch_size=None, num_workers=2,
                            generator=al.Generator().manual_seed(123)))
    for key in ("seed", "py_random", "al_random", "np_random"):
        assert [r[key] for r in again] == [r[key] for r in epoch1], key


@pytest.mark.torch
def test_numpy_worker_seeds_match_torch():
    require_torch()
    from torch.utils.data._utils.worker import _generate_state as torch_state

    from autograd_lab.utils.data._utils.worker import _generate_state

    for base_seed, worker_id in [(0, 0), (123, 1), (2**40 + 7, 3), (2**63 - 5, 2)]:
        assert _generate_state(base_seed, worker_id) == torch_state(base_seed, worker_id)


def test_worker_init_fn_runs_in_each_worker():
    got = list(DataLoader(Marked(), batch_size=None, num_workers=2, worker_init_fn=record_init))
    assert got == [0, 1, 0, 1]
    assert list(DataLoader(Marked(), batch_size=None)) == [None] * 4


def test_shuffle_with_workers_is_reproducible():
    def run():
        loader = DataLoader(Squares(16), batch_size=4, shuffle=True, num_workers=2,
                            generator=al.Generator().manual_seed(9))
        return [b[1].tolist() for b in loader]

    first = run()
    assert first == run()
    assert sorted(sum(first, [])) == [i * i for i in range(16)]


# ----------------------------------------------------------------------------- IterableDataset
def test_iterable_dataset_replicas_and_sharding():
    unsharded = list(DataLoader(Stream(0, 10), batch_size=3, num_workers=2))
    assert sorted(sum((b.tolist() for b in unsharded), [])) == sorted(list(range(10)) * 2)
    sharded = list(DataLoader(Stream(0, 10, shard=True), batch_size=3, num_workers=2))
    assert sorted(sum((b.tolist() for b in sharded), [])) == list(range(10))


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", [{"batch_size": 2}, {"batch_size": None},
                                    {"batch_size": 2, "drop_last": True}])
def test_iterable_dataset_order_matches_torch_workers(kwargs):
    torch = require_torch()

    class TorchUneven(torch.utils.data.IterableDataset):  # UnevenStream, for torch
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            wid = 0 if info is None else info.id
            return iter([wid * 100 + j for j in range(wid + 1)])

    theirs = list(torch.utils.data.DataLoader(TorchUneven(), num_workers=3, **kwargs))
    ours = list(DataLoader(UnevenStream(), num_workers=3, **kwargs))
    assert_same(ours, theirs)


# ----------------------------------------------------------------------------- errors
def test_worker_exception_is_reraised_with_its_traceback():
    it = iter(DataLoader(FailsAt(8, bad=5), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    assert next(it).tolist() == [2, 3]
    with pytest.raises(ValueError) as err:
        next(it)
    msg = str(err.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\n"
                          "Original Traceback (most recent call last):\n")
    assert "_loader_datasets.py" in msg and "cannot load sample 5" in msg
    assert next(it).tolist() == [6, 7]  # as in PyTorch, the loader goes on
    with pytest.raises(StopIteration):
        next(it)
    wait_until_gone(it._workers)


def test_key_error_message_stays_readable():
    with pytest.raises(KeyError) as err:
        list(DataLoader(FailsAt(4, bad=1, exc_type=KeyError), num_workers=1))
    assert "Caught KeyError in DataLoader worker process 0.\nOriginal Traceback" in str(err.value)


def test_error_in_worker_init_fn_is_reraised():
    def bad_init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")

    with pytest.raises(RuntimeError, match="init failed in 0"):
        list(DataLoader(Squares(4), num_workers=1, worker_init_fn=bad_init))


def test_unpicklable_batch_raises_instead_of_hanging():
    with pytest.raises(Exception, match="while sending a batch to the main process"):
        list(DataLoader(Unpicklable(), batch_size=None, num_workers=1))


@pytest.mark.parametrize("how,reason", [("exit", "exited with code 3"),
                                        ("kill", "killed by SIGKILL")])
def test_dead_worker_raises_runtime_error(how, reason):
    it = iter(DataLoader(DiesAt(8, bad=3, how=how), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly") as err:
        list(it)
    assert reason in str(err.value)
    wait_until_gone(it._workers)


def test_worker_killed_in_the_middle_of_sending_a_batch():
    # 4 MB messages, a 1 MB pipe: the worker blocks half-way through writing the batch.
    it = iter(DataLoader(Big(3, size_mb=4), batch_size=None, num_workers=1,
                         prefetch_factor=1))
    worker = it._workers[0]
    deadline = time.monotonic() + 60
    while not it._result_reader.conn.poll(0.05) and time.monotonic() < deadline:
        pass  # wait until the first bytes are in the pipe
    time.sleep(0.2)
    os.kill(worker.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        next(it)
    wait_until_gone(it._workers)


def test_timeout():
    it = iter(DataLoader(Slow(4, delay=5), num_workers=1, timeout=0.2))
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.2 seconds$"):
        next(it)
    wait_until_gone(it._workers)


# ----------------------------------------------------------------------------- shutdown
def test_break_and_del_leave_no_processes():
    before = set(multiprocessing.active_children())
    loader = DataLoader(Squares(100), batch_size=2, num_workers=2)
    for _ in loader:
        break  # the for loop drops its iterator here
    wait_until_gone(new_children(before) or [])
    it = iter(loader)
    next(it)
    workers = list(it._workers)
    assert all(w.is_alive() for w in workers)
    del it
    wait_until_gone(workers)


def test_finished_epoch_leaves_no_processes():
    it = iter(DataLoader(Squares(6), batch_size=2, num_workers=2))
    assert len(list(it)) == 3
    wait_until_gone(it._workers)


class InterruptingSampler:
    """Yields a few keys, then raises KeyboardInterrupt (as Ctrl-C would) in the main process."""

    def __iter__(self):
        yield from range(6)
        raise KeyboardInterrupt

    def __len__(self):
        return 10


def test_keyboard_interrupt_shuts_the_workers_down():
    it = iter(DataLoader(Squares(10), sampler=InterruptingSampler(), num_workers=2))
    with pytest.raises(KeyboardInterrupt):
        for _ in it:
            pass
    wait_until_gone(it._workers)  # even though `it` is still referenced


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt during the test, as in a terminal or a notebook.

    Python installs that handler only if SIGINT was not ignored when it started, and a shell
    starts background jobs (``cmd &``, as CI may be run) with SIGINT ignored.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_while_waiting_for_a_batch(ctrl_c_raises):
    import threading

    with pytest.raises(KeyboardInterrupt):
        it = iter(DataLoader(Slow(4, delay=60), num_workers=2))
        # SIGINT to this process only (Ctrl-C in a notebook), while next() waits for a worker.
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        next(it)
    wait_until_gone(it._workers)


def test_persistent_workers_survive_epochs():
    loader = DataLoader(Squares(10), batch_size=3, num_workers=2, persistent_workers=True)
    expected = [b[1].tolist() for b in DataLoader(Squares(10), batch_size=3)]
    assert [b[1].tolist() for b in loader] == expected
    workers = list(loader._iterator._workers)
    for _ in loader:
        break  # tasks still in flight are discarded at the next epoch
    assert [b[1].tolist() for b in loader] == expected
    assert loader._iterator._workers == workers and all(w.is_alive() for w in workers)
    del loader
    wait_until_gone(workers)


def test_persistent_workers_with_an_iterable_dataset():
    loader = DataLoader(Stream(0, 7, shard=True), batch_size=2, num_workers=2,
                        persistent_workers=True)
    for _ in range(2):
        assert sorted(sum((b.tolist() for b in loader), [])) == list(range(7))
    workers = list(loader._iterator._workers)
    del loader
    wait_until_gone(workers)


# ----------------------------------------------------------------------------- start methods
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_spawned_workers(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method!r} start method on {sys.platform}")
    loader = DataLoader(WhoLoadedMe(6), batch_size=None, num_workers=2,
                        multiprocessing_context=multiprocessing.get_context(method))
    got = list(loader)
    assert [r["index"] for r in got] == list(range(6))
    assert [r["worker_id"] for r in got] == [0, 1] * 3
    assert all(r["same_dataset"] and r["pid"] != os.getpid() for r in got)


def test_spawn_batches_match_one_process():
    expected = plain(list(DataLoader(TensorDataset(X, Y), batch_size=8)))
    got = plain(list(DataLoader(TensorDataset(X, Y), batch_size=8, num_workers=2,
                                multiprocessing_context="spawn")))
    assert got == expected


def test_spawn_with_unpicklable_collate_fn_explains():
    loader = DataLoader(Squares(4), num_workers=1, multiprocessing_context="spawn",
                        collate_fn=lambda batch: batch)
    before = set(multiprocessing.active_children())
    with pytest.raises(Exception, match="receive the dataset, collate_fn and worker_init_fn "
                                        "by pickling") as err:
        iter(loader)
    assert "lambda" in str(err.value)
    assert not new_children(before)  # failed before starting anything


def test_spawn_with_a_local_dataset_class_explains():
    class Local(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    with pytest.raises(Exception, match="pickling failed"):
        iter(DataLoader(Local(), num_workers=1, multiprocessing_context="spawn"))


def test_fork_accepts_what_spawn_cannot_pickle():
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method")
    loader = DataLoader(Squares(4), batch_size=2, num_workers=1, multiprocessing_context="fork",
                        collate_fn=lambda batch: [s[1] for s in batch])
    assert list(loader) == [[0, 1], [4, 9]]
    assert np.array_equal(np.array(list(loader)), [[0, 1], [4, 9]])


# ----------------------------------------------------------------------------- scripts, notebooks
# The tutorial situation: a script (or a notebook) defines its own Dataset and uses workers
# started with spawn, the default on Windows and macOS. Each case runs a fresh interpreter.
SCRIPT = '''
import autograd_lab as al
from autograd_lab.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return al.tensor([float(i)]), i * i


def main():
    loader = DataLoader(Squares(), batch_size=2, num_workers=2, multiprocessing_context="spawn")
    print([y.tolist() for _, y in loader])
'''


def run_python(args, tmp_path):
    import subprocess

    from conftest import REPO_ROOT

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=HANG_LIMIT_S)


def test_spawn_in_a_script_with_a_main_guard(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT + "\n\nif __name__ == '__main__':\n    main()\n")
    done = run_python([str(script)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[0, 1], [4, 9], [16, 25]]"


def test_spawn_in_a_script_without_a_main_guard_explains(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT + "\n\nmain()\n")  # each worker re-runs this line
    done = run_python([str(script)], tmp_path)
    assert done.returncode != 0
    assert "exited unexpectedly" in done.stderr
    assert "if __name__ == '__main__':" in done.stderr


def test_spawn_with_a_dataset_defined_in_a_notebook_explains(tmp_path):
    # `python -c` has no main file to re-import, like a notebook kernel's __main__.
    done = run_python(["-c", SCRIPT + "\nmain()\n"], tmp_path)
    assert done.returncode != 0
    assert "Caught AttributeError in DataLoader worker process 0 while unpickling" in done.stderr
    assert "Squares" in done.stderr
