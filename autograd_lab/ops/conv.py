"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose2d`` (``torch.nn.functional``'s).

Forward is im2col + matrix products (BLAS): ``W`` is ``(O, K)`` with ``K = C/groups * kh * kw``,
and column ``m`` of ``cols`` holds the ``K`` input values output pixel ``m`` reads, so

    out[:, row] = W @ cols[row] + b          for each output row of the whole batch

(per group). How ``cols`` is laid out so that it costs little to build, and little memory,
is explained in :mod:`._im2col`: rows of all images side by side, only the ``kw`` kernel
columns copied (the kernel rows are row offsets into that copy), a few output rows at a time.

Three primitive ops close under differentiation, so every derivative is again one of them
and double backward works (``create_graph=True``):

* ``Convolution(x, W)``: the convolution above.
* ``ConvolutionTranspose(y, W)``: its adjoint in ``x`` (col2im of ``W^T @ y``), which is also
  ``conv_transpose2d``. ``<conv(x, W), y> = <x, conv_t(y, W)>``.
* ``ConvolutionWeight(x, g)``: the gradient in ``W``, ``g @ cols(x)^T`` summed over rows.

    d conv / dx = conv_t(grad, W),   d conv / dW = weight(x, grad),   d conv / db = sum(grad)
    d conv_t / dy = conv(grad, W),   d conv_t / dW = weight(grad, y)
    d weight / dx = conv_t(g, H),    d weight / dg = conv(x, H)       (H: upstream gradient)

Nothing but ``x`` and ``W`` is kept for backward: the weight gradient copies the kernel
columns again. That copy is cheaper than the memory of keeping ``cols``, which is ``K`` times
the input (16 MB for LeNet's first layer at batch 64, where PyTorch keeps nothing).
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Op
from . import _cuda_paths as cuda
from . import _im2col as im
from ._conv_args import check_conv, conv_dims, transpose_dims, tuple_arg

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def _as_2d(x):
    """A 1-d signal ``(N, C, L)`` (or weight ``(O, C, k)``) as an image of height 1."""
    return x[:, :, None, :] if x.ndim == 3 else x


def _as_1d(out, like):
    """Undo :func:`_as_2d` on a result when the input ``like`` was 1-d."""
    return out.reshape(out.shape[:2] + (out.shape[3],)) if like.ndim == 3 else out


def _grad_bias(grad: Tensor) -> Tensor:
    return grad.sum([0] + list(range(2, grad.ndim)))


def _tap_major(w, groups):
    """``W`` ``(O, C/g, kh, kw)`` as ``(g, O/g, K/g)`` with ``K`` ordered ``(i, c, j)``, the
    row order of ``cols`` (:func:`._im2col.im2col`)."""
    o, cg, kh, kw = w.shape
    return w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 1, 3, 2, 4).reshape(
        groups, o // groups, kh * cg * kw)


def conv_forward(xp, x, w, b, dims, groups):
    """``out = W * x + b`` on arrays, a chunk of output rows at a time (module docstring).

    ``x`` is ``(N, C, H, W)``, ``w`` is ``(O, C/groups, kh, kw)``; returns ``(N, O, Ho, Wo)``.
    Per chunk: one copy (``P``) and one ``matmul`` call, which multiplies each output row's
    ``cols`` (a view of ``P``) by ``W``.
    """
    if (out := cuda.conv_forward(xp, x, w, b, dims, groups)) is not None:  # CUDA kernels
        return out
    n, c = x.shape[:2]
    o = w.shape[0]
    geo = im.geometry(n, dims)
    xr = im.to_rows(xp, x, dims, geo)
    wg = _tap_major(w, groups)
    out = xp.empty((n, o, dims[0].out, dims[1].out), dtype=x.dtype)
    parts = im.chunks(dims, geo, c, x.itemsize)
    buf = im.scratch(xp, im.chunk_size(dims, geo, c, x.itemsize), x.dtype)
    res = xp.empty((max(r1 - r0 for r0, r1 in parts), o, geo.row), dtype=x.dtype)
    for r0, r1 in parts:
        p = im.kernel_columns(xp, xr, dims, geo, r0, r1, buf)
        rows = res[:r1 - r0]
        xp.matmul(wg, im.im2col(xp, p, dims, r0, r1, groups),
                  out=rows.reshape(r1 - r0, groups, o // groups, -1))
        im.to_image(xp, out, rows, dims, geo, r0, r1)
    if b is not None:
        with im.row_by_row(xp):  # a broadcast add is strided too
            out += b.reshape(1, -1, 1, 1)
    return out


def conv_weight(xp, x, g, dims, groups, wshape):
    """``dW = g @ cols(x)^T`` on arrays, summed over output rows (``P`` rebuilt per chunk)."""
    if (gw := cuda.conv_weight(xp, x, g, dims, groups, wshape)) is not None:  # CUDA kernels
        return gw
    n, c = x.shape[:2]
    o, cg, kh, kw = wshape
    geo = im.geometry(n, dims)
    xr = im.to_rows(xp, x, dims, geo)
    acc = xp.zeros((groups, kh * cg * kw, o // groups), dtype=x.dtype)
    parts = im.chunks(dims, geo, c, x.itemsize)
    buf = im.scratch(xp, im.chunk_size(dims, geo, c, x.itemsize), x.dtype)
    gbuf = im.row_buffer(xp, (max(r1 - r0 for r0, r1 in parts), o), dims, geo, x.dtype)
    for r0, r1 in parts:
        p = im.kernel_columns(xp, xr, dims, geo, r0, r1, buf)
        grows = im.from_image(xp, g, gbuf, dims, geo, r0, r1)
        grows = grows.reshape(r1 - r0, groups, o // groups, -1).transpose(0, 1, 3, 2)
        # cols @ g^T, (K/g, L) @ (L, O/g), is the fast order for OpenBLAS here (2x g @ cols^T).
        acc += xp.matmul(im.im2col(xp, p, dims, r0, r1, groups), grows).sum(0)
    gw = acc.transpose(0, 2, 1).reshape(groups, o // groups, kh, cg, kw)  # (i, c, j) order
    return gw.transpose(0, 1, 3, 2, 4).reshape(wshape)


def conv_adjoint(xp, y, w, dims, groups, c):
    """``conv_transpose(y, W)`` on arrays: col2im of ``W^T @ y``, a chunk at a time.

    ``y`` is ``(N, O, Ho, Wo)``, ``w`` is ``(O, C/groups, kh, kw)``; returns ``(N, C, H, W)``.
    Per chunk of output rows: ``cols = W^T @ y`` (one product, the chunk's rows side by side),
    then added onto the image, one kernel tap at a time (:func:`._im2col.col2im`).
    """
    if (out := cuda.conv_adjoint(xp, y, w, dims, groups, c)) is not None:  # CUDA kernels
        return out
    n, o = y.shape[:2]
    geo = im.geometry(n, dims)
    wt = _tap_major(w, groups).transpose(0, 2, 1)  # (g, K/g, O/g)
    acc = xp.zeros((c, geo.length), dtype=y.dtype)  # the image gradient in the row layout
    parts = im.chunks(dims, geo, c, y.itemsize, cols=True)
    most = max(r1 - r0 for r0, r1 in parts)
    ybuf = im.row_buffer(xp, (o, most), dims, geo, y.dtype)
    buf = im.scratch(xp, groups * wt.shape[1] * most * geo.row, y.dtype)
    for r0, r1 in parts:
        rows = im.from_image_block(xp, y, ybuf, dims, geo, r0, r1)
        cols = buf[:groups * wt.shape[1] * rows.shape[1]].reshape(groups, wt.shape[1], -1)
        xp.matmul(wt, rows.reshape(groups, o // groups, -1), out=cols)
        im.col2im(xp, acc, cols, dims, geo, r0, r1)
    return im.from_rows(xp, acc, dims, geo)


class Convolution(Op):
    """out = W * x + b (cross-correlation, as in PyTorch), via im2col and BLAS.

    dx = conv_transpose(grad, W),  dW = grad @ cols(x)^T,  db = grad summed over N and space.
    """

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b=None, *, dims, groups):
        ctx.dims, ctx.groups = dims, groups
        ctx.save_for_backward(x, w)
        out = conv_forward(ctx.xp, _as_2d(x), _as_2d(w), b, dims, groups)
        return _as_1d(out, x)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dims, groups = ctx.dims, ctx.groups
        gx = gw = gb = None
        if needs[0]:
            gx = ConvolutionTranspose.apply(grad, w, dims=dims, groups=groups)
        if needs[1]:
            gw = ConvolutionWeight.apply(x, grad, dims=dims, groups=groups, wshape=w.shape)
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
        w4 = _as_2d(w)
        out = conv_adjoint(xp, _as_2d(y), w4, dims, groups, w4.shape[1] * groups)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return _as_1d(out, y)

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
    def forward(ctx, x, g, *, dims, groups, wshape):
        ctx.dims, ctx.groups = dims, groups
        ctx.save_for_backward(x, g)
        w4shape = tuple(wshape) if len(wshape) == 4 else (wshape[0], wshape[1], 1, wshape[2])
        gw = conv_weight(ctx.xp, _as_2d(x), _as_2d(g), dims, groups, w4shape)
        return gw.reshape(wshape)

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
    """Unbatched input goes through ``unsqueeze(0)`` / ``squeeze(0)``, as in PyTorch.

    A bias of another dtype reaches here only for a transposed convolution, which PyTorch
    accepts: the bias is cast to the input's dtype (its gradient is cast back).
    """
    if bias is not None and bias.dtype != input.dtype:
        bias = bias.to(input.dtype)
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
