"""A released lesson in real JupyterLab + Chromium: it runs top to bottom, the checks print in
both languages, and the progress widget renders as a widget (not its static fallback).

Uses the shared JupyterLab/Playwright driver in tests/browser/_lab.py.
"""

from __future__ import annotations

import sys

import pytest
from _course_helpers import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests" / "browser"))
from _lab import (  # noqa: E402
    WIDGET_OUTPUT,
    assert_widgets_rendered,
    chromium,
    jupyterlab,
    open_notebook,
    run_all_cells,
    screenshot,
)

NOTEBOOK = REPO_ROOT / "lessons" / "zh" / "00_welcome.ipynb"


@pytest.mark.browser
@pytest.mark.slow
def test_a_chinese_lesson_runs_in_jupyterlab(tmp_path, monkeypatch):
    assert NOTEBOOK.exists(), "release the lessons first: python -m course release"
    monkeypatch.setenv("AUTOGRAD_LAB_PROGRESS", str(tmp_path / "progress.json"))
    with jupyterlab([NOTEBOOK], tmp_path) as lab, chromium() as page:
        open_notebook(page, lab, NOTEBOOK.name)
        run_all_cells(page)
        assert_widgets_rendered(page)
        text = page.locator(".jp-Notebook").first.inner_text()
        assert "Exercise 00.1: not attempted yet" in text and "练习 00.1：尚未作答" in text
        bars = page.locator(f"{WIDGET_OUTPUT} .widget-hprogress")
        bars.first.wait_for(state="visible", timeout=30_000)
        assert bars.count() >= 3  # one per lesson in the syllabus
        view = page.locator(WIDGET_OUTPUT, has=page.locator(".widget-hprogress")).first
        assert "学习进度" in view.inner_text()
        screenshot(view, "course/progress-widget-zh")
