"""Stride bookkeeping for views: PyTorch's stride rules on NumPy/CuPy arrays.

A view's strides decide ``stride()``, ``is_contiguous()`` and whether a later ``view`` is
possible, so they must be PyTorch's. NumPy usually agrees; where it doesn't (size-1 dims,
broadcast dims, ``diagonal``) the view is rebuilt with ``as_strided``. Strides here are counted
in elements, as PyTorch reports them.
"""

from __future__ import annotations

import math

import numpy as np


def _as_strided(xp, x, shape, strides, writeable=True):
    """A view of ``x`` (starting at its first element) with ``strides`` in elements."""
    item = x.itemsize
    out = xp.lib.stride_tricks.as_strided(x, tuple(shape), tuple(s * item for s in strides))
    if not writeable and isinstance(out, np.ndarray):
        out.flags.writeable = False  # overlapping memory: refuse writes, like PyTorch
    return out


def _restride(xp, x, candidate, strides):
    """``candidate`` if it already has ``strides`` (in elements), else ``x`` restrided."""
    item = x.itemsize
    if candidate.strides == tuple(s * item for s in strides):
        return candidate
    return _as_strided(xp, x, candidate.shape, strides)


def _elem_strides(x) -> tuple:
    item = x.itemsize
    return tuple(s // item for s in x.strides)


def _view_strides(old_shape, old_strides, new_shape):
    """PyTorch's ``computeStride``: strides viewing ``old`` as ``new_shape``, or None if the
    layout forbids it (a merged dim would span two non-adjacent memory chunks)."""
    if not old_shape:
        return (1,) * len(new_shape)
    numel = math.prod(old_shape)
    if numel == 0:
        if tuple(old_shape) == tuple(new_shape):
            return tuple(old_strides)
        out, acc = [], 1
        for s in reversed(new_shape):
            out.append(acc)
            acc *= max(s, 1)
        return tuple(reversed(out))
    new = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    base_stride = old_strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new[view_d] = view_numel * base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base_stride = old_strides[d - 1]
                tensor_numel = view_numel = 1
    return None if view_d != -1 else tuple(new)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` in ``shape`` and check the element count (PyTorch's messages)."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"[{', '.join(map(str, shape))}]")
        else:
            known *= s
    if infer is not None:
        if known and numel % known == 0:
            return shape[:infer] + (numel // known,) + shape[infer + 1:]
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {_fmt(shape)} "
                               "because the unspecified dimension size -1 can be any value "
                               "and is ambiguous")
    elif known == numel:
        return shape
    raise RuntimeError(f"shape '{_fmt(shape)}' is invalid for input of size {numel}")


def _fmt(shape) -> str:
    return f"[{', '.join(map(str, shape))}]"


_NOT_VIEWABLE = ("view size is not compatible with input tensor's size and stride (at least one "
                 "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
