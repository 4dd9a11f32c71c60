"""Checks for lesson 02_autograd.

Every check builds fresh inputs (seeded by the exercise id), runs the learner's code on them and
compares with a reference computed here in closed form with NumPy (the derivatives written out
by hand), so a check never trusts the autograd it is checking. Typical autograd errors raised by
the learner's code become hints that say how to read them; ``NotImplementedError`` (the stub)
passes through, and the framework reports "not attempted". Hints come in English and Chinese.
"""

from __future__ import annotations

import zlib

import numpy as np

import autograd_lab as torch
from course.checks import Hint, exercise

# ---- helpers ---------------------------------------------------------------------------------


def _rng(ex_id: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(ex_id.encode()))


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def _close(a, b, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _t(a: np.ndarray, requires_grad: bool = False):
    return torch.tensor(a, requires_grad=requires_grad)


#: Fragments of the engine's (and PyTorch's) autograd error messages -> what they usually mean.
_AUTOGRAD_ERRORS = {
    "does not require grad and does not have a grad_fn": (
        "autograd found no graph to differentiate (\"element 0 of tensors does not require "
        "grad\"): the tensor you differentiate with respect to must have requires_grad=True "
        "*before* the computation, and nothing on the way may be detached",
        "autograd 找不到可以求导的计算图（\"element 0 of tensors does not require grad\"）："
        "求导所针对的张量必须在计算*之前*就设置 requires_grad=True，中途也不能被 detach"),
    "One of the differentiated Tensors does not require grad": (
        "torch.autograd.grad(outputs, inputs): every input must require grad",
        "torch.autograd.grad(outputs, inputs)：每个 inputs 都必须 requires_grad=True"),
    "grad can be implicitly created only for scalar outputs": (
        "backward() without an argument only works on a scalar (one-element) tensor; for a "
        "non-scalar output pass the vector to multiply the Jacobian with",
        "不带参数的 backward() 只能用于标量（单元素）张量；非标量输出需要传入与雅可比矩阵相乘的"
        "向量"),
    "backward through the graph a second time": (
        "you ran backward twice through the same graph, whose saved tensors are freed after the "
        "first backward: compute the forward again for each backward (or keep the graph with "
        "retain_graph=True / create_graph=True where you really need it twice)",
        "你对同一张计算图做了两次反向传播，而第一次之后图中保存的张量已被释放：每次反向传播前"
        "重新做一遍前向计算（确实需要两次时，用 retain_graph=True / create_graph=True 保留图）"),
    "modified by an inplace operation": (
        "an in-place operation (a method ending in _, or +=, *=, ...) changed a tensor that "
        "autograd had saved for backward (the message says which, and its version counter): "
        "use the out-of-place version of that operation",
        "某个原地操作（以 _ 结尾的方法，或 +=、*= 等）修改了 autograd 为反向传播保存的张量"
        "（报错信息会指出是哪个张量及其版本号）：改用该操作的非原地版本"),
    "leaf Variable that requires grad is being used in an in-place operation": (
        "an in-place change of a leaf that requires grad: autograd refuses to record it. Make "
        "such updates while recording is switched off, in a torch.no_grad() block",
        "对 requires_grad 的叶子张量做了原地修改：autograd 拒绝记录这种操作。这类更新要在关闭"
        "记录时进行，即放在 torch.no_grad() 代码块中"),
    "returned an incorrect number of gradients": (
        "backward must return one gradient per argument of forward, in the same order: None for "
        "the arguments that are not tensors needing a gradient",
        "backward 必须按 forward 参数的顺序，为每个参数各返回一个梯度：不需要梯度的参数（如普通"
        "数字）返回 None"),
}


def _call(fn, *args, overrides: dict | None = None, **kwargs):
    """Call the learner's code, turning well-known autograd errors into hints."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except RuntimeError as e:
        msg = str(e)
        for fragment, (en, zh) in {**_AUTOGRAD_ERRORS, **(overrides or {})}.items():
            if fragment in msg:
                raise Hint(en, zh=zh) from e
        if "must match the size of tensor" in msg:
            raise Hint(f"two shapes did not broadcast: {msg}", zh=f"两个形状无法广播：{msg}") from e
        raise


def _need_tensor(result, what: str, what_zh: str) -> None:
    if result is None:
        raise Hint(
            f"your function returned None instead of {what}. (A .grad that is None means "
            "backward never reached that tensor: was it a leaf with requires_grad=True, and did "
            "you call backward?)",
            zh=f"你的函数返回了 None，而不是{what_zh}。（.grad 为 None 说明反向传播没有到达该张量："
            "它是 requires_grad=True 的叶子张量吗？你调用 backward 了吗？）")
    if not isinstance(result, torch.Tensor):
        name = type(result).__name__
        raise Hint(f"your function returned {name}, not a tensor ({what})",
                   zh=f"你的函数返回的是 {name}，不是张量（{what_zh}）")


def _need_shape(result, shape: tuple, what: str) -> None:
    if tuple(result.shape) != tuple(shape):
        raise Hint(f"{what} has the shape of x, {tuple(shape)}; yours is {tuple(result.shape)}",
                   zh=f"{what} 的形状应与 x 相同，为 {tuple(shape)}；你的是 {tuple(result.shape)}")


def _scale(got: np.ndarray, ref: np.ndarray) -> float | None:
    """c when got == c * ref (c != 0), else None."""
    denom = float((ref * ref).sum())
    if denom == 0.0:
        return None
    c = float((got * ref).sum()) / denom
    return c if c != 0.0 and _close(got, c * ref, rtol=1e-4, atol=1e-6) else None


# ---- 02.1 a gradient with backward -------------------------------------------------------------


@exercise("02.1")
def _(grad_of_f):
    rng = _rng("02.1")
    inputs = [np.array([2.0], dtype=np.float32)]  # the tutorial's x: the answer is 7
    inputs += [rng.uniform(-3, 3, shape).astype(np.float32) for shape in [(5,), (2, 3)]]
    for x_np in inputs:
        x = _t(x_np)
        result = _call(grad_of_f, x)
        if not np.array_equal(_np(x), x_np):
            raise Hint("your function changed the values of x: only differentiate",
                       zh="你的函数改变了 x 的数值：只需求导")
        _need_tensor(result, "the gradient df/dx", "梯度 df/dx")
        _need_shape(result, x_np.shape, "the gradient")
        got, ref = _np(result), 2 * x_np + 3
        if _close(got, ref, rtol=1e-5, atol=1e-5):
            continue
        f_values = x_np**2 + 3 * x_np + 1
        if _close(got, f_values, rtol=1e-5, atol=1e-5) or _close(
                got, np.full_like(x_np, f_values.sum()), rtol=1e-5, atol=1e-5):
            raise Hint("you returned f's values, not its gradient (x.grad after backward)",
                       zh="你返回的是 f 的函数值，而不是它的梯度（backward 之后的 x.grad）")
        c = _scale(got, ref)
        if c is not None and x_np.size > 1 and abs(c * x_np.size - 1) < 1e-4:
            raise Hint(
                f"your gradient is 1/{x_np.size} of the right one: f adds its terms up (sum), it "
                "does not average them (mean)",
                zh=f"你的梯度是正确值的 1/{x_np.size}：f 是把各项加起来（sum），不是求平均（mean）")
        if c is not None and abs(c - 2) < 1e-4:
            raise Hint(
                "twice the right gradient: backward ran twice and .grad accumulated both results "
                "(or a gradient was left over from before)",
                zh="梯度是正确值的两倍：backward 执行了两次，.grad 把两次结果累加了（或者残留了"
                "之前的梯度）")
        raise Hint(
            "wrong gradient: for f(x) = sum(x**2 + 3*x + 1) at x = 2 it should be 7; check how "
            "you wrote f",
            zh="梯度不对：f(x) = sum(x**2 + 3*x + 1) 在 x = 2 处的梯度应为 7；检查 f 的写法")
    return "df/dx = 7 at x = 2, and right on random inputs"


# ---- 02.2 a vector-Jacobian product -----------------------------------------------------------


@exercise("02.2")
def _(vjp):
    rng = _rng("02.2")
    n, m = 4, 6
    A = rng.standard_normal((m, n))

    def linear(t):
        return _t(A) @ t

    def mixing(t):
        return t.exp() * t.sum()

    for f, x_np, v_np in [(linear, rng.standard_normal(n), rng.standard_normal(m)),
                          (mixing, rng.uniform(-1, 1, n), rng.standard_normal(n))]:
        if f is linear:
            J = A
        else:  # d/dx_j of e^{x_i} * sum(x)
            e = np.exp(x_np)
            J = np.diag(e * x_np.sum()) + e[:, None] * np.ones(n)[None, :]
        ref, ones_ref = v_np @ J, np.ones(J.shape[0]) @ J
        x, v = _t(x_np), _t(v_np)
        result = _call(vjp, f, x, v)
        _need_tensor(result, "the vector-Jacobian product", "向量-雅可比积")
        _need_shape(result, x_np.shape, "v^T J")
        got = _np(result)
        if not _close(got, ref):
            if _close(got, ones_ref):
                raise Hint(
                    "you back-propagated a vector of ones (what y.sum().backward() does), not v: "
                    "pass v to backward",
                    zh="你反向传播的是全 1 向量（相当于 y.sum().backward()），而不是 v：把 v 传给 "
                    "backward")
            if J.shape[0] == J.shape[1] and _close(got, J @ v_np):
                raise Hint(
                    "that is J v (a Jacobian-vector product); backward computes v^T J: it "
                    "multiplies v from the *left*",
                    zh="这是 J v（雅可比-向量积）；backward 计算的是 v^T J：v 从*左边*乘")
            if _close(got, v_np):
                raise Hint("you returned v itself; return x's gradient after backward",
                           zh="你返回的是 v 本身；应返回 backward 之后 x 的梯度")
            raise Hint(
                "wrong values: the vector-Jacobian product is the gradient of (y * v).sum() with "
                "respect to x, where y = f(x)",
                zh="数值不对：向量-雅可比积就是 (y * v).sum() 对 x 的梯度，其中 y = f(x)")
        again = _call(vjp, f, x, v)  # the same x a second time
        if isinstance(again, torch.Tensor) and _close(_np(again), 2 * ref):
            raise Hint(
                "calling your function twice on the same x gave twice the answer: x.grad kept "
                "the first call's gradient and the second backward added to it. Differentiate "
                "with respect to a fresh leaf (or zero the grad)",
                zh="对同一个 x 调用两次你的函数，得到了两倍的结果：x.grad 保留了第一次的梯度，"
                "第二次 backward 又加了上去。请对一个新的叶子张量求导（或先把梯度清零）")
        if isinstance(again, torch.Tensor) and not _close(_np(again), ref):
            raise Hint("a second call on the same x gave a different answer",
                       zh="对同一个 x 第二次调用得到了不同的结果")
    return "v^T J for a linear map and for a non-linear one"


# ---- 02.3 accumulating gradients over mini-batches ---------------------------------------------


@exercise("02.3")
def _(accumulated_gradient):
    rng = _rng("02.3")
    for d, sizes in [(3, [4, 2, 5]), (5, [3, 3]), (2, [1, 6, 2, 3])]:
        w_np = rng.standard_normal(d)
        batches_np = [(rng.standard_normal((b, d)), rng.standard_normal(b)) for b in sizes]
        w = _t(w_np, requires_grad=True)
        stale = rng.uniform(1, 2, d) * rng.choice([-1.0, 1.0], d)
        (w * _t(stale)).sum().backward()  # w.grad now holds a gradient from "earlier"
        batches = [(_t(x), _t(y)) for x, y in batches_np]
        per_batch = [2 * x.T @ (x @ w_np - y) for x, y in batches_np]
        ref = np.sum(per_batch, axis=0)
        result = _call(accumulated_gradient, w, batches)
        _need_tensor(result, "the accumulated gradient", "累加后的梯度")
        _need_shape(result, (d,), "the gradient")
        got = _np(result)

        def same(value, got=got):
            return _close(got, value, rtol=1e-6, atol=1e-8)

        if same(ref):
            if not _close(_np(w), w_np, rtol=0, atol=0):
                raise Hint(
                    "right gradient, but your function changed w: only compute the gradient, "
                    "don't update the weights here",
                    zh="梯度对了，但你的函数修改了 w：这里只计算梯度，不要更新权重")
            continue
        if same(ref + stale):
            raise Hint(
                "your result includes the gradient w.grad already held when your function "
                "started: zero w.grad once, before the loop (gradients accumulate across "
                "backward calls until you clear them)",
                zh="你的结果包含了函数开始时 w.grad 里已有的梯度：在循环之前把 w.grad 清零一次"
                "（在你清零之前，每次 backward 的梯度都会累加）")
        if same(per_batch[-1]) or same(per_batch[-1] + stale):
            raise Hint(
                "only the last mini-batch's gradient survived: you cleared .grad inside the "
                "loop, or replaced the running total (=) instead of adding to it (+=)",
                zh="只剩下最后一个小批量（mini-batch）的梯度：你在循环里清零了 .grad，或者用 = "
                "覆盖了累计值，而不是用 += 累加")
        if same(per_batch[0]) or same(per_batch[0] + stale):
            raise Hint("only the first mini-batch's gradient: did you return inside the loop?",
                       zh="只有第一个小批量的梯度：你是不是在循环里面就 return 了？")
        if same(stale) or not got.any():
            raise Hint("the gradient did not change: call backward() on each batch's loss",
                       zh="梯度没有变化：要对每个批次的损失调用 backward()")
        means = np.sum([g / len(y) for g, (_, y) in zip(per_batch, batches_np)], axis=0)
        c = _scale(got, ref)
        if same(means) or same(means + stale) or c is not None:
            raise Hint(
                "the scale is off: each batch's loss is the *sum* of its squared errors (not "
                "their mean), and the total is the sum over the batches",
                zh="梯度的比例不对：每个批次的损失是平方误差之*和*（不是平均），总损失是各批次之和")
        raise Hint(
            "wrong gradient: each batch's loss is ((x @ w - y) ** 2).sum(); call backward once "
            "per batch and let w.grad add the batches up",
            zh="梯度不对：每个批次的损失是 ((x @ w - y) ** 2).sum()；每个批次调用一次 backward，"
            "让 w.grad 把各批次累加起来")
    return "w.grad summed over all mini-batches, stale gradient cleared"


# ---- 02.4 a manual SGD step -------------------------------------------------------------------


@exercise("02.4")
def _(sgd_step):
    rng = _rng("02.4")
    for lr in (0.1, 0.01):
        shapes = [(3, 2), (2,), (4,)]
        values = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        params = [_t(v, requires_grad=True) for v in values]
        loss = sum(((p - 1) ** 2 * (k + 1)).sum() for k, p in enumerate(params))
        loss.backward()
        grads = [_np(p.grad) for p in params]
        _call(sgd_step, params, lr)
        for p, old, g in zip(params, values, grads):
            new = _np(p)
            if _close(new, old, rtol=0, atol=0):
                raise Hint(
                    "the parameters did not change. `p = p - lr * p.grad` only makes the name p "
                    "point to a new tensor inside your loop: update the tensor itself in place",
                    zh="参数没有变化。`p = p - lr * p.grad` 只是让循环里的名字 p 指向一个新张量："
                    "要原地更新张量本身")
            if _close(new, old + lr * g):
                raise Hint("wrong sign: gradient descent steps *against* the gradient",
                           zh="符号错了：梯度下降是沿梯度的*反*方向走")
            if _close(new, old - g):
                raise Hint("the step ignores the learning rate: scale the gradient by lr",
                           zh="这一步没有用到学习率：梯度要乘以 lr")
            if not _close(new, old - lr * g):
                raise Hint("wrong new values: each parameter should become p - lr * p.grad",
                           zh="新数值不对：每个参数应变为 p - lr * p.grad")
            if not (p.is_leaf and p.requires_grad):
                raise Hint(
                    "after the step a parameter must still be a leaf that requires grad (don't "
                    "detach it or switch requires_grad off)",
                    zh="更新之后参数仍必须是 requires_grad=True 的叶子张量（不要 detach 它，也不要"
                    "关掉 requires_grad）")
            if p.grad is not None and np.abs(_np(p.grad)).max() > 0:
                raise Hint(
                    "p.grad still holds this step's gradient: zero it (or set it to None) after "
                    "the update, or the next backward adds to it",
                    zh="p.grad 里还留着这一步的梯度：更新后把它清零（或设为 None），否则下一次 "
                    "backward 会累加上去")
    return "p -= lr * p.grad in place, gradients cleared"


# ---- 02.5 a custom autograd.Function ------------------------------------------------------------


def _clamp_inputs(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """Values spread over [lo - 2, hi + 2], some surely inside, none within 1e-3 of a kink."""
    x = rng.uniform(lo - 2, hi + 2, n)
    x[: n // 3] = rng.uniform(lo + 0.05, hi - 0.05, n // 3)
    for edge in (lo, hi):
        x[np.abs(x - edge) < 1e-3] += 0.01
    return x


@exercise("02.5")
def _(Clamp):
    if not (isinstance(Clamp, type) and issubclass(Clamp, torch.autograd.Function)):
        raise Hint(
            "pass the class itself (a subclass of torch.autograd.Function), not an instance or "
            "a function",
            zh="请传入类本身（torch.autograd.Function 的子类），而不是实例或函数")
    rng = _rng("02.5")
    for lo, hi, n in [(-1.0, 0.5, 9), (0.0, 2.0, 12)]:
        x_np = _clamp_inputs(rng, lo, hi, n)
        inside = ((x_np >= lo) & (x_np <= hi)).astype(np.float64)
        x = _t(x_np, requires_grad=True)
        y = _call(Clamp.apply, x, lo, hi)
        if not np.array_equal(_np(x), x_np):
            raise Hint(
                "forward changed its input in place (clamp_ or an assignment into x): autograd "
                "and the caller still need the original x. Return a new tensor",
                zh="forward 原地修改了输入（clamp_ 或对 x 赋值）：autograd 和调用者都还需要原来的 "
                "x。请返回一个新张量")
        _need_tensor(y, "the clamped tensor", "截断后的张量")
        if tuple(y.shape) != x_np.shape or y.dtype != x.dtype:
            raise Hint(
                f"forward should keep x's shape and dtype ({x_np.shape}, {x.dtype}); yours gave "
                f"{tuple(y.shape)}, {y.dtype}",
                zh=f"forward 应保持 x 的形状和数据类型（{x_np.shape}, {x.dtype}）；你的是 "
                f"{tuple(y.shape)}, {y.dtype}")
        if not _close(_np(y), np.clip(x_np, lo, hi), rtol=0, atol=1e-12):
            if _close(_np(y), x_np):
                raise Hint("forward returned x unchanged: clamp it into [lo, hi]",
                           zh="forward 原样返回了 x：要把它截断到 [lo, hi] 之内")
            raise Hint(
                "forward gives wrong values: elements below lo become lo, above hi become hi, "
                "the rest stay",
                zh="forward 的数值不对：小于 lo 的元素变为 lo，大于 hi 的变为 hi，其余不变")
        if y.grad_fn is None:
            raise Hint(
                "the output has no grad_fn: call your Function through Clamp.apply(...), and "
                "return a tensor from forward",
                zh="输出没有 grad_fn：要通过 Clamp.apply(...) 调用你的 Function，并在 forward 里"
                "返回张量")
        g_np = rng.standard_normal(n)
        _call(y.backward, _t(g_np))
        if x.grad is None:
            raise Hint(
                "x.grad is None after backward: backward's first return value must be the "
                "gradient for x",
                zh="backward 之后 x.grad 仍为 None：backward 的第一个返回值必须是 x 的梯度")
        got = _np(x.grad)
        if not _close(got, g_np * inside, rtol=1e-10, atol=1e-12):
            if _close(got, g_np):
                raise Hint(
                    "your backward lets the gradient through everywhere; where x was clamped the "
                    "output does not move when x moves, so the gradient there is 0",
                    zh="你的 backward 让梯度处处通过；但在 x 被截断的位置，x 变化时输出不变，所以"
                    "那里的梯度是 0")
            if _close(got, g_np * (1 - inside)):
                raise Hint(
                    "the mask is inverted: the gradient passes where lo <= x <= hi and is 0 "
                    "where x was clamped",
                    zh="掩码反了：在 lo <= x <= hi 处梯度通过，在被截断处梯度为 0")
            if _close(got, inside):
                raise Hint(
                    "backward must multiply by grad_output (the chain rule): it is the gradient "
                    "of the loss with respect to the output",
                    zh="backward 必须乘上 grad_output（链式法则）：它是损失对输出的梯度")
            raise Hint(
                "wrong gradient for x: it should be grad_output where lo <= x <= hi and 0 "
                "elsewhere",
                zh="x 的梯度不对：在 lo <= x <= hi 处应等于 grad_output，其他位置为 0")
        x64 = _t(x_np, requires_grad=True)
        ok = _call(torch.autograd.gradcheck, lambda t, lo=lo, hi=hi: Clamp.apply(t, lo, hi), (x64,),
                   raise_exception=False)
        if not ok:
            raise Hint(
                "torch.autograd.gradcheck disagrees with your backward: compare it with finite "
                "differences on a few float64 values",
                zh="torch.autograd.gradcheck 与你的 backward 不一致：在几个 float64 数值上用有限"
                "差分对比一下")
    return "forward clamps, backward masks, gradcheck passes"


# ---- 02.6 a Hessian-vector product -------------------------------------------------------------

_NO_SECOND_GRAPH = {
    "does not require grad and does not have a grad_fn": (
        "autograd found no graph for the second differentiation (\"element 0 of tensors does "
        "not require grad\"): x must require grad, and the first gradient must be computed with "
        "create_graph=True so that the gradient itself is part of a graph (and isn't detached)",
        "第二次求导时 autograd 找不到计算图（\"element 0 of tensors does not require grad\"）："
        "x 必须 requires_grad=True，并且第一次求梯度时要用 create_graph=True，让梯度本身也留在"
        "计算图里（而且不能被 detach）"),
}


@exercise("02.6")
def _(hvp):
    rng = _rng("02.6")
    n = 5
    A = rng.standard_normal((n, n))

    def cubic(t):
        return 0.5 * (t @ (_t(A) @ t)) + (t**3).sum() / 3

    def sin_times_sum(t):
        return torch.sin(t).sum() * t.sum()

    for f in (cubic, sin_times_sum):
        x_np, v_np = rng.uniform(-1, 1, n), rng.standard_normal(n)
        if f is cubic:
            grad = 0.5 * (A + A.T) @ x_np + x_np**2
            H = 0.5 * (A + A.T) + np.diag(2 * x_np)
        else:
            S, T = x_np.sum(), np.sin(x_np).sum()
            grad = np.cos(x_np) * S + T
            H = np.diag(-np.sin(x_np) * S) + np.cos(x_np)[:, None] + np.cos(x_np)[None, :]
        ref = H @ v_np
        x, v = _t(x_np), _t(v_np)
        result = _call(hvp, f, x, v, overrides=_NO_SECOND_GRAPH)
        _need_tensor(result, "the Hessian-vector product", "黑塞-向量积")
        _need_shape(result, (n,), "H v")
        got = _np(result)
        if not _close(got, ref, rtol=1e-6, atol=1e-8):
            if _close(got, grad):
                raise Hint(
                    "you returned the gradient of f; the Hessian-vector product differentiates a "
                    "second time",
                    zh="你返回的是 f 的梯度；黑塞-向量积还要再求一次导")
            if _close(got, grad * v_np):
                raise Hint(
                    "gradient * v multiplies element by element; H v is the gradient of the "
                    "*scalar* (gradient · v) with respect to x",
                    zh="梯度 * v 是逐元素相乘；H v 是*标量*（梯度 · v）对 x 的梯度")
            if _close(got, np.diag(H) * v_np):
                raise Hint(
                    "only the diagonal of H is in your result: differentiate the scalar "
                    "(gradient · v), which mixes all coordinates",
                    zh="你的结果只用到了 H 的对角线：应对标量（梯度 · v）求导，它把所有坐标都"
                    "混在一起")
            if _close(got, 2 * ref) or _close(got, ref + grad):
                raise Hint(
                    "a gradient accumulated on top of another: torch.autograd.grad returns "
                    "gradients without touching .grad, backward() adds to .grad",
                    zh="一个梯度叠加到了另一个上：torch.autograd.grad 直接返回梯度、不碰 .grad，"
                    "而 backward() 会累加到 .grad")
            raise Hint(
                "wrong values: take the gradient g of f(x) keeping its graph, then the gradient "
                "of the scalar (g * v).sum()",
                zh="数值不对：先求 f(x) 的梯度 g 并保留它的计算图，再求标量 (g * v).sum() 的梯度")
        again = _call(hvp, f, x, v, overrides=_NO_SECOND_GRAPH)
        if isinstance(again, torch.Tensor) and not _close(_np(again), ref, rtol=1e-6, atol=1e-8):
            raise Hint(
                "a second call on the same x gave a different answer: a gradient left in .grad "
                "from the first call was added to (use torch.autograd.grad, or a fresh leaf "
                "each call)",
                zh="对同一个 x 第二次调用得到了不同的结果：第一次调用留在 .grad 里的梯度被累加了"
                "（用 torch.autograd.grad，或每次调用都用新的叶子张量）")
    return "H v for two functions with a full (non-diagonal) Hessian"
