"""The exercise checks: references pass, and each kind of mistake fails with a message naming it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from companion.exercises import EXERCISES, check, get_exercise
from companion.exercises.checking import (
    CheckResult,
    Raised,
    check_exercise,
    judge,
    relative_errors,
    run_case,
)
from companion.scratch.gradcheck import gradcheck
from companion.solutions import ch07 as solutions
from exercise_messages import message_of


# --- every exercise -------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_reference_passes(exercise_id):
    result = check_exercise(EXERCISES[exercise_id], EXERCISES[exercise_id].reference)
    assert result.passed, result.message
    assert result.message == f"{exercise_id}: passed ({len(EXERCISES[exercise_id].make_cases())} cases)."


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_stub_reports_not_implemented(exercise_id):
    def stub(**kwargs):
        raise NotImplementedError

    assert message_of(exercise_id, stub) == (
        f"{exercise_id} is not implemented yet: replace `raise NotImplementedError` with your code."
    )


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_exercise_is_well_formed(exercise_id):
    exercise = EXERCISES[exercise_id]
    assert exercise.id == exercise_id
    assert exercise_id.split(".")[1] == exercise.reference.__name__
    assert len(exercise.outputs) == len(exercise.shapes)
    cases = exercise.make_cases()
    assert len(cases) >= 3
    assert len({case.name for case in cases}) == len(cases)
    if any("B" in case.dims for case in cases):
        assert any("B=1" in case.name for case in cases)
    for case in cases:
        for value in case.kwargs.values():
            # Continuous inputs are float64; the others are integers (ids, lengths) or strings.
            if isinstance(value, float) or (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
                assert np.asarray(value).dtype == np.float64
            elif isinstance(value, np.ndarray):
                assert value.dtype.kind in "iub"
            else:
                assert isinstance(value, (int, np.integer, str))
        assert all(symbol in case.dims for shape in exercise.shapes for symbol in shape)


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_cases_are_deterministic(exercise_id):
    first, second = EXERCISES[exercise_id].make_cases(), EXERCISES[exercise_id].make_cases()
    for a, b in zip(first, second):
        assert a.name == b.name
        for name in a.kwargs:
            np.testing.assert_array_equal(a.kwargs[name], b.kwargs[name])


@pytest.mark.parametrize("exercise_id", [i for i, e in EXERCISES.items() if e.finite_difference])
def test_reference_backward_matches_numerical_gradient(exercise_id):
    exercise = EXERCISES[exercise_id]
    fd = exercise.finite_difference
    for case in exercise.make_cases():
        upstream = case.kwargs[fd.upstream]

        def loss(**inputs):
            return float(np.sum(fd.forward(**inputs) * upstream))

        grads = dict(zip(exercise.outputs, exercise.reference(**case.kwargs)))
        analytic = {argument: grads[output] for output, argument in fd.wrt.items()}
        errors = gradcheck(loss, case.forward_kwargs, analytic)
        if "db" in grads and "b_hh" in case.forward_kwargs:
            # In the RNN exercises db is the gradient of both biases.
            errors.update(gradcheck(loss, case.forward_kwargs, {"b_hh": grads["db"]}))
        assert max(errors.values()) < 1e-6, (case.name, errors)  # centred differences: ~1e-7 on small entries


# --- deliberately wrong implementations, two or more per exercise ---------------------


def step_forward_without_b_hh(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T)


def step_forward_without_tanh(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh


def step_forward_untransposed(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x_t @ W_ih + b_ih + h_prev @ W_hh.T + b_hh)  # the student's line


def step_forward_float32(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return solutions.rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh).astype(np.float32)


def step_forward_without_return(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    h_t = np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)  # noqa: F841


def test_forgotten_b_hh_gives_relative_error():
    message = message_of("ch07.rnn_step_forward", step_forward_without_b_hh)
    assert message.startswith('ch07.rnn_step_forward: h_t is wrong in case "B=1, D=3, H=4": largest relative error')
    assert "(tolerance 1e-06)" in message


def test_missing_tanh_gives_relative_error():
    assert "h_t is wrong" in message_of("ch07.rnn_step_forward", step_forward_without_tanh)


def test_untransposed_weight_raises_and_shows_the_students_line():
    message = message_of("ch07.rnn_step_forward", step_forward_untransposed)
    assert message.startswith('ch07.rnn_step_forward raised ValueError in case "B=1, D=3, H=4": matmul')
    line = step_forward_untransposed.__code__.co_firstlineno + 1
    assert f"at your line {line}: return np.tanh(x_t @ W_ih + b_ih" in message


def test_float32_gives_dtype_message():
    message = message_of("ch07.rnn_step_forward", step_forward_float32)
    assert message == (
        'ch07.rnn_step_forward: h_t has dtype float32 in case "B=1, D=3, H=4"; expected float64, like the inputs.'
    )


def test_forgotten_return_says_none():
    message = message_of("ch07.rnn_step_forward", step_forward_without_return)
    assert message == (
        'ch07.rnn_step_forward returned None in case "B=1, D=3, H=4": did you forget the `return` statement?'
    )


def step_backward_without_tanh_derivative(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    da = dh_t
    return da @ W_ih, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def step_backward_transposed_dW_ih(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    dx_t, dh_prev, dW_ih, dW_hh, db = solutions.rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh)
    return dx_t, dh_prev, dW_ih.T, dW_hh, db


def step_backward_db_over_wrong_axis(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    da = dh_t * (1 - h_t**2)
    return da @ W_ih, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=1)


def step_backward_four_outputs(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    return solutions.rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh)[:4]


def test_missing_tanh_derivative_gives_relative_error_and_numerical_value():
    message = message_of("ch07.rnn_step_backward", step_backward_without_tanh_derivative)
    assert message.startswith('ch07.rnn_step_backward: dx_t is wrong in case "B=1, D=3, H=4": largest relative error')
    assert "Finite differences of the forward pass give" in message


def test_transposed_gradient_gives_shape_with_named_dimensions():
    message = message_of("ch07.rnn_step_backward", step_backward_transposed_dW_ih)
    assert message == (
        'ch07.rnn_step_backward: dW_ih has shape (3, 4) in case "B=1, D=3, H=4"; expected (H, D) = (4, 3).'
    )


def test_bias_gradient_summed_over_wrong_axis_gives_shape_message():
    message = message_of("ch07.rnn_step_backward", step_backward_db_over_wrong_axis)
    assert message == 'ch07.rnn_step_backward: db has shape (1,) in case "B=1, D=3, H=4"; expected (H,) = (4,).'


def test_missing_output_names_the_expected_outputs():
    message = message_of("ch07.rnn_step_backward", step_backward_four_outputs)
    assert message == (
        'ch07.rnn_step_backward returned a tuple of 4 values in case "B=1, D=3, H=4"; '
        "expected a tuple of 5 arrays (dx_t, dh_prev, dW_ih, dW_hh, db)."
    )


def forward_from_zeros(x, h0, W_ih, W_hh, b_ih, b_hh):
    return solutions.rnn_forward(x, np.zeros_like(h0), W_ih, W_hh, b_ih, b_hh)


def forward_last_state_only(x, h0, W_ih, W_hh, b_ih, b_hh):
    return solutions.rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh)[-1]


def forward_including_h0(x, h0, W_ih, W_hh, b_ih, b_hh):
    return np.concatenate([h0[None], solutions.rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh)])


def test_forward_ignoring_h0_gives_relative_error():
    message = message_of("ch07.rnn_forward", forward_from_zeros)
    assert message.startswith('ch07.rnn_forward: h is wrong in case "T=1, B=1, D=3, H=4": largest relative error')


def test_forward_returning_last_state_gives_shape_message():
    message = message_of("ch07.rnn_forward", forward_last_state_only)
    assert message == 'ch07.rnn_forward: h has shape (1, 4) in case "T=1, B=1, D=3, H=4"; expected (T, B, H) = (1, 1, 4).'


def test_forward_including_h0_gives_shape_message():
    assert "h has shape (2, 1, 4)" in message_of("ch07.rnn_forward", forward_including_h0)


def backward_with_zeros_at_t0(dh, x, h0, h, W_ih, W_hh):
    # The seed material's bug: the state before step 0 taken as zeros, not h0.
    return solutions.rnn_backward(dh, x, np.zeros_like(h0), h, W_ih, W_hh)


def backward_with_h_minus_1_at_t0(dh, x, h0, h, W_ih, W_hh):
    T = x.shape[0]
    dx, dW_ih, dW_hh = np.zeros_like(x), np.zeros_like(W_ih), np.zeros_like(W_hh)
    db, dh_next = np.zeros(W_hh.shape[0]), np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[t] + dh_next) * (1 - h[t] ** 2)
        dx[t], dh_next = da @ W_ih, da @ W_hh
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ h[t - 1]  # wraps around to h[T - 1] at t = 0
        db += da.sum(axis=0)
    return dx, dh_next, dW_ih, dW_hh, db


def backward_without_carry(dh, x, h0, h, W_ih, W_hh):
    grads = [solutions.rnn_step_backward(dh[t], x[t], h[t - 1] if t else h0, h[t], W_ih, W_hh) for t in range(x.shape[0])]
    dx = np.stack([g[0] for g in grads])
    return dx, grads[0][1], sum(g[2] for g in grads), sum(g[3] for g in grads), sum(g[4] for g in grads)


def test_backward_with_zeros_instead_of_h0_gets_dW_hh_wrong():
    message = message_of("ch07.rnn_backward", backward_with_zeros_at_t0)
    assert message.startswith('ch07.rnn_backward: dW_hh is wrong in case "T=1, B=1, D=3, H=4"')


def test_backward_with_h_minus_1_at_t0_gets_dW_hh_wrong():
    assert "dW_hh is wrong" in message_of("ch07.rnn_backward", backward_with_h_minus_1_at_t0)


def test_backward_without_carried_gradient_fails_on_longer_sequence():
    message = message_of("ch07.rnn_backward", backward_without_carry)
    assert message.startswith('ch07.rnn_backward: dx is wrong in case "T=3, B=2, D=5, H=4"')


# --- each category, and the order in which they are reported --------------------------

STEP_BACKWARD = get_exercise("ch07.rnn_step_backward")
CASE = STEP_BACKWARD.make_cases()[1]  # B=2, D=5, H=4


def reference_outputs() -> list[np.ndarray]:
    return list(solutions.rnn_step_backward(**CASE.kwargs))


def test_category_value_names_index_and_both_values():
    outputs = reference_outputs()
    expected = outputs[3][1, 0]
    outputs[3] = outputs[3].copy()
    outputs[3][1, 0] = 2 * expected
    message = judge(STEP_BACKWARD, CASE, tuple(outputs))
    assert message.startswith(
        'ch07.rnn_step_backward: dW_hh is wrong in case "B=2, D=5, H=4": largest relative error 5.0e-01 at index (1, 0): '
        f"yours {2 * expected:.6g}, expected {expected:.6g} (tolerance 1e-06)."
    )


def test_category_value_shows_enough_digits_to_differ():
    outputs = reference_outputs()
    outputs[4] = outputs[4] * (1 + 1e-5)
    message = judge(STEP_BACKWARD, CASE, tuple(outputs))
    yours, expected = message.split("yours ")[1].split(" (tolerance")[0].split(", expected ")
    assert yours != expected


def test_category_nan_and_inf_give_first_index():
    outputs = reference_outputs()
    outputs[1] = outputs[1].copy()
    outputs[1][1, 2] = np.nan
    outputs[1][1, 3] = np.inf
    assert judge(STEP_BACKWARD, CASE, tuple(outputs)) == (
        'ch07.rnn_step_backward: dh_prev contains NaN in case "B=2, D=5, H=4", first at index (1, 2).'
    )
    outputs[1][1, 2] = 0.0
    assert "dh_prev contains inf" in judge(STEP_BACKWARD, CASE, tuple(outputs))


def test_category_type_of_one_output():
    outputs = reference_outputs()
    outputs[4] = outputs[4].tolist()
    assert judge(STEP_BACKWARD, CASE, tuple(outputs)) == (
        'ch07.rnn_step_backward: db is a list of 4 values in case "B=2, D=5, H=4"; expected a NumPy array.'
    )


def test_category_single_output_returned_as_tuple():
    exercise = get_exercise("ch07.rnn_step_forward")
    case = exercise.make_cases()[0]
    h_t = solutions.rnn_step_forward(**case.kwargs)
    assert judge(exercise, case, (h_t, None)) == (
        'ch07.rnn_step_forward returned a tuple of 2 values in case "B=1, D=3, H=4"; expected a single NumPy array h_t.'
    )


def test_category_exception_is_captured_with_the_students_line():
    def broken(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
        da = dh_t * (1 - h_t**2)
        return da @ x_t, da

    outputs = run_case(broken, CASE)
    assert isinstance(outputs, Raised) and not outputs.not_implemented
    assert outputs.line == f"line {broken.__code__.co_firstlineno + 2}: return da @ x_t, da"
    message = judge(STEP_BACKWARD, CASE, outputs)
    assert message.startswith('ch07.rnn_step_backward raised ValueError in case "B=2, D=5, H=4": matmul')
    assert message.endswith("at your line " + outputs.line.removeprefix("line "))


def test_exception_from_a_library_shows_the_deepest_student_line():
    def helper(a):
        return np.linalg.inv(a)  # the deepest line of the student's file

    def student(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        return helper(W_ih)

    message = message_of("ch07.rnn_step_forward", student)
    assert "LinAlgError" in message
    assert message.endswith("return np.linalg.inv(a)  # the deepest line of the student's file")


def test_order_exception_before_everything():
    def student(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
        raise KeyError("boom")

    assert "raised KeyError" in message_of("ch07.rnn_step_backward", student)


def test_order_not_implemented_before_exception():
    assert "not implemented" in judge(STEP_BACKWARD, CASE, Raised("NotImplementedError", "", "line 3: raise", True))


def test_order_dtype_before_shape():
    outputs = reference_outputs()
    outputs[0] = outputs[0].T  # wrong shape
    outputs[2] = outputs[2].astype(np.float32)  # wrong dtype, later output
    assert "dW_ih has dtype float32" in judge(STEP_BACKWARD, CASE, tuple(outputs))


def test_order_shape_before_nan():
    outputs = reference_outputs()
    outputs[0] = np.full_like(outputs[0], np.nan)
    outputs[3] = outputs[3][:, :2]
    assert "dW_hh has shape (4, 2)" in judge(STEP_BACKWARD, CASE, tuple(outputs))


def test_order_nan_before_values():
    outputs = reference_outputs()
    outputs[0] = outputs[0] + 1.0
    outputs[4] = outputs[4].copy()
    outputs[4][3] = -np.inf
    assert "db contains inf" in judge(STEP_BACKWARD, CASE, tuple(outputs))


def test_finite_difference_check_catches_a_wrong_reference():
    # If the reference itself were wrong, the finite-difference check still fails.
    def wrong_reference(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
        dx_t, dh_prev, dW_ih, dW_hh, db = solutions.rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh)
        return dx_t, dh_prev, dW_ih, dW_hh.T, db

    exercise = dataclasses.replace(STEP_BACKWARD, reference=wrong_reference)
    message = check_exercise(exercise, wrong_reference).message
    assert message.startswith(
        'ch07.rnn_step_backward: dW_hh differs from the finite-difference gradient in case "B=1, D=3, H=4": '
        "largest relative error"
    )
    assert ", numerical " in message


def test_relative_error_uses_floor_for_tiny_entries():
    errors = relative_errors(np.array([1.0, 1e-12, 0.0]), np.array([1.1, 2e-12, 0.0]))
    np.testing.assert_allclose(errors, [0.1 / 1.1, 1e-12 / 1e-6, 0.0])


def test_run_case_passes_copies():
    def destructive(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        x_t[...] = 0.0
        return solutions.rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)

    case = get_exercise("ch07.rnn_step_forward").make_cases()[0]
    before = case.kwargs["x_t"].copy()
    run_case(destructive, case)
    np.testing.assert_array_equal(case.kwargs["x_t"], before)


# --- the public API -------------------------------------------------------------------


def test_check_prints_the_message_once_and_returns_result(capsys):
    result = check("ch07.rnn_step_forward", solutions.rnn_step_forward)
    assert isinstance(result, CheckResult) and result.passed
    assert capsys.readouterr().out == "ch07.rnn_step_forward: passed (5 cases).\n"
    assert repr(result) == "CheckResult('ch07.rnn_step_forward', passed=True)"


def test_pass_message_is_deterministic():
    first = check("ch07.rnn_backward", solutions.rnn_backward).message
    second = check("ch07.rnn_backward", solutions.rnn_backward).message
    assert first == second == "ch07.rnn_backward: passed (5 cases)."


def test_failure_message_is_deterministic():
    assert message_of("ch07.rnn_step_forward", step_forward_without_b_hh) == message_of(
        "ch07.rnn_step_forward", step_forward_without_b_hh
    )


def test_strict_mode_raises_assertion_error(monkeypatch, capsys):
    monkeypatch.setenv("COMPANION_STRICT", "1")
    with pytest.raises(AssertionError, match="h_t is wrong"):
        check("ch07.rnn_step_forward", step_forward_without_b_hh)
    assert check("ch07.rnn_step_forward", solutions.rnn_step_forward).passed
    assert capsys.readouterr().out == "ch07.rnn_step_forward: passed (5 cases).\n"


def test_unknown_id_lists_the_chapters_ids():
    with pytest.raises(ValueError, match="unknown exercise 'ch07.rnn_step_fwd'; ch07 has: ch07.rnn_step_forward, "):
        check("ch07.rnn_step_fwd", solutions.rnn_step_forward)
    with pytest.raises(ValueError, match="chapters with exercises: ch0"):
        check("ch99.anything", solutions.rnn_step_forward)


def test_check_needs_a_function():
    with pytest.raises(TypeError, match="check needs your function itself"):
        check("ch07.rnn_step_forward", "rnn_step_forward")


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_reference_passes_on_fresh_seeds(exercise_id):
    # The grader draws a fresh seed per run: no seed may fail a correct answer.
    exercise = EXERCISES[exercise_id]
    for seed in range(1, 13):
        result = check_exercise(exercise, exercise.reference, seed=seed)
        assert result.passed, (seed, result.message)
