"""Intra-op parallelism (autograd_lab/_parallel.py): results do not depend on the thread count.

Each case runs an op forward and backward on one thread and again split over two threads
(the minimum work per thread lowered so that even small inputs split), and compares outputs
and gradients. Ops that split over independent images or channels must agree exactly; a
convolution's matrix products go through BLAS, whose kernels may round differently for a
matrix of another width, so they agree to float32 rounding.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from autograd_lab import _parallel


@pytest.fixture
def split_everything(monkeypatch):
    """Two threads, and every op large enough to split; restores the thread count after."""
    before = torch.get_num_threads()
    monkeypatch.setattr(_parallel, "MIN_MULTIPLY_ADDS", 1)
    monkeypatch.setattr(_parallel, "MIN_ELEMENTS", 1)
    yield
    torch.set_num_threads(before)


def _bn_train(x, w, b):
    return F.batch_norm(x, torch.zeros(x.shape[1]), torch.ones(x.shape[1]), w, b, training=True)


def _bn_eval(x, w, b):
    return F.batch_norm(x, torch.full((x.shape[1],), 0.3), torch.full((x.shape[1],), 2.0), w, b)


# name, function of (input, *params), input shape, param shapes, exact
CASES = [
    ("conv2d pad 1", lambda x, w: F.conv2d(x, w, padding=1), (6, 3, 9, 9), [(5, 3, 3, 3)], False),
    ("conv2d stride 2", lambda x, w: F.conv2d(x, w, stride=2), (5, 4, 11, 11), [(6, 4, 3, 3)],
     False),
    ("conv2d dilation 2", lambda x, w: F.conv2d(x, w, dilation=2), (4, 2, 10, 10),
     [(3, 2, 3, 3)], False),
    ("conv2d groups 2", lambda x, w: F.conv2d(x, w, groups=2, padding=1), (4, 4, 7, 7),
     [(6, 2, 3, 3)], False),
    ("conv1d", lambda x, w: F.conv1d(x, w, padding=2), (5, 3, 17), [(4, 3, 5)], False),
    ("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2), (3, 4, 6, 6),
     [(4, 5, 3, 3)], False),
    ("max_pool2d 2x2", lambda x: F.max_pool2d(x, 2), (5, 3, 8, 8), [], True),
    ("max_pool2d overlapping, padded", lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
     (5, 3, 9, 9), [], True),
    ("relu", F.relu, (7, 3, 5, 5), [], True),
    ("relu 0-d", F.relu, (), [], True),
    ("batch_norm train", _bn_train, (6, 5, 4, 4), [(5,), (5,)], True),
    ("batch_norm train (N, C)", _bn_train, (9, 4), [(4,), (4,)], True),
    ("batch_norm eval", _bn_eval, (6, 5, 4, 4), [(5,), (5,)], True),
]


def _run(fn, arrays):
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    (out * torch.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape)
                        .astype(out.dtype.name))).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, fn, shape, params, exact", CASES, ids=[c[0] for c in CASES])
def test_same_result_on_one_and_two_threads(split_everything, name, fn, shape, params, exact,
                                            dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [shape, *params]]
    torch.set_num_threads(1)
    one = _run(fn, arrays)
    torch.set_num_threads(2)
    two = _run(fn, arrays)
    for a, b in zip(one, two):
        if exact:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                       atol=1e-6 if dtype == np.float32 else 1e-12)


def test_split_follows_the_work(monkeypatch):
    monkeypatch.setattr(_parallel, "_num_threads", 4)
    assert _parallel.split(np, 64, 1e9) == [slice(0, 16), slice(16, 32), slice(32, 48),
                                             slice(48, 64)]
    assert _parallel.split(np, 3, 1e9) == [slice(0, 1), slice(1, 2), slice(2, 3)]
    # Enough work for two threads only.
    assert len(_parallel.split(np, 64, 2.5 * _parallel.MIN_MULTIPLY_ADDS)) == 2
    assert _parallel.split(np, 64, 10) == [...]
    assert _parallel.split(np, 0, 1e9) == [...]


def test_worker_exception_reaches_the_caller(split_everything):
    torch.set_num_threads(2)

    def fail_second(s):
        if s.start:
            raise ValueError("from the second slice")
        return s

    with pytest.raises(ValueError, match="from the second slice"):
        _parallel.run_slices(fail_second, _parallel.split(np, 4, 1e9))


@pytest.mark.parametrize("value, message", [
    (0, "set_num_threads expects a positive integer"),
    (-2, "set_num_threads expects a positive integer"),
    (1.5, "set_num_threads expects an int, but got float"),
    ("2", "set_num_threads expects an int, but got str"),
])
def test_set_num_threads_rejects(value, message):
    with pytest.raises(RuntimeError, match=message):
        torch.set_num_threads(value)


@pytest.mark.torch
def test_set_num_threads_errors_match_torch():
    from conftest import require_torch

    reference = require_torch()
    for value in (0, 1.5):
        with pytest.raises(RuntimeError) as ours:
            torch.set_num_threads(value)
        with pytest.raises(RuntimeError) as theirs:
            reference.set_num_threads(value)
        assert str(ours.value) == str(theirs.value)


def test_default_follows_omp_num_threads():
    code = "import autograd_lab as t; print(t.get_num_threads())"
    env = dict(os.environ, OMP_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "3"


def _conv_in_child(queue):
    x = torch.ones(4, 2, 6, 6)
    queue.put(float(F.conv2d(x, torch.ones(3, 2, 3, 3)).sum()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_gets_a_new_pool(split_everything):
    """After fork the child has none of the parent's threads; a split op must still finish."""
    torch.set_num_threads(2)
    F.conv2d(torch.ones(4, 2, 6, 6), torch.ones(3, 2, 3, 3))  # the parent's pool now exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_conv_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 4 * 3 * 16 * 18.0
