"""autograd_lab: a PyTorch-compatible tensor library with autograd, written to be read.

``import autograd_lab as torch`` gives the names a PyTorch tutorial uses: tensors and their
factories, dtypes, devices, maths, autograd. Each name below is imported explicitly from the
module that defines it; follow the import to read its forward and backward.
"""

# ruff: noqa: I001 - nn, optim and serialization must be imported after the tensor namespace

from __future__ import annotations

from . import autograd, backend, cuda, return_types
from ._creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from ._deterministic import (
    are_deterministic_algorithms_enabled,
    is_deterministic_algorithms_warn_only_enabled,
    use_deterministic_algorithms,
)
from ._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from ._threads import get_num_threads, set_num_threads
from ._random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from ._tensor import Size, Tensor
from ._tensor_str import get_printoptions, set_printoptions
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backend import device

# --- ops: comparisons
from .ops.compare import (
    allclose,
    eq,
    equal,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    le,
    less,
    less_equal,
    lt,
    ne,
    not_equal,
)

# --- ops: linear algebra
from .ops.einsum import einsum

# --- ops: elementwise and unary maths
from .ops.elementwise import (
    abs,
    add,
    ceil,
    clamp,
    clip,
    cos,
    div,
    divide,
    exp,
    expm1,
    fix,
    float_power,
    floor,
    floor_divide,
    fmod,
    frac,
    log,
    log1p,
    log2,
    log10,
    mul,
    multiply,
    neg,
    negative,
    pow,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    rsub,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
)

# --- ops: indexing
from .ops.index import index_put, index_put_, masked_select
from .ops.inplace import (
    abs_,
    ceil_,
    clamp_,
    clip_,
    cos_,
    exp_,
    expm1_,
    fill_,
    fix_,
    floor_,
    frac_,
    log1p_,
    log2_,
    log10_,
    log_,
    neg_,
    negative_,
    reciprocal_,
    relu_,
    round_,
    rsqrt_,
    sigmoid_,
    sin_,
    sqrt_,
    square_,
    tan_,
    tanh_,
    trunc_,
    zero_,
)
from .ops.linalg import addmm, bmm, dot, ger, inner, mm, mv, outer
from .ops.masked import masked_fill, nonzero
from .ops.matmul import matmul
from .ops.pointwise import (
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    lerp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    where,
)
# --- ops: reductions
from .ops.reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    cumprod,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    softmax,
    std,
    std_mean,
    sum,
    sum_to_size,
    var,
    var_mean,
)
from .ops.scatter import gather, index_add, index_select, scatter, scatter_add, take

# --- ops: shapes and views
from .ops.shape import (
    adjoint,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_to,
    cat,
    channels_last,
    chunk,
    clone,
    column_stack,
    concat,
    concatenate,
    contiguous_format,
    diagonal,
    dstack,
    flatten,
    flip,
    fliplr,
    flipud,
    hstack,
    memory_format,
    moveaxis,
    movedim,
    narrow,
    permute,
    preserve_format,
    ravel,
    repeat_interleave,
    reshape,
    roll,
    row_stack,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)

# --- ops: sorting
from .ops.sorting import argsort, msort, sort, topk, unique

# --- nn, optim, data loading and save/load (they import the names above)
from . import nn, optim, utils
from .utils import data as _data  # noqa: F401 - makes autograd_lab.utils.data an attribute
from .serialization import load, save

__version__ = "0.1.0"


def is_tensor(obj):
    """True if ``obj`` is an autograd_lab Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor):  # noqa: A002
    return input.numel()


def is_floating_point(input: Tensor):  # noqa: A002
    return input.is_floating_point()

# Everything above is public: `from autograd_lab import *` and tools read this list.
__all__ = [
    "nn", "optim", "utils", "save", "load", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
    "autograd", "backend", "cuda", "arange", "as_tensor", "asarray", "empty", "empty_like",
    "eye", "from_numpy", "full", "full_like", "linspace", "logspace", "ones", "ones_like",
    "rand", "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm",
    "scalar_tensor", "tensor", "zeros", "zeros_like", "bool", "double", "dtype", "float",
    "float16", "float32", "float64", "get_default_dtype", "half", "int", "int8", "int16",
    "int32", "int64", "long", "promote_types", "set_default_dtype", "short", "uint8",
    "Generator", "default_generator", "get_rng_state", "initial_seed", "manual_seed", "seed",
    "set_rng_state", "get_num_threads", "set_num_threads", "Size", "Tensor", "get_printoptions",
    "set_printoptions", "enable_grad",
    "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled", "device", "abs", "add",
    "ceil", "clamp", "clip", "cos", "div", "divide", "exp", "expm1", "fix", "float_power",
    "floor", "floor_divide", "fmod", "frac", "log", "log1p", "log2", "log10", "mul",
    "multiply", "neg", "negative", "pow", "reciprocal", "relu", "remainder", "round", "rsqrt",
    "rsub", "sigmoid", "sign", "sin", "sqrt", "square", "sub", "subtract", "tan", "tanh",
    "true_divide", "trunc", "abs_", "ceil_", "clamp_", "clip_", "cos_", "exp_", "expm1_",
    "fill_", "fix_", "floor_", "frac_", "log1p_", "log2_", "log10_", "log_", "neg_",
    "negative_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sqrt_",
    "square_", "tan_", "tanh_", "trunc_", "zero_", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "lerp", "logical_and", "logical_not", "logical_or", "logical_xor",
    "maximum", "minimum", "where", "allclose", "eq", "equal", "ge", "greater", "greater_equal",
    "gt", "isclose", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "le", "less",
    "less_equal", "lt", "ne", "not_equal", "return_types", "all", "amax", "amin", "any",
    "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logsumexp", "max", "mean", "min",
    "norm", "prod", "softmax", "std", "std_mean", "sum", "sum_to_size", "var", "var_mean",
    "adjoint", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "cat",
    "channels_last", "chunk", "clone", "column_stack", "concat", "concatenate",
    "contiguous_format", "diagonal", "dstack", "flatten", "flip", "fliplr", "flipud", "hstack",
    "memory_format", "moveaxis", "movedim", "narrow", "permute", "preserve_format", "ravel",
    "repeat_interleave", "reshape", "roll", "row_stack", "select", "split", "squeeze", "stack",
    "swapaxes", "swapdims", "t", "tile", "transpose", "tril", "triu", "unbind", "unflatten",
    "unsqueeze", "vstack", "einsum", "addmm", "bmm", "dot", "ger", "inner", "mm", "mv",
    "outer", "matmul", "index_put", "index_put_", "masked_select", "masked_fill", "nonzero",
    "gather", "index_add", "index_select", "scatter", "scatter_add", "take", "argsort",
    "msort", "sort", "topk", "unique", "is_tensor", "numel", "is_floating_point",
]
