"""Every exercise against kinds of wrong answers that any exercise can receive.

Each test below wraps the exercise's own reference into a wrong implementation
of one kind (it changes an input in place, remembers answers by input shape,
returns a masked or object array, calls sys.exit, calls an unfinished helper,
hard-codes a hyperparameter, ...) and asserts the checker's message for it.
With the per-chapter files, every exercise meets at least five wrong versions.
Also here: the references pass on 20 seeds, the cases vary as issue 12 asks,
and all references together are checked in well under 10 s.
"""

from __future__ import annotations

import copy
import linecache
import time

import numpy as np
import pytest

from companion.exercises import EXERCISES, check
from companion.exercises.checking import (
    Case,
    Exercise,
    check_exercise,
    seeded_sizes,
    unseen_names,
    with_twin,
)
from exercise_messages import message_of

IDS = list(EXERCISES)


def reference_outputs(exercise: Exercise, kwargs: dict) -> list:
    outputs = exercise.reference(**copy.deepcopy(kwargs))
    return list(outputs) if len(exercise.outputs) > 1 else [outputs]


def pack(exercise: Exercise, outputs: list):
    return tuple(outputs) if len(exercise.outputs) > 1 else outputs[0]


# --- what every exercise's cases must offer ----------------------------------------------


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_passes_on_20_seeds(exercise_id):
    exercise = EXERCISES[exercise_id]
    for seed in range(20):
        result = check_exercise(exercise, exercise.reference, seed=seed)
        assert result.passed, (seed, result.message)


@pytest.mark.parametrize("exercise_id", IDS)
def test_sizes_vary_with_the_seed(exercise_id):
    def sizes(seed):
        return [(tuple(sorted(case.dims.items())), tuple((k, np.shape(v), v if np.ndim(v) == 0 and isinstance(v, int) else None)
                                                          for k, v in sorted(case.kwargs.items())))
                for case in EXERCISES[exercise_id].make_cases(seed)]

    assert any(sizes(seed) != sizes(0) for seed in (1, 2))


@pytest.mark.parametrize("exercise_id", IDS)
def test_two_cases_share_their_shapes_and_differ_in_values(exercise_id):
    cases = EXERCISES[exercise_id].make_cases()
    if exercise_id == "ch01.parameter_counts":  # inputs are sizes only
        return

    def shapes(case):
        return tuple((k, np.shape(v)) for k, v in sorted(case.kwargs.items()))

    def differ(a, b):
        return any(not np.array_equal(a.kwargs[k], b.kwargs[k]) for k in a.kwargs)

    assert any(shapes(a) == shapes(b) and differ(a, b) for i, a in enumerate(cases) for b in cases[i + 1:])


@pytest.mark.parametrize("exercise_id", [i for i in IDS if any("B" in c.dims for c in EXERCISES[i].make_cases())])
def test_the_smallest_batch_is_there(exercise_id):
    assert any(case.dims.get("B") == 1 for case in EXERCISES[exercise_id].make_cases())


# Chapter 10's directions need two steps to differ, and a padded batch needs a step to pad.
NO_T1 = {"ch03.sequence_cross_entropy", "ch10.reverse_rnn_forward", "ch10.reverse_rnn_backward",
         "ch10.bidirectional_forward", "ch10.stacked_forward", "ch10.many_to_one_logits",
         "ch21.adding_problem_batch"}


@pytest.mark.parametrize("exercise_id", [i for i in IDS if i not in NO_T1
                                         and any("T" in c.dims for c in EXERCISES[i].make_cases())])
def test_a_single_step_is_there(exercise_id):
    assert any(case.dims.get("T") == 1 for case in EXERCISES[exercise_id].make_cases())


def test_checking_every_reference_once_is_fast():
    start = time.perf_counter()
    for exercise in EXERCISES.values():
        assert check_exercise(exercise, exercise.reference).passed
    elapsed = time.perf_counter() - start
    print(f"checked {len(EXERCISES)} references in {elapsed:.2f} s")
    assert elapsed < 10.0


# --- kinds of wrong answers, on every exercise ----------------------------------------------


def _first_array_input(case: Case):
    return next((name for name, value in case.kwargs.items() if isinstance(value, np.ndarray) and value.size), None)


@pytest.mark.parametrize("exercise_id", [i for i in IDS if _first_array_input(EXERCISES[i].make_cases()[0])])
def test_changing_an_input_in_place_names_it(exercise_id):
    exercise = EXERCISES[exercise_id]
    name = _first_array_input(exercise.make_cases()[0])

    def mutating(**kwargs):
        outputs = exercise.reference(**copy.deepcopy(kwargs))
        kwargs[name][...] = kwargs[name][::-1] if kwargs[name].dtype.kind in "iu" else kwargs[name] * 0.5 + 1.0
        return outputs

    message = message_of(exercise_id, mutating)
    assert message.startswith(f"{exercise_id} changed its argument `{name}` in place in case ")


@pytest.mark.parametrize("exercise_id", IDS)
def test_remembering_answers_by_shape_fails(exercise_id):
    exercise = EXERCISES[exercise_id]
    memory = {}

    def by_shape(**kwargs):
        key = tuple((k, np.shape(v)) for k, v in sorted(kwargs.items()))
        if key not in memory:
            memory[key] = exercise.reference(**kwargs)
        return memory[key]

    message = message_of(exercise_id, by_shape)
    assert any(kind in message for kind in (" is wrong in case ", " are swapped in case ", " has shape "))


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_masked_array_is_rejected(exercise_id):
    exercise = EXERCISES[exercise_id]

    def masked(**kwargs):
        outputs = reference_outputs(exercise, kwargs)
        outputs[-1] = np.ma.masked_invalid(np.asarray(outputs[-1]))
        return pack(exercise, outputs)

    message = message_of(exercise_id, masked)
    assert f"{exercise.outputs[-1]} is a masked array (numpy.ma)" in message


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_object_array_is_rejected(exercise_id):
    exercise = EXERCISES[exercise_id]

    def objects(**kwargs):
        outputs = reference_outputs(exercise, kwargs)
        outputs[0] = np.asarray(outputs[0]).astype(object)
        return pack(exercise, outputs)

    assert f"{exercise.outputs[0]} has dtype object in case" in message_of(exercise_id, objects)


@pytest.mark.parametrize("exercise_id", IDS)
def test_sys_exit_is_caught_and_reported(exercise_id):
    def exits(**kwargs):
        raise SystemExit(3)

    message = message_of(exercise_id, exits)
    assert message.startswith(f"{exercise_id} raised SystemExit in case ")
    assert "sys.exit" in message


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_unfinished_helper_is_named(exercise_id):
    def helper_step(**kwargs):
        raise NotImplementedError

    def student(**kwargs):
        return helper_step(**kwargs)

    line = helper_step.__code__.co_firstlineno + 1
    assert message_of(exercise_id, student) == (
        f"{exercise_id}: your function calls helper_step, which is not implemented yet "
        f"(helper_step line {line}: raise NotImplementedError). Implement and check helper_step first."
    )


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_exception_in_a_helper_shows_both_lines(exercise_id):
    def helper(value):
        return value["missing"]  # raises here

    def student(**kwargs):
        return helper(kwargs)

    message = message_of(exercise_id, student)
    assert message.startswith(f"{exercise_id} raised KeyError in case ")
    assert "at your line" in message and "return helper(kwargs)" in message
    assert message.endswith('raised in helper, line %d: return value["missing"]  # raises here'
                            % (helper.__code__.co_firstlineno + 1))


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_overflow_is_an_error(exercise_id):
    exercise = EXERCISES[exercise_id]

    def overflows(**kwargs):
        np.exp(np.full(2, 1000.0))  # only a warning outside the checker
        return exercise.reference(**kwargs)

    message = message_of(exercise_id, overflows)
    assert message.startswith(f"{exercise_id} raised FloatingPointError in case ")
    assert "overflow encountered in exp" in message and "np.errstate(over='raise', invalid='raise'" in message


@pytest.mark.parametrize("exercise_id", IDS)
def test_one_wrong_output_is_marked_among_the_others(exercise_id):
    exercise = EXERCISES[exercise_id]
    last = exercise.outputs[-1]

    def off(**kwargs):
        outputs = reference_outputs(exercise, kwargs)
        value = np.asarray(outputs[-1])
        outputs[-1] = value + 1 if exercise.kind(last) == "int" else value * 1.01 + 0.01
        if not exercise.shapes[-1]:
            outputs[-1] = outputs[-1].item()
        return pack(exercise, outputs)

    message = message_of(exercise_id, off)
    assert message.startswith(f"{exercise_id}: {last} is wrong in case ")
    if len(exercise.outputs) > 1:
        marks = ", ".join(f"{name} {'wrong' if name == last else 'right'}" for name in exercise.outputs)
        assert message.endswith(f"Outputs in this case: {marks}.")


SWAPPABLE = [i for i in IDS if len(EXERCISES[i].outputs) > 1 and len(set(EXERCISES[i].shapes[:2])) == 1
             and EXERCISES[i].shapes[0]]


@pytest.mark.parametrize("exercise_id", SWAPPABLE)
def test_swapped_outputs_are_recognised(exercise_id):
    exercise = EXERCISES[exercise_id]
    a, b = exercise.outputs[:2]

    def swapped(**kwargs):
        outputs = reference_outputs(exercise, kwargs)
        outputs[0], outputs[1] = outputs[1], outputs[0]
        return pack(exercise, outputs)

    assert message_of(exercise_id, swapped).startswith(f"{exercise_id}: {a} and {b} are swapped in case ")


def _hyperparameters(exercise: Exercise) -> list[str]:
    """Float scalar inputs (learning rates, betas, eps, temperatures, ...) whose value differs between cases."""
    cases = exercise.make_cases()
    names = [name for name, value in cases[0].kwargs.items()
             if isinstance(value, (float, np.floating)) and not isinstance(value, bool)]
    varying = [name for name in names if len({float(case.kwargs[name]) for case in cases}) > 1]
    return [name for name in varying if any(_depends_on(exercise, case, name, cases[0].kwargs[name]) for case in cases)]


def _depends_on(exercise: Exercise, case: Case, name: str, fixed) -> bool:
    """Whether the reference's outputs change when ``name`` takes the value ``fixed`` (b_y, say, does not
    enter the gradients of StatLand's backward pass)."""
    ours = reference_outputs(exercise, case.kwargs)
    other = reference_outputs(exercise, {**case.kwargs, name: fixed})
    return any(not np.allclose(a, b, rtol=1e-9, atol=0) for a, b in zip(ours, other))


HYPER = [(i, name) for i in IDS for name in _hyperparameters(EXERCISES[i])]


@pytest.mark.parametrize(("exercise_id", "name"), HYPER)
def test_a_hard_coded_hyperparameter_fails(exercise_id, name):
    exercise = EXERCISES[exercise_id]
    fixed = exercise.make_cases()[0].kwargs[name]

    def hard_coded(**kwargs):
        return exercise.reference(**{**kwargs, name: fixed})

    assert " is wrong in case " in message_of(exercise_id, hard_coded)


def test_the_optimisers_hyperparameters_all_vary():
    names = {(i, n) for i, n in HYPER}
    for expected in [("ch03.adam_step", "lr"), ("ch03.adam_step", "beta1"), ("ch03.adam_step", "beta2"),
                     ("ch03.adam_step", "eps"), ("ch03.rmsprop_step", "eps"), ("ch03.rmsprop_step", "alpha"),
                     ("ch03.sgd_momentum_step", "momentum"), ("ch09.adagrad_step", "eps"),
                     ("ch03.numerical_gradient_of_loss", "eps"), ("ch09.train_step_carried", "lr")]:
        assert expected in names


@pytest.mark.parametrize("exercise_id", ["ch03.rmsprop_step", "ch03.adam_step", "ch09.adagrad_step"])
def test_eps_under_the_square_root_fails(exercise_id):
    exercise = EXERCISES[exercise_id]

    def eps_inside(**kwargs):
        eps = kwargs["eps"]
        # sqrt(s + eps^2 ...) is close to sqrt(s) + eps only when eps is negligible: move eps inside instead
        state = {"ch03.rmsprop_step": "square_avg", "ch03.adam_step": "v", "ch09.adagrad_step": "sum_sq"}[exercise_id]
        outputs = reference_outputs(exercise, {**kwargs, "eps": 0.0})
        new_state = outputs[-1]
        correction = 1 - kwargs["beta2"] ** kwargs["t"] if exercise_id == "ch03.adam_step" else 1.0
        step = kwargs["param"] - outputs[0]
        sqrt_s = np.sqrt(new_state / correction)
        outputs[0] = kwargs["param"] - step * sqrt_s / np.sqrt(sqrt_s**2 + eps)
        assert state in kwargs
        return pack(exercise, outputs)

    assert "new_param is wrong in case" in message_of(exercise_id, eps_inside)


def test_ragged_ids_are_explained():
    exercise = EXERCISES["ch06.ctc_collapse"]

    def ragged(path, blank):
        labels = exercise.reference(path, blank).tolist()
        return [labels[:1], labels[1:]] if labels else labels

    message = message_of("ch06.ctc_collapse", ragged)
    assert "labels is a ragged list (lengths of its items:" in message


def test_gate_blocks_are_named():
    exercise = EXERCISES["ch08.lstm_step_backward"]

    def wrong_forget_block(**kwargs):
        outputs = reference_outputs(exercise, kwargs)
        H = kwargs["h_prev"].shape[1]
        outputs[3] = outputs[3].copy()
        outputs[3][H : 2 * H] *= -1  # the f rows of dW_ih
        outputs[3][3 * H :] *= 2  # and the o rows
        return pack(exercise, outputs)

    message = message_of("ch08.lstm_step_backward", wrong_forget_block)
    assert "dW_ih (gate blocks i, f, g, o along axis 0): wrong in blocks f, o; right in i, g." in message
    assert "Outputs in this case: dx_t right, dh_prev right, dc_prev right, dW_ih wrong, dW_hh right, db right." in message


def test_one_output_equal_to_another_expected_is_said():
    exercise = EXERCISES["ch08.lstm_step_forward"]

    def c_twice(**kwargs):
        h_t, c_t = exercise.reference(**kwargs)
        return c_t, c_t

    assert "Your h_t equals the expected c_t." in message_of("ch08.lstm_step_forward", c_twice)


# --- an exercise may change its inputs when its contract says so -----------------------------


def _scale_in_place(x):
    x *= 2.0
    return x.copy()


def _in_place_cases(seed=0):
    return [Case(f"n={n}", {"x": np.random.default_rng((seed, n)).normal(size=n)}, {"N": n}) for n in (1, 3, 4)]


def test_an_in_place_contract_allows_the_change():
    allowed = Exercise("chXX.scale", "scale", _scale_in_place, _in_place_cases, ("y",), (("N",),), in_place=("x",))
    assert check_exercise(allowed, _scale_in_place).passed
    strict = Exercise("chXX.scale", "scale", lambda x: 2.0 * x, _in_place_cases, ("y",), (("N",),))
    assert check_exercise(strict, _scale_in_place).message.startswith("chXX.scale changed its argument `x` in place")


# --- helpers between notebook and grader ----------------------------------------------------


def _cell(source: str, namespace: dict, number: int) -> None:
    """Run ``source`` as IPython runs a notebook cell: its own file name, its source in linecache."""
    filename = f"<ipython-input-{number}-test>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


STEP = ("def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):\n"
        "    return {call}(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)\n")


def test_check_warns_about_a_helper_from_another_cell(capsys):
    namespace = {"__name__": "__main__"}
    _cell("import numpy as np\n\ndef squash(a):\n    return np.tanh(a)\n", namespace, 1)
    _cell(STEP.format(call="squash"), namespace, 2)
    result = check("ch07.rnn_step_forward", namespace["rnn_step_forward"])
    assert result.passed
    assert capsys.readouterr().out.endswith(
        "Warning: the grader will not see `squash`: it runs only the exercise cells, in order, after "
        "`import numpy as np`, and this is defined in another cell. Move it into the cell of rnn_step_forward "
        "(or import it there), or your function fails when graded.\n")


def test_no_warning_for_a_helper_in_the_same_cell_or_an_earlier_exercise(capsys):
    namespace = {"__name__": "__main__"}
    _cell("import numpy as np\n", namespace, 3)
    _cell("def squash(a):\n    return np.tanh(a)\n\n" + STEP.format(call="squash"), namespace, 4)
    check("ch07.rnn_step_forward", namespace["rnn_step_forward"])
    assert "Warning" not in capsys.readouterr().out
    forward = ("def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):\n"
               "    h = h0 if h0 is not None else np.zeros((x.shape[1], W_hh.shape[0]))\n"
               "    outputs = []\n"
               "    for x_t in x:\n"
               "        h = rnn_step_forward(x_t, h, W_ih, W_hh, b_ih, b_hh)\n"
               "        outputs.append(h)\n"
               "    return np.stack(outputs), h\n")
    _cell(forward, namespace, 5)
    assert unseen_names(namespace["rnn_forward"], ("rnn_step_forward", "rnn_step_backward", "rnn_forward")) == []


def test_a_constant_and_an_import_from_another_cell_are_named():
    namespace = {"__name__": "__main__"}
    _cell("import math\nimport numpy as np\nSCALE = 2.0\n", namespace, 6)
    _cell("def f(x):\n    return np.tanh(x) * SCALE + math.pi\n", namespace, 7)
    assert unseen_names(namespace["f"]) == ["SCALE", "math"]


def test_every_notebook_states_the_rule():
    import nbformat
    from pathlib import Path

    for path in sorted(Path(__file__).parent.parent.glob("exercises/ch*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0].source
        assert "The grader runs only the exercise cells" in first and "`check` warns about it by name" in first, path
        assert "compares every argument with a saved copy" in first, path


# --- the helpers for case builders -----------------------------------------------------------


def test_seeded_sizes_grow_every_size_and_avoid_other_entries():
    sizes = [(1, 1), (4, 3), (6, 5)]
    assert seeded_sizes(sizes, 0) == [*sizes, (5, 4)]
    assert seeded_sizes(sizes, 1) == [*sizes, (7, 6)]  # (6, 5) is taken
    assert seeded_sizes([(2, 0.5, "x", True)], 0, index=0)[-1] == (3, 0.5, "x", True)


def test_with_twin_adds_the_same_sizes_with_other_values():
    cases = with_twin(_in_place_cases)(0)
    assert [case.name for case in cases] == ["n=1", "n=3", "n=4", "n=3, other values"]
    assert not np.array_equal(cases[1].kwargs["x"], cases[3].kwargs["x"])
