"""The package's wings and the rules about what may import what.

``companion/`` is organised by what code *is*:

- ``data``      datasets and seeded generators; imports no other part of the package;
- ``scratch``   NumPy implementations; never imports torch or keras;
- ``practice``  PyTorch and Keras code;
- ``course``    instructor and author tools (course map, release, grading, benchmark);
- ``exercises`` and ``solutions``: the exercise checker and the reference solutions.

The library wings (``data``, ``scratch``, ``practice``) never import ``course``,
``exercises`` or ``solutions``, and ``plotting`` (the book's figure style)
imports nothing from the package. Every import is read from the source, those
inside functions too, so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "companion"
WINGS = ("data", "scratch", "practice", "course", "exercises", "solutions")
LIBRARY_WINGS = ("data", "scratch", "practice")
TOP_LEVEL_MODULES = {"__init__.py", "__main__.py", "plotting.py"}

# wing -> (package parts it may not import, outside libraries it may not import)
FORBIDDEN = {
    "data": ({"scratch", "practice", "course", "exercises", "solutions", "plotting"}, {"torch", "keras"}),
    "scratch": ({"practice", "course", "exercises", "solutions"}, {"torch", "keras"}),
    "practice": ({"course", "exercises", "solutions"}, set()),
    "plotting": ({"data", "scratch", "practice", "course", "exercises", "solutions"}, set()),
}


def imported_names(source: str, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in ``source``, relative ones resolved."""
    tree = ast.parse(source)
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            # `from companion import course` imports the wing itself.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if base == "companion"]
    return found


def violations(source: str, module: str) -> list[str]:
    """Why the module ``module`` (dotted) with this source breaks the layout rules."""
    parts = module.split(".")
    owner = parts[1] if len(parts) > 1 else ""
    if owner not in FORBIDDEN:
        return []
    forbidden_parts, forbidden_libraries = FORBIDDEN[owner]
    problems = []
    for line, name in imported_names(source, module):
        top, *rest = name.split(".")
        if top == "companion" and rest and rest[0] in forbidden_parts:
            problems.append(f"{module}, line {line}: imports {name}, but {owner} may not import companion.{rest[0]}")
        if top in forbidden_libraries:
            problems.append(f"{module}, line {line}: imports {name}, but {owner} never imports {top}")
    return problems


def package_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        modules.append((".".join(relative.parts), path))
    return modules


def test_every_module_lives_in_a_wing():
    strays = [
        str(path.relative_to(PACKAGE_DIR))
        for path in PACKAGE_DIR.rglob("*.py")
        if path.parent == PACKAGE_DIR and path.name not in TOP_LEVEL_MODULES
        or path.parent != PACKAGE_DIR and path.relative_to(PACKAGE_DIR).parts[0] not in WINGS
    ]
    assert not strays, f"modules outside the wings {WINGS}: {strays}"


def test_wings_are_flat():
    nested = [str(p.relative_to(PACKAGE_DIR)) for p in PACKAGE_DIR.rglob("*.py") if len(p.relative_to(PACKAGE_DIR).parts) > 2]
    assert not nested, f"wings are flat, one folder deep: {nested}"


@pytest.mark.parametrize("module, path", package_modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_follow_the_layout(module, path):
    problems = violations(path.read_text(encoding="utf-8"), module)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "module, source, expected",
    [
        ("companion.data.fake", "from companion.scratch.lstm import lstm_forward", "data may not import companion.scratch"),
        ("companion.data.fake", "def f():\n    import torch", "data never imports torch"),
        ("companion.scratch.fake", "import keras", "scratch never imports keras"),
        ("companion.scratch.fake", "def f():\n    from torch import nn", "scratch never imports torch"),
        ("companion.scratch.fake", "from ..solutions import ch08", "scratch may not import companion.solutions"),
        ("companion.practice.fake", "from companion.course import grading", "practice may not import companion.course"),
        ("companion.practice.fake", "from companion.exercises import check", "practice may not import companion.exercises"),
        ("companion.plotting", "from companion.data import statland", "plotting may not import companion.data"),
    ],
)
def test_a_planted_bad_import_is_caught(module, source, expected):
    problems = violations(source, module)
    assert problems and expected in problems[0], problems


def test_allowed_imports_are_not_flagged():
    assert violations("from companion.data.text_data import load\nimport numpy", "companion.scratch.fake") == []
    assert violations("import torch\nfrom companion.scratch.lstm import lstm_forward", "companion.practice.fake") == []
    assert violations("from companion.solutions import ch08\nimport torch", "companion.course.fake") == []
