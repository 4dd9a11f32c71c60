"""Elementwise behaviour the op-case table can't express, checked against PyTorch.

Each row is an expression evaluated with ``L`` = autograd_lab and ``L`` = torch (``T`` is
``L.tensor``; ``x``/``y`` are float tensors that require grad). The outcome compared is either
the exception (type and message) or the result's dtype, values, ``grad_fn`` class name and the
names in ``grad_fn.next_functions``. Further sections: in-place autograd semantics, ``out=``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab

pytestmark = pytest.mark.torch

NAN, INF = float("nan"), float("inf")


def _names(node):
    if node is None:
        return None
    return type(node).__name__, tuple(
        (type(f).__name__ if f is not None else None, i) for f, i in node.next_functions)


def _message(e: Exception) -> str:
    # The anomaly-mode hint differs on purpose (see tests/test_autograd.py).
    msg = str(e).replace("autograd_lab", "torch")
    return re.sub(r"set_detect_anomaly\(True.*?\)", "set_detect_anomaly(True)", msg)


def _outcome(lib, src: str):
    x = lib.tensor([0.5, -1.5, 2.0, 3.0], requires_grad=True)
    y = lib.tensor([1.0, 2.0, -0.5, 0.25], requires_grad=True)
    env = {"L": lib, "T": lib.tensor, "x": x, "y": y, "nan": NAN, "inf": INF, "np": np}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(src, env)  # noqa: S307 - test expressions written in this file
    except Exception as e:  # noqa: BLE001 - the exception is the outcome compared
        return ("raises", type(e).__name__, _message(e))
    if not hasattr(r, "shape"):
        return ("value", r)
    return ("tensor", str(r.dtype).split(".")[-1], tuple(r.shape),
            np.asarray(r.detach().numpy(), dtype=np.float64), _names(r.grad_fn))


def _check(src: str):
    torch = require_torch()
    want, got = _outcome(torch, src), _outcome(autograd_lab, src)
    assert got[0] == want[0], (src, got, want)
    if want[0] != "tensor":
        assert got == want, src
        return
    assert got[1:3] == want[1:3], (src, got, want)
    np.testing.assert_allclose(got[3], want[3], rtol=1e-6, atol=1e-30, equal_nan=True,
                               err_msg=src)
    assert got[4] == want[4], (src, got[4], want[4])


# grad_fn names and next_functions: which operands PyTorch records, in which order.
GRAPH = [
    "x + 2", "2 + x", "x + y", "x - 2", "2 - x", "x - y", "L.sub(2, x)", "x * 2", "2 * x",
    "x * y", "x / 2", "2 / x", "L.div(2, x)", "x / y", "x / y.detach()", "x // 2", "x // y",
    "2 // x", "L.floor_divide(x, y.detach())", "x % 2", "x % y", "2 % x", "L.fmod(x, 2)",
    "L.fmod(x, y)", "x ** 2", "x ** y", "2 ** x", "x ** 0.5", "x.pow(0)", "x ** -1",
    "x ** True", "L.pow(x, T(2.))", "-x", "abs(x)", "x.sign()", "x.exp()", "x.expm1()",
    "x.log()", "x.log1p()", "x.log2()", "x.log10()", "x.sqrt()", "x.rsqrt()", "x.sin()",
    "x.cos()", "x.tan()", "x.tanh()", "x.sigmoid()", "x.relu()", "L.relu(x)", "x.square()",
    "x.reciprocal()", "x.clamp(min=0)", "x.clamp(0, 1)", "x.clamp(max=1)", "x.clamp(min=y)",
    "L.clamp(x, max=y)", "x.clamp(y, y + 1)", "x.clamp(T(0.), 1)", "x.floor()", "x.ceil()",
    "x.round()", "x.round(decimals=2)", "x.trunc()", "L.fix(x)", "x.frac()",
    "L.maximum(x, y)", "L.minimum(x, y.detach())", "L.where(x > 0, x, y)",
    "L.where(x > 0, x, 0.)", "L.where(x > 0, 1., y)", "x.where(x > 0, y)",
    "x.lerp(y, 0.3)", "x.lerp(y, y)", "x.lerp(y, T(0.3))", "L.float_power(x, 2)",
    "L.float_power(x, y)", "x.float_power(2)", "L.rsub(x, y)", "L.rsub(x, 2)",
    "L.add(x, y, alpha=2)", "L.sub(x, 1, alpha=2)", "x.div(y, rounding_mode='floor')",
    "x.div(2, rounding_mode='trunc')", "L.where(x > 0, x.double(), y)", "x.double() + y",
    "x + T(2., dtype=L.float64)", "(x > 0) * x", "x * (x > 0)",
]


@pytest.mark.parametrize("src", GRAPH)
def test_graph_matches_torch(src):
    _check(src)


# Values, dtypes and errors at the edges.
EDGES = [
    # integer division by zero is an error; float division gives inf/nan
    "T([5, -5]) // 0", "T([5, -5]) // T([1, 0])", "T([5, -5]) % 0", "T([5, -5]).fmod(0)",
    "T([5, -5]).div(0, rounding_mode='floor')", "T([5, -5]).div(0, rounding_mode='trunc')",
    "T([5, -5]).div(2, rounding_mode='trunc')", "T([5, -5]).div(2.5, rounding_mode='trunc')",
    "T([5, -5, 0]) / 0", "T([5., -5., 0.]) // 0", "T([5., -5., 0.]) % 0",
    "T([5., -5.]) % -3", "-3 % T([3., 1., 0., 2.])", "T([5., -5.]) % inf", "7 % T([2, -3])",
    "T([5, -5]) // -3", "T([5., -5.]) // inf",
    # bool and integer kernels PyTorch lacks
    "T([True]).div(T([True]), rounding_mode='floor')", "T([True]) // T([True])",
    "T([True]) % T([True])", "T([True]) ** T([True])", "T([True]) ** True",
    "T([True, False]) ** False", "True ** T([True])", "T([True]) ** 2", "abs(T([True]))",
    "T([True, False]).sign()", "T([True]).relu()", "T([True]).floor()", "T([True]).ceil()",
    "T([True]).round()", "T([True]).trunc()", "T([True]).frac()", "T([3]).frac()",
    "T([12, 25]).round(decimals=-1)", "T([12, 25]).round()", "T([1, 2]).lerp(T([1, 2]), 1)",
    "T([1, 2]).lerp(T([1, 2]), T([1, 2]))",
    # integer powers
    "T([1, 2]) ** -1", "T([1, 2], dtype=L.uint8) ** -1", "T([0, 1, -1, 2, -2]) ** T([-1] * 5)",
    "2 ** T([1, -1])", "T([1, 2]).pow(-1.0)", "T([1, 4]) ** 0.5", "T([1., 4.]) ** T([2, 3])",
    "L.float_power(T([2]), -1)",
    # bool subtraction and negation
    "T([True]) - T([False])", "-T([True])", "T([True]) - 1", "1 - T([True])", "x - True",
    "True - x", "T([True]).sub(True)", "L.sub(T([True]), T([False]), alpha=2)",
    # alpha
    "L.add(T([1, 2]), T([1, 2]), alpha=0.5)", "L.add(T([1, 2]), T([1, 2]), alpha=True)",
    "L.add(T([True]), T([True]), alpha=2)", "L.add(T([1]), 2.5, alpha=2)",
    "L.rsub(T([1.]), T([2.]), alpha=3)", "L.rsub(T([1.]), 5, alpha=3)",
    # NaN and infinities
    "L.maximum(T([nan, 1., 2.]), T([0., nan, 1.]))", "L.minimum(T([nan, 1.]), T([0., nan]))",
    "T([nan, 1., 5.]).clamp(0, 2)", "T([0., 1., 5.]).clamp(nan, 2)", "T([nan, -1.]).relu()",
    "T([nan, -0.0, 1.]).sign()", "T([0., 1., 5.]).clamp(3, 2)",
    "L.isclose(T([inf, -inf, inf]), T([inf, -inf, -inf]))", "L.equal(T([nan]), T([nan]))",
    "L.allclose(T([nan]), T([nan]), equal_nan=True)",
    # sigmoid stability and float16
    "T([-1000., 1000., -80., 80., 0.]).sigmoid()", "T([-1000., 1000.], dtype=L.float64).sigmoid()",
    "T([-10., 10., 0.5], dtype=L.float16).sigmoid()", "T([-10., 10.], dtype=L.float16).tanh()",
    "T([1., 12.], dtype=L.float16).exp()", "T([60000.], dtype=L.float16) + 10000",
    "T([1.5], dtype=L.float16) * T(2.5)", "T([2.], dtype=L.float16) ** 20",
    "T([1., 2.], dtype=L.float16) / 3", "T([0., 1., 5.], dtype=L.float16).clamp(0.5, 2.5)",
    # clamp typing
    "T([0, 1, 5]).clamp(0.5, 2)", "T([0, 1, 5]).clamp(1, 2)", "T([True, False]).clamp(0, 1)",
    "T([1.]).clamp()", "T([0., 1., 5.]).clamp(T(0.5), 2)", "T([0., 1., 5.]).clamp(T([0.5] * 3), 2)",
    "T([0., 1., 5.]).clamp(T([1, 1, 1]))", "T([0, 1, 5]).clamp(T([1.5, 1.5, 1.5]))",
    "T([0., nan, 5.]).clamp(T([1., 1., nan]))",
    # unary maths on integers
    "T([True, False]).exp()", "T([1], dtype=L.int8).exp()", "T([0, 1, 2]).log()",
    "T([0, 2]).reciprocal()", "T([3]).square()", "T([True]).square()", "-T([1, 2], dtype=L.uint8)",
    "T([-1], dtype=L.uint8).abs()", "T([1, 2]).sigmoid()", "T([-1, 2]).relu()",
    # where
    "L.where(T([True, False]), T([1, 2]), T([1.5, 2.5]))", "L.where(T([True, False]), 1, 2.5)",
    "L.where(T([True, False]), True, False)", "L.where(T([1, 0]), T([1., 2.]), T([1.5, 2.5]))",
    "L.where(T([1, 0], dtype=L.uint8), T([1., 2.]), T([1.5, 2.5]))",
    "L.where(T([True, False]), T([1., 2.]), T(2.5, dtype=L.float64))",
    "L.where(T([True, False]), T([1., 2., 3.]), T([1.5, 2.5]))",
    # lerp dtype rules
    "L.lerp(T([1., 2.]), T([3., 4.], dtype=L.float64), 0.5)",
    "L.lerp(T([1., 2.]), T([3., 4.]), T([0.5, 0.5], dtype=L.float64))",
    "T([1., 2.]).lerp(T([1., 2.]), T([1, 2]))",
    "L.lerp(T([1., 2.]), T([[3., 4.]]), T([[.5], [1.]]))",
    # operands that are not tensors
    "T([1., 2.]) == None", "T([1., 2.]) != None", "T([1., 2.]) == 'a'",
    "T([1., 2.]) + np.float64(2.5)",
    "T([1, 2]) + np.int64(2)", "L.maximum(T([1.]), 2)", "L.logical_and(T([1.]), 2)",
    "L.equal(T([1.]), 1)", "L.isclose(T([1.]), 1.)",
    # comparisons, closeness
    "L.equal(T([1., 2.]), T([1, 2]))", "L.equal(T([1., 2.]), T([[1., 2.]]))",
    "L.allclose(T([1., 2.]), T([1., 2.], dtype=L.float64))", "L.isclose(T([1, 2]), T([1., 2.]))",
    "L.allclose(T([1., 1.]), T([1., 2., 3.]))", "L.isclose(T([1, 5]), T([2, 4]), atol=1, rtol=0)",
    "L.isclose(T([1.]), T([1.]), rtol=-1)", "T([1., 2.]) == T([1, 3])",
    "T([1, 2], dtype=L.uint8) < -3",
    "L.isnan(T([1, 2]))", "L.isinf(T([1, 2]))", "L.isposinf(T([1]))",
    "L.logical_not(T([0., 2., nan]))",
    # bitwise
    "~T([True, False])", "~T([1, 2])", "~T([1, 2], dtype=L.uint8)", "L.bitwise_not(T([1.]))",
    "T([1, 2]) ^ T([True, True])", "T([1, 3]) & 1", "T([True, False]) & True", "T([True]) | 2",
    "T([1., 2.]) & 1", "T([1, 2]) & 2.5", "1 & T([1, 3])",
    # scalars that overflow the tensor's integer type wrap around, as in PyTorch
    "T([3, 1, 0], dtype=L.uint8) + -3", "T([3, 1, 0], dtype=L.uint8) * -3",
    "-3 - T([3, 1, 0], dtype=L.uint8)", "T([3, 1, 0], dtype=L.uint8) / -3",
    "T([3, 1], dtype=L.int8) + 300",
]


@pytest.mark.parametrize("src", EDGES)
def test_edge_matches_torch(src):
    _check(src)


# In-place ops: identity, version counter, graph and gradients. ``y = x * 1`` is a non-leaf.
INPLACE = [
    "add_(1)", "add_(w)", "sub_(w)", "sub_(1, alpha=2)", "add_(w, alpha=2)", "mul_(w)", "mul_(2)",
    "div_(w)", "div_(2)", "pow_(2)", "pow_(w)", "neg_()", "abs_()", "exp_()", "log_()", "sqrt_()",
    "tanh_()", "sigmoid_()", "relu_()", "clamp_(0, 1)", "clamp_(min=0.5)", "clamp_(w)",
    "clamp_(min=w)", "reciprocal_()", "zero_()", "fill_(2)", "fill_(s)", "fill_(3.5)",
    "copy_(w)", "copy_(s)", "lerp_(w, 0.3)", "lerp_(w, w)", "floor_divide_(2)", "remainder_(2)",
    "fmod_(2)", "sin_()", "cos_()", "tan_()", "floor_()", "ceil_()", "round_()", "trunc_()",
    "sign_()", "square_()", "frac_()", "rsqrt_()", "log1p_()", "expm1_()", "log2_()",
    "log10_()",
]


def _inplace_outcome(lib, op: str):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    s = lib.tensor(1.5, requires_grad=True)
    y = x * 1
    v = y._version
    try:
        r = eval("y." + op, {"y": y, "w": w, "s": s})  # noqa: S307
        out = [r is y, y._version - v, _names(y.grad_fn)]
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    except RuntimeError as e:
        return ("raises", _message(e))
    grads = [None if t.grad is None else t.grad.numpy().tolist() for t in (x, w, s)]
    return out + [np.round(np.asarray(y.detach().numpy(), dtype=float), 5).tolist(), grads]


@pytest.mark.parametrize("op", INPLACE)
def test_inplace_matches_torch(op):
    torch = require_torch()
    want, got = _inplace_outcome(torch, op), _inplace_outcome(autograd_lab, op)
    if op == "floor_divide_(2)":  # PyTorch names the in-place kernel: aten::floor_divide_
        want = ("raises", want[1].replace("floor_divide_", "floor_divide"))
    assert _same(got, want), (got, want)


INPLACE_ERRORS = [
    # a leaf that requires grad may not change in place (no_grad allows it)
    "x = L.tensor([1., 2.], requires_grad=True); x.add_(1)",
    "x = L.tensor([1., 2.], requires_grad=True)\nwith L.no_grad(): x.mul_(2)\nr = x._version",
    # saved values changed in place
    "x = L.tensor([1., 2.], requires_grad=True); y = x.exp(); y.add_(1); y.sum().backward()",
    "x = L.tensor([1., 2.], requires_grad=True); y = x * 1; z = y.sigmoid(); y.add_(1); "
    "(z * y).sum().backward(); r = x.grad",
    # dtype and shape rules
    "x = L.tensor([1, 2]); x.add_(1.5)", "x = L.tensor([1., 2.]); x.add_(L.ones(2, 2))",
    "x = L.tensor([1, 2]); x.div_(2)", "r = L.tensor([1., 2.]).mul_(L.tensor([1, 2]))",
    "r = L.tensor([1., 2.], dtype=L.float16).mul_(L.tensor([1., 2.], dtype=L.float64))",
    "r = L.tensor([True, False]).add_(1)", "x = L.tensor([1, 2]); x.exp_()",
    "r = L.tensor([1, 2]).div_(2, rounding_mode='floor')", "r = L.tensor([1, 2]).pow_(-1)",
    "r = L.tensor([1, 2]).fill_(2.7)", "r = L.tensor([True, False]).fill_(2)",
    "r = L.tensor([1., 2.]).fill_(L.tensor([1.]))",
    "r = L.tensor([1, 2]).copy_(L.tensor([1.7, -2.7]))",
    "r = L.tensor([[1., 2.], [3., 4.]]).copy_(L.tensor([5., 6.]))",
    "r = L.tensor([1., 2.]).copy_(L.tensor([5., 6., 7.]))", "r = L.tensor([1., 2.]).copy_(3.0)",
    "r = L.tensor([1., 2.]).float_power_(2)",
    "r = L.tensor([1., 2.], dtype=L.float64).float_power_(2)",
    # augmented assignment keeps identity and records the in-place nodes
    "x = L.tensor([1., 2.], requires_grad=True); y = x + 0; i = id(y); y += 1; y *= 2; y -= x; "
    "y /= 3; y **= 2; r = (id(y) == i, y._version, type(y.grad_fn).__name__)",
    # in-place on a view of a non-leaf goes through CopySlices to the base
    "x = L.tensor([1., 2., 3., 4.], requires_grad=True); y = x * 1; v = y[1:3]; v.mul_(3); "
    "y.sum().backward(); r = (x.grad, type(y.grad_fn).__name__, y._version)",
    "x = L.tensor([1., 2., 3., 4.], requires_grad=True); y = x * 1; v = y[1:3]; v.exp_(); "
    "y.pow(2).sum().backward(); r = x.grad",
    "x = L.zeros(4); w = L.tensor([1., 2.], requires_grad=True); x[1:3].copy_(w); "
    "(x * L.arange(4.)).sum().backward(); r = (w.grad, type(x.grad_fn).__name__)",
    "x = L.tensor([1., 2., 3., 4.], requires_grad=True); y = x.view(2, 2); y.add_(1)",
    "x = L.zeros(3); w = L.tensor([1., 2., 3.], requires_grad=True); x.mul_(w); "
    "r = (x.requires_grad, x.is_leaf, type(x.grad_fn).__name__)",
]


def _same(a, b) -> bool:
    """Equal, with floats compared to 1e-5 relative (NaN equal to NaN)."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return bool(np.isclose(a, b, rtol=1e-5, atol=1e-12, equal_nan=True))
    return a == b


def _run_block(lib, src: str):
    env = {"L": lib}
    try:
        exec(src, env)  # noqa: S102 - test snippets written in this file
    except Exception as e:  # noqa: BLE001
        return ("raises", type(e).__name__, _message(e))
    r = env.get("r")
    if hasattr(r, "numpy"):
        return (str(r.dtype).split(".")[-1], r.detach().numpy().tolist())
    if isinstance(r, tuple):
        return tuple(x.numpy().tolist() if hasattr(x, "numpy") else x for x in r)
    return r


@pytest.mark.parametrize("src", INPLACE_ERRORS)
def test_inplace_rules_match_torch(src):
    torch = require_torch()
    want, got = _run_block(torch, src), _run_block(autograd_lab, src)
    assert _same(got, want), (got, want)


OUT = [
    "r = L.add(L.tensor([1., 2.]), 1, out=L.empty(2))",
    "r = L.add(L.tensor([1., 2.]), 1, out=L.empty(0))",
    "r = L.add(L.tensor([1., 2.]), 1, out=L.empty(2, dtype=L.int64))",
    "r = L.add(L.tensor([1., 2.]), 1, out=L.empty(2, dtype=L.float64))",
    "r = L.add(L.tensor([1, 2]), 1, out=L.empty(2))",
    "r = L.add(L.tensor([1, 2]), 1, out=L.empty(2, dtype=L.bool))",
    "r = L.eq(L.tensor([1., 2.]), 1, out=L.empty(2))",
    "r = L.add(L.tensor([1., 2.], requires_grad=True), 1, out=L.empty(2))",
    "r = L.add(L.tensor([1., 2.]), 1, out=L.empty(2, requires_grad=True))",
    "r = L.exp(L.tensor([1., 2.]), out=L.empty(2, requires_grad=True))",
    "r = L.exp(L.tensor([1, 2]), out=L.empty(2, dtype=L.int64))",
    "r = L.mul(L.tensor([1., 2.]), L.tensor([1., 2.]), out=[1])",
    "r = L.div(L.tensor([1, 2]), 2, out=L.empty(2))",
    "r = L.pow(L.tensor([1., 2.]), 2, out=L.empty(2))",
    "r = L.pow(2, L.tensor([1., 2.]), out=L.empty(2))",
    "r = L.clamp(L.tensor([1., 2.]), 0, 1, out=L.empty(2))",
    "r = L.where(L.tensor([True, False]), L.tensor([1., 2.]), 0., out=L.empty(2))",
    "r = L.where(L.tensor([True, False]), L.tensor([1., 2.]), L.zeros(2), out=L.empty(2))",
    "r = L.maximum(L.tensor([1., 2.]), L.tensor([2., 1.]), out=L.empty(2))",
    "r = L.lerp(L.tensor([1., 2.]), L.tensor([2., 1.]), 0.5, out=L.empty(2))",
    "r = L.sub(L.tensor([1., 2.]), L.tensor([3., 1.]), out=L.empty(2))",
    "o = L.empty(2); v = o._version; w = L.add(L.tensor([1., 2.]), 1, out=o); "
    "r = (w is o, o._version - v)",
]


@pytest.mark.parametrize("src", OUT)
def test_out_matches_torch(src):
    torch = require_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = _run_block(torch, src), _run_block(autograd_lab, src)
    assert _same(got, want), (got, want)


def test_out_resize_warns_like_torch():
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        autograd_lab.add(autograd_lab.tensor([1.0, 2.0]), 1, out=autograd_lab.empty(2, 2))


def test_same_dtype_float_add_takes_the_fast_path():
    """Tensor + Tensor of one dtype must not cast or pass a dtype to the ufunc."""
    from autograd_lab.ops._util import promote_operands

    a = autograd_lab.ones(3)
    b = autograd_lab.ones(3)
    assert promote_operands(a, b) == (a, b, None)
    assert promote_operands(a, 2.0)[2] is None
    assert promote_operands(a, 2)[2] is None
