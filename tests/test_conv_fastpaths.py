"""The fast paths of convolution and max pooling against PyTorch.

``tests/nn/test_conv.py`` and ``tests/nn/test_pool.py`` check every option on small inputs,
which fit in one chunk of output rows. Here: many chunks (down to one output row each), the
reused scratch buffer (float64 after float32), an empty batch, and max pooling's
non-overlapping path (assignment instead of ``bincount``) on inputs full of ties (after relu).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
from autograd_lab.ops import _im2col
from autograd_lab.ops import conv as C
from autograd_lab.ops import pool as P

RNG = np.random.default_rng(7)

# (function, input shape, weight shape, keyword arguments): one of each column layout
# (stride 1: junk columns; stride in height only; stride in width), padding and groups.
CASES = [
    ("conv2d", (5, 3, 12, 11), (4, 3, 3, 3), dict(padding=1)),
    ("conv2d", (5, 4, 12, 11), (6, 2, 3, 2), dict(stride=(2, 1), dilation=(1, 2), groups=2)),
    ("conv2d", (5, 3, 12, 11), (4, 3, 3, 3), dict(stride=(1, 2), padding=(0, 1))),
    ("conv2d", (5, 3, 12, 11), (4, 3, 2, 2), dict(stride=3, padding=1)),
    ("conv1d", (5, 4, 13), (6, 4, 3), dict(padding=2, dilation=2)),
    ("conv_transpose2d", (5, 4, 6, 7), (4, 3, 3, 3), dict(stride=2, padding=1,
                                                         output_padding=1)),
]


def _run(lib, fn, x, w, b, kw):
    xs, ws, bs = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
    out = getattr(C if lib is al else lib.nn.functional, fn)(xs, ws, bs, **kw)
    g = np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(x.dtype)
    out.backward(lib.tensor(g))
    return [a.detach().numpy() for a in (out, xs.grad, ws.grad, bs.grad)]


@pytest.mark.torch
@pytest.mark.parametrize("chunk", [1, 3000, _im2col.CHUNK_BYTES])
@pytest.mark.parametrize("case", CASES, ids=[c[0] + str(c[3]) for c in CASES])
def test_chunks_match_torch(monkeypatch, case, chunk):
    """Output and all three gradients, whatever the number of chunks (one output row each,
    a few, or all at once)."""
    torch = require_torch()
    monkeypatch.setattr(_im2col, "CHUNK_BYTES", chunk)
    fn, xshape, wshape, kw = case
    x = RNG.standard_normal(xshape).astype(np.float32)
    w = RNG.standard_normal(wshape).astype(np.float32)
    channels = wshape[0] if fn.startswith("conv") and "transpose" not in fn else wshape[1]
    b = RNG.standard_normal(channels * kw.get("groups", 1) if "transpose" in fn
                            else channels).astype(np.float32)
    for ours, theirs in zip(_run(al, fn, x, w, b, kw), _run(torch, fn, x, w, b, kw),
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_scratch_reused_across_dtypes_and_sizes():
    """The kept scratch buffer serves a float64 call after a float32 one, and a bigger one."""
    x32 = RNG.standard_normal((3, 2, 9, 9)).astype(np.float32)
    w32 = RNG.standard_normal((4, 2, 3, 3)).astype(np.float32)
    ref = C.conv2d(al.tensor(x32.astype(np.float64)), al.tensor(w32.astype(np.float64)))
    C.conv2d(al.tensor(x32), al.tensor(w32))
    out64 = C.conv2d(al.tensor(x32.astype(np.float64)), al.tensor(w32.astype(np.float64)))
    np.testing.assert_array_equal(out64.numpy(), ref.numpy())
    big = RNG.standard_normal((8, 5, 20, 20))
    wbig = RNG.standard_normal((3, 5, 3, 3))
    out = C.conv2d(al.tensor(big), al.tensor(wbig))
    manual = sum(big[:, c, i:i + 18, j:j + 18, None] * wbig[:, c, i, j]
                 for c in range(5) for i in range(3) for j in range(3))
    np.testing.assert_allclose(out.numpy(), manual.transpose(0, 3, 1, 2), rtol=1e-10)


def test_empty_batch():
    x = al.zeros(0, 3, 8, 8, requires_grad=True)
    w = al.ones(4, 3, 3, 3, requires_grad=True)
    out = C.conv2d(x, w, padding=1)
    assert tuple(out.shape) == (0, 4, 8, 8)
    out.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 8, 8)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((4, 3, 3, 3), np.float32))


@pytest.mark.torch
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=3, padding=1),
                                dict(kernel_size=2, stride=3, dilation=2),
                                dict(kernel_size=3, stride=2), dict(kernel_size=2, stride=1)])
def test_max_pool_ties_match_torch(kw):
    """Relu outputs are full of zeros, so windows tie: the gradient goes to the first one."""
    torch = require_torch()
    x = np.maximum(RNG.standard_normal((6, 5, 13, 12)), 0).astype(np.float32)
    x[0, 0] = 0  # a whole plane of ties
    results = []
    for lib, fn in ((al, P.max_pool2d), (torch, torch.nn.functional.max_pool2d)):
        xs = lib.tensor(x, requires_grad=True)
        out, idx = fn(xs, return_indices=True, **kw)
        g = np.linspace(1, 2, out.numel()).reshape(tuple(out.shape)).astype(np.float32)
        out.backward(lib.tensor(g))
        results.append((out.detach().numpy(), idx.numpy(), xs.grad.numpy()))
    (out, idx, grad), (t_out, t_idx, t_grad) = results
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_array_equal(idx, t_idx)
    # Exact where windows do not overlap; overlapping ones sum in another order.
    np.testing.assert_allclose(grad, t_grad, rtol=1e-6)


def test_max_pool_indices_freed_after_backward():
    """The indices are a saved value: gone after backward (retain_graph keeps them)."""
    x = al.tensor(RNG.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    out = P.max_pool2d(x, 2)
    out.sum().backward(retain_graph=True)
    out.sum().backward()  # a second pass works with retain_graph
    np.testing.assert_array_equal(x.grad.numpy().sum(), np.float32(2 * out.numel()))
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()


@pytest.mark.torch
@pytest.mark.parametrize("kw", [dict(kernel_size=2, padding=1),
                                dict(kernel_size=3, padding=1, dilation=2),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_max_pool_all_minus_inf_windows_point_inside(kw):
    """A window of -inf values ties with its -inf padding: its index (and gradient) goes to
    its first position inside the input, as in PyTorch, never into the padding."""
    torch = require_torch()
    x = np.full((1, 2, 5, 6), -np.inf, np.float32)
    x[0, 0, 1, 1] = 1
    x[0, 1, 3, 3] = np.nan
    results = []
    for lib, fn in ((al, P.max_pool2d), (torch, torch.nn.functional.max_pool2d)):
        xs = lib.tensor(x, requires_grad=True)
        out, idx = fn(xs, return_indices=True, **kw)
        out.sum().backward()
        results.append((out.detach().numpy(), idx.numpy(), xs.grad.numpy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)
