# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] lang="en"
# # 02 · Autograd
#
# Training a network means following the **gradient** of a loss with respect to millions of
# parameters. Nobody writes those derivatives by hand: **autograd**, PyTorch's automatic
# differentiation engine, records every operation on tensors that require a gradient, and
# `backward()` runs the chain rule through that record. This lesson opens the box.
#
# **Objectives.** After this lesson you can
#
# - turn on gradient tracking (`requires_grad`) and explain leaves, `grad_fn` and
#   `next_functions`, and why the graph is called **dynamic**;
# - compute gradients with `backward()`, including vector-Jacobian products for non-scalar
#   outputs, and follow the backward pass step by step;
# - handle accumulation (`zero_grad`), `detach()` and `torch.no_grad()` correctly;
# - read autograd's two classic errors and fix their causes;
# - write your own `torch.autograd.Function` and check it with `gradcheck`;
# - differentiate twice with `torch.autograd.grad(create_graph=True)`: a Hessian-vector
#   product.

# %% [markdown] lang="zh"
# # 02 · 自动求导
#
# 训练一个网络，就是沿着损失对数以百万计的参数的**梯度**（gradient）前进。没人会手工推导这些导数：
# PyTorch 的自动微分引擎 **autograd** 会记录所有需要梯度的张量上的每一步运算，`backward()` 再沿着
# 这份记录运用链式法则。本课就来打开这个黑箱。
#
# **学习目标。** 学完本课，你能够
#
# - 开启梯度追踪（`requires_grad`），解释叶子张量、`grad_fn` 和 `next_functions`，以及为什么说
#   计算图是**动态的**；
# - 用 `backward()` 计算梯度，包括非标量输出的向量-雅可比积，并一步一步地跟踪反向传播；
# - 正确处理梯度累加（`zero_grad`）、`detach()` 和 `torch.no_grad()`；
# - 读懂 autograd 的两个经典报错，并修正其原因；
# - 编写自己的 `torch.autograd.Function`，并用 `gradcheck` 检验它；
# - 用 `torch.autograd.grad(create_graph=True)` 求二阶导：黑塞-向量积。

# %%
import autograd_lab as torch
from autograd_lab import viz
from course import check, progress

_ = torch.manual_seed(0)  # the same "random" numbers on every run

# %% [markdown] lang="en"
# ## 1. Tracking: `requires_grad`
#
# `torch.Tensor` has an attribute `requires_grad`. When it is `True`, every operation on the
# tensor is recorded so that gradients can be computed later; the gradients of `backward()`
# are then **accumulated** into the tensor's `.grad` attribute. The default is `False`: inputs,
# labels and frozen layers don't need a record, and skipping it saves time and memory.
#
# A tensor you create yourself is a **leaf** of the graph: its `grad_fn` is `None`.

# %% [markdown] lang="zh"
# ## 1. 梯度追踪：`requires_grad`
#
# `torch.Tensor` 有一个属性 `requires_grad`。当它为 `True` 时，作用在这个张量上的每一步运算都会被
# 记录下来，以便之后计算梯度；`backward()` 算出的梯度会**累加**到张量的 `.grad` 属性中。它的默认值
# 是 `False`：输入数据、标签和冻结的层都不需要这份记录，省去它可以节省时间和内存。
#
# 你自己创建的张量是计算图的**叶子**（leaf）：它的 `grad_fn` 为 `None`。

# %%
x1 = torch.ones(3, 3)
print(x1)
x = torch.ones(2, 2, requires_grad=True)
print(x)
print(x1.requires_grad, x.requires_grad, x.is_leaf, x.grad_fn, x.grad)

# %% [markdown] lang="en"
# ## 2. The graph: `grad_fn` and `next_functions`
#
# Each operation on a tracked tensor creates a node of the **backward graph**, an object that
# knows how to compute the derivative of that operation (PyTorch calls these *Functions*: a
# forward computation paired with its backward rule). The result's `grad_fn` points to it. Its
# name tells which operation made the tensor: `AddBackward0` for `+`, `MulBackward0` for `*`,
# `MeanBackward0` for `mean()`.
#
# Printing a node shows a memory address that changes on every run (`<AddBackward0 object at
# 0x7f...>`, as in tutorial 004's output), so we print its name instead.

# %% [markdown] lang="zh"
# ## 2. 计算图：`grad_fn` 与 `next_functions`
#
# 对被追踪张量的每一次运算，都会在**反向计算图**中创建一个节点：这个对象知道如何计算该运算的导数
# （PyTorch 称之为 *Function*：一次前向计算配上它的反向传播规则）。结果张量的 `grad_fn` 指向这个
# 节点。节点的名字说明了张量是由哪种运算得到的：`+` 对应 `AddBackward0`，`*` 对应
# `MulBackward0`，`mean()` 对应 `MeanBackward0`。
#
# 直接打印节点会显示一个每次运行都不同的内存地址（如教程 004 输出中的 `<AddBackward0 object at
# 0x7f...>`），所以我们打印它的名字。

# %%
y = x + 2
print(y)
print(x.grad_fn)
print(type(y.grad_fn).__name__, y.is_leaf, y.requires_grad)
z = y * y * 3
out = z.mean()
print(z, out)

# %% [markdown] lang="en"
# > **Seed note.** Tutorial 004 prints `tensor([4.], grad_fn=<AddBackward0>)` for `y = x + 2`:
# > that output belongs to its other example, `x = torch.tensor([2.0])`. For the 2×2 tensor of
# > ones, `y` is a matrix of 3s, and `z` and `out` are 27, as the tutorial shows next.
#
# Every node lists the nodes that feed it in `next_functions`: pairs `(node, index)`, with
# `None` for an input that needs no gradient (like the constant 3). Following them from `out`
# walks the whole graph back to the leaves, where an `AccumulateGrad` node writes into `.grad`:

# %% [markdown] lang="zh"
# > **种子教程说明。** 教程 004 为 `y = x + 2` 给出的输出是 `tensor([4.], grad_fn=<AddBackward0>)`：
# > 那是它另一个例子 `x = torch.tensor([2.0])` 的结果。对于 2×2 的全 1 张量，`y` 是全为 3 的矩阵，
# > `z` 和 `out` 则是 27，正如教程接下来所示。
#
# 每个节点都在 `next_functions` 中列出为它提供输入的节点：一组组 `(node, index)`，不需要梯度的
# 输入（比如常数 3）对应 `None`。从 `out` 出发沿着它们走，就能一路回溯到叶子；叶子处的
# `AccumulateGrad` 节点负责把梯度写进 `.grad`：

# %%
mul_3 = out.grad_fn.next_functions[0][0]  # z = (y * y) * 3
print([(type(n).__name__ if n is not None else None, i) for n, i in mul_3.next_functions])


def show(node, depth=0):
    """Print the backward graph below `node`, one node per line."""
    print("    " * depth + type(node).__name__)
    for child, _ in node.next_functions:
        if child is not None:
            show(child, depth + 1)


show(out.grad_fn)

# %% [markdown] lang="en"
# `y * y` uses `y` twice, so `MulBackward0` has two edges to the same `AddBackward0`: both
# contributions will be added up. Tutorial 004 calls this structure "a doubly linked list" of
# Tensors and Functions; it is really a directed acyclic graph whose edges point **one way**,
# from each result back towards its inputs (`grad_fn`, then `next_functions`): a node knows its
# inputs, never its outputs, which is all backward needs. The **graph widget** draws it. Click
# a box to see its value (and, after `backward()`, its gradient); drag to pan, scroll to zoom.
#
# > **Seed note.** Tutorial 004 walks the graph of its convolutional network with
# > `loss.grad_fn.next_functions[0][0]` and comments `# ReLU` on the second step, but its own
# > output shows `AccumulateGrad`: the first input of a linear layer's `AddmmBackward0` is the
# > bias, a leaf. Print names to be sure where you are.

# %% [markdown] lang="zh"
# `y * y` 用了两次 `y`，所以 `MulBackward0` 有两条边指向同一个 `AddBackward0`：两部分贡献会被加在
# 一起。教程 004 把这种结构称为由 Tensor 和 Function 组成的“双向链表”；实际上它是一张有向无环图，
# 边只指向**一个方向**：从每个结果指回它的输入（先是 `grad_fn`，再是 `next_functions`）。节点只知道
# 自己的输入，从不知道自己的输出，而这正是反向传播所需要的全部信息。**计算图控件**画出了这张图。
# 点击一个方框可以看到它的值（`backward()` 之后还能看到梯度）；拖动可以平移，滚轮可以缩放。
#
# > **种子教程说明。** 教程 004 用 `loss.grad_fn.next_functions[0][0]` 遍历卷积网络的计算图，
# > 在第二步写了注释 `# ReLU`，可它自己的输出却是 `AccumulateGrad`：全连接层的
# > `AddmmBackward0` 的第一个输入是偏置（bias），那是一个叶子。打印节点名字才能确定你走到了哪里。

# %%
viz.graph(out, params={"x": x})

# %% [markdown] lang="en"
# Tutorial 004 describes the same machinery with `x.exp()`: "the call really is
# `ExpBackward.apply(x)`", and backward computes `grad_x = grad_output * y`, because the
# derivative of $e^x$ is $e^x$ itself (in PyTorch 2 the node is called `ExpBackward0`).

# %% [markdown] lang="zh"
# 教程 004 用 `x.exp()` 描述了同样的机制：“实际调用的是 `ExpBackward.apply(x)`”，反向传播时计算
# `grad_x = grad_output * y`，因为 $e^x$ 的导数就是 $e^x$ 本身（在 PyTorch 2 中这个节点叫
# `ExpBackward0`）。

# %%
x = torch.tensor([2.0], requires_grad=True)
y = x.exp()
print(y.grad_fn.name())
y.backward()
print(x.grad, y)  # the same number: d/dx e^x = e^x

# %% [markdown] lang="en"
# `requires_grad_()` switches tracking on **in place** for an existing tensor (the trailing `_`
# again). Operations done *before* that were not recorded: `a` becomes a fresh leaf.

# %% [markdown] lang="zh"
# `requires_grad_()` 为已有张量**原地**开启追踪（又是末尾的 `_`）。在这之*前*做的运算不会被记录：
# `a` 成为一个新的叶子。

# %%
a = torch.randn(2, 2)
a = (a * 3) / (a - 1)
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn.name(), a.is_leaf)

# %% [markdown] lang="en"
# **Dynamic graphs.** The graph is built *while your code runs*, operation by operation, and a
# new one is built on every run. That is what the seed tutorials mean by a **dynamic
# computation graph**, as opposed to the static graphs of TensorFlow 1.x, which were declared
# first and executed later. Ordinary Python control flow (`if`, `while`, a loop over a
# variable-length input) therefore just works, and the gradient follows the path actually
# taken:

# %% [markdown] lang="zh"
# **动态计算图。** 计算图是在*代码运行的过程中*一步一步构建的，每次运行都会构建一张新图。这就是
# 种子教程所说的**动态计算图**（dynamic computation graph），与之相对的是 TensorFlow 1.x 的静态图：
# 先声明，后执行。因此普通的 Python 控制流（`if`、`while`、对变长输入的循环）可以直接使用，梯度会
# 沿着实际走过的路径计算：

# %%
def double_until_big(x):
    y = x
    while y.norm() < 10:  # how many doublings depends on the data
        y = y * 2
    return y.sum()


x = torch.tensor([0.5, 1.0], requires_grad=True)
double_until_big(x).backward()
print(x.grad)  # 4 doublings this time: 2**4

# %% [markdown] lang="en"
# ## 3. `backward()`
#
# `out.backward()` computes the gradient of `out` with respect to every leaf that requires a
# gradient, and stores it in the leaf's `.grad`. For the tutorial's example,
# $\text{out} = \frac14 \sum_i 3 (x_i + 2)^2$, so
# $\frac{\partial\,\text{out}}{\partial x_i} = \frac32 (x_i + 2) = 4.5$ at $x_i = 1$. There are
# four values because `x` has four elements.

# %% [markdown] lang="zh"
# ## 3. `backward()`
#
# `out.backward()` 计算 `out` 对每个需要梯度的叶子的梯度，并存入叶子的 `.grad`。对教程里的例子，
# $\text{out} = \frac14 \sum_i 3 (x_i + 2)^2$，所以在 $x_i = 1$ 处
# $\frac{\partial\,\text{out}}{\partial x_i} = \frac32 (x_i + 2) = 4.5$。一共有四个值，因为 `x`
# 有四个元素。

# %%
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
out.backward()
print(x.grad)

# %% [markdown] lang="en"
# > **Seed fix.** Tutorial 001 writes `y = x*2 + 3x + 1` and says the gradient at 2 is 7. The
# > web page ate the `*` characters: `3x` is a `SyntaxError`, and $2x + 3x + 1$ would have
# > gradient 5. The function meant is $y = x^2 + 3x + 1$, whose derivative $2x + 3$ is 7 at
# > $x = 2$:

# %% [markdown] lang="zh"
# > **种子教程勘误。** 教程 001 写的是 `y = x*2 + 3x + 1`，并说在 2 处的梯度是 7。网页吞掉了 `*`
# > 号：`3x` 是 `SyntaxError`，而 $2x + 3x + 1$ 的梯度应是 5。本意是 $y = x^2 + 3x + 1$，它的导数
# > $2x + 3$ 在 $x = 2$ 处等于 7：

# %%
x = torch.tensor([2.0], requires_grad=True)
y = x**2 + 3 * x + 1
y.backward()
print(x.grad)

# %% [markdown] lang="en"
# **Watching backward run.** `viz.stepper(out)` runs `out.backward()` once, recording every
# step, and lets you replay it node by node (buttons in JupyterLab; `print(s.text())` gives the
# same table as text). For `out = (3 * (x + 2) ** 2).mean()`, the tutorial's example written in
# one line, read the table from the top:
#
# 1. `MeanBackward0` receives $\partial\,\text{out}/\partial\,\text{out} = 1$ and sends $1/4$ to
#    each of the 4 elements;
# 2. `MulBackward0` (the `3 *`) multiplies by 3: $0.75$;
# 3. `PowBackward0` multiplies by the local derivative $2 (x + 2) = 6$: $4.5$;
# 4. `AddBackward0` passes the gradient through unchanged ($\partial (x + 2) / \partial x = 1$);
# 5. the leaf `x`: `AccumulateGrad` adds $4.5$ into `x.grad`, which was `None`.
#
# Each node multiplies the gradient it receives by its own local derivative and passes the
# product on: that is the chain rule, applied in the right order.

# %% [markdown] lang="zh"
# **观察反向传播的执行过程。** `viz.stepper(out)` 执行一次 `out.backward()` 并记录每一步，让你
# 逐个节点回放（在 JupyterLab 中用按钮操作；`print(s.text())` 以文本形式给出同样的表格）。对于
# `out = (3 * (x + 2) ** 2).mean()`（即教程的例子写成一行），从上往下读这张表：
#
# 1. `MeanBackward0` 收到 $\partial\,\text{out}/\partial\,\text{out} = 1$，给 4 个元素各发送
#    $1/4$；
# 2. `MulBackward0`（即 `3 *`）乘以 3：得到 $0.75$；
# 3. `PowBackward0` 乘以局部导数 $2 (x + 2) = 6$：得到 $4.5$；
# 4. `AddBackward0` 把梯度原样传下去（$\partial (x + 2) / \partial x = 1$）；
# 5. 叶子 `x`：`AccumulateGrad` 把 $4.5$ 加进原本为 `None` 的 `x.grad`。
#
# 每个节点把收到的梯度乘以自己的局部导数，再把乘积传下去：这就是按正确顺序运用的链式法则。

# %%
x = torch.ones(2, 2, requires_grad=True)
out = (3 * (x + 2) ** 2).mean()
s = viz.stepper(out, params={"x": x})
s

# %%
print(s.text())
print(x.grad)

# %% [markdown] lang="en"
# ### Exercise 02.1 — a gradient with `backward()`
#
# Write `grad_of_f(x)`: for a float tensor `x` (any shape, created without `requires_grad`),
# return the gradient of $f(x) = \sum_i (x_i^2 + 3 x_i + 1)$ with respect to `x`, computed by
# autograd (not by a formula you derived), as a tensor of `x`'s shape.

# %% [markdown] lang="zh"
# ### 练习 02.1 —— 用 `backward()` 求梯度
#
# 编写 `grad_of_f(x)`：对浮点张量 `x`（形状任意，创建时没有设置 `requires_grad`），返回
# $f(x) = \sum_i (x_i^2 + 3 x_i + 1)$ 对 `x` 的梯度，要由 autograd 计算（而不是用你推导的公式），
# 结果是与 `x` 形状相同的张量。

# %% tags=["exercise"] exercise="02.1"
def grad_of_f(x):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 02.1: return df/dx computed with backward()")
    x = x.detach().requires_grad_()  # a fresh leaf that tracks gradients
    f = (x**2 + 3 * x + 1).sum()
    f.backward()
    return x.grad
    ### END SOLUTION


# %% tags=["check"]
check("02.1", grad_of_f)

# %% [markdown] lang="en"
# ## 4. Non-scalar outputs: vector-Jacobian products
#
# `backward()` with no argument needs a **scalar** output (a loss). For a vector output
# $y = f(x)$ the derivative is a whole matrix, the Jacobian $J_{ij} = \partial y_i / \partial
# x_j$, and autograd never builds it. Instead, `y.backward(v)` computes the
# **vector-Jacobian product** $v^\top J$: the gradient of the scalar $\sum_i v_i y_i$. When $y$
# feeds a loss $L$, the right $v$ is $\partial L / \partial y$, and $v^\top J = \partial L /
# \partial x$: exactly what each node of the graph does with the gradient it receives.

# %% [markdown] lang="zh"
# ## 4. 非标量输出：向量-雅可比积
#
# 不带参数的 `backward()` 要求输出是**标量**（比如损失）。对向量输出 $y = f(x)$，导数是一整个矩阵，
# 即雅可比矩阵（Jacobian）$J_{ij} = \partial y_i / \partial x_j$，而 autograd 从不构造它。
# `y.backward(v)` 计算的是**向量-雅可比积**（vector-Jacobian product）$v^\top J$，也就是标量
# $\sum_i v_i y_i$ 的梯度。当 $y$ 继续参与计算损失 $L$ 时，合适的 $v$ 就是
# $\partial L / \partial y$，于是 $v^\top J = \partial L / \partial x$：这正是计算图中每个节点对
# 收到的梯度所做的事。

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * x  # J = diag(2x)
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)
v = torch.tensor([0.1, 1.0, 0.0001])
y.backward(v)
print(x.grad)  # v * 2x

# %% [markdown] lang="en"
# Tutorial 004 does this with a network: `net.zero_grad()` then
# `output.backward(torch.randn(1, 10))` on the `(1, 10)` output, with random numbers standing in
# for $\partial L/\partial\,\text{output}$. Here is the same on a one-layer stand-in; the
# gradient of the weight is $\text{input}^\top v$:

# %% [markdown] lang="zh"
# 教程 004 在网络上做了同样的事：先 `net.zero_grad()`，再对形状为 `(1, 10)` 的输出调用
# `output.backward(torch.randn(1, 10))`，用随机数代替 $\partial L/\partial\,\text{output}$。下面
# 在一个单层的替身上做同样的事；权重的梯度是 $\text{input}^\top v$：

# %%
w = torch.randn(5, 10, requires_grad=True)  # stand-in for the network's weights
inp = torch.randn(1, 5)
output = inp @ w  # shape (1, 10), like net(input)
v = torch.randn(1, 10)
output.backward(v)
print(w.grad.shape, torch.allclose(w.grad, inp.t() @ v))

# %% [markdown] lang="en"
# ### Exercise 02.2 — a vector-Jacobian product
#
# Write `vjp(f, x, v)`: `f` maps a 1-D tensor to a 1-D tensor (not necessarily of the same
# length), `x` is a float tensor without `requires_grad`, and `v` has the shape of `f(x)`.
# Return $v^\top J_f(x)$, a tensor of `x`'s shape. The check calls your function more than once
# with the same `x`: each call must give the same answer.

# %% [markdown] lang="zh"
# ### 练习 02.2 —— 向量-雅可比积
#
# 编写 `vjp(f, x, v)`：`f` 把一维张量映射成一维张量（长度不一定相同），`x` 是没有设置
# `requires_grad` 的浮点张量，`v` 的形状与 `f(x)` 相同。返回 $v^\top J_f(x)$，形状与 `x` 相同。
# 检查会用同一个 `x` 多次调用你的函数：每次的结果都必须相同。

# %% tags=["exercise"] exercise="02.2"
def vjp(f, x, v):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 02.2: return v^T J of f at x")
    x = x.detach().requires_grad_()
    f(x).backward(v)
    return x.grad
    ### END SOLUTION


# %% tags=["check"]
check("02.2", vjp)

# %% [markdown] lang="en"
# ## 5. Gradients accumulate: `zero_grad`
#
# `backward()` does not overwrite `.grad`, it **adds** to it. Two backward passes without
# clearing give the sum of both gradients:

# %% [markdown] lang="zh"
# ## 5. 梯度会累加：`zero_grad`
#
# `backward()` 不会覆盖 `.grad`，而是往里面**累加**。两次反向传播之间不清零，得到的就是两次梯度
# 之和：

# %%
x = torch.ones(2, 2, requires_grad=True)
for _ in range(2):
    out = ((x + 2) * (x + 2) * 3).mean()  # a new graph on each pass
    out.backward()
print(x.grad)  # 4.5 + 4.5
x.grad.zero_()
print(x.grad)

# %% [markdown] lang="en"
# Accumulation is a feature. Within one graph, a tensor used twice receives the sum of both
# contributions (that is how `y * y` above got its factor 2). Across backward passes, it lets
# you split a batch that does not fit in memory into several mini-batches and add up their
# gradients before updating. But in an ordinary training loop every step needs the gradient of
# *this* step only, so you clear the gradients first: `optimizer.zero_grad()` or
# `net.zero_grad()` clears the gradient of every parameter (tutorial 004 explains it as
# `param.grad.zero_()` for each one). Forget it, and the gradients of all earlier steps pile up.
#
# > **Seed note.** Tutorial 004 prints `conv1.bias.grad` after `net.zero_grad()` and shows
# > zeros, with the comment `新版本显示为None` (newer versions show `None`). Since PyTorch 2.0,
# > `zero_grad()` sets the gradients to `None` (`set_to_none=True`) instead of filling them
# > with zeros: it saves memory, and the next `backward()` simply creates them again.

# %% [markdown] lang="zh"
# 累加是一个特性。在同一张图里，被使用两次的张量会收到两部分贡献之和（上面的 `y * y` 就是这样得到
# 因子 2 的）。在多次反向传播之间，它让你可以把装不进内存的大批次拆成几个小批量（mini-batch），先把
# 它们的梯度加起来再更新参数。但在普通的训练循环里，每一步只需要*这一步*的梯度，所以要先清空梯度：
# `optimizer.zero_grad()` 或 `net.zero_grad()` 会清空每个参数的梯度（教程 004 把它解释为对每个参数
# 执行 `param.grad.zero_()`）。忘了这一步，之前所有步骤的梯度都会堆积起来。
#
# > **种子教程说明。** 教程 004 在 `net.zero_grad()` 之后打印 `conv1.bias.grad`，显示的是全 0，
# > 并注释“新版本显示为None”。从 PyTorch 2.0 起，`zero_grad()` 把梯度设为 `None`
# > （`set_to_none=True`），而不是填 0：这样省内存，下一次 `backward()` 会重新创建它们。

# %%
x = torch.tensor(3.0, requires_grad=True)
(x * x).backward()  # x is used twice: 3 + 3
print(x.grad)

# %% [markdown] lang="en"
# ### Exercise 02.3 — accumulate over mini-batches
#
# Write `accumulated_gradient(w, batches)`. `w` is a leaf weight vector of shape `(d,)` that
# requires grad and **may already hold a gradient from earlier**; `batches` is a list of
# `(x, y)` pairs with `x` of shape `(b, d)` and `y` of shape `(b,)`. The loss of one batch is
# the sum of its squared errors, `((x @ w - y) ** 2).sum()`, and the total loss is the sum over
# all batches. Call `backward()` once per batch, let the gradients accumulate, and return the
# gradient of the total loss with respect to `w`. Don't update `w`.

# %% [markdown] lang="zh"
# ### 练习 02.3 —— 在多个小批量上累加梯度
#
# 编写 `accumulated_gradient(w, batches)`。`w` 是形状为 `(d,)`、requires_grad 的叶子权重向量，
# **它的 `.grad` 里可能已经有之前留下的梯度**；`batches` 是由 `(x, y)` 组成的列表，`x` 的形状为
# `(b, d)`，`y` 的形状为 `(b,)`。一个批次的损失是其平方误差之和 `((x @ w - y) ** 2).sum()`，总损失
# 是所有批次损失之和。每个批次调用一次 `backward()`，让梯度累加，最后返回总损失对 `w` 的梯度。
# 不要更新 `w`。

# %% tags=["exercise"] exercise="02.3"
def accumulated_gradient(w, batches):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 02.3: return the gradient of the total loss")
    w.grad = None  # clear what an earlier backward left (or w.grad.zero_())
    for x, y in batches:
        loss = ((x @ w - y) ** 2).sum()
        loss.backward()  # adds this batch's gradient to w.grad
    return w.grad
    ### END SOLUTION


# %% tags=["check"]
check("02.3", accumulated_gradient)

# %% [markdown] lang="en"
# ## 6. Stopping the record: `detach()` and `torch.no_grad()`
#
# Two ways to compute without building a graph:
#
# - `with torch.no_grad():` switches recording off for a block of code. Use it for inference
#   and evaluation (no gradients needed: faster, less memory) and for updating parameters;
#   `@torch.no_grad()` does the same for a whole function;
# - `t.detach()` returns a new tensor with the same content (it **shares memory** with `t`) that
#   is cut off from the graph: `requires_grad=False`, no `grad_fn`. Gradients will not flow back
#   through it.

# %% [markdown] lang="zh"
# ## 6. 停止记录：`detach()` 与 `torch.no_grad()`
#
# 有两种方法可以在计算时不构建计算图：
#
# - `with torch.no_grad():` 在一段代码里关闭记录。用于推理和评估（不需要梯度：更快、更省内存），
#   以及更新参数；`@torch.no_grad()` 对整个函数起同样的作用；
# - `t.detach()` 返回一个内容相同（与 `t` **共享内存**）、但与计算图断开的新张量：
#   `requires_grad=False`，没有 `grad_fn`。梯度不会经由它往回传。

# %%
x = torch.ones(2, 2, requires_grad=True)
print(x.requires_grad)
print((x**2).requires_grad)
with torch.no_grad():
    print((x**2).requires_grad)

# %%
print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())
y[0, 0] = 5.0  # detach shares memory: x changes too
print(x)


@torch.no_grad()
def predict(w, inputs):
    return inputs @ w


p = predict(torch.randn(3, 2, requires_grad=True), torch.randn(4, 3))
print(p.requires_grad, p.grad_fn)

# %% [markdown] lang="en"
# **Updating parameters.** Gradient descent changes each weight in place,
# $w \leftarrow w - \eta \nabla_w L$. Tutorial 004 writes the update with `.data`:
# `f.data.sub_(f.grad.data * learning_rate)`. `.data` is the tensor's values without autograd,
# so the in-place change is not recorded. It works, but `.data` also hides the change from
# autograd's safety checks (section 7); the modern way is an update under `torch.no_grad()`.
# Without either, autograd refuses: an in-place change to a leaf that requires grad is an error.

# %% [markdown] lang="zh"
# **更新参数。** 梯度下降原地修改每个权重：$w \leftarrow w - \eta \nabla_w L$。教程 004 用 `.data`
# 写这次更新：`f.data.sub_(f.grad.data * learning_rate)`。`.data` 是张量去掉 autograd 之后的数值，
# 所以这次原地修改不会被记录。这样可行，但 `.data` 也让 autograd 的安全检查（第 7 节）看不到这次
# 修改；现代写法是在 `torch.no_grad()` 下更新。两者都不用时 autograd 会拒绝：对 requires_grad 的
# 叶子做原地修改会报错。

# %%
x = torch.ones(2, 2, requires_grad=True)
out = ((x + 2) * (x + 2) * 3).mean()
out.backward()
learning_rate = 0.01
for f in [x]:  # the tutorial loops over net.parameters()
    f.data.sub_(f.grad.data * learning_rate)
print(x)

with torch.no_grad():  # the same update, the modern way
    x -= learning_rate * x.grad
x.grad.zero_()
print(x)
try:
    x -= learning_rate * x.grad  # outside no_grad
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown] lang="en"
# ### Exercise 02.4 — one SGD step
#
# Write `sgd_step(params, lr)`: `params` is a list of leaf tensors that require grad, each with
# its `.grad` filled by a backward pass. Update every parameter **in place** to
# `p - lr * p.grad`, then clear its gradient (zeros or `None`) so that the next step starts
# fresh. The parameters must remain leaves that require grad. Return nothing.

# %% [markdown] lang="zh"
# ### 练习 02.4 —— 一步 SGD
#
# 编写 `sgd_step(params, lr)`：`params` 是一组 requires_grad 的叶子张量，它们的 `.grad` 已经由一次
# 反向传播填好。把每个参数**原地**更新为 `p - lr * p.grad`，然后清空它的梯度（清零或设为 `None`），
# 让下一步从头开始。参数必须仍是 requires_grad 的叶子。函数不需要返回值。

# %% tags=["exercise"] exercise="02.4"
def sgd_step(params, lr):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 02.4: update each p in place, then clear its grad")
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()
    ### END SOLUTION


# %% tags=["check"]
check("02.4", sgd_step)

# %% [markdown] lang="en"
# ## 7. The two classic errors, and how to read them
#
# **Backward twice.** To save memory, `backward()` frees the values each node saved for its
# derivative (the **saved tensors**) as soon as it has used them. A second `backward()` through
# the same graph finds them gone:

# %% [markdown] lang="zh"
# ## 7. 两个经典报错及其读法
#
# **反向传播两次。** 各节点为求导而保存的值叫作**保存的张量**（saved tensors）。为了节省内存，
# `backward()` 一用完它们就会立刻释放。对同一张图再做一次 `backward()`，就会发现它们已经不在了：

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (x.exp() * 2).sum()
loss.backward()
try:
    loss.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown] lang="en"
# Read it literally: "backward through the graph a second time", and "saved intermediate
# values ... are freed". The usual cause is reusing a loss (or a tensor computed outside the
# loop) across iterations: compute the forward pass again inside the loop, so each step has
# its own graph. If you really need two backward passes through one graph, keep it with
# `retain_graph=True` on all but the last:

# %% [markdown] lang="zh"
# 按字面意思读它："backward through the graph a second time"（第二次对这张图做反向传播），以及
# "saved intermediate values ... are freed"（保存的中间值已被释放）。常见原因是在多次迭代中重复使用
# 同一个损失（或在循环外算好的张量）：把前向计算放进循环里重新做，让每一步都有自己的图。如果确实需要
# 对同一张图做两次反向传播，就在最后一次之前都加上 `retain_graph=True` 保留它：

# %%
x.grad = None
loss = (x.exp() * 2).sum()
loss.backward(retain_graph=True)
loss.backward()
print(torch.allclose(x.grad, 4 * x.exp()))  # two passes: 2 * (2 e^x)

# %% [markdown] lang="en"
# **In-place change of a saved tensor.** `b = a.exp()` saves its output `b`, because the
# derivative of $e^a$ is $e^a$. Changing `b` in place afterwards destroys a value backward
# needs:

# %% [markdown] lang="zh"
# **原地修改了被保存的张量。** `b = a.exp()` 会保存它的输出 `b`，因为 $e^a$ 的导数就是 $e^a$。之后
# 原地修改 `b`，就毁掉了反向传播需要的值：

# %%
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.exp()
print(b._version)
b.add_(1)  # in place: b's version counter goes to 1
print(b._version)
try:
    b.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown] lang="en"
# Read it piece by piece:
#
# - `[autograd_lab.FloatTensor [3]]`: the culprit is a float32 tensor of shape `(3,)`;
# - `which is output 0 of Exp`: it was produced by `exp` (and saved by its backward node);
# - `is at version 1; expected version 0 instead`: every tensor carries a **version counter**
#   that each in-place operation increments. The node remembered version 0 when it saved the
#   tensor; at backward time it found version 1, so the saved value is no longer the one it
#   needs, and autograd refuses to compute a wrong gradient.
#
# The fix is to use the out-of-place operation (`b = b + 1`). In a long model, the hint at the
# end helps: with `torch.autograd.set_detect_anomaly(True)` the error also shows where the
# forward operation was. Not every in-place operation is an error: only one that overwrites a
# value some backward node saved. The third classic, the in-place update of a leaf that requires
# grad, was in section 6.

# %% [markdown] lang="zh"
# 逐段读懂它：
#
# - `[autograd_lab.FloatTensor [3]]`：出问题的是一个形状为 `(3,)` 的 float32 张量；
# - `which is output 0 of Exp`：它是由 `exp` 产生的（并被它的反向节点保存了下来）；
# - `is at version 1; expected version 0 instead`：每个张量都带有一个**版本计数器**（version
#   counter），每次原地操作都会让它加一。节点保存该张量时记下的是版本 0；反向传播时却发现是版本 1，
#   说明保存的值已经不是它需要的那个了，于是 autograd 拒绝算出一个错误的梯度。
#
# 修正方法是改用非原地操作（`b = b + 1`）。在大模型里，报错末尾的提示很有用：打开
# `torch.autograd.set_detect_anomaly(True)` 之后，报错还会指出对应的前向运算在哪里。并非所有原地
# 操作都会出错：只有覆盖了某个反向节点所保存的值时才会。第三个经典报错——对 requires_grad 的叶子做
# 原地更新——已在第 6 节见过。

# %%
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.exp()
b = b + 1  # out of place: the saved output of exp is untouched
b.sum().backward()
print(a.grad)

# %% [markdown] lang="en"
# ## 8. Your own `autograd.Function`
#
# Tutorial 004 calls `Function` "a core class as important as `Tensor`": every node of the graph
# is one. You can write your own by subclassing `torch.autograd.Function` with two static
# methods:
#
# - `forward(ctx, *inputs)` computes the result from tensors (autograd is off inside), and
#   keeps what backward will need with `ctx.save_for_backward(...)` (other values can be stored
#   as attributes of `ctx`);
# - `backward(ctx, grad_output)` receives $\partial L/\partial\,\text{output}$ and returns
#   $\partial L/\partial\,\text{input}$ for **each** input of `forward`, in order (`None` for
#   inputs that need no gradient, such as plain numbers).
#
# You call it with `.apply(...)`, never by calling `forward` directly.

# %% [markdown] lang="zh"
# ## 8. 自己写一个 `autograd.Function`
#
# 教程 004 说 `Function` 是“与 `Tensor` 同等重要的核心类”：计算图中的每个节点都是一个 Function。
# 你可以继承 `torch.autograd.Function`，写两个静态方法来实现自己的 Function：
#
# - `forward(ctx, *inputs)` 由张量算出结果（其内部不做 autograd 记录），并用
#   `ctx.save_for_backward(...)` 保存反向传播需要的张量（其他值可以存为 `ctx` 的属性）；
# - `backward(ctx, grad_output)` 接收 $\partial L/\partial\,\text{output}$，按顺序为 `forward` 的
#   **每个**输入返回 $\partial L/\partial\,\text{input}$（不需要梯度的输入，比如普通数字，返回
#   `None`）。
#
# 调用时要用 `.apply(...)`，不要直接调用 `forward`。

# %%
class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)  # backward needs e^x: keep the output
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y  # chain rule: dL/dx = dL/dy * e^x


x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
y = MyExp.apply(x)
print(y, type(y.grad_fn).__name__)
y.sum().backward()
print(x.grad)

# %% [markdown] lang="en"
# **Checking a backward: `gradcheck`.** A hand-written backward is easy to get wrong, and a
# wrong gradient does not crash: training just goes badly. `torch.autograd.gradcheck` compares
# your backward with **finite differences**, $\frac{f(x + \varepsilon) - f(x - \varepsilon)}{2
# \varepsilon}$, for every input element. Give it **float64** inputs: with
# $\varepsilon = 10^{-6}$, float32's seven significant digits would drown the difference in
# rounding noise. It returns `True`, or raises an error showing both Jacobians
# (`raise_exception=False` makes it return `False` instead):

# %% [markdown] lang="zh"
# **检验反向传播：`gradcheck`。** 手写的 backward 很容易出错，而且梯度错了程序并不会崩溃：只是训练
# 效果变差。`torch.autograd.gradcheck` 会对每个输入元素，把你的 backward 与**有限差分**
# $\frac{f(x + \varepsilon) - f(x - \varepsilon)}{2 \varepsilon}$ 作比较。要给它 **float64** 的
# 输入：取 $\varepsilon = 10^{-6}$ 时，float32 只有七位有效数字，差值会被舍入误差淹没。它返回
# `True`，或者抛出一个列出两个雅可比矩阵的错误（`raise_exception=False` 时改为返回 `False`）：

# %%
x64 = torch.randn(4, dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(MyExp.apply, (x64,)))


class WrongExp(MyExp):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # forgot the local derivative e^x


print(torch.autograd.gradcheck(WrongExp.apply, (x64,), raise_exception=False))

# %% [markdown] lang="en"
# ### Exercise 02.5 — a clamp with its backward
#
# Complete `Clamp`, a `torch.autograd.Function` for `Clamp.apply(x, lo, hi)`: `x` is a tensor,
# `lo < hi` are Python floats. `forward` returns a **new** tensor where elements below `lo`
# become `lo` and elements above `hi` become `hi` (`x.clamp(lo, hi)` computes it). `backward`
# returns the gradient for each of the three inputs: for `x`, `grad_output` where
# `lo <= x <= hi` and 0 where `x` was clamped (there the output does not move when `x` moves);
# for the numbers `lo` and `hi`, `None`. The check compares with the exact gradient and runs
# `gradcheck` on float64 inputs.

# %% [markdown] lang="zh"
# ### 练习 02.5 —— 带 backward 的截断函数
#
# 补全 `Clamp`，一个用法为 `Clamp.apply(x, lo, hi)` 的 `torch.autograd.Function`：`x` 是张量，
# `lo < hi` 是 Python 浮点数。`forward` 返回一个**新**张量：小于 `lo` 的元素变为 `lo`，大于 `hi` 的
# 变为 `hi`（`x.clamp(lo, hi)` 就能算出它）。`backward` 为三个输入各返回一个梯度：对 `x`，在
# `lo <= x <= hi` 处为 `grad_output`，在被截断处为 0（那里 `x` 变化时输出不变）；对数字 `lo` 和
# `hi`，返回 `None`。检查会与精确梯度比较，并在 float64 输入上运行 `gradcheck`。

# %% tags=["exercise"] exercise="02.5"
class Clamp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ### BEGIN SOLUTION
        # STUB: raise NotImplementedError("Exercise 02.5: clamp x, save what backward needs")
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return x.clamp(lo, hi)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output):
        ### BEGIN SOLUTION
        # STUB: raise NotImplementedError("Exercise 02.5: return the gradients for x, lo and hi")
        (x,) = ctx.saved_tensors
        inside = (x >= ctx.lo) & (x <= ctx.hi)
        return grad_output * inside, None, None
        ### END SOLUTION


# %% tags=["check"]
check("02.5", Clamp)

# %% [markdown] lang="en"
# ## 9. Differentiating twice: a Hessian-vector product
#
# `torch.autograd.grad(outputs, inputs)` is `backward` as a function: it **returns** the
# gradients instead of accumulating them into `.grad`. With `create_graph=True`, the backward
# pass is itself recorded, so the gradient it returns has a graph and can be differentiated
# again.
#
# The second derivatives of a scalar $f$ form the Hessian matrix $H$ ($n \times n$ for $n$
# inputs: far too big to build for a network). Like the Jacobian, it is never needed whole: the
# **Hessian-vector product** $Hv$ is the gradient of the scalar $\nabla f \cdot v$, so two
# gradient computations give it. Optimisers that use curvature, and analyses of a loss
# landscape, are built on it. For $f(x) = \sum_i x_i^3$: $\nabla f = 3x^2$ and
# $H = \operatorname{diag}(6x)$.

# %% [markdown] lang="zh"
# ## 9. 求两次导：黑塞-向量积
#
# `torch.autograd.grad(outputs, inputs)` 是函数形式的 `backward`：它把梯度**返回**给你，而不是累加
# 到 `.grad` 里。加上 `create_graph=True` 时，反向传播本身也会被记录下来，于是返回的梯度带有计算图，
# 还可以再求导。
#
# 标量函数 $f$ 的二阶导数构成黑塞矩阵（Hessian）$H$（$n$ 个输入时是 $n \times n$ 的矩阵：对神经网络
# 来说大得根本无法构造）。和雅可比矩阵一样，我们从不需要它的全貌：**黑塞-向量积**（Hessian-vector
# product）$Hv$ 就是标量 $\nabla f \cdot v$ 的梯度，两次求梯度即可得到。利用曲率信息的优化器和对
# 损失曲面的分析都建立在它之上。对 $f(x) = \sum_i x_i^3$：$\nabla f = 3x^2$，
# $H = \operatorname{diag}(6x)$。

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
f = (x**3).sum()
(g,) = torch.autograd.grad(f, x, create_graph=True)  # g = 3x^2, with its own graph
print(g.detach(), g.requires_grad)
v = torch.tensor([1.0, 0.0])
(hv,) = torch.autograd.grad((g * v).sum(), x)  # H v = 6x * v
print(hv)
print(x.grad)  # None: torch.autograd.grad does not touch .grad

# %% [markdown] lang="en"
# ### Exercise 02.6 — a Hessian-vector product
#
# Write `hvp(f, x, v)`: `f` maps a 1-D float64 tensor to a scalar, `x` (without
# `requires_grad`) and `v` are 1-D tensors of the same shape. Return $H v$, where $H$ is the
# Hessian of `f` at `x`, as a tensor of `x`'s shape. The check uses functions whose Hessian is
# not diagonal, and calls your function twice with the same `x`.

# %% [markdown] lang="zh"
# ### 练习 02.6 —— 黑塞-向量积
#
# 编写 `hvp(f, x, v)`：`f` 把一维 float64 张量映射为标量，`x`（没有 `requires_grad`）和 `v` 是形状
# 相同的一维张量。返回 $H v$，其中 $H$ 是 `f` 在 `x` 处的黑塞矩阵，结果的形状与 `x` 相同。检查用的
# 函数其黑塞矩阵不是对角阵，并且会用同一个 `x` 调用你的函数两次。

# %% tags=["exercise"] exercise="02.6"
def hvp(f, x, v):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 02.6: return H v, the Hessian of f at x times v")
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad((g * v).sum(), x)
    return hv
    ### END SOLUTION


# %% tags=["check"]
check("02.6", hvp)

# %% [markdown] lang="en"
# ## How PyTorch does it
#
# - **Topological order.** `backward()` must run a node only after *all* the gradients flowing
#   into it have arrived (`y * y` above sends two). PyTorch's engine first counts, for every
#   node reachable from the output, how many edges lead into it; it then runs nodes from a
#   ready queue, decrementing the counts of their `next_functions`, and a node becomes ready
#   when its count reaches zero. The walk is iterative, not recursive, so a graph of a million
#   operations does not overflow the Python stack. autograd_lab's engine
#   (`autograd_lab/autograd/`) does the same, in readable Python.
# - **AccumulateGrad.** A leaf's node adds the incoming gradient into `.grad` (creating it the
#   first time); that is where accumulation comes from.
# - **Saved tensors and version counters.** Each node keeps the tensors its derivative needs,
#   together with their version at save time. Backward compares versions (the in-place error)
#   and then frees the saved tensors unless `retain_graph=True` (the backward-twice error).
# - **Grad mode.** `no_grad` flips a thread-local switch that every operation reads before
#   recording itself; `detach()` makes a view of the same storage with no history.
# - PyTorch also offers `torch.autograd.functional.jacobian`, `hessian`, `vjp` and `hvp`, built
#   on the same `torch.autograd.grad` calls you just wrote (autograd_lab does not include that
#   module).
#
# ## Recap
#
# - `requires_grad=True` records operations; leaves have `grad_fn=None`; `grad_fn` and
#   `next_functions` are the graph, rebuilt on every forward pass (a dynamic graph).
# - `out.backward()` fills `.grad` of the leaves; for a non-scalar `y`, `y.backward(v)` computes
#   $v^\top J$.
# - Gradients accumulate: clear them (`zero_grad`, `grad.zero_()`, `grad = None`) once per step.
# - `torch.no_grad()` for inference and parameter updates; `detach()` cuts a tensor out of the
#   graph (and shares its memory).
# - "backward through the graph a second time": recompute the forward, or `retain_graph=True`.
#   "modified by an inplace operation ... version": use the out-of-place operation.
# - A custom `autograd.Function` needs a `backward` returning one gradient per input; check it
#   with `gradcheck` on float64.
# - `torch.autograd.grad(..., create_graph=True)` differentiates twice: $Hv$ = gradient of
#   $\nabla f \cdot v$.

# %% [markdown] lang="zh"
# ## PyTorch 是怎么做的
#
# - **拓扑顺序。** `backward()` 必须等流入某个节点的*所有*梯度都到齐之后才能执行它（上面的
#   `y * y` 就会送来两份）。PyTorch 的引擎先为从输出可达的每个节点统计有多少条边指向它；然后从一个
#   就绪队列中依次执行节点，并把它们的 `next_functions` 的计数减一，计数降为零的节点就进入就绪队列。
#   这个遍历是迭代而不是递归的，所以即使计算图有上百万个运算，也不会让 Python 栈溢出。
#   autograd_lab 的引擎（`autograd_lab/autograd/`）用易读的 Python 做了同样的事。
# - **AccumulateGrad。** 叶子的节点把传来的梯度加进 `.grad`（第一次时创建它）；累加就是从这里来的。
# - **保存的张量与版本计数器。** 每个节点保存其导数所需的张量，同时记下保存时的版本号。反向传播时先
#   比较版本（原地修改的报错），然后释放这些保存的张量，除非 `retain_graph=True`（反向传播两次的
#   报错）。
# - **梯度模式。** `no_grad` 切换一个线程局部的开关，每个运算在记录自己之前都会读取它；`detach()`
#   在同一块存储上生成一个没有历史记录的视图。
# - PyTorch 还提供了 `torch.autograd.functional.jacobian`、`hessian`、`vjp` 和 `hvp`，它们正是
#   建立在你刚刚写过的 `torch.autograd.grad` 调用之上的（autograd_lab 没有包含这个模块）。
#
# ## 小结
#
# - `requires_grad=True` 开启运算记录；叶子的 `grad_fn=None`；`grad_fn` 和 `next_functions`
#   构成计算图，每次前向计算都会重建（动态图）。
# - `out.backward()` 填写叶子的 `.grad`；对非标量 `y`，`y.backward(v)` 计算 $v^\top J$。
# - 梯度会累加：每一步清空一次（`zero_grad`、`grad.zero_()`、`grad = None`）。
# - 推理和更新参数时用 `torch.no_grad()`；`detach()` 把张量从计算图中切出来（并与原张量共享内存）。
# - "backward through the graph a second time"：重新做前向计算，或用 `retain_graph=True`。
#   "modified by an inplace operation ... version"：改用非原地操作。
# - 自定义的 `autograd.Function` 需要一个为每个输入各返回一个梯度的 `backward`；用 float64 输入的
#   `gradcheck` 检验它。
# - `torch.autograd.grad(..., create_graph=True)` 可以求两次导：$Hv$ 就是 $\nabla f \cdot v$
#   的梯度。

# %%
progress()
