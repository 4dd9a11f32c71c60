"""``autograd.graph``: the Node type, as ``torch.autograd.graph``."""

from .function import Node

__all__ = ["Node"]
