"""The student edition (``make book-student``) shows the exercises and none of the solutions.

The full book (``make book``) is the reference: every solution it shows, read
from its HTML, must be absent from the student edition, from every page, from
the search index and from any copied page source. Both builds must exist.
"""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path

import pytest

from conftest import REPO, SITE, STUDENT_SITE, toc_pages

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class SolutionSplitter(html.parser.HTMLParser):
    """Splits a page's text into what lies inside sphinx-exercise solution blocks and the rest."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it (inside) a solution?
        self.solutions: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        inside = bool(self.stack and self.stack[-1])
        classes = (dict(attrs).get("class") or "").split()
        if "solution" in classes and not inside:
            self.solutions.append("")
        self.stack.append(inside or "solution" in classes)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            self.solutions[-1] += data
        else:
            self.other.append(data)


def normalise(text: str) -> str:
    return " ".join(text.split())


def split_page(path: Path) -> tuple[list[str], str]:
    """(the text of each solution block, all other text), both with whitespace normalised."""
    splitter = SolutionSplitter()
    splitter.feed(path.read_text(encoding="utf-8"))
    return [normalise(s) for s in splitter.solutions], normalise("".join(splitter.other))


def site_text(site: Path) -> str:
    """All text a reader or a search could reach: every page, the search index, page sources, downloads."""
    parts = []
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            parts.append(split_page(path)[1] + " " + " ".join(split_page(path)[0]))
        elif path.suffix in {".js", ".txt", ".md", ".py", ".ipynb"} and "_static" not in path.parts:
            parts.append(normalise(path.read_text(encoding="utf-8", errors="replace")))
    return "\n".join(parts)


def stub_lines() -> set[str]:
    """Every line of the student notebooks' code: signatures and docstrings that solutions share with stubs."""
    lines = set()
    for notebook in (REPO / "exercises").glob("*.ipynb"):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            lines |= {normalise(line) for line in source.splitlines()}
    return lines


def full_book_other_text() -> str:
    """The text of every page of the full book outside its solutions (code the chapters show, prose)."""
    return "\n".join(split_page(path)[1] for path in sorted(SITE.rglob("*.html")))


def solution_lines(path: Path, other: str) -> list[str]:
    """Lines of the page's solutions (code lines and paragraphs) found nowhere outside solutions or in the stubs.

    A line such as ``for t in reversed(range(T)):`` also appears in package code
    that another chapter shows; finding it in the student edition leaks nothing.
    """
    splitter = SolutionSplitter()
    splitter.feed(path.read_text(encoding="utf-8"))
    lines, given = set(), stub_lines()
    for block in splitter.solutions:
        for line in block.splitlines():
            line = normalise(line)
            if len(line) >= 25 and line not in other and line not in given and not line.startswith("Solution to"):
                lines.add(line)
    return sorted(lines)


@pytest.fixture(scope="module")
def student_text() -> str:
    if not (STUDENT_SITE / "index.html").exists():
        pytest.fail(f"{STUDENT_SITE} has no index.html: build the student edition first (make book-student)")
    return site_text(STUDENT_SITE)


def chapter_pages() -> list[str]:
    return [page for page in toc_pages() if re.match(r"ch\d\d_", Path(page).name)]


def test_a_known_line_of_a_reference_solution_is_in_the_full_book_only(student_text):
    source = (REPO / "companion" / "solutions" / "ch07.py").read_text(encoding="utf-8")
    line = normalise(next(line for line in source.splitlines() if "da = dh_t * (1.0 - h_t**2)" in line))
    full = " ".join(split_page(SITE / "book" / "ch07_vanilla_rnn.html")[0])
    assert line in full, "the full book should show the solution of ch07.rnn_step_backward"
    assert line not in student_text


@pytest.fixture(scope="module")
def shown_elsewhere() -> str:
    return full_book_other_text()


@pytest.mark.parametrize("page", chapter_pages())
def test_no_solution_of_the_full_book_reaches_the_student_edition(page, student_text, shown_elsewhere):
    lines = solution_lines(SITE / f"{page}.html", shown_elsewhere)
    leaked = [line for line in lines if line in student_text]
    assert leaked == [], f"{len(leaked)} of {len(lines)} solution lines of {page} are in the student edition"


def test_the_full_book_has_solutions_to_hide():
    assert sum(len(split_page(SITE / f"{page}.html")[0]) for page in chapter_pages()) > 0


@pytest.mark.parametrize("page", chapter_pages())
def test_the_student_edition_keeps_the_exercises_and_drops_solution_blocks(page):
    solutions, text = split_page(STUDENT_SITE / f"{page}.html")
    full_solutions, full_text = split_page(SITE / f"{page}.html")
    assert solutions == []
    assert "Solution to" not in text
    assert text.count("Exercise ") == full_text.count("Exercise ") > 0  # every exercise, numbered as before


def test_page_sources_are_not_published():
    assert not (STUDENT_SITE / "_sources").exists()


@pytest.mark.browser
def test_a_student_chapter_loads_offline(student_offline_page):
    page = student_offline_page.open("book/ch07_vanilla_rnn.html")
    page.wait_for_function("document.querySelectorAll('mjx-container').length > 10", timeout=30_000)
    assert page.locator(".exercise").count() > 0
    assert page.locator(".solution").count() == 0
    page.wait_for_load_state("networkidle")
    student_offline_page.assert_clean()
