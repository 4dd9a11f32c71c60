"""LSTM forward+backward: one layer, 32 -> 64, sequence 20, batch 16, float32.

``lib.nn.LSTM`` on both sides with the same weights (copied from one seeded NumPy generator),
the sum of the output sequence as the loss. Small matrices and a 20-step recurrence: this
measures how little per-step overhead the recurrence costs (ours runs the time loop inside one
graph node, ``autograd_lab.ops.rnn.Recurrence``; PyTorch runs its C++ loop).
"""

from __future__ import annotations

import importlib

import numpy as np

NAME = "LSTM 32->64 forward+backward, seq 20, batch 16, float32"
UNIT = "10 steps"
TARGET = 3.0  # ours / torch
STEPS = 10
SEQ, BATCH, IN, HIDDEN = 20, 16, 32, 64


def workload(lib):
    """Build the LSTM and inputs in ``lib`` (autograd_lab or torch); return the timed function."""
    importlib.import_module(lib.__name__ + ".nn")  # autograd_lab.nn is a subpackage
    rng = np.random.default_rng(0)
    lstm = lib.nn.LSTM(IN, HIDDEN)
    bound = 1.0 / np.sqrt(HIDDEN)
    with lib.no_grad():  # the same initial values for both libraries
        for _, p in lstm.named_parameters():
            values = rng.uniform(-bound, bound, size=tuple(p.shape)).astype(np.float32)
            p.copy_(lib.tensor(values))
    x = lib.tensor(rng.standard_normal((SEQ, BATCH, IN)).astype(np.float32), requires_grad=True)
    params = list(lstm.parameters())

    def run():
        for _ in range(STEPS):
            x.grad = None
            for p in params:
                p.grad = None
            out, (h, c) = lstm(x)
            loss = out.sum()
            loss.backward()
        return [loss, x.grad] + [p.grad for p in params]

    return run


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
