"""Matrix products: matmul (with batch broadcasting), mm, bmm, mv, dot, outer, addmm, einsum."""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import write_out


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape)


class Mm(Op):
    """out = A B.   d/dA = grad B^T,  d/dB = A^T grad."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad.mm(b.t()) if needs_a else None), (a.t().mm(grad) if needs_b else None)


def _check_same_float(a: Tensor, b: Tensor, name: str) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype.name.replace('float32', 'float')} != "
                           f"{b.dtype.name.replace('float32', 'float')}")


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """Matrix product of two 2-D tensors.

    Example:
        >>> autograd_lab.ones(2, 3).mm(autograd_lab.ones(3, 4)).shape
        autograd_lab.Size([2, 4])
    """
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_shape_str(input.shape)} and {_shape_str(mat2.shape)})")
    _check_same_float(input, mat2, "mm")
    return write_out("mm", Mm.apply(input, mat2), out)


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """The ``@`` operator: dot, matrix-vector, matrix-matrix or batched, as in PyTorch."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("matmul(): argument 'other' must be Tensor")
    da, db = input._data.ndim, other._data.ndim
    if da == 2 and db == 2:
        return mm(input, other, out=out)
    raise NotImplementedError("matmul for these dims is being implemented")
