"""``python -m course release``: build the learner notebooks in ``lessons/`` from the sources.

For every ``course/lessons/NN_name.py`` and each language, the learner notebook is built
(solutions replaced by stubs, instructor cells and the other language's prose dropped), executed
in ``lessons/<lang>/`` with nbclient so that its teaching outputs (printed tensors, plots, the
checks saying "not attempted yet") are stored, sanitized, and written with sorted keys and
stable cell ids: releasing twice gives byte-identical files.

``--check`` rebuilds without executing and compares everything but the outputs with what is
committed (nbval then checks the outputs by re-running the notebooks). ``--solutions DIR``
writes executed solution versions, for testing the solutions with nbval.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

from course._execute import (
    COURSE_DIR,
    REPO_ROOT,
    SANITIZE_FILE,
    execute_notebook,
    read_sanitize_patterns,
    sanitize_notebook,
)
from course._source import LANGUAGES, LessonSource, build_notebook, find_sources

SOURCES_DIR = COURSE_DIR / "lessons"
OUT_DIR = REPO_ROOT / "lessons"


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The exact text written for a notebook (validated; sorted keys; final newline)."""
    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def _selected(sources: list[LessonSource], only: Iterable[str] | None) -> list[LessonSource]:
    if not only:
        return sources
    wanted = set(only)
    unknown = wanted - {s.lesson_id for s in sources} - {s.lesson_id[:2] for s in sources}
    if unknown:
        raise SystemExit(f"release: no lesson source for {sorted(unknown)}")
    return [s for s in sources if s.lesson_id in wanted or s.lesson_id[:2] in wanted]


def build_executed(
    source: LessonSource,
    lang: str,
    cwd: Path,
    solution: bool = False,
    sanitize_file: Path = SANITIZE_FILE,
    timeout: int = 120,
) -> str:
    """Build, execute (in ``cwd``) and sanitize one notebook; return its text."""
    nb = build_notebook(source, lang, solution=solution)
    cwd.mkdir(parents=True, exist_ok=True)
    execute_notebook(nb, cwd, timeout=timeout)
    sanitize_notebook(nb, read_sanitize_patterns(sanitize_file))
    return notebook_text(nb)


def release(
    sources_dir: Path = SOURCES_DIR,
    out_dir: Path = OUT_DIR,
    only: Iterable[str] | None = None,
    solution: bool = False,
    sanitize_file: Path = SANITIZE_FILE,
    timeout: int = 120,
    log=print,
) -> list[Path]:
    """Write ``out_dir/<lang>/<lesson>.ipynb`` for every source; return the paths written.

    Without ``only``, notebooks in ``out_dir/<lang>/`` that no source produces are removed.
    """
    sources = find_sources(sources_dir)
    written = []
    for source in _selected(sources, only):
        for lang in LANGUAGES:
            path = out_dir / lang / f"{source.lesson_id}.ipynb"
            log(f"release: {path}")
            text = build_executed(source, lang, path.parent, solution, sanitize_file, timeout)
            _write_if_changed(path, text)
            written.append(path)
    if not only:
        for stale in _stale(sources, out_dir):
            log(f"release: removing {stale} (no source)")
            stale.unlink()
    return written


def _stale(sources: list[LessonSource], out_dir: Path) -> list[Path]:
    expected = {f"{s.lesson_id}.ipynb" for s in sources}
    return sorted(
        p for lang in LANGUAGES for p in (out_dir / lang).glob("*.ipynb") if p.name not in expected
    )


def _structure(nb: nbformat.NotebookNode) -> dict:
    """The notebook without outputs and execution counts (what --check compares)."""
    data = json.loads(nbformat.writes(nb, version=4))
    for cell in data["cells"]:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return data


def _difference(committed: dict, expected: dict) -> str:
    if committed["metadata"] != expected["metadata"]:
        return "notebook metadata differs"
    for index, (a, b) in enumerate(zip(committed["cells"], expected["cells"])):
        if a != b:
            return f"cell {index} ({b.get('id')}) differs"
    return f"{len(committed['cells'])} cells, expected {len(expected['cells'])}"


def check_release(sources_dir: Path = SOURCES_DIR, out_dir: Path = OUT_DIR) -> list[str]:
    """Problems that make ``out_dir`` differ from what release would write (empty: in sync)."""
    sources = find_sources(sources_dir)
    problems = []
    for source in sources:
        for lang in LANGUAGES:
            path = out_dir / lang / f"{source.lesson_id}.ipynb"
            expected = _structure(build_notebook(source, lang))  # a broken source raises here
            if not path.exists():
                problems.append(f"{path}: missing")
                continue
            try:
                committed = nbformat.read(path, as_version=4)
            except Exception as exc:  # any unreadable file is simply out of date
                problems.append(f"{path}: unreadable ({exc})")
                continue
            found = _structure(committed)
            if found != expected:
                problems.append(f"{path}: out of date: {_difference(found, expected)}")
            elif any(
                c.cell_type == "code" and c.source.strip() and c.execution_count is None
                for c in committed.cells
            ):
                problems.append(f"{path}: not executed (outputs missing)")
    problems += [f"{p}: no source produces it" for p in _stale(sources, out_dir)]
    return problems


def main(args) -> int:
    """Entry point of ``python -m course release`` (``args`` from ``course.cli``)."""
    sources_dir = Path(args.course_dir) / "lessons" if args.course_dir else SOURCES_DIR
    if args.check:
        out_dir = Path(args.out) if args.out else OUT_DIR
        problems = check_release(sources_dir, out_dir)
        for problem in problems:
            print(problem)
        if problems:
            print("release --check: lessons/ is out of date; run: python -m course release")
            return 1
        print(f"release --check: {out_dir} is up to date")
        return 0
    if args.solutions:
        release(sources_dir, Path(args.solutions), args.only, solution=True, timeout=args.timeout)
    else:
        out_dir = Path(args.out) if args.out else OUT_DIR
        release(sources_dir, out_dir, args.only, timeout=args.timeout)
    sys.stdout.flush()
    return 0
