"""The built book, read in Chromium with every outside host blocked."""

from __future__ import annotations

import pytest

from conftest import SITE, toc_pages

MATH_SELECTOR = ".math"  # Sphinx wraps every equation in an element of class math

# Every <img> loaded and decoded: complete, with a real width (a broken image has 0).
IMAGES_LOADED = "Array.from(document.images).every(img => img.complete)"
BROKEN_IMAGES = "Array.from(document.images).filter(img => img.naturalWidth === 0).map(img => img.src)"


@pytest.mark.browser
@pytest.mark.parametrize("page_path", toc_pages())
def test_page_loads_offline_with_math_typeset_and_images_loaded(offline_page, page_path):
    page = offline_page.open(f"{page_path}.html")
    equations = page.locator(MATH_SELECTOR).count()
    if equations:
        # MathJax replaces the TeX of each equation with an <mjx-container>.
        page.wait_for_function(
            f"document.querySelectorAll('mjx-container').length >= {equations}", timeout=30_000
        )
        assert page.locator("mjx-container merror").count() == 0, "MathJax reported a TeX error"
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(img => img.loading = 'eager')")
    page.wait_for_function(IMAGES_LOADED, timeout=30_000)
    assert page.evaluate(BROKEN_IMAGES) == [], "images that did not load"
    page.wait_for_load_state("networkidle")
    offline_page.assert_clean()


@pytest.mark.browser
def test_every_page_of_the_toc_was_built():
    missing = [page for page in toc_pages() if not (SITE / f"{page}.html").exists()]
    assert missing == []


@pytest.mark.browser
def test_search_finds_lstm_offline(offline_page):
    page = offline_page.open("search.html?q=LSTM")
    page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    results = page.locator("#search-results ul.search li a").all_inner_texts()
    assert results, "the search for LSTM returned nothing"
    assert any("LSTM" in title for title in results), results
    page.wait_for_load_state("networkidle")
    offline_page.assert_clean()


@pytest.mark.browser
def test_vanilla_rnn_chapter_shows_typeset_equations(offline_page):
    page = offline_page.open("book/ch07_vanilla_rnn.html")
    page.wait_for_function("document.querySelectorAll('mjx-container').length > 10", timeout=30_000)
    assert page.locator("mjx-container[display='true']").count() >= 3, "display equations not typeset"
    # The typeset output is drawn with MathJax's own web fonts, served by the site.
    page.screenshot(path=str(SITE.parent / "ch07_offline.png"), full_page=False)
    offline_page.assert_clean()
