"""Re-execute a chapter when the companion code it imports changes.

Jupyter Book caches executed notebooks with jupyter-cache, which keys a
notebook on the text of its cells only. A chapter that calls
``companion.scratch.rnn.rnn_forward`` would keep showing old outputs after
``rnn_forward`` is edited, because the chapter's cells did not change. This
Sphinx extension closes that gap:

1. For every page it finds the companion modules the page imports
   (``from companion.x import ...``, ``import companion.x``) and, through the
   ``import`` statements inside the package, every module those import.
2. It hashes the source of that set and compares the hash with the one
   recorded, next to the execution cache, when the page last ran.
3. Where the hash changed it deletes the page's cache record and asks Sphinx
   to read the page again, so myst-nb executes it afresh.

Pages that import nothing from the package are left alone.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

RECORD_NAME = "companion-hashes.json"


def module_file(package_dir: Path, module: str) -> Path | None:
    """The source file of ``module`` (dotted, starting with the package name), if any."""
    parts = module.split(".")[1:]
    candidate = package_dir.joinpath(*parts)
    if candidate.with_suffix(".py").is_file():
        return candidate.with_suffix(".py")
    if (candidate / "__init__.py").is_file():
        return candidate / "__init__.py"
    return None


def imported_modules(source: str, package: str) -> set[str]:
    """Dotted names of the package's modules that a page's text imports."""
    found = set()
    names = r"\(([^)]*)\)|([\w \t,]+)"  # `import (a,\n b)` or `import a, b`
    pattern = rf"^[ \t]*(?:from[ \t]+({package}(?:\.\w+)*)[ \t]+import[ \t]+(?:{names})|import[ \t]+({package}(?:\.\w+)*))"
    for match in re.finditer(pattern, source, flags=re.MULTILINE):
        base, in_parentheses, on_one_line, plain_import = match.groups()
        if plain_import:
            found.add(plain_import)
            continue
        found.add(base)
        # `from companion.scratch import rnn` imports a submodule by name.
        for name in re.findall(r"\w+", in_parentheses or on_one_line):
            found.add(f"{base}.{name}")
    return found


def _imports_of_module(path: Path, module: str, package: str) -> set[str]:
    """Package modules imported by one module of the package (absolute and relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package_init = path.name == "__init__.py"
    here = module if is_package_init else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == package)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != package:
                continue
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def dependency_files(page_source: str, package_dir: Path) -> list[Path]:
    """Every package source file a page depends on, following imports transitively."""
    package = package_dir.name
    pending = imported_modules(page_source, package)
    if pending:
        pending.add(package)  # importing a submodule runs the package's __init__ first
    seen: dict[str, Path] = {}
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        path = module_file(package_dir, module)
        if path is None:  # a name imported from a module, not a module
            continue
        seen[module] = path
        pending |= _imports_of_module(path, module, package) - set(seen)
    return sorted(set(seen.values()))


def dependency_hash(page_source: str, package_dir: Path) -> str | None:
    """Hash of the package sources a page depends on; None if it uses none.

    A page whose code reads ``_toc.yml`` (the welcome page and the instructor
    guide list which chapters are in the book) depends on that file too, so
    adding a chapter to the table of contents re-executes them.
    """
    files = dependency_files(page_source, package_dir)
    toc = package_dir.parent / "_toc.yml"
    if files and "_toc.yml" in page_source and toc.is_file():
        files = [*files, toc]
    if not files:
        return None
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(package_dir.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def drop_cache_records(cache_path: Path, notebook_path: Path) -> int:
    """Delete the execution-cache records of one notebook; returns how many."""
    if not (cache_path / "global.db").exists():
        return 0
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path))
    removed = 0
    for record in cache.list_cache_records():
        if Path(record.uri).resolve() == notebook_path.resolve():
            cache.remove_cache(record.pk)
            removed += 1
    return removed


def find_stale_pages(app: Sphinx, env, added, changed, removed) -> list[str]:
    package_dir = Path(app.srcdir) / app.config.companion_cache_guard_package
    cache_path = Path(env.mystnb_config.execution_cache_path)
    record_file = cache_path / RECORD_NAME
    recorded = json.loads(record_file.read_text()) if record_file.exists() else {}
    current, stale = {}, []
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix not in {".md", ".ipynb"}:
            continue
        page_hash = dependency_hash(path.read_text(encoding="utf-8"), package_dir)
        if page_hash is None:
            continue
        current[docname] = page_hash
        if recorded.get(docname) != page_hash:
            dropped = drop_cache_records(cache_path, path)
            if docname not in added and docname not in changed:
                stale.append(docname)
            if dropped:
                logger.info(f"[companion_cache_guard] {docname}: companion code changed; re-executing")
    if current != recorded and cache_path.parent.exists():
        cache_path.mkdir(parents=True, exist_ok=True)
        record_file.write_text(json.dumps(current, indent=1, sort_keys=True))
    return stale


def setup(app: Sphinx) -> dict:
    app.add_config_value("companion_cache_guard_package", "companion", "env")
    app.connect("env-get-outdated", find_stale_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
