"""Argument checking and geometry for the convolutions, with PyTorch's error messages."""

from __future__ import annotations

from .._tensor import Tensor
from ._im2col import Dim, conv_dim
from ._util import require_tensor
from .linalg import _cpp


def _dims_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _dtype_name(t: Tensor) -> str:
    return t.dtype._tensor_type[:-len("Tensor")]


def tuple_arg(fn: str, name: str, value, nd: int, strict: bool = False) -> tuple:
    """An int or a sequence of ``nd`` ints (a 1-sequence repeats) -> tuple of ``nd`` ints."""
    if isinstance(value, str) and strict:
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not str")
    if isinstance(value, int):
        return (value,) * nd
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * nd
    return value


def _expect(name: str, values: tuple, nd: int) -> None:
    if len(values) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={_dims_str(values)}")


def check_conv(fn: str, input: Tensor, weight: Tensor, bias, groups: int, nd: int,  # noqa: A002
               transposed: bool = False) -> None:
    """PyTorch's checks on the tensors of a convolution (shapes, channels, bias, dtypes)."""
    require_tensor(fn, "input", 1, input)
    require_tensor(fn, "weight", 2, weight)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{fn}, but got input of size: {_dims_str(input.shape)}")
    if weight.ndim != nd + 2:
        _expect("stride", (1,) * nd, weight.ndim - 2)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    shape = tuple(input.shape) if input.ndim == nd + 2 else (1,) + tuple(input.shape)
    w = tuple(weight.shape)
    if w[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{_dims_str(w)}] instead")
    if transposed:
        channels, out_channels = w[0], w[1] * groups
        given = "transposed=1"
    else:
        channels, out_channels = w[1] * groups, w[0]
        given = f"groups={groups}"
    if shape[1] != channels:
        raise RuntimeError(f"Given {given}, weight of size {_dims_str(w)}, expected "
                           f"input{_dims_str(shape)} to have {channels} channels, but got "
                           f"{shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        prefix = "Given transposed=1, weight" if transposed else "Given weight"
        raise RuntimeError(f"{prefix} of size {_dims_str(w)}, expected bias to be 1-dimensional "
                           f"with {out_channels} elements, but got bias of size "
                           f"{_dims_str(bias.shape)} instead")
    # PyTorch compares the bias first; a transposed convolution casts the bias instead.
    if bias is not None and bias.dtype != input.dtype and not transposed:
        raise RuntimeError(f"Input type ({_cpp(input)}) and bias type ({_cpp(bias)}) should be "
                           "the same")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_name(input)} but found "
                           f"{_dtype_name(weight)}")


def _check_positive(stride, padding, dilation) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {_dims_str(dilation)}")


def conv_dims(size: tuple, kernel: tuple, stride, padding, dilation, nd: int) -> tuple:
    """The :class:`Dim` of each spatial dim of a convolution."""
    stride = tuple_arg("conv", "stride", stride, nd)
    dilation = tuple_arg("conv", "dilation", dilation, nd)
    _expect("stride", stride, nd)
    _expect("dilation", dilation, nd)
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # PyTorch puts the odd one of an odd total padding after the input.
            pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                    for k, d in zip(kernel, dilation, strict=True)]
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        padding = tuple(lo for lo, _ in pads)
    else:
        padding = tuple_arg("conv", "padding", padding, nd)
        _expect("padding", padding, nd)
        pads = [(p, p) for p in padding]
    _check_positive(stride, padding, dilation)
    padded = [n + lo + hi for n, (lo, hi) in zip(size, pads, strict=True)]
    dilated = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if any(p < k for p, k in zip(padded, dilated, strict=True)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, dilated))}). Kernel size can't be greater "
                           f"than actual input size")
    return tuple(conv_dim(n, k, s, d, lo, hi) for n, k, s, d, (lo, hi)
                 in zip(size, kernel, stride, dilation, pads, strict=True))


def transpose_dims(size: tuple, kernel: tuple, stride, padding, output_padding, dilation,
                   nd: int) -> tuple:
    """The :class:`Dim` of each spatial dim of the convolution a transposed one is adjoint to.

    ``size`` is the transposed convolution's input size, i.e. the ``out`` of the Dim.
    """
    stride = tuple_arg("conv_transpose", "stride", stride, nd)
    dilation = tuple_arg("conv_transpose", "dilation", dilation, nd)
    output_padding = tuple_arg("conv_transpose", "output_padding", output_padding, nd)
    for name, v in (("stride", stride), ("padding", padding), ("dilation", dilation),
                    ("output_padding", output_padding)):
        _expect(name, v, nd)
    _check_positive(stride, padding, dilation)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation, strict=True)):
        names = ("height", "width") if nd == 2 else ("width",)
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding, strict=True)]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, stride, strict=True)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, dilation, strict=True)]
        if nd == 1:  # PyTorch reports a 1-d convolution as a 2-d one of height 1
            parts = ["output_padding_height: 0", parts[0], "stride_height: 1", parts[1],
                     "dilation_height: 1", parts[2]]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    dims = []
    for n, k, s, d, p, op in zip(size, kernel, stride, dilation, padding, output_padding,
                                 strict=True):
        out = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        dims.append((n, k, s, d, p, out))
    if any(out <= 0 for *_, out in dims):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(str(t[0]) for t in dims)})"
                           f". Calculated output size per channel: "
                           f"({' x '.join(str(t[-1]) for t in dims)}). Output size is too small")
    # The adjoint convolution reads an image of size ``out`` padded by ``p`` before and by
    # whatever the last window needs after (never negative).
    return tuple(Dim(out, k, s, d, p, max(0, (n - 1) * s + d * (k - 1) + 1 - out - p), n)
                 for n, k, s, d, p, out in dims)
