"""The glossary and the chapters agree: every entry is used, every {term} names an entry.

The strict book build (-W -n) already fails on a {term} that names no entry;
these tests say the same without a build, and add what Sphinx does not check:
that no entry sits in the glossary unreferenced, and that the entries are sorted.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
GLOSSARY = BOOK / "glossary.md"

BLOCK = re.compile(r"^```\{glossary\}\n(.*?)^```", re.S | re.M)
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")


def glossary_entries(text: str) -> list[list[str]]:
    """The entries of the page's glossary block, each the list of its names (a name is an unindented line)."""
    match = BLOCK.search(text)
    assert match, "book/glossary.md needs a ```{glossary} block"
    entries: list[list[str]] = []
    names: list[str] = []
    for line in match.group(1).splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line[0].isspace():  # the definition ends the list of names
            if names:
                entries.append(names)
                names = []
        else:
            names.append(line.strip())
    assert not names, f"glossary names with no definition: {names}"
    return entries


def term_references(text: str) -> list[str]:
    """The targets of the {term} roles in a page: `text <target>` or `target`."""
    targets = []
    for inner in TERM_ROLE.findall(text):
        explicit = re.fullmatch(r"(?s).*?<([^<>]+)>\s*", inner)
        targets.append((explicit.group(1) if explicit else inner).strip())
    return targets


def chapter_pages() -> list[Path]:
    return [page for page in sorted(BOOK.glob("*.md")) if page != GLOSSARY]


def test_the_glossary_has_forty_to_seventy_sorted_entries():
    entries = glossary_entries(GLOSSARY.read_text())
    assert 40 <= len(entries) <= 70, len(entries)
    firsts = [names[0].lower() for names in entries]
    assert firsts == sorted(firsts), "glossary entries are not sorted"
    every_name = [name.lower() for names in entries for name in names]
    assert len(every_name) == len(set(every_name)), "a name is defined twice"


def test_every_term_role_names_a_glossary_entry():
    names = {name.lower() for names in glossary_entries(GLOSSARY.read_text()) for name in names}
    unknown = [f"{page.name}: {target}" for page in [*chapter_pages(), GLOSSARY]
               for target in term_references(page.read_text()) if target.lower() not in names]
    assert not unknown, "{term} roles that name no glossary entry:\n" + "\n".join(unknown)


def test_every_glossary_entry_is_referenced_from_a_chapter():
    used = {target.lower() for page in chapter_pages() for target in term_references(page.read_text())}
    unused = [names[0] for names in glossary_entries(GLOSSARY.read_text())
              if not any(name.lower() in used for name in names)]
    assert not unused, "glossary entries no chapter references with {term}: " + ", ".join(unused)


def test_the_parsers_see_what_they_should():
    page = "```{glossary}\nLSTM\nlong short-term memory\n  A cell.\n\nGRU\n  Another.\n```\n"
    assert glossary_entries(page) == [["LSTM", "long short-term memory"], ["GRU"]]
    text = "A {term}`GRUs <GRU>` and an {term}`LSTM`, not `{term}` alone."
    assert term_references(text) == ["GRU", "LSTM"]
