"""The offline link checker finds dead files and dead anchors in a small planted site, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.course.links import check_site, main

PAGES = {
    "index.html": '<html><body id="top"><a href="book/ch01.html">one</a> <a href="book/ch01.html#intro">intro</a>'
                  '<a href="#top">top</a> <a href="https://example.org/missing">out</a> <a href="mailto:x@y.z">mail</a>'
                  '<img src="_static/logo.png"><a href="book/">folder</a></body></html>',
    "book/index.html": "<html><body></body></html>",
    "book/ch01.html": '<html><body><section id="intro"><a name="old-name"></a>'
                      '<a href="../index.html#top">home</a> <a href="ch01.html#old-name">legacy</a>'
                      '<a href="#intro">self</a> <a href="ch%2001.html">spaced</a></section></body></html>',
    "book/ch 01.html": "<html><body></body></html>",
    "_static/logo.png": "png",
    "_static/template.html": "<a href=\"{{ pathto('x') }}\">a theme template, not a page</a>",
}


def plant(root: Path, extra: dict[str, str] | None = None) -> Path:
    for name, text in {**PAGES, **(extra or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_site_whose_links_all_resolve_passes(tmp_path):
    assert check_site(plant(tmp_path)) == []


@pytest.mark.parametrize("href, reason", [
    ("book/ch02.html", "no such file"),
    ("book/ch01.html#outro", "no id 'outro' in ch01.html"),
    ("#nowhere", "no id 'nowhere' in index.html"),
    ("_static/missing.css", "no such file"),
    ("../outside.html", "points outside the site"),
])
def test_a_planted_dead_link_is_reported_with_its_page_and_reason(tmp_path, href, reason):
    index = PAGES["index.html"].replace("</body>", f'<p>\n<a href="{href}">dead</a></p></body>')
    broken = check_site(plant(tmp_path, {"index.html": index}))
    assert [(b.page.name, b.line, b.url, b.reason) for b in broken] == [("index.html", 2, href, reason)]


def test_a_dead_image_source_is_reported(tmp_path):
    broken = check_site(plant(tmp_path, {"book/index.html": '<img src="../_static/gone.png">'}))
    assert [b.reason for b in broken] == ["no such file"]


def test_the_command_line_fails_on_a_dead_anchor_and_names_it(tmp_path, capsys):
    good = plant(tmp_path / "good")
    bad = plant(tmp_path / "bad", {"book/index.html": '<a href="ch01.html#gone">x</a>'})
    assert main([str(good)]) == 0
    assert main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ch01.html#gone (no id 'gone' in ch01.html)" in out and "1 broken internal link(s)" in out


def test_a_folder_that_is_not_a_built_site_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no index.html"):
        check_site(tmp_path)
