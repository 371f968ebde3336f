"""The numbers the built book recorded (``_build/results``), against the claims its chapters make.

Run after ``make book`` (``make test-book`` does; ``make test-numerics`` runs them again on the
numbers of its own build, named by ``$COMPANION_BUILT_RESULTS``): the chapters' hidden cells assert their own
claims while they execute; these tests read the same numbers back from the files the results
page was built from, so a page that stopped recording, or recorded something else, fails here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from companion.course.results import read_results

ROOT = Path(__file__).resolve().parents[2]
# make test-numerics points this at its own build's results.
RESULTS = Path(os.environ.get("COMPANION_BUILT_RESULTS", ROOT / "_build" / "results"))


def chapters_in_book() -> set[int]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    return {int(name.split("/")[-1][2:4]) for name in files if name.split("/")[-1].startswith("ch")}


@pytest.fixture(scope="module")
def recorded() -> dict[tuple[int, str], dict]:
    if not RESULTS.is_dir():
        pytest.fail(f"{RESULTS} is missing: build the book first (make book)")
    return {(entry["chapter"], entry["key"]): entry for entry in read_results(RESULTS)}


def value(recorded, chapter: int, key: str) -> dict:
    assert (chapter, key) in recorded, f"chapter {chapter} recorded no {key!r}; it has " + \
        ", ".join(k for c, k in recorded if c == chapter)
    return recorded[chapter, key]


def test_every_chapter_that_measures_something_recorded_it(recorded):
    required = {5, 9, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22} & chapters_in_book()
    assert required <= {chapter for chapter, _ in recorded}, required - {c for c, _ in recorded}
    assert {chapter for chapter, _ in recorded} <= chapters_in_book(), "a result from a chapter not in the book"


def test_entries_are_complete(recorded):
    for entry in recorded.values():
        assert entry["what"] and entry["better"] in ("lower", "higher")
        assert (entry["baseline"] is None) == (not entry["baseline_name"])


def test_forecasting_claims(recorded):
    sunspots = value(recorded, 15, "sunspots-lstm")
    assert sunspots["value"] <= 0.65 * sunspots["baseline"]  # beats naive by at least 35%
    co2 = value(recorded, 15, "co2-lstm")
    assert co2["value"] < co2["baseline"]  # beats seasonal naive with drift
    walk = value(recorded, 15, "random-walk-lstm")
    assert walk["value"] > 0.98  # nothing beats naive on a random walk


def test_sentiment_claims(recorded):
    negation = value(recorded, 17, "negation-bilstm")
    assert negation["value"] >= 0.95 and negation["baseline"] <= 0.70


def test_dates_claims(recorded):
    dates = value(recorded, 18, "dates-attention")
    assert dates["value"] >= 0.95 and dates["baseline"] < dates["value"]


def test_data_parallel_claim(recorded):
    assert value(recorded, 22, "ddp-weight-difference")["value"] < 1e-10


def test_morse_claims(recorded):
    cer = value(recorded, 19, "morse-test-cer")
    assert cer["value"] < 0.05  # character error rate under 5% on held-out generated audio
    sender = value(recorded, 19, "morse-sender-chance")
    assert sender["value"] > 2 * sender["baseline"]  # well above chance


def test_long_range_claims(recorded):
    lstm = value(recorded, 21, "adding-lstm-100")
    assert lstm["value"] < 0.01 and abs(lstm["baseline"] - 1 / 6) < 1e-12  # the LSTM solves T = 100
    tanh = value(recorded, 21, "adding-tanh-100")
    assert 0.12 < tanh["value"] < 0.25  # the tanh RNN stays near the constant predictor's 1/6
    assert lstm["source"] and tanh["source"]  # published results sit beside ours
