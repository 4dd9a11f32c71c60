"""The grader's bookkeeping without a kernel: which lesson, which check cells count, what moved.

(The end-to-end grading of real runs is in test_course_grade.py.)
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from _course_helpers import FIXTURE_COURSE, FIXTURE_SOURCE

from course._source import build_notebook, read_source
from course._syllabus import load_syllabus
from course.grade import ExerciseGrade, _cell_changes, _check_cells, identify_lesson


@pytest.fixture(scope="module")
def syllabus():
    return load_syllabus(FIXTURE_COURSE / "syllabus.yml")


@pytest.fixture(scope="module")
def reference():
    return build_notebook(read_source(FIXTURE_SOURCE), "en")


def check_index(nb, exercise_id) -> int:
    return next(i for i, c in enumerate(nb.cells) if f'check("{exercise_id}"' in c.source)


def analyse(nb, reference, syllabus):
    lesson = syllabus.lesson("90_fixture")
    grades = {e.id: ExerciseGrade(e.id, e.title["en"], e.points) for e in lesson.exercises}
    issues: list[str] = []
    intact = _check_cells(nb, reference, lesson, grades, issues)
    return intact, {k: g.status for k, g in grades.items()}, issues + _cell_changes(nb, reference)


def test_an_untouched_notebook_has_no_issues(reference, syllabus):
    intact, statuses, issues = analyse(copy.deepcopy(reference), reference, syllabus)
    assert intact == {e: check_index(reference, e) for e in ("90.1", "90.2")}
    assert set(statuses.values()) == {"not_run"} and issues == []


def test_swapped_check_cells_are_reported_but_still_count(reference, syllabus):
    nb = copy.deepcopy(reference)
    a, b = check_index(nb, "90.1"), check_index(nb, "90.2")
    nb.cells[a], nb.cells[b] = nb.cells[b], nb.cells[a]
    intact, _, issues = analyse(nb, reference, syllabus)
    assert intact == {"90.1": b, "90.2": a}
    assert "check cells are in a different order: 90.2, 90.1" in issues
    assert any(i.startswith("cells were reordered: cell") for i in issues)


def test_whitespace_is_not_an_edit_but_anything_else_is(reference, syllabus):
    nb = copy.deepcopy(reference)
    nb.cells[check_index(nb, "90.1")].source = 'check("90.1", double)   \n\n'
    nb.cells[check_index(nb, "90.2")].source = 'check("90.2", 6)'
    intact, statuses, _ = analyse(nb, reference, syllabus)
    assert list(intact) == ["90.1"] and statuses["90.2"] == "edited"


def test_a_scratch_copy_of_a_check_does_not_replace_the_original(reference, syllabus):
    nb = copy.deepcopy(reference)
    original = check_index(nb, "90.1")
    nb.cells.insert(2, nbformat.v4.new_code_cell('check("90.1", double)'))
    intact, _, issues = analyse(nb, reference, syllabus)
    assert intact["90.1"] == original + 1 and issues == []


def test_notebooks_without_cell_ids_are_not_reported_as_all_deleted(reference, syllabus):
    nb = copy.deepcopy(reference)
    for cell in nb.cells:
        cell.id = f"x{id(cell)}"
    assert _cell_changes(nb, reference) == []


@pytest.mark.parametrize(
    "metadata, name, extra_cell, lesson",
    [
        ({"autograd_lab": {"lesson": "90_fixture"}}, "homework.ipynb", None, "90_fixture"),
        ({}, "90_fixture-alice.ipynb", None, "90_fixture"),
        ({}, "homework.ipynb", 'check("90.2", total)', "90_fixture"),
        ({"autograd_lab": {"lesson": "77_other"}}, "homework.ipynb", None, None),
        ({}, "homework.ipynb", None, None),
    ],
)
def test_identify_lesson(syllabus, metadata, name, extra_cell, lesson):
    cells = [nbformat.v4.new_code_cell(extra_cell)] if extra_cell else []
    nb = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    assert identify_lesson(nb, Path(name), syllabus) == lesson
