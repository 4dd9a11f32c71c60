"""Peak memory of the batch-64 LeNet training step (``bench_lenet64.py``'s workload).

``KIND = "memory"``: ``run.py`` runs the workload once per library in a fresh process and
reports how far the resident set size (RSS) rose above its level just before the call (after a
warm-up call). For PyTorch that is about the activations autograd saves; for us, the same plus
whatever scratch the convolutions need (im2col is done a block of rows at a time so it stays
small).
"""

from __future__ import annotations

import bench_lenet64

KIND = "memory"
NAME = "CIFAR-10 LeNet training, batch 64: peak memory"
UNIT = "peak RSS growth, 10 steps"
TARGET = 1.5  # ours / torch (issue #3)


def workload(lib):
    """The timed function of ``bench_lenet64``."""
    return bench_lenet64.workload(lib)


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
