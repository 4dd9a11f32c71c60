"""The progress widget ``progress()`` shows in a notebook, with static fallbacks.

In JupyterLab the view is a live ipywidgets panel (one bar per lesson) that every later
``check()`` in the same kernel updates. Saved notebooks, nbval and plain frontends see the
``text/html`` / ``text/plain`` fallbacks instead. Those depend on the learner's own progress
file, so the release builder tags cells that call ``progress()`` with ``nbval-ignore-output``.
"""

from __future__ import annotations

import html
from typing import Any

from course import _progress as store
from course._syllabus import load_syllabus

# Views whose live widget was shown: kept alive here so later checks can update them.
_LIVE: list[ProgressView] = []

HEADINGS = {"en": "Your progress", "zh": "学习进度"}
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


class ProgressView:
    """Per-lesson progress bars; ``lesson`` keeps one lesson (an id or its number)."""

    def __init__(self, lesson: str | None = None, lang: str = "en") -> None:
        self.lesson = lesson
        self.lang = lang
        self._widget: Any = None

    def rows(self) -> list[store.LessonProgress]:
        return store.summarize(load_syllabus(), store.load_progress(), self.lang, self.lesson)

    def text(self) -> str:
        return f"{HEADINGS[self.lang]}\n{store.render_text(self.rows(), lang=self.lang)}"

    def html(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(r.lesson_id)}</td><td>{html.escape(r.title)}</td>"
            f"<td><code>{store.bar(r.passed, r.total)}</code></td>"
            f"<td>{r.passed}/{r.total}</td></tr>"
            for r in self.rows()
        )
        return f"<b>{HEADINGS[self.lang]}</b><table>{cells}</table>"

    def _build_widget(self) -> Any:
        import ipywidgets as widgets

        self._widget = widgets.VBox([])
        self.refresh()
        _LIVE.append(self)
        return self._widget

    def refresh(self) -> None:
        """Redraw the live widget (if one was shown) from the progress file."""
        if self._widget is None:
            return
        import ipywidgets as widgets

        children = [widgets.HTML(f"<b>{HEADINGS[self.lang]}</b>")]
        for row in self.rows():
            done = row.total > 0 and row.passed == row.total
            children.append(
                widgets.HBox(
                    [
                        widgets.Label(f"{row.lesson_id}  {row.title}", layout={"width": "16em"}),
                        widgets.IntProgress(
                            value=row.passed,
                            max=max(row.total, 1),
                            bar_style="success" if done else "info",
                            layout={"width": "12em"},
                        ),
                        widgets.Label(f"{row.passed}/{row.total}"),
                    ]
                )
            )
        self._widget.children = children

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": self.text(), "text/html": self.html()}
        try:
            widget = self._widget or self._build_widget()
            bundle.update(
                {k: v for k, v in widget._repr_mimebundle_().items() if k != "text/plain"}
            )
        except Exception:  # no ipywidgets, or no comm (plain IPython): the fallbacks suffice
            pass
        return bundle


def refresh_all() -> None:
    """Update every progress widget shown in this kernel (called after each check)."""
    for view in _LIVE:
        try:
            view.refresh()
        except Exception:  # a broken widget must never break a check
            pass
