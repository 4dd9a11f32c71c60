"""Reading a Python index the way PyTorch does (used by ``t[...]`` and ``t[...] = v``).

:func:`parse_index` turns ``index`` into a :class:`Key`: a NumPy *basic* index (ints, slices,
``None``) whose result is a view, and, when index arrays or masks are present, a NumPy
*advanced* index applied to that view. Error messages are PyTorch's.
"""

from __future__ import annotations

import operator
import warnings
from typing import NamedTuple

import numpy as np

from .._tensor import Tensor
from ..backend import array_module, to_device, to_numpy

__all__ = ["Key", "parse_index", "convert_item", "adv_tuple", "adv_shape", "adv_error",
           "masks_to_ints", "check_bounds"]

_BAD_TYPE = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
             "are valid indices (got {})")
_BAD_DTYPE = "tensors used as indices must be long, int, byte or bool tensors"
_SEQ_WARNING = ("Using a non-tuple sequence for multidimensional indexing is deprecated and will "
                "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
                "this will be interpreted as tensor index, x[torch.tensor(seq)], which will result "
                "either in an error or a different result")
_UINT8_WARNING = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                  "torch.bool instead.")



class Key(NamedTuple):
    basic: tuple  # NumPy basic index into the tensor's array (ends with ``...``)
    adv: tuple | None  # NumPy advanced index into the basic view, or None
    view_op: str  # "Select", "Slice", "Unsqueeze" or "Alias": the last basic step
    steps: int  # how many view steps changed anything (0: the view is the tensor itself)


def _treat_as_tuple(index) -> bool:
    """PyTorch's (NumPy's old) rule: a short list holding lists, slices, None... is a tuple."""
    if isinstance(index, tuple):
        return True
    if isinstance(index, np.ndarray):
        as_tuple = 2 <= index.ndim and len(index) < 32
    elif isinstance(index, list) and len(index) < 32:
        as_tuple = any(isinstance(i, Tensor | list | tuple | np.ndarray | str | slice)
                       or i is None or i is Ellipsis for i in index)
    else:
        return False
    if as_tuple:
        warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=4)
    return as_tuple


def _array_item(arr):
    """Classify an index array: ``("int", i)``, ``("bool", b)``, ``("array", a)``, ``("mask", m)``.

    0-d integer tensors act like ints, 0-d bools like ``True``/``False``; uint8 means a mask.
    """
    kind = arr.dtype.kind
    if kind == "b" or arr.dtype == np.uint8:
        if arr.dtype == np.uint8:
            warnings.warn(_UINT8_WARNING, UserWarning, stacklevel=5)
            arr = arr != 0
        return ("bool", bool(arr)) if arr.ndim == 0 else ("mask", arr)
    if arr.ndim == 0:
        return ("int", int(arr))
    return ("array", arr)


def convert_item(item, t: Tensor):
    """One index item as ``(tag, value)``."""
    if item is None:
        return ("none", None)
    if item is Ellipsis:
        return ("ellipsis", None)
    if isinstance(item, bool | np.bool_):
        return ("bool", bool(item))
    if isinstance(item, int | np.integer):
        return ("int", int(item))
    if isinstance(item, slice):
        try:
            start, stop, step = (None if s is None else operator.index(s)
                                 for s in (item.start, item.stop, item.step))
        except TypeError:
            raise TypeError("slice indices must be integers or None or have an __index__ "
                            "method") from None
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step is not None and step < 0:
            raise ValueError("step must be greater than zero")
        return ("slice", (start, stop, 1 if step is None else step))
    xp = array_module(t._device)
    if isinstance(item, Tensor):
        if item._device != t._device and item._device.type != "cpu":
            raise RuntimeError("indices should be either on cpu or on the same device as the "
                               f"indexed tensor ({t._device})")
        if item._data.dtype.kind not in "bu" and item._data.dtype not in (np.int64, np.int32):
            raise IndexError(_BAD_DTYPE)
        arr = item._data if item._device == t._device else to_device(item._data, t._device)
        return _array_item(arr)
    if isinstance(item, list | tuple | range | np.ndarray | str):
        arr = np.asarray(item)
        if arr.dtype.kind not in "biuf":
            name = "str" if arr.dtype.kind in "US" else type(item).__name__
            raise TypeError(f"new(): invalid data type '{name}'")
        if arr.dtype.kind not in "b" and arr.dtype != np.uint8:
            arr = arr.astype(np.int64)  # PyTorch turns any other list into a long tensor
        return _array_item(xp.asarray(arr) if xp is not np else arr)
    raise IndexError(_BAD_TYPE.format(type(item).__name__))


def parse_index(t: Tensor, index, *, for_set: bool = False) -> Key:
    """Turn a Python index into NumPy indices that reproduce PyTorch's semantics."""
    single = not _treat_as_tuple(index)
    items = [convert_item(i, t) for i in ((index,) if single else index)]
    ndim = t._data.ndim
    specified = sum(v.ndim if tag == "mask" else 1 for tag, v in items
                    if tag in ("int", "slice", "array", "mask"))
    if specified > ndim:
        if single and items[0][0] == "int" and ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    shape = list(t._data.shape)  # the shape of the view built so far
    basic, adv = [], []
    view_op, steps, consumed, dim = "Alias", 0, 0, 0
    for i, (tag, v) in enumerate(items):
        if tag == "int":
            size = shape[dim]
            if not -size <= v < size:
                raise IndexError(f"index {v} is out of bounds for dimension {i} with size {size}")
            basic.append(v)
            del shape[dim]
            view_op, steps, consumed = "Select", steps + 1, consumed + 1
        elif tag == "slice":
            start, stop, step = v
            size = shape[dim]
            full = start in (None, 0) and (stop is None or stop >= size) and step == 1
            if not full:  # PyTorch skips full slices, except for a lone ``x[:]``
                steps += 1
            if not full or single and not for_set:
                view_op = "Slice"
            s = slice(start, stop, step)
            basic.append(s)
            shape[dim] = len(range(*s.indices(size)))
            consumed, dim = consumed + 1, dim + 1
        elif tag == "ellipsis":
            n = min(ndim - specified, ndim - consumed)
            basic.extend([slice(None)] * n)
            consumed, dim = consumed + n, dim + ndim - specified
        elif tag in ("none", "bool"):
            basic.append(None)
            shape.insert(dim, 1)
            steps += 1
            if tag == "bool":  # x[True] is x[None][[0]]; x[False] is x[None][[]]
                xp = array_module(t._device)
                adv.append((dim, xp.zeros(1 if v else 0, np.int64)))
            else:
                view_op = "Unsqueeze"
            dim += 1
        else:  # an index array or mask: a full slice now, indexed in pass 2
            k = v.ndim if tag == "mask" else 1
            adv.append((dim, v))
            basic.extend([slice(None)] * k)
            consumed, dim = consumed + k, dim + k
    basic.append(Ellipsis)  # keeps a 0-d result a view, not a NumPy scalar
    if not adv:
        return Key(tuple(basic), None, view_op, steps)
    return Key(tuple(basic), adv_tuple(adv, shape), view_op, steps)


def adv_tuple(adv: list, shape: list) -> tuple:
    """The NumPy index that applies ``adv`` (``(dim, array)`` pairs) to a view of ``shape``."""
    out: list = []
    for d, arr in adv:
        out.extend([slice(None)] * (d - len(_consumed(out))))
        if arr.dtype == bool:
            size = shape[d:d + arr.ndim]
            for j, (m, s) in enumerate(zip(arr.shape, size, strict=True)):
                if m != s:
                    raise IndexError(f"The shape of the mask {list(arr.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor {shape} at "
                                     f"index {d + j}")
        out.append(arr)
    return tuple(out)


def _consumed(items: list) -> list:
    """One entry per dim that ``items`` index (a k-dim mask indexes k dims)."""
    dims = []
    for a in items:
        dims.extend([a] * (a.ndim if not isinstance(a, slice) and a.dtype == bool else 1))
    return dims


def adv_shape(shape: tuple, adv: tuple) -> tuple:
    """The shape of ``view[adv]`` for a view of ``shape`` (NumPy's placement rule)."""
    arrays = [a for a in adv if not isinstance(a, slice)]
    shapes = [(int(a.sum()),) if a.dtype == bool else a.shape for a in arrays]
    try:
        bshape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {', '.join(str(list(s)) for s in shapes)}") from None
    pos = [i for i, a in enumerate(_consumed(list(adv))) if not isinstance(a, slice)]
    rest = [s for i, s in enumerate(shape) if i not in pos]
    if pos == list(range(pos[0], pos[-1] + 1)):  # adjacent: the new dims go where they were
        return tuple(shape[:pos[0]]) + bshape + tuple(shape[pos[-1] + 1:])
    return bshape + tuple(rest)


def adv_error(shape: tuple, adv: tuple) -> IndexError:
    """PyTorch's IndexError for index arrays that don't broadcast or are out of bounds."""
    adv_shape(shape, adv)  # raises the broadcast error
    ordinal = 0
    for d, a in zip(_dims_of(adv), adv, strict=True):
        if isinstance(a, slice):
            continue
        if a.dtype == bool:
            ordinal += a.ndim
            continue
        size = shape[d]
        bad = to_numpy(a)[(to_numpy(a) < -size) | (to_numpy(a) >= size)]
        if bad.size:
            return IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension "
                              f"{ordinal} with size {size}")
        ordinal += 1
    return IndexError("index out of range")


def _dims_of(adv: tuple) -> list:
    dims, d = [], 0
    for a in adv:
        dims.append(d)
        d += a.ndim if not isinstance(a, slice) and a.dtype == bool else 1
    return dims


def masks_to_ints(adv) -> tuple:
    out = []
    for a in adv:
        out.extend(a.nonzero() if not isinstance(a, slice) and a.dtype == bool else (a,))
    return tuple(out)


def check_bounds(shape: tuple, adv: tuple) -> None:
    """Raise PyTorch's error for out-of-range indices (needed where CuPy would wrap them)."""
    err = adv_error(shape, adv)
    if str(err) != "index out of range":
        raise err
