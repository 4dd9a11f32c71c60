"""``check()``: outcomes, messages, languages, the grader's record, progress (no kernel).

Learner code is compiled with a notebook-like file name, as IPython does for cells, because
``check()`` tells a learner's exception from a checker's by where it was raised.
"""

from __future__ import annotations

import json

import pytest

import autograd_lab as torch
from course import _progress
from course.checks import _framework
from course.checks._framework import (
    CHECK_MIME,
    Hint,
    UnknownExercise,
    check,
    evaluate,
    exercise,
    set_language,
)

CELL_FILE = "/tmp/ipykernel_4242/123456789.py"  # how ipykernel names a cell's code


def learner(source: str) -> dict:
    """Run ``source`` as if typed in a notebook cell; return its namespace."""
    namespace: dict = {"torch": torch}
    exec(compile(source, CELL_FILE, "exec"), namespace)
    return namespace


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """A private progress file, a private registry, English, for every test."""
    monkeypatch.setenv(_progress.PROGRESS_ENV, str(tmp_path / "progress.json"))
    monkeypatch.setattr(_framework, "_REGISTRY", dict(_framework._REGISTRY))
    monkeypatch.setitem(_framework._STATE, "lang", "en")

    @exercise("98.1")
    def _(triple):
        if not callable(triple):
            raise Hint("pass the function itself", zh="请传入函数本身")
        values = [1.0, -2.0, 3.5]
        result = triple(torch.tensor(values))
        if not isinstance(result, torch.Tensor):
            raise Hint(f"triple returned {result!r}, not a tensor <b>")
        if result.tolist() == [2 * v for v in values]:
            raise Hint("that doubles: multiply by 3", zh="这是乘以 2：应乘以 3")
        if result.tolist() != [3 * v for v in values]:
            raise Hint("multiply every element by 3")
        return "every element tripled"

    @exercise("98.2")
    def _(answer):
        return answer.no_such_attribute  # a checker bug whatever the answer


STUB = 'def triple(t):\n    raise NotImplementedError("Exercise 98.1: multiply by 3")\n'
# (learner code defining `triple`, status, English line)
OUTCOMES = [
    ("def triple(t):\n    return t * 3\n", "passed",
     "Exercise 98.1: passed ✓ — every element tripled"),
    ("def triple(t):\n    return t * 2\n", "hint",
     "Exercise 98.1: not yet — that doubles: multiply by 3"),
    ("def triple(t):\n    return t + 3\n", "hint",
     "Exercise 98.1: not yet — multiply every element by 3"),
    ("triple = 3\n", "hint", "Exercise 98.1: not yet — pass the function itself"),
    (STUB, "not_attempted", "Exercise 98.1: not attempted yet"),
    ("triple = None\n", "not_attempted", "Exercise 98.1: not attempted yet"),
    ("def triple(t):\n    raise ValueError('boom')\n", "error",
     "Exercise 98.1: not yet — your code raised ValueError: boom"),
    ("def triple(t):\n    return torch.arange(3, dtype=torch.bool)\n", "error",
     "Exercise 98.1: not yet — your code used something autograd_lab does not implement "
     "(NotImplementedError: \"arange_cpu\" not implemented for 'Bool')"),
]


@pytest.mark.parametrize("code, status, line", OUTCOMES)
def test_outcomes(code, status, line, capsys):
    answer = learner(code)["triple"]
    outcome = evaluate("98.1", answer)
    assert (outcome.status, outcome.en) == (status, line)
    assert check("98.1", answer) is None  # a bare check() must not echo a value in a notebook
    assert capsys.readouterr().out == line + "\n"
    saved = json.loads(_progress.progress_path().read_text())
    assert saved["exercises"]["98.1"]["status"] == status


def test_a_checker_bug_is_not_blamed_on_the_learner():
    outcome = evaluate("98.2", 5)
    assert outcome.status == "error"
    assert outcome.en.startswith("Exercise 98.2: the check could not run (AttributeError")


def test_a_raising_answer_never_escapes_check(capsys):
    check("98.1", learner("def triple(t):\n    return 1 / 0\n")["triple"])
    assert "ZeroDivisionError" in capsys.readouterr().out


@pytest.mark.parametrize(
    "exercise_id, known",
    [("98.9", "lesson 98 has: 98.1, 98.2"), ("97.1", "lessons with checks: ")],
)
def test_unknown_exercise_names_the_known_ones(exercise_id, known):
    with pytest.raises(UnknownExercise, match=known):
        check(exercise_id, 1)


# (learner code, Chinese line printed under the English one)
CHINESE = [
    ("def triple(t):\n    return t * 3\n", "练习 98.1：通过 ✓"),
    ("def triple(t):\n    return t * 2\n", "练习 98.1：还不对 — 这是乘以 2：应乘以 3"),
    ("def triple(t):\n    return t + 3\n", "练习 98.1：还不对 — multiply every element by 3"),
    (STUB, "练习 98.1：尚未作答"),
]


@pytest.mark.parametrize("code, chinese", CHINESE)
def test_chinese_lessons_print_both_languages(code, chinese, capsys):
    set_language("zh")
    outcome = evaluate("98.1", learner(code)["triple"])
    check("98.1", learner(code)["triple"])
    assert capsys.readouterr().out == f"{outcome.en}\n{chinese}\n"


def test_set_language_rejects_unknown_languages():
    with pytest.raises(ValueError, match="language must be one of"):
        set_language("fr")


@pytest.mark.parametrize("lang, lines", [("en", 1), ("zh", 2)])
def test_the_notebook_bundle_carries_the_record(lang, lines):
    outcome = evaluate("98.1", learner("def triple(t):\n    return 'x'\n")["triple"])
    bundle = _framework._bundle(outcome, lang)
    assert bundle[CHECK_MIME] == {"id": "98.1", "status": "hint", "message": outcome.en}
    assert len(bundle["text/plain"].split("\n")) == lines
    assert "&lt;b&gt;" in bundle["text/html"] and "<b>" not in bundle["text/html"]


def test_registering_a_different_checker_for_a_taken_id_fails():
    with pytest.raises(ValueError, match="already has a checker"):
        exercise("98.2")(lambda answer: None)


def test_registering_the_same_checker_again_is_allowed():
    def same(answer):
        return None

    exercise("98.3")(same)
    exercise("98.3")(same)  # a module re-imported in a kernel registers its checkers again
    assert evaluate("98.3", 1).status == "passed"


def test_course_exports_what_lessons_import():
    import course

    assert course.check is check and callable(course.progress)
    with pytest.raises(AttributeError):
        course.no_such_name  # noqa: B018
