"""Training monitor: live loss/accuracy curves while a training loop runs, and a summary at
the end. In JupyterLab it is a widget redrawn at most every ``redraw_every`` seconds (one SVG
swapped in place: no flicker, no ``clear_output``, so a tqdm bar in the same cell survives);
in a script or a terminal it prints one line per redraw (through ``tqdm.write`` while a tqdm
bar is open, so the bar is not torn apart) and the summary.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

import numpy as np
import traitlets

from ._widgets_common import (
    MUTED,
    PALETTE,
    HTMLWidget,
    card,
    esc,
    fmt,
    in_notebook,
    load_esm,
    message_list,
    nice_ticks,
)

__all__ = ["TrainingMonitor"]

MAX_POINTS = 400  # points per curve in the SVG; longer runs are averaged into buckets
_W, _H, _PAD_L, _PAD_R, _PAD_T, _PAD_B = 330, 190, 46, 10, 24, 28


def _lower_is_better(metric: str) -> bool:
    return any(word in metric.lower() for word in ("loss", "error", "err", "perplexity"))


class TrainingMonitor(HTMLWidget):
    """Live curves of training metrics, one panel per metric.

    Call :meth:`update` every step (or every few) with the metric values; :meth:`close`
    draws the last values and adds a summary (a ``with`` block closes for you). Noisy
    per-batch values are drawn faint, with a smoothed curve (exponential moving average,
    ``smoothing`` as in TensorBoard) on top.

    Args:
        metrics: names of the metrics, in panel order. ``update`` refuses other names, so a
            typo (``acc=`` for ``accuracy=``) fails loudly.
        title: heading of the widget.
        redraw_every: seconds between redraws (and printed lines); 0 redraws on every update.
        smoothing: weight of the past in the smoothed curve, 0 (none) to < 1.
        mode: ``"widget"``, ``"print"`` or ``"auto"`` (a widget inside a Jupyter kernel,
            printing elsewhere).
        display: in widget mode, show the widget right away (as ``tqdm.notebook`` does; so
            don't also end the cell with the monitor, or it shows twice).
        file: where print mode writes (default: ``sys.stdout``).

    Example:
        >>> with viz.TrainingMonitor(metrics=("loss", "accuracy")) as monitor:
        ...     for step, (images, labels) in enumerate(loader):
        ...         optimizer.zero_grad()
        ...         outputs = net(images)
        ...         loss = F.cross_entropy(outputs, labels)
        ...         loss.backward()
        ...         optimizer.step()
        ...         accuracy = (outputs.argmax(1) == labels).float().mean()
        ...         monitor.update(step, loss=loss.item(), accuracy=accuracy.item())
    """

    _esm = load_esm("monitor.js")
    metrics = traitlets.List(traitlets.Unicode()).tag(sync=True)
    summary = traitlets.Unicode("").tag(sync=True)
    #: how many times the view has been redrawn (or a line printed): throttling at work
    redraws = traitlets.Int(0)

    def __init__(self, metrics: tuple[str, ...] | list[str] = ("loss", "accuracy"), *,
                 title: str = "Training", redraw_every: float = 0.5, smoothing: float = 0.6,
                 mode: str = "auto", display: bool = True, file: TextIO | None = None) -> None:
        if isinstance(metrics, str):
            metrics = (metrics,)
        if mode not in ("auto", "widget", "print"):
            raise ValueError(f"mode must be 'auto', 'widget' or 'print', not {mode!r}")
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        super().__init__(metrics=list(metrics))
        self.title, self.redraw_every, self.smoothing = title, float(redraw_every), smoothing
        self.mode = ("widget" if in_notebook() else "print") if mode == "auto" else mode
        self.file = file
        #: every value so far: ``{metric: ([steps], [values])}``
        self.history: dict[str, tuple[list[int], list[float]]] = {m: ([], []) for m in metrics}
        self.closed = False
        self._clock = time.monotonic  # tests swap in a fake clock
        self._last_draw = -math.inf
        self._last_step: int | None = None
        self._dirty = False
        self._render()
        self._shell = self._handle = None
        self._saved_html = ""
        if self.mode == "widget":
            self._watch_cell_end()
            if display:
                from IPython.display import display as show

                self._handle = show(self, display_id=True)
                self._saved_html = self.html

    # ------------------------------------------------------------------ recording
    def update(self, step: int | None = None, **values: float) -> None:
        """Record metric values at ``step`` (default: the previous step + 1, from 0).

        Values may be Python numbers or one-element tensors. Redraws when ``redraw_every``
        seconds have passed since the last redraw.
        """
        unknown = sorted(set(values) - set(self.history))
        if unknown:
            raise ValueError(f"unknown metric {', '.join(map(repr, unknown))}; this monitor "
                             f"tracks {tuple(self.history)} (TrainingMonitor(metrics=...))")
        if self.closed:
            raise RuntimeError("this TrainingMonitor is closed; create a new one")
        if step is None:
            step = 0 if self._last_step is None else self._last_step + 1
        self._last_step = int(step)
        for name, value in values.items():
            steps, vals = self.history[name]
            steps.append(int(step))
            vals.append(float(value))
        self._dirty = True
        now = self._clock()
        if now - self._last_draw >= self.redraw_every:
            self._last_draw = now
            self._draw()

    def close(self) -> None:
        """Draw the last values and the summary (prints it outside a notebook).

        Unlike ``Widget.close()`` this keeps the widget on the page, showing the final curves.
        """
        if self.closed:
            return
        self.closed = True
        self.summary = self.summarize()
        if self.mode == "print":
            if self._dirty:
                self._print(self._status())
            self._print(self.summary)
        else:
            self._render()
            self._update_saved_output()
        self._dirty = False
        if self._shell is not None:
            self._shell.events.unregister("post_run_cell", self._flush)
            self._shell = None

    def __del__(self) -> None:
        # ipywidgets' __del__ calls close(); ours would summarise at garbage collection.
        HTMLWidget.close(self)

    def __enter__(self) -> TrainingMonitor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _draw(self) -> None:
        self.redraws += 1
        self._dirty = False
        if self.mode == "print":
            self._print(self._status())
        else:
            self._render()

    def _watch_cell_end(self) -> None:
        # A widget left open at the end of a cell still shows its last values.
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        if shell is not None:
            shell.events.register("post_run_cell", self._flush)
            self._shell = shell

    def _flush(self, *args: Any) -> None:
        if self._dirty and not self.closed:
            self._draw()
        self._update_saved_output()

    def _update_saved_output(self) -> None:
        # The output saved in the notebook (its text/html fallback, for nbval, nbconvert and
        # frontends without widgets) was rendered at display time; refresh it at the end of
        # the cell and on close, not on every redraw (that would re-create the live view).
        if self._handle is not None and self.html != self._saved_html:
            self._handle.update(self)
            self._saved_html = self.html

    def _print(self, text: str) -> None:
        tqdm = sys.modules.get("tqdm")
        if tqdm is not None and getattr(tqdm.tqdm, "_instances", None):
            tqdm.tqdm.write(text, file=self.file)  # clears the open bars, writes, redraws them
        else:
            print(text, file=self.file or sys.stdout, flush=True)

    # ------------------------------------------------------------------ words
    def _status(self) -> str:
        parts = [f"step {self._last_step}"] if self._last_step is not None else ["no values yet"]
        for name, (_, vals) in self.history.items():
            if vals:
                parts.append(f"{name} {fmt(vals[-1], 4)}")
        return "  ".join(parts)

    def summarize(self) -> str:
        """A few sentences on how each metric went: first → last value, best value, nan."""
        if self._last_step is None:
            return "No values recorded: call monitor.update(step, loss=...) in the loop."
        counts = sorted({len(steps) for steps, _ in self.history.values() if steps})
        lines = [f"Finished at step {self._last_step} ({counts[-1]} updates)."]
        for name, (steps, vals) in self.history.items():
            if not vals:
                lines.append(f"{name}: never updated.")
                continue
            arr = np.asarray(vals)
            bad = np.flatnonzero(~np.isfinite(arr))
            if bad.size:
                lines.append(f"{name} became {fmt(arr[bad[0]])} at step {steps[bad[0]]}: training "
                             "diverged. Lower the learning rate or clip the gradients.")
                continue
            lower = _lower_is_better(name)
            best = int(np.argmin(arr) if lower else np.argmax(arr))
            lines.append(f"{name}: {fmt(arr[0], 4)} → {fmt(arr[-1], 4)} "
                         f"({'lowest' if lower else 'highest'} {fmt(arr[best], 4)} at step "
                         f"{steps[best]}).")
            if lower and arr.size >= 10 and np.mean(arr[-max(arr.size // 10, 1):]) >= arr[0]:
                lines.append(f"The {name} did not go down: check the learning rate, and call "
                             "optimizer.zero_grad(), loss.backward() and optimizer.step() "
                             "every step.")
        return "\n".join(lines)

    def to_text(self) -> str:
        return self.summary or self._status()

    # ------------------------------------------------------------------ picture
    def to_html(self) -> str:
        panels = "".join(self._panel(name, PALETTE[i % len(PALETTE)])
                         for i, name in enumerate(self.history))
        status = (f'<div style="color:{MUTED}; margin-bottom:4px; font-variant-numeric:'
                  f'tabular-nums">{esc(self._status().replace("  ", " · "))}</div>')
        body = status + f'<div style="display:flex; flex-wrap:wrap; gap:8px">{panels}</div>'
        if self.summary:
            lines = self.summary.splitlines()
            body += message_list([("ok", lines[0])] + [
                ("warn" if "diverged" in s or "did not go down" in s else "ok", s)
                for s in lines[1:]])
        return card(body, self.title, "monitor")

    def _smoothed(self, vals: np.ndarray) -> np.ndarray:
        # TensorBoard's debiased EMA: the first points are not dragged toward 0.
        out, avg, weight = np.empty_like(vals), 0.0, 0.0
        for i, v in enumerate(vals):
            if math.isfinite(v):
                avg = self.smoothing * avg + (1 - self.smoothing) * v
                weight = self.smoothing * weight + (1 - self.smoothing)
            out[i] = avg / weight if weight else math.nan
        return out

    def _panel(self, name: str, color: str) -> str:
        steps, vals = (np.asarray(a, dtype=np.float64) for a in self.history[name])
        svg = [f'<svg width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
               'xmlns="http://www.w3.org/2000/svg" font-size="10" '
               'font-family="system-ui, sans-serif">',
               f'<text x="{_PAD_L}" y="14" font-size="12" font-weight="600" fill="#1f2328">'
               f"{esc(name)}</text>"]
        finite = np.isfinite(vals)
        if finite.any():
            smooth = self._smoothed(vals)
            x0, x1 = float(steps.min()), float(steps.max())
            y0, y1 = float(vals[finite].min()), float(vals[finite].max())
            if y1 - y0 < 1e-12 * max(abs(y0), 1.0):
                y0, y1 = y0 - 0.5 * max(abs(y0), 1e-3), y1 + 0.5 * max(abs(y1), 1e-3)
            if x1 == x0:
                x0, x1 = x0 - 1, x1 + 1
            sx = lambda x: _PAD_L + (x - x0) / (x1 - x0) * (_W - _PAD_L - _PAD_R)  # noqa: E731
            sy = lambda y: _H - _PAD_B - (y - y0) / (y1 - y0) * (_H - _PAD_T - _PAD_B)  # noqa: E731
            svg += _axes(nice_ticks(x0, x1, 4), nice_ticks(y0, y1, 4), sx, sy)
            if vals.size > 15:  # few points: just the values; many: faint values + smoothed
                svg += _polylines(steps, vals, sx, sy, color, 1.0, 0.35)
                svg += _polylines(steps, smooth, sx, sy, color, 2.0, 1.0)
            else:
                svg += _polylines(steps, vals, sx, sy, color, 2.0, 1.0)
                svg += [f'<circle cx="{sx(s):.1f}" cy="{sy(v):.1f}" r="2.5" fill="{color}"/>'
                        for s, v in zip(steps, vals) if math.isfinite(v)]
            svg.append(f'<text x="{_W - _PAD_R}" y="14" text-anchor="end" fill="{color}">'
                       f"{esc(fmt(vals[-1], 4))}</text>")
        else:
            svg.append(f'<text x="{_W / 2}" y="{_H / 2}" text-anchor="middle" fill="{MUTED}">'
                       "waiting for values…</text>")
        svg.append("</svg>")
        return "".join(svg)


def _axes(xticks: list[float], yticks: list[float], sx, sy) -> list[str]:
    out = [f'<rect x="{_PAD_L}" y="{_PAD_T}" width="{_W - _PAD_L - _PAD_R}" '
           f'height="{_H - _PAD_T - _PAD_B}" fill="none" stroke="#d0d7de"/>']
    for y in yticks:
        out.append(f'<line x1="{_PAD_L}" x2="{_W - _PAD_R}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" '
                   'stroke="#eaeef2"/>')
        out.append(f'<text x="{_PAD_L - 4}" y="{sy(y) + 3:.1f}" text-anchor="end" '
                   f'fill="{MUTED}">{fmt(y)}</text>')
    for x in xticks:
        out.append(f'<text x="{sx(x):.1f}" y="{_H - _PAD_B + 13}" text-anchor="middle" '
                   f'fill="{MUTED}">{fmt(x, 6)}</text>')
    out.append(f'<text x="{_W - _PAD_R}" y="{_H - 3}" text-anchor="end" fill="{MUTED}">step</text>')
    return out


def _polylines(steps: np.ndarray, vals: np.ndarray, sx, sy, color: str, width: float,
               opacity: float) -> list[str]:
    """One polyline per run of finite values (nan/inf leave a gap), averaged into at most
    MAX_POINTS buckets so a long run stays a small SVG."""
    if steps.size > MAX_POINTS:
        edges = np.linspace(0, steps.size, MAX_POINTS + 1).astype(int)
        steps = np.array([steps[a:b].mean() for a, b in zip(edges[:-1], edges[1:])])
        vals = np.array([vals[a:b].mean() for a, b in zip(edges[:-1], edges[1:])])
    out, run = [], []
    for s, v in [*zip(steps, vals), (0.0, math.nan)]:
        if math.isfinite(v):
            run.append(f"{sx(s):.1f},{sy(v):.1f}")
            continue
        if run:
            out.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" '
                       f'stroke-width="{width}" stroke-opacity="{opacity}" '
                       'stroke-linejoin="round"/>')
        run = []
    return out
