"""A learner's progress: which exercises passed, recorded locally by every ``check()``.

The progress file is JSON at ``$AUTOGRAD_LAB_PROGRESS`` if that is set, else
``~/.autograd_lab/progress.json``::

    {"version": 1,
     "exercises": {"01.4": {"status": "passed", "attempts": 3, "ever_passed": true,
                            "updated": "2025-01-31T12:00:00+00:00"}}}

``status`` is the latest check's outcome (``passed``, ``hint``, ``error``, ``not_attempted``).
Writes are atomic (a temporary file in the same folder, then ``os.replace``), so a kernel killed
mid-write leaves the previous file intact; two notebooks checking at once are serialised by a
lock file where the platform has ``fcntl``. A corrupt file is set aside as ``*.corrupt`` with a
warning, and progress starts afresh: losing a record must never stop a lesson.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import tempfile
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course._syllabus import Syllabus

PROGRESS_ENV = "AUTOGRAD_LAB_PROGRESS"
FORMAT_VERSION = 1
STATUSES = ("passed", "hint", "error", "not_attempted")

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; atomic replace still protects the file
    fcntl = None  # type: ignore[assignment]


def progress_path() -> Path:
    """``$AUTOGRAD_LAB_PROGRESS`` if set, else ``~/.autograd_lab/progress.json``."""
    configured = os.environ.get(PROGRESS_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".autograd_lab" / "progress.json"


def _empty() -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "exercises": {}}


def _problem(data: Any) -> str | None:
    """Why ``data`` is not a progress document, or None if it is one."""
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        return f"expected a version {FORMAT_VERSION} progress document"
    exercises = data.get("exercises")
    if not isinstance(exercises, dict):
        return "'exercises' is not a mapping"
    for key, entry in exercises.items():
        if not isinstance(entry, dict) or entry.get("status") not in STATUSES:
            return f"bad entry for exercise {key!r}"
    return None


def load_progress(path: str | Path | None = None) -> dict[str, Any]:
    """Read the progress file; missing -> empty; corrupt -> warning, set aside, empty."""
    path = Path(path) if path is not None else progress_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _empty()
    except OSError as exc:
        warnings.warn(f"can't read the progress file {path}: {exc}", RuntimeWarning, stacklevel=2)
        return _empty()
    try:
        data = json.loads(text)
        problem = _problem(data)
    except ValueError as exc:
        data, problem = None, f"not JSON: {exc}"
    if problem is None:
        return data
    backup = path.with_name(path.name + ".corrupt")
    with contextlib.suppress(OSError):
        os.replace(path, backup)
    warnings.warn(
        f"the progress file {path} is corrupt ({problem}); starting fresh "
        f"(the old file is kept as {backup})",
        RuntimeWarning,
        stacklevel=2,
    )
    return _empty()


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (no-op without fcntl)."""
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def record(exercise_id: str, status: str, path: str | Path | None = None) -> None:
    """Record the outcome of one check. Never raises for I/O problems: it warns instead."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    path = Path(path) if path is not None else progress_path()
    try:
        with _locked(path):
            data = load_progress(path)
            entry = data["exercises"].get(exercise_id, {})
            data["exercises"][exercise_id] = {
                "status": status,
                "attempts": int(entry.get("attempts", 0)) + (status != "not_attempted"),
                "ever_passed": bool(entry.get("ever_passed")) or status == "passed",
                "updated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
            _write_atomic(path, data)
    except OSError as exc:
        warnings.warn(f"can't save progress to {path}: {exc}", RuntimeWarning, stacklevel=2)


@dataclass(frozen=True)
class LessonProgress:
    """One lesson's row: its exercises' latest statuses, in syllabus order."""

    lesson_id: str
    title: str
    statuses: tuple[tuple[str, str], ...]  # (exercise id, status or "" when never checked)

    @property
    def passed(self) -> int:
        return sum(status == "passed" for _, status in self.statuses)

    @property
    def total(self) -> int:
        return len(self.statuses)


def summarize(
    syllabus: Syllabus, data: dict[str, Any], lang: str = "en", lesson: str | None = None
) -> list[LessonProgress]:
    """Per-lesson progress rows. ``lesson`` keeps one lesson (an id, or its number ``"01"``)."""
    rows = []
    for entry in syllabus.lessons:
        if lesson is not None and lesson not in (entry.id, entry.number):
            continue
        statuses = tuple(
            (e.id, data["exercises"].get(e.id, {}).get("status", "")) for e in entry.exercises
        )
        rows.append(LessonProgress(entry.id, entry.title[lang], statuses))
    return rows


def bar(done: int, total: int, width: int = 10) -> str:
    """``bar(3, 6)`` -> ``"█████░░░░░"`` (an empty lesson shows an empty bar)."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters are two columns wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_text(rows: list[LessonProgress], detail: bool = False, lang: str = "en") -> str:
    """A plain-text table; with ``detail``, one line per exercise under each lesson."""
    if not rows:
        return "No lessons in the syllabus."
    names = [f"{r.lesson_id}  {r.title}" for r in rows]
    name_width = max(map(display_width, names))
    lines = []
    for row, name in zip(rows, names):
        name += " " * (name_width - display_width(name))
        passed = "已通过" if lang == "zh" else "passed"
        lines.append(f"{name}  {bar(row.passed, row.total)}  {row.passed}/{row.total} {passed}")
        if detail:
            for exercise_id, status in row.statuses:
                lines.append(f"    {exercise_id:<8}{status.replace('_', ' ') or '-'}")
    return "\n".join(lines)
