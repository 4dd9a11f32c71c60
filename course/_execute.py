"""Running notebooks for the release builder, and making their outputs reproducible.

Outputs are sanitized with the same patterns nbval uses (``lessons/nbval_sanitize.cfg``), so
what release stores is what ``pytest --nbval`` compares against.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import nbformat

from course._progress import PROGRESS_ENV
from course._source import LANGUAGE_INFO

COURSE_DIR = Path(__file__).resolve().parent
REPO_ROOT = COURSE_DIR.parent
SANITIZE_FILE = REPO_ROOT / "lessons" / "nbval_sanitize.cfg"
#: Widget views point at kernel-side models with random ids; saved notebooks keep the
#: text/html and text/plain fallbacks instead.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SANITIZED_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


class ExecutionError(RuntimeError):
    """A notebook did not run top to bottom (the message names the cell and the error)."""


def kernel_env(progress_file: str | Path) -> dict[str, str]:
    """The environment for a lesson's kernel: this checkout's ``course`` first on the path,
    a private progress file, fixed hash seed and plotting backend."""
    env = dict(os.environ)
    # absolute: the kernel starts in the notebook's folder, not in ours
    given = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths = [str(REPO_ROOT)] + given
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env[PROGRESS_ENV] = str(progress_file)
    env["PYTHONHASHSEED"] = "0"
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def read_sanitize_patterns(path: str | Path = SANITIZE_FILE) -> list[tuple[str, str]]:
    """``(regex, replacement)`` pairs from an nbval sanitize file (``regex:``/``replace:``)."""
    text = Path(path).read_text(encoding="utf-8")
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


def sanitize_text(text: str, patterns: list[tuple[str, str]]) -> str:
    for regex, replacement in patterns:
        text = re.sub(regex, replacement, text)
    return text


def sanitize_notebook(nb: nbformat.NotebookNode, patterns: list[tuple[str, str]]) -> None:
    """In place: sanitize text outputs, drop widget views and state, drop timing metadata."""
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)  # nbclient adds the Python version
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "stream":
                output.text = sanitize_text(output.text, patterns)
            elif output.output_type == "error":
                output.evalue = sanitize_text(output.evalue, patterns)
                output.traceback = [sanitize_text(t, patterns) for t in output.traceback]
            elif "data" in output:
                output.data.pop(WIDGET_MIME, None)
                for mime in SANITIZED_MIMES:
                    if isinstance(output.data.get(mime), str):
                        output.data[mime] = sanitize_text(output.data[mime], patterns)
        # a widget-only output has nothing left to show
        cell.outputs = _coalesce_streams([o for o in cell.outputs if "data" not in o or o.data])


def _coalesce_streams(outputs: list) -> list:
    """Merge consecutive outputs of the same stream: how the kernel happened to flush
    ``print`` ("True" then "\n", or "True\n") must not change the released notebook."""
    merged: list = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (output.output_type == "stream" and last is not None
                and last.output_type == "stream" and last.name == output.name):
            last.text += output.text
        else:
            merged.append(output)
    return merged


def execute_notebook(
    nb: nbformat.NotebookNode, cwd: str | Path, timeout: int = 120, kernel: str = "python3"
) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel started in ``cwd``; errors stop it (except cells
    tagged ``raises-exception``, which teach an error)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        # ipykernel's start-up notices (e.g. about TCP transport) are noise here
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    with tempfile.TemporaryDirectory(prefix="autograd-lab-release-") as tmp:
        try:
            client.execute(env=kernel_env(Path(tmp) / "progress.json"))
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            raise ExecutionError(str(exc)) from None
    return nb
