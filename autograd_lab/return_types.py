"""Named tuples returned by reductions that give values *and* indices (PyTorch's
``torch.return_types``).

``x.max(dim)`` returns ``autograd_lab.return_types.max(values=..., indices=...)``: a tuple, so
``values, indices = x.max(1)`` and ``x.max(1)[0]`` work, with the fields also reachable by name
(``x.max(1).indices``).

Example:
    >>> autograd_lab.tensor([[1., 5.], [7., 2.]]).max(1)
    autograd_lab.return_types.max(
    values=tensor([5., 7.]),
    indices=tensor([1, 0]))
"""

from __future__ import annotations

from collections import namedtuple

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "mode"]


def _values_indices(name: str) -> type:
    """A ``(values, indices)`` named tuple class printed the way PyTorch prints its own."""
    cls = namedtuple(name, ["values", "indices"])
    cls.__module__ = __name__  # so pickle finds it here, and the repr names this module
    cls.__doc__ = f"The ``(values, indices)`` result of ``{name}``."

    def __repr__(self) -> str:
        return f"{__name__}.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    cls.__repr__ = __repr__
    cls.__str__ = __repr__
    return cls


max = _values_indices("max")  # noqa: A001 - PyTorch's name
min = _values_indices("min")  # noqa: A001
sort = _values_indices("sort")
topk = _values_indices("topk")
kthvalue = _values_indices("kthvalue")
median = _values_indices("median")
mode = _values_indices("mode")
