"""Chapter 14's exercises: typical mistakes fail with a message naming them, and the references agree with Keras.

The contract every exercise meets (20 seeds, stub, sizes) is in test_exercise_contract.py.
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before the first import of keras

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.exercises import EXERCISES  # noqa: E402
from companion.solutions import ch14 as solutions  # noqa: E402
from exercise_messages import message_of  # noqa: E402

# Keras converts torch tensors with np.array(x), which NumPy 2 flags; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


# --- the references are what Keras computes ------------------------------------------------


def test_references_match_keras_layers():
    import keras
    import torch

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    for Torch, Keras, convert in ((torch.nn.LSTM, keras.layers.LSTM, solutions.lstm_torch_to_keras),
                                  (torch.nn.GRU, keras.layers.GRU, solutions.gru_torch_to_keras)):
        module = Torch(3, 4, batch_first=True)
        layer = Keras(4, return_sequences=True)
        layer(x)
        layer.set_weights(convert(*(p.detach().numpy() for p in module.parameters())))
        np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), module(torch.from_numpy(x))[0].detach().numpy(),
                                   rtol=0, atol=1e-6)


@pytest.mark.parametrize("case_index", range(4))
def test_masked_reference_matches_keras_masking(case_index):
    import keras

    case = EXERCISES["ch14.masked_rnn_last_state"].make_cases(3)[case_index]
    kw = case.kwargs
    model = keras.Sequential([keras.Input((None, kw["x"].shape[2])), keras.layers.Masking(mask_value=kw["mask_value"]),
                              keras.layers.SimpleRNN(kw["kernel"].shape[1])])
    model.layers[-1].set_weights([kw["kernel"].astype(np.float32), kw["recurrent_kernel"].astype(np.float32),
                                  kw["bias"].astype(np.float32)])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(kw["x"].astype(np.float32))),
                               solutions.masked_rnn_last_state(**kw), rtol=0, atol=1e-5)


@pytest.mark.parametrize("case_index", range(8))
def test_parameter_count_matches_keras(case_index):
    import keras

    kw = EXERCISES["ch14.keras_parameter_count"].make_cases(1)[case_index].kwargs
    Layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kw["kind"]]
    layers = [keras.Input((None, kw["D"]))]
    for _ in range(kw["num_layers"]):
        layer = Layer(kw["H"], return_sequences=True)
        layers.append(keras.layers.Bidirectional(layer) if kw["bidirectional"] else layer)
    assert keras.Sequential(layers).count_params() == solutions.keras_parameter_count(**kw)


# --- ch14.lstm_torch_to_keras ----------------------------------------------------------------


def lstm_without_transpose(weight_ih, weight_hh, bias_ih, bias_hh):
    return weight_ih, weight_hh, bias_ih + bias_hh


def lstm_reshaped_instead_of_transposed(weight_ih, weight_hh, bias_ih, bias_hh):
    return weight_ih.reshape(weight_ih.shape[1], -1), weight_hh.reshape(weight_hh.shape[1], -1), bias_ih + bias_hh


def lstm_input_bias_only(weight_ih, weight_hh, bias_ih, bias_hh):
    return weight_ih.T, weight_hh.T, bias_ih


def lstm_gates_reversed(weight_ih, weight_hh, bias_ih, bias_hh):
    def flip(a):
        return np.concatenate(np.split(a, 4, axis=0)[::-1], axis=0)

    return flip(weight_ih).T, flip(weight_hh).T, flip(bias_ih + bias_hh)


def lstm_biases_concatenated(weight_ih, weight_hh, bias_ih, bias_hh):
    return weight_ih.T, weight_hh.T, np.concatenate([bias_ih, bias_hh])


def lstm_kernels_swapped(weight_ih, weight_hh, bias_ih, bias_hh):
    return weight_hh.T, weight_ih.T, bias_ih + bias_hh


def lstm_biases_averaged(weight_ih, weight_hh, bias_ih, bias_hh):
    return weight_ih.T, weight_hh.T, (bias_ih + bias_hh) / 2


def test_untransposed_kernel_gives_the_shape_message():
    assert message_of("ch14.lstm_torch_to_keras", lstm_without_transpose) == (
        'ch14.lstm_torch_to_keras: kernel has shape (8, 1) in case "D=1, H=2"; expected (D, 4H) = (1, 8).')


def test_reshape_is_not_a_transpose():
    # Same shapes, scrambled entries. With D = 1 a reshaped kernel equals the transposed one, but the
    # recurrent kernel (H = 2) does not.
    assert message_of("ch14.lstm_torch_to_keras", lstm_reshaped_instead_of_transposed).startswith(
        'ch14.lstm_torch_to_keras: recurrent_kernel is wrong in case "D=1, H=2"')


def test_dropping_the_recurrent_bias_is_wrong():
    assert message_of("ch14.lstm_torch_to_keras", lstm_input_bias_only).startswith(
        'ch14.lstm_torch_to_keras: bias is wrong in case "D=1, H=2"')


def test_reordering_gates_is_wrong():
    assert message_of("ch14.lstm_torch_to_keras", lstm_gates_reversed).startswith(
        'ch14.lstm_torch_to_keras: kernel is wrong in case "D=1, H=2"')


def test_concatenated_biases_give_the_shape_message():
    assert "bias has shape (16,)" in message_of("ch14.lstm_torch_to_keras", lstm_biases_concatenated)


def test_swapped_kernels_give_the_shape_message():
    assert "kernel has shape (2, 8)" in message_of("ch14.lstm_torch_to_keras", lstm_kernels_swapped)


def test_averaged_biases_are_wrong():
    assert "bias is wrong" in message_of("ch14.lstm_torch_to_keras", lstm_biases_averaged)


# --- ch14.gru_torch_to_keras -----------------------------------------------------------------


def gru_gates_kept_in_torch_order(weight_ih, weight_hh, bias_ih, bias_hh):
    return weight_ih.T.copy(), weight_hh.T.copy(), np.stack([bias_ih, bias_hh])


def gru_biases_summed(weight_ih, weight_hh, bias_ih, bias_hh):
    kernel, recurrent, bias = solutions.gru_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh)
    return kernel, recurrent, bias.sum(axis=0)


def gru_bias_rows_swapped(weight_ih, weight_hh, bias_ih, bias_hh):
    kernel, recurrent, bias = solutions.gru_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh)
    return kernel, recurrent, bias[::-1].copy()


def gru_biases_not_reordered(weight_ih, weight_hh, bias_ih, bias_hh):
    kernel, recurrent, _ = solutions.gru_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh)
    return kernel, recurrent, np.stack([bias_ih, bias_hh])


def gru_recurrent_not_reordered(weight_ih, weight_hh, bias_ih, bias_hh):
    kernel, _, bias = solutions.gru_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh)
    return kernel, weight_hh.T.copy(), bias


def gru_columns_reordered_after_transpose_wrongly(weight_ih, weight_hh, bias_ih, bias_hh):
    # Reorders rows of the transposed kernel (the inputs), not the gate blocks.
    kernel, recurrent, bias = solutions.gru_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh)
    return kernel[::-1].copy(), recurrent, bias


def test_torch_gate_order_is_wrong():
    assert message_of("ch14.gru_torch_to_keras", gru_gates_kept_in_torch_order).startswith(
        'ch14.gru_torch_to_keras: kernel is wrong in case "D=1, H=2"')


def test_summed_gru_biases_give_the_shape_message():
    assert message_of("ch14.gru_torch_to_keras", gru_biases_summed) == (
        'ch14.gru_torch_to_keras: bias has shape (6,) in case "D=1, H=2"; expected (2, 3H) = (2, 6).')


def test_swapped_bias_rows_are_wrong():
    assert message_of("ch14.gru_torch_to_keras", gru_bias_rows_swapped).startswith(
        'ch14.gru_torch_to_keras: bias is wrong in case "D=1, H=2"')


def test_biases_left_in_torch_order_are_wrong():
    assert "bias is wrong" in message_of("ch14.gru_torch_to_keras", gru_biases_not_reordered)


def test_recurrent_kernel_left_in_torch_order_is_wrong():
    assert "recurrent_kernel is wrong" in message_of("ch14.gru_torch_to_keras", gru_recurrent_not_reordered)


def test_reordering_the_wrong_axis_is_wrong():
    message = message_of("ch14.gru_torch_to_keras", gru_columns_reordered_after_transpose_wrongly)
    assert "kernel is wrong" in message and "D=1" not in message  # a single input row hides it; D > 1 shows it


# --- ch14.keras_parameter_count --------------------------------------------------------------


def count_with_two_biases(kind, D, H, bidirectional, num_layers):  # PyTorch's layout
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    directions = 2 if bidirectional else 1
    total, inputs = 0, D
    for _ in range(num_layers):
        total += directions * gates * (inputs * H + H * H + 2 * H)
        inputs = directions * H
    return total


def count_gru_with_one_bias(kind, D, H, bidirectional, num_layers):
    total = solutions.keras_parameter_count(kind, D, H, bidirectional, num_layers)
    return total - (2 if bidirectional else 1) * 3 * H * num_layers if kind == "gru" else total


def count_ignoring_bidirectional(kind, D, H, bidirectional, num_layers):
    return solutions.keras_parameter_count(kind, D, H, False, num_layers)


def count_every_layer_reading_the_inputs(kind, D, H, bidirectional, num_layers):
    return num_layers * solutions.keras_parameter_count(kind, D, H, bidirectional, 1)


def count_layer_two_reading_h(kind, D, H, bidirectional, num_layers):
    first = solutions.keras_parameter_count(kind, D, H, bidirectional, 1)
    return first + (num_layers - 1) * solutions.keras_parameter_count(kind, H, H, bidirectional, 1)


def count_gates_swapped(kind, D, H, bidirectional, num_layers):
    return solutions.keras_parameter_count({"lstm": "gru", "gru": "lstm"}.get(kind, kind), D, H, bidirectional, num_layers)


def count_as_float(kind, D, H, bidirectional, num_layers):
    return float(solutions.keras_parameter_count(kind, D, H, bidirectional, num_layers))


def test_pytorch_biases_are_wrong_for_keras():
    assert message_of("ch14.keras_parameter_count", count_with_two_biases).startswith(
        'ch14.keras_parameter_count: count is wrong in case "rnn, ')


def test_gru_with_one_bias_is_wrong():
    assert 'in case "gru, ' in message_of("ch14.keras_parameter_count", count_gru_with_one_bias)


def test_forgetting_the_second_direction_is_wrong():
    assert "bidirectional=True" in message_of("ch14.keras_parameter_count", count_ignoring_bidirectional)


def test_every_layer_reading_the_inputs_is_wrong():
    assert "num_layers=2" in message_of("ch14.keras_parameter_count", count_every_layer_reading_the_inputs)


def test_layer_two_reading_h_when_bidirectional_is_wrong():
    message = message_of("ch14.keras_parameter_count", count_layer_two_reading_h)
    assert "bidirectional=True, num_layers=2" in message


def test_swapped_gate_counts_are_wrong():
    assert 'in case "lstm, ' in message_of("ch14.keras_parameter_count", count_gates_swapped)


def test_a_float_count_is_named():
    assert "expected integers" in message_of("ch14.keras_parameter_count", count_as_float)


# --- ch14.masked_rnn_last_state --------------------------------------------------------------


def rnn_over(x, kernel, recurrent_kernel, bias, keep):
    h = np.zeros((x.shape[0], kernel.shape[1]))
    for t in range(x.shape[1]):
        h_new = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        h = np.where(keep[:, t, None], h_new, h)
    return h


def masked_without_masking(x, kernel, recurrent_kernel, bias, mask_value):
    return rnn_over(x, kernel, recurrent_kernel, bias, np.ones(x.shape[:2], dtype=bool))


def masked_when_any_feature_matches(x, kernel, recurrent_kernel, bias, mask_value):
    return rnn_over(x, kernel, recurrent_kernel, bias, np.all(x != mask_value, axis=2))


def masked_steps_reset_the_state(x, kernel, recurrent_kernel, bias, mask_value):
    h = np.zeros((x.shape[0], kernel.shape[1]))
    for t in range(x.shape[1]):
        keep = np.any(x[:, t] != mask_value, axis=1)[:, None]
        h = np.where(keep, np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias), 0.0)
    return h


def masked_with_zero_as_mask(x, kernel, recurrent_kernel, bias, mask_value):
    return rnn_over(x, kernel, recurrent_kernel, bias, np.any(x != 0.0, axis=2))


def masked_stopping_at_the_first_padding(x, kernel, recurrent_kernel, bias, mask_value):
    keep = np.any(x != mask_value, axis=2)
    keep = np.cumprod(keep, axis=1).astype(bool)  # treats everything after a masked step as padding
    return rnn_over(x, kernel, recurrent_kernel, bias, keep)


def masked_torch_layout(x, kernel, recurrent_kernel, bias, mask_value):
    keep = np.any(x != mask_value, axis=2)
    h = np.zeros((x.shape[0], kernel.shape[1]))
    for t in range(x.shape[1]):
        h = np.where(keep[:, t, None], np.tanh(x[:, t] @ kernel.T + h @ recurrent_kernel + bias), h)
    return h


def masked_first_feature_only(x, kernel, recurrent_kernel, bias, mask_value):
    return rnn_over(x, kernel, recurrent_kernel, bias, x[:, :, 0] != mask_value)


def test_no_masking_is_wrong():
    assert message_of("ch14.masked_rnn_last_state", masked_without_masking).startswith(
        'ch14.masked_rnn_last_state: h is wrong in case "B=')


def test_masking_when_any_feature_matches_is_wrong():
    assert "h is wrong" in message_of("ch14.masked_rnn_last_state", masked_when_any_feature_matches)


def test_resetting_the_state_at_masked_steps_is_wrong():
    assert "h is wrong" in message_of("ch14.masked_rnn_last_state", masked_steps_reset_the_state)


def test_hard_coded_zero_mask_value_is_wrong():
    assert "mask_value=-1" in message_of("ch14.masked_rnn_last_state", masked_with_zero_as_mask)


def test_stopping_at_the_first_masked_step_is_wrong():
    assert "h is wrong" in message_of("ch14.masked_rnn_last_state", masked_stopping_at_the_first_padding)


def test_pytorch_layout_raises_with_the_line():
    message = message_of("ch14.masked_rnn_last_state", masked_torch_layout)
    assert message.startswith("ch14.masked_rnn_last_state raised ValueError") and "kernel.T" in message


def test_looking_at_one_feature_is_wrong():
    assert "h is wrong" in message_of("ch14.masked_rnn_last_state", masked_first_feature_only)
