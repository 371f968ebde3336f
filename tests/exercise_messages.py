"""What the checker says about a deliberately wrong implementation; shared by the exercise tests."""

from __future__ import annotations

import warnings

from companion.exercises import get_exercise
from companion.exercises.checking import check_exercise


def message_of(exercise_id: str, fn, seed: int = 0) -> str:
    """The checker's message for ``fn``, which must fail the exercise's check on the cases of ``seed``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow and log(0) in the wrong versions
        result = check_exercise(get_exercise(exercise_id), fn, seed=seed)
    assert not result.passed
    return result.message
