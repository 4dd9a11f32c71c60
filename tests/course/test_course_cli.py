"""``python -m course``: status, new-lesson, usage errors and broken sources (no kernel)."""

from __future__ import annotations

import importlib.util
import shutil

import pytest
import yaml
from _course_helpers import FIXTURE_COURSE, course_env, run_course

import autograd_lab as torch
from course import _progress, cli
from course._source import build_notebook, read_source
from course._syllabus import load_syllabus
from course.checks import _framework


@pytest.fixture
def course_dir(tmp_path):
    """A writable copy of the fixture course."""
    target = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, target)
    return target


def test_help_and_unknown_commands(tmp_path):
    assert run_course(["--help"], course_env(tmp_path)).returncode == 0
    result = run_course(["frobnicate"], course_env(tmp_path))
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_status_shows_progress_per_lesson(tmp_path, capsys):
    progress = tmp_path / "progress.json"
    _progress.record("90.1", "passed", progress)
    code = cli.main(["status", "--file", str(progress), "--course-dir", str(FIXTURE_COURSE),
                     "--detail"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out == [f"Progress file: {progress}",
                   "90_fixture  Fixture lesson  █████░░░░░  1/2 passed",
                   "    90.1    passed", "    90.2    -"]


def test_status_without_a_progress_file(tmp_path, capsys):
    code = cli.main(["status", "--file", str(tmp_path / "none.json"), "--lang", "zh",
                     "--course-dir", str(FIXTURE_COURSE)])
    assert code == 0 and "(none yet)" in capsys.readouterr().out


def test_new_lesson_scaffolds_a_working_lesson(course_dir, monkeypatch, capsys):
    assert cli.main(["new-lesson", "data_loading", "--course-dir", str(course_dir)]) == 0
    assert "add l91_data_loading to the imports" in capsys.readouterr().out
    source = read_source(course_dir / "lessons" / "91_data_loading.py")
    for lang in ("en", "zh"):
        text = "\n".join(c.source for c in build_notebook(source, lang).cells)
        assert "Exercise 91.1" in text or "练习 91.1" in text
        assert 'raise NotImplementedError("Exercise 91.1' in text and "return t + 1" not in text
    syllabus = load_syllabus(course_dir / "syllabus.yml")
    assert syllabus.lesson_ids() == ["90_fixture", "91_data_loading"]
    assert [e.id for e in syllabus.lesson("91_data_loading").exercises] == ["91.1"]
    assert "# The syllabus of the fixture course" in (course_dir / "syllabus.yml").read_text()

    # the scaffolded checker passes the solution and names the likely mistakes
    monkeypatch.setattr(_framework, "_REGISTRY", dict(_framework._REGISTRY))
    monkeypatch.setenv(_progress.PROGRESS_ENV, str(course_dir / "progress.json"))
    spec = importlib.util.spec_from_file_location(
        "l91_data_loading", course_dir / "checks" / "l91_data_loading.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    cases = [(lambda t: t + 1, "passed"), (lambda t: t, "hint"), (lambda t: t + 2, "hint"),
             (lambda t: t.add_(1), "hint"), (lambda t: [1], "hint"), (None, "not_attempted")]
    for answer, status in cases:
        assert _framework.evaluate("91.1", answer).status == status
    assert torch  # the checker compares tensors made by the engine


def test_new_lesson_refuses_to_overwrite(course_dir, capsys):
    assert cli.main(["new-lesson", "data_loading", "--course-dir", str(course_dir)]) == 0
    before = (course_dir / "syllabus.yml").read_text()
    assert cli.main(["new-lesson", "data_loading", "--course-dir", str(course_dir)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (course_dir / "syllabus.yml").read_text() == before


@pytest.mark.parametrize("name", ["Data", "1st", "data-loading", "_x", "x__y", "a" * 41, ""])
def test_new_lesson_validates_the_name(course_dir, name, capsys):
    before = sorted(p.name for p in (course_dir / "lessons").iterdir())
    assert cli.main(["new-lesson", name, "--course-dir", str(course_dir)]) == 2
    assert "lower-case words" in capsys.readouterr().err
    assert sorted(p.name for p in (course_dir / "lessons").iterdir()) == before


def test_new_lesson_keeps_a_syllabus_it_would_break(course_dir):
    syllabus = course_dir / "syllabus.yml"
    data = yaml.safe_load(syllabus.read_text())
    data["lessons"].append({"id": "91_taken", "title": {"en": "T", "zh": "T"},
                            "objectives": {"en": [], "zh": []}, "exercises": []})
    syllabus.write_text(yaml.safe_dump(data, allow_unicode=True))
    # 92 is next; its entry would be fine, so break the file's end to make the append fail
    broken = syllabus.read_text() + "lessons: duplicate\n"
    syllabus.write_text(broken)
    assert cli.main(["new-lesson", "other", "--course-dir", str(course_dir)]) == 1
    assert syllabus.read_text() == broken
    assert not (course_dir / "lessons" / "92_other.py").exists()


def test_a_broken_source_fails_release_with_a_message(course_dir, capsys):
    source = course_dir / "lessons" / "90_fixture.py"
    source.write_text(source.read_text().replace("### END SOLUTION", "", 1))
    code = cli.main(["release", "--check", "--course-dir", str(course_dir), "--out",
                     str(course_dir / "out")])
    assert code == 1
    assert "90_fixture.py, cell 9 (90.1): '### BEGIN SOLUTION' without" in capsys.readouterr().err
