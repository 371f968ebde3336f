"""Chapter 1's exercises: the references pass, and typical mistakes fail with a message naming them."""

from __future__ import annotations

import numpy as np
import pytest

from companion.exercises import get_exercise
from companion.exercises.checking import check_exercise
from companion.solutions import ch01 as solutions
from exercise_messages import message_of


@pytest.mark.parametrize("name", ["bag_of_words", "bigram_counts", "leaky_sum", "window_mlp_forward", "parameter_counts"])
def test_reference_passes_on_other_seeds(name):
    exercise = get_exercise(f"ch01.{name}")
    for seed in (1, 2):
        assert check_exercise(exercise, exercise.reference, seed=seed).passed


# --- bag_of_words -----------------------------------------------------------------------


def bag_over_batch(x):
    return x.sum(axis=1)


def bag_of_distinct_words(x):
    return (x.sum(axis=0) > 0).astype(np.float64)  # presence, not counts


def bag_as_mean(x):
    return x.mean(axis=0)


def test_bag_summed_over_the_batch_gives_shape_message():
    assert message_of("ch01.bag_of_words", bag_over_batch) == (
        'ch01.bag_of_words: counts has shape (4, 3) in case "T=4, B=1, V=3"; expected (B, V) = (1, 3).'
    )


def test_bag_of_distinct_words_misses_repeats():
    message = message_of("ch01.bag_of_words", bag_of_distinct_words)
    assert message.startswith('ch01.bag_of_words: counts is wrong in case "T=4, B=1, V=3": largest relative error')


def test_bag_as_mean_gives_relative_error():
    assert "counts is wrong" in message_of("ch01.bag_of_words", bag_as_mean)


# --- bigram_counts ----------------------------------------------------------------------


def bigrams_reversed(x):
    return solutions.bigram_counts(x).transpose(0, 2, 1)  # pairs[b, j, i]


def bigrams_with_wrap_around(x):
    return np.einsum("tbi,tbj->bij", x, np.roll(x, -1, axis=0))  # pairs the last word with the first


def bigrams_summed_over_batch(x):
    return np.einsum("tbi,tbj->ij", x[:-1], x[1:])


def test_reversed_pairs_give_relative_error():
    message = message_of("ch01.bigram_counts", bigrams_reversed)
    assert message.startswith('ch01.bigram_counts: pairs is wrong in case "T=4, B=1, V=3": largest relative error')


def test_wrap_around_pair_gives_relative_error():
    assert "pairs is wrong" in message_of("ch01.bigram_counts", bigrams_with_wrap_around)


def test_pairs_summed_over_batch_give_shape_message():
    assert message_of("ch01.bigram_counts", bigrams_summed_over_batch) == (
        'ch01.bigram_counts: pairs has shape (3, 3) in case "T=4, B=1, V=3"; expected (B, V, V) = (1, 3, 3).'
    )


# --- leaky_sum --------------------------------------------------------------------------


def leaky_final_state_only(x, decay):
    return solutions.leaky_sum(x, decay)[-1]


def leaky_decay_on_input(x, decay):
    s, state = np.zeros_like(x), np.zeros_like(x[0])
    for t in range(x.shape[0]):
        state = state + decay * x[t]
        s[t] = state
    return s


def leaky_state_before_update(x, decay):
    s, state = np.zeros_like(x), np.zeros_like(x[0])
    for t in range(x.shape[0]):
        s[t] = state  # stored one step late
        state = decay * state + x[t]
    return s


def test_final_state_only_gives_shape_message():
    assert message_of("ch01.leaky_sum", leaky_final_state_only) == (
        'ch01.leaky_sum: s has shape (1, 2) in case "T=3, B=1, D=2, decay=0.5"; expected (T, B, D) = (3, 1, 2).'
    )


def test_decay_applied_to_the_input_gives_relative_error():
    message = message_of("ch01.leaky_sum", leaky_decay_on_input)
    assert message.startswith('ch01.leaky_sum: s is wrong in case "T=3, B=1, D=2, decay=0.5": largest relative error')


def test_state_stored_one_step_late_gives_relative_error():
    assert "s is wrong" in message_of("ch01.leaky_sum", leaky_state_before_update)


# --- window_mlp_forward -----------------------------------------------------------------


def window_reshaped_without_transpose(x, W1, b1, W2, b2):
    T_w, B, D = x.shape
    v = x.reshape(B, T_w * D)  # the student's line: mixes steps of different sequences
    return np.tanh(v @ W1.T + b1) @ W2.T + b2


def window_without_hidden_nonlinearity(x, W1, b1, W2, b2):
    T_w, B, D = x.shape
    v = x.transpose(1, 0, 2).reshape(B, T_w * D)
    return (v @ W1.T + b1) @ W2.T + b2


def window_last_step_only(x, W1, b1, W2, b2):
    return np.tanh(x[-1] @ W1.T + b1) @ W2.T + b2


def test_reshape_without_transpose_passes_b1_and_fails_b2():
    # With one sequence the two layouts coincide; the second case exposes the mix-up.
    message = message_of("ch01.window_mlp_forward", window_reshaped_without_transpose)
    assert message.startswith(
        'ch01.window_mlp_forward: scores is wrong in case "T_w=3, B=2, D=4, H=5, K=6": largest relative error'
    )


def test_missing_tanh_gives_relative_error():
    assert "scores is wrong" in message_of("ch01.window_mlp_forward", window_without_hidden_nonlinearity)


def test_last_step_only_raises_and_shows_the_line():
    message = message_of("ch01.window_mlp_forward", window_last_step_only)
    assert message.startswith('ch01.window_mlp_forward raised ValueError in case "T_w=2, B=1, D=3, H=4, K=5": matmul')
    assert "at your line" in message and "x[-1] @ W1.T" in message


# --- parameter_counts -------------------------------------------------------------------


def counts_with_one_rnn_bias(T_w, D, H, K):
    return T_w * D * H + H + H * K + K, H * D + H * H + H + H * K + K  # nn.RNN has two


def counts_without_the_window(T_w, D, H, K):
    return D * H + H + H * K + K, H * D + H * H + 2 * H + H * K + K  # the MLP reads T_w * D numbers


def counts_as_floats(T_w, D, H, K):
    mlp, rnn = solutions.parameter_counts(T_w, D, H, K)
    return float(mlp), float(rnn)


def counts_without_readout(T_w, D, H, K):
    return T_w * D * H + H + H * K + K, H * D + H * H + 2 * H


def test_one_rnn_bias_is_compared_exactly():
    assert message_of("ch01.parameter_counts", counts_with_one_rnn_bias) == (
        'ch01.parameter_counts: rnn is wrong in case "T_w=1, D=2, H=3, K=4": yours 34, expected 37.'
        "\n    Outputs in this case: mlp right, rnn wrong."
    )


def test_mlp_without_the_window_fails_once_L_is_above_one():
    assert message_of("ch01.parameter_counts", counts_without_the_window) == (
        'ch01.parameter_counts: mlp is wrong in case "T_w=3, D=5, H=7, K=2": yours 58, expected 128.'
        "\n    Outputs in this case: mlp wrong, rnn right."
    )


def test_float_counts_give_dtype_message():
    assert message_of("ch01.parameter_counts", counts_as_floats) == (
        'ch01.parameter_counts: mlp has dtype float64 in case "T_w=1, D=2, H=3, K=4"; expected integers.'
    )


def test_rnn_without_readout_is_wrong():
    assert "rnn is wrong" in message_of("ch01.parameter_counts", counts_without_readout)


def test_parameter_counts_match_pytorch_modules():
    import torch

    for case in get_exercise("ch01.parameter_counts").make_cases():
        T_w, D, H, K = (case.kwargs[name] for name in ("T_w", "D", "H", "K"))
        mlp = torch.nn.Sequential(torch.nn.Linear(T_w * D, H), torch.nn.Tanh(), torch.nn.Linear(H, K))
        rnn = torch.nn.ModuleList([torch.nn.RNN(D, H), torch.nn.Linear(H, K)])
        assert solutions.parameter_counts(T_w, D, H, K) == (
            sum(p.numel() for p in mlp.parameters()),
            sum(p.numel() for p in rnn.parameters()),
        )
