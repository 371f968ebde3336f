"""The course map: every chapter, its part, its prerequisites and a time estimate.

One explicit table, read by the welcome page (the dependency graph) and the
instructor guide (syllabi and time budgets). ``hours`` is a student's time for
one chapter: reading it and doing its exercises. For a chapter whose page is in
book/, it is computed from the page by :func:`estimate_time` (words at a stated
reading speed, visible code cells, exercises at a stated time each); for a
planned chapter it is the planning figure in the table.

    from companion.course.course_map import CHAPTERS, available_chapters, plot_dependency_graph
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from matplotlib.path import Path as MplPath
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

PARTS = (
    "Part I: Theory and mathematics",
    "Part II: RNNs from scratch in NumPy",
    "Part III: PyTorch and Keras in practice",
    "Part IV: Applications",
    "Part V: Best practices",
)


@dataclass(frozen=True)
class Chapter:
    """One chapter. ``prerequisites`` are the chapter numbers it builds on directly."""

    number: int
    slug: str  # the file name in book/ and the stem of exercises/<slug>.ipynb
    title: str
    part: str
    prerequisites: tuple[int, ...]
    hours: float
    short: str = ""  # a label for figures and tables

    @property
    def label(self) -> str:
        return f"{self.number} {self.short or self.title}"


def _part(numeral: str) -> str:
    return next(p for p in PARTS if p.startswith(f"Part {numeral}:"))


_I, _II, _III, _IV, _V = (_part(n) for n in ("I", "II", "III", "IV", "V"))

CHAPTERS: tuple[Chapter, ...] = (
    Chapter(1, "ch01_why_memory", "Why sequences need memory", _I, (), 1.5, "Why memory"),
    Chapter(2, "ch02_recurrent_cell", "The recurrent cell", _I, (1,), 2.5, "The recurrent cell"),
    Chapter(3, "ch03_bptt", "Learning: losses and backpropagation through time", _I, (2,), 3.5, "Losses and BPTT"),
    Chapter(4, "ch04_vanishing_exploding", "Vanishing and exploding gradients", _I, (3,), 2.5, "Vanishing gradients"),
    Chapter(5, "ch05_lstm_gru", "Gated cells: LSTM and GRU", _I, (4,), 3.0, "LSTM and GRU"),
    Chapter(6, "ch06_architectures", "Architectures and decoding", _I, (5,), 3.0, "Architectures and decoding"),
    Chapter(7, "ch07_vanilla_rnn", "A vanilla RNN, forward and backward", _II, (2, 3), 3.0, "Vanilla RNN"),
    Chapter(8, "ch08_lstm_gru_numpy", "LSTM and GRU from scratch", _II, (5, 7), 4.0, "LSTM, GRU in NumPy"),
    Chapter(9, "ch09_training_numpy", "Training from scratch", _II, (8, 3), 4.0, "Training from scratch"),
    Chapter(10, "ch10_deep_bidirectional", "Deep, bidirectional and many-to-one", _II, (9, 6), 3.0, "Deep, bidirectional"),
    Chapter(11, "ch11_pytorch_layers", "PyTorch recurrent layers", _III, (8, 10), 2.0, "PyTorch layers"),
    Chapter(12, "ch12_variable_length", "Variable-length batches", _III, (11,), 2.5, "Variable length"),
    Chapter(13, "ch13_training_pytorch", "Training well in PyTorch", _III, (12, 9), 3.0, "Training in PyTorch"),
    Chapter(14, "ch14_keras", "Keras 3 on the PyTorch backend", _III, (11,), 2.5, "Keras 3"),
    Chapter(15, "ch15_forecasting", "Time-series forecasting", _IV, (13,), 3.0, "Forecasting"),
    Chapter(16, "ch16_text_generation", "Text generation", _IV, (13, 9), 2.5, "Text generation"),
    Chapter(17, "ch17_classification", "Sequence classification and sentiment", _IV, (12, 6), 3.0, "Classifying sequences"),
    Chapter(18, "ch18_seq2seq_attention", "Sequence-to-sequence with attention", _IV, (17, 6), 4.0, "Seq2seq, attention"),
    Chapter(19, "ch19_speech_ctc", "Speech-like signals and CTC", _IV, (6, 13), 4.0, "Speech and CTC"),
    Chapter(20, "ch20_training_recipes", "Training recipes", _V, (13,), 2.0, "Training recipes"),
    Chapter(21, "ch21_long_range", "Long-range dependencies, measured", _V, (5, 13), 3.0, "Long-range, measured"),
    Chapter(22, "ch22_scaling_up", "Scaling up and what came next", _V, (13,), 3.0, "Scaling up"),
)

# The assumptions behind every computed time estimate, stated once.
READING_WORDS_PER_MINUTE = 150  # careful reading of technical prose with equations
MINUTES_PER_CODE_CELL = 1  # read a visible code cell and its output, maybe rerun it
MINUTES_PER_EXERCISE = 15  # attempt one exercise and check it; solutions are read within this time

_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
_SOLUTION = re.compile(r"^`{3,4}\{solution-start\}.*?^`{3,4}\{solution-end\}\s*\n?`{0,4}", re.S | re.M)
_EXERCISE = re.compile(r"^`{3,4}\{exercise-start\}", re.M)


@dataclass(frozen=True)
class TimeEstimate:
    """What a chapter page asks of a student, and the hours it adds up to."""

    words: int  # prose, outside code cells and solutions
    code_cells: int  # cells a reader sees (not tagged remove-cell)
    exercises: int
    hours: float  # rounded to the nearest quarter hour

    @property
    def minutes(self) -> dict[str, float]:
        return {"reading": self.words / READING_WORDS_PER_MINUTE,
                "code": self.code_cells * MINUTES_PER_CODE_CELL,
                "exercises": self.exercises * MINUTES_PER_EXERCISE}


def estimate_time(markdown: str) -> TimeEstimate:
    """Hours for one chapter page: words / READING_WORDS_PER_MINUTE, plus the code cells and the exercises."""
    cells = _CODE_CELL.findall(markdown)
    visible = [cell for cell in cells if "remove-cell" not in "\n".join(cell.splitlines()[:4])]  # tags come first
    prose = _SOLUTION.sub("", _CODE_CELL.sub("", markdown))
    prose = re.sub(r"\A---\n.*?\n---\n", "", prose, flags=re.S)  # the jupytext header
    prose = re.sub(r"^\s*(?:`{3,}.*|:[\w-]+:.*)$", "", prose, flags=re.M)  # directive fences and options
    words = len(re.findall(r"[A-Za-z0-9][\w'’-]*", prose))
    exercises = len(_EXERCISE.findall(markdown))
    minutes = (words / READING_WORDS_PER_MINUTE + len(visible) * MINUTES_PER_CODE_CELL
               + exercises * MINUTES_PER_EXERCISE)
    return TimeEstimate(words, len(visible), exercises, round(minutes / 60 * 4) / 4)


_BOOK = Path(__file__).resolve().parents[2] / "book"


def _with_measured_hours(chapter: Chapter) -> Chapter:
    page = _BOOK / f"{chapter.slug}.md"
    if not page.is_file():
        return chapter  # planned: the planning figure stays
    return replace(chapter, hours=estimate_time(page.read_text(encoding="utf-8")).hours)


PLANNED_HOURS = {chapter.number: chapter.hours for chapter in CHAPTERS}  # the table's figures
CHAPTERS = tuple(_with_measured_hours(chapter) for chapter in CHAPTERS)
_BY_NUMBER = {chapter.number: chapter for chapter in CHAPTERS}


def chapter(number: int) -> Chapter:
    """The chapter numbered ``number``."""
    return _BY_NUMBER[number]


def ancestors(number: int) -> set[int]:
    """Every chapter that ``number`` builds on, directly or through others."""
    found: set[int] = set()
    pending = list(chapter(number).prerequisites)
    while pending:
        n = pending.pop()
        if n not in found:
            found.add(n)
            pending.extend(chapter(n).prerequisites)
    return found


def direct_edges() -> list[tuple[int, int]]:
    """Prerequisite arrows (before, after) with the implied ones left out.

    An arrow 2 -> 7 is implied when 7 also needs 3 and 3 needs 2: dropping
    such arrows (the transitive reduction) keeps the picture readable.
    """
    edges = []
    for ch in CHAPTERS:
        for p in ch.prerequisites:
            via_other = any(p in ancestors(q) for q in ch.prerequisites if q != p)
            if not via_other:
                edges.append((p, ch.number))
    return edges


def available_chapters(toc_path: str | Path) -> set[int]:
    """Numbers of the chapters a Jupyter Book ``_toc.yml`` lists (files ``book/chNN_...``)."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    found = set()
    for file in files:
        match = re.match(r"ch(\d{2})_", Path(file).name)
        if match and int(match.group(1)) in _BY_NUMBER:
            found.add(int(match.group(1)))
    return found


# Where each chapter sits: (column = part, row from the top). Chosen by hand so
# that arrows between neighbouring parts never cross a box; the only arrows
# that skip a part (13 -> Part V) run along a lane under the figure.
_LAYOUT = {
    1: (0, 0), 2: (0, 1), 3: (0, 2), 4: (0, 3), 5: (0, 4), 6: (0, 5),
    7: (1, 1), 8: (1, 2), 9: (1, 3), 10: (1, 4),
    14: (2, 2), 11: (2, 3), 12: (2, 4), 13: (2, 5),
    17: (3, 1), 18: (3, 2), 15: (3, 3), 16: (3, 4), 19: (3, 5),
    20: (4, 3), 21: (4, 4), 22: (4, 5),
}


def plot_dependency_graph(ax, available: set[int]) -> dict[int, FancyBboxPatch]:
    """Draw the prerequisite graph on ``ax``: one column per part, one box per chapter.

    Chapters in ``available`` are filled; planned ones are dashed grey outlines.
    Arrows point from a chapter to those that build on it (implied ones left
    out, see ``direct_edges``). Returns the box of each chapter, keyed by number.
    """
    blue, grey, ink = "#0072B2", "#9a9a9a", "#555555"
    col_gap, width, height = 1.5, 1.12, 0.64
    lane = -5.75  # the route under the figure for arrows that skip a part

    def centre(n: int) -> tuple[float, float]:
        column, row = _LAYOUT[n]
        return column * col_gap, -row

    boxes = {}
    for ch in CHAPTERS:
        x, y = centre(ch.number)
        done = ch.number in available
        box = FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=blue if done else "white", edgecolor=blue if done else grey,
            linewidth=1.2, linestyle="-" if done else (0, (3, 2)), zorder=3,
        )
        ax.add_patch(box)
        label = textwrap.fill(ch.label, 15, break_long_words=False)
        ax.text(x, y, label, ha="center", va="center", fontsize=8.5, zorder=4,
                color="white" if done else "#333333", fontweight="bold" if done else "normal")
        boxes[ch.number] = box

    for before, after in direct_edges():
        (x0, y0), (x1, y1) = centre(before), centre(after)
        if x0 == x1:  # same part: straight down (or up) the column
            sign = 1 if y1 < y0 else -1
            points = [(x0, y0 - sign * height / 2), (x1, y1 + sign * height / 2)]
        elif x1 - x0 < 1.5 * col_gap:  # next part: right edge to left edge
            points = [(x0 + width / 2, y0), (x1 - width / 2, y1)]
        else:  # skips a part: down to the lane, along it, up the gap before the target
            gap_x = x1 - col_gap / 2
            points = [(x0, y0 - height / 2), (x0, lane), (gap_x, lane), (gap_x, y1), (x1 - width / 2, y1)]
        ax.add_patch(FancyArrowPatch(
            path=MplPath(points, [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1)),
            arrowstyle="-|>", mutation_scale=8, color=ink, linewidth=0.8, zorder=2,
        ))

    for column, part in enumerate(PARTS):
        numeral, name = part.split(": ", 1)
        ax.text(column * col_gap, 0.5, f"{numeral}\n{textwrap.fill(name, 17)}", ha="center", va="bottom",
                fontsize=9, fontweight="bold", color="#222222")
    legend = [
        Patch(facecolor=blue, edgecolor=blue, label="in this edition"),
        Patch(facecolor="white", edgecolor=grey, linestyle=(0, (3, 2)), label="planned"),
    ]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=9)
    ax.set_xlim(-width / 2 - 0.05, 4 * col_gap + width / 2 + 0.05)
    ax.set_ylim(lane - 0.15, 1.55)
    ax.axis("off")
    return boxes


# --- for the instructor guide: learning objectives and syllabi ---------------------------------

_OBJECTIVES_HEADING = re.compile(r"^#{2,3}\s+Learning objectives\s*$")
_OBJECTIVES_ADMONITION = re.compile(r"^(:{3,}|`{3,})\{admonition\}\s+Learning objectives\s*$")


def learning_objectives(markdown: str) -> list[str]:
    """The bullet list under a chapter's ``## Learning objectives`` heading, one string per bullet.

    An admonition titled "Learning objectives" (``:::{admonition} Learning
    objectives``) is read the same way. Continuation lines are joined to their
    bullet; the list ends at the first line that is neither a bullet, an indented
    continuation nor blank, or at the end of the admonition. [] if there is none.
    """
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if _OBJECTIVES_HEADING.match(line.strip()) or _OBJECTIVES_ADMONITION.match(line.strip())), None)
    if start is None:
        return []
    fence = _OBJECTIVES_ADMONITION.match(lines[start].strip())
    bullets: list[str] = []
    for line in lines[start + 1:]:
        stripped = line.strip()
        if fence and stripped == fence.group(1):
            break
        bullet = re.match(r"^[-*+]\s+(.*)$", line)
        if bullet:
            bullets.append(bullet.group(1).strip())
        elif bullets and stripped and line[0].isspace():
            bullets[-1] += " " + stripped
        elif stripped.startswith("#") or (bullets and stripped):
            break
    return bullets


def with_prerequisites(numbers) -> set[int]:
    """The chapters ``numbers`` and every chapter they build on."""
    found = set(numbers)
    for n in numbers:
        found |= ancestors(n)
    return found


def pack_sessions(numbers, hours_per_session: float) -> list[list[int]]:
    """The chapters ``numbers`` scheduled into consecutive sessions of at most ``hours_per_session`` hours.

    Each session is filled first-fit: again and again it takes the lowest-numbered
    chapter whose prerequisites (among ``numbers``) are already taught, earlier or
    in this session, and that still fits. Chapters are never split; one longer
    than a session gets a session to itself.
    """
    remaining = sorted(numbers)
    taught: set[int] = set()
    sessions: list[list[int]] = []
    while remaining:
        session: list[int] = []
        used = 0.0
        while True:
            ready = [n for n in remaining if set(chapter(n).prerequisites) & set(numbers) <= taught]
            fits = [n for n in ready if used + chapter(n).hours <= hours_per_session]
            if not fits and not session and ready:
                fits = ready[:1]
            if not fits:
                break
            session.append(fits[0])
            taught.add(fits[0])
            remaining.remove(fits[0])
            used += chapter(fits[0]).hours
        sessions.append(session)
    return sessions


def plan_syllabus(sessions: int, hours_per_session: float, priority=None) -> list[list[int]]:
    """A syllabus of at most ``sessions`` sessions of ``hours_per_session`` hours each.

    Chapters are considered in ``priority`` order (default: by number); each is
    added together with its missing prerequisites if everything chosen so far
    still packs into the sessions (``pack_sessions``), and skipped otherwise. So
    the result is closed under prerequisites and fits the time. Returns the
    chapter numbers of each session, in teaching order.
    """
    chosen: set[int] = set()
    for n in priority or [ch.number for ch in CHAPTERS]:
        candidate = chosen | with_prerequisites([n])
        if len(pack_sessions(candidate, hours_per_session)) <= sessions:
            chosen = candidate
    return pack_sessions(chosen, hours_per_session) if chosen else []
