"""The results page's table, filled in from what the chapters recorded: ```{results-table}```.

Chapters record headline numbers with ``companion.course.results.record_result``
in hidden cells; each entry is glued, and myst-nb saves every page's glue data
to ``_build/jupyter_execute/<page>.glue.json``, whether the page was executed
now or taken from the cache. When the page holding the directive is
written out (``doctree-resolved``, after every page has been read and executed),
this extension

1. collects the entries of every page in the build,
2. writes them to ``<build>/results/chNN.json`` (``_build/results`` for
   ``make book``), where the tests read them, and
3. replaces the directive with one table: chapter, result, our value, the
   baseline and how we compare with it, and the published figure with its source.

Options: ``:require: 5 9 13`` lists chapters that must have recorded something;
a required chapter in the build with no entry is a warning (so an error under
``-W``), as is a page with no entries at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_ref import chapter_docname  # noqa: E402

logger = logging.getLogger(__name__)


class results_placeholder(nodes.General, nodes.Element):
    """Where the table goes, once every page has been executed."""


class ResultsTable(SphinxDirective):
    has_content = False
    option_spec = {"require": directives.unchanged}

    def run(self):
        node = results_placeholder()
        node["require"] = [int(number) for number in self.options.get("require", "").split()]
        node.source, node.line = self.get_source_info()
        pages = getattr(self.env, "results_table_pages", set())
        pages.add(self.env.docname)
        self.env.results_table_pages = pages
        return [node]


def always_rewritten(app, env, added, changed, removed):
    """Pages with the table are read again on every build, so their numbers are never stale."""
    return sorted(getattr(env, "results_table_pages", set()) - set(removed))


def forget_page(app, env, docname):
    getattr(env, "results_table_pages", set()).discard(docname)


def merge_pages(app, env, docnames, other):
    env.results_table_pages = getattr(env, "results_table_pages", set()) | (
        getattr(other, "results_table_pages", set()) & set(docnames))


def collected_entries(app: Sphinx) -> list[dict]:
    from companion.course.results import results_in_glue

    executed = Path(app.outdir).parent / "jupyter_execute"
    entries = []
    for docname in sorted(app.env.found_docs):
        path = executed / f"{docname}.glue.json"
        if path.exists():
            entries.extend(results_in_glue(json.loads(path.read_text())))
    return sorted(entries, key=lambda entry: entry["chapter"])  # stable: keeps each chapter's order


def shown(value: float, entry: dict) -> str:
    if entry.get("percent"):
        return f"{100 * value:.{entry['digits']}g}%"
    return f"{value:.{entry['digits']}g}"


def comparison(entry: dict) -> str:
    """'better by 42%' or 'worse by 3%' against the baseline, in the direction the entry states
    (percentage points for entries shown as percentages)."""
    value, baseline = entry["value"], entry["baseline"]
    if baseline is None:
        return ""
    if entry.get("percent"):
        points = 100 * (value - baseline)
        if abs(points) < 1.0:
            return "level with it (within 1 point)"
        improved = points < 0 if entry["better"] == "lower" else points > 0
        return f"{'better' if improved else 'worse'} by {abs(points):.1f} points"
    if baseline == 0:
        return "equal" if value == 0 else ("better" if (value < 0) == (entry["better"] == "lower") else "worse")
    change = (value - baseline) / abs(baseline)
    improved = change < 0 if entry["better"] == "lower" else change > 0
    if abs(change) < 0.01:
        return "level with it (within 1%)"
    return f"{'better' if improved else 'worse'} by {abs(change):.0%}"


def paragraph(*parts: nodes.Node | str) -> nodes.paragraph:
    node = nodes.paragraph()
    for part in parts:
        node += nodes.Text(part) if isinstance(part, str) else part
    return node


def table(app: Sphinx, fromdocname: str, entries: list[dict]) -> nodes.table:
    headers = ["Ch.", "Result", "Ours", "Baseline", "Against the baseline", "Published (source)"]
    widths = [4, 30, 9, 20, 12, 25]
    group = nodes.tgroup(cols=len(headers))
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        row += nodes.entry("", paragraph(header))
    head += row
    group += head
    body = nodes.tbody()
    for entry in entries:
        target = chapter_docname(app.env.found_docs, entry["chapter"])
        chapter = nodes.Text(str(entry["chapter"]))
        if target is not None:
            chapter = nodes.reference("", str(entry["chapter"]), internal=True,
                                      refuri=app.builder.get_relative_uri(fromdocname, target))
        unit = f" {entry['unit']}" if entry["unit"] else ""
        baseline = ""
        if entry["baseline"] is not None:
            baseline = f"{shown(entry['baseline'], entry)}{unit} ({entry['baseline_name']})"
        published = f"{entry['published']} ({entry['source']})" if entry["published"] else "none"
        cells = [paragraph(chapter), paragraph(entry["what"]),
                 paragraph(shown(entry["value"], entry) + unit), paragraph(baseline),
                 paragraph(comparison(entry)), paragraph(published)]
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", cell)
        body += row
    group += body
    result = nodes.table(classes=["results-table"])
    result += group
    return result


def fill_results_tables(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    placeholders = list(doctree.findall(results_placeholder))
    if not placeholders:
        return
    from companion.course.results import write_results

    entries = collected_entries(app)
    write_results(entries, Path(app.outdir).parent / "results")
    recorded = {entry["chapter"] for entry in entries}
    for node in placeholders:
        if not entries:
            logger.warning("results-table: no chapter recorded any result", location=node)
        for number in node["require"]:
            if chapter_docname(app.env.found_docs, number) is not None and number not in recorded:
                logger.warning(f"results-table: chapter {number} is in the book but recorded no result "
                               "(call companion.course.results.record_result in a hidden cell)",
                               location=node)
        node.replace_self(table(app, fromdocname, entries))


def setup(app: Sphinx) -> dict:
    app.add_node(results_placeholder)
    app.add_directive("results-table", ResultsTable)
    app.connect("doctree-resolved", fill_results_tables)
    app.connect("env-get-outdated", always_rewritten)
    app.connect("env-purge-doc", forget_page)
    app.connect("env-merge-info", merge_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
