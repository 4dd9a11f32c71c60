"""Recurrent cell steps: the pointwise part of an LSTM and a GRU step as fused primitives, and the
four cell functions of PyTorch (``torch.lstm_cell``, ``gru_cell``, ``rnn_tanh_cell``,
``rnn_relu_cell``) that the ``nn.*Cell`` modules call. (``nn.RNN``/``LSTM``/``GRU`` run whole
sequences with :class:`autograd_lab.ops.rnn.Recurrence`, which replays these fused steps for
double backward.)

Why fused: one LSTM step written with Tensor ops is about fourteen graph nodes (a chunk, three
sigmoids, two tanhs, products and a sum), and a sequence repeats it at every time step, so the
per-op Python overhead dominates on the small matrices of a recurrent net. The fused ops below
do the whole pointwise step as one node (PyTorch's CUDA kernels ``_thnn_fused_lstm_cell`` and
``_thnn_fused_gru_cell`` do the same, and we borrow their node names). The matrix products stay
separate ``addmm`` nodes.

Backward works on raw arrays in a plain ``backward()`` (grad mode off: nothing is recorded, so
the fast path is safe), and on Tensors under ``create_graph=True``, recomputing the gate
activations from the saved inputs, so double backward works as for every other primitive.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from .join import cat
from .linalg import addmm, linear


def _sigmoid(xp, x):
    with np.errstate(over="ignore"):  # e^-x overflowing to inf gives the right 0
        return 1 / (1 + xp.exp(-x))


class FusedLstmCell(Op):
    """The pointwise part of an LSTM step, gates in PyTorch's order (i, f, g, o)::

        i, f, o = sigmoid(gates_i, gates_f, gates_o),   g = tanh(gates_g)
        c' = f c + i g,   h' = o tanh(c')

    Derivative, with dc = grad_c' + grad_h' o (1 - tanh(c')^2)::

        d gates_i = dc g i (1 - i),   d gates_f = dc c f (1 - f),   d gates_g = dc i (1 - g^2),
        d gates_o = grad_h' tanh(c') o (1 - o),   d c = dc f.

    Inputs ``gates`` (B, 4H) (both projections and biases already summed) and ``c`` (B, H);
    outputs ``(h', c')``.
    """

    node_name = "ThnnFusedLstmCellBackward0"
    num_outputs = 2

    @staticmethod
    def forward(ctx, gates, c):
        xp = ctx.xp
        n = c.shape[-1]
        act = _sigmoid(xp, gates)
        act[..., 2 * n:3 * n] = xp.tanh(gates[..., 2 * n:3 * n])
        i, f, g, o = act[..., :n], act[..., n:2 * n], act[..., 2 * n:3 * n], act[..., 3 * n:]
        c_new = f * c
        c_new += i * g
        tanh_c = xp.tanh(c_new)
        h_new = o * tanh_c
        ctx.save_for_backward(gates, c, c_new)
        ctx.act, ctx.tanh_c = act, tanh_c  # for the raw-array backward only
        return h_new, c_new

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        gates, c, c_new = ctx.saved_tensors
        n = c.shape[-1]
        if not grad_mode._enabled:
            return _lstm_backward_arrays(ctx, grad_h, grad_c, c, n)
        i, f, o = (gates[..., k * n:(k + 1) * n].sigmoid() for k in (0, 1, 3))
        g = gates[..., 2 * n:3 * n].tanh()
        tanh_c = c_new.tanh()
        dc = grad_c if grad_c is not None else 0
        if grad_h is not None:
            dc = dc + grad_h * o * (1 - tanh_c * tanh_c)
            do = grad_h * tanh_c * o * (1 - o)
        else:
            do = o * 0
        d_gates = cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), do], -1)
        return d_gates, dc * f


def _lstm_backward_arrays(ctx, grad_h, grad_c, c, n):
    act, tanh_c = ctx.act, ctx.tanh_c
    i, f, g, o = act[..., :n], act[..., n:2 * n], act[..., 2 * n:3 * n], act[..., 3 * n:]
    d = ctx.xp.empty_like(act)
    dc = d[..., :n]  # scratch: overwritten with d gates_i at the end
    if grad_h is not None:
        gh = grad_h._data
        ctx.xp.multiply(gh, o, out=dc)
        dc *= 1 - tanh_c * tanh_c
        if grad_c is not None:
            dc += grad_c._data
        d[..., 3 * n:] = gh * tanh_c * o * (1 - o)
    else:
        dc[...] = grad_c._data
        d[..., 3 * n:] = 0
    d_c = dc * f
    d[..., n:2 * n] = dc * c._data * f * (1 - f)
    d[..., 2 * n:3 * n] = dc * i * (1 - g * g)
    dc *= g * i * (1 - i)  # in place: the i block of d
    dev = c._device
    return Tensor._make(d, device=dev), Tensor._make(d_c, device=dev)


class FusedGruCell(Op):
    """The pointwise part of a GRU step, gates in PyTorch's order (r, z, n)::

        r = sigmoid(x_r + h_r),   z = sigmoid(x_z + h_z),   n = tanh(x_n + r h_n),
        h' = (1 - z) n + z h

    where ``x_*`` = W_i* x + b_i* and ``h_*`` = W_h* h + b_h* (the reset gate multiplies the
    hidden projection *including* its bias, as in PyTorch). Derivative, with
    dn = grad (1 - z) (1 - n^2)::

        d x_r = d h_r = dn h_n r (1 - r),   d x_z = d h_z = grad (h - n) z (1 - z),
        d x_n = dn,   d h_n = dn r,   d h = grad z.

    Inputs ``x_gates`` (B, 3H), ``h_gates`` (B, 3H) and ``h`` (B, H); output ``h'``.
    """

    node_name = "ThnnFusedGruCellBackward0"

    @staticmethod
    def forward(ctx, x_gates, h_gates, h):
        xp = ctx.xp
        n = h.shape[-1]
        rz = _sigmoid(xp, x_gates[..., :2 * n] + h_gates[..., :2 * n])
        r, z = rz[..., :n], rz[..., n:]
        new = xp.tanh(x_gates[..., 2 * n:] + r * h_gates[..., 2 * n:])
        out = h - new
        out *= z
        out += new
        ctx.save_for_backward(x_gates, h_gates, h)
        ctx.rz, ctx.new = rz, new  # for the raw-array backward only
        return out

    @staticmethod
    def backward(ctx, grad):
        x_gates, h_gates, h = ctx.saved_tensors
        n = h.shape[-1]
        if not grad_mode._enabled:
            return _gru_backward_arrays(ctx, grad._data, h_gates._data, h._data, n, h._device)
        rz = (x_gates[..., :2 * n] + h_gates[..., :2 * n]).sigmoid()
        r, z = rz[..., :n], rz[..., n:]
        h_n = h_gates[..., 2 * n:]
        new = (x_gates[..., 2 * n:] + r * h_n).tanh()
        dn = grad * (1 - z) * (1 - new * new)
        drz = cat([dn * h_n * r * (1 - r), grad * (h - new) * z * (1 - z)], -1)
        return cat([drz, dn], -1), cat([drz, dn * r], -1), grad * z


def _gru_backward_arrays(ctx, grad, h_gates, h, n, dev):
    xp = ctx.xp
    rz, new = ctx.rz, ctx.new
    r, z = rz[..., :n], rz[..., n:]
    dx = xp.empty(rz.shape[:-1] + (3 * n,), dtype=rz.dtype)
    dn = dx[..., 2 * n:]
    xp.multiply(grad, 1 - z, out=dn)
    dn *= 1 - new * new
    dx[..., :n] = dn * h_gates[..., 2 * n:] * r * (1 - r)
    dx[..., n:2 * n] = grad * (h - new) * z * (1 - z)
    dh_gates = dx.copy()
    dh_gates[..., 2 * n:] *= r
    return (Tensor._make(dx, device=dev), Tensor._make(dh_gates, device=dev),
            Tensor._make(grad * z, device=dev))


# ------------------------------------------------------------------ the cell functions
def _project(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    return linear(x, w, b)


def _hidden(h: Tensor, w: Tensor, b: Tensor | None, x_part: Tensor | None = None) -> Tensor:
    """``x_part + h @ w.T + b`` with as few nodes as possible (one addmm when 2-D)."""
    if x_part is None:
        return linear(h, w, b)
    if h.dim() == 2:
        out = addmm(x_part, h, w.t())
    else:
        out = x_part + h @ w.t()
    return out if b is None else out + b


def _check_cell(input: Tensor, hiddens: tuple, w_ih: Tensor, w_hh: Tensor) -> None:  # noqa: A002
    """PyTorch's checks of a batched cell step: input size, then each state's batch and size."""
    if input._data.ndim < 2:
        return
    if input._data.shape[1] != w_ih._data.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input._data.shape[1]} "
                           f"expected {w_ih._data.shape[1]}")
    hidden_size = w_hh._data.shape[1]
    for label, h in enumerate(hiddens):
        if h._data.ndim < 2:
            continue
        if input._data.shape[0] != h._data.shape[0]:
            raise RuntimeError(f"Input batch size {input._data.shape[0]} doesn't match hidden"
                               f"{label} batch size {h._data.shape[0]}")
        if h._data.shape[1] != hidden_size:
            raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got "
                               f"{h._data.shape[1]}, expected {hidden_size}")


def lstm_cell(input: Tensor, hx: tuple, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
              b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> tuple:
    """One LSTM step (``torch.lstm_cell``): ``gates = x W_ih^T + b_ih + h W_hh^T + b_hh``,
    then :class:`FusedLstmCell`. Returns ``(h', c')``.

    Shape:
        input (B, I) or (I,); hx = (h, c), each (B, H) or (H,); w_ih (4H, I); w_hh (4H, H).
    """
    h, c = hx
    _check_cell(input, (h, c), w_ih, w_hh)
    gates = _hidden(h, w_hh, b_hh, _project(input, w_ih, b_ih))
    return FusedLstmCell.apply(gates, c)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (``torch.gru_cell``): both projections, then :class:`FusedGruCell`.

    Shape:
        input (B, I) or (I,); hx (B, H) or (H,); w_ih (3H, I); w_hh (3H, H).
    """
    _check_cell(input, (hx,), w_ih, w_hh)
    return FusedGruCell.apply(_project(input, w_ih, b_ih), _project(hx, w_hh, b_hh), hx)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman step (``torch.rnn_tanh_cell``): ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``
    (composite: an addmm and a tanh)."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _hidden(hx, w_hh, b_hh, _project(input, w_ih, b_ih)).tanh()


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman step with ReLU (``torch.rnn_relu_cell``): ``h' = relu(...)`` (composite)."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _hidden(hx, w_hh, b_hh, _project(input, w_ih, b_ih)).relu()
