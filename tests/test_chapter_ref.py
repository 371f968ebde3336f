"""The {chapter} role: a link once the chapter is in the book, "(planned)" before."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

from docutils import nodes
from docutils.utils import new_document
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import chapter_ref  # noqa: E402


def page_with_references(*numbers: int) -> nodes.document:
    document = new_document("test", get_default_settings(Parser))
    paragraph = nodes.paragraph()
    for number in numbers:
        paragraph += chapter_ref.chapter_reference("", f"chapter {number}", number=number)
    document += paragraph
    return document


def resolve(document: nodes.document, found_docs: set[str]) -> None:
    app = SimpleNamespace(env=SimpleNamespace(found_docs=found_docs),
                          builder=SimpleNamespace(get_relative_uri=lambda src, dst: dst.split("/")[-1] + ".html"))
    chapter_ref.resolve_chapter_references(app, document, "book/ch01_why_memory")


def test_chapter_not_in_the_book_reads_planned():
    document = page_with_references(15)
    resolve(document, {"book/ch01_why_memory", "book/ch14_keras"})
    assert document.astext() == "chapter 15 (planned)"
    assert not list(document.findall(nodes.reference))


def test_chapter_in_the_book_becomes_a_link():
    document = page_with_references(14, 15)
    resolve(document, {"book/ch01_why_memory", "book/ch14_keras"})
    links = list(document.findall(nodes.reference))
    assert [link["refuri"] for link in links] == ["ch14_keras.html"]
    assert document.astext() == "chapter 14chapter 15 (planned)"


def test_role_keeps_the_writers_label_and_rejects_a_missing_number():
    inliner = SimpleNamespace(reporter=SimpleNamespace(error=lambda msg, line: nodes.system_message(msg)),
                              problematic=lambda raw, text, msg: nodes.problematic(raw, text))
    [node], messages = chapter_ref.chapter_role("chapter", "", "Chapter 21", 1, inliner)
    assert node.astext() == "Chapter 21" and node["number"] == 21 and not messages
    [node], _ = chapter_ref.chapter_role("chapter", "", "16", 1, inliner)
    assert node.astext() == "chapter 16"
    _, messages = chapter_ref.chapter_role("chapter", "", "the next one", 1, inliner)
    assert messages


def test_book_refers_to_chapters_beyond_ten_only_through_the_role():
    bare = re.compile(r"(?<![`{])\b[Cc]hapters? (1[1-9]|2[0-2])\b")
    found = []
    for page in sorted((ROOT / "book").glob("*.md")):
        if re.match(r"ch(1[1-9]|2\d)_", page.name):  # later chapters are written by others, with links
            continue
        for number, line in enumerate(page.read_text().splitlines(), 1):
            if bare.search(re.sub(r"\{chapter\}`[^`]*`", "", line)):
                found.append(f"{page.name}:{number}: {line.strip()[:80]}")
    assert not found, "write {chapter}`N` for a chapter that may not exist yet:\n" + "\n".join(found)
