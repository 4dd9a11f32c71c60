"""``einsum``: sums of products written in Einstein notation, differentiable.

``einsum("ij,jk->ik", A, B)`` multiplies entries whose subscripts match and sums over the
subscripts missing from the output (here ``j``): it is ``A @ B``. The gradient has the same form:
the gradient of operand k is the einsum of the output gradient with all *other* operands,
producing operand k's subscripts. Two details make that general:

* a subscript repeated in operand k (``"ii->i"``, a diagonal) gets a fresh letter and an
  identity matrix ties the two together, so the gradient is zero off the diagonal;
* a subscript found only in operand k (``"ij->i"`` sums ``j`` away) does not appear in the
  gradient's einsum; the result is broadcast (``expand``) along it.
"""

from __future__ import annotations

import string

from .._tensor import Tensor
from ..autograd.function import Op

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's (and NumPy's) order


class Einsum(Op):
    """out = sum over the non-output subscripts of the product of the operands.

    d/d(operand k) = einsum(grad, other operands -> subscripts of operand k).
    PyTorch's node is that of its last step: a view after ``bmm`` (``ViewBackward0``) when a
    subscript is summed, otherwise a ``mul`` (several operands), ``sum`` or ``permute`` (one);
    subclasses carry those names.
    """

    node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, *arrays, inputs=(), output=""):
        ctx.inputs, ctx.output = inputs, output
        ctx.save_for_backward(*arrays)
        eq = ",".join(inputs) + "->" + output
        # optimize: pairwise contractions through BLAS (tensordot) where NumPy can.
        out = ctx.xp.asarray(ctx.xp.einsum(eq, *arrays, optimize=len(arrays) > 1))
        if len(arrays) == 1 and out.base is not None:
            out = out.copy()  # a transpose/diagonal of the input: the result owns its memory
        return out

    @staticmethod
    def backward(ctx, grad):
        saved = ctx.saved_tensors
        return tuple(_operand_grad(ctx, k, grad, saved) if needs else None
                     for k, needs in enumerate(ctx.needs_input_grad))


class EinsumMul(Einsum):
    node_name = "MulBackward0"


class EinsumSum(Einsum):
    node_name = "SumBackward1"


class EinsumPermute(Einsum):
    node_name = "PermuteBackward0"


def _operand_grad(ctx, k: int, grad: Tensor, saved) -> Tensor:
    inputs, output = ctx.inputs, ctx.output
    used = set("".join(inputs)) | set(output)
    fresh = (c for c in _LETTERS if c not in used)
    target, eyes, seen = [], [], set()
    for c in inputs[k]:
        if c in seen:  # repeated subscript: a new letter, tied to the first by an identity
            new = next(fresh)
            eyes.append((c, new))
            target.append(new)
        else:
            seen.add(c)
            target.append(c)
    subs = [output] + [s for j, s in enumerate(inputs) if j != k] + [c + n for c, n in eyes]
    shape = saved[k].shape
    sizes = dict(zip(inputs[k], shape, strict=True))
    eye = [Tensor._make(ctx.xp.eye(sizes[c], dtype=grad._data.dtype), device=grad._device)
           for c, _ in eyes]
    ops = [grad] + [t for j, t in enumerate(saved) if j != k] + eye
    avail = set("".join(subs))
    labels = "".join(c for c in target if c in avail)
    g = _apply(subs, labels, ops)
    if len(labels) < len(target):  # broadcast along subscripts summed only in operand k
        g = g.reshape(*[s if c in avail else 1 for c, s in zip(target, shape, strict=True)])
        g = g.expand(*shape)
    return g


def _apply(inputs: list, output: str, tensors: list, op=Einsum) -> Tensor:
    return op.apply(*tensors, inputs=tuple(inputs), output=output)


def _error(msg: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {msg}")


def _parse(equation: str, operands: list):
    """Split ``equation`` into per-operand subscript lists (``None`` marks an ellipsis) and the
    output list (``None`` when implicit), with PyTorch's error messages."""
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    terms: list[list] = [[]]
    i = 0
    while i < len(lhs):
        c = lhs[i]
        if c in _LETTERS:
            terms[-1].append(c)
        elif c == ",":
            terms.append([])
        elif c == ".":
            k = len(terms) - 1
            if lhs[i:i + 3] != "...":
                raise _error(f"found '.' for operand {k} that is not part of any ellipsis")
            if None in terms[-1]:
                raise _error(f"found '.' for operand {k} for which an ellipsis was already found")
            terms[-1].append(None)
            i += 2
        elif c != " ":
            raise _error(f"invalid subscript given at index {i} in the equation string, "
                         "subscripts must be in [a-zA-Z]")
        i += 1
    if len(terms) > len(operands):
        raise _error("fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise _error("more operands were provided than specified in the equation")
    out = None
    if arrow >= 0:
        out = []
        i = arrow + 2
        while i < len(equation):
            c = equation[i]
            if c in _LETTERS:
                if c in out:
                    raise _error(f"output subscript {c} appears more than once in the output")
                out.append(c)
            elif c == "." and equation[i:i + 3] == "..." and None not in out:
                out.append(None)
                i += 2
            elif c != " ":
                raise _error(f"invalid subscript given at index {i} in the equation string, "
                             "subscripts must be in [a-zA-Z]")
            i += 1
    return terms, out


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over subscripts (Einstein summation), as ``torch.einsum``.

    ``out[output subs] = sum over other subs of prod_k operand_k[subs of k]``;
    d/d(operand k) = einsum(grad, other operands -> subs of k).

    Args:
        equation: subscripts in ``[a-zA-Z]`` for each operand's dims, separated by commas,
            optionally ``->`` and the output's subscripts; ``...`` stands for broadcast dims.
            Without ``->`` the output is the subscripts seen once, in alphabetical order.
        operands: the tensors (or one list of them).

    Differences from PyTorch: a result that PyTorch returns as a view of a single operand
    (``"ij->ji"``) is a copy here.

    Example:
        >>> a, b = autograd_lab.ones(2, 3), autograd_lab.ones(3, 4)
        >>> autograd_lab.einsum("ij,jk->ik", a, b).shape
        autograd_lab.Size([2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    for t in operands:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, not "
                            f"{type(t).__name__}")
    terms, out = _parse(equation, list(operands))
    # Replace each ellipsis by fresh letters, right-aligned across operands (broadcasting).
    used = set(equation)
    spare = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for k, (term, t) in enumerate(zip(terms, operands, strict=True)):
        named = len(term) - (None in term)
        nd = t._data.ndim
        if None not in term and named != nd:
            raise _error(f"the number of subscripts in the equation ({named}) does not match the "
                         f"number of dimensions ({nd}) for operand {k} and no ellipsis was given")
        if named > nd:
            raise _error(f"the number of subscripts in the equation ({named}) is more than the "
                         f"number of dimensions ({nd}) for operand {k}")
        n_ell = max(n_ell, nd - named)
    ell = spare[:n_ell]
    subs = []
    for term, t in zip(terms, operands, strict=True):
        e = t._data.ndim - (len(term) - (None in term))
        s = []
        for c in term:
            s.extend(ell[n_ell - e:] if c is None else [c])
        subs.append("".join(s))
    counts = {}
    for s in subs:
        for c in s:
            counts[c] = counts.get(c, 0) + 1
    if out is None:
        output = "".join(ell) + "".join(sorted(c for c, n in counts.items()
                                               if n == 1 and c not in ell))
    else:
        for c in out:
            if c is not None and c not in counts:
                raise _error(f"output subscript {c} does not appear in the equation for any "
                             "input operand")
        output = "".join("".join(ell) if c is None else c for c in out)
    sizes = _label_sizes(subs, operands)
    first = operands[0]
    for t in operands[1:]:
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(f"expected scalar type {first.dtype._tensor_type[:-6]} but found "
                               f"{t.dtype._tensor_type[:-6]}")
    # Size-1 dims broadcast against the other operands' sizes: expand them (a view).
    tensors = []
    for s, t in zip(subs, operands, strict=True):
        want = tuple(sizes[c] for c in s)
        tensors.append(t if want == t._data.shape else t.expand(*want))
    return _apply(subs, output, tensors, _node_op(subs, output))


def _label_sizes(subs: list, operands) -> dict:
    sizes: dict = {}
    for k, (s, t) in enumerate(zip(subs, operands, strict=True)):
        mine: dict = {}
        for c, n in zip(s, t._data.shape, strict=True):
            if c in mine and mine[c] != n:
                raise _error(f"subscript {c} is repeated for operand {k} but the sizes don't "
                             f"match, {n} != {mine[c]}")
            mine[c] = n
            prev = sizes.get(c)
            if prev is not None and prev != n and 1 not in (prev, n):
                raise _error(f"subscript {c} has size {n} for operand {k} which does not "
                             f"broadcast with previously seen size {prev}")
            if prev is None or prev == 1:
                sizes[c] = n
    return sizes


def _node_op(subs: list, output: str) -> type:
    """The Einsum class whose node name is PyTorch's for this equation (its last step)."""
    if len(subs) == 1:
        return EinsumSum if set(subs[0]) - set(output) else EinsumPermute
    summed = set("".join(subs)) - set(output)
    return Einsum if summed else EinsumMul
