"""The engine's operations, grouped by kind. Each op is one :class:`~autograd_lab.autograd.Op`
subclass with ``forward`` (raw arrays) and ``backward`` (Tensors) side by side, plus the public
function that validates arguments and calls ``Op.apply``."""
