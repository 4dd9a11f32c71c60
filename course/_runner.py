"""Running one submission headless for the grader: keep going after errors, stop on limits.

Every cell runs in order (as submitted) with a per-cell time limit; a cell that runs over it is
interrupted and the run continues. A whole-notebook limit bounds the total. A kernel that dies
(``os._exit``, a segfault, out of memory) ends the run there. Whatever ran is graded.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course._execute import kernel_env

#: The ename nbclient reports for a cell it interrupted after the per-cell limit.
TIMEOUT_ENAME = "CellTimeoutError"


class KernelStartError(RuntimeError):
    """The kernel could not be started: a fault of the grading environment, not the learner."""


@dataclass
class RunReport:
    """What happened while running a notebook (cell indices are positions in the notebook)."""

    executed: set[int] = field(default_factory=set)
    errors: dict[int, str] = field(default_factory=dict)  # cell -> "NameError: ..."
    timed_out: list[int] = field(default_factory=list)
    kernel_died_at: int | None = None
    stopped_at: int | None = None  # the first cell not run because a limit was reached
    issues: list[str] = field(default_factory=list)


def run_submission(
    nb: nbformat.NotebookNode,
    cwd: Path,
    cell_timeout: int,
    notebook_timeout: int,
    kernel: str = "python3",
) -> RunReport:
    """Run ``nb`` in place (its cells get outputs) and report what happened."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    report = RunReport()

    def on_error(cell, cell_index, execute_reply, **_):
        content = execute_reply["content"]
        report.errors[cell_index] = f"{content.get('ename')}: {content.get('evalue')}"
        if content.get("ename") == TIMEOUT_ENAME:
            report.timed_out.append(cell_index)

    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name=kernel,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": TIMEOUT_ENAME,
            "evalue": f"the cell ran longer than {cell_timeout} s",
            "traceback": [],
        },
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        on_cell_error=on_error,
    )
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    deadline = time.monotonic() + notebook_timeout
    with tempfile.TemporaryDirectory(prefix="autograd-lab-grade-") as tmp:
        try:
            context = client.setup_kernel(env=kernel_env(Path(tmp) / "progress.json"))
            context.__enter__()
        except (NoSuchKernel, RuntimeError, OSError) as exc:
            raise KernelStartError(f"can't start kernel {kernel!r}: {exc}") from exc
        try:
            _run_cells(client, nb, code_cells, cell_timeout, deadline, report, DeadKernelError)
        finally:
            context.__exit__(None, None, None)
    return report


def describe(nb: nbformat.NotebookNode, index: int) -> str:
    """``cell 4 (while True:)``: numbered from 1 as a reader counts, with its first line."""
    lines = [line.strip() for line in nb.cells[index].source.split("\n") if line.strip()]
    first = lines[0] if lines else ""
    return f"cell {index + 1} ({first[:40]}{'...' if len(first) > 40 else ''})"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _run_cells(client, nb, code_cells, cell_timeout, deadline, report, dead_error) -> None:
    in_a_row = 0  # consecutive timeouts: a kernel that ignores interrupts times out every cell
    for position, index in enumerate(code_cells):
        left = len(code_cells) - position
        remaining = deadline - time.monotonic()
        if remaining <= 0 or in_a_row >= 2:
            report.stopped_at = index
            why = (
                "the notebook's time limit was reached"
                if remaining <= 0
                else "the kernel stopped responding after two cells in a row timed out"
            )
            report.issues.append(
                f"{why}: {_plural(left, 'code cell')} from {describe(nb, index)} on did not run"
            )
            return
        client.timeout = max(1, int(min(cell_timeout, remaining)))
        try:
            client.execute_cell(nb.cells[index], index)
        except dead_error:
            report.kernel_died_at = index
            report.issues.append(
                f"the kernel died in {describe(nb, index)} (os._exit, a crash or out of "
                f"memory); {_plural(left - 1, 'later code cell')} did not run"
            )
            return
        report.executed.add(index)
        timed_out = bool(report.timed_out) and report.timed_out[-1] == index
        in_a_row = in_a_row + 1 if timed_out else 0
        if timed_out:
            report.issues.append(
                f"{describe(nb, index)} ran longer than {client.timeout} s (an endless loop?) "
                "and was interrupted; the run went on with the next cell"
            )
