"""Module hooks (as in ``torch.nn.Module``): forward pre-hooks, forward hooks and the full
backward (pre-)hooks, with the ``__call__`` that runs them.

A full backward hook needs the gradients with respect to the module's inputs *and* outputs,
which autograd computes at two different nodes. As in PyTorch, the tensors going into
``forward`` and the tensors coming out of it each pass through an identity
:class:`BackwardHookFunction`; the node on the outputs records ``grad_output`` (and runs the
backward pre-hooks, which may replace it), and the node on the inputs then calls
``hook(module, grad_input, grad_output)``, whose result may replace ``grad_input``.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..._tensor import Tensor
from ...autograd import grad_mode
from ...autograd.function import Function
from ...utils.hooks import RemovableHandle

__all__ = ["HooksMixin", "BackwardHook", "BackwardHookFunction"]


class BackwardHookFunction(Function):
    """Identity on its tensors; its node (``BackwardHookFunctionBackward``) carries the hooks.

    d(out_i)/d(in_i) = 1: the gradients pass through unchanged.
    """

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[arg for arg in args if not arg.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *args):
        return args


class BackwardHook:
    """One module call's backward hooks: catches grad_output on the outputs, then calls the
    user's hooks with grad_input on the inputs (``torch.utils.hooks.BackwardHook``)."""

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list) -> None:
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.module = module
        self.grad_outputs: tuple | None = None
        self.n_outputs = -1
        self.output_tensors_index: list[int] | None = None
        self.n_inputs = -1
        self.input_tensors_index: list[int] | None = None

    @staticmethod
    def _pack_with_none(indices, values, size: int) -> tuple:
        res = [None] * size
        for idx, val in zip(indices, values, strict=True):
            res[idx] = val
        return tuple(res)

    @staticmethod
    def _unpack_none(indices, values) -> tuple:
        return tuple(values[idx] for idx in indices)

    def _set_user_hook(self, grad_fn) -> None:
        def hook(grad_input, _):
            if self.grad_outputs is None:
                # The gradient reached the inputs without passing through the outputs (e.g.
                # double backward): there is no grad_output to report.
                return None
            res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
            for user_hook in self.user_hooks:
                out = user_hook(self.module, res, self.grad_outputs)
                if out is None:
                    continue
                if len(out) != len(res):
                    raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                       f"got {len(out)}, but expected {len(res)}")
                res = out
            self.grad_outputs = None
            return self._unpack_none(self.input_tensors_index, res)

        grad_fn.register_hook(hook)

    def _apply_on_tensors(self, fn: Callable, args: tuple) -> tuple[tuple, list[int] | None]:
        """Pass the Tensors of ``args`` through one BackwardHookFunction and give its node to
        ``fn``; returns the new args and the positions of the Tensors (None: no graph)."""
        tensors_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in tensors_idx]
        if not (any(t.requires_grad for t in tensors) and grad_mode.is_grad_enabled()):
            return args, None
        new_tensors = BackwardHookFunction.apply(*tensors)
        if len(new_tensors) == 0:
            raise RuntimeError("Cannot set Module backward hook for a Module with no input "
                               "Tensors.")
        grad_fns = [t.grad_fn for t in new_tensors if t.grad_fn is not None
                    and t.grad_fn.name() == "BackwardHookFunctionBackward"]
        fn(grad_fns[0])
        arg_list = list(args)
        for idx, val in zip(tensors_idx, new_tensors, strict=True):
            arg_list[idx] = val
        return (tuple(arg_list) if type(args) is tuple else type(args)(*arg_list)), tensors_idx

    def setup_input_hook(self, args: tuple) -> tuple:
        res, input_idx = self._apply_on_tensors(self._set_user_hook, args)
        self.n_inputs = len(args)
        self.input_tensors_index = input_idx
        return res

    def setup_output_hook(self, args: Any) -> Any:
        def fn(grad_fn) -> None:
            def hook(_, grad_output):
                self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_output,
                                                         self.n_outputs)
                expected_len = len(self.grad_outputs)
                for user_pre_hook in self.user_pre_hooks:
                    hook_grad_outputs = user_pre_hook(self.module, self.grad_outputs)
                    if hook_grad_outputs is None:
                        continue
                    if len(hook_grad_outputs) != expected_len:
                        raise RuntimeError("Backward pre hook returned an invalid number of "
                                           f"grad_output, got {len(hook_grad_outputs)}, but "
                                           f"expected {expected_len}")
                    self.grad_outputs = hook_grad_outputs
                local_grad_outputs = self.grad_outputs
                if self.input_tensors_index is None:
                    # No input requires grad: the input node never runs, so call the hooks now.
                    warnings.warn(
                        "Full backward hook is firing when gradients are computed with respect "
                        "to module outputs since no inputs require gradients. See "
                        "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                        "#torch.nn.Module.register_full_backward_hook for more details.",
                        stacklevel=5)
                    grad_inputs = self._pack_with_none([], [], self.n_inputs)
                    for user_hook in self.user_hooks:
                        res = user_hook(self.module, grad_inputs, self.grad_outputs)
                        if res is not None and not (isinstance(res, tuple)
                                                    and all(el is None for el in res)):
                            raise RuntimeError("Backward hook for Modules where no input "
                                               "requires gradient should always return None "
                                               "or None for all gradients.")
                    self.grad_outputs = None
                if local_grad_outputs is None:
                    return None
                return tuple(local_grad_outputs[i] for i in self.output_tensors_index)

            grad_fn.register_hook(hook)

        is_tuple = isinstance(args, tuple)
        if not is_tuple:
            args = (args,)
        res, output_idx = self._apply_on_tensors(fn, args)
        self.n_outputs = len(args)
        self.output_tensors_index = output_idx
        return res if is_tuple else res[0]


class HooksMixin:
    """The hook half of ``Module``: registration and the hooked call."""

    def _init_hooks(self) -> None:
        d = self.__dict__
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_always_called"] = set()
        d["_backward_pre_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before each forward (``hook(module, args, kwargs)``
        with ``with_kwargs``); a non-None result replaces the inputs (a single value is
        wrapped in a tuple; with ``with_kwargs`` it must be ``(args, kwargs)``).

        ``prepend=True`` runs it before the hooks already registered.
        """
        return _register(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each forward
        (``hook(module, args, kwargs, output)`` with ``with_kwargs``); a non-None result
        replaces the output.

        ``prepend=True`` runs it before the hooks already registered; ``always_call=True``
        runs it even when forward raises (with ``output=None``; its own errors are then
        turned into warnings and the original exception propagates).
        """
        handle = _register(self._forward_hooks, (hook, with_kwargs), prepend)
        if always_call:
            self._forward_hooks_always_called.add(handle.id)
        return handle

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's
        outputs are computed; a non-None result (a tuple as long as ``grad_output``) replaces
        them. ``grad_output`` has one entry per output, None for non-Tensor outputs."""
        return _register(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to
        the module's inputs are computed.

        ``grad_input`` and ``grad_output`` are tuples with one entry per positional input and
        per output (None for non-Tensors and for inputs without gradient); keyword arguments
        are not included. A non-None result (a tuple as long as ``grad_input``) replaces
        ``grad_input`` for the rest of backward. The hook must not change its arguments in
        place. If no input requires grad, it fires at the outputs with ``grad_input`` all None
        (and a warning), as in PyTorch.
        """
        return _register(self._backward_hooks, hook, prepend)

    def _call_with_hooks(self, *args: Any, **kwargs: Any) -> Any:
        """``forward`` with the hooks, in PyTorch's order: forward pre-hooks, the backward
        hook on the inputs, forward, forward hooks, the backward hook on the outputs."""
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        bw_hook = None
        if self._backward_hooks or self._backward_pre_hooks:
            bw_hook = BackwardHook(self, list(self._backward_hooks.values()),
                                   list(self._backward_pre_hooks.values()))
            args = bw_hook.setup_input_hook(args)
        called: set[int] = set()
        output = None
        try:
            output = self.forward(*args, **kwargs)
            for hook_id, (hook, with_kwargs) in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called:
                    called.add(hook_id)
                result = (hook(self, args, kwargs, output) if with_kwargs
                          else hook(self, args, output))
                if result is not None:
                    output = result
        except Exception:
            for hook_id, (hook, with_kwargs) in list(self._forward_hooks.items()):
                if hook_id not in self._forward_hooks_always_called or hook_id in called:
                    continue
                try:
                    result = (hook(self, args, kwargs, output) if with_kwargs
                              else hook(self, args, output))
                    if result is not None:
                        output = result
                except Exception as e:  # noqa: BLE001 - reported, the first error wins
                    warnings.warn("module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised "
                                  f"in forward: {e}", stacklevel=2)
            raise
        if bw_hook is not None:
            if not isinstance(output, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a "
                              "Tensor or a tuple of Tensors but received "
                              f"{type(output)}", stacklevel=2)
            output = bw_hook.setup_output_hook(output)
        return output


def _register(hooks: OrderedDict, value: Any, prepend: bool) -> RemovableHandle:
    handle = RemovableHandle(hooks, value)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle
