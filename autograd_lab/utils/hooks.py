"""Hook handles, as ``torch.utils.hooks.RemovableHandle``."""

from __future__ import annotations


class RemovableHandle:
    """Returned by ``register_hook``-style methods; ``remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.
    """

    _next_id = 0

    def __init__(self, hooks: list | dict, hook=None, key=None) -> None:
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        if isinstance(hooks, dict):
            hooks[self.id if key is None else key] = hook
            self.key = self.id if key is None else key
        else:
            hooks.append(hook)
            self.key = hook

    def remove(self) -> None:
        if isinstance(self.hooks, dict):
            self.hooks.pop(self.key, None)
        else:
            try:
                self.hooks.remove(self.key)
            except ValueError:
                pass

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
