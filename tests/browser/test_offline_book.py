"""The built book, read in Chromium with every outside host blocked."""

from __future__ import annotations

import pytest

from conftest import SITE, toc_pages

MATH_SELECTOR = ".math"  # Sphinx wraps every equation in an element of class math


@pytest.mark.browser
@pytest.mark.parametrize("page_path", toc_pages())
def test_page_loads_offline_with_math_typeset(offline_page, page_path):
    page = offline_page.open(f"{page_path}.html")
    equations = page.locator(MATH_SELECTOR).count()
    if equations:
        # MathJax replaces the TeX of each equation with an <mjx-container>.
        page.wait_for_function(
            f"document.querySelectorAll('mjx-container').length >= {equations}", timeout=30_000
        )
        assert page.locator("mjx-container merror").count() == 0, "MathJax reported a TeX error"
    page.wait_for_load_state("networkidle")
    assert offline_page.errors == [], f"JavaScript errors: {offline_page.errors}"
    assert offline_page.failed == [], f"failed requests: {offline_page.failed}"
    assert offline_page.blocked == [], f"requests to other hosts: {offline_page.blocked}"


@pytest.mark.browser
def test_vanilla_rnn_chapter_shows_typeset_equations(offline_page):
    page = offline_page.open("book/ch07_vanilla_rnn.html")
    page.wait_for_function("document.querySelectorAll('mjx-container').length > 10", timeout=30_000)
    assert page.locator("mjx-container[display='true']").count() >= 3, "display equations not typeset"
    # The typeset output is drawn with MathJax's own web fonts, served by the site.
    page.screenshot(path=str(SITE.parent / "ch07_offline.png"), full_page=False)
