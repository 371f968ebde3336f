"""The standards every exercise of the "Exercise checks" issue meets, as helpers for the per-chapter test files."""

from __future__ import annotations

from companion.exercises import EXERCISES
from companion.exercises.checking import check_exercise
from exercise_messages import message_of


def chapter_ids(chapter: str) -> list[str]:
    """The ids of chapter ``chapter`` ("ch11"), in registration order."""
    return [exercise_id for exercise_id in EXERCISES if exercise_id.startswith(chapter + ".")]


def assert_reference_passes(exercise_id: str, seeds: int = 20) -> None:
    exercise = EXERCISES[exercise_id]
    for seed in range(seeds):
        result = check_exercise(exercise, exercise.reference, seed=seed)
        assert result.passed, (seed, result.message)


def assert_stub_not_implemented(exercise_id: str) -> None:
    def stub(**kwargs):
        raise NotImplementedError

    expected = f"{exercise_id} is not implemented yet: replace `raise NotImplementedError` with your code."
    assert message_of(exercise_id, stub) == expected


def assert_sizes_vary_with_the_seed(exercise_id: str, first_case_fixed: bool = True) -> None:
    """Later cases change with the seed; with ``first_case_fixed``, the first (the smallest) stays the same."""
    make = EXERCISES[exercise_id].make_cases
    names = {tuple(case.name for case in make(seed)) for seed in range(6)}
    assert len(names) > 1
    if first_case_fixed:
        assert all(first[0] == make(0)[0].name for first in names)
