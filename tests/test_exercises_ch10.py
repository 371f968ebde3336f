"""Chapter 10's exercises: typical mistakes fail, each with a message that points at it."""

from __future__ import annotations

import numpy as np

from companion.solutions import ch10 as solutions
from exercise_messages import message_of


def rnn_over(x, h, W_ih, W_hh, b, order):
    """Vanilla RNN states for the steps in ``order``, stored at their own index."""
    out = np.zeros((x.shape[0], h.shape[0], W_hh.shape[0]))
    for t in order:
        h = np.tanh(x[t] @ W_ih.T + h @ W_hh.T + b)
        out[t] = h
    return out


# --- ch10.reverse_rnn_forward ---------------------------------------------------------


def reverse_forward_in_forward_order(x, h0, W_ih, W_hh, b_ih, b_hh):
    return rnn_over(x, h0, W_ih, W_hh, b_ih + b_hh, range(x.shape[0]))


def reverse_forward_not_flipped_back(x, h0, W_ih, W_hh, b_ih, b_hh):
    # Runs over x[::-1] correctly but keeps the states in the order they were computed.
    return rnn_over(x[::-1], h0, W_ih, W_hh, b_ih + b_hh, range(x.shape[0]))


def reverse_forward_from_zeros(x, h0, W_ih, W_hh, b_ih, b_hh):
    return solutions.reverse_rnn_forward(x, np.zeros_like(h0), W_ih, W_hh, b_ih, b_hh)


def test_reverse_forward_in_forward_order_is_wrong_at_the_first_case():
    message = message_of("ch10.reverse_rnn_forward", reverse_forward_in_forward_order)
    assert message.startswith('ch10.reverse_rnn_forward: h is wrong in case "T=2, B=1, D=3, H=4": largest relative error')


def test_reverse_forward_without_flipping_back_is_wrong():
    message = message_of("ch10.reverse_rnn_forward", reverse_forward_not_flipped_back)
    assert message.startswith('ch10.reverse_rnn_forward: h is wrong in case "T=2, B=1, D=3, H=4"')


def test_reverse_forward_ignoring_h0_is_wrong():
    assert "h is wrong" in message_of("ch10.reverse_rnn_forward", reverse_forward_from_zeros)


# --- ch10.reverse_rnn_backward --------------------------------------------------------


def reverse_backward_as_if_forward(dh, x, h0, h, W_ih, W_hh):
    # Chapter 7's BPTT, unchanged: walks t = T-1 .. 0 and reads h[t - 1] as the previous state.
    T = x.shape[0]
    dx, dW_ih, dW_hh = np.zeros_like(x), np.zeros_like(W_ih), np.zeros_like(W_hh)
    db, carry = np.zeros(W_hh.shape[0]), np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[t] + carry) * (1 - h[t] ** 2)
        dx[t], carry = da @ W_ih, da @ W_hh
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ (h[t - 1] if t > 0 else h0)
        db += da.sum(axis=0)
    return dx, carry, dW_ih, dW_hh, db


def reverse_backward_dx_not_flipped(dh, x, h0, h, W_ih, W_hh):
    dx, dh0, dW_ih, dW_hh, db = solutions.reverse_rnn_backward(dh, x, h0, h, W_ih, W_hh)
    return dx[::-1], dh0, dW_ih, dW_hh, db


def reverse_backward_zeros_at_the_end(dh, x, h0, h, W_ih, W_hh):
    return solutions.reverse_rnn_backward(dh, x, np.zeros_like(h0), h, W_ih, W_hh)


def test_reverse_backward_walked_like_chapter_7_is_wrong():
    message = message_of("ch10.reverse_rnn_backward", reverse_backward_as_if_forward)
    assert message.startswith('ch10.reverse_rnn_backward: dx is wrong in case "T=2, B=1, D=3, H=4"')
    assert "Finite differences of the forward pass give" in message


def test_reverse_backward_with_dx_in_the_wrong_order_is_wrong():
    message = message_of("ch10.reverse_rnn_backward", reverse_backward_dx_not_flipped)
    assert message.startswith('ch10.reverse_rnn_backward: dx is wrong in case "T=2, B=1, D=3, H=4"')


def test_reverse_backward_with_zeros_for_h0_gets_dW_hh_wrong():
    message = message_of("ch10.reverse_rnn_backward", reverse_backward_zeros_at_the_end)
    assert message.startswith('ch10.reverse_rnn_backward: dW_hh is wrong in case "T=2, B=1, D=3, H=4"')


# --- ch10.bidirectional_forward -------------------------------------------------------


def bidirectional_swapped(x, W_ih_f, W_hh_f, b_f, W_ih_b, W_hh_b, b_b):
    out = solutions.bidirectional_forward(x, W_ih_f, W_hh_f, b_f, W_ih_b, W_hh_b, b_b)
    H = out.shape[2] // 2
    return np.concatenate([out[..., H:], out[..., :H]], axis=2)  # [backward, forward]


def bidirectional_not_reversed_back(x, W_ih_f, W_hh_f, b_f, W_ih_b, W_hh_b, b_b):
    B, H = x.shape[1], W_hh_f.shape[0]
    forward = rnn_over(x, np.zeros((B, H)), W_ih_f, W_hh_f, b_f, range(x.shape[0]))
    backward = rnn_over(x[::-1], np.zeros((B, H)), W_ih_b, W_hh_b, b_b, range(x.shape[0]))
    return np.concatenate([forward, backward], axis=2)  # backward still in reversed time


def bidirectional_both_forward(x, W_ih_f, W_hh_f, b_f, W_ih_b, W_hh_b, b_b):
    B, H = x.shape[1], W_hh_f.shape[0]
    forward = rnn_over(x, np.zeros((B, H)), W_ih_f, W_hh_f, b_f, range(x.shape[0]))
    backward = rnn_over(x, np.zeros((B, H)), W_ih_b, W_hh_b, b_b, range(x.shape[0]))
    return np.concatenate([forward, backward], axis=2)


def bidirectional_stacked_on_batch(x, W_ih_f, W_hh_f, b_f, W_ih_b, W_hh_b, b_b):
    out = solutions.bidirectional_forward(x, W_ih_f, W_hh_f, b_f, W_ih_b, W_hh_b, b_b)
    H = out.shape[2] // 2
    return np.concatenate([out[..., :H], out[..., H:]], axis=1)  # (T, 2B, H)


def test_bidirectional_in_the_wrong_order_is_wrong():
    message = message_of("ch10.bidirectional_forward", bidirectional_swapped)
    assert message.startswith('ch10.bidirectional_forward: outputs is wrong in case "T=2, B=1, D=3, H=4"')


def test_bidirectional_without_reversing_back_is_wrong_in_the_backward_half():
    message = message_of("ch10.bidirectional_forward", bidirectional_not_reversed_back)
    assert message.startswith('ch10.bidirectional_forward: outputs is wrong in case "T=2, B=1, D=3, H=4"')
    index = message.split("at index (")[1].split(")")[0]
    assert int(index.split(", ")[2]) >= 4  # the largest error is in the backward half, as the book says


def test_bidirectional_with_two_forward_directions_is_wrong():
    assert "outputs is wrong" in message_of("ch10.bidirectional_forward", bidirectional_both_forward)


def test_bidirectional_concatenated_on_the_wrong_axis_gives_shape_message():
    message = message_of("ch10.bidirectional_forward", bidirectional_stacked_on_batch)
    assert message == (
        'ch10.bidirectional_forward: outputs has shape (2, 2, 4) in case "T=2, B=1, D=3, H=4"; '
        "expected (T, B, 2H) = (2, 1, 8)."
    )


# --- ch10.stacked_forward -------------------------------------------------------------


def stacked_layer_2_reads_x(x, W_ih_1, W_hh_1, b_1, W_ih_2, W_hh_2, b_2):
    B = x.shape[1]
    h1 = rnn_over(x, np.zeros((B, W_hh_1.shape[0])), W_ih_1, W_hh_1, b_1, range(x.shape[0]))  # noqa: F841
    return rnn_over(x, np.zeros((B, W_hh_2.shape[0])), W_ih_2, W_hh_2, b_2, range(x.shape[0]))


def stacked_returns_layer_1(x, W_ih_1, W_hh_1, b_1, W_ih_2, W_hh_2, b_2):
    return rnn_over(x, np.zeros((x.shape[1], W_hh_1.shape[0])), W_ih_1, W_hh_1, b_1, range(x.shape[0]))


def stacked_layer_2_reads_last_state_only(x, W_ih_1, W_hh_1, b_1, W_ih_2, W_hh_2, b_2):
    B, T = x.shape[1], x.shape[0]
    h1 = rnn_over(x, np.zeros((B, W_hh_1.shape[0])), W_ih_1, W_hh_1, b_1, range(T))
    repeated = np.broadcast_to(h1[-1], h1.shape)  # every step sees layer 1's final state
    return rnn_over(repeated, np.zeros((B, W_hh_2.shape[0])), W_ih_2, W_hh_2, b_2, range(T))


def test_layer_2_fed_the_inputs_raises_and_shows_the_line():
    message = message_of("ch10.stacked_forward", stacked_layer_2_reads_x)
    assert message.startswith('ch10.stacked_forward raised ValueError in case "T=2, B=1, D=3, H1=4, H2=5": matmul')


def test_returning_layer_1_gives_shape_message():
    message = message_of("ch10.stacked_forward", stacked_returns_layer_1)
    assert message == (
        'ch10.stacked_forward: h2 has shape (2, 1, 4) in case "T=2, B=1, D=3, H1=4, H2=5"; '
        "expected (T, B, H2) = (2, 1, 5)."
    )


def test_layer_2_reading_only_the_final_state_is_wrong():
    message = message_of("ch10.stacked_forward", stacked_layer_2_reads_last_state_only)
    assert message.startswith('ch10.stacked_forward: h2 is wrong in case "T=2, B=1, D=3, H1=4, H2=5"')


# --- ch10.many_to_one_logits ----------------------------------------------------------


def logits_from_last_step(outputs, W_out, b_out):
    return outputs[-1] @ W_out.T + b_out  # the backward half has read only x[T-1]


def logits_from_mean(outputs, W_out, b_out):
    return outputs.mean(axis=0) @ W_out.T + b_out


def logits_forward_half_only(outputs, W_out, b_out):
    H = outputs.shape[2] // 2
    return outputs[-1, :, :H] @ W_out[:, :H].T + b_out


def logits_untransposed(outputs, W_out, b_out):
    H = outputs.shape[2] // 2
    return W_out @ np.concatenate([outputs[-1, :, :H], outputs[0, :, H:]], axis=1).T + b_out[:, None]


def test_logits_from_the_last_step_are_wrong():
    message = message_of("ch10.many_to_one_logits", logits_from_last_step)
    assert message.startswith('ch10.many_to_one_logits: logits is wrong in case "T=2, B=1, H=3, C=4"')


def test_logits_from_the_mean_are_wrong():
    assert "logits is wrong" in message_of("ch10.many_to_one_logits", logits_from_mean)


def test_logits_from_the_forward_half_only_are_wrong():
    assert "logits is wrong" in message_of("ch10.many_to_one_logits", logits_forward_half_only)


def test_logits_as_columns_give_shape_message():
    message = message_of("ch10.many_to_one_logits", logits_untransposed)
    assert message == 'ch10.many_to_one_logits: logits has shape (4, 1) in case "T=2, B=1, H=3, C=4"; expected (B, C) = (1, 4).'
