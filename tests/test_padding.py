"""companion.practice.padding: padded batches give the same answers as sequences one at a time."""

from __future__ import annotations

import pytest
import torch

from companion.practice.padding import (
    bucket_batches,
    last_valid_state,
    lengths_to_mask,
    masked_mean_loss,
    pad_batch,
    pad_collate,
    padding_cost,
    random_batches,
)


def sequences(lengths, D=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, D, generator=g) for n in lengths]


def test_pad_batch_pads_at_the_end_and_returns_lengths():
    xs = sequences([2, 4, 1])
    padded, lengths = pad_batch(xs, padding_value=-1.0)
    assert padded.shape == (3, 4, 3) and lengths.tolist() == [2, 4, 1]
    assert torch.equal(padded[0, :2], xs[0]) and (padded[0, 2:] == -1).all()
    time_major, _ = pad_batch(xs, batch_first=False)
    assert time_major.shape == (4, 3, 3)


def test_pad_batch_rejects_bad_inputs():
    with pytest.raises(ValueError, match="at least one sequence"):
        pad_batch([])
    with pytest.raises(ValueError, match=r"sequence 1 is \(2, 4\)"):
        pad_batch([torch.zeros(3, 3), torch.zeros(2, 4)])
    with pytest.raises(ValueError, match="sequence 0 must have at least one step"):
        pad_batch([torch.zeros(0, 3)])
    with pytest.raises(ValueError, match="dtype"):
        pad_batch([torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.float64)])


def test_lengths_to_mask_marks_real_steps():
    mask = lengths_to_mask(torch.tensor([1, 3, 2]), max_len=4)
    assert mask.tolist() == [[True, False, False, False], [True, True, True, False], [True, True, False, False]]
    assert lengths_to_mask([2, 1]).shape == (2, 2)
    with pytest.raises(ValueError, match="at least the longest length 3"):
        lengths_to_mask([3], max_len=2)
    with pytest.raises(ValueError, match="integers"):
        lengths_to_mask(torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="at least 1"):
        lengths_to_mask([0, 2])


def test_last_valid_state_equals_running_each_sequence_alone():
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 5, batch_first=True)
    xs = sequences([4, 1, 6, 3])
    padded, lengths = pad_batch(xs)
    with torch.no_grad():
        out, _ = gru(padded)
        last = last_valid_state(out, lengths)
        alone = torch.stack([gru(x[None])[1][0, 0] for x in xs])
        time_major = last_valid_state(out.transpose(0, 1), lengths, batch_first=False)
    torch.testing.assert_close(last, alone, rtol=0, atol=1e-6)
    assert torch.equal(time_major, last)
    assert not torch.allclose(out[:, -1], alone, atol=1e-3)  # the naive choice is wrong


def test_last_valid_state_rejects_bad_lengths():
    out = torch.zeros(2, 4, 3)
    with pytest.raises(ValueError, match=r"lengths must be \(B,\) = \(2,\)"):
        last_valid_state(out, [1, 2, 3])
    with pytest.raises(ValueError, match="at most T = 4"):
        last_valid_state(out, [5, 1])
    with pytest.raises(ValueError, match=r"outputs must be \(B, T, H\)"):
        last_valid_state(torch.zeros(2, 4), [1, 2])


def test_masked_mean_loss_counts_every_real_token_once():
    losses = torch.tensor([[1.0, 2.0, 100.0], [3.0, 100.0, 100.0]])
    mask = lengths_to_mask([2, 1], max_len=3)
    assert masked_mean_loss(losses, mask).item() == pytest.approx(2.0)  # (1 + 2 + 3) / 3, not (1.5 + 3) / 2
    losses = torch.tensor([[1.0, float("nan")]])  # a NaN at a padded position does not leak
    assert masked_mean_loss(losses, lengths_to_mask([1], 2)).item() == 1.0
    with pytest.raises(ValueError, match="same shape"):
        masked_mean_loss(torch.zeros(2, 3), torch.ones(3, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match="boolean"):
        masked_mean_loss(torch.zeros(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match="selects no position"):
        masked_mean_loss(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.bool))


def test_masked_mean_loss_matches_cross_entropy_with_ignore_index():
    g = torch.Generator().manual_seed(0)
    logits, targets = torch.randn(3, 5, 7, generator=g), torch.randint(0, 7, (3, 5), generator=g)
    mask = lengths_to_mask([5, 2, 3])
    per_token = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    ignored = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets.masked_fill(~mask, -100))
    torch.testing.assert_close(masked_mean_loss(per_token, mask), ignored)


def test_bucket_batches_cover_every_index_once_and_reduce_padding():
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 100, (203,), generator=g)
    buckets = bucket_batches(lengths, 16, generator=g)
    shuffled = random_batches(len(lengths), 16, generator=g)
    assert sorted(i for b in buckets for i in b) == list(range(203))
    assert [len(b) for b in buckets].count(16) == 12
    real, padded_buckets = padding_cost(lengths, buckets)
    _, padded_random = padding_cost(lengths, shuffled)
    assert real == int(lengths.sum()) and real <= padded_buckets < padded_random
    within = [int(lengths[b].max() - lengths[b].min()) for b in bucket_batches(lengths, 16, shuffle=False)]
    assert max(within) < 20  # sorted: neighbours in length share a batch
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        bucket_batches(lengths, 0)
    with pytest.raises(ValueError, match="exactly once"):
        padding_cost([1, 2], [[0]])


def test_bucket_batches_are_reproducible_with_a_generator():
    lengths = list(range(1, 50))
    first = bucket_batches(lengths, 8, generator=torch.Generator().manual_seed(3))
    second = bucket_batches(lengths, 8, generator=torch.Generator().manual_seed(3))
    assert first == second


def test_pad_collate_works_in_a_dataloader_with_labels_and_per_step_targets():
    xs = sequences([3, 1, 2])
    labels = [torch.tensor(1), torch.tensor(0), torch.tensor(1)]
    loader = torch.utils.data.DataLoader(list(zip(xs, labels)), batch_size=3, collate_fn=pad_collate)
    x, lengths, y = next(iter(loader))
    assert x.shape == (3, 3, 3) and lengths.tolist() == [3, 1, 2] and y.tolist() == [1, 0, 1]
    tags = [torch.arange(3), torch.arange(1), torch.arange(2)]
    _, _, y = pad_collate(list(zip(xs, tags)))
    assert y.tolist() == [[0, 1, 2], [0, -100, -100], [0, 1, -100]]
    with pytest.raises(ValueError, match="one shape"):
        pad_collate([(xs[0], torch.zeros(2)), (xs[1], torch.zeros(4))])
    with pytest.raises(ValueError, match="at least one item"):
        pad_collate([])
