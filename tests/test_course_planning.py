"""companion.course.course_map's planning helpers: learning objectives from chapter pages, and syllabi."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.course.course_map import CHAPTERS, chapter, learning_objectives, pack_sessions, plan_syllabus, with_prerequisites

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_PAGES = sorted((ROOT / "book").glob("ch[0-9][0-9]_*.md"))


def test_objectives_are_read_from_the_heading_with_continuation_lines():
    page = """# 3. Title

## Learning objectives

- derive the gradient
  through time;
- code it.

Prerequisites: chapter 2.

## Next
- not an objective
"""
    assert learning_objectives(page) == ["derive the gradient through time;", "code it."]


def test_objectives_are_read_from_an_admonition_too():
    page = """:::{admonition} Learning objectives
:class: tip

After this chapter you can

- write the forward pass;
- check a gradient.
:::

- not an objective
"""
    assert learning_objectives(page) == ["write the forward pass;", "check a gradient."]


def test_a_page_without_objectives_gives_an_empty_list():
    assert learning_objectives("# 1. Title\n\nText.\n") == []


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=lambda p: p.name)
def test_every_chapter_page_lists_its_learning_objectives(page):
    assert learning_objectives(page.read_text(encoding="utf-8")), f"{page.name} needs a '## Learning objectives' list"


def _respects_prerequisites(sessions: list[list[int]]) -> bool:
    order = [n for session in sessions for n in session]
    position = {n: i for i, n in enumerate(order)}
    return all(position[p] < position[n] for n in order for p in chapter(n).prerequisites)


@pytest.mark.parametrize("sessions, hours", [(5, 6.0), (4, 10.0), (14, 6.0), (3, 2.0)])
def test_syllabi_fit_their_time_and_include_every_prerequisite_first(sessions, hours):
    plan = plan_syllabus(sessions, hours)
    chosen = {n for session in plan for n in session}
    assert len(plan) <= sessions
    assert with_prerequisites(chosen) == chosen
    assert _respects_prerequisites(plan)
    assert all(sum(chapter(n).hours for n in session) <= hours or len(session) == 1 for session in plan)


def test_a_priority_order_changes_what_a_short_course_reaches():
    # Chapter hours come from the pages, so the budget is derived from them: as many sessions as
    # chapter 9 needs chapters, each long enough for the longest of them.
    needed = with_prerequisites({9})
    sessions, hours = len(needed), max(chapter(n).hours for n in needed)
    default = [n for s in plan_syllabus(sessions, hours) for n in s]
    core = [n for s in plan_syllabus(sessions, hours, priority=[1, 2, 3, 7, 4, 5, 8, 9]) for n in s]
    assert 9 in core and needed <= set(core)
    assert 6 in default and 9 not in default  # the default order spends a session on chapter 6 instead


def test_packing_never_splits_or_drops_a_chapter():
    numbers = [ch.number for ch in CHAPTERS]
    sessions = pack_sessions(numbers, 5.0)
    assert sorted(n for session in sessions for n in session) == numbers
    assert _respects_prerequisites(sessions)
    assert pack_sessions([8], 2.0) == [[8]]  # longer than a session: a session of its own
