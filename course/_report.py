"""The grader's outputs: a terminal table, ``grades.json`` and an HTML feedback report.

Everything a learner wrote (file names, hint texts quoting their values) is escaped in the HTML.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from course._progress import display_width

if TYPE_CHECKING:
    from course.grade import Submission

TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.html"
STATUS_TEXT = {
    "passed": "passed",
    "hint": "not yet",
    "error": "error",
    "not_attempted": "not attempted",
    "not_run": "did not run",
    "deleted": "check cell deleted",
    "edited": "check cell edited",
}


def _percent(points: int, max_points: int) -> str:
    return f"{100 * points / max_points:.0f}%" if max_points else "-"


def table(submissions: list[Submission]) -> str:
    """The terminal table: one row per notebook, then its issues indented below it."""
    header = ["student", "notebook", "lesson", "points", "%", "passed"]
    rows = []
    for s in submissions:
        passed = sum(e.status == "passed" for e in s.exercises)
        rows.append([
            s.student, Path(s.path).name, s.lesson or "?", f"{s.points}/{s.max_points}",
            _percent(s.points, s.max_points), f"{passed}/{len(s.exercises)}",
        ])
    widths = [max(display_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - display_width(c)) for c, w in zip(cells, widths)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    for s, row in zip(submissions, rows):
        out.append(line(row))
        notes = ([f"GRADER ERROR: {s.grader_error}"] if s.grader_error else []) + s.issues
        notes += [f"{e.id}: {STATUS_TEXT.get(e.status, e.status)}" for e in s.exercises
                  if e.status in ("deleted", "edited")]
        out += [f"    ! {note}" for note in notes]
    return "\n".join(out)


def to_json(submissions: list[Submission], args) -> dict:
    return {
        "settings": {"timeout_cell": args.timeout_cell, "timeout_notebook": args.timeout_notebook,
                     "kernel": args.kernel},
        "submissions": [s.to_json() for s in submissions],
    }


def _section(s: Submission) -> str:
    e = html.escape
    rows = "".join(
        f'<tr class="{e(x.status)}"><td>{e(x.id)}</td><td>{e(x.title)}</td>'
        f"<td>{e(STATUS_TEXT.get(x.status, x.status))}</td><td>{x.points}/{x.max_points}</td>"
        f"<td>{e(x.message)}</td></tr>"
        for x in s.exercises
    )
    notes = ([f"Grader error: {s.grader_error}"] if s.grader_error else []) + s.issues
    issues = "".join(f"<li>{e(n)}</li>" for n in notes)
    return (
        f"<section><h2>{e(s.student)} — {e(Path(s.path).name)}</h2>"
        f"<p>Lesson {e(s.lesson or '?')} ({e(s.lang)}): <b>{s.points}/{s.max_points}</b> "
        f"({_percent(s.points, s.max_points)})</p>"
        + (f'<ul class="issues">{issues}</ul>' if issues else "")
        + "<table><tr><th>exercise</th><th>title</th><th>status</th><th>points</th>"
        f"<th>feedback</th></tr>{rows}</table></section>"
    )


def _summary(submissions: list[Submission]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s.student)}</td><td>{e(Path(s.path).name)}</td><td>{e(s.lesson or '?')}</td>"
        f"<td>{s.points}/{s.max_points}</td><td>{_percent(s.points, s.max_points)}</td>"
        f"<td>{len(s.issues) + bool(s.grader_error)}</td></tr>"
        for s in submissions
    )
    return (
        "<table><tr><th>student</th><th>notebook</th><th>lesson</th><th>points</th><th>%</th>"
        f"<th>issues</th></tr>{rows}</table>"
    )


def to_html(submissions: list[Submission]) -> str:
    template = Template(TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        summary=_summary(submissions), sections="\n".join(_section(s) for s in submissions)
    )


def write_reports(submissions: list[Submission], out_dir: Path, args) -> None:
    """Print the table and write ``grades.json`` and ``report.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    print(table(submissions))
    (out_dir / "grades.json").write_text(
        json.dumps(to_json(submissions, args), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    (out_dir / "report.html").write_text(to_html(submissions), encoding="utf-8")
    print(f"grade: wrote {out_dir / 'grades.json'} and {out_dir / 'report.html'}")
