"""The viz demo notebook in real JupyterLab + Chromium: all cells run, every widget renders
as a widget (not its static fallback), the training monitor draws its curves, and clicks and
hovers do what they promise. A screenshot per widget goes to ``test-artifacts/viz/``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _lab import (
    assert_widgets_rendered,
    chromium,
    jupyterlab,
    open_notebook,
    run_all_cells,
    screenshot,
    widget,
)

NOTEBOOK = Path(__file__).with_name("viz_demo.ipynb")

# screenshot name -> (CSS of the widget's root, text it must show)
WIDGETS = {
    "gradients-healthy": (".al-gradients >> nth=0", "Gradient sizes look healthy"),
    "gradients-vanishing": (".al-gradients >> nth=1", "Vanishing gradients"),
    "monitor": (".al-monitor", "Finished at step 149 (150 updates)."),
    "inspector": (".al-inspector", "x, y share storage S0"),
    "image-grid": (".al-image-grid", "Predictions:"),
    "confusion-matrix": (".al-confusion", "Most frequent mistakes"),
    "class-accuracy": (".al-class-accuracy", "overall"),
    "graph": (".al-graph", ""),
    "stepper": (".al-step", ""),
}


def test_demo_notebook_is_committed_without_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert all("".join(c["source"]).strip() for c in code), "an empty cell never gets a count"


@pytest.mark.browser
def test_every_widget_renders_in_jupyterlab(tmp_path):
    with jupyterlab([NOTEBOOK], tmp_path) as lab, chromium() as page:
        open_notebook(page, lab, NOTEBOOK.name)
        run_all_cells(page)
        assert_widgets_rendered(page)

        for name, (css, text) in WIDGETS.items():
            view = widget(page, css)
            view.wait_for(state="visible", timeout=30_000)
            assert text in view.inner_text(), name
            screenshot(view, f"viz/{name}")

        # the monitor drew both panels: faint values and smoothed curves, and the tqdm bar
        # in the same cell survived its redraws
        monitor = widget(page, ".al-monitor")
        assert monitor.locator("svg").count() == 2
        assert monitor.locator("polyline").count() == 4
        monitor_cell = page.locator(".jp-CodeCell", has=monitor)
        assert re.search(r"150/150", monitor_cell.inner_text()), monitor_cell.inner_text()
        screenshot(monitor_cell, "viz/monitor-cell-with-tqdm")

        # hovering an element of y lights up the same memory in the storage row and in x
        inspector = widget(page, ".al-inspector")
        inspector.locator('td[data-cell="S0:3"]').nth(2).hover()
        lit = inspector.locator('td[data-cell="S0:3"]').evaluate_all(
            "cells => cells.map(c => c.style.outline)")
        assert len(lit) == 3 and all("solid" in o for o in lit), lit

        # clicking a confusion-matrix cell asks Python for that cell's images
        matrix = widget(page, ".al-confusion")
        matrix.locator('[data-select="3,3"]').click()
        page.wait_for_function(
            """() => [...document.querySelectorAll('.al-confusion')].some(
                   e => e.innerText.includes('true cat, predicted cat'))""", timeout=30_000)
        assert matrix.locator("img").count() > 0
        screenshot(matrix, "viz/confusion-matrix-clicked")

        # clicking a graph node selects it
        graph = widget(page, ".al-graph")
        graph.locator(".al-graph-node").first.click()
        graph.locator(".al-graph-node.al-selected").first.wait_for(timeout=10_000)
        screenshot(graph, "viz/graph-clicked")

        # the stepper's "next" button moves one node on
        stepper = widget(page, ".al-step")
        counter = stepper.locator(".al-step-counter")
        before = counter.inner_text()
        stepper.locator(".al-step-next").click()
        page.wait_for_function(
            "([el, old]) => el.innerText !== old", arg=[counter.element_handle(), before],
            timeout=10_000)
        screenshot(stepper, "viz/stepper-stepped")

        assert not [m for m in lab.console if "page error" in m], lab.console
