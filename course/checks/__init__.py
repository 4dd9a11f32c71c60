"""Exercise checks, keyed by exercise id: ``check("01.4", make_view)`` in a lesson.

Each lesson's checkers live in their own module and register themselves with ``@exercise``::

    from course.checks import Hint, exercise

    @exercise("01.4")
    def _(answer):
        ...  # raise Hint("the likely mistake") on a wrong answer; return normally on a pass

A new lesson's module must be added to the imports below (a test checks that every exercise
in the syllabus has a registered checker).
"""

from __future__ import annotations

from course.checks._framework import (
    CHECK_MIME,
    Hint,
    Outcome,
    UnknownExercise,
    check,
    evaluate,
    exercise,
    get_language,
    registered,
    set_language,
)
from course.checks._framework import show_progress as progress

# The lessons' checkers, imported for their @exercise registrations. They must come after the
# names above exist, because they import them from this package.
# isort: off
from course.checks import l00_welcome, l01_tensors, l02_autograd  # noqa: E402, F401
# isort: on

__all__ = [
    "CHECK_MIME",
    "Hint",
    "Outcome",
    "UnknownExercise",
    "check",
    "evaluate",
    "exercise",
    "get_language",
    "progress",
    "registered",
    "set_language",
]
