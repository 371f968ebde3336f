"""The exercise contract of the "Exercise checks" issue, for every chapter from 11 on.

Every exercise: the reference passes on 20 seeds, the stub says "not implemented",
and the sizes of its cases change with the seed (in most chapters the first case, the
smallest, stays fixed; chapters 13 and 14 draw every case from the seed).
Each chapter has at least four exercises. (Each chapter's own test file holds its
five or more wrong implementations per exercise; tests/test_exercises_generic.py
adds the kinds of mistake every exercise must catch.)
"""

from __future__ import annotations

import pytest

from companion.exercises import EXERCISES
from exercise_standards import assert_reference_passes, assert_sizes_vary_with_the_seed, assert_stub_not_implemented, chapter_ids

CHAPTERS = sorted({exercise_id.split(".")[0] for exercise_id in EXERCISES if int(exercise_id[2:4]) >= 11})
IDS = [exercise_id for chapter in CHAPTERS for exercise_id in chapter_ids(chapter)]
EVERY_CASE_DRAWN = ("ch13", "ch14")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_at_least_four_exercises(chapter):
    assert len(chapter_ids(chapter)) >= 4


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_passes_on_twenty_seeds_and_stub_says_not_implemented(exercise_id):
    assert_reference_passes(exercise_id, seeds=20)
    assert_stub_not_implemented(exercise_id)


@pytest.mark.parametrize("exercise_id", IDS)
def test_case_sizes_vary_with_the_seed(exercise_id):
    assert_sizes_vary_with_the_seed(exercise_id, first_case_fixed=not exercise_id.startswith(EVERY_CASE_DRAWN))
