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
# # 01 · Tensors
#
# A **tensor** is PyTorch's basic data structure: an n-dimensional array of numbers of one
# type, like a NumPy `ndarray`, that can also live on a GPU and remember how it was computed
# (for autograd, lesson 02). As tutorial 004 puts it, PyTorch is "a NumPy replacement that can
# use the power of GPUs" and "a deep-learning platform". This lesson is about the first part.
#
# **Objectives.** After this lesson you can
#
# - create tensors (`empty`, `rand`, `randn`, `zeros`, `tensor`, `new_ones`, `randn_like`...)
#   and choose their **dtype**;
# - read a shape (`size()`, `shape`, `torch.Size`) and do arithmetic, including the four ways
#   to add and in-place operations;
# - index and slice, and tell a **view** (shared memory) from a **copy**, using `view`,
#   `reshape`, `contiguous`, strides and the tensor inspector;
# - predict what **broadcasting** does and reduce along the right dimension;
# - move data between tensors and NumPy without copying, and between devices with `.to()`.

# %% [markdown] lang="zh"
# # 01 · 张量
#
# **张量**（tensor）是 PyTorch 的基本数据结构：由同一种类型的数构成的 n 维数组，类似 NumPy 的
# `ndarray`，但它还可以放在 GPU 上，并能记住自己是怎样算出来的（用于自动求导，见第 02 课）。正如
# 教程 004 所说，PyTorch 既是“可以利用 GPU 强大算力的 NumPy 替代者”，也是“一个深度学习平台”。
# 本课讲的是前一部分。
#
# **学习目标。** 学完本课，你能够
#
# - 创建张量（`empty`、`rand`、`randn`、`zeros`、`tensor`、`new_ones`、`randn_like`……），并选择
#   它的**数据类型**（dtype）；
# - 读懂形状（`size()`、`shape`、`torch.Size`），进行算术运算，包括四种加法和原地操作；
# - 进行索引和切片，分清**视图**（view，共享内存）和**拷贝**（copy），会用 `view`、`reshape`、
#   `contiguous`、步长和张量查看器；
# - 预测**广播**（broadcasting）的结果，沿正确的维度做归约；
# - 在张量和 NumPy 之间不拷贝地交换数据，并用 `.to()` 在设备之间移动数据。

# %%
import numpy as np

import autograd_lab as torch
from autograd_lab import viz
from course import check, progress

_ = torch.manual_seed(0)  # the same "random" numbers on every run

# %% [markdown] lang="en"
# ## 1. Creating tensors
#
# `torch.empty(5, 3)` allocates a 5×3 matrix **without initialising it**: its elements are
# whatever bytes were in that memory, meaningless numbers that change from run to run (the
# seed tutorials print some, like `-8.6500e+17`). Use it only when you will overwrite every
# element anyway. We print its shape and dtype, not its values.
#
# > **Seed note.** In tutorial 000 these examples run together with their comments
# > (`import torch创建一个未初始化的5×3矩阵`, `print(x)创建一个随机初始化的矩阵`): the web page
# > lost its line breaks. Each comment belongs on a line of its own, as below.

# %% [markdown] lang="zh"
# ## 1. 创建张量
#
# `torch.empty(5, 3)` 分配一个 5×3 的矩阵，但**不做初始化**：元素就是那块内存里原有的字节，是每次
# 运行都不一样的无意义数值（种子教程就打印出了 `-8.6500e+17` 这样的数）。只有当你反正要覆盖每个
# 元素时才用它。这里我们只打印它的形状和数据类型，不打印数值。
#
# > **种子教程说明。** 在教程 000 里，这几个例子和注释挤在了一起
# > （`import torch创建一个未初始化的5×3矩阵`、`print(x)创建一个随机初始化的矩阵`）：网页丢失了
# > 换行。每条注释都应单独占一行，如下所示。

# %%
x = torch.empty(5, 3)
print(x.shape, x.dtype)

# %% [markdown] lang="en"
# Random tensors: `torch.rand` draws uniformly from $[0, 1)$ (every value in the interval
# equally likely), `torch.randn` from the standard normal distribution (mean 0, standard
# deviation 1: most values near 0). `torch.manual_seed(0)` in the first cell makes the draws
# repeatable.

# %% [markdown] lang="zh"
# 随机张量：`torch.rand` 从 $[0, 1)$ 上的均匀分布中取值（区间内每个值出现的概率相同），
# `torch.randn` 从标准正态分布中取值（均值 0、标准差 1：大多数值在 0 附近）。第一个代码单元格里的
# `torch.manual_seed(0)` 让每次抽到的随机数都相同，结果可以复现。

# %%
x = torch.rand(5, 3)
print(x)
x = torch.randn(5, 3)
print(x)

# %% [markdown] lang="en"
# Zeros of a chosen type, and a tensor built directly from data. Note the output: a `long`
# (64-bit integer) tensor prints integers. Tutorial 004 shows `0.` floats under
# `torch.zeros(5, 3, dtype=torch.long)`, which is not what PyTorch prints.

# %% [markdown] lang="zh"
# 指定类型的全零张量，以及直接由数据创建的张量。注意输出：`long`（64 位整数）张量打印出来是整数。
# 教程 004 在 `torch.zeros(5, 3, dtype=torch.long)` 下面给出的是 `0.` 这样的浮点数，这并不是
# PyTorch 实际打印的结果。

# %%
x = torch.zeros(5, 3, dtype=torch.long)
print(x)
x = torch.tensor([5.5, 3])
print(x)
x5 = torch.tensor([2.5, 3.5])
print(x5)

# %% [markdown] lang="en"
# A few more constructors you will meet all the time:

# %% [markdown] lang="zh"
# 还有几个经常会用到的构造函数：

# %%
print(torch.ones(2, 3))
print(torch.arange(6))  # 0, 1, ..., 5 (like Python's range)
print(torch.linspace(0, 1, 5))  # 5 evenly spaced points from 0 to 1
print(torch.full((2, 2), 7.0))
print(torch.eye(2))  # the identity matrix
print(torch.randint(0, 2, (10,)))  # random integers in [0, 2): labels, as in tutorial 000

# %% [markdown] lang="en"
# **From an existing tensor.** `x.new_ones(...)` makes a tensor of ones with the *same dtype and
# device as `x`* unless you say otherwise; `torch.randn_like(x)` makes random numbers with the
# *same shape* (and dtype and device) as `x`, and `dtype=` overrides the type. This matters on a
# GPU: a tensor made with `new_ones` from a GPU tensor is on the GPU too.
#
# > **Seed fix.** Tutorial 004 calls `x4.new_ones(5, 3, dtype=torch.double)` but never defines
# > `x4`: any existing tensor works. (Its comment also misspells `randn_like` as `randn_1ike`.)

# %% [markdown] lang="zh"
# **由已有张量创建。** `x.new_ones(...)` 生成一个全 1 张量，除非另行指定，它的*数据类型和设备都与
# `x` 相同*；`torch.randn_like(x)` 生成与 `x` *形状相同*（数据类型和设备也相同）的随机数，
# `dtype=` 可以改变类型。这在 GPU 上很有用：由 GPU 张量通过 `new_ones` 生成的张量也在 GPU 上。
#
# > **种子教程勘误。** 教程 004 调用了 `x4.new_ones(5, 3, dtype=torch.double)`，却从没定义过
# > `x4`：换成任何一个已有张量都可以。（它的注释还把 `randn_like` 误写成了 `randn_1ike`。）

# %%
x4 = torch.zeros(5, 3, dtype=torch.long)
x = x4.new_ones(5, 3, dtype=torch.double)
print(x)
y = torch.randn_like(x, dtype=torch.float)
print(y)
print(x4.new_ones(2, 2).dtype)  # no dtype=: new_ones keeps x4's dtype

# %% [markdown] lang="en"
# ## 2. dtypes
#
# Every element of a tensor has the same **dtype**. The ones you will use most:
#
# | dtype | also called | what for |
# |---|---|---|
# | `torch.float32` | `torch.float` | the default for real numbers: weights, activations, images |
# | `torch.float64` | `torch.double` | more precision (gradient checks); NumPy's default |
# | `torch.int64` | `torch.long` | the default for integers: class labels, indices |
# | `torch.int32` | `torch.int` | 32-bit integers |
# | `torch.bool` | | results of comparisons, masks |
# | `torch.uint8`, `torch.float16` | | raw image bytes; half precision on GPUs |
#
# `torch.tensor` infers the dtype from the data: Python ints give `int64`, floats give
# `float32` (not NumPy's `float64`!), a mix of both gives `float32`. Convert with `.to(dtype)`
# or the shortcuts `.float()`, `.double()`, `.long()`; converting always makes a copy.

# %% [markdown] lang="zh"
# ## 2. 数据类型
#
# 张量中所有元素的**数据类型**（dtype）都相同。最常用的几种：
#
# | dtype | 别名 | 用途 |
# |---|---|---|
# | `torch.float32` | `torch.float` | 实数的默认类型：权重、激活值、图像 |
# | `torch.float64` | `torch.double` | 精度更高（梯度检验）；NumPy 的默认类型 |
# | `torch.int64` | `torch.long` | 整数的默认类型：类别标签、下标 |
# | `torch.int32` | `torch.int` | 32 位整数 |
# | `torch.bool` | | 比较的结果、掩码 |
# | `torch.uint8`、`torch.float16` | | 原始图像字节；GPU 上的半精度 |
#
# `torch.tensor` 会根据数据推断数据类型：Python 整数得到 `int64`，浮点数得到 `float32`（而不是
# NumPy 的 `float64`！），两者混合得到 `float32`。用 `.to(dtype)` 或简写 `.float()`、`.double()`、
# `.long()` 转换类型；类型转换总会产生一份拷贝。

# %%
print(torch.tensor([1, 2]).dtype, torch.tensor([1.0, 2]).dtype, torch.tensor([True, False]).dtype)
print(torch.float is torch.float32, torch.double is torch.float64, torch.long is torch.int64)
print(torch.tensor([1.7, -2.7]).long())  # float -> int truncates toward zero
print(torch.tensor([1, 2]) / 2, torch.tensor([1, 2]) // 2)  # / always gives floats

# %% [markdown] lang="en"
# When two dtypes meet in an elementwise operation, the result gets the "larger" type
# (**type promotion**): `int64 + float32` gives `float32`. Matrix multiplication does not
# promote: both operands must have the same dtype.
#
# > **Seed fix.** Tutorial 001 computes `w = torch.matmul(y, x.T)` with `x = torch.tensor([1, 2,
# > 3])` (int64) and `y` float32. That raises the `RuntimeError` below. Make the dtypes match
# > with `x.float()`. Also, `.T` on a 1-D tensor does nothing (a vector has no rows and columns
# > to swap), and PyTorch now warns that it is deprecated there.

# %% [markdown] lang="zh"
# 两种数据类型在逐元素运算中相遇时，结果取“更大”的那种类型，这叫作**类型提升**（type promotion）：
# `int64 + float32` 得到 `float32`。矩阵乘法不做类型提升：两个操作数的数据类型必须相同。
#
# > **种子教程勘误。** 教程 001 用 `x = torch.tensor([1, 2, 3])`（int64）和 float32 的 `y` 计算
# > `w = torch.matmul(y, x.T)`，会抛出下面的 `RuntimeError`。用 `x.float()` 让数据类型一致即可。
# > 另外，对一维张量用 `.T` 什么也不做（向量没有行和列可以交换），PyTorch 现在会对这种用法给出
# > 弃用警告。

# %%
x = torch.tensor([1, 2, 3])
y = torch.randn(2, 3)
z = x + y  # int64 + float32 -> float32; (3,) + (2, 3) -> (2, 3) by broadcasting (section 8)
print(z.dtype, z.shape)
try:
    torch.matmul(y, x)
except RuntimeError as e:
    print("RuntimeError:", e)
w = torch.matmul(y, x.float())
print(w)

# %% [markdown] lang="en"
# ## 3. Shapes and `torch.Size`
#
# `x.size()` and `x.shape` give the same thing: a `torch.Size`. A `torch.Size` **is a tuple**, so
# everything you can do with a tuple works: indexing, slicing, unpacking, `len`. `numel()` is
# the number of elements and `dim()` the number of dimensions.

# %% [markdown] lang="zh"
# ## 3. 形状与 `torch.Size`
#
# `x.size()` 和 `x.shape` 得到的是同一个东西：一个 `torch.Size`。`torch.Size` 本质上**就是一个
# 元组**（tuple），所以元组能做的它都能做：索引、切片、解包、`len`。`numel()` 是元素总数，
# `dim()` 是维数。

# %%
x = torch.ones(5, 3, dtype=torch.double)
print(x.size())
print(x.shape)
rows, cols = x.size()
print(isinstance(x.size(), tuple), x.size()[0], len(x.shape), rows * cols)
print(x.numel(), x.dim())

# %% [markdown] lang="en"
# ### Exercise 01.1 — zeros of the right type
#
# Write `zeros_long(rows, cols)`: return a tensor of zeros with `rows` rows and `cols` columns
# whose dtype is `torch.long`.

# %% [markdown] lang="zh"
# ### 练习 01.1 —— 类型正确的全零张量
#
# 编写 `zeros_long(rows, cols)`：返回一个 `rows` 行、`cols` 列、数据类型为 `torch.long` 的
# 全零张量。

# %% tags=["exercise"] exercise="01.1"
def zeros_long(rows, cols):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 01.1: return rows x cols zeros of dtype torch.long")
    return torch.zeros(rows, cols, dtype=torch.long)
    ### END SOLUTION


# %% tags=["check"]
check("01.1", zeros_long)

# %% [markdown] lang="en"
# ## 4. Arithmetic: four ways to add
#
# Tutorial 004 shows four ways to add two tensors. The first three give a **new** tensor; the
# fourth changes `y` itself.

# %% [markdown] lang="zh"
# ## 4. 算术运算：四种加法
#
# 教程 004 给出了两个张量相加的四种方式。前三种得到一个**新**张量；第四种直接修改 `y` 本身。

# %%
x = torch.zeros(5, 3)
y = torch.ones(5, 3)
z = x + y  # 1. the operator
print(z)
print(torch.add(x, y))  # 2. the function
result = torch.empty(5, 3)
w = torch.add(x, y, out=result)  # 3. into a tensor you provide
print(result)
print(w is result)  # out= returns that same tensor
y.add_(x)  # 4. in place
print(y)

# %% [markdown] lang="en"
# Tutorial 004 shows `z` and `out` without a `print`: in a notebook the value of the *last line*
# of a cell is displayed, but in a script you need `print`.
#
# All the arithmetic operators work **element by element** (`*` multiplies matching elements);
# the matrix product is `@` (or `torch.matmul`). Many functions exist both as `torch.f(x)` and as
# the method `x.f()`.

# %% [markdown] lang="zh"
# 教程 004 展示 `z` 和 `out` 时没有写 `print`：在 notebook 里，单元格*最后一行*的值会被自动显示，
# 但在脚本里必须用 `print`。
#
# 所有算术运算符都是**逐元素**的（`*` 把对应位置的元素相乘）；矩阵乘法是 `@`（即
# `torch.matmul`）。很多函数既可以写成 `torch.f(x)`，也可以写成方法 `x.f()`。

# %%
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
print(a * a)  # elementwise
print(a @ a)  # matrix product
print(torch.exp(a).equal(a.exp()), a.sum(), a.mean())

# %% [markdown] lang="en"
# ## 5. In-place operations
#
# Every operation whose name ends in an underscore works **in place**: `x.copy_(y)`,
# `x.add_(y)`, `x.zero_()` change `x` itself and return it, without allocating a new tensor.
# `x += y` is in place too, while `x = x + y` builds a new tensor and rebinds the name `x`. The
# difference shows as soon as two names refer to the same tensor:

# %% [markdown] lang="zh"
# ## 5. 原地操作
#
# 名字以下划线结尾的操作都是**原地**（in-place）操作：`x.copy_(y)`、`x.add_(y)`、`x.zero_()`
# 直接修改 `x` 本身并返回它，不分配新张量。`x += y` 也是原地的，而 `x = x + y` 会构造一个新张量，
# 再让名字 `x` 指向它。一旦有两个名字指向同一个张量，区别就显现出来了：

# %%
x = torch.zeros(2, 2)
y = torch.ones(2, 2)
x.copy_(y)
x.add_(y)
print(x)

a = torch.ones(3)
b = a  # a second name for the same tensor
a += 1  # in place: b sees the change
print(b)
a = a + 1  # a new tensor; b keeps the old one
print(a, b)

# %% [markdown] lang="en"
# In-place operations save memory, but they destroy the old values. Lesson 02 shows the case
# where autograd still needed them, and the error you get then.

# %% [markdown] lang="zh"
# 原地操作节省内存，但会毁掉旧值。第 02 课会讲到 autograd 仍然需要这些旧值的情形，以及此时你会
# 看到的报错。

# %% [markdown] lang="en"
# ## 6. Indexing and slicing
#
# Tensors are indexed like NumPy arrays: one index or slice per dimension, `:` for "all",
# negative indices from the end, `start:stop:step`. A **boolean mask** picks the elements where
# it is `True`, a list of indices picks those rows. Assigning to an indexed tensor writes into
# it.

# %% [markdown] lang="zh"
# ## 6. 索引与切片
#
# 张量的索引（indexing）方式和 NumPy 数组一样：每个维度一个下标或切片（slicing），`:` 表示
# “全部”，负下标从末尾数起，`start:stop:step` 表示带步长的切片。**布尔掩码**（mask）挑出为
# `True` 的元素，下标列表挑出对应的行。对索引结果赋值会写入原张量。

# %%
x = torch.zeros(5, 3)
print(x[:, 1])  # the second column (tutorial 004)
x = torch.arange(15.0).reshape(5, 3)
print(x)
print(x[:, 1])
print(x[0], x[-1])
print(x[1:3])
print(x[::2, 1:])
print(x[x > 10])  # boolean mask: a 1-D tensor of the selected elements
print(x[[0, 4]])  # rows 0 and 4
x[0, 0] = 100.0
print(x[0])

# %% [markdown] lang="en"
# Slices (`x[:, 1]`, `x[1:3]`) share memory with `x`, as section 7 explains; a boolean mask or
# a list of indices gathers scattered elements and so gives a **copy**. Indexing a single
# element still gives a tensor (with zero dimensions). `.item()` turns a one-element tensor into
# a plain Python number:

# %% [markdown] lang="zh"
# 切片（`x[:, 1]`、`x[1:3]`）与 `x` 共享内存，第 7 节会解释原因；布尔掩码或下标列表要把分散的元素
# 收集起来，所以得到的是一份**拷贝**。取出单个元素得到的仍是张量（零维张量）。`.item()` 把只有一个
# 元素的张量转换成普通的 Python 数：

# %%
print(x[1, 2], x[1, 2].item())
x = torch.randn(1)
y = x.item()
print(x)
print(y, type(y).__name__)

# %% [markdown] lang="en"
# ## 7. Views, copies and storage
#
# `view` gives the same data a new shape. The number of elements must stay the same, and `-1`
# means "whatever size makes the count right":

# %% [markdown] lang="zh"
# ## 7. 视图、拷贝与存储
#
# `view` 给同一份数据换一个形状。元素总数必须保持不变，`-1` 的意思是“自动推断，使总数对得上”：

# %%
x = torch.randn(4, 4)
y = x.view(16)
z = x.view(-1, 8)  # -1 is inferred: 16 / 8 = 2
print(x.size(), y.size(), z.size())

# %% [markdown] lang="en"
# `view` copies **nothing**. A tensor is a window onto a flat block of memory, its
# **storage**: a shape, an offset into the storage, and **strides**, the number of elements to
# skip in the storage to move one step along each dimension. Element `x[i, j]` lives at
# `storage[offset + i * stride[0] + j * stride[1]]`. `x`, `y` and `z` above are three windows
# onto the same 16 numbers, so writing through one changes what the others see:

# %% [markdown] lang="zh"
# `view` **不拷贝任何数据**。张量是一块一维连续内存——它的**存储**（storage）——之上的一个窗口：
# 由形状、在存储中的偏移量（offset）和**步长**（stride）组成，步长是沿每个维度前进一步时要在存储中
# 跳过的元素个数。元素 `x[i, j]` 位于 `storage[offset + i * stride[0] + j * stride[1]]`。上面的
# `x`、`y`、`z` 是同一组 16 个数上的三个窗口，所以通过其中一个写入，另外两个都能看到：

# %%
y[0] = 42.0
print(x[0, 0], z[0, 0])
print(x.stride(), z.stride(), y.stride())

# %% [markdown] lang="en"
# The **tensor inspector** draws this. Each tensor gets its shape, strides and storage; tensors
# that share a storage are marked, and in JupyterLab hovering over an element lights up every
# element that is the same memory. Look at what each operation below shares:
#
# - `a.view(3, 2)`, `a.t()` (the transpose) and the column `a[:, 1]` are **views** of `a`;
# - `a.t()` swaps the strides instead of moving data, so it is **not contiguous**: walking it
#   row by row jumps around in memory;
# - `a.t().contiguous()` and `a.clone()` are **copies** with a storage of their own.

# %% [markdown] lang="zh"
# **张量查看器**把这些画了出来。每个张量都列出形状、步长和存储；共享同一存储的张量会被标出，
# 在 JupyterLab 中把鼠标移到某个元素上，所有指向同一块内存的元素都会高亮。看看下面每个操作共享了
# 什么：
#
# - `a.view(3, 2)`、`a.t()`（转置）和列 `a[:, 1]` 都是 `a` 的**视图**；
# - `a.t()` 只交换步长而不移动数据，所以它**不连续**（not contiguous）：按行遍历它时会在内存里
#   跳来跳去；
# - `a.t().contiguous()` 和 `a.clone()` 是**拷贝**，有自己的存储。

# %%
a = torch.arange(6.0).reshape(2, 3)
viz.inspect(a, a.view(3, 2), a.t(), a[:, 1], a.t().contiguous(), a.clone(),
            names=["a", "a.view(3, 2)", "a.t()", "a[:, 1]", "a.t().contiguous()", "a.clone()"])

# %% [markdown] lang="en"
# `view` never copies, so it refuses a shape that the strides cannot express, for example
# flattening the transpose. `reshape` does the same as `view` when it can and **copies** when it
# must; `.contiguous()` copies a non-contiguous tensor into fresh, row-ordered memory (and
# returns the tensor itself when it already is contiguous).

# %% [markdown] lang="zh"
# `view` 从不拷贝，所以当步长无法表达所要的形状时它会拒绝，比如把转置后的张量展平。`reshape` 在
# 可能时和 `view` 一样，必要时则会**拷贝**；`.contiguous()` 把不连续的张量拷贝到一块按行排列的新
# 内存里（如果张量本来就连续，则直接返回它自己）。

# %%
t = a.t()
print(t.is_contiguous(), t.stride())
try:
    t.view(6)
except RuntimeError as e:
    print("RuntimeError:", e)
print(t.reshape(6))
print(t.contiguous().view(6))
print(a.reshape(3, 2).data_ptr() == a.data_ptr(), t.reshape(6).data_ptr() == a.data_ptr())

# %% [markdown] lang="en"
# `data_ptr()` is the memory address of a tensor's first element: equal addresses above mean
# "same memory", so `a.reshape(3, 2)` was a view and `t.reshape(6)` a copy.
#
# More shape operations you will use constantly, shown on the shapes the seed tutorials use:
# `unsqueeze(0)` adds a dimension of size 1 (a batch of one image: `nn` layers only accept
# batches), `squeeze()` removes dimensions of size 1, `flatten(x, 1)` and `x.view(-1, n)`
# flatten everything but the batch dimension before a linear layer, and `permute` reorders
# dimensions (a view, like `t()`).

# %% [markdown] lang="zh"
# `data_ptr()` 是张量第一个元素的内存地址：上面地址相等表示“同一块内存”，所以 `a.reshape(3, 2)`
# 是视图，`t.reshape(6)` 是拷贝。
#
# 下面是一些会经常用到的形状操作，用的是种子教程里出现的形状：`unsqueeze(0)` 增加一个大小为 1 的
# 维度（一张图片组成的批次：`nn` 的各层只接受批量输入），`squeeze()` 去掉大小为 1 的维度，
# `torch.flatten(x, 1)` 和 `x.view(-1, n)` 在进入全连接层之前把批次维度之外的维度展平，`permute`
# 重新排列维度（和 `t()` 一样是视图）。

# %%
feats = torch.randn(4, 16, 5, 5)  # a batch of 4 feature maps from a conv layer
print(feats.size()[1:])  # a torch.Size slices like a tuple
print(feats.view(-1, 16 * 5 * 5).shape, torch.flatten(feats, 1).shape)
img = torch.randn(1, 32, 32)  # one single-channel 32x32 image
print(img.unsqueeze(0).shape)  # a batch of one
print(img.unsqueeze(0).squeeze().shape)
target = torch.randn(10)
print(target.view(1, -1).shape)  # a row, to match an output of shape (1, 10)
print(feats.permute(0, 2, 3, 1).shape)

# %% [markdown] lang="en"
# ### Exercise 01.2 — a view, not a copy
#
# Write `rows_of(x, k)`: given a contiguous tensor `x` whose number of elements is a multiple of
# `k`, return a tensor with rows of length `k` (shape `(x.numel() // k, k)`) holding `x`'s
# elements in order. It must be a **view**: writing into your result must change `x`. The check
# tries 1-D and multi-dimensional `x`.

# %% [markdown] lang="zh"
# ### 练习 01.2 —— 要视图，不要拷贝
#
# 编写 `rows_of(x, k)`：给定一个连续张量 `x`，其元素个数是 `k` 的倍数，返回一个每行长度为 `k`
# （形状为 `(x.numel() // k, k)`）、按顺序存放 `x` 的元素的张量。它必须是**视图**：写入你的结果
# 必须能改变 `x`。检查会用一维和多维的 `x` 来测试。

# %% tags=["exercise"] exercise="01.2"
def rows_of(x, k):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 01.2: return a view of x with rows of length k")
    return x.view(-1, k)
    ### END SOLUTION


# %% tags=["check"]
check("01.2", rows_of)

# %% [markdown] lang="en"
# ## 8. The NumPy bridge
#
# On the CPU, a tensor and a NumPy array can share one block of memory. `t.numpy()` returns an
# array that **shares** the tensor's memory, and `torch.from_numpy(a)` returns a tensor that
# **shares** the array's memory (keeping its dtype: NumPy's `float64` stays `float64`). Change
# one, and the other changes too:

# %% [markdown] lang="zh"
# ## 8. 与 NumPy 互通
#
# 在 CPU 上，张量和 NumPy 数组可以共享同一块内存。`t.numpy()` 返回的数组与张量**共享**内存，
# `torch.from_numpy(a)` 返回的张量与数组**共享**内存（并保留数组的数据类型：NumPy 的 `float64`
# 仍是 `float64`）。改变其中一个，另一个也随之改变：

# %%
a = torch.ones(5)
print(a)
b = a.numpy()
print(b)
a.add_(1)
print(a)
print(b)

# %%
a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a)
print(b)

# %% [markdown] lang="en"
# `torch.tensor(a)`, on the other hand, always **copies** its data. Tutorial 004 compares the
# two; the inspector shows why `b` below keeps the old values:
#
# > **Seed notes.** Tutorial 004's output shows `dtype=torch.int32`: NumPy's default integer
# > on Windows. On Linux and macOS it is `int64`, the default integer dtype of tensors, which is
# > why no dtype is printed here. Its remark that every CPU tensor *except `CharTensor`* (int8)
# > converts to NumPy is outdated: int8 converts fine today.

# %% [markdown] lang="zh"
# 而 `torch.tensor(a)` 总是**拷贝**数据。教程 004 比较了这两种做法；从张量查看器可以看出为什么
# 下面的 `b` 保持了旧值：
#
# > **种子教程说明。** 教程 004 的输出里是 `dtype=torch.int32`：那是 Windows 上 NumPy 的默认
# > 整数类型。在 Linux 和 macOS 上它是 `int64`，也就是张量的默认整数类型，所以这里不会打印
# > dtype。教程说除了 `CharTensor`（int8）之外所有 CPU 张量都能与 NumPy 互相转换，这个说法已经
# > 过时：如今 int8 也能正常转换。

# %%
a = np.array([1, 2, 3])
b = torch.tensor(a)
c = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a, "\n", b, "\n", c)
print(torch.tensor([1, -2], dtype=torch.int8).numpy())

# %%
viz.inspect(a, b, c, names=["a (NumPy)", "b = torch.tensor(a)", "c = torch.from_numpy(a)"])

# %% [markdown] lang="en"
# Two rules of the bridge. A tensor that requires a gradient refuses `.numpy()` (the array
# would escape autograd's bookkeeping): use `t.detach().numpy()`. A tensor on a GPU must first
# come back to the CPU: `t.cpu().numpy()`.
#
# The `imshow` helper of tutorial 004 uses the bridge to draw a `C×H×W` image tensor with
# matplotlib, which wants `H×W×C`: `np.transpose(npimg, (1, 2, 0))` moves the channel axis last.
# On the tensor side the same is `img.permute(1, 2, 0)`.

# %% [markdown] lang="zh"
# 互通有两条规则。需要梯度的张量拒绝调用 `.numpy()`（否则数组会脱离 autograd 的记录）：要用
# `t.detach().numpy()`。GPU 上的张量必须先回到 CPU：`t.cpu().numpy()`。
#
# 教程 004 的 `imshow` 辅助函数就借助这座桥，用 matplotlib 画出 `C×H×W` 的图像张量，而
# matplotlib 要求 `H×W×C`：`np.transpose(npimg, (1, 2, 0))` 把通道轴移到最后。在张量这边，
# 同样的操作是 `img.permute(1, 2, 0)`。

# %%
w = torch.ones(3, requires_grad=True)
try:
    w.numpy()
except RuntimeError as e:
    print("RuntimeError:", e)
print(w.detach().numpy())

img = torch.rand(3, 4, 6) * 2 - 1  # a C x H x W image normalised to [-1, 1]
img = img / 2 + 0.5  # unnormalize, as imshow does
npimg = img.numpy()
print(np.transpose(npimg, (1, 2, 0)).shape, img.permute(1, 2, 0).shape)

# %% [markdown] lang="en"
# ### Exercise 01.3 — from NumPy without a copy
#
# Write `shared_tensor(a)`: return a tensor that **shares memory** with the NumPy array `a` and
# has the same dtype and shape. The check changes the array in place afterwards and expects your
# tensor to follow.

# %% [markdown] lang="zh"
# ### 练习 01.3 —— 不拷贝地从 NumPy 得到张量
#
# 编写 `shared_tensor(a)`：返回一个与 NumPy 数组 `a` **共享内存**、数据类型和形状都相同的张量。
# 检查程序随后会原地修改数组，并期望你的张量随之改变。

# %% tags=["exercise"] exercise="01.3"
def shared_tensor(a):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 01.3: return a tensor that shares a's memory")
    return torch.from_numpy(a)
    ### END SOLUTION


# %% tags=["check"]
check("01.3", shared_tensor)

# %% [markdown] lang="en"
# ## 9. Broadcasting
#
# An elementwise operation between tensors of different shapes **broadcasts** them to a common
# shape, without copying data. The rule, applied to the shapes aligned **from the right**:
# two sizes are compatible when they are equal or one of them is 1; a size-1 dimension is
# stretched to match, and a missing leading dimension counts as 1.
#
# | shapes | result | what happens |
# |---|---|---|
# | `(2, 3)` and `(3,)` | `(2, 3)` | the row is added to every row |
# | `(2, 3)` and `(2, 1)` | `(2, 3)` | the column is added to every column |
# | `(3, 1)` and `(1, 4)` | `(3, 4)` | every pair: an "outer" sum |
# | `(2, 3)` and `(2,)` | error | aligned from the right, 3 ≠ 2 |

# %% [markdown] lang="zh"
# ## 9. 广播
#
# 形状不同的张量做逐元素运算时，会被**广播**（broadcasting）成一个共同的形状，而不拷贝数据。规则
# 是把两个形状**从右边对齐**：两个尺寸相等或其中一个为 1 时才兼容；大小为 1 的维度会被拉伸到与
# 对方一致，左边缺少的维度按 1 计算。
#
# | 形状 | 结果 | 发生了什么 |
# |---|---|---|
# | `(2, 3)` 与 `(3,)` | `(2, 3)` | 这一行加到每一行上 |
# | `(2, 3)` 与 `(2, 1)` | `(2, 3)` | 这一列加到每一列上 |
# | `(3, 1)` 与 `(1, 4)` | `(3, 4)` | 两两组合：“外”和 |
# | `(2, 3)` 与 `(2,)` | 报错 | 从右对齐后 3 ≠ 2 |

# %%
m = torch.arange(6.0).reshape(2, 3)
print(m + torch.tensor([10.0, 20.0, 30.0]))
print(m + torch.tensor([[100.0], [200.0]]))
col = torch.arange(3.0).view(3, 1)
row = torch.arange(4.0).view(1, 4)
print(col + row)
try:
    m + torch.tensor([1.0, 2.0])
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown] lang="en"
# Broadcasting copies nothing: a stretched dimension has **stride 0**, so every step along it
# reads the same memory again. `expand` makes such a view explicitly:

# %% [markdown] lang="zh"
# 广播不拷贝任何数据：被拉伸的维度**步长为 0**，沿它每走一步读到的都是同一块内存。`expand` 可以
# 显式地构造这样的视图：

# %%
r = torch.tensor([1.0, 2.0, 3.0])
e = r.expand(4, 3)
print(e.shape, e.stride())
viz.inspect(r, e, names=["r", "r.expand(4, 3)"])

# %% [markdown] lang="en"
# **The classic trap.** A statistic computed per row has shape `(n,)` after the reduction, and
# `(n,)` broadcasts against the *last* dimension, the columns. For a non-square matrix you get
# an error (lucky); for a square one, a silently wrong result. Keep the reduced dimension with
# `keepdim=True`: shape `(n, 1)` lines up with the rows.

# %% [markdown] lang="zh"
# **经典陷阱。** 逐行计算出的统计量在归约之后形状是 `(n,)`，而 `(n,)` 会与*最后一个*维度（列）
# 对齐广播。对非方阵你会得到报错（算是幸运）；对方阵则会悄无声息地得到错误结果。用
# `keepdim=True` 保留被归约的维度：形状 `(n, 1)` 才会与行对齐。

# %%
sq = torch.tensor([[1.0, 3.0], [10.0, 30.0]])
print(sq.sum(dim=1).shape, sq.sum(dim=1, keepdim=True).shape)
print(sq / sq.sum(dim=1))  # wrong: column j divided by row j's sum
print(sq / sq.sum(dim=1, keepdim=True))  # right: every row sums to 1

# %% [markdown] lang="en"
# ## 10. Reductions
#
# A **reduction** (`sum`, `mean`, `max`, `min`, `prod`, `std`, `argmax`...) combines many
# elements into one. Without `dim` it reduces the whole tensor to a single number; with
# `dim=d` it reduces along dimension `d`, and **that dimension disappears** from the shape
# (unless `keepdim=True`). For a matrix, `dim=0` goes down the columns (one result per column)
# and `dim=1` along the rows (one result per row).
#
# `torch.max(x, dim)` returns two tensors: the largest values and their positions (indices).
# The seed tutorials use the positions as the predicted classes.

# %% [markdown] lang="zh"
# ## 10. 归约
#
# **归约**（reduction）操作（`sum`、`mean`、`max`、`min`、`prod`、`std`、`argmax`……）把许多
# 元素合成一个。不指定 `dim` 时，整个张量被归约成一个数；指定 `dim=d` 时沿第 `d` 维归约，**这个
# 维度会从形状中消失**（除非 `keepdim=True`）。对矩阵来说，`dim=0` 沿着列往下（每列一个结果），
# `dim=1` 沿着行（每行一个结果）。
#
# `torch.max(x, dim)` 返回两个张量：最大值和它们所在的位置（下标）。种子教程把位置当作预测的类别。

# %%
m = torch.tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
print(m.sum(), m.sum(dim=0), m.sum(dim=1))
print(m.mean(dim=0), m.max(), m.std(dim=1))
values, indices = torch.max(m, 1)
print(values, indices)
print(m.argmax(dim=1), m.amax(dim=0))

# %% [markdown] lang="en"
# The evaluation code of tutorial 004, on a stand-in for the network's output (10 class scores
# for each of 4 images): the predicted class is the index of the largest score in each row,
# `(predicted == labels)` is a `bool` tensor, and `.sum().item()` counts the `True`s.

# %% [markdown] lang="zh"
# 下面是教程 004 中评估模型的代码，用一个张量代替网络的输出（4 张图片、每张 10 个类别得分）：
# 预测类别是每一行最大得分的下标，`(predicted == labels)` 是一个 `bool` 张量，
# `.sum().item()` 统计其中 `True` 的个数。

# %%
classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
labels = torch.tensor([3, 8, 8, 0])
outputs = torch.randn(4, 10)  # stand-in for net(images)
_, predicted = torch.max(outputs, 1)
print("GroundTruth: ", " ".join("%5s" % classes[labels[j]] for j in range(4)))
print("Predicted:   ", " ".join("%5s" % classes[predicted[j]] for j in range(4)))
correct = (predicted == labels).sum().item()
total = labels.size(0)
print(correct, total, 100 * correct / total)

# %% [markdown] lang="en"
# ### Exercise 01.4 — accuracy
#
# Write `accuracy(outputs, labels)`: `outputs` has shape `(N, C)` (the scores of `C` classes for
# each of `N` samples), `labels` has shape `(N,)` (the true class of each sample, `int64`).
# Return the fraction of samples whose highest-scoring class is the true class, as a Python
# `float`.

# %% [markdown] lang="zh"
# ### 练习 01.4 —— 准确率
#
# 编写 `accuracy(outputs, labels)`：`outputs` 的形状为 `(N, C)`（`N` 个样本各自在 `C` 个类别上
# 的得分），`labels` 的形状为 `(N,)`（每个样本的真实类别，`int64`）。返回得分最高的类别恰好是
# 真实类别的样本所占的比例，类型为 Python 的 `float`。

# %% tags=["exercise"] exercise="01.4"
def accuracy(outputs, labels):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 01.4: return the fraction of correct predictions")
    predicted = outputs.argmax(dim=1)
    return (predicted == labels).float().mean().item()
    ### END SOLUTION


# %% tags=["check"]
check("01.4", accuracy)

# %% [markdown] lang="en"
# ### Exercise 01.5 — standardise each row
#
# Write `standardize_rows(x)` for a float matrix `x` of shape `(n, m)`: subtract from each row
# its own mean and divide by its own standard deviation, as computed by `std` (the default,
# unbiased one), so that every row of the result has mean 0 and standard deviation 1. Use
# broadcasting, no loops, and don't modify `x`.

# %% [markdown] lang="zh"
# ### 练习 01.5 —— 逐行标准化
#
# 为形状为 `(n, m)` 的浮点矩阵 `x` 编写 `standardize_rows(x)`：每一行减去它自己的均值，再除以
# 它自己的标准差（按 `std` 的默认算法，即无偏标准差），使结果的每一行均值为 0、标准差为 1。
# 用广播实现，不要用循环，也不要修改 `x`。

# %% tags=["exercise"] exercise="01.5"
def standardize_rows(x):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 01.5: return x with rows of mean 0 and std 1")
    return (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True)
    ### END SOLUTION


# %% tags=["check"]
check("01.5", standardize_rows)

# %% [markdown] lang="en"
# ### Exercise 01.6 — every pair at once
#
# Write `pairwise_sq_dists(a, b)`: `a` holds `n` points and `b` holds `m` points, one per row,
# each with `d` coordinates (shapes `(n, d)` and `(m, d)`). Return the `(n, m)` table whose entry
# `(i, j)` is the squared Euclidean distance between `a[i]` and `b[j]`, computed with
# broadcasting (no Python loops). Hint: the `(3, 1) + (1, 4)` example of section 9.

# %% [markdown] lang="zh"
# ### 练习 01.6 —— 一次算出所有组合
#
# 编写 `pairwise_sq_dists(a, b)`：`a` 的每一行是一个点，共 `n` 个；`b` 同样有 `m` 个点；每个点有
# `d` 个坐标（形状分别为 `(n, d)` 和 `(m, d)`）。返回一个 `(n, m)` 的表，第 `(i, j)` 项是
# `a[i]` 与 `b[j]` 之间欧氏距离的平方，要用广播计算（不用 Python 循环）。提示：回顾第 9 节
# `(3, 1) + (1, 4)` 的例子。

# %% tags=["exercise"] exercise="01.6"
def pairwise_sq_dists(a, b):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 01.6: return the (n, m) table of squared distances")
    diff = a[:, None, :] - b[None, :, :]  # (n, 1, d) - (1, m, d) -> (n, m, d)
    return (diff**2).sum(dim=-1)
    ### END SOLUTION


# %% tags=["check"]
check("01.6", pairwise_sq_dists)

# %% [markdown] lang="en"
# ## 11. Devices and `.to()`
#
# `x.to(device)` returns the tensor on that device, `x.to(dtype)` with that dtype, and
# `x.to("cpu", torch.double)` both at once. When nothing needs to change, `.to()` returns the
# tensor itself, no copy. Factory functions take `device=` too. The two operands of an
# operation must be on the same device: adding a CPU tensor to a GPU tensor is an error. Written
# as below, the code runs on any machine:

# %% [markdown] lang="zh"
# ## 11. 设备与 `.to()`
#
# `x.to(device)` 返回位于该设备上的张量，`x.to(dtype)` 返回该数据类型的张量，
# `x.to("cpu", torch.double)` 两者同时改变。如果什么都不需要改变，`.to()` 直接返回张量本身，不
# 拷贝。创建张量的函数也接受 `device=` 参数。一次运算的两个操作数必须在同一个设备上：CPU 张量加
# GPU 张量会报错。按下面这样写，代码在任何机器上都能运行：

# %%
x = torch.randn(1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
y = torch.ones_like(x, device=device)  # created directly on the device
x = x.to(device)
z = x + y
print(z.device.type == device.type)
print(z.to("cpu", torch.double))
t = torch.ones(3)
print(t.to("cpu") is t, t.to(torch.float32) is t)

# %% [markdown] lang="en"
# Tutorial 004 writes the GPU version inside `if torch.cuda.is_available():`, so on a machine
# without a GPU the block below does nothing.
#
# > **Seed fix.** The tutorial assigns `Z = x + y` and then prints `z`: Python names are
# > case-sensitive, so that is a `NameError` (or prints an old `z`). Fixed below.

# %% [markdown] lang="zh"
# 教程 004 把 GPU 版本写在 `if torch.cuda.is_available():` 里面，所以在没有 GPU 的机器上，下面
# 这段代码什么也不做。
#
# > **种子教程勘误。** 教程里先赋值 `Z = x + y`，然后打印 `z`：Python 的名字区分大小写，这会引发
# > `NameError`（或者打印出一个旧的 `z`）。下面已改正。

# %% tags=["nbval-ignore-output"]
# Prints only on a machine with a GPU.
if torch.cuda.is_available():
    device = torch.device("cuda")
    y = torch.ones_like(x, device=device)  # a tensor created on the GPU
    x = x.to(device)  # move x from the CPU to the GPU
    z = x + y  # both on the GPU
    print(z)
    print(z.to("cpu", torch.double))  # back to the CPU, as float64

# %% [markdown] lang="en"
# ## How PyTorch does it
#
# - **Storage, strides, offset.** A PyTorch tensor is exactly the window described in section
#   7: `x.untyped_storage()` is the memory block, `x.stride()` the strides and
#   `x.storage_offset()` where the window starts. Views (`view`, slicing, `t()`, `permute`,
#   `expand`, `detach`) make a new window on the same storage. autograd_lab has `stride()`
#   and `storage_offset()` but no `untyped_storage()` yet; `data_ptr()` and the inspector
#   show which tensors share memory.
# - **Broadcasting** is done inside each kernel by iterating over the output with the inputs'
#   strides, stride 0 for stretched dimensions, so no expanded copy is ever made. autograd_lab
#   leaves this to NumPy, which works the same way.
# - **`torch.from_numpy`** wraps the array's buffer instead of copying, and keeps the array
#   alive as long as the tensor lives; `torch.tensor` always copies, `torch.as_tensor` copies
#   only when it must.
#
# ## Recap
#
# - Create with `empty` (uninitialised!), `rand`, `randn`, `zeros`, `ones`, `tensor`, `arange`,
#   `new_ones`, `*_like`; choose the type with `dtype=` (`torch.long` for labels, `float32` by
#   default for real numbers).
# - `x.size()` and `x.shape` are a `torch.Size`, which is a tuple.
# - Four ways to add: `x + y`, `torch.add(x, y)`, `torch.add(x, y, out=result)`, `y.add_(x)`;
#   a trailing `_` means in place.
# - Views share storage (`view`, slices, `t()`); copies don't (`clone`, `contiguous` of a
#   non-contiguous tensor, `torch.tensor`); `reshape` is a view when it can be.
# - Broadcasting aligns shapes from the right; keep reduced dimensions with `keepdim=True`.
# - `dim=d` in a reduction removes dimension `d`; `torch.max(x, 1)` gives values and indices.
# - `t.numpy()` and `torch.from_numpy(a)` share memory; `.to(device)` moves data.

# %% [markdown] lang="zh"
# ## PyTorch 是怎么做的
#
# - **存储、步长、偏移量。** PyTorch 的张量正是第 7 节描述的那种窗口：`x.untyped_storage()` 是
#   那块内存，`x.stride()` 是步长，`x.storage_offset()` 是窗口起点。视图操作（`view`、切片、
#   `t()`、`permute`、`expand`、`detach`）都是在同一块存储上开一个新窗口。autograd_lab 有
#   `stride()` 和 `storage_offset()`，但还没有 `untyped_storage()`；`data_ptr()` 和张量查看器
#   能显示哪些张量共享内存。
# - **广播**是在各个内核（kernel）内部完成的：按输出遍历，对输入使用各自的步长，被拉伸的维度
#   步长为 0，因此从不生成扩展后的拷贝。autograd_lab 把这件事交给 NumPy，NumPy 的做法相同。
# - **`torch.from_numpy`** 直接包装数组的缓冲区而不拷贝，并在张量存活期间让数组也保持存活；
#   `torch.tensor` 总是拷贝，`torch.as_tensor` 只在必要时才拷贝。
#
# ## 小结
#
# - 用 `empty`（未初始化！）、`rand`、`randn`、`zeros`、`ones`、`tensor`、`arange`、`new_ones`、
#   `*_like` 创建张量；用 `dtype=` 选择类型（标签用 `torch.long`，实数默认 `float32`）。
# - `x.size()` 和 `x.shape` 都是 `torch.Size`，它就是一个元组。
# - 四种加法：`x + y`、`torch.add(x, y)`、`torch.add(x, y, out=result)`、`y.add_(x)`；名字末尾
#   的 `_` 表示原地操作。
# - 视图共享存储（`view`、切片、`t()`）；拷贝则不共享（`clone`、对非连续张量调用 `contiguous`、
#   `torch.tensor`）；`reshape` 能返回视图时就返回视图。
# - 广播从右边对齐形状；用 `keepdim=True` 保留被归约的维度。
# - 归约中的 `dim=d` 会去掉第 `d` 维；`torch.max(x, 1)` 同时给出最大值和下标。
# - `t.numpy()` 与 `torch.from_numpy(a)` 共享内存；`.to(device)` 移动数据。

# %%
progress()
