"""Mask ops: ``masked_fill`` (and its in-place form) and ``nonzero``.

``masked_select`` is boolean indexing, so it lives with ``t[mask]`` in ``ops/index.py``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..backend import array_module
from ._util import write_out
from .inplace import inplace

__all__ = ["masked_fill", "masked_fill_", "nonzero"]

# C type names PyTorch prints for a dtype in the masked_fill error
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


class MaskedFill(Op):
    """out = mask ? value : x.   d/dx = grad where not mask,  d/dvalue = sum(grad where mask)."""

    node_name = "MaskedFillBackward0"

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return ctx.xp.where(mask, ctx.xp.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = masked_fill(grad, mask, 0) if needs[0] else None
        gv = masked_fill(grad, mask.logical_not(), 0).sum() if needs[2] else None
        return gx, None, gv


class MaskedFillTensor(MaskedFill):
    node_name = "MaskedFillBackward1"


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``value`` where ``mask`` is True, ``input`` elsewhere (mask broadcasts; value is cast).

    d/dinput = grad where the mask is False,  d/dvalue = sum of grad where it is True.

    Args:
        mask: a bool tensor broadcastable with input.
        value: a number or a 0-dim tensor.

    Example:
        >>> t = autograd_lab.tensor([[1., 2.], [3., 4.]])
        >>> autograd_lab.masked_fill(t, t > 2, 0.0)
        tensor([[1., 2.],
                [0., 0.]])
    """
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES.get(mask._data.dtype.name, mask._data.dtype.name)}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        op = MaskedFillTensor
    elif isinstance(value, numbers.Number):
        op = MaskedFill
    else:
        raise TypeError(f"masked_fill() received an invalid combination of arguments - got "
                        f"(Tensor, Tensor, {type(value).__name__})")
    _broadcast_shape(mask._data.shape, input._data.shape)
    return op.apply(input, mask, value)


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """NumPy's broadcast shape with PyTorch's error message."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        for k in range(1, min(len(a), len(b)) + 1):
            if a[-k] != b[-k] and a[-k] != 1 and b[-k] != 1:
                raise RuntimeError(f"The size of tensor a ({a[-k]}) must match the size of "
                                   f"tensor b ({b[-k]}) at non-singleton dimension "
                                   f"{max(len(a), len(b)) - k}") from None
        raise


masked_fill_ = inplace(masked_fill, "masked_fill_")


def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False):  # noqa: A002
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or one vector per dim.

    Not differentiable (it returns indices).

    Example:
        >>> autograd_lab.nonzero(autograd_lab.tensor([[0., 1.], [2., 0.]]))
        tensor([[0, 1],
                [1, 0]])
    """
    xp = array_module(input._device)
    data = input._data.reshape(1) if input._data.ndim == 0 else input._data
    idx = xp.nonzero(data)
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64), device=input._device) for i in idx)
    res = xp.stack(idx, axis=1).astype(np.int64) if idx else xp.zeros((0, 0), np.int64)
    if input._data.ndim == 0:
        res = res[:, :0]
    return write_out("nonzero", Tensor._make(res, device=input._device), out)
