"""Utilities, as ``torch.utils``: hook handles (``hooks``) and data loading (``data``).

``autograd_lab.utils.data`` holds ``Dataset``, ``DataLoader`` (with worker processes), the
samplers and ``default_collate``; import it explicitly (``import autograd_lab.utils.data``
or ``from autograd_lab.utils.data import DataLoader``).
"""
