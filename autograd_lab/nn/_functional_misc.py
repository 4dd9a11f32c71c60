"""Indexing-style functions of ``autograd_lab.nn.functional``: embedding, one_hot, pad,
interpolate, scaled_dot_product_attention, bilinear.

Most are composites of indexing ops (``index_select`` gathers; its backward scatters with
``index_add``), so their gradients come for free. ``embedding`` and constant ``pad`` are
primitives for speed and for PyTorch's grad_fn names.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from ..backend import array_module, scatter_add, to_device
from ..ops.einsum import einsum
from ._functional_activations import dropout, softmax

__all__ = ["embedding", "one_hot", "pad", "interpolate", "scaled_dot_product_attention",
           "bilinear"]


# ----------------------------------------------------------------------------- embedding
class Embedding(Op):
    """out = weight[indices].   dL/dweight[r] = Σ_{i: indices_i = r} g_i (0 for padding_idx)."""

    node_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight, indices=None, padding_idx=None):
        ctx.indices, ctx.padding_idx = indices, padding_idx
        return ctx.xp.take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx._input_meta[0][0]
        flat = ctx.indices.reshape(-1)
        rows = grad.reshape(-1, *shape[1:])
        if not grad_mode._enabled:
            out = ctx.xp.zeros(shape, grad._data.dtype)
            scatter_add(ctx.xp, out, flat, rows._data)
            if ctx.padding_idx is not None:
                out[ctx.padding_idx] = 0
            return Tensor._make(out, device=grad._device)
        idx = Tensor._make(flat, device=grad._device)
        out = grad.new_zeros(shape).index_add(0, idx, rows)
        if ctx.padding_idx is not None:
            keep = ctx.xp.ones((shape[0],) + (1,) * (len(shape) - 1), grad._data.dtype)
            keep[ctx.padding_idx] = 0
            out = out * Tensor._make(keep, device=grad._device)
        return out


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight``: out[...] = weight[input[...]].

    Args:
        padding_idx: this row gets no gradient.
        max_norm: rows looked up whose ``norm_type``-norm exceeds it are rescaled in place to
            norm ``max_norm`` first (as torch: factor max_norm / (norm + 1e-7)).

    Differences: ``scale_grad_by_freq`` and ``sparse`` gradients are not supported.

    Shape: input (*) int; weight (num_embeddings, embedding_dim) -> (*, embedding_dim).
    """
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("autograd_lab's embedding supports neither scale_grad_by_freq "
                                  "nor sparse gradients")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
            padding_idx = n + padding_idx
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type()} instead (while checking arguments for embedding)")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        xp = array_module(weight._device)
        rows = xp.unique(idx)
        w = weight._data
        norms = xp.linalg.norm(w[rows], ord=norm_type, axis=1, keepdims=True)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        w[rows] = (w[rows] * scale).astype(w.dtype)
        weight._version_counter.value += 1
    return Embedding.apply(weight, indices=idx, padding_idx=padding_idx)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a 1 at each index: out[..., c] = (tensor[...] == c).

    ``num_classes=-1`` uses tensor.max() + 1. Not differentiable.
    """
    x = tensor._data
    if x.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if x.size and x.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    elif x.size and x.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (x[..., None] == array_module(tensor._device).arange(num_classes)).astype(np.int64)
    return Tensor._make(out, device=tensor._device)


# ----------------------------------------------------------------------------- pad
class ConstantPadNd(Op):
    """Pad with a constant (negative pads crop).   The gradient crops back: pad(g, -pads)."""

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads=(), value=0.0):
        ctx.pads = pads
        n = len(pads) // 2
        crop, widths = [slice(None)] * x.ndim, [(0, 0)] * x.ndim
        for k in range(n):
            d = x.ndim - 1 - k
            lo, hi = pads[2 * k], pads[2 * k + 1]
            crop[d] = slice(max(-lo, 0), x.shape[d] - max(-hi, 0))
            widths[d] = (max(lo, 0), max(hi, 0))
        return ctx.xp.pad(x[tuple(crop)], widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return ConstantPadNd.apply(grad, pads=tuple(-p for p in ctx.pads))


def _pad_index(mode: str, n: int, lo: int, hi: int) -> np.ndarray:
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    period = 2 * (n - 1)  # reflect: ... 2 1 [0 1 2 ... n-1] n-2 ...
    i = np.abs(i) % period if period else np.zeros_like(i)
    return np.where(i >= n, period - i, i)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad the last len(pad)/2 dims: pad = (left_last, right_last, left_prev, right_prev, ...).

    Modes: 'constant' (``value``, default 0; negative pads crop), 'reflect' (mirror without
    repeating the edge), 'replicate' (repeat the edge), 'circular' (wrap around). The last three
    gather with index_select (gradients sum back onto the source elements).

    Example:
        >>> F.pad(autograd_lab.tensor([[1., 2.]]), (1, 1))
        tensor([[0., 1., 2., 0.]])
    """
    pads = tuple(int(p) for p in pad)
    ndim = input.dim()
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pads)} and input of "
                           f"dimension {ndim}")
    shape = list(input._data.shape)
    if mode == "constant":
        for k in range(len(pads) // 2):  # PyTorch crops with narrow(), which needs length >= 0
            lo, hi, n = pads[2 * k], pads[2 * k + 1], shape[ndim - 1 - k]
            if (lo < 0 and n + lo < 0) or (hi < 0 and n + min(lo, 0) + hi < 0):
                raise RuntimeError("narrow(): length must be non-negative.")
        return ConstantPadNd.apply(input, pads=pads, value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if ndim not in {2: (2, 3), 4: (3, 4), 6: (4, 5)}.get(len(pads), ()):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for k in range(len(pads) // 2):
        d = ndim - 1 - k
        lo, hi = pads[2 * k], pads[2 * k + 1]
        n = shape[d]
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError("Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} "
                               f"of input {shape}")
        idx = Tensor._make(to_device(_pad_index(mode, n, lo, hi), input._device),
                           device=input._device)
        out = out.index_select(d, idx)
    return out


# ----------------------------------------------------------------------------- interpolate
def _source_index(mode, n_in, n_out, scale, align_corners):
    """Source coordinate of each output position (PyTorch's area_pixel_compute_source_index)."""
    dst = np.arange(n_out, dtype=np.float64)
    if mode == "nearest":
        s = n_in / n_out if scale is None else 1 / scale
        return np.minimum(np.floor(dst * s).astype(np.int64), n_in - 1)
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        return dst * s
    s = n_in / n_out if scale is None else 1 / scale
    return np.maximum((dst + 0.5) * s - 0.5, 0.0)


def _linear_along(x: Tensor, dim: int, src: np.ndarray, n_in: int) -> Tensor:
    """Linear interpolation of ``x`` along ``dim`` at fractional positions ``src``."""
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = (src - i0).astype(x._data.dtype)
    shape = [1] * x.dim()
    shape[dim] = len(src)
    dev = x._device  # the indices and weights are computed on the host, then moved
    lam_t = Tensor._make(to_device(lam.reshape(shape), dev), device=dev)
    a = x.index_select(dim, Tensor._make(to_device(i0, dev), device=dev))
    b = x.index_select(dim, Tensor._make(to_device(i1, dev), device=dev))
    return a + (b - a) * lam_t


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims (all after N, C) to ``size`` or by ``scale_factor``.

    Modes: 'nearest' (src = floor(dst · in/out)) for 3-, 4- and 5-D inputs; 'bilinear'
    (4-D; separable linear interpolation along H then W, with ``align_corners``).
    Composite of index_select: gradients scatter back onto the source pixels.
    Differences: no antialias, no other modes.
    """
    # PyTorch's checks, in its order; modes it knows but we lack fail last, with our message.
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    nsp = input.dim() - 2
    spatial = list(input._data.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, list | tuple) and len(size) != nsp:
            raise ValueError("Input and output must have the same number of spatial dimensions, "
                             f"but got input with spatial dimensions of {spatial} and output "
                             f"size of {size}. Please provide input tensor in (N, C, d1, d2, "
                             "...,dK) format and output size in (o1, o2, ...,oK) format.")
        out_size = list(size) if isinstance(size, list | tuple) else [size] * nsp
        scales = [None] * nsp
    elif scale_factor is not None:
        if isinstance(scale_factor, list | tuple) and len(scale_factor) != nsp:
            raise ValueError("Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of {spatial} "
                             f"and scale_factor of shape {scale_factor}. Please provide input "
                             "tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                             "s2, ...,sK) format.")
        scales = (list(scale_factor) if isinstance(scale_factor, list | tuple)
                  else [scale_factor] * nsp)
        out_size = [int(math.floor(n * s)) for n, s in zip(spatial, scales, strict=True)]
        if recompute_scale_factor:
            scales = [None] * nsp
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    _check_interpolate_mode(mode, input.dim(), antialias)
    out = input
    for k in range(nsp):
        d = 2 + k
        src = _source_index(mode, spatial[k], out_size[k], scales[k], align_corners)
        if mode == "nearest":
            idx = Tensor._make(to_device(src, input._device), device=input._device)
            out = out.index_select(d, idx)
        else:
            out = _linear_along(out, d, src, spatial[k])
    return out


_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _check_interpolate_mode(mode: str, ndim: int, antialias: bool) -> None:
    """Refuse what we cannot do: PyTorch's messages for ranks and modes it refuses too, ours
    for the modes it has and we do not."""
    if mode == "nearest" and ndim in (3, 4, 5) or mode == "bilinear" and ndim == 4:
        if antialias:
            raise NotImplementedError("autograd_lab's interpolate has no antialias")
        return
    if mode in _NEEDS and ndim in (3, 4, 5) and ndim != _NEEDS[mode]:
        raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {_NEEDS[mode]}D "
                                  "input")
    known = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "lanczos", "area",
             "nearest-exact")
    if mode in known and ndim in (3, 4, 5):
        raise NotImplementedError(f"autograd_lab's interpolate supports 'nearest' and "
                                  f"'bilinear', not {mode!r}")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                              f"{ndim}D) for the modes: {' | '.join(known)} (got {mode})")


# ----------------------------------------------------------------------------- attention
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ · scale + mask) V, scale = 1/sqrt(E) by default. Composite (PyTorch's
    reference implementation).

    Args:
        attn_mask: bool (True = take part) or float (added to the scores), broadcast to (L, S).
        is_causal: mask out keys after each query (a lower-triangular mask).
        dropout_p: dropout on the attention weights (always applied when > 0, as in torch).
        enable_gqa: key/value with fewer heads (dim -3) are repeated to match the query's.

    Shape: query (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev).
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    L, S = query.size(-2), key.size(-2)
    s = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    if enable_gqa:
        rep = query.size(-3) // key.size(-3)
        key, value = key.repeat_interleave(rep, -3), value.repeat_interleave(rep, -3)
    scores = query @ key.transpose(-2, -1) * s
    if is_causal:
        xp = array_module(query._device)
        causal = Tensor._make(xp.tril(xp.ones((L, S), dtype=bool)), device=query._device)
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask._data.dtype == np.bool_:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """y_k = x1ᵀ W_k x2 + b_k (an einsum).

    Shape: input1 (*, H1), input2 (*, H2), weight (out, H1, H2), bias (out,) -> (*, out).
    """
    x1, x2, w = input1._data, input2._data, weight._data
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim}")
    for i, (a, b) in enumerate(zip(x1.shape[:-1], x2.shape[:-1], strict=True)):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {a} and {b}")
    for k, x in ((1, x1), (2, x2)):
        if x.shape[-1] != w.shape[k]:
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got "
                               f"{x.shape[-1]} but expected {w.shape[k]}")
    if bias is not None and bias._data.shape[0] != w.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias._data.shape[0]} but expected {w.shape[0]}")
    y = einsum("...i,kij,...j->...k", input1, weight, input2)
    return y if bias is None else y + bias
