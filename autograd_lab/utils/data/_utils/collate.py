"""Turning a list of samples into a batch: ``default_collate`` and ``default_convert``.

``default_collate`` is recursive: it looks at the first sample to learn the structure (a tuple
of (image, label), a dict, ...), then collates each field over the batch. Leaves become one
tensor with a new leading batch dimension; strings stay a list. The result types are PyTorch's:

======================  ===============================================================
each sample is          the batch is
======================  ===============================================================
Tensor                  ``stack(samples)`` (a new dim 0 of size batch)
NumPy array             a Tensor (arrays are converted, then stacked)
NumPy scalar            a Tensor of that dtype (``as_tensor(samples)``)
``float``               a float64 Tensor (Python floats are doubles)
``int`` / ``bool``      an int64 / bool Tensor (``tensor(samples)``)
``str`` / ``bytes``     the samples, unchanged (a list, or the tuple ``zip`` made)
``Mapping``             the same mapping type, each key collated
named tuple             the same named tuple type, each field collated
tuple                   a **list**, each position collated (PyTorch keeps this for
                        backward compatibility)
other ``Sequence``      the same type where possible, each position collated
======================  ===============================================================
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...._creation import as_tensor
from ...._dtype import float64
from ...._from_data import tensor
from ...._tensor import Tensor
from ....ops.join import stack

__all__ = ["StackedBatch", "collate", "default_collate", "default_collate_fn_map",
           "default_convert"]

# NumPy dtypes that cannot become tensors: bytes, str and object arrays.
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}"
)


class StackedBatch(Sequence):
    """A batch of ``(x, y, ...)`` samples kept as one stacked tensor per field.

    ``TensorDataset.__getitems__`` returns one: fetching a batch is then one fancy index per
    tensor instead of ``batch_size`` Python-level ``dataset[i]`` calls. It behaves as the list
    of samples it stands for (``len``, indexing, iteration give tuples), so a custom
    ``collate_fn`` works unchanged; :func:`default_collate` takes the stacked fields as they
    are instead of splitting them into samples and stacking them again.

    Not a PyTorch class (PyTorch's ``__getitems__`` returns a plain list). A dataset that
    transforms whole batches at once can return one from its own ``__getitems__``.

    Args:
        fields (sequence of Tensor): one tensor per sample field, all with the batch size as
            their first dimension.
    """

    __slots__ = ("fields",)

    def __init__(self, fields: Sequence[Tensor]) -> None:
        self.fields = tuple(fields)

    def __len__(self) -> int:
        return len(self.fields[0])

    def __iter__(self):
        for i in range(len(self)):
            yield tuple(f[i] for f in self.fields)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return StackedBatch([f[i] for f in self.fields])
        return tuple(f[i] for f in self.fields)

    def __repr__(self) -> str:
        return f"StackedBatch(len={len(self)}, fields={len(self.fields)})"


def default_convert(data: Any) -> Any:
    """Convert each NumPy array (or NumPy scalar) inside ``data`` to a Tensor.

    Mappings, named tuples and sequences are walked recursively (a tuple becomes a list, as
    in PyTorch); anything else is returned unchanged. This is the ``collate_fn`` of a
    ``DataLoader`` without automatic batching (``batch_size=None``).

    Args:
        data: a single data point to be converted

    Example:
        >>> default_convert(np.array([0, 1]))
        tensor([0, 1])
        >>> default_convert((np.array(0), 2))
        [tensor(0), 2]
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if (elem_type.__name__ == "ndarray"
                and np_str_obj_array_pattern.search(data.dtype.str) is not None):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)  # keeps the mapping's type (OrderedDict, defaultdict)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:  # the mapping type cannot be rebuilt from a dict
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # named tuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, as in PyTorch
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, str | bytes):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch: Sequence, *, collate_fn_map: dict | None = None) -> Any:
    """Collate ``batch`` (a sequence of samples), dispatching leaves through ``collate_fn_map``.

    ``collate_fn_map`` maps an element type (or a tuple of types) to a function
    ``fn(batch, *, collate_fn_map)``; an exact type match wins, then the first ``isinstance``
    match in insertion order. Containers (mappings, named tuples, sequences) are walked here.

    Args:
        batch: a single batch to be collated
        collate_fn_map: optional dictionary from element type to its collate function

    Example:
        >>> def collate_tensor_fn(batch, *, collate_fn_map):
        ...     return autograd_lab.stack(batch, 0)
        >>> collate([autograd_lab.zeros(2), autograd_lab.ones(2)],
        ...         collate_fn_map={Tensor: collate_tensor_fn})
        tensor([[0., 0.],
                [1., 1.]])
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    def fields(key):
        return collate([d[key] for d in batch], collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: fields(key) for key in elem})
                return clone
            return elem_type({key: fields(key) for key in elem})
        except TypeError:
            return {key: fields(key) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # named tuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))  # transposed[i]: field i of every sample
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map)
                              for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


# ----------------------------------------------------------------------------- leaf collators
def collate_tensor_fn(batch, *, collate_fn_map=None) -> Tensor:
    # PyTorch stacks into shared memory inside a worker to save one copy; we stack normally
    # and the result is pickled back to the main process.
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    # One np.stack of the arrays, not one tensor per sample: same result, one copy.
    if all(type(b) is np.ndarray and b.shape == elem.shape and b.dtype == elem.dtype
           for b in batch):
        return as_tensor(np.stack(batch))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None) -> Tensor:
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None) -> Tensor:
    return tensor(batch, dtype=float64)


def collate_int_fn(batch, *, collate_fn_map=None) -> Tensor:
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: Sequence) -> Any:
    """Put each data field of the samples in ``batch`` into a tensor with a batch dimension.

    The default ``collate_fn`` of ``DataLoader`` when batching is on (``batch_size`` or
    ``batch_sampler`` given). The output type for each input type is in the table of this
    module's docstring: tensors, NumPy arrays and numbers become tensors, strings stay
    strings, containers keep their structure (a tuple becomes a list).

    Args:
        batch: a single batch to be collated

    Example:
        >>> default_collate([0, 1, 2, 3])
        tensor([0, 1, 2, 3])
        >>> default_collate(["a", "b", "c"])
        ['a', 'b', 'c']
        >>> default_collate([{"A": 0, "B": 1}, {"A": 100, "B": 100}])
        {'A': tensor([  0, 100]), 'B': tensor([  1, 100])}
        >>> default_collate([(0, 1), (2, 3)])
        [tensor([0, 2]), tensor([1, 3])]
    """
    if isinstance(batch, StackedBatch):  # already one tensor per field: nothing to stack
        return list(batch.fields)
    return collate(batch, collate_fn_map=default_collate_fn_map)
