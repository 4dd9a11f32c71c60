"""viz.TrainingMonitor: throttled redraws (driven by a fake clock, never by real time), the
printed output outside a notebook, tqdm-friendly printing, the summary and the picture."""

from __future__ import annotations

import io
import math
import re

import pytest

from autograd_lab import viz
from autograd_lab.viz import monitor as monitor_mod


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(mode: str = "widget", **kwargs) -> tuple[viz.TrainingMonitor, FakeClock]:
    kwargs.setdefault("display", False)
    mon = viz.TrainingMonitor(mode=mode, **kwargs)
    clock = mon._clock = FakeClock()
    return mon, clock


# (redraw_every, seconds between updates, updates) -> redraws expected during the updates:
# the first update always draws, then one redraw per full interval.
THROTTLE = [
    (0.5, 0.1, 20, 4),     # t = 0, 0.5, 1.0, 1.5
    (0.5, 0.01, 100, 2),   # t = 0, 0.5 (the last update is at 0.99)
    (0.0, 0.01, 30, 30),   # no throttling
    (10.0, 1.0, 5, 1),     # only the first
    (0.2, 0.25, 8, 8),     # slower than the limit: every update
]


@pytest.mark.parametrize("mode", ["widget", "print"])
@pytest.mark.parametrize("every, dt, n, expected", THROTTLE)
def test_redraws_are_throttled(mode, every, dt, n, expected):
    out = io.StringIO()
    mon, clock = make(mode, redraw_every=every, file=out)
    htmls = []
    mon.observe(lambda change: htmls.append(change["new"]), names="html")
    for step in range(n):
        clock.now = round(step * dt, 6)
        mon.update(step, loss=1.0 / (step + 1))
    assert mon.redraws == expected
    if mode == "widget":
        assert len(htmls) == expected and out.getvalue() == ""
    else:
        assert len(out.getvalue().splitlines()) == expected and htmls == []
    mon.close()  # always shows the last values
    assert f"step {n - 1}" in (mon.html if mode == "widget" else out.getvalue())


def test_printed_output_outside_a_notebook(capsys):
    mon = viz.TrainingMonitor(metrics=("loss", "accuracy"), redraw_every=0)
    assert mon.mode == "print"  # pytest is no Jupyter kernel
    mon._clock = FakeClock()
    for step, (loss, acc) in enumerate([(2.0, 0.1), (1.5, 0.25), (0.9, 0.5)]):
        mon.update(step * 10, loss=loss, accuracy=acc)
    mon.update(30, loss=0.7)  # a metric may skip a step
    mon.close()
    assert capsys.readouterr().out == (
        "step 0  loss 2  accuracy 0.1\n"
        "step 10  loss 1.5  accuracy 0.25\n"
        "step 20  loss 0.9  accuracy 0.5\n"
        "step 30  loss 0.7  accuracy 0.5\n"
        "Finished at step 30 (4 updates).\n"
        "loss: 2 → 0.7 (lowest 0.7 at step 30).\n"
        "accuracy: 0.1 → 0.5 (highest 0.5 at step 20).\n")


def test_printing_goes_around_an_open_tqdm_bar():
    tqdm = pytest.importorskip("tqdm")
    out = io.StringIO()
    bar = tqdm.tqdm(total=3, file=out, ascii=True, mininterval=0)
    mon, _ = make("print", redraw_every=0, file=out)
    for step in range(3):
        bar.update()
        mon.update(step, loss=1.0)
    bar.close()
    # tqdm.write clears the bar line first ('\r'), so every line starts clean
    for step in range(3):
        assert re.search(rf"(^|\r)step {step}  loss 1\n", out.getvalue()), out.getvalue()
    mon.close()


SUMMARIES = {
    # name -> (metric values, words the summary must contain)
    "loss goes down": ({"loss": [2.0, 1.0, 0.5]},
                       ["loss: 2 → 0.5 (lowest 0.5 at step 2)."]),
    "accuracy best in the middle": ({"accuracy": [0.1, 0.9, 0.8]},
                                    ["accuracy: 0.1 → 0.8 (highest 0.9 at step 1)."]),
    "diverged": ({"loss": [1.0, 3.0, math.nan, math.nan]},
                 ["loss became nan at step 2: training diverged"]),
    "stuck": ({"loss": [2.3] * 20}, ["The loss did not go down"]),
    "never updated": ({"loss": [1.0], "accuracy": []}, ["accuracy: never updated."]),
}


@pytest.mark.parametrize("name", SUMMARIES)
def test_summary(name):
    values, words = SUMMARIES[name]
    mon, _ = make(metrics=tuple(values))
    for step in range(max(len(v) for v in values.values())):
        mon.update(step, **{k: v[step] for k, v in values.items() if step < len(v)})
    mon.close()
    for phrase in words:
        assert phrase in mon.summary
        assert phrase in mon.html and phrase in repr(mon)
    if name != "stuck":
        assert "did not go down" not in mon.summary


def test_no_update_at_all():
    mon, _ = make()
    mon.close()
    assert "No values recorded" in mon.summary


@pytest.mark.parametrize("kwargs, error", [
    ({"mode": "gui"}, "mode must be"),
    ({"smoothing": 1.0}, "smoothing must be"),
])
def test_bad_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        viz.TrainingMonitor(**kwargs)


def test_a_typo_in_a_metric_name_fails_loudly():
    mon, _ = make()
    with pytest.raises(ValueError, match=r"unknown metric 'acc'; this monitor tracks "
                                         r"\('loss', 'accuracy'\)"):
        mon.update(0, loss=1.0, acc=0.5)
    mon.close()
    with pytest.raises(RuntimeError, match="closed"):
        mon.update(1, loss=1.0)


def test_widget_state_and_picture():
    mon, clock = make(metrics=("loss", "accuracy"), redraw_every=1.0)
    assert set(mon.keys) >= {"html", "metrics", "summary"}
    assert mon.metrics == ["loss", "accuracy"]
    assert "waiting for values" in mon.html
    for step in range(40):  # steps default to previous + 1
        clock.now = step * 0.1
        mon.update(loss=math.exp(-step / 10), accuracy=step / 40)
    assert mon.history["loss"][0] == list(range(40))
    mon.close()
    assert mon.summary.startswith("Finished at step 39 (40 updates).")
    assert mon.html == mon.to_html() == mon._repr_html_()
    # 40 values: a faint raw curve and a smoothed one per panel
    assert mon.html.count("<polyline") == 4 and mon.html.count("<svg") == 2
    mon.close()  # closing twice is harmless


def test_long_runs_stay_small():
    mon, _ = make(metrics=("loss",), redraw_every=1e9)
    for step in range(20_000):
        mon.update(step, loss=1.0 / (step + 1))
    mon.close()
    for points in re.findall(r'points="([^"]*)"', mon.html):
        assert len(points.split()) <= monitor_mod.MAX_POINTS
    assert len(mon.html) < 60_000


def test_nan_leaves_a_gap():
    mon, _ = make(metrics=("loss",), redraw_every=0)
    for step, v in enumerate([1.0, 0.9, math.inf, 0.8, 0.7]):
        mon.update(step, loss=v)
    assert mon.html.count("<polyline") == 2  # few points: values only, split at the inf


def test_same_values_same_picture():
    def run() -> str:
        mon, _ = make(metrics=("loss", "accuracy"), redraw_every=0)
        for step in range(50):
            mon.update(step, loss=1 / (step + 1), accuracy=step / 50)
        mon.close()
        return mon.html

    assert run() == run()


@pytest.mark.slow
def test_in_a_jupyter_kernel():
    """In a real kernel: widget mode by itself, the open widget shows its last values when
    the cell ends, and the saved output's text/html fallback is refreshed to the final view."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from conftest import REPO_ROOT

    cells = [
        "from autograd_lab import viz\n"
        "mon = viz.TrainingMonitor(metrics=('loss',), redraw_every=3600)\n"
        "for s in range(5):\n"
        "    mon.update(s, loss=1 / (s + 1))\n"
        "print(mon.mode, mon.redraws)",
        "print(mon.redraws, 'step 4' in mon.html)\n"
        "mon.close()",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO_ROOT)}}).execute()
    first, second = (cell.outputs for cell in notebook.cells)
    shown = next(o for o in first if o.output_type == "display_data")
    assert "application/vnd.jupyter.widget-view+json" in shown.data
    # drawn at the first update, brought up to date when each cell ended, then on close
    assert "Finished at step 4 (5 updates)." in shown.data["text/html"]
    assert "Finished at step 4" in shown.data["text/plain"]
    assert [o.text for o in first if o.output_type == "stream"] == ["widget 1\n"]
    assert [o.text for o in second if o.output_type == "stream"] == ["2 True\n"]
