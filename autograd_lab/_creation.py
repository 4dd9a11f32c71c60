"""Factory functions: ``tensor``, ``zeros``, ``ones``, ``rand``, ``arange``, ... and ``*_like``.

``tensor(data)`` always copies; ``as_tensor`` and ``from_numpy`` share memory with a NumPy
array when they can. Python floats become the default dtype (float32), Python ints int64,
NumPy arrays keep their dtype.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from . import _dtype, _random
from ._tensor import Tensor
from .backend import CPU, array_module, canonical_device, device_of_array, to_device, to_numpy

__all__ = ["tensor", "as_tensor", "from_numpy", "empty", "zeros", "ones", "full", "eye",
           "arange", "linspace", "logspace", "rand", "randn", "randint", "randperm",
           "empty_like", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
           "randint_like", "scalar_tensor"]


def _finish(arr, dev, requires_grad: bool) -> Tensor:
    if dev.type != "cpu":
        arr = to_device(arr, dev)
    t = Tensor._make(arr, device=dev)
    if requires_grad:
        if arr.dtype.kind != "f":
            # PyTorch's factories word this differently from Tensor.requires_grad_.
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _sizes(size) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)``."""
    if len(size) == 1 and isinstance(size[0], Sequence | np.ndarray):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"empty(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(s).__name__} at pos {len(out)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(str(int(x)) for x in size)}]")
        out.append(int(s))
    return tuple(out)


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.as_dtype(dtype).np


def _infer_from_data(data):
    """Convert nested Python data / arrays to an ndarray with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        return to_numpy(data._data).copy()
    if isinstance(data, np.ndarray):
        _dtype.from_numpy_dtype(data.dtype)  # raises for unsupported dtypes
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, list | tuple) and any(isinstance(x, Tensor) for x in _flat(data)):
        data = _tensors_to_lists(data)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(_ragged_message(data) or str(e)) from None
    if arr.dtype == object:
        raise ValueError(_ragged_message(data) or
                         f"Could not infer dtype of {type(data).__name__}")
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(_dtype.get_default_dtype().np, copy=False)
    if kind in "iu":
        return arr.astype(np.int64, copy=False)
    if kind == "b":
        return arr
    if kind in "US":
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _flat(data):
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, list | tuple):
            stack.extend(x)
        else:
            yield x


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        if data._data.ndim == 0:
            return data.item()
        return data.tolist()
    if isinstance(data, list | tuple):
        return [_tensors_to_lists(x) for x in data]
    return data


def _ragged_message(data) -> str | None:
    """PyTorch's message for nested lists of unequal length."""
    def walk(x, dim):
        if not isinstance(x, list | tuple):
            return None
        lengths = [len(e) if isinstance(e, list | tuple) else None for e in x]
        first = lengths[0] if lengths else None
        for e, n in zip(x, lengths, strict=True):
            if n != first:
                return f"expected sequence of length {first} at dim {dim + 1} (got {n})"
            msg = walk(e, dim + 1)
            if msg:
                return msg
        return None

    return walk(data, 0)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array, a tensor).

    Example:
        >>> autograd_lab.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> autograd_lab.tensor([2.5, 3.5], requires_grad=True)
        tensor([2.5000, 3.5000], requires_grad=True)
    """
    arr = _infer_from_data(data)
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype))
    else:
        arr = np.array(arr, copy=True)
    dev = canonical_device(device if device is not None else
                           (data.device if isinstance(data, Tensor) else None))
    return _finish(arr, dev, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when dtype and device allow."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (dtype is None or _np_dtype(dtype) == data.dtype):
        dev = canonical_device(device)
        if dev.type == "cpu":
            return from_numpy(data)
    if device is None and device_of_array(data).type == "cuda":
        return Tensor._make(data, device=device_of_array(data))
    arr = _infer_from_data(data)
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype), copy=False)
    return _finish(arr, canonical_device(device), False)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``: changing one changes the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray, device=CPU)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return tensor(s, dtype=dtype or _dtype.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def _factory(fill):
    def make(*size, out=None, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False, memory_format=None, generator=None):
        shape = _sizes(size)
        dev = canonical_device(device)
        npd = _np_dtype(dtype)
        arr = fill(shape, npd, generator)
        t = _finish(arr, dev, requires_grad)
        if out is not None:
            from .ops._util import write_out

            return write_out("factory", t, out)
        return t

    return make


empty = _factory(lambda shape, d, g: np.empty(shape, d))
zeros = _factory(lambda shape, d, g: np.zeros(shape, d))
ones = _factory(lambda shape, d, g: np.ones(shape, d))
rand = _factory(lambda shape, d, g: _random.uniform_array(shape, d, g))
randn = _factory(lambda shape, d, g: _random.normal_array(shape, d, g))

for _f, _doc in ((empty, "Uninitialised memory of the given shape (here: whatever NumPy gives)."),
                 (zeros, "A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."),
                 (ones, "A tensor of ones."),
                 (rand, "Uniform samples in [0, 1)."),
                 (randn, "Standard normal samples (mean 0, variance 1).")):
    _f.__doc__ = _doc
empty.__name__, zeros.__name__, ones.__name__, rand.__name__, randn.__name__ = (
    "empty", "zeros", "ones", "rand", "randn")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    if dtype is None:
        dtype = _dtype.default_dtype_for_scalar(fill_value)
    arr = np.full(_sizes((size,) if not isinstance(size, int) else (size,)), fill_value,
                  _np_dtype(dtype))
    return _finish(arr, canonical_device(device), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The identity matrix (``n`` x ``m``)."""
    return _finish(np.eye(n, n if m is None else m, dtype=_np_dtype(dtype)),
                   canonical_device(device), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``.

    Integers give int64; any float argument gives the default float dtype.
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in vals)
        dtype = _dtype.int64 if is_int else _dtype.get_default_dtype()
    npd = _np_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    arr = (start + np.arange(n, dtype=np.float64) * step) if npd.kind == "f" else \
        np.arange(start, end, step)
    return _finish(arr.astype(npd), canonical_device(device), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    arr = np.linspace(start, end, steps, dtype=np.float64)
    return _finish(arr.astype(_np_dtype(dtype)), canonical_device(device), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    arr = np.logspace(start, end, steps, base=base, dtype=np.float64)
    return _finish(arr.astype(_np_dtype(dtype)), canonical_device(device), requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Random integers in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``."""
    if size is None and isinstance(high, tuple | list):
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    npd = _np_dtype(dtype, _dtype.int64)
    arr = _random.integers_array(low, high, _sizes((size,)), npd, generator)
    return _finish(arr, canonical_device(device), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    arr = _random.permutation_array(n, generator).astype(_np_dtype(dtype, _dtype.int64))
    return _finish(arr, canonical_device(device), requires_grad)


def _like(fn):
    def make(input, *, dtype=None, device=None, requires_grad=False, memory_format=None,  # noqa: A002
             layout=None, generator=None):
        return fn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                  requires_grad=requires_grad)

    make.__name__ = fn.__name__ + "_like"
    make.__doc__ = f"Like :func:`{fn.__name__}` with the shape (and dtype, device) of input."
    return make


empty_like = _like(empty)
zeros_like = _like(zeros)
ones_like = _like(ones)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:  # noqa: A002
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def randint_like(input, low, high=None, *, dtype=None, device=None) -> Tensor:  # noqa: A002
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype,
                   device=device or input.device)


def _tensor_init(self: Tensor, args, device=None, dtype=None) -> None:
    """``Tensor(*sizes)`` (uninitialised float32) or ``Tensor(data)`` (copy as float32)."""
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.float32
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        src = tensor(args[0], dtype=dt)._data
    else:
        src = np.empty(_sizes(args), dt.np) if args else np.empty((0,), dt.np)
    dev = canonical_device(device)
    self._data = src if dev.type == "cpu" else to_device(src, dev)
    self._requires_grad = False
    from ._tensor import _VersionCounter

    self._version_counter = _VersionCounter()
    self._device = dev


_ = array_module
