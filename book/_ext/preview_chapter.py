"""Build a quick preview of one chapter: ``make preview CHAPTER=book/ch03_bptt.md``.

Only that chapter is executed (the other pages are rendered from their source,
without outputs), into its own folder ``_build/preview/<name>/``, so several
chapters can be previewed at once without touching ``_build/html`` or the
execution cache of ``make book``. Every page in ``book/`` goes into the
preview's table of contents so that links between chapters resolve.

Exits non-zero if the chapter's execution fails or if Sphinx warns about the
chapter itself; warnings about other pages are printed but do not count (they
belong to whoever is writing those). Prints the chapter's execution time.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def main(chapter: str) -> int:
    page = Path(chapter)
    if page.suffix != ".md" or not (ROOT / page).is_file():
        print(f"preview needs a chapter file like book/ch03_bptt.md; got {chapter!r}")
        return 2
    out = ROOT / "_build" / "preview" / page.stem
    out.mkdir(parents=True, exist_ok=True)
    others = sorted(p.relative_to(ROOT) for p in (ROOT / "book").glob("*.md") if p.name != page.name)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "force"
    config["execute"]["exclude_patterns"] = [str(p) for p in others]
    # Paths in a --config file are read relative to that file; point them home.
    # The cache guard is left out: a preview always executes its chapter afresh.
    sphinx = config["sphinx"]
    sphinx["local_extensions"] = {name: str(ROOT / "book" / "_ext") for name in ("no_live_code", "chapter_ref")}
    sphinx["config"].pop("companion_cache_guard_package", None)
    sphinx["config"]["html_static_path"] = [str(ROOT / ".mathjax")]
    config["bibtex_bibfiles"] = [str(ROOT / "book" / "references.bib")]
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    chapters = [str(p.with_suffix("")) for p in [page, *others] if p.stem != "welcome"]
    toc = {"format": "jb-book", "root": "book/welcome", "parts": [{"caption": "Preview", "chapters": [{"file": c} for c in chapters]}]}
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))

    start = time.perf_counter()
    build = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "--config", str(out / "_config.yml"),
         "--toc", str(out / "_toc.yml"), "--path-output", str(out), "-n", "--all"],
        cwd=ROOT, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    log = build.stdout + build.stderr
    problems = [
        line for line in log.splitlines()
        if re.search(r"WARNING|ERROR|Error|Traceback", line) and "IPKernelApp" not in line
    ]
    for line in log.splitlines():
        if "Executed" in line or "Executing" in line:
            print(line)
    mine = [line for line in problems if page.stem in line or "book/" not in line]
    for line in problems:
        print(("  MINE  " if line in mine else "  other ") + line)
    report = out / "_build" / "reports"
    if report.is_dir():
        for log_file in sorted(report.rglob("*.err.log")) + sorted(report.rglob("*.log")):
            if page.stem in log_file.name:
                print(f"execution log: {log_file}")
    print(f"build {seconds:.0f} s (returncode {build.returncode}); HTML: {out / '_build/html' / page.with_suffix('.html')}")
    if build.returncode != 0 or mine:
        print(log[-4000:] if build.returncode != 0 else "")
        print(f"FAILED: {len(mine)} warning(s) or error(s) concern {page}")
        return 1
    print(f"OK: {page} executed and built with no warnings of its own")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]) if len(sys.argv) == 2 else 2)
