"""The checking engine on integer and scalar outputs, and on cases built from a seed."""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, check_exercise


def collapse(path, blank):
    """Best-path collapsing: merge repeats, drop blanks (an integer output of data-dependent length)."""
    out = [int(p) for i, p in enumerate(path) if p != blank and (i == 0 or p != path[i - 1])]
    return np.array(out, dtype=np.int64)


def collapse_cases(seed: int = 0) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for length in (4, 9):
        path = rng.integers(0, 3, size=length)
        cases.append(Case(f"length {length}", {"path": path, "blank": 0}, {"L": len(collapse(path, 0))}))
    return cases


COLLAPSE = Exercise(
    id="chXX.collapse", title="collapse", reference=collapse, make_cases=collapse_cases,
    outputs=("labels",), shapes=(("L",),), kinds=("int",),
)


def mean_square(x):
    return float(np.mean(x**2))


SCALAR = Exercise(
    id="chXX.mean_square", title="mean square", reference=mean_square,
    make_cases=lambda seed=0: [Case("n=5", {"x": np.linspace(-1, 1, 5) + seed}, {})],
    outputs=("loss",), shapes=((),),
)


def test_integer_output_accepts_a_list_and_an_array():
    assert check_exercise(COLLAPSE, collapse).passed
    assert check_exercise(COLLAPSE, lambda path, blank: collapse(path, blank).tolist()).passed


def test_integer_output_is_compared_exactly_and_shows_both_sequences():
    def keeps_repeats(path, blank):
        return np.array([int(p) for p in path if p != blank])

    message = check_exercise(COLLAPSE, keeps_repeats).message
    assert "chXX.collapse: labels has shape" in message or "is wrong" in message


def test_float_where_integers_are_expected_is_a_dtype_message():
    message = check_exercise(COLLAPSE, lambda path, blank: collapse(path, blank).astype(float)).message
    assert "expected integers" in message


def test_scalar_output_accepts_a_python_float_and_rejects_a_wrong_value():
    assert check_exercise(SCALAR, mean_square).passed
    message = check_exercise(SCALAR, lambda x: float(np.sum(x**2))).message
    assert message.startswith("chXX.mean_square: loss is wrong")


def test_non_array_arguments_reach_the_function_unchanged():
    seen = []

    def spy(path, blank):
        seen.append(type(blank))
        return collapse(path, blank)

    check_exercise(COLLAPSE, spy)
    assert seen and all(kind is int for kind in seen)


def test_the_seed_changes_the_values_and_not_the_verdict():
    first, other = collapse_cases(0), collapse_cases(1)
    assert not all(np.array_equal(a.kwargs["path"], b.kwargs["path"]) for a, b in zip(first, other))
    assert check_exercise(COLLAPSE, collapse, seed=1).passed


def test_wrong_integer_of_the_right_length_names_the_index_and_both_sequences():
    message = check_exercise(COLLAPSE, lambda path, blank: collapse(path, blank) + 1).message
    assert message.startswith('chXX.collapse: labels is wrong in case "length 4", first at index (0,)')
    assert "(full: yours [" in message and "expected [" in message
