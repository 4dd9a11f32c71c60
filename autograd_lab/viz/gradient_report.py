"""Gradient views: how big each layer's gradient is after ``backward()``, how far the next
``optimizer.step()`` moves each weight, and how many ReLU units are dead, with the usual
problems (vanishing, exploding, nan gradients, dead ReLUs, a learning rate far off) named in
plain words.

Everything is computed from the public ``nn.Module``/``Optimizer`` API (``named_parameters``,
``.grad``, forward hooks, optimizer step hooks), so the same report works on a PyTorch model.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import traitlets

from ._widgets_common import (
    BAD_COLOR,
    MUTED,
    PALETTE,
    HTMLWidget,
    card,
    esc,
    fmt,
    load_esm,
    message_list,
    no_grad_for,
    times,
    to_numpy,
)

__all__ = ["gradients", "GradientReport", "dead_relu"]

# Thresholds behind the flags; module constants so a lesson can show and change them.
#: first-layer gradients this many times smaller (per weight) than the last layer's: vanishing.
VANISHING_FACTOR = 1e3
#: first-layer gradients this many times larger than the last layer's: exploding.
EXPLODING_FACTOR = 1e3
#: a gradient this many times larger than its weight (norms): exploding, at any learning rate.
EXPLODING_GRAD_TO_WEIGHT = 10.0
#: share of a ReLU's units that output 0 for the whole batch before we call it a problem.
DEAD_RELU_WARN = 0.5
#: one step changing a weight by more than this share of its size: learning rate too high.
LARGE_UPDATE = 0.1
#: one step changing every weight by less than this share of its size: learning rate too low.
SMALL_UPDATE = 1e-6
HIST_BINS_PER_DECADE = 2
MAX_DECADES = 16  # the histogram axis spans at most this many powers of ten


def dead_relu(model: Any, inputs: Any) -> dict[str, dict[str, float]]:
    """Run ``model(inputs)`` once (no gradients recorded, buffers such as BatchNorm's running
    statistics restored) and measure every ``nn.ReLU`` module's output.

    A *unit* is one output position (every dimension but the batch). It is **dead** when it
    outputs 0 for every example in the batch: then no gradient flows back through it.
    ``F.relu`` called inside ``forward`` can't be seen; use ``nn.ReLU`` modules.

    Returns:
        ``{module name: {"dead": share of dead units, "zero": share of all outputs that are 0,
        "units": number of units}}``; a module called twice appears as ``"name (call 2)"``.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> viz.dead_relu(net, torch.randn(16, 4))   # e.g. 1 of the 8 units never fires
        {'1': {'dead': 0.125, 'zero': 0.5234375, 'units': 8}}
    """
    found: dict[str, dict[str, float]] = {}

    def hook_for(name: str):
        def hook(module, args, output):
            out = to_numpy(output)
            flat = out.reshape(out.shape[0], -1) if out.ndim > 1 else out.reshape(-1, 1)
            key, call = name, 1
            while key in found:
                call += 1
                key = f"{name} (call {call})"
            found[key] = {"dead": float(np.mean(np.all(flat == 0, axis=0))),
                          "zero": float(np.mean(flat == 0)), "units": int(flat.shape[1])}
        return hook

    handles = [m.register_forward_hook(hook_for(name or type(m).__name__))
               for name, m in model.named_modules() if type(m).__name__ == "ReLU"]
    with no_grad_for(model):
        saved = [b.clone() for b in model.buffers()]
        try:
            model(inputs)
        finally:
            for handle in handles:
                handle.remove()
            for buffer, old in zip(model.buffers(), saved):
                buffer.copy_(old)
    return found


def gradients(model: Any, optimizer: Any = None, inputs: Any = None) -> GradientReport:
    """Show each parameter's gradient after ``loss.backward()``, and flag trouble.

    For every parameter: the gradient norm (``p.grad.norm()``), its size relative to the
    weight (``p.grad.norm() / p.norm()``) and a histogram of the gradient's magnitudes on a
    shared powers-of-ten axis (vanishing gradients show as rows drifting left).

    Args:
        model: an ``nn.Module`` after ``backward()`` (autograd_lab or PyTorch).
        optimizer: optional. Pass it *before* ``optimizer.step()``: the report then watches
            that one step and adds each weight's update/weight ratio
            ``(w_after - w_before).norm() / w_before.norm()`` (healthy: about 1e-3).
        inputs: optional batch; adds the dead-ReLU share of every ``nn.ReLU``
            (see :func:`dead_relu`).

    Example:
        >>> loss = F.cross_entropy(net(images), labels)
        >>> optimizer.zero_grad(); loss.backward()
        >>> report = viz.gradients(net, optimizer, inputs=images)
        >>> optimizer.step()       # the report adds the update ratios of this step
        >>> report                 # in JupyterLab: the widget; elsewhere: a text table
    """
    return GradientReport(model, optimizer=optimizer, inputs=inputs)


def _param_row(name: str, param: Any) -> dict[str, Any]:
    weight = to_numpy(param).astype(np.float64)
    row: dict[str, Any] = {"name": name, "shape": list(weight.shape), "numel": int(weight.size),
                           "weight_norm": float(np.linalg.norm(weight)), "update_ratio": None}
    if param.grad is None:
        return row | {"grad_norm": None, "grad_rms": None, "grad_to_weight": None,
                      "zeros": 0, "nonfinite": 0, "abs_grad": None}
    grad = to_numpy(param.grad).astype(np.float64).ravel()
    finite = np.isfinite(grad)
    norm = float(np.linalg.norm(grad)) if finite.all() else math.inf
    row |= {"grad_norm": norm, "grad_rms": norm / math.sqrt(max(grad.size, 1)),
            "grad_to_weight": norm / row["weight_norm"] if row["weight_norm"] > 0 else None,
            "zeros": int(np.count_nonzero(grad == 0)), "nonfinite": int(grad.size - finite.sum())}
    row["abs_grad"] = np.abs(grad[finite & (grad != 0)])  # for the histogram; not synced
    return row


def _histogram_axis(rows: list[dict]) -> tuple[int, int]:
    """Powers of ten (lo, hi) covering every nonzero finite gradient value."""
    values = [r["abs_grad"] for r in rows if r["abs_grad"] is not None and r["abs_grad"].size]
    if not values:
        return (-8, 0)
    hi = math.ceil(max(float(np.log10(v.max())) for v in values) + 1e-12)
    lo = math.floor(min(float(np.log10(v.min())) for v in values))
    return (max(lo, hi - MAX_DECADES), max(hi, lo + 1))


def _diagnose(rows: list[dict], dead: dict, stepped: bool) -> list[dict[str, str]]:
    flags: list[dict[str, str]] = []

    def flag(kind: str, level: str, message: str, params: tuple[str, ...] = ()) -> None:
        flags.append({"kind": kind, "level": level, "message": message, "params": list(params)})

    missing = [r["name"] for r in rows if r["grad_norm"] is None]
    if len(missing) == len(rows):
        flag("no_grad", "warn", "No parameter has a gradient yet. Call loss.backward() first "
             "(and don't call optimizer.zero_grad() between backward() and this view).")
        return flags
    if missing:
        flag("no_grad", "info", f"No gradient for {', '.join(missing)}: backward() never reached "
             "them. Are they used in forward()? Is requires_grad False?")
    broken = [r["name"] for r in rows if r["nonfinite"]]
    if broken:
        flag("nonfinite", "warn", f"The gradient of {', '.join(broken)} contains nan or inf: "
             "training has blown up. Lower the learning rate, clip gradients "
             "(nn.utils.clip_grad_norm_), and check the loss for log(0) or division by 0.", broken)
    zero = [r["name"] for r in rows if r["grad_norm"] == 0.0]
    if zero:
        flag("zero_grad", "info", f"The gradient of {', '.join(zero)} is exactly zero, so this "
             "step won't change it (dead ReLUs in front of it, or a part of the model the loss "
             "does not depend on).")
    layers = [r for r in rows if r["grad_rms"] and len(r["shape"]) >= 2 and not r["nonfinite"]]
    if len(layers) >= 2:
        first, last = layers[0], layers[-1]
        ratio = first["grad_rms"] / last["grad_rms"]
        if ratio * VANISHING_FACTOR <= 1:
            flag("vanishing", "warn", f"Vanishing gradients: per weight, the first layer's "
                 f"gradient ({first['name']}) is {times(1 / ratio)} times smaller than the last "
                 f"layer's ({last['name']}). The early layers will barely learn. Usual causes: "
                 "many sigmoid or tanh layers (each shrinks the gradient) or weights initialised "
                 "too small. Try nn.ReLU, PyTorch's default or Kaiming init, or batch norm.",
                 (first["name"], last["name"]))
        elif ratio >= EXPLODING_FACTOR:
            flag("exploding", "warn", f"Exploding gradients: per weight, the first layer's "
                 f"gradient ({first['name']}) is {times(ratio)} times larger than the last "
                 f"layer's ({last['name']}). Try gradient clipping (nn.utils.clip_grad_norm_), "
                 "a smaller init, or batch norm.", (first["name"], last["name"]))
    huge = [r for r in layers if (r["grad_to_weight"] or 0) >= EXPLODING_GRAD_TO_WEIGHT]
    if huge and not any(f["kind"] == "exploding" for f in flags):
        worst = max(huge, key=lambda r: r["grad_to_weight"])
        flag("exploding", "warn", f"Exploding gradients: the gradient of {worst['name']} is "
             f"{times(worst['grad_to_weight'])} times larger than the weight itself, so even "
             "a small learning rate throws the weights far away and the loss soon becomes nan. "
             "Usual causes: weights initialised too large, a learning rate too high. Try "
             "PyTorch's default init, a lower learning rate, or gradient clipping "
             "(nn.utils.clip_grad_norm_).", tuple(r["name"] for r in huge))
    for name, stats in dead.items():
        if stats["dead"] >= DEAD_RELU_WARN:
            flag("dead_relu", "warn", f"{stats['dead']:.0%} of the units of ReLU '{name}' are "
                 "dead: they output 0 for every example in this batch, so no gradient flows "
                 "back through them and the weights in front of them stop learning. Usual "
                 "causes: a learning rate too high, a large negative bias. Try a lower learning "
                 "rate or nn.LeakyReLU.")
    ratios = [(r["update_ratio"], r["name"]) for r in rows if r["update_ratio"] is not None]
    blown = any(f["kind"] in ("exploding", "nonfinite") for f in flags)
    if stepped and ratios:
        top, top_name = max(ratios)
        if top >= LARGE_UPDATE and not blown:  # with exploding gradients, that is the cause
            flag("large_update", "warn", f"This step changed {top_name} by {top:.0%} of its "
                 "size (healthy is about 0.1%). The learning rate is probably too high.",
                 (top_name,))
        elif top <= SMALL_UPDATE:
            flag("small_update", "info", f"This step changed every weight by less than "
                 f"{fmt(SMALL_UPDATE)} of its size (healthy is about 0.001): the learning rate "
                 "is probably too low, or the gradients vanish.")
    if not any(f["level"] == "warn" for f in flags):
        flag("healthy", "ok", "Gradient sizes look healthy: no vanishing, exploding or nan "
             "gradients" + (", no layer of mostly dead ReLUs" if dead else "") + ".")
    return flags


class GradientReport(HTMLWidget):
    """The widget :func:`gradients` returns. Traits: ``rows`` (one dict per parameter:
    ``name, shape, grad_norm, grad_rms, grad_to_weight, update_ratio, histogram, zeros, ...``),
    ``dead_relu``, ``flags`` (``{"kind", "level", "message"}``) and ``decades`` (the
    histogram axis: powers of ten). ``refresh()`` re-reads the gradients.

    Example:
        >>> report = viz.gradients(net)
        >>> [(row["name"], row["grad_norm"]) for row in report.rows]
        >>> [flag["kind"] for flag in report.flags]      # e.g. ['vanishing']
    """

    _esm = load_esm("gradients.js")
    rows = traitlets.List().tag(sync=True)
    dead_relu = traitlets.Dict().tag(sync=True)
    flags = traitlets.List().tag(sync=True)
    decades = traitlets.List([-8, 0]).tag(sync=True)

    def __init__(self, model: Any, optimizer: Any = None, inputs: Any = None) -> None:
        super().__init__()
        self._model = model
        if inputs is not None:
            self.dead_relu = dead_relu(model, inputs)
        self.refresh()
        if optimizer is not None:
            self._watch_step(optimizer)

    def refresh(self) -> None:
        """Re-read the model's gradients (after another ``backward()``)."""
        rows = [_param_row(n, p) for n, p in self._model.named_parameters()]
        self._stepped = False  # update ratios belong to the step after the previous backward()
        lo, hi = _histogram_axis(rows)
        edges = np.linspace(lo, hi, (hi - lo) * HIST_BINS_PER_DECADE + 1)
        for row in rows:
            values = row.pop("abs_grad")
            # below the axis' first edge (only when it spans MAX_DECADES) counts in bin 0
            logs = np.clip(np.log10(values), lo, hi) if values is not None else np.empty(0)
            row["histogram"] = np.histogram(logs, bins=edges)[0].tolist()
        self.decades = [lo, hi]
        self._set_rows(rows)

    def _set_rows(self, rows: list[dict]) -> None:
        self.rows = rows
        self.flags = _diagnose(rows, self.dead_relu, self._stepped)
        self._render()

    def _watch_step(self, optimizer: Any) -> None:
        before: dict[str, np.ndarray] = {}
        params = dict(self._model.named_parameters())

        def pre_hook(opt, args, kwargs):
            before.update({n: to_numpy(p).astype(np.float64) for n, p in params.items()})

        def post_hook(opt, args, kwargs):
            pre.remove()
            post.remove()  # one step only: the report describes this backward()
            rows = [dict(r) for r in self.rows]
            for row in rows:
                old = before[row["name"]]
                moved = float(np.linalg.norm(to_numpy(params[row["name"]]) - old))
                size = float(np.linalg.norm(old))
                row["update_ratio"] = moved / size if size > 0 else None
            self._stepped = True
            self._set_rows(rows)

        pre = optimizer.register_step_pre_hook(pre_hook)
        post = optimizer.register_step_post_hook(post_hook)

    # ------------------------------------------------------------------ views
    def _flagged(self) -> set[str]:
        return {name for f in self.flags if f["level"] == "warn" for name in f["params"]}

    def to_text(self) -> str:
        stepped = any(r["update_ratio"] is not None for r in self.rows)
        head = ["parameter", "shape", "grad norm", "grad/weight"] + (["update/weight"]
                                                                      if stepped else [])
        lines = [head]
        for r in self.rows:
            line = [r["name"], "x".join(map(str, r["shape"])) or "scalar", fmt(r["grad_norm"]),
                    fmt(r["grad_to_weight"])]
            lines.append(line + ([fmt(r["update_ratio"])] if stepped else []))
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = ["Gradients after backward()"]
        out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
        for name, s in self.dead_relu.items():
            out.append(f"ReLU {name}: {s['dead']:.0%} dead units, {s['zero']:.0%} zero outputs")
        marks = {"ok": "✓", "warn": "⚠", "info": "ℹ"}
        out += [f"{marks[f['level']]} {f['message']}" for f in self.flags]
        return "\n".join(out)

    def to_html(self) -> str:
        lo, hi = self.decades
        stepped = any(r["update_ratio"] is not None for r in self.rows)
        th = 'style="text-align:left; padding:3px 8px; border-bottom:1px solid #d0d7de"'
        heads = ["parameter", "shape", "grad norm", "grad / weight"]
        heads += ["update / weight"] if stepped else []
        header = "".join(f"<th {th}>{h}</th>" for h in heads)
        header += f"<th {th}>gradient sizes (|grad|, log scale){_axis_svg(lo, hi)}</th>"
        flagged = self._flagged()
        body = []
        layers = list(dict.fromkeys(r["name"].rpartition(".")[0] for r in self.rows))
        for r in self.rows:  # one colour per layer: its weight and bias match
            hue = PALETTE[layers.index(r["name"].rpartition(".")[0]) % len(PALETTE)]
            color = BAD_COLOR if r["name"] in flagged else "inherit"
            cells = [f'<b style="color:{color}">{esc(r["name"])}</b>',
                     "×".join(map(str, r["shape"])) or "scalar", fmt(r["grad_norm"]),
                     fmt(r["grad_to_weight"])] + ([fmt(r["update_ratio"])] if stepped else [])
            td = 'style="padding:2px 8px; font-variant-numeric:tabular-nums"'
            body.append(f'<tr data-param="{esc(r["name"])}">'
                        + "".join(f"<td {td}>{c}</td>" for c in cells)
                        + f"<td {td}>{_histogram_svg(r, hue)}</td></tr>")
        table = (f'<table style="border-collapse:collapse; font-size:13px"><tr>'
                 f'{header}</tr>{"".join(body)}</table>')
        parts = [message_list([(f["level"], f["message"]) for f in self.flags]), table]
        if self.dead_relu:
            items = "".join(f"<li><b>{esc(n)}</b>: {s['dead']:.0%} of {s['units']} units dead "
                            f"(0 for the whole batch), {s['zero']:.0%} of outputs are 0</li>"
                            for n, s in self.dead_relu.items())
            parts.append(f'<div style="margin-top:6px">ReLU units:<ul style="margin:2px 0">'
                         f"{items}</ul></div>")
        parts.append(f'<div style="color:{MUTED}; font-size:11px; margin-top:6px">grad norm = '
                     "p.grad.norm(); grad / weight = p.grad.norm() / p.norm(); update / weight = "
                     "how much optimizer.step() moved p, relative to p (healthy ≈ 0.001)."
                     "</div>")
        return card("".join(parts), "Gradients after backward()", "gradients")


_HIST_W, _HIST_H, _PAD = 230, 26, 16


def _axis_svg(lo: int, hi: int) -> str:
    """Decade labels above the histogram column, aligned with :func:`_histogram_svg`."""
    step = max(1, math.ceil((hi - lo) / 6))
    labels = []
    for d in range(lo, hi + 1, step):
        x = (d - lo) / (hi - lo) * (_HIST_W - 2 * _PAD) + _PAD
        labels.append(f'<text x="{x:.1f}" y="11" text-anchor="middle" font-size="9" '
                      f'fill="{MUTED}">1e{d}</text>')
    return (f'<br><svg width="{_HIST_W}" height="14" viewBox="0 0 {_HIST_W} 14" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(labels)}</svg>')


def _histogram_svg(row: dict, color: str) -> str:
    counts = row.get("histogram") or []
    if row["grad_norm"] is None:
        return f'<span style="color:{MUTED}">no gradient</span>'
    top = max(counts) if counts and max(counts) > 0 else 1
    width = (_HIST_W - 2 * _PAD) / max(len(counts), 1)
    bars = []
    for k, c in enumerate(counts):
        if c:
            h = max(1.0, c / top * (_HIST_H - 4))
            bars.append(f'<rect x="{_PAD + k * width:.1f}" y="{_HIST_H - 2 - h:.1f}" '
                        f'width="{max(width - 1, 1):.1f}" height="{h:.1f}" fill="{color}"/>')
    note = f"{row['zeros']} zero{'s' if row['zeros'] > 1 else ''}" if row["zeros"] else ""
    note = note + (f"{', ' if note else ''}{row['nonfinite']} nan/inf" if row["nonfinite"] else "")
    return (f'<svg width="{_HIST_W}" height="{_HIST_H}" viewBox="0 0 {_HIST_W} {_HIST_H}" '
            'style="vertical-align:middle" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{esc(row["name"])}: {sum(counts)} '
            f"nonzero values</title>"
            f'<line x1="{_PAD}" x2="{_HIST_W - _PAD}" y1="{_HIST_H - 2}" y2="{_HIST_H - 2}" '
            f'stroke="#d0d7de"/>{"".join(bars)}</svg>'
            + (f' <span style="color:{MUTED}; font-size:11px">{note}</span>' if note else ""))
