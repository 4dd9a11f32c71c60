"""Views share storage like PyTorch's; copies don't. Strides, contiguity, in-place on views,
version counters, autograd through view chains, and the shape ops' errors, checked against
PyTorch (the parity tests are marked ``torch``)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lab as lab


def _shares(a, b) -> bool:
    return np.shares_memory(a._data, b._data)


def _base(lib, shape=(2, 3, 4)):
    return lib.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))


# ----------------------------------------------------------------------------- storage sharing
# fn(lib, x) for x of shape (2, 3, 4); each result must be a view of x.
VIEWS = {
    "view": lambda lib, x: x.view(6, 4),
    "view-infer": lambda lib, x: x.view(-1, 8),
    "view_as": lambda lib, x: x.view_as(lib.zeros(4, 6)),
    "reshape": lambda lib, x: x.reshape(24),
    "reshape-alias": lambda lib, x: x.transpose(0, 1).reshape(3, 2, 4),
    "flatten": lambda lib, x: x.flatten(1),
    "ravel": lambda lib, x: x.ravel(),
    "unflatten": lambda lib, x: x.unflatten(2, (2, 2)),
    "permute": lambda lib, x: x.permute(2, 0, 1),
    "transpose": lambda lib, x: x.transpose(0, 2),
    "swapaxes": lambda lib, x: lib.swapaxes(x, 1, 2),
    "t": lambda lib, x: x[0].t(),
    "T": lambda lib, x: x[0].T,
    "mT": lambda lib, x: x.mT,
    "adjoint": lambda lib, x: lib.adjoint(x),
    "movedim": lambda lib, x: x.movedim(0, -1),
    "unsqueeze": lambda lib, x: x.unsqueeze(1),
    "squeeze": lambda lib, x: x.unsqueeze(0).squeeze(),
    "squeeze-dims": lambda lib, x: x.unsqueeze(-1).squeeze((0, -1)),
    "narrow": lambda lib, x: x.narrow(1, 1, 2),
    "select": lambda lib, x: x.select(2, -1),
    "split": lambda lib, x: x.split(2, 2)[1],
    "split-sizes": lambda lib, x: x.split([1, 2], 1)[1],
    "chunk": lambda lib, x: x.chunk(3, 1)[2],
    "unbind": lambda lib, x: x.unbind(1)[1],
    "diagonal": lambda lib, x: x.diagonal(1, 1, 2),
    "chain": lambda lib, x: x.transpose(0, 1).narrow(0, 1, 2).unsqueeze(0).select(-1, 1),
}
# Expanded views repeat memory: written only through their base.
READONLY_VIEWS = {
    "expand": lambda lib, x: x[:, :1].expand(2, 5, 4),
    "expand_as": lambda lib, x: x[0, 0].expand_as(x),
    "broadcast_to": lambda lib, x: lib.broadcast_to(x, (3, 2, 3, 4)),
}
COPIES = {
    "clone": lambda lib, x: x.clone(),
    "contiguous": lambda lib, x: x.transpose(0, 1).contiguous(),
    "reshape-copy": lambda lib, x: x.transpose(0, 1).reshape(-1),
    "flatten-copy": lambda lib, x: x.permute(2, 0, 1).flatten(),
    "ravel-copy": lambda lib, x: x.transpose(0, 1).ravel(),
    "cat": lambda lib, x: lib.cat([x, x]),
    "stack": lambda lib, x: lib.stack([x]),
    "hstack": lambda lib, x: lib.hstack([x]),
    "repeat": lambda lib, x: x.repeat(1, 1, 1),
    "tile": lambda lib, x: x.tile(1),
    "repeat_interleave": lambda lib, x: x.repeat_interleave(1, dim=0),
    "flip": lambda lib, x: x.flip(0),
    "roll": lambda lib, x: x.roll(1),
    "tril": lambda lib, x: x.tril(),
    "triu": lambda lib, x: x.triu(),
    "to-dtype": lambda lib, x: x.to(lib.float64),
    "to-copy": lambda lib, x: x.to(lib.float32, copy=True),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_shares_storage_and_version(name):
    x = _base(lab)
    v = VIEWS[name](lab, x)
    assert _shares(v, x) and v._base is x
    before = x.numpy().copy()
    v.mul_(-1)  # write through the view
    assert v._version == x._version == 1
    assert not np.array_equal(x.numpy(), before)
    x.add_(1)  # and through the base: the view sees it
    assert v._version == 2
    np.testing.assert_array_equal(v.numpy(), VIEWS[name](lab, x).numpy())


@pytest.mark.parametrize("name", list(READONLY_VIEWS))
def test_expanded_view_shares_storage(name):
    x = _base(lab)
    v = READONLY_VIEWS[name](lab, x)
    assert _shares(v, x) and v._base is x
    x.add_(1)
    assert v._version == x._version == 1
    np.testing.assert_array_equal(v.numpy(), READONLY_VIEWS[name](lab, x).numpy())


@pytest.mark.parametrize("name", list(COPIES))
def test_copy_does_not_share_storage(name):
    x = _base(lab)
    c = COPIES[name](lab, x)
    assert not _shares(c, x) and c._base is not x
    c.add_(1)
    assert x._version == 0
    np.testing.assert_array_equal(x.numpy(), _base(lab).numpy())


def test_identity_results_are_the_input():
    x = _base(lab)
    assert x.contiguous() is x and x.to(lab.float32) is x and x.to("cpu") is x
    assert x.flatten(1, 1) is x
    assert x[0].t().contiguous() is not x[0]


@pytest.mark.torch
@pytest.mark.parametrize("name", list(VIEWS) + list(READONLY_VIEWS) + list(COPIES))
def test_view_or_copy_like_torch(torch, name):
    fn = {**VIEWS, **READONLY_VIEWS, **COPIES}[name]
    ours, theirs = fn(lab, _base(lab)), fn(torch, _base(torch))
    assert (ours._base is not None) == theirs._is_view()


# ----------------------------------------------------------------------------- strides
STRIDE_CHAINS = {
    "contiguous": lambda lib, x: x,
    "transpose": lambda lib, x: x.transpose(0, 2),
    "permute": lambda lib, x: x.permute(1, 2, 0),
    "t-unsqueeze-last": lambda lib, x: x[0].t().unsqueeze(2),
    "t-unsqueeze-mid": lambda lib, x: x[0].t().unsqueeze(1),
    "unsqueeze-0": lambda lib, x: x.unsqueeze(0),
    "expand-new-and-size1": lambda lib, x: x[:, :1].expand(1, 2, 1, 4),
    "expand": lambda lib, x: x[:, :1].expand(3, 2, 5, 4),
    "expand-unsqueeze": lambda lib, x: x[:, :1].expand(2, 5, 4).unsqueeze(2),
    "expand-contiguous": lambda lib, x: x[:, :1].expand(2, 5, 4).contiguous(),
    "expand-clone": lambda lib, x: x[:, :1].expand(2, 5, 4).clone(),
    "squeeze": lambda lib, x: x[:, 1:2].squeeze(),
    "slice-step": lambda lib, x: x[:, ::2],
    "slice-step-view": lambda lib, x: x[:, :, ::2].view(2, 6),
    "narrow": lambda lib, x: x.narrow(2, 1, 2),
    "narrow-reshape": lambda lib, x: x.narrow(1, 0, 1).reshape(2, 4),
    "t-view-size1": lambda lib, x: x[0].t().view(4, 1, 3),
    "t-view-size1-last": lambda lib, x: x[0].t().view(4, 3, 1),
    "diagonal": lambda lib, x: x.diagonal(0, 1, 2),
    "diagonal-offset": lambda lib, x: x.diagonal(-1, -1, 0),
    "diagonal-empty": lambda lib, x: x.diagonal(-5, -1, 1),
    "select": lambda lib, x: x.select(1, 1),
    "split": lambda lib, x: x.split(3, 2)[1],
    "movedim": lambda lib, x: x.movedim((0, 1), (2, 0)),
    "t-clone": lambda lib, x: x[0].t().clone(),
    "t-flip": lambda lib, x: x[0].t().flip(0),
    "unsqueeze-squeeze": lambda lib, x: x.transpose(0, 1).unsqueeze(1).squeeze(1),
    "t_": lambda lib, x: x[0].clone().t_(),
    "unsqueeze_": lambda lib, x: x.clone().transpose(0, 1).unsqueeze_(3),
    "scalar-view": lambda lib, x: x[0, 0, 0].view(1, 1),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(STRIDE_CHAINS))
def test_stride_and_contiguity_match_torch(torch, name):
    ours = STRIDE_CHAINS[name](lab, _base(lab))
    theirs = STRIDE_CHAINS[name](torch, _base(torch))
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ----------------------------------------------------------------------------- autograd
GRAD_CHAINS = {
    "view-t-unsqueeze-expand": lambda x: x.view(4, 6).t().unsqueeze(0).expand(2, 6, 4),
    "narrow-select-diagonal": lambda x: x.narrow(1, 1, 2).select(0, 1).diagonal(),
    "permute-reshape-copy": lambda x: x.permute(2, 0, 1).reshape(4, 6),
    "split-partial": lambda x: x.split(2, 2)[1].movedim(0, 1),
    "unbind-stack": lambda x: _stack_back(x),
    "squeeze-flatten": lambda x: x.unsqueeze(1).squeeze().flatten(0, 1),
    "cat-flip-roll": lambda x: _cat_flip_roll(x),
    "repeat-tril": lambda x: x[0].repeat(2, 1).tril(1),
}


def _lib_of(x):
    return lab if isinstance(x, lab.Tensor) else __import__("torch")


def _stack_back(x):
    return _lib_of(x).stack(x.unbind(1)[::-1], 2)


def _cat_flip_roll(x):
    lib = _lib_of(x)
    return lib.cat([x.flip(2), x.roll(1, 1)], 1)


def _grad_of(lib, chain, x_np, w_np=None):
    x = lib.tensor(x_np, requires_grad=True)
    y = chain(x)
    w = lib.tensor(w_np if w_np is not None else
                   np.random.default_rng(3).standard_normal(tuple(y.shape)).astype(np.float32))
    (y * w).sum().backward()
    return x.grad.numpy(), type(y.grad_fn).__name__


@pytest.mark.torch
@pytest.mark.parametrize("name", list(GRAD_CHAINS))
def test_gradient_through_view_chains(torch, name):
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    g_ours, fn_ours = _grad_of(lab, GRAD_CHAINS[name], x)
    g_theirs, fn_theirs = _grad_of(torch, GRAD_CHAINS[name], x)
    assert fn_ours == fn_theirs
    np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-5, atol=1e-6)


INPLACE_ON_VIEW = {
    "narrow-mul_": lambda y: y.narrow(0, 0, 2).mul_(2),
    "slice-mul_": lambda y: y[0:2].mul_(2),
    "t-add_": lambda y: y.t().add_(y.t().detach()),
    "select-exp_": lambda y: y.select(1, 2).exp_(),
    "diagonal-zero_": lambda y: y.diagonal().zero_(),
    "view-of-view-mul_": lambda y: y.t().narrow(0, 1, 2).unsqueeze(0).mul_(3),
    "unsqueeze_-then-mul_": lambda y: y[1].unsqueeze_(0).mul_(2),
    "t_-then-add_": lambda y: y.narrow(0, 1, 2).t_().add_(1),
    "split-then-view-of-base": lambda y: y.view(2, 8).select(0, 1).mul_(5),
    "expand-source": lambda y: y.narrow(1, 0, 1).copy_(y[:, 3:].detach().expand(4, 1)),
    "view-mul_-by-tensor": lambda y: y.view(-1)[2:5].mul_(y.view(-1)[5:8].detach() + 1),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(INPLACE_ON_VIEW))
def test_inplace_on_view_of_non_leaf(torch, name):
    x_np = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    w_np = np.random.default_rng(2).standard_normal((4, 4)).astype(np.float32)
    results = []
    for lib in (lab, torch):
        x = lib.tensor(x_np, requires_grad=True)
        y = x * 1
        INPLACE_ON_VIEW[name](y)
        assert type(y.grad_fn).__name__ == "CopySlices"
        (y.exp() * lib.tensor(w_np)).sum().backward()
        results.append((y.detach().numpy().copy(), x.grad.numpy().copy(), y._version))
    (yo, go, vo), (yt, gt, vt) = results
    np.testing.assert_allclose(yo, yt, rtol=1e-5)
    np.testing.assert_allclose(go, gt, rtol=1e-5, atol=1e-6)
    assert vo == vt


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the point is to compare any error
        return type(e).__name__, str(e).split("\n")[0].replace("torch.", "autograd_lab.")
    return None


INPLACE_ERRORS = {
    "view-of-leaf": lambda lib, x: x.view(-1).mul_(2),
    "narrow-of-leaf": lambda lib, x: x.narrow(0, 0, 1).add_(1),
    "split-output": lambda lib, x: (x * 1).split(2)[0].mul_(2),
    "split-output-of-leaf": lambda lib, x: x.split(2)[1].mul_(2),
    "view-of-split-output": lambda lib, x: (x * 1).split(2)[0][0].mul_(2),
    "unbind-output": lambda lib, x: (x * 1).unbind(0)[3].add_(1),
    "chunk-output": lambda lib, x: (x * 1).chunk(2)[1].view(-1).add_(1),
    "t_-leaf": lambda lib, x: x.t_(),
    "squeeze_-leaf": lambda lib, x: x.squeeze_(),
    "unsqueeze_-view-of-leaf": lambda lib, x: x[0].unsqueeze_(0),
    "tril_-leaf": lambda lib, x: x.tril_(),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(INPLACE_ERRORS))
def test_inplace_errors_match_torch(torch, name):
    got = _error(lambda: INPLACE_ERRORS[name](lab, lab.randn(4, 3, requires_grad=True)))
    want = _error(lambda: INPLACE_ERRORS[name](torch, torch.randn(4, 3, requires_grad=True)))
    assert want is not None and got == want


def test_split_outputs_may_change_in_place_without_grad():
    x = lab.zeros(4, 3)
    a, b = x.split(2)
    b.add_(1)
    assert x.sum().item() == 6 and x._version == 1


# ----------------------------------------------------------------------------- in-place views
@pytest.mark.torch
@pytest.mark.parametrize("op", ["t_", "transpose_", "squeeze_", "squeeze_dim", "squeeze_dims",
                                "unsqueeze_"])
def test_inplace_metadata_ops_like_torch(torch, op):
    call = {"t_": lambda t: t.t_(), "transpose_": lambda t: t.transpose_(0, 2),
            "squeeze_": lambda t: t.squeeze_(), "squeeze_dim": lambda t: t.squeeze_(-1),
            "squeeze_dims": lambda t: t.squeeze_((0, 2)),
            "unsqueeze_": lambda t: t.unsqueeze_(1)}[op]
    shape = (3, 4) if op == "t_" else (1, 3, 1)
    out = []
    for lib in (lab, torch):
        x = lib.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape),
                       requires_grad=True)
        y = x * 1
        v0 = y._version
        r = call(y)
        assert r is y
        y.sum().backward()
        out.append((tuple(y.shape), y.stride(), y._version - v0, type(y.grad_fn).__name__,
                    x.grad.shape))
    assert out[0] == out[1]


def test_inplace_metadata_op_on_view_keeps_sharing():
    x = lab.zeros(2, 3)
    v = x[0]
    v.unsqueeze_(0)
    assert tuple(v.shape) == (1, 3) and v._base is x and x._version == 1
    v.add_(1)
    assert x.numpy()[0].tolist() == [1, 1, 1] and x.numpy()[1].tolist() == [0, 0, 0]


# ----------------------------------------------------------------------------- errors
E = {
    "view-noncontiguous": lambda lib: lib.zeros(2, 3).t().view(6),
    "view-bad-size": lambda lib: lib.zeros(2, 3).view(4),
    "view-bad-infer": lambda lib: lib.zeros(2, 3).view(-1, 4),
    "view-two-infer": lambda lib: lib.zeros(2, 3).view(-1, -1),
    "view-negative": lambda lib: lib.zeros(2, 3).view(-2, 3),
    "view-zero-infer": lambda lib: lib.zeros(2, 3).view(0, -1),
    "view-empty-ambiguous": lambda lib: lib.zeros(0, 3).view(-1, 0),
    "view-dtype-size": lambda lib: lib.zeros(2, 3).view(lib.float64),
    "reshape-bad": lambda lib: lib.zeros(2, 3).reshape(5),
    "expand-mismatch": lambda lib: lib.zeros(2, 3).expand(3, 3),
    "expand-too-few": lambda lib: lib.zeros(2, 3).expand(3),
    "expand-too-few-long": lambda lib: lib.zeros(2, 3, dtype=lib.int64).expand(3),
    "expand-leading-minus1": lambda lib: lib.zeros(2, 3).expand(-1, 2, 3),
    "expand-trailing": lambda lib: lib.zeros(2, 3).expand(2, 3, -1),
    "broadcast_to": lambda lib: lib.broadcast_to(lib.zeros(2, 3), (3, 3)),
    "permute-count": lambda lib: lib.zeros(2, 3).permute(0),
    "permute-dup": lambda lib: lib.zeros(2, 3).permute(0, 0),
    "permute-range": lambda lib: lib.zeros(2, 3).permute(0, 2),
    "transpose-range": lambda lib: lib.zeros(2, 3).transpose(0, 2),
    "t-3d": lambda lib: lib.zeros(2, 3, 4).t(),
    "squeeze-range": lambda lib: lib.zeros(2, 3).squeeze(2),
    "squeeze-dup": lambda lib: lib.zeros(2, 3).squeeze((0, 0)),
    "unsqueeze-range": lambda lib: lib.zeros(2, 3).unsqueeze(3),
    "flatten-order": lambda lib: lib.zeros(2, 3).flatten(1, 0),
    "unflatten-product": lambda lib: lib.zeros(2, 3).unflatten(1, (2, 2)),
    "unflatten-infer": lambda lib: lib.zeros(2, 3).unflatten(1, (-1, 2)),
    "unflatten-empty": lambda lib: lib.zeros(2, 3).unflatten(1, ()),
    "narrow-length": lambda lib: lib.zeros(2, 3).narrow(0, 1, 2),
    "narrow-start": lambda lib: lib.zeros(2, 3).narrow(0, 3, 1),
    "narrow-negative-length": lambda lib: lib.zeros(2, 3).narrow(0, 0, -1),
    "narrow-0d": lambda lib: lib.tensor(1.0).narrow(0, 0, 1),
    "select-index": lambda lib: lib.zeros(2, 3).select(0, 2),
    "select-negative": lambda lib: lib.zeros(2, 3).select(0, -3),
    "select-0d": lambda lib: lib.tensor(1.0).select(0, 0),
    "chunk-zero": lambda lib: lib.zeros(2, 3).chunk(0),
    "split-zero": lambda lib: lib.zeros(2, 3).split(0),
    "split-negative": lambda lib: lib.zeros(2, 3).split(-1),
    "split-sizes-sum": lambda lib: lib.zeros(2, 3).split([1, 1], 1),
    "split-sizes-negative": lambda lib: lib.zeros(2, 3).split([1, -1, 2]),
    "unbind-range": lambda lib: lib.zeros(2, 3).unbind(2),
    "unbind-0d": lambda lib: lib.tensor(1.0).unbind(),
    "diagonal-same": lambda lib: lib.zeros(2, 3).diagonal(0, 1, -1),
    "movedim-count": lambda lib: lib.zeros(2, 3).movedim((0, 1), (0,)),
    "movedim-dup-src": lambda lib: lib.zeros(2, 3).movedim((0, 0), (0, 1)),
    "movedim-dup-dst": lambda lib: lib.zeros(2, 3).movedim((0, 1), (1, 1)),
    "cat-size": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)]),
    "cat-size-dim1": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(3, 4)], 1),
    "cat-ndim": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(3)]),
    "cat-empty-list": lambda lib: lib.cat([]),
    "cat-dim-range": lambda lib: lib.cat([lib.zeros(2, 3)], 2),
    "cat-0d": lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]),
    "cat-not-list": lambda lib: lib.cat(lib.zeros(2)),
    "cat-dim-float": lambda lib: lib.cat([lib.zeros(2)], 0.5),
    "stack-size": lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(2, 4)]),
    "stack-empty": lambda lib: lib.stack([]),
    "stack-dim-range": lambda lib: lib.stack([lib.zeros(2, 3)], 3),
    "stack-not-list": lambda lib: lib.stack(lib.zeros(2)),
    "hstack-ndim": lambda lib: lib.hstack([lib.zeros(2, 3), lib.zeros(3)]),
    "repeat-few": lambda lib: lib.zeros(2, 3).repeat(2),
    "repeat-negative": lambda lib: lib.zeros(2, 3).repeat(-1, 2),
    "repeat_interleave-negative": lambda lib: lib.zeros(2, 3).repeat_interleave(-1),
    "repeat_interleave-size": lambda lib: lib.zeros(2, 3).repeat_interleave(
        lib.tensor([1, 2]), dim=1),
    "flip-dup": lambda lib: lib.zeros(2, 3).flip(0, 0),
    "flip-range": lambda lib: lib.zeros(2, 3).flip(2),
    "fliplr-1d": lambda lib: lib.zeros(3).fliplr(),
    "flipud-0d": lambda lib: lib.flipud(lib.tensor(1.0)),
    "roll-align": lambda lib: lib.zeros(2, 3).roll(1, (0, 1)),
    "roll-align-2": lambda lib: lib.zeros(2, 3).roll((1, 2), 0),
    "roll-no-dims": lambda lib: lib.zeros(2, 3).roll((1, 2)),
    "roll-empty": lambda lib: lib.zeros(2, 3).roll((), ()),
    "roll-0d-dim": lambda lib: lib.tensor(1.0).roll(1, 0),
    "mT-1d": lambda lib: lib.zeros(3).mT,
    "tril-1d": lambda lib: lib.zeros(3).tril(),
    "triu-1d": lambda lib: lib.zeros(3).triu(),
    "to-bad-args": lambda lib: lib.zeros(2).to("cpu", 3),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(E))
def test_errors_match_torch(torch, name):
    want = _error(lambda: E[name](torch))
    assert want is not None, "PyTorch accepted this call: the table is wrong"
    assert _error(lambda: E[name](lab)) == want


# ----------------------------------------------------------------------------- values/dtypes
SAME_AS_TORCH = {
    "cat-promote-int-float": lambda lib: lib.cat([lib.ones(2), lib.ones(2, dtype=lib.int64)]),
    "cat-promote-ints": lambda lib: lib.cat([lib.ones(2, dtype=lib.int32),
                                             lib.ones(2, dtype=lib.int64)]),
    "cat-bool-uint8": lambda lib: lib.cat([lib.ones(2, dtype=lib.bool),
                                           lib.ones(2, dtype=lib.uint8)]),
    "cat-half-float": lambda lib: lib.cat([lib.ones(2, dtype=lib.float16), lib.ones(2)]),
    "cat-legacy-empty": lambda lib: lib.cat([lib.ones(2, 3), lib.zeros(0)], 1),
    "cat-all-empty": lambda lib: lib.cat([lib.zeros(0), lib.zeros(0)]),
    "cat-empty-rows": lambda lib: lib.cat([lib.zeros(0, 3), lib.ones(2, 3)]),
    "stack-promote": lambda lib: lib.stack([lib.ones(2), lib.ones(2, dtype=lib.int64)]),
    "stack-0d": lambda lib: lib.stack([lib.tensor(1.0), lib.tensor(2.0)]),
    "hstack-0d": lambda lib: lib.hstack([lib.tensor(1.0), lib.tensor(2.0)]),
    "vstack-0d": lambda lib: lib.vstack([lib.tensor(1.0), lib.tensor(2.0)]),
    "split-bigger": lambda lib: lib.arange(6.0).view(2, 3).split(5),
    "split-zero-size": lambda lib: lib.zeros(0, 3).split(0),
    "chunk-fewer": lambda lib: lib.arange(5.0).chunk(4),
    "chunk-empty": lambda lib: lib.zeros(0, 3).chunk(2),
    "squeeze-0d": lambda lib: lib.tensor(2.0).squeeze((0,)),
    "squeeze-not-1": lambda lib: lib.zeros(2, 3).squeeze((0, 1)),
    "unsqueeze-0d": lambda lib: lib.tensor(2.0).unsqueeze(-1),
    "t-0d": lambda lib: lib.tensor(2.0).t(),
    "flatten-0d": lambda lib: lib.tensor(2.0).flatten(),
    "view-0d": lambda lib: lib.tensor(2.0).view(-1),
    "expand-0d": lambda lib: lib.tensor(2.0).expand(2, 3),
    "flip-0d": lambda lib: lib.tensor(2.0).flip(0),
    "roll-0d": lambda lib: lib.tensor(2.0).roll(1),
    "repeat-0d": lambda lib: lib.tensor(2.0).repeat(2),
    "diagonal-empty": lambda lib: lib.zeros(2, 3).diagonal(5),
    "narrow-negative-start": lambda lib: lib.arange(6.0).view(2, 3).narrow(1, -1, 1),
    "tile-more": lambda lib: lib.arange(6.0).view(2, 3).tile((2, 1, 1)),
    "repeat_interleave-tensor": lambda lib: lib.arange(6.0).view(2, 3).repeat_interleave(
        lib.tensor([1, 0, 2]), dim=1),
    "to-int": lambda lib: lib.arange(6.0).to("cpu", lib.int32),
    "to-other": lambda lib: lib.arange(6).to(lib.zeros(1, dtype=lib.float64)),
    "to-positional-copy": lambda lib: lib.arange(6.0).to(lib.float32, False, True),
    "view-dtype": lambda lib: lib.ones(2, 2).view(lib.int32),
    "clone-contiguous-format": lambda lib: lib.arange(6.0).view(2, 3).t().clone(
        memory_format=lib.contiguous_format),
    "contiguous-channels-last": lambda lib: lib.arange(24.0).view(1, 2, 3, 4).contiguous(
        memory_format=lib.channels_last),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(SAME_AS_TORCH))
def test_results_match_torch(torch, name):
    ours, theirs = SAME_AS_TORCH[name](lab), SAME_AS_TORCH[name](torch)
    if not isinstance(theirs, tuple):
        ours, theirs = (ours,), (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        assert tuple(o.shape) == tuple(t.shape)
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert o.stride() == t.stride() or t.numel() == 0
        np.testing.assert_array_equal(o.numpy(), t.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("name", ["cat-legacy-empty", "split-zero-size", "empty-chunks"])
def test_empty_gradients_match_torch(torch, name):
    def run(lib):
        a = lib.ones(2, 3, requires_grad=True)
        e = lib.zeros(0, requires_grad=True)
        if name == "cat-legacy-empty":
            lib.cat([a, e], 1).sum().backward()
        elif name == "split-zero-size":
            sum(p.sum() * (i + 1) for i, p in enumerate(a.split([1, 0, 1]))).backward()
        else:
            lib.stack(a.split([0, 2, 1], 1)[1].unbind(1)).sum().backward()
        return a.grad.numpy().copy(), None if e.grad is None else tuple(e.grad.shape)

    (ga, ge), (ta, te) = run(lab), run(torch)
    np.testing.assert_array_equal(ga, ta)
    assert ge == te


@pytest.mark.torch
def test_out_argument(torch):
    for lib in (lab, torch):
        out = lib.empty(0)
        r = lib.cat([lib.ones(2), lib.zeros(1)], out=out)
        assert r is out and out.tolist() == [1.0, 1.0, 0.0]
        out = lib.empty(0)
        r = lib.stack([lib.ones(2), lib.zeros(2)], 1, out=out)
        assert r is out and tuple(out.shape) == (2, 2)


@pytest.mark.torch
def test_repeat_interleave_tensor_grad(torch):
    res = []
    for lib in (lab, torch):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x.repeat_interleave(lib.tensor([2, 0, 1]), dim=1)
        (y * lib.arange(6.0).view(2, 3)).sum().backward()
        res.append((type(y.grad_fn).__name__, x.grad.tolist()))
    assert res[0] == res[1]


def test_double_backward_through_views():
    x = lab.randn(3, 4, dtype=lab.float64, requires_grad=True)
    y = (x.t().unsqueeze(0).expand(2, 4, 3) ** 3).diagonal(0, 1, 2).sum()
    (g,) = lab.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    want = np.zeros((3, 4))
    for i in range(3):
        want[i, i] = 2 * 6 * x.detach().numpy()[i, i]
    np.testing.assert_allclose(x.grad.numpy(), want)


# ----------------------------------------------------------------------------- property test
try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    given = None

if given is not None:

    @st.composite
    def _layouts(draw):
        """A shape, a permutation of it, a narrowing, and a target shape with equal numel."""
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
        perm = draw(st.permutations(range(len(shape))))
        d = draw(st.integers(0, len(shape) - 1))
        start = draw(st.integers(0, shape[perm[d]] - 1))
        length = draw(st.integers(0, shape[perm[d]] - start))
        sizes = [shape[p] for p in perm]
        sizes[d] = length
        # Target: the sizes' prime factors regrouped, plus some size-1 dims.
        factors = [f for s in sizes for f in _factors(s)]
        factors = draw(st.permutations(factors)) if factors else []
        cut = sorted(draw(st.lists(st.integers(0, len(factors)), max_size=3)))
        groups, prev = [], 0
        for c in [*cut, len(factors)]:
            groups.append(int(np.prod(factors[prev:c])))
            prev = c
        ones = draw(st.integers(0, 2))
        target = groups + [1] * ones
        target = draw(st.permutations(target))
        if 0 in sizes:
            target = [0] + list(target)
        return shape, perm, d, start, length, tuple(target)

    def _factors(n):
        out, p = [], 2
        while n > 1:
            while n % p == 0:
                out.append(p)
                n //= p
            p += 1
        return out if n else [0]

    @pytest.mark.torch
    @given(_layouts())
    def test_view_and_reshape_strides_match_torch(layout):
        torch = pytest.importorskip("torch")
        shape, perm, d, start, length, target = layout
        res = []
        for lib in (lab, torch):
            x = lib.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape),
                           requires_grad=True)
            y = x.permute(*perm).narrow(d, start, length)
            err = _error(lambda y=y: y.view(target))
            r = y.reshape(target)
            res.append((err, r.stride() if r.numel() else None, r.is_contiguous(),
                        type(r.grad_fn).__name__, r.detach().numpy().tolist()))
        assert res[0] == res[1]


# name -> how to make it from lib and x = arange(24.).reshape(4, 6)
STORAGE_OFFSET_CASES = {
    "fresh": lambda lib, x: x,
    "row": lambda lib, x: x[1],
    "block": lambda lib, x: x[2:, 3:],
    "transpose": lambda lib, x: x.t(),
    "column": lambda lib, x: x[:, 4],
    "view then slice": lambda lib, x: x.view(-1)[5:],
    "narrow": lambda lib, x: x.narrow(1, 2, 3),
    "select": lambda lib, x: x.select(0, 3),
    "unbind": lambda lib, x: x.unbind(0)[2],
    "split": lambda lib, x: x.split(2, 1)[1],
    "diagonal": lambda lib, x: x.diagonal(),
    "expand": lambda lib, x: x[1:2, :1].expand(3, 4),
    "element": lambda lib, x: x[2, 3],
    "clone of a view": lambda lib, x: x[1:].clone(),
    "contiguous copy": lambda lib, x: x.t().contiguous(),
    "from_numpy of a slice": lambda lib, x: lib.from_numpy(np.arange(10.0)[3:]),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", STORAGE_OFFSET_CASES)
def test_storage_offset_matches_torch(name):
    from conftest import require_torch

    torch = require_torch()
    make = STORAGE_OFFSET_CASES[name]
    ours = make(lab, lab.arange(24.0).reshape(4, 6))
    theirs = make(torch, torch.arange(24.0).reshape(4, 6))
    assert ours.storage_offset() == theirs.storage_offset()
