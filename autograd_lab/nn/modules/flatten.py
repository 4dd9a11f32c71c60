"""``Flatten`` and ``Unflatten`` (as ``torch.nn``): reshape layers without parameters."""

from __future__ import annotations

from ..._tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one (a view when possible).

    Shape:
        input (*, S_start, ..., S_end, *) -> (*, prod(S_start..S_end), *).

    Example:
        >>> nn.Flatten()(autograd_lab.ones(32, 1, 5, 5)).shape
        autograd_lab.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into the shape ``unflattened_size`` (the inverse of ``Flatten``).

    Differs from PyTorch: named-tensor dims (``dim`` given as a string) are not supported.

    Shape:
        input (*, S_dim, *) -> (*, U_1, ..., U_n, *) with ``prod(U) == S_dim``.

    Example:
        >>> nn.Unflatten(1, (2, 5))(autograd_lab.ones(2, 10)).shape
        autograd_lab.Size([2, 2, 5])
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if isinstance(unflattened_size, (tuple, list)):
            for idx, elem in enumerate(unflattened_size):
                if not isinstance(elem, int):
                    raise TypeError("unflattened_size must be tuple of ints, but found element "
                                    f"of type {type(elem).__name__} at pos {idx}")
        else:
            raise TypeError("unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
