"""The results page: what record_result accepts, how entries travel through notebooks, the table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from companion.course.results import MIME, read_results, record_result, result_entry, results_in_glue, write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import results_table  # noqa: E402


def entry(chapter=15, key="lstm", value=10.0, baseline=20.0, better="lower", **extra):
    named = {"baseline_name": "naive"} if baseline is not None else {}
    return result_entry(chapter, key, what="an RMSE", value=value, better=better, baseline=baseline,
                        **named, **extra)


def test_entry_keeps_what_it_was_given_and_converts_numpy_scalars():
    got = entry(value=np.float32(1.5), baseline=np.int64(3), unit="ppm")
    assert got["value"] == 1.5 and type(got["value"]) is float
    assert got["baseline"] == 3.0 and got["unit"] == "ppm" and got["baseline_name"] == "naive"
    json.dumps(got)  # JSON-ready


@pytest.mark.parametrize("bad, message", [
    (dict(chapter=0), "chapter must be an int from 1 to 99"),
    (dict(chapter="15"), "chapter must be an int"),
    (dict(key="two words"), "key must be a non-empty string without spaces"),
    (dict(key=""), "key must be a non-empty string"),
    (dict(better="smaller"), "better must be 'lower' or 'higher'"),
    (dict(value=float("nan")), "value must be finite"),
    (dict(baseline=float("inf")), "baseline must be finite"),
    (dict(published="1.2 bpc"), "a published figure needs its source"),
    (dict(source="Graves, 2013"), "a published figure needs its source"),
    (dict(value=1.5, percent=True), "percent=True expects a fraction from 0 to 1"),
])
def test_bad_entries_are_refused_with_a_message(bad, message):
    with pytest.raises(ValueError, match=message):
        entry(**bad)


def test_value_must_be_a_number():
    with pytest.raises(TypeError, match="value must be a number; got str"):
        entry(value="12.5")


def test_baseline_and_its_name_come_together():
    with pytest.raises(ValueError, match="give baseline and baseline_name together"):
        result_entry(15, "x", what="RMSE", value=1.0, better="lower", baseline=2.0)
    with pytest.raises(ValueError, match="give baseline and baseline_name together"):
        record_result(15, "x", what="RMSE", value=1.0, better="lower", baseline_name="naive")


def test_record_result_outside_a_kernel_checks_and_returns_nothing():
    assert record_result(15, "x", what="RMSE", value=1.0, better="lower") is None
    with pytest.raises(ValueError, match="better must be"):
        record_result(15, "x", what="RMSE", value=1.0, better="down")


def test_entries_travel_through_an_executed_notebook(tmp_path):
    """Record in a real kernel, extract the glue data as myst-nb does, write and read the JSON."""
    nbformat = pytest.importorskip("nbformat")
    from myst_nb.ext.glue import extract_glue_data
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from companion.course.results import record_result\n"
                                  "from myst_nb import glue\n"
                                  "glue('other', 3.5, display=False)\n"
                                  "record_result(15, 'a', what='RMSE', value=2.5, better='lower',"
                                  " baseline=4.0, baseline_name='naive')"),
        nbformat.v4.new_code_cell("print('no entry here')"),
        nbformat.v4.new_code_cell("record_result(17, 'b', what='accuracy', value=0.97, better='higher',"
                                  " percent=True)\n"
                                  "record_result(15, 'c', what='MAE', value=1.0, better='lower')"),
    ])
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    assert notebook.cells[0].outputs and all(o.output_type == "display_data" for o in notebook.cells[0].outputs)
    glue_data = json.loads(json.dumps(extract_glue_data(notebook, [1, 2, 3], None)))  # as <page>.glue.json
    assert glue_data["result_b"]["data"]["text/plain"] == "accuracy: 97%"
    entries = results_in_glue(glue_data)
    assert [e["key"] for e in entries] == ["a", "b", "c"]
    assert entries[0]["baseline"] == 4.0 and entries[1]["percent"] is True

    (tmp_path / "ch99.json").write_text("{}")  # a chapter gone from the book leaves no file behind
    written = write_results(entries, tmp_path)
    assert [p.name for p in written] == ["ch15.json", "ch17.json"]
    assert not (tmp_path / "ch99.json").exists()
    assert [(e["chapter"], e["key"]) for e in read_results(tmp_path)] == [(15, "a"), (15, "c"), (17, "b")]


def test_glue_without_entries_is_ignored():
    glue_data = {"x": {"data": {"text/plain": "'3'"}}, "y": {"data": {MIME: {"key": "k"}}}}
    assert results_in_glue(glue_data) == [{"key": "k"}]


@pytest.mark.parametrize("value, baseline, better, words", [
    (10.0, 20.0, "lower", "better by 50%"),
    (30.0, 20.0, "lower", "worse by 50%"),
    (0.9, 0.6, "higher", "better by 50%"),
    (0.5, 0.6, "higher", "worse by 17%"),
    (20.15, 20.0, "lower", "level with it (within 1%)"),
    (20.3, 20.0, "lower", "worse by 2%"),
    (0.0, 0.0, "lower", "equal"),
])
def test_comparison_reads_in_the_direction_of_the_number(value, baseline, better, words):
    assert results_table.comparison(entry(value=value, baseline=baseline, better=better)) == words


@pytest.mark.parametrize("value, baseline, better, words", [
    (0.985, 0.054, "higher", "better by 93.1 points"),
    (0.40, 0.45, "higher", "worse by 5.0 points"),
    (0.03, 0.97, "lower", "better by 94.0 points"),
    (0.965, 0.958, "higher", "level with it (within 1 point)"),
])
def test_percentages_compare_in_points(value, baseline, better, words):
    assert results_table.comparison(entry(value=value, baseline=baseline, better=better, percent=True)) == words
    assert results_table.shown(value, entry(value=value, percent=True, digits=3)) == f"{100 * value:.3g}%"


def test_no_baseline_no_comparison():
    assert results_table.comparison(entry(baseline=None)) == ""


def fake_app(tmp_path: Path, notebooks: dict[str, list[dict]], found_docs: set[str]):
    executed = tmp_path / "jupyter_execute"
    for docname, entries in notebooks.items():
        path = executed / f"{docname}.glue.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        glue_data = {f"result_{e['key']}": {"data": {MIME: e, "text/plain": "..."}} for e in entries}
        path.write_text(json.dumps({"other_glue": {"data": {"text/plain": "1"}}, **glue_data}))
    return SimpleNamespace(outdir=str(tmp_path / "html"), env=SimpleNamespace(found_docs=found_docs),
                           builder=SimpleNamespace(get_relative_uri=lambda src, dst: dst.split("/")[-1] + ".html"))


def page_with_table(require: list[int]) -> nodes.document:
    document = new_document("results", get_default_settings(Parser))
    placeholder = results_table.results_placeholder()
    placeholder["require"] = require
    document += placeholder
    return document


def test_table_is_filled_from_every_page_and_written_as_json(tmp_path):
    docs = {"book/ch15_forecasting", "book/ch17_classification", "book/results"}
    app = fake_app(tmp_path, {
        "book/ch17_classification": [entry(17, "neg", 0.98, 0.5, "higher")],
        "book/ch15_forecasting": [entry(15, "lstm", 10.0, 20.0, published="9.1", source="Someone, 2001")],
        "book/ch13_training_pytorch": [entry(13, "stale")],  # executed once, no longer in the book
    }, docs)
    document = page_with_table([15, 17])
    results_table.fill_results_tables(app, document, "book/results")
    rows = [row.astext().split("\n\n") for row in document.findall(nodes.row)]
    assert rows[0][:3] == ["Ch.", "Result", "Ours"]
    assert [row[0] for row in rows[1:]] == ["15", "17"]
    assert rows[1][2:] == ["10", "20 (naive)", "better by 50%", "9.1 (Someone, 2001)"]
    assert rows[2][4:] == ["better by 96%", "none"]
    links = [ref["refuri"] for ref in document.findall(nodes.reference)]
    assert links == ["ch15_forecasting.html", "ch17_classification.html"]
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["ch15.json", "ch17.json"]


def test_required_chapter_without_entries_warns(tmp_path):
    docs = {"book/ch15_forecasting", "book/ch17_classification", "book/results"}
    app = fake_app(tmp_path, {"book/ch15_forecasting": [entry(15)]}, docs)
    warnings = []
    original = results_table.logger.warning
    results_table.logger.warning = lambda message, **kw: warnings.append(message)
    try:
        results_table.fill_results_tables(app, page_with_table([15, 17, 21]), "book/results")
    finally:
        results_table.logger.warning = original
    assert len(warnings) == 1 and "chapter 17 is in the book but recorded no result" in warnings[0]


def test_pages_with_the_table_are_always_read_again():
    env = SimpleNamespace(results_table_pages={"book/results"})
    assert results_table.always_rewritten(None, env, set(), set(), set()) == ["book/results"]
    assert results_table.always_rewritten(None, env, set(), set(), {"book/results"}) == []


def test_student_and_numerics_builds_load_the_extension():
    """Both builds copy the local extensions from _config.yml; the page's directive must not go missing."""
    out = subprocess.run([sys.executable, "-c", "import yaml; print(yaml.safe_load(open('_config.yml'))"
                          "['sphinx']['local_extensions'])"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "results_table" in out.stdout
