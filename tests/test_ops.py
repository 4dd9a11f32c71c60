"""Table-driven op tests: forward vs NumPy, float64 gradcheck, double backward, PyTorch parity.

The table lives in ``tests/op_cases/``; see its ``__init__`` for how to add a case.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from conftest import require_torch
from op_cases import OpCase, make_inputs

import autograd_lab
from autograd_lab.autograd import gradcheck, gradgradcheck

CASE_MODULES = ["elementwise", "reduce", "shape", "index", "linalg", "sorting"]


def _load_cases() -> list[OpCase]:
    cases = []
    for name in CASE_MODULES:
        try:
            mod = importlib.import_module(f"op_cases.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"op_cases.{name}":
                continue
            raise
        cases.extend(mod.CASES)
    return cases


CASES = _load_cases()
GRAD_CASES = [c for c in CASES if c.grad]
REF_CASES = [c for c in CASES if c.ref is not None]
DOUBLE_CASES = [c for c in CASES if c.double]
PARITY_CASES = [c for c in CASES if c.parity]


def _ids(cases):
    return [c.case_id for c in cases]


def _as_tuple(x):
    return tuple(x) if isinstance(x, tuple | list) else (x,)


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


@pytest.mark.parametrize("case", REF_CASES, ids=_ids(REF_CASES))
def test_forward_matches_numpy(case: OpCase):
    ours = make_inputs(case, autograd_lab, "float64")
    arrays = [x.detach().numpy() if isinstance(x, autograd_lab.Tensor) else x for x in ours]
    got = _as_tuple(case.fn(autograd_lab, *ours))
    want = _as_tuple(case.ref(*arrays))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(_np(g), np.asarray(w), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids(GRAD_CASES))
def test_gradcheck_float64(case: OpCase):
    inputs = make_inputs(case, autograd_lab, "float64")
    assert any(isinstance(x, autograd_lab.Tensor) and x.requires_grad for x in inputs), \
        "a gradient case needs an input that requires grad"
    assert gradcheck(lambda *xs: case.fn(autograd_lab, *xs), inputs, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("case", DOUBLE_CASES, ids=_ids(DOUBLE_CASES))
def test_gradgradcheck_float64(case: OpCase):
    inputs = make_inputs(case, autograd_lab, "float64")
    assert gradgradcheck(lambda *xs: case.fn(autograd_lab, *xs), inputs, eps=1e-6, atol=1e-4)


@pytest.mark.torch
@pytest.mark.parametrize("case", PARITY_CASES, ids=_ids(PARITY_CASES))
def test_parity_with_torch(case: OpCase):
    torch = require_torch()
    ours_in = make_inputs(case, autograd_lab, "float32")
    theirs_in = make_inputs(case, torch, "float32")
    ours = _as_tuple(case.fn(autograd_lab, *ours_in))
    theirs = _as_tuple(case.fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        if not hasattr(t, "shape"):
            assert o == t
            continue
        assert tuple(o.shape) == tuple(t.shape)
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(o), t.detach().numpy(), rtol=case.rtol, atol=case.atol)
        assert o.requires_grad == t.requires_grad
        if t.grad_fn is not None:
            assert type(o.grad_fn).__name__ == type(t.grad_fn).__name__
    # Gradients: the same random upstream gradient for every differentiable output.
    rng = np.random.default_rng(1)
    pairs = [(o, t) for o, t in zip(ours, theirs, strict=True)
             if hasattr(t, "requires_grad") and t.requires_grad]
    if not pairs:
        return
    ups = [rng.standard_normal(tuple(t.shape)).astype(np.float32) for _, t in pairs]
    autograd_lab.autograd.backward([o for o, _ in pairs],
                                   [autograd_lab.tensor(u) for u in ups])
    torch.autograd.backward([t for _, t in pairs], [torch.tensor(u) for u in ups])
    for o, t in zip(ours_in, theirs_in, strict=True):
        if hasattr(t, "requires_grad") and t.requires_grad and t.is_leaf:
            if t.grad is None:
                assert o.grad is None or not np.any(_np(o.grad))
                continue
            assert o.grad is not None, f"no gradient reached an input ({case.case_id})"
            np.testing.assert_allclose(_np(o.grad), t.grad.numpy(), rtol=case.rtol,
                                       atol=case.atol)


def _public_ops() -> set[str]:
    """Public functions of autograd_lab defined in autograd_lab.ops.*."""
    names = set()
    for name in dir(autograd_lab):
        obj = getattr(autograd_lab, name)
        if name.startswith("_") or not callable(obj) or inspect.isclass(obj):
            continue
        mod = getattr(obj, "__module__", "") or ""
        if mod.startswith("autograd_lab.ops"):
            names.add(name)
    return names


def test_every_public_op_has_a_case():
    covered = {c.name for c in CASES}
    # Aliases share their target's implementation object: a case for either covers both.
    by_obj: dict[int, set[str]] = {}
    for name in _public_ops():
        by_obj.setdefault(id(getattr(autograd_lab, name)), set()).add(name)
    missing = sorted(min(group) for group in by_obj.values() if not group & covered)
    assert not missing, f"public ops without a case in tests/op_cases: {missing}"


def test_case_modules_are_all_loaded():
    pkg = importlib.import_module("op_cases")
    present = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
    assert present <= set(CASE_MODULES), f"add {present - set(CASE_MODULES)} to CASE_MODULES"
