"""Data loading speed: one CIFAR-10 training epoch as tensors, batch 64 (issue #4).

    python benchmarks/loader.py            # print the table
    python benchmarks/loader.py --write    # also append a dated section to docs/benchmarks.md

Not a ratio against PyTorch (torchvision has no CPU build here), but the questions the issue
asks, each measured on the same machine in one run:

1. the tutorial's way: ``CIFAR10(transform=Compose([ToTensor(), Normalize(...)]))`` and
   ``DataLoader(batch_size=64, shuffle=True)`` with ``num_workers=0`` and ``num_workers=2``:
   are two worker processes faster than none on a 2-core machine?
2. the vectorised way: transform the dataset's whole ``uint8`` array once (one division and one
   normalisation over 50,000 images), wrap it in a ``TensorDataset`` and iterate; a batch is
   then one fancy index (``TensorDataset.__getitems__``);
3. what loading costs next to training: the time of one epoch of the tutorial's LeNet training
   step at batch 64 (``bench_lenet64``'s workload, timed on 10 steps and scaled to the epoch's
   782 steps), and loading's share of loading + training for each way.

Needs the CIFAR-10 copy in ``../shared/data`` (read its README; its md5 differ from the official
archives, so it is opened with ``check_integrity=False``).
"""

from __future__ import annotations

import argparse
import datetime
import math
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

import run  # noqa: E402 - machine description helpers shared with run.py

import autograd_lab as torch  # noqa: E402
import autograd_lab.vision as torchvision  # noqa: E402
import autograd_lab.vision.transforms as transforms  # noqa: E402
from autograd_lab.utils.data import DataLoader, TensorDataset  # noqa: E402

DATA = REPO.parent / "shared" / "data"
BATCH = 64
MEAN = STD = (0.5, 0.5, 0.5)


def epoch_seconds(loader) -> float:
    """Wall time of one full pass over ``loader`` (workers started inside the timing)."""
    start = time.perf_counter()
    n = 0
    for _images, labels in loader:
        n += len(labels)
    elapsed = time.perf_counter() - start
    assert n == len(loader.dataset), (n, len(loader.dataset))
    return elapsed


def tutorial_way(workers: int) -> float:
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    trainset = torchvision.datasets.CIFAR10(root=str(DATA), train=True, transform=transform,
                                            check_integrity=False)
    loader = DataLoader(trainset, batch_size=BATCH, shuffle=True, num_workers=workers)
    return epoch_seconds(loader)


def vectorised_way() -> tuple[float, float]:
    """(seconds to transform the whole array once, seconds to iterate one epoch)."""
    trainset = torchvision.datasets.CIFAR10(root=str(DATA), train=True, check_integrity=False)
    start = time.perf_counter()
    # ToTensor and Normalize on the whole (N, C, H, W) array; in place, because each 600 MB
    # float32 intermediate costs more in fresh pages than the arithmetic itself.
    images = torch.from_numpy(trainset.data).permute(0, 3, 1, 2).float().div_(255)
    images = transforms.Normalize(MEAN, STD, inplace=True)(images)
    dataset = TensorDataset(images, torch.tensor(trainset.targets))
    prepare = time.perf_counter() - start
    return prepare, epoch_seconds(DataLoader(dataset, batch_size=BATCH, shuffle=True))


def training_epoch_seconds() -> float:
    """One epoch of LeNet training at batch 64, from 10 timed steps (median of 3 calls)."""
    import bench_lenet
    import bench_lenet64

    step = bench_lenet64.workload(torch)
    step()  # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    per_step = times[1] / bench_lenet.STEPS
    return per_step * math.ceil(50_000 / BATCH)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"append results to {run.RESULTS}")
    args = parser.parse_args(argv)
    if not (DATA / "cifar-10-batches-py").is_dir():
        print(f"needs the CIFAR-10 copy in {DATA}", file=sys.stderr)
        return 2

    workers0 = tutorial_way(0)
    workers2 = tutorial_way(2)
    prepare, vectorised = vectorised_way()
    train = training_epoch_seconds()

    def share(load: float) -> str:
        return f"{100 * load / (load + train):.0f}%"

    rows = [
        ("per-image transforms, `num_workers=0`", workers0, share(workers0)),
        ("per-image transforms, `num_workers=2`", workers2, share(workers2)),
        (f"whole-array transform ({prepare:.2f} s once) + `TensorDataset`", vectorised,
         share(vectorised)),
    ]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now}: data loading, {run.cpu_model()}, {run.cpu_count()} cores",
        "",
        f"- `python benchmarks/loader.py`; autograd_lab {run.engine_revision()}; one CIFAR-10 "
        f"training epoch (50,000 images) as tensors, ToTensor + Normalize, batch {BATCH}, "
        "shuffled",
        f"- training for comparison: one epoch of the LeNet step at batch {BATCH} "
        f"= {train:.1f} s (10 timed steps, scaled to {math.ceil(50_000 / BATCH)} steps)",
        f"- 2 workers vs 0: {workers0 / workers2:.2f}x "
        f"({'faster' if workers2 < workers0 else 'NOT faster'})",
        "",
        "| loading | one epoch (s) | share of loading + training |",
        "|---|---:|---:|",
        *[f"| {name} | {sec:.2f} | {pct} |" for name, sec, pct in rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        with run.RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + text)
        print(f"appended to {run.RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
