"""Building learner and solution notebooks from a lesson source (no kernel involved)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from _course_helpers import FIXTURE_SOURCE

from course._source import SourceError, build_notebook, read_source
from course.release import notebook_text


@pytest.fixture(scope="module")
def source():
    return read_source(FIXTURE_SOURCE)


def all_text(nb) -> str:
    return "\n".join(cell.source for cell in nb.cells)


# (lang, solution, must contain, must not contain)
VERSIONS = [
    ("en", False,
     ['raise NotImplementedError("Exercise 90.1: see the instructions above")', "total = None",
      "Fixture lesson", "Shared prose", 'check("90.1", double)'],
     ["### BEGIN SOLUTION", "### END SOLUTION", "# STUB", "return t * 2", "x.sum()",
      "INSTRUCTOR", "测试课", "set_language"]),
    ("zh", False,
     ['raise NotImplementedError("Exercise 90.1', "total = None", "测试课", "Shared prose",
      'course.set_language("zh")'],
     ["### BEGIN SOLUTION", "# STUB", "return t * 2", "INSTRUCTOR", "Fixture lesson"]),
    ("en", True,
     ["return t * 2", "total = x.sum()", "INSTRUCTOR NOTE", "INSTRUCTOR CELL", "Fixture lesson"],
     ["### BEGIN SOLUTION", "### END SOLUTION", "# STUB", "NotImplementedError", "total = None",
      "测试课"]),
    ("zh", True,
     ["return t * 2", "total = x.sum()", "INSTRUCTOR CELL", "测试课", 'set_language("zh")'],
     ["### BEGIN SOLUTION", "# STUB", "NotImplementedError", "Fixture lesson"]),
]


@pytest.mark.parametrize("lang, solution, present, absent", VERSIONS)
def test_versions_keep_and_drop_the_right_text(source, lang, solution, present, absent):
    text = all_text(build_notebook(source, lang, solution))
    for snippet in present:
        assert snippet in text, f"{snippet!r} missing from the {lang} solution={solution} build"
    for snippet in absent:
        assert snippet not in text, f"{snippet!r} leaked into the {lang} solution={solution} build"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("solution", [False, True])
def test_notebook_shape(source, lang, solution):
    nb = build_notebook(source, lang, solution)
    nbformat.validate(nb)
    ids = [cell.id for cell in nb.cells]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(rf"90_fixture-{lang}-(\d{{3}}|lang)", i) for i in ids), ids
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["autograd_lab"] == {
        "lesson": "90_fixture", "lang": lang, "version": "solution" if solution else "learner"}
    for cell in nb.cells:
        assert "lang" not in cell.metadata and "lines_to_next_cell" not in cell.metadata
        tags = cell.metadata.get("tags", [])
        if "check" in tags:
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
        if "progress(" in cell.source:
            assert "nbval-ignore-output" in tags
    exercises = [c.metadata.get("exercise") for c in nb.cells if "exercise" in c.metadata]
    assert exercises == ["90.1", "90.2"]


def test_same_cell_keeps_its_id_across_versions(source):
    def check_ids(nb):
        return [c.id.split("-")[-1] for c in nb.cells if "check" in c.metadata.get("tags", [])]

    builds = [build_notebook(source, lang, sol) for lang in ("en", "zh") for sol in (False, True)]
    assert len({tuple(check_ids(nb)) for nb in builds}) == 1


def test_build_is_deterministic(source):
    first = notebook_text(build_notebook(source, "zh"))
    assert first == notebook_text(build_notebook(read_source(FIXTURE_SOURCE), "zh"))
    assert first.endswith("}\n") and '"nbformat_minor": 5' in first


HEADER = "# %%\nfrom course import check, progress\n\n"
EXERCISE = '# %% tags=["exercise"] exercise="01.1"\n'
CHECK = '# %% tags=["check"]\ncheck("01.1", f)\n'


def lesson(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "01_demo.py"
    path.write_text(header + body, encoding="utf-8")
    return path


STUB_CASES = [
    # indented region, several STUB lines keep their relative indentation
    ("def f(x):\n    ### BEGIN SOLUTION\n    # STUB: for _ in x:\n    # STUB:     pass\n"
     "    # STUB: return None\n    return 2 * x\n    ### END SOLUTION\n",
     "def f(x):\n    for _ in x:\n        pass\n    return None"),
    # code before and after the region stays; the default stub names the exercise
    ("def f(x):\n    y = x\n    ### BEGIN SOLUTION\n    y = y * 2\n    ### END SOLUTION\n"
     "    return y\n",
     'def f(x):\n    y = x\n    raise NotImplementedError("Exercise 01.1: see the instructions '
     'above")\n    return y'),
    # top level with a STUB line; two regions in one cell
    ("### BEGIN SOLUTION\n# STUB: f = None\nf = len\n### END SOLUTION\n"
     "### BEGIN SOLUTION\n# STUB:g = None\ng = 1\n### END SOLUTION\n",
     "f = None\ng = None"),
]


@pytest.mark.parametrize("body, expected", STUB_CASES)
def test_stub_rules(tmp_path, body, expected):
    source = read_source(lesson(tmp_path, EXERCISE + body + CHECK))
    cells = [c for c in build_notebook(source, "en").cells if c.metadata.get("exercise")]
    assert cells[0].source.strip() == expected


BROKEN = [
    (EXERCISE + "### BEGIN SOLUTION\nf = 1\n" + CHECK, "without '### END SOLUTION'"),
    (EXERCISE + "f = 1\n### END SOLUTION\n" + CHECK, "without '### BEGIN SOLUTION'"),
    (EXERCISE + "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n" + CHECK, "nest"),
    (EXERCISE + "### BEGIN SOLUTION\nf = 1\n### END SOLUTION\n" + CHECK, "needs '# STUB: ...'"),
    (EXERCISE + "f = 1\n" + CHECK, "needs a '### BEGIN SOLUTION'"),
    ('# %% tags=["exercise"]\n### BEGIN SOLUTION\n# STUB: f = 1\n### END SOLUTION\n' + CHECK,
     'exercise="NN.n"'),
    ("# %%\n### BEGIN SOLUTION\nf = 1\n### END SOLUTION\n", "not tagged \"exercise\""),
    (EXERCISE + "### BEGIN SOLUTION\n# STUB: f = 1\n### END SOLUTION\n"
     '# %% tags=["check"]\ncheck("01.1", f)\ncheck("01.2", f)\n', "exactly one check"),
    (EXERCISE + "### BEGIN SOLUTION\n# STUB: f = 1\n### END SOLUTION\n", "same exercises"),
    (EXERCISE + "### BEGIN SOLUTION\n# STUB: f = 1\n### END SOLUTION\n" + CHECK + CHECK,
     "duplicate ids"),
    ('# %% [markdown] lang="fr"\n# Bonjour\n', "lang must be one of"),
]


@pytest.mark.parametrize("body, message", BROKEN)
def test_broken_sources_are_reported(tmp_path, body, message):
    with pytest.raises(SourceError, match=re.escape(message)):
        build_notebook(read_source(lesson(tmp_path, body)), "en")


def test_first_code_cell_must_import_check(tmp_path):
    body = EXERCISE + "### BEGIN SOLUTION\n# STUB: f = 1\n### END SOLUTION\n" + CHECK
    path = lesson(tmp_path, body, header="# %%\nimport autograd_lab\n\n")
    with pytest.raises(SourceError, match="from course import check"):
        build_notebook(read_source(path), "en")
