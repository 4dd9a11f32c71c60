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
# # 00 · Welcome
#
# This course teaches PyTorch by building on **autograd_lab**, a small engine written on NumPy
# that copies PyTorch's public API: the same names, the same arguments, the same error
# messages. Everything you learn here works unchanged in PyTorch. Along the way we follow five
# Chinese PyTorch tutorials (the "seed" tutorials), run every tensor and autograd example they
# contain, and point out where they have bugs.
#
# **In this lesson you will**
#
# - learn how a lesson works: cells, exercises, checks, progress and the grader;
# - solve a warm-up exercise and see what a check tells you;
# - find out whether your machine has a GPU, and how code picks the CPU or the GPU;
# - see where the course goes next.

# %% [markdown] lang="zh"
# # 00 · 欢迎
#
# 本课程借助 **autograd_lab** 讲授 PyTorch。autograd_lab 是一个基于 NumPy 编写的小型引擎，
# 它照搬了 PyTorch 的公开 API：同样的名字、同样的参数、同样的报错信息。你在这里学到的一切，
# 都可以原封不动地用在 PyTorch 上。一路上我们会对照五篇中文 PyTorch 教程（下文称“种子教程”），
# 运行其中每一个关于张量和自动求导的例子，并指出它们的错误。
#
# **本课你将**
#
# - 了解一节课如何进行：单元格、练习、检查、进度和评分器；
# - 完成一道热身练习，看看检查会告诉你什么；
# - 查看你的机器有没有 GPU，以及代码如何在 CPU 和 GPU 之间选择；
# - 了解课程接下来的内容。

# %%
import autograd_lab as torch
from course import check, progress

# %% [markdown] lang="en"
# ## 1. Cells
#
# A notebook is a list of **cells**. Text cells (like this one) explain; code cells run Python.
# Select a code cell and press **Shift+Enter** to run it and move to the next one. Cells share
# one Python session (the *kernel*), so a name defined in one cell can be used in the cells
# after it. Run the cells **from top to bottom**: if you skip one, a later cell may fail with a
# `NameError`. When things get confusing, *Kernel → Restart Kernel and Run All Cells* starts
# from a clean slate.
#
# The line above, `import autograd_lab as torch`, is the only difference from PyTorch code:
# after it, the name `torch` means our engine. One visible consequence: where PyTorch prints
# `torch.float64` or `torch.Size([2, 3])`, we print `autograd_lab.float64` and
# `autograd_lab.Size([2, 3])`.

# %% [markdown] lang="zh"
# ## 1. 单元格
#
# 一个 notebook 由一串**单元格**（cell）组成。文本单元格（比如这一个）负责讲解，代码单元格运行
# Python。选中一个代码单元格，按 **Shift+Enter** 即可运行它并跳到下一个。所有单元格共用同一个
# Python 会话，即**内核**（kernel），所以前面单元格定义的名字，后面的单元格可以直接使用。请**从上
# 到下**依次运行：跳过某个单元格，后面就可能出现 `NameError`。如果状态变得混乱，用
# *Kernel → Restart Kernel and Run All Cells* 从头干净地重来一遍。
#
# 上面那行 `import autograd_lab as torch` 是与 PyTorch 代码唯一的区别：从此 `torch` 这个名字
# 指的就是我们的引擎。一个看得见的后果是：PyTorch 打印 `torch.float64` 或
# `torch.Size([2, 3])` 的地方，我们打印 `autograd_lab.float64` 和
# `autograd_lab.Size([2, 3])`。

# %%
x = torch.tensor([1.0, 2.0, 3.0])
print(x * 2)
print(x.shape, x.dtype)

# %% [markdown] lang="en"
# ## 2. Exercises and checks
#
# Each exercise asks you to write a small function. Its cell starts with a stub that raises
# `NotImplementedError`: replace that line with your code and run the cell. The **check cell**
# under it then grades your function:
#
# - the check calls your function on **fresh inputs it makes itself** (random shapes and
#   values), and compares the result with a reference it computes right then. Passing on the
#   example in the text is not enough: your function must be right in general;
# - it answers in one line: **passed ✓**, **not yet — a hint** naming the likely mistake (a
#   wrong shape, a copy where a view was needed, a forgotten `zero_grad`...), or **not attempted
#   yet** while the stub is still there;
# - a hint never shows the solution. Read it, change your code, run the exercise cell again,
#   then the check cell again.
#
# Check cells are read-only: they are how the grader finds your answers.

# %% [markdown] lang="zh"
# ## 2. 练习与检查
#
# 每道练习都要求你写一个小函数。练习单元格里一开始是一个会抛出 `NotImplementedError` 的占位代码：
# 把那一行换成你的代码，然后运行这个单元格。紧接着的**检查单元格**会评判你的函数：
#
# - 检查会用**它自己生成的新输入**（随机的形状和数值）调用你的函数，并与当场算出的参考答案比较。
#   只在正文的例子上正确还不够：你的函数必须在一般情况下都正确；
# - 它用一行话回答：**通过 ✓**；**还不对 —— 附一条提示**，指出最可能的错误（形状不对、该用视图
#   的地方用了拷贝、忘了 `zero_grad`……）；或者在占位代码还没替换时显示**尚未作答**；
# - 提示从不给出答案。读懂它，修改代码，重新运行练习单元格，再运行检查单元格。
#
# 检查单元格是只读的：评分器就是靠它们找到你的答案的。

# %% [markdown] lang="en"
# ### Exercise 00.1 — Celsius to Fahrenheit (warm-up)
#
# Write `fahrenheit(celsius)`: it receives a tensor of temperatures in degrees Celsius (any
# shape) and returns a **new** tensor with the same temperatures in degrees Fahrenheit:
# $F = C \times 9/5 + 32$. Arithmetic with a tensor works element by element, just as with a
# NumPy array. Don't change the input tensor.

# %% [markdown] lang="zh"
# ### 练习 00.1 —— 摄氏度转华氏度（热身）
#
# 编写 `fahrenheit(celsius)`：输入是一个以摄氏度表示温度的张量（形状任意），返回一个**新**张量，
# 内容是对应的华氏温度：$F = C \times 9/5 + 32$。张量的算术是逐元素进行的，和 NumPy 数组一样。
# 不要修改输入张量。

# %% tags=["exercise"] exercise="00.1"
def fahrenheit(celsius):
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 00.1: return the temperatures in °F")
    return celsius * 9 / 5 + 32
    ### END SOLUTION


# %% tags=["check"]
check("00.1", fahrenheit)

# %% [markdown] lang="en"
# ## 3. Progress and the grader
#
# Every check also records its result in a progress file on your computer
# (`~/.autograd_lab/progress.json`). `progress()` shows, lesson by lesson, which exercises you
# have passed and how many points they are worth; from a terminal, `python -m course status`
# prints the same table.
#
# When you hand in a notebook, the instructor's **grader** (`python -m course grade`) runs it
# again **from top to bottom in a fresh kernel**, with a time limit per cell, and collects the
# result of every check cell. Only what passes there counts. So before you hand in: *Restart
# Kernel and Run All Cells*, and make sure nothing fails on the way.

# %% [markdown] lang="zh"
# ## 3. 进度与评分器
#
# 每次检查还会把结果记录到你电脑上的进度文件（`~/.autograd_lab/progress.json`）里。`progress()`
# 按课列出你已经通过了哪些练习、各值多少分；在终端里运行 `python -m course status` 也能打印同样
# 的表格。
#
# 你提交 notebook 之后，教师的**评分器**（`python -m course grade`）会在**全新的内核里从上到下**
# 重新运行它（每个单元格都有时间限制），并收集每个检查单元格的结果。只有在那里通过的才算数。所以
# 提交之前：先 *Restart Kernel and Run All Cells*，确认中途没有任何报错。

# %%
progress()

# %% [markdown] lang="en"
# ## 4. CPU or GPU?
#
# A tensor lives on a **device**: the CPU (main memory) or a GPU (the graphics card's memory).
# A GPU runs thousands of simple arithmetic operations at once, which is what large neural
# networks need; for the small examples of these lessons the CPU is plenty.
#
# autograd_lab computes with NumPy on the CPU, and on an NVIDIA GPU through CuPy when that is
# installed (see the README). `torch.cuda.is_available()` says whether a GPU can be used. The
# seed tutorials pick the device in one line, and so will we, so that the same code runs on
# both kinds of machine:

# %% [markdown] lang="zh"
# ## 4. CPU 还是 GPU？
#
# 张量存放在某个**设备**（device）上：CPU（主内存）或 GPU（显卡的显存）。GPU 能同时执行成千上万
# 个简单的算术运算，这正是大型神经网络所需要的；对本课程的小例子来说，CPU 就足够了。
#
# autograd_lab 在 CPU 上用 NumPy 计算；如果安装了 CuPy，也能在 NVIDIA GPU 上计算（见 README）。
# `torch.cuda.is_available()` 告诉你能否使用 GPU。种子教程用一行代码选择设备，我们也这样做，
# 这样同一份代码在两种机器上都能运行：

# %% tags=["nbval-ignore-output"]
# The output depends on the machine: cpu, or cuda:0 with a GPU.
print(torch.cuda.is_available())
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print(device)

# %% [markdown] lang="en"
# `cuda:0` means "the first GPU" (a machine can have several). Once `device` is chosen, tensors
# (and later whole networks) move there with `.to(device)`; lesson 01 shows how. A note on the
# seed tutorials: 000 writes `torch.device(“cuda” if torch.cuda.is_available() else “cpu”)` with
# typographic quotes `“ ”`, copied from a web page. Python only accepts straight quotes `" "`:
# pasted as it is, that line is a `SyntaxError`.
#
# ### Exercise 00.2 — pick the device
#
# Write `pick_device()`: return a `torch.device` for the first GPU when one is available, and
# for the CPU otherwise. (On this machine the check knows which answer is right.)

# %% [markdown] lang="zh"
# `cuda:0` 表示“第一块 GPU”（一台机器可以有多块）。选定 `device` 之后，张量（以及后面的整个网络）
# 用 `.to(device)` 搬过去；第 01 课会讲具体做法。关于种子教程的一点提醒：000 写的是
# `torch.device(“cuda” if torch.cuda.is_available() else “cpu”)`，用的是从网页复制来的中文
# 弯引号 `“ ”`。Python 只认直引号 `" "`：原样粘贴，这一行就是 `SyntaxError`。
#
# ### 练习 00.2 —— 选择设备
#
# 编写 `pick_device()`：有 GPU 可用时返回代表第一块 GPU 的 `torch.device`，否则返回代表 CPU
# 的 `torch.device`。（检查程序知道在这台机器上哪个答案是对的。）

# %% tags=["exercise"] exercise="00.2"
def pick_device():
    ### BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 00.2: return the torch.device to compute on")
    return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    ### END SOLUTION


# %% tags=["check"]
check("00.2", pick_device)

# %% [markdown] lang="en"
# ## How PyTorch does it
#
# PyTorch's tensors and operations are written in C++ (the *ATen* library), with separate
# kernels for the CPU and for CUDA GPUs; Python is a thin layer on top. autograd_lab keeps the
# same Python API but does the arithmetic with NumPy (CPU) or CuPy (GPU), and its whole source
# is Python you can read: when a lesson says "the engine does X", you can open `autograd_lab/`
# and find where.
#
# ## Recap
#
# - Run cells from top to bottom with Shift+Enter; restart and run all when in doubt.
# - An exercise: replace the stub, run the cell, run the check under it. A hint names the likely
#   mistake, never the solution.
# - `progress()` (or `python -m course status`) shows what you passed; the grader re-runs your
#   notebook from scratch.
# - `device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")` picks the GPU when
#   there is one.
#
# ## Where to go next
#
# 1. **01_tensors**: creating tensors, dtypes, shapes, views and memory, broadcasting,
#    reductions, NumPy and devices.
# 2. **02_autograd**: computation graphs, `backward`, gradients and how to read autograd's
#    errors.
#
# The lessons after them build networks with `nn`, train them with `optim`, load data with
# `DataLoader`, and end with the CIFAR-10 image classifier of the seed tutorials.

# %% [markdown] lang="zh"
# ## PyTorch 是怎么做的
#
# PyTorch 的张量和各种运算是用 C++ 写的（*ATen* 库），CPU 和 CUDA GPU 各有一套计算内核（kernel）；
# Python 只是上面薄薄的一层。autograd_lab 保留了同样的 Python API，但用 NumPy（CPU）或 CuPy
# （GPU）做运算，而且全部源码都是你读得懂的 Python：课程里说“引擎做了某件事”时，你可以打开
# `autograd_lab/` 找到对应的代码。
#
# ## 小结
#
# - 用 Shift+Enter 从上到下运行单元格；拿不准时就重启内核并全部运行。
# - 做练习：替换占位代码，运行该单元格，再运行下面的检查。提示会指出可能的错误，但从不给出答案。
# - `progress()`（或 `python -m course status`）显示你通过了哪些练习；评分器会从头重新运行你的
#   notebook。
# - `device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")` 在有 GPU 时
#   选用 GPU。
#
# ## 接下来
#
# 1. **01_tensors（张量）**：创建张量、数据类型、形状、视图与内存、广播、归约、NumPy 与设备。
# 2. **02_autograd（自动求导）**：计算图、`backward`、梯度，以及如何读懂 autograd 的报错。
#
# 之后的课程会用 `nn` 搭建网络，用 `optim` 训练，用 `DataLoader` 加载数据，最后完成种子教程中的
# CIFAR-10 图像分类器。
