"""``pin_memory(batch)``: every tensor of a batch copied into page-locked memory.

With ``DataLoader(..., pin_memory=True)`` on a machine with a GPU, each batch goes through
this before the loop sees it, so ``images.to("cuda", non_blocking=True)`` can copy by DMA
while Python carries on. PyTorch does it in a background thread; here it happens in the main
process when the batch is handed out (one extra host copy per batch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["pin_memory"]


def pin_memory(data: Any) -> Any:
    """``data`` with each tensor replaced by ``tensor.pin_memory()``; containers (dicts,
    named tuples, tuples, lists) keep their type, other objects with a ``pin_memory`` method
    are asked to pin themselves, anything else is returned as is."""
    from ...._tensor import Tensor

    if isinstance(data, Tensor):
        return data.pin_memory()
    if isinstance(data, str | bytes):
        return data
    if isinstance(data, Mapping):
        pinned = {k: pin_memory(v) for k, v in data.items()}
        try:
            return type(data)(pinned)
        except TypeError:  # a mapping type that cannot be built from a dict
            return pinned
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return type(data)(*(pin_memory(x) for x in data))
    if isinstance(data, tuple):
        return tuple(pin_memory(x) for x in data)
    if isinstance(data, Sequence):
        pinned_list = [pin_memory(x) for x in data]
        try:
            return type(data)(pinned_list)
        except TypeError:
            return pinned_list
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data
