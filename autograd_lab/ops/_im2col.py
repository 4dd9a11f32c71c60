"""Array-level helpers shared by convolution and pooling: geometry, padding, im2col, col2im.

Everything here works on raw NumPy/CuPy arrays (``xp`` is the array module) and knows nothing
about autograd. Images are ``(N, C, H, W)``; a 1-d signal is handled as an image of height 1.

One spatial dim is described by a :class:`Dim`: the input size, kernel size, stride, dilation,
the zeros (or -inf) added before (``lo``) and after (``hi``) the input, and the output size.
A window starts at ``o * stride`` in the padded input and reads ``k`` entries ``dilation``
apart, so the padded input must hold ``(out - 1) * stride + dilation * (k - 1) + 1`` entries.

How a convolution becomes matrix products
-----------------------------------------
A convolution is ``out = W @ cols``: ``W`` is ``(O, K)`` with ``K = C * kh * kw``, and column
``m`` of ``cols`` (im2col) holds the ``K`` input values output pixel ``m`` reads. Built naively,
``cols`` copies every input value ``kh * kw`` times. Three layout choices cut that down:

1. **Rows side by side.** The padded input is laid out as ``xr[c, h, n, w]`` (``C, Hp, N,
   Wp``), each channel flattened to one long row: row ``h`` of every image next to each other.
   One output row of the whole batch then reads, for each kernel tap, one contiguous run of
   ``xr[c]``, so every copy below moves long runs (fast), and one matrix product covers the
   whole batch. With stride 1 in width the run gives ``Wp`` columns per image, of which the last
   ``Wp - Wo`` straddle two images: these *junk* columns are computed and dropped from the
   output (they cost ``Wp / Wo`` more arithmetic, and buy copies of runs ``N * Wp`` long instead
   of ``Wo``). In gradients they are zero, so they never contribute. Other strides read
   exactly ``Wo`` columns per image.

2. **Kernel columns only** (:func:`kernel_columns`). We copy just the ``kw`` horizontal shifts:
   ``P[h, c, j, :]`` is what kernel column ``j`` reads from input row ``h``: ``C * kw`` rows per
   input row instead of ``K`` per output row. The kernel *rows* come for free: output row ``oh``
   needs input rows ``oh * sh + i`` for ``i < kh``, which are consecutive in ``P``, so its
   ``cols`` (with ``K`` ordered ``(i, c, j)``) is the contiguous slice ``P[oh * sh : oh * sh +
   kh]``, a view that BLAS reads directly. That is ``kh`` times less copying (5x for LeNet).

3. **Chunks** (:func:`chunks`). ``P`` is built for a few output rows at a time, about
   ``CHUNK_BYTES``, in a buffer kept from call to call (:func:`scratch`), so the whole ``P``
   (``kw`` times the input) never exists, and peak memory stays near PyTorch's.

The weight gradient sums ``cols @ g^T`` over output rows, with the same views of ``P``. The
input gradient (col2im, :func:`col2im`) goes the other way: for a chunk of output rows,
``cols = W^T @ g`` (one product, the rows side by side), then each kernel tap's slab of ``cols``
is added back where it was read from, one strided ``+=`` per tap over the whole chunk.
"""

from __future__ import annotations

import contextlib
import threading
from typing import NamedTuple

import numpy as np

from .strides import _as_strided

# Bytes of ``P`` (or of ``cols``, in col2im) per chunk: for LeNet's first layer at batch 64,
# 13 of the 28 output rows. Small enough for the CPU cache (the products read each output
# row's 600 KB of ``cols`` right after the copy wrote it); measured 2x faster than 16 MB.
CHUNK_BYTES = 2 << 20
# The chunk buffer is kept from call to call (per thread) up to this size: a fresh one each
# call costs the operating system's page faults on first touch, ~10% of a LeNet step.
SCRATCH_BYTES = 16 << 20
_kept = threading.local()


class Dim(NamedTuple):
    """Geometry of one spatial dim of a convolution or pooling window."""

    size: int  # input size (the un-padded image)
    k: int  # kernel size
    s: int  # stride
    d: int  # dilation
    lo: int  # padding before the input
    hi: int  # padding after the input (enough for the last window)
    out: int  # output size

    @property
    def span(self) -> int:
        """Entries of the padded input the windows reach."""
        return (self.out - 1) * self.s + self.d * (self.k - 1) + 1

    def offsets(self, i: int) -> slice:
        """The entries of the padded input that kernel tap ``i`` reads, one per output."""
        start = i * self.d
        return slice(start, start + (self.out - 1) * self.s + 1, self.s)


FLAT = Dim(1, 1, 1, 1, 0, 0, 1)  # the height of a 1-d signal seen as an image


def conv_dim(size: int, k: int, s: int, d: int, lo: int, hi: int) -> Dim:
    """A convolution's dim (floor division: the last partial window is dropped)."""
    out = (size + lo + hi - d * (k - 1) - 1) // s + 1
    return Dim(size, k, s, d, lo, hi, out)


def padded_size(dims: tuple) -> tuple:
    """``(Hp, Wp)``: the input with its padding, as far as some window reaches."""
    return tuple(max(d.span, d.lo + d.size) for d in dims)


def pad(xp, x, dims: tuple, value=0):
    """``x`` (N, C, H, W) with ``lo`` before and enough after each spatial dim for every window.

    ``value`` fills the border (0 for convolutions and average pooling, -inf for max pooling).
    """
    (dh, dw) = dims
    hp, wp = padded_size(dims)
    if dh.lo == 0 and dw.lo == 0 and hp == dh.size and wp == dw.size:
        return x
    n, c = x.shape[:2]
    if value == 0:
        out = xp.zeros((n, c, hp, wp), dtype=x.dtype)
    else:
        out = xp.full((n, c, hp, wp), value, dtype=x.dtype)
    out[:, :, dh.lo:dh.lo + dh.size, dw.lo:dw.lo + dw.size] = x
    return out


def scratch(xp, size: int, dtype):
    """A flat array of ``size`` entries for a chunk of ``P`` or ``cols``; contents undefined.

    The same memory is handed out again on the next call from the same thread (NumPy only,
    at most ``SCRATCH_BYTES``): one call uses it at a time, and it never leaves the call.
    """
    dtype = np.dtype(dtype)
    if xp is not np or size * dtype.itemsize > SCRATCH_BYTES:
        return xp.empty(size, dtype=dtype)
    kept = getattr(_kept, "buffer", None)
    if kept is None or kept.dtype != dtype or kept.size < size:
        kept = _kept.buffer = np.empty(size, dtype=dtype)
    return kept[:size]


@contextlib.contextmanager
def row_by_row(xp):
    """Let NumPy's ufuncs work on strided operands in place, a row at a time.

    A ufunc (``+=``) on non-contiguous arrays copies them through an 8192-element buffer when
    their rows are shorter than that: three passes over memory instead of one, 3-4x slower
    (measured on ``(6, 1792)`` slices of a longer array). A buffer smaller than a row turns
    the copying off. ``np.errstate`` restores the buffer size on exit (NumPy 2).
    """
    if xp is not np:
        yield
        return
    with np.errstate():
        np.setbufsize(16)
        yield


# ------------------------------------------------------------------------------ row layout
class Rows(NamedTuple):
    """Where things are in the row layout ``xr[c, h, n, w]`` of one convolution."""

    n: int  # images
    hp: int  # padded height
    wp: int  # padded width
    wr: int  # columns per image and output row: wp (stride 1: junk columns) or Wo
    tail: int  # zeros after the last row, read by the junk columns of the last windows

    @property
    def q(self) -> int:
        """Entries of ``xr[c]`` per input row (all images side by side)."""
        return self.n * self.wp

    @property
    def row(self) -> int:
        """Columns of ``cols`` per output row."""
        return self.n * self.wr

    @property
    def length(self) -> int:
        """Entries of ``xr[c]``."""
        return self.hp * self.q + self.tail


def geometry(n: int, dims: tuple) -> Rows:
    """The row layout of a convolution of ``n`` images with geometry ``dims``."""
    dh, dw = dims
    hp, wp = padded_size(dims)
    if dw.s == 1:  # the last junk column of the last row reads (kw - 1) * dw past the end
        return Rows(n, hp, wp, wp, dw.d * (dw.k - 1))
    return Rows(n, hp, wp, dw.out, 0)


def to_rows(xp, x, dims: tuple, geo: Rows):
    """``(N, C, H, W)`` -> ``xr`` ``(C, Hp * N * Wp + tail)``: padded, rows side by side."""
    dh, dw = dims
    c = x.shape[1]
    if dh.lo == dw.lo == 0 and (geo.hp, geo.wp) == (dh.size, dw.size):
        xr = xp.empty((c, geo.length), dtype=x.dtype)
        xr[:, geo.hp * geo.q:] = 0
    else:
        xr = xp.zeros((c, geo.length), dtype=x.dtype)
    grid = xr[:, :geo.hp * geo.q].reshape(c, geo.hp, geo.n, geo.wp)
    grid[:, dh.lo:dh.lo + dh.size, :, dw.lo:dw.lo + dw.size] = x.transpose(1, 2, 0, 3)
    return xr


def from_rows(xp, xr, dims: tuple, geo: Rows):
    """The inverse of :func:`to_rows`: the ``(N, C, H, W)`` image, padding dropped."""
    dh, dw = dims
    c = xr.shape[0]
    grid = xr[:, :geo.hp * geo.q].reshape(c, geo.hp, geo.n, geo.wp)
    image = grid[:, dh.lo:dh.lo + dh.size, :, dw.lo:dw.lo + dw.size]
    return xp.ascontiguousarray(image.transpose(2, 0, 1, 3))


# ------------------------------------------------------------------------------ im2col
def _input_rows(dims: tuple, r0: int, r1: int) -> tuple:
    """``(first, count, step)``: the input rows that output rows ``r0:r1`` read, as ``P`` holds
    them. With dilation in height, chunks are single output rows and ``P`` holds just the
    ``kh`` rows that one reads (``step = dilation``), so they are again consecutive in ``P``."""
    dh = dims[0]
    if dh.d > 1:
        return r0 * dh.s, dh.k, dh.d
    return r0 * dh.s, (r1 - r0 - 1) * dh.s + dh.k, 1


def chunks(dims: tuple, geo: Rows, c: int, itemsize: int, cols: bool = False) -> list:
    """Output rows ``(r0, r1)`` of each chunk: as many as keep ``P`` (or, with ``cols``, the
    ``kh`` times bigger ``cols`` that col2im adds back) within ``CHUNK_BYTES``."""
    dh, dw = dims
    if dh.d > 1:
        return [(r, r + 1) for r in range(dh.out)]
    per_row = max(c * dw.k * geo.row * itemsize, 1)  # bytes of P per input row
    if cols:
        rows = max(1, CHUNK_BYTES // (per_row * dh.k))
    else:
        rows = max(1, (CHUNK_BYTES // per_row - dh.k) // dh.s + 1)
    rows = -(-dh.out // -(-dh.out // rows))  # the same number of chunks, evened out
    return [(r, min(r + rows, dh.out)) for r in range(0, dh.out, rows)]


def chunk_size(dims: tuple, geo: Rows, c: int, itemsize: int) -> int:
    """Entries of the largest chunk of ``P``."""
    most = max(_input_rows(dims, r0, r1)[1] for r0, r1 in chunks(dims, geo, c, itemsize))
    return most * c * dims[1].k * geo.row


def _rows_view(xp, xr, dims: tuple, geo: Rows, r0: int, r1: int):
    """``(T, C, kw, N, wr)``: what kernel column ``j`` reads from each input row of the chunk.

    A strided view of ``xr``: entry ``[t, c, j, n, w]`` is
    ``xr[c, (first + t * step) * N * Wp + n * Wp + w * sw + j * dw]``.
    """
    dw = dims[1]
    first, count, step = _input_rows(dims, r0, r1)
    q = geo.q
    return _as_strided(xp, xr[:, first * q:], (count, xr.shape[0], dw.k, geo.n, geo.wr),
                       (step * q, xr.shape[1], dw.d, geo.wp, 1 if dw.s == 1 else dw.s),
                       writeable=False)


def kernel_columns(xp, xr, dims: tuple, geo: Rows, r0: int, r1: int, buf):
    """``P`` for output rows ``r0:r1``, copied into ``buf``: ``(T, C, kw, N * wr)``.

    ``P[t, c, j]`` is what kernel column ``j`` reads from input row ``t`` of the chunk (see the
    module docstring): one copy of runs ``N * Wp`` long, ``C * kw`` of them per input row.
    """
    view = _rows_view(xp, xr, dims, geo, r0, r1)
    p = buf[:view.size].reshape(view.shape)
    p[...] = view
    return p.reshape(view.shape[:3] + (geo.row,))


def im2col(xp, p, dims: tuple, r0: int, r1: int, groups: int):
    """``cols`` of output rows ``r0:r1``: ``(R, groups, K/groups, N * wr)``, a view of ``P``.

    ``cols[r, g]`` is the ``(K/g, columns)`` matrix of output row ``r0 + r`` and group ``g``,
    its ``K/g`` rows ordered ``(i, c, j)``: the ``kh`` consecutive rows of ``P`` the output row
    reads. Without groups it is a view (rows of ``P`` are ``C * kw * columns`` apart, exactly
    ``kh`` of them); with groups NumPy's ``reshape`` has to copy.
    """
    dh, dw = dims
    t, c, kw, row = p.shape
    step = c * kw * row  # entries of P per input row
    cg = c // groups
    taps = _as_strided(xp, p, (r1 - r0, groups, dh.k, cg * kw, row),
                       (dh.s * step if dh.d == 1 else 0, cg * kw * row, step, row, 1),
                       writeable=False)
    return taps.reshape(r1 - r0, groups, dh.k * cg * kw, row)


def _output_dims(dims: tuple, geo: Rows, r: int) -> tuple:
    """Shape and strides (in the row layout) of ``r`` output rows of the whole batch, merged
    where they are one run: stride 1 in width makes each row one run of ``N * Wp``; stride 1
    in height too makes the ``r`` rows one run. (NumPy adds a 2-d run twice as fast as the
    same data described in 5 dims.)"""
    dh, dw = dims
    if dw.s > 1:
        return (r, geo.n, geo.wr), (dh.s * geo.q, geo.wp, dw.s)
    if dh.s > 1:
        return (r, geo.q), (dh.s * geo.q, 1)
    return (r * geo.q,), (1,)


def col2im(xp, gr, cols, dims: tuple, geo: Rows, r0: int, r1: int) -> None:
    """The adjoint of im2col: add ``cols`` ``(groups, K/groups, (r1 - r0) * columns)`` (``K``
    ordered ``(i, c, j)``) of output rows ``r0:r1`` onto the image gradient ``gr`` (row
    layout), where each entry was read from.

    One strided ``+=`` per kernel tap (``kh * kw`` of them), each over the whole chunk of the
    batch: with stride 1, one run per channel, since the chunk's rows lie side by side in
    ``gr`` too. Overlapping windows accumulate. Junk columns of ``cols`` are zero (they come
    from zero gradient columns), so adding them across image borders changes nothing.
    """
    dh, dw = dims
    groups = cols.shape[0]
    c, length = gr.shape
    cg = c // groups
    out_shape, out_strides = _output_dims(dims, geo, r1 - r0)
    cols = cols.reshape((groups, dh.k, cg, dw.k) + out_shape)
    # Every tap's target at once, shaped like cols. Taps overlap each other, so they are
    # added one at a time; each one alone covers distinct entries.
    taps = _as_strided(xp, gr.reshape(-1)[r0 * dh.s * geo.q:], cols.shape,
                       (cg * length, dh.d * geo.q, length, dw.d) + out_strides)
    with row_by_row(xp):
        for i in range(dh.k):
            for j in range(dw.k):
                target = taps[:, i, :, j]
                target += cols[:, i, :, j]


def to_image(xp, out, res, dims: tuple, geo: Rows, r0: int, r1: int) -> None:
    """Write output rows ``res`` ``(R, O, N * wr)`` into ``out`` ``(N, O, Ho, Wo)`` at rows
    ``r0:r1``: one transposing copy, junk columns dropped."""
    grid = res.reshape(r1 - r0, res.shape[1], geo.n, geo.wr)[..., :dims[1].out]
    out[:, :, r0:r1] = grid.transpose(2, 1, 0, 3)


def from_image(xp, y, buf, dims: tuple, geo: Rows, r0: int, r1: int):
    """Output rows ``r0:r1`` of ``y`` ``(N, O, Ho, Wo)`` as ``(R, O, N * wr)``, in ``buf``.

    ``buf`` comes from :func:`row_buffer`: its junk columns are zero and stay zero, since only
    the ``Wo`` real columns of each image are ever written.
    """
    grid = buf[:r1 - r0].reshape(r1 - r0, y.shape[1], geo.n, geo.wr)
    grid[..., :dims[1].out] = y[:, :, r0:r1].transpose(2, 1, 0, 3)
    return buf[:r1 - r0]


def from_image_block(xp, y, buf, dims: tuple, geo: Rows, r0: int, r1: int):
    """Output rows ``r0:r1`` of ``y`` as one ``(O, (r1 - r0) * N * wr)`` matrix, in ``buf``
    (``(O, rows, N * wr)`` from :func:`row_buffer`, junk columns zero as there)."""
    grid = buf[:, :r1 - r0].reshape(y.shape[1], r1 - r0, geo.n, geo.wr)
    grid[..., :dims[1].out] = y[:, :, r0:r1].transpose(1, 2, 0, 3)
    return buf[:, :r1 - r0].reshape(y.shape[1], -1)


def row_buffer(xp, shape: tuple, dims: tuple, geo: Rows, dtype):
    """A buffer for output rows, ``shape + (N * wr,)`` (zero if it has junk columns)."""
    make = xp.empty if geo.wr == dims[1].out else xp.zeros
    return make(shape + (geo.row,), dtype=dtype)
