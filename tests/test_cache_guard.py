"""The book re-executes a chapter when companion code it imports changes.

jupyter-cache keys a notebook on its cells only; book/_ext/companion_cache_guard.py
adds the imported package sources to the key. These tests build a two-page
book whose package mimics `companion`, edit a module, and rebuild.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book" / "_ext"))

from companion_cache_guard import dependency_files, dependency_hash, imported_modules  # noqa: E402

PAGE_HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


@pytest.fixture
def tiny_book(tmp_path: Path) -> Path:
    write(tmp_path / "_config.yml", f"""\
        title: tiny
        only_build_toc_files: true
        execute:
          execute_notebooks: cache
        sphinx:
          local_extensions:
            companion_cache_guard: {REPO / "book" / "_ext"}
          config:
            companion_cache_guard_package: minipkg
        """)
    write(tmp_path / "_toc.yml", """\
        format: jb-book
        root: uses_package
        chapters:
          - file: no_package
        """)
    write(tmp_path / "minipkg" / "__init__.py", "")
    write(tmp_path / "minipkg" / "api.py", "from .constants import VALUE\n\ndef answer():\n    return VALUE\n")
    write(tmp_path / "minipkg" / "constants.py", "VALUE = 1\n")
    write(tmp_path / "uses_package.md", PAGE_HEADER + textwrap.dedent("""
        # Uses the package

        ```{code-cell} ipython3
        from minipkg.api import answer
        print(f"answer is {answer()}")
        ```
        """))
    write(tmp_path / "no_package.md", PAGE_HEADER + textwrap.dedent("""
        # Uses nothing

        ```{code-cell} ipython3
        import time
        print(f"ran at {time.time_ns()}")
        ```
        """))
    return tmp_path


def build(book: Path) -> str:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(book), "-W", "--keep-going"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def page_html(book: Path, name: str) -> str:
    return (book / "_build" / "html" / f"{name}.html").read_text()


def test_imported_modules_reads_both_import_forms():
    source = "from companion.scratch.lstm import lstm_forward\nimport companion.scratch.gradcheck\nfrom companion import (\n    plotting,\n    exercises,\n)\nimport numpy"
    assert imported_modules(source, "companion") == {
        "companion.scratch.lstm", "companion.scratch.lstm.lstm_forward", "companion.scratch.gradcheck",
        "companion", "companion.plotting", "companion.exercises",
    }


def test_dependency_files_follow_relative_imports(tiny_book):
    files = dependency_files("from minipkg.api import answer", tiny_book / "minipkg")
    assert sorted(path.name for path in files) == ["__init__.py", "api.py", "constants.py"]
    assert dependency_files("import numpy as np", tiny_book / "minipkg") == []


@pytest.mark.slow
def test_editing_an_imported_module_reexecutes_only_the_pages_that_use_it(tiny_book):
    build(tiny_book)
    assert "answer is 1" in page_html(tiny_book, "uses_package")
    untouched_stamp = page_html(tiny_book, "no_package")

    # A module reached only through api.py's relative import changes.
    write(tiny_book / "minipkg" / "constants.py", "VALUE = 2\n")
    log = build(tiny_book)

    assert "answer is 2" in page_html(tiny_book, "uses_package")
    assert "uses_package: companion code changed; re-executing" in log
    assert page_html(tiny_book, "no_package") == untouched_stamp  # served from the cache


@pytest.mark.slow
def test_stale_outputs_are_not_served_even_after_the_html_is_deleted(tiny_book):
    build(tiny_book)
    write(tiny_book / "minipkg" / "constants.py", "VALUE = 3\n")
    # Without Sphinx's environment, the page is re-read; the guard must still
    # refuse the cached outputs computed with VALUE = 1.
    shutil.rmtree(tiny_book / "_build" / "html")
    shutil.rmtree(tiny_book / "_build" / ".doctrees")
    build(tiny_book)
    assert "answer is 3" in page_html(tiny_book, "uses_package")


def test_pages_that_read_the_toc_depend_on_it(tmp_path):
    package = tmp_path / "pkg"
    write(package / "__init__.py", "")
    write(package / "course.py", "X = 1\n")
    toc = tmp_path / "_toc.yml"
    reader = 'from pkg.course import X\nchapters = available_chapters(root / "_toc.yml")\n'
    other = "from pkg.course import X\n"
    toc.write_text("parts: []\n")
    before = dependency_hash(reader, package), dependency_hash(other, package)
    toc.write_text("parts: [{chapters: [{file: book/ch11_pytorch_layers}]}]\n")
    after = dependency_hash(reader, package), dependency_hash(other, package)
    assert before[0] != after[0]  # the page that reads the toc re-executes
    assert before[1] == after[1]  # the other does not
    assert dependency_hash('print("_toc.yml")\n', package) is None  # no package code: left alone
