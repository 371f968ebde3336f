"""The wrong answers that issue 12 found accepted, one by one, each with the message it now gets."""

from __future__ import annotations

import numpy as np

from companion.solutions import ch03, ch04, ch05, ch06, ch08, ch09
from exercise_messages import message_of

# --- instability --------------------------------------------------------------------------


def test_the_textbook_sigmoid_overflows_on_the_extreme_case():
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    message = message_of("ch05.sigmoid", sigmoid)
    assert message.startswith('ch05.sigmoid raised FloatingPointError in case "B=2, H=5, with entries +-800 and +-40": '
                              "overflow encountered in exp")
    assert "at your line" in message and "return 1 / (1 + np.exp(-x))" in message


def test_a_masked_array_cannot_hide_the_overflow():
    def sigmoid(x):
        with np.errstate(all="ignore"):
            return np.ma.masked_invalid(np.exp(x) / (1 + np.exp(x)))

    assert "s is a masked array (numpy.ma)" in message_of("ch05.sigmoid", sigmoid)


def test_a_softmax_shifted_by_the_global_maximum_fails():
    def softmax_with_temperature(logits, temperature):
        scaled = logits / temperature
        weights = np.exp(scaled - scaled.max())  # one maximum for the whole batch
        return weights / weights.sum(axis=1, keepdims=True)

    message = message_of("ch06.softmax_with_temperature", softmax_with_temperature)
    assert message.startswith('ch06.softmax_with_temperature raised FloatingPointError in case '
                              '"B=4, V=5, temperature=0.5, rows 1000 apart"')


def test_sampling_shifted_by_the_global_maximum_fails():
    def sample_with_temperature(logits, temperature, u):
        scaled = logits / temperature
        probs = np.exp(scaled - scaled.max())
        probs /= probs.sum(axis=1, keepdims=True)
        return np.minimum((np.cumsum(probs, axis=1) <= u[:, None]).sum(axis=1), logits.shape[1] - 1)

    message = message_of("ch09.sample_with_temperature", sample_with_temperature)
    assert message.startswith("ch09.sample_with_temperature raised FloatingPointError in case ")


def test_a_cross_entropy_shifted_by_the_global_maximum_fails():
    def softmax_cross_entropy(logits, targets):
        B = len(targets)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum(axis=1, keepdims=True)
        loss = -np.log(probs[np.arange(B), targets]).mean()
        probs[np.arange(B), targets] -= 1
        return float(loss), probs / B

    message = message_of("ch09.softmax_cross_entropy", softmax_cross_entropy)
    assert message.startswith('ch09.softmax_cross_entropy raised FloatingPointError in case "B=3, V=6, large logits"')


def test_the_log_of_a_shifted_softmax_is_reported_as_log_of_zero():
    def sequence_cross_entropy(logits, targets, mask):
        shifted = logits - logits.max(axis=-1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
        nll = -(targets * np.log(probs)).sum(axis=-1)
        return float((nll * mask).sum() / mask.sum())

    message = message_of("ch03.sequence_cross_entropy", sequence_cross_entropy)
    assert message.startswith('ch03.sequence_cross_entropy raised FloatingPointError in case '
                              '"T=2, B=3, V=4, logits of size ~500": divide by zero encountered in log')


# --- inputs changed in place ------------------------------------------------------------------


def test_adam_updating_its_moments_in_place_names_them():
    def adam_step(param, grad, m, v, t, lr, beta1, beta2, eps):
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad**2
        step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        return param - step, m, v

    message = message_of("ch03.adam_step", adam_step)
    assert message.startswith('ch03.adam_step changed its arguments `m`, `v` in place in case "B=1, P=3, t=1"')


def test_sgd_updating_the_parameter_in_place_names_it():
    def sgd_momentum_step(param, grad, velocity, lr, momentum):
        velocity = momentum * velocity + grad
        param -= lr * velocity
        return param, velocity

    assert message_of("ch03.sgd_momentum_step", sgd_momentum_step).startswith(
        "ch03.sgd_momentum_step changed its argument `param` in place")


def test_clipping_in_place_names_the_gradients():
    def clip_by_global_norm(dW_ih, dW_hh, db, max_norm):
        norm = np.sqrt(np.sum(dW_ih**2) + np.sum(dW_hh**2) + np.sum(db**2))
        if norm > max_norm:
            for g in (dW_ih, dW_hh, db):
                g *= max_norm / norm
        return dW_ih, dW_hh, db

    assert message_of("ch04.clip_by_global_norm", clip_by_global_norm).startswith(
        "ch04.clip_by_global_norm changed its arguments `dW_ih`, `dW_hh`, `db` in place in case ")


def test_clip_by_value_with_out_names_the_gradients():
    def clip_by_value(dW_ih, dW_hh, db, clip_value):
        return tuple(np.clip(g, -clip_value, clip_value, out=g) for g in (dW_ih, dW_hh, db))

    message = message_of("ch04.clip_by_value", clip_by_value)
    assert message.startswith("ch04.clip_by_value changed its arguments `dW_ih`, `db` in place in case ")


def test_a_numerical_gradient_that_does_not_restore_the_weight_names_it():
    def numerical_gradient_of_loss(W_hh, x, y, eps):
        def loss(W):
            h = np.zeros_like(y)
            for x_t in x:
                h = np.tanh(x_t + h @ W.T)
            return 0.5 * np.sum((h - y) ** 2)

        dW = np.zeros_like(W_hh)
        for index in np.ndindex(W_hh.shape):
            W_hh[index] += eps
            plus = loss(W_hh)
            W_hh[index] -= 2 * eps
            minus = loss(W_hh)
            dW[index] = (plus - minus) / (2 * eps)  # forgets W_hh[index] += eps
        return dW

    assert message_of("ch03.numerical_gradient_of_loss", numerical_gradient_of_loss).startswith(
        "ch03.numerical_gradient_of_loss changed its argument `W_hh` in place")


# --- hyperparameters ---------------------------------------------------------------------------


def test_the_exact_gradient_is_not_the_numerical_one_at_a_large_step():
    def numerical_gradient_of_loss(W_hh, x, y, eps):
        return ch03.numerical_gradient_of_loss(W_hh, x, y, 1e-6)  # ignores eps: nearly the exact gradient

    assert message_of("ch03.numerical_gradient_of_loss", numerical_gradient_of_loss).startswith(
        'ch03.numerical_gradient_of_loss: dW is wrong in case "T=3, B=2, H=4, eps=0.01"')


def test_adam_with_hard_coded_defaults_fails():
    def adam_step(param, grad, m, v, t, lr, beta1, beta2, eps):
        return ch03.adam_step(param, grad, m, v, t, 1e-3, 0.9, 0.999, 1e-8)

    assert message_of("ch03.adam_step", adam_step).startswith('ch03.adam_step: new_param is wrong in case "B=2, P=5, t=3')


def test_rmsprop_with_eps_under_the_root_fails_on_tiny_gradients():
    def rmsprop_step(param, grad, square_avg, lr, alpha, eps):
        s = alpha * square_avg + (1 - alpha) * grad**2
        return param - lr * grad / np.sqrt(s + eps), s

    message = message_of("ch03.rmsprop_step", rmsprop_step)
    assert message.startswith("ch03.rmsprop_step: new_param is wrong in case ")
    assert "Outputs in this case: new_param wrong, new_square_avg right." in message


# --- data-dependent edge cases -----------------------------------------------------------------


def test_a_collapse_that_starts_from_symbol_0_fails_when_the_blank_is_not_0():
    def ctc_collapse(path, blank):
        labels, previous = [], 0  # as if the blank were 0
        for symbol in path:
            if symbol != blank and symbol != previous:
                labels.append(int(symbol))
            previous = symbol
        return np.array(labels, dtype=np.int64)

    assert message_of("ch06.ctc_collapse", ctc_collapse).startswith(
        'ch06.ctc_collapse: labels has shape (2,) in case "T=8, blank=2, path=[0, 0, 2, 0, 1, 1, 2, 2]"')


def test_a_ctc_forward_that_assumes_blank_0_fails():
    def ctc_forward(log_probs, target, blank):
        return ch06.ctc_forward(log_probs, target, 0) if blank not in target else ch06.ctc_forward(log_probs, target, blank)

    assert "nll is wrong in case" in message_of("ch06.ctc_forward", ctc_forward)


def test_a_beam_search_that_cannot_be_wider_than_the_vocabulary_fails():
    def beam_search(log_probs_first, log_transition, length, beam_width):
        V = len(log_probs_first)
        beam = [((int(v),), float(log_probs_first[v])) for v in np.argpartition(-log_probs_first, beam_width)[:beam_width]]
        for _ in range(length - 1):
            candidates = [(tokens + (v,), score + float(log_transition[tokens[-1], v])) for tokens, score in beam
                          for v in range(V)]
            beam = sorted(candidates, key=lambda item: -item[1])[:beam_width]
        tokens, score = max(beam, key=lambda item: item[1])
        return np.array(tokens, dtype=np.int64), score

    message = message_of("ch06.beam_search", beam_search)
    assert message.startswith('ch06.beam_search raised ValueError in case "V=3, length=4, beam_width=5"')


def test_chunks_of_L_over_T_fail_when_the_last_target_is_missing():
    def truncated_bptt_chunks(ids, batch_size, seq_len):
        L = len(ids) // batch_size
        streams = ids[: L * batch_size].reshape(batch_size, L).T
        K = L // seq_len  # one too many when L is a multiple of T
        inputs = np.stack([streams[k * seq_len : (k + 1) * seq_len] for k in range(K)])
        targets = np.stack([streams[k * seq_len + 1 : (k + 1) * seq_len + 1] for k in range(K)])
        return inputs, targets

    message = message_of("ch09.truncated_bptt_chunks", truncated_bptt_chunks)
    assert message.startswith('ch09.truncated_bptt_chunks raised ValueError in case "N=50, B=2, T=5"')


def test_streams_cut_in_the_wrong_order_show_in_the_readable_case():
    def truncated_bptt_chunks(ids, batch_size, seq_len):
        L = len(ids) // batch_size
        streams = ids[: L * batch_size].reshape(L, batch_size)  # interleaved, not contiguous
        return ch09.truncated_bptt_chunks(streams.T.ravel(), batch_size, seq_len)

    message = message_of("ch09.truncated_bptt_chunks", truncated_bptt_chunks)
    assert message.startswith('ch09.truncated_bptt_chunks: inputs is wrong in case "N=50, B=2, T=5"')


def test_a_bigram_that_counts_the_last_training_id_as_a_start_is_wrong():
    def bigram_bits_per_character(train_ids, valid_ids, vocab_size, alpha):
        V = vocab_size
        pair_counts = np.full((V, V), alpha)
        np.add.at(pair_counts, (train_ids[:-1], train_ids[1:]), 1.0)
        starts = np.bincount(train_ids, minlength=V) + alpha * V  # counts the last id too
        probs = pair_counts / starts[:, None]
        return float(-np.mean(np.log2(probs[valid_ids[:-1], valid_ids[1:]])))

    assert "bpc is wrong in case" in message_of("ch09.bigram_bits_per_character", bigram_bits_per_character)


def test_a_bigram_counted_without_minlength_breaks_on_the_missing_last_id():
    def bigram_bits_per_character(train_ids, valid_ids, vocab_size, alpha):
        starts = np.bincount(train_ids[:-1]) + alpha * vocab_size  # too short when the last id never starts a pair
        pair_counts = np.full((vocab_size, vocab_size), alpha)
        np.add.at(pair_counts, (train_ids[:-1], train_ids[1:]), 1.0)
        return float(-np.mean(np.log2((pair_counts / starts[:, None])[valid_ids[:-1], valid_ids[1:]])))

    message = message_of("ch09.bigram_bits_per_character", bigram_bits_per_character)
    assert message.startswith('ch09.bigram_bits_per_character raised ValueError in case "N_train=40, N_valid=12, V=3')


# --- messages: helpers, gate blocks --------------------------------------------------------


def test_lstm_forward_calling_a_stub_step_names_the_step():
    def lstm_step_forward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
        raise NotImplementedError

    def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        h, c = h0, c0
        for x_t in x:
            h, c = lstm_step_forward(x_t, h, c, W_ih, W_hh, b_ih, b_hh)
        return h, c

    message = message_of("ch08.lstm_forward", lstm_forward)
    assert message.startswith("ch08.lstm_forward: your function calls lstm_step_forward, which is not implemented yet")


def test_lstm_backward_with_a_wrong_forget_block_names_it():
    def lstm_backward(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        dx, dh0, dc0, dW_ih, dW_hh, db = ch08.lstm_backward(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh)
        H = h0.shape[1]
        db = db.copy()
        db[H : 2 * H] = 0.0  # as if c_{t-1} were zero in df
        return dx, dh0, dc0, dW_ih, dW_hh, db

    message = message_of("ch08.lstm_backward", lstm_backward)
    assert "db (gate blocks i, f, g, o along axis 0): wrong in block f; right in i, g, o." in message


def test_lstm_step_with_f_and_i_exchanged_names_two_blocks():
    def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
        grads = list(ch08.lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh))
        H = h_prev.shape[1]
        for k in (3, 4, 5):
            g = grads[k].copy()
            g[:H], g[H : 2 * H] = grads[k][H : 2 * H], grads[k][:H]
            grads[k] = g
        return tuple(grads)

    message = message_of("ch08.lstm_step_backward", lstm_step_backward)
    assert "dW_ih (gate blocks i, f, g, o along axis 0): wrong in blocks i, f; right in g, o." in message


def test_returning_c_for_h_in_a_gru_free_lstm_step_is_said():
    def lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
        h_t, c_t = ch05.lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh)
        return c_t, c_t

    message = message_of("ch05.lstm_step", lstm_step)
    assert "Your h_t equals the expected c_t." in message
    assert message.endswith("Outputs in this case: h_t wrong, c_t right.")


def test_a_ragged_list_of_chunks_is_explained():
    def truncated_bptt_chunks(ids, batch_size, seq_len):
        inputs, targets = ch09.truncated_bptt_chunks(ids, batch_size, seq_len)
        return [list(row) for row in inputs.reshape(len(inputs), -1)][:1] + [[1]], targets

    message = message_of("ch09.truncated_bptt_chunks", truncated_bptt_chunks)
    assert "inputs is a ragged list (lengths of its items:" in message


def test_clip_reference_is_unchanged_by_the_checker():
    # The references themselves never change their inputs.
    grads = [np.ones((2, 3)) * 10, np.ones((2, 2)) * 10, np.ones(2) * 10]
    copies = [g.copy() for g in grads]
    ch04.clip_by_global_norm(*grads, 1.0)
    ch04.clip_by_value(*grads, 1.0)
    for g, c in zip(grads, copies):
        np.testing.assert_array_equal(g, c)


# --- more wrong versions where the chapter files had few --------------------------------------


def _cho_parts(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    xw = x_t @ W_ih.T + b_ih
    hw = h_prev @ W_hh[: 2 * H].T + b_hh[: 2 * H]
    r = 1 / (1 + np.exp(-(xw[:, :H] + hw[:, :H])))
    z = 1 / (1 + np.exp(-(xw[:, H : 2 * H] + hw[:, H:])))
    return H, xw, r, z


def test_cho_gru_without_b_hn_is_wrong():
    def gru_step_cho(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H, xw, r, z = _cho_parts(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)
        n = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ W_hh[2 * H :].T)  # b_hn forgotten
        return (1 - z) * n + z * h_prev

    assert message_of("ch05.gru_step_cho", gru_step_cho).startswith(
        'ch05.gru_step_cho: h_t is wrong in case "B=1, D=3, H=4": largest relative error')


def test_cho_gru_with_the_update_gate_the_other_way_is_wrong():
    def gru_step_cho(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H, xw, r, z = _cho_parts(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)
        n = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ W_hh[2 * H :].T + b_hh[2 * H :])
        return z * n + (1 - z) * h_prev

    assert "h_t is wrong" in message_of("ch05.gru_step_cho", gru_step_cho)


def test_cho_gru_with_gates_r_and_z_exchanged_is_wrong():
    def gru_step_cho(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H, xw, z, r = _cho_parts(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)  # blocks read as z, r, n
        n = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ W_hh[2 * H :].T + b_hh[2 * H :])
        return (1 - z) * n + z * h_prev

    assert "h_t is wrong" in message_of("ch05.gru_step_cho", gru_step_cho)


def test_gru_step_backward_without_the_gradient_of_W_hn_names_block_n():
    def gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H = h_prev.shape[1]
        grads = list(ch08.gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh))
        grads[3] = grads[3].copy()
        grads[3][2 * H :] = 0.0  # as if W_hn, behind the reset gate, got no gradient
        return tuple(grads)

    message = message_of("ch08.gru_step_backward", gru_step_backward)
    assert message.startswith('ch08.gru_step_backward: dW_hh is wrong in case "B=1, D=3, H=4"')
    assert "dW_hh (gate blocks r, z, n along axis 0): wrong in block n; right in r, z." in message


def test_gru_step_backward_updating_dh_t_in_place_names_it():
    def gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        grads = ch08.gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh)
        dh_t *= 0.0  # "consumed"
        return grads

    assert message_of("ch08.gru_step_backward", gru_step_backward).startswith(
        "ch08.gru_step_backward changed its argument `dh_t` in place")


def test_gru_step_backward_returning_the_weights_in_the_other_order_is_said():
    def gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        dx_t, dh_prev, dW_ih, dW_hh, db_ih, db_hh = ch08.gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh)
        return dx_t, dh_prev, dW_ih, dW_hh, db_hh, db_ih

    assert message_of("ch08.gru_step_backward", gru_step_backward).startswith(
        'ch08.gru_step_backward: db_ih and db_hh are swapped in case "B=1, D=3, H=4"')
