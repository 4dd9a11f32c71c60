"""The real lessons: strict nbval on the released notebooks and on the solution versions.

The learner notebooks in lessons/ must run top to bottom with every check saying "not
attempted yet"; the solution versions (released into a temporary folder) must pass every
check. nbval compares each output with the stored one, sanitized by lessons/nbval_sanitize.cfg.
"""

from __future__ import annotations

import nbformat
import pytest
from _course_helpers import REPO_ROOT, check_records, course_env, run_course, run_nbval

from course._syllabus import load_syllabus

pytestmark = pytest.mark.slow
LANGS = ("en", "zh")
LESSONS = REPO_ROOT / "lessons"


@pytest.fixture(scope="module")
def syllabus():
    return load_syllabus()


@pytest.fixture(scope="module")
def solutions(tmp_path_factory):
    root = tmp_path_factory.mktemp("solutions")
    result = run_course(["release", "--solutions", str(root / "out")], course_env(root), 590)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root / "out"


def notebooks(folder, syllabus) -> list:
    paths = [folder / lang / f"{lesson_id}.ipynb" for lesson_id in syllabus.lesson_ids()
             for lang in LANGS]
    missing = [str(p) for p in paths if not p.exists()]
    assert not missing, f"not released: {missing}"
    return paths


@pytest.mark.parametrize("version, status", [("learner", "not_attempted"), ("solution", "passed")])
def test_every_check_reports(version, status, syllabus, request):
    folder = LESSONS if version == "learner" else request.getfixturevalue("solutions")
    for path in notebooks(folder, syllabus):
        records = check_records(nbformat.read(path, as_version=4))
        lesson = syllabus.lesson(path.stem)
        assert sorted(records) == sorted(e.id for e in lesson.exercises), path
        wrong = {k: r["message"] for k, r in records.items() if r["status"] != status}
        assert not wrong, f"{path}: expected {status}: {wrong}"


def test_nbval_on_the_released_lessons(syllabus, tmp_path):
    result = run_nbval(notebooks(LESSONS, syllabus), course_env(tmp_path))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_nbval_on_the_solutions(solutions, syllabus, tmp_path):
    result = run_nbval(notebooks(solutions, syllabus), course_env(tmp_path))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
