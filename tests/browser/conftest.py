"""Serve the built book on localhost and drive Debian's Chromium with Playwright.

Every request to a host other than the local server is aborted and recorded,
so a test sees the book exactly as a reader with no network would.

The sites and the table of contents can be pointed elsewhere (to test a build
made into another folder): BOOK_HTML (default _build/html), STUDENT_HTML
(default _build/student/_build/html, from ``make book-student``) and BOOK_TOC
(default _toc.yml).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("BOOK_HTML", REPO / "_build" / "html"))
STUDENT_SITE = Path(os.environ.get("STUDENT_HTML", REPO / "_build" / "student" / "_build" / "html"))
TOC = Path(os.environ.get("BOOK_TOC", REPO / "_toc.yml"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def toc_pages() -> list[str]:
    """Paths (relative to the site, without .html) of every page in the table of contents, at any depth."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return pages


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep pytest's output readable
        pass


def serve(site: Path, what: str):
    """Serve ``site`` on a free localhost port; yields its URL."""
    if not (site / "index.html").exists():
        pytest.fail(f"{site} has no index.html: build {what} first")
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def site_url():
    yield from serve(SITE, "the book (make book)")


@pytest.fixture(scope="session")
def student_site_url():
    yield from serve(STUDENT_SITE, "the student edition (make book-student)")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test-browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class OfflinePage:
    """A browser page that may talk only to the local server, recording every problem."""

    def __init__(self, browser, site_url: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.site_url = site_url
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(f"{request.url} ({request.failure})"))
        self.page.on("response", self._record_http_errors)

    def _only_local(self, route):
        url = route.request.url
        if url.startswith(self.site_url) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _record_http_errors(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url} (HTTP {response.status})")

    def open(self, path: str):
        self.page.goto(f"{self.site_url}/{path}", wait_until="load")
        return self.page

    def assert_clean(self) -> None:
        """No script errors, no failed requests, no attempt to reach another host."""
        assert self.errors == [], f"JavaScript errors: {self.errors}"
        assert self.failed == [], f"failed requests: {self.failed}"
        assert self.blocked == [], f"requests to other hosts: {self.blocked}"

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(browser, site_url):
    page = OfflinePage(browser, site_url)
    yield page
    page.close()


@pytest.fixture
def student_offline_page(browser, student_site_url):
    page = OfflinePage(browser, student_site_url)
    yield page
    page.close()
