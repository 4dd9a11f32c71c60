"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose2d`` (``torch.nn.functional``'s).

Forward is im2col + one matrix product per group (BLAS): the windows of the padded input are
read through a strided view (no Python loop over pixels), copied once into a column matrix
``cols`` (K = C/groups * kh * kw rows, one column per output position), and

    out[g] = W[g] @ cols[g] + b.

Three primitive ops close under differentiation, so every derivative is again one of them and
double backward works (``create_graph=True``):

* ``Convolution(x, W)``: the convolution above.
* ``ConvolutionTranspose(y, W)``: its adjoint in ``x`` (col2im of ``W^T @ y``), which is also
  ``conv_transpose2d``. ``<conv(x, W), y> = <x, conv_t(y, W)>``.
* ``ConvolutionWeight(x, g)``: the gradient in ``W``, ``g @ cols(x)^T``.

    d conv / dx = conv_t(grad, W),   d conv / dW = weight(x, grad),   d conv / db = sum(grad)
    d conv_t / dy = conv(grad, W),   d conv_t / dW = weight(grad, y)
    d weight / dx = conv_t(g, H),    d weight / dg = conv(x, H)       (H: upstream gradient)

The forward keeps its column matrix for the weight gradient (so im2col runs once per step);
backward reuses it only while ``x`` is unchanged, which the saved-tensor version check ensures.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Op
from . import _im2col as im
from ._conv_args import check_conv, conv_dims, transpose_dims, tuple_arg

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def _as_2d(x):
    """A 1-d signal ``(N, C, L)`` (or weight ``(O, C, k)``) as an image of height 1."""
    return x[:, :, None, :] if x.ndim == 3 else x


def _bias(xp, out, b):
    if b is not None:
        out += b.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out


def _grad_bias(grad: Tensor) -> Tensor:
    return grad.sum([0] + list(range(2, grad.ndim)))


class Convolution(Op):
    """out = W * x + b (cross-correlation, as in PyTorch), via im2col and BLAS.

    dx = conv_transpose(grad, W),  dW = grad @ cols(x)^T,  db = grad summed over N and space.
    """

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b=None, *, dims, groups):
        xp = ctx.xp
        ctx.dims, ctx.groups = dims, groups
        ctx.save_for_backward(x, w)
        x4, w4 = _as_2d(x), _as_2d(w)
        cols = im.im2col(xp, x4, dims, groups)  # (N, g, K, L)
        o = w4.shape[0]
        n, dw = x4.shape[0], dims[1]
        res = xp.matmul(w4.reshape(groups, o // groups, -1), cols)  # (N, g, O/g, L)
        view = im.to_image(xp, res.reshape(n, o, -1), dims)
        if im.row_length(dims) == dw.out:  # a reshape of res: the (N, O, Ho, Wo) array
            out = _bias(xp, view, b)
        elif b is None:
            out = xp.ascontiguousarray(view)
        else:  # drop the junk columns and add the bias in one pass
            out = xp.add(view, b.reshape(1, -1, 1, 1))
        ctx.cols = cols if ctx._inputs is not None and ctx._inputs[1].requires_grad else None
        return out.reshape(out.shape[:2] + (dw.out,)) if x.ndim == 3 else out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dims, groups = ctx.dims, ctx.groups
        gx = gw = gb = None
        if needs[0]:
            gx = ConvolutionTranspose.apply(grad, w, dims=dims, groups=groups)
        if needs[1]:
            gw = ConvolutionWeight.apply(x, grad, dims=dims, groups=groups, wshape=w.shape,
                                         cols=ctx.cols)
        ctx.cols = None
        if len(needs) > 2 and needs[2]:
            gb = _grad_bias(grad)
        return (gx, gw, gb)[:len(needs)]


class ConvolutionTranspose(Op):
    """out = conv_transpose(y, W) + b: the adjoint of :class:`Convolution` in its input.

    Columns ``W[g]^T @ y[g]`` are added back onto the image they would be read from (col2im,
    a loop over the kh * kw kernel taps). dy = conv(grad, W),  dW = weight(grad, y).
    """

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, y, w, b=None, *, dims, groups):
        xp = ctx.xp
        ctx.dims, ctx.groups = dims, groups
        ctx.save_for_backward(y, w)
        y4, w4 = _as_2d(y), _as_2d(w)
        o, cg = w4.shape[:2]
        n = y4.shape[0]
        wg = w4.reshape(groups, o // groups, -1)
        rows = im.from_image(xp, y4, dims).reshape(n, groups, o // groups, -1)  # (N, g, O/g, L)
        cols = xp.matmul(wg.transpose(0, 2, 1), rows)  # (N, g, K, L)
        out = _bias(xp, im.col2im(xp, cols, dims, cg * groups), b)
        return out.reshape(out.shape[:2] + (out.shape[3],)) if y.ndim == 3 else out

    @staticmethod
    def backward(ctx, grad):
        y, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dims, groups = ctx.dims, ctx.groups
        gy = gw = gb = None
        if needs[0]:
            gy = Convolution.apply(grad, w, dims=dims, groups=groups)
        if needs[1]:
            gw = ConvolutionWeight.apply(grad, y, dims=dims, groups=groups, wshape=w.shape)
        if len(needs) > 2 and needs[2]:
            gb = _grad_bias(grad)
        return (gy, gw, gb)[:len(needs)]


class ConvolutionWeight(Op):
    """dW = g @ cols(x)^T, per group: the gradient of a convolution in its weight.

    Bilinear in (x, g): dx = conv_transpose(g, H),  dg = conv(x, H)  (H: upstream gradient).
    """

    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, g, *, dims, groups, wshape, cols=None):
        xp = ctx.xp
        ctx.dims, ctx.groups = dims, groups
        ctx.save_for_backward(x, g)
        if cols is None:
            cols = im.im2col(xp, _as_2d(x), dims, groups)  # (N, g, K, L)
        n = cols.shape[0]
        rows = im.from_image(xp, _as_2d(g), dims).reshape(n, groups, wshape[0] // groups, -1)
        per_image = xp.matmul(rows, cols.transpose(0, 1, 3, 2))  # (N, g, O/g, K)
        return per_image.sum(0).reshape(wshape)

    @staticmethod
    def backward(ctx, h):
        x, g = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dims, groups = ctx.dims, ctx.groups
        gx = ConvolutionTranspose.apply(g, h, dims=dims, groups=groups) if needs[0] else None
        gg = Convolution.apply(x, h, dims=dims, groups=groups) if needs[1] else None
        return gx, gg


# ------------------------------------------------------------------------------ functional
def _run(op, input: Tensor, weight: Tensor, bias, dims, groups, nd: int) -> Tensor:  # noqa: A002
    """Unbatched input goes through ``unsqueeze(0)`` / ``squeeze(0)``, as in PyTorch."""
    if input.ndim == nd + 1:
        out = op.apply(input.unsqueeze(0), weight, bias, dims=dims, groups=groups)
        return out.squeeze(0)
    return op.apply(input, weight, bias, dims=dims, groups=groups)


def _spatial(input: Tensor, nd: int) -> tuple:  # noqa: A002
    return tuple(input.shape[-nd:])


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    r"""2-d convolution (cross-correlation) over an image batch.

    .. math:: out[n, o] = b[o] + \sum_{c \in group(o)} W[o, c] \star x[n, c]

    Derivatives: dx = conv_transpose2d(grad, W), dW = grad (x) im2col(x)^T, db = sum of grad.
    A primitive (im2col + BLAS); twice differentiable.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, dilation: int or pair.
        padding: int, pair, ``'valid'`` (no padding) or ``'same'`` (output size = input size,
            stride 1 only; an odd total padding puts the extra zero after, as PyTorch does).
        groups: split input and output channels into this many independent groups.

    Shape:
        ``H_out = floor((H + 2 * padding - dilation * (kH - 1) - 1) / stride + 1)``.

    Example:
        >>> x = autograd_lab.randn(1, 3, 32, 32)
        >>> conv2d(x, autograd_lab.randn(6, 3, 5, 5)).shape
        autograd_lab.Size([1, 6, 28, 28])
    """
    check_conv("conv2d", input, weight, bias, groups, nd=2)
    dims = conv_dims(_spatial(input, 2), tuple(weight.shape[2:]), stride, padding, dilation, 2)
    return _run(Convolution, input, weight, bias, dims, groups, 2)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    r"""1-d convolution over a batch of signals; :func:`conv2d` on an image of height 1.

    .. math:: out[n, o] = b[o] + \sum_{c \in group(o)} W[o, c] \star x[n, c]

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, k)``.
        bias, stride, padding, dilation, groups: as in :func:`conv2d` (single ints).

    Shape:
        ``L_out = floor((L + 2 * padding - dilation * (k - 1) - 1) / stride + 1)``.

    Example:
        >>> conv1d(autograd_lab.randn(2, 4, 10), autograd_lab.randn(8, 4, 3)).shape
        autograd_lab.Size([2, 8, 8])
    """
    check_conv("conv1d", input, weight, bias, groups, nd=1)
    dims = conv_dims(_spatial(input, 1), tuple(weight.shape[2:]), stride, padding, dilation, 1)
    return _run(Convolution, input, weight, bias, (im.FLAT,) + dims, groups, 1)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    r"""2-d transposed convolution: the adjoint (gradient) of :func:`conv2d` in its input.

    Each input pixel scatters ``W``-weighted copies onto the output (col2im); overlapping
    contributions add. Derivatives: dx = conv2d(grad, W), dW = x (x) im2col(grad)^T.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation: int or pair (padding removes rows/columns of the output).
        output_padding: extra rows/columns added after the output (smaller than stride or
            dilation), to pick among the input sizes that a strided conv2d maps to the same size.

    Shape:
        ``H_out = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1``.

    Example:
        >>> conv_transpose2d(autograd_lab.randn(1, 4, 5, 5), autograd_lab.randn(4, 2, 3, 3),
        ...                  stride=2).shape
        autograd_lab.Size([1, 2, 11, 11])
    """
    check_conv("conv_transpose2d", input, weight, bias, groups, nd=2, transposed=True)
    padding = tuple_arg("conv_transpose2d", "padding", padding, 2, strict=True)
    dims = transpose_dims(_spatial(input, 2), tuple(weight.shape[2:]), stride, padding,
                          output_padding, dilation, 2)
    return _run(ConvolutionTranspose, input, weight, bias, dims, groups, 2)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    r"""1-d transposed convolution: the adjoint of :func:`conv1d` (see :func:`conv_transpose2d`).

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``; weight: ``(C_in, C_out / groups, k)``.

    Shape:
        ``L_out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Example:
        >>> conv_transpose1d(autograd_lab.randn(1, 4, 5), autograd_lab.randn(4, 2, 3)).shape
        autograd_lab.Size([1, 2, 7])
    """
    check_conv("conv_transpose1d", input, weight, bias, groups, nd=1, transposed=True)
    padding = tuple_arg("conv_transpose1d", "padding", padding, 1, strict=True)
    dims = transpose_dims(_spatial(input, 1), tuple(weight.shape[2:]), stride, padding,
                          output_padding, dilation, 1)
    return _run(ConvolutionTranspose, input, weight, bias, (im.FLAT,) + dims, groups, 1)
