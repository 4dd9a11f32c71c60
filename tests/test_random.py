"""Random numbers: seeding, ``Generator`` objects, default dtypes and distribution sanity.

The numbers are autograd_lab's own (NumPy's PCG64), not PyTorch's, so nothing here compares
values with PyTorch: the promise is reproducibility within autograd_lab, as PyTorch promises
for itself. Argument errors are compared with PyTorch in test_creation.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lab as al

SAMPLERS = {
    "rand": lambda g=None: al.rand(3, 4, generator=g),
    "randn": lambda g=None: al.randn(3, 4, generator=g),
    "randint": lambda g=None: al.randint(0, 100, (12,), generator=g),
    "randint_high_only": lambda g=None: al.randint(100, (12,), generator=g),
    "randperm": lambda g=None: al.randperm(20, generator=g),
    "normal_": lambda g=None: al.empty(12).normal_(2.0, 3.0, generator=g),
    "uniform_": lambda g=None: al.empty(12).uniform_(-1.0, 1.0, generator=g),
    "rand_like": lambda g=None: al.rand_like(al.ones(5), generator=g),
    "randn_like": lambda g=None: al.randn_like(al.ones(5), generator=g),
    "randint_like": lambda g=None: al.randint_like(al.ones(5), 10, generator=g),
}


@pytest.fixture(autouse=True)
def _restore_default_generator():
    state = al.get_rng_state()
    yield
    al.set_rng_state(state)


@pytest.mark.parametrize("name", SAMPLERS)
def test_manual_seed_reproduces(name):
    draw = SAMPLERS[name]
    al.manual_seed(0)
    first = draw()
    second = draw()
    al.manual_seed(0)
    assert draw().tolist() == first.tolist()
    assert draw().tolist() == second.tolist()
    assert first.tolist() != second.tolist()


@pytest.mark.parametrize("name", SAMPLERS)
def test_generator_argument_is_independent_of_global_state(name):
    draw = SAMPLERS[name]
    a = draw(al.Generator().manual_seed(7))
    al.manual_seed(123)
    al.rand(10)  # disturbs the default generator only
    b = draw(al.Generator().manual_seed(7))
    assert a.tolist() == b.tolist()


def test_generator_api():
    g = al.Generator()
    assert g.initial_seed() == 67280421310721  # PyTorch's default seed
    assert g.device == al.device("cpu")
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert al.Generator().manual_seed(-1).initial_seed() == 2**64 - 1  # wraps like PyTorch
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    assert al.manual_seed(3) is al.default_generator and al.initial_seed() == 3


def test_state_round_trip():
    g = al.Generator().manual_seed(11)
    al.rand(3, generator=g)
    state = g.get_state()
    assert state.dtype is al.uint8 and state.ndim == 1
    first = al.randn(5, generator=g)
    g.set_state(state)
    assert al.randn(5, generator=g).tolist() == first.tolist()
    assert g.initial_seed() == 11
    # the global functions work on the default generator
    saved = al.get_rng_state()
    x = al.rand(4)
    al.set_rng_state(saved)
    assert al.rand(4).tolist() == x.tolist()


def test_state_errors():
    g = al.Generator()
    with pytest.raises(TypeError, match="expected a autograd_lab.ByteTensor, but got list"):
        g.set_state([1])
    with pytest.raises(TypeError, match="RNG state must be a autograd_lab.ByteTensor"):
        g.set_state(al.zeros(3))
    with pytest.raises(RuntimeError, match="Invalid generator state"):
        g.set_state(al.zeros(3, dtype=al.uint8))
    with pytest.raises(TypeError, match="argument 'generator' must be autograd_lab.Generator"):
        al.randn(3, generator=1)


@pytest.mark.parametrize(("make", "dtype"), [
    (lambda: al.rand(2), al.float32), (lambda: al.randn(2), al.float32),
    (lambda: al.rand(2, dtype=al.float64), al.float64),
    (lambda: al.randn(2, dtype=al.float16), al.float16),
    (lambda: al.randint(5, (2,)), al.int64), (lambda: al.randint(5, (2,), dtype=al.int8), al.int8),
    (lambda: al.randint(5, (2,), dtype=al.float32), al.float32),
    (lambda: al.randperm(4), al.int64), (lambda: al.randperm(4, dtype=al.int32), al.int32),
])
def test_default_dtypes(make, dtype):
    assert make().dtype is dtype


def test_default_dtype_follows_set_default_dtype():
    al.set_default_dtype(al.float64)
    try:
        assert al.rand(2).dtype is al.float64 and al.randn(2).dtype is al.float64
    finally:
        al.set_default_dtype(al.float32)


def test_distributions():
    al.manual_seed(0)
    n = 200_000
    z = al.randn(n).numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    u = al.rand(n).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.005
    k = al.randint(3, 7, (n,)).numpy()
    assert set(np.unique(k)) == {3, 4, 5, 6}
    p = al.randperm(1000).numpy()
    assert sorted(p.tolist()) == list(range(1000))
    w = al.empty(n).normal_(5.0, 2.0).numpy()
    assert abs(w.mean() - 5) < 0.03 and abs(w.std() - 2) < 0.03
    v = al.empty(n).uniform_(-2.0, 3.0).numpy()
    assert v.min() >= -2.0 and v.max() < 3.0


def test_in_place_samplers_check_arguments():
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        al.ones(2).normal_(std=-1)
    with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, "
                                           r"but found from=2 > to=1"):
        al.ones(2).uniform_(2, 1)
    with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for "
                                                  "'Long'"):
        al.ones(2, dtype=al.int64).normal_()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        al.ones(2, requires_grad=True).normal_()
    with pytest.raises(RuntimeError, match="exponential_ expects lambda > 0.0"):
        al.ones(2).exponential_(-1)
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\]"):
        al.ones(2).bernoulli_(1.5)


def test_in_place_sampler_under_no_grad_bumps_version():
    w = al.ones(3, requires_grad=True)
    with al.no_grad():
        w.normal_()
    assert w._version == 1 and w.requires_grad and w.is_leaf


def test_default_generator_starts_from_a_fresh_seed_in_each_process():
    """As in PyTorch 2.x: an unseeded program draws different numbers on each run (a new
    ``Generator()`` still starts from the fixed default seed)."""
    import subprocess
    import sys

    code = "import autograd_lab as t; print(t.initial_seed(), t.rand(3).tolist())"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 2
