"""Data types and PyTorch's type-promotion rules.

A :class:`dtype` wraps a NumPy dtype and knows its *category* (bool < integer < floating).
Promotion follows PyTorch, which differs from NumPy in two ways a learner meets early:

* Python scalars never widen a tensor of the same category (``float32_tensor * 2.5`` stays
  float32) and a higher-category scalar gives the *default* dtype of that category
  (``int_tensor * 2.5`` is float32, not float64).
* Zero-dim tensors only matter when their category is higher than every dimensioned tensor
  (``float16_vector + float64_scalar_tensor`` stays float16).
"""

from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "dtype", "float32", "float", "float64", "double", "float16", "half", "int64", "long",
    "int32", "int", "int16", "short", "int8", "uint8", "bool", "get_default_dtype",
    "set_default_dtype", "promote_types", "result_type", "can_cast",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, e.g. ``autograd_lab.float32``.

    Attributes mirror ``torch.dtype``: ``is_floating_point``, ``is_signed``, ``itemsize``.
    ``np`` is the NumPy dtype that stores the values.
    """

    __slots__ = ("name", "np", "category", "is_floating_point", "is_signed", "itemsize",
                 "_tensor_type")

    def __init__(self, name: str, np_dtype: type, category: builtins.int, tensor_type: str):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.is_floating_point = category == _FLOAT
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
        self._tensor_type = tensor_type

    @property
    def is_complex(self) -> builtins.bool:
        return False

    def __repr__(self) -> str:
        return f"autograd_lab.{self.name}"

    def __reduce__(self):
        # Pickle by name so worker processes get the same singleton back.
        return (_dtype_by_name, (self.name,))


float32 = float = dtype("float32", np.float32, _FLOAT, "FloatTensor")
float64 = double = dtype("float64", np.float64, _FLOAT, "DoubleTensor")
float16 = half = dtype("float16", np.float16, _FLOAT, "HalfTensor")
int64 = long = dtype("int64", np.int64, _INT, "LongTensor")
int32 = int = dtype("int32", np.int32, _INT, "IntTensor")
int16 = short = dtype("int16", np.int16, _INT, "ShortTensor")
int8 = dtype("int8", np.int8, _INT, "CharTensor")
uint8 = dtype("uint8", np.uint8, _INT, "ByteTensor")
bool = dtype("bool", np.bool_, _BOOL, "BoolTensor")  # noqa: A001 - PyTorch's name

_ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool)
_BY_NAME = {d.name: d for d in _ALL}
# NumPy dtype -> our dtype. Keyed by np.dtype, which hashes equal to its scalar type too.
_FROM_NP = {d.np: d for d in _ALL}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """Our dtype for a NumPy dtype; raise TypeError for types PyTorch has no tensor for."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _FROM_NP:
        return _FROM_NP[np_dtype]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{np_dtype.type.__name__}. The only supported "
        "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
    )


_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of floating tensors created from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (float32 or float64, as in PyTorch)."""
    global _default_float
    if d not in (float32, float64, float16):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to without losing their category.

    Example:
        >>> promote_types(int8, uint8)
        autograd_lab.int16
        >>> promote_types(int64, float16)
        autograd_lab.float16
    """
    if a is b:
        return a
    if a.category != b.category:
        # The higher category wins outright: int64 + float16 -> float16 (unlike NumPy).
        return a if a.category > b.category else b
    return _FROM_NP[np.promote_types(a.np, b.np)]


def _scalar_category(value) -> builtins.int:
    if isinstance(value, builtins.bool | np.bool_):
        return _BOOL
    if isinstance(value, builtins.int | np.integer):
        return _INT
    return _FLOAT


def result_type(*operands) -> dtype:
    """The dtype of an op's result, following PyTorch's three-tier rule.

    ``operands`` are Tensors or Python scalars. Dimensioned tensors decide first; a zero-dim
    tensor only wins when its category is higher; a Python scalar only when its category is
    higher than both, and then it contributes its category's default dtype.
    """
    dim_t = zero_t = None
    scalar_cat = -1
    for op in operands:
        d = getattr(op, "dtype", None)
        if d is None:
            scalar_cat = max(scalar_cat, _scalar_category(op))
        elif op.ndim:
            dim_t = d if dim_t is None else promote_types(dim_t, d)
        else:
            zero_t = d if zero_t is None else promote_types(zero_t, d)
    out = dim_t
    if zero_t is not None and (out is None or zero_t.category > out.category):
        out = zero_t
    if scalar_cat >= 0 and (out is None or scalar_cat > out.category):
        out = bool if scalar_cat == _BOOL else int64 if scalar_cat == _INT else _default_float
    return out


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """Whether ``from_`` can be cast to ``to`` under PyTorch's casting rules (no category drop)."""
    return from_.category <= to.category


def as_dtype(d) -> dtype:
    """Accept our dtypes plus Python/NumPy types (``float``, ``np.float32``) where torch does."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    return from_numpy_dtype(d)
