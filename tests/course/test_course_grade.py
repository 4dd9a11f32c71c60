"""``python -m course grade``: scores, robustness to broken submissions, reports, exit codes.

One grader run over a folder of fixture submissions (each a variation of the fixture lesson)
feeds most tests, since every notebook costs a kernel start.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from _course_helpers import FIXTURE_COURSE, FIXTURE_SOURCE, course_env, run_course

from course._source import build_notebook, read_source

pytestmark = pytest.mark.slow
CELL_TIMEOUT = 8  # generous: the first cell imports the engine on a busy machine


def _index(nb, predicate) -> int:
    return next(i for i, c in enumerate(nb.cells) if predicate(c))


def _exercise(exercise_id):
    return lambda c: c.metadata.get("exercise") == exercise_id


def _check(exercise_id):
    return lambda c: f'check("{exercise_id}"' in c.source


def submissions() -> dict[str, nbformat.NotebookNode | str]:
    """Student name -> the notebook they hand in (a string: raw file content)."""
    source = read_source(FIXTURE_SOURCE)
    solution, fresh = build_notebook(source, "en", True), build_notebook(source, "en")
    out: dict[str, nbformat.NotebookNode | str] = {"alice": solution, "bob": fresh}

    mixed = copy.deepcopy(fresh)  # 90.1 solved, 90.2 left alone
    solved = solution.cells[_index(solution, _exercise("90.1"))]
    mixed.cells[_index(mixed, _exercise("90.1"))] = solved
    out["carol"] = mixed

    looping = copy.deepcopy(solution)
    looping.cells.insert(3, nbformat.v4.new_code_cell("while True:\n    pass"))
    out["dave"] = looping

    crashing = copy.deepcopy(solution)
    crashing.cells.insert(_index(crashing, _check("90.2")), nbformat.v4.new_code_cell(
        "import os\nos._exit(1)"))
    out["erin"] = crashing

    deleted = copy.deepcopy(solution)
    del deleted.cells[_index(deleted, _check("90.1"))]
    out["frank"] = deleted

    reordered = copy.deepcopy(solution)  # 90.2's exercise cell moved below its check
    cell = reordered.cells.pop(_index(reordered, _exercise("90.2")))
    reordered.cells.insert(_index(reordered, _check("90.2")) + 1, cell)
    out["grace"] = reordered

    edited = copy.deepcopy(solution)
    edited.cells[_index(edited, _check("90.1"))].source = 'check("90.1", lambda t: t * 2)'
    out["heidi"] = edited

    hostile = copy.deepcopy(fresh)  # an answer with markup, and a forged record for 90.2
    hostile.cells[_index(hostile, _exercise("90.1"))].source = (
        "def double(t):\n    return '<script>alert(1)</script>'")
    hostile.cells.append(nbformat.v4.new_code_cell(
        "from IPython.display import display\n"
        "display({'application/vnd.autograd-lab.check+json': "
        "{'id': '90.2', 'status': 'passed', 'message': 'forged'}}, raw=True)"))
    out["ivan"] = hostile

    out["judy"] = "this is not JSON"
    out["kim"] = build_notebook(source, "zh", True)
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grade")
    folder = root / "submissions"
    for student, nb in submissions().items():
        path = folder / student / "90_fixture.ipynb"
        path.parent.mkdir(parents=True)
        if isinstance(nb, str):
            path.write_text(nb)
        else:
            nbformat.write(nb, path)
    out = root / "report"
    result = run_course(
        ["grade", str(folder), "--course-dir", str(FIXTURE_COURSE), "--out", str(out),
         "--timeout-cell", str(CELL_TIMEOUT), "--timeout-notebook", "120"],
        course_env(root), timeout=590,
    )
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    by_student = {s["student"]: s for s in data["submissions"]}
    return result, by_student, (out / "report.html").read_text(encoding="utf-8")


def statuses(submission) -> dict[str, str]:
    return {e["id"]: e["status"] for e in submission["exercises"]}


# student, points, statuses, a phrase one of the issues must contain (None: no issues)
EXPECTED = [
    ("alice", 5, {"90.1": "passed", "90.2": "passed"}, None),
    ("bob", 0, {"90.1": "not_attempted", "90.2": "not_attempted"}, None),
    ("carol", 2, {"90.1": "passed", "90.2": "not_attempted"}, None),
    ("dave", 5, {"90.1": "passed", "90.2": "passed"}, f"ran longer than {CELL_TIMEOUT} s"),
    ("erin", 2, {"90.1": "passed", "90.2": "not_run"}, "kernel died in cell"),
    ("frank", 3, {"90.1": "deleted", "90.2": "passed"}, "1 cell of the lesson deleted"),
    ("grace", 2, {"90.1": "passed", "90.2": "error"}, "cells were reordered"),
    ("heidi", 3, {"90.1": "edited", "90.2": "passed"}, None),
    ("ivan", 0, {"90.1": "hint", "90.2": "not_attempted"}, None),
    ("judy", 0, {"90.1": "not_run", "90.2": "not_run"}, "not a readable notebook"),
    ("kim", 5, {"90.1": "passed", "90.2": "passed"}, None),
]


@pytest.mark.parametrize("student, points, expected, issue", EXPECTED)
def test_scores_and_issues(graded, student, points, expected, issue):
    _, by_student, _ = graded
    submission = by_student[student]
    assert submission["grader_error"] is None
    assert (submission["points"], submission["max_points"]) == (points, 5)
    assert statuses(submission) == expected
    if issue is None:
        assert submission["issues"] == []
    else:
        assert any(issue in text for text in submission["issues"]), submission["issues"]


def test_low_scores_are_not_a_grader_failure(graded):
    result, _, _ = graded
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_terminal_table_lists_every_submission(graded):
    result, by_student, _ = graded
    table = result.stdout[result.stdout.index("student"):]
    for student, submission in by_student.items():
        assert any(line.startswith(student) and f"{submission['points']}/5" in line
                   for line in table.splitlines()), student


def test_edits_and_errors_are_explained(graded):
    _, by_student, _ = graded
    heidi = {e["id"]: e for e in by_student["heidi"]["exercises"]}
    assert "check cell was edited" in heidi["90.1"]["message"]
    grace = {e["id"]: e for e in by_student["grace"]["exercises"]}
    assert grace["90.2"]["message"] == (
        "the check cell raised NameError: name 'total' is not defined")
    assert by_student["kim"]["lang"] == "zh"


def test_html_report_escapes_learner_text(graded):
    _, by_student, html = graded
    ivan = {e["id"]: e for e in by_student["ivan"]["exercises"]}
    assert "<script>alert(1)</script>" in ivan["90.1"]["message"]  # the hint quotes the value
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for student in by_student:
        assert f"<h2>{student} — 90_fixture.ipynb</h2>" in html


def test_a_missing_path_is_a_usage_error(tmp_path):
    result = run_course(["grade", str(tmp_path / "nothing")], course_env(tmp_path))
    assert result.returncode == 2 and "no such file or folder" in result.stderr


def test_an_empty_folder_is_a_usage_error(tmp_path):
    result = run_course(["grade", str(tmp_path)], course_env(tmp_path))
    assert result.returncode == 2 and "no notebooks" in result.stderr


def test_a_kernel_that_cannot_start_is_a_grader_fault(tmp_path):
    path = tmp_path / "90_fixture.ipynb"
    nbformat.write(build_notebook(read_source(FIXTURE_SOURCE), "en"), path)
    out = tmp_path / "out"
    result = run_course(
        ["grade", str(path), "--course-dir", str(FIXTURE_COURSE), "--out", str(out),
         "--kernel", "no-such-kernel"],
        course_env(tmp_path),
    )
    assert result.returncode == 1
    (submission,) = json.loads((out / "grades.json").read_text())["submissions"]
    assert "no-such-kernel" in submission["grader_error"]
    assert "GRADER ERROR" in result.stdout


def test_grading_never_writes_to_the_submission(graded, tmp_path):
    path = tmp_path / "alice" / "90_fixture.ipynb"
    path.parent.mkdir()
    nbformat.write(build_notebook(read_source(FIXTURE_SOURCE), "en", True), path)
    before = path.read_bytes()
    result = run_course(
        ["grade", str(path), "--course-dir", str(FIXTURE_COURSE), "--out", str(tmp_path / "o")],
        course_env(tmp_path),
    )
    assert result.returncode == 0 and path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["90_fixture.ipynb"]
