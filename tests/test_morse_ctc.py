"""The Morse CTC models and helpers: shapes, CTC loss, decoding with pruning, edit distance and CER."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.practice.morse_ctc import (
    CTCRecognizer, SenderClassifier, ShuffledBatches, character_error_rate, ctc_batch_loss, edit_distance,
    make_ctc_batches, pooled_states, predict_log_probs, pruned_prefix_beam, sender_batch_loss,
)
from companion.scratch.decoding import ctc_prefix_beam_search


def _data(n=7, D=4, seed=0):
    rng = np.random.default_rng(seed)
    features = [rng.normal(size=(int(rng.integers(8, 15)), D)).astype(np.float32) for _ in range(n)]
    targets = [rng.integers(1, 5, size=int(rng.integers(1, 4))) for _ in range(n)]
    return features, targets, np.arange(n) % 3


def test_edit_distance_and_cer():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert edit_distance("abcde", "bcdea") == 2
    assert character_error_rate(["ab", "cd"], ["ab", "c"]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="pair up"):
        character_error_rate(["a"], [])


def test_shuffled_batches_regroup_every_pass_and_repeat_with_the_seed():
    features, targets, senders = _data(n=20)

    def groups(batches):
        return [tuple(b[1].tolist()) + tuple(b[2].tolist()) for b in batches]

    first = ShuffledBatches(features, targets, senders, batch_size=4, seed=3)
    passes = [groups(first) for _ in range(3)]
    assert all(sum(len(g) > 0 for g in p) == 5 for p in passes)
    assert passes[0] != passes[1] or passes[1] != passes[2]
    again = ShuffledBatches(features, targets, senders, batch_size=4, seed=3)
    assert [groups(again) for _ in range(3)] == passes
    lengths = sorted(len(f) for f in features)
    for batch in make_ctc_batches(features, targets, senders, 4, seed=3):
        x, x_lengths = batch[0], batch[1]
        assert x.shape[1] == int(x_lengths.max())
    assert sorted(n for b in make_ctc_batches(features, targets, senders, 4, seed=3) for n in b[1].tolist()) == lengths


def test_batches_models_and_losses():
    torch.manual_seed(0)
    features, targets, senders = _data()
    batches = make_ctc_batches(features, targets, senders, batch_size=3)
    assert sum(len(b[1]) for b in batches) == 7
    model = CTCRecognizer(4, 5, hidden=6, layers=1)
    loss = ctc_batch_loss(model, batches[0])
    assert torch.isfinite(loss) and loss.item() > 0
    log_probs = predict_log_probs(model, batches)
    assert sorted(lp.shape[0] for lp in log_probs) == sorted(len(f) for f in features)
    assert all(np.allclose(np.exp(lp).sum(axis=1), 1.0) for lp in log_probs)
    assert pooled_states(model, batches).shape == (7, 12)
    classifier = SenderClassifier(4, 3, hidden=5)
    assert torch.isfinite(sender_batch_loss(classifier, batches[0]))
    with pytest.raises(ValueError, match="x must be"):
        model(torch.zeros(2, 5, 3), torch.tensor([5, 4]))


def test_pruned_prefix_beam_matches_the_full_search_when_nothing_is_pruned_away():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(9, 6))
    logits[:, 4:] -= 30.0  # two symbols that never matter
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    full = ctc_prefix_beam_search(log_probs, 4, blank=0)[0][0]
    assert pruned_prefix_beam(log_probs, 4) == full
