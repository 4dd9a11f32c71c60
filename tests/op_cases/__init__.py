"""The table of op cases that drives forward, gradient and parity tests (tests/test_ops.py).

Each op module has a file here (``elementwise.py``, ``reduce.py``, ...) defining ``CASES``, a
list of :class:`OpCase`. Adding an op means adding a case: ``test_ops.py`` fails if a public
function of ``autograd_lab.ops`` has none.

A case's ``fn(lib, *tensors)`` is written once and run with ``lib`` = autograd_lab and with
``lib`` = torch, so the same code checks both. Inputs are described by :class:`In` specs and
generated from a seeded NumPy stream, identical for both libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["In", "Idx", "Mask", "OpCase", "make_inputs"]


@dataclass(frozen=True)
class In:
    """A random floating input of ``shape``: values in [low, high), grad required by default.

    ``away_from`` keeps values at least ``gap`` away from the given points (for kinks like
    |x| at 0 where finite differences are meaningless).
    """

    shape: tuple
    low: float = -2.0
    high: float = 2.0
    requires_grad: bool = True
    away_from: tuple = ()
    gap: float = 0.05
    dtype: str | None = None  # None: float64 for gradcheck, float32 for parity

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        x = rng.uniform(self.low, self.high, self.shape)
        for p in self.away_from:
            close = np.abs(x - p) < self.gap
            x = np.where(close, p + np.sign(x - p + 1e-12) * self.gap * 2, x)
        return x


@dataclass(frozen=True)
class Idx:
    """An int64 index tensor of ``shape`` with values in [0, high) (``unique`` draws a
    permutation prefix so indices don't repeat)."""

    shape: tuple
    high: int
    unique: bool = False

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        n = int(np.prod(self.shape))
        if self.unique:
            return rng.permutation(self.high)[:n].reshape(self.shape).astype(np.int64)
        return rng.integers(0, self.high, self.shape).astype(np.int64)


@dataclass(frozen=True)
class Mask:
    """A random bool tensor of ``shape``."""

    shape: tuple
    p: float = 0.5

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return rng.random(self.shape) < self.p


@dataclass
class OpCase:
    """One row of the table.

    Args:
        name: the public op this case covers (``"add"``, ``"Tensor.add_"`` for methods).
        fn: ``fn(lib, *inputs) -> Tensor | tuple`` using only the library passed in.
        inputs: specs (:class:`In`, :class:`Idx`, :class:`Mask`) or literal values.
        ref: optional NumPy reference ``ref(*arrays) -> array`` for the forward check.
        grad: run the float64 gradcheck (False for non-differentiable ops).
        double: also check second derivatives (gradgradcheck).
        parity: compare with PyTorch (values, dtype and input gradients).
        atol, rtol: float32 parity tolerances.
        id: distinguishes several cases of one op.
    """

    name: str
    fn: Callable
    inputs: list
    ref: Callable | None = None
    grad: bool = True
    double: bool = False
    parity: bool = True
    atol: float = 1e-5
    rtol: float = 1e-4
    id: str = ""
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def case_id(self) -> str:
        return f"{self.name}[{self.id}]" if self.id else self.name


def make_inputs(case: OpCase, lib, float_dtype: str):
    """Build the case's inputs in ``lib`` (autograd_lab or torch), from a seeded stream."""
    rng = np.random.default_rng(case.seed)
    out = []
    for spec in case.inputs:
        if isinstance(spec, In):
            arr = spec.sample(rng).astype(spec.dtype or float_dtype)
            t = lib.tensor(arr, requires_grad=spec.requires_grad and arr.dtype.kind == "f")
            out.append(t)
        elif isinstance(spec, Idx | Mask):
            out.append(lib.tensor(spec.sample(rng)))
        elif isinstance(spec, np.ndarray):
            out.append(lib.tensor(spec))
        else:
            out.append(spec)
    return out
