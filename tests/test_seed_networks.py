"""The networks of the five seed tutorials build, train, save and load on autograd_lab like PyTorch.

``test_seeds.py`` covers the tutorials' tensor and autograd snippets; this file covers their
nn/optim code: every network, loss, optimizer, training loop and save/load snippet, restored to
the code the author meant. Every repair carries a ``fix:`` comment quoting what the tutorial text
had; lines the text does not have are marked ``(added)``, and stand-ins for data loading are
said to be stand-ins.

Out of scope here
-----------------
Data loading and vision belong to issue #4: ``Dataset``/``TensorDataset``/``DataLoader``
(``num_workers``, ``shuffle``), ``torchvision`` datasets and transforms, ``make_grid`` and
``imshow``, PIL. Each loop here iterates a *stand-in loader*: a list of batches drawn from the
seeded random stream (``torch.randn``/``rand``/``randint``, see ``_seed_harness``), of the shapes
the real loader gives ((4, 3, 32, 32) images in [-1, 1] for CIFAR-10, (64, 1, 28, 28) for
MNIST), unshuffled, so every epoch visits the same batches in the same order. The pretrained
ResNet18 of 001 (``torchvision.models``) is out of scope too.

How a network is compared ("step for step with the same weights")
------------------------------------------------------------------
A :class:`Flow` is one tutorial section as a list of code :class:`Cell` s that run one after
another in one namespace (a :class:`_seed_harness.Session`), with ``torch`` bound to PyTorch in
one session and to autograd_lab in the other, both fed the same random numbers. After the cell
that builds a model (``sync=``), PyTorch's initial ``state_dict`` is copied into ours through
NumPy, so both start from the same weights. Every optimizer a cell creates gets a step
post-hook (``register_step_post_hook``) that records, after each ``optimizer.step()``, the
namespace's ``loss`` and every parameter and its ``.grad``. After every cell the two sessions
must agree on:

- what the cell printed (``print(net)`` exactly, modulo the library's name; printed numbers
  within the tolerances plus one unit in their last printed digit) and the warnings it raised;
- every value in the namespace: tensors (values, dtype, shape, ``requires_grad``, ``grad_fn``
  name, ``.grad``), models (``repr``, ``state_dict`` keys in order and values, each parameter
  and its ``.grad``), optimizers (``repr``, ``state_dict()`` with the momentum buffers),
  numbers, strings, lists;
- every optimizer step the cell took: the loss, the parameters and their gradients.

Float tolerances: ``torch.testing``'s float32 ``rtol`` (1.3e-6) growing linearly with the
number ``k`` of optimizer steps taken so far (rounding differences compound through training),
``rtol = 1.3e-6 * k * flow.rtol_factor``, and ``atol = 1e-6``, ten times tighter than
``torch.testing``'s 1e-5 (the two libraries agree to about 1e-7 on these networks). The linear
regression's 3000 steps use ``atol = 5e-5``: at convergence its gradients are differences of
nearly equal numbers, each library's rounding of them differs by up to 2e-5.

Networks with dropout (the LSTM classifier, the MNIST CNN) draw different masks in each library,
so their parity runs put the models in ``eval()`` mode right after the weight copy;
``test_dropout_nets_learn_in_train_mode`` and ``test_dropout_masks_in_train_mode`` check the
train mode on its own.

Tests
-----
- ``test_cell_matches_pytorch[flow:cell]``: the comparison above, one test per cell.
- ``test_graphs_match_pytorch[flow]``: the autograd graph below every tensor left in the
  namespace (``loss``, ``outputs``, ...) has the same nodes in the same order (class names,
  depth first); the LSTM's fused recurrent nodes, whose names PyTorch takes from its backend,
  count as opaque nodes.
- ``test_flow_runs_on_autograd_lab[flow]``: autograd_lab alone (no torch needed): the flow runs
  (dropout nets in train mode, as the text has them) and its ``check`` holds: exact reprs,
  losses going down, what the tutorial says the code does.
- ``test_harness_torch_vs_torch[flow]``: PyTorch against itself through the whole harness, and
  the ``check``: the comparison is deterministic and the checks state what PyTorch really does.
- Save/load: autograd_lab's own file round-trips a trained network exactly; a file written by
  real ``torch.save`` loads with ``autograd_lab.load`` into our ``Net`` and gives PyTorch's
  outputs.
- ``test_text_bug_fails_the_same_way``: the tutorials' own bugs (fixed above) fail with the same
  exception on both libraries, where a learner copying the text would trip.
- Tests of the harness itself: it detects a changed learning rate, weight or printed number.
"""

from __future__ import annotations

import copy
import dataclasses
import linecache
import math
import re
import textwrap
import types
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from _seed_harness import (
    FLOAT32,
    RTOL,
    SEED_FILES,
    Run,
    Session,
    Tol,
    compare_printed,
    compare_runs,
    graph_names,
)
from conftest import require_torch

import autograd_lab

# --------------------------------------------------------------------------------------------
# Flows: the tutorial sections, as cells
# --------------------------------------------------------------------------------------------


#: Ten times tighter than torch.testing's float32 ``atol`` (1e-5): the two libraries' runs agree
#: to about 1e-7 on these networks.
ATOL = 1e-6


@dataclass(frozen=True)
class Cell:
    """One code block of a tutorial section (``name`` is unique within its flow)."""

    name: str
    code: str
    #: After this cell, copy PyTorch's weights of the model with this name into ours.
    sync: str | None = None


@dataclass(frozen=True)
class Flow:
    """A tutorial section: ``id`` starts with its seed prefix (see ``SEED_FILES``)."""

    id: str
    cells: tuple[Cell, ...]
    #: Asserts that hold on either library after the last cell. Names: the final namespace,
    #: ``printed`` (all cells' normalised output), ``losses`` (the loss after each optimizer
    #: step), ``np``, ``math``.
    check: str = ""
    #: The model has dropout: compare in eval mode (the masks are each library's own).
    dropout: bool = False
    #: ``torch.cuda.is_available()`` decides what runs: compare only when both libraries agree.
    cuda_dependent: bool = False
    #: Relative tolerance per optimizer step, in units of float32's ``rtol`` (see docstring).
    rtol_factor: float = 1.0
    #: Absolute tolerance (see the module docstring).
    atol: float = ATOL
    #: The name of the network in the namespace (default: the first ``sync`` of the cells).
    model: str = ""
    #: An expression (in the final namespace) for one (inputs, targets) training batch.
    batch: str = ""


def _cell(name: str, code: str, *, sync: str | None = None) -> Cell:
    return Cell(name, textwrap.dedent(code).strip() + "\n", sync)


def _flow(id: str, *cells: Cell, check: str = "", **kw) -> Flow:
    kw.setdefault("model", next(c.sync for c in cells if c.sync))
    return Flow(id, cells, textwrap.dedent(check).strip(), **kw)



_SIMPLENET_000 = """
    import torch
    # fix: the text ran the import into the class line ("import torch.nn.functional as Fclass
    # SimpleNet(nn.Module):"), lost the indentation, and its Markdown ate the double underscores
    # ("def init(self):", "super(SimpleNet, self).init()"): __init__ never ran
    import torch.nn as nn
    import torch.nn.functional as F


    class SimpleNet(nn.Module):
        def __init__(self):
            super(SimpleNet, self).__init__()
            self.fc1 = nn.Linear(10, 5)  # 全连接层,输入10,输出5
            self.fc2 = nn.Linear(5, 2)  # 全连接层,输入5,输出2

        def forward(self, x):
            x = F.relu(self.fc1(x))  # 激活函数ReLU
            x = self.fc2(x)
            return x


    net = SimpleNet()
    print(net)
"""

_LSTM_CLASSIFIER = """
    import torch
    import torch.nn as nn


    class LSTMClassifier(nn.Module):
        # fix: the text had "def init(self, ...)" and "super().init()" (Markdown ate the double
        # underscores) and lost the indentation of the class body
        def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers,
                     bidirectional, dropout):
            super().__init__()
            # fix: forward() read `bidirectional`, a parameter of __init__ (NameError when
            # forward runs); the class has to keep it
            self.bidirectional = bidirectional
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers=n_layers,
                                bidirectional=bidirectional, dropout=dropout)
            self.fc = nn.Linear(hidden_dim * 2 if bidirectional else hidden_dim, output_dim)
            self.dropout = nn.Dropout(dropout)

        def forward(self, text):
            embedded = self.dropout(self.embedding(text))
            output, (hidden, cell) = self.lstm(embedded)
            hidden = self.dropout(torch.cat((hidden[-2,:,:], hidden[-1,:,:]), dim=1)
                                  if self.bidirectional else hidden[-1,:,:])
            return self.fc(hidden)
"""


def _lstm_flow(bidirectional: bool) -> Flow:
    directions = 2 if bidirectional else 1
    suffix = ", bidirectional=True" if bidirectional else ""
    return _flow(
        f"001-lstm-classifier-{'bidirectional' if bidirectional else 'unidirectional'}",
        _cell("define", _LSTM_CLASSIFIER),
        _cell(
            "instance",
            f"""
            # (added) the text defines the class only: a small instance; the LSTM takes token
            # ids shaped (seq_len, batch) (batch_first=False)
            model = LSTMClassifier(vocab_size=50, embedding_dim=8, hidden_dim=6, output_dim=3,
                                   n_layers=2, bidirectional={bidirectional}, dropout=0.5)
            print(model)
            """,
            sync="model",
        ),
        _cell(
            "loss-optimizer",
            """
            # (added) the text gives no training code for the classifier: section 2.4's SGD
            # with a classification loss, and (next cell) the loop of its section 2.5
            import torch.optim as optim

            criterion = nn.CrossEntropyLoss()
            optimizer = optim.SGD(model.parameters(), lr=0.1)
            """,
        ),
        _cell(
            "training",
            """
            # (added) stand-in batches of token ids (text datasets are out of scope): 2 batches
            # of 4 sequences of 7 tokens, 3 epochs
            batches = [(torch.randint(0, 50, (7, 4)), torch.randint(0, 3, (4,))) for _ in range(2)]
            for epoch in range(3):
                for text, labels in batches:
                    outputs = model(text)
                    loss = criterion(outputs, labels)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            """,
        ),
        check=f"""
        assert len(losses) == 6 and all(math.isfinite(v) for v in losses)
        assert outputs.shape == (4, 3) and outputs.dtype == torch.float32
        assert model.fc.in_features == 6 * {directions}
        assert model.lstm.weight_hh_l1.shape == (4 * 6, 6) and model.lstm.num_layers == 2
        assert [n for n, _ in model.named_children()] == ['embedding', 'lstm', 'fc', 'dropout']
        assert "(lstm): LSTM(8, 6, num_layers=2, dropout=0.5{suffix})" in printed
        """,
        dropout=True,
        batch="batches[0]",
    )


_MNIST_CNN = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    # fix: the text lost the indentation of the class body
    class CNN(nn.Module):
        def __init__(self):
            super(CNN, self).__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout2d(0.25)
            # note: dropout2 gets fc1's (batch, 128) output: PyTorch warns that a 2-D input to
            # dropout2d is deprecated (it then drops single elements, as nn.Dropout(0.5) does,
            # which PyTorch's MNIST example uses now); kept as the text has it
            self.dropout2 = nn.Dropout2d(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output


    # 创建模型实例
    model = CNN()
"""

_CIFAR_NET = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            # 定义第一层卷积神经网络,输入通道维度=3,输出通道维度=6,卷积核大小5*5
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            # 定义第二层卷积神经网络,输入通道维度=6,输出通道维度=16,卷积核大小5*5
            self.conv2 = nn.Conv2d(6, 16, 5)
            # 定义三层全连接网络
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            # 在(2, 2)的池化窗口下执行最大池化操作
            # fix: the text had "self.pool(F.relu(self.conv1(x)), (2, 2))" and
            # "self.pool(F.relu(self.conv2(x)), 2)": MaxPool2d already knows its window, and
            # its forward takes one argument (TypeError); the text's complete script has it right
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x


    net = Net()
    print(net)
"""

FLOWS = [
    # ---- 000: beginner guide ---------------------------------------------------------------
    _flow(
        "000-simplenet-sgd",
        _cell("define", _SIMPLENET_000, sync="net"),
        _cell(
            "optimizer",
            """
            import torch.optim as optim

            # fix: the text ran the import into this line ("import torch.optim as optimoptimizer
            # = optim.SGD(...)")
            optimizer = optim.SGD(net.parameters(), lr=0.01)  # 传入模型参数和学习率
            """,
        ),
        _cell(
            "training-loop",
            """
            # 假设有一些数据和标签
            sample_data = torch.randn(100, 10)
            sample_labels = torch.randint(0, 2, (100,))
            # stand-in for DataLoader(CustomDataset(sample_data, sample_labels), batch_size=16,
            # shuffle=True) (issue #4): its batches, unshuffled
            dataloader = [(sample_data[i:i + 16], sample_labels[i:i + 16])
                          for i in range(0, 100, 16)]
            # (added) section 3's loss for classification: nn.CrossEntropyLoss 用于分类
            criterion = nn.CrossEntropyLoss()
            for epoch in range(10):
                for batch_idx, (data, labels) in enumerate(dataloader):
                    # 在这里进行模型训练: (added) section 3's steps in place of the text's `pass`
                    outputs = net(data)
                    loss = criterion(outputs, labels)
                    optimizer.zero_grad()  # 梯度清零
                    loss.backward()  # 计算梯度
                    optimizer.step()  # 更新参数
            """,
        ),
        _cell(
            "to-device",
            """
            # fix: the text had curly quotes, torch.device(“cuda” if ... else “cpu”): a SyntaxError
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            model = SimpleNet().to(device)  # 将模型移动到GPU
            # 训练时,数据也要移动到GPU
            data, labels = data.to(device), labels.to(device)
            """,
            sync="model",
        ),
        check="""
        assert printed == (
            "SimpleNet(\\n"
            "  (fc1): Linear(in_features=10, out_features=5, bias=True)\\n"
            "  (fc2): Linear(in_features=5, out_features=2, bias=True)\\n"
            ")\\n"
        )
        assert len(losses) == 10 * 7  # 10 epochs of 7 batches (6 of 16 and one of 4)
        assert sum(losses[-7:]) < sum(losses[:7])  # the same batches, later: lower loss
        assert type(model) is SimpleNet and model is not net
        assert all(p.device.type == device.type for p in model.parameters())
        assert data.device.type == device.type and labels.shape == (4,)
        assert list(net.state_dict()) == ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
        """,
        cuda_dependent=True,
        batch="dataloader[0]",
    ),
    # ---- 001: data-science overview --------------------------------------------------------
    _flow(
        "001-simplenet-mse-sgd",
        _cell(
            "define",
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F


            class SimpleNet(nn.Module):
                # fix: the text had "def init(self):" and "super(SimpleNet, self).init()"
                # (Markdown ate the double underscores) and lost the class body's indentation
                def __init__(self):
                    super(SimpleNet, self).__init__()
                    self.linear1 = nn.Linear(10, 5)  # 线性层
                    self.linear2 = nn.Linear(5, 1)

                def forward(self, x):
                    x = F.relu(self.linear1(x))  # ReLU激活函数
                    x = self.linear2(x)
                    return x


            # 实例化模型
            model = SimpleNet()
            """,
            sync="model",
        ),
        _cell(
            "loss-optimizer",
            """
            import torch.optim as optim

            # 定义损失函数
            criterion = nn.MSELoss()
            # 定义优化器
            optimizer = optim.SGD(model.parameters(), lr=0.01)  # 随机梯度下降
            """,
        ),
        _cell(
            "training-loop",
            """
            # 假设有输入数据x和目标值y: (added) stand-ins, 32 samples of 10 features
            x = torch.randn(32, 10)
            y = torch.randn(32, 1)
            for epoch in range(100):
                # 前向传播
                outputs = model(x)
                loss = criterion(outputs, y)

                # 反向传播和优化
                optimizer.zero_grad()  # 清空梯度
                loss.backward()  # 计算梯度
                optimizer.step()  # 更新参数
            """,
        ),
        check="""
        assert len(losses) == 100
        assert all(b < a for a, b in zip(losses, losses[1:]))  # full batch, small lr: descent
        assert outputs.shape == (32, 1) and loss.grad_fn.name() == 'MseLossBackward0'
        expected = ((outputs - y) ** 2).mean().item()
        assert math.isclose(loss.item(), expected, rel_tol=1e-6)
        """,
        batch="(x, y)",
    ),
    _lstm_flow(bidirectional=True),
    _lstm_flow(bidirectional=False),
    # ---- 002: core concepts, linear regression, CNNs ------------------------------------------
    _flow(
        "002-linear-regression",
        _cell(
            "data",
            """
            import torch
            # 创建数据
            x = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
            y = torch.tensor([[2.0], [4.0], [6.0], [8.0], [10.0]])
            # 创建数据集, 创建数据加载器: stand-in for DataLoader(dataset=TensorDataset(x, y),
            # batch_size=batch_size, shuffle=True) (issue #4): its batches, unshuffled
            batch_size = 2
            loader = [(x[i:i + batch_size], y[i:i + batch_size])
                      for i in range(0, len(x), batch_size)]
            """,
        ),
        _cell(
            "model",
            """
            import torch.nn as nn  # (added) the text imported it in an earlier section


            # 创建线性回归模型
            # fix: the text lost the indentation of the class body
            class LinearRegression(nn.Module):
                def __init__(self, input_size, output_size):
                    super(LinearRegression, self).__init__()
                    self.linear = nn.Linear(input_size, output_size)

                def forward(self, x):
                    return self.linear(x)


            # 创建模型实例
            model = LinearRegression(input_size=1, output_size=1)
            """,
            sync="model",
        ),
        _cell(
            "loss-optimizer",
            """
            # 训练模型
            criterion = nn.MSELoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
            """,
        ),
        _cell(
            "training",
            """
            # fix: the text lost the indentation of the loops
            for epoch in range(1000):
                for i, (inputs, labels) in enumerate(loader):
                    # 前向传播
                    outputs = model(inputs)
                    # 计算损失
                    loss = criterion(outputs, labels)
                    # 反向传播
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                if (epoch+1) % 100 == 0:
                    print(f'Epoch [{epoch+1}/1000], Loss: {loss.item():.4f}')
            """,
        ),
        check="""
        assert len(losses) == 3000  # 1000 epochs of 3 batches (2, 2 and 1 samples)
        assert printed.count("Epoch [") == 10 and "Epoch [1000/1000], Loss: " in printed
        # the model learns y = 2x
        assert abs(model.linear.weight.item() - 2) < 0.01 and abs(model.linear.bias.item()) < 0.03
        assert losses[-1] < 1e-3 < losses[0]
        """,
        rtol_factor=0.1,  # 3000 steps: 1.3e-6 * 0.1 * 3000 = 4e-4 at the end
        # At convergence the gradients are differences of nearly equal float32 numbers (the
        # outputs match labels up to 10 to within one rounding, 1e-6): their absolute error
        # is about 2e-5, whichever library computes them.
        atol=5e-5,
        batch="loader[0]",
    ),
    _flow(
        "002-cnn",
        _cell(
            "define",
            """
            import torch
            import torch.nn as nn
            # fix: the text used F without importing it (NameError in forward)
            import torch.nn.functional as F


            # fix: the text lost the indentation of the class body
            class CNN(nn.Module):
                def __init__(self):
                    super(CNN, self).__init__()
                    self.conv1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, stride=1,
                                           padding=1)
                    self.conv2 = nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, stride=1,
                                           padding=1)
                    self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
                    self.fc1 = nn.Linear(in_features=64 * 7 * 7, out_features=128)
                    self.fc2 = nn.Linear(in_features=128, out_features=10)

                def forward(self, x):
                    x = self.pool(F.relu(self.conv1(x)))
                    x = self.pool(F.relu(self.conv2(x)))
                    x = x.view(-1, 64 * 7 * 7)
                    x = F.relu(self.fc1(x))
                    x = self.fc2(x)
                    return x


            model = CNN()  # (added) the text defines the class only
            print(model)  # (added)
            """,
            sync="model",
        ),
        _cell(
            "forward-backward",
            """
            # (added) one forward and backward pass on a stand-in batch of 8 MNIST-sized images
            # (28×28: two 2×2 poolings leave the 7×7 that fc1 expects)
            images = torch.rand(8, 1, 28, 28) * 2 - 1
            labels = torch.randint(0, 10, (8,))
            outputs = model(images)
            loss = F.cross_entropy(outputs, labels)
            loss.backward()
            """,
        ),
        check="""
        assert outputs.shape == (8, 10) and loss.grad_fn.name() == 'NllLossBackward0'
        assert model.conv2.weight.grad.shape == (64, 32, 3, 3)
        assert model.fc1.weight.grad.abs().sum().item() > 0
        pool = "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
        assert f"(pool): {pool}" in printed
        """,
        batch="(images, labels)",
    ),
    _flow(
        "002-mnist-cnn-dropout2d",
        _cell("define", _MNIST_CNN, sync="model"),
        _cell(
            "loss-optimizer",
            """
            import torch.optim as optim

            criterion = nn.CrossEntropyLoss()
            optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
            """,
        ),
        _cell(
            "training",
            """
            # stand-in for DataLoader(datasets.MNIST(..., transform=...), batch_size=64,
            # shuffle=True) (issue #4): 2 batches of 64 images in [-1, 1] (what
            # Normalize((0.5,), (0.5,)) gives) and their labels
            trainloader = [(torch.rand(64, 1, 28, 28) * 2 - 1, torch.randint(0, 10, (64,)))
                           for _ in range(2)]
            # note: the model ends in log_softmax and CrossEntropyLoss applies log_softmax again;
            # harmless (log_softmax is idempotent) but F.nll_loss is the usual pairing
            # 训练模型
            # fix: the text lost the indentation of the loops
            for epoch in range(2):  # loop over the dataset multiple times (the text: range(10))
                running_loss = 0.0
                for i, data in enumerate(trainloader, 0):
                    # get the inputs; data is a list of [inputs, labels]
                    inputs, labels = data
                    # zero the parameter gradients
                    optimizer.zero_grad()
                    # forward + backward + optimize
                    outputs = model(inputs)
                    loss = criterion(outputs, labels)
                    loss.backward()
                    optimizer.step()
                    # print statistics
                    running_loss += loss.item()
                    if i % 2000 == 1999:  # print every 2000 mini-batches
                        print('[%d, %5d] loss: %.3f' %
                              (epoch + 1, i + 1, running_loss / 2000))
                        running_loss = 0.0
            print('Finished Training')
            """,
        ),
        check="""
        assert printed == "Finished Training\\n"
        assert len(losses) == 4 and all(math.isfinite(v) for v in losses)
        assert outputs.shape == (64, 10)
        assert np.allclose(outputs.exp().sum(1).detach().numpy(), 1, atol=1e-5)  # log_softmax
        assert model.fc1.in_features == 9216 == 64 * 12 * 12
        assert running_loss == sum(losses[2:])
        """,
        dropout=True,
        batch="trainloader[0]",
    ),
    # ---- 003: design overview ----------------------------------------------------------------
    _flow(
        "003-simplenn-mse-sgd",
        _cell(
            "define",
            """
            import torch
            import torch.nn as nn
            import torch.optim as optim

            # 创建一个简单的神经网络
            class SimpleNN(nn.Module):
                def __init__(self):
                    super(SimpleNN, self).__init__()
                    self.fc1 = nn.Linear(10, 50)
                    self.fc2 = nn.Linear(50, 1)

                def forward(self, x):
                    x = torch.relu(self.fc1(x))
                    x = self.fc2(x)
                    return x

            # 初始化模型、损失函数和优化器
            model = SimpleNN()
            criterion = nn.MSELoss()
            optimizer = optim.SGD(model.parameters(), lr=0.01)
            """,
            sync="model",
        ),
        _cell(
            "training",
            """
            # 生成一些假数据
            x_train = torch.randn(100, 10)
            y_train = torch.randn(100, 1)
            # stand-in for DataLoader(TensorDataset(x_train, y_train), batch_size=32,
            # shuffle=True) (issue #4): its batches, unshuffled
            dataloader = [(x_train[i:i + 32], y_train[i:i + 32]) for i in range(0, 100, 32)]

            # 训练模型
            for epoch in range(100):
                for inputs, targets in dataloader:
                    optimizer.zero_grad()
                    outputs = model(inputs)
                    loss = criterion(outputs, targets)
                    loss.backward()
                    optimizer.step()
                print(f'Epoch {epoch+1}, Loss: {loss.item()}')
            """,
        ),
        check="""
        assert len(losses) == 400  # 100 epochs of 4 batches (32, 32, 32 and 4 samples)
        assert printed.count("\\n") == 100 and printed.startswith("Epoch 1, Loss: ")
        assert sum(losses[-4:]) < sum(losses[:4])
        assert inputs.shape == (4, 10) and outputs.shape == (4, 1)
        """,
        batch="dataloader[0]",
    ),
    # ---- 004: the long tutorial: LeNet, loss, backprop, updates ---------------------------------
    _flow(
        "004-lenet",
        _cell(
            "define",
            """
            import torch
            import torch.nn as nn  # (added) the text imports these only in its complete script
            import torch.nn.functional as F


            # 定义一个简单的网络类
            class Net(nn.Module):
                def __init__(self):
                    super(Net, self).__init__()
                    # 定义第一层卷积神经网络,输入通道维度=1,输出通道维度=6,卷积核大小3*3
                    self.conv1 = nn.Conv2d(1, 6, 3)
                    # 定义第二层卷积神经网络,输入通道维度=6,输出通道维度=16,卷积核大小3*3
                    self.conv2 = nn.Conv2d(6, 16, 3)
                    # 定义三层全连接网络
                    self.fc1 = nn.Linear(16 * 6 * 6, 120)
                    self.fc2 = nn.Linear(120, 84)
                    self.fc3 = nn.Linear(84, 10)

                def forward(self, x):
                    # 在(2, 2)的池化窗口下执行最大池化操作
                    x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
                    x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                    x = x.view(-1, self.num_flat_features(x))
                    x = F.relu(self.fc1(x))
                    x = F.relu(self.fc2(x))
                    x = self.fc3(x)
                    return x

                def num_flat_features(self, x):
                    # 获取张量 x 除了第0维(batch_size)之外的所有维度大小
                    size = x.size()[1:]
                    num_features = 1
                    for s in size:
                        num_features *= s
                    return num_features


            net = Net()
            print(net)
            """,
            sync="net",
        ),
        _cell(
            "parameters",
            """
            params = list(net.parameters())
            print(len(params))
            print(params[0].size())
            """,
        ),
        _cell(
            "forward",
            """
            input = torch.randn(1, 1, 32, 32)
            output = net(input)
            print(output)
            """,
        ),
        _cell(
            "backward-random-grad",
            """
            net.zero_grad()  # 梯度清零
            output.backward(torch.randn(1, 10))  # 反向传播计算梯度
            """,
        ),
        _cell(
            "mse-loss",
            """
            output = net(input)
            target = torch.randn(10)
            # 改变target的形状为二维张量,为了和output匹配
            target = target.view(1, -1)
            criterion = nn.MSELoss()
            loss = criterion(output, target)
            print(loss)
            """,
        ),
        _cell(
            "grad-fn",
            """
            print(loss.grad_fn)  # MSELoss
            print(loss.grad_fn.next_functions[0][0])  # Linear
            print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
            """,
        ),
        _cell(
            "bias-grad",
            """
            # Pytorch中执行梯度清零的代码
            net.zero_grad()
            print('conv1.bias.grad before backward')
            print(net.conv1.bias.grad)
            # Pytorch中执行反向传播的代码
            loss.backward()
            print('conv1.bias.grad after backward')
            print(net.conv1.bias.grad)
            """,
        ),
        _cell(
            "manual-sgd",
            """
            learning_rate = 0.01
            # 传统代码需要循环遍历每个参数,逐个更新
            for f in net.parameters():
                f.data.sub_(f.grad.data * learning_rate)
            """,
        ),
        _cell(
            "optimizer",
            """
            # fix: a page break split the import ("import torc" / "ch.optim as optim")
            import torch.optim as optim
            # 通过optim创建优化器对象
            optimizer = optim.SGD(net.parameters(), lr=0.01)
            """,
        ),
        _cell(
            "optim-step",
            """
            # 预测值
            output = net(input)
            # 真实值
            target = torch.randn(10)
            # 改变target的形状为二维张量,为了和output匹配
            target = target.view(1, -1)
            # 指定损失函数
            criterion = nn.MSELoss()
            # 计算损失
            loss = criterion(output, target)
            # 将优化器执行梯度清零的操作
            optimizer.zero_grad()
            # 对损失值执行反向传播的操作
            loss.backward()
            # 参数的更新通过一行标准代码来执行
            optimizer.step()
            """,
        ),
        check="""
        lines = printed.splitlines()
        assert lines[:7] == [  # the text's printed Net, line for line
            "Net(",
            "  (conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))",
            "  (conv2): Conv2d(6, 16, kernel_size=(3, 3), stride=(1, 1))",
            "  (fc1): Linear(in_features=576, out_features=120, bias=True)",
            "  (fc2): Linear(in_features=120, out_features=84, bias=True)",
            "  (fc3): Linear(in_features=84, out_features=10, bias=True)",
            ")",
        ]
        assert lines[7:9] == ["10", "autograd_lab.Size([6, 1, 3, 3])"]
        assert lines[9].startswith("tensor([[") and lines[10].endswith("grad_fn=<AddmmBackward0>)")
        assert lines[11].startswith("tensor(") and lines[11].endswith("grad_fn=<MseLossBackward0>)")
        assert net.num_flat_features(torch.zeros(10, 16, 6, 6)) == 576
        at = lines.index("conv1.bias.grad before backward")
        assert lines[at + 1] == "None"  # zero_grad() sets grads to None (the text: zeros, old)
        assert lines[at + 2] == "conv1.bias.grad after backward"
        assert lines[at + 3].startswith("tensor([") and net.conv1.bias.grad.shape == (6,)
        assert lines[at - 3] == "<MseLossBackward0 object at 0xADDR>"
        assert len(losses) == 1 and loss.shape == ()
        """,
        batch="(input, target)",
    ),
    # ---- 004: the CIFAR-10 classifier ----------------------------------------------------------
    _flow(
        "004-cifar10-classifier",
        _cell("define", _CIFAR_NET, sync="net"),
        _cell(
            "data",
            """
            # 定义所有目标分类列表
            classes = ('plane', 'car', 'bird', 'cat',
                       'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
            # stand-ins for trainloader and testloader (torchvision.datasets.CIFAR10 with
            # ToTensor + Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) in DataLoader(batch_size=4,
            # num_workers=2): issue #4): batches of 4 images in [-1, 1] with their labels; the
            # test batches hold every class, so the per-class accuracy never divides by zero
            trainloader = [(torch.rand(4, 3, 32, 32) * 2 - 1, torch.randint(0, 10, (4,)))
                           for _ in range(2)]
            testloader = [(torch.rand(4, 3, 32, 32) * 2 - 1, torch.arange(4 * k, 4 * k + 4) % 10)
                          for k in range(3)]
            dataiter = iter(trainloader)
            images, labels = next(dataiter)  # 返回一个元组 (images, labels)
            # 展示图片: imshow(torchvision.utils.make_grid(images)) is issue #4 (make_grid)
            # 打印标签label
            print(''.join('%5s' % classes[labels[j]] for j in range(4)))
            """,
        ),
        _cell(
            "loss-optimizer",
            """
            import torch.optim as optim
            # 使用交叉熵损失函数(多分类常用)
            criterion = nn.CrossEntropyLoss()
            # 使用随机梯度下降优化方法
            optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
            """,
        ),
        _cell(
            "device",
            """
            # 在 GPU 上训练模型 (from the text's complete script)
            device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
            print(device)
            # 将模型转移到GPU上
            net.to(device)
            # 验证模型是否在GPU上
            print(next(net.parameters()).device)  # 应该输出 "cuda:0"
            """,
        ),
        _cell(
            "training",
            """
            for epoch in range(2):  # loop over the dataset multiple times
                running_loss = 0.0
                for i, data in enumerate(trainloader, 0):
                    # data中包含输入图像张量inputs,标签张量labels
                    inputs, labels = data
                    # 在训练循环中,将输入的图片张量和标签张量转移到GPU上
                    inputs, labels = inputs.to(device), labels.to(device)
                    # 首先将优化器梯度归零
                    optimizer.zero_grad()
                    # 输入图像张量进网络,得到输出张量outputs
                    outputs = net(inputs)
                    # 利用网络的输出outputs和标签labels计算损失值
                    loss = criterion(outputs, labels)
                    # 反向传播+参数更新,是标准代码的标准流程
                    loss.backward()
                    optimizer.step()
                    # 打印轮次和损失值
                    running_loss += loss.item()
                    if (i + 1) % 2000 == 0:
                        print('[%d, %5d] loss: %.3f' %
                              (epoch + 1, i + 1, running_loss / 2000))
                        running_loss = 0.0
            print('Finished Training')
            """,
        ),
        _cell(
            "save",
            """
            # 首先设定模型的保存路径
            # (changed) the text saves to './cifar_net.pth'; here to a fresh temporary folder
            PATH = SAVE_DIR + '/cifar_net.pth'
            # 保存模型的状态字典
            torch.save(net.state_dict(), PATH)
            """,
        ),
        _cell(
            "test-batch",
            """
            # 在测试集上测试模型
            dataiter = iter(testloader)
            images, labels = next(dataiter)
            # 打印真实标签 (imshow(torchvision.utils.make_grid(images)): issue #4)
            print('GroundTruth: ', ' '.join('%5s' % classes[labels[j]] for j in range(4)))
            """,
        ),
        _cell(
            "load-predict",
            """
            # 首先实例化模型的类对象
            net = Net()
            # 加载训练阶段保存好的模型的状态字典
            # (changed) the text has PATH = './cifar_net.pth'
            PATH = SAVE_DIR + '/cifar_net.pth'  # 假设模型保存路径为该地址
            net.load_state_dict(torch.load(PATH))
            # 利用模型对图片进行预测
            outputs = net(images)
            # 共有10个类别,采用模型计算出的概率最大的作为预测的类别
            _, predicted = torch.max(outputs, 1)
            # 打印预测标签的结果
            print('Predicted: ', ' '.join('%5s' % classes[predicted[j]] for j in range(4)))
            """,
        ),
        _cell(
            "accuracy",
            """
            correct = 0
            total = 0
            with torch.no_grad():
                for data in testloader:
                    images, labels = data
                    outputs = net(images)
                    _, predicted = torch.max(outputs.data, 1)
                    total += labels.size(0)
                    correct += (predicted == labels).sum().item()
            # (the stand-in testloader has 12 images, not the text's 10000)
            print('Accuracy of the network on the 10000 test images: %d %%' % (
                100 * correct / total))
            """,
        ),
        _cell(
            "class-accuracy",
            """
            class_correct = list(0. for i in range(10))
            class_total = list(0. for i in range(10))
            with torch.no_grad():
                for data in testloader:
                    images, labels = data
                    outputs = net(images)
                    _, predicted = torch.max(outputs, 1)
                    c = (predicted == labels).squeeze()
                    for i in range(4):
                        label = labels[i]
                        class_correct[label] += c[i].item()
                        class_total[label] += 1
            for i in range(10):
                print('Accuracy of %5s : %2d %%' % (
                    classes[i], 100 * class_correct[i] / class_total[i]))
            """,
        ),
        check="""
        lines = printed.splitlines()
        assert lines[:7] == [
            "Net(",
            "  (conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))",
            "  (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
            "  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))",
            "  (fc1): Linear(in_features=400, out_features=120, bias=True)",
            "  (fc2): Linear(in_features=120, out_features=84, bias=True)",
            "  (fc3): Linear(in_features=84, out_features=10, bias=True)",
        ]
        assert lines[9] == lines[10] == str(device)
        assert lines[11] == "Finished Training" and len(losses) == 4
        assert losses[2] < losses[0] and losses[3] < losses[1]  # same batches, one epoch later
        assert lines[12].startswith("GroundTruth:  ") and lines[13].startswith("Predicted:  ")
        assert total == 12 and type(correct) is int and 0 <= correct <= 12
        assert class_total == [2.0, 2.0] + [1.0] * 8 and sum(class_correct) == correct
        assert lines[14] == 'Accuracy of the network on the 10000 test images: %d %%' % (
            100 * correct / total)
        assert len(lines) == 25 and all(s.startswith("Accuracy of ") for s in lines[15:])
        assert outputs.requires_grad is False and predicted.dtype == torch.int64
        """,
        cuda_dependent=True,
        batch="trainloader[0]",
    ),
]

_FLOWS = {f.id: f for f in FLOWS}
assert len(_FLOWS) == len(FLOWS), "flow ids must be unique"
assert {f.id[:3] for f in FLOWS} == SEED_FILES.keys()
for _f in FLOWS:
    assert len({c.name for c in _f.cells}) == len(_f.cells), f"cell names repeat in {_f.id}"
    for _c in _f.cells:  # steps are recorded by a hook added after the optimizer's cell
        assert not (re.search(r"optim\.\w+\(", _c.code) and ".step()" in _c.code), _c.name

# --------------------------------------------------------------------------------------------
# Running a flow
# --------------------------------------------------------------------------------------------


@dataclass
class Step:
    """What an optimizer step left: the namespace's ``loss``, parameters and their grads."""

    loss: float | None
    params: list[np.ndarray]
    grads: list[np.ndarray | None]


def _numpy(t) -> np.ndarray:
    return np.array(t.detach().cpu().numpy(), copy=True)


@dataclass
class FlowRun:
    """One library's session through a flow, cell by cell."""

    lib: types.ModuleType
    session: Session
    steps: list[Step] = field(default_factory=list)
    #: Each cell's run (its printed output and warnings).
    runs: dict[str, Run] = field(default_factory=dict)
    #: The namespace right after each cell (shallow copies: the objects live on).
    after: dict[str, dict] = field(default_factory=dict)
    _hooked: set = field(default_factory=set)

    @property
    def namespace(self) -> dict:
        return self.session.namespace

    @property
    def printed(self) -> str:
        return "".join(run.normalised for run in self.runs.values())

    @property
    def losses(self) -> list[float | None]:
        return [s.loss for s in self.steps]

    def run(self, cell: Cell, flow: Flow) -> Run:
        run = self.session.run(cell.code, name=f"{flow.id}:{cell.name}")
        self.runs[cell.name] = run
        self.after[cell.name] = dict(self.namespace)
        for value in list(self.namespace.values()):
            if isinstance(value, self.lib.optim.Optimizer) and id(value) not in self._hooked:
                self._hooked.add(id(value))
                value.register_step_post_hook(self._record_step)
        return run

    def _record_step(self, optimizer, args, kwargs) -> None:
        loss = self.namespace.get("loss")
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.steps.append(
            Step(
                None if loss is None else float(loss.item()),
                [_numpy(p) for p in params],
                [None if p.grad is None else _numpy(p.grad) for p in params],
            )
        )


#: Names that differ between two runs by design: each run saves into its own folder.
RUN_OWN_NAMES = ("SAVE_DIR", "PATH")


def start(lib, save_dir: str, *, seed: int = 0) -> FlowRun:
    lib.manual_seed(seed)  # the layers' own initialisation and dropout masks
    return FlowRun(lib, Session(lib, seed, env={"SAVE_DIR": save_dir}))


def run_alone(flow: Flow, lib, save_dir: str) -> FlowRun:
    """The whole flow on one library, as the tutorial has it (dropout in train mode)."""
    run = start(lib, save_dir)
    for cell in flow.cells:
        run.run(cell, flow)
    return run


def run_check(flow: Flow, run: FlowRun) -> None:
    if not flow.check:
        return
    namespace = dict(run.namespace, printed=run.printed, losses=run.losses, np=np, math=math)
    filename = f"<check of {flow.id} on {run.lib.__name__}>"
    linecache.cache[filename] = (len(flow.check), None, flow.check.splitlines(True), filename)
    exec(compile(flow.check, filename, "exec"), namespace)


def copy_weights(src, dst, dst_lib) -> None:
    """Load ``src``'s state_dict values into ``dst`` through NumPy (in place: optimizers that
    hold ``dst``'s parameters keep working)."""
    dst.load_state_dict({k: dst_lib.tensor(_numpy(v)) for k, v in src.state_dict().items()})


def step_tol(flow: Flow, steps: int) -> Tol:
    return Tol(FLOAT32.rtol * flow.rtol_factor * max(steps, 1), flow.atol)


def _compare_steps(flow: Flow, ref: list[Step], cand: list[Step], first: int) -> list[str]:
    if len(ref) != len(cand):
        return [f"optimizer steps: {len(cand)} != {len(ref)}"]
    problems = []
    for k, (a, b) in enumerate(zip(ref, cand), start=first + 1):
        tol = step_tol(flow, k)
        if (a.loss is None) != (b.loss is None) or (
            a.loss is not None
            and not math.isclose(a.loss, b.loss, rel_tol=tol.rtol, abs_tol=tol.atol)
        ):
            problems.append(f"step {k}: loss {b.loss!r} != {a.loss!r}")
        for i, (pa, pb) in enumerate(zip(a.params, b.params)):
            if pa.shape != pb.shape or not np.allclose(pb, pa, rtol=tol.rtol, atol=tol.atol):
                problems.append(f"step {k}: parameter {i} differs: {_worst(pa, pb)}")
        for i, (ga, gb) in enumerate(zip(a.grads, b.grads)):
            if (ga is None) != (gb is None):
                problems.append(f"step {k}: parameter {i}'s grad is {gb!r}, expected {ga!r}")
            elif ga is not None and not np.allclose(gb, ga, rtol=tol.rtol, atol=tol.atol):
                problems.append(f"step {k}: parameter {i}'s grad differs: {_worst(ga, gb)}")
        if len(problems) > 20:
            return [*problems, "..."]
    return problems


def _worst(a: np.ndarray, b: np.ndarray) -> str:
    if a.shape != b.shape:
        return f"shape {b.shape} vs {a.shape}"
    diff = np.abs(b.astype(np.float64) - a)
    return f"max |diff| {diff.max():.3g} where |expected| is {np.abs(a).flat[diff.argmax()]:.3g}"


@dataclass
class Parity:
    """A flow run in lockstep on a reference library and a candidate: problems per cell."""

    reference: FlowRun
    candidate: FlowRun
    cells: dict[str, list[str]]


def run_parity(
    flow: Flow, ref_lib, lib, save_dirs: tuple[str, str], *, candidate_flow: Flow | None = None
) -> Parity:
    """Run ``flow`` cell by cell on both libraries and compare after each cell.

    ``candidate_flow`` (same cell names) replaces the candidate's code: the harness's own tests
    use it to check that a difference is caught.
    """
    reference, candidate = start(ref_lib, save_dirs[0]), start(lib, save_dirs[1])
    cand_cells = {c.name: c for c in (candidate_flow or flow).cells}
    cells: dict[str, list[str]] = {}
    failed = None
    for cell in flow.cells:
        if failed:
            cells[cell.name] = [f"not reached: cell {failed} failed"]
            continue
        first = len(reference.steps)
        runs = []
        for side, code in ((reference, cell), (candidate, cand_cells[cell.name])):
            try:
                runs.append(side.run(code, flow))
            except Exception as exc:  # noqa: BLE001 - reported as this cell's problem
                failed = cell.name
                cells[cell.name] = [f"{side.lib.__name__} raised {type(exc).__name__}: {exc}"]
                break
        if failed:
            continue
        if cell.sync:
            models = reference.namespace[cell.sync], candidate.namespace[cell.sync]
            copy_weights(models[0], models[1], lib)
            if flow.dropout:
                for model in models:
                    model.eval()
        tol = step_tol(flow, len(reference.steps))
        problems = compare_runs(
            runs[0],
            runs[1],
            tol=tol,
            numeric_print=True,
            compare_warnings=True,
            ignore=RUN_OWN_NAMES,
        )
        problems += _compare_steps(flow, reference.steps[first:], candidate.steps[first:], first)
        cells[cell.name] = problems
    return Parity(reference, candidate, cells)


#: PyTorch runs a recurrent layer as one fused node per layer and direction, named after the
#: backend (MkldnnRnnLayerBackward0 on CPU, CudnnRnnBackward0 on CUDA); autograd_lab's
#: RecurrenceBackward0 sits on precomputed input projections. The graph walk compares the graph
#: around them, each counted as one opaque node.
RECURRENT_NODES = dict.fromkeys(
    ["MkldnnRnnLayerBackward0", "CudnnRnnBackward0", "MiopenRnnBackward0", "RecurrenceBackward0"],
    "<recurrent layer>",
)


def _tensor_graphs(run: FlowRun) -> dict[str, tuple[list[str], int]]:
    """name -> (the graph below it, recurrent layers left opaque; how many recurrent layers)"""
    graphs = {}
    for name, value in sorted(run.namespace.items()):
        if isinstance(value, run.lib.Tensor) and value.grad_fn is not None:
            names = graph_names(value.grad_fn, RECURRENT_NODES)
            # one opaque node per layer and direction in both libraries: keep the count, drop
            # the order (PyTorch links a layer's node to the previous layer's output directly)
            rnn = names.count("<recurrent layer>")
            graphs[name] = [n for n in names if n != "<recurrent layer>"], rnn
    return graphs


def _cuda_agreement_or_skip(flow: Flow, ref_lib, lib) -> None:
    if flow.cuda_dependent:
        a, b = ref_lib.cuda.is_available(), lib.cuda.is_available()
        if a != b:
            pytest.skip(f"cuda.is_available(): {ref_lib.__name__} {a}, {lib.__name__} {b}")


@pytest.fixture(scope="module")
def parity(tmp_path_factory):
    """``parity(flow)``: the flow run against PyTorch, once per module (cells share it)."""
    torch = require_torch()
    cache: dict[str, Parity] = {}

    def get(flow: Flow) -> Parity:
        _cuda_agreement_or_skip(flow, torch, autograd_lab)
        if flow.id not in cache:
            dirs = (
                str(tmp_path_factory.mktemp(f"{flow.id}-torch")),
                str(tmp_path_factory.mktemp(f"{flow.id}-autograd_lab")),
            )
            cache[flow.id] = run_parity(flow, torch, autograd_lab, dirs)
        return cache[flow.id]

    return get


def _libs():
    return [
        pytest.param("torch", marks=pytest.mark.torch),
        pytest.param("autograd_lab"),
    ]


def _lib(name: str):
    return require_torch() if name == "torch" else autograd_lab


# --------------------------------------------------------------------------------------------
# The tests: parity with PyTorch, cell by cell
# --------------------------------------------------------------------------------------------


def _cell_params() -> list:
    return [pytest.param(flow, cell.name, id=f"{flow.id}:{cell.name}")
            for flow in FLOWS for cell in flow.cells]


@pytest.mark.torch
@pytest.mark.parametrize(("flow", "cell"), _cell_params())
def test_cell_matches_pytorch(parity, flow: Flow, cell: str) -> None:
    problems = parity(flow).cells[cell]
    assert not problems, "\n".join(problems)


def _graph_params() -> list:
    return [pytest.param(flow, id=flow.id) for flow in FLOWS]


@pytest.mark.torch
@pytest.mark.parametrize("flow", _graph_params())
def test_graphs_match_pytorch(parity, flow: Flow) -> None:
    result = parity(flow)
    assert not any(result.cells.values()), "the flow itself differs (see test_cell_matches_pytorch)"
    expected, got = _tensor_graphs(result.reference), _tensor_graphs(result.candidate)
    assert expected, "the flow leaves no tensor with a graph"
    assert got == expected


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.id)
def test_flow_runs_on_autograd_lab(flow: Flow, tmp_path) -> None:
    run_check(flow, run_alone(flow, autograd_lab, str(tmp_path)))


@pytest.mark.torch
@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.id)
def test_harness_torch_vs_torch(flow: Flow, tmp_path) -> None:
    torch = require_torch()
    dirs = tmp_path / "first", tmp_path / "second"
    for folder in dirs:
        folder.mkdir()
    result = run_parity(flow, torch, torch, (str(dirs[0]), str(dirs[1])))
    problems = [f"{cell}: {p}" for cell, ps in result.cells.items() for p in ps]
    assert not problems, "\n".join(problems)
    assert _tensor_graphs(result.reference) == _tensor_graphs(result.candidate)
    run_check(flow, result.reference)


# --------------------------------------------------------------------------------------------
# Dropout nets in train mode (their masks are each library's own)
# --------------------------------------------------------------------------------------------

DROPOUT_FLOWS = [f for f in FLOWS if f.dropout]
#: The start of the warning both libraries give for the MNIST CNN's dropout2 (on a 2-D input).
DROPOUT2D_ON_2D = "dropout2d: Received a 2-D input to dropout2d"


def _eval_loss(lib, model, batch) -> float:
    model.eval()
    with lib.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", DROPOUT2D_ON_2D)
        loss = lib.nn.functional.cross_entropy(model(batch[0]), batch[1]).item()
    model.train()
    return loss


@pytest.mark.parametrize("lib_name", _libs())
@pytest.mark.parametrize("flow", DROPOUT_FLOWS, ids=lambda f: f.id)
def test_dropout_nets_learn_in_train_mode(flow: Flow, lib_name: str, tmp_path) -> None:
    """The text's loop, dropout on: the eval-mode loss on a training batch goes down, and
    train-mode outputs are random while eval-mode ones are not."""
    lib = _lib(lib_name)
    run, initial = start(lib, str(tmp_path)), None
    for cell in flow.cells:
        run.run(cell, flow)
        if cell.sync == flow.model:
            initial = {k: v.clone() for k, v in run.namespace[flow.model].state_dict().items()}
    model = run.namespace[flow.model]
    assert model.training and all(m.training for m in model.modules())
    batch = eval(flow.batch, run.namespace)
    trained = {k: v.clone() for k, v in model.state_dict().items()}
    after = _eval_loss(lib, model, batch)
    model.load_state_dict(initial)
    before = _eval_loss(lib, model, batch)
    assert after < before
    model.load_state_dict(trained)
    with lib.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", DROPOUT2D_ON_2D)
        a, b = _numpy(model(batch[0])), _numpy(model(batch[0]))
        model.eval()
        c, d = _numpy(model(batch[0])), _numpy(model(batch[0]))
    assert not np.array_equal(a, b) and np.array_equal(c, d)


def _dropout_units(module, lib, x: np.ndarray) -> np.ndarray:
    """``x`` as (units, values per unit): what one draw of the mask keeps or drops together."""
    if isinstance(module, lib.nn.Dropout2d):
        # one draw per input[n, c]: a channel of (N, C, H, W) (or of (N, C, L)); for the
        # deprecated 2-D input (the MNIST CNN's dropout2 on fc1's (batch, 128) output) that is
        # a single element, as in PyTorch
        return x.reshape(x.shape[0] * x.shape[1], -1)
    return x.reshape(-1, 1)


@pytest.mark.parametrize("lib_name", _libs())
@pytest.mark.parametrize("flow", DROPOUT_FLOWS, ids=lambda f: f.id)
def test_dropout_masks_in_train_mode(flow: Flow, lib_name: str, tmp_path) -> None:
    """Each dropout layer drops whole units (elements, or channels for Dropout2d) with
    probability p and scales the kept ones by 1/(1-p)."""
    lib = _lib(lib_name)
    run = run_alone(flow, lib, str(tmp_path))
    model = run.namespace[flow.model]
    inputs = eval(flow.batch, run.namespace)[0]
    calls = []

    def record(module, args, output) -> None:
        calls.append((module, _numpy(args[0]), _numpy(output)))

    hooks = [
        m.register_forward_hook(record)
        for m in model.modules()
        if isinstance(m, lib.nn.Dropout | lib.nn.Dropout2d)
    ]
    passes = max(1, 4000 // int(np.prod(tuple(inputs.shape))))  # enough units, cheaply
    with lib.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", DROPOUT2D_ON_2D)
        for _ in range(passes):
            model(inputs)
    for hook in hooks:
        hook.remove()
    assert calls
    for module in {id(m): m for m, _, _ in calls}.values():
        kept = dropped = 0
        for x, y in ((x, y) for m, x, y in calls if m is module):
            ux, uy = _dropout_units(module, lib, x), _dropout_units(module, lib, y)
            zero = (uy == 0).all(axis=1)
            scaled = np.isclose(uy, ux / (1 - module.p), rtol=1e-6, atol=1e-7).all(axis=1)
            assert (zero | scaled).all(), f"{module}: a unit is neither dropped nor scaled"
            informative = (ux != 0).any(axis=1)  # an all-zero input unit tells nothing
            dropped += int((zero & informative).sum())
            kept += int((~zero & informative).sum())
        n = kept + dropped
        assert n >= 40, (module, n)
        bound = 5 * math.sqrt(module.p * (1 - module.p) / n) + 1 / n
        assert abs(dropped / n - module.p) <= bound, (module, dropped, n)


# --------------------------------------------------------------------------------------------
# Saving and loading
# --------------------------------------------------------------------------------------------

CIFAR = _FLOWS["004-cifar10-classifier"]


def _states_equal(state, reference) -> None:
    assert list(state) == list(reference)
    for key, value in reference.items():
        got, want = _numpy(state[key]), _numpy(value)
        assert got.dtype == want.dtype and np.array_equal(got, want), key


@pytest.mark.torch
def test_cifar_checkpoints_match_pytorch(parity) -> None:
    """A state_dict written by real ``torch.save`` loads with ``autograd_lab.load`` into our Net
    and gives PyTorch's outputs; ours round-trips exactly."""
    result = parity(CIFAR)
    assert not any(result.cells.values()), "the flow differs (see test_cell_matches_pytorch)"
    theirs, ours = result.reference.after, result.candidate.after
    images = theirs["test-batch"]["images"], ours["test-batch"]["images"]
    trained = theirs["save"]["net"], ours["save"]["net"]
    with autograd_lab.no_grad():
        expected = _numpy(trained[0](images[0]))
        # PyTorch's file (a pickle in a zip), read without running its pickle's code
        state = autograd_lab.load(theirs["save"]["PATH"])
        _states_equal(state, trained[0].state_dict())
        net = ours["define"]["Net"]()
        net.load_state_dict(state)
        np.testing.assert_allclose(_numpy(net(images[1])), expected, rtol=RTOL, atol=ATOL)
        # our own file
        state = autograd_lab.load(ours["save"]["PATH"])
        _states_equal(state, trained[1].state_dict())
        assert np.array_equal(
            _numpy(result.candidate.after["load-predict"]["outputs"]), _numpy(trained[1](images[1]))
        )


def test_cifar_checkpoint_round_trip_on_autograd_lab(tmp_path) -> None:
    """autograd_lab alone: the network loaded from the file predicts exactly as the one saved."""
    run = run_alone(CIFAR, autograd_lab, str(tmp_path))
    trained, reloaded = run.after["save"]["net"], run.namespace["net"]
    assert reloaded is not trained and type(reloaded) is type(trained)
    _states_equal(autograd_lab.load(run.namespace["PATH"]), trained.state_dict())
    _states_equal(reloaded.state_dict(), trained.state_dict())
    params = list(reloaded.parameters())
    assert all(isinstance(p, autograd_lab.nn.Parameter) and p.requires_grad for p in params)
    images = run.after["test-batch"]["images"]
    with autograd_lab.no_grad():
        assert np.array_equal(_numpy(trained(images)), _numpy(reloaded(images)))


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.id)
def test_state_dict_round_trip_on_autograd_lab(flow: Flow, tmp_path) -> None:
    """Every trained network: save its state_dict, load it into a zeroed copy, same outputs."""
    run = run_alone(flow, autograd_lab, str(tmp_path))
    model = run.namespace[flow.model]
    path = tmp_path / "model.pt"
    autograd_lab.save(model.state_dict(), path)
    fresh = copy.deepcopy(model)
    with autograd_lab.no_grad():
        for p in fresh.parameters():
            p.zero_()
    fresh.load_state_dict(autograd_lab.load(path))
    _states_equal(fresh.state_dict(), model.state_dict())
    model.eval()
    fresh.eval()
    inputs = eval(flow.batch, run.namespace)[0]
    with autograd_lab.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", DROPOUT2D_ON_2D)
        assert np.array_equal(_numpy(model(inputs)), _numpy(fresh(inputs)))


# --------------------------------------------------------------------------------------------
# The tutorials' own bugs fail the same way on both libraries
# --------------------------------------------------------------------------------------------

TEXT_BUGS = [
    pytest.param(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        class SimpleNet(nn.Module):
            def init(self):  # as the text had it: Markdown ate the underscores of __init__
                super(SimpleNet, self).init()
                self.fc1 = nn.Linear(10, 5)
                self.fc2 = nn.Linear(5, 2)
            def forward(self, x):
                x = F.relu(self.fc1(x))
                return self.fc2(x)
        net = SimpleNet()
        print(net)  # no error yet: Module.__init__ ran, init() never did
        net(torch.randn(3, 10))
        """,
        AttributeError,
        "'SimpleNet' object has no attribute 'fc1'",
        "SimpleNet()\n",
        id="000-def-init-without-underscores",
    ),
    pytest.param(
        _LSTM_CLASSIFIER.replace("if self.bidirectional", "if bidirectional")
        + """
    model = LSTMClassifier(50, 8, 6, 3, 2, True, 0.5)
    model(torch.randint(0, 50, (7, 4)))
    """,
        NameError,
        "name 'bidirectional' is not defined",
        "",
        id="001-lstm-bidirectional-out-of-scope",
    ),
    pytest.param(
        """
        import torch
        import torch.nn as nn
        class CNN(nn.Module):
            def __init__(self):
                super(CNN, self).__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1, 1)
                self.pool = nn.MaxPool2d(2, 2)
            def forward(self, x):
                return self.pool(F.relu(self.conv1(x)))
        model = CNN()
        model(torch.randn(2, 1, 28, 28))
        """,
        NameError,
        "name 'F' is not defined",
        "",
        id="002-cnn-without-import-F",
    ),
    pytest.param(
        _CIFAR_NET.replace(
            "x = self.pool(F.relu(self.conv1(x)))", "x = self.pool(F.relu(self.conv1(x)), (2, 2))"
        )
        + """
    net(torch.randn(1, 3, 32, 32))
    """,
        TypeError,
        "forward() takes 2 positional arguments but 3 were given",
        None,
        id="004-pool-given-a-window",
    ),
]


@pytest.mark.parametrize("lib_name", _libs())
@pytest.mark.parametrize(("code", "error", "message", "printed"), TEXT_BUGS)
def test_text_bug_fails_the_same_way(code, error, message, printed, lib_name) -> None:
    session = Session(_lib(lib_name))
    with pytest.raises(error, match=re.escape(message)):
        session.run(textwrap.dedent(code), name="text bug")
    if printed is not None:
        assert "".join(session.printed) == printed


# --------------------------------------------------------------------------------------------
# The harness itself
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "got", "same"),
    [
        ("Epoch [100/1000], Loss: 0.0038\n", "Epoch [100/1000], Loss: 0.0038\n", True),
        ("Loss: 0.0038\n", "Loss: 0.0039\n", True),  # one unit in the last digit: rounding
        ("Loss: 0.0038\n", "Loss: 0.0040\n", False),
        ("Epoch 3, Loss: 0.29487717151641846", "Epoch 3, Loss: 0.2948771119117737", True),
        ("Epoch 3, Loss: 0.29487717151641846", "Epoch 3, Loss: 0.2948871119117737", False),
        ("Epoch 3, Loss: 0.5", "Epoch 4, Loss: 0.5", False),  # integers: exactly
        ("Accuracy of   cat : 25 %", "Accuracy of   cat : 26 %", False),
        ("tensor([[ 0.0602, -0.0468]])", "tensor([[ 0.0602, -0.0469]])", True),
        ("tensor([[ 0.0602, -0.0468]])", "tensor([[ 0.0602,  0.0468]])", False),
        ("tensor([1.0000e-06,  2.5000e+00])", "tensor([1.0001e-06,  2.5001e+00])", True),
        ("Predicted:    cat  ship", "Predicted:    cat  bird", False),
        ("(fc1): Linear(in_features=10", "(fc1): Linear(in_features=11", False),
        ("tensor([2., 3.])", "tensor([2., 4.])", False),  # integral floats: exactly
        ("tensor([2., 3.])", "tensor([2., 3.])", True),
        ("grad 1e-05", "grad 2e-05", False),  # a Python repr is exact: tolerances only
        ("grad 1e-05", "grad 1.0000001e-05", True),
    ],
)
def test_compare_printed_numeric_rules(expected: str, got: str, same: bool) -> None:
    tol = Tol(RTOL, ATOL)
    runs = Run(autograd_lab, expected, {}), Run(autograd_lab, got, {})
    assert (compare_printed(*runs, numeric=tol) == []) is same
    assert (compare_printed(*runs) == []) is (expected == got)  # exact by default


def _changed(flow: Flow, cell: str, old: str, new: str) -> Flow:
    cells = []
    for c in flow.cells:
        if c.name == cell:
            assert old in c.code
            c = dataclasses.replace(c, code=c.code.replace(old, new))
        cells.append(c)
    return dataclasses.replace(flow, cells=tuple(cells))


@pytest.mark.torch
@pytest.mark.parametrize(
    ("cell", "old", "new", "first_bad", "message"),
    [
        ("optimizer", "lr=0.01)", "lr=0.0101)", "optimizer", "optimizer: optimizer"),
        (
            "optimizer",
            "lr=0.01)",
            "lr=0.01)\nnet.fc2.bias.data[1] += 2e-6",
            "optimizer",
            "net.state_dict()['fc2.bias']: values differ",
        ),
        (
            "training-loop",
            "loss = criterion(outputs, labels)",
            "loss = criterion(outputs, labels) * 1.00001",
            "training-loop",
            "step 1: loss",
        ),
        (
            "training-loop",
            "for epoch in range(10):",
            "for epoch in range(9):",
            "training-loop",
            "optimizer steps: 63 != 70",
        ),
    ],
    ids=["learning-rate", "one-weight-by-2e-6", "loss-by-1e-5", "one-epoch-less"],
)
def test_parity_detects_differences(cell, old, new, first_bad, message, tmp_path) -> None:
    """PyTorch against PyTorch with one small change in the candidate's code: caught."""
    torch = require_torch()
    flow = _FLOWS["000-simplenet-sgd"]
    dirs = (str(tmp_path), str(tmp_path))
    result = run_parity(flow, torch, torch, dirs, candidate_flow=_changed(flow, cell, old, new))
    bad = [name for name, problems in result.cells.items() if problems]
    assert bad and bad[0] == first_bad
    assert any(p.startswith(message) for p in result.cells[first_bad]), result.cells[first_bad]


def test_graph_walk_counts_each_node_once_and_stops_at_opaque_nodes() -> None:
    x = autograd_lab.ones(2, requires_grad=True)
    y = x * 2
    z = (y + y).sum()
    assert graph_names(z.grad_fn) == [
        "SumBackward0",
        "AddBackward0",
        "MulBackward0",
        "AccumulateGrad",
    ]
    assert graph_names(z.grad_fn, {"AddBackward0": "<add>"}) == ["SumBackward0", "<add>"]
