"""``python -m course grade PATH``: run submissions headless and score them by the syllabus.

For each notebook (PATH itself, or every ``*.ipynb`` under the folder PATH):

1. tell which lesson it is (notebook metadata, else its file name, else its check calls);
2. compare its check cells with the released lesson's, by exercise id: a deleted check cell
   scores 0, an edited one scores 0 with a note; deleted and reordered cells are reported;
3. run it with nbclient (``_runner``): errors don't stop it, endless cells are interrupted,
   a dead kernel ends the run, and what ran is graded;
4. read the check records (MIME ``application/vnd.autograd-lab.check+json``) from the intact
   check cells only, so a record printed elsewhere counts for nothing;
5. score each exercise with its syllabus points.

Then write a terminal table, ``grades.json`` and ``report.html`` to ``--out``. Exit status 0
however low the scores; 1 only when the grader itself failed (the reports say where).
"""

from __future__ import annotations

import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from course._report import write_reports
from course._runner import KernelStartError, describe, run_submission
from course._source import LANGUAGES, LessonSource, build_notebook, check_ids, read_source
from course._syllabus import COURSE_DIR, Lesson, Syllabus, load_syllabus
from course.checks._framework import CHECK_MIME


@dataclass
class ExerciseGrade:
    id: str
    title: str
    max_points: int
    points: int = 0
    status: str = "not_run"  # passed, hint, error, not_attempted, not_run, deleted, edited
    message: str = ""


@dataclass
class Submission:
    path: str
    student: str
    lesson: str | None = None
    lang: str = "en"
    exercises: list[ExerciseGrade] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    grader_error: str | None = None

    @property
    def points(self) -> int:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> int:
        return sum(e.max_points for e in self.exercises)

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(points=self.points, max_points=self.max_points)
        return data


def _normalize(source: str) -> str:
    """Compare cells modulo trailing whitespace (editors add and strip it)."""
    return "\n".join(line.rstrip() for line in source.strip().split("\n"))


def identify_lesson(nb: nbformat.NotebookNode | None, path: Path, syllabus: Syllabus) -> str | None:
    """The lesson id of a submission, or None if nothing tells."""
    known = syllabus.lesson_ids()
    if nb is not None:
        meta = nb.metadata.get("autograd_lab", {})
        if isinstance(meta, dict) and meta.get("lesson") in known:
            return meta["lesson"]
    for lesson_id in known:
        if path.stem.startswith(lesson_id):
            return lesson_id
    if nb is not None:
        numbers = {i.split(".")[0] for c in nb.cells if c.cell_type == "code"
                   for i in check_ids(c.source)}
        matches = [lid for lid in known if lid[:2] in numbers]
        if len(matches) == 1:
            return matches[0]
    return None


def _check_cells(
    nb: nbformat.NotebookNode, reference: nbformat.NotebookNode, lesson: Lesson,
    grades: dict[str, ExerciseGrade], issues: list[str],
) -> dict[str, int]:
    """Match check cells by exercise id; mark deleted/edited ones. Returns id -> intact cell."""
    checks = [c for c in reference.cells if "check" in c.metadata.get("tags", [])]
    expected = {check_ids(c.source)[0]: _normalize(c.source) for c in checks}
    expected_ids = {check_ids(c.source)[0]: c.id for c in checks}
    intact: dict[str, int] = {}
    found_order = []
    for exercise in lesson.exercises:
        candidates = [i for i, c in enumerate(nb.cells)
                      if c.cell_type == "code" and exercise.id in check_ids(c.source)]
        grade = grades[exercise.id]
        if exercise.id not in expected:
            continue  # the lesson source has no check for it: nothing to compare with
        exact = [i for i in candidates if _normalize(nb.cells[i].source) == expected[exercise.id]]
        if exact:
            # a copy of the check in a scratch cell is fine; the original cell (by id) counts
            same_id = [i for i in exact if nb.cells[i].get("id") == expected_ids[exercise.id]]
            intact[exercise.id] = (same_id or exact)[-1]
            found_order.append((intact[exercise.id], exercise.id))
        elif candidates:
            grade.status = "edited"
            grade.message = ("the check cell was edited, so this exercise scores 0 "
                             "(restore the original check cell and run it again)")
            found_order.append((candidates[0], exercise.id))
        else:
            grade.status = "deleted"
            grade.message = "the check cell was deleted, so this exercise scores 0"
    reference_order = [check_ids(c.source)[0] for c in checks]
    submitted_order = [eid for _, eid in sorted(found_order)]
    if submitted_order != [e for e in reference_order if e in submitted_order]:
        issues.append(f"check cells are in a different order: {', '.join(submitted_order)}")
    return intact


def _cell_changes(nb: nbformat.NotebookNode, reference: nbformat.NotebookNode) -> list[str]:
    """Deleted and reordered cells, found by the stable cell ids release gives every cell."""
    ids = [c.get("id") for c in nb.cells]
    reference_ids = [c.id for c in reference.cells]
    issues = []
    deleted = [i for i in reference_ids if i not in ids]
    if deleted and len(deleted) < len(reference_ids):  # all gone: ids were rewritten, not cells
        count = f"{len(deleted)} cell{'' if len(deleted) == 1 else 's'}"
        issues.append(f"{count} of the lesson deleted ({', '.join(deleted)})")
    kept = [i for i in ids if i in reference_ids]
    in_order = [i for i in reference_ids if i in kept]
    if kept != in_order:
        moved = next(a for a, b in zip(kept, in_order) if a != b)
        issues.append(f"cells were reordered: {describe(nb, ids.index(moved))} is out of place")
    return issues


def _collect(nb, intact, run, grades) -> None:
    """Statuses from the check records of the intact check cells."""
    for exercise_id, index in intact.items():
        grade = grades[exercise_id]
        records = [o.data[CHECK_MIME] for o in nb.cells[index].get("outputs", [])
                   if "data" in o and isinstance(o.data.get(CHECK_MIME), dict)]
        records = [r for r in records if r.get("id") == exercise_id]
        if records:
            grade.status = str(records[-1].get("status", "error"))
            grade.message = str(records[-1].get("message", ""))
        elif index in run.errors:
            grade.status = "error"
            grade.message = f"the check cell raised {run.errors[index]}"
        else:
            grade.status = "not_run"
            grade.message = "the check cell did not run"
        if grade.status == "passed":
            grade.points = grade.max_points


def grade_notebook(
    path: Path, student: str, syllabus: Syllabus, sources: dict[str, LessonSource],
    cell_timeout: int, notebook_timeout: int, kernel: str,
) -> Submission:
    """Grade one notebook. Learner faults become issues; grader faults propagate."""
    submission = Submission(str(path), student)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook: the learner's file, not our fault
        nb = None
        submission.issues.append(f"not a readable notebook ({type(exc).__name__}: {exc})")
    lesson_id = identify_lesson(nb, path, syllabus)
    if lesson_id is None:
        submission.issues.append("can't tell which lesson this notebook is; nothing graded")
        return submission
    lesson = syllabus.lesson(lesson_id)
    submission.lesson = lesson_id
    grades = {e.id: ExerciseGrade(e.id, e.title["en"], e.points) for e in lesson.exercises}
    submission.exercises = list(grades.values())
    if nb is None:
        return submission
    lang = nb.metadata.get("autograd_lab", {}).get("lang", "en")
    submission.lang = lang if lang in LANGUAGES else "en"
    if lesson_id not in sources:
        raise FileNotFoundError(f"no lesson source for {lesson_id} in the course folder")
    reference = build_notebook(sources[lesson_id], submission.lang)
    intact = _check_cells(nb, reference, lesson, grades, submission.issues)
    submission.issues += _cell_changes(nb, reference)
    run = run_submission(nb, path.parent.resolve(), cell_timeout, notebook_timeout, kernel)
    submission.issues += run.issues
    _collect(nb, intact, run, grades)
    return submission


def find_notebooks(path: Path) -> list[Path]:
    """``path`` itself, or every notebook under it (not checkpoints), sorted."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _student(path: Path, root: Path) -> str:
    if root.is_file():
        return path.stem
    relative = path.relative_to(root)
    return relative.parts[0] if len(relative.parts) > 1 else path.stem


def main(args) -> int:
    """Entry point of ``python -m course grade`` (``args`` from ``course.cli``)."""
    from course.cli import UsageError

    root = Path(args.path)
    if not root.exists():
        raise UsageError(f"no such file or folder: {root}")
    notebooks = find_notebooks(root)
    if not notebooks:
        raise UsageError(f"no notebooks (*.ipynb) in {root}")
    course_dir = Path(args.course_dir) if args.course_dir else COURSE_DIR
    syllabus = load_syllabus(course_dir / "syllabus.yml")
    sources = {p.stem: read_source(p) for p in sorted((course_dir / "lessons").glob("[0-9]*.py"))}
    submissions, faults = [], 0
    for path in notebooks:
        print(f"grade: {path}", flush=True)
        try:
            submission = grade_notebook(path, _student(path, root), syllabus, sources,
                                        args.timeout_cell, args.timeout_notebook, args.kernel)
        except KernelStartError as exc:
            submission, faults = Submission(str(path), _student(path, root)), faults + 1
            submission.grader_error = str(exc)
        except Exception as exc:  # a bug or a broken course: say so, keep grading the others
            submission, faults = Submission(str(path), _student(path, root)), faults + 1
            submission.grader_error = "".join(traceback.format_exception_only(exc)).strip()
            traceback.print_exc()
        submissions.append(submission)
    write_reports(submissions, Path(args.out), args)
    return 1 if faults else 0

