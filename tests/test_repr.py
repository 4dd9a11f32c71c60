"""``repr(tensor)`` matches PyTorch 2.13 character for character (``torch.`` -> ``autograd_lab.``).

Every case builds the same values from a NumPy array in both libraries and compares the two
strings. Two layers are tested:

* the formatter on plain NumPy arrays (``_tensor_str._array_repr``), independent of Tensor;
* ``repr`` of real ``autograd_lab`` tensors, including autograd suffixes.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
from conftest import require_torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lab as al
from autograd_lab import _tensor_str as ts

torch = require_torch()  # skips this module without PyTorch (fails if it is required)
pytestmark = pytest.mark.torch

nan, inf = math.nan, math.inf
_rng = np.random.default_rng(1234)


def _randn(*shape, dtype=np.float32, scale=1.0):
    return (_rng.standard_normal(shape) * scale).astype(dtype)


def _torch_repr(arr: np.ndarray, requires_grad: bool = False) -> str:
    """PyTorch's repr of the same values, with its module name swapped for ours."""
    t = torch.from_numpy(np.array(arr, copy=True))
    if requires_grad:
        t.requires_grad_()
    return repr(t).replace("torch.", "autograd_lab.")


@contextlib.contextmanager
def _both_printoptions(**opts):
    """Apply the same print options to PyTorch and to us (restored by the fixture below)."""
    torch.set_printoptions(**opts)
    ts.set_printoptions(**opts)
    yield


@pytest.fixture(autouse=True)
def _default_printoptions():
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")


def _arange(n, dtype=np.int64, shape=None):
    a = np.arange(n).astype(dtype)
    return a.reshape(shape) if shape else a


def _hidden_huge():
    # The 1e10 sits in the summarized-away middle, so it must not switch on sci mode.
    a = np.ones(2000, np.float32)
    a[1000] = 1e10
    return a


# (id, array, print options). Arrays are built once, at import, from a seeded generator.
CASES = [
    # 0-dim
    ("scalar_float_int_mode", np.array(3.0, np.float32), {}),
    ("scalar_float_fixed", np.array(3.25, np.float32), {}),
    ("scalar_float64", np.array(1 / 3), {}),
    ("scalar_int", np.array(7), {}),
    ("scalar_int8", np.array(-5, np.int8), {}),
    ("scalar_bool", np.array(True), {}),
    ("scalar_nan", np.array(nan, np.float32), {}),
    ("scalar_neg_inf", np.array(-inf, np.float32), {}),
    ("scalar_big", np.array(1.5e12), {}),
    ("scalar_small", np.array(1e-7, np.float32), {}),
    ("scalar_neg_zero", np.array(-0.0, np.float32), {}),
    ("scalar_zero", np.array(0.0, np.float32), {}),
    # 1-d floats: int mode, fixed, sci, non-finite
    ("int_mode", np.array([1.0, 2.0, 3.0], np.float32), {}),
    ("negative_zero", np.array([-0.0, 0.0, 1.0], np.float32), {}),
    ("all_zero", np.zeros(4, np.float32), {}),
    ("fixed", np.array([1.5, -2.25, 3.0], np.float32), {}),
    ("fixed_rounding", np.array([0.00005, 0.123456789, 2.5], np.float64), {}),
    ("sci_ratio", np.array([1.0, 1e4], np.float32), {}),
    ("ratio_1000_not_sci", np.array([1.0, 1000.0], np.float32), {}),
    ("ratio_just_over_1000", np.array([1.0, 1000.5], np.float32), {}),
    ("sci_big", np.array([1e9, 2e9], np.float32), {}),
    ("max_1e8_not_sci", np.array([1e8, 5e7], np.float64), {}),
    ("big_int_mode", np.array([1e7, 3e7, -2e7], np.float32), {}),
    ("sci_small", np.array([1e-5, 2e-5], np.float32), {}),
    ("min_1e-4_float32_is_sci", np.array([1e-4, 2e-4], np.float32), {}),
    ("min_1e-4_float64", np.array([1e-4, 2e-4], np.float64), {}),
    ("sci_int_mode", np.array([1e10, 1.0, -3.0], np.float64), {}),
    ("nan_inf_int_mode", np.array([nan, inf, -inf, 1.0, 2.0], np.float32), {}),
    ("nan_inf_fixed", np.array([nan, inf, -inf, 1.5], np.float32), {}),
    ("nan_inf_sci", np.array([nan, inf, 1e-8], np.float32), {}),
    ("all_nan", np.array([nan, nan], np.float32), {}),
    ("only_inf", np.array([-inf, inf, 0.0], np.float64), {}),
    ("mixed_signs_fixed", _randn(6), {}),
    ("float64_thirds", np.array([1 / 3, 2 / 3, -1 / 7]), {}),
    ("float64_huge_range", np.array([1e-300, 1e300]), {}),
    ("float64_subnormal", np.array([5e-324, 1.0]), {}),
    ("float16", _randn(8, dtype=np.float16, scale=100), {}),
    ("float16_extremes", np.array([65504, -65504, 6e-8, 1], np.float16), {}),
    ("float16_int_mode", np.array([1, 2, 2048], np.float16), {}),
    # integers and bools
    ("int64", np.array([1, -20, 300]), {}),
    ("int64_extremes", np.array([-(2**63), 2**63 - 1], np.int64), {}),
    ("int32", np.array([1, -2, 3], np.int32), {}),
    ("int16", np.array([-32768, 32767], np.int16), {}),
    ("int8", np.array([-128, 0, 127], np.int8), {}),
    ("uint8", np.array([0, 7, 255], np.uint8), {}),
    ("bool", np.array([True, False, True]), {}),
    ("bool_2d", np.array([[True, False], [False, False]]), {}),
    # shapes and nesting
    ("matrix", _randn(2, 3), {}),
    ("matrix_int_mode", _arange(12, np.float32, (3, 4)), {}),
    ("3d", _randn(3, 4, 5), {}),
    ("4d_int", _arange(16, np.int64, (2, 2, 2, 2)), {}),
    ("5d_float64", _randn(2, 1, 2, 1, 2, dtype=np.float64), {}),
    ("ones_111", np.ones((1, 1, 1), np.float32), {}),
    ("column", _randn(4, 1), {}),
    ("row", _randn(1, 4), {}),
    ("3d_int8", _arange(24, np.int8, (2, 3, 4)), {}),
    # line wrapping
    ("wrap_vector", _randn(30), {}),
    ("wrap_matrix", _randn(3, 30), {}),
    ("wrap_3d", _randn(2, 2, 25), {}),
    ("wrap_ints", _arange(100), {}),
    ("wrap_float64_sci", _randn(20, dtype=np.float64, scale=1e5), {}),
    ("wrap_float16_dtype_suffix", _randn(40, dtype=np.float16, scale=1000), {}),
    ("wrap_bool", _rng.random(50) > 0.5, {}),
    # summarization
    ("summary_ints", _arange(2000), {}),
    ("summary_vector", _randn(1001), {}),
    ("summary_matrix", _randn(40, 40), {}),
    ("summary_3d", _randn(20, 20, 20), {}),
    ("summary_wide", _randn(2, 1000), {}),
    ("summary_tall", _randn(1000, 2), {}),
    ("summary_odd_int", _arange(1001, np.int32, (7, 11, 13)), {}),
    ("summary_float64", _randn(50, 50, dtype=np.float64), {}),
    ("summary_hidden_huge", _hidden_huge(), {}),
    ("summary_uint8", (_arange(3000) % 256).astype(np.uint8).reshape(30, 100), {}),
    # empty tensors: size= unless (0,), dtype= unless the default float
    ("empty_float32", np.zeros(0, np.float32), {}),
    ("empty_float64", np.zeros(0, np.float64), {}),
    ("empty_float16", np.zeros(0, np.float16), {}),
    ("empty_int64", np.zeros(0, np.int64), {}),
    ("empty_bool", np.zeros(0, bool), {}),
    ("empty_0x3", np.zeros((0, 3), np.float32), {}),
    ("empty_2x0x4_int8", np.zeros((2, 0, 4), np.int8), {}),
    ("empty_3x0_int64", np.zeros((3, 0), np.int64), {}),
    # print options
    ("precision_2", _randn(5), {"precision": 2}),
    ("precision_0", np.array([1.5, 2.5, -0.4], np.float32), {"precision": 0}),
    ("precision_0_sci", np.array([1.5e10, 2.5], np.float64), {"precision": 0}),
    ("precision_8_float64", _randn(6, dtype=np.float64), {"precision": 8}),
    ("threshold_5", _arange(10), {"threshold": 5}),
    ("threshold_5_matrix", _randn(4, 4), {"threshold": 5}),
    ("edgeitems_1", _randn(10, 10), {"edgeitems": 1, "threshold": 10}),
    ("edgeitems_0_vector", _arange(10, np.float32), {"edgeitems": 0, "threshold": 5}),
    ("edgeitems_0_matrix", _randn(3, 4), {"edgeitems": 0, "threshold": 5}),
    ("edgeitems_0_not_summarized", _randn(3), {"edgeitems": 0}),
    ("edgeitems_0_float64", _randn(3, 3, dtype=np.float64), {"edgeitems": 0, "threshold": 2}),
    ("linewidth_40", _randn(20), {"linewidth": 40}),
    ("linewidth_120", _randn(4, 20), {"linewidth": 120}),
    ("linewidth_10", _randn(5), {"linewidth": 10}),
    ("linewidth_suffix_wrap", _randn(5, dtype=np.float64), {"linewidth": 30}),
    ("sci_mode_true", np.array([1.0, 2.0], np.float32), {"sci_mode": True}),
    ("sci_mode_true_fixed", np.array([1.5, 2.0], np.float32), {"sci_mode": True}),
    ("sci_mode_false", np.array([1e-8, 1e10], np.float64), {"sci_mode": False}),
    ("sci_mode_false_small", np.array([1e-8, 1e-9], np.float32), {"sci_mode": False}),
    ("profile_short", _randn(10, 10), {"profile": "short"}),
    ("profile_full", _arange(2000, np.float32), {"profile": "full"}),
    ("profile_short_overridden", _randn(5), {"profile": "short", "precision": 6}),
]


@pytest.mark.parametrize("arr, opts", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_formatter_matches_torch(arr, opts):
    with _both_printoptions(**opts):
        assert ts._array_repr(arr) == _torch_repr(arr)


@pytest.mark.parametrize(
    "arr",
    [
        np.array(2.0, np.float32),
        np.array([1.0, 2.0], np.float32),
        _randn(5, dtype=np.float64),
        _randn(3, 7, dtype=np.float16),
        np.zeros((0, 2), np.float32),
        _randn(7, dtype=np.float64),  # the suffix no longer fits and moves to a new line
        _randn(1500),
    ],
    ids=lambda a: f"{a.dtype}{a.shape}",
)
def test_requires_grad_and_grad_fn_suffixes(arr):
    # requires_grad=True on a leaf...
    got = ts._array_repr(arr, requires_grad=True)
    assert got == _torch_repr(arr, requires_grad=True)
    # ...and grad_fn=<...> (which replaces requires_grad) on a computed tensor.
    leaf = torch.from_numpy(np.array(arr, copy=True)).requires_grad_()
    out = leaf * 2
    want = repr(out).replace("torch.", "autograd_lab.")
    values = out.detach().numpy()
    name = type(out.grad_fn).__name__
    assert name == "MulBackward0"
    assert ts._array_repr(values, grad_fn_name=name, requires_grad=True) == want


@pytest.mark.parametrize(
    "arr, opts",
    [
        (np.array([1.0, 2.0], np.float32), {}),
        (np.array(5), {}),
        (_randn(7, dtype=np.float64), {}),
        (np.zeros((0, 3), np.int64), {}),
        (_randn(30), {"linewidth": 50}),
    ],
)
def test_device_suffix(arr, opts):
    # CPU-only PyTorch cannot make a CUDA tensor, so build its expected string from its own
    # pieces: the CPU repr without its closing parts, then torch's suffix logic.
    with _both_printoptions(**opts):
        t = torch.from_numpy(np.array(arr, copy=True)).requires_grad_(arr.dtype.kind == "f")
        suffixes = ["device='cuda:0'"]
        if arr.size == 0:
            suffixes.append(f"size={tuple(arr.shape)}")
        if arr.dtype not in (np.float32, np.int64, np.bool_) or (arr.size == 0):
            suffixes.append(f"dtype={t.dtype}")
        if t.requires_grad:
            suffixes.append("requires_grad=True")
        body = "tensor(" + torch._tensor_str._tensor_str(t.detach(), len("tensor("))
        want = torch._tensor_str._add_suffixes(body, suffixes, len("tensor("), False)
        got = ts._array_repr(arr, device="cuda:0", requires_grad=t.requires_grad)
        assert got == want.replace("torch.", "autograd_lab.")


def test_printoptions_api_matches_torch():
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    for opts in [
        {"precision": 2},
        {"threshold": 7, "edgeitems": 1},
        {"linewidth": 33, "sci_mode": True},
        {"profile": "short"},
        {"profile": "full", "linewidth": 100},
        {"precision": 6},  # also resets sci_mode to None, like PyTorch
    ]:
        torch.set_printoptions(**opts)
        ts.set_printoptions(**opts)
        assert ts.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager_restores():
    before = ts.get_printoptions()
    with ts.printoptions(precision=1, sci_mode=False):
        assert ts.get_printoptions()["precision"] == 1
        assert ts._array_repr(np.array([1.26], np.float32)) == "tensor([1.3])"
    assert ts.get_printoptions() == before


# --- The real engine: repr() of autograd_lab tensors ------------------------------------------


@pytest.mark.parametrize("arr, opts", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_engine_repr_matches_torch(arr, opts):
    torch.set_printoptions(**opts)
    al.set_printoptions(**opts)  # the public export is the same function
    t = al.from_numpy(np.array(arr, copy=True))
    want = _torch_repr(arr)
    assert repr(t) == want
    assert str(t) == want
    if t.dim():  # f"{t}" is str(t); a 0-dim tensor formats its Python number instead
        assert f"{t}" == want


def test_printoptions_are_exported():
    assert al.set_printoptions is ts.set_printoptions
    assert al.get_printoptions is ts.get_printoptions
    al.set_printoptions(precision=2)
    assert al.get_printoptions()["precision"] == 2


_AUTOGRAD_VALUES = [
    np.array(2.5, np.float32),
    np.array([1.0, 2.0, 3.0], np.float32),
    _randn(2, 3, dtype=np.float64),
    _randn(4, dtype=np.float16),
    _randn(7, dtype=np.float64),  # long enough that suffixes wrap onto a new line
    _randn(40, 40),  # summarized
]


@pytest.mark.parametrize("arr", _AUTOGRAD_VALUES, ids=lambda a: f"{a.dtype}{a.shape}")
def test_engine_autograd_suffixes_match_torch(arr):
    def build(lib, x):
        a = lib.from_numpy(np.array(x, copy=True)).requires_grad_()
        with lib.no_grad():
            no_grad = a * 2
        return {
            "leaf": a,
            "add": a + 1,
            "mul": a * a,
            # (a * 0): float sums round differently in NumPy and PyTorch; zeros do not.
            "sum": (a * 0).sum(),
            "detach": a.detach(),
            "no_grad": no_grad,
        }

    ours, theirs = build(al, arr), build(torch, arr)
    for key in ours:
        assert repr(ours[key]) == repr(theirs[key]).replace("torch.", "autograd_lab."), key


@pytest.mark.parametrize("default", ["float64", "float16"])
def test_default_dtype_changes_which_dtype_is_shown(default):
    # dtype= is omitted for the *current* default float dtype, as in PyTorch.
    arrays = [
        np.array([1.5, 2.0], np.float32),
        np.array([1.5, 2.0], np.float64),
        np.array([1.5, 2.0], np.float16),
        np.zeros(0, np.float32),
        np.zeros(0, np.float64),
        np.array([1, 2]),
    ]
    torch.set_default_dtype(getattr(torch, default))
    al.set_default_dtype(getattr(al, default))
    try:
        for arr in arrays:
            want = _torch_repr(arr)
            assert ts._array_repr(arr) == want
            assert repr(al.from_numpy(np.array(arr, copy=True))) == want
    finally:
        torch.set_default_dtype(torch.float32)
        al.set_default_dtype(al.float32)


@pytest.mark.gpu
def test_engine_cuda_repr_shows_device():
    arr = np.array([1.5, 2.0], np.float64)
    t = al.from_numpy(arr).cuda().requires_grad_()
    assert repr(t) == ts._array_repr(arr, device="cuda:0", requires_grad=True)
    assert repr(t) == (
        "tensor([1.5000, 2.0000], device='cuda:0', dtype=autograd_lab.float64,\n"
        "       requires_grad=True)"
    )


# --- tensor_repr against a minimal stand-in for the Tensor interface -------------------------


class _StandInDtype:
    """Just what tensor_repr reads from a dtype."""

    def __init__(self, np_dtype):
        self.name = np.dtype(np_dtype).name
        self.is_floating_point = np.dtype(np_dtype).kind == "f"

    def __str__(self):
        return f"autograd_lab.{self.name}"


class _StandInDevice:
    def __init__(self, spec):
        self.type = spec.split(":")[0]
        self._spec = spec

    def __str__(self):
        return self._spec


class _StandInNode:
    def name(self):
        return "AddBackward0"


class _StandInTensor:
    """The attributes the Tensor class promises to tensor_repr, and nothing else."""

    def __init__(self, arr, device="cpu", grad_fn=None, requires_grad=False):
        self._data = arr
        self.dtype = _StandInDtype(arr.dtype)
        self.device = _StandInDevice(device)
        self.grad_fn = grad_fn
        self.requires_grad = requires_grad or grad_fn is not None
        self.is_leaf = grad_fn is None


class _FakeCupyArray:
    """Has ``.get()`` like a CuPy array: tensor_repr must copy through it."""

    def __init__(self, arr):
        self._arr = arr
        self.dtype = arr.dtype

    def get(self):
        return self._arr


def test_tensor_repr_reads_the_tensor_interface():
    arr = np.array([1.5, 2.0], np.float64)
    t = _StandInTensor(_FakeCupyArray(arr), device="cuda:0", grad_fn=_StandInNode())
    # grad_fn= would pass 80 characters, so it moves to its own line (as in PyTorch).
    want = (
        "tensor([1.5000, 2.0000], device='cuda:0', dtype=torch.float64,\n"
        "       grad_fn=<AddBackward0>)"
    )
    assert want == torch._tensor_str._add_suffixes(
        "tensor([1.5000, 2.0000]",
        ["device='cuda:0'", "dtype=torch.float64", "grad_fn=<AddBackward0>"],
        len("tensor("),
        False,
    )
    assert ts.tensor_repr(t) == want.replace("torch.", "autograd_lab.")
    assert ts.tensor_repr(_StandInTensor(arr, requires_grad=True)) == _torch_repr(
        arr, requires_grad=True
    )
    assert ts.tensor_repr(_StandInTensor(np.array([3, 4]))) == "tensor([3, 4])"


# Random arrays of every dtype with random print options: NaNs, infinities, subnormals,
# extreme magnitudes and summarization all show up here.
_DTYPES = [
    np.float16,
    np.float32,
    np.float64,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.bool_,
]


@st.composite
def _arrays_and_options(draw):
    dtype = np.dtype(draw(st.sampled_from(_DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    elements = None
    if dtype.kind == "f" and draw(st.booleans()):
        # Mostly "ordinary" numbers of one magnitude, like real data.
        scale = 10.0 ** draw(st.integers(-6, 9 if dtype.itemsize > 2 else 4))
        elements = st.floats(-1, 1, width=8 * dtype.itemsize).map(lambda x: dtype.type(x * scale))
    arr = draw(hnp.arrays(dtype, shape, elements=elements))
    opts = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "precision": st.integers(0, 8),
                "threshold": st.integers(1, 200),
                "edgeitems": st.integers(0, 4),
                "linewidth": st.integers(5, 150),
                "sci_mode": st.sampled_from([None, True, False]),
            },
        )
    )
    return arr, opts


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_arrays_and_options(), st.booleans())
def test_random_arrays_match_torch(case, requires_grad):
    arr, opts = case
    requires_grad = requires_grad and arr.dtype.kind == "f"
    with _both_printoptions(**opts):
        try:
            assert ts._array_repr(arr, requires_grad=requires_grad) == _torch_repr(
                arr, requires_grad=requires_grad
            )
        finally:
            torch.set_printoptions(profile="default")
            ts.set_printoptions(profile="default")
