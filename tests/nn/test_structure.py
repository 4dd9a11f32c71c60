"""Every layer class of the issue, built with non-default arguments in PyTorch and here: the
repr (``extra_repr``, nesting) and the state_dict keys, shapes and dtypes must be equal, and so
must the names of parameters, buffers and submodules."""

from __future__ import annotations

import warnings

import pytest
from conftest import require_torch

import autograd_lab as al

pytestmark = pytest.mark.torch

CTORS = [
    "nn.Linear(3, 4, bias=False)",
    "nn.Bilinear(2, 3, 4, bias=False)",
    "nn.Identity()",
    "nn.Flatten(2, -2)",
    "nn.Unflatten(1, (2, 3))",
    "nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False)",
    "nn.Conv1d(2, 4, 3, padding='same')",
    "nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 1), groups=2, bias=False)",
    "nn.Conv2d(2, 4, 3, padding='valid')",
    "nn.Conv2d(2, 4, 3, padding='same', dilation=2)",
    "nn.Conv2d(2, 4, 3, padding_mode='zeros')",
    "nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2, bias=False, "
    "dilation=1)",
    "nn.ConvTranspose2d(2, 4, 3, dilation=2)",
    "nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True, return_indices=True)",
    "nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True, "
    "return_indices=True)",
    "nn.MaxPool2d(2)",
    "nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False, "
    "divisor_override=2)",
    "nn.AvgPool2d(2)",
    "nn.AdaptiveAvgPool2d((3, None))",
    "nn.AdaptiveAvgPool2d(2)",
    "nn.AdaptiveMaxPool2d((2, 3), return_indices=True)",
    "nn.BatchNorm1d(3, eps=1e-3, momentum=None, affine=False, track_running_stats=False)",
    "nn.BatchNorm2d(3, momentum=0.5)",
    "nn.BatchNorm3d(3, affine=False)",
    "nn.LayerNorm((2, 3), eps=1e-4, elementwise_affine=False)",
    "nn.LayerNorm(3, bias=False)",
    "nn.GroupNorm(2, 4, eps=1e-3, affine=False)",
    "nn.Dropout(0.3, inplace=True)",
    "nn.Dropout2d(0.2)",
    "nn.Dropout()",
    "nn.Embedding(10, 3, padding_idx=2, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, "
    "sparse=False)",
    "nn.Embedding(10, 3)",
    "nn.Embedding(10, 3, max_norm=2)",
    "nn.RNN(3, 4, num_layers=2, nonlinearity='relu', bias=False, batch_first=True, "
    "dropout=0.5, bidirectional=True)",
    "nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True)",
    "nn.GRU(3, 4, 3, dropout=0.1)",
    "nn.RNNCell(3, 4, bias=False, nonlinearity='relu')",
    "nn.LSTMCell(3, 4)",
    "nn.GRUCell(3, 4, bias=False)",
    "nn.MultiheadAttention(8, 2, dropout=0.1, bias=False, add_bias_kv=False, kdim=5, vdim=6, "
    "batch_first=True)",
    "nn.MultiheadAttention(8, 2)",
    "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation='gelu', "
    "batch_first=True, norm_first=True, bias=False, layer_norm_eps=1e-4)",
    "nn.TransformerEncoderLayer(8, 2)",
    "nn.ReLU(inplace=True)",
    "nn.ReLU6(inplace=True)",
    "nn.LeakyReLU(0.2, inplace=True)",
    "nn.ELU(alpha=0.5, inplace=True)",
    "nn.GELU(approximate='tanh')",
    "nn.SiLU(inplace=True)",
    "nn.Mish(inplace=True)",
    "nn.Sigmoid()",
    "nn.Tanh()",
    "nn.Softplus(beta=2, threshold=10)",
    "nn.Hardtanh(-2.0, 2.0, inplace=True)",
    "nn.Hardtanh(min_val=-2, max_val=3)",
    "nn.Softmax(dim=1)",
    "nn.Softmax()",
    "nn.LogSoftmax(dim=-1)",
    "nn.MSELoss(reduction='sum')",
    "nn.L1Loss(reduction='none')",
    "nn.SmoothL1Loss(beta=0.5)",
    "nn.HuberLoss(delta=2.0)",
    "nn.CrossEntropyLoss(weight=T.ones(3), ignore_index=1, label_smoothing=0.1, reduction='sum')",
    "nn.NLLLoss(weight=T.ones(3), ignore_index=0)",
    "nn.BCELoss(weight=T.ones(3))",
    "nn.BCEWithLogitsLoss(pos_weight=T.ones(3), weight=T.ones(3))",
    "nn.KLDivLoss(reduction='batchmean', log_target=True)",
    "nn.CosineEmbeddingLoss(margin=0.5)",
    "nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)))",
    "nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])",
    "nn.ModuleDict({'a': nn.ReLU(), 'b': nn.Linear(2, 3)})",
    "nn.ParameterList([nn.Parameter(T.zeros(2, 3)), nn.Parameter(T.zeros(1))])",
    "nn.ParameterDict({'w': nn.Parameter(T.zeros(2, 3)), 'b': T.ones(1)})",
]


def _describe(lib, ctor: str):
    lib.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RNN(dropout=...) with one layer warns in both
        m = eval(ctor, {"nn": lib.nn, "T": lib})  # noqa: S307 - expressions of this file
    sd = m.state_dict()
    return (repr(m).replace("torch.", "autograd_lab."), list(sd),
            [(tuple(v.shape), str(v.dtype).split(".")[-1]) for v in sd.values()],
            [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()],
            [(n, type(c).__name__) for n, c in m.named_modules()],
            [p.requires_grad for p in m.parameters()])


@pytest.mark.parametrize("ctor", CTORS)
def test_repr_and_state_dict_match_torch(ctor):
    torch = require_torch()
    assert _describe(al, ctor) == _describe(torch, ctor)


# Default initialisation: the same distribution as PyTorch's (the numbers differ: another RNG).
INIT_CTORS = [
    "nn.Linear(200, 100)",
    "nn.Bilinear(30, 20, 10)",
    "nn.Conv2d(16, 32, 3)",
    "nn.Conv1d(8, 64, 5, groups=2)",
    "nn.ConvTranspose2d(16, 32, 3)",
    "nn.Embedding(1000, 16)",
    "nn.Embedding(1000, 16, padding_idx=3)",
    "nn.LSTM(50, 60, bidirectional=True)",
    "nn.GRUCell(50, 60)",
    "nn.MultiheadAttention(64, 4)",
    "nn.MultiheadAttention(64, 4, kdim=32, vdim=48)",
    "nn.TransformerEncoderLayer(64, 4, dim_feedforward=128)",
    "nn.BatchNorm2d(8)",
    "nn.LayerNorm((4, 5))",
    "nn.GroupNorm(2, 8)",
]


def _init_stats(lib, ctor: str) -> dict:
    lib.manual_seed(0)
    m = eval(ctor, {"nn": lib.nn, "T": lib})  # noqa: S307 - expressions of this file
    stats = {}
    for name, p in m.named_parameters():
        a = p.detach().numpy().astype("float64")
        zero_rows = [i for i in range(a.shape[0]) if a.ndim == 2 and not a[i].any()]
        stats[name] = (a.std(), abs(a).max(), a.mean(), zero_rows, a.size)
    return stats


@pytest.mark.parametrize("ctor", INIT_CTORS)
def test_default_initialisation_matches_torch(ctor):
    torch = require_torch()
    ours, theirs = _init_stats(al, ctor), _init_stats(torch, ctor)
    assert list(ours) == list(theirs)
    for name, (std, amax, mean, zero_rows, n) in theirs.items():
        o_std, o_amax, o_mean, o_zero_rows, _ = ours[name]
        assert o_zero_rows == zero_rows, name  # Embedding's padding row
        if std == 0:  # constant init (norm layers, attention biases)
            assert o_std == 0 and o_mean == mean, name
            continue
        # five standard errors of two samples of n values (a fixed seed: no flakiness)
        assert abs(o_std / std - 1) < 5 / n ** 0.5 + 0.02, (name, o_std, std)
        assert abs(o_amax / amax - 1) < 0.35, (name, o_amax, amax)
        assert abs(o_mean - mean) < 7 * std / n ** 0.5, (name, o_mean, mean)
