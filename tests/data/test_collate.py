"""default_collate / default_convert against PyTorch's: result types, dtypes, shapes, values."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from _data_compare import assert_same, to_torch
from conftest import require_torch

import autograd_lab as al
from autograd_lab.utils.data import default_collate, default_convert
from autograd_lab.utils.data._utils.collate import StackedBatch, collate

pytestmark = pytest.mark.torch

Point = collections.namedtuple("Point", ["x", "y"])
rng = np.random.default_rng(0)
IMAGES = [rng.integers(0, 256, (4, 4, 3), dtype=np.uint8) for _ in range(3)]

# (name, batch): tensors are autograd_lab's; the torch side gets the same values as torch
# tensors (to_torch). Every leaf type and container type of the collate table appears.
COLLATE_CASES = [
    ("ints", [0, 1, 2, 3]),
    ("floats", [0.5, 1.5, -2.0]),
    ("bools", [True, False, True]),
    ("int_then_float", [1, 2.5]),  # typed by the first sample: tensor([1, 2.5]) is float32
    ("float_then_int", [2.5, 1]),
    ("strings", ["a", "bc"]),
    ("bytes", [b"a", b"b"]),
    ("tensors_f32", [al.tensor([1.0, 2.0, 3.0]), al.tensor([4.0, 5.0, 6.0])]),
    ("tensors_0d_i64", [al.tensor(3), al.tensor(4), al.tensor(5)]),
    ("tensors_u8_image", [al.from_numpy(im) for im in IMAGES]),
    ("tensors_mixed_dtypes", [al.tensor([1, 2], dtype=al.int32), al.tensor([0.5, 1.5])]),
    ("tensors_bool", [al.tensor([True, False]), al.tensor([False, False])]),
    ("numpy_f64", [np.arange(6.0).reshape(2, 3), np.ones((2, 3))]),
    ("numpy_u8_images", IMAGES),
    ("numpy_f32_noncontiguous", [np.arange(12, dtype=np.float32).reshape(3, 4).T] * 2),
    ("numpy_0d", [np.array(1.5), np.array(2.5)]),
    ("numpy_mixed_dtypes", [np.array([1, 2], dtype=np.int32), np.array([0.5, 1.5])]),
    ("numpy_scalars_f32", [np.float32(1.5), np.float32(2.5)]),
    ("numpy_scalars_i16", [np.int16(1), np.int16(-2)]),
    ("numpy_scalars_bool", [np.bool_(True), np.bool_(False)]),
    ("tuple_samples", [(al.tensor([1.0, 2.0]), 0), (al.tensor([3.0, 4.0]), 1)]),
    ("tuple_with_strings", [(1, "a"), (2, "b")]),
    ("list_samples", [[1, 2], [3, 4]]),
    ("dict_samples", [{"x": al.tensor([1.0]), "y": 1, "name": "a"},
                      {"x": al.tensor([2.0]), "y": 2, "name": "b"}]),
    ("ordered_dict", [collections.OrderedDict(b=1.0, a=np.array([1])),
                      collections.OrderedDict(b=2.0, a=np.array([2]))]),
    ("namedtuple", [Point(al.tensor([1.0]), 1.5), Point(al.tensor([2.0]), 2.5)]),
    ("nested", [({"a": 1, "b": [np.array([1.0]), 2.0]}, "s"),
                ({"a": 3, "b": [np.array([3.0]), 4.0]}, "t")]),
]


@pytest.mark.parametrize("name,batch", COLLATE_CASES, ids=[c[0] for c in COLLATE_CASES])
def test_default_collate_matches_torch(name, batch):
    require_torch()
    from torch.utils.data import default_collate as torch_collate

    assert_same(default_collate(batch), torch_collate(to_torch(batch)))


CONVERT_CASES = [
    ("array", np.array([0, 1])),
    ("tuple", (np.array(0), 2)),
    ("namedtuple", Point(np.array(0), np.array(1.0))),
    ("string", "s"),
    ("int", 3),
    ("numpy_scalar", np.float64(2.0)),
    ("numpy_str_array", np.array(["a", "b"])),
    ("dict", {"a": np.array([1.5]), "b": "x"}),
    ("list", [np.array(1), "x", (np.array([2]),)]),
    ("tensor", al.tensor([1.0, 2.0])),
]


@pytest.mark.parametrize("name,data", CONVERT_CASES, ids=[c[0] for c in CONVERT_CASES])
def test_default_convert_matches_torch(name, data):
    require_torch()
    from torch.utils.data import default_convert as torch_convert

    assert_same(default_convert(data), torch_convert(to_torch(data)))


def test_default_convert_keeps_tensors_and_shares_numpy_memory():
    t = al.tensor([1.0])
    assert default_convert(t) is t
    a = np.array([1.0, 2.0])
    default_convert(a)[0] = 5.0  # as_tensor: no copy, as in PyTorch
    assert a[0] == 5.0


ERROR_CASES = [
    ("object", lambda lib: [object(), object()]),
    ("complex", lambda lib: [1 + 2j]),
    ("numpy_strings", lambda lib: [np.array(["a"]), np.array(["b"])]),
    ("ragged_lists", lambda lib: [[1, 2], [3]]),
    ("ragged_tensors", lambda lib: [lib.zeros(2), lib.zeros(3)]),
    ("empty", lambda lib: []),
]


@pytest.mark.parametrize("name,make", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_collate_errors_match_torch(name, make):
    torch = require_torch()
    from torch.utils.data import default_collate as torch_collate

    with pytest.raises(Exception) as theirs:
        torch_collate(make(torch))
    with pytest.raises(type(theirs.value)) as ours:
        default_collate(make(al))
    assert str(ours.value) == str(theirs.value)


def test_collate_of_tensors_requiring_grad_is_differentiable():
    a, b = al.tensor([1.0, 2.0], requires_grad=True), al.tensor([3.0, 4.0], requires_grad=True)
    out = default_collate([a, b])
    assert out.grad_fn is not None and out.grad_fn.name() == "StackBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])


def test_collate_with_a_custom_map():
    def tensors_as_list(batch, *, collate_fn_map):
        return [t.tolist() for t in batch]

    out = collate([(al.tensor([1]), "a"), (al.tensor([2]), "b")],
                  collate_fn_map={al.Tensor: tensors_as_list, str: lambda b, **kw: "".join(b)})
    assert out == [[[1], [2]], "ab"]


def test_stacked_batch_collates_like_the_samples_it_stands_for():
    require_torch()
    from torch.utils.data import default_collate as torch_collate

    x, y = al.arange(12.0).reshape(6, 2), al.arange(6)
    idx = [4, 0, 3]
    stacked = StackedBatch([x[idx], y[idx]])
    samples = [(x[i], y[i]) for i in idx]
    assert len(stacked) == 3
    assert [tuple(t.tolist() for t in s) for s in stacked] == \
        [tuple(t.tolist() for t in s) for s in samples]
    assert stacked[-1][1].item() == 3 and len(stacked[1:]) == 2
    assert_same(default_collate(stacked), torch_collate(to_torch(samples)))
    assert_same(default_collate(samples), torch_collate(to_torch(samples)))
