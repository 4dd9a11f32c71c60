"""Single-step recurrent modules: ``RNNCell``, ``LSTMCell``, ``GRUCell`` (as ``torch.nn``).

Each calls the cell function of :mod:`autograd_lab.ops.rnn_cell` (two matrix multiplies, then
the step maths; LSTM and GRU steps are one fused graph node each).
"""

from __future__ import annotations

import math

from ... import _creation
from ..._tensor import Tensor
from ...ops.rnn_cell import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """Parameters of a cell: ``weight_ih`` (G*H, in), ``weight_hh`` (G*H, H) and, with
    ``bias``, ``bias_ih``, ``bias_hh`` (G*H,), all uniform in (-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"dtype": dtype, "device": device}
        self.weight_ih = Parameter(_creation.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(_creation.empty((num_chunks * hidden_size, hidden_size),
                                                   **kw))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batch(self, input: Tensor, hx, name: str, what: str = "hidden"):  # noqa: A002
        """Check dims, add the batch dim to unbatched inputs, default the state to zeros."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        states = None if hx is None else (list(hx) if what == "hx" else [hx])
        if states is not None:
            for i, s in enumerate(states):
                if s.dim() not in (1, 2):
                    label = f"hx[{i}]" if what == "hx" else "hidden"
                    raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got "
                                     f"{s.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if states is None:
            zeros = _creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                                    device=input.device)
            states = [zeros, zeros] if what == "hx" else [zeros]
        elif not batched:
            states = [s.unsqueeze(0) for s in states]
        return input, states, batched

    def _weights(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    r""":math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        bias: use ``b_ih`` and ``b_hh``. Default: ``True``.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.

    Shape:
        input (N, H_in) or (H_in,); hidden (N, H) or (H,), zeros if omitted; output like hidden.

    Example:
        >>> cell = nn.RNNCell(10, 20)
        >>> cell(autograd_lab.randn(3, 10)).shape
        autograd_lab.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, (h,), batched = self._batch(input, hx, "RNNCell")
        if self.nonlinearity == "tanh":
            ret = rnn_tanh_cell(input, h, *self._weights())
        elif self.nonlinearity == "relu":
            ret = rnn_relu_cell(input, h, *self._weights())
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return ret if batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""One LSTM step, gates (i, f, g, o): :math:`c' = f c + i g`, :math:`h' = o \tanh(c')`
    (see :class:`LSTM`).

    Args:
        input_size, hidden_size, bias: as :class:`RNNCell`.

    Shape:
        input (N, H_in) or (H_in,); hx = (h, c), each (N, H) or (H,), zeros if omitted;
        returns ``(h', c')``.

    Example:
        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(autograd_lab.randn(3, 10))
        >>> c.shape
        autograd_lab.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:  # noqa: A002
        input, states, batched = self._batch(input, hx, "LSTMCell", what="hx")
        h, c = lstm_cell(input, tuple(states), *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    r"""One GRU step, gates (r, z, n): :math:`n = \tanh(W_{in} x + b_{in} + r (W_{hn} h +
    b_{hn}))`, :math:`h' = (1 - z) n + z h` (see :class:`GRU`).

    Args:
        input_size, hidden_size, bias: as :class:`RNNCell`.

    Shape:
        as :class:`RNNCell`.

    Example:
        >>> cell = nn.GRUCell(10, 20)
        >>> cell(autograd_lab.randn(10)).shape
        autograd_lab.Size([20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, (h,), batched = self._batch(input, hx, "GRUCell")
        ret = gru_cell(input, h, *self._weights())
        return ret if batched else ret.squeeze(0)
