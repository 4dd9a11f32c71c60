"""Cases for autograd_lab.ops.reduce / minmax / norm / softmax (reductions and scans)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import In, OpCase


@dataclass(frozen=True)
class InZeros(In):
    """A random input with exact zeros at ``zeros`` (flat indices): the kinks of prod/cumprod."""

    zeros: tuple = ()

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        x = super().sample(rng)
        x.reshape(-1)[list(self.zeros)] = 0.0
        return x


@dataclass(frozen=True)
class InTies(In):
    """Integers in [low, high) (as floats): max/min ties on purpose."""

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(int(self.low), int(self.high), self.shape).astype(np.float64)


def _sm(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _lse(x, axis, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


POS = dict(low=0.5, high=2.0)  # strictly positive inputs (prod / cumprod without zeros)
ROW_ZEROS = InZeros((3, 4), zeros=(1, 4, 6), **POS)  # row 0: one zero; row 1: two; row 2: none

CASES = [
    # ------------------------------------------------------------------ sum
    OpCase("sum", lambda lib, a: lib.sum(a), [In((3, 4))], ref=np.sum, double=True, id="all"),
    OpCase("sum", lambda lib, a: a.sum(1), [In((3, 4))], ref=lambda a: a.sum(1), double=True,
           id="dim"),
    OpCase("sum", lambda lib, a: lib.sum(a, (0, 2), keepdim=True), [In((2, 3, 4))],
           ref=lambda a: a.sum((0, 2), keepdims=True), double=True, id="tuple_keepdim"),
    OpCase("sum", lambda lib, a: a.sum(-1, keepdim=True), [In((2, 3))],
           ref=lambda a: a.sum(-1, keepdims=True), double=True, id="neg_keepdim"),
    OpCase("sum", lambda lib, a: a.sum(dim=()), [In((2, 3))], ref=np.sum, id="empty_dims"),
    OpCase("sum", lambda lib, a: a.sum(0), [In(())], ref=lambda a: a, id="0d"),
    OpCase("sum", lambda lib, a: a.sum(dtype=lib.float64), [In((3,), dtype="float32")],
           id="dtype", grad=False),
    OpCase("sum", lambda lib, a: (a * 10).to(lib.int32).sum(0), [In((3, 2))], grad=False,
           id="int_to_int64"),
    OpCase("sum_to_size", lambda lib, a: a.sum_to_size(1, 4), [In((3, 4))],
           ref=lambda a: a.sum(0, keepdims=True), double=True),
    OpCase("sum_to_size", lambda lib, a: a.sum_to_size((3, 1)), [In((2, 3, 4))],
           ref=lambda a: a.sum((0, 2))[:, None], double=True, id="lead"),
    # ------------------------------------------------------------------ mean
    OpCase("mean", lambda lib, a: lib.mean(a), [In((3, 4))], ref=np.mean, double=True, id="all"),
    OpCase("mean", lambda lib, a: a.mean(0), [In((3, 4))], ref=lambda a: a.mean(0),
           double=True, id="dim"),
    OpCase("mean", lambda lib, a: a.mean((-1, 0), keepdim=True), [In((2, 3, 4))],
           ref=lambda a: a.mean((0, 2), keepdims=True), double=True, id="tuple_keepdim"),
    OpCase("mean", lambda lib, a: a.mean(1, dtype=lib.float64), [In((2, 3), dtype="float32")],
           grad=False, id="dtype"),
    # ------------------------------------------------------------------ prod
    OpCase("prod", lambda lib, a: lib.prod(a), [In((2, 3), **POS)], ref=np.prod, double=True,
           id="all"),
    OpCase("prod", lambda lib, a: a.prod(1, keepdim=True), [In((3, 4))],
           ref=lambda a: a.prod(1, keepdims=True), double=True, id="dim_keepdim"),
    OpCase("prod", lambda lib, a: a.prod(-1), [ROW_ZEROS], ref=lambda a: a.prod(-1),
           double=True, id="zeros_dim"),
    OpCase("prod", lambda lib, a: a.prod(), [InZeros((5,), zeros=(2,), **POS)], ref=np.prod,
           double=True, id="one_zero"),
    OpCase("prod", lambda lib, a: a.prod(), [InZeros((5,), zeros=(0, 3), **POS)], ref=np.prod,
           double=True, id="two_zeros"),
    OpCase("prod", lambda lib, a: a.prod(0, keepdim=True), [InZeros((3, 2), zeros=(0, 2, 4),
           **POS)], ref=lambda a: a.prod(0, keepdims=True), double=True, id="three_zeros"),
    # ------------------------------------------------------------------ var / std
    OpCase("var", lambda lib, a: lib.var(a), [In((3, 4))], ref=lambda a: a.var(ddof=1),
           double=True, id="all"),
    OpCase("var", lambda lib, a: a.var(1, keepdim=True), [In((3, 4))],
           ref=lambda a: a.var(1, ddof=1, keepdims=True), double=True, id="dim"),
    OpCase("var", lambda lib, a: lib.var(a, (0, 2), correction=0), [In((2, 3, 4))],
           ref=lambda a: a.var((0, 2)), double=True, id="correction0"),
    OpCase("var", lambda lib, a: a.var(0, unbiased=False), [In((4, 2))],
           ref=lambda a: a.var(0), id="unbiased_false"),
    OpCase("std", lambda lib, a: lib.std(a), [In((3, 4))], ref=lambda a: a.std(ddof=1),
           double=True, id="all"),
    OpCase("std", lambda lib, a: a.std(-1, correction=2, keepdim=True), [In((3, 5))],
           ref=lambda a: a.std(-1, ddof=2, keepdims=True), double=True, id="dim_correction"),
    OpCase("var_mean", lambda lib, a: lib.var_mean(a, 1), [In((3, 4))],
           ref=lambda a: (a.var(1, ddof=1), a.mean(1)), double=True),
    OpCase("var_mean", lambda lib, a: lib.var_mean(a, correction=0, keepdim=True),
           [In((3, 4))], ref=lambda a: (a.var(keepdims=True), a.mean(keepdims=True)),
           id="all_keepdim"),
    OpCase("std_mean", lambda lib, a: lib.std_mean(a, (0, 1)), [In((3, 4, 2))],
           ref=lambda a: (a.std((0, 1), ddof=1), a.mean((0, 1))), double=True),
    # ------------------------------------------------------------------ norm
    OpCase("norm", lambda lib, a: a.norm(p="nuc"), [In((3, 4))],
           ref=lambda a: np.linalg.norm(a, "nuc"), id="nuc"),
    OpCase("norm", lambda lib, a: a.norm(p="nuc", dim=(2, 0), keepdim=True), [In((3, 2, 4))],
           ref=lambda a: np.linalg.norm(np.moveaxis(a, (2, 0), (0, 1)), "nuc", axis=(0, 1))
           .reshape(1, 2, 1), id="nuc-dims-keepdim"),
    OpCase("norm", lambda lib, a: lib.norm(a), [In((3, 4))], ref=np.linalg.norm, double=True,
           id="fro"),
    OpCase("norm", lambda lib, a: a.norm(2, dim=1, keepdim=True), [In((3, 4))],
           ref=lambda a: np.linalg.norm(a, axis=1, keepdims=True), double=True, id="p2_dim"),
    OpCase("norm", lambda lib, a: a.norm(1, dim=0), [In((3, 4), away_from=(0.0,))],
           ref=lambda a: np.abs(a).sum(0), double=True, id="p1"),
    OpCase("norm", lambda lib, a: a.norm(float("inf"), dim=-1), [In((3, 4))],
           ref=lambda a: np.abs(a).max(-1), double=True, id="inf"),
    OpCase("norm", lambda lib, a: a.norm(float("-inf")), [In((5,))],
           ref=lambda a: np.abs(a).min(), id="neg_inf"),
    OpCase("norm", lambda lib, a: a.norm(3, dim=(0, 1)), [In((2, 3, 2))],
           ref=lambda a: (np.abs(a) ** 3).sum((0, 1)) ** (1 / 3), double=True, id="p3"),
    OpCase("norm", lambda lib, a: a.norm(1.5), [In((4,), away_from=(0.0,))],
           ref=lambda a: (np.abs(a) ** 1.5).sum() ** (1 / 1.5), double=True, id="p1_5"),
    OpCase("norm", lambda lib, a: a.norm(0.5, dim=1), [In((2, 3), away_from=(0.0,))],
           ref=lambda a: (np.abs(a) ** 0.5).sum(1) ** 2, double=True, id="p0_5"),
    OpCase("norm", lambda lib, a: a.norm(0), [In((2, 3))], ref=lambda a: np.float64(6),
           grad=False, id="p0"),
    OpCase("norm", lambda lib, a: lib.norm(a, "fro", dim=(1, 2)), [In((2, 3, 4))],
           ref=lambda a: np.sqrt((a * a).sum((1, 2))), id="fro_dims"),
    OpCase("norm", lambda lib, a: (a * 0).norm(), [In((3,))], ref=lambda a: np.float64(0),
           id="zero_vector"),
    OpCase("norm", lambda lib, a: a.norm(dtype=lib.float64), [In((3,), dtype="float32")],
           grad=False, id="dtype"),
    # ------------------------------------------------------------------ logsumexp
    OpCase("logsumexp", lambda lib, a: lib.logsumexp(a, 1), [In((3, 4))],
           ref=lambda a: _lse(a, 1), double=True),
    OpCase("logsumexp", lambda lib, a: a.logsumexp((0, 2), keepdim=True), [In((2, 3, 4))],
           ref=lambda a: _lse(a, (0, 2), True), double=True, id="tuple_keepdim"),
    OpCase("logsumexp", lambda lib, a: (a * 1e4).logsumexp(0), [In((3, 2))],
           ref=lambda a: _lse(a * 1e4, 0), id="large", grad=False, atol=1e-2),
    # ------------------------------------------------------------------ max / min
    OpCase("max", lambda lib, a: lib.max(a), [In((3, 4))], ref=np.max, double=True, id="all"),
    OpCase("max", lambda lib, a: a.max(1), [In((3, 4))],
           ref=lambda a: (a.max(1), a.argmax(1)), double=True, id="dim"),
    OpCase("max", lambda lib, a: lib.max(a, -1, keepdim=True), [In((2, 3, 4))],
           ref=lambda a: (a.max(-1, keepdims=True), a.argmax(-1, keepdims=True)), id="keepdim"),
    OpCase("max", lambda lib, a: a.max(0).values, [InTies((4, 3), low=0, high=2)],
           grad=False, id="dim_ties"),
    OpCase("max", lambda lib, a: a.max(), [InTies((4, 3), low=0, high=3)], grad=False,
           id="ties"),
    OpCase("max", lambda lib, a, b: lib.max(a, b), [In((3, 4)), In((4,))],
           ref=np.maximum, id="binary"),
    OpCase("min", lambda lib, a: lib.min(a), [In((3, 4))], ref=np.min, double=True, id="all"),
    OpCase("min", lambda lib, a: a.min(0), [In((3, 4))],
           ref=lambda a: (a.min(0), a.argmin(0)), double=True, id="dim"),
    OpCase("min", lambda lib, a: a.min(), [InTies((3, 3), low=0, high=2)], grad=False,
           id="ties"),
    OpCase("min", lambda lib, a, b: lib.min(a, b), [In((3,)), In((3,))], ref=np.minimum,
           id="binary"),
    OpCase("amax", lambda lib, a: lib.amax(a, (0, 2)), [In((2, 3, 4))],
           ref=lambda a: a.max((0, 2)), double=True),
    OpCase("amax", lambda lib, a: a.amax(), [In((3, 4))], ref=np.max, id="all"),
    OpCase("amax", lambda lib, a: a.amax(1, keepdim=True), [InTies((3, 4), low=0, high=2)],
           grad=False, id="ties"),
    OpCase("amin", lambda lib, a: lib.amin(a, -1, keepdim=True), [In((3, 4))],
           ref=lambda a: a.min(-1, keepdims=True), double=True),
    OpCase("amin", lambda lib, a: a.amin(0), [InTies((4, 3), low=0, high=2)], grad=False,
           id="ties"),
    OpCase("argmax", lambda lib, a: lib.argmax(a), [In((3, 4))], ref=np.argmax, grad=False),
    OpCase("argmax", lambda lib, a: a.argmax(1, keepdim=True), [InTies((3, 4), low=0, high=2)],
           ref=lambda a: a.argmax(1, keepdims=True), grad=False, id="dim_ties"),
    OpCase("argmin", lambda lib, a: lib.argmin(a, 0), [In((3, 4))],
           ref=lambda a: a.argmin(0), grad=False),
    OpCase("argmin", lambda lib, a: a.argmin(keepdim=True), [In((3, 4))],
           ref=lambda a: a.argmin(keepdims=True), grad=False, id="flat_keepdim"),
    # ------------------------------------------------------------------ all / any
    OpCase("all", lambda lib, a: lib.all(a > -1.5), [In((3, 4))], ref=lambda a: (a > -1.5).all(),
           grad=False),
    OpCase("all", lambda lib, a: (a > 0).all(1, keepdim=True), [In((3, 4))],
           ref=lambda a: (a > 0).all(1, keepdims=True), grad=False, id="dim"),
    OpCase("all", lambda lib, a: a.all((0, 1)), [In((2, 3, 4))], ref=lambda a: a.all((0, 1)),
           grad=False, id="float_tuple"),
    OpCase("any", lambda lib, a: lib.any(a > 1.5), [In((3, 4))], ref=lambda a: (a > 1.5).any(),
           grad=False),
    OpCase("any", lambda lib, a: (a > 1).any(-1), [In((3, 4))], ref=lambda a: (a > 1).any(-1),
           grad=False, id="dim"),
    # ------------------------------------------------------------------ cumsum / cumprod
    OpCase("cumsum", lambda lib, a: lib.cumsum(a, 1), [In((3, 4))],
           ref=lambda a: np.cumsum(a, 1), double=True),
    OpCase("cumsum", lambda lib, a: a.cumsum(-3), [In((2, 3, 2))],
           ref=lambda a: np.cumsum(a, 0), double=True, id="neg"),
    OpCase("cumsum", lambda lib, a: a.cumsum(0, dtype=lib.float64), [In((4,), dtype="float32")],
           grad=False, id="dtype"),
    OpCase("cumprod", lambda lib, a: lib.cumprod(a, 1), [In((3, 4), **POS)],
           ref=lambda a: np.cumprod(a, 1), double=True),
    OpCase("cumprod", lambda lib, a: a.cumprod(-1), [ROW_ZEROS],
           ref=lambda a: np.cumprod(a, -1), double=True, id="zeros"),
    OpCase("cumprod", lambda lib, a: a.cumprod(0), [InZeros((5, 2), zeros=(2, 3, 6), **POS)],
           ref=lambda a: np.cumprod(a, 0), double=True, id="zeros_dim0"),
    # ------------------------------------------------------------------ softmax / log_softmax
    OpCase("softmax", lambda lib, a: lib.softmax(a, 1), [In((3, 4))],
           ref=lambda a: _sm(a, 1), double=True),
    OpCase("softmax", lambda lib, a: a.softmax(0), [In((3, 4))], ref=lambda a: _sm(a, 0),
           double=True, id="dim0"),
    OpCase("softmax", lambda lib, a: (a * 1e4).softmax(-1), [In((2, 3))],
           ref=lambda a: _sm(a * 1e4, -1), id="large", grad=False),
    OpCase("softmax", lambda lib, a: a.softmax(1, dtype=lib.float64),
           [In((2, 3), dtype="float32")], grad=False, id="dtype"),
    OpCase("log_softmax", lambda lib, a: lib.log_softmax(a, 1), [In((3, 4))],
           ref=lambda a: np.log(_sm(a, 1)), double=True),
    OpCase("log_softmax", lambda lib, a: a.log_softmax(-3), [In((2, 3, 2))],
           ref=lambda a: np.log(_sm(a, 0)), double=True, id="neg_dim"),
    OpCase("log_softmax", lambda lib, a: (a * 1e4).log_softmax(1), [In((2, 3))],
           ref=lambda a: a * 1e4 - _lse(a * 1e4, 1, True), id="large", atol=1e-2),
]
