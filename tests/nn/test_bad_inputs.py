"""Wrong inputs to layers, functions and losses raise PyTorch's exception type and message.

One table: each case builds the same call with ``nn``/``F`` of either library (``L`` is the
library) and must fail identically in both (after writing ``torch.`` as ``autograd_lab.``).
A few cases that must *succeed* in both are in the table too (the boundary of a check).
"""

from __future__ import annotations

import warnings

import pytest
from conftest import require_torch

import autograd_lab as al

pytestmark = pytest.mark.torch


def F(L):  # noqa: N802 - reads like the usual ``F.`` prefix
    return L.nn.functional


def _seeded(L, make):
    L.manual_seed(0)
    return make(L)


CASES = {
    # ---- batch norm: channel counts, ranks, eps, dtypes
    "bn running_mean size": lambda L: F(L).batch_norm(L.zeros(2, 4), L.zeros(3), L.ones(3),
                                                      training=True),
    "bn running_mean size, eval": lambda L: F(L).batch_norm(L.zeros(2, 4), L.zeros(3),
                                                            L.ones(3)),
    "bn running_var size": lambda L: F(L).batch_norm(L.zeros(2, 3), L.zeros(3), L.ones(4),
                                                     training=True),
    "bn weight size": lambda L: F(L).batch_norm(L.zeros(2, 3), L.zeros(3), L.ones(3), L.ones(4),
                                                training=True),
    "bn bias size": lambda L: F(L).batch_norm(L.zeros(2, 3), L.zeros(3), L.ones(3), L.ones(3),
                                              L.ones(5), training=True),
    "bn weight size, no stats": lambda L: F(L).batch_norm(L.zeros(2, 3), None, None, L.ones(4),
                                                          training=True),
    "bn missing running_var, eval": lambda L: F(L).batch_norm(L.zeros(2, 4), L.zeros(4), None),
    "bn 1-D input": lambda L: F(L).batch_norm(L.zeros(3), L.zeros(3), L.ones(3), training=True),
    "bn 1-D input, no stats": lambda L: F(L).batch_norm(L.zeros(3), None, None, training=True),
    "bn eps 0 in training": lambda L: F(L).batch_norm(L.zeros(2, 4), L.zeros(3), L.ones(3),
                                                      training=True, eps=0),
    "bn negative eps in eval": lambda L: F(L).batch_norm(L.zeros(2, 4), L.zeros(3), L.ones(3),
                                                         eps=-1),
    "bn one value per channel": lambda L: F(L).batch_norm(L.zeros(1, 3), L.zeros(4), L.ones(3),
                                                          training=True),
    "bn empty batch is fine": lambda L: tuple(F(L).batch_norm(L.zeros(0, 3), L.zeros(4),
                                                              L.ones(3), training=True).shape),
    "BatchNorm2d channels": lambda L: L.nn.BatchNorm2d(3)(L.zeros(2, 4, 2, 2)),
    "BatchNorm2d channels, eval": lambda L: L.nn.BatchNorm2d(3).eval()(L.zeros(2, 4, 2, 2)),
    "BatchNorm1d channels": lambda L: L.nn.BatchNorm1d(3)(L.zeros(2, 4)),
    "BatchNorm1d channels, no affine": lambda L: L.nn.BatchNorm1d(3, affine=False)(
        L.zeros(2, 4)),
    "BatchNorm1d float64 input": lambda L: L.nn.BatchNorm1d(3)(L.zeros(2, 3, dtype=L.float64)),
    "bn float64 weight": lambda L: F(L).batch_norm(L.ones(2, 3), None, None,
                                                   L.ones(3, dtype=L.float64), None, True),
    "bn float16 input, float32 params": lambda L: str(F(L).batch_norm(
        L.ones(2, 3, dtype=L.float16), L.zeros(3), L.ones(3), L.ones(3), L.zeros(3),
        True).dtype).split(".")[-1],
    "bn float16 input, mixed params": lambda L: F(L).batch_norm(
        L.ones(2, 3, dtype=L.float16), L.zeros(3), L.ones(3, dtype=L.float16), None, None,
        True),
    # ---- group norm and layer norm
    "gn channels": lambda L: L.nn.GroupNorm(2, 4)(L.zeros(2, 6, 3)),
    "gn channels not divisible": lambda L: L.nn.GroupNorm(2, 4)(L.zeros(2, 5, 3)),
    "F.group_norm not divisible": lambda L: F(L).group_norm(L.zeros(2, 5, 3), 2),
    "F.group_norm weight size": lambda L: F(L).group_norm(L.zeros(2, 4, 3), 2, L.ones(3)),
    "F.group_norm weight 2-D": lambda L: F(L).group_norm(L.zeros(2, 4, 3), 2, L.ones(2, 2)),
    "F.group_norm 1-D input": lambda L: F(L).group_norm(L.zeros(4), 2),
    "F.group_norm one value per group": lambda L: L.nn.GroupNorm(2, 2)(L.zeros(1, 2)),
    "F.group_norm float64 input": lambda L: F(L).group_norm(L.ones(2, 4, 2, dtype=L.float64),
                                                            2, L.ones(4)),
    "F.group_norm float16 input": lambda L: str(F(L).group_norm(
        L.ones(2, 4, 2, dtype=L.float16), 2, L.ones(4)).dtype).split(".")[-1],
    "LayerNorm trailing size": lambda L: L.nn.LayerNorm(3)(L.zeros(2, 4)),
    "LayerNorm trailing shape": lambda L: L.nn.LayerNorm((2, 3))(L.zeros(3, 2)),
    "F.layer_norm too many dims": lambda L: F(L).layer_norm(L.zeros(2, 4), (2, 4, 5)),
    "F.layer_norm weight shape": lambda L: F(L).layer_norm(L.zeros(2, 4), (4,), L.ones(3)),
    "F.layer_norm bias shape": lambda L: F(L).layer_norm(L.zeros(2, 4), (4,), L.ones(4),
                                                         L.ones(2)),
    "F.layer_norm empty shape": lambda L: F(L).layer_norm(L.zeros(2, 4), []),
    "F.layer_norm float64 input": lambda L: F(L).layer_norm(L.ones(2, 3, dtype=L.float64),
                                                            (3,), L.ones(3)),
    "F.layer_norm float64 weight": lambda L: F(L).layer_norm(L.ones(2, 3), (3,),
                                                             L.ones(3, dtype=L.float64)),
    # ---- linear, bilinear, convolution
    "Linear in_features": lambda L: L.nn.Linear(4, 5)(L.zeros(2, 3)),
    "Linear in_features, 1-D": lambda L: L.nn.Linear(4, 5)(L.zeros(3)),
    "Linear in_features, 3-D": lambda L: L.nn.Linear(4, 5)(L.zeros(2, 6, 3)),
    "Linear float64 input": lambda L: L.nn.Linear(3, 4)(L.zeros(2, 3, dtype=L.float64)),
    "Linear int input": lambda L: L.nn.Linear(3, 4)(L.zeros(2, 3, dtype=L.int64)),
    "F.linear 0-D input": lambda L: F(L).linear(L.zeros(()), L.zeros(5, 4)),
    "F.linear 0-D weight": lambda L: F(L).linear(L.zeros(4), L.zeros(())),
    "Bilinear input2 size": lambda L: L.nn.Bilinear(4, 3, 2)(L.zeros(2, 4), L.zeros(2, 4)),
    "Bilinear input1 size": lambda L: L.nn.Bilinear(4, 3, 2)(L.zeros(2, 3), L.zeros(2, 3)),
    "Bilinear batch": lambda L: L.nn.Bilinear(4, 3, 2)(L.zeros(2, 4), L.zeros(3, 3)),
    "Bilinear ranks": lambda L: L.nn.Bilinear(4, 3, 2)(L.zeros(2, 4), L.zeros(2, 1, 3)),
    "F.bilinear bias size": lambda L: F(L).bilinear(L.zeros(2, 4), L.zeros(2, 3),
                                                    L.zeros(2, 4, 3), L.zeros(3)),
    "avg_pool2d 2-D input": lambda L: F(L).avg_pool2d(L.zeros(4, 4), 2),
    "avg_pool2d 1-D input": lambda L: F(L).avg_pool2d(L.zeros(4), 2),
    "avg_pool2d 5-D input": lambda L: F(L).avg_pool2d(L.zeros(1, 1, 1, 4, 4), 2),
    "max_pool2d 2-D input": lambda L: F(L).max_pool2d(L.zeros(4, 4), 2),
    "adaptive_avg_pool2d 2-D input": lambda L: F(L).adaptive_avg_pool2d(L.zeros(4, 4), 2),
    "Conv2d 2-D input": lambda L: L.nn.Conv2d(3, 4, 3)(L.zeros(3, 5)),
    "Conv2d 5-D input": lambda L: L.nn.Conv2d(3, 4, 3)(L.zeros(1, 3, 5, 5, 5)),
    "Conv2d channels": lambda L: L.nn.Conv2d(3, 4, 3)(L.zeros(1, 2, 5, 5)),
    "Conv2d channels, unbatched": lambda L: L.nn.Conv2d(3, 4, 3)(L.zeros(2, 5, 5)),
    "Conv2d input smaller than kernel": lambda L: L.nn.Conv2d(3, 4, 3)(L.zeros(1, 3, 2, 2)),
    "Conv1d 4-D input": lambda L: L.nn.Conv1d(3, 4, 3)(L.zeros(1, 3, 5, 5)),
    # dtypes: PyTorch checks the bias before the weight; a transposed conv casts the bias
    **{f"{f} input {x} weight {w} bias {b}": (
        lambda L, f=f, x=x, w=w, b=b: tuple(getattr(F(L), f)(
            L.zeros((1, 3, 5, 5)[:4 if f != "conv1d" else 3], dtype=getattr(L, x)),
            L.zeros((4, 3, 3, 3)[:4 if f != "conv1d" else 3] if f != "conv_transpose2d"
                    else (3, 4, 3, 3), dtype=getattr(L, w)),
            None if b is None else L.zeros(4, dtype=getattr(L, b))).shape))
       for f in ("conv2d", "conv1d", "conv_transpose2d")
       for x, w, b in (("float64", "float32", "float32"), ("float32", "float64", "float64"),
                       ("float64", "float32", None), ("float32", "float32", "float64"),
                       ("float64", "float64", "float32"))},
    "Conv1d channels": lambda L: L.nn.Conv1d(3, 4, 3)(L.zeros(1, 2, 5)),
    "ConvTranspose2d 2-D input": lambda L: L.nn.ConvTranspose2d(3, 4, 3)(L.zeros(3, 5)),
    "ConvTranspose2d channels": lambda L: L.nn.ConvTranspose2d(3, 4, 3)(L.zeros(1, 2, 5, 5)),
    "Conv2d groups": lambda L: L.nn.Conv2d(3, 4, 3, groups=2),
    "Conv2d same with stride": lambda L: L.nn.Conv2d(3, 4, 3, stride=2, padding="same"),
    "Conv2d bad padding string": lambda L: L.nn.Conv2d(3, 4, 3, padding="foo"),
    # ---- pooling (module level; F-level rank messages: see the report)
    "MaxPool2d 1-D input": lambda L: L.nn.MaxPool2d(2)(L.zeros(4)),
    "MaxPool2d 5-D input": lambda L: L.nn.MaxPool2d(2)(L.zeros(1, 1, 1, 4, 4)),
    "MaxPool2d too small": lambda L: L.nn.MaxPool2d(3)(L.zeros(1, 1, 2, 2)),
    "MaxPool2d padding too big": lambda L: L.nn.MaxPool2d(2, padding=2)(L.zeros(1, 1, 4, 4)),
    "MaxPool1d 4-D input": lambda L: L.nn.MaxPool1d(2)(L.zeros(1, 1, 4, 4)),
    "AvgPool2d padding too big": lambda L: L.nn.AvgPool2d(2, padding=2)(L.zeros(1, 1, 4, 4)),
    "AdaptiveAvgPool2d 2-D input": lambda L: L.nn.AdaptiveAvgPool2d(2)(L.zeros(4, 4)),
    "AdaptiveMaxPool2d 2-D input": lambda L: L.nn.AdaptiveMaxPool2d(2)(L.zeros(4, 4)),
    # ---- losses
    "CrossEntropyLoss target out of range": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3), L.tensor([0, 3])),
    "CrossEntropyLoss negative target": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3), L.tensor([0, -2])),
    "CrossEntropyLoss target out of range, smoothing": lambda L: L.nn.CrossEntropyLoss(
        label_smoothing=0.5)(L.zeros(2, 3), L.tensor([0, 3])),
    "CrossEntropyLoss batch": lambda L: L.nn.CrossEntropyLoss()(L.zeros(2, 3),
                                                                L.tensor([0, 1, 2])),
    "CrossEntropyLoss int32 target": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3), L.tensor([0, 1], dtype=L.int32)),
    "CrossEntropyLoss uint8 target is fine": lambda L: round(float(L.nn.CrossEntropyLoss()(
        L.zeros(2, 3), L.tensor([0, 1], dtype=L.uint8))), 4),
    "CrossEntropyLoss float 1-D target": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3), L.tensor([0.0, 1.0])),
    "CrossEntropyLoss int probabilities": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3), L.zeros(2, 3, dtype=L.int64)),
    "CrossEntropyLoss probabilities, ignore_index": lambda L: L.nn.CrossEntropyLoss(
        ignore_index=0)(L.zeros(2, 3), L.full((2, 3), 1 / 3)),
    "CrossEntropyLoss negative smoothing is ignored": lambda L: round(float(
        L.nn.CrossEntropyLoss(label_smoothing=-0.5)(L.zeros(2, 3), L.tensor([0, 1]))), 4),
    "CrossEntropyLoss smoothing > 1": lambda L: L.nn.CrossEntropyLoss(label_smoothing=1.5)(
        L.zeros(2, 3), L.tensor([0, 1])),
    "CrossEntropyLoss weight size": lambda L: L.nn.CrossEntropyLoss(weight=L.ones(4))(
        L.zeros(2, 3), L.tensor([0, 1])),
    "CrossEntropyLoss 4-D target size": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3, 4, 4), L.zeros(2, 4, 5, dtype=L.int64)),
    "CrossEntropyLoss 4-D target rank": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3, 4, 4), L.zeros(2, 4, dtype=L.int64)),
    "CrossEntropyLoss 3-D target size": lambda L: L.nn.CrossEntropyLoss()(
        L.zeros(2, 3, 4), L.zeros(2, 5, dtype=L.int64)),
    "NLLLoss target out of range": lambda L: L.nn.NLLLoss()(L.zeros(2, 3), L.tensor([0, 3])),
    "NLLLoss spatial target out of range": lambda L: L.nn.NLLLoss()(L.zeros(2, 3, 4),
                                                                    L.full((2, 4), 5)),
    "NLLLoss float target": lambda L: L.nn.NLLLoss()(L.zeros(2, 3), L.tensor([0.0, 1.0])),
    "NLLLoss bool target": lambda L: L.nn.NLLLoss()(L.zeros(2, 3), L.tensor([False, True])),
    "NLLLoss reduction": lambda L: L.nn.NLLLoss(reduction="foo")(L.zeros(2, 3),
                                                                 L.tensor([0, 1])),
    "MSELoss shapes": lambda L: L.nn.MSELoss()(L.zeros(2, 3), L.zeros(2, 4)),
    "L1Loss shapes": lambda L: L.nn.L1Loss()(L.zeros(2, 3), L.zeros(2, 4)),
    "SmoothL1Loss shapes": lambda L: L.nn.SmoothL1Loss()(L.zeros(2, 3), L.zeros(2, 4)),
    "HuberLoss shapes": lambda L: L.nn.HuberLoss()(L.zeros(2, 3), L.zeros(2, 4)),
    "MSELoss reduction": lambda L: L.nn.MSELoss(reduction="foo")(L.zeros(2), L.zeros(2)),
    "BCELoss shapes": lambda L: L.nn.BCELoss()(L.zeros(2, 3), L.zeros(3, 3)),
    "BCELoss input out of [0, 1]": lambda L: L.nn.BCELoss()(L.full((2,), 2.0), L.zeros(2)),
    "BCELoss weight shape": lambda L: F(L).binary_cross_entropy(L.zeros(2, 3), L.zeros(2, 3),
                                                                weight=L.ones(4)),
    "BCELoss weight broadcasts too far": lambda L: F(L).binary_cross_entropy(
        L.zeros(2, 3), L.zeros(2, 3), weight=L.ones(2, 1, 3)),
    "BCEWithLogitsLoss shapes": lambda L: L.nn.BCEWithLogitsLoss()(L.zeros(2, 3),
                                                                   L.zeros(3, 3)),
    "BCEWithLogitsLoss pos_weight": lambda L: L.nn.BCEWithLogitsLoss(pos_weight=L.ones(4))(
        L.zeros(2, 3), L.zeros(2, 3)),
    "BCEWithLogitsLoss weight": lambda L: L.nn.BCEWithLogitsLoss(weight=L.ones(4))(
        L.zeros(2, 3), L.zeros(2, 3)),
    "BCEWithLogitsLoss pos_weight too far": lambda L: F(L).binary_cross_entropy_with_logits(
        L.zeros(2, 3), L.zeros(2, 3), pos_weight=L.ones(2, 1, 1)),
    "KLDivLoss reduction": lambda L: L.nn.KLDivLoss(reduction="foo")(L.zeros(2), L.zeros(2)),
    "CosineEmbeddingLoss feature sizes": lambda L: L.nn.CosineEmbeddingLoss()(
        L.zeros(2, 3), L.zeros(2, 4), L.ones(2)),
    "CosineEmbeddingLoss 3-D inputs": lambda L: L.nn.CosineEmbeddingLoss()(
        L.zeros(2, 3, 1), L.zeros(2, 3, 1), L.ones(2)),
    "CosineEmbeddingLoss 2-D target": lambda L: L.nn.CosineEmbeddingLoss()(
        L.zeros(2, 3), L.zeros(2, 3), L.ones(2, 1)),
    "CosineEmbeddingLoss 0-D target": lambda L: L.nn.CosineEmbeddingLoss()(
        L.zeros(3), L.zeros(2, 3), L.ones(())),
    # ---- embedding
    "Embedding index out of range": lambda L: L.nn.Embedding(5, 3)(L.tensor([1, 5])),
    "Embedding negative index": lambda L: L.nn.Embedding(5, 3)(L.tensor([-1])),
    "Embedding float index": lambda L: L.nn.Embedding(5, 3)(L.tensor([1.0])),
    "Embedding padding_idx": lambda L: L.nn.Embedding(5, 3, padding_idx=5),
    "Embedding negative padding_idx": lambda L: L.nn.Embedding(5, 3, padding_idx=-6),
    "Embedding.from_pretrained 1-D": lambda L: L.nn.Embedding.from_pretrained(L.zeros(3)),
    "F.embedding 1-D weight": lambda L: F(L).embedding(L.tensor([1]), L.zeros(5)),
    "F.embedding 3-D weight": lambda L: F(L).embedding(L.tensor([1]), L.zeros(5, 2, 2)),
    # ---- recurrent layers and cells
    "LSTM input_size": lambda L: L.nn.LSTM(10, 20)(L.zeros(5, 3, 7)),
    "GRU input_size": lambda L: L.nn.GRU(10, 20)(L.zeros(5, 3, 7)),
    "RNN input_size": lambda L: L.nn.RNN(10, 20)(L.zeros(5, 3, 7)),
    "LSTM 4-D input": lambda L: L.nn.LSTM(10, 20)(L.zeros(5, 3, 2, 10)),
    "LSTM hidden size": lambda L: L.nn.LSTM(10, 20)(L.zeros(5, 3, 10),
                                                    (L.zeros(1, 3, 21), L.zeros(1, 3, 20))),
    "LSTM cell state layers": lambda L: L.nn.LSTM(10, 20)(
        L.zeros(5, 3, 10), (L.zeros(1, 3, 20), L.zeros(2, 3, 20))),
    "GRU hidden layers": lambda L: L.nn.GRU(10, 20)(L.zeros(5, 3, 10), L.zeros(2, 3, 20)),
    "RNN unbatched with 3-D hidden": lambda L: L.nn.RNN(10, 20)(L.zeros(5, 10),
                                                                 L.zeros(1, 3, 20)),
    "RNN nonlinearity": lambda L: L.nn.RNN(10, 20, nonlinearity="foo"),
    "RNN dropout": lambda L: L.nn.RNN(10, 20, dropout=2.0),
    "LSTMCell input_size": lambda L: L.nn.LSTMCell(10, 20)(L.zeros(3, 7)),
    "GRUCell input_size": lambda L: L.nn.GRUCell(10, 20)(L.zeros(3, 7)),
    "RNNCell input_size": lambda L: L.nn.RNNCell(10, 20)(L.zeros(3, 7)),
    "RNNCell input_size, unbatched": lambda L: L.nn.RNNCell(10, 20)(L.zeros(7)),
    "RNNCell 3-D input": lambda L: L.nn.RNNCell(10, 20)(L.zeros(2, 3, 10)),
    "RNNCell hidden_size": lambda L: L.nn.RNNCell(10, 20)(L.zeros(3, 10), L.zeros(3, 21)),
    "RNNCell relu hidden_size": lambda L: L.nn.RNNCell(10, 20, nonlinearity="relu")(
        L.zeros(3, 10), L.zeros(3, 21)),
    "GRUCell hidden batch": lambda L: L.nn.GRUCell(10, 20)(L.zeros(3, 10), L.zeros(2, 20)),
    "LSTMCell hidden batch": lambda L: L.nn.LSTMCell(10, 20)(
        L.zeros(3, 10), (L.zeros(2, 20), L.zeros(2, 20))),
    "LSTMCell cell size": lambda L: L.nn.LSTMCell(10, 20)(
        L.zeros(3, 10), (L.zeros(3, 20), L.zeros(3, 19))),
    "LSTMCell cell batch": lambda L: L.nn.LSTMCell(10, 20)(
        L.zeros(3, 10), (L.zeros(3, 20), L.zeros(2, 20))),
    "LSTMCell unbatched with 2-D state": lambda L: L.nn.LSTMCell(10, 20)(
        L.zeros(10), (L.zeros(1, 20), L.zeros(20))),
    # ---- attention
    "MultiheadAttention embed_dim % heads": lambda L: L.nn.MultiheadAttention(10, 3),
    "MultiheadAttention embed size": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 6), L.zeros(3, 2, 6), L.zeros(3, 2, 6)),
    "MultiheadAttention 4-D query": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 1, 8), L.zeros(3, 2, 1, 8), L.zeros(3, 2, 1, 8)),
    "MultiheadAttention key/value ranks": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 8), L.zeros(4, 2, 8), L.zeros(4, 8)),
    "MultiheadAttention key/value shapes": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 8), L.zeros(4, 2, 8), L.zeros(5, 2, 8)),
    "MultiheadAttention kdim/vdim lengths": lambda L: L.nn.MultiheadAttention(
        8, 2, kdim=5, vdim=6)(L.zeros(3, 2, 8), L.zeros(4, 2, 5), L.zeros(5, 2, 6)),
    "MultiheadAttention vdim": lambda L: L.nn.MultiheadAttention(8, 2, kdim=5, vdim=6)(
        L.zeros(3, 2, 8), L.zeros(4, 2, 5), L.zeros(4, 2, 5)),
    "MultiheadAttention key_padding_mask length": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 8), L.zeros(4, 2, 8), L.zeros(4, 2, 8),
        key_padding_mask=L.zeros(2, 3, dtype=L.bool)),
    "MultiheadAttention key_padding_mask batch": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 8), L.zeros(4, 2, 8), L.zeros(4, 2, 8),
        key_padding_mask=L.zeros(3, 4, dtype=L.bool)),
    "MultiheadAttention unbatched 2-D key_padding_mask": lambda L: L.nn.MultiheadAttention(
        8, 2)(L.zeros(3, 8), L.zeros(4, 8), L.zeros(4, 8),
              key_padding_mask=L.zeros(2, 4, dtype=L.bool)),
    "MultiheadAttention 2-D attn_mask": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 8), L.zeros(4, 2, 8), L.zeros(4, 2, 8), attn_mask=L.zeros(3, 3)),
    "MultiheadAttention 1-D attn_mask": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 2, 8), L.zeros(4, 2, 8), L.zeros(4, 2, 8), attn_mask=L.zeros(3)),
    "MultiheadAttention unbatched 3-D attn_mask": lambda L: L.nn.MultiheadAttention(8, 2)(
        L.zeros(3, 8), L.zeros(4, 8), L.zeros(4, 8), attn_mask=L.zeros(1, 3, 4)),
    "TransformerEncoderLayer d_model": lambda L: L.nn.TransformerEncoderLayer(8, 2)(
        L.zeros(3, 2, 6)),
    "TransformerEncoderLayer 4-D input": lambda L: L.nn.TransformerEncoderLayer(8, 2)(
        L.zeros(3, 2, 1, 8)),
    # ---- functional helpers
    "F.dropout2d 1-D input": lambda L: F(L).dropout2d(L.zeros(2), 0.5),
    "F.dropout2d 1-D input, p=1 is fine": lambda L: tuple(F(L).dropout2d(L.zeros(2), 1.0).shape),
    "Dropout p": lambda L: L.nn.Dropout(1.5),
    "F.one_hot negative": lambda L: F(L).one_hot(L.tensor([-1]), 3),
    "F.one_hot too large": lambda L: F(L).one_hot(L.tensor([3]), 3),
    "F.pad odd length": lambda L: F(L).pad(L.zeros(2, 3), (1,)),
    "F.pad negative past the size": lambda L: F(L).pad(L.zeros(2, 3), (-2, -2)),
    "F.pad negative to empty is fine": lambda L: tuple(F(L).pad(L.zeros(2, 3), (-1, -2)).shape),
    "F.pad reflect 1-D": lambda L: F(L).pad(L.zeros(3), (1, 1), mode="reflect"),
    "F.pad reflect 4 on 2-D": lambda L: F(L).pad(L.zeros(2, 3), (1, 1, 1, 1), mode="reflect"),
    "F.pad reflect with value": lambda L: F(L).pad(L.zeros(2, 3), (1, 1), mode="reflect",
                                                   value=1.0),
    "F.pad circular wraps twice": lambda L: F(L).pad(L.zeros(1, 2, 3), (4, 4), mode="circular"),
    "F.pad mode": lambda L: F(L).pad(L.zeros(2, 3), (1, 1), mode="foo"),
    "F.interpolate size length": lambda L: F(L).interpolate(L.zeros(1, 1, 2, 2), size=(2, 2, 2)),
    "F.interpolate scale length": lambda L: F(L).interpolate(L.zeros(1, 1, 2, 2),
                                                             scale_factor=(2, 2, 2)),
    "F.interpolate 2-D input": lambda L: F(L).interpolate(L.zeros(2, 2), scale_factor=2),
    "F.interpolate mode": lambda L: F(L).interpolate(L.zeros(1, 1, 2, 2), scale_factor=2,
                                                     mode="foo"),
    "F.interpolate bilinear on 3-D": lambda L: F(L).interpolate(L.zeros(1, 1, 2),
                                                                scale_factor=2, mode="bilinear"),
    "F.interpolate antialias nearest": lambda L: F(L).interpolate(
        L.zeros(1, 1, 2, 2), scale_factor=2, antialias=True),
    "F.interpolate recompute with size": lambda L: F(L).interpolate(
        L.zeros(1, 1, 2, 2), size=3, recompute_scale_factor=True),
    "F.interpolate both": lambda L: F(L).interpolate(L.zeros(1, 1, 2, 2), size=4,
                                                     scale_factor=2),
    "F.interpolate align_corners nearest": lambda L: F(L).interpolate(
        L.zeros(1, 1, 2, 2), scale_factor=2, align_corners=True),
    "F.sdpa causal with mask": lambda L: F(L).scaled_dot_product_attention(
        L.zeros(2, 3, 4), L.zeros(2, 3, 4), L.zeros(2, 3, 4), attn_mask=L.zeros(3, 3),
        is_causal=True),
    "F.sdpa dropout_p": lambda L: F(L).scaled_dot_product_attention(
        L.zeros(2, 3, 4), L.zeros(2, 3, 4), L.zeros(2, 3, 4), dropout_p=1.5),
    "Flatten 0-D": lambda L: L.nn.Flatten()(L.zeros(())),
    "Unflatten sizes": lambda L: L.nn.Unflatten(1, (2, 2))(L.zeros(2, 3)),
    "Softmax dim": lambda L: L.nn.Softmax(dim=3)(L.zeros(2, 3)),
    "RNN dropout warning then run": lambda L: _seeded(
        L, lambda L: L.nn.RNN(10, 20, dropout=0.5)).hidden_size,
}


def _outcome(call, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call(lib)
    except Exception as e:  # noqa: BLE001 - the exception is what we compare
        return type(e).__name__, str(e).replace("torch.", "autograd_lab.")
    return "returned", result


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_raises_like_torch(case):
    torch = require_torch()
    want = _outcome(CASES[case], torch)
    got = _outcome(CASES[case], al)
    assert got == want


def test_group_norm_bias_message_names_the_bias_shape():
    """PyTorch prints the *weight's* shape in its bias message (``[0]`` without a weight); we
    print the bias's own shape, and otherwise match its wording."""
    torch = require_torch()
    want = _outcome(lambda L: F(L).group_norm(L.zeros(2, 4, 3), 2, None, L.ones(3)), torch)
    got = _outcome(lambda L: F(L).group_norm(L.zeros(2, 4, 3), 2, None, L.ones(3)), al)
    assert got[0] == want[0] == "RuntimeError"
    assert got[1] == want[1].replace("bias of shape [0]", "bias of shape [3]")
