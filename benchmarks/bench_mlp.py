"""MLP training step: a 3072-256-10 network (CIFAR-10 sized inputs), batch 128, float32.

Forward and backward written with tensor ops only, the way a lesson writes it before nn.Module:
``@``, ``relu``, ``log_softmax`` and an indexed negative log-likelihood. Dominated by the
matrix multiplies, so this measures how close the engine gets to the BLAS both libraries call.
"""

from __future__ import annotations

import numpy as np

NAME = "MLP 3072-256-10 forward+backward, batch 128, float32"
UNIT = "10 steps"
TARGET = 1.5  # ours / torch
STEPS = 10
BATCH, IN, HIDDEN, OUT = 128, 3072, 256, 10


def workload(lib):
    """Build the inputs in ``lib`` (autograd_lab or torch); return the timed function."""
    rng = np.random.default_rng(0)

    def weight(fan_in, *shape):  # the same initial values for both libraries
        bound = 1.0 / np.sqrt(fan_in)
        values = rng.uniform(-bound, bound, size=shape).astype(np.float32)
        return lib.tensor(values, requires_grad=True)

    x = lib.tensor(rng.standard_normal((BATCH, IN)).astype(np.float32))
    y = lib.tensor(rng.integers(0, OUT, size=BATCH))
    W1, b1 = weight(IN, IN, HIDDEN), weight(IN, HIDDEN)
    W2, b2 = weight(HIDDEN, HIDDEN, OUT), weight(HIDDEN, OUT)
    params = [W1, b1, W2, b2]
    rows = lib.arange(BATCH)

    def run():
        for _ in range(STEPS):
            for p in params:
                p.grad = None
            h = (x @ W1 + b1).relu()
            logits = h @ W2 + b2
            loss = -(logits.log_softmax(dim=1)[rows, y]).mean()
            loss.backward()
        return [loss] + [p.grad for p in params]

    return run


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
