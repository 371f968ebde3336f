"""Chapter 21's exercises: typical mistakes fail with a message that points at them.

That the references pass, the stubs say "not implemented" and the sizes vary with the seed is
checked for every chapter in tests/test_exercise_contract.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from companion.solutions import ch21 as solutions
from exercise_messages import message_of


# --- ch21.adding_problem_batch ---------------------------------------------------------------

def adding_marks_rows(values, first, second):
    T, B = values.shape
    markers = np.zeros((T, B))
    markers[first] = 1.0  # every column gets every row in `first`
    markers[second] = 1.0
    columns = np.arange(B)
    return np.stack([values, markers], axis=-1), values[first, columns] + values[second, columns]


def adding_channels_swapped(values, first, second):
    x, y = solutions.adding_problem_batch(values, first, second)
    return x[..., ::-1].copy(), y


def adding_mean_not_sum(values, first, second):
    x, y = solutions.adding_problem_batch(values, first, second)
    return x, y / 2


def adding_batch_major(values, first, second):
    x, y = solutions.adding_problem_batch(values, first, second)
    return x.transpose(1, 0, 2).copy(), y


def adding_sums_everything(values, first, second):
    x, _ = solutions.adding_problem_batch(values, first, second)
    return x, values.sum(axis=0)


def adding_float32(values, first, second):
    x, y = solutions.adding_problem_batch(values, first, second)
    return x.astype(np.float32), y


@pytest.mark.parametrize(("fn", "start"), [
    (adding_marks_rows, "ch21.adding_problem_batch: x is wrong in case "),
    (adding_channels_swapped, "ch21.adding_problem_batch: x is wrong in case "),
    (adding_mean_not_sum, "ch21.adding_problem_batch: y is wrong in case "),
    (adding_batch_major, "ch21.adding_problem_batch: x has shape "),
    (adding_sums_everything, "ch21.adding_problem_batch: y is wrong in case "),
    (adding_float32, "ch21.adding_problem_batch: x has dtype float32"),
])
def test_wrong_adding_batches_fail(fn, start):
    assert message_of("ch21.adding_problem_batch", fn).startswith(start)


# --- ch21.constant_predictor_mse -------------------------------------------------------------

def mse_around_one(y):
    return float(np.mean((y - 1.0) ** 2))


def mse_sample_variance(y):
    return float(np.var(y, ddof=1)) if len(y) > 1 else 0.0


def mse_of_the_median(y):
    return float(np.mean((y - np.median(y)) ** 2))


def mse_one_sixth(y):
    return 1 / 6


def mse_standard_deviation(y):
    return float(np.std(y))


def mse_per_sample(y):
    return (y - y.mean()) ** 2


@pytest.mark.parametrize(("fn", "start"), [
    (mse_around_one, "ch21.constant_predictor_mse: mse is wrong in case "),
    (mse_sample_variance, "ch21.constant_predictor_mse: mse is wrong in case "),
    (mse_of_the_median, "ch21.constant_predictor_mse: mse is wrong in case "),
    (mse_one_sixth, "ch21.constant_predictor_mse: mse is wrong in case "),
    (mse_standard_deviation, "ch21.constant_predictor_mse: mse is wrong in case "),
    (mse_per_sample, "ch21.constant_predictor_mse: mse has shape "),
])
def test_wrong_constant_mses_fail(fn, start):
    assert message_of("ch21.constant_predictor_mse", fn).startswith(start)


# --- ch21.copy_baseline ----------------------------------------------------------------------

def baseline_over_T(T, n=10, k=8):
    return n * np.log(k) / T


def baseline_log2(T, n=10, k=8):
    return n * np.log2(k) / (T + 2 * n)


def baseline_eight_symbols(T, n=10, k=8):
    return n * np.log(8) / (T + 2 * n)


def baseline_over_T_plus_n(T, n=10, k=8):
    return n * np.log(k) / (T + n)


def baseline_per_symbol(T, n=10, k=8):
    return np.log(k)


def baseline_ten_symbols(T, n=10, k=8):
    return 10 * np.log(k) / (T + 20)


@pytest.mark.parametrize("fn", [baseline_over_T, baseline_log2, baseline_eight_symbols, baseline_over_T_plus_n,
                                baseline_per_symbol, baseline_ten_symbols])
def test_wrong_copy_baselines_fail(fn):
    assert message_of("ch21.copy_baseline", fn).startswith("ch21.copy_baseline: cross_entropy is wrong in case ")


# --- ch21.copy_task_layout -------------------------------------------------------------------

def layout_delimiter_late(data, T):
    x, y = solutions.copy_task_layout(data, T)
    n = data.shape[0]
    x[n + T - 1], x[n + T] = 0, 9
    return x, y


def layout_target_early(data, T):
    x, y = solutions.copy_task_layout(data, T)
    n = data.shape[0]
    y[:] = 0
    y[T + n - 1 : T + 2 * n - 1] = data
    return x, y


def layout_no_delimiter(data, T):
    x, y = solutions.copy_task_layout(data, T)
    x[x == 9] = 0
    return x, y


def layout_target_is_input(data, T):
    x, _ = solutions.copy_task_layout(data, T)
    return x, x.copy()


def layout_reversed_copy(data, T):
    x, y = solutions.copy_task_layout(data, T)
    n = data.shape[0]
    y[T + n :] = data[::-1]
    return x, y


def layout_float(data, T):
    x, y = solutions.copy_task_layout(data, T)
    return x.astype(np.float64), y


def layout_ten_fixed(data, T):
    n, B = data.shape
    x = np.zeros((T + 20, B), dtype=np.int64)
    y = np.zeros((T + 20, B), dtype=np.int64)
    x[:n] = data
    x[n + T - 1] = 9
    y[T + 10 : T + 10 + n] = data
    return x, y


@pytest.mark.parametrize(("fn", "start"), [
    (layout_delimiter_late, "ch21.copy_task_layout: x is wrong in case "),
    (layout_target_early, "ch21.copy_task_layout: y is wrong in case "),
    (layout_no_delimiter, "ch21.copy_task_layout: x is wrong in case "),
    (layout_target_is_input, "ch21.copy_task_layout: y is wrong in case "),
    (layout_reversed_copy, "ch21.copy_task_layout: y is wrong in case "),
    (layout_float, "ch21.copy_task_layout: x has dtype float64"),
    (layout_ten_fixed, "ch21.copy_task_layout: x has shape "),
])
def test_wrong_copy_layouts_fail(fn, start):
    assert message_of("ch21.copy_task_layout", fn).startswith(start)


def test_swapped_input_and_target_are_named():
    def swapped(data, T):
        x, y = solutions.copy_task_layout(data, T)
        return y, x

    assert message_of("ch21.copy_task_layout", swapped).startswith("ch21.copy_task_layout: x and y are swapped in case ")


# --- ch21.irnn_init --------------------------------------------------------------------------

def irnn_orthogonal(H, D, seed):
    W_ih, _, b_ih, b_hh = solutions.irnn_init(H, D, seed)
    q, _ = np.linalg.qr(np.random.default_rng(seed + 1).normal(size=(H, H)))
    return W_ih, q, b_ih, b_hh


def irnn_transposed_input(H, D, seed):
    W_ih = np.random.default_rng(seed).normal(0.0, 0.001, size=(D, H)).T.copy()
    _, W_hh, b_ih, b_hh = solutions.irnn_init(H, D, seed)
    return W_ih, W_hh, b_ih, b_hh


def irnn_unit_scale(H, D, seed):
    W_ih = np.random.default_rng(seed).normal(0.0, 1.0, size=(H, D))
    _, W_hh, b_ih, b_hh = solutions.irnn_init(H, D, seed)
    return W_ih, W_hh, b_ih, b_hh


def irnn_bias_one(H, D, seed):
    W_ih, W_hh, b_ih, _ = solutions.irnn_init(H, D, seed)
    return W_ih, W_hh, b_ih, np.ones(H)


def irnn_ones_matrix(H, D, seed):
    W_ih, _, b_ih, b_hh = solutions.irnn_init(H, D, seed)
    return W_ih, np.ones((H, H)), b_ih, b_hh


def irnn_scaled_identity(H, D, seed):
    W_ih, W_hh, b_ih, b_hh = solutions.irnn_init(H, D, seed)
    return W_ih, 0.9 * W_hh, b_ih, b_hh


@pytest.mark.parametrize(("fn", "start"), [
    (irnn_orthogonal, "ch21.irnn_init: W_hh is wrong in case "),
    (irnn_transposed_input, "ch21.irnn_init: W_ih is wrong in case "),
    (irnn_unit_scale, "ch21.irnn_init: W_ih is wrong in case "),
    (irnn_bias_one, "ch21.irnn_init: b_hh is wrong in case "),
    (irnn_ones_matrix, "ch21.irnn_init: W_hh is wrong in case "),
    (irnn_scaled_identity, "ch21.irnn_init: W_hh is wrong in case "),
])
def test_wrong_irnn_inits_fail(fn, start):
    assert message_of("ch21.irnn_init", fn).startswith(start)
