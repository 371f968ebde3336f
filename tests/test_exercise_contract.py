"""The exercise contract of the "Exercise checks" issue, for the chapters that follow it in full.

Every exercise: the reference passes on 20 seeds, the stub says "not implemented",
and the sizes of its cases change with the seed. (Each chapter's own test file
holds its five or more wrong implementations per exercise.)
"""

from __future__ import annotations

import pytest

from exercise_contract import (
    assert_case_sizes_vary_with_the_seed,
    assert_reference_passes_on_twenty_seeds,
    assert_stub_says_not_implemented,
    chapter_ids,
)

CHAPTERS = ("ch13", "ch14")
IDS = [exercise_id for chapter in CHAPTERS for exercise_id in chapter_ids(chapter)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_four_exercises(chapter):
    assert len(chapter_ids(chapter)) >= 4


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_passes_on_twenty_seeds(exercise_id):
    assert_reference_passes_on_twenty_seeds(exercise_id)


@pytest.mark.parametrize("exercise_id", IDS)
def test_stub_says_not_implemented(exercise_id):
    assert_stub_says_not_implemented(exercise_id)


@pytest.mark.parametrize("exercise_id", IDS)
def test_case_sizes_vary_with_the_seed(exercise_id):
    assert_case_sizes_vary_with_the_seed(exercise_id)
