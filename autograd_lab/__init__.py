"""autograd_lab: a PyTorch-compatible tensor library with autograd, written to be read.

``import autograd_lab as torch`` gives the names a PyTorch tutorial uses: tensors and their
factories, dtypes, devices, maths, autograd. Each name below is imported explicitly from the
module that defines it; follow the import to read its forward and backward.
"""

from __future__ import annotations

from . import autograd, backend, cuda
from ._creation import (
    arange, as_tensor, asarray, empty, empty_like, eye, from_numpy, full, full_like, linspace,
    logspace, ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like,
    randperm, scalar_tensor, tensor, zeros, zeros_like,
)
from ._dtype import (
    bool, double, dtype, float, float16, float32, float64, get_default_dtype, half, int, int8,
    int16, int32, int64, long, promote_types, set_default_dtype, short, uint8,
)
from ._random import (
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
)
from ._tensor import Size, Tensor
from ._tensor_str import get_printoptions, set_printoptions
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backend import device

# --- ops: elementwise and unary maths
from .ops.elementwise import (
    abs, abs_, add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, clamp, clamp_, clip,
    cos, div, divide, exp, exp_, expm1, float_power, floor, floor_divide, fmod, frac, lerp, log,
    log1p, log2, log10, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mul,
    multiply, neg, negative, pow, reciprocal, relu, relu_, remainder, round, rsqrt, rsub,
    sigmoid, sign, sin, sqrt, square, sub, subtract, tan, tanh, true_divide, trunc, where,
)
from .ops.unary import fix

# --- ops: comparisons
from .ops.compare import (
    allclose, eq, equal, ge, greater, greater_equal, gt, isclose, isfinite, isinf, isnan,
    isneginf, isposinf, le, less, less_equal, lt, ne, not_equal,
)

# --- ops: reductions
from .ops.reduce import mean, sum, sum_to_size

# --- ops: shapes and views
from .ops.shape import (
    clone, flatten, permute, reshape, squeeze, swapaxes, swapdims, t, transpose, unflatten,
    unsqueeze,
)

# --- ops: linear algebra
from .ops.linalg import matmul, mm

# --- ops: indexing

# --- ops: sorting

__version__ = "0.1.0"



def is_tensor(obj):
    """True if ``obj`` is an autograd_lab Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor):  # noqa: A002
    return input.numel()


def is_floating_point(input: Tensor):  # noqa: A002
    return input.is_floating_point()
