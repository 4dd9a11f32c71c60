"""``python -m course``: the command line of the course machinery.

Subcommands: ``release`` (build lessons/), ``grade`` (score submissions), ``status`` (a
learner's progress) and ``new-lesson`` (scaffold a lesson). Exit status: 0 on success, 1 when a
command could not do its job (a broken source, a stale lessons/ for ``release --check``, a grader
fault), 2 for a usage error. Low grades are not errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

COURSE_HELP = (
    "a course folder holding lessons/*.py and syllabus.yml (default: the course package; "
    "the tests use a fixture course)"
)


class UsageError(Exception):
    """A command-line mistake found after parsing (exit status 2): a missing path, a bad name."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="build the learner notebooks in lessons/")
    release.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    release.add_argument("--solutions", metavar="DIR", help="write executed solutions to DIR")
    release.add_argument("--out", metavar="DIR", help="output folder (default: lessons/)")
    release.add_argument("--only", nargs="+", metavar="LESSON", help="lesson ids or numbers")
    release.add_argument("--course-dir", metavar="DIR", help=COURSE_HELP)
    release.add_argument("--timeout", type=int, default=120, help="seconds per cell (120)")

    grade = commands.add_parser("grade", help="grade a notebook or a folder of notebooks")
    grade.add_argument("path", help="a submitted notebook, or a folder searched recursively")
    grade.add_argument("--out", metavar="DIR", default="grades", help="reports go here (grades/)")
    grade.add_argument("--timeout-cell", type=int, default=60, metavar="S", help="per cell (60)")
    grade.add_argument(
        "--timeout-notebook", type=int, default=300, metavar="S", help="per notebook (300)"
    )
    grade.add_argument("--course-dir", metavar="DIR", help=COURSE_HELP)
    grade.add_argument("--kernel", default="python3", help="kernel name (python3)")

    status = commands.add_parser("status", help="show a learner's progress")
    status.add_argument("--file", metavar="PATH", help="progress file (default: the learner's)")
    status.add_argument("--lang", choices=["en", "zh"], default="en")
    status.add_argument("--detail", action="store_true", help="one line per exercise")
    status.add_argument("--course-dir", metavar="DIR", help=COURSE_HELP)

    new = commands.add_parser("new-lesson", help="scaffold course/lessons/NN_name.py")
    new.add_argument("name", help="lower-case words joined by _, e.g. data_loading")
    new.add_argument("--course-dir", metavar="DIR", help=COURSE_HELP)
    return parser


def _syllabus_path(args: argparse.Namespace) -> Path | None:
    return Path(args.course_dir) / "syllabus.yml" if args.course_dir else None


def _status(args: argparse.Namespace) -> int:
    from course._progress import load_progress, progress_path, render_text, summarize
    from course._syllabus import load_syllabus

    path = Path(args.file) if args.file else progress_path()
    rows = summarize(load_syllabus(_syllabus_path(args)), load_progress(path), args.lang)
    print(f"Progress file: {path}{'' if path.exists() else ' (none yet)'}")
    print(render_text(rows, detail=args.detail, lang=args.lang))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; return the exit status."""
    args = _parser().parse_args(argv)
    from course._execute import ExecutionError
    from course._source import SourceError
    from course._syllabus import SyllabusError

    try:
        if args.command == "release":
            from course import release

            return release.main(args)
        if args.command == "grade":
            from course import grade

            return grade.main(args)
        if args.command == "status":
            return _status(args)
        from course import _scaffold

        return _scaffold.main(args)
    except (SourceError, SyllabusError, ExecutionError, UsageError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
