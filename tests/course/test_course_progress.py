"""The progress file (atomic, locked, corruption-tolerant) and its views (no kernel)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from _course_helpers import FIXTURE_COURSE

from course import _progress, _progress_view
from course._progress import load_progress, progress_path, record, render_text, summarize
from course._syllabus import load_syllabus


@pytest.fixture
def path(monkeypatch, tmp_path) -> Path:
    target = tmp_path / "sub" / "progress.json"
    monkeypatch.setenv(_progress.PROGRESS_ENV, str(target))
    return target


def test_location_env_var_or_home(monkeypatch, tmp_path):
    monkeypatch.setenv(_progress.PROGRESS_ENV, str(tmp_path / "p.json"))
    assert progress_path() == tmp_path / "p.json"
    monkeypatch.delenv(_progress.PROGRESS_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress_path() == tmp_path / ".autograd_lab" / "progress.json"


def test_record_counts_attempts_and_remembers_a_pass(path):
    for status in ["not_attempted", "hint", "passed", "hint"]:
        record("90.1", status)
    entry = json.loads(path.read_text())["exercises"]["90.1"]
    assert (entry["status"], entry["attempts"], entry["ever_passed"]) == ("hint", 3, True)
    assert load_progress(path)["exercises"]["90.1"] == entry


def test_a_failed_write_leaves_the_old_file_and_no_temporary(path, monkeypatch):
    record("90.1", "passed")
    before = path.read_bytes()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_progress.json, "dump", broken_dump)
    with pytest.warns(RuntimeWarning, match="can't save progress"):
        record("90.2", "passed")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json", "progress.json.lock"]


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "version 1 progress document"),
        ('{"version": 1, "exercises": []}', "not a mapping"),
        ('{"version": 1, "exercises": {"90.1": {"status": "great"}}}', "bad entry"),
    ],
)
def test_a_corrupt_file_warns_is_kept_aside_and_progress_starts_fresh(path, content, reason):
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.warns(RuntimeWarning, match=reason):
        assert load_progress(path) == {"version": 1, "exercises": {}}
    assert path.with_name("progress.json.corrupt").read_text() == content
    record("90.1", "passed")
    assert load_progress(path)["exercises"]["90.1"]["status"] == "passed"


def test_an_unwritable_location_warns_instead_of_failing(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(_progress.PROGRESS_ENV, str(blocker / "progress.json"))
    with pytest.warns(RuntimeWarning, match="can't save progress"):
        record("90.1", "passed")


def test_concurrent_records_are_not_lost(path):
    def work(exercise_id):
        for _ in range(25):
            record(exercise_id, "hint")

    threads = [threading.Thread(target=work, args=("90.1",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert load_progress(path)["exercises"]["90.1"]["attempts"] == 75


def test_summary_and_text_table(path):
    record("90.1", "passed")
    record("90.2", "hint")
    syllabus = load_syllabus(FIXTURE_COURSE / "syllabus.yml")
    rows = summarize(syllabus, load_progress(path))
    assert [(r.lesson_id, r.passed, r.total) for r in rows] == [("90_fixture", 1, 2)]
    assert render_text(rows) == "90_fixture  Fixture lesson  █████░░░░░  1/2 passed"
    detail = render_text(summarize(syllabus, load_progress(path), "zh"), detail=True, lang="zh")
    assert detail.split("\n") == [
        "90_fixture  测试课  █████░░░░░  1/2 已通过", "    90.1    passed", "    90.2    hint"]
    assert summarize(syllabus, load_progress(path), lesson="91") == []


def test_progress_view_bundle_and_live_refresh(path, monkeypatch):
    monkeypatch.setattr(
        _progress_view, "load_syllabus", lambda: load_syllabus(FIXTURE_COURSE / "syllabus.yml")
    )
    monkeypatch.setattr(_progress_view, "_LIVE", [])
    view = _progress_view.ProgressView("90")
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"].endswith("0/2 passed")
    assert "<table>" in bundle["text/html"]
    assert _progress_view.WIDGET_VIEW_MIME in bundle  # ipywidgets is installed with the lab
    bar = view._widget.children[1].children[1]
    assert (bar.value, bar.max) == (0, 2)
    record("90.1", "passed")
    _progress_view.refresh_all()
    assert view._widget.children[1].children[1].value == 1


def test_progress_prints_text_outside_a_notebook(path, capsys):
    from course import progress

    progress()
    out = capsys.readouterr().out
    assert out.startswith("Your progress\n") and "00_welcome" in out
