"""Device and dtype moves for ``Module``: ``to``, ``cpu``, ``cuda``, ``float``, ``double``,
``half``, ``type`` (as in ``torch.nn.Module``).

Each is ``_apply(fn)``: parameters keep their identity (their ``.data`` is replaced, and so is
their gradient's), so an optimizer built before the move still holds the right tensors;
buffers are replaced by ``fn(buffer)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ... import _dtype
from ..._tensor import Tensor
from ...autograd import no_grad
from ...ops.shape_copy import _parse_to

__all__ = ["MovesMixin"]


class MovesMixin:
    """The device/dtype half of ``Module``."""

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True):
        if recurse:
            for module in self.children():
                module._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            with no_grad():
                param.data = fn(param)
            grad = param._grad
            if grad is not None:
                with no_grad():
                    grad.data = fn(grad)
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args: Any, **kwargs: Any):
        """Move and/or cast the parameters and buffers in place: ``to(device)``,
        ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``. Only floating-point tensors are
        cast to ``dtype``; integer buffers keep theirs. Returns ``self``."""
        dev, dt, non_blocking, _ = _parse_to(args, dict(kwargs))
        if dt is not None:
            dt = _dtype.as_dtype(dt)
            if not dt.is_floating_point:
                raise TypeError("nn.Module.to only accepts floating point or complex dtypes, "
                                f"but got desired dtype={dt}")

        def convert(t: Tensor) -> Tensor:
            return t.to(device=dev, dtype=dt if t.is_floating_point() else None,
                        non_blocking=non_blocking)

        return self._apply(convert)

    def cpu(self):
        """Move all parameters and buffers to the CPU."""
        return self._apply(lambda t: t.cpu())

    def cuda(self, device: Any = None):
        """Move all parameters and buffers to the GPU (CuPy). Do it before building the
        optimizer, or keep the same parameter objects (they are: only ``.data`` moves)."""
        return self._apply(lambda t: t.cuda(device))

    def type(self, dst_type: Any):
        """Cast all parameters and buffers to ``dst_type``."""
        return self._apply(lambda t: t.type(dst_type))

    def float(self):
        """Cast floating-point parameters and buffers to float32."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        """Cast floating-point parameters and buffers to float64."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        """Cast floating-point parameters and buffers to float16."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)
