"""Chapter 11's exercises: the references pass on many seeds, stubs and typical mistakes fail with a message that points at them."""

from __future__ import annotations

import numpy as np

from companion.solutions import ch11 as solutions
from exercise_messages import message_of



# --- ch11.lstm_parameter_count ------------------------------------------------------------

def count_without_projection(input_size, hidden_size, num_layers, bidirectional, proj_size):
    return solutions.lstm_parameter_count(input_size, hidden_size, num_layers, bidirectional, 0)


def count_upper_layers_read_H(input_size, hidden_size, num_layers, bidirectional, proj_size):
    # Forgets that a layer above a bidirectional one reads both directions.
    dirs = 2 if bidirectional else 1
    H, P = hidden_size, proj_size
    R = P or H
    total = 0
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else R
        total += dirs * (4 * H * inputs + 4 * H * R + 8 * H + P * H)
    return total


def count_one_bias(input_size, hidden_size, num_layers, bidirectional, proj_size):
    return solutions.lstm_parameter_count(input_size, hidden_size, num_layers, bidirectional, proj_size) - (
        (2 if bidirectional else 1) * num_layers * 4 * hidden_size
    )


def count_projection_without_W_hr(input_size, hidden_size, num_layers, bidirectional, proj_size):
    return solutions.lstm_parameter_count(input_size, hidden_size, num_layers, bidirectional, proj_size) - (
        (2 if bidirectional else 1) * num_layers * proj_size * hidden_size
    )


def count_as_float(input_size, hidden_size, num_layers, bidirectional, proj_size):
    return float(solutions.lstm_parameter_count(input_size, hidden_size, num_layers, bidirectional, proj_size))


def count_ignoring_directions(input_size, hidden_size, num_layers, bidirectional, proj_size):
    return solutions.lstm_parameter_count(input_size, hidden_size, num_layers, False, proj_size)


def test_count_without_the_projection_is_wrong_on_the_first_projected_case():
    message = message_of("ch11.lstm_parameter_count", count_without_projection)
    assert message.startswith("ch11.lstm_parameter_count: count is wrong in case")
    assert "proj_size=6" in message and "yours" in message and "expected" in message


def test_count_with_upper_layers_reading_H_is_wrong_on_a_bidirectional_stack():
    message = message_of("ch11.lstm_parameter_count", count_upper_layers_read_H)
    assert "count is wrong" in message and "num_layers=3, bidirectional=True" in message


def test_count_with_one_bias_is_wrong_on_the_first_case():
    message = message_of("ch11.lstm_parameter_count", count_one_bias)
    assert message == (
        'ch11.lstm_parameter_count: count is wrong in case "input_size=3, hidden_size=5, num_layers=1, '
        'bidirectional=False, proj_size=0": yours 180, expected 200.'
    )


def test_count_without_W_hr_is_wrong():
    assert "proj_size=6\": yours" in message_of("ch11.lstm_parameter_count", count_projection_without_W_hr)


def test_count_as_float_gives_dtype_message():
    message = message_of("ch11.lstm_parameter_count", count_as_float)
    assert message.startswith("ch11.lstm_parameter_count: count has dtype float64")
    assert message.endswith("expected integers.")


def test_count_ignoring_directions_is_wrong():
    assert "bidirectional=True" in message_of("ch11.lstm_parameter_count", count_ignoring_directions)


# --- ch11.fused_to_torch_lstm -------------------------------------------------------------

def fused_gates_not_reordered(W, b):
    H = W.shape[1] // 4
    D = W.shape[0] - H
    return W[:D].T.copy(), W[D:].T.copy(), b.copy()


def fused_weights_reordered_but_not_bias(W, b):
    W_ih, W_hh, _ = solutions.fused_to_torch_lstm(W, b)
    return W_ih, W_hh, b.copy()


def fused_not_transposed(W, b):
    W_ih, W_hh, bias = solutions.fused_to_torch_lstm(W, b)
    return W_ih.T, W_hh.T, bias


def fused_rows_split_the_wrong_way(W, b):
    H = W.shape[1] // 4
    order = np.r_[0:H, H:2 * H, 3 * H:4 * H, 2 * H:3 * H]
    return W[:H, order].T.copy(), W[H:, order].T.copy(), b[order].copy()


def fused_swap_f_and_o(W, b):
    H = W.shape[1] // 4
    D = W.shape[0] - H
    order = np.r_[0:H, 2 * H:3 * H, 3 * H:4 * H, H:2 * H]  # i, o, g, f
    return W[:D, order].T.copy(), W[D:, order].T.copy(), b[order].copy()


def fused_reorders_rows_not_columns(W, b):
    H = W.shape[1] // 4
    D = W.shape[0] - H
    order = np.r_[0:H, H:2 * H, 3 * H:4 * H, 2 * H:3 * H]
    W_t = W.T  # (4H, D + H), but reordered before transposing along the wrong axis
    return W_t[:, :D][order[::-1]].copy(), W_t[:, D:][order[::-1]].copy(), b[order].copy()


def test_fused_without_reordering_the_gates_is_wrong_in_W_ih():
    message = message_of("ch11.fused_to_torch_lstm", fused_gates_not_reordered)
    assert message.startswith('ch11.fused_to_torch_lstm: W_ih is wrong in case "D=2, H=1": largest relative error')


def test_fused_bias_in_the_old_order_is_wrong():
    message = message_of("ch11.fused_to_torch_lstm", fused_weights_reordered_but_not_bias)
    assert message.startswith('ch11.fused_to_torch_lstm: bias is wrong in case "D=2, H=1"')


def test_fused_not_transposed_gives_shape_message():
    message = message_of("ch11.fused_to_torch_lstm", fused_not_transposed)
    assert message == 'ch11.fused_to_torch_lstm: W_ih has shape (2, 4) in case "D=2, H=1"; expected (4H, D) = (4, 2).'


def test_fused_rows_split_at_H_gives_shape_message():
    message = message_of("ch11.fused_to_torch_lstm", fused_rows_split_the_wrong_way)
    assert message == (
        'ch11.fused_to_torch_lstm: W_ih has shape (4, 1) in case "D=2, H=1"; expected (4H, D) = (4, 2). '
        "It has the shape of W_hh: are W_ih and W_hh swapped? Return (W_ih, W_hh, bias)."
    )


def test_fused_with_f_and_o_swapped_is_wrong():
    assert "W_ih is wrong" in message_of("ch11.fused_to_torch_lstm", fused_swap_f_and_o)


def test_fused_reordered_along_the_wrong_axis_is_wrong():
    assert "W_ih is wrong" in message_of("ch11.fused_to_torch_lstm", fused_reorders_rows_not_columns)


# --- ch11.bidirectional_summary -----------------------------------------------------------

def summary_last_row_only(h_n, num_layers):
    return h_n[-1]


def summary_first_layer(h_n, num_layers):
    return np.concatenate([h_n[0], h_n[1]], axis=1)


def summary_directions_first(h_n, num_layers):
    _, B, H = h_n.shape
    top = h_n.reshape(2, num_layers, B, H)[:, -1]  # the wrong nesting: direction outside layer
    return np.concatenate([top[0], top[1]], axis=1)


def summary_backward_first(h_n, num_layers):
    return np.concatenate([h_n[-1], h_n[-2]], axis=1)


def summary_reshaped(h_n, num_layers):
    _, B, H = h_n.shape
    return h_n[-2:].reshape(B, 2 * H)  # mixes rows of different sequences when B > 1


def summary_mean_of_directions(h_n, num_layers):
    top = (h_n[-2] + h_n[-1]) / 2
    return np.concatenate([top, top], axis=1)


def test_summary_from_the_last_row_gives_shape_message():
    message = message_of("ch11.bidirectional_summary", summary_last_row_only)
    assert message == 'ch11.bidirectional_summary: summary has shape (1, 3) in case "num_layers=1, B=1, H=3"; expected (B, 2H) = (1, 6).'


def test_summary_from_the_first_layer_is_wrong_on_a_stack():
    message = message_of("ch11.bidirectional_summary", summary_first_layer)
    assert message.startswith('ch11.bidirectional_summary: summary is wrong in case "num_layers=2, B=4, H=6"')


def test_summary_with_directions_as_the_outer_axis_is_wrong_on_a_stack():
    message = message_of("ch11.bidirectional_summary", summary_directions_first)
    assert message.startswith('ch11.bidirectional_summary: summary is wrong in case "num_layers=2, B=4, H=6"')


def test_summary_backward_first_is_wrong_on_the_first_case():
    message = message_of("ch11.bidirectional_summary", summary_backward_first)
    assert message.startswith('ch11.bidirectional_summary: summary is wrong in case "num_layers=1, B=1, H=3"')


def test_summary_by_reshape_passes_B_1_and_fails_B_4():
    message = message_of("ch11.bidirectional_summary", summary_reshaped)
    assert message.startswith('ch11.bidirectional_summary: summary is wrong in case "num_layers=2, B=4, H=6"')


def test_summary_averaging_directions_is_wrong():
    assert "summary is wrong" in message_of("ch11.bidirectional_summary", summary_mean_of_directions)


# --- ch11.lstm_proj_step ------------------------------------------------------------------

def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def gates(x, h, W_ih, W_hh, b_ih, b_hh, H):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    return sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])


def proj_without_projection(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr):
    i, f, g, o = gates(x, h, W_ih, W_hh, b_ih, b_hh, c.shape[1])
    c_next = f * c + i * g
    return o * np.tanh(c_next), c_next


def proj_projects_the_cell(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr):
    i, f, g, o = gates(x, h, W_ih, W_hh, b_ih, b_hh, c.shape[1])
    c_next = f * c + i * g
    return np.tanh(c_next) @ W_hr.T, c_next


def proj_keras_gate_order(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr):
    i, f, o, g = gates(x, h, W_ih, W_hh, b_ih, b_hh, c.shape[1])  # reads i, f, o, g
    c_next = f * c + i * g
    return (o * np.tanh(c_next)) @ W_hr.T, c_next


def proj_W_hr_untransposed(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr):
    i, f, g, o = gates(x, h, W_ih, W_hh, b_ih, b_hh, c.shape[1])
    c_next = f * c + i * g
    return (o * np.tanh(c_next)) @ W_hr, c_next


def proj_returns_projected_cell(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr):
    h_next, c_next = solutions.lstm_proj_step(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr)
    return h_next, c_next @ W_hr.T


def proj_swapped_outputs(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr):
    h_next, c_next = solutions.lstm_proj_step(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr)
    return c_next, h_next


def test_proj_without_projection_gives_shape_message():
    message = message_of("ch11.lstm_proj_step", proj_without_projection)
    assert message == 'ch11.lstm_proj_step: h_next has shape (1, 4) in case "B=1, D=2, P=3, H=4"; expected (B, P) = (1, 3).'


def test_proj_of_the_cell_without_the_output_gate_is_wrong():
    message = message_of("ch11.lstm_proj_step", proj_projects_the_cell)
    assert message.startswith('ch11.lstm_proj_step: h_next is wrong in case "B=1, D=2, P=3, H=4"')


def test_proj_with_the_gates_in_keras_order_is_wrong_in_c_next_too():
    message = message_of("ch11.lstm_proj_step", proj_keras_gate_order)
    assert message.startswith('ch11.lstm_proj_step: h_next is wrong in case "B=1, D=2, P=3, H=4"')


def test_proj_with_W_hr_untransposed_raises_and_shows_the_line():
    message = message_of("ch11.lstm_proj_step", proj_W_hr_untransposed)
    assert message.startswith('ch11.lstm_proj_step raised ValueError in case "B=1, D=2, P=3, H=4": matmul')
    assert "at your line" in message and "@ W_hr, c_next" in message


def test_proj_projecting_the_cell_state_too_gives_shape_message():
    message = message_of("ch11.lstm_proj_step", proj_returns_projected_cell)
    assert message == 'ch11.lstm_proj_step: c_next has shape (1, 3) in case "B=1, D=2, P=3, H=4"; expected (B, H) = (1, 4).'


def test_proj_with_swapped_outputs_gives_shape_message():
    message = message_of("ch11.lstm_proj_step", proj_swapped_outputs)
    assert message.startswith('ch11.lstm_proj_step: h_next has shape (1, 4) in case "B=1, D=2, P=3, H=4"')


def summary_as_torch_tensor(h_n, num_layers):
    import torch

    h = torch.from_numpy(h_n)
    return torch.cat([h[-2], h[-1]], dim=1)  # right numbers, but a tensor


def test_summary_returned_as_a_torch_tensor_is_named():
    message = message_of("ch11.bidirectional_summary", summary_as_torch_tensor)
    assert message == 'ch11.bidirectional_summary: summary is a torch.Tensor in case "num_layers=1, B=1, H=3"; expected a NumPy array.'
