"""Run one expression with PyTorch and with autograd_lab, and compare what happened.

``outcome(lib, src)`` evaluates ``src`` with the name ``T`` bound to ``lib`` (and ``np`` to
NumPy) and returns a comparable description: for a tensor its dtype name, shape, values and
``requires_grad``; for an exception its type name and message; for anything else its repr.
Module names are normalised (``torch.`` -> ``autograd_lab.``), so a parity test is simply
``assert_same(src)``.
"""

from __future__ import annotations

import warnings

import numpy as np

import autograd_lab


def _normalise(text: str) -> str:
    return text.replace("torch.", "autograd_lab.")


def outcome(lib, src: str, env: dict | None = None):
    scope = {"T": lib, "np": np, **(env or {})}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = eval(src, scope)  # noqa: S307 - test expressions written in this file
    except Exception as exc:  # noqa: BLE001 - the exception *is* the outcome
        return ("raises", type(exc).__name__, _normalise(str(exc)))
    if isinstance(value, autograd_lab.Tensor) or type(value).__name__ == "Tensor":
        arr = np.array(value.detach().numpy() if hasattr(value, "detach") else value)
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), arr,
                bool(value.requires_grad))
    return ("value", type(value).__name__, _normalise(repr(value)))


def same(a, b) -> bool:
    if a[0] != b[0] or len(a) != len(b):
        return False
    if a[0] == "tensor":
        return a[1:3] == b[1:3] and a[4] == b[4] and np.array_equal(a[3], b[3], equal_nan=True)
    return a == b


def assert_same(torch, src: str, env: dict | None = None) -> None:
    """``src`` gives the same result (or the same error) with PyTorch and with autograd_lab."""
    ours = outcome(autograd_lab, src, env)
    theirs = outcome(torch, src, env)
    assert same(ours, theirs), f"{src}\n  torch: {theirs}\n  ours:  {ours}"
