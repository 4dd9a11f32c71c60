"""Matrix products: matmul (with batch broadcasting), mm, bmm, mv, dot, outer, addmm, linear.

Every product here calls ``xp.matmul`` (BLAS) on the arrays as they are: a transpose is a
strided view that BLAS reads directly, so neither forward nor backward copies its operands, and
float32 stays float32. The gradients of ``C = A B`` are the two products
``dA = dC B^T`` and ``dB = A^T dC``; every op below is that rule for its shapes.

``matmul`` (the ``@`` operator) is in :mod:`autograd_lab.ops.matmul`, ``einsum`` in
:mod:`autograd_lab.ops.einsum`.
"""

from __future__ import annotations

import math

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import write_out

# PyTorch names dtypes two ways in its messages: the C++ type ("float", "long int") and the
# scalar type ("Float", "Long").
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _cpp(t: Tensor) -> str:
    return _CPP_NAMES[t.dtype.name]


def _scalar_name(t: Tensor) -> str:
    return t.dtype._tensor_type[: -len("Tensor")]


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape)


def _check_tensor(fn: str, x, name: str, pos: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _no_bool(kernel: str, t: Tensor) -> None:
    if t._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


# ------------------------------------------------------------------ checks with torch's messages
def _check_mm(a: Tensor, b: Tensor, shape_a=None, shape_b=None) -> None:
    """``mm``'s checks; ``shape_a``/``shape_b`` are the folded shapes matmul passes."""
    sa, sb = shape_a or a._data.shape, shape_b or b._data.shape
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(sa)} and "
                           f"{_shape_str(sb)})")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp(a)} != "
                           f"{_cpp(b)}")
    _no_bool("addmm_impl_cpu_", a)


def _check_mv(mat: Tensor, vec: Tensor, shape_mat=None) -> None:
    sm = shape_mat or mat._data.shape
    if mat._data.dtype != vec._data.dtype:
        v, m = _scalar_name(vec), _scalar_name(mat)
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {v}, {m}, "
                           f"and {v}")
    if sm[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({sm[0]}), mat ({_shape_str(sm)}), vec "
                           f"({vec._data.shape[0]})")
    _no_bool("addmv_impl_cpu", mat)


def _check_dot(a: Tensor, b: Tensor) -> None:
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D "
                           "tensors")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_scalar_name(a)} and {_scalar_name(b)}")
    n, m = a._data.shape[0], b._data.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    _no_bool("dot", a)


def _check_bmm(a: Tensor, b: Tensor, shape_a=None, shape_b=None) -> None:
    sa, sb = shape_a or a._data.shape, shape_b or b._data.shape
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(a)} but found "
                           f"{_scalar_name(b)}")
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")
    _no_bool("bmm", a)


# ------------------------------------------------------------------ the primitive products
class Mm(Op):
    """out = A B   (n x m times m x p).   dA = grad B^T,  dB = A^T grad."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (_grad_mat1(grad, a, b) if needs_a else None), (_grad_mat2(grad, a, b) if needs_b
                                                               else None)


def _column_major(t: Tensor) -> bool:
    flags = t._data.flags
    return flags.f_contiguous and not flags.c_contiguous


# The gradient of a matrix is computed in the matrix's own memory layout, as PyTorch does: for
# ``x @ w.t()`` the gradient of the (column-major) view ``w.t()`` is ``(grad^T x)^T``, so after
# the transpose's backward ``w.grad`` is row-major like ``w`` and no strided copy is needed.
def _grad_mat1(grad: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """dA = grad B^T for ``A @ B``."""
    return Mm.apply(b, grad.mT).mT if _column_major(a) else Mm.apply(grad, b.mT)


def _grad_mat2(grad: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """dB = A^T grad for ``A @ B``."""
    return Mm.apply(grad.mT, a).mT if _column_major(b) else Mm.apply(a.mT, grad)


class Addmm(Op):
    """out = beta * input + alpha * (A B).   d/dinput = beta grad,  dA = alpha grad B^T,
    dB = alpha A^T grad. The fused form of ``x @ W.T + b`` (``nn.Linear``)."""

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, bias, a, b, beta=1, alpha=1):
        ctx.save_for_backward(a, b)
        ctx.beta, ctx.alpha = beta, alpha
        out = a @ b  # a fresh array: scaling and the bias are added in place, no extra copies
        if alpha != 1:
            ctx.xp.multiply(out, alpha, out=out, casting="unsafe")
        if beta == 0:  # as in PyTorch, input is ignored (its NaNs do not propagate)
            return out
        ctx.xp.add(out, bias if beta == 1 else bias * beta, out=out, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_bias, needs_a, needs_b = ctx.needs_input_grad
        g = grad if ctx.alpha == 1 else grad * ctx.alpha
        return ((grad if ctx.beta == 1 else grad * ctx.beta) if needs_bias else None,
                _grad_mat1(g, a, b) if needs_a else None,
                _grad_mat2(g, a, b) if needs_b else None)


class Bmm(Op):
    """out[i] = A[i] B[i].   dA = grad B^T,  dB = A^T grad (batch by batch)."""

    node_name = "BmmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (Bmm.apply(grad, b.mT) if needs_a else None), (Bmm.apply(a.mT, grad) if needs_b
                                                              else None)


class Mv(Op):
    """out = A v.   dA = grad v^T (an outer product),  dv = A^T grad."""

    node_name = "MvBackward0"

    @staticmethod
    def forward(ctx, a, v):
        ctx.save_for_backward(a, v)
        return a @ v

    @staticmethod
    def backward(ctx, grad):
        a, v = ctx.saved_tensors
        needs_a, needs_v = ctx.needs_input_grad
        return (grad.unsqueeze(1) * v if needs_a else None), (Mv.apply(a.mT, grad) if needs_v
                                                              else None)


class VecMat(Op):
    """out = v A (a row vector times a matrix).   dv = A grad,  dA = v grad^T (outer product).

    PyTorch computes this as ``v.unsqueeze(0).mm(A).squeeze_(0)``: its node is the squeeze's.
    """

    node_name = "SqueezeBackward4"

    @staticmethod
    def forward(ctx, v, a):
        ctx.save_for_backward(v, a)
        return v @ a

    @staticmethod
    def backward(ctx, grad):
        v, a = ctx.saved_tensors
        needs_v, needs_a = ctx.needs_input_grad
        return (Mv.apply(a, grad) if needs_v else None), (v.unsqueeze(1) * grad if needs_a
                                                          else None)


class Dot(Op):
    """out = sum_i a_i b_i.   da = grad b,  db = grad a."""

    node_name = "DotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.asarray(ctx.xp.dot(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad * b if needs_a else None), (grad * a if needs_b else None)


def _rows(x: Tensor) -> Tensor:
    """``x`` as a matrix: all leading dims folded into rows (a view when the layout allows)."""
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


# ------------------------------------------------------------------ public functions
def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Matrix product of two 2-D tensors.

    ``out = input @ mat2``;  d/dinput = grad mat2^T,  d/dmat2 = input^T grad.

    Args:
        input: an (n x m) matrix.
        mat2: an (m x p) matrix of the same dtype.

    Shape:
        (n, m), (m, p) -> (n, p).

    Example:
        >>> autograd_lab.ones(2, 3).mm(autograd_lab.ones(3, 4)).shape
        autograd_lab.Size([2, 4])
    """
    _check_tensor("mm", input, "input", 1)
    _check_tensor("mm", mat2, "mat2", 2)
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_mm(input, mat2)
    return _write("mm", Mm.apply(input, mat2), out)


def _write(name: str, result: Tensor, out: Tensor | None) -> Tensor:
    if out is not None and isinstance(out, Tensor) and out._data.dtype != result._data.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_cpp(result)}, but got "
                           f"{_cpp(out)} instead")
    return write_out(name, result, out)


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Batched matrix product: ``out[i] = input[i] @ mat2[i]`` (no broadcasting).

    d/dinput = grad mat2^T,  d/dmat2 = input^T grad, batch by batch.

    Shape:
        (b, n, m), (b, m, p) -> (b, n, p).

    Example:
        >>> autograd_lab.ones(5, 2, 3).bmm(autograd_lab.ones(5, 3, 4)).shape
        autograd_lab.Size([5, 2, 4])
    """
    _check_tensor("bmm", input, "input", 1)
    _check_tensor("bmm", mat2, "mat2", 2)
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _check_bmm(input, mat2)
    return _write("bmm", Bmm.apply(input, mat2), out)


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Matrix-vector product.  ``out = input @ vec``;  d/dinput = grad vec^T,
    d/dvec = input^T grad.

    Shape:
        (n, m), (m,) -> (n,).

    Example:
        >>> autograd_lab.ones(2, 3).mv(autograd_lab.ones(3))
        tensor([3., 3.])
    """
    _check_tensor("mv", input, "input", 1)
    _check_tensor("mv", vec, "vec", 2)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    _check_mv(input, vec)
    return _write("mv", Mv.apply(input, vec), out)


def dot(input: Tensor, tensor: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors.  ``out = sum_i a_i b_i``;  da = grad b,  db = grad a.

    Example:
        >>> autograd_lab.tensor([1., 2.]).dot(autograd_lab.tensor([3., 4.]))
        tensor(11.)
    """
    _check_tensor("dot", input, "input", 1)
    _check_tensor("dot", tensor, "tensor", 2)
    _check_dot(input, tensor)
    return _write("dot", Dot.apply(input, tensor), out)


def inner(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Sum of products over the last dim (``dot`` for vectors). Composite: ``mm`` and ``view``.

    Example:
        >>> autograd_lab.inner(autograd_lab.ones(2, 3), autograd_lab.ones(4, 3)).shape
        autograd_lab.Size([2, 4])
    """
    _check_tensor("inner", input, "input", 1)
    _check_tensor("inner", other, "other", 2)
    if input._data.ndim == 0 or other._data.ndim == 0:
        return write_out("inner", input * other, out)
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(sa)} and {list(sb)}")
    # As PyTorch's tensordot: rows of A times rows of B, viewed to the result's shape.
    result = mm(_rows(input), _rows(other).mT).view(*sa[:-1], *sb[:-1])
    return write_out("inner", result, out)


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Outer product ``out[i, j] = a[i] * b[j]``. Composite: a broadcast multiply, as PyTorch
    (so its node is ``MulBackward0`` and mixed dtypes promote).

    Example:
        >>> autograd_lab.outer(autograd_lab.ones(2), autograd_lab.ones(3)).shape
        autograd_lab.Size([2, 3])
    """
    _check_tensor("outer", input, "input", 1)
    _check_tensor("outer", vec2, "vec2", 2)
    for t, name in ((input, "self"), (vec2, "vec2")):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return write_out("outer", input.unsqueeze(1) * vec2, out)


ger = outer


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1,  # noqa: A002
          out: Tensor | None = None) -> Tensor:
    """``out = beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the result.

    d/dinput = beta grad,  d/dmat1 = alpha grad mat2^T,  d/dmat2 = alpha mat1^T grad.
    One fused op (one BLAS call, bias added in place): this is ``nn.Linear``'s forward.

    Shape:
        input broadcastable to (n, p); (n, m), (m, p) -> (n, p).

    Example:
        >>> autograd_lab.addmm(autograd_lab.zeros(4), autograd_lab.ones(2, 3),
        ...                    autograd_lab.ones(3, 4)).shape
        autograd_lab.Size([2, 4])
    """
    for i, (t, name) in enumerate(((input, "input"), (mat1, "mat1"), (mat2, "mat2"))):
        _check_tensor("addmm", t, name, i + 1)
    for t, name in ((mat1, "mat1"), (mat2, "mat2")):
        if t._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t._data.ndim}-D tensor")
    s1, s2 = mat1._data.shape, mat2._data.shape
    if s1[1] != s2[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(s1)} and "
                           f"{_shape_str(s2)})")
    if mat1._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_scalar_name(mat1)} and {_scalar_name(mat2)}")
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_scalar_name(input)} and {_scalar_name(mat2)}")
    _no_bool("addmm_impl_cpu_", mat1)
    _check_expandable(input, (s1[0], s2[1]))
    return _write("addmm", Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha), out)


def _check_expandable(input: Tensor, target: tuple) -> None:  # noqa: A002
    """PyTorch's ``expand`` error when ``input`` of addmm does not broadcast to the result."""
    shape = input._data.shape
    sizes = ", ".join(map(str, target))
    have = ", ".join(map(str, shape))
    if len(shape) > len(target):
        raise RuntimeError(f"expand(torch.{input.dtype._tensor_type}{{[{have}]}}, size=[{sizes}]): "
                           f"the number of "
                           f"sizes provided ({len(target)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    for i in range(1, len(shape) + 1):
        if shape[-i] not in (1, target[-i]):
            d = len(target) - i
            raise RuntimeError(f"The expanded size of the tensor ({target[d]}) must match the "
                               f"existing size ({shape[-i]}) at non-singleton dimension {d}.  "
                               f"Target sizes: [{sizes}].  Tensor sizes: [{have}]")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias`` as ``torch.nn.functional.linear``.

    A 2-D input with a bias is one ``addmm`` (``AddmmBackward0``); other contiguous inputs are
    flattened to 2-D for the ``addmm`` and viewed back, as PyTorch does.

    Shape:
        input (*, in), weight (out, in), bias (out,) -> (*, out).
    """
    if input._data.ndim == 0 or weight._data.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are "
                           f"{input._data.ndim}D and {weight._data.ndim}D")
    wt = weight.t()
    if bias is None:
        return matmul(input, wt)
    if input._data.ndim == 2:
        return addmm(bias, input, wt)
    if input._data.flags.c_contiguous and input._data.ndim > 0:
        flat = input.view(-1, input._data.shape[-1])
        return addmm(bias, flat, wt).view(*input._data.shape[:-1], wt._data.shape[-1])
    return matmul(input, wt) + bias


# ``matmul`` (and its N-D op) lives in its own module; it builds on the products above.
from .matmul import Matmul, matmul  # noqa: E402, F401 - re-exported for Tensor.matmul
