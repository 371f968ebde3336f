"""What comes out of grading: the worker's results read back, and the CSV and feedback written out.

Reading: the worker's ``manifest.json`` and ``.npy`` files were written by
the student's process, so they are read as hostile input: regular files only
(``lstat``), sizes capped, JSON nesting capped, arrays without pickles, type
names and messages cleaned of NUL bytes and lone surrogates. Anything off is
``Malformed``, which the grader turns into that student's ``error``.

Writing: every text is cleaned before it is written, CSV cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) get a leading apostrophe, and each file is written
to a temporary name beside its target and renamed over it, so a reader (or an
interrupted run) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from companion.exercises.checking import Modified, Raised

MAX_MANIFEST_BYTES = 2**20
MAX_TEXT = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Malformed(ValueError):
    """The worker's results cannot be read: only the student's own code can cause that."""


def clean(text: Any, limit: int = MAX_TEXT) -> str:
    """``text`` as printable UTF-8: lone surrogates escaped, control characters but newline and tab as ``?``."""
    text = str(text)[:limit]
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub("?", text)


# --- reading the worker's results ---------------------------------------------------------------


def _read_file(out: Path, name: Any, budget: list[int]) -> np.ndarray:
    if not isinstance(name, str) or not re.fullmatch(r"c\d+(_\d+)*\.npy", name):
        raise Malformed("bad result file name")
    info = os.lstat(out / name)  # lstat: a symbolic link or a pipe is not a result
    if not stat.S_ISREG(info.st_mode):
        raise Malformed(f"{name} is not a regular file")
    budget[0] -= info.st_size
    if budget[0] < 0:
        raise Malformed("the outputs are larger than the output limit")
    try:
        return np.load(out / name, allow_pickle=False)
    except Exception as error:
        raise Malformed(f"{name} is not a NumPy array file ({clean(error, 200)})") from None


def decode(node: Any, out: Path, budget: list[int], depth: int = 0) -> Any:
    """Rebuild, from the worker's description, a stand-in for what the student's function returned.

    Arrays and numbers come back as themselves; anything else as an object of
    a new, empty class with the same (cleaned) name, so that ``judge`` can say what it was.
    """
    if not isinstance(node, dict) or depth > 3:
        raise Malformed("a result is not a description")
    kind = node.get("t")
    if kind == "none":
        return None
    if kind in ("bool", "int", "float"):
        value = node.get("v")
        expected = {"bool": bool, "int": int, "float": (int, float)}[kind]
        if not isinstance(value, expected) or (kind != "bool" and isinstance(value, bool)):
            raise Malformed(f"a {kind} that is not one")
        return {"bool": bool, "int": int, "float": float}[kind](value)
    if kind == "array":
        return _read_file(out, node.get("file"), budget)
    if kind == "npscalar":
        array = _read_file(out, node.get("file"), budget)
        if array.ndim != 0:
            raise Malformed("a NumPy scalar that is not 0-dimensional")
        return array[()]
    if kind == "object_array":
        return np.empty(0, dtype=object)  # judge reports its dtype, which it checks before the shape
    if kind in ("tuple", "list"):
        items = node.get("items")
        if not isinstance(items, list) or len(items) > 64:
            raise Malformed("a tuple without items")
        decoded = [decode(item, out, budget, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    if kind == "other":
        module, qualname = node.get("module"), node.get("qualname")
        if not (isinstance(module, str) and isinstance(qualname, str)) or len(module) + len(qualname) > 400:
            raise Malformed("an object without a type name")
        return type("stand_in", (), {"__module__": clean(module, 200), "__qualname__": clean(qualname, 200) or "object"})()
    raise Malformed("unknown result kind")


def decode_raised(node: Any) -> Raised:
    if not isinstance(node, dict):
        raise Malformed("an exception that is not described")
    fields = {key: node.get(key) for key in ("type_name", "message", "line")}
    if not all(isinstance(value, str) for value in fields.values()) or not isinstance(node.get("not_implemented"), bool):
        raise Malformed("an exception with missing fields")
    fields = {key: clean(value, 200 if key == "type_name" else MAX_TEXT) for key, value in fields.items()}
    return Raised(**fields, not_implemented=node["not_implemented"])


def read_manifest(out: Path, n_cases: int, output_bytes: int) -> dict:
    """The worker's manifest.json with every result decoded; Malformed if anything is off."""
    path = out / "manifest.json"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise Malformed("no results were written") from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
        raise Malformed("the results file is not a small regular file")
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Malformed("the results file is not JSON of a sane depth") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("defined"), bool):
        raise Malformed("the results file does not describe a run")
    cell_error = manifest.get("cell_error")
    decoded = {"cell_error": None if cell_error is None else decode_raised(cell_error), "defined": manifest["defined"]}
    if manifest["defined"]:
        cases = manifest.get("cases")
        if not isinstance(cases, list) or len(cases) != n_cases:
            raise Malformed("the results do not cover every case")
        budget = [output_bytes]
        results = []
        for case in cases:
            if not isinstance(case, dict):
                raise Malformed("a case result is not described")
            if "raised" in case:
                results.append(decode_raised(case["raised"]))
                continue
            outputs = decode(case.get("value"), out, budget)
            modified = case.get("modified")
            if modified:  # the worker saw arguments change that the exercise says to leave alone
                if not isinstance(modified, list) or not all(isinstance(name, str) for name in modified):
                    raise Malformed("a case result names changed arguments oddly")
                outputs = Modified(tuple(clean(name, 80) for name in modified[:20]), outputs)
            results.append(outputs)
        decoded["cases"] = results
    return decoded


# --- writing the CSV and the feedback -----------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``=``, ``+``, ``-``, ``@``, tab or CR gets an apostrophe."""
    text = clean(value, 500)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``, flush it to disk, rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV this grader wrote; ValueError if it cannot be read."""
    try:
        with path.open(newline="", encoding="utf-8") as file:
            table = list(csv.reader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"cannot resume from {path}: {error}") from None
    if not table:
        raise ValueError(f"cannot resume from {path}: it is empty")
    header, rows = table[0], table[1:]
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"cannot resume from {path}: its rows do not match its header")
    return header, rows


def feedback_name(student: str, taken: set[str]) -> str:
    """A file name for a student's feedback: the id with anything but letters, digits, ``.-_@+`` as ``_``, made unique."""
    base = re.sub(r"[^\w.@+-]", "_", clean(student, 100)).lstrip(".") or "student"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}~{n}"
    taken.add(name.lower())
    return f"{name}.txt"
