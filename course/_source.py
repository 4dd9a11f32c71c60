"""Lesson sources (jupytext percent scripts) and the notebooks built from them.

A source is ``course/lessons/NN_name.py``. Cell metadata in each ``# %%`` header drives the
build (course/README.md has the full rules):

- ``lang="en"`` / ``lang="zh"``: the cell goes to that language only (no ``lang``: both);
- ``tags=["instructor"]``: dropped from learner versions (kept in solution versions);
- ``tags=["exercise"] exercise="01.4"``: ``### BEGIN SOLUTION`` ... ``### END SOLUTION``
  regions become the ``# STUB: <code>`` lines written in them (default: raise
  NotImplementedError naming the exercise);
- ``tags=["check"]``: holds exactly one ``check("01.4", ...)`` call.

Building is pure (no kernel): the release builder executes the result afterwards, and the
grader compares submissions with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

LANGUAGES = ("en", "zh")
BEGIN, END, STUB = "### BEGIN SOLUTION", "### END SOLUTION", "# STUB:"
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']*)["']""")
EXERCISE_ID = re.compile(r"^\d\d\.\d+$")
PROGRESS_CALL = re.compile(r"^\s*progress\(", re.MULTILINE)
IMPORTS_CHECK = re.compile(r"^\s*from course import [^\n]*\bcheck\b", re.MULTILINE)
#: Cell metadata kept in the notebooks (jupytext's layout hints and ``lang`` are dropped).
KEPT_METADATA = ("tags", "exercise")

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}
LANGUAGE_CELL = {
    "zh": '# 本课的检查结果同时显示中文。 Checks in this lesson also answer in Chinese.\n'
    "import course\n\ncourse.set_language(\"zh\")",
}


class SourceError(ValueError):
    """A lesson source breaks the authoring rules (the message names the lesson and cell)."""


@dataclass(frozen=True)
class LessonSource:
    lesson_id: str  # the file stem, e.g. "01_tensors"
    path: Path
    cells: tuple[nbformat.NotebookNode, ...]


def read_source(path: str | Path) -> LessonSource:
    """Parse a percent-format lesson script."""
    import jupytext

    path = Path(path)
    notebook = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    return LessonSource(path.stem, path, tuple(notebook.cells))


def find_sources(lessons_dir: str | Path) -> list[LessonSource]:
    """Every ``NN_name.py`` in ``lessons_dir``, in lesson order."""
    return [read_source(p) for p in sorted(Path(lessons_dir).glob("[0-9][0-9]_*.py"))]


def check_ids(source: str) -> list[str]:
    """The exercise ids in the ``check("...", ...)`` calls of a cell's source."""
    return CHECK_CALL.findall(source)


def _replace_regions(source: str, exercise_id: str, solution: bool, where: str) -> str:
    """Learner version: each solution region becomes its stub. Solution: markers removed."""
    lines, out, regions = source.split("\n"), [], 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == END:
            raise SourceError(f"{where}: {END!r} without {BEGIN!r}")
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        try:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() in (BEGIN, END))
        except StopIteration:
            raise SourceError(f"{where}: {BEGIN!r} without {END!r}") from None
        if lines[end].strip() == BEGIN:
            raise SourceError(f"{where}: solution regions can't nest")
        region = lines[i + 1 : end]
        stubs = [r.strip()[len(STUB) :] for r in region if r.strip().startswith(STUB)]
        stubs = [s[1:] if s.startswith(" ") else s for s in stubs]
        if solution:
            out += [r for r in region if not r.strip().startswith(STUB)]
        elif stubs:
            out += [indent + s for s in stubs]
        elif indent:
            out.append(
                f'{indent}raise NotImplementedError("Exercise {exercise_id}: '
                'see the instructions above")'
            )
        else:  # raising at top level would stop a fresh notebook: the author must choose
            raise SourceError(
                f"{where}: a top-level solution region needs '# STUB: ...' lines "
                "(e.g. '# STUB: answer = None')"
            )
        regions += 1
        i = end + 1
    if regions == 0:
        raise SourceError(f"{where}: an exercise cell needs a {BEGIN!r} ... {END!r} region")
    return "\n".join(out)


def _cell_source(cell: nbformat.NotebookNode, solution: bool, where: str) -> str:
    tags = cell.metadata.get("tags", [])
    has_markers = any(line.strip() in (BEGIN, END) for line in cell.source.split("\n"))
    if "exercise" in tags:  # its id was validated by _validate
        exercise_id = cell.metadata["exercise"]
        return _replace_regions(cell.source, exercise_id, solution, f"{where} ({exercise_id})")
    if has_markers:
        raise SourceError(f'{where}: solution markers in a cell not tagged "exercise"')
    return cell.source


def _validate(source: LessonSource) -> None:
    """Rules that span cells: exercises and checks pair up; the first code cell imports check."""
    exercises, checks = [], []
    for index, cell in enumerate(source.cells):
        where = f"{source.path.name}, cell {index}"
        lang = cell.metadata.get("lang")
        if lang is not None and lang not in LANGUAGES:
            raise SourceError(f"{where}: lang must be one of {LANGUAGES}, got {lang!r}")
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code":
            continue
        if "exercise" in tags:
            exercise_id = cell.metadata.get("exercise")
            if not isinstance(exercise_id, str) or not EXERCISE_ID.match(exercise_id):
                raise SourceError(
                    f'{where}: an exercise cell needs exercise="NN.n", got {exercise_id!r}'
                )
            exercises.append(exercise_id)
        if "check" in tags:
            ids = check_ids(cell.source)
            if len(ids) != 1:
                raise SourceError(f"{where}: a check cell needs exactly one check(...), got {ids}")
            checks.append(ids[0])
    for label, ids in (("exercise cells", exercises), ("check cells", checks)):
        if len(set(ids)) != len(ids):
            raise SourceError(f"{source.path.name}: duplicate ids among the {label}: {ids}")
    if set(exercises) != set(checks):
        raise SourceError(
            f"{source.path.name}: exercise cells {sorted(exercises)} and check cells "
            f"{sorted(checks)} must name the same exercises"
        )
    code = [c for c in source.cells if c.cell_type == "code"]
    if checks and not IMPORTS_CHECK.search(code[0].source):
        raise SourceError(
            f"{source.path.name}: the first code cell must 'from course import check'"
        )


def notebook_metadata(lesson_id: str, lang: str, solution: bool) -> dict:
    return {
        "autograd_lab": {
            "lang": lang,
            "lesson": lesson_id,
            "version": "solution" if solution else "learner",
        },
        "kernelspec": dict(KERNELSPEC),
        "language_info": dict(LANGUAGE_INFO),
    }


def build_notebook(
    source: LessonSource, lang: str, solution: bool = False
) -> nbformat.NotebookNode:
    """The learner (or solution) notebook for one language, not executed.

    Cell ids are ``<lesson>-<lang>-<source cell index>``, so the same cell keeps its id in
    every build, and the grader can tell a moved cell from a new one.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    _validate(source)
    cells = []
    for index, cell in enumerate(source.cells):
        tags = list(cell.metadata.get("tags", []))
        if cell.metadata.get("lang", lang) != lang or ("instructor" in tags and not solution):
            continue
        where = f"{source.path.name}, cell {index}"
        text = _cell_source(cell, solution, where) if cell.cell_type == "code" else cell.source
        metadata = {k: cell.metadata[k] for k in KEPT_METADATA if k in cell.metadata}
        cell_id = f"{source.lesson_id}-{lang}-{index:03d}"
        if cell.cell_type == "code":
            if PROGRESS_CALL.search(text) and "nbval-ignore-output" not in tags:
                # progress() shows the learner's own progress file: not reproducible output
                metadata["tags"] = tags + ["nbval-ignore-output"]
            if "check" in tags:  # JupyterLab keeps check cells read-only and undeletable
                metadata.update(editable=False, deletable=False)
            new = nbformat.v4.new_code_cell(text, metadata=metadata, id=cell_id)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(text, metadata=metadata, id=cell_id)
        else:
            new = nbformat.v4.new_raw_cell(text, metadata=metadata, id=cell_id)
        cells.append(new)
    if lang in LANGUAGE_CELL:
        first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
        setup = nbformat.v4.new_code_cell(
            LANGUAGE_CELL[lang],
            metadata={"tags": ["language"]},
            id=f"{source.lesson_id}-{lang}-lang",
        )
        cells.insert(first_code, setup)
    notebook = nbformat.v4.new_notebook(
        cells=cells, metadata=notebook_metadata(source.lesson_id, lang, solution)
    )
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    return notebook
