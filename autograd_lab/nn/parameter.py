"""``Parameter``: a Tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from .._tensor import Tensor, _rebuild_tensor
from ..backend import to_numpy

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that is a module parameter (as ``torch.nn.Parameter``).

    Assigning a ``Parameter`` as a ``Module`` attribute registers it: it then appears in
    ``parameters()`` and ``state_dict()``. The parameter shares the storage (and version
    counter) of ``data`` and is a leaf; ``requires_grad`` defaults to ``True``. Operations on
    a parameter return plain Tensors.

    Args:
        data: the values (an empty float tensor when ``None``).
        requires_grad: whether the parameter requires gradient. Default: ``True``.

    Example:
        >>> p = Parameter(autograd_lab.ones(2))
        >>> p
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from .._creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        p = cls._make(data._data, False, data._device)
        p._version_counter = data._version_counter
        p.requires_grad = requires_grad  # raises for integer dtypes, as PyTorch
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happens in __new__ (Tensor.__init__ would parse ``data`` again)

    def __repr__(self, *, tensor_contents=None) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        # PyTorch's rule: a fresh Parameter with cloned values; ``.grad`` is not copied.
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy(), device=self._device),
                            self._requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter,
                (to_numpy(self._data), str(self._device), self._requires_grad))


def _rebuild_parameter(arr, device_str: str, requires_grad: bool) -> Parameter:
    return Parameter(_rebuild_tensor(arr, device_str, False, None), requires_grad)
