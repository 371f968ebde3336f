"""Checks for the notebook exercises: ``check("ch07.rnn_step_forward", rnn_step_forward)``.

Every exercise has an id ``chNN.name``, a reference solution in
``companion.solutions.chNN`` and fixed float64 cases; ``checking.py`` holds
the engine, one module per chapter (``ch07.py``, ...) holds its exercises.
EXERCISES is built here, explicitly, from those modules: a new chapter adds
one import and one line below.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from companion.exercises import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10, ch11, ch12, ch13, ch14, ch15, ch16, ch17, ch18, ch19, ch20, ch21, ch22
from companion.exercises.checking import CheckResult, Exercise, check_exercise, unseen_warning

EXERCISES: dict[str, Exercise] = {
    **ch01.EXERCISES,
    **ch02.EXERCISES,
    **ch03.EXERCISES,
    **ch04.EXERCISES,
    **ch05.EXERCISES,
    **ch06.EXERCISES,
    **ch07.EXERCISES,
    **ch08.EXERCISES,
    **ch09.EXERCISES,
    **ch10.EXERCISES,
    **ch11.EXERCISES,
    **ch12.EXERCISES,
    **ch13.EXERCISES,
    **ch14.EXERCISES,
    **ch15.EXERCISES,
    **ch16.EXERCISES,
    **ch17.EXERCISES,
    **ch18.EXERCISES,
    **ch19.EXERCISES,
    **ch20.EXERCISES,
    **ch21.EXERCISES,
    **ch22.EXERCISES,
}


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise with this id; a ValueError listing the chapter's ids if there is none."""
    if exercise_id in EXERCISES:
        return EXERCISES[exercise_id]
    chapter = exercise_id.split(".")[0]
    same_chapter = [known for known in EXERCISES if known.split(".")[0] == chapter]
    if same_chapter:
        raise ValueError(f"unknown exercise {exercise_id!r}; {chapter} has: {', '.join(same_chapter)}")
    chapters = sorted({known.split(".")[0] for known in EXERCISES})
    raise ValueError(
        f"unknown exercise {exercise_id!r}: ids look like 'ch07.rnn_step_forward'; "
        f"chapters with exercises: {', '.join(chapters)}"
    )


def check(exercise_id: str, fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn`` against exercise ``exercise_id``; print the message and return the result.

    With the environment variable COMPANION_STRICT=1 a failed check raises
    ``AssertionError(message)`` instead of printing, so that a notebook run
    under pytest (nbval) fails.

    The grader runs only the exercise cells (after ``import numpy as np``), so
    a helper, constant or import that ``fn`` takes from another cell exists in
    the notebook but not when graded: the message then ends with a warning
    naming it (see ``checking.unseen_names``).
    """
    result = check_exercise(get_exercise(exercise_id), fn)
    if not result.passed and os.environ.get("COMPANION_STRICT") == "1":
        raise AssertionError(result.message)
    warning = unseen_warning(fn, earlier_functions(exercise_id))
    if warning:
        result = CheckResult(result.id, result.passed, result.message + warning)
    print(result.message)
    return result


def earlier_functions(exercise_id: str) -> tuple[str, ...]:
    """The function names of the exercises before ``exercise_id`` in its chapter, and its own.

    The grader runs these exercise cells, in this order, before calling the function.
    """
    chapter = exercise_id.split(".")[0]
    names = []
    for known in EXERCISES:
        if known.split(".")[0] == chapter:
            names.append(known.split(".", 1)[1])
        if known == exercise_id:
            break
    return tuple(names)
