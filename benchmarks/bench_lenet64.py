"""CIFAR-10 LeNet training step at batch 64: the tutorial's net of ``bench_lenet.py``.

At this size the im2col copies and the matrix products dominate, not per-op overhead.
"""

from __future__ import annotations

import bench_lenet

NAME = "CIFAR-10 LeNet training step, batch 64, float32"
UNIT = "10 steps"
TARGET = 1.5  # ours / torch (issue #3)
BATCH = 64


def workload(lib):
    """The LeNet step of ``bench_lenet`` at batch 64."""
    return bench_lenet.workload(lib, batch=BATCH)


if __name__ == "__main__":
    import sys

    import run

    sys.exit(run.main(["--only", __file__, *sys.argv[1:]]))
