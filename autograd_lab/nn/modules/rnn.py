"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` over whole sequences (as ``torch.nn``).

Each layer and direction first projects the whole input sequence with one matrix multiply
(``x W_ih^T + b``); the recurrence that remains runs as one graph node per layer and direction
(:class:`autograd_lab.ops.rnn.Recurrence`: the time loop on raw arrays, back-propagation through
time in its backward). The single-step modules ``RNNCell``, ``LSTMCell`` and ``GRUCell`` are in
``rnn_cell.py``.

Differences from PyTorch: ``PackedSequence`` inputs and ``proj_size`` (LSTM projections) are
not supported; ``flatten_parameters`` is a no-op (as PyTorch on CPU).
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import _creation
from ..._tensor import Tensor
from ...ops.join import cat, stack
from ...ops.linalg import linear
from ...ops.rnn import Recurrence
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _dropout(x: Tensor, p: float, training: bool) -> Tensor:
    from .. import functional as F

    return F.dropout(x, p, training)


class RNNBase(Module):
    """Base class of ``RNN``, ``LSTM`` and ``GRU``: the parameters and the layer loop.

    For each layer ``k`` and direction (``_reverse`` for the backward one) it registers, in this
    order, ``weight_ih_l{k}`` (G*H, in), ``weight_hh_l{k}`` (G*H, H) and, with ``bias``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,), where G is the number of gates (LSTM 4: i, f, g,
    o; GRU 3: r, z, n; RNN 1). All start uniform in (-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        _check_args(dropout, num_layers, bias, batch_first, input_size, hidden_size, proj_size)
        if proj_size != 0:
            raise ValueError("proj_size is not supported by autograd_lab's LSTM")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else hidden_size * num_directions
                shapes = [(gate_size, layer_input), (gate_size, hidden_size)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes, strict=True):
                    setattr(self, name, Parameter(_creation.empty(shape, dtype=dtype,
                                                                  device=device)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction, as lists (PyTorch's property)."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """No-op (PyTorch packs weights for cuDNN here; there is nothing to pack on CPU)."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------ checks
    def check_input(self, input: Tensor) -> None:  # noqa: A002
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                f"Convert input: input.to({weight_dtype}), or convert model: "
                f"model.to({input.dtype})")
        if input.dim() != 3:
            raise RuntimeError(f"input must have 3 dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor) -> tuple:  # noqa: A002
        mini_batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch,
                self.hidden_size)

    def check_hidden_size(self, hx: Tensor, expected: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != expected:
            raise RuntimeError(msg.format(expected, list(hx.size())))

    # ------------------------------------------------------------------ the computation
    def _prepare(self, input: Tensor, hx, name: str, lstm: bool):  # noqa: A002
        """Unbatched inputs get a batch dim; missing states become zeros; shapes are checked."""
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             + ("tensor instead" if name == "RNN" else "instead"))
        is_batched = input.dim() == 3
        if not is_batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if hx is not None:
            states = list(hx) if lstm else [hx]
            want = 3 if is_batched else 2
            if any(s.dim() != want for s in states):
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                if lstm:
                    dims = ", ".join(f"{s.dim()}-D" for s in states)
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D "
                                       f"but got ({dims}) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                   f"{states[0].dim()}-D tensor")
            if not is_batched:
                states = [s.unsqueeze(1) for s in states]
        self.check_input(input)
        expected = self.get_expected_hidden_size(input)
        if hx is None:
            zeros = _creation.zeros(expected, dtype=input.dtype, device=input.device)
            states = [zeros, zeros] if lstm else [zeros]
        msgs = (["Expected hidden[0] size {}, got {}", "Expected hidden[1] size {}, got {}"]
                if lstm else ["Expected hidden size {}, got {}"])
        for s, msg in zip(states, msgs, strict=False):
            self.check_hidden_size(s, expected, msg)
        return input, states, is_batched

    def _run(self, input: Tensor, states: list) -> tuple:  # noqa: A002
        """All layers and directions; returns (output, [h_n] or [h_n, c_n])."""
        x = input.transpose(0, 1) if self.batch_first else input
        num_directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = _dropout(x, self.dropout, True)
            outs = []
            for direction in range(num_directions):
                idx = layer * num_directions + direction
                weights = [getattr(self, n) for n in self._all_weights[idx]]
                out, *last = _one_direction(self.mode, x, weights, [s[idx] for s in states],
                                            direction == 1)
                outs.append(out)
                for acc, f in zip(finals, last, strict=True):
                    acc.append(f)
            x = outs[0] if num_directions == 1 else cat(outs, 2)
        output = x.transpose(0, 1) if self.batch_first else x
        return output, [stack(f) for f in finals]


def _one_direction(mode: str, x: Tensor, weights: list, states: list, reverse: bool) -> tuple:
    """One layer, one direction: the input projection for all steps, then the recurrence."""
    w_ih, w_hh = weights[0], weights[1]
    b_ih, b_hh = (weights[2], weights[3]) if len(weights) == 4 else (None, None)
    if mode == "GRU":  # the reset gate multiplies the hidden projection with its bias
        x_gates = linear(x, w_ih, b_ih)
        if b_hh is None:
            b_hh = _creation.zeros(w_hh.shape[0], dtype=x.dtype, device=x.device)
        return Recurrence.apply(x_gates, w_hh, b_hh, states[0], None, mode=mode,
                                reverse=reverse)
    x_gates = linear(x, w_ih, None if b_ih is None else b_ih + b_hh)
    c0 = states[1] if mode == "LSTM" else None
    return Recurrence.apply(x_gates, w_hh, None, states[0], c0, mode=mode, reverse=reverse)


def _check_args(dropout, num_layers, bias, batch_first, input_size, hidden_size,
                proj_size) -> None:
    """PyTorch's constructor checks, with its messages."""
    if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
            or isinstance(dropout, bool)):
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                      "non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
    for value, name in ((bias, "bias"), (batch_first, "batch_first")):
        if not isinstance(value, bool):
            raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
    for value, name in ((input_size, "input_size"), (hidden_size, "hidden_size")):
        if not isinstance(value, int):
            raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable "
                         "projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


class RNN(RNNBase):
    r"""Elman RNN: for each step, :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T
    + b_{hh})` (or ReLU), stacked ``num_layers`` deep, optionally in both directions.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked layers. Default: 1.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.
        bias: use ``b_ih`` and ``b_hh``. Default: ``True``.
        batch_first: input and output are (N, L, H_in) instead of (L, N, H_in). Default:
            ``False``.
        dropout: dropout on the outputs of each layer except the last (training mode only).
            Default: 0.
        bidirectional: also run right to left and concatenate. Default: ``False``.

    Shape:
        input (L, N, H_in) (or (N, L, H_in) with ``batch_first``, or unbatched (L, H_in));
        h_0 (D * num_layers, N, H) (zeros if omitted); output (L, N, D * H); h_n like h_0.

    Example:
        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(autograd_lab.randn(5, 3, 10), autograd_lab.randn(2, 3, 20))
        >>> output.shape
        autograd_lab.Size([5, 3, 20])
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:  # noqa: A002
        input, states, batched = self._prepare(input, hx, "RNN", lstm=False)
        output, (h_n,) = self._run(input, states)
        if not batched:
            return output.squeeze(1 if not self.batch_first else 0), h_n.squeeze(1)
        return output, h_n


class LSTM(RNNBase):
    r"""Long short-term memory, gates in PyTorch's order (i, f, g, o)::

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      f = sigmoid(W_if x + ... )
        g = tanh(W_ig x + ... )                         o = sigmoid(W_io x + ... )
        c' = f * c + i * g                              h' = o * tanh(c')

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as
            :class:`RNN`. ``proj_size`` is not supported (a ValueError if non-zero).

    Shape:
        input as :class:`RNN`; ``(h_0, c_0)`` each (D * num_layers, N, H) (zeros if omitted);
        returns ``output, (h_n, c_n)``.

    Example:
        >>> lstm = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = lstm(autograd_lab.randn(5, 3, 10))
        >>> hn.shape
        autograd_lab.Size([2, 3, 20])
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:  # noqa: A002
        input, states, batched = self._prepare(input, hx, "LSTM", lstm=True)
        output, (h_n, c_n) = self._run(input, states)
        if not batched:
            return (output.squeeze(1 if not self.batch_first else 0),
                    (h_n.squeeze(1), c_n.squeeze(1)))
        return output, (h_n, c_n)


class GRU(RNNBase):
    r"""Gated recurrent unit, gates in PyTorch's order (r, z, n)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      z = sigmoid(W_iz x + ... )
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) * n + z * h

    Args:
        as :class:`RNN` (no ``nonlinearity``).

    Shape:
        as :class:`RNN`; returns ``output, h_n``.

    Example:
        >>> gru = nn.GRU(10, 20, 2)
        >>> output, hn = gru(autograd_lab.randn(5, 3, 10))
        >>> output.shape
        autograd_lab.Size([5, 3, 20])
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:  # noqa: A002
        input, states, batched = self._prepare(input, hx, "GRU", lstm=False)
        output, (h_n,) = self._run(input, states)
        if not batched:
            return output.squeeze(1 if not self.batch_first else 0), h_n.squeeze(1)
        return output, h_n
