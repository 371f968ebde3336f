"""Headline results that the chapters record for the book's results page.

A chapter calls :func:`record_result` in a hidden cell once it has computed a
number worth putting beside the rest of the book: a model's test error, the
baseline it was compared with, and, where one exists, the figure a paper
published with its source. The entry is glued (myst-nb's ``glue``, not
displayed) under the name ``result_<key>``, as an
``application/vnd.companion.result+json`` bundle, so it is stored with the
executed notebook, in the execution cache too, and never goes stale.

When the book is written out, ``book/_ext/results_table.py`` collects the
entries from the glue data myst-nb saves for every page
(``_build/jupyter_execute/<page>.glue.json``, read by :func:`results_in_glue`),
writes one JSON file per chapter to ``_build/results/chNN.json``
(:func:`write_results`; the tests read those) and fills in the table of
``book/results.md``. No number is copied by hand.

    record_result(15, "sunspots-lstm", what="Sunspots, one-step test RMSE (LSTM)",
                  value=lstm_rmse, baseline=naive_rmse, baseline_name="naive forecast",
                  better="lower", unit="sunspots")
"""
from __future__ import annotations

import json
import math
from pathlib import Path

__all__ = ["MIME", "result_entry", "record_result", "results_in_glue", "write_results", "read_results"]

MIME = "application/vnd.companion.result+json"


def _number(name: str, value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, str)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    number = float(value)  # NumPy and torch scalars convert too
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite; got {number}")
    return number


def result_entry(chapter: int, key: str, *, what: str, value: float, better: str,
                 unit: str = "", baseline: float | None = None, baseline_name: str = "",
                 published: str = "", source: str = "", digits: int = 3, percent: bool = False) -> dict:
    """One headline number of chapter ``chapter`` under ``key``, checked, as a JSON-ready dict.

    ``better`` is "lower" or "higher" (how to read ``value`` against ``baseline``).
    ``published`` is a published figure as text (with its setup, e.g. "0.0 MSE at T=400"),
    ``source`` its citation ("Le et al., 2015"); both stay empty where none exists.
    ``digits`` is the number of significant digits the page shows; ``percent=True`` shows a
    fraction (an accuracy, an error rate) as a percentage and compares it in percentage points.

    :func:`record_result` takes the same arguments and records the entry.
    """
    if not isinstance(chapter, int) or isinstance(chapter, bool) or not 1 <= chapter <= 99:
        raise ValueError(f"chapter must be an int from 1 to 99; got {chapter!r}")
    if not isinstance(key, str) or not key or any(c.isspace() for c in key):
        raise ValueError(f"key must be a non-empty string without spaces; got {key!r}")
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher'; got {better!r}")
    if not what:
        raise ValueError("what must say what the number is")
    if (baseline is None) != (not baseline_name):
        raise ValueError("give baseline and baseline_name together, or neither")
    if bool(published) != bool(source):
        raise ValueError("a published figure needs its source, and a source its figure")
    if percent and not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"percent=True expects a fraction from 0 to 1; got {value}")
    entry = {
        "chapter": chapter, "key": key, "what": what, "unit": unit, "better": better,
        "value": _number("value", value), "baseline": _number("baseline", baseline),
        "baseline_name": baseline_name, "published": published, "source": source,
        "digits": int(digits), "percent": bool(percent),
    }
    return entry


class _Recorded:
    """An entry as a display bundle: the results MIME type, and a line of text for people."""

    def __init__(self, entry: dict) -> None:
        self.entry = entry

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        entry = self.entry
        number = f"{100 * entry['value']:.{entry['digits']}g}%" if entry["percent"] else f"{entry['value']:.{entry['digits']}g}"
        return {MIME: entry, "text/plain": f"{entry['what']}: {number} {entry['unit']}".rstrip()}


def record_result(chapter: int, key: str, **fields) -> None:
    """Check one headline number (the arguments of :func:`result_entry`) and glue it for the results page.

    Call it in a hidden cell of a chapter; outside a notebook kernel it only checks its arguments.
    """
    entry = result_entry(chapter, key, **fields)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is not None:
        from myst_nb import glue

        glue(f"result_{key.replace('-', '_')}", _Recorded(entry), display=False)


def results_in_glue(glue_data: dict) -> list[dict]:
    """The entries among a page's glue data (the contents of myst-nb's ``<page>.glue.json``), in order."""
    return [output["data"][MIME] for output in glue_data.values() if MIME in output.get("data", {})]


def write_results(entries: list[dict], directory: Path | str) -> list[Path]:
    """Write ``entries`` as one ``chNN.json`` per chapter into ``directory`` (emptied of old ones first)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("ch[0-9][0-9].json"):
        old.unlink()
    by_chapter: dict[int, dict] = {}
    for entry in entries:
        by_chapter.setdefault(entry["chapter"], {})[entry["key"]] = entry
    written = []
    for chapter, chapter_entries in sorted(by_chapter.items()):
        path = directory / f"ch{chapter:02d}.json"
        path.write_text(json.dumps(chapter_entries, indent=1) + "\n")
        written.append(path)
    return written


def read_results(directory: Path | str) -> list[dict]:
    """Every entry of the ``chNN.json`` files in ``directory``, by chapter, in the order recorded."""
    directory = Path(directory)
    found = []
    for path in sorted(directory.glob("ch[0-9][0-9].json")):
        found.extend(json.loads(path.read_text()).values())
    return found
