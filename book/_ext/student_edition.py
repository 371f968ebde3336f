"""Build the student edition of the book, without solutions: ``make book-student``.

The same sources and table of contents as ``make book``, built into a folder
of its own (``_build/student/_build/html`` by default) with a configuration
generated next to it from ``_config.yml``:

- sphinx-exercise's ``hide_solutions`` is on, and ``hide_gated_solutions``
  (in this folder) makes that work for the gated solutions the chapters use;
- the page sources (``_sources/*.md``) are not copied into the site and the
  theme's download button is off, since the sources contain the solutions.

Execution results are reused: when ``_build/.jupyter_cache`` (from ``make
book``) exists, it is copied into the edition's own cache first, so only pages
that changed since are executed again, and ``_build/html`` is never touched.

    python book/_ext/student_edition.py [--toc _toc.yml] [--out _build/student] [--cache-from DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def portable_config(root: Path = ROOT) -> dict:
    """``_config.yml`` with every path made absolute, so it works from another folder (a --config file's paths are relative to it)."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {name: str(root / path) for name, path in (sphinx.get("local_extensions") or {}).items()}
    settings = sphinx.setdefault("config", {})
    settings["html_static_path"] = [str(root / path) for path in settings.get("html_static_path", [])]
    config["bibtex_bibfiles"] = [str(root / path) for path in config.get("bibtex_bibfiles", [])]
    return config


def student_config(root: Path = ROOT) -> dict:
    """``_config.yml`` with solutions hidden and every path made absolute."""
    config = portable_config(root)
    sphinx = config["sphinx"]
    sphinx["local_extensions"]["hide_gated_solutions"] = str(root / "book" / "_ext")
    settings = sphinx["config"]
    settings["hide_solutions"] = True
    settings["html_copy_source"] = False
    settings["html_show_sourcelink"] = False
    settings.setdefault("html_theme_options", {})["use_download_button"] = False
    html = config.setdefault("html", {})
    html["extra_footer"] = (html.get("extra_footer", "") + " Student edition: the solutions are left out.").strip()
    return config


def build(toc: Path, out: Path, cache_from: Path = ROOT / "_build" / ".jupyter_cache", strict: bool = True) -> int:
    """Write the configuration into ``out`` and build the book there; return jupyter-book's exit status."""
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "_config.yml"
    config_path.write_text(yaml.safe_dump(student_config(), sort_keys=False), encoding="utf-8")
    cache = out / "_build" / ".jupyter_cache"
    if cache_from.is_dir():
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(cache_from, cache)
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--config", str(config_path),
               "--toc", str(toc), "--path-output", str(out)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml", help="table of contents (default: _toc.yml)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student", help="output folder")
    parser.add_argument("--cache-from", type=Path, default=ROOT / "_build" / ".jupyter_cache",
                        help="execution cache to start from (default: make book's)")
    args = parser.parse_args(argv)
    code = build(args.toc.resolve(), args.out.resolve(), args.cache_from.resolve())
    if code == 0:
        print(f"Open {args.out / '_build' / 'html' / 'index.html'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
