"""Shared pieces of the gradient, monitor, inspector and image widgets.

Each of those widgets renders its view as HTML (inline styles and SVG) in Python. The same
string is the widget's synced ``html`` trait, which a tiny inline ES module (``static/*.js``)
puts on the page and makes interactive, *and* its static fallback (``_repr_html_``) for nbval,
nbconvert and frontends without widgets. One renderer means the live view, the saved widget
state in exported HTML and the static output can never disagree, and the output is
deterministic: no ids, addresses, timings or hash-ordered sets end up in it.
"""

from __future__ import annotations

import base64
import math
import struct
import sys
import zlib
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import anywidget
import numpy as np
import traitlets

from ._graph_common import esc, load_esm  # noqa: F401 - re-exported to the widget modules

# A white card with dark text reads the same in JupyterLab's light and dark themes.
CARD_STYLE = ("font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; font-size: 13px; "
              "color: #1f2328; background: #ffffff; border: 1px solid #d0d7de; "
              "border-radius: 6px; padding: 10px 12px; display: inline-block; max-width: 100%; "
              "box-sizing: border-box; overflow-x: auto")
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
OK_COLOR, BAD_COLOR, WARN_COLOR, MUTED = "#1a7f37", "#cf222e", "#9a6700", "#656d76"


class HTMLWidget(anywidget.AnyWidget):
    """An anywidget whose view is the HTML in its ``html`` trait.

    Subclasses set ``_esm`` and call :meth:`_render` whenever their data changes. ``repr()``
    is the plain-text view (what ``print`` shows outside a notebook).
    """

    html = traitlets.Unicode("").tag(sync=True)

    def _render(self) -> None:
        self.html = self.to_html()

    def to_html(self) -> str:
        """The view as a self-contained HTML fragment (also the static fallback)."""
        raise NotImplementedError

    def to_text(self) -> str:
        """The view as plain text."""
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.to_text()

    __str__ = __repr__


# ---------------------------------------------------------------------- values and formatting
def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array of ``x``: an autograd_lab or PyTorch tensor (detached, on the CPU),
    a NumPy array, or nested lists of numbers."""
    if hasattr(x, "detach"):
        x = x.detach()
        if getattr(x, "is_cuda", False):
            x = x.cpu()
        return np.asarray(x.numpy())
    return np.asarray(x)


def no_grad_for(model: Any):
    """``no_grad()`` of the library that ``model``'s parameters come from (autograd_lab or
    torch), so the widgets work on both; a no-op context when there is none."""
    first = next(iter(model.parameters()), None)
    package = sys.modules.get(type(first).__module__.split(".")[0]) if first is not None else None
    no_grad = getattr(package, "no_grad", None)
    return no_grad() if no_grad is not None else nullcontext()


def fmt(x: float | None, digits: int = 3) -> str:
    """A short, deterministic number: ``0.0123``, ``3.29e-09``, ``1.2e+05``, ``nan``."""
    if x is None:
        return "–"
    if not math.isfinite(x):
        return str(x)
    return format(x, f".{digits}g")


def times(x: float) -> str:
    """A factor in words a beginner reads at a glance: ``12``, ``3,400``, ``240,000,000``."""
    if not math.isfinite(x) or x >= 1e12:
        return fmt(x, 2)
    rounded = float(format(x, ".2g"))
    return f"{rounded:,.0f}" if rounded >= 10 else format(rounded, "g")


def card(body: str, title: str = "", kind: str = "") -> str:
    """Wrap a view in the common card, with an optional bold title."""
    head = f'<div style="font-weight:600; margin-bottom:6px">{esc(title)}</div>' if title else ""
    return f'<div class="al-viz al-{kind}" style="{CARD_STYLE}">{head}{body}</div>'


def message_list(messages: list[tuple[str, str]]) -> str:
    """``[(level, text)]`` as coloured lines; level is ``"ok"``, ``"warn"`` or ``"info"``."""
    colors = {"ok": OK_COLOR, "warn": BAD_COLOR, "info": WARN_COLOR}
    marks = {"ok": "✓", "warn": "⚠", "info": "ℹ"}
    lines = [f'<div style="color:{colors[level]}; margin:3px 0; max-width:760px">'
             f"{marks[level]} {esc(text)}</div>" for level, text in messages]
    return "".join(lines)


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """About ``count`` round numbers (1, 2 or 5 times a power of ten apart) spanning lo..hi."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = [k * step for k in range(first, int(math.floor(hi / step + 1e-9)) + 1)]
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks]


# ---------------------------------------------------------------------- images
def png_bytes(pixels: np.ndarray) -> bytes:
    """Encode an ``(H, W)`` grey or ``(H, W, 3)`` RGB uint8 array as PNG (no Pillow needed;
    same pixels, same bytes)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    color_type = 2 if pixels.ndim == 3 else 0
    rows = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))  # filter 0 per row

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def image_pixels(images: Any, mean: Sequence[float] | None, std: Sequence[float] | None
            ) -> np.ndarray:
    """``(N, H, W, 3)`` or ``(N, H, W)`` uint8 from a batch in NCHW (tensors), NHWC (raw
    CIFAR arrays) or NHW layout. Float batches are un-normalised with ``mean``/``std`` when
    given; values outside [0, 1] are then stretched to it (one scale for the whole batch,
    so images stay comparable)."""
    arr = to_numpy(images)
    if arr.ndim == 4 and arr.shape[1] in (1, 3) and arr.shape[-1] not in (1, 3):
        arr = arr.transpose(0, 2, 3, 1)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 3):
        raise ValueError(f"images must be (N, C, H, W), (N, H, W, C) or (N, H, W) with C = 1 "
                         f"or 3, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return arr
    arr = arr.astype(np.float64)
    if std is not None:
        arr = arr * np.asarray(std, dtype=np.float64)
    if mean is not None:
        arr = arr + np.asarray(mean, dtype=np.float64)
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 1.0)
    if lo < 0 or hi > 1:
        arr = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
    return np.round(arr * 255).astype(np.uint8)


def img_tag(pixels: np.ndarray, size: int, border: str = "#d0d7de") -> str:
    uri = "data:image/png;base64," + base64.b64encode(png_bytes(pixels)).decode("ascii")
    return (f'<img src="{uri}" width="{size}" height="{size}" alt="" style="image-rendering:'
            f'pixelated; border:3px solid {border}; border-radius:3px; display:block">')


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets can be shown), False in a script or a
    terminal IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})
