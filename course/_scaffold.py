"""``python -m course new-lesson NAME``: scaffold the next lesson.

Creates ``lessons/NN_name.py`` (both languages' headings, one example exercise and its check
cell), ``checks/lNN_name.py`` (the example's checker) and appends the lesson to
``syllabus.yml``, all inside the course folder. Refuses to overwrite anything, and leaves the
syllabus as it was if the result would not validate.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from course._syllabus import COURSE_DIR, load_syllabus

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def next_number(course_dir: Path) -> int:
    """One more than the highest lesson number among the sources and the syllabus."""
    numbers = [int(p.name[:2]) for p in (course_dir / "lessons").glob("[0-9][0-9]_*.py")]
    numbers += [int(lid[:2]) for lid in load_syllabus(course_dir / "syllabus.yml").lesson_ids()]
    return max(numbers, default=-1) + 1


def scaffold(name: str, course_dir: Path = COURSE_DIR) -> list[Path]:
    """Create the lesson's files and syllabus entry; return the paths created or changed."""
    from course.cli import UsageError

    if not NAME.match(name) or len(name) > 40:
        raise UsageError(
            f"lesson name {name!r}: use lower-case words joined by _ (e.g. data_loading), "
            "at most 40 characters"
        )
    existing = [p.name for p in (course_dir / "lessons").glob(f"[0-9][0-9]_{name}.py")]
    if existing:
        raise UsageError(f"a lesson named {name!r} exists already: {existing[0]}")
    number = next_number(course_dir)
    if number > 99:
        raise UsageError("lesson numbers have two digits: there is no room for lesson 100")
    values = {
        "number": f"{number:02d}",
        "lesson_id": f"{number:02d}_{name}",
        "title": name.replace("_", " ").capitalize(),
    }
    lesson = course_dir / "lessons" / f"{values['lesson_id']}.py"
    checks = course_dir / "checks" / f"l{values['lesson_id']}.py"
    syllabus = course_dir / "syllabus.yml"
    for path in (lesson, checks):
        if path.exists():
            raise UsageError(f"{path} exists already; not overwriting it")

    def render(template: str) -> str:
        return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)

    original = syllabus.read_text(encoding="utf-8")
    separator = "" if original.endswith("\n") else "\n"
    syllabus.write_text(original + separator + render("syllabus_entry.yml.tmpl"), encoding="utf-8")
    try:
        load_syllabus(syllabus)
    except Exception:
        syllabus.write_text(original, encoding="utf-8")  # leave the syllabus as it was
        raise
    lesson.parent.mkdir(parents=True, exist_ok=True)
    checks.parent.mkdir(parents=True, exist_ok=True)
    lesson.write_text(render("lesson.py.tmpl"), encoding="utf-8")
    checks.write_text(render("checks.py.tmpl"), encoding="utf-8")
    return [lesson, checks, syllabus]


def main(args) -> int:
    """Entry point of ``python -m course new-lesson``."""
    course_dir = Path(args.course_dir) if args.course_dir else COURSE_DIR
    created = scaffold(args.name, course_dir)
    lesson_id = created[0].stem
    for path in created:
        print(f"new-lesson: wrote {path}")
    print(
        "Next:\n"
        f"  1. add l{lesson_id} to the imports in course/checks/__init__.py;\n"
        f"  2. write the lesson in {created[0]} and its checks in {created[1]};\n"
        "  3. update its syllabus entry (titles, objectives, exercises, points);\n"
        f"  4. python -m course release --only {lesson_id[:2]}"
    )
    return 0
