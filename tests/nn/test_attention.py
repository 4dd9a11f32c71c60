"""Embedding, MultiheadAttention and TransformerEncoderLayer against PyTorch, and the LSTM text
classifier of the tutorials (seed 001)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
from autograd_lab import nn

E, HEADS, L, S, N = 8, 2, 4, 5, 3


def copy_weights(src, dst) -> None:
    """Copy parameters from torch module ``src`` into our module ``dst`` by name."""
    values = {k: v.detach().numpy() for k, v in src.named_parameters()}
    params = dict(dst.named_parameters())
    assert sorted(values) == sorted(params)
    with al.no_grad():
        for name, p in params.items():
            p.copy_(al.tensor(values[name]))


def close(ours, theirs, tol=1e-5) -> None:
    a, b = ours.detach().numpy(), theirs.detach().numpy()
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def grads_close(ours_mod, torch_mod, tol=1e-4) -> None:
    theirs = dict(torch_mod.named_parameters())
    for name, p in ours_mod.named_parameters():
        if theirs[name].grad is None:
            assert p.grad is None or not p.grad.numpy().any(), name
        else:
            close(p.grad, theirs[name].grad, tol)


# ------------------------------------------------------------------------ Embedding
@pytest.mark.torch
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_matches_torch(padding_idx):
    torch = require_torch()
    theirs = torch.nn.Embedding(7, 3, padding_idx=padding_idx)
    ours = nn.Embedding(7, 3, padding_idx=padding_idx)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == ["weight"]
    if padding_idx is not None:  # the padding row starts at zero
        assert not ours.weight.detach().numpy()[padding_idx].any()
    copy_weights(theirs, ours)
    idx = np.array([[0, 2, 6], [6, 1, 0]])
    g = np.random.default_rng(0).standard_normal((2, 3, 3)).astype(np.float32)
    out1 = ours(al.tensor(idx))
    out2 = theirs(torch.tensor(idx))
    close(out1, out2)
    (out1 * al.tensor(g)).sum().backward()
    (out2 * torch.tensor(g)).sum().backward()
    close(ours.weight.grad, theirs.weight.grad)
    if padding_idx is not None:
        assert not ours.weight.grad.numpy()[padding_idx].any()


@pytest.mark.torch
@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained(freeze):
    torch = require_torch()
    w = np.array([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]], dtype=np.float32)
    ours = nn.Embedding.from_pretrained(al.tensor(w), freeze=freeze, padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=1)
    assert ours.weight.requires_grad is theirs.weight.requires_grad is (not freeze)
    assert repr(ours) == repr(theirs)
    close(ours(al.tensor([1, 0])), theirs(torch.tensor([1, 0])))
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dim"):
        nn.Embedding.from_pretrained(al.zeros(3))


def test_embedding_errors():
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        nn.Embedding(3, 2, _weight=al.zeros(2, 2))


# ------------------------------------------------------------------------ MultiheadAttention
def _masks(lib, kind, batched):
    rng = np.random.default_rng(3)
    attn, kpm = None, None
    if kind in ("attn_bool", "both"):
        m = rng.random((L, S)) < 0.3
        m[:, 0] = False  # every query keeps at least one key
        attn = lib.tensor(m)
    if kind == "attn_float":
        attn = lib.tensor(rng.standard_normal((L, S)).astype(np.float32))
    if kind == "attn_3d":
        attn = lib.tensor(rng.standard_normal((N * HEADS, L, S)).astype(np.float32))
    if kind in ("kpm", "both"):
        m = np.zeros((N, S), bool) if batched else np.zeros(S, bool)
        m[..., -2:] = True
        kpm = lib.tensor(m)
    return attn, kpm


MHA_CASES = list(itertools.product(
    [False, True], [True, False], [True, False],
    [None, "attn_bool", "attn_float", "attn_3d", "kpm", "both"]))


@pytest.mark.torch
@pytest.mark.parametrize("batch_first,need_weights,average,mask", MHA_CASES)
def test_multihead_attention_matches_torch(batch_first, need_weights, average, mask):
    torch = require_torch()
    theirs = torch.nn.MultiheadAttention(E, HEADS, batch_first=batch_first)
    ours = nn.MultiheadAttention(E, HEADS, batch_first=batch_first)
    copy_weights(theirs, ours)
    rng = np.random.default_rng(4)
    shape = (lambda n: (N, n, E)) if batch_first else (lambda n: (n, N, E))
    q, k, v = (rng.standard_normal(shape(n)).astype(np.float32) for n in (L, S, S))
    res = []
    for lib, mod in ((al, ours), (torch, theirs)):
        ts = [lib.tensor(a, requires_grad=True) for a in (q, k, v)]
        attn, kpm = _masks(lib, mask, True)
        out, w = mod(*ts, key_padding_mask=kpm, need_weights=need_weights, attn_mask=attn,
                     average_attn_weights=average)
        loss = (out * out).sum()
        if w is not None:
            loss = loss + (w * w).sum()
        loss.backward()
        res.append((out, w, ts))
    (o1, w1, t1), (o2, w2, t2) = res
    close(o1, o2)
    assert (w1 is None) == (w2 is None)
    if w1 is not None:
        close(w1, w2)
    for a, b in zip(t1, t2, strict=True):
        close(a.grad, b.grad, 1e-4)
    grads_close(ours, theirs)


@pytest.mark.torch
@pytest.mark.parametrize("mask", [None, "kpm", "attn_bool"])
def test_multihead_attention_unbatched_and_self_attention(mask):
    torch = require_torch()
    theirs, ours = torch.nn.MultiheadAttention(E, HEADS), nn.MultiheadAttention(E, HEADS)
    copy_weights(theirs, ours)
    x = np.random.default_rng(5).standard_normal((S, E)).astype(np.float32)
    res = []
    for lib, mod in ((al, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        _, kpm = _masks(lib, mask, False)
        attn = None
        if mask == "attn_bool":  # self-attention: an (S, S) causal mask
            attn = lib.tensor(np.triu(np.ones((S, S), bool), 1))
        out, w = mod(xt, xt, xt, key_padding_mask=kpm, attn_mask=attn)
        (out.sum() + (w * w).sum()).backward()
        res.append((out, w, xt))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])
    close(res[0][2].grad, res[1][2].grad, 1e-4)


@pytest.mark.torch
@pytest.mark.parametrize("bias", [True, False])
def test_multihead_attention_kdim_vdim_and_no_bias(bias):
    torch = require_torch()
    theirs = torch.nn.MultiheadAttention(E, HEADS, bias=bias, kdim=3, vdim=5)
    ours = nn.MultiheadAttention(E, HEADS, bias=bias, kdim=3, vdim=5)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    copy_weights(theirs, ours)
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((L, N, E), (S, N, 3),
                                                                    (S, N, 5))]
    o1, w1 = ours(*(al.tensor(a) for a in arrays))
    o2, w2 = theirs(*(torch.tensor(a) for a in arrays))
    close(o1, o2)
    close(w1, w2)


@pytest.mark.torch
def test_multihead_attention_state_dict_init_and_errors():
    torch = require_torch()
    ours, theirs = nn.MultiheadAttention(E, HEADS), torch.nn.MultiheadAttention(E, HEADS)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert type(ours.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(ours.out_proj, nn.Linear)
    assert not ours.in_proj_bias.detach().numpy().any()
    bound = np.sqrt(6 / (E + 3 * E))  # xavier_uniform_ on (3E, E)
    w = ours.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and w.std() > bound / 4
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    x = al.zeros(L, N, E)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is"):
        ours(x, x, x, attn_mask=al.zeros(L, L + 1))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        ours(x, x, x, is_causal=True)


def test_multihead_attention_dropout_train_and_eval():
    mha = nn.MultiheadAttention(E, HEADS, dropout=0.5)
    x = al.randn(L, N, E)
    mha.eval()
    a, b = mha(x, x, x)[0], mha(x, x, x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    mha.train()
    al.manual_seed(0)
    c = mha(x, x, x)[0]
    al.manual_seed(1)
    d = mha(x, x, x)[0]
    assert not np.allclose(c.detach().numpy(), d.detach().numpy())


# ------------------------------------------------------------------------ encoder layer
@pytest.mark.torch
@pytest.mark.parametrize("norm_first,batch_first,activation,mask",
                         list(itertools.product([False, True], [False, True], ["relu", "gelu"],
                                                [None, "kpm", "attn_float"])))
def test_transformer_encoder_layer_matches_torch(norm_first, batch_first, activation, mask):
    torch = require_torch()
    kw = dict(dim_feedforward=16, dropout=0.1, activation=activation, norm_first=norm_first,
              batch_first=batch_first)
    theirs = torch.nn.TransformerEncoderLayer(E, HEADS, **kw)
    ours = nn.TransformerEncoderLayer(E, HEADS, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(theirs, ours)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(7).standard_normal((N, S, E) if batch_first else (S, N, E))
    x = x.astype(np.float32)
    res = []
    for lib, mod in ((al, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        attn, kpm = _masks(lib, mask, True)
        if attn is not None:
            attn = lib.tensor(np.random.default_rng(8).standard_normal((S, S)).astype(
                np.float32))
        out = mod(xt, src_mask=attn, src_key_padding_mask=kpm)
        (out * out).sum().backward()
        res.append((out, xt))
    close(res[0][0], res[1][0], 1e-4)
    close(res[0][1].grad, res[1][1].grad, 1e-4)
    grads_close(ours, theirs)


@pytest.mark.torch
def test_transformer_encoder_layer_no_grad_eval_matches_torch_fast_path():
    torch = require_torch()
    theirs = torch.nn.TransformerEncoderLayer(E, HEADS, 16, batch_first=True).eval()
    ours = nn.TransformerEncoderLayer(E, HEADS, 16, batch_first=True).eval()
    copy_weights(theirs, ours)
    x = np.random.default_rng(9).standard_normal((N, S, E)).astype(np.float32)
    with torch.no_grad(), al.no_grad():
        close(ours(al.tensor(x)), theirs(torch.tensor(x)), 1e-4)


def test_transformer_encoder_layer_bad_activation():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(E, HEADS, activation="tanh")


# ------------------------------------------------------------ seed 001: LSTM text classifier
def lstm_classifier(lib):
    """The tutorial's class; its forward read ``bidirectional`` as a global name (a NameError
    there): the fixed version keeps it on ``self``."""
    nn_ = lib.nn

    class LSTMClassifier(nn_.Module):
        def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers,
                     bidirectional, dropout):
            super().__init__()
            self.bidirectional = bidirectional  # the fix
            self.embedding = nn_.Embedding(vocab_size, embedding_dim)
            self.lstm = nn_.LSTM(embedding_dim, hidden_dim, num_layers=n_layers,
                                 bidirectional=bidirectional, dropout=dropout)
            self.fc = nn_.Linear(hidden_dim * 2 if bidirectional else hidden_dim, output_dim)
            self.dropout = nn_.Dropout(dropout)

        def forward(self, text):
            embedded = self.dropout(self.embedding(text))
            output, (hidden, cell) = self.lstm(embedded)
            hidden = self.dropout(lib.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
                                  if self.bidirectional else hidden[-1, :, :])
            return self.fc(hidden)

    return LSTMClassifier


@pytest.mark.torch
@pytest.mark.parametrize("bidirectional", [True, False])
def test_seed_lstm_text_classifier(bidirectional):
    torch = require_torch()
    args = (50, 8, 6, 3, 2, bidirectional, 0.5)
    theirs = lstm_classifier(torch)(*args)
    ours = lstm_classifier(al)(*args)
    assert repr(ours) == repr(theirs).replace("torch.", "autograd_lab.")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(theirs, ours)
    ours.eval()
    theirs.eval()
    text = np.random.default_rng(10).integers(0, 50, size=(7, 4))  # (seq, batch)
    labels = np.array([0, 2, 1, 2])
    out1 = ours(al.tensor(text))
    out2 = theirs(torch.tensor(text))
    assert tuple(out1.shape) == (4, 3)
    close(out1, out2)
    al.nn.functional.cross_entropy(out1, al.tensor(labels)).backward()
    torch.nn.functional.cross_entropy(out2, torch.tensor(labels)).backward()
    grads_close(ours, theirs)
    ours.train()  # training mode (dropout on) runs forward and backward too
    ours(al.tensor(text)).sum().backward()
