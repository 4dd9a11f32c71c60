"""One recurrent layer over a whole sequence, in one direction, as a single graph node.

``nn.RNN``/``nn.LSTM``/``nn.GRU`` first project the whole input sequence with one matrix
multiply per layer and direction (``x_gates = x W_ih^T + b``, shape (T, B, G*H)); what is left
is the recurrence, which must run step by step. Written with Tensor ops it is a handful of graph
nodes per time step, and on the small matrices of a recurrent net the per-node Python overhead
would cost more than the arithmetic. So :class:`Recurrence` runs the loop on raw arrays and
records one node; its backward is back-propagation through time on raw arrays, ending with one
matrix multiply for ``d W_hh`` over all steps at once.

Under ``create_graph=True`` (double backward) the backward instead replays the recurrence with
the differentiable cell functions of :mod:`autograd_lab.ops.rnn_cell` and differentiates that
replay with ``autograd.grad``, so the gradient is itself differentiable.

The step maths (gates in PyTorch's order) and their derivatives are in
:mod:`autograd_lab.ops.rnn_cell`.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Op
from .rnn_cell import FusedGruCell, FusedLstmCell, _sigmoid


class Recurrence(Op):
    """Run ``mode`` ('LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU') over ``x_gates`` (T, B, G*H).

    Inputs ``(x_gates, w_hh, b_hh, h0, c0)``: ``b_hh`` only for GRU (the others fold it into
    ``x_gates``), ``c0`` only for LSTM; the unused ones are ``None``. With ``reverse=True`` the
    steps run from the last time step to the first (the backward direction of a bidirectional
    layer); ``output[t]`` is always the hidden state at input position ``t``.
    Outputs ``(output (T, B, H), h_n (B, H))``, plus ``c_n`` for LSTM.
    """

    node_name = "RecurrenceBackward0"
    num_outputs = 2  # actual count (2 or 3) set per call

    @staticmethod
    def forward(ctx, x_gates, w_hh, b_hh, h0, c0, mode="LSTM", reverse=False):
        xp = ctx.xp
        steps = range(x_gates.shape[0] - 1, -1, -1) if reverse else range(x_gates.shape[0])
        ctx.mode, ctx.steps, ctx._num_outputs = mode, steps, 3 if mode == "LSTM" else 2
        n = h0.shape[-1]
        w_t = w_hh.T
        out = xp.empty(x_gates.shape[:-1] + (n,), dtype=x_gates.dtype)
        ctx.save_for_backward(x_gates, w_hh, b_hh, h0, c0, out)
        h = h0
        if mode == "LSTM":
            return _lstm_forward(ctx, xp, x_gates, w_t, h0, c0, out, n)
        if mode == "GRU":
            ctx.rz, ctx.new, ctx.h_n = [], [], []
            for t in steps:
                hg = h @ w_t
                hg += b_hh
                rz = _sigmoid(xp, x_gates[t, :, :2 * n] + hg[:, :2 * n])
                new = xp.tanh(x_gates[t, :, 2 * n:] + rz[:, :n] * hg[:, 2 * n:])
                ctx.rz.append(rz)
                ctx.new.append(new)
                ctx.h_n.append(hg[:, 2 * n:])
                h_new = out[t]
                xp.subtract(h, new, out=h_new)
                h_new *= rz[:, n:]
                h_new += new
                h = h_new
            return out, h.copy()
        for t in steps:  # Elman RNN
            pre = h @ w_t
            pre += x_gates[t]
            h = out[t]
            if mode == "RNN_TANH":
                xp.tanh(pre, out=h)
            else:
                xp.maximum(pre, 0, out=h)
        return out, h.copy()

    @staticmethod
    def backward(ctx, grad_out, grad_h, grad_c=None):
        saved = ctx.saved_tensors
        if grad_mode._enabled:
            return _replay_backward(ctx, saved[:5], (grad_out, grad_h, grad_c))
        x_gates, w_hh, b_hh, h0, c0, out = saved
        if ctx.mode == "LSTM":
            return _lstm_backward(ctx, x_gates, w_hh, h0, c0, out, grad_out, grad_h, grad_c)
        xp, mode, steps = ctx.xp, ctx.mode, ctx.steps
        w, out = w_hh._data, out._data
        n = h0.shape[-1]
        d_gates = xp.empty(x_gates.shape, dtype=out.dtype)
        d_hidden = xp.empty_like(d_gates) if mode == "GRU" else d_gates  # GRU: W_hh side
        dh = xp.zeros(h0.shape, dtype=out.dtype) if grad_h is None else grad_h._data.copy()
        g_out = None if grad_out is None else grad_out._data
        h_prev = xp.empty(out.shape, dtype=out.dtype)  # the state each step started from
        for k, t in enumerate(steps):
            h_prev[t] = h0._data if k == 0 else out[steps[k - 1]]
        for k in range(len(steps) - 1, -1, -1):
            t = steps[k]
            if g_out is not None:
                dh += g_out[t]
            dg = d_gates[t]
            if mode == "GRU":
                rz, new, h_n = ctx.rz[k], ctx.new[k], ctx.h_n[k]
                r, z = rz[:, :n], rz[:, n:]
                dn = dh * (1 - z) * (1 - new * new)
                dg[:, :n] = dn * h_n * r * (1 - r)
                dg[:, n:2 * n] = dh * (h_prev[t] - new) * z * (1 - z)
                dg[:, 2 * n:] = dn
                dgh = d_hidden[t]
                dgh[:, :2 * n] = dg[:, :2 * n]
                xp.multiply(dn, r, out=dgh[:, 2 * n:])
                dh_next = dgh @ w
                dh_next += dh * z
                dh = dh_next
            else:
                h = out[t]
                xp.multiply(dh, 1 - h * h if mode == "RNN_TANH" else h > 0, out=dg)
                dh = dg @ w
        needs = ctx.needs_input_grad
        grads = [d_gates if needs[0] else None, None, None, dh if needs[3] else None, None]
        flat = d_hidden.reshape(-1, d_hidden.shape[-1])
        if needs[1]:  # d W_hh = sum over steps of d_gates[t]^T h_prev[t]: one multiply
            grads[1] = flat.T @ h_prev.reshape(-1, n)
        if needs[2]:
            grads[2] = flat.sum(0)
        dev = h0._device
        return tuple(None if g is None else Tensor._make(g, device=dev) for g in grads)


def _lstm_forward(ctx, xp, x_gates, w_t, h0, c0, out, n):
    """The LSTM loop, in place in preallocated arrays; keeps the gate activations ``act``
    (T, B, 4H), the cell states ``c`` and ``tanh(c)`` (T, B, H) for the backward."""
    act = ctx.act = xp.empty(x_gates.shape, dtype=x_gates.dtype)
    c_all = ctx.c = xp.empty_like(out)
    tanh_c = ctx.tanh_c = xp.empty_like(out)
    g = xp.empty_like(h0)
    h, c = h0, c0
    with np.errstate(over="ignore"):  # e^-a overflowing to inf gives sigmoid's right 0
        for t in ctx.steps:
            a = act[t]
            xp.matmul(h, w_t, out=a)
            a += x_gates[t]
            xp.tanh(a[:, 2 * n:3 * n], out=g)
            xp.negative(a, out=a)  # sigmoid in place: 1 / (1 + e^-a)
            xp.exp(a, out=a)
            a += 1
            xp.reciprocal(a, out=a)
            a[:, 2 * n:3 * n] = g
            c_new = c_all[t]
            xp.multiply(a[:, n:2 * n], c, out=c_new)
            g *= a[:, :n]
            c_new += g
            xp.tanh(c_new, out=tanh_c[t])
            h = out[t]
            xp.multiply(a[:, 3 * n:], tanh_c[t], out=h)
            c = c_new
    return out, h.copy(), c.copy()


def _lstm_backward(ctx, x_gates, w_hh, h0, c0, out, grad_out, grad_h, grad_c):
    """Back-propagation through time for the LSTM. The local derivatives of every step (the
    coefficients of dc and dh in d gates) do not depend on the incoming gradient, so they are
    computed for all steps at once; the sequential loop is left with seven array operations."""
    xp, steps = ctx.xp, ctx.steps
    act, c_all, tanh_c = ctx.act, ctx.c, ctx.tanh_c
    out, w = out._data, w_hh._data
    T, B, n = out.shape
    prev = list(steps[:-1])  # c and h before each step, in time-index order
    c_prev = xp.empty_like(c_all)
    h_prev = xp.empty_like(out)
    c_prev[steps[0]], h_prev[steps[0]] = c0._data, h0._data
    for k in range(1, len(steps)):
        c_prev[steps[k]], h_prev[steps[k]] = c_all[prev[k - 1]], out[prev[k - 1]]
    gates = act.reshape(T, B, 4, n)
    i, f, g, o = gates[:, :, 0], gates[:, :, 1], gates[:, :, 2], gates[:, :, 3]
    coef = xp.empty_like(gates)  # d gates = (dc, dc, dc, dh) * coef
    coef[:, :, 0] = g * i * (1 - i)
    coef[:, :, 1] = c_prev * f * (1 - f)
    coef[:, :, 2] = i * (1 - g * g)
    coef[:, :, 3] = tanh_c * o * (1 - o)
    dc_from_h = o * (1 - tanh_c * tanh_c)  # dc' gets dh' o (1 - tanh(c')^2)
    d_gates = xp.empty_like(gates)
    dh = xp.zeros_like(h_prev[0]) if grad_h is None else grad_h._data.copy()
    dc = xp.zeros_like(dh) if grad_c is None else grad_c._data.copy()
    g_out = None if grad_out is None else grad_out._data
    tmp = xp.empty_like(dh)
    for k in range(len(steps) - 1, -1, -1):
        t = steps[k]
        if g_out is not None:
            dh += g_out[t]
        xp.multiply(dh, dc_from_h[t], out=tmp)
        dc += tmp
        xp.multiply(dc[:, None, :], coef[t, :, :3], out=d_gates[t, :, :3])
        xp.multiply(dh, coef[t, :, 3], out=d_gates[t, :, 3])
        dc *= f[t]
        dh = d_gates[t].reshape(B, 4 * n) @ w
    needs = ctx.needs_input_grad
    flat = d_gates.reshape(T * B, 4 * n)
    grads = [d_gates.reshape(T, B, 4 * n) if needs[0] else None,
             flat.T @ h_prev.reshape(T * B, n) if needs[1] else None, None,
             dh if needs[3] else None, dc if needs[4] else None]
    dev = h0._device
    return tuple(None if a is None else Tensor._make(a, device=dev) for a in grads)


def _replay_backward(ctx, saved, grads):
    """Double-backward path: rebuild the recurrence from Tensor ops, differentiate it."""
    from ..autograd import grad as autograd_grad
    from .join import stack
    from .linalg import addmm

    x_gates, w_hh, b_hh, h0, c0 = saved
    h, c = h0, c0
    w_t = w_hh.t()
    outs = {}
    for t in ctx.steps:
        if ctx.mode == "LSTM":
            h, c = FusedLstmCell.apply(addmm(x_gates[t], h, w_t), c)
        elif ctx.mode == "GRU":
            h = FusedGruCell.apply(x_gates[t], addmm(b_hh, h, w_t), h)
        else:
            pre = addmm(x_gates[t], h, w_t)
            h = pre.tanh() if ctx.mode == "RNN_TANH" else pre.relu()
        outs[t] = h
    results = [stack([outs[t] for t in range(len(ctx.steps))]), h, c][:ctx._num_outputs]
    pairs = [(r, g) for r, g in zip(results, grads, strict=False) if g is not None]
    wrt = [(i, s) for i, s in enumerate(saved)
           if ctx.needs_input_grad[i] and s is not None and s.requires_grad]
    found = autograd_grad([r for r, _ in pairs], [s for _, s in wrt], [g for _, g in pairs],
                          create_graph=True, allow_unused=True)
    out = [None] * 5
    for (i, _), g in zip(wrt, found, strict=True):
        out[i] = g
    return tuple(out)
