"""Grad mode: whether operations record the graph.

``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` work as context
managers and as decorators, as in PyTorch. The flag is process-global (PyTorch keeps one per
thread); a lesson never runs autograd from several threads, and a global is cheaper to read in
the hot path of every op.
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

_enabled = True
_inference = False


def is_grad_enabled() -> bool:
    """True when new operations are recorded for autograd."""
    return _enabled


def is_inference_mode_enabled() -> bool:
    return _inference


def _set_enabled(mode: bool) -> None:
    global _enabled
    _enabled = bool(mode)


class _DecoratorContextManager:
    """A context manager that also decorates functions (and generator functions)."""

    def __call__(self, func):
        if inspect.isclass(func):
            raise RuntimeError(f"{type(self).__name__} can't decorate a class")
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    with self.clone():
                        try:
                            response = gen.send(request)
                        except StopIteration as stop:
                            return stop.value
            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_DecoratorContextManager):  # noqa: N801 - PyTorch's name
    """Context manager / decorator that turns off graph recording.

    Inside it, results of operations have ``requires_grad=False`` even when their inputs
    require grad: use it for evaluation and for updating parameters by hand.

    Example:
        >>> x = autograd_lab.ones(2, requires_grad=True)
        >>> with autograd_lab.no_grad():
        ...     (x * 2).requires_grad
        False
    """

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if func is not None and callable(func):
            # ``@no_grad`` without parentheses, as PyTorch 2 allows.
            self.__init__()
            return self(func)
        return self

    def __init__(self, func=None) -> None:
        self.prev = True

    def __enter__(self) -> None:
        self.prev = _enabled
        _set_enabled(False)

    def __exit__(self, *exc) -> None:
        _set_enabled(self.prev)


class enable_grad(_DecoratorContextManager):  # noqa: N801
    """Context manager / decorator that turns graph recording back on inside ``no_grad``."""

    def __init__(self) -> None:
        self.prev = True

    def __enter__(self) -> None:
        self.prev = _enabled
        _set_enabled(True)

    def __exit__(self, *exc) -> None:
        _set_enabled(self.prev)


class set_grad_enabled(_DecoratorContextManager):  # noqa: N801
    """Set grad mode on or off; takes effect at once, and as a context manager it restores.

    Example:
        >>> with autograd_lab.set_grad_enabled(False):
        ...     pass
    """

    def __init__(self, mode: bool) -> None:
        self.prev = _enabled
        self.mode = bool(mode)
        _set_enabled(self.mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _set_enabled(self.prev)

    def clone(self):
        return type(self)(self.mode)


class inference_mode(_DecoratorContextManager):  # noqa: N801
    """Like ``no_grad``, for code that will never need gradients (PyTorch's fastest mode).

    Here it behaves exactly as ``no_grad``; PyTorch additionally marks the created tensors as
    inference tensors, which we do not model.
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = True
        self.prev_inference = False

    def __enter__(self) -> None:
        global _inference
        self.prev, self.prev_inference = _enabled, _inference
        if self.mode:
            _set_enabled(False)
            _inference = True

    def __exit__(self, *exc) -> None:
        global _inference
        _set_enabled(self.prev)
        _inference = self.prev_inference

    def clone(self):
        return type(self)(self.mode)
