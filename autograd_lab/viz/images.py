"""Image helpers for the CIFAR-10 lessons: a labelled image grid (predictions against the
truth), a confusion matrix (click a cell to see those images) and per-class accuracy bars.

Inputs may be autograd_lab or PyTorch tensors, NumPy arrays or lists. Predictions may be
class indices or a batch of scores (logits or probabilities, shape ``(N, classes)``: the
highest score is the prediction), so ``viz.confusion_matrix(labels, net(images))`` works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets

from ._widgets_common import (
    BAD_COLOR,
    MUTED,
    OK_COLOR,
    HTMLWidget,
    card,
    esc,
    image_pixels,
    img_tag,
    load_esm,
    to_numpy,
)

__all__ = ["image_grid", "confusion_matrix", "class_accuracy", "ImageGrid", "ConfusionMatrix",
           "ClassAccuracy"]

_ESM = load_esm("images.js")
MAX_DETAIL = 16  # images shown for a clicked confusion-matrix cell


def _class_indices(values: Any, name: str) -> np.ndarray:
    arr = to_numpy(values)
    if arr.ndim == 2:  # scores per class: the prediction is the highest one
        arr = arr.argmax(axis=1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be class indices (N,) or scores (N, classes), "
                         f"got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or not np.all(arr == np.round(arr))):
        raise ValueError(f"{name} must hold class indices 0, 1, 2, ...")
    return arr.astype(np.int64)


def _class_names(classes: Sequence[str] | None, *arrays: np.ndarray) -> list[str]:
    top = max((int(a.max()) + 1 for a in arrays if a.size), default=0)
    if classes is None:
        return [str(i) for i in range(top)]
    if top > len(classes):
        raise ValueError(f"class index {top - 1} but only {len(classes)} classes given")
    return [str(c) for c in classes]


def _grid_html(pixels: np.ndarray, captions: list[tuple[str, str, str]], size: int) -> str:
    """Images in a wrapping row, each with caption lines ``(text, color)`` and a border."""
    figures = []
    for img, (border, line1, line2) in zip(pixels, captions):
        figures.append(f'<figure style="margin:0; width:{size + 6}px; text-align:center">'
                       f"{img_tag(img, size, border)}<figcaption style=\"font-size:11px; "
                       f'line-height:1.25; overflow-wrap:anywhere">{line1}{line2}</figcaption>'
                       "</figure>")
    return f'<div style="display:flex; flex-wrap:wrap; gap:8px">{"".join(figures)}</div>'


# ---------------------------------------------------------------------- image grid
def image_grid(images: Any, labels: Any, predictions: Any = None, classes: Sequence[str] |
               None = None, *, mean: Sequence[float] | None = None, std: Sequence[float] |
               None = None, size: int = 64) -> ImageGrid:
    """A grid of images captioned with their labels, or predictions against the truth.

    With ``predictions`` each image shows the predicted class, green when right and red when
    wrong (with the true class under it), and the title counts the correct ones.

    Args:
        images: a batch ``(N, C, H, W)`` (as a DataLoader yields), ``(N, H, W, C)`` or
            ``(N, H, W)``; float or uint8.
        labels: the true classes, ``(N,)``.
        predictions: optional, class indices ``(N,)`` or scores ``(N, classes)``.
        classes: class names (``trainset.classes``); default ``0, 1, 2, ...``.
        mean, std: undo ``transforms.Normalize(mean, std)`` before drawing.
        size: pixels per image on screen (CIFAR's 32 × 32 are drawn at 64 × 64).

    Example:
        >>> images, labels = next(iter(testloader))
        >>> viz.image_grid(images, labels, net(images), classes=testset.classes,
        ...                mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    """
    return ImageGrid(images, labels, predictions, classes, mean=mean, std=std, size=size)


class ImageGrid(HTMLWidget):
    """The widget :func:`image_grid` returns. Traits: ``labels``, ``predictions``,
    ``classes`` and ``correct`` (how many predictions are right).

    Example:
        >>> viz.image_grid(images, labels, outputs, classes=classes).correct
        13
    """

    _esm = _ESM
    labels = traitlets.List().tag(sync=True)
    predictions = traitlets.List(allow_none=True).tag(sync=True)
    classes = traitlets.List().tag(sync=True)
    correct = traitlets.Int(allow_none=True).tag(sync=True)

    def __init__(self, images: Any, labels: Any, predictions: Any = None,
                 classes: Sequence[str] | None = None, *, mean=None, std=None,
                 size: int = 64) -> None:
        super().__init__()
        truth = _class_indices(labels, "labels")
        preds = _class_indices(predictions, "predictions") if predictions is not None else None
        self._pixels = image_pixels(images, mean, std)
        if not len(self._pixels) == truth.size == (truth.size if preds is None else preds.size):
            raise ValueError(f"{len(self._pixels)} images, {truth.size} labels"
                             + ("" if preds is None else f", {preds.size} predictions"))
        self._size = size
        self.classes = _class_names(classes, truth, *(() if preds is None else (preds,)))
        self.labels = truth.tolist()
        self.predictions = None if preds is None else preds.tolist()
        self.correct = None if preds is None else int(np.sum(truth == preds))
        self._render()

    def _captions(self) -> list[tuple[str, str, str]]:
        out = []
        for i, truth in enumerate(self.labels):
            name = esc(self.classes[truth])
            if self.predictions is None:
                out.append(("#d0d7de", name, ""))
                continue
            pred = self.predictions[i]
            ok = pred == truth
            color = OK_COLOR if ok else BAD_COLOR
            line1 = f'<b style="color:{color}">{esc(self.classes[pred])}</b>'
            line2 = "" if ok else f'<br><span style="color:{MUTED}">true: {name}</span>'
            out.append((color, line1, line2))
        return out

    def to_html(self) -> str:
        n = len(self.labels)
        title = (f"{n} images" if self.correct is None else
                 f"Predictions: {self.correct} of {n} correct ({self.correct / max(n, 1):.0%})")
        note = ("" if self.correct is None else f'<div style="color:{MUTED}; font-size:11px; '
                'margin-bottom:6px">green: predicted right; red: wrong (true class below)</div>')
        return card(note + _grid_html(self._pixels, self._captions(), self._size), title,
                    "image-grid")

    def to_text(self) -> str:
        if self.predictions is None:
            return "labels: " + ", ".join(self.classes[t] for t in self.labels)
        lines = [f"{self.correct} of {len(self.labels)} correct"]
        lines += [f"{i}: predicted {self.classes[p]}, true {self.classes[t]}"
                  + ("" if p == t else "  ✗") for i, (t, p) in
                  enumerate(zip(self.labels, self.predictions))]
        return "\n".join(lines)


# ---------------------------------------------------------------------- confusion matrix
def confusion_matrix(labels: Any, predictions: Any, classes: Sequence[str] | None = None, *,
                     images: Any = None, mean: Sequence[float] | None = None,
                     std: Sequence[float] | None = None) -> ConfusionMatrix:
    """Count how often each true class (row) is predicted as each class (column).

    The diagonal holds the correct predictions. Colours show each row's shares, so a rare
    class reads as clearly as a common one; hover a cell for its count and share. Pass the
    ``images`` to click a cell and see its images (in a running notebook).

    Args:
        labels: the true classes ``(N,)``.
        predictions: class indices ``(N,)`` or scores ``(N, classes)``.
        classes: class names; default ``0, 1, 2, ...``.
        images, mean, std: optional, the images behind the predictions (see
            :func:`image_grid`).

    Example:
        >>> cm = viz.confusion_matrix(all_labels, all_predictions, classes=testset.classes)
        >>> cm.matrix[3, 5]    # cats (3) predicted as dogs (5)
    """
    return ConfusionMatrix(labels, predictions, classes, images=images, mean=mean, std=std)


def _counts(truth: np.ndarray, preds: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(truth * n + preds, minlength=n * n).reshape(n, n)


class _MatrixWidget(HTMLWidget):
    """Shared by the confusion matrix and the class accuracy bars."""

    _esm = _ESM
    classes = traitlets.List().tag(sync=True)

    def _setup(self, labels: Any, predictions: Any, classes: Sequence[str] | None) -> None:
        self._truth = _class_indices(labels, "labels")
        self._preds = _class_indices(predictions, "predictions")
        if self._truth.size != self._preds.size:
            raise ValueError(f"{self._truth.size} labels but {self._preds.size} predictions")
        self.classes = _class_names(classes, self._truth, self._preds)
        #: ``matrix[i, j]``: how many examples of class i were predicted as class j
        self.matrix = _counts(self._truth, self._preds, len(self.classes))

    def _overall(self) -> str:
        total = int(self.matrix.sum())
        right = int(np.trace(self.matrix))
        return f"accuracy {right / total:.1%} ({right} of {total})" if total else "no examples"


class ConfusionMatrix(_MatrixWidget):
    """The widget :func:`confusion_matrix` returns. ``matrix`` is a NumPy array; traits:
    ``counts`` (the same as lists), ``classes`` and ``selected`` (``[true, predicted]`` of
    the clicked cell, or empty).

    Example:
        >>> cm = viz.confusion_matrix(labels, predictions, classes, images=images)
        >>> cm.mistakes(top=2)     # [(true class, predicted class, count), ...]
        [('cat', 'dog', 87), ('truck', 'car', 61)]
        >>> cm.selected = [3, 5]   # as a click on the cell does: shows those images
    """

    counts = traitlets.List().tag(sync=True)
    selected = traitlets.List().tag(sync=True)

    def __init__(self, labels: Any, predictions: Any, classes: Sequence[str] | None = None, *,
                 images: Any = None, mean=None, std=None) -> None:
        super().__init__()
        self._setup(labels, predictions, classes)
        self._pixels = image_pixels(images, mean, std) if images is not None else None
        if self._pixels is not None and len(self._pixels) != self._truth.size:
            raise ValueError(f"{len(self._pixels)} images but {self._truth.size} labels")
        self.counts = self.matrix.tolist()
        self.observe(lambda change: self._render(), names="selected")
        self._render()

    def mistakes(self, top: int = 3) -> list[tuple[str, str, int]]:
        """The most frequent confusions: ``[(true class, predicted class, count)]``."""
        off = self.matrix.copy()
        np.fill_diagonal(off, 0)
        order = np.argsort(-off, axis=None, kind="stable")[:top]
        return [(self.classes[k // len(self.classes)], self.classes[k % len(self.classes)],
                 int(off.flat[k])) for k in order if off.flat[k] > 0]

    def to_text(self) -> str:
        width = max([len(c) for c in self.classes] + [len(str(self.matrix.max(initial=0)))])
        head = " " * (width + 2) + " ".join(c[:width].rjust(width) for c in self.classes)
        rows = [f"{c.rjust(width)}  " + " ".join(str(v).rjust(width) for v in row)
                for c, row in zip(self.classes, self.matrix)]
        return "\n".join(["rows: true class, columns: predicted class", head, *rows,
                          self._overall()])

    def to_html(self) -> str:
        n, cell, left, top = len(self.classes), 38, 96, 70
        shares = self.matrix / np.maximum(self.matrix.sum(axis=1, keepdims=True), 1)
        clickable = self._pixels is not None
        svg = [f'<svg width="{left + n * cell + 4}" height="{top + n * cell + 4}" '
               'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
               'font-size="11">']
        for j, name in enumerate(self.classes):
            x = left + j * cell + cell / 2
            svg.append(f'<text transform="translate({x:.1f},{top - 6}) rotate(-45)" '
                       f'fill="#1f2328">{esc(name)}</text>')
            svg.append(f'<text x="{left - 6}" y="{top + j * cell + cell / 2 + 4:.1f}" '
                       f'text-anchor="end" fill="#1f2328">{esc(name)}</text>')
        for i in range(n):
            for j in range(n):
                count, share = int(self.matrix[i, j]), float(shares[i, j])
                fill = _heat(share, diagonal=i == j)
                sel = self.selected == [i, j]
                attrs = f' data-select="{i},{j}" style="cursor:pointer"' if clickable else ""
                svg.append(
                    f'<g{attrs}><title>true {esc(self.classes[i])}, predicted '
                    f"{esc(self.classes[j])}: {count} ({share:.0%} of the "
                    f'{esc(self.classes[i])} examples)</title><rect x="{left + j * cell}" '
                    f'y="{top + i * cell}" width="{cell - 1}" height="{cell - 1}" fill="{fill}" '
                    f'stroke="{"#cf222e" if sel else "none"}" stroke-width="2"/>'
                    f'<text x="{left + j * cell + cell / 2 - 0.5}" y="{top + i * cell + 23}" '
                    f'text-anchor="middle" fill="{"#fff" if share > 0.5 else "#1f2328"}">'
                    f"{count}</text></g>")
        svg.append(f'<text x="{left + n * cell / 2}" y="12" text-anchor="middle" '
                   f'fill="{MUTED}">predicted class →</text>')
        svg.append(f'<text transform="translate(12,{top + n * cell / 2}) rotate(-90)" '
                   f'text-anchor="middle" fill="{MUTED}">← true class</text></svg>')
        words = [f"Rows: true class; columns: predicted class; the diagonal is correct. "
                 f"Overall {self._overall()}."]
        mistakes = self.mistakes()
        if mistakes:
            words.append("Most frequent mistakes: " + "; ".join(
                f"{t} predicted as {p} ({c}×)" for t, p, c in mistakes) + ".")
        if clickable:
            words.append("Click a cell to see its images.")
        body = "".join(svg) + "".join(f'<div style="margin-top:4px">{esc(w)}</div>'
                                      for w in words)
        return card(body + self._detail(), "Confusion matrix", "confusion")

    def _detail(self) -> str:
        if self._pixels is None or len(self.selected) != 2:
            return ""
        i, j = self.selected
        where = np.flatnonzero((self._truth == i) & (self._preds == j))
        head = (f'<div style="margin-top:8px; font-weight:600">true {esc(self.classes[i])}, '
                f"predicted {esc(self.classes[j])}: {where.size} images"
                + (f" (first {MAX_DETAIL})" if where.size > MAX_DETAIL else "") + "</div>")
        shown = where[:MAX_DETAIL]
        color = OK_COLOR if i == j else BAD_COLOR
        captions = [(color, f'<span style="color:{MUTED}">#{k}</span>', "") for k in shown]
        return head + _grid_html(self._pixels[shown], captions, 64)


def _heat(share: float, diagonal: bool) -> str:
    """White to blue (mistakes) or white to green (the diagonal), by the row's share."""
    target = (26, 127, 55) if diagonal else (31, 119, 180)
    rgb = [round(255 + (c - 255) * min(share * 1.4, 1.0)) for c in target]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


# ---------------------------------------------------------------------- per-class accuracy
def class_accuracy(labels: Any, predictions: Any, classes: Sequence[str] | None = None
                   ) -> ClassAccuracy:
    """Bars of the accuracy on each class, with the overall accuracy as a dashed line.

    Accuracy on class c: the share of the examples of class c predicted as c (recall).

    Example:
        >>> viz.class_accuracy(all_labels, all_predictions, classes=testset.classes)
    """
    return ClassAccuracy(labels, predictions, classes)


class ClassAccuracy(_MatrixWidget):
    """The widget :func:`class_accuracy` returns. Traits: ``accuracy`` (per class; ``None``
    for a class without examples), ``support`` (examples per class), ``classes``.

    Example:
        >>> acc = viz.class_accuracy(labels, predictions, classes)
        >>> dict(zip(acc.classes, acc.accuracy))
    """

    accuracy = traitlets.List().tag(sync=True)
    support = traitlets.List().tag(sync=True)

    def __init__(self, labels: Any, predictions: Any, classes: Sequence[str] | None = None
                 ) -> None:
        super().__init__()
        self._setup(labels, predictions, classes)
        support = self.matrix.sum(axis=1)
        self.support = support.tolist()
        self.accuracy = [float(self.matrix[i, i] / s) if s else None
                         for i, s in enumerate(support)]
        self._render()

    def to_text(self) -> str:
        width = max((len(c) for c in self.classes), default=0)
        lines = [f"{c.rjust(width)}  " + ("no examples" if a is None else
                                          f"{a:6.1%}  ({self.matrix[i, i]}/{self.support[i]})")
                 for i, (c, a) in enumerate(zip(self.classes, self.accuracy))]
        return "\n".join(lines + [f"overall {self._overall()}"])

    def to_html(self) -> str:
        left, bar_w, row_h = 96, 260, 22
        known = [a for a in self.accuracy if a is not None]
        worst = min(known) if known else None
        total = self.matrix.sum()
        overall = float(np.trace(self.matrix) / total) if total else None
        height = row_h * len(self.classes) + 24
        svg = [f'<svg width="{left + bar_w + 120}" height="{height}" font-size="11" '
               'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">']
        for i, (name, acc) in enumerate(zip(self.classes, self.accuracy)):
            y = i * row_h + 4
            svg.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" fill="#1f2328">'
                       f"{esc(name)}</text>")
            svg.append(f'<rect x="{left}" y="{y + 2}" width="{bar_w}" height="{row_h - 6}" '
                       'fill="#f6f8fa"/>')
            if acc is None:
                svg.append(f'<text x="{left + 4}" y="{y + 14}" fill="{MUTED}">no examples</text>')
                continue
            color = BAD_COLOR if acc == worst and len(known) > 1 else "#1f77b4"
            svg.append(f'<rect x="{left}" y="{y + 2}" width="{acc * bar_w:.1f}" '
                       f'height="{row_h - 6}" fill="{color}"><title>{esc(name)}: '
                       f"{self.matrix[i, i]} of {self.support[i]} right</title></rect>")
            svg.append(f'<text x="{left + bar_w + 6}" y="{y + 14}" fill="#1f2328">{acc:.1%} '
                       f'<tspan fill="{MUTED}">({self.matrix[i, i]}/{self.support[i]})</tspan>'
                       "</text>")
        if overall is not None:
            x = left + overall * bar_w
            svg.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="2" y2="{height - 18}" '
                       'stroke="#1f2328" stroke-dasharray="4 3"/>')
            svg.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" '
                       f'fill="#1f2328">overall {overall:.1%}</text>')
        svg.append("</svg>")
        note = (f'<div style="color:{MUTED}; font-size:11px">accuracy on a class = share of its '
                "examples predicted right; red: the weakest class</div>")
        return card("".join(svg) + note, "Accuracy per class", "class-accuracy")
