"""Chapter 12's exercises: the references pass on many seeds, stubs and typical mistakes fail with a message that points at them."""

from __future__ import annotations

import numpy as np

from companion.solutions import ch12 as solutions
from exercise_messages import message_of



# --- ch12.lengths_to_mask -----------------------------------------------------------------

def mask_inclusive(lengths, T):
    return (np.arange(T)[None, :] <= lengths[:, None]).astype(np.float64)


def mask_boolean(lengths, T):
    return np.arange(T)[None, :] < lengths[:, None]


def mask_time_major(lengths, T):
    return solutions.lengths_to_mask(lengths, T).T.copy()


def mask_as_long_as_the_longest(lengths, T):
    return solutions.lengths_to_mask(lengths, int(lengths.max()))


def mask_left_padded(lengths, T):
    return solutions.lengths_to_mask(lengths, T)[:, ::-1].copy()


def test_mask_with_less_or_equal_is_wrong():
    message = message_of("ch12.lengths_to_mask", mask_inclusive)
    assert message.startswith('ch12.lengths_to_mask: mask is wrong in case "B=4, T=7, T > max(lengths)"')


def test_boolean_mask_gives_dtype_message():
    message = message_of("ch12.lengths_to_mask", mask_boolean)
    assert message == 'ch12.lengths_to_mask: mask has dtype bool in case "B=1, T=1"; expected float64, like the inputs.'


def test_time_major_mask_gives_shape_message():
    message = message_of("ch12.lengths_to_mask", mask_time_major)
    assert message == 'ch12.lengths_to_mask: mask has shape (7, 4) in case "B=4, T=7, T > max(lengths)"; expected (B, T) = (4, 7).'


def test_mask_as_long_as_the_longest_sequence_gives_shape_message():
    message = message_of("ch12.lengths_to_mask", mask_as_long_as_the_longest)
    assert message.startswith('ch12.lengths_to_mask: mask has shape (4, ')
    assert message.endswith('in case "B=4, T=7, T > max(lengths)"; expected (B, T) = (4, 7).')


def test_left_padded_mask_is_wrong():
    assert 'mask is wrong in case "B=4, T=7, T > max(lengths)"' in message_of("ch12.lengths_to_mask", mask_left_padded)


# --- ch12.last_valid_state ----------------------------------------------------------------

def last_step(outputs, lengths):
    return outputs[:, -1]


def last_off_by_one(outputs, lengths):
    return outputs[np.arange(outputs.shape[0]), lengths]


def last_fancy_without_arange(outputs, lengths):
    return outputs[:, lengths - 1]


def last_mean_of_valid(outputs, lengths):
    T = outputs.shape[1]
    mask = (np.arange(T)[None, :] < lengths[:, None])[:, :, None]
    return (outputs * mask).sum(axis=1) / lengths[:, None]


def last_from_the_longest(outputs, lengths):
    return outputs[:, int(lengths.max()) - 1]


def last_first_step(outputs, lengths):
    return outputs[:, 0]


def test_last_step_of_the_padded_batch_is_wrong():
    message = message_of("ch12.last_valid_state", last_step)
    assert message.startswith('ch12.last_valid_state: last is wrong in case "B=3, T=8, H=4"')


def test_last_off_by_one_raises_and_shows_the_line():
    message = message_of("ch12.last_valid_state", last_off_by_one)
    assert message.startswith('ch12.last_valid_state raised IndexError in case "B=1, T=1, H=2"')
    assert "at your line" in message


def test_last_with_two_fancy_indices_gives_shape_message():
    message = message_of("ch12.last_valid_state", last_fancy_without_arange)
    assert message == 'ch12.last_valid_state: last has shape (1, 1, 2) in case "B=1, T=1, H=2"; expected (B, H) = (1, 2).'


def test_last_as_the_mean_over_valid_steps_is_wrong():
    assert 'last is wrong in case "B=3, T=8, H=4"' in message_of("ch12.last_valid_state", last_mean_of_valid)


def test_last_at_the_longest_length_is_wrong():
    assert 'last is wrong in case "B=3, T=8, H=4"' in message_of("ch12.last_valid_state", last_from_the_longest)


def test_last_at_the_first_step_is_wrong():
    assert 'last is wrong in case "B=3, T=8, H=4"' in message_of("ch12.last_valid_state", last_first_step)


# --- ch12.masked_mean_loss ----------------------------------------------------------------

def mask_of(losses, lengths):
    return np.arange(losses.shape[1])[None, :] < lengths[:, None]


def loss_mean_of_everything(losses, lengths):
    return float(losses.mean())


def loss_mean_of_sequence_means(losses, lengths):
    mask = mask_of(losses, lengths)
    return float((np.where(mask, losses, 0.0).sum(axis=1) / lengths).mean())


def loss_multiplied_by_mask(losses, lengths):
    mask = mask_of(losses, lengths)
    return float((losses * mask).sum() / mask.sum())


def loss_divided_by_all_positions(losses, lengths):
    mask = mask_of(losses, lengths)
    return float(np.where(mask, losses, 0.0).sum() / losses.size)


def loss_sum_not_mean(losses, lengths):
    return float(np.where(mask_of(losses, lengths), losses, 0.0).sum())


def loss_per_sequence(losses, lengths):
    mask = mask_of(losses, lengths)
    return np.where(mask, losses, 0.0).sum(axis=1) / lengths


def test_loss_mean_over_padding_is_wrong():
    message = message_of("ch12.masked_mean_loss", loss_mean_of_everything)
    assert message.startswith('ch12.masked_mean_loss: loss is wrong in case "B=5, T=6"')


def test_loss_mean_of_sequence_means_is_wrong():
    message = message_of("ch12.masked_mean_loss", loss_mean_of_sequence_means)
    assert message.startswith('ch12.masked_mean_loss: loss is wrong in case "B=5, T=6"')


def test_loss_multiplied_by_mask_turns_NaN_padding_into_NaN():
    message = message_of("ch12.masked_mean_loss", loss_multiplied_by_mask)
    assert message.startswith('ch12.masked_mean_loss: loss contains NaN in case "B=5, T=6, NaN on the padding"')


def test_loss_divided_by_all_positions_is_wrong():
    assert 'loss is wrong in case "B=5, T=6"' in message_of("ch12.masked_mean_loss", loss_divided_by_all_positions)


def test_loss_sum_is_wrong():
    assert 'loss is wrong in case "B=5, T=6"' in message_of("ch12.masked_mean_loss", loss_sum_not_mean)


def test_loss_per_sequence_gives_shape_message():
    message = message_of("ch12.masked_mean_loss", loss_per_sequence)
    assert message == 'ch12.masked_mean_loss: loss has shape (1,) in case "B=1, T=1"; expected () = ().'


# --- ch12.bucket_batches ------------------------------------------------------------------

def padded_count(lengths, order, batch_size):
    return sum(len(order[s:s + batch_size]) * int(lengths[order[s:s + batch_size]].max()) for s in range(0, len(order), batch_size))


def bucket_longest_first(lengths, batch_size):
    order = np.argsort(-lengths, kind="stable")
    return order, padded_count(lengths, order, batch_size)


def bucket_sorted_lengths(lengths, batch_size):
    order, padded = solutions.bucket_batches(lengths, batch_size)
    return lengths[order], padded


def bucket_counts_real_tokens(lengths, batch_size):
    order, _ = solutions.bucket_batches(lengths, batch_size)
    return order, int(lengths.sum())


def bucket_last_batch_full(lengths, batch_size):
    order, _ = solutions.bucket_batches(lengths, batch_size)
    return order, sum(batch_size * int(lengths[order[s:s + batch_size]].max()) for s in range(0, len(order), batch_size))


def bucket_unsorted(lengths, batch_size):
    order = np.arange(len(lengths))
    return order, padded_count(lengths, order, batch_size)


def bucket_one_batch(lengths, batch_size):
    order, _ = solutions.bucket_batches(lengths, batch_size)
    return order, len(lengths) * int(lengths.max())


def test_bucket_longest_first_is_wrong_in_order():
    message = message_of("ch12.bucket_batches", bucket_longest_first)
    assert message.startswith('ch12.bucket_batches: order is wrong in case "N=12, batch_size=3", first at index (0,)')


def test_bucket_returning_lengths_instead_of_indices_is_wrong():
    message = message_of("ch12.bucket_batches", bucket_sorted_lengths)
    assert message == (
        'ch12.bucket_batches: order is wrong in case "N=1, batch_size=1", first at index (0,): '
        "yours 4, expected 0 (full: yours [4], expected [0]).\n"
        "    Outputs in this case: order wrong, padded right."
    )


def test_bucket_counting_real_tokens_is_wrong():
    message = message_of("ch12.bucket_batches", bucket_counts_real_tokens)
    assert message.startswith('ch12.bucket_batches: padded is wrong in case "N=12, batch_size=3": yours')


def test_bucket_counting_a_full_last_batch_is_wrong_where_N_is_not_a_multiple():
    message = message_of("ch12.bucket_batches", bucket_last_batch_full)
    assert message.startswith('ch12.bucket_batches: padded is wrong in case "N=12, batch_size=')
    assert "batch_size=14" in message or "batch_size=3" not in message


def test_bucket_without_sorting_is_wrong():
    assert "order is wrong" in message_of("ch12.bucket_batches", bucket_unsorted)


def test_bucket_counting_one_batch_is_wrong():
    assert "padded is wrong" in message_of("ch12.bucket_batches", bucket_one_batch)


# --- ch12.packed_batch_sizes --------------------------------------------------------------

def sizes_at_least(lengths):
    T = int(lengths.max())
    return np.array([int((lengths >= t).sum()) for t in range(T)])


def sizes_lengths_sorted(lengths):
    return np.sort(lengths)[::-1].copy()


def sizes_cumulative(lengths):
    return np.cumsum(solutions.packed_batch_sizes(lengths))


def sizes_too_long(lengths):
    T = int(lengths.max())
    return np.array([int((lengths > t).sum()) for t in range(T + 1)])


def sizes_as_floats(lengths):
    return solutions.packed_batch_sizes(lengths).astype(np.float64)


def sizes_unsorted_count(lengths):
    T = int(lengths.max())
    return np.array([int(lengths[t % len(lengths)] > t) + int((lengths > t).sum()) - 1 for t in range(T)])


def test_sizes_counting_at_least_t_is_wrong():
    message = message_of("ch12.packed_batch_sizes", sizes_at_least)
    assert message.startswith('ch12.packed_batch_sizes: batch_sizes is wrong in case "B=3, lengths=[5, 5, 1]", first at index (1,)')


def test_sizes_as_sorted_lengths_gives_shape_message():
    message = message_of("ch12.packed_batch_sizes", sizes_lengths_sorted)
    assert message == 'ch12.packed_batch_sizes: batch_sizes has shape (3,) in case "B=3, lengths=[5, 5, 1]"; expected (T,) = (5,).'


def test_cumulative_sizes_are_wrong():
    message = message_of("ch12.packed_batch_sizes", sizes_cumulative)
    assert message.startswith('ch12.packed_batch_sizes: batch_sizes is wrong in case "B=3, lengths=[5, 5, 1]"')


def test_one_step_too_many_gives_shape_message():
    message = message_of("ch12.packed_batch_sizes", sizes_too_long)
    assert message == 'ch12.packed_batch_sizes: batch_sizes has shape (2,) in case "B=1, lengths=[1]"; expected (T,) = (1,).'


def test_float_sizes_give_dtype_message():
    message = message_of("ch12.packed_batch_sizes", sizes_as_floats)
    assert message == 'ch12.packed_batch_sizes: batch_sizes has dtype float64 in case "B=1, lengths=[1]"; expected integers.'


def test_sizes_of_a_mixed_up_count_are_wrong():
    assert "batch_sizes is wrong" in message_of("ch12.packed_batch_sizes", sizes_unsorted_count)


def last_as_torch_tensor(outputs, lengths):
    import torch

    out = torch.from_numpy(outputs)
    return out[torch.arange(out.shape[0]), torch.from_numpy(lengths) - 1]


def test_last_returned_as_a_torch_tensor_is_named():
    message = message_of("ch12.last_valid_state", last_as_torch_tensor)
    assert message == 'ch12.last_valid_state: last is a torch.Tensor in case "B=1, T=1, H=2"; expected a NumPy array.'
