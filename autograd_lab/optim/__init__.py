"""autograd_lab.optim: optimizers and learning rate schedulers, as ``torch.optim``.

Each optimizer's docstring gives its update rule; each reproduces PyTorch's default
(single-tensor, ``foreach=False``) algorithm step for step, including step counts and bias
corrections, and saves its state in PyTorch's ``state_dict`` format.
"""

from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
           "lr_scheduler"]
