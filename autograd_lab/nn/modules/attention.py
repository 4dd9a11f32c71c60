"""``MultiheadAttention`` and ``TransformerEncoderLayer`` (as ``torch.nn``).

Both are composites of Tensor ops (linear projections, batched matrix products, softmax), so
their gradients and double backward come from the ops they are made of.

Differences from PyTorch: ``add_bias_kv`` and ``add_zero_attn`` are not supported (a
ValueError if set); there is no "fast path" (PyTorch's fused inference kernels give the same
values up to rounding).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "TransformerEncoderLayer"]


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` (PyTorch uses this subclass for ``MultiheadAttention.out_proj`` so that
    quantization leaves it alone; here it only keeps the name, and so the repr)."""


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor,
                     key_padding_mask: Tensor | None, attn_mask: Tensor | None,
                     num_heads: int) -> bool:
    """PyTorch's rank checks of the attention inputs (AssertionErrors, as there); returns
    whether the call is batched (3-D query)."""
    if query.dim() not in (2, 3):
        raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    batched = query.dim() == 3
    kind, n = ("batched (3-D)", 3) if batched else ("unbatched (2-D)", 2)
    if key.dim() != n or value.dim() != n:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {n}-D but "
                             f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != n - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{n - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D "
                                 f"or 3-D but found {attn_mask.dim()}-D tensor instead")
        if not batched and attn_mask.dim() == 3:
            expected_shape = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.shape != expected_shape:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected_shape} but "
                                     f"got {attn_mask.shape}")
    return batched


def _canonical_mask(mask: Tensor | None, name: str, dtype) -> Tensor | None:
    """Bool masks (True = masked out) become float masks with -inf; float masks stay."""
    if mask is None:
        return None
    if mask.dtype.is_floating_point:
        return mask
    if mask._data.dtype.kind != "b":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return _creation.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(
        mask, float("-inf"))


class MultiheadAttention(Module):
    r""":math:`\text{MultiHead}(Q, K, V) = \text{Concat}(head_1, \dots, head_h) W^O` with
    :math:`head_i = \text{softmax}(Q W_i^Q (K W_i^K)^T / \sqrt{d_k} + M) V W_i^V`.

    The three input projections are stacked in ``in_proj_weight`` (3E, E) and ``in_proj_bias``
    (3E,) (or ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` when ``kdim``/``vdim``
    differ from ``embed_dim``); the output projection is the submodule ``out_proj``.

    Args:
        embed_dim: model dimension E.
        num_heads: parallel heads (E must be divisible by it).
        dropout: dropout on the attention weights (training mode only). Default: 0.
        bias: biases on the projections. Default: ``True``.
        add_bias_kv, add_zero_attn: must be ``False`` (not supported).
        kdim, vdim: feature sizes of key and value. Default: ``embed_dim``.
        batch_first: inputs and output are (N, L, E) instead of (L, N, E). Default: ``False``.

    Forward args: ``query, key, value``; ``key_padding_mask`` (N, S) (bool: True = ignore that
    key; or float, added); ``need_weights`` (also return the attention weights, averaged over
    heads when ``average_attn_weights``); ``attn_mask`` (L, S) or (N*num_heads, L, S), bool or
    float as above; ``is_causal`` (a hint that ``attn_mask`` is the causal mask).

    Shape:
        query (L, N, E), key (S, N, kdim), value (S, N, vdim), or unbatched without N;
        output (L, N, E); weights (N, L, S) averaged, or (N, num_heads, L, S).

    Example:
        >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = autograd_lab.randn(3, 5, 8)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (autograd_lab.Size([3, 5, 8]), autograd_lab.Size([3, 5, 5]))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if add_bias_kv or add_zero_attn:
            raise ValueError("add_bias_kv and add_zero_attn are not supported by autograd_lab")
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(_creation.empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(_creation.empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(_creation.empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_creation.empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_creation.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask,
                                   self.num_heads)
        if self.batch_first and batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights,
                                    attn_mask, average_attn_weights, is_causal)
        if not batched:
            return out.squeeze(1), None if weights is None else weights.squeeze(0)
        if self.batch_first:
            out = out.transpose(1, 0)
        return out, weights

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple:
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
            eq, ek, ev = query.shape[-1], key.shape[-1], value.shape[-1]
            for what, w, want in (("query", wq, (eq, eq)), ("key", wk, (eq, ek)),
                                  ("value", wv, (eq, ev))):
                if w.shape != want:
                    raise AssertionError(f"expecting {what} weights shape of {want}, but got "
                                         f"{w.shape}")
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask,
                average, is_causal) -> tuple:
        """(L, N, E) inputs -> (L, N, E) output and the weights (PyTorch's
        ``multi_head_attention_forward`` without the options we don't support)."""
        tgt_len, bsz, e = query.shape
        src_len = key.shape[0]
        heads, hd = self.num_heads, self.head_dim
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                               "the Transformer module method `generate_square_subsequent_mask`"
                               " to create this mask.")
        attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        if e != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but "
                                 f"got {e}")
        if not self._qkv_same_embed_dim:
            if key.shape[:2] != value.shape[:2]:
                raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not "
                                     f"match value's {value.shape[:2]}")
        elif key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        q, k, v = self._project(query, key, value)
        if attn_mask is not None:
            if attn_mask.dim() == 2:
                if tuple(attn_mask.shape) != (tgt_len, src_len):
                    raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, "
                                       f"but should be {(tgt_len, src_len)}.")
                attn_mask = attn_mask.unsqueeze(0)
            elif attn_mask.dim() == 3:
                if tuple(attn_mask.shape) != (bsz * heads, tgt_len, src_len):
                    raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, "
                                       f"but should be {(bsz * heads, tgt_len, src_len)}.")
            else:
                raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
        q = q.reshape(tgt_len, bsz * heads, hd).transpose(0, 1)
        k = k.reshape(src_len, bsz * heads, hd).transpose(0, 1)
        v = v.reshape(src_len, bsz * heads, hd).transpose(0, 1)
        if key_padding_mask is not None:
            for i, want in enumerate((bsz, src_len)):
                if key_padding_mask.shape[i] != want:
                    raise AssertionError(f"Expected key_padded_mask.shape[{i}] to be {want}, "
                                         f"but got {key_padding_mask.shape[i]}")
            kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, heads, -1, -1)
            kpm = kpm.reshape(bsz * heads, 1, src_len)
            attn_mask = kpm if attn_mask is None else attn_mask + kpm
        scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = F.softmax(scores, dim=-1)
        if self.dropout > 0.0 and self.training:
            weights = F.dropout(weights, p=self.dropout)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, e)
        out = self.out_proj(out).view(tgt_len, bsz, e)
        if not need_weights:
            return out, None
        weights = weights.view(bsz, heads, tgt_len, src_len)
        return out, weights.mean(dim=1) if average else weights


class TransformerEncoderLayer(Module):
    r"""Self-attention and a feed-forward block, each with a residual connection and LayerNorm::

        norm_first=False:  x = norm1(x + sa(x));        x = norm2(x + ff(x))
        norm_first=True:   x = x + sa(norm1(x));        x = x + ff(norm2(x))

    with ``sa(x) = dropout1(self_attn(x, x, x)[0])`` and
    ``ff(x) = dropout2(linear2(dropout(activation(linear1(x)))))``.

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: hidden size of the feed-forward block. Default: 2048.
        dropout: dropout probability everywhere. Default: 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Default: relu.
        layer_norm_eps: eps of both LayerNorms. Default: 1e-5.
        batch_first: (N, L, E) instead of (L, N, E). Default: ``False``.
        norm_first: LayerNorm before each block instead of after. Default: ``False``.
        bias: biases in the linear layers and LayerNorms. Default: ``True``.

    Shape:
        src (L, N, E) (or (N, L, E) with ``batch_first``, or unbatched (L, E)); same output.

    Example:
        >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> layer(autograd_lab.randn(5, 3, 8)).shape
        autograd_lab.Size([5, 3, 8])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in ("relu", "gelu"):
                raise RuntimeError(f"activation should be relu/gelu, not {activation}")
            activation = F.relu if activation == "relu" else F.gelu
        self.activation_relu_or_gelu = (1 if activation is F.relu else
                                        2 if activation is F.gelu else 0)
        self.activation = activation

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
