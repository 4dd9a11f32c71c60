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

Threads: PyTorch gets as many intra-op threads as NumPy's BLAS uses (normally one per core),
so both multiply matrices on the same number of cores; set ``OMP_NUM_THREADS`` to change both.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import importlib.metadata
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
    def ms(seconds):
        return "n/a" if seconds is None else f"{seconds * 1e3:.1f}"

    lines = [
        "| benchmark | timed unit | ours (ms) | torch (ms) | ours/torch | target | result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else "n/a"
        lines.append(
            f"| {r['name']} | {r['unit']} | {ms(r['ours'])} | {ms(r['torch'])} | {ratio} "
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
            f"- median of {args.repeats} timed calls after {args.warmup} warm-up call(s)",
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
    args = parser.parse_args(argv)

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
    if not isinstance(torch, Exception):
        torch.set_num_threads(threads)

    rows = [run_one(importlib.import_module(n), libs, args.warmup, args.repeats) for n in names]
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
