"""Tensor attributes and conversions: shape, size, item, numpy, ``__index__``, ``to``, pickling.

Parity rows compare each expression with PyTorch (value, dtype, shape or the exact error);
the torch-free tests check memory sharing, autograd bookkeeping and round trips.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from _outcome import assert_same

import autograd_lab as al

ATTR_CASES = [
    # Size: a tuple subclass with PyTorch's repr, slicing and arithmetic
    "T.Size([5, 3])", "T.Size([5, 3])[1:]", "type(T.Size([5, 3])[1:]).__name__",
    "T.Size([5, 3]) == (5, 3)", "T.Size([5, 3]).numel()", "T.Size([]).numel()",
    "T.Size([5, 3]) + (2,)", "(2,) + T.Size([5, 3])", "T.Size([5, 3]) * 2",
    "2 * T.Size([5, 3])", "str(T.Size([5, 3]))", "isinstance(T.Size([1]), tuple)",
    "T.Size([T.tensor(3)])", "T.Size([2.5])", "T.Size([-1])", "T.Size(3)",
    "T.ones(2, 3).shape", "T.ones(2, 3).shape[1]", "T.ones(2, 3).size()",
    # size(dim), dim, ndim, numel, stride, contiguity
    "T.ones(2, 3).size(-1)", "T.ones(2, 3).size(dim=1)", "T.ones(2, 3).size(2)",
    "T.ones(2, 3).size(-3)", "T.tensor(1.).size(0)", "T.tensor(1.).size(-1)",
    "T.ones(2, 3).dim()", "T.ones(2, 3).ndim", "T.tensor(1.).dim()", "T.ones(2, 3).numel()",
    "T.numel(T.ones(2, 3))", "T.ones(2).nelement()", "T.ones(2, 3).stride()",
    "T.ones(2, 3).t().stride()", "T.ones(2, 3).stride(-1)", "T.ones(2, 3).stride(5)",
    "T.tensor(1.).stride()", "T.tensor(1.).stride(0)", "T.ones(2, 3).t().is_contiguous()",
    "T.ones(2, 3).is_contiguous()", "T.ones(2, 3)[:, :1].is_contiguous()",
    "T.ones(1, 3).t().is_contiguous()", "T.ones(2, 3).t().contiguous().is_contiguous()",
    "T.ones(2, 3).t().contiguous().stride()", "T.ones(2).element_size()",
    "T.ones(2, dtype=T.float64).element_size()", "T.ones(2).is_floating_point()",
    "T.is_floating_point(T.ones(2, dtype=T.int32))", "T.is_tensor(T.ones(2))",
    "T.is_tensor([1])", "T.ones(2).dtype", "T.ones(2).device", "T.ones(2).is_cuda",
    # item, tolist, numpy
    "T.ones(2, 3).item()", "T.zeros(0).item()", "T.tensor([2.5]).item()",
    "T.tensor([[2]]).item()", "T.tensor(True).item()", "T.tensor(2.5, dtype=T.float16).item()",
    "T.tensor(2.5).tolist()", "T.tensor([[1, 2]]).tolist()", "T.tensor([]).tolist()",
    "T.ones(2, requires_grad=True).numpy()", "T.ones(2, requires_grad=True).numpy(force=True)",
    "T.ones(2).numpy(force=True)", "np.asarray(T.ones(2, requires_grad=True))",
    "np.array(T.tensor([1.5, 2.5]), dtype=np.int64)",
    # Python protocols
    "len(T.ones(3, 2))", "len(T.tensor(1.))", "len(T.zeros(0))", "list(T.tensor([1, 2]))",
    "list(T.tensor(1))", "[r.shape for r in T.ones(3, 2)]", "bool(T.tensor([1, 2]))",
    "bool(T.tensor([]))", "bool(T.tensor([0]))", "bool(T.tensor(0.5))",
    "float(T.tensor([1, 2]))", "float(T.tensor([]))", "float(T.tensor([[3]]))",
    "float(T.tensor(True))", "int(T.tensor(3.7))", "int(T.tensor(-3.7))",
    "int(T.tensor([1, 2]))", "int(T.tensor(True))", "range(T.tensor(3))",
    "[1, 2, 3][T.tensor(1)]", "[1, 2, 3][T.tensor([1])]", "[1, 2, 3][T.tensor(1.)]",
    "[1, 2, 3][T.tensor(True)]", "[1, 2, 3][T.tensor([1, 2])]", "T.tensor(3).__index__()",
    "T.tensor([[3]]).__index__()", "T.tensor(3.5).__index__()",
    "f'{T.tensor(3.14159):.2f}'", "f'{T.tensor(3):d}'", "f'{T.tensor(3):5}'",
    "f'{T.tensor([1.5, 2]):.2f}'", "f'{T.tensor([1.5]):.2f}'", "f'{T.tensor([1.5, 2])}'",
    "format(T.tensor(2.5))", "format(T.tensor([2.5]), '')", "f'{T.tensor(True):d}'",
    "f'{T.tensor(2.5, requires_grad=True):.1f}'",
    # type strings and casts
    "T.ones(2, 3).type()", "T.ones(2, dtype=T.int64).type()", "T.ones(2, dtype=T.bool).type()",
    "T.ones(2, dtype=T.uint8).type()", "T.ones(2, dtype=T.float16).type()",
    "T.ones(2, dtype=T.int8).type()", "T.ones(2, dtype=T.int16).type()",
    "T.ones(2, dtype=T.float64).type()", "T.ones(2).type(T.int64)",
    "T.ones(2).type('torch.IntTensor')", "T.ones(2).type('torch.Nope')",
    "T.ones(2).type_as(T.tensor([1]))", "T.ones(2).float()", "T.ones(2).double()",
    "T.ones(2).half()", "T.ones(2).long()", "T.ones(2).int()", "T.ones(2).short()",
    "T.ones(2).char()", "T.ones(2).byte()", "T.ones(2).bool()", "T.tensor([1.7, -1.7]).long()",
    "T.tensor([1.5, 0.]).bool()", "T.tensor([300.]).byte()", "T.tensor([-1.]).byte()",
    # to(): every calling convention
    "T.ones(2).to(T.float64)", "T.ones(2).to('cpu')", "T.ones(2).to('cpu', T.int32)",
    "T.ones(2).to(T.device('cpu'), T.int32)", "T.ones(2).to(T.tensor([1]))",
    "T.ones(2).to(dtype=T.int32)", "T.ones(2).to(device='cpu', dtype=T.int32)",
    "T.ones(2).to(T.float32, copy=True)", "T.ones(2).to(T.float32, non_blocking=True)",
    "T.ones(2).to(T.float32, True)", "T.ones(2).to(T.float32, False, True)",
    "T.ones(2).to('cpu', T.float32, False, True)", "T.ones(2).to()", "T.ones(2).to(float)",
    "T.ones(2).to(dtype=None)", "T.ones(2).to(device=None)", "T.ones(2).cpu()",
    "T.ones(2).to(T.ones(2, dtype=T.float64), copy=True)", "T.ones(2).to('gpu')",
    # autograd bookkeeping of casts, clone, detach, data
    "T.tensor([1., 2], requires_grad=True).double().grad_fn.name()",
    "T.tensor([1., 2], requires_grad=True).to(T.float32).grad_fn",
    "T.tensor([1., 2], requires_grad=True).to(T.float32, copy=True).grad_fn.name()",
    "T.tensor([1., 2], requires_grad=True).long().requires_grad",
    "T.tensor([1., 2], requires_grad=True).long().grad_fn",
    "T.tensor([1., 2]).requires_grad_().data.requires_grad",
    "T.tensor([1., 2]).requires_grad_().detach().requires_grad",
    "T.tensor([1., 2]).requires_grad_().is_leaf",
    "(T.tensor([1., 2]).requires_grad_() * 2).is_leaf",
    "T.tensor([1., 2]).is_leaf", "(T.tensor([1., 2]) * 2).is_leaf",
    "T.tensor([1., 2]).requires_grad_().clone().grad_fn.name()", "T.tensor([1., 2]).clone()",
    "T.zeros(2, dtype=T.int64).requires_grad_()", "T.tensor(1).requires_grad_(False)",
]


@pytest.mark.torch
@pytest.mark.parametrize("src", ATTR_CASES)
def test_attribute_matches_torch(torch, src):
    assert_same(torch, src)


# ----------------------------------------------------------------------------- torch-free
def test_numpy_and_array_share_memory():
    t = al.zeros(3)
    a, b = t.numpy(), np.asarray(t)
    a[0], b[1] = 1.0, 2.0
    assert t.tolist() == [1.0, 2.0, 0.0]
    assert np.array(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires grad"
                                           r"\. Use tensor\.detach\(\)\.numpy\(\) instead\.$"):
        al.ones(2, requires_grad=True).numpy()


def test_item_and_scalar_conversions():
    assert al.tensor([[2.5]]).item() == 2.5 and isinstance(al.tensor(3).item(), int)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to "
                                           "Scalar"):
        al.ones(2).item()
    assert list(range(al.tensor(3))) == [0, 1, 2]
    assert ["a", "b", "c"][al.tensor(2)] == "c"
    with pytest.raises(TypeError, match="only integer tensors of a single element can be "
                                        "converted to an index"):
        range(al.tensor(2.0))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(al.tensor(1.0))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value "
                                           "is ambiguous"):
        bool(al.ones(2))
    assert f"{al.tensor(3.14159):.2f}" == "3.14"


def test_iteration_yields_rows():
    rows = list(al.arange(6).reshape(3, 2))
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]


def test_data_shares_storage_but_is_not_tracked():
    w = al.ones(2, requires_grad=True)
    d = w.data
    assert d.requires_grad is False and d.grad_fn is None
    d[0] = 5.0
    assert w.tolist() == [5.0, 1.0] and w._version == 0
    w.data = al.zeros(3)
    assert w.shape == (3,) and w.requires_grad


def test_detach_shares_storage_and_version():
    w = al.ones(2, requires_grad=True)
    d = w.detach()
    d[1] = 3.0
    assert w.tolist() == [1.0, 3.0] and w._version == d._version == 1


@pytest.mark.parametrize("make", [
    lambda: al.tensor([1.0, 2.0], requires_grad=True),
    lambda: al.arange(6).reshape(2, 3),
    lambda: al.tensor([True, False]),
    lambda: al.tensor(2.5, dtype=al.float64),
    lambda: al.arange(6.0).reshape(2, 3)[:, 1],
])
@pytest.mark.parametrize("roundtrip", [lambda t: pickle.loads(pickle.dumps(t)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_pickle_and_deepcopy_roundtrip(make, roundtrip):
    t = make()
    u = roundtrip(t)
    assert u is not t and u.dtype is t.dtype and u.requires_grad == t.requires_grad
    assert u.tolist() == t.tolist() and u.is_leaf and u.device == t.device
    if u.numel():
        assert not np.shares_memory(u.detach().numpy(), t.detach().numpy())


def test_deepcopy_keeps_grad_pickle_drops_it():
    t = al.tensor([1.0, 2.0], requires_grad=True)
    t.grad = al.tensor([3.0, 4.0])
    assert copy.deepcopy(t).grad.tolist() == [3.0, 4.0]
    assert pickle.loads(pickle.dumps(t)).grad is None  # as PyTorch
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(t * 2)


def test_to_returns_self_when_nothing_changes():
    t = al.ones(2)
    assert t.to(al.float32) is t and t.to("cpu") is t and t.cpu() is t
    assert t.to(al.float32, copy=True) is not t
    assert t.type_as(al.ones(1, dtype=al.int64)).dtype is al.int64
    assert t.type() == "autograd_lab.FloatTensor"
    assert t.type("autograd_lab.LongTensor").dtype is al.int64
