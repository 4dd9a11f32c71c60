"""Lesson 02 (autograd, English) in real JupyterLab + Chromium, as a learner meets it: Run All
works top to bottom, the graph widget and the backward stepper render as widgets (not their
static fallbacks), a solved exercise's check cell shows its pass message and the others say
"not attempted". Screenshots go to ``test-artifacts/course/``.

The learner notebook is copied with one exercise cell (02.1) replaced by its solution, taken
from the lesson source, as a learner who solved it would have it.
"""

from __future__ import annotations

import sys

import nbformat
import pytest
from _course_helpers import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests" / "browser"))
from _lab import (  # noqa: E402
    assert_widgets_rendered,
    chromium,
    jupyterlab,
    open_notebook,
    run_all_cells,
    screenshot,
    widget,
)

from course._source import build_notebook, read_source  # noqa: E402

LEARNER = REPO_ROOT / "lessons" / "en" / "02_autograd.ipynb"
SOURCE = REPO_ROOT / "course" / "lessons" / "02_autograd.py"
SOLVED = "02.1"


def _solved_copy(folder):
    """The learner notebook with exercise ``SOLVED`` filled in from the solution version."""
    notebook = nbformat.read(LEARNER, as_version=4)
    solution = build_notebook(read_source(SOURCE), "en", solution=True)
    answer = next(c.source for c in solution.cells if c.metadata.get("exercise") == SOLVED)
    cell = next(c for c in notebook.cells if c.metadata.get("exercise") == SOLVED)
    assert "NotImplementedError" in cell.source and "NotImplementedError" not in answer
    cell.source = answer
    path = folder / LEARNER.name
    nbformat.write(notebook, path)
    return path


@pytest.mark.browser
@pytest.mark.slow
def test_lesson_02_runs_in_jupyterlab_with_widgets_and_a_passing_check(tmp_path, monkeypatch):
    assert LEARNER.exists(), "release the lessons first: python -m course release"
    monkeypatch.setenv("AUTOGRAD_LAB_PROGRESS", str(tmp_path / "progress.json"))
    (tmp_path / "src").mkdir()
    notebook = _solved_copy(tmp_path / "src")
    with jupyterlab([notebook], tmp_path) as lab, chromium() as page:
        open_notebook(page, lab, notebook.name)
        run_all_cells(page)
        assert_widgets_rendered(page)
        for css, name in ((".al-graph", "graph"), (".al-step", "stepper")):
            view = widget(page, css)
            view.wait_for(state="visible", timeout=30_000)
            screenshot(view, f"course/02_autograd-{name}")
        text = page.locator(".jp-Notebook").first.inner_text()
        assert f"Exercise {SOLVED}: passed" in text
        assert "Exercise 02.2: not attempted yet" in text
        check = page.locator(".jp-OutputArea-output", has_text=f"Exercise {SOLVED}: passed")
        screenshot(check.first, "course/02_autograd-check-passed")
