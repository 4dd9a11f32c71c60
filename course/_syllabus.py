"""The syllabus (``course/syllabus.yml``): lessons, objectives, exercises and their points.

The file is validated when it is read, so a typo (a missing Chinese title, points written as a
string, an exercise id that does not belong to its lesson) is reported with where it is, instead
of surfacing later as a wrong grade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COURSE_DIR = Path(__file__).resolve().parent
SYLLABUS_PATH = COURSE_DIR / "syllabus.yml"
LANGUAGES = ("en", "zh")

LESSON_ID = re.compile(r"^(\d\d)_[a-z][a-z0-9_]*$")
EXERCISE_ID = re.compile(r"^(\d\d)\.(\d+)$")


class SyllabusError(ValueError):
    """The syllabus file does not follow the schema (the message says where)."""


@dataclass(frozen=True)
class Exercise:
    id: str
    points: int
    title: dict[str, str]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: dict[str, str]
    objectives: dict[str, list[str]]
    exercises: tuple[Exercise, ...]

    @property
    def number(self) -> str:
        """The two digits that start the lesson id and its exercise ids (``"01"``)."""
        return self.id[:2]

    @property
    def max_points(self) -> int:
        return sum(e.points for e in self.exercises)


@dataclass(frozen=True)
class Syllabus:
    lessons: tuple[Lesson, ...]

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson with this id (``KeyError`` naming the known ids otherwise)."""
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(f"no lesson {lesson_id!r} in the syllabus; known: {self.lesson_ids()}")

    def lesson_ids(self) -> list[str]:
        return [lesson.id for lesson in self.lessons]

    def lesson_of(self, exercise_id: str) -> Lesson | None:
        """The lesson whose number prefixes ``exercise_id`` (``"01.4"`` -> ``01_tensors``)."""
        for lesson in self.lessons:
            if exercise_id.split(".")[0] == lesson.number:
                return lesson
        return None

    def exercise(self, exercise_id: str) -> Exercise | None:
        for lesson in self.lessons:
            for exercise in lesson.exercises:
                if exercise.id == exercise_id:
                    return exercise
        return None


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise SyllabusError(f"{where}: needs exactly the languages {list(LANGUAGES)}: {value!r}")
    for lang, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise SyllabusError(f"{where}.{lang}: must be a non-empty string, got {text!r}")
    return dict(value)


def _objectives(value: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise SyllabusError(f"{where}: needs exactly the languages {list(LANGUAGES)}: {value!r}")
    for lang, items in value.items():
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise SyllabusError(f"{where}.{lang}: must be a list of non-empty strings")
    return {lang: list(items) for lang, items in value.items()}


def _exercise(raw: Any, lesson_number: str, where: str) -> Exercise:
    if not isinstance(raw, dict) or set(raw) != {"id", "points", "title"}:
        raise SyllabusError(f"{where}: needs exactly the keys id, points, title: {raw!r}")
    exercise_id = raw["id"]
    match = EXERCISE_ID.match(exercise_id) if isinstance(exercise_id, str) else None
    if match is None:
        raise SyllabusError(f"{where}.id: {exercise_id!r} is not like '01.4' (quote it in YAML)")
    if match.group(1) != lesson_number:
        raise SyllabusError(f"{where}.id: {exercise_id!r} must start with {lesson_number}.")
    points = raw["points"]
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise SyllabusError(f"{where}.points: must be a positive integer, got {points!r}")
    return Exercise(exercise_id, points, _texts(raw["title"], f"{where}.title"))


def _lesson(raw: Any, where: str) -> Lesson:
    keys = {"id", "title", "objectives", "exercises"}
    if not isinstance(raw, dict) or set(raw) != keys:
        raise SyllabusError(f"{where}: needs exactly the keys {sorted(keys)}: {raw!r}")
    lesson_id = raw["id"]
    match = LESSON_ID.match(lesson_id) if isinstance(lesson_id, str) else None
    if match is None:
        raise SyllabusError(f"{where}.id: {lesson_id!r} is not like '01_tensors'")
    if not isinstance(raw["exercises"], list):
        raise SyllabusError(f"{where}.exercises: must be a list")
    exercises = tuple(
        _exercise(e, match.group(1), f"{where}.exercises[{i}]")
        for i, e in enumerate(raw["exercises"])
    )
    return Lesson(
        lesson_id,
        _texts(raw["title"], f"{where}.title"),
        _objectives(raw["objectives"], f"{where}.objectives"),
        exercises,
    )


def parse_syllabus(data: Any) -> Syllabus:
    """Validate the loaded YAML document and return it as a :class:`Syllabus`."""
    if not isinstance(data, dict) or set(data) != {"lessons"} or not isinstance(
        data["lessons"], list
    ):
        raise SyllabusError("the syllabus must be a mapping with one key, lessons: [...]")
    lessons = tuple(_lesson(raw, f"lessons[{i}]") for i, raw in enumerate(data["lessons"]))
    seen: set[str] = set()
    for lesson in lessons:
        ids = [lesson.id, lesson.number] + [e.id for e in lesson.exercises]
        for key in ids:
            if key in seen:
                raise SyllabusError(f"{key!r} appears twice (lesson ids, numbers and exercises)")
            seen.add(key)
    return Syllabus(lessons)


def load_syllabus(path: str | Path | None = None) -> Syllabus:
    """Read and validate the syllabus (default: ``course/syllabus.yml``)."""
    import yaml  # only here: importing the course must not need YAML until it is read

    path = Path(path) if path is not None else SYLLABUS_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SyllabusError(f"{path}: not valid YAML: {exc}") from None
    try:
        return parse_syllabus(data)
    except SyllabusError as exc:
        raise SyllabusError(f"{path}: {exc}") from None
