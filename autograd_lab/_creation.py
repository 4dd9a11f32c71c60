"""Factory functions: ``zeros``, ``ones``, ``full``, ``rand``, ``arange``, ... and ``*_like``.

Tensors from existing data (``tensor``, ``as_tensor``, ``from_numpy``) live in ``_from_data``
and are re-exported here. Sizes are accepted as PyTorch accepts them: ``zeros(2, 3)``,
``zeros((2, 3))``, ``zeros([2, 3])``, ``zeros(t.shape)``. Values are made by NumPy on the CPU
and moved to the requested device.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _dtype, _random
from ._from_data import (
    _out,
    as_tensor,
    asarray,
    check_dtype,
    finish,
    from_numpy,
    is_int,
    pinned,
    tensor,
)
from ._ranges import arange, linspace, logspace
from ._tensor import Size, Tensor
from .backend import _type_name, array_module, canonical_device

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "empty", "zeros", "ones", "full",
           "eye", "arange", "linspace", "logspace", "rand", "randn", "randint", "randperm",
           "empty_like", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
           "randint_like", "scalar_tensor"]

# c10's names, which PyTorch prints in its messages.
_SCALAR_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_C_NAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "int64_t",
           "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t",
           "bool": "bool"}
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half",
           "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
           "uint8": "unsigned char", "bool": "bool"}


def parse_sizes(fn: str, size: tuple) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(Size)`` -> ``(2, 3)``; PyTorch's errors."""
    if not size:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    sizes = size[0] if len(size) == 1 and type(size[0]) in (tuple, list, Size) else size
    if all(type(s) is int and s >= 0 for s in sizes):  # the common case, checked quickly
        return tuple(sizes)
    if len(size) == 1 and not is_int(size[0]):
        seq = size[0]
        if isinstance(seq, Tensor) and seq.ndim == 1 and seq.dtype.category == _dtype._INT:
            seq = seq.tolist()
        if not isinstance(seq, tuple | list):
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{_type_name(seq)}")
        if seq and not is_int(seq[0]):
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, but "
                            f"found element of type {_type_name(seq[0])} at pos 0")
        size = tuple(seq)
    elif not is_int(size[0]):
        raise TypeError(f"{fn}() takes 1 positional argument but {len(size)} were given")
    out = []
    for i, s in enumerate(size):
        if not (is_int(s) or isinstance(s, bool)):
            raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos {i + 1} "
                            f'with error "type must be tuple of ints,but got {_type_name(s)}"')
        out.append(int(s))
    for s in out:
        if s < 0:
            if fn == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(map(str, out))}]")
    return tuple(out)


def _check_fits(value, dt: _dtype.dtype) -> None:
    """PyTorch's overflow check when a Python number fills a tensor (``full``, ``randperm``)."""
    if dt is _dtype.bool or (isinstance(value, float) and not math.isfinite(value) and
                             dt.category == _dtype._FLOAT):
        return  # inf and nan fit any floating type
    lo, hi = ((float(np.finfo(dt.np).min), float(np.finfo(dt.np).max))
              if dt.category == _dtype._FLOAT else (int(np.iinfo(dt.np).min),
                                                    int(np.iinfo(dt.np).max)))
    if dt.np.kind == "u" and not isinstance(value, float):
        lo = -hi  # unsigned types let negative integers wrap (-1 -> 255)
    if (isinstance(value, float) and math.isnan(value) and dt.category != _dtype._FLOAT) or (
            not lo <= value <= hi):
        raise RuntimeError(f"value cannot be converted to type {_C_NAME[dt.name]} without "
                           "overflow")


def _float_only(kernel: str, dt: _dtype.dtype) -> None:
    if dt.category != _dtype._FLOAT:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAME[dt.name]}\'')


def _make(fn: str, size: tuple, fill, dtype, device, requires_grad, generator=None) -> Tensor:
    """The shared body of ``zeros``, ``ones``, ``empty``, ``rand``, ``randn`` and ``new_*``."""
    dt = check_dtype(fn, dtype) or _dtype.get_default_dtype()
    shape = parse_sizes(fn, size)
    dev = canonical_device(device)
    if fill is _random.uniform_array:
        _float_only("check_uniform_bounds", dt)
    elif fill is _random.normal_array:
        _float_only("normal_kernel_cpu", dt)
    if fill in (_random.uniform_array, _random.normal_array):
        arr = fill(shape, dt.np, generator)
    elif dev.type != "cpu":  # made on the GPU itself: no host array, no copy over PCIe
        arr = getattr(array_module(dev), fill.__name__)(shape, dt.np)
    else:
        arr = fill(shape, dt.np)
    return finish(arr, dev, requires_grad)


def empty(*size, out=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    """A tensor of the given size whose values are not initialised (whatever NumPy gives)."""
    t = _make("empty", size, np.empty, dtype, device, requires_grad)
    return _out(pinned(t, pin_memory), out)


def zeros(*size, out=None, dtype=None, device=None, requires_grad: bool = False,
          layout=None, pin_memory: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    Example:
        >>> autograd_lab.zeros(2, 3, dtype=autograd_lab.int64)
        tensor([[0, 0, 0],
                [0, 0, 0]])
    """
    t = _make("zeros", size, np.zeros, dtype, device, requires_grad)
    return _out(pinned(t, pin_memory), out)


def ones(*size, out=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
         pin_memory: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    t = _make("ones", size, np.ones, dtype, device, requires_grad)
    return _out(pinned(t, pin_memory), out)


def rand(*size, generator=None, out=None, dtype=None, device=None,
         requires_grad: bool = False, layout=None, pin_memory: bool = False) -> Tensor:
    """Samples from the uniform distribution on [0, 1) (floating dtypes only).

    ``generator`` (an :class:`autograd_lab.Generator`) draws from its own stream instead of
    the global one seeded by :func:`autograd_lab.manual_seed`.
    """
    t = _make("rand", size, _random.uniform_array, dtype, device, requires_grad,
              _random.check_generator("rand", generator))
    return _out(pinned(t, pin_memory), out)


def randn(*size, generator=None, out=None, dtype=None, device=None,
          requires_grad: bool = False, layout=None, pin_memory: bool = False) -> Tensor:
    """Samples from the standard normal distribution N(0, 1) (floating dtypes only)."""
    t = _make("randn", size, _random.normal_array, dtype, device, requires_grad,
              _random.check_generator("randn", generator))
    return _out(pinned(t, pin_memory), out)


def _fill_dtype(fn: str, fill_value):
    """The dtype PyTorch gives ``full(size, fill_value)``: bool, int64 or the default float."""
    if isinstance(fill_value, Tensor) and fill_value.numel() == 1 and fill_value.ndim == 0:
        fill_value = fill_value.item()
    if isinstance(fill_value, bool | np.bool_):
        return bool(fill_value), _dtype.bool
    if isinstance(fill_value, numbers.Integral):
        return int(fill_value), _dtype.int64
    if isinstance(fill_value, numbers.Real):
        return float(fill_value), _dtype.get_default_dtype()
    raise TypeError(f"{fn}(): argument 'fill_value' (position 2) must be Number, not "
                    f"{_type_name(fill_value)}")


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad: bool = False,
         layout=None, pin_memory: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``.

    The dtype follows the value when not given: bool, int64, or the default float dtype.

    Example:
        >>> autograd_lab.full((2,), 7)
        tensor([7, 7])
    """
    t = _full("full", size, fill_value, dtype, device, requires_grad)
    return _out(pinned(t, pin_memory), out)


def _full(fn, size, fill_value, dtype, device, requires_grad) -> Tensor:
    dt = check_dtype(fn, dtype)
    if not isinstance(size, tuple | list | Tensor):
        raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{_type_name(size)}")
    value, value_dt = _fill_dtype(fn, fill_value)
    dt = dt or value_dt
    shape = parse_sizes(fn, (size,))
    _check_fits(value, dt)
    with np.errstate(invalid="ignore"):
        fill = np.asarray(value).astype(dt.np)  # wraps -1 -> 255 for uint8, as PyTorch
    dev = canonical_device(device)
    if dev.type != "cpu":
        return finish(array_module(dev).full(shape, fill[()], dt.np), dev, requires_grad)
    arr = np.empty(shape, dt.np)
    arr[...] = fill
    return finish(arr, dev, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding ``s``, of the default float dtype unless ``dtype`` is given."""
    return tensor(s, dtype=check_dtype("scalar_tensor", dtype) or _dtype.get_default_dtype(),
                  device=device, requires_grad=requires_grad)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad: bool = False,
        layout=None, pin_memory: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix (``m`` defaults to ``n``)."""
    dt = check_dtype("eye", dtype) or _dtype.get_default_dtype()
    for name, pos, v in (("n", 1, n), ("m", 2, m)):
        if v is None:
            continue
        if not is_int(v):
            raise TypeError(f"eye(): argument '{name}' (position {pos}) must be int, not "
                            f"{_type_name(v)}")
        if int(v) < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {int(v)}")
    n = int(n)
    arr = np.eye(n, n if m is None else int(m), dtype=dt.np)
    t = finish(arr, canonical_device(device), requires_grad)
    return _out(pinned(t, pin_memory), out)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, device=None,
            requires_grad: bool = False, layout=None, pin_memory: bool = False) -> Tensor:
    """Random integers in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``.

    The result is int64 unless ``dtype`` says otherwise (floating dtypes are allowed).
    """
    if size is None and isinstance(high, tuple | list | Size):
        low, high, size = 0, low, high
    elif high is None and size is not None:
        low, high = 0, low
    if size is None and high is not None:  # randint(10, 3): the second argument is the size
        raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, not "
                        f"{_type_name(high)}")
    if size is None:
        raise TypeError("randint() received an invalid combination of arguments - got "
                        "no 'size', but expected one of:\n * (int high, tuple of ints size)\n"
                        " * (int low, int high, tuple of ints size)")
    for name, pos, v in (("low", 1, low), ("high", 2 if low else 1, high)):
        if not is_int(v):
            raise TypeError(f"randint(): argument '{name}' (position {pos}) must be int, not "
                            f"{_type_name(v)}")
    low, high = int(low), int(high)
    if not isinstance(size, tuple | list):
        raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, not "
                        f"{_type_name(size)}")
    if not (-2**63 <= low < 2**63 and -2**63 <= high < 2**63):
        raise ValueError("Overflow when unpacking long long")
    dt = check_dtype("randint", dtype) or _dtype.int64
    shape = parse_sizes("randint", (size,))
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    info = (np.finfo(dt.np) if dt.category == _dtype._FLOAT else
            np.iinfo(np.int8 if dt is _dtype.bool else dt.np))
    lo, hi = (0, 1) if dt is _dtype.bool else (float(info.min), float(info.max))
    if low < lo:
        raise RuntimeError(f"from is out of bounds for {_C_TYPE[dt.name]}")
    if high - 1 > hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_C_TYPE[dt.name]}")
    gen = _random.check_generator("randint", generator)
    arr = _random.integers_array(low, high, shape, dt.np, gen)
    t = finish(arr, canonical_device(device), requires_grad)
    return _out(pinned(t, pin_memory), out)


def randperm(n, *, generator=None, out=None, dtype=None, device=None,
             requires_grad: bool = False, layout=None, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise)."""
    if not is_int(n):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{_type_name(n)}")
    n = int(n)
    dt = check_dtype("randperm", dtype) or _dtype.int64
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dt is _dtype.bool:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dt is _dtype.float16 and n > 2049:
        raise RuntimeError("n cannot be greater than 2049 for Half type.")
    if dt is _dtype.float32 and n > 2**24 + 1:
        raise RuntimeError("n cannot be greater than 2^24+1 for Float type.")
    if dt.category == _dtype._INT:
        _check_fits(n - 1, dt)
    gen = _random.check_generator("randperm", generator)
    arr = _random.permutation_array(n, gen).astype(dt.np, copy=False)
    t = finish(arr, canonical_device(device), requires_grad)
    return _out(pinned(t, pin_memory), out)


# ----------------------------------------------------------------------------- *_like
def _like_input(fn: str, input) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{_type_name(input)}")
    return input


def _like(fn: str, input, fill, dtype, device, requires_grad, generator=None):  # noqa: A002
    x = _like_input(fn, input)
    return _make(fn, (x.shape,), fill, dtype or x.dtype, device or x.device, requires_grad,
                 generator)


def empty_like(input, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               layout=None, memory_format=None) -> Tensor:
    """Like :func:`empty` with the shape (and dtype, device) of ``input``."""
    return _like("empty_like", input, np.empty, dtype, device, requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               layout=None, memory_format=None) -> Tensor:
    """Zeros with the shape (and dtype, device) of ``input``; never inherits requires_grad."""
    return _like("zeros_like", input, np.zeros, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
              layout=None, memory_format=None) -> Tensor:
    """Ones with the shape (and dtype, device) of ``input``."""
    return _like("ones_like", input, np.ones, dtype, device, requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None,  # noqa: A002
              requires_grad: bool = False, layout=None, memory_format=None) -> Tensor:
    """Uniform [0, 1) samples with the shape (and dtype, device) of ``input``."""
    return _like("rand_like", input, _random.uniform_array, dtype, device, requires_grad,
                 _random.check_generator("rand_like", generator))


def randn_like(input, *, generator=None, dtype=None, device=None,  # noqa: A002
               requires_grad: bool = False, layout=None, memory_format=None) -> Tensor:
    """Standard normal samples with the shape (and dtype, device) of ``input``."""
    return _like("randn_like", input, _random.normal_array, dtype, device, requires_grad,
                 _random.check_generator("randn_like", generator))


def full_like(input, fill_value, *, dtype=None, device=None,  # noqa: A002
              requires_grad: bool = False, layout=None, memory_format=None) -> Tensor:
    """``fill_value`` with the shape (and dtype, device) of ``input``."""
    x = _like_input("full_like", input)
    return _full("full_like", x.shape, fill_value, dtype or x.dtype, device or x.device,
                 requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None,  # noqa: A002
                 device=None, requires_grad: bool = False, layout=None,
                 memory_format=None) -> Tensor:
    """Random integers in [low, high) with the shape (and dtype, device) of ``input``."""
    x = _like_input("randint_like", input)
    if high is None:
        low, high = 0, low
    return randint(low, high, x.shape, generator=generator, dtype=dtype or x.dtype,
                   device=device or x.device, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- Tensor.new_*
def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad=False) -> Tensor:
    from ._from_data import _tensor

    return _tensor("new_tensor", data, dtype or self.dtype, device or self.device,
                   requires_grad, copy_name="tensor.new_tensor")


def new_filled(fn: str, self: Tensor, size: tuple, dtype, device, requires_grad) -> Tensor:
    fill = {"new_empty": np.empty, "new_zeros": np.zeros, "new_ones": np.ones}[fn]
    return _make(fn, size, fill, dtype or self.dtype, device or self.device, requires_grad)


def new_full(self: Tensor, size, fill_value, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    return _full("new_full", size, fill_value, dtype or self.dtype, device or self.device,
                 requires_grad)
