"""The course machinery behind the lessons: checks, progress, release builder and grader.

In a lesson::

    from course import check, progress

    check("01.4", make_view)   # passed / a hint naming the likely mistake / not attempted yet
    progress()                 # a progress widget (a text table outside a notebook)

The command line (``python -m course --help``) releases the learner notebooks, grades
submissions, shows progress and scaffolds new lessons; see course/README.md.

The names are loaded on first use, so ``python -m course`` does not import the engine or the
lessons' checkers unless a command needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Hint", "check", "exercise", "progress", "set_language"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("course.checks"), name)
    raise AttributeError(f"module 'course' has no attribute {name!r}")
