"""Autograd behaviour against PyTorch: errors, graph shape, hooks, modes, Function, grad.

Most tests are tables of small programs written once against a ``lib`` argument and run with
autograd_lab and with torch; the results (values, grads, error type and message, grad_fn
chains) must agree, with ``torch.`` spelled ``autograd_lab.``.
"""

from __future__ import annotations

import gc
import re
import weakref

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab
from autograd_lab.autograd import Function

al = autograd_lab


def _norm(msg: str) -> str:
    """Error text with the module name and anomaly-mode hint made comparable."""
    msg = msg.replace("torch.", "autograd_lab.")
    return re.sub(r"set_detect_anomaly\(True.*?\)", "set_detect_anomaly(True)", msg)


def _run(lib, prog):
    try:
        return ("ok", prog(lib))
    except Exception as e:  # noqa: BLE001 - we compare whatever was raised
        return (type(e).__name__, _norm(str(e)))


# ----------------------------------------------------------------------------- errors
def _backward_non_scalar(lib):
    x = lib.ones(3, requires_grad=True)
    (x * 2).backward()


def _backward_twice(lib):
    x = lib.ones(3, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    y.backward()


def _modified_output(lib):
    x = lib.ones(3, requires_grad=True)
    z = x.exp()
    z.add_(1)
    z.sum().backward()


def _modified_input(lib):
    x = lib.ones(3, requires_grad=True)
    w = x * 1
    s = w.pow(2)
    w.mul_(2)
    s.sum().backward()


def _modified_leaf(lib):
    leaf = lib.ones(3, requires_grad=True)
    s = leaf.sin()
    with lib.no_grad():
        leaf.mul_(2)
    s.sum().backward()


def _inplace_leaf(lib):
    lib.ones(3, requires_grad=True).add_(1)


def _inplace_view_of_leaf(lib):
    lib.ones(2, requires_grad=True).view(1, 2).add_(1)


def _int_requires_grad(lib):
    lib.ones(2, dtype=lib.long).requires_grad_()


def _int_factory_requires_grad(lib):
    lib.tensor([1, 2], requires_grad=True)


def _mm_shapes(lib):
    lib.ones(2, 3) @ lib.ones(4, 5)


def _no_grad_fn(lib):
    lib.ones(2, 2).sum().backward()


def _set_requires_grad_non_leaf(lib):
    x = lib.ones(2, requires_grad=True)
    (x * 2).requires_grad = False


def _broadcast_mismatch(lib):
    lib.ones(3) + lib.ones(4)


def _grad_of_unused(lib):
    x = lib.ones(2, requires_grad=True)
    y = lib.ones(2, requires_grad=True)
    lib.autograd.grad((x * 2).sum(), [x, y])


def _grad_wrong_shape(lib):
    x = lib.ones(2, requires_grad=True)
    (x * 2).backward(lib.ones(3))


def _numpy_requires_grad(lib):
    lib.ones(2, requires_grad=True).numpy()


def _retain_grad_no_grad(lib):
    lib.ones(2).retain_grad()


def _hook_no_grad(lib):
    lib.ones(2).register_hook(lambda g: g)


def _out_requires_grad(lib):
    x = lib.ones(3, requires_grad=True)
    lib.add(x, x, out=lib.empty(3))


ERROR_CASES = [
    _backward_non_scalar, _backward_twice, _modified_output, _modified_input, _modified_leaf,
    _inplace_leaf, _inplace_view_of_leaf, _int_requires_grad, _int_factory_requires_grad,
    _mm_shapes, _no_grad_fn, _set_requires_grad_non_leaf, _broadcast_mismatch,
    _grad_of_unused, _grad_wrong_shape, _numpy_requires_grad, _retain_grad_no_grad,
    _hook_no_grad, _out_requires_grad,
]


@pytest.mark.torch
@pytest.mark.parametrize("prog", ERROR_CASES, ids=[f.__name__ for f in ERROR_CASES])
def test_errors_match_torch(prog):
    torch = require_torch()
    ours, theirs = _run(al, prog), _run(torch, prog)
    assert theirs[0] != "ok", "the torch program should raise"
    assert ours == theirs


@pytest.mark.parametrize("prog", ERROR_CASES, ids=[f.__name__ for f in ERROR_CASES])
def test_errors_raise_without_torch(prog):
    kind, _ = _run(al, prog)
    assert kind != "ok"


# ----------------------------------------------------------------------------- graph shape
def _chain(t, depth=8):
    """grad_fn names along next_functions, breadth-first, as a nested tuple."""
    def walk(node, d):
        if node is None:
            return None
        name = type(node).__name__
        if d == 0:
            return name
        return (name, tuple(walk(n, d - 1) for n, _ in node.next_functions))

    return walk(t.grad_fn, depth)


def _tutorial_graph(lib):
    # The tutorials' example: y = x + 2; z = y * y * 3; out = z.mean()
    x = lib.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    return z.mean()


def _mlp_graph(lib):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    w = lib.tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    b = lib.zeros(2, requires_grad=True)
    h = (x @ w + b).relu()
    return ((h - 1) ** 2).mean()


def _mixed_graph(lib):
    a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a.exp() / (1 + a.sigmoid()) - a.tanh() * 2
    return b.sum() + a.abs().max() - (2 - a).log1p().sum()


def _views_graph(lib):
    a = lib.arange(6.0).requires_grad_()
    m = a.view(2, 3).t().unsqueeze(0)
    return m.sum(dim=1).mean()


GRAPH_CASES = [_tutorial_graph, _mlp_graph, _mixed_graph, _views_graph]


@pytest.mark.torch
@pytest.mark.parametrize("prog", GRAPH_CASES, ids=[f.__name__ for f in GRAPH_CASES])
def test_next_functions_chain_matches_torch(prog):
    torch = require_torch()
    ours, theirs = prog(al), prog(torch)
    assert _chain(ours) == _chain(theirs)
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)


def test_accumulate_grad_variable_is_the_leaf():
    x = al.ones(2, 2, requires_grad=True)
    out = ((x + 2) * 3).mean()
    node = out.grad_fn
    while node.next_functions and node.next_functions[0][0] is not None:
        node = node.next_functions[0][0]
    assert type(node).__name__ == "AccumulateGrad"
    assert node.variable is x
    # The same leaf's AccumulateGrad node is shared across the graph.
    y = x * x
    a, b = (n for n, _ in y.grad_fn.next_functions)
    assert a is b


def test_tutorial_gradient_values():
    x = al.ones(2, 2, requires_grad=True)
    out = ((x + 2) * (x + 2) * 3).mean()
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    assert repr(out) == "tensor(27., grad_fn=<MeanBackward0>)"


# ----------------------------------------------------------------------------- backward API
def _grads(lib, prog):
    out = prog(lib)
    return [None if g is None else np.asarray(g.detach().numpy()) for g in out]


def _accumulation(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    return [x.grad]


def _gradient_arg(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(lib.tensor([0.1, 1.0, 10.0]))
    return [x.grad]


def _retain_graph(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return [x.grad]


def _inputs_arg(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    return [x.grad, w.grad]


def _retain_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    return [x.grad, y.grad]


def _hooks(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    y.sum().backward()
    return [x.grad, y.grad, seen[0]]


def _accumulate_grad_node_hooks(lib):
    """Hooks on a leaf's AccumulateGrad node: tensor hook, then pre-hook (which may replace
    the gradient), then accumulation, then the node hook with ``((), (grad,))``."""
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    node = y.grad_fn.next_functions[0][0].next_functions[0][0]
    events, post = [], []

    def pre(grads):
        events.append(2)
        return (grads[0] * 10,)

    def after(grad_inputs, grad_outputs):
        events.append(3)
        post.append((len(grad_inputs), grad_outputs[0].clone()))

    x.register_hook(lambda g: events.append(1))
    node.register_prehook(pre)
    node.register_hook(after)
    y.backward()
    return [x.grad, lib.tensor(events), lib.tensor([post[0][0]]), post[0][1]]


def _hook_removed(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x.register_hook(lambda g: g * 100)
    h.remove()
    (x * 2).sum().backward()
    return [x.grad]


def _detach(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.detach() * x
    y.sum().backward()
    return [x.grad]


def _no_grad_block(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        c = x * 5
    (x * c).sum().backward()
    return [x.grad]


def _autograd_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = lib.tensor([3.0, 4.0], requires_grad=True)
    gx, gy = lib.autograd.grad((x * y * y).sum(), [x, y])
    return [gx, gy, x.grad]


def _hvp(lib):
    # Hessian-vector product: d/dx (grad f(x) . v), f = sum(x^3) + sum(x * x.sin()).
    x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
    v = lib.tensor([1.0, -1.0, 0.5])
    f = (x**3).sum() + (x * x.sin()).sum()
    (g,) = lib.autograd.grad(f, x, create_graph=True)
    (hv,) = lib.autograd.grad((g * v).sum(), x)
    return [g, hv]


def _double_backward_into_grad(lib):
    x = lib.tensor([1.5, -0.5], requires_grad=True)
    y = (x.tanh() * x.exp()).sum()
    (g,) = lib.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    return [x.grad]


def _matmul_double_backward(lib):
    rng = np.random.default_rng(3)
    a = lib.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = lib.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    (ga,) = lib.autograd.grad((a @ b).pow(2).sum(), a, create_graph=True)
    ga.sum().backward()
    return [a.grad, b.grad]


def _mean_double_backward(lib):
    x = lib.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    (g,) = lib.autograd.grad(((x - x.mean()) ** 2).mean(), x, create_graph=True)
    (g * g).sum().backward()
    return [x.grad]


def _broadcast_grad(lib):
    a = lib.ones(3, 1, requires_grad=True)
    b = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    ((a * b) + a).sum().backward()
    return [a.grad, b.grad]


def _mixed_dtype_grad(lib):
    a = lib.ones(3, requires_grad=True)
    b = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    (a * b).sum().backward()
    return [a.grad, b.grad]


def _inplace_on_nonleaf(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.mul_(y.detach() + 1)
    y.exp_()
    y.sum().backward()
    return [x.grad]


def _inplace_on_view(lib):
    x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1
    y[1:3].mul_(10)
    (y * y).sum().backward()
    return [x.grad]


def _setitem_grad(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = lib.tensor(5.0, requires_grad=True)
    y = x * 2
    y[0] = v * 3
    (y * y).sum().backward()
    return [x.grad, v.grad]


def _root_is_ancestor_of_root(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = y.exp()
    lib.autograd.backward([y, z], [lib.ones(2), lib.tensor([0.5, 2.0])])
    return [x.grad]


def _partial_use_of_split(lib):
    x = lib.arange(6.0).requires_grad_()
    a, b, c = x.split(2)
    (b * 3).sum().backward()
    return [x.grad]


def _double_backward_through_copyslices(lib):
    x = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True)
    y = x * 1
    y[1:3].mul_(x[1:3])
    (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), x)
    return [g, h]


GRAD_CASES = [_double_backward_through_copyslices, _root_is_ancestor_of_root,
              _partial_use_of_split, _accumulation, _gradient_arg, _retain_graph, _inputs_arg,
              _retain_grad, _hooks, _accumulate_grad_node_hooks,
              _hook_removed, _detach, _no_grad_block, _autograd_grad, _hvp,
              _double_backward_into_grad, _matmul_double_backward, _mean_double_backward,
              _broadcast_grad, _mixed_dtype_grad, _inplace_on_nonleaf, _inplace_on_view,
              _setitem_grad]


@pytest.mark.torch
@pytest.mark.parametrize("prog", GRAD_CASES, ids=[f.__name__ for f in GRAD_CASES])
def test_gradients_match_torch(prog):
    torch = require_torch()
    ours, theirs = _grads(al, prog), _grads(torch, prog)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        assert (o is None) == (t is None)
        if t is not None:
            assert o.dtype == t.dtype
            np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6)


def test_hvp_exact_values():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = al.autograd.grad((x**3).sum(), x, create_graph=True)
    (h,) = al.autograd.grad((g * al.tensor([1.0, 0.0, 0.0])).sum(), x)
    assert g.tolist() == [3.0, 12.0, 27.0]
    assert h.tolist() == [6.0, 0.0, 0.0]


# ----------------------------------------------------------------------------- grad modes
@pytest.mark.parametrize("ctx", ["no_grad", "inference_mode", "set_grad_enabled"])
def test_grad_mode_context_managers(ctx):
    x = al.ones(2, requires_grad=True)
    manager = al.set_grad_enabled(False) if ctx == "set_grad_enabled" else getattr(al, ctx)()
    with manager:
        assert not (x * 2).requires_grad
        with al.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_grad_mode_decorators():
    x = al.ones(2, requires_grad=True)

    @al.no_grad()
    def f():
        return x * 2

    @al.no_grad
    def g():
        return x * 2

    @al.inference_mode()
    def h():
        return x * 2

    def gen():
        yield (x * 2).requires_grad

    assert not f().requires_grad and not g().requires_grad and not h().requires_grad
    assert next(al.no_grad()(gen)()) is False
    assert al.is_grad_enabled()


def test_set_grad_enabled_as_function():
    al.set_grad_enabled(False)
    try:
        assert not al.is_grad_enabled()
    finally:
        al.set_grad_enabled(True)
    assert al.is_grad_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError), al.no_grad():
        raise ValueError
    assert al.is_grad_enabled()


# ----------------------------------------------------------------------------- Function
class _Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class _MulConst(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        ctx.mark_non_differentiable()
        return x * k, (x > 0)

    @staticmethod
    def backward(ctx, grad, _unused):
        assert ctx.needs_input_grad == (True, False)
        return grad * ctx.k, None


class _AddInPlace(Function):
    @staticmethod
    def forward(ctx, x, y):
        x.add_(y)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


def test_custom_function_values_names_and_grads():
    x = al.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = _Exp.apply(x)
    assert type(y.grad_fn).__name__ == "_ExpBackward"
    assert y.grad_fn.next_functions[0][0].variable is x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0, 2.0]), rtol=1e-6)


def test_custom_function_multiple_outputs_and_constants():
    x = al.tensor([-1.0, 2.0], requires_grad=True)
    y, mask = _MulConst.apply(x, 3.0)
    assert mask.dtype is al.bool and not mask.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_custom_function_mark_dirty():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    b = al.tensor([3.0, 4.0], requires_grad=True)
    out = _AddInPlace.apply(a, b)
    assert out is a and a._version == 1
    (out * out).sum().backward()
    assert x.grad.tolist() == [8.0, 12.0] and b.grad.tolist() == [8.0, 12.0]


def test_custom_function_gradcheck():
    x = al.tensor([0.3, -0.7, 1.1], dtype=al.float64, requires_grad=True)
    assert al.autograd.gradcheck(_Exp.apply, (x,))


def test_gradcheck_catches_a_wrong_backward():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2x

    x = al.tensor([1.0, 2.0], dtype=al.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        al.autograd.gradcheck(Wrong.apply, (x,))
    assert al.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_custom_function_wrong_number_of_grads():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = al.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


# ----------------------------------------------------------------------------- engine
def test_long_chain_backward_is_iterative():
    x = al.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_saved_arrays_are_freed_after_backward():
    x = al.ones(1000, requires_grad=True)
    y = x.exp()  # ExpBackward0 saves its output
    big = x * x  # MulBackward0 saves both inputs
    loss = (y + big).sum()
    node = big.grad_fn
    loss.backward()
    assert node._saved is not None and not isinstance(node._saved, list)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_retain_graph_keeps_saved_arrays():
    x = al.ones(3, requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]


def test_graph_is_collected_when_output_dies():
    x = al.ones(3, requires_grad=True)
    y = (x * 2).exp()
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


def test_no_graph_built_when_nothing_requires_grad():
    a, b = al.ones(3), al.ones(3)
    c = a * b + 1
    assert c.grad_fn is None and not c.requires_grad and c.is_leaf


def test_detach_shares_storage_and_version():
    x = al.ones(3, requires_grad=True)
    d = x.detach()
    d[0] = 5.0
    assert x[0].item() == 5.0 and x._version == d._version == 1
    assert not d.requires_grad


def test_detach_inplace():
    x = al.ones(2, requires_grad=True)
    y = x * 2
    y.detach_()
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None


def test_leaf_grads_never_alias_each_other_or_the_callers_gradient():
    # AddBackward0 hands the same gradient to both inputs; each .grad must own its memory.
    a = al.ones(3, requires_grad=True)
    b = al.ones(3, requires_grad=True)
    g = al.tensor([1.0, 2.0, 3.0])
    (a + b).backward(g)
    a.grad.mul_(10)
    assert b.grad.tolist() == [1.0, 2.0, 3.0] and g.tolist() == [1.0, 2.0, 3.0]
    # Accumulation in place must not leak into the other leaf either.
    (a + b).sum().backward()
    assert a.grad.tolist() == [11.0, 21.0, 31.0] and b.grad.tolist() == [2.0, 3.0, 4.0]


def test_hook_result_is_not_adopted():
    kept = al.tensor([5.0, 5.0])
    x = al.ones(2, requires_grad=True)
    x.register_hook(lambda g: kept)
    (x * 2).sum().backward()
    x.grad.zero_()
    assert kept.tolist() == [5.0, 5.0]


def test_zero_dim_results_are_tensors_that_accept_inplace_ops():
    s = al.tensor([1.0, 2.0]).sum()
    s.add_(1)
    assert s.item() == 4.0 and s._version == 1


# ----------------------------------------------------------------------------- inputs returned
def _identity_program(lib, change):
    """A custom Function returning its inputs as-is (as nn's backward hooks do)."""

    class Pass(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.mark_non_differentiable(*[t for t in (a, b) if not t.requires_grad])
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 3, gb

    x = lib.tensor([1.0, -2.0], requires_grad=True)
    h = x * 1
    c = lib.tensor([5.0, 6.0])
    ya, yc = Pass.apply(h, c)
    out = [ya.grad_fn.name(), ya is h, yc.requires_grad, ya._version == h._version]
    if change == "output":
        ya.relu_()
    elif change == "constant output":
        yc.add_(1)
        out.append((c.tolist(), c._version, yc._version))
    (ya * ya).sum().backward()
    out.append(x.grad.tolist())
    return out


@pytest.mark.parametrize("change", ["nothing", "output", "constant output"])
def test_function_returning_inputs_gives_views_like_torch(change):
    # Not covered: PyTorch also refuses to *use* such a view after its base (or the view, under
    # no_grad) changed in place; autograd_lab lets it through (docs/design.md).
    torch = require_torch()
    got = _run(al, lambda lib: _identity_program(lib, change))
    want = _run(torch, lambda lib: _identity_program(lib, change))
    assert got == want
