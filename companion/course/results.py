"""Headline results that the chapters record for the book's results page.

A chapter calls :func:`record_result` in a hidden cell once it has computed a
number worth putting beside the rest of the book: a model's test error, the
baseline it was compared with, and, where one exists, the figure a paper
published with its source. Each chapter's results go to one JSON file,
``<results dir>/chNN.json``; the results page (``book/results.md``, filled in by
``book/_ext/results_table.py`` once every page has been executed) and the tests
read the same files, so no number is copied by hand.

The results directory is ``_build/results`` at the repository root, or
``$COMPANION_RESULTS_DIR`` when that is set (the numerics build sets it to its
own folder, so two builds never mix their numbers).

    record_result(15, "sunspots-lstm", what="Sunspots, one-step test RMSE (LSTM)",
                  value=17.3, baseline=29.9, baseline_name="naive forecast",
                  better="lower", unit="sunspots")
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

__all__ = ["record_result", "read_results", "results_dir"]

_REPOSITORY = Path(__file__).resolve().parents[2]
_STARTED: set[int] = set()  # chapters whose file this process has already started afresh


def results_dir() -> Path:
    """Where the chapters' JSON files live (``$COMPANION_RESULTS_DIR`` or ``_build/results``)."""
    override = os.environ.get("COMPANION_RESULTS_DIR")
    return Path(override) if override else _REPOSITORY / "_build" / "results"


def _number(name: str, value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, str)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    number = float(value)  # NumPy and torch scalars convert too
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite; got {number}")
    return number


def record_result(chapter: int, key: str, *, what: str, value: float, better: str,
                  unit: str = "", baseline: float | None = None, baseline_name: str = "",
                  published: str = "", source: str = "", digits: int = 3) -> dict:
    """Record one headline number of chapter ``chapter`` under ``key``; returns the entry.

    ``better`` is "lower" or "higher" (how to read ``value`` against ``baseline``).
    ``published`` is a published figure as text (with its setup, e.g. "0.0 MSE at T=400"),
    ``source`` its citation ("Le et al., 2015"); both stay empty where none exists.
    ``digits`` is the number of significant digits the page shows.

    The first call for a chapter in a process starts that chapter's file afresh, so a
    re-executed chapter never leaves stale entries behind.
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
    entry = {
        "chapter": chapter, "key": key, "what": what, "unit": unit, "better": better,
        "value": _number("value", value), "baseline": _number("baseline", baseline),
        "baseline_name": baseline_name, "published": published, "source": source,
        "digits": int(digits),
    }
    directory = results_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"ch{chapter:02d}.json"
    entries = {}
    if chapter in _STARTED and path.exists():
        entries = json.loads(path.read_text())
    _STARTED.add(chapter)
    entries[key] = entry
    path.write_text(json.dumps(entries, indent=1) + "\n")
    return entry


def read_results(directory: Path | str | None = None) -> list[dict]:
    """Every recorded entry, ordered by chapter and then by the order of recording."""
    directory = Path(directory) if directory is not None else results_dir()
    found = []
    for path in sorted(directory.glob("ch[0-9][0-9].json")):
        found.extend(json.loads(path.read_text()).values())
    return found
