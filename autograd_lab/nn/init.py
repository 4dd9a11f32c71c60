"""Weight initialisation, as ``torch.nn.init``: each function fills a tensor in place (outside
autograd, like ``no_grad``) and returns it.

The formulas and bounds are PyTorch's; the random numbers come from autograd_lab's generator
(same seed, same numbers within autograd_lab, not PyTorch's stream).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _random
from .._tensor import Tensor
from ..autograd import no_grad
from ..backend import to_device

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (scales the std of the init).

    ======================  ====================================
    linear / conv / sigmoid 1
    tanh                    5/3
    relu                    sqrt(2)
    leaky_relu              sqrt(2 / (1 + negative_slope^2))
    selu                    3/4
    ======================  ====================================

    Args:
        nonlinearity: the function's name (``"relu"``, ``"leaky_relu"``, ...).
        param: the negative slope of ``leaky_relu`` (default 0.01).

    Example:
        >>> calculate_gain("leaky_relu", 0.2)
        1.3867504905630728
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``fan_in = size(1) * receptive field``, ``fan_out = size(0) * receptive field``."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with samples of U(a, b).

    Example:
        >>> w = autograd_lab.empty(3, 5)
        >>> nn.init.uniform_(w, -0.1, 0.1)
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with samples of N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill with samples of N(mean, std^2) conditioned on ``a <= x <= b``.

    Rejection sampling, vectorised over the tensor: when the interval holds most of the mass,
    draw normals and redraw those outside ``[a, b]``; otherwise draw uniforms on ``[a, b]`` and
    accept each with probability pdf(x) / pdf(mode). Either way the loop runs over rounds, not
    elements. (PyTorch uses the same two samplers.)
    """
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    shape, dt = tensor.shape, tensor._data.dtype
    lo, hi = np.asarray(a, dtype=dt), np.asarray(b, dtype=dt)
    if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
        out = _random.normal_array(shape, dt, generator, mean, std)
        while (bad := (out < lo) | (out > hi)).any():
            out[bad] = _random.normal_array(int(bad.sum()), dt, generator, mean, std)
    else:
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        out = _random.uniform_array(shape, dt, generator, a, b)
        pending = np.ones(shape, dtype=bool)
        while True:
            log_pdf = -0.5 * ((out - mean) / std) ** 2 - log_peak
            u = _random.uniform_array(shape, dt, generator)
            pending &= np.log(u) > log_pdf
            if not pending.any():
                break
            out = np.where(pending, _random.uniform_array(shape, dt, generator, a, b), out)
    with no_grad():
        return _random._fill_random(tensor, out.astype(dt, copy=False))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    with no_grad():
        return tensor.fill_(1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    with no_grad():
        return tensor.zero_()


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the main diagonal)."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        tensor._data[...] = to_device(np.eye(*tensor.shape, dtype=tensor._data.dtype),
                                      tensor._device)
        tensor._version_counter.value += 1
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot init: U(-bound, bound) with ``bound = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot init: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He init: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    Args:
        a: the negative slope of the following leaky_relu (``gain`` comes from
            :func:`calculate_gain`).
        mode: ``"fan_in"`` (keeps forward variance) or ``"fan_out"`` (backward).
        nonlinearity: ``"relu"`` or ``"leaky_relu"`` (default), ...

    Example:
        >>> w = autograd_lab.empty(3, 5)
        >>> nn.init.kaiming_uniform_(w, mode="fan_in", nonlinearity="relu")
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He init: N(0, std^2) with ``std = gain / sqrt(fan)``."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix: the rows (or columns) of the flattened tensor are
    orthonormal, times ``gain``. From the QR of a Gaussian matrix, with the signs of R's
    diagonal folded into Q so that Q is uniform (Haar)."""
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flat = _random.normal_array((rows, cols), np.float64, generator)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    with no_grad():
        return _random._fill_random(
            tensor, (q * gain).reshape(tensor.shape).astype(tensor._data.dtype))
