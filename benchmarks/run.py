"""Run every ``bench_*.py`` against autograd_lab and PyTorch; print a markdown table.

    python benchmarks/run.py                 # all benchmarks, print the table
    python benchmarks/run.py --only mlp      # benchmarks whose file name contains "mlp"
    python benchmarks/run.py --write         # also append a dated section to docs/benchmarks.md

Each benchmark module defines ``NAME``, ``UNIT`` (what one timed call does), ``TARGET`` (the
ours/torch ratio we aim to stay under) and ``workload(lib)``, which builds its inputs with the
module ``lib`` (``autograd_lab`` or ``torch``) and returns a function to time. The function
returns tensors (gradients, a loss) that are compared between the libraries, so both sides
are known to do the same work.

Timing: ``--warmup`` untimed calls, then the median of ``--repeats`` calls timed with
``time.perf_counter``, each library in its own block after a pause (see run_one) (garbage
collected before each call and left enabled during it, since a learner's loop runs with it on).

Threads: both libraries get as many threads as NumPy's BLAS uses (normally one per core;
``set_num_threads`` in each: PyTorch's intra-op threads, autograd_lab's BLAS threads); set
``OMP_NUM_THREADS`` to change all three.

Memory: a benchmark with ``KIND = "memory"`` reports peak memory instead of time (see
measure_memory): each library runs the workload in a fresh subprocess, and the peak resident
set size (RSS) during one call is compared, minus the RSS just before it.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = REPO / "docs" / "benchmarks.md"
sys.path[:0] = [str(REPO), str(HERE)]  # benchmark the working tree's engine, import bench_*


def numpy_threads() -> int:
    """How many threads NumPy's BLAS uses (OpenBLAS reads these variables at import)."""
    try:
        from threadpoolctl import threadpool_info

        counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
        if counts:
            return max(counts)
    except ImportError:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return cpu_count()


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def engine_revision() -> str:
    try:
        version = importlib.metadata.version("autograd_lab")
    except importlib.metadata.PackageNotFoundError:
        version = "(not installed)"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return f"{version}, commit {commit}"


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


# Memory is measured in a child process per library (``run.py --memory-child BENCH LIB``).
# glibc keeps freed memory for reuse and decides by a threshold that moves with the program's
# history whether a large buffer is mapped fresh (and returned on free) or carved from its heap
# (and kept). Fixing the threshold makes every buffer of 64 KiB or more its own mapping, for
# both libraries alike, so RSS rises and falls with the memory the program holds, and the peak
# counts what the call needed, not what earlier calls happened to leave behind.
MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "131072"}
MEMORY_RUNS = 3  # fresh processes per library; the median is reported


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` field (``VmRSS``, ``VmHWM``) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field} (Linux only)")


def memory_child(bench_name: str, module: str, threads: int) -> None:
    """In a fresh process: one warm-up call, then the peak RSS growth of one more call.

    The warm-up call leaves behind only what stays (lazily imported modules, kernel caches);
    then ``/proc/self/clear_refs`` resets the high-water mark ``VmHWM`` to the current RSS,
    and the growth of ``VmHWM`` over that RSS during the measured call is its peak memory.
    Prints ``{"bytes": ...}`` as JSON on the last line.
    """
    lib = importlib.import_module(module)
    lib.set_num_threads(threads)
    fn = importlib.import_module(bench_name).workload(lib)
    fn()
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    base = _status_kib("VmRSS")
    fn()
    print(json.dumps({"bytes": (_status_kib("VmHWM") - base) * 1024}))


def measure_memory(bench, labels: dict, threads: int) -> dict:
    """Peak memory of one call of ``bench.workload(lib)()`` per library: the median over
    ``MEMORY_RUNS`` fresh processes (see memory_child)."""
    row = {"name": bench.NAME, "unit": bench.UNIT, "target": bench.TARGET, "kind": "memory"}
    env = {**os.environ, **MEMORY_ENV}
    for label, module in labels.items():
        row[label] = None
        runs = []
        for _ in range(MEMORY_RUNS):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child",
                   bench.__name__, module, str(threads)]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
            if proc.returncode != 0:
                tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                row["error"] = f"{label}: {tail}"
                break
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1])["bytes"])
        if len(runs) == MEMORY_RUNS:
            row[label] = statistics.median(runs)
    if row["ours"] and row["torch"]:
        row["ratio"] = row["ours"] / row["torch"]
    return row


def run_one(bench, libs: dict, warmup: int, repeats: int) -> dict:
    """Time ``bench`` in each library: ``warmup`` untimed calls, then the median of
    ``repeats`` timed calls.

    Each library is timed in its own block, after a short pause. Interleaving the two
    (ours, torch, ours, ...) looked fairer but is not: NumPy's OpenBLAS threads and
    PyTorch's OpenMP threads keep spinning for a while after each call, so each library's
    idle-spinning pool stole cores from the other (PyTorch's MLP step measured 2.4x slower
    interleaved than alone on a 2-core machine).
    """
    row = {"name": bench.NAME, "unit": bench.UNIT, "target": bench.TARGET}
    times = {}
    outputs = {}
    for label, lib in libs.items():
        row[label] = None
        try:
            if isinstance(lib, Exception):  # the import failed
                raise lib
            fn = bench.workload(lib)
            time.sleep(0.5)  # let the other library's thread pool go idle
            for _ in range(warmup):
                fn()
            times[label] = []
            for _ in range(repeats):
                gc.collect()
                start = time.perf_counter()
                outputs[label] = fn()
                times[label].append(time.perf_counter() - start)
        except Exception as exc:  # report it and carry on with the other library
            times.pop(label, None)
            row["error"] = f"{label}: {type(exc).__name__}: {exc}"
    for label, seconds in times.items():
        row[label] = statistics.median(seconds)
    if row["ours"] and row["torch"]:
        row["ratio"] = row["ours"] / row["torch"]
        for ours, ref in zip(outputs["ours"], outputs["torch"]):
            if not np.allclose(to_numpy(ours), to_numpy(ref), rtol=1e-3, atol=1e-5):
                row["error"] = "results differ from PyTorch"
                break
    return row


def status(row: dict) -> str:
    if "error" in row:
        return "ERROR"
    return "PASS" if row["ratio"] <= row["target"] else "MISS"


def table(rows: list[dict]) -> str:
    def value(r, label):
        v = r[label]
        if v is None:
            return "n/a"
        return f"{v / 2**20:.1f} MiB" if r.get("kind") == "memory" else f"{v * 1e3:.1f} ms"

    lines = [
        "| benchmark | measured | ours | torch | ours/torch | target | result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else "n/a"
        lines.append(
            f"| {r['name']} | {r['unit']} | {value(r, 'ours')} | {value(r, 'torch')} | {ratio} "
            f"| ≤ {r['target']:.1f}x | {status(r)} |"
        )
    lines += [f"\n{r['name']}: {r['error']}" for r in rows if "error" in r]
    return "\n".join(lines)


def machine_section(rows, threads: int, torch, args) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    torch_version = getattr(torch, "__version__", "not installed")
    return "\n".join(
        [
            f"## {now}: {cpu_model()}, {cpu_count()} cores",
            "",
            f"- platform: {platform.platform()}, Python {platform.python_version()}",
            f"- numpy {np.__version__} (BLAS threads: {threads}), torch {torch_version} "
            f"(threads: {threads}), autograd_lab {engine_revision()}",
            f"- time: median of {args.repeats} timed calls after {args.warmup} warm-up call(s); "
            f"memory: peak RSS growth during one call after one warm-up call, median of "
            f"{MEMORY_RUNS} fresh processes per library",
            "",
            table(rows),
            "",
        ]
    )


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"append results to {RESULTS}")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="run benchmarks whose file name contains this (repeatable)",
    )
    parser.add_argument("--repeats", type=positive, default=7)
    parser.add_argument("--warmup", type=positive, default=1)
    parser.add_argument("--memory-child", nargs=3, metavar=("BENCH", "LIB", "THREADS"),
                        help=argparse.SUPPRESS)  # internal: see measure_memory
    args = parser.parse_args(argv)
    if args.memory_child:
        bench_name, module, threads = args.memory_child
        memory_child(bench_name, module, int(threads))
        return 0

    wanted = [Path(s).stem for s in args.only]
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    names = [n for n in names if not wanted or any(w in n for w in wanted)]
    if not names:
        parser.error(f"no benchmark matches {args.only}")

    libs = {}
    for label, module in (("ours", "autograd_lab"), ("torch", "torch")):
        try:
            libs[label] = importlib.import_module(module)
        except Exception as exc:
            libs[label] = exc
    torch = libs["torch"]
    threads = numpy_threads()
    for lib in libs.values():
        if not isinstance(lib, Exception):
            lib.set_num_threads(threads)

    rows = []
    for name in names:
        bench = importlib.import_module(name)
        if getattr(bench, "KIND", "time") == "memory":
            rows.append(measure_memory(bench, {"ours": "autograd_lab", "torch": "torch"},
                                       threads))
        else:
            rows.append(run_one(bench, libs, args.warmup, args.repeats))
    section = machine_section(rows, threads, torch, args)
    print(section)
    failed = any("error" in r for r in rows)
    if args.write and failed:
        print(f"not written to {RESULTS}: fix the errors above first")
    elif args.write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + section)
        print(f"appended to {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
