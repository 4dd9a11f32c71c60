"""Every tensor and autograd snippet of the five source tutorials runs on autograd_lab like PyTorch.

The tutorials live in ``shared/seeds/`` (scraped Chinese web pages, see its README). Each entry of
``SNIPPETS`` below is one of their code blocks about tensors or autograd, restored to the code the
author meant: the scrape lost line breaks and indentation, turned quotes curly, ate Markdown
``**`` and has a few bugs of its own. Every repair carries a ``fix:`` comment quoting what the
tutorial text had, so a lesson can warn the learner who copies the original.

How a snippet is checked
------------------------
The harness lives in ``_seed_harness.py`` (shared with ``test_seed_networks.py``).
``run_snippet(code, lib)`` executes the code with the name ``torch`` bound to a
:class:`SeededLibrary`, a thin proxy module for ``lib`` (real PyTorch or autograd_lab); an
``import torch`` inside the snippet gets the proxy too. The proxy forwards every attribute to
``lib`` except the random and uninitialised factories (``rand``, ``randn``, ``randint``,
``rand_like``, ``randn_like``, ``empty``, ``empty_like``). Those draw from one
``numpy.random.default_rng(0)`` stream, created afresh for every run, and build the tensor with
the library's own ``tensor(..., dtype=..., requires_grad=...)``; ``empty`` gives zeros. So both
libraries see the same "random" numbers. Everything the snippet prints is captured, and so is its
final namespace.

``compare_runs(reference, candidate)`` then requires:

(a) identical printed output after two normalisations, and no others:
    1. the reference library's module name becomes ``autograd_lab`` (``torch.Size([2])`` ->
       ``autograd_lab.Size([2])``, ``dtype=torch.float64`` -> ``dtype=autograd_lab.float64``);
    2. object addresses become ``0xADDR``: ``<AddBackward0 object at 0x7f..>`` ->
       ``<AddBackward0 object at 0xADDR>`` (grad_fn nodes and AccumulateGrad print their id()).
(b) the same variables with matching values: every Tensor by values (``numpy.allclose`` with
    ``torch.testing``'s float32 tolerances; integers and bools exactly), dtype name, shape,
    device type, ``requires_grad``, ``is_leaf``, ``grad_fn`` class name and ``.grad`` (compared
    the same way). NumPy arrays (values and dtype), Python scalars (type and value), strings,
    lists/tuples/``Size``/dicts (element by element), devices, dtypes and graph nodes (class
    name) are compared too (and modules and optimizers, which these snippets do not make);
    functions and classes are not.

Tests per snippet:

- ``test_matches_pytorch[id]``: PyTorch vs autograd_lab (needs torch: skipped without it, fails
  under ``AUTOGRAD_LAB_REQUIRE_TORCH=1``).
- ``test_runs_on_autograd_lab[id]``: autograd_lab alone, no torch needed; the snippet must run and
  its ``check`` (asserts with values known exactly, e.g. ``x.grad`` is ``[7.0]``) must hold.
- ``test_harness_torch_vs_torch[id]``: PyTorch against itself through the whole harness, plus the
  ``check``: proves the proxy is deterministic, the comparison passes on equal runs, and every
  stated value is what PyTorch really gives.

Snippets that depend on CUDA availability are compared only when both libraries agree on it;
``test_cuda_block_skipped_without_gpu`` checks the ``if torch.cuda.is_available():`` block is
skipped cleanly on a machine without a GPU.

Not here
--------
The nn/optim network code of the tutorials is in ``test_seed_networks.py``: each network built,
trained step for step against PyTorch from the same weights, saved and loaded:

- 000: ``SimpleNet(nn.Module)`` (``nn.Linear``/``F.relu``) and ``print(net)``; ``optim.SGD`` with
  ``zero_grad``/``loss.backward``/``step`` in the loop of section 3;
  ``model = SimpleNet().to(device)``.
- 001: ``SimpleNet`` with ``nn.MSELoss`` + ``optim.SGD`` and its training loop;
  ``LSTMClassifier`` (``nn.Embedding``, ``nn.LSTM``, ``nn.Dropout``; its ``forward`` read
  ``bidirectional`` out of scope), both directions, trained.
- 002: ``LinearRegression`` and its training loop; the first ``CNN`` (``nn.Conv2d``,
  ``nn.MaxPool2d``; it used ``F`` without importing it); the MNIST CNN with
  ``Dropout2d``/``log_softmax`` and its ``CrossEntropyLoss``/``SGD(momentum=0.9)`` loop.
- 003: ``SimpleNN``, ``nn.MSELoss``, ``optim.SGD``, the training loop.
- 004: ``Net`` (``Conv2d``, ``F.max_pool2d``, ``num_flat_features``), ``print(net)``,
  ``net.parameters()``, ``net(input)``/``net.zero_grad()``/``output.backward(randn(1, 10))``,
  ``nn.MSELoss`` and the walk over ``loss.grad_fn``, ``conv1.bias.grad`` before/after backward,
  the manual SGD loop, ``optim.SGD``; the CIFAR-10 classifier: its ``Net`` (with the
  ``self.pool(..., (2, 2))`` bug fixed), ``CrossEntropyLoss`` + ``SGD(lr=0.001, momentum=0.9)``
  training, ``net.to(device)``, ``torch.save``/``torch.load`` of the ``state_dict`` (including
  a file written by real PyTorch), prediction, accuracy and per-class accuracy.

Left for issue #4 (data and vision): ``CustomDataset(Dataset)``, ``TensorDataset``,
``DataLoader`` (``batch_size``, ``shuffle``, ``num_workers=2``) and the loops over real loaders
(``test_seed_networks.py`` uses in-memory stand-in batches); ``torchvision`` datasets (MNIST,
CIFAR10) and ``transforms`` (``Compose``/``ToTensor``/``Normalize``, ``Resize``/``CenterCrop``),
``make_grid`` + ``imshow``, PIL; the ResNet18 inference of 001 (``torchvision.models``,
pretrained weights); and 004's complete ``main()`` script, which repeats the classifier's cells
around the real data loaders.

The tensor-level parts of those sections (``randint`` labels, ``torch.relu``, ``unsqueeze``,
``flatten``/``view`` before the linear layers, ``torch.max(outputs, 1)`` and the accuracy
arithmetic, the imshow ``numpy``/``transpose`` step, backward with a gradient argument,
gradient accumulation and ``zero_``, the ``.data.sub_`` update, walking ``next_functions``)
are here, on stand-in tensors where the tutorial used a model's output.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest
from _seed_harness import SEED_FILES, Run, SeededLibrary, compare_runs, normalise, run_snippet
from conftest import require_torch

# --------------------------------------------------------------------------------------------
# The snippets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """One tutorial code block: ``id`` is the seed prefix (see ``SEED_FILES``) and a name."""

    id: str
    code: str
    #: Asserts with exactly known values, run on either library after the snippet.
    check: str = ""
    #: Output depends on ``torch.cuda.is_available()``: compare only when both libraries agree.
    cuda_dependent: bool = False


def run_check(snippet: Snippet, run: Run) -> None:
    """Run the snippet's asserts in its final namespace (``printed`` is the normalised output)."""
    if not snippet.check:
        return
    namespace = dict(run.namespace, printed=run.normalised, np=np, math=math)
    exec(compile(snippet.check, f"<check of {snippet.id}>", "exec"), namespace)


def _snippet(id: str, code: str, check: str = "", *, cuda_dependent: bool = False) -> Snippet:
    return Snippet(
        id, textwrap.dedent(code).strip() + "\n", textwrap.dedent(check).strip(), cuda_dependent
    )


SNIPPETS = [
    # ---- 000: beginner guide ---------------------------------------------------------------
    _snippet(
        "000-tensor-creation",
        """
        # fix: the text ran each comment into the code line before it
        # ("import torch创建一个未初始化的5×3矩阵", "print(x)创建一个随机初始化的矩阵", ...)
        import torch
        # 创建一个未初始化的5×3矩阵
        x = torch.empty(5, 3)
        print(x)
        # 创建一个随机初始化的矩阵
        x = torch.rand(5, 3)
        print(x)
        # 创建一个全零的矩阵,并指定数据类型
        x = torch.zeros(5, 3, dtype=torch.long)
        print(x)
        # 从Python列表创建Tensor
        x = torch.tensor([5.5, 3])
        print(x)
        """,
        """
        assert x.tolist() == [5.5, 3.0] and x.dtype == torch.float32
        assert printed.endswith("tensor([5.5000, 3.0000])\\n")
        assert "tensor([[0, 0, 0],\\n" in printed
        """,
    ),
    _snippet(
        "000-autograd-mean",
        """
        x = torch.ones(2, 2, requires_grad=True)  # requires_grad=True 表示需要计算梯度
        y = x + 2
        z = y * y * 3
        # fix: the text had "out = z.mean()out.backward()" on one line
        out = z.mean()
        out.backward()  # 反向传播,计算梯度
        print(x.grad)  # 查看x的梯度
        """,
        """
        assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
        assert printed == "tensor([[4.5000, 4.5000],\\n        [4.5000, 4.5000]])\\n"
        assert out.item() == 27.0
        """,
    ),
    _snippet(
        "000-sample-data",
        """
        # The tensors of the DataLoader example (the Dataset/DataLoader are a later issue).
        # fix: the text had "sample_labels = torch.randint(0, 2, (100,))dataset = ..." on one line
        # 假设有一些数据和标签
        sample_data = torch.randn(100, 10)
        sample_labels = torch.randint(0, 2, (100,))
        # what CustomDataset.__len__ and __getitem__ do with them
        n = len(sample_data)
        item = sample_data[3], sample_labels[3]
        print(n, item[0].shape, item[1].shape, item[1].dtype)
        """,
        """
        assert sample_data.shape == (100, 10) and sample_data.dtype == torch.float32
        assert sample_labels.dtype == torch.int64 and set(sample_labels.tolist()) <= {0, 1}
        assert printed == (
            "100 autograd_lab.Size([10]) autograd_lab.Size([]) autograd_lab.int64\\n"
        )
        """,
    ),
    _snippet(
        "000-to-device",
        """
        # fix: the text had curly quotes, torch.device(“cuda” if ... else “cpu”): a SyntaxError
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        x = torch.rand(5, 3).to(device)  # 将Tensor移动到GPU
        # 训练时,数据也要移动到GPU (stand-ins for one DataLoader batch)
        data, labels = torch.randn(16, 10), torch.randint(0, 2, (16,))
        data, labels = data.to(device), labels.to(device)
        """,
        """
        assert x.device.type == data.device.type == labels.device.type == device.type
        assert device.type == ("cuda" if torch.cuda.is_available() else "cpu")
        """,
        cuda_dependent=True,
    ),
    # ---- 001: data-science overview --------------------------------------------------------
    _snippet(
        "001-tensor-ops",
        """
        import torch

        # 创建张量
        x = torch.tensor([1, 2, 3])
        y = torch.randn(2, 3)  # 创建一个2×3的随机张量
        # 张量运算
        z = x + y
        # fix: the text had torch.matmul(y, x.T): matmul does not promote the int64 x to
        # float32 (RuntimeError, see 001-matmul-dtype-error), and .T of a 1-D tensor is a
        # deprecated no-op
        w = torch.matmul(y, x.float())  # 矩阵乘法
        # 改变张量形状
        v = y.view(3, 2)
        # 与NumPy数组的转换
        import numpy as np
        a = np.array([4, 5, 6])
        b = torch.from_numpy(a)  # NumPy数组转为张量
        c = b.numpy()  # 张量转为NumPy数组
        """,
        """
        assert z.dtype == torch.float32 and z.shape == (2, 3)
        np.testing.assert_allclose(
            w.numpy(), y.numpy() @ np.array([1, 2, 3], dtype=np.float32), rtol=1e-6
        )
        assert v.shape == (3, 2) and v.flatten().tolist() == y.flatten().tolist()
        assert b.dtype == torch.int64
        a[0] = 40  # from_numpy and numpy() share memory with a
        assert b[0].item() == 40 and c[0] == 40
        """,
    ),
    _snippet(
        "001-matmul-dtype-error",
        """
        # The tutorial's torch.matmul(y, x.T) (without the deprecated .T): int64 @ float32 fails.
        x = torch.tensor([1, 2, 3])
        y = torch.randn(2, 3)
        try:
            torch.matmul(y, x)
        except RuntimeError:
            print("RuntimeError: matmul needs operands of the same dtype")
        """,
        """
        assert printed == "RuntimeError: matmul needs operands of the same dtype\\n"
        """,
    ),
    _snippet(
        "001-autograd",
        """
        # 创建一个需要计算梯度的张量
        x = torch.tensor([2.0], requires_grad=True)
        # 定义一个函数
        # fix: the text had "y = x*2 + 3x + 1" (the page's Markdown ate the "*"s); the stated
        # answer tensor([7.]) is the derivative of x**2 + 3*x + 1 at x = 2
        y = x**2 + 3*x + 1
        # 计算梯度
        y.backward()
        # 查看梯度
        print(x.grad)  # 输出: tensor([7.])
        """,
        """
        assert x.grad.tolist() == [7.0]
        assert y.tolist() == [11.0]
        assert printed == "tensor([7.])\\n"
        """,
    ),
    _snippet(
        "001-unsqueeze-no-grad-max",
        """
        # The tensor steps of the ResNet example, on stand-ins for the image and the model.
        img_t = torch.rand(3, 8, 8)  # stand-in for transform(img): a C×H×W image tensor
        batch_t = torch.unsqueeze(img_t, 0)  # 添加批次维度
        weight = torch.randn(3 * 8 * 8, 10, requires_grad=True)  # stand-in for resnet18
        with torch.no_grad():  # 不需要计算梯度
            output = torch.flatten(batch_t, 1) @ weight  # stand-in for resnet18(batch_t)
        # 获取预测结果
        _, predicted = torch.max(output, 1)
        print(predicted)
        """,
        """
        assert batch_t.shape == (1, 3, 8, 8)
        assert output.requires_grad is False and output.grad_fn is None
        assert predicted.dtype == torch.int64
        assert predicted.tolist() == [int(np.argmax(output.numpy()))]
        assert _.tolist() == [float(output.numpy().max())]
        """,
    ),
    _snippet(
        "001-lstm-hidden-cat",
        """
        # The tensor step of LSTMClassifier.forward, on a stand-in for the LSTM's hidden state
        # (n_layers * num_directions, batch, hidden_dim).
        hidden = torch.randn(4, 3, 5)
        # fix: forward() reads `bidirectional`, a parameter of __init__ (NameError); the class
        # has to keep it as self.bidirectional
        bidirectional = True
        h = torch.cat((hidden[-2,:,:], hidden[-1,:,:]), dim=1) if bidirectional else hidden[-1,:,:]
        print(h.shape)
        """,
        """
        assert h.shape == (3, 10)
        assert h[:, :5].tolist() == hidden[2].tolist() and h[:, 5:].tolist() == hidden[3].tolist()
        """,
    ),
    # ---- 002: core concepts, linear regression, CNN ------------------------------------------
    _snippet(
        "002-linreg-data",
        """
        # The tensors of the linear-regression example (TensorDataset/DataLoader: later issue).
        # 创建数据
        x = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
        y = torch.tensor([[2.0], [4.0], [6.0], [8.0], [10.0]])
        """,
        """
        assert x.shape == (5, 1) and x.dtype == torch.float32
        assert (y == 2 * x).all().item() is True
        """,
    ),
    _snippet(
        "002-cnn-flatten-view",
        """
        # How both CNNs reshape conv features for their first linear layer.
        x = torch.randn(2, 64, 7, 7)  # first CNN: 28×28 input pooled twice -> 7×7
        x = x.view(-1, 64 * 7 * 7)
        x2 = torch.randn(2, 64, 12, 12)  # second CNN: 28 -> 26 -> 24 -> max_pool2d -> 12
        x2 = torch.flatten(x2, 1)  # 64 * 12 * 12 = 9216 = fc1's in_features
        print(x.shape, x2.shape)
        """,
        """
        assert x.shape == (2, 3136) and x2.shape == (2, 9216)
        assert printed == "autograd_lab.Size([2, 3136]) autograd_lab.Size([2, 9216])\\n"
        """,
    ),
    # ---- 003: design overview, MLP -----------------------------------------------------------
    _snippet(
        "003-fake-data-relu",
        """
        # 生成一些假数据
        x_train = torch.randn(100, 10)
        y_train = torch.randn(100, 1)
        h = torch.relu(x_train)  # the torch.relu of SimpleNN.forward (there on fc1's output)
        """,
        """
        assert x_train.shape == (100, 10) and y_train.shape == (100, 1)
        np.testing.assert_array_equal(h.numpy(), np.maximum(x_train.numpy(), 0))
        """,
    ),
    # ---- 004: tensor basics ------------------------------------------------------------------
    _snippet(
        "004-empty",
        """
        import torch
        # 创建一个没有初始化的矩阵 (the harness's empty() gives zeros; real values are garbage)
        x = torch.empty(5, 3)
        print(x)
        """,
        """
        assert x.shape == (5, 3) and x.dtype == torch.float32
        """,
    ),
    _snippet(
        "004-rand",
        """
        x = torch.rand(5, 3)
        print(x)
        """,
        """
        assert x.shape == (5, 3) and x.dtype == torch.float32
        assert 0 <= x.min().item() and x.max().item() < 1
        """,
    ),
    _snippet(
        "004-zeros-long",
        """
        # The text's output shows "0." floats; a long tensor really prints integers.
        x = torch.zeros(5, 3, dtype=torch.long)
        print(x)
        """,
        """
        assert x.dtype == torch.int64
        rows = "tensor([[0, 0, 0],\\n" + 3 * "        [0, 0, 0],\\n" + "        [0, 0, 0]])\\n"
        assert printed == rows
        """,
    ),
    _snippet(
        "004-tensor-from-data",
        """
        # 直接通过数据创建张量
        x5=torch.tensor([2.5,3.5])
        print(x5)
        """,
        """
        assert printed == "tensor([2.5000, 3.5000])\\n"
        """,
    ),
    _snippet(
        "004-new-ones-randn-like",
        """
        # fix: the text calls x4.new_ones(...) but never defines x4; any tensor works, dtype=
        # overrides its dtype
        x4 = torch.zeros(5, 3, dtype=torch.long)
        # 利用news_methods方法得到一个张量
        x = x4.new_ones(5, 3, dtype=torch.double)
        print(x)
        # 利用randn_like方法得到相同张量尺寸的一个新张量,并且采用随机初始化来对其赋值
        # (the text's comment misspells it "randn_1ike")
        y = torch.randn_like(x, dtype=torch.float)
        print(y)
        # the text's claim: without dtype=, new_ones keeps the original tensor's dtype
        print(x4.new_ones(2, 2).dtype)
        """,
        """
        assert x.dtype == torch.float64 and x.tolist() == [[1.0] * 3] * 5
        assert y.dtype == torch.float32 and y.shape == (5, 3)
        assert "dtype=autograd_lab.float64)\\n" in printed
        assert printed.endswith("\\nautograd_lab.int64\\n")
        """,
    ),
    _snippet(
        "004-size-shape",
        """
        x = torch.ones(5, 3, dtype=torch.double)  # setup: the x of the previous snippet
        print(x.size())  # torch.Size([5, 3])
        print(x.shape)  # torch.Size([5, 3])
        # the text's claim: torch.Size 本质上返回的是一个tuple, 支持一切元组的操作
        rows, cols = x.size()
        print(isinstance(x.size(), tuple), x.size()[0], len(x.shape), rows * cols)
        """,
        """
        assert printed == (
            "autograd_lab.Size([5, 3])\\nautograd_lab.Size([5, 3])\\nTrue 5 2 15\\n"
        )
        """,
    ),
    _snippet(
        "004-add-four-ways",
        """
        x = torch.zeros(5, 3)
        y = torch.ones(5, 3)
        z = x + y
        print(z)  # fix: the text shows z's value without a print (a notebook's echo)
        # 第二种加法方式
        print(torch.add(x, y))
        # 第三种加法方式
        out = torch.empty(5, 3)
        w = torch.add(x, y, out=out)
        print(out)  # fix: the text had a bare `out` (a notebook's echo)
        print(w is out)  # (added) add(..., out=out) returns out itself
        # 第四种加法方式: in-place (原地置换)
        y.add_(x)
        print(y)
        """,
        """
        ones = "tensor([[1., 1., 1.],\\n" + 3 * "        [1., 1., 1.],\\n" \
            + "        [1., 1., 1.]])\\n"
        assert printed == 3 * ones + "True\\n" + ones
        assert z.tolist() == w.tolist() == y.tolist() == [[1.0] * 3] * 5
        """,
    ),
    _snippet(
        "004-inplace-copy-add",
        """
        # 所有in-place的操作函数都有一个下划线的后缀。比如x.copy_(y), x.add_(y), 都会直接改变x的值。
        x = torch.zeros(2, 2)
        y = torch.ones(2, 2)
        x.copy_(y)
        x.add_(y)
        print(x)
        """,
        """
        assert x.tolist() == [[2.0, 2.0], [2.0, 2.0]] and y.tolist() == [[1.0, 1.0], [1.0, 1.0]]
        """,
    ),
    _snippet(
        "004-slice",
        """
        x = torch.zeros(5, 3)  # setup: the x of the addition snippet
        print(x[:, 1])
        x = torch.rand(5, 3)  # (added) the same slice of a matrix whose columns differ
        print(x[:, 1])
        """,
        """
        assert printed.startswith("tensor([0., 0., 0., 0., 0.])\\n")
        assert x[:, 1].tolist() == [row[1] for row in x.tolist()]
        """,
    ),
    _snippet(
        "004-view",
        """
        x = torch.randn(4, 4)
        # tensor.view()操作需要保证数据元素的总数量不变
        y = x.view(16)
        # -1代表自动匹配个数
        z = x.view(-1, 8)
        print(x.size(), y.size(), z.size())
        """,
        """
        assert printed == (
            "autograd_lab.Size([4, 4]) autograd_lab.Size([16]) autograd_lab.Size([2, 8])\\n"
        )
        assert z.flatten().tolist() == y.tolist()
        """,
    ),
    _snippet(
        "004-item",
        """
        import torch
        x = torch.randn(1)
        y=x.item()
        print(x)
        print(y)
        """,
        """
        assert type(y) is float and y == float(x.numpy()[0])
        """,
    ),
    _snippet(
        "004-numpy-shares-memory",
        """
        a = torch.ones(5)
        print(a)
        b = a.numpy()
        print(b)
        # 对其中一个进行加法操作,另一个也随之被改变
        a.add_(1)
        print(a)
        print(b)
        """,
        """
        assert printed == (
            "tensor([1., 1., 1., 1., 1.])\\n[1. 1. 1. 1. 1.]\\n"
            "tensor([2., 2., 2., 2., 2.])\\n[2. 2. 2. 2. 2.]\\n"
        )
        """,
    ),
    _snippet(
        "004-from-numpy-shares-memory",
        """
        import numpy as np
        a = np.ones(5)
        b = torch.from_numpy(a)
        np.add(a, 1, out=a)
        print(a)
        print(b)
        """,
        """
        assert printed == (
            "[2. 2. 2. 2. 2.]\\ntensor([2., 2., 2., 2., 2.], dtype=autograd_lab.float64)\\n"
        )
        """,
    ),
    _snippet(
        "004-tensor-copies-from-numpy-shares",
        """
        # fix: the text ran this snippet onto one line of prose ("...并可以反向转换import numpy
        # as np a=np.array([1,2,3]) b=torch.tensor(a) ..."), and its prose says "troch".
        # Its output shows dtype=torch.int32: NumPy's default integer on Windows. On Linux and
        # macOS it is int64, which tensors do not print.
        import numpy as np
        a = np.array([1, 2, 3])
        b = torch.tensor(a)
        c = torch.from_numpy(a)
        np.add(a, 1, out=a)
        print(a, '\\n', b, '\\n', c)
        """,
        """
        assert b.tolist() == [1, 2, 3] and c.tolist() == [2, 3, 4]
        """,
    ),
    _snippet(
        "004-cuda-if-block",
        """
        x = torch.randn(1)  # setup: the x of the item() snippet (the text's output has one value)
        # fix: the text ran the comments onto the code lines and lost the indentation
        # 如果服务器上已经安装了GPU和CUDA
        if torch.cuda.is_available():
            # 定义一个设备对象,这里指定成CUDA,即使用GPU
            device = torch.device("cuda")
            # 直接在GPU上创建一个Tensor
            y = torch.ones_like(x, device=device)
            # 将在CPU上面的x张量移动到GPU上面
            x = x.to(device)
            # x和y都在GPU上面,才能支持加法运算
            z = x + y  # fix: the text had "Z = x + y", then print(z): NameError
            # 此处的张量z在GPU上面
            print(z)
            # 也可以将z转移到CPU上面,并同时指定张量元素的数据类型
            print(z.to("cpu", torch.double))
        """,
        """
        if not torch.cuda.is_available():
            assert printed == ""
            assert "z" not in globals() and "device" not in globals()
            assert x.device.type == "cpu"
        else:
            assert "device='cuda:0'" in printed and z.device.type == "cuda"
        """,
        cuda_dependent=True,
    ),
    _snippet(
        "004-cuda-to-device",
        """
        # The same steps in the form that runs everywhere: choose the device first.
        x = torch.randn(1)
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        y = torch.ones_like(x, device=device)
        x = x.to(device)
        z = x + y
        print(z)
        print(z.to("cpu", torch.double))
        """,
        """
        assert z.device.type == device.type
        assert printed.endswith("dtype=autograd_lab.float64)\\n")
        assert abs(z.item() - (x.item() + 1)) < 1e-6
        """,
        cuda_dependent=True,
    ),
    _snippet(
        "004-device-cuda0",
        """
        # 定义设备 (from the GPU section of the CIFAR-10 example)
        device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        print(device)
        """,
        """
        assert printed == ("cuda:0\\n" if torch.cuda.is_available() else "cpu\\n")
        """,
        cuda_dependent=True,
    ),
    # ---- 004: autograd -----------------------------------------------------------------------
    _snippet(
        "004-requires-grad",
        """
        x1 = torch.ones(3, 3)
        print(x1)
        x = torch.ones(2, 2, requires_grad=True)
        print(x)
        """,
        """
        assert printed.endswith("tensor([[1., 1.],\\n        [1., 1.]], requires_grad=True)\\n")
        assert x.is_leaf and x.grad_fn is None and x1.requires_grad is False
        """,
    ),
    _snippet(
        "004-exp-backward",
        """
        # 前向传播: 自定义操作(自动创建Function实例)
        x = torch.tensor([2.0], requires_grad=True)
        y = x.exp()  # 实际调用:ExpBackward.apply(x)
        # fix: the text's list numbering ran into the code ("2.反向传播:")
        # 反向传播:
        y.backward()
        # 计算x的梯度:grad_x = grad_output * y
        print(x.grad)  # (added) the gradient the comment describes
        print(y.grad_fn)  # (added) PyTorch 2 calls the node ExpBackward0
        """,
        """
        np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy(), rtol=1e-6)
        assert abs(x.grad.item() - math.exp(2)) < 1e-5
        assert printed == "tensor([7.3891])\\n<ExpBackward0 object at 0xADDR>\\n"
        """,
    ),
    _snippet(
        "004-grad-fn-add-mul-mean",
        """
        x = torch.ones(2, 2, requires_grad=True)  # setup: the x of 004-requires-grad
        # 在 requires_grad=True 的 Tensor 上执行一个加法操作
        # (the text's printed y, tensor([4.], ...), came from the exp example's x = [2.];
        # its z/out output (27s) is for this x)
        y = x + 2
        print(y)
        # grad_fn 属性
        print(x.grad_fn)
        print(y.grad_fn)
        z = y * y * 3
        out = z.mean()
        print(z, out)
        """,
        """
        assert printed == (
            "tensor([[3., 3.],\\n        [3., 3.]], grad_fn=<AddBackward0>)\\n"
            "None\\n"
            "<AddBackward0 object at 0xADDR>\\n"
            "tensor([[27., 27.],\\n        [27., 27.]], grad_fn=<MulBackward0>)"
            " tensor(27., grad_fn=<MeanBackward0>)\\n"
        )
        """,
    ),
    _snippet(
        "004-next-functions-walk",
        """
        # The text walks loss.grad_fn.next_functions of the conv net (an nn issue); this is the
        # same walk over the graph of the autograd section, down to x's AccumulateGrad.
        x = torch.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        print(out.grad_fn)  # MeanBackward0
        print(out.grad_fn.next_functions)
        mul_3 = out.grad_fn.next_functions[0][0]  # z = (y * y) * 3; the 3 gives (None, 0)
        print(mul_3.next_functions)
        mul_yy = mul_3.next_functions[0][0]  # y * y: both inputs are y
        print(mul_yy.next_functions)
        add = mul_yy.next_functions[0][0]  # y = x + 2
        print(add.next_functions)
        acc = add.next_functions[0][0]  # AccumulateGrad: writes x.grad
        print(acc)
        """,
        """
        node = "<{} object at 0xADDR>"
        assert printed == "\\n".join([
            node.format("MeanBackward0"),
            "((" + node.format("MulBackward0") + ", 0),)",
            "((" + node.format("MulBackward0") + ", 0), (None, 0))",
            "((" + node.format("AddBackward0") + ", 0), (" + node.format("AddBackward0") + ", 0))",
            "((" + node.format("AccumulateGrad") + ", 0), (None, 0))",
            node.format("AccumulateGrad"),
        ]) + "\\n"
        """,
    ),
    _snippet(
        "004-requires-grad-inplace",
        """
        # fix: the text ran the first line onto the prose ("...默认为 False。a = torch.randn(2, 2)")
        a = torch.randn(2, 2)
        a = ((a * 3) / (a - 1))
        print(a.requires_grad)
        a.requires_grad_(True)
        print(a.requires_grad)
        b = (a * a).sum()
        print(b.grad_fn)
        """,
        """
        assert printed == "False\\nTrue\\n<SumBackward0 object at 0xADDR>\\n"
        assert a.is_leaf and not b.is_leaf
        """,
    ),
    _snippet(
        "004-backward",
        """
        # fix: the text ran the first line onto the prose ("...实现的。x = torch.ones(...)")
        x = torch.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
        print(x.grad)
        """,
        """
        assert printed == "tensor([[4.5000, 4.5000],\\n        [4.5000, 4.5000]])\\n"
        assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
        """,
    ),
    _snippet(
        "004-no-grad",
        """
        x = torch.ones(2, 2, requires_grad=True)  # setup: the x of the backward snippet
        # fix: the text ran the first line onto the prose and lost the indentation under `with`
        print(x.requires_grad)
        print((x ** 2).requires_grad)
        with torch.no_grad():
            print((x ** 2).requires_grad)
        """,
        """
        assert printed == "True\\nTrue\\nFalse\\n"
        """,
    ),
    _snippet(
        "004-detach",
        """
        x = torch.ones(2, 2, requires_grad=True)  # setup: the x of the backward snippet
        # fix: the text ran the first line onto the prose ("...不需要自动求导。print(...)")
        print(x.requires_grad)  # True
        y = x.detach()
        print(y.requires_grad)  # False
        print(x.eq(y).all())  # tensor(True)
        """,
        """
        assert printed == "True\\nFalse\\ntensor(True)\\n"
        assert y.is_leaf and y.grad_fn is None
        """,
    ),
    _snippet(
        "004-backward-with-gradient",
        """
        # net.zero_grad(); output.backward(torch.randn(1, 10)) on a stand-in for net(input):
        # a non-scalar output needs the gradient of the loss with respect to it.
        w = torch.randn(5, 10, requires_grad=True)  # stand-in for the net's parameters
        input = torch.randn(1, 5)
        output = input @ w  # shape (1, 10), like net(input)
        v = torch.randn(1, 10)
        output.backward(v)  # 反向传播计算梯度
        try:
            (input @ w).backward()  # without the argument:
        except RuntimeError:
            print("RuntimeError: grad can be implicitly created only for scalar outputs")
        """,
        """
        np.testing.assert_allclose(
            w.grad.numpy(), input.numpy().T @ v.numpy(), rtol=1e-5, atol=1e-6
        )
        assert printed.startswith("RuntimeError")
        """,
    ),
    _snippet(
        "004-grad-accumulate-zero",
        """
        # 每次调用backward()时,梯度会累积到已有梯度上; net.zero_grad() 等价于 param.grad.zero_()
        x = torch.ones(2, 2, requires_grad=True)
        for step in range(2):
            out = ((x + 2) * (x + 2) * 3).mean()
            out.backward()
        print(x.grad)  # 4.5 + 4.5
        x.grad.zero_()
        print(x.grad)
        """,
        """
        assert printed == (
            "tensor([[9., 9.],\\n        [9., 9.]])\\ntensor([[0., 0.],\\n        [0., 0.]])\\n"
        )
        """,
    ),
    _snippet(
        "004-manual-sgd-update",
        """
        # weight = weight - learning_rate * gradient, on one tensor standing in for a parameter
        x = torch.ones(2, 2, requires_grad=True)
        out = ((x + 2) * (x + 2) * 3).mean()
        out.backward()
        learning_rate = 0.01
        # 传统代码需要循环遍历每个参数,逐个更新 (the text loops over net.parameters())
        for f in [x]:
            f.data.sub_(f.grad.data * learning_rate)
        print(x)
        """,
        """
        np.testing.assert_allclose(x.detach().numpy(), 0.955, rtol=1e-6)
        assert x.is_leaf and x.requires_grad
        assert printed == (
            "tensor([[0.9550, 0.9550],\\n        [0.9550, 0.9550]], requires_grad=True)\\n"
        )
        """,
    ),
    _snippet(
        "004-target-view",
        """
        # 真实值
        target = torch.randn(10)
        # 改变target的形状为二维张量,为了和output匹配
        target = target.view(1, -1)
        """,
        """
        assert target.shape == (1, 10)
        """,
    ),
    _snippet(
        "004-num-flat-features-unsqueeze",
        """
        # Net.num_flat_features as a function (fix: the text lost its indentation), on a
        # stand-in for the conv features.
        x = torch.randn(1, 16, 6, 6)
        def num_flat_features(x):
            # 获取张量 x 除了第0维(batch_size)之外的所有维度大小
            size = x.size()[1:]
            num_features = 1
            for s in size:
                num_features *= s
            return num_features
        print(x.size()[1:], num_flat_features(x))
        x = x.view(-1, num_flat_features(x))
        print(x.size())
        # 如果你的输入只有单一样本形式,则需要执行input.unsqueeze(0)
        input = torch.randn(1, 32, 32)
        print(input.unsqueeze(0).size())
        """,
        """
        assert printed == (
            "autograd_lab.Size([16, 6, 6]) 576\\n"
            "autograd_lab.Size([1, 576])\\n"
            "autograd_lab.Size([1, 1, 32, 32])\\n"
        )
        """,
    ),
    _snippet(
        "004-imshow-tensor-steps",
        """
        # The tensor steps of imshow(), on a stand-in for make_grid(images).
        import numpy as np
        img = torch.rand(3, 36, 138) * 2 - 1  # a 3×H×W image normalised to [-1, 1]
        img = img / 2 + 0.5  # unnormalize
        npimg = img.numpy()
        hwc = np.transpose(npimg, (1, 2, 0))  # plt.imshow wants H×W×C
        print(hwc.shape)
        """,
        """
        assert printed == "(36, 138, 3)\\n"
        assert 0 <= hwc.min() and hwc.max() <= 1
        """,
    ),
    _snippet(
        "004-accuracy-tensor-ops",
        """
        # The tensor steps of testing the CIFAR-10 classifier, on one stand-in batch.
        classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
        labels = torch.tensor([3, 8, 8, 0])  # the text's GroundTruth: cat ship ship plane
        outputs = torch.randn(4, 10)  # stand-in for net(images)
        print('GroundTruth: ', ' '.join('%5s' % classes[labels[j]] for j in range(4)))
        _, predicted = torch.max(outputs, 1)
        print('Predicted: ', ' '.join('%5s' % classes[predicted[j]] for j in range(4)))
        correct = 0
        total = 0
        with torch.no_grad():
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
        print('Accuracy of the network on the %d test images: %d %%' % (
            total, 100 * correct / total))  # the text says "10000 test images"
        class_correct = list(0. for i in range(10))
        class_total = list(0. for i in range(10))
        c = (predicted == labels).squeeze()
        for i in range(4):
            label = labels[i]
            class_correct[label] += c[i].item()
            class_total[label] += 1
        for i in range(10):
            if class_total[i]:  # (added) one batch lacks most classes: the text would divide by 0
                print('Accuracy of %5s : %2d %%' % (
                    classes[i], 100 * class_correct[i] / class_total[i]))
        """,
        """
        assert printed.startswith("GroundTruth:    cat  ship  ship plane\\n")
        assert type(correct) is int and total == 4 and sum(class_total) == 4.0
        expected = np.argmax(outputs.numpy(), axis=1)
        assert predicted.tolist() == expected.tolist()
        assert correct == int((expected == np.array([3, 8, 8, 0])).sum())
        """,
    ),
]

_BY_ID = {s.id: s for s in SNIPPETS}
assert len(_BY_ID) == len(SNIPPETS), "snippet ids must be unique"
assert {s.id[:3] for s in SNIPPETS} <= SEED_FILES.keys()

# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def _engine():
    import autograd_lab

    return autograd_lab


def _cuda_agreement_or_skip(snippet: Snippet, ref_lib, lib) -> None:
    if snippet.cuda_dependent:
        a, b = ref_lib.cuda.is_available(), lib.cuda.is_available()
        if a != b:
            pytest.skip(f"cuda.is_available(): {ref_lib.__name__} {a}, {lib.__name__} {b}")


def _assert_same(reference: Run, candidate: Run) -> None:
    problems = compare_runs(reference, candidate)
    assert not problems, "\n".join(problems)


@pytest.mark.torch
@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_matches_pytorch(snippet: Snippet) -> None:
    torch, engine = require_torch(), _engine()
    _cuda_agreement_or_skip(snippet, torch, engine)
    reference = run_snippet(snippet.code, torch, name=snippet.id)
    _assert_same(reference, run_snippet(snippet.code, engine, name=snippet.id))


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_runs_on_autograd_lab(snippet: Snippet) -> None:
    run = run_snippet(snippet.code, _engine(), name=snippet.id)
    run_check(snippet, run)


@pytest.mark.torch
@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_harness_torch_vs_torch(snippet: Snippet) -> None:
    torch = require_torch()
    first = run_snippet(snippet.code, torch, name=snippet.id)
    second = run_snippet(snippet.code, torch, name=snippet.id)
    _assert_same(first, second)
    run_check(snippet, first)


def test_cuda_block_skipped_without_gpu() -> None:
    engine = _engine()
    available = engine.cuda.is_available()
    assert type(available) is bool
    if available:
        pytest.skip("a CUDA GPU is available: the block runs (compared in test_matches_pytorch)")
    run = run_snippet(_BY_ID["004-cuda-if-block"].code, engine, name="004-cuda-if-block")
    assert run.printed == ""
    assert not {"device", "y", "z"} & run.namespace.keys()
    assert run.namespace["x"].device.type == "cpu"


# ---- the harness itself ----------------------------------------------------------------------


def test_normalise_rules() -> None:
    text = "torch.Size([2]) dtype=torch.float64 <AddBackward0 object at 0x7f26f258df60>"
    assert normalise(text, "torch") == (
        "autograd_lab.Size([2]) dtype=autograd_lab.float64 <AddBackward0 object at 0xADDR>"
    )
    assert normalise("<AccumulateGrad object at 0xDEADbeef>", "autograd_lab") == (
        "<AccumulateGrad object at 0xADDR>"
    )
    assert normalise("mytorch.x torch_x", "torch") == "mytorch.x torch_x"


@pytest.mark.torch
def test_harness_detects_differences() -> None:
    torch = require_torch()
    code = _BY_ID["004-rand"].code
    problems = compare_runs(run_snippet(code, torch), run_snippet(code, torch, seed=1))
    assert problems[0].startswith("printed output differs") and "x: values differ" in problems[1]

    def differences(ref_code: str, code: str) -> str:
        return "\n".join(compare_runs(run_snippet(ref_code, torch), run_snippet(code, torch)))

    assert "dtype 'float64' != 'float32'" in differences(
        "x = torch.zeros(2)", "x = torch.zeros(2, dtype=torch.double)"
    )
    assert "requires_grad True != False" in differences(
        "x = torch.ones(2)", "x = torch.ones(2, requires_grad=True)"
    )
    grad = "x = torch.ones(2, requires_grad=True)\n(x * {}).sum().backward()"
    assert "x.grad: values differ" in differences(grad.format(2), grad.format(3))
    assert "y: missing" in differences("y = torch.ones(1)", "z = torch.ones(1)")
    assert "y: type int != float" in differences("y = 1.0", "y = 1")
    assert "printed output differs" in differences("print(1)", "print(2)")


@pytest.fixture(params=["torch", "autograd_lab"])
def lib(request):
    if request.param == "torch":
        return require_torch()
    return _engine()


def test_seeded_factories(lib) -> None:
    """The proxy's factories accept PyTorch's common signatures and repeat per seed."""
    first, second = SeededLibrary(lib), SeededLibrary(lib)
    a, b = first.rand(2, 3), second.rand((2, 3))
    assert a.shape == (2, 3) and a.dtype == lib.float32 and a.tolist() == b.tolist()
    assert first.rand(2).tolist() != a.tolist()[0][:2]  # the stream moves on

    r = first.randn([2, 2], dtype=lib.float64, requires_grad=True, device="cpu")
    assert r.dtype == lib.float64 and r.requires_grad and r.is_leaf and r.device.type == "cpu"
    assert first.randn(size=(3,)).shape == (3,)

    hi = first.randint(5, (50,))
    assert hi.dtype == lib.int64 and 0 <= hi.min().item() and hi.max().item() < 5
    lo_hi = first.randint(2, 5, size=(50,), dtype=lib.int32)
    assert lo_hi.dtype == lib.int32 and 2 <= lo_hi.min().item() and lo_hi.max().item() < 5

    e = first.empty(2, 3, dtype=lib.float64)
    assert e.dtype == lib.float64 and e.tolist() == [[0.0] * 3] * 2
    like = lib.zeros(4, 2, dtype=lib.float64)
    assert first.empty_like(like).tolist() == [[0.0] * 2] * 4
    for make in (first.rand_like, first.randn_like):
        t = make(like)
        assert t.shape == (4, 2) and t.dtype == lib.float64 and not t.requires_grad
        assert make(like, dtype=lib.float32, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="unsupported"):
        first.rand(2, pin_memory=True)
