"""``get_num_threads`` / ``set_num_threads`` (autograd_lab/_threads.py): PyTorch's API, BLAS's
thread count behind it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from threadpoolctl import threadpool_info

import autograd_lab as torch


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_set_num_threads_sets_blas(restore_threads, n):
    torch.set_num_threads(n)
    assert torch.get_num_threads() == n
    assert _blas_threads() and all(count == n for count in _blas_threads())


@pytest.mark.parametrize("value, message", [
    (0, "set_num_threads expects a positive integer"),
    (-2, "set_num_threads expects a positive integer"),
    (1.5, "set_num_threads expects an int, but got float"),
    ("2", "set_num_threads expects an int, but got str"),
    (True, "set_num_threads expects an int, but got bool"),
])
def test_set_num_threads_rejects(restore_threads, value, message):
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match=message):
        torch.set_num_threads(value)
    assert torch.get_num_threads() == before


@pytest.mark.torch
@pytest.mark.parametrize("value", [0, -1, 1.5, "a"])
def test_set_num_threads_errors_match_torch(value):
    from conftest import require_torch

    reference = require_torch()
    with pytest.raises(RuntimeError) as ours:
        torch.set_num_threads(value)
    with pytest.raises(RuntimeError) as theirs:
        reference.set_num_threads(value)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("env, expected", [("3", "3"), ("1", "1")])
def test_default_follows_omp_num_threads(env, expected):
    code = "import autograd_lab as t; print(t.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, OMP_NUM_THREADS=env),
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == expected
