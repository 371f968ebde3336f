"""Tests of companion.course.course_map: the chapter table, the toc reader and the graph figure."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from companion.course.course_map import (  # noqa: E402
    CHAPTERS,
    PARTS,
    ancestors,
    available_chapters,
    direct_edges,
    plot_dependency_graph,
)

ROOT = Path(__file__).resolve().parents[1]


def test_chapters_are_numbered_one_to_twenty_two_in_order():
    assert [ch.number for ch in CHAPTERS] == list(range(1, 23))


def test_every_chapter_belongs_to_a_known_part_and_parts_appear_in_order():
    assert all(ch.part in PARTS for ch in CHAPTERS)
    positions = [PARTS.index(ch.part) for ch in CHAPTERS]
    assert positions == sorted(positions)
    assert set(positions) == set(range(len(PARTS)))


def test_prerequisites_refer_to_earlier_chapters_only_so_the_graph_is_acyclic():
    for ch in CHAPTERS:
        assert all(1 <= p < ch.number for p in ch.prerequisites), ch
        assert ch.number not in ancestors(ch.number)


def test_slugs_are_unique_and_start_with_the_two_digit_number():
    slugs = [ch.slug for ch in CHAPTERS]
    assert len(set(slugs)) == len(slugs)
    for ch in CHAPTERS:
        assert re.fullmatch(r"ch\d{2}_[a-z0-9_]+", ch.slug), ch.slug
        assert ch.slug.startswith(f"ch{ch.number:02d}_")
    assert CHAPTERS[6].slug == "ch07_vanilla_rnn"


def test_hours_are_positive():
    assert all(ch.hours > 0 for ch in CHAPTERS)


def test_direct_edges_drop_only_implied_prerequisites():
    edges = set(direct_edges())
    assert (3, 7) in edges and (2, 7) not in edges  # 2 -> 3 -> 7 implies 2 -> 7
    for ch in CHAPTERS:
        for p in ch.prerequisites:
            assert (p, ch.number) in edges or any(p in ancestors(q) for q in ch.prerequisites if q != p)


def test_available_chapters_on_the_real_toc_contains_chapter_seven():
    assert 7 in available_chapters(ROOT / "_toc.yml")


def test_available_chapters_reads_files_in_parts_and_sections(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\n"
        "root: book/welcome\n"
        "parts:\n"
        "  - caption: Front\n"
        "    chapters:\n"
        "      - file: book/setup\n"
        "  - caption: Part\n"
        "    chapters:\n"
        "      - file: book/ch02_recurrent_cell\n"
        "      - file: book/ch07_vanilla_rnn.md\n"
        "        sections:\n"
        "          - file: book/ch13_training_pytorch\n"
        "      - file: book/ch99_not_a_chapter\n"
        "      - file: book/glossary\n",
        encoding="utf-8",
    )
    assert available_chapters(toc) == {2, 7, 13}


def test_plot_dependency_graph_draws_one_box_per_chapter():
    fig, ax = plt.subplots()
    boxes = plot_dependency_graph(ax, available={7})
    assert sorted(boxes) == list(range(1, 23))
    drawn = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(drawn) == len(CHAPTERS)
    assert boxes[7].get_facecolor() != boxes[8].get_facecolor()  # available vs planned
    labels = {t.get_text().replace("\n", " ") for t in ax.texts}
    assert "7 Vanilla RNN" in labels
    fig.canvas.draw()
    plt.close(fig)


def test_layout_puts_each_chapter_in_its_part_column_at_a_free_spot():
    from companion.course.course_map import _LAYOUT

    assert sorted(_LAYOUT) == list(range(1, 23))
    assert len(set(_LAYOUT.values())) == len(_LAYOUT)
    for ch in CHAPTERS:
        assert _LAYOUT[ch.number][0] == PARTS.index(ch.part), ch.label


def test_time_estimate_counts_prose_visible_cells_and_exercises():
    from companion.course.course_map import (MINUTES_PER_CODE_CELL, MINUTES_PER_EXERCISE,
                                             READING_WORDS_PER_MINUTE, estimate_time)

    words = " ".join(["word"] * (2 * READING_WORDS_PER_MINUTE))  # two minutes of reading
    page = "\n".join([
        "---", "jupytext: header words are not counted", "---", "", words, "",
        "```{code-cell} ipython3", "x = 1  # code words are not counted", "```", "",
        "```{code-cell} ipython3", ":tags: [remove-cell]", "", "assert x == 1", "```", "",
        "````{exercise-start}", ":label: e1", "````", "", "````{exercise-end}", "````", "",
        "````{solution-start} e1", ":class: dropdown", "````", "", "solution words are not counted either", "",
        "````{solution-end}", "````", "",
    ])
    estimate = estimate_time(page)
    assert (estimate.words, estimate.code_cells, estimate.exercises) == (2 * READING_WORDS_PER_MINUTE, 1, 1)
    minutes = 2 + MINUTES_PER_CODE_CELL + MINUTES_PER_EXERCISE
    assert estimate.hours == round(minutes / 60 * 4) / 4


def test_written_chapters_take_their_hours_from_their_pages():
    from pathlib import Path

    from companion.course.course_map import PLANNED_HOURS, estimate_time

    book = Path(__file__).resolve().parents[1] / "book"
    for ch in CHAPTERS:
        page = book / f"{ch.slug}.md"
        expected = estimate_time(page.read_text(encoding="utf-8")).hours if page.is_file() else PLANNED_HOURS[ch.number]
        assert ch.hours == expected, ch.number
