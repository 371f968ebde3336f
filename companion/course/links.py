"""Offline link check of a built HTML site: every internal ``href`` and ``#anchor`` must resolve.

    python -m companion.course.links _build/html _build/student/_build/html

Each ``.html`` file under a site is parsed with the standard library's
``html.parser``. A link to another file must name a file that exists inside
the same site (a folder resolves to its ``index.html``); a link with a
fragment must land on an element whose ``id`` (or an ``<a name=...>``) is that
fragment in the target page. Links with a scheme (``http:``, ``mailto:``,
``data:``, ...) or protocol-relative ones (``//host``) are left alone: the
check is offline. ``src`` attributes of scripts, images and stylesheets are
checked for existence too, since a missing one breaks a page offline.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes whose value is a URL to check, by tag.
URL_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "source": "src"}


@dataclass(frozen=True)
class BrokenLink:
    page: Path
    line: int
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.url} ({self.reason})"


class _PageParser(HTMLParser):
    """Collects the ids (anchors) a page defines and the URLs it points to, with line numbers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()
        self.urls: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.anchors.add(values["id"])
        if tag == "a" and values.get("name"):
            self.anchors.add(values["name"])
        attribute = URL_ATTRIBUTES.get(tag)
        if attribute and values.get(attribute) is not None:
            self.urls.append((self.getpos()[0], values[attribute]))

    handle_startendtag = handle_starttag


def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def site_pages(site: Path) -> list[Path]:
    """The HTML pages of a site; templates the theme leaves in ``_static`` are not pages."""
    return [path for path in sorted(site.rglob("*.html")) if "_static" not in path.relative_to(site).parts]


def check_site(site: Path) -> list[BrokenLink]:
    """Every broken internal link of the site rooted at ``site`` (empty when all resolve)."""
    site = site.resolve()
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"{site} is not a built site: it has no index.html")
    pages = {path: _parse(path) for path in site_pages(site)}
    broken = []
    for page, parsed in pages.items():
        for line, url in parsed.urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                continue  # external or data: URL; the check is offline
            if parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if site != target and site not in target.parents:
                    broken.append(BrokenLink(page, line, url, "points outside the site"))
                    continue
                if not target.is_file():
                    broken.append(BrokenLink(page, line, url, "no such file"))
                    continue
            else:
                target = page
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                anchors = pages[target].anchors if target in pages else _parse(target).anchors
                if fragment not in anchors:
                    broken.append(BrokenLink(page, line, url, f"no id {fragment!r} in {target.name}"))
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sites", nargs="+", type=Path, help="folders of built sites (each with an index.html)")
    args = parser.parse_args(argv)
    failed = False
    for site in args.sites:
        broken = check_site(site)
        count = len(site_pages(site.resolve()))
        print(f"{site}: {count} pages, {len(broken)} broken internal link(s)")
        for link in broken:
            print(f"  {link}")
        failed |= bool(broken)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
