"""What every exercise of a chapter must satisfy; shared by the chapters' exercise tests.

    from exercise_contract import chapter_ids, reference_passes_on_twenty_seeds, ...
"""

from __future__ import annotations

from companion.exercises import EXERCISES
from companion.exercises.checking import check_exercise
from exercise_messages import message_of


def chapter_ids(chapter: str) -> list[str]:
    """The exercise ids of ``chapter`` ("ch13"), in registration order."""
    return [exercise_id for exercise_id in EXERCISES if exercise_id.startswith(f"{chapter}.")]


def assert_reference_passes_on_twenty_seeds(exercise_id: str) -> None:
    for seed in range(20):
        result = check_exercise(EXERCISES[exercise_id], EXERCISES[exercise_id].reference, seed=seed)
        assert result.passed, (seed, result.message)


def assert_stub_says_not_implemented(exercise_id: str) -> None:
    def stub(**kwargs):
        raise NotImplementedError

    assert message_of(exercise_id, stub) == (
        f"{exercise_id} is not implemented yet: replace `raise NotImplementedError` with your code."
    )


def assert_case_sizes_vary_with_the_seed(exercise_id: str) -> None:
    names = {tuple(case.name for case in EXERCISES[exercise_id].make_cases(seed)) for seed in range(5)}
    assert len(names) > 1
