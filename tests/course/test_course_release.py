"""``python -m course release``: deterministic, executed, nbval-clean; ``--check`` finds drift.

Kernel-running tests use the one-lesson fixture course, released once per module (two
releases under different hash seeds, plus the solutions), to keep them few and fast.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from _course_helpers import (
    FIXTURE_COURSE,
    REPO_ROOT,
    check_records,
    course_env,
    run_course,
    run_nbval,
)

NOTEBOOKS = ["en/90_fixture.ipynb", "zh/90_fixture.ipynb"]


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> dict[str, Path]:
    """The fixture course released twice (hash seeds 1 and 2) and its solutions once."""
    root = tmp_path_factory.mktemp("release")
    outs = {}
    for name, seed, extra in [("a", "1", []), ("b", "2", []), ("solutions", "3", ["--solutions"])]:
        out = root / name
        args = ["release", "--course-dir", str(FIXTURE_COURSE)]
        args += [*extra, str(out)] if extra else ["--out", str(out)]
        result = run_course(args, course_env(root, hash_seed=seed))
        assert result.returncode == 0, result.stdout + result.stderr
        outs[name] = out
    return outs


pytestmark = pytest.mark.slow


def test_release_writes_both_languages(released):
    for name in ("a", "solutions"):
        found = sorted(str(p.relative_to(released[name])) for p in released[name].rglob("*.ipynb"))
        assert found == NOTEBOOKS


def test_two_releases_are_byte_identical(released):
    for notebook in NOTEBOOKS:
        first = (released["a"] / notebook).read_bytes()
        assert first == (released["b"] / notebook).read_bytes(), notebook


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_released_outputs_are_reproducible_and_teach(released, notebook):
    text = (released["a"] / notebook).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert "<SumBackward0 object at 0x...>" in text  # the address is sanitized, the repr kept
    assert "tensor([1., 2., 3.], requires_grad=True)" in text  # printed tensors are kept
    for forbidden in ["widget-view", '"version": "3.', "execution\": {", "/tmp/"]:
        assert forbidden not in text, forbidden
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))


@pytest.mark.parametrize("name, status", [("a", "not_attempted"), ("solutions", "passed")])
def test_checks_say_not_attempted_on_stubs_and_pass_on_solutions(released, name, status):
    for notebook in NOTEBOOKS:
        nb = nbformat.read(released[name] / notebook, as_version=4)
        records = check_records(nb)
        assert sorted(records) == ["90.1", "90.2"]
        assert {r["status"] for r in records.values()} == {status}, records


def test_zh_check_output_is_bilingual(released):
    text = (released["a"] / "zh/90_fixture.ipynb").read_text(encoding="utf-8")
    assert "Exercise 90.1: not attempted yet\\n" in text and "练习 90.1：尚未作答" in text


def test_nbval_passes_on_learner_and_solution_versions(released, tmp_path):
    result = run_nbval([released["a"], released["solutions"]], course_env(tmp_path))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_nbval_notices_a_wrong_stored_check_output(released, tmp_path):
    # the record is compared too: a learner notebook claiming "passed" must fail nbval
    copy = tmp_path / "tampered.ipynb"
    text = (released["a"] / NOTEBOOKS[0]).read_text(encoding="utf-8")
    copy.write_text(text.replace('"status": "not_attempted"', '"status": "passed"', 1))
    result = run_nbval([copy], course_env(tmp_path))
    assert result.returncode == 1, result.stdout[-3000:]


def test_check_flags_edited_missing_and_extra_files(released, tmp_path):
    out = tmp_path / "lessons"
    shutil.copytree(released["a"], out)
    env = course_env(tmp_path)
    args = ["release", "--check", "--course-dir", str(FIXTURE_COURSE), "--out", str(out)]
    clean = run_course(args, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    en = out / NOTEBOOKS[0]
    en.write_text(en.read_text(encoding="utf-8").replace("Shared prose", "Edited prose"))
    (out / "zh" / "90_fixture.ipynb").unlink()
    (out / "en" / "99_orphan.ipynb").write_text("{}")
    stale = run_course(args, env)
    assert stale.returncode == 1
    assert f"{en}: out of date: cell" in stale.stdout
    assert "zh/90_fixture.ipynb: missing" in stale.stdout
    assert "99_orphan.ipynb: no source produces it" in stale.stdout


def test_committed_lessons_are_in_sync_with_the_sources(tmp_path):
    result = run_course(["release", "--check"], course_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((REPO_ROOT / "lessons" / "en").glob("*.ipynb")), "no released lessons"
