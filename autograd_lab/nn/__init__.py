"""autograd_lab.nn: modules, layers, losses and ``functional``, as ``torch.nn``.

Each section below is filled by the module file that defines it (explicit imports, no stars).
"""
# ruff: noqa: I001 - imports are grouped by family, in the order torch.nn documents them

from __future__ import annotations

# --- core: Module, Parameter, containers
from .modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .modules.module import Module
from .parameter import Parameter

# --- layers: linear, activations, flatten
from .modules.activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .modules.flatten import Flatten, Unflatten
from .modules.linear import Bilinear, Identity, Linear

# --- convolution and pooling
from .modules.conv import Conv1d, Conv2d, ConvTranspose2d
from .modules.pooling import (
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)

# --- normalization and dropout
from .modules.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .modules.dropout import Dropout, Dropout2d
from .modules.normalization import GroupNorm, LayerNorm

# --- recurrent, embedding, attention
from .modules.attention import MultiheadAttention, TransformerEncoderLayer
from .modules.rnn import GRU, LSTM, RNN, RNNBase
from .modules.rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase
from .modules.sparse import Embedding

# --- losses
from .modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)

# --- submodules (after the classes: they import from this package)
from . import functional, init, utils  # noqa: E402

__all__ = [
    "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential", "Module",
    "Parameter", "ELU", "GELU", "Hardtanh", "LeakyReLU", "LogSoftmax", "Mish", "ReLU", "ReLU6",
    "Sigmoid", "SiLU", "Softmax", "Softplus", "Tanh", "Flatten", "Unflatten", "Bilinear",
    "Identity", "Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool1d", "MaxPool2d", "BatchNorm1d", "BatchNorm2d",
    "BatchNorm3d", "Dropout", "Dropout2d", "GroupNorm", "LayerNorm", "MultiheadAttention",
    "TransformerEncoderLayer", "GRU", "LSTM", "RNN", "RNNBase", "GRUCell", "LSTMCell",
    "RNNCell", "RNNCellBase", "Embedding", "BCELoss", "BCEWithLogitsLoss",
    "CosineEmbeddingLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss", "L1Loss", "MSELoss",
    "NLLLoss", "SmoothL1Loss", "functional", "init", "utils",
]
