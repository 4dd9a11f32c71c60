"""A small conv net with BatchNorm, trained with Adam: batch 64 of 32x32 RGB images, float32.

conv 3x3 (3->16, padding 1), BatchNorm2d, relu, max-pool 2, conv 3x3 (16->32, padding 1),
BatchNorm2d, relu, max-pool 2, flatten, Linear(32*8*8 -> 10), ``nn.CrossEntropyLoss``,
``optim.Adam(lr=1e-3)``: ``zero_grad`` / ``backward`` / ``step``, 10 steps. Written once against
``lib`` (``lib.nn``, ``lib.optim``) with the same initial weights in both libraries. Besides the
convolutions (padded this time), this measures batch norm's forward and backward (batch
statistics, running averages) and Adam's update.
"""

from __future__ import annotations

import importlib

import numpy as np
from bench_lenet import same_weights

NAME = "conv-BN-relu-pool x2 + linear, Adam, batch 64, float32"
UNIT = "10 steps"
TARGET = 2.0  # ours / torch (issue #3)
STEPS = 10
BATCH = 64


def make_net(lib):
    """The network as an ``nn.Sequential`` of ``lib``.

    The convolutions have no bias, as usual before batch norm: it would be subtracted again
    with the batch mean, so its gradient is zero up to rounding, and Adam, which divides by the
    gradient's size, would turn that rounding noise into full-size steps (different in each
    library).
    """
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 10),
    )


def workload(lib, batch: int = BATCH, steps: int = STEPS):
    """Build the net and data in ``lib`` (autograd_lab or torch); return the timed function."""
    importlib.import_module(lib.__name__ + ".nn")
    importlib.import_module(lib.__name__ + ".optim")
    rng = np.random.default_rng(0)
    net = make_net(lib)
    start = same_weights(lib, net, rng)
    params = list(net.parameters())
    buffers = list(net.buffers())  # running mean / var / num_batches_tracked
    start_buffers = [b.detach().clone() for b in buffers]
    inputs = lib.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32))
    labels = lib.tensor(rng.integers(0, 10, size=batch))
    criterion = lib.nn.CrossEntropyLoss()

    def run():
        with lib.no_grad():  # every timed call trains from the same state
            for t, t0 in zip(params + buffers, start + start_buffers):
                t.copy_(t0)
        optimizer = lib.optim.Adam(net.parameters(), lr=1e-3)
        for _ in range(steps):
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
        return [loss] + params + buffers

    return run


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
