"""Packaging stays consistent: environment.yml matches pyproject.toml, and CI runs the README.

conda can't be run here (its channels are unreachable), so environment.yml is checked by
reading it: same dependency names as pyproject's runtime dependencies plus the ``lab`` extra,
conda-forge only, and a pip section that installs this package.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml
from conftest import REPO_ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

# PyPI name -> conda-forge name, where they differ (after normalisation).
PYPI_TO_CONDA = {
    "matplotlib": "matplotlib-base",  # same library without the Qt GUI stack
}
# Present in environment.yml for conda's sake, not dependencies of the package.
CONDA_ONLY = {"python", "pip"}

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def split_spec(requirement: str) -> tuple[str, str]:
    """``"Pillow >= 10; python_version<'3.11'"`` -> ``("pillow", ">=10")``.

    The name is PEP 503 normalised; the version constraint loses its spaces and markers.
    """
    spec = re.sub(r"\s+", "", requirement.split(";")[0])
    match = _NAME.match(spec)
    assert match, f"can't read a package name from {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group()).lower(), spec[match.end() :]


def normalize(requirement: str) -> str:
    return split_spec(requirement)[0]


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env() -> dict:
    return yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))


def conda_deps(env: dict) -> list[str]:
    return [d for d in env["dependencies"] if isinstance(d, str)]


def pip_deps(env: dict) -> list[str]:
    sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(sections) == 1, "environment.yml needs exactly one pip section"
    return sections[0]


def test_channels_are_conda_forge_only(env):
    assert env["channels"] == ["conda-forge"]


def test_environment_lists_runtime_and_lab_dependencies(pyproject, env):
    project = pyproject["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["lab"]
    expected = {PYPI_TO_CONDA.get(n, n) for n in map(normalize, wanted)}
    listed = {normalize(d) for d in conda_deps(env)} - CONDA_ONLY
    assert listed == expected, (
        f"only in environment.yml: {sorted(listed - expected)}; "
        f"only in pyproject.toml: {sorted(expected - listed)}"
    )


def test_version_constraints_agree(pyproject, env):
    project = pyproject["project"]
    conda = dict(split_spec(d) for d in conda_deps(env))
    assert conda["python"] == project["requires-python"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["lab"]:
        name, spec = split_spec(requirement)
        assert conda[PYPI_TO_CONDA.get(name, name)] == spec, f"{name}: versions differ"


def test_pip_section_installs_this_package(env):
    local = [r for r in pip_deps(env) if re.fullmatch(r"(-e\s+)?\.(\[[\w,\s-]+\])?", r.strip())]
    assert local, f"the pip section must install this package (-e .[lab]): {pip_deps(env)}"
    assert "lab" in local[0], "install the lab extra so pip and conda agree on what is present"


def readme_shell_lines() -> list[str]:
    """Non-empty lines inside ```bash / ```sh fenced blocks of README.md."""
    lines, fence = [], None
    for line in (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
        elif fence in ("bash", "sh") and line.strip():
            lines.append(line.strip())
    return lines


def test_readme_has_the_two_commands():
    lines = readme_shell_lines()
    assert any("jupyter lab lessons/" in line for line in lines)
    assert (REPO_ROOT / "lessons").is_dir()
    assert len([line for line in lines if "pytest" in line]) == 1


def test_ci_runs_the_readme_test_command():
    (test_command,) = [line for line in readme_shell_lines() if "pytest" in line]
    ci = REPO_ROOT / ".ci" / "run"
    script = ci.read_text(encoding="utf-8")
    assert any(line.startswith(test_command) for line in script.splitlines()), (
        ".ci/run must run the README's test command verbatim"
    )
    assert "set -euo pipefail" in script
    assert "torch==2.13.0" in script and "AUTOGRAD_LAB_REQUIRE_TORCH=1" in script
    assert os.access(ci, os.X_OK), ".ci/run must be executable"
