"""Flatten parameters into one vector and back, as ``torch.nn.utils``."""

from __future__ import annotations

from collections.abc import Iterable

from ..._tensor import Tensor
from ...ops.join import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param: Tensor, old_device):
    if old_device is not None and param.device != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable).

    Example:
        >>> vec = nn.utils.parameters_to_vector(model.parameters())
    """
    dev = None
    vec = []
    for param in parameters:
        dev = _check_param_device(param, dev)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the ``parameters`` (their ``.data``)."""
    if not isinstance(vec, Tensor):
        from ..modules.module import typename

        raise TypeError(f"expected autograd_lab.Tensor, but got: {typename(vec)}")
    dev = None
    pointer = 0
    for param in parameters:
        dev = _check_param_device(param, dev)
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
