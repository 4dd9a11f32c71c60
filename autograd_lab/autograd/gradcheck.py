"""Numerical gradient checks: compare backward with central finite differences.

``gradcheck(fn, inputs)`` perturbs every element of every float64 input that requires grad by
``±eps``, estimates d(output)/d(input) as (f(x+eps) - f(x-eps)) / (2 eps), and compares that
Jacobian with the one backward computes, column by column of vector-Jacobian products.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _outputs(fn, inputs):
    from .._tensor import Tensor

    out = _as_tuple(fn(*inputs))
    return [o for o in out if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical_jacobian(fn, inputs, i, eps):
    """Columns: one per element of inputs[i]; rows: all output elements concatenated."""
    x = inputs[i]
    flat = x._data.reshape(-1)  # a view into x: perturb in place
    cols = []
    # Grad mode stays on: gradgradcheck's function itself calls autograd.grad.
    for k in range(flat.size):
        orig = flat[k].copy()
        flat[k] = orig + eps
        plus = [o._data.astype(np.float64).ravel().copy() for o in _outputs(fn, inputs)]
        flat[k] = orig - eps
        minus = [o._data.astype(np.float64).ravel().copy() for o in _outputs(fn, inputs)]
        flat[k] = orig
        cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus,
                                                                          strict=True)]))
    return np.stack(cols, axis=1) if cols else np.zeros((0, 0))


def _analytical_jacobian(fn, inputs, i):
    from .._tensor import Tensor
    from . import grad as autograd_grad

    outs = _outputs(fn, inputs)
    rows = []
    for o in outs:
        for k in range(o.numel()):
            g = np.zeros(o.shape, dtype=o._data.dtype)
            g.reshape(-1)[k] = 1
            if not o.requires_grad:
                rows.append(np.zeros(inputs[i].numel()))
                continue
            (gi,) = autograd_grad(o, inputs[i], Tensor._make(g), retain_graph=True,
                                  allow_unused=True)
            rows.append(np.zeros(inputs[i].numel()) if gi is None
                        else gi._data.astype(np.float64).ravel())
    return np.stack(rows, axis=0) if rows else np.zeros((0, inputs[i].numel()))


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """Check backward against finite differences for every input that requires grad.

    Inputs should be float64: float32 rounding swamps the finite-difference estimate.
    Returns True, or raises :class:`GradcheckError` naming the input and the worst element.
    """
    from .._tensor import Tensor

    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if x.dtype.name != "float64":
            import warnings

            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of "
                          "double precision floating point. ", UserWarning, stacklevel=2)
        num = _numerical_jacobian(func, inputs, i, eps)
        ana = _analytical_jacobian(func, inputs, i)
        if num.shape != ana.shape or not np.allclose(ana, num, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            diff = np.abs(ana - num) if num.shape == ana.shape else None
            where = "" if diff is None else f" (max abs diff {diff.max():.3g})"
            raise GradcheckError(
                f"Jacobian mismatch for output 0 with respect to input {i},\n"
                f"numerical:{num}\nanalytical:{ana}{where}\n"
            )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, **_ignored) -> bool:
    """Check second derivatives: gradcheck of (inputs -> vector-Jacobian product)."""
    from .._creation import tensor
    from .._tensor import Tensor
    from . import grad as autograd_grad

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True)
                        for o in outs]
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    n_in = len(inputs)

    def vjp(*args):
        xs, gos = args[:n_in], args[n_in:]
        ys = _outputs(func, xs)
        dx = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        grads = autograd_grad(ys, dx, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    _ = diff_inputs
    return gradcheck(vjp, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
