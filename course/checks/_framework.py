"""The exercise-check machinery: a registry keyed by exercise id, and ``check()``.

A checker tests behaviour: it calls the learner's answer on fresh inputs and compares with a
reference computed right then, raising :class:`Hint` with the likely mistake. ``check()`` turns
what happened into one of four outcomes, prints it for the learner, records it in the progress
file, and (inside a kernel) attaches a machine-readable record for the grader.
"""

from __future__ import annotations

import html
import sys
import sysconfig
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import autograd_lab

#: The MIME type of the record each check displays; the grader collects these by exercise id.
CHECK_MIME = "application/vnd.autograd-lab.check+json"
LANGUAGES = ("en", "zh")

Checker = Callable[[Any], "str | None"]
_REGISTRY: dict[str, Checker] = {}
_STATE = {"lang": "en"}

_COURSE_DIR = Path(__file__).resolve().parents[1]
_ENGINE_DIR = Path(autograd_lab.__file__).resolve().parent
_LIBRARY_DIRS = tuple(
    Path(sysconfig.get_path(name)).resolve()
    for name in ("stdlib", "platstdlib", "purelib", "platlib")
)


class Hint(Exception):
    """Raised by a checker when the answer is wrong; the message names the likely mistake.

    ``zh`` is the same hint in Simplified Chinese, shown in Chinese lessons (optional: without
    it, Chinese lessons show the English hint).
    """

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.zh = zh


class UnknownExercise(LookupError):
    """``check()`` was called with an exercise id that has no registered checker."""


def exercise(exercise_id: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of ``exercise_id`` (e.g. ``"01.4"``).

    The checker receives whatever the learner passed to ``check()``. It raises :class:`Hint`
    on a mistake and returns normally on a pass (optionally a short message to show).
    """

    def register(checker: Checker) -> Checker:
        previous = _REGISTRY.get(exercise_id)
        same = previous is not None and (previous.__module__, previous.__qualname__) == (
            checker.__module__,
            checker.__qualname__,
        )
        if previous is not None and not same:  # re-importing a module is fine; a clash is not
            raise ValueError(
                f"exercise {exercise_id!r} already has a checker: "
                f"{previous.__module__}.{previous.__qualname__}"
            )
        _REGISTRY[exercise_id] = checker
        return checker

    return register


def registered() -> list[str]:
    """The exercise ids that have a checker, sorted."""
    return sorted(_REGISTRY)


def set_language(lang: str) -> None:
    """``"zh"``: checks print a Chinese line under the English one; ``"en"``: English only."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    _STATE["lang"] = lang


def get_language() -> str:
    return _STATE["lang"]


@dataclass(frozen=True)
class Outcome:
    """What one check concluded. ``status``: passed, hint, error or not_attempted."""

    exercise_id: str
    status: str
    en: str  # the English line shown to the learner
    zh: str  # the Chinese line (shown in Chinese lessons)

    def record(self) -> dict[str, str]:
        return {"id": self.exercise_id, "status": self.status, "message": self.en}


def _frame_kind(filename: str) -> str:
    """``course``, ``engine``, ``library`` or ``learner`` (notebook cells, the learner's files)."""
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return "learner"
    for kind, root in (("course", _COURSE_DIR), ("engine", _ENGINE_DIR)):
        if path.is_relative_to(root):
            return kind
    if any(path.is_relative_to(root) for root in _LIBRARY_DIRS):
        return "library"
    return "learner"


def _kinds(exc: BaseException, checker: Checker) -> list[str]:
    """The kind of each frame of ``exc``'s traceback, outermost first.

    The checker's own file counts as ``course`` wherever it lives (tests register checkers
    outside the package).
    """
    own = getattr(getattr(checker, "__code__", None), "co_filename", None)
    return [
        "course" if frame.filename == own else _frame_kind(frame.filename)
        for frame in traceback.extract_tb(exc.__traceback__)
    ]


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def evaluate(exercise_id: str, answer: Any) -> Outcome:
    """Run the checker of ``exercise_id`` on ``answer`` and classify what happened."""
    checker = _REGISTRY.get(exercise_id)
    if checker is None:
        lesson = exercise_id.split(".")[0]
        same = [key for key in sorted(_REGISTRY) if key.split(".")[0] == lesson]
        known = (
            f"lesson {lesson} has: {', '.join(same)}"
            if same
            else f"no lesson {lesson} checks; lessons with checks: "
            + ", ".join(sorted({key.split('.')[0] for key in _REGISTRY}))
        )
        raise UnknownExercise(f"unknown exercise id {exercise_id!r}: {known}")
    label, label_zh = f"Exercise {exercise_id}", f"练习 {exercise_id}"
    not_attempted = Outcome(
        exercise_id, "not_attempted", f"{label}: not attempted yet", f"{label_zh}：尚未作答"
    )
    if answer is None:
        return not_attempted
    try:
        message = checker(answer)
    except Hint as hint:
        return Outcome(
            exercise_id,
            "hint",
            f"{label}: not yet — {hint.message}",
            f"{label_zh}：还不对 — {hint.zh or hint.message}",
        )
    except NotImplementedError as exc:
        kinds = _kinds(exc, checker)
        if kinds and kinds[-1] == "learner":  # the stub (or a learner's own placeholder)
            return not_attempted
        if kinds and kinds[-1] == "engine":
            text = f"your code used something autograd_lab does not implement ({_short(exc)})"
            text_zh = f"你的代码用到了 autograd_lab 尚未实现的功能（{_short(exc)}）"
            en, zh = f"{label}: not yet — {text}", f"{label_zh}：还不对 — {text_zh}"
            return Outcome(exercise_id, "error", en, zh)
        return _check_fault(exercise_id, exc)
    except Exception as exc:  # KeyboardInterrupt and SystemExit pass through on purpose
        if "learner" in _kinds(exc, checker):
            return Outcome(
                exercise_id,
                "error",
                f"{label}: not yet — your code raised {_short(exc)}",
                f"{label_zh}：还不对 — 你的代码抛出了 {_short(exc)}",
            )
        return _check_fault(exercise_id, exc)
    suffix = f" — {message}" if isinstance(message, str) and message else ""
    return Outcome(exercise_id, "passed", f"{label}: passed ✓{suffix}", f"{label_zh}：通过 ✓")


def _check_fault(exercise_id: str, exc: BaseException) -> Outcome:
    """An exception inside the checker itself, not in learner code."""
    return Outcome(
        exercise_id,
        "error",
        f"Exercise {exercise_id}: the check could not run ({_short(exc)}). "
        "Did you pass the right thing to check()? If so, please report this.",
        f"练习 {exercise_id}：检查无法运行（{_short(exc)}）。请确认传给 check() 的参数是否正确。",
    )


_COLORS = {"passed": "#1a7f37", "hint": "#9a6700", "error": "#cf222e", "not_attempted": "#57606a"}


def _bundle(outcome: Outcome, lang: str) -> dict[str, Any]:
    lines = [outcome.en] + ([outcome.zh] if lang == "zh" else [])
    color = _COLORS[outcome.status]
    body = "<br>".join(html.escape(line) for line in lines)
    return {
        "text/plain": "\n".join(lines),
        "text/html": f'<div style="color: {color}; font-family: monospace">{body}</div>',
        CHECK_MIME: outcome.record(),
    }


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def check(exercise_id: str, answer: Any) -> None:
    """Check ``answer`` for exercise ``exercise_id`` and say how it went.

    Prints ``Exercise 01.4: passed ✓``, ``Exercise 01.4: not yet — <hint>`` or
    ``Exercise 01.4: not attempted yet`` (the answer is None, or the learner's code still raises
    NotImplementedError); never raises for a wrong answer, so a fresh notebook runs top to
    bottom. Raises :class:`UnknownExercise` for an id without a checker.
    """
    outcome = evaluate(exercise_id, answer)
    lang = get_language()
    if _in_kernel():
        from IPython.display import display

        display(_bundle(outcome, lang), raw=True)
    else:
        print(outcome.en + (f"\n{outcome.zh}" if lang == "zh" else ""))
    from course import _progress, _progress_view

    _progress.record(exercise_id, outcome.status)
    _progress_view.refresh_all()


def show_progress(lesson: str | None = None) -> None:
    """Show progress per lesson: a widget in a notebook, a text table elsewhere."""
    from course._progress_view import ProgressView

    view = ProgressView(lesson, get_language())
    if _in_kernel():
        from IPython.display import display

        display(view)
    else:
        print(view.text())
