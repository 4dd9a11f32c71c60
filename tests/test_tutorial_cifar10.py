"""Issue #4 acceptance: the CIFAR-10 classifier program of tutorial 004 runs unchanged, with
autograd_lab for ``torch`` and autograd_lab.vision for ``torchvision``.

The program is ``programs/cifar10_tutorial.py``: the tutorial's complete script
("分类器完整代码示例") restored to what its author meant (``fix:`` comments quote the scraped text),
written against ``import torch`` / ``import torchvision``. ``programs/run_as_torch.py`` runs it
with those names (and every submodule) resolving to autograd_lab, in a subprocess, from a fresh
working directory, as a learner would run it: ``root='./data'`` with ``download=True``,
``DataLoader(num_workers=2)`` (real worker processes), ``make_grid`` + ``plt.imshow``
(matplotlib's Agg backend, so ``plt.show()`` draws nothing), 2 epochs of SGD printing the loss
every 2000 mini-batches, ``torch.save``/``torch.load`` of the state_dict, test accuracy overall
and per class.

Tests
-----
- ``test_runner_aliases[fork|spawn|forkserver]``: the runner's aliases hold in the main process
  and in DataLoader workers, whatever the start method, for a Dataset defined in the script (a
  ``spawn`` worker unpickles it only after re-running the script, whose ``import torch`` must
  resolve to autograd_lab there too). No real PyTorch is imported anywhere.
- ``test_program_on_synthetic_cifar[fork|spawn]`` (no data needed, every clone; ``spawn`` is
  ``slow``): the program downloads a small CIFAR-10 (200 training, 100 test images, official
  Python 2 pickle format, packed as ``cifar-10-python.tar.gz``) from a ``file://`` mirror
  (``AUTOGRAD_LAB_DATASETS_MIRROR``) and runs to the end. The archive's md5 can't be the
  official one, so the md5 check is off (``AUTOGRAD_LAB_DATASETS_CHECK_INTEGRITY=0``): the
  download itself (fetch, rename, extract) is exercised, the checksum comparison is not; the
  next test covers it.
- ``test_program_refuses_a_wrong_checksum``: the same mirror with the md5 check on: the program
  stops at ``CIFAR10(..., download=True)`` with the checksum error and leaves no file behind.
- ``test_program_on_real_cifar10[fork|spawn]`` (``data``, ``slow``): the whole program on the
  50,000 + 10,000 images of ``shared/data/cifar-10-batches-py`` (linked as
  ``./data/cifar-10-batches-py``; its md5 differ from the official files, hence the same
  environment variable): the loss goes down, the accuracy is well above chance.

Every run checks the program's whole printed output line by line (``print(net)``, labels,
device, loss lines, "Finished Training", GroundTruth/Predicted, accuracy and the 10 per-class
lines), and that ``./cifar_net.pth`` loads with ``autograd_lab.load`` into the same network,
whose predictions on the test set, recomputed here, give exactly the printed GroundTruth,
Predicted, accuracy and per-class accuracies.

The program imports ``matplotlib.pyplot``: without matplotlib (``viz`` and ``lab`` extras) these
tests skip.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA_DIR

import autograd_lab as al
from autograd_lab import nn
from autograd_lab.nn import functional as F
from autograd_lab.vision import datasets, transforms

sys.path.insert(0, str(Path(__file__).parent / "vision"))  # the writers of the real formats
from _vision_formats import CIFAR10_CLASSES, dump_cifar_entry, make_tar_gz  # noqa: E402

PROGRAMS = Path(__file__).parent / "programs"
RUNNER = PROGRAMS / "run_as_torch.py"
PROGRAM = PROGRAMS / "cifar10_tutorial.py"
PROBE = PROGRAMS / "alias_probe.py"

CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
OFFICIAL_TGZ_MD5 = "c58f30108f718f92721af3b95e74349a"
#: Seconds a run may take. Measured on a shared 2-core machine (load ~2.5): the synthetic runs
#: 5 s (fork) and 13 s (spawn); the real one 80 s (fork) and 100 s (spawn).
SHORT_TIMEOUT = 180
LONG_TIMEOUT = 900

needs_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None,
    reason="the tutorial's program imports matplotlib.pyplot: pip install matplotlib "
           "(it is in the viz and lab extras)")

NET_REPR = """\
Net(
  (conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
  (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)"""


# ----------------------------------------------------------------------------- running
def run_script(script: Path, workdir: Path, start_method: str | None = None,
               timeout: float = SHORT_TIMEOUT, **env_vars: str) -> subprocess.CompletedProcess:
    """``python run_as_torch.py script`` in ``workdir`` with matplotlib's Agg backend."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AUTOGRAD_LAB_DATASETS_", "RUN_AS_TORCH_"))}
    env.update(MPLBACKEND="Agg", PYTHONUNBUFFERED="1", **env_vars)
    if start_method is not None:
        env["RUN_AS_TORCH_START_METHOD"] = start_method
    return subprocess.run([sys.executable, str(RUNNER), str(script)], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=timeout)


def explain(proc: subprocess.CompletedProcess) -> str:
    return f"exit code {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


# ----------------------------------------------------------------------------- the output
@dataclass
class Printed:
    """What the program printed, parsed; ``parse`` checks every line's form."""

    train_labels: list[str]
    losses: list[tuple[int, int, float]]
    ground_truth: list[str]
    predicted: list[str]
    accuracy: int
    class_accuracy: dict[str, int]


def _names(text: str) -> list[str]:
    """Four class names as printed by ``'%5s' % name`` (joined by '' or ' ')."""
    names = text.split()
    assert len(names) == 4 and all(n in CLASSES for n in names), text
    return names


def parse(stdout: str, n_batches: int) -> Printed:
    """Check the program's output line by line (``n_batches``: training mini-batches per epoch,
    which fixes the number of loss lines) and return its values."""
    lines = stdout.splitlines()
    n_net = NET_REPR.count("\n") + 1
    assert "\n".join(lines[:n_net]) == NET_REPR
    lines = lines[n_net:]
    # ''.join('%5s' % classes[labels[j]] ...): four right-aligned 5-character fields
    assert len(lines[0]) == 20, lines[0]
    train_labels = [lines[0][k:k + 5].strip() for k in range(0, 20, 5)]
    assert all(n in CLASSES for n in train_labels), lines[0]
    # print(device); print(next(net.parameters()).device)
    assert lines[1] == lines[2] == ("cuda:0" if al.cuda.is_available() else "cpu"), lines[1:3]
    n_loss = 2 * (n_batches // 2000)
    losses = []
    for line in lines[3:3 + n_loss]:
        m = re.fullmatch(r"\[(\d), +(\d+)\] loss: (\d+\.\d{3})", line)
        assert m, line
        losses.append((int(m[1]), int(m[2]), float(m[3])))
    assert [(e, i) for e, i, _ in losses] == [
        (e, i) for e in (1, 2) for i in range(2000, n_batches + 1, 2000)]
    rest = lines[3 + n_loss:]
    assert rest[0] == "Finished Training"
    assert rest[1].startswith("GroundTruth:  ") and rest[2].startswith("Predicted:  "), rest[1:3]
    m = re.fullmatch(r"Accuracy of the network on the 10000 test images: (\d+) %", rest[3])
    assert m, rest[3]
    class_accuracy = {}
    for name, line in zip(CLASSES, rest[4:14]):
        m2 = re.fullmatch(r"Accuracy of +(\w+) : +(\d+) %", line)
        assert m2 and m2[1] == name and line.startswith(f"Accuracy of {name:>5s} :"), line
        class_accuracy[name] = int(m2[2])
    assert len(rest) == 14, rest[14:]
    return Printed(train_labels, losses, _names(rest[1][len("GroundTruth: "):]),
                   _names(rest[2][len("Predicted: "):]), int(m[1]), class_accuracy)


# ----------------------------------------------------------------------------- recomputing
class Net(nn.Module):
    """The tutorial's network (defined inside its main(), so not importable from it)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def check_saved_net(workdir: Path, root: Path, printed: Printed) -> None:
    """``./cifar_net.pth`` loads into the tutorial's Net, and its test-set predictions (made
    here as the program makes them: batches of 4, unshuffled) are what the program printed."""
    path = workdir / "cifar_net.pth"
    assert path.is_file()
    state = al.load(path)
    assert {k: tuple(v.shape) for k, v in state.items()} == {
        "conv1.weight": (6, 3, 5, 5), "conv1.bias": (6,), "conv2.weight": (16, 6, 5, 5),
        "conv2.bias": (16,), "fc1.weight": (120, 400), "fc1.bias": (120,),
        "fc2.weight": (84, 120), "fc2.bias": (84,), "fc3.weight": (10, 84), "fc3.bias": (10,)}
    net = Net()
    net.load_state_dict(state)
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    testset = datasets.CIFAR10(root, train=False, transform=transform, check_integrity=False)
    loader = al.utils.data.DataLoader(testset, batch_size=4, shuffle=False)
    predicted = []
    with al.no_grad():
        for images, _ in loader:
            predicted.append(al.max(net(images), 1)[1].numpy())
    predicted = np.concatenate(predicted)
    targets = np.asarray(testset.targets)
    assert printed.ground_truth == [CLASSES[t] for t in targets[:4]]
    assert printed.predicted == [CLASSES[p] for p in predicted[:4]]
    correct = predicted == targets
    assert printed.accuracy == int(100 * correct.sum() / len(targets))
    assert printed.class_accuracy == {
        name: int(100 * correct[targets == c].sum() / (targets == c).sum())
        for c, name in enumerate(CLASSES)}


# ----------------------------------------------------------------------------- the runner
@pytest.mark.parametrize("start_method", ["fork", "spawn", "forkserver"])
def test_runner_aliases(tmp_path, start_method):
    proc = run_script(PROBE, tmp_path, start_method)
    assert proc.returncode == 0, explain(proc)
    lines = proc.stdout.splitlines()
    assert lines[0] == f"start method: {start_method}"
    main_pid = re.fullmatch(r"main: pid=(\d+) ok=True failed=", lines[1])
    assert main_pid, explain(proc)
    assert [ln for ln in lines if ln.startswith("batch:")] == [
        "batch: [0.0, 1.0]", "batch: [2.0, 3.0]"]
    workers = [re.fullmatch(r"worker: pid=(\d+) ok=True failed=", ln)
               for ln in lines if ln.startswith("worker:")]
    assert len(workers) == 4 and all(workers), explain(proc)
    pids = {w[1] for w in workers}
    assert len(pids) == 2 and main_pid[1] not in pids  # two real worker processes


# ----------------------------------------------------------------------------- synthetic
N_TRAIN_PER_BATCH, N_TEST = 40, 100  # 5 x 40 = 200 training images, 50 mini-batches of 4


@pytest.fixture(scope="module")
def cifar_mirror(tmp_path_factory) -> tuple[Path, Path]:
    """A folder holding a small ``cifar-10-python.tar.gz`` in the official format (Python 2
    pickles, the official layout), and the unpacked folder it was made from.

    Labels are balanced (every class 10 times in the test batch), so every per-class accuracy
    is defined. Images are noise tinted by their class, so there is something to learn."""
    base = tmp_path_factory.mktemp("cifar_mirror")
    folder = base / "src" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(4)
    tint = rng.integers(0, 256, (10, 3, 1))
    for name, n in [*((f"data_batch_{i}", N_TRAIN_PER_BATCH) for i in range(1, 6)),
                    ("test_batch", N_TEST)]:
        labels = [int(v) for v in rng.permutation(np.arange(n) % 10)]
        noise = rng.integers(0, 256, (n, 3, 1024))
        data = ((noise + tint[labels]) // 2).astype(np.uint8).reshape(n, 3072)
        dump_cifar_entry(folder / name, {
            "batch_label": f"{name.replace('_', ' ')} of 5", "labels": labels, "data": data,
            "filenames": [f"synthetic_{name}_{k}.png" for k in range(n)]}, "py2")
    dump_cifar_entry(folder / "batches.meta", {"num_cases_per_batch": N_TRAIN_PER_BATCH,
                                               "label_names": CIFAR10_CLASSES,
                                               "num_vis": 3072}, "py2")
    mirror = base / "mirror"
    mirror.mkdir()
    assert make_tar_gz(mirror / "cifar-10-python.tar.gz", folder) != OFFICIAL_TGZ_MD5
    return mirror, folder


@needs_matplotlib
@pytest.mark.parametrize("start_method", [
    "fork",
    # 13-20 s: each of the program's 6 loader iterators starts 2 workers that re-run the script
    # (imports of autograd_lab and matplotlib); test_runner_aliases[spawn] covers the mechanism
    # in the fast suite
    pytest.param("spawn", marks=pytest.mark.slow),
])
def test_program_on_synthetic_cifar(tmp_path, cifar_mirror, start_method):
    mirror, src = cifar_mirror
    proc = run_script(PROGRAM, tmp_path, start_method,
                      AUTOGRAD_LAB_DATASETS_MIRROR=mirror.as_uri(),
                      AUTOGRAD_LAB_DATASETS_CHECK_INTEGRITY="0")
    assert proc.returncode == 0, explain(proc)
    # download=True fetched the archive from the mirror and unpacked it into ./data
    data = tmp_path / "data"
    archive = data / "cifar-10-python.tar.gz"
    assert archive.read_bytes() == (mirror / archive.name).read_bytes()
    assert sorted(p.name for p in data.iterdir()) == ["cifar-10-batches-py", archive.name]
    for f in src.iterdir():
        assert (data / src.name / f.name).read_bytes() == f.read_bytes(), f.name
    printed = parse(proc.stdout, n_batches=5 * N_TRAIN_PER_BATCH // 4)
    assert printed.losses == []  # 50 mini-batches per epoch: no 2000th
    check_saved_net(tmp_path, data, printed)
    assert sum(printed.class_accuracy.values()) / 10 == printed.accuracy  # 10 images per class


@needs_matplotlib
def test_program_refuses_a_wrong_checksum(tmp_path, cifar_mirror):
    """With the md5 check on (the default), the synthetic archive is not the official one:
    the download fails, as a learner's would from a wrong mirror, and leaves nothing."""
    mirror, _ = cifar_mirror
    proc = run_script(PROGRAM, tmp_path, AUTOGRAD_LAB_DATASETS_MIRROR=mirror.as_uri())
    assert proc.returncode == 1, explain(proc)
    assert proc.stdout == NET_REPR + "\n"  # it stopped at trainset = CIFAR10(..., download=True)
    assert "Checksum mismatch for cifar-10-python.tar.gz" in proc.stderr, explain(proc)
    assert f"expected md5 {OFFICIAL_TGZ_MD5}" in proc.stderr
    assert list((tmp_path / "data").iterdir()) == []  # no archive, no .part, nothing unpacked


# ----------------------------------------------------------------------------- real data
@needs_matplotlib
@pytest.mark.data
@pytest.mark.slow
@pytest.mark.timeout(LONG_TIMEOUT + 120)  # the checks after the run take ~15 s
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_program_on_real_cifar10(tmp_path, start_method):
    data = tmp_path / "data"
    data.mkdir()
    (data / "cifar-10-batches-py").symlink_to(DATA_DIR / "cifar-10-batches-py")
    start = time.monotonic()
    proc = run_script(PROGRAM, tmp_path, start_method, timeout=LONG_TIMEOUT,
                      AUTOGRAD_LAB_DATASETS_CHECK_INTEGRITY="0")
    seconds = time.monotonic() - start
    assert proc.returncode == 0, explain(proc)
    print(f"\n{start_method}: the program ran {seconds:.0f} s; load {os.getloadavg()}")
    print(proc.stdout)
    assert os.listdir(data) == ["cifar-10-batches-py"]  # download=True found the files
    printed = parse(proc.stdout, n_batches=50000 // 4)
    losses = [loss for _, _, loss in printed.losses]
    # 6 lines per epoch; the tutorial (PyTorch) shows 2.2 falling to 1.3. Measured here (fork
    # and spawn alike; autograd_lab's default generator starts from a fixed seed):
    # 2.188 1.838 1.682 1.576 1.494 1.485 | 1.426 1.394 1.350 1.345 1.320 1.301, accuracy 55 %.
    assert 2.0 < losses[0] < 2.31  # ln 10 = 2.30: chance
    assert losses[-1] < 1.55 and losses[-1] < losses[0] - 0.5
    assert np.mean(losses[6:]) < np.mean(losses[:6]) - 0.15
    assert sum(b < a for a, b in zip(losses, losses[1:])) >= 8  # mostly going down
    # The tutorial reports 54 %; chance is 10 %.
    assert printed.accuracy >= 45, printed
    # Single classes vary a lot with the seed (measured: cat 6 %, frog 76 %).
    assert sum(acc > 20 for acc in printed.class_accuracy.values()) >= 7, printed.class_accuracy
    check_saved_net(tmp_path, DATA_DIR, printed)
