"""Array-level helpers shared by convolution and pooling: geometry, padding, im2col, col2im.

Everything here works on raw NumPy/CuPy arrays (``xp`` is the array module) and knows nothing
about autograd. Images are ``(N, C, H, W)``; a 1-d signal is handled as an image of height 1.

One spatial dim is described by a :class:`Dim`: the input size, kernel size, stride, dilation,
the zeros (or -inf) added before (``lo``) and after (``hi``) the input, and the output size.
A window starts at ``o * stride`` in the padded input and reads ``k`` entries ``dilation``
apart, so the padded input must hold ``(out - 1) * stride + dilation * (k - 1) + 1`` entries.
"""

from __future__ import annotations

from typing import NamedTuple

from .strides import _as_strided


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


def pad(xp, x, dims: tuple, value=0):
    """``x`` (N, C, H, W) with ``lo`` before and enough after each spatial dim for every window.

    ``value`` fills the border (0 for convolutions and average pooling, -inf for max pooling).
    """
    (dh, dw) = dims
    hp, wp = max(dh.span, dh.lo + dh.size), max(dw.span, dw.lo + dw.size)
    if dh.lo == 0 and dw.lo == 0 and hp == dh.size and wp == dw.size:
        return x
    n, c = x.shape[:2]
    if value == 0:
        out = xp.zeros((n, c, hp, wp), dtype=x.dtype)
    else:
        out = xp.full((n, c, hp, wp), value, dtype=x.dtype)
    out[:, :, dh.lo:dh.lo + dh.size, dw.lo:dw.lo + dw.size] = x
    return out


def crop(xp, xpad, dims: tuple):
    """The inverse of :func:`pad`: the un-padded image (a view)."""
    (dh, dw) = dims
    return xpad[:, :, dh.lo:dh.lo + dh.size, dw.lo:dw.lo + dw.size]


def windows(xp, xpad, dims: tuple):
    """Every window of the padded input as a strided view ``(N, C, kh, kw, Ho, Wo)``, no copy.

    This is the stride trick behind im2col. It goes through ``strides._as_strided``, which
    calls ``xp.lib.stride_tricks.as_strided`` (NumPy and CuPy both have it).
    """
    (dh, dw) = dims
    n, c = xpad.shape[:2]
    item = xpad.itemsize
    sn, sc, sh, sw = (st // item for st in xpad.strides)
    return _as_strided(xp, xpad, (n, c, dh.k, dw.k, dh.out, dw.out),
                       (sn, sc, dh.d * sh, dw.d * sw, dh.s * sh, dw.s * sw), writeable=False)


def padded_size(dims: tuple) -> tuple:
    """``(Hp, Wp)``: the size of :func:`pad`'s output."""
    return tuple(max(d.span, d.lo + d.size) for d in dims)


def row_length(dims: tuple) -> int:
    """How many column entries one output row takes in the layout of :func:`im2col`.

    Stride 1 (any dilation) uses the *flat* layout: output row ``h`` is read as one run of the
    padded input's flattened plane, ``Wp`` entries long, of which the last ``Wp - Wo`` are
    junk (they straddle two image rows). Copies and adds then move long contiguous runs instead
    of ``Wo``-long pieces, several times faster for small images; the junk columns are dropped
    from outputs and zero in gradients, so they never contribute. Other strides use ``Wo``.
    """
    dh, dw = dims
    return padded_size(dims)[1] if dh.s == 1 and dw.s == 1 else dw.out


def columns(dims: tuple) -> int:
    """Column entries per image: ``Ho * Wo``, or ``(Ho - 1) * Wp + Wo`` in the flat layout."""
    dh, dw = dims
    return (dh.out - 1) * row_length(dims) + dw.out


def im2col(xp, x, dims: tuple, groups: int):
    """Columns ``(N, groups, C/groups * kh * kw, L)``: one column per output position.

    Laid out batch-major so a convolution is a batch of matrix products whose result is
    already ``(N, C_out, L)``: ``out[n, g] = W[g] (O/g, K) @ cols[n, g] (K, L)``.
    (One big product over ``(K, N*L)`` was measured slower: OpenBLAS handles the short,
    wide matrices of the first layers badly, and it needs two transposing copies.)
    ``L`` is ``Ho * Wo``, or ``(Ho - 1) * Wp + Wo`` in the flat layout of :func:`row_length`.
    """
    (dh, dw) = dims
    n, c = x.shape[:2]
    xpad = xp.ascontiguousarray(pad(xp, x, dims))
    row = row_length(dims)
    if row == dw.out:
        cols = xp.ascontiguousarray(windows(xp, xpad, dims))
    else:  # flat layout: each tap reads one contiguous run of the flattened plane
        sn, sc, sh, _ = (st // xpad.itemsize for st in xpad.strides)
        run = _as_strided(xp, xpad, (n, c, dh.k, dw.k, columns(dims)),
                          (sn, sc, dh.d * sh, dw.d, 1), writeable=False)
        cols = xp.ascontiguousarray(run)
    return cols.reshape(n, groups, (c // groups) * dh.k * dw.k, -1)


def to_image(xp, res, dims: tuple):
    """``(N, O, L)`` in the column layout -> a ``(N, O, Ho, Wo)`` view (junk columns skipped)."""
    (dh, dw) = dims
    n, o, length = res.shape
    row = row_length(dims)
    if row == dw.out:
        return res.reshape(n, o, dh.out, dw.out)
    res = xp.ascontiguousarray(res)
    return _as_strided(xp, res, (n, o, dh.out, dw.out), (o * length, length, row, 1),
                       writeable=False)


def from_image(xp, y, dims: tuple):
    """``(N, O, Ho, Wo)`` -> ``(N, O, L)`` in the column layout, junk columns zero."""
    (dh, dw) = dims
    n, o = y.shape[:2]
    row = row_length(dims)
    if row == dw.out:
        return y.reshape(n, o, dh.out * dw.out)
    buf = xp.zeros((n, o, dh.out, row), dtype=y.dtype)
    buf[..., :dw.out] = y
    return buf.reshape(n, o, -1)[:, :, :columns(dims)]


def col2im(xp, cols, dims: tuple, c: int):
    """The adjoint of :func:`im2col`: add every column entry back where it was read from.

    A loop over the kh * kw kernel taps, each a vectorised strided add over the whole batch;
    overlapping windows accumulate. Returns the (N, C, H, W) image.
    """
    (dh, dw) = dims
    n = cols.shape[0]
    hp, wp = padded_size(dims)
    if row_length(dims) == dw.out:
        cols = cols.reshape(n, c, dh.k, dw.k, dh.out, dw.out)
        acc = xp.zeros((n, c, hp, wp), dtype=cols.dtype)
        for i in range(dh.k):
            rows = dh.offsets(i)
            for j in range(dw.k):
                acc[:, :, rows, dw.offsets(j)] += cols[:, :, i, j]
    else:  # flat layout: each tap is one contiguous run of the flattened plane
        length = columns(dims)
        cols = cols.reshape(n, c, dh.k, dw.k, length)
        flat = xp.zeros((n, c, hp * wp), dtype=cols.dtype)
        for i in range(dh.k):
            for j in range(dw.k):
                start = i * dh.d * wp + j * dw.d
                flat[:, :, start:start + length] += cols[:, :, i, j]
        acc = flat.reshape(n, c, hp, wp)
    if hp == dh.size and wp == dw.size:
        return acc
    return xp.ascontiguousarray(crop(xp, acc, dims))
