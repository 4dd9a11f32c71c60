"""GPU benchmarks (issue #5): autograd_lab on CuPy against PyTorch CUDA eager, same GPU.

    python benchmarks/gpu_bench.py                # print the table
    python benchmarks/gpu_bench.py --only resnet  # benchmarks whose name contains "resnet"
    python benchmarks/gpu_bench.py --write        # also append a dated section to
                                                  # docs/benchmarks.md

Each row is a ratio of *throughputs*, ours / PyTorch's (higher is better; 1.0x = as fast):

=============================================  ======================  =======
workload                                       throughput              target
=============================================  ======================  =======
LeNet (the CIFAR-10 tutorial's net) training,  images/s                ≥ 0.3x
batch 64, SGD momentum, synthetic inputs
ResNet-9 (Myrtle/DAWNBench CIFAR-10 net)       images/s                ≥ 0.5x
training, batch 512, SGD nesterov
float32 matmul 4096 x 4096 x 4096              TFLOP/s                 ≥ 0.9x
one CIFAR-10 epoch of ResNet-9, batch 512,     images/s (and seconds)  (none)
end to end: DataLoader over the uint8 images,
non_blocking copy, normalisation, training
=============================================  ======================  =======

Both libraries run the same code (``lib`` is ``autograd_lab`` or ``torch``), start from the
same weights (copied through NumPy) and are timed with CUDA events around ``--steps`` steps
after ``--warmup`` untimed ones (kernel compilation, cuBLAS heuristics, memory pools), the
median of ``--repeats`` such blocks. The first step's loss is compared as a check that both do
the same work. Without a GPU visible to CuPy the script says so, exits with status 2 and
writes nothing; without PyTorch CUDA it reports our side only (no ratios).
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = REPO / "docs" / "benchmarks.md"
DATA = REPO.parent / "shared" / "data"
sys.path[:0] = [str(REPO), str(HERE)]

import run  # noqa: E402 - machine description helpers shared with run.py

import autograd_lab  # noqa: E402

MEAN = np.array([0.4914, 0.4822, 0.4465], np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.2470, 0.2435, 0.2616], np.float32).reshape(1, 3, 1, 1)


# ----------------------------------------------------------------------------- models
def lenet(lib):
    """The CIFAR-10 tutorial's ``Net``."""
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120),
                         nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def resnet9(lib):
    """ResNet-9 of Myrtle.ai's DAWNBench CIFAR-10 entry (David Page, 2018): conv-BN-ReLU
    blocks of 64-128-256-512 channels, two residual pairs, max-pooling, one linear layer."""
    nn = lib.nn

    def block(cin, cout, pool=False):
        layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                  nn.ReLU(inplace=True)]
        return nn.Sequential(*layers, *([nn.MaxPool2d(2)] if pool else []))

    class Residual(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.body = nn.Sequential(block(c, c), block(c, c))

        def forward(self, x):
            return x + self.body(x)

    return nn.Sequential(block(3, 64), block(64, 128, pool=True), Residual(128),
                         block(128, 256, pool=True), block(256, 512, pool=True), Residual(512),
                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(512, 10))


def _same_weights(lib, make, state):
    model = make(lib)
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    return model.to("cuda")


def _weights(make):
    autograd_lab.manual_seed(0)
    return {k: v.detach().numpy().copy() for k, v in make(autograd_lab).state_dict().items()}


# ----------------------------------------------------------------------------- timing
def _time_blocks(lib, step, warmup: int, steps: int, repeats: int) -> float:
    """Median milliseconds of ``steps`` calls of ``step``, measured with CUDA events."""
    for _ in range(warmup):
        step()
    lib.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = lib.cuda.Event(enable_timing=True), lib.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(steps):
            step()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def training(lib, make, state, batch: int, args, nesterov=False):
    """images/s of SGD training on a fixed synthetic batch, and the first step's loss."""
    model = _same_weights(lib, make, state)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=nesterov,
                        weight_decay=5e-4 if nesterov else 0)
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)).to("cuda")
    y = lib.tensor(rng.integers(0, 10, batch)).to("cuda")
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    first = float(step().item())
    ms = _time_blocks(lib, step, args.warmup, args.steps, args.repeats)
    return {"throughput": args.steps * batch / (ms / 1000), "check": first}


def matmul(lib, args, n: int = 4096):
    """TFLOP/s of a float32 n x n x n matrix product (2 n^3 flops)."""
    rng = np.random.default_rng(2)
    a, b = (lib.tensor(rng.standard_normal((n, n)).astype(np.float32)).to("cuda")
            for _ in range(2))
    check = float((a[:64] @ b[:, :64]).sum().item())
    ms = _time_blocks(lib, lambda: a @ b, args.warmup, args.steps, args.repeats)
    return {"throughput": 2 * n**3 * args.steps / (ms / 1000) / 1e12, "check": check}


def epoch(lib, args, batch: int = 512):
    """One CIFAR-10 training epoch of ResNet-9, end to end (images/s and seconds)."""
    images, labels = _cifar_arrays()
    model = _same_weights(lib, resnet9, _weights(resnet9))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True,
                        weight_decay=5e-4)
    data = lib.utils.data.TensorDataset(lib.tensor(images), lib.tensor(labels))
    loader = lib.utils.data.DataLoader(data, batch_size=batch, shuffle=True, pin_memory=True,
                                       generator=lib.Generator().manual_seed(0))
    mean, std = lib.tensor(MEAN).to("cuda"), lib.tensor(STD).to("cuda")
    loss_fn = lib.nn.CrossEntropyLoss()

    def one_epoch():
        first = None
        for x, y in loader:
            x = (x.to("cuda", non_blocking=True).float() / 255 - mean) / std
            opt.zero_grad()
            loss = loss_fn(model(x), y.to("cuda", non_blocking=True))
            loss.backward()
            opt.step()
            first = float(loss.item()) if first is None else first
        lib.cuda.synchronize()
        return first

    one_epoch()  # warm-up epoch: compilation, pools, cuDNN/cuBLAS choices
    start = time.perf_counter()
    one_epoch()
    seconds = time.perf_counter() - start
    return {"throughput": len(images) / seconds, "seconds": seconds, "check": None}


def _cifar_arrays():
    from autograd_lab.vision.datasets import CIFAR10

    ds = CIFAR10(root=str(DATA), train=True, check_integrity=False)
    return (np.ascontiguousarray(ds.data.transpose(0, 3, 1, 2)),
            np.asarray(ds.targets, dtype=np.int64))


BENCHES = [
    ("LeNet training, batch 64, float32", "images/s", 0.3,
     lambda lib, a: training(lib, lenet, _weights(lenet), 64, a)),
    ("ResNet-9 training, batch 512, float32", "images/s", 0.5,
     lambda lib, a: training(lib, resnet9, _weights(resnet9), 512, a, nesterov=True)),
    ("matmul 4096^3, float32", "TFLOP/s", 0.9, matmul),
    ("CIFAR-10 epoch, ResNet-9, batch 512, end to end", "images/s", None, epoch),
]


# ----------------------------------------------------------------------------- report
def _row(name, unit, target, ours, theirs) -> str:
    def fmt(r):
        if r is None:
            return "-"
        extra = f" ({r['seconds']:.1f} s)" if "seconds" in r else ""
        return f"{r['throughput']:,.1f}{extra}" if unit == "TFLOP/s" else \
            f"{r['throughput']:,.0f}{extra}"

    ratio = ours["throughput"] / theirs["throughput"] if theirs else None
    result = "-" if ratio is None or target is None else ("PASS" if ratio >= target else "FAIL")
    return (f"| {name} | {unit} | {fmt(ours)} | {fmt(theirs)} | "
            f"{'-' if ratio is None else f'{ratio:.2f}x'} | "
            f"{'-' if target is None else f'≥ {target:.1f}x'} | {result} |")


def _versions(torch) -> str:
    v = autograd_lab.backend.cuda_versions()
    torch_text = (f"torch {torch.__version__} (CUDA {torch.version.cuda})" if torch is not None
                  else "torch CUDA: not available (our side only)")
    return (f"- CuPy {v['cupy']}, CUDA runtime {v['cuda_runtime']}, driver {v['cuda_driver']}; "
            f"{torch_text}; numpy {np.__version__}; autograd_lab {run.engine_revision()}\n"
            f"- host: {run.cpu_model()}, {run.cpu_count()} cores, {platform.platform()}, "
            f"Python {platform.python_version()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument("--only", default="", help="run benchmarks whose name contains this")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if not autograd_lab.cuda.is_available():
        print("gpu_bench: no CUDA GPU visible to CuPy (autograd_lab.cuda.is_available() is "
              "False): nothing measured, nothing written. Install the gpu extra on a machine "
              "with an NVIDIA GPU (see README, 'GPU').", file=sys.stderr)
        return 2
    try:
        import torch

        if not torch.cuda.is_available():
            print("gpu_bench: PyTorch has no CUDA here: reporting autograd_lab only",
                  file=sys.stderr)
            torch = None
    except ImportError:
        torch = None
    name = autograd_lab.cuda.get_device_name()
    lines = ["| benchmark | unit | autograd_lab | torch CUDA | ours/torch | target | result |",
             "|---|---|---:|---:|---:|---:|---|"]
    notes = []
    for bench_name, unit, target, fn in BENCHES:
        if args.only.lower() not in bench_name.lower():
            continue
        if "epoch" in bench_name and not DATA.is_dir():
            notes.append(f"{bench_name}: skipped, needs CIFAR-10 in {DATA}")
            continue
        ours = fn(autograd_lab, args)
        theirs = fn(torch, args) if torch is not None else None
        if theirs is not None and ours["check"] is not None and not np.isclose(
                ours["check"], theirs["check"], rtol=1e-2, atol=1e-3):
            notes.append(f"{bench_name}: first-step check differs: ours {ours['check']:.5g}, "
                         f"torch {theirs['check']:.5g}")
        lines.append(_row(bench_name, unit, target, ours, theirs))
        print(lines[-1], flush=True)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join([f"## {now}: GPU, {name}", "", _versions(torch),
                         f"- CUDA-event time of {args.steps} steps after {args.warmup} warm-up "
                         f"steps, median of {args.repeats}; the epoch: wall time of the second "
                         "epoch; ratios are of throughputs (higher is better)", "",
                         *lines, "", *notes, ""])
    print("\n" + section)
    if args.write:
        with RESULTS.open("a") as f:
            f.write("\n" + section)
        print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
