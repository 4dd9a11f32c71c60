"""The Python examples in README.md run as printed (the tour is what a newcomer tries first)."""

from __future__ import annotations

import re

import pytest
from conftest import DATA_DIR, REPO_ROOT


def python_blocks() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 2


def test_tour_gradient_example(capsys):
    exec(compile(python_blocks()[0], "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "tensor([2., 4., 6.])"
    assert re.fullmatch(r"<SumBackward0 object at 0x[0-9a-f]+>", out[1])


@pytest.mark.data
def test_tour_training_example(tmp_path, monkeypatch):
    """The CIFAR-10 example, on ``../shared/data`` (its path is the one the README prints)."""
    code = python_blocks()[1]
    assert '"../shared/data"' in code
    code = code.replace('"../shared/data"', repr(str(DATA_DIR)))
    monkeypatch.chdir(tmp_path)  # the example saves net.pth in the working directory
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    import autograd_lab

    assert 1.5 < float(namespace["loss"]) < 3.0  # about ln(10) for an untrained net
    loaded = autograd_lab.load(tmp_path / "net.pth")
    assert list(loaded) == list(namespace["net"].state_dict())
