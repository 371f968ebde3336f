"""A role for references to chapters by number: {chapter}`15`.

The book is written ahead of itself: Part I points to chapters that are only
planned. A reference written with this role renders as a link to the chapter
("chapter 15") when a page ``book/ch15_*`` is in the table of contents, and as
plain text "chapter 15 (planned)" when it is not. The choice is made when each
page is written out (``doctree-resolved``), from the pages in the current
build, so a chapter that lands in ``_toc.yml`` turns every reference to it into
a link, even on pages whose parsed form comes from the cache.

Forms:

- {chapter}`15`           -> "chapter 15"
- {chapter}`Chapter 15`   -> "Chapter 15" (any text, then the number, last)
- {chapter}`chapters 13`  -> "chapters 13"; write one role per number
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx

FORM = re.compile(r"^(?P<label>.*?)\s*(?P<number>\d{1,2})$")


class chapter_reference(nodes.Inline, nodes.TextElement):
    """A reference to chapter ``number``, resolved when the page is written."""


def chapter_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    match = FORM.match(text.strip())
    if match is None:
        message = inliner.reporter.error(
            f"chapter role needs a chapter number, optionally after some text: got {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    number = int(match["number"])
    label = f"{match['label'] or 'chapter'} {number}"
    node = chapter_reference(rawtext, label, number=number)
    return [node], []


def chapter_docname(found_docs, number: int) -> str | None:
    """The page of chapter ``number`` in this build (``book/ch15_...``), or None."""
    prefix = f"ch{number:02d}_"
    matches = sorted(d for d in found_docs if d.rsplit("/", 1)[-1].startswith(prefix))
    return matches[0] if matches else None


def resolve_chapter_references(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    for node in list(doctree.findall(chapter_reference)):
        label = node.astext()
        target = chapter_docname(app.env.found_docs, node["number"])
        if target is None:
            node.replace_self(nodes.Text(f"{label} (planned)"))
            continue
        reference = nodes.reference("", "", internal=True)
        reference["refuri"] = app.builder.get_relative_uri(fromdocname, target)
        reference += nodes.inline(label, label, classes=["chapter-ref"])
        node.replace_self(reference)


def setup(app: Sphinx) -> dict:
    app.add_node(chapter_reference)
    app.add_role("chapter", chapter_role)
    app.connect("doctree-resolved", resolve_chapter_references)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
