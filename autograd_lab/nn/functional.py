"""autograd_lab.nn.functional: the stateless functions behind the layers, as torch.nn.functional.

The code lives in themed modules (explicit re-exports, no stars):

- ``_functional_activations``: relu, gelu (exact, with a vectorised erf), softmax, dropout, ...
- ``_functional_loss``: mse_loss, l1_loss, smooth_l1_loss, huber_loss, nll_loss, cross_entropy
- ``_functional_loss_binary``: binary_cross_entropy(_with_logits), kl_div, cosine_embedding_loss
- ``_functional_norm``: batch_norm, layer_norm, group_norm, normalize
- ``_functional_misc``: embedding, one_hot, pad, interpolate, scaled_dot_product_attention
- ``autograd_lab.ops.linalg.linear``, and the convolutions and pooling of ``autograd_lab.ops``.

Example:
    >>> import autograd_lab.nn.functional as F
    >>> F.relu(autograd_lab.tensor([-1., 2.]))
    tensor([0., 2.])
"""

from __future__ import annotations

from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ..ops.linalg import linear
from ..ops.pool import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from ._functional_activations import (
    dropout,
    dropout2d,
    elu,
    elu_,
    gelu,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    mish,
    relu,
    relu6,
    relu_,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    tanh,
)
from ._functional_loss import (
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ._functional_loss_binary import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    kl_div,
)
from ._functional_misc import (
    bilinear,
    embedding,
    interpolate,
    one_hot,
    pad,
    scaled_dot_product_attention,
)
from ._functional_norm import batch_norm, group_norm, layer_norm, normalize

__all__ = [
    # activations and dropout
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "gelu", "silu", "mish",
    "sigmoid", "tanh", "softplus", "hardtanh", "hardtanh_", "softmax", "softmin", "log_softmax",
    "dropout", "dropout2d",
    # linear, convolution, pooling
    "linear", "bilinear", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "max_pool1d", "max_pool2d", "adaptive_max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
    # normalization, embedding, resizing, attention
    "batch_norm", "layer_norm", "group_norm", "normalize", "embedding", "one_hot", "pad",
    "interpolate", "scaled_dot_product_attention",
    # losses
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
    "cosine_embedding_loss",
]
