"""Small ops: per-op overhead of building a graph and backpropagating through it.

On 16-element tensors the arithmetic is free, so this measures pure Python overhead:
``Function.apply``, graph nodes, the backward engine, gradient accumulation.
"""

from __future__ import annotations

import numpy as np

NAME = "small ops: x*w+b, (a*a).sum().backward(), 16 x float32"
UNIT = "1000 iterations"
TARGET = 2.0  # ours / torch
ITERATIONS = 1000


def workload(lib):
    """Build the inputs in ``lib`` (autograd_lab or torch); return the timed function."""
    rng = np.random.default_rng(0)
    x, w, b = (
        lib.tensor(rng.standard_normal(16).astype(np.float32), requires_grad=True) for _ in range(3)
    )

    def run():
        for _ in range(ITERATIONS):
            x.grad = w.grad = b.grad = None  # what optimizer.zero_grad() does by default
            a = x * w + b
            (a * a).sum().backward()
        return [x.grad, w.grad, b.grad]

    return run


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
