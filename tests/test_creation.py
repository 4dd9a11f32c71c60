"""Factories: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros`` ... ``arange``, ``linspace``.

Parity rows run the same expression with ``T = torch`` and ``T = autograd_lab`` and compare
values, dtype, shape, ``requires_grad``, or the error type and message. The torch-free tests
state what can be said exactly (memory sharing, counts, inference rules).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _outcome import assert_same

import autograd_lab as al

# ----------------------------------------------------------------------------- parity tables
TENSOR_CASES = [
    # dtype inference from Python scalars, nested lists, bools and mixtures
    "T.tensor(3)", "T.tensor(3.5)", "T.tensor(True)", "T.tensor([1, 2.5])",
    "T.tensor([True, 2])", "T.tensor([True, 2.0])", "T.tensor([])", "T.tensor([[]])",
    "T.tensor([[[]]])", "T.tensor((1, 2))", "T.tensor([(1, 2), (3, 4)])", "T.tensor(range(3))",
    "T.tensor([range(2), range(2)])", "T.tensor(bytearray(b'ab'))", "T.tensor(1e300)",
    "T.tensor(-2**63)",
    # NumPy scalars and arrays keep their dtype; inside lists they are promoted
    "T.tensor(np.array([1, 2], dtype=np.int32))", "T.tensor(np.float64(2.5))",
    "T.tensor(np.float32(2.5))", "T.tensor(np.int32(2))", "T.tensor(np.int16(2))",
    "T.tensor(np.bool_(True))", "T.tensor(np.array(5))", "T.tensor([np.float64(1.5), 2])",
    "T.tensor([np.float32(1), 2.5])", "T.tensor([np.float16(1), 2])",
    "T.tensor([np.float16(1), 2.5])", "T.tensor([1.0, np.float64(2)])",
    "T.tensor([np.int32(1), 2])", "T.tensor(np.ones((2, 3))[:, ::2])",
    "T.tensor(np.array([[1, 2], [3, 4]], dtype=np.float32).T)",
    "T.tensor([np.array([1, 2]), np.array([3, 4])])",
    "T.tensor([np.array([1, 2], dtype=np.int32)])",
    "T.tensor([np.array([1, 2], dtype=np.int32), [3, 4]])",
    "T.tensor([np.array([1.5, 2], dtype=np.float32), [3, 4]])",
    # lists of tensors: 0-d (or one-element) tensors are scalars
    "T.tensor([T.tensor(1.), T.tensor(2.)])", "T.tensor([T.tensor(1), T.tensor(2)])",
    "T.tensor([T.tensor(1, dtype=T.int32), T.tensor(2, dtype=T.int32)])",
    "T.tensor([T.tensor(1.5, dtype=T.float64), 2])", "T.tensor([T.tensor(1), 2.5])",
    "T.tensor([T.tensor([1.5])])", "T.tensor([T.tensor([[1]])])",
    "T.tensor([T.tensor([1, 2]), T.tensor([3, 4])])",
    "T.tensor([T.tensor([1., 2]), T.tensor([3., 4])])",
    "T.tensor([T.tensor(1.5)], dtype=T.int64)", "T.tensor(T.tensor([1, 2]))",
    # dtype= and requires_grad=
    "T.tensor([1, 2], dtype=T.float64)", "T.tensor(3, dtype=float)", "T.tensor(3, dtype=int)",
    "T.tensor(3, dtype=bool)", "T.tensor(np.array([1, 2]), dtype=T.float32)",
    "T.tensor(np.array([1.5, 2.5]), dtype=T.int32)", "T.tensor(1.5, dtype=T.int64)",
    "T.tensor([1.7, -1.7], dtype=T.int64)", "T.tensor([1, 0, 2], dtype=T.bool)",
    "T.tensor([0.0, float('nan')], dtype=T.bool)", "T.tensor([True, False], dtype=T.float32)",
    "T.tensor([[1, 2], [3, 4]], dtype=T.float16)", "T.tensor([], dtype=T.int64)",
    "T.tensor([1., 2], requires_grad=True)", "T.tensor([1, 2], requires_grad=True)",
    "T.tensor([1, 2], dtype=T.int32, requires_grad=True)", "T.tensor([1, 2], requires_grad=1)",
    "T.tensor(3, dtype='float32')", "T.tensor(3, dtype=np.float32)",
    "T.tensor(3, device='cpu')", "T.tensor(3, device=T.device('cpu'))",
    # overflow rules for Python numbers
    "T.tensor(2**63)", "T.tensor([1, 2**63])", "T.tensor(2**63, dtype=T.float32)",
    "T.tensor(300, dtype=T.uint8)", "T.tensor(-1, dtype=T.uint8)",
    "T.tensor([-255], dtype=T.uint8)", "T.tensor([-256], dtype=T.uint8)",
    "T.tensor([-1.5], dtype=T.uint8)", "T.tensor([1.5, 2], dtype=T.uint8)",
    "T.tensor([200], dtype=T.int8)", "T.tensor([float('inf')], dtype=T.int32)",
    "T.tensor([float('inf')], dtype=T.float16)", "T.tensor(70000., dtype=T.float16)",
    "T.tensor([1e300], dtype=T.float32)", "T.tensor(2**40, dtype=T.int32)",
    "T.tensor(np.int64(2**40), dtype=T.int32)", "T.tensor(np.array([2**40]), dtype=T.int32)",
    "T.tensor(float('nan'), dtype=T.int64)", "T.tensor([np.float64(np.nan)], dtype=T.int32)",
    # errors: ragged, wrong types
    "T.tensor([[1, 2], [3, 4, 5]])", "T.tensor([[1, 2, 3], [3, 4]])", "T.tensor([[1], []])",
    "T.tensor([[], [1]])", "T.tensor([[1, 2], 3])", "T.tensor([1, [2, 3]])",
    "T.tensor([1., [2, 3]])", "T.tensor([[1, 2], [3]], dtype=T.float32)",
    "T.tensor([[1, 2], np.array([3])])", "T.tensor([np.array(5), 6])",
    "T.tensor([np.array(5), np.array(6)])", "T.tensor('abc')", "T.tensor(['a'])",
    "T.tensor([1, 'a'])", "T.tensor(b'ab')", "T.tensor(np.str_('a'))", "T.tensor(None)",
    "T.tensor([None])", "T.tensor([[1, 2], [3, None]])", "T.tensor({1: 2})",
    "T.tensor(object())", "T.tensor(np.array([1, 2])[::-1])",
    "T.tensor(np.array([1, 2], dtype='>f4'))",
    # as_tensor and from_numpy
    "T.as_tensor([1, 2], dtype=T.float64)", "T.as_tensor(3)", "T.as_tensor(np.float64(3))",
    "T.as_tensor(np.array([1, 2]), dtype=T.float32)", "T.as_tensor(np.array([1, 2])[::-1])",
    "T.as_tensor(T.tensor([1, 2]), dtype=T.float64)", "T.from_numpy(np.array(3.5))",
    "T.from_numpy(np.arange(6, dtype=np.int16).reshape(2, 3))", "T.from_numpy([1, 2])",
    "T.from_numpy(np.array([1, 2])[::-1])", "T.from_numpy(np.array([1, 2], dtype='>f4'))",
    "T.scalar_tensor(3)", "T.scalar_tensor(3, dtype=T.int32)",
]

FACTORY_CASES = [
    # sizes: varargs, tuple, list, Size, tensors, NumPy ints, and the errors
    "T.zeros(2, 3)", "T.zeros((2, 3))", "T.zeros([2, 3])", "T.zeros(T.Size([2, 3]))",
    "T.zeros(())", "T.zeros([])", "T.zeros(T.tensor(3))", "T.zeros((T.tensor(3), 2))",
    "T.zeros(np.int64(3))", "T.ones(T.tensor([3]))", "T.ones(2, True)", "T.ones((2, True))",
    "T.zeros()", "T.zeros((2,), (3,))", "T.zeros(2.5)", "T.zeros((2, 2.5))", "T.zeros(-1)",
    "T.zeros(2, -1)", "T.ones(2, -1)", "T.empty(-1)", "T.rand(-1)", "T.randn(2, -1)",
    "T.ones(True, 2)", "T.ones(2.0, 3)", "T.ones(2, 3.0)", "T.ones(2, [3])", "T.ones('a')",
    "T.ones(2, 'a')", "T.ones(None)", "T.ones((2, None))", "T.ones([[2]])", "T.ones(True)",
    "T.ones((True, 2))", "T.ones(T.tensor(3.))", "T.ones((T.tensor(3.), 2))",
    "T.ones(np.float64(3))", "T.ones(np.array([2, 3]))", "T.empty(2.5)", "T.rand(2.5)",
    "T.randn((2, 2.5))", "T.empty(2, 3).shape", "T.empty(2, dtype=T.int64).dtype",
    # dtype=
    "T.zeros((2, 3), dtype=T.int32)", "T.zeros(2, dtype=float)", "T.ones(2, dtype=T.bool)",
    "T.zeros(2, 3, dtype='float32')", "T.zeros(2, dtype=np.float32)",
    "T.zeros(2, dtype=T.int64, requires_grad=True)", "T.ones(2, requires_grad=True)",
    "T.empty(2, dtype=T.int64, requires_grad=True)",
    # full: dtype from the fill value, overflow checks
    "T.full((2,), 1)", "T.full((2,), True)", "T.full((2,), 1.5)", "T.full((), 1.0)",
    "T.full([2, 3], 1.0)", "T.full((2,), 1, dtype=T.float32)", "T.full((2,), np.float64(1.5))",
    "T.full((2,), np.int32(1))", "T.full((2,), T.tensor(1.5))", "T.full((2,), T.tensor([1.5]))",
    "T.full((2,), 1.5, dtype=T.int64)", "T.full((2,), float('nan'))",
    "T.full((2,), float('-inf'))", "T.full((2,), 2, dtype=T.bool)",
    "T.full((2,), 1.5, dtype=T.uint8)", "T.full((2,), -1, dtype=T.uint8)", "T.full(2, 1.0)",
    "T.full((2, -1), 1.0)", "T.full((2,), 'a')", "T.full((2,), None)",
    "T.full((2,), 1, requires_grad=True)", "T.full((2,), 300, dtype=T.uint8)",
    "T.full((2,), float('nan'), dtype=T.int64)", "T.full((2,), 300, dtype=T.int8)",
    "T.full((2,), 2**40, dtype=T.int32)", "T.full((2,), 2**40, dtype=T.int16)",
    "T.full((2,), -300, dtype=T.uint8)", "T.full((2,), 2**63)",
    "T.full((2,), 1e300, dtype=T.float32)", "T.full((2,), 70000, dtype=T.float16)",
    "T.full((2,), float('inf'), dtype=T.int32)", "T.full((2,), -1.5, dtype=T.uint8)",
    # eye
    "T.eye(3)", "T.eye(2, 3)", "T.eye(0)", "T.eye(2, dtype=T.int64)", "T.eye(2, dtype=T.bool)",
    "T.eye(T.tensor(2))", "T.eye(-1)", "T.eye(2, -1)", "T.eye(2.5)",
    "T.eye(2, dtype=T.int64, requires_grad=True)",
    # *_like: shape, dtype and device of the input; dtype= overrides; requires_grad not copied
    "T.zeros_like(T.ones(2, 3))", "T.zeros_like(T.ones(2), dtype=T.int64)",
    "T.ones_like(T.ones(2, dtype=T.int32))", "T.empty_like(T.ones(2, 3)).shape",
    "T.full_like(T.ones(2), 7)", "T.full_like(T.ones(2, dtype=T.int64), 7.5)",
    "T.full_like(T.ones(2), 7, dtype=T.int32)", "T.zeros_like(T.ones(2, requires_grad=True))",
    "T.zeros_like(T.ones(2), requires_grad=True)", "T.zeros_like([1, 2])",
    "T.zeros_like(T.ones(2), dtype=T.int64, requires_grad=True)",
    "T.rand_like(T.ones(2, dtype=T.int64))", "T.randn_like(T.ones(2, dtype=T.int64))",
    "T.rand_like(T.ones(2), dtype=T.float64).dtype", "T.randn_like(T.ones(2, 3)).shape",
    "T.randint_like(T.ones(2), 5).dtype", "T.randint_like(T.ones(2), 2, 5).dtype",
    "T.randint_like(T.ones(2, dtype=T.int32), 5).dtype",
    "T.randint_like(T.ones(2), 5, dtype=T.int64).dtype",
    # Tensor.new_*: dtype and device of self unless given
    "T.ones(2).new_tensor([1, 2])", "T.ones(2, dtype=T.int32).new_tensor([1.5, 2])",
    "T.ones(2, dtype=T.int32).new_tensor([1.5, 2], dtype=T.float64)",
    "T.ones(2).new_tensor(np.array([1, 2]))", "T.ones(2).new_tensor(T.tensor([1, 2]))",
    "T.ones(2, requires_grad=True).new_tensor([1.])",
    "T.ones(2, dtype=T.int32).new_zeros(2, 3)", "T.ones(2, dtype=T.int32).new_zeros((2, 3))",
    "T.ones(2, dtype=T.int32).new_ones([2])", "T.ones(2, dtype=T.int32).new_empty(2).dtype",
    "T.ones(2, dtype=T.int32).new_full((2,), 1.5)", "T.ones(2).new_full((2,), 7)",
    "T.ones(2).new_full((2,), True)", "T.ones(2, dtype=T.int32).new_zeros(2, dtype=T.float64)",
    "T.ones(2).new_zeros(2, requires_grad=True)", "T.ones(2, requires_grad=True).new_zeros(2)",
    "T.ones(2).new_zeros(())", "T.ones(2).new_zeros()", "T.ones(2).new_ones(2.5)",
    "T.ones(2).new_full(2, 1.)", "T.ones(2).new_zeros(-1)", "T.ones(2).new_full((-1,), 1.)",
    "T.ones(2).new_zeros(2, 3.5)", "T.ones(2, dtype=T.int64).new_zeros(2, requires_grad=True)",
    # Tensor(...) constructors
    "T.Tensor(2, 3).shape", "T.Tensor([1, 2])", "T.Tensor([[1, 2], [3, 4.5]])", "T.Tensor()",
    "T.Tensor(np.array([1, 2]))", "T.Tensor((2, 3))", "T.Tensor(T.Size([2, 3])).shape",
    "T.Tensor(T.tensor([1, 2]))", "T.Tensor([True])", "T.Tensor(3, device='cpu').shape",
    "T.Tensor(0)", "T.Tensor([])", "T.Tensor(2.5)", "T.Tensor(-1)", "T.Tensor(2, -1)",
    "T.Tensor('a')", "T.Tensor(None)",
]

RANGE_CASES = [
    # arange: int/float inference, PyTorch's element count and float32 values, errors
    "T.arange(5)", "T.arange(0, 1, 0.1)", "T.arange(1, 2.5, 0.5)", "T.arange(0, 10, 3)",
    "T.arange(10, 0, -3)", "T.arange(10, 0, -4)", "T.arange(5.0)", "T.arange(0, 5, 1.0)",
    "T.arange(np.int64(5))", "T.arange(np.float64(5))", "T.arange(T.tensor(5))",
    "T.arange(T.tensor(5.))", "T.arange(0, 0)", "T.arange(True)", "T.arange(0, 10, 2.5)",
    "T.arange(0.1, 0.5, 0.1)", "T.arange(0, 1, 0.01)", "T.arange(-1, 1, 0.001)",
    "T.arange(1, 0, -0.1)", "T.arange(-3, 3, 0.7)", "T.arange(start=1, end=5)",
    "T.arange(end=5)", "T.arange(0, 5, dtype=T.float64)",
    "T.arange(10, 0, -0.3, dtype=T.float64)", "T.arange(0, 1, 0.1, dtype=T.float64)",
    "T.arange(0, 2.5, dtype=T.int64)", "T.arange(0.5, 3.5, dtype=T.int64)",
    "T.arange(-1.5, 3, dtype=T.int64)", "T.arange(1, 5, 2, dtype=T.uint8)",
    "T.arange(3, dtype=T.float16)", "T.arange(0, 100, 7, dtype=T.int32)",
    "T.arange(100, 0, -7, dtype=T.int16)", "T.arange(3.0, requires_grad=True)",
    "T.arange(0, 5, 0)", "T.arange(0, -5)", "T.arange(5, 0)", "T.arange(0, 5, -1)",
    "T.arange(0, 1, 0.3, dtype=T.int64)", "T.arange(float('inf'))", "T.arange(float('nan'))",
    "T.arange(1, 4, dtype=T.bool)", "T.arange(3, requires_grad=True)",
    # linspace / logspace
    "T.linspace(0, 1, 5)", "T.linspace(0, 1, 1)", "T.linspace(0, 1, 0)", "T.linspace(0, 1, 7)",
    "T.linspace(-3, 7.5, 11)", "T.linspace(0.1, 0.9, 5)", "T.linspace(1, 0, 3, dtype=T.float64)",
    "T.linspace(-5, 5, 7, dtype=T.float64)", "T.linspace(0, 10, 5, dtype=T.int64)",
    "T.linspace(0, 1, 5, dtype=T.int64)", "T.linspace(-1, 1, 4, dtype=T.int32)",
    "T.linspace(T.tensor(0.), T.tensor(1.), 3)", "T.linspace(0, 1, T.tensor(3))",
    "T.linspace(0, 1, -1)", "T.linspace(0, 1, 3, dtype=T.bool)",
    "T.linspace(0, 1, 3, dtype=T.int64, requires_grad=True)",
    "T.logspace(0, 2, 3)", "T.logspace(0, 2, 3, base=2)", "T.logspace(0, 2, 3, dtype=T.int64)",
    "T.logspace(-2, 2, 5)", "T.logspace(0, 1, 7, dtype=T.float64)", "T.logspace(0, 2, -1)",
]

RANDOM_FACTORY_CASES = [
    # default dtypes, shapes and argument errors of the random factories (values differ)
    "T.rand(2, 3).dtype", "T.rand(2, dtype=T.float16).dtype", "T.randn(2, 3).shape",
    "T.rand(2, dtype=T.int64)", "T.randn(2, dtype=T.int64)", "T.rand(2, dtype=T.bool)",
    "T.randint(10, (3,)).dtype", "T.randint(2, 10, (3,)).dtype",
    "T.randint(10, (3,), dtype=T.float32).dtype", "T.randint(10, [3]).shape",
    "T.randint(10, size=(3,)).shape", "T.randint(low=2, high=10, size=(3,)).shape",
    "T.randint(high=10, size=(3,)).shape", "T.randint(10, ()).shape",
    "T.randint(-5, 0, (3,)).shape", "T.randint(2, (3,), dtype=T.bool).shape",
    "T.randint(10, 3)", "T.randint(5, 5, (3,))", "T.randint(6, 5, (3,))", "T.randint(0, (3,))",
    "T.randint(2.5, (3,))", "T.randint(10, (2, -1))", "T.randint(10, (3,), requires_grad=True)",
    "T.randint(10, (3,), dtype=T.bool)", "T.randint(300, (3,), dtype=T.uint8)",
    "T.randint(200, (3,), dtype=T.int8)", "T.randint(-200, 0, (3,), dtype=T.int8)",
    "T.randint(2**40, (3,), dtype=T.int32)", "T.randint(2**20, (3,), dtype=T.int16)",
    "T.randint(2**25, (3,), dtype=T.float16)", "T.randint(-1, 2, (3,), dtype=T.uint8)",
    "T.randint(2**64, (3,))",
    "T.randint(10, (3,), dtype=T.float32, requires_grad=True).requires_grad",
    "T.randperm(5).dtype", "T.randperm(0)", "T.randperm(-1)", "T.randperm(2.5)",
    "T.randperm(5, dtype=T.float32).dtype", "T.randperm(5, dtype=T.bool)",
    "T.randperm(256, dtype=T.uint8).shape", "T.randperm(257, dtype=T.uint8)",
    "T.randperm(300, dtype=T.int8)", "T.randperm(3000, dtype=T.float16)",
    "T.randperm(2**24 + 2, dtype=T.float32)", "T.randperm(5, requires_grad=True)",
    "T.randperm(6).sort().values",
]


@pytest.mark.torch
@pytest.mark.parametrize("src", TENSOR_CASES)
def test_tensor_matches_torch(torch, src):
    assert_same(torch, src)


@pytest.mark.torch
@pytest.mark.parametrize("src", FACTORY_CASES)
def test_factory_matches_torch(torch, src):
    assert_same(torch, src)


@pytest.mark.torch
@pytest.mark.parametrize("src", RANGE_CASES)
def test_range_matches_torch(torch, src):
    assert_same(torch, src)


@pytest.mark.torch
@pytest.mark.parametrize("src", RANDOM_FACTORY_CASES)
def test_random_factory_matches_torch(torch, src):
    assert_same(torch, src)


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(40))
def test_arange_linspace_values_match_torch(torch, seed):
    """Random bounds: same count and the same float32/float64 bits as PyTorch's CPU kernels."""
    rng = np.random.default_rng(seed)
    start = round(float(rng.uniform(-10, 10)), int(rng.integers(0, 4)))
    step = round(float(rng.uniform(0.001, 3)), int(rng.integers(1, 4))) or 0.1
    end = start + float(rng.uniform(0, 300)) * step
    steps = int(rng.integers(2, 32))  # linspace: bit-identical below 32 steps
    for dt in ("float32", "float64"):
        ours = al.arange(start, end, step, dtype=getattr(al, dt)).numpy()
        ref = torch.arange(start, end, step, dtype=getattr(torch, dt)).numpy()
        np.testing.assert_array_equal(ours, ref)
        ours = al.linspace(start, end, steps, dtype=getattr(al, dt)).numpy()
        ref = torch.linspace(start, end, steps, dtype=getattr(torch, dt)).numpy()
        np.testing.assert_array_equal(ours, ref)


# ----------------------------------------------------------------------------- torch-free
@pytest.mark.parametrize(("data", "dtype"), [
    (3, al.int64), (3.5, al.float32), (True, al.bool), ([1, 2.5], al.float32),
    ([True, 2], al.int64), ([], al.float32), (np.float64(1.5), al.float64),
    ([np.float64(1.5), 2], al.float64), ([np.int32(1), np.int32(2)], al.int32),
    (np.array([1, 2], np.int16), al.int16), ([al.tensor(1, dtype=al.int32)], al.int32),
])
def test_tensor_dtype_inference(data, dtype):
    assert al.tensor(data).dtype is dtype


def test_tensor_copies_but_as_tensor_and_from_numpy_share():
    a = np.arange(3.0)
    copied, shared, wrapped = al.tensor(a), al.as_tensor(a), al.from_numpy(a)
    a[0] = 10.0
    assert copied[0].item() == 0.0
    assert shared[0].item() == 10.0 and wrapped[0].item() == 10.0
    wrapped[1] = -1.0  # and the other way round
    assert a[1] == -1.0
    assert al.as_tensor(a, dtype=al.float32).numpy() is not a  # a cast must copy
    t = al.tensor([1.0, 2.0])
    assert al.as_tensor(t) is t


def test_from_numpy_errors():
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        al.from_numpy([1, 2])
    with pytest.raises(ValueError, match="At least one stride in the given numpy array is "
                                         "negative"):
        al.from_numpy(np.arange(3)[::-1])
    with pytest.raises(TypeError, match=r"can't convert np.ndarray of type numpy.str_\. The "
                                        r"only supported types are: float64, float32"):
        al.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError, match="numpy.uint16"):
        al.from_numpy(np.array([1], np.uint16))  # PyTorch has uint16; we do not
    with pytest.warns(UserWarning, match="not writable"):
        ro = np.arange(3)
        ro.flags.writeable = False
        al.from_numpy(ro)


def test_ragged_message():
    with pytest.raises(ValueError, match=r"^expected sequence of length 2 at dim 1 \(got 3\)$"):
        al.tensor([[1, 2], [3, 4, 5]])


def test_tensor_from_tensor_warns_and_copies():
    src = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"rather than autograd_lab\.tensor\(sourceTensor\)"):
        t = al.tensor(src)
    assert t.requires_grad is False and t.grad_fn is None
    assert not np.shares_memory(t.numpy(), src.detach().numpy())


@pytest.mark.parametrize(("args", "count"), [
    ((0, 1, 0.1), 10), ((1, 2.5, 0.5), 3), ((0, 10, 3), 4), ((10, 0, -3), 4), ((0, 0), 0),
    ((0.1, 0.5, 0.1), 4), ((-1, 1, 0.001), 2000),
])
def test_arange_counts(args, count):
    assert al.arange(*args).numel() == count


def test_arange_dtypes_and_exact_ends():
    assert al.arange(5).dtype is al.int64
    assert al.arange(5.0).dtype is al.float32
    assert al.arange(0, 5, dtype=al.float64).dtype is al.float64
    assert al.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert al.linspace(-3, 7.5, 1000)[-1].item() == 7.5


def test_sizes_accept_every_spelling():
    t = al.ones(2, 3)
    for size in [(2, 3), ((2, 3),), ([2, 3],), (t.shape,), (np.int64(2), 3)]:
        assert al.zeros(*size).shape == (2, 3)
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension "
                                           r"-1: \[2, -1\]"):
        al.ones(2, -1)


def test_factories_take_out():
    out = al.empty(2, 2)
    assert al.zeros(2, 2, out=out) is out and out.sum().item() == 0
    assert al.arange(4, out=al.empty(4, dtype=al.int64)).tolist() == [0, 1, 2, 3]


def test_tensor_constructor_forms():
    assert al.Tensor(2, 3).shape == (2, 3) and al.Tensor(2, 3).dtype is al.float32
    assert al.Tensor([1, 2]).dtype is al.float32
    src = al.tensor([1, 2])
    alias = al.Tensor(src)  # PyTorch: an alias sharing storage and dtype
    alias[0] = 7
    assert src[0].item() == 7 and alias.dtype is al.int64


def test_new_methods_inherit_dtype():
    base = al.ones(2, dtype=al.float64)
    for t in (base.new_zeros(3), base.new_ones((3,)), base.new_empty(3),
              base.new_full((3,), 1), base.new_tensor([1, 2, 3])):
        assert t.dtype is al.float64 and t.device == base.device and t.shape == (3,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        base.new_tensor([1, 2])  # no copy-construct warning for plain data
