"""RNN, LSTM, GRU and their cells against PyTorch: same weights, same outputs and gradients."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
from autograd_lab import nn
from autograd_lab.autograd import gradcheck, gradgradcheck
from autograd_lab.ops.linalg import linear
from autograd_lab.ops.rnn import Recurrence
from autograd_lab.ops.rnn_cell import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell

T, B, I, H = 5, 3, 4, 6


def copy_weights(src, dst) -> None:
    """Copy the parameters of ``src`` into ``dst`` (torch -> ours or ours -> torch) by name."""
    values = {k: v.detach().numpy() for k, v in src.named_parameters()}
    params = dict(dst.named_parameters())
    assert sorted(values) == sorted(params)
    lib = al if isinstance(next(iter(params.values())), al.Tensor) else require_torch()
    with lib.no_grad():
        for name, p in params.items():
            p.copy_(lib.tensor(values[name]))


def close(ours, theirs, tol=1e-5) -> None:
    a = ours.detach().numpy() if isinstance(ours, al.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def run_both(ours_mod, torch_mod, x, state, lstm):
    """Forward both modules, backprop a loss using every output, return both results."""
    torch = require_torch()
    results = []
    for lib, mod in ((al, ours_mod), (torch, torch_mod)):
        xt = lib.tensor(x, requires_grad=True)
        st = None
        if state is not None:
            st = tuple(lib.tensor(s, requires_grad=True) for s in state)
        out, hid = mod(xt, (st if lstm else st[0]) if st is not None else None)
        hid = hid if lstm else (hid,)
        loss = (out * out).sum() + sum((h * (k + 1.5)).sum() for k, h in enumerate(hid))
        loss.backward()
        results.append((out, hid, xt, st, mod))
    return results


CONFIGS = list(itertools.product(["RNN_TANH", "RNN_RELU", "LSTM", "GRU"], [1, 2], [False, True],
                                 [False, True], [False, True]))


def make(lib, mode, **kw):
    if mode.startswith("RNN"):
        return lib.nn.RNN(I, H, nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kw)
    return getattr(lib.nn, mode)(I, H, **kw)


@pytest.mark.torch
@pytest.mark.parametrize("mode,layers,bidir,batch_first,with_state", CONFIGS)
def test_recurrent_matches_torch(mode, layers, bidir, batch_first, with_state):
    torch = require_torch()
    torch.manual_seed(0)
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    theirs, ours = make(torch, mode, **kw), make(al, mode, **kw)
    copy_weights(theirs, ours)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(np.float32)
    state = None
    if with_state:
        n = 2 if mode == "LSTM" else 1
        state = [rng.standard_normal((layers * (2 if bidir else 1), B, H)).astype(np.float32)
                 for _ in range(n)]
    (o1, h1, x1, s1, m1), (o2, h2, x2, s2, m2) = run_both(ours, theirs, x, state,
                                                           mode == "LSTM")
    close(o1, o2)
    for a, b in zip(h1, h2, strict=True):
        close(a, b)
    close(x1.grad, x2.grad, 1e-4)
    if with_state:
        for a, b in zip(s1, s2, strict=True):
            close(a.grad, b.grad, 1e-4)
    grads = {k: p.grad for k, p in m2.named_parameters()}
    for k, p in m1.named_parameters():
        close(p.grad, grads[k], 1e-4)


@pytest.mark.torch
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input(cls, with_state, batch_first):
    torch = require_torch()
    kw = dict(num_layers=2, bidirectional=True, batch_first=batch_first)
    theirs, ours = getattr(torch.nn, cls)(I, H, **kw), getattr(nn, cls)(I, H, **kw)
    copy_weights(theirs, ours)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((T, I)).astype(np.float32)
    state = None
    if with_state:
        state = [rng.standard_normal((4, H)).astype(np.float32)
                 for _ in range(2 if cls == "LSTM" else 1)]
    (o1, h1, x1, _, _), (o2, h2, x2, _, _) = run_both(ours, theirs, x, state, cls == "LSTM")
    close(o1, o2)
    for a, b in zip(h1, h2, strict=True):
        close(a, b)
    close(x1.grad, x2.grad, 1e-4)


@pytest.mark.torch
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_no_bias_and_float64(cls):
    torch = require_torch()
    theirs = getattr(torch.nn, cls)(I, H, bias=False, num_layers=2).double()
    ours = getattr(nn, cls)(I, H, bias=False, num_layers=2).double()
    copy_weights(ours, theirs)  # this time ours -> torch
    x = np.random.default_rng(3).standard_normal((T, B, I))
    (o1, _, x1, _, m1), (o2, _, x2, _, m2) = run_both(ours, theirs, x, None, cls == "LSTM")
    assert o1.dtype == al.float64
    close(o1, o2, 1e-10)
    close(x1.grad, x2.grad, 1e-10)
    grads = dict(m2.named_parameters())
    for k, p in m1.named_parameters():
        close(p.grad, grads[k].grad, 1e-10)


@pytest.mark.torch
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_state_dict_keys_shapes_repr_and_init(cls):
    torch = require_torch()
    for kw in ({}, {"num_layers": 2, "bidirectional": True, "batch_first": True, "dropout": 0.5,
                    "bias": False}):
        theirs = getattr(torch.nn, cls)(I, H, **kw)
        ours = getattr(nn, cls)(I, H, **kw)
        sd1, sd2 = ours.state_dict(), theirs.state_dict()
        assert list(sd1) == list(sd2)
        assert [tuple(v.shape) for v in sd1.values()] == [tuple(v.shape) for v in sd2.values()]
        assert repr(ours) == repr(theirs)
        bound = 1 / np.sqrt(H)
        assert all(v.dtype == al.float32 for v in sd1.values())
        values = np.concatenate([v.numpy().ravel() for v in sd1.values()])
        assert np.abs(values).max() <= bound
        assert abs(values.std() - bound / np.sqrt(3)) < bound / 8  # uniform(-b, b)
    assert repr(nn.RNN(I, H, 1, "relu")) == repr(torch.nn.RNN(I, H, 1, "relu"))


@pytest.mark.torch
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers(cls):
    torch = require_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn, cls)(I, H, num_layers=3, dropout=0.5)
    ours = getattr(nn, cls)(I, H, num_layers=3, dropout=0.5)
    copy_weights(theirs, ours)
    x = np.random.default_rng(4).standard_normal((T, B, I)).astype(np.float32)
    ours.eval()
    theirs.eval()
    (o1, *_), (o2, *_) = run_both(ours, theirs, x, None, cls == "LSTM")
    close(o1, o2)  # eval mode: no dropout, equal to torch
    ours.train()
    al.manual_seed(0)
    out_a = ours(al.tensor(x))[0]
    al.manual_seed(1)
    out_b = ours(al.tensor(x))[0]
    assert not np.allclose(out_a.detach().numpy(), out_b.detach().numpy())
    out_a.sum().backward()
    assert all(p.grad is not None for p in ours.parameters())


def test_constructor_errors_and_warning():
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(I, H, dropout=1.5)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(I, H, dropout=0.2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(I, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(I, H, proj_size=2)
    with pytest.raises(TypeError, match="bias should be of type bool, got: int"):
        nn.RNN(I, H, bias=1)


@pytest.mark.torch
def test_forward_error_messages_match_torch():
    torch = require_torch()
    cases = [
        ("LSTM", (T, B, I + 1), None),
        ("GRU", (T, B, I), [(2, B, H)]),
        ("RNN", (T, B, I), [(B, H)]),
        ("LSTM", (T, B, I), [(1, B, H), (1, B)]),
        ("LSTM", (B, I), [(1, H), (1, 1, H)]),
        ("GRU", (B, I), [(1, 1, H)]),
        ("RNN", (2, T, B, I), None),
        ("LSTM", (2, T, B, I), None),
    ]
    for cls, shape, states in cases:
        msgs = []
        for lib in (torch, al):
            mod = getattr(lib.nn, cls)(I, H)
            x = lib.zeros(shape)
            hx = None if states is None else [lib.zeros(s) for s in states]
            if hx is not None:
                hx = tuple(hx) if cls == "LSTM" else hx[0]
            try:
                mod(x, hx)
            except (RuntimeError, ValueError) as e:
                msgs.append((type(e), str(e).replace("torch.", "autograd_lab.")))
        assert len(msgs) == 2 and msgs[0] == msgs[1], msgs


# ------------------------------------------------------------------------ cells
CELL_CASES = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
              ("GRUCell", {}), ("GRUCell", {"bias": False}), ("LSTMCell", {"bias": False})]


@pytest.mark.torch
@pytest.mark.parametrize("cls,kw", CELL_CASES)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cells_match_torch(cls, kw, batched, with_state):
    torch = require_torch()
    theirs, ours = getattr(torch.nn, cls)(I, H, **kw), getattr(nn, cls)(I, H, **kw)
    copy_weights(theirs, ours)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(5)
    lead = (B,) if batched else ()
    x = rng.standard_normal(lead + (I,)).astype(np.float32)
    n_states = 2 if cls == "LSTMCell" else 1
    states = [rng.standard_normal(lead + (H,)).astype(np.float32) for _ in range(n_states)]
    res = []
    for lib, mod in ((al, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(s, requires_grad=True) for s in states] if with_state else None
        arg = None if st is None else (tuple(st) if n_states == 2 else st[0])
        out = mod(xt, arg)
        out = out if isinstance(out, tuple) else (out,)
        sum(((o * o).sum() * (k + 1)) for k, o in enumerate(out)).backward()
        res.append((out, xt, st, dict(mod.named_parameters())))
    (o1, x1, s1, p1), (o2, x2, s2, p2) = res
    for a, b in zip(o1, o2, strict=True):
        close(a, b)
    close(x1.grad, x2.grad)
    if with_state:
        for a, b in zip(s1, s2, strict=True):
            close(a.grad, b.grad)
    for k in p1:
        close(p1[k].grad, p2[k].grad)


@pytest.mark.torch
@pytest.mark.parametrize("name,gates", [("lstm_cell", 4), ("gru_cell", 3),
                                        ("rnn_tanh_cell", 1), ("rnn_relu_cell", 1)])
def test_cell_functions_match_torch_functions(name, gates):
    torch = require_torch()
    fn = {"lstm_cell": lstm_cell, "gru_cell": gru_cell, "rnn_tanh_cell": rnn_tanh_cell,
          "rnn_relu_cell": rnn_relu_cell}[name]
    rng = np.random.default_rng(6)
    shapes = [(B, I), (B, H), (B, H), (gates * H, I), (gates * H, H), (gates * H,),
              (gates * H,)]
    arrays = [rng.standard_normal(s) for s in shapes]
    res = []
    for lib, f in ((al, fn), (torch, getattr(torch, name))):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        x, h, c, *w = ts
        out = f(x, (h, c) if name == "lstm_cell" else h, *w)
        out = out if isinstance(out, tuple) else (out,)
        sum((o * o).sum() * (k + 2) for k, o in enumerate(out)).backward()
        res.append([o.detach().numpy() for o in out]
                   + [t.grad.numpy() for t in ts if t.grad is not None])
    for a, b in zip(*res, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------ gradchecks (float64)
@pytest.mark.parametrize("name,gates", [("lstm_cell", 4), ("gru_cell", 3)])
def test_fused_cells_gradcheck_and_gradgradcheck(name, gates):
    fn = lstm_cell if name == "lstm_cell" else gru_cell
    rng = np.random.default_rng(7)
    shapes = [(2, 3), (2, 4), (2, 4), (gates * 4, 3), (gates * 4, 4), (gates * 4,)]
    ts = [al.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]

    def f(x, h, c, w_ih, w_hh, b):
        return fn(x, (h, c) if name == "lstm_cell" else h, w_ih, w_hh, b, b * 0.5)

    assert gradcheck(f, ts)
    assert gradgradcheck(f, ts)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_recurrence_gradcheck_and_gradgradcheck(mode, reverse):
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    rng = np.random.default_rng(8)
    shapes = [(3, 2, 3), (gates * 4, 3), (gates * 4, 4), (gates * 4,), (2, 4), (2, 4)]
    ts = [al.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]

    def f(x, w_ih, w_hh, b, h0, c0):
        x_gates = linear(x, w_ih, b)
        b_hh = b * 0.5 if mode == "GRU" else None
        return Recurrence.apply(x_gates, w_hh, b_hh, h0, c0 if mode == "LSTM" else None,
                                mode=mode, reverse=reverse)

    if mode != "LSTM":
        ts[5].requires_grad_(False)
    assert gradcheck(f, ts)
    assert gradgradcheck(f, ts)


def test_float32_stays_float32_and_node_names():
    lstm = nn.LSTM(I, H)
    out, (h, c) = lstm(al.randn(T, B, I))
    assert out.dtype == h.dtype == c.dtype == al.float32
    assert out.grad_fn.name() == "RecurrenceBackward0"
    h, c = nn.LSTMCell(I, H)(al.randn(B, I))
    assert h.grad_fn.name() == "ThnnFusedLstmCellBackward0"
    assert nn.GRUCell(I, H)(al.randn(B, I)).grad_fn.name() == "ThnnFusedGruCellBackward0"
