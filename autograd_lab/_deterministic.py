"""``use_deterministic_algorithms``: make GPU runs repeatable, bit for bit (``torch``'s names).

On the CPU every op here is already deterministic: NumPy adds in a fixed order. On the GPU a
few ops are fast *because* thousands of threads add into the same places with atomic
additions, whose order changes from run to run; float addition is not associative, so the
last bits of the result change too. With ``use_deterministic_algorithms(True)`` those ops
take an order-fixed path instead, and are slower:

- scatter-add in floating point (``index_add``, ``scatter_add``, ``index_put(...,
  accumulate=True)``, the backward of ``embedding`` and of advanced indexing): computed on the
  CPU with ``np.add.at`` and copied back, a round trip over PCIe (``backend.ufunc_at``);
- ``max_pool2d`` backward with overlapping windows (stride < kernel): the gather kernel of
  ``cuda_kernels.pool`` (one thread per input pixel, reading up to kernel-area indices)
  replaces the atomic scatter (its cost has not been measured yet). ``adaptive_max_pool2d``'s
  backward still sums with CuPy's ``bincount`` (atomic): not covered (docs/gpu.md).

Deterministic in both modes: matrix products (cuBLAS on one stream), CuPy's reductions (a
fixed tree), the convolution's col2im (one array addition per kernel tap), batch norm, the
fused cross entropy (no atomics) and the fused optimizer steps (elementwise). Unlike PyTorch,
no op raises in deterministic mode; ``warn_only`` is accepted for compatibility.
"""

from __future__ import annotations

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled"]

_state = {"enabled": False, "warn_only": False}


def _type_name(x) -> str:
    return type(x).__name__


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Choose deterministic (order-fixed) GPU algorithms where the fast ones use atomics.

    Args:
        mode: True to make GPU runs repeatable bit for bit, False for the fastest kernels.
        warn_only: accepted for PyTorch compatibility (no op here lacks a deterministic
            path, so there is nothing to warn about).

    Example:
        >>> autograd_lab.use_deterministic_algorithms(True)
        >>> autograd_lab.are_deterministic_algorithms_enabled()
        True
    """
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {_type_name(mode)}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {_type_name(warn_only)}")
    _state["enabled"] = mode
    _state["warn_only"] = warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """True after ``use_deterministic_algorithms(True)``."""
    return _state["enabled"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` of the last ``use_deterministic_algorithms`` call (as PyTorch)."""
    return _state["warn_only"]
