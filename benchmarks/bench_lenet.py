"""CIFAR-10 LeNet training step (the PyTorch tutorial's code), batch 4, float32.

The tutorial's ``Net(nn.Module)``: conv 3->6 (5x5), relu, max-pool 2, conv 6->16 (5x5), relu,
max-pool 2, ``flatten(x, 1)``, fully connected 400-120-84-10 with relu; ``nn.CrossEntropyLoss``,
``optim.SGD(lr=0.001, momentum=0.9)`` and ``zero_grad`` / ``backward`` / ``step``. Written once
against ``lib`` (``lib.nn``, ``lib.optim``); both libraries start from the same weights (copied
from one seeded NumPy generator). Batch 4 is the tutorial's setting and measures per-op
overhead; ``bench_lenet64.py`` runs batch 64, where the im2col matrix products dominate.
"""

from __future__ import annotations

import importlib

import numpy as np

NAME = "CIFAR-10 LeNet training step, batch 4, float32"
UNIT = "10 steps"
TARGET = 2.0  # ours / torch (issue #3)
STEPS = 10
BATCH = 4


def make_net(lib):
    """The tutorial's ``Net`` class, built against ``lib`` (``autograd_lab`` or ``torch``)."""
    importlib.import_module(lib.__name__ + ".nn")  # autograd_lab.nn is a subpackage
    nn = lib.nn
    F = lib.nn.functional  # noqa: N806 - the tutorial's name

    class Net(nn.Module):
        def __init__(self):
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
            x = lib.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    return Net()


def same_weights(lib, module, rng) -> list:
    """Give every layer with a ``weight`` and ``bias`` the same values in both libraries:
    uniform in ``+-1/sqrt(fan_in)``, PyTorch's default bound, drawn from ``rng``. (Batch norm's
    weight and bias start at one and zero in both libraries already.) Returns copies of all
    parameters, to reset them from before every timed call."""
    with lib.no_grad():
        for layer in module.modules():
            w = getattr(layer, "weight", None)
            if w is None or w.ndim < 2:  # no weight, or batch norm's per-channel scale
                continue
            bound = 1.0 / np.sqrt(int(np.prod(w.shape[1:])))
            for p in (w, getattr(layer, "bias", None)):
                if p is not None:
                    values = rng.uniform(-bound, bound, size=tuple(p.shape))
                    p.copy_(lib.tensor(values.astype(np.float32)))
        return [p.detach().clone() for p in module.parameters()]


def workload(lib, batch: int = BATCH, steps: int = STEPS):
    """Build the net and data in ``lib`` (autograd_lab or torch); return the timed function."""
    importlib.import_module(lib.__name__ + ".optim")
    rng = np.random.default_rng(0)
    net = make_net(lib)
    start = same_weights(lib, net, rng)
    params = list(net.parameters())
    inputs = lib.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32))
    labels = lib.tensor(rng.integers(0, 10, size=batch))
    criterion = lib.nn.CrossEntropyLoss()

    def run():
        with lib.no_grad():  # every timed call trains from the same weights
            for p, p0 in zip(params, start):
                p.copy_(p0)
        optimizer = lib.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
        for _ in range(steps):
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
        return [loss] + params

    return run


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
