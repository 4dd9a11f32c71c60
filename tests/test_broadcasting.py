"""Property tests: broadcasting in forward and the engine's un-broadcasting in backward.

For random pairs of broadcast-compatible shapes, a binary op's result must match NumPy, and
each input's gradient must equal the upstream gradient times the local derivative, summed over
the broadcast dimensions back to the input's shape (and match PyTorch when it is installed).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lab as al

# op name -> (forward on arrays, d/da, d/db)
OPS = {
    "add": (np.add, lambda a, b: np.ones_like(a * b), lambda a, b: np.ones_like(a * b)),
    "sub": (np.subtract, lambda a, b: np.ones_like(a * b), lambda a, b: -np.ones_like(a * b)),
    "mul": (np.multiply, lambda a, b: b * np.ones_like(a), lambda a, b: a * np.ones_like(b)),
    "div": (np.divide, lambda a, b: 1 / b * np.ones_like(a), lambda a, b: -a / b**2),
}


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: drop leading dims and set some dims to 1."""
    full = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    shapes = []
    for _ in range(2):
        drop = draw(st.integers(0, len(full)))
        shape = [1 if draw(st.booleans()) else s for s in full[drop:]]
        shapes.append(tuple(shape))
    return shapes[0], shapes[1]


def _reduce_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast gradient back to ``shape`` (the reference for the engine's rule)."""
    lead = grad.ndim - len(shape)
    g = grad.sum(axis=tuple(range(lead))) if lead else grad
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


@pytest.mark.parametrize("op", sorted(OPS))
@given(shapes=broadcast_pair(), seed=st.integers(0, 2**16))
def test_binary_broadcast_forward_and_gradients(op, shapes, seed):
    fwd, da, db = OPS[op]
    rng = np.random.default_rng(seed)
    a_np = rng.uniform(0.5, 2.0, shapes[0])
    b_np = rng.uniform(0.5, 2.0, shapes[1])
    a = al.tensor(a_np, requires_grad=True)
    b = al.tensor(b_np, requires_grad=True)
    out = getattr(al, op)(a, b)
    np.testing.assert_allclose(out.detach().numpy(), fwd(a_np, b_np), rtol=1e-12)
    up = rng.standard_normal(out.shape)
    out.backward(al.tensor(up))
    np.testing.assert_allclose(a.grad.numpy(), _reduce_to(up * da(a_np, b_np), shapes[0]),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), _reduce_to(up * db(a_np, b_np), shapes[1]),
                               rtol=1e-10, atol=1e-12)
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@pytest.mark.torch
@pytest.mark.parametrize("op", sorted(OPS))
@given(shapes=broadcast_pair(), seed=st.integers(0, 2**16))
def test_binary_broadcast_matches_torch(op, shapes, seed):
    from conftest import require_torch

    torch = require_torch()
    rng = np.random.default_rng(seed)
    a_np = rng.uniform(0.5, 2.0, shapes[0]).astype(np.float32)
    b_np = rng.uniform(0.5, 2.0, shapes[1]).astype(np.float32)
    results = []
    for lib in (al, torch):
        a = lib.tensor(a_np, requires_grad=True)
        b = lib.tensor(b_np, requires_grad=True)
        out = getattr(lib, op)(a, b)
        (out * out).sum().backward()
        results.append((out.detach().numpy(), a.grad.numpy(), b.grad.numpy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@given(shapes=broadcast_pair())
def test_incompatible_shapes_raise_torch_message(shapes):
    a_shape, b_shape = shapes
    # Make the last dims clash when both have one that is not 1.
    if not a_shape or not b_shape:
        return
    bad = b_shape[:-1] + (a_shape[-1] + 1 if a_shape[-1] != 1 else 2,)
    if a_shape[-1] == 1:
        return
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(\d+\) must match the size "
                                           r"of tensor b \(\d+\) at non-singleton dimension"):
        al.ones(a_shape) + al.ones(bad)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), seed=st.integers(0, 999))
def test_expand_then_reduce_gradient(shape, seed):
    """Gradients through expand/sum_to_size: expanding then summing is the identity map."""
    rng = np.random.default_rng(seed)
    small = tuple(1 if rng.random() < 0.5 else s for s in shape)
    x = al.tensor(rng.standard_normal(small), requires_grad=True)
    y = x.expand(*shape) * 2.0
    y.sum().backward()
    factor = int(np.prod(shape)) // int(np.prod(small))
    np.testing.assert_allclose(x.grad.numpy(), np.full(small, 2.0 * factor))
