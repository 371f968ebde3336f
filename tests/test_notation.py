"""One notation for the book: symbols retired by the notation page must not come back.

The checker reads the mathematics of every page of book/ (inline $...$ and
display $$...$$ outside code cells) and looks for the retired symbols of
book/notation.md's "One symbol, one meaning" table.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# (pattern, pages where it may appear (empty: none), what to write instead)
RETIRED = [
    (r"W_\{?xh\}?|W_\{?hx\}?", (), "write W_{ih} (PyTorch's name) for the input weights"),
    (r"(?<![A-Za-z\\])D_(?:[rst]\b|\{)", (), r"the tanh derivative of a step is \Lambda_t; D is the input size"),
    (r"\\gamma\b", ("ch04_vanishing_exploding.md", "math_refresher.md", "notation.md"),
     r"\gamma is chapter 4's derivative bound only (the math refresher restates it)"),
    (r"\\alpha\b", ("ch06_architectures.md", "ch09_training_numpy.md", "ch17_classification.md",
                     "ch18_seq2seq_attention.md", "notation.md"),
     r"\alpha is attention weights (chapters 6, 17, 18), CTC's forward variable (chapter 6) and chapter 9's smoothing constant"),
    (r"(?<![A-Za-z\\])c_(?:i\b|\{i)", (), r"the context vector is \kappa_i; c_t is the LSTM cell"),
    (r"onehot\}\(c_", (), r"a target class is y^\star_t"),
    (r"W_\{hh\}\\?,?\s*h_\{t-1\}\s*\+\s*b(?![_A-Za-z{])", (), r"the recurrent bias is b_{ih} + b_{hh}, or their sum b_h"),
    (r"\(h_t,\s*s_t\)", (), "the LSTM cell state is c_t"),
    (r"(?<![A-Za-z\\])g_(?:\d|\{t\s*-\s*1\})", ("ch05_lstm_gru.md", "ch08_lstm_gru_numpy.md"),
     r"g_t is the LSTM candidate; the gradient of a state is \delta h_t"),
    (r"(?<![A-Za-z\\_])g\(", (), r"g is a gradient or the LSTM candidate, not a function (chapter 2's is \phi)"),
    (r"\^\s*\{?\\alpha", (), r"the length penalty of beam search is \lambda"),
]

# (pattern, pages where it must not appear, what to write instead): symbols that are right elsewhere.
WRONG_ON_PAGE = [
    (r"(?<![A-Za-z\\_])L(?![A-Za-z_])", ("ch01_why_memory.md",), "chapter 1 has no loss; its window length is T_w"),
]

# Names retired from the code students read (the chapters' code cells, the package, the exercise notebooks).
RETIRED_IN_CODE = re.compile(r"\b(?:W_xh|W_hx|b_xh)\b")

CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```", re.S | re.M)
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)


def mathematics(text: str) -> list[str]:
    """Every piece of mathematics on a page, code cells left out."""
    prose = CODE_CELL.sub("", text)
    return [display or inline for display, inline in MATH.findall(prose)]


def retired_symbols(text: str, page: str) -> list[str]:
    """One line per retired symbol found on ``page``, naming the symbol and the replacement."""
    found = []
    for pattern, allowed, advice in RETIRED:
        if page in allowed or page == "notation.md":  # the notation page names what it retires
            continue
        for piece in mathematics(text):
            match = re.search(pattern, piece)
            if match:
                found.append(f"{page}: {match.group(0)!r} in ${piece.strip()[:60]}$: {advice}")
    for pattern, pages, advice in WRONG_ON_PAGE:
        if page not in pages:
            continue
        for piece in mathematics(text):
            match = re.search(pattern, piece)
            if match:
                found.append(f"{page}: {match.group(0)!r} in ${piece.strip()[:60]}$: {advice}")
    return found


def test_no_retired_symbol_in_the_book():
    found = [line for page in sorted(BOOK.glob("*.md")) for line in retired_symbols(page.read_text(), page.name)]
    assert not found, "retired symbols (see book/notation.md):\n" + "\n".join(found)


def test_a_planted_retired_symbol_is_found():
    page = "ch02_recurrent_cell.md"
    text = (BOOK / page).read_text()
    assert retired_symbols(text, page) == []
    planted = text + "\nThe old name: $h_t = \\tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)$.\n"
    found = retired_symbols(planted, page)
    assert len(found) == 2 and "W_{ih}" in found[0] and "b_{ih} + b_{hh}" in found[1]
    assert retired_symbols(text + "\n$$\\gamma = 1$$\n", page)  # gamma belongs to chapter 4
    assert not retired_symbols(text + "\n```{code-cell} ipython3\nW_xh = 1  # $W_{xh}$\n```\n", page)  # code is not notation


def test_every_retired_symbol_is_named_on_the_notation_page():
    notation = (BOOK / "notation.md").read_text()
    for symbol in (r"W_{xh}", r"\kappa", r"\chi_t", r"y^\star_t", r"\Lambda_t", r"\xi^{(\ell)}_t", r"\omega", "N_L"):
        assert symbol in notation, symbol


def test_the_retired_symbols_added_later_are_found():
    page = "ch02_recurrent_cell.md"
    text = (BOOK / page).read_text()
    assert retired_symbols(text + "\n$g_{t-1} = \\delta_t w_h$\n", page)  # a gradient is not g_t
    assert retired_symbols(text + "\n$g(h) = \\tanh(wh) - h$\n", page)
    assert retired_symbols(text + "\n$\\log p / |y|^{\\alpha}$\n", page)  # the length penalty is lambda
    assert not retired_symbols(text + "\n$|y|^{\\lambda}$\n", page)
    ch01 = (BOOK / "ch01_why_memory.md").read_text()
    assert retired_symbols(ch01 + "\nA window of $L$ steps.\n", "ch01_why_memory.md")
    assert not retired_symbols(text + "\nThe loss $L$.\n", page)  # L is the loss everywhere else


def test_no_retired_name_in_code():
    files = [*sorted((ROOT / "companion").rglob("*.py")), *sorted((ROOT / "exercises").glob("*.ipynb")),
             *sorted(BOOK.glob("*.md")), *(p for p in sorted((ROOT / "tests").glob("*.py")) if p.name != Path(__file__).name)]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files for m in RETIRED_IN_CODE.finditer(p.read_text())]
    assert not found, "retired weight names (write W_ih, b_ih and b_hh, PyTorch's names):\n" + "\n".join(found)
    assert RETIRED_IN_CODE.search("def rnn_unroll(x, h0, W_xh, W_hh, b_h, W_hy, b_y):")


def test_the_chapter2_exercise_uses_pytorch_names():
    import inspect

    from companion.solutions import ch02

    assert list(inspect.signature(ch02.rnn_unroll).parameters) == ["x", "h0", "W_ih", "W_hh", "b_ih", "b_hh", "W_hy", "b_y"]


# Steps are counted from 1 to T in the mathematics of the book and of the exercise notebooks;
# code counts from 0 and says so with array indices (`x[t - 1]`), not with t = 0 in a formula.
COUNTED_FROM_ZERO = re.compile(
    r"t\s*=\s*0\s*,\s*\\dots\s*,\s*T\s*-\s*1|T\s*-\s*1\s*,\s*\\dots\s*,\s*0|(?<![A-Za-z\\])x_0(?![0-9])"
)


def steps_counted_from_zero(markdown: str) -> list[str]:
    return [piece.strip()[:60] for piece in mathematics(markdown) if COUNTED_FROM_ZERO.search(piece)]


def test_steps_are_counted_from_one_in_the_book_and_the_notebooks():
    import nbformat

    found = [f"{page.name}: ${piece}$" for page in sorted(BOOK.glob("*.md"))
             for piece in steps_counted_from_zero(page.read_text())]
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                found += [f"{path.name}: ${piece}$" for piece in steps_counted_from_zero(cell.source)]
    assert not found, "steps counted from 0 in a formula (the book counts 1..T):\n" + "\n".join(found)
    assert steps_counted_from_zero(r"Run the step over $t = 0, \dots, T-1$.")
    assert steps_counted_from_zero(r"It has read $x_0, \dots, x_t$.")
    assert not steps_counted_from_zero(r"Run the step over $t = 1, \dots, T$ from $h_0$, $t = 0, \dots, T$ for states.")
