"""The syllabus: its schema, and that it agrees with the checks and the lesson sources.

The agreement tests are strict on purpose: every exercise in the syllabus has a registered
checker and an exercise + check cell in its lesson source, and nothing exists beyond that.
They also ask for real content (five exercises per lesson, one for the welcome lesson), so an
empty syllabus can't pass them.
"""

from __future__ import annotations

import copy

import pytest

import course.checks
from course._source import find_sources
from course._syllabus import SYLLABUS_PATH, SyllabusError, load_syllabus, parse_syllabus
from course.checks import _framework
from course.release import SOURCES_DIR

VALID = {
    "lessons": [
        {
            "id": "01_tensors",
            "title": {"en": "Tensors", "zh": "张量"},
            "objectives": {"en": ["make tensors"], "zh": ["创建张量"]},
            "exercises": [{"id": "01.1", "points": 2, "title": {"en": "a", "zh": "甲"}}],
        }
    ]
}


def mutated(path: tuple, value) -> dict:
    data = copy.deepcopy(VALID)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


L0, E0 = ("lessons", 0), ("lessons", 0, "exercises", 0)
BAD = [
    (mutated(("lessons",), {}), "one key, lessons"),
    (mutated((*L0, "id"), "tensors"), "not like '01_tensors'"),
    (mutated((*L0, "title", "zh"), KeyError), "exactly the languages"),
    (mutated((*L0, "title", "en"), ""), "non-empty string"),
    (mutated((*L0, "objectives", "en"), "make tensors"), "list of non-empty strings"),
    (mutated((*L0, "exercises"), None), "exercises: must be a list"),
    (mutated((*L0, "extra"), 1), "exactly the keys"),
    (mutated((*E0, "id"), 1.1), "is not like '01.4'"),
    (mutated((*E0, "id"), "02.1"), "must start with 01."),
    (mutated((*E0, "points"), "2"), "positive integer"),
    (mutated((*E0, "points"), 0), "positive integer"),
    (mutated((*E0, "points"), True), "positive integer"),
    (mutated((*E0, "title"), {"en": "a"}), "exactly the languages"),
    ({"lessons": VALID["lessons"] * 2}, "appears twice"),
]


def test_a_valid_syllabus_parses():
    syllabus = parse_syllabus(VALID)
    assert syllabus.lesson("01_tensors").max_points == 2
    assert syllabus.lesson_of("01.7").id == "01_tensors" and syllabus.exercise("01.1").points == 2


@pytest.mark.parametrize("data, message", BAD)
def test_schema_violations_are_reported(data, message):
    with pytest.raises(SyllabusError, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_syllabus(data)


def test_invalid_yaml_is_reported_with_the_path(tmp_path):
    path = tmp_path / "syllabus.yml"
    path.write_text("lessons: [\n")
    with pytest.raises(SyllabusError, match="not valid YAML"):
        load_syllabus(path)


@pytest.fixture(scope="module")
def syllabus():
    return load_syllabus(SYLLABUS_PATH)


def test_the_course_has_its_lessons_with_content(syllabus):
    assert syllabus.lesson_ids()[:3] == ["00_welcome", "01_tensors", "02_autograd"]
    for lesson in syllabus.lessons:
        needed = 1 if lesson.id == "00_welcome" else 5
        assert len(lesson.exercises) >= needed, f"{lesson.id}: needs >= {needed} exercises"
        for lang in ("en", "zh"):
            assert lesson.objectives[lang], f"{lesson.id}: no {lang} objectives"
        assert len(lesson.objectives["en"]) == len(lesson.objectives["zh"]), lesson.id


def test_every_exercise_has_a_checker_and_every_checker_an_exercise(syllabus):
    in_syllabus = {e.id for lesson in syllabus.lessons for e in lesson.exercises}
    # only the course's own checkers: tests register extra ones in this process
    registered = {
        key for key, checker in _framework._REGISTRY.items()
        if checker.__module__.startswith("course.checks.")
    }
    assert course.checks.registered()  # the import list in course/checks/__init__.py ran
    assert in_syllabus - registered == set(), "exercises without a checker"
    assert registered - in_syllabus == set(), "checkers for exercises not in the syllabus"


def test_sources_and_syllabus_agree(syllabus):
    sources = {s.lesson_id: s for s in find_sources(SOURCES_DIR)}
    assert sorted(sources) == syllabus.lesson_ids()
    for lesson in syllabus.lessons:
        cells = sources[lesson.id].cells
        exercise_cells = [c.metadata["exercise"] for c in cells if "exercise" in c.metadata]
        assert exercise_cells == [e.id for e in lesson.exercises], (
            f"{lesson.id}: exercise cells and syllabus exercises differ (or their order)"
        )
