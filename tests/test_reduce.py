"""Reductions beyond the op table: errors, named tuples, ties, empty tensors, dtype rules,
special points of gradients (zeros, infinities, nan) and numerical stability.

Most tests run the same code with ``lib`` = autograd_lab and ``lib`` = torch and compare.
"""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest

import autograd_lab
from autograd_lab import return_types

INF, NAN = math.inf, math.nan


def _np(t):
    return np.asarray(t.detach().numpy())


def _same(ours, theirs, atol=1e-6):
    """Same type of result, shape, dtype, values (nan in the same places)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs, strict=True):
            _same(o, t, atol)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(ours), theirs.detach().numpy(), atol=atol, equal_nan=True)


# --------------------------------------------------------------------------- errors vs torch
def _x(lib, *shape, dtype=None):
    return lib.arange(math.prod(shape), dtype=dtype or lib.float32).reshape(shape)


ERRORS = [
    ("sum_dim_range", lambda lib: _x(lib, 3, 4).sum(2)),
    ("sum_0d_dim_range", lambda lib: lib.tensor(1.0).sum(1)),
    ("sum_dup_dims", lambda lib: _x(lib, 3, 4).sum((0, -2))),
    ("mean_int", lambda lib: lib.tensor([1, 2]).mean()),
    ("mean_bool", lambda lib: lib.tensor([True]).mean(0)),
    ("mean_int_dtype", lambda lib: _x(lib, 2).mean(dtype=lib.int64)),
    ("sum_autograd_int_dtype", lambda lib: _x(lib, 2).requires_grad_().sum(dtype=lib.int64)),
    ("cumprod_autograd_int_dtype",
     lambda lib: _x(lib, 2).requires_grad_().cumprod(0, dtype=lib.int64)),
    ("var_int", lambda lib: lib.tensor([1, 2]).var()),
    ("std_bool", lambda lib: lib.tensor([True, False]).std(0)),
    ("var_mean_int", lambda lib: lib.var_mean(lib.tensor([1, 2]))),
    ("norm_int", lambda lib: lib.tensor([3, 4]).norm()),
    ("norm_fro_3_dims", lambda lib: _x(lib, 2, 2, 2).norm(dim=(0, 1, 2))),
    ("norm_bad_order", lambda lib: _x(lib, 2, 2).norm("foo")),
    ("norm_int_dtype", lambda lib: _x(lib, 2).norm(dtype=lib.int64)),
    ("norm_narrowing_dtype", lambda lib: _x(lib, 2, dtype=lib.float64).norm(dtype=lib.float32)),
    ("norm_inf_empty", lambda lib: lib.zeros(0, 3).norm(INF)),
    ("norm_neg_inf_empty", lambda lib: lib.zeros(0, 3).norm(-INF)),
    ("norm_inf_empty_dim", lambda lib: lib.zeros(0, 3).norm(INF, dim=0)),
    ("max_empty", lambda lib: lib.tensor([]).max()),
    ("min_empty", lambda lib: lib.zeros(0, 2).min()),
    ("max_empty_dim", lambda lib: lib.zeros(0, 3).max(0)),
    ("min_empty_neg_dim", lambda lib: lib.zeros(0, 3).min(-2)),
    ("max_dim_range", lambda lib: _x(lib, 3, 4).max(2)),
    ("max_0d_dim_range", lambda lib: lib.tensor(3.0).max(1)),
    ("amax_empty", lambda lib: lib.zeros(0, 3).amax()),
    ("amin_empty_dim", lambda lib: lib.zeros(0, 3).amin(-2)),
    ("amax_empty_dims", lambda lib: lib.zeros(3, 0).amax((1, 0))),
    ("amax_dup", lambda lib: _x(lib, 2, 2).amax((0, 0))),
    ("argmax_empty", lambda lib: lib.tensor([]).argmax()),
    ("argmin_empty_dim", lambda lib: lib.zeros(0, 3).argmin(0)),
    ("argmax_bool", lambda lib: lib.tensor([True, False]).argmax()),
    ("argmax_dim_range", lambda lib: _x(lib, 2, 3).argmax(3)),
    ("argmax_tuple", lambda lib: _x(lib, 2, 3).argmax((0, 1))),
    ("softmax_int", lambda lib: lib.tensor([1, 2]).softmax(0)),
    ("log_softmax_int", lambda lib: lib.tensor([1, 2]).log_softmax(0)),
    ("log_softmax_int_dtype", lambda lib: _x(lib, 2).log_softmax(0, dtype=lib.int64)),
    ("softmax_dim_none", lambda lib: lib.softmax(_x(lib, 2), None)),
    ("softmax_dim_range", lambda lib: _x(lib, 2, 3).softmax(3)),
    ("cumsum_dim_range", lambda lib: _x(lib, 2, 3).cumsum(-3)),
    ("logsumexp_dim_range", lambda lib: _x(lib, 2, 3).logsumexp(2)),
    ("prod_dim_range", lambda lib: lib.tensor([1, 2]).prod(1)),
]


@pytest.mark.torch
@pytest.mark.parametrize("fn", [f for _, f in ERRORS], ids=[i for i, _ in ERRORS])
def test_errors_match_torch(fn, torch):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(autograd_lab)
    want = str(theirs.value).split(" (Triggered internally")[0]
    assert str(ours.value) == want


MISSING_DIM = [
    ("softmax", lambda lib: lib.softmax(_x(lib, 2))),
    ("cumsum", lambda lib: _x(lib, 2).cumsum()),
    ("logsumexp", lambda lib: lib.logsumexp(_x(lib, 2))),
]


@pytest.mark.parametrize("fn", [f for _, f in MISSING_DIM], ids=[i for i, _ in MISSING_DIM])
def test_dim_is_required(fn):
    with pytest.raises(TypeError, match="dim"):
        fn(autograd_lab)


@pytest.mark.parametrize("fn", [
    lambda x: x.max((0, 1)),
    lambda x: x.max(keepdim=True),
    lambda x: x.prod((0, 1)),
    lambda x: x.sum(1.0),
    lambda x: x.var(1, unbiased=False, correction=1),
], ids=["max_tuple", "max_keepdim_no_dim", "prod_tuple", "sum_float_dim", "unbiased_and_corr"])
def test_bad_argument_types_raise_type_error(fn):
    with pytest.raises(TypeError):
        fn(autograd_lab.ones(2, 3))


# --------------------------------------------------------------------------- named tuples
def test_max_dim_returns_named_tuple():
    x = autograd_lab.tensor([[1.0, 5.0], [7.0, 2.0]])
    r = x.max(1)
    assert type(r) is return_types.max and isinstance(r, tuple)
    assert type(r).__module__ == "autograd_lab.return_types" and type(r).__name__ == "max"
    assert r._fields == ("values", "indices") and len(r) == 2
    values, indices = r  # unpacking
    assert r[0] is values and r.values is values and r[1] is indices and r.indices is indices
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert repr(r) == ("autograd_lab.return_types.max(\nvalues=tensor([5., 7.]),\n"
                       "indices=tensor([1, 0]))")
    assert str(r) == repr(r)
    assert type(autograd_lab.min(x, 0)) is return_types.min


def test_named_tuple_repr_shows_grad_fn():
    x = autograd_lab.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    assert repr(x.min(0)) == ("autograd_lab.return_types.min(\n"
                              "values=tensor([1., 2.], grad_fn=<MinBackward0>),\n"
                              "indices=tensor([0, 1]))")


@pytest.mark.torch
def test_named_tuple_repr_matches_torch(torch):
    data = [[1.0, 5.0, 5.0], [7.0, 2.0, -1.0]]
    for name in ("max", "min"):
        ours = repr(getattr(autograd_lab.tensor(data), name)(1, keepdim=True))
        theirs = repr(getattr(torch.tensor(data), name)(1, keepdim=True))
        assert ours == theirs.replace("torch.", "autograd_lab.")


def test_named_tuple_pickles():
    r = autograd_lab.tensor([3.0, 1.0]).max(0)
    back = pickle.loads(pickle.dumps(r))
    assert type(back) is return_types.max and back.indices.item() == 0


def test_max_keepdim_and_out():
    x = autograd_lab.tensor([[1.0, 5.0], [7.0, 2.0]])
    v, i = autograd_lab.empty(0), autograd_lab.empty(0, dtype=autograd_lab.int64)
    r = autograd_lab.max(x, 0, True, out=(v, i))
    assert r.values is v and r.indices is i
    assert v.tolist() == [[7.0, 5.0]] and i.tolist() == [[1, 0]]


# --------------------------------------------------------------------------- values vs torch
VALUES = [
    # dtype rules
    ("sum_int", lambda lib: lib.tensor([1, 2], dtype=lib.int32).sum()),
    ("sum_bool", lambda lib: lib.tensor([True, True, False]).sum(0)),
    ("sum_uint8", lambda lib: lib.tensor([200, 100], dtype=lib.uint8).sum()),
    ("sum_int_dtype", lambda lib: lib.tensor([1, 2]).sum(dtype=lib.int32)),
    ("sum_dtype_f64", lambda lib: _x(lib, 3).sum(dtype=lib.float64)),
    ("prod_int", lambda lib: lib.tensor([3, 4], dtype=lib.int8).prod()),
    ("prod_bool", lambda lib: lib.tensor([True, False]).prod()),
    ("prod_dtype", lambda lib: lib.tensor([1, 2]).prod(dtype=lib.float32)),
    ("cumsum_int32", lambda lib: lib.tensor([1, 2], dtype=lib.int32).cumsum(0)),
    ("cumsum_bool", lambda lib: lib.tensor([True, True]).cumsum(0)),
    ("cumprod_int_dtype", lambda lib: lib.tensor([1, 2, 3]).cumprod(0, dtype=lib.float32)),
    ("mean_int_with_dtype", lambda lib: lib.tensor([1, 2]).mean(dtype=lib.float32)),
    ("mean_dtype_f64", lambda lib: _x(lib, 2, 2).mean(0, dtype=lib.float64)),
    ("max_int", lambda lib: lib.tensor([3, 7, 7]).max()),
    ("max_int_dim", lambda lib: lib.tensor([[3, 7, 7]]).max(1)),
    ("max_uint8", lambda lib: lib.tensor([3, 7], dtype=lib.uint8).max()),
    ("max_bool", lambda lib: lib.tensor([True, False]).max()),
    ("amax_bool", lambda lib: lib.tensor([True, False]).amax()),
    ("all_int", lambda lib: lib.tensor([1, 2]).all()),
    ("all_float_dim", lambda lib: lib.tensor([[1.0, 0.0], [2.0, 3.0]]).all(1)),
    ("any_uint8", lambda lib: lib.tensor([[0, 2]], dtype=lib.uint8).any()),
    ("all_uint8_dim", lambda lib: lib.tensor([[1, 2]], dtype=lib.uint8).all(1)),
    ("all_empty_dims", lambda lib: lib.tensor([[0.0, 2.0]]).all(())),
    ("any_tuple_keepdim", lambda lib: lib.tensor([[[0, 2]]]).any((0, 2), keepdim=True)),
    ("logsumexp_int", lambda lib: lib.tensor([1, 2]).logsumexp(0)),
    ("softmax_int_dtype", lambda lib: lib.tensor([1, 2]).softmax(0, dtype=lib.float32)),
    ("argmax_flat_keepdim", lambda lib: _x(lib, 2, 3).argmax(keepdim=True)),
    ("argmax_ties_first", lambda lib: lib.tensor([1.0, 3.0, 3.0, 2.0]).argmax()),
    ("argmin_ties_first", lambda lib: lib.tensor([[5.0, 1.0, 1.0]]).argmin(1)),
    ("max_dim_ties_first", lambda lib: lib.tensor([[5.0, 5.0, 1.0]]).max(1)),
    ("norm_none_is_2", lambda lib: lib.tensor([3.0, 4.0]).norm(None)),
    ("norm_keepdim_all", lambda lib: _x(lib, 2, 3).norm(keepdim=True)),
    ("norm_neg_p_zero_entry", lambda lib: lib.tensor([0.0, 1.0]).norm(-1)),
    ("norm_dim_list", lambda lib: _x(lib, 2, 3, 2).norm(dim=[0, 1])),
    ("var_positional_unbiased", lambda lib: _x(lib, 4).var(False)),
    ("var_mean_unbiased_positional", lambda lib: lib.var_mean(_x(lib, 2, 3), 1, False)),
    ("std_mean_keepdim", lambda lib: lib.std_mean(_x(lib, 2, 3), dim=1, keepdim=True)),
    ("sum_dim_empty_tuple", lambda lib: _x(lib, 2, 3).sum(dim=())),
    ("amax_dim_empty_tuple", lambda lib: _x(lib, 2, 3).amax(())),
    ("var_dim_empty_list", lambda lib: _x(lib, 2, 3).var([])),
    # 0-d tensors accept dim 0 and -1
    ("sum_0d", lambda lib: lib.tensor(3.0).sum(-1)),
    ("max_0d", lambda lib: lib.tensor(3.0).max(0)),
    ("argmax_0d", lambda lib: lib.tensor(3.0).argmax(0)),
    ("cumsum_0d", lambda lib: lib.tensor(3.0).cumsum(0)),
    ("cumprod_0d", lambda lib: lib.tensor(3.0).cumprod(-1)),
    ("softmax_0d", lambda lib: lib.tensor(3.0).softmax(0)),
    ("log_softmax_0d", lambda lib: lib.tensor(3.0).log_softmax(0)),
    ("logsumexp_0d", lambda lib: lib.tensor(3.0).logsumexp(0)),
    ("prod_0d", lambda lib: lib.tensor(3.0).prod(0)),
    # empty tensors
    ("sum_empty", lambda lib: lib.zeros(0, 3).sum()),
    ("sum_empty_dim", lambda lib: lib.zeros(0, 3).sum(0)),
    ("mean_empty", lambda lib: lib.zeros(0, 3).mean()),
    ("mean_empty_dim", lambda lib: lib.zeros(0, 3).mean(0)),
    ("prod_empty", lambda lib: lib.zeros(0).prod()),
    ("norm_empty", lambda lib: lib.zeros(0, 3).norm()),
    ("logsumexp_empty", lambda lib: lib.zeros(0, 3).logsumexp(0)),
    ("logsumexp_empty_other_dim", lambda lib: lib.zeros(0, 3).logsumexp(1)),
    ("all_empty", lambda lib: lib.zeros(0).all()),
    ("any_empty", lambda lib: lib.zeros(0).any()),
    ("cumsum_empty", lambda lib: lib.zeros(0, 3).cumsum(0)),
    ("softmax_empty", lambda lib: lib.zeros(0, 3).softmax(0)),
    ("amax_empty_other_dim", lambda lib: lib.zeros(0, 3).amax(1)),
    ("max_empty_other_dim", lambda lib: lib.zeros(0, 3).max(1)),
    ("argmax_empty_other_dim", lambda lib: lib.zeros(0, 3).argmax(1)),
    ("norm_inf_empty_other_dim", lambda lib: lib.zeros(0, 3).norm(INF, dim=1)),
    # nan and inf
    ("max_nan", lambda lib: lib.tensor([1.0, NAN, 2.0]).max()),
    ("max_dim_nan", lambda lib: lib.tensor([1.0, NAN, 2.0]).max(0)),
    ("argmin_nan", lambda lib: lib.tensor([1.0, NAN, -2.0]).argmin()),
    ("amin_nan", lambda lib: lib.tensor([1.0, NAN, -2.0]).amin()),
    ("logsumexp_neg_inf", lambda lib: lib.tensor([-INF, -INF]).logsumexp(0)),
    ("logsumexp_inf", lambda lib: lib.tensor([INF, 1.0]).logsumexp(0)),
    ("softmax_neg_inf_row", lambda lib: lib.tensor([[-INF, -INF], [0.0, -INF]]).softmax(1)),
    ("log_softmax_neg_inf", lambda lib: lib.tensor([0.0, -INF]).log_softmax(0)),
    # stability: no overflow for extreme logits
    ("softmax_1e4", lambda lib: lib.tensor([1e4, -1e4, 0.0]).softmax(0)),
    ("log_softmax_1e4", lambda lib: lib.tensor([[1e4, -1e4, 0.0]]).log_softmax(1)),
    ("logsumexp_1e4", lambda lib: lib.tensor([1e4, 1e4]).logsumexp(0)),
    ("log_softmax_tiny_prob", lambda lib: lib.tensor([0.0, -200.0]).log_softmax(0)),
]


@pytest.mark.torch
@pytest.mark.parametrize("fn", [f for _, f in VALUES], ids=[i for i, _ in VALUES])
def test_values_match_torch(fn, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fn(torch)
        ours = fn(autograd_lab)
    _same(ours, theirs, atol=1e-3)


def test_reductions_return_arrays_not_numpy_scalars():
    # A full reduction must give an ndarray (in-place ops on it need item assignment).
    x = autograd_lab.ones(2, 3)
    for t in (x.sum(), x.mean(), x.prod(), x.var(), x.norm(), x.max(), x.amax(), x.argmax(),
              x.all(), x.logsumexp((0, 1)), autograd_lab.var_mean(x)[1]):
        assert isinstance(t._data, np.ndarray), t


# --------------------------------------------------------------------------- gradients vs torch
GRADS = [
    # ties: max()/amax split evenly, max(dim) picks the first index
    ("max_ties", lambda x: x.max(), [1.0, 3.0, 3.0, 2.0]),
    ("min_ties", lambda x: x.min(), [1.0, 1.0, 3.0, 1.0]),
    ("amax_ties", lambda x: x.amax(1), [[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 1.0]]),
    ("amin_ties_keepdim", lambda x: x.amin(0, keepdim=True), [[1.0, 3.0], [1.0, 2.0]]),
    ("max_dim_ties", lambda x: x.max(1).values, [[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 1.0]]),
    ("max_nan", lambda x: x.max(), [1.0, NAN, 2.0]),
    ("amax_nan", lambda x: x.amax(), [1.0, NAN, 2.0]),
    ("max_dim_nan", lambda x: x.max(0).values, [1.0, NAN, 2.0]),
    # zeros: prod / cumprod
    ("prod_one_zero", lambda x: x.prod(), [2.0, 0.0, 3.0]),
    ("prod_two_zeros", lambda x: x.prod(), [2.0, 0.0, 0.0]),
    ("prod_dim_zeros", lambda x: x.prod(1), [[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]]),
    ("prod_all_2d_zero", lambda x: x.prod(), [[2.0, 0.0], [3.0, 4.0]]),
    ("cumprod_zeros", lambda x: x.cumprod(0), [2.0, 0.0, 3.0, 0.0, 5.0]),
    ("cumprod_zeros_rows", lambda x: x.cumprod(1), [[0.0, 2.0, 3.0], [1.0, 2.0, 0.0]]),
    # norms at zero: gradient 0, not nan
    ("norm_zero", lambda x: x.norm(), [0.0, 0.0]),
    ("norm_zero_rows", lambda x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]]),
    ("norm1_zero", lambda x: x.norm(1), [0.0, 0.0]),
    ("norm3_zero", lambda x: x.norm(3), [0.0, 0.0]),
    ("norm3_zero_entry", lambda x: x.norm(3), [0.0, 1.0]),
    ("norm_half_zero_entry", lambda x: x.norm(0.5, dim=1), [[0.0, 0.0], [1.0, 2.0]]),
    ("norm_1_5_zero_rows", lambda x: x.norm(1.5, dim=1), [[0.0, 0.0], [1.0, 2.0]]),
    ("norm_neg1", lambda x: x.norm(-1, dim=1), [[0.0, 0.0], [1.0, 2.0]]),
    ("norm_inf_ties", lambda x: x.norm(INF), [1.0, -3.0, 3.0]),
    ("norm_neg_inf", lambda x: x.norm(-INF), [1.0, -3.0, -1.0]),
    ("norm_p0_no_grad", lambda x: x.norm(0) + x.sum(), [1.0, 0.0]),
    ("std_constant", lambda x: x.std(), [1.0, 1.0]),
    ("std_constant_rows", lambda x: x.std(1), [[1.0, 1.0], [1.0, 3.0]]),
    ("var_single", lambda x: x.var(), [1.0]),
    ("var_correction_2", lambda x: x.var(correction=2), [1.0, 2.0, 4.0]),
    ("var_mean_both", lambda x: sum(autograd_like(x).var_mean(x, 0)), [[1.0, 2.0], [4.0, 8.0]]),
    # infinities and extreme logits
    ("logsumexp_neg_inf", lambda x: x.logsumexp(0), [-INF, -INF]),
    ("logsumexp_inf", lambda x: x.logsumexp(0), [INF, 1.0]),
    ("logsumexp_1e4", lambda x: x.logsumexp(0), [1e4, 1e4]),
    ("softmax_1e4", lambda x: x.softmax(0), [1e4, -1e4, 0.0]),
    ("log_softmax_1e4", lambda x: x.log_softmax(0), [1e4, -1e4, 0.0]),
    ("softmax_dtype", lambda x: x.softmax(0, dtype=autograd_like(x).float64), [1.0, 2.0]),
    ("cumsum_dtype", lambda x: x.cumsum(0, dtype=autograd_like(x).float64), [1.0, 2.0]),
    ("mean_dtype", lambda x: x.mean(dtype=autograd_like(x).float64), [1.0, 2.0]),
]


def autograd_like(x):
    """The library ``x`` belongs to (autograd_lab or torch)."""
    return autograd_lab if isinstance(x, autograd_lab.Tensor) else __import__("torch")


@pytest.mark.torch
@pytest.mark.parametrize("fn,data", [(f, d) for _, f, d in GRADS], ids=[i for i, _, _ in GRADS])
def test_gradients_match_torch(fn, data, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.tensor(data, requires_grad=True)
        out_t = fn(t)
        out_t.backward(torch.ones_like(out_t))
        o = autograd_lab.tensor(data, requires_grad=True)
        out_o = fn(o)
        out_o.backward(autograd_lab.ones_like(out_o))
    _same(out_o, out_t)
    assert type(out_o.grad_fn).__name__ == type(out_t.grad_fn).__name__
    if t.grad is None:
        assert o.grad is None
    else:
        _same(o.grad, t.grad)


# --------------------------------------------------------------------------- warnings
@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
def test_no_degrees_of_freedom_warns_like_torch(name):
    x = autograd_lab.tensor([[1.0, 2.0]])
    with pytest.warns(UserWarning, match=rf"^{name}\(\): degrees of freedom is <= 0"):
        r = getattr(autograd_lab, name)(x, 0)
    first = r[0] if isinstance(r, tuple) else r
    assert np.isnan(_np(first)).all()


def test_empty_mean_is_nan_without_numpy_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(autograd_lab.zeros(0).mean().item())
        assert autograd_lab.zeros(0, 2).logsumexp(0).tolist() == [-INF, -INF]
        assert autograd_lab.tensor([0.0, 1.0]).norm(-1).item() == 0.0


# --------------------------------------------------------------------------- out= and namespace
def test_out_argument():
    x = autograd_lab.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = autograd_lab.empty(0)
    assert autograd_lab.sum(x, 0, out=out) is out and out.tolist() == [4.0, 6.0]
    assert autograd_lab.mean(x, 1, out=out) is out and out.tolist() == [1.5, 3.5]
    assert autograd_lab.cumsum(x, 0, out=out) is out and out.tolist() == [[1, 2], [4, 6]]


def test_functional_exports():
    for name in ["sum", "mean", "prod", "var", "std", "var_mean", "std_mean", "norm",
                 "logsumexp", "max", "min", "amax", "amin", "argmax", "argmin", "all", "any",
                 "cumsum", "cumprod", "softmax", "log_softmax", "sum_to_size"]:
        assert callable(getattr(autograd_lab, name)), name
    assert autograd_lab.return_types.max is return_types.max


def test_max_binary_is_maximum():
    a = autograd_lab.tensor([1.0, 5.0], requires_grad=True)
    b = autograd_lab.tensor([3.0, 2.0])
    r = autograd_lab.max(a, b)
    assert r.tolist() == [3.0, 5.0] and type(r.grad_fn).__name__ == "MaximumBackward0"
    assert autograd_lab.min(a, b).tolist() == [1.0, 2.0]


def test_backward_of_hot_path_reductions_makes_no_copies():
    # sum/mean broadcast their gradient back as a view (stride 0), not a materialised copy.
    x = autograd_lab.ones(128, 10, requires_grad=True)
    y = x.mean()
    (g,) = autograd_lab.autograd.grad(y, x)
    assert g.shape == (128, 10)
    assert g._data.strides == (0, 0) or g._data.base is not None
