"""CIFAR-10 LeNet training step (the PyTorch tutorial's net), batch 4, float32.

conv 3->6 (5x5), relu, max-pool 2, conv 6->16 (5x5), relu, max-pool 2, flatten, fully
connected 400-120-84-10 with relu, cross-entropy (``log_softmax`` + indexed NLL), backward and a
hand-written SGD step. Built from functional ops only (``conv2d``, ``max_pool2d``, ``linear``) so
it does not depend on ``nn.Module``; both libraries start from the same weights. Batch 4 is the
tutorial's setting and measures per-op overhead; ``bench_lenet64.py`` runs batch 64, where the
im2col matrix products dominate.
"""

from __future__ import annotations

import numpy as np

NAME = "CIFAR-10 LeNet training step, batch 4, float32"
UNIT = "10 steps"
TARGET = 2.0  # ours / torch (issue #3)
STEPS = 10
BATCH = 4
LR = 0.01
SHAPES = {  # name: (shape, fan_in), PyTorch's default init bound 1/sqrt(fan_in)
    "conv1.weight": ((6, 3, 5, 5), 75), "conv1.bias": ((6,), 75),
    "conv2.weight": ((16, 6, 5, 5), 150), "conv2.bias": ((16,), 150),
    "fc1.weight": ((120, 400), 400), "fc1.bias": ((120,), 400),
    "fc2.weight": ((84, 120), 120), "fc2.bias": ((84,), 120),
    "fc3.weight": ((10, 84), 84), "fc3.bias": ((10,), 84),
}


def functional(lib):
    """``(conv2d, max_pool2d, linear)`` of ``lib``."""
    if lib.__name__ == "torch":
        import torch.nn.functional as F  # noqa: N812

        return F.conv2d, F.max_pool2d, F.linear
    from autograd_lab.ops.conv import conv2d
    from autograd_lab.ops.linalg import linear
    from autograd_lab.ops.pool import max_pool2d

    return conv2d, max_pool2d, linear


def workload(lib, batch: int = BATCH):
    """Build the inputs in ``lib`` (autograd_lab or torch); return the timed function."""
    rng = np.random.default_rng(0)
    conv2d, max_pool2d, linear = functional(lib)
    p = {}
    for name, (shape, fan_in) in SHAPES.items():
        bound = 1.0 / np.sqrt(fan_in)
        values = rng.uniform(-bound, bound, size=shape).astype(np.float32)
        p[name] = lib.tensor(values, requires_grad=True)
    params = list(p.values())
    start = [t.detach().clone() for t in params]  # every timed call trains from here
    x = lib.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, size=batch))
    rows = lib.arange(batch)

    def run():
        with lib.no_grad():
            for t, t0 in zip(params, start):
                t.copy_(t0)
        for _ in range(STEPS):
            for t in params:
                t.grad = None
            h = max_pool2d(conv2d(x, p["conv1.weight"], p["conv1.bias"]).relu(), 2)
            h = max_pool2d(conv2d(h, p["conv2.weight"], p["conv2.bias"]).relu(), 2)
            h = h.flatten(1)
            h = linear(h, p["fc1.weight"], p["fc1.bias"]).relu()
            h = linear(h, p["fc2.weight"], p["fc2.bias"]).relu()
            logits = linear(h, p["fc3.weight"], p["fc3.bias"])
            loss = -(logits.log_softmax(dim=1)[rows, y]).mean()
            loss.backward()
            with lib.no_grad():
                for t in params:
                    t.sub_(LR * t.grad)
        return [loss] + params

    return run


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
