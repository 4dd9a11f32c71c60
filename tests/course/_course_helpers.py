"""Shared helpers for the course tests: paths, the fixture course, running ``python -m course``.

The fixture course (``fixtures/course``: one lesson, ``90_fixture``, with two exercises) keeps
kernel-running tests small; its checkers live in ``fixtures/fixture_checks.py``, which the
fixture notebooks import through ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
FIXTURES = HERE / "fixtures"
FIXTURE_COURSE = FIXTURES / "course"
FIXTURE_SOURCE = FIXTURE_COURSE / "lessons" / "90_fixture.py"
SANITIZE = REPO_ROOT / "lessons" / "nbval_sanitize.cfg"
CHECK_MIME = "application/vnd.autograd-lab.check+json"


def course_env(tmp_path: Path, hash_seed: str | None = None) -> dict[str, str]:
    """Environment for a subprocess: fixture checks importable, a private progress file."""
    env = dict(os.environ)
    paths = [str(FIXTURES), str(REPO_ROOT)] + env.get("PYTHONPATH", "").split(os.pathsep)
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env["AUTOGRAD_LAB_PROGRESS"] = str(tmp_path / "progress.json")
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = hash_seed
    return env


def run_course(
    args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess:
    """``python -m course ARGS`` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "course", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_nbval(paths: list[Path], env: dict[str, str], timeout: float = 500):
    """Strict nbval (with the lessons' sanitize file) over ``paths``, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", *map(str, paths), "-p", "no:cacheprovider",
         "--nbval-sanitize-with", str(SANITIZE), "-q", "-n", "0"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_records(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """Exercise id -> the check record its check cell displayed (the last one)."""
    records = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(CHECK_MIME)
            if record:
                records[record["id"]] = record
    return records
