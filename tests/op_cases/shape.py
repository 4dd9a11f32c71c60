"""Cases for autograd_lab.ops.shape (views) and autograd_lab.ops.shape_copy (copying ops)."""

from __future__ import annotations

import numpy as np

from . import In, OpCase


def _case(name, fn, inputs, ref=None, id="", **kw):  # noqa: A002
    kw.setdefault("double", True)
    return OpCase(name, fn, inputs, ref=ref, id=id, **kw)


def _tril(a, k=0):
    return np.tril(a, k)


A = In((2, 3, 4))
M = In((3, 4))

CASES = [
    # --- reshaping views
    _case("Tensor.view", lambda lib, a: a.view(4, -1), [A], lambda a: a.reshape(4, -1)),
    _case("Tensor.view_as", lambda lib, a, b: a.view_as(b), [In((6,)), In((2, 3))],
          lambda a, b: a.reshape(2, 3)),
    _case("reshape", lambda lib, a: lib.reshape(a, (3, 8)), [A], lambda a: a.reshape(3, 8)),
    _case("reshape", lambda lib, a: a.transpose(0, 2).reshape(-1), [A],
          lambda a: a.transpose(2, 1, 0).reshape(-1), id="copy"),
    _case("reshape", lambda lib, a: a.transpose(0, 1).reshape(3, 2, 4), [A],
          lambda a: a.transpose(1, 0, 2).reshape(3, 2, 4), id="viewable-noncontig"),
    _case("flatten", lambda lib, a: lib.flatten(a), [A], lambda a: a.reshape(-1)),
    _case("flatten", lambda lib, a: lib.flatten(a, 1), [A], lambda a: a.reshape(2, -1),
          id="start"),
    _case("flatten", lambda lib, a: a.permute(2, 0, 1).flatten(0, 1), [A],
          lambda a: a.transpose(2, 0, 1).reshape(8, 3), id="copy"),
    _case("unflatten", lambda lib, a: lib.unflatten(a, -1, (2, -1)), [A],
          lambda a: a.reshape(2, 3, 2, 2)),
    _case("ravel", lambda lib, a: lib.ravel(a.t()), [M], lambda a: a.T.reshape(-1)),
    _case("ravel", lambda lib, a: a.ravel(), [A], lambda a: a.reshape(-1), id="contiguous"),
    # --- expand
    _case("Tensor.expand", lambda lib, a: a.expand(2, 3, 4), [In((3, 1))],
          lambda a: np.broadcast_to(a, (2, 3, 4))),
    _case("Tensor.expand", lambda lib, a: a.expand(-1, 5), [In((3, 1))],
          lambda a: np.broadcast_to(a, (3, 5)), id="minus1"),
    _case("Tensor.expand_as", lambda lib, a, b: a.expand_as(b), [In((4,)), In((3, 4))],
          lambda a, b: np.broadcast_to(a, (3, 4))),
    _case("broadcast_to", lambda lib, a: lib.broadcast_to(a, (2, 3, 4)), [In((1, 4))],
          lambda a: np.broadcast_to(a, (2, 3, 4))),
    # --- permutations
    _case("permute", lambda lib, a: lib.permute(a, (2, 0, 1)), [A],
          lambda a: a.transpose(2, 0, 1)),
    _case("permute", lambda lib, a: a.permute(-1, 1, -3), [A], lambda a: a.transpose(2, 1, 0),
          id="negative"),
    _case("transpose", lambda lib, a: lib.transpose(a, 0, -1), [A],
          lambda a: a.transpose(2, 1, 0)),
    _case("swapaxes", lambda lib, a: lib.swapaxes(a, 1, 2), [A], lambda a: a.swapaxes(1, 2)),
    _case("t", lambda lib, a: lib.t(a), [M], lambda a: a.T),
    _case("t", lambda lib, a: lib.t(a), [In((4,))], lambda a: a, id="1d"),
    _case("Tensor.T", lambda lib, a: a.T, [M], lambda a: a.T),
    _case("Tensor.mT", lambda lib, a: a.mT, [A], lambda a: a.swapaxes(-1, -2)),
    _case("adjoint", lambda lib, a: lib.adjoint(a), [A], lambda a: a.swapaxes(-1, -2)),
    _case("movedim", lambda lib, a: lib.movedim(a, 0, -1), [A],
          lambda a: np.moveaxis(a, 0, -1)),
    _case("movedim", lambda lib, a: lib.movedim(a, (0, 1), (2, 0)), [A],
          lambda a: np.moveaxis(a, (0, 1), (2, 0)), id="tuple"),
    # --- (un)squeeze
    _case("unsqueeze", lambda lib, a: lib.unsqueeze(a, 1), [M], lambda a: a[:, None]),
    _case("unsqueeze", lambda lib, a: lib.unsqueeze(a, -1), [M], lambda a: a[..., None],
          id="last"),
    _case("squeeze", lambda lib, a: lib.squeeze(a), [In((2, 1, 3, 1))],
          lambda a: a.squeeze()),
    _case("squeeze", lambda lib, a: lib.squeeze(a, 1), [In((2, 1, 3, 1))],
          lambda a: a.squeeze(1), id="dim"),
    _case("squeeze", lambda lib, a: lib.squeeze(a, (1, -1, 0)), [In((2, 1, 3, 1))],
          lambda a: a.squeeze((1, 3)), id="dims"),
    _case("squeeze", lambda lib, a: a.squeeze(0), [In((2, 1, 3, 1))], lambda a: a,
          id="noop"),
    # --- slicing views
    _case("narrow", lambda lib, a: lib.narrow(a, 0, 1, 2), [In((4, 3))], lambda a: a[1:3]),
    _case("narrow", lambda lib, a: lib.narrow(a, -1, -2, 2), [In((4, 3))],
          lambda a: a[:, 1:], id="negative"),
    _case("select", lambda lib, a: lib.select(a, 1, -1), [A], lambda a: a[:, -1]),
    _case("split", lambda lib, a: lib.split(a, 2, 2), [In((2, 3, 5))],
          lambda a: tuple(np.split(a, [2, 4], 2))),
    _case("split", lambda lib, a: lib.split(a, [1, 3, 1], -1), [In((2, 5))],
          lambda a: tuple(np.split(a, [1, 4], -1)), id="sizes"),
    _case("split", lambda lib, a: lib.split(a, 2)[1], [In((5, 2))], lambda a: a[2:4],
          id="one-output-used"),
    _case("chunk", lambda lib, a: lib.chunk(a, 3, 1), [In((2, 7))],
          lambda a: tuple(np.split(a, [3, 6], 1))),
    _case("unbind", lambda lib, a: lib.unbind(a, 1), [In((2, 3))],
          lambda a: tuple(a[:, i] for i in range(3))),
    _case("unbind", lambda lib, a: lib.unbind(a)[0] * 2, [In((3, 2))], lambda a: a[0] * 2,
          id="one-output-used"),
    _case("diagonal", lambda lib, a: lib.diagonal(a), [M], lambda a: np.diagonal(a)),
    _case("diagonal", lambda lib, a: lib.diagonal(a, 1, 2, 0), [A],
          lambda a: np.diagonal(a, 1, 2, 0), id="offset"),
    _case("diagonal", lambda lib, a: a.diagonal(-1, -1, 1), [A],
          lambda a: np.diagonal(a, -1, 2, 1), id="negative"),
    # --- in-place metadata changes (on a non-leaf, as PyTorch requires)
    _case("Tensor.t_", lambda lib, a: (a * 1).t_(), [M], lambda a: a.T),
    _case("Tensor.transpose_", lambda lib, a: (a * 1).transpose_(0, 2), [A],
          lambda a: a.transpose(2, 1, 0)),
    _case("Tensor.unsqueeze_", lambda lib, a: (a * 1).unsqueeze_(-1), [M],
          lambda a: a[..., None]),
    _case("Tensor.squeeze_", lambda lib, a: (a * 1).squeeze_(), [In((1, 3, 1))],
          lambda a: a.reshape(3)),
    _case("Tensor.squeeze_", lambda lib, a: (a * 1).squeeze_(2), [In((1, 3, 1))],
          lambda a: a.reshape(1, 3), id="dim"),
    _case("Tensor.squeeze_", lambda lib, a: (a * 1).squeeze_((0, 2)), [In((1, 3, 1))],
          lambda a: a.reshape(3), id="dims"),
    # --- joining
    _case("cat", lambda lib, a, b: lib.cat([a, b]), [In((2, 3)), In((1, 3))],
          lambda a, b: np.concatenate([a, b])),
    _case("cat", lambda lib, a, b, c: lib.cat((a, b, c), -1), [In((2, 1)), In((2, 3)),
                                                                In((2, 2))],
          lambda a, b, c: np.concatenate([a, b, c], -1), id="dim"),
    _case("cat", lambda lib, a, b: lib.cat([a, b]), [In((2, 3)),
                                                     In((2, 3), dtype="int64", high=5)],
          lambda a, b: np.concatenate([a, b]), id="promote"),
    _case("stack", lambda lib, a, b: lib.stack([a, b]), [In((2, 3)), In((2, 3))],
          lambda a, b: np.stack([a, b])),
    _case("stack", lambda lib, a, b: lib.stack((a, b), -1), [In((2, 3)), In((2, 3))],
          lambda a, b: np.stack([a, b], -1), id="last"),
    _case("hstack", lambda lib, a, b: lib.hstack([a, b]), [In((2, 3)), In((2, 1))],
          lambda a, b: np.hstack([a, b])),
    _case("hstack", lambda lib, a, b: lib.hstack([a, b]), [In((3,)), In((2,))],
          lambda a, b: np.hstack([a, b]), id="1d"),
    _case("vstack", lambda lib, a, b: lib.vstack([a, b]), [In((3,)), In((2, 3))],
          lambda a, b: np.vstack([a, b])),
    _case("dstack", lambda lib, a, b: lib.dstack([a, b]), [In((2, 3)), In((2, 3))],
          lambda a, b: np.dstack([a, b])),
    _case("column_stack", lambda lib, a, b: lib.column_stack([a, b]), [In((3,)), In((3, 2))],
          lambda a, b: np.column_stack([a, b])),
    _case("atleast_1d", lambda lib, a: lib.atleast_1d(a), [In(())], np.atleast_1d),
    _case("atleast_2d", lambda lib, a: lib.atleast_2d(a), [In((3,))], np.atleast_2d),
    _case("atleast_3d", lambda lib, a: lib.atleast_3d(a), [In((2, 3))], np.atleast_3d),
    # --- repeating
    _case("Tensor.repeat", lambda lib, a: a.repeat(2, 1, 3), [In((2, 3))],
          lambda a: np.tile(a, (2, 1, 3))),
    _case("tile", lambda lib, a: lib.tile(a, (2,)), [In((2, 3))], lambda a: np.tile(a, 2)),
    _case("repeat_interleave", lambda lib, a: lib.repeat_interleave(a, 2, dim=1), [In((2, 3))],
          lambda a: np.repeat(a, 2, 1)),
    _case("repeat_interleave", lambda lib, a: lib.repeat_interleave(a, 3), [In((2, 2))],
          lambda a: np.repeat(a, 3), id="flat"),
    # --- flips, rolls, triangles
    _case("flip", lambda lib, a: lib.flip(a, (0, 2)), [A], lambda a: a[::-1, :, ::-1]),
    _case("flip", lambda lib, a: a.flip(-1), [A], lambda a: a[..., ::-1], id="method"),
    _case("fliplr", lambda lib, a: lib.fliplr(a), [M], np.fliplr),
    _case("flipud", lambda lib, a: lib.flipud(a), [M], np.flipud),
    _case("roll", lambda lib, a: lib.roll(a, 5), [A], lambda a: np.roll(a, 5)),
    _case("roll", lambda lib, a: lib.roll(a, (1, -2), (0, 2)), [A],
          lambda a: np.roll(a, (1, -2), (0, 2)), id="dims"),
    _case("tril", lambda lib, a: lib.tril(a), [M], np.tril),
    _case("tril", lambda lib, a: lib.tril(a, -1), [A], lambda a: np.tril(a, -1), id="batch"),
    _case("triu", lambda lib, a: lib.triu(a, 1), [M], lambda a: np.triu(a, 1)),
    _case("Tensor.tril_", lambda lib, a: (a * 1).tril_(1), [M], lambda a: np.tril(a, 1)),
    _case("Tensor.triu_", lambda lib, a: (a * 1).triu_(), [M], np.triu),
    # --- copies and conversions
    _case("clone", lambda lib, a: lib.clone(a.t()), [M], lambda a: a.T),
    _case("Tensor.contiguous", lambda lib, a: a.t().contiguous(), [M], lambda a: a.T),
    _case("Tensor.to", lambda lib, a: a.to(lib.float64) * 1, [M], lambda a: a),
    _case("Tensor.to", lambda lib, a: a.to(lib.float16), [M], lambda a: a.astype(np.float16),
          id="half", grad=False, double=False, atol=1e-2, rtol=1e-2),
]
