"""The encoder-decoder: masked attention, padding-independent results, greedy and beam decoding agree where they must."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.practice.seq2seq import END_ID, Seq2Seq, beam_decode, exact_match, greedy_decode, pad_ids, teacher_forcing_loss


def _model(attention: bool) -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(source_vocab=9, target_vocab=7, embed=4, hidden=6, attention=attention).eval()


def _sources() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(3, 9, size=n) for n in (5, 1, 3)]


def test_attention_weights_sum_to_one_and_ignore_the_padding():
    model = _model(True)
    src, lengths = pad_ids(_sources())
    tgt = torch.tensor([[1, 3, 4], [1, 5, 6], [1, 3, 3]])
    _, weights = model(src, lengths, tgt)
    assert weights.shape == (3, 3, 5)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 3))
    mask = torch.arange(5)[None, :] < lengths[:, None]
    assert (weights[~mask[:, None, :].expand_as(weights)] == 0).all()


@pytest.mark.parametrize("attention", [True, False])
def test_a_padded_batch_gives_each_sequence_its_own_answer(attention):
    model = _model(attention)
    sources = _sources()
    src, lengths = pad_ids(sources)
    batch_ids, _ = greedy_decode(model, src, lengths, max_len=6)
    tgt = torch.tensor([[1, 3, 4, 5]] * 3)
    batch_logits, _ = model(src, lengths, tgt)
    for b, s in enumerate(sources):
        alone_src, alone_len = pad_ids([s])
        alone_logits, _ = model(alone_src, alone_len, tgt[:1])
        assert torch.allclose(batch_logits[b], alone_logits[0], atol=1e-5)
        alone_ids, _ = greedy_decode(model, alone_src, alone_len, max_len=6)
        n = alone_ids.shape[1]
        assert batch_ids[b, :n].tolist() == alone_ids[0].tolist()


@pytest.mark.parametrize("attention", [True, False])
def test_a_beam_of_one_is_greedy_decoding(attention):
    model = _model(attention)
    for s in _sources():
        src, lengths = pad_ids([s])
        greedy, _ = greedy_decode(model, src, lengths, max_len=6)
        greedy = greedy[0].tolist()
        if END_ID in greedy:
            greedy = greedy[:greedy.index(END_ID) + 1]
        beamed, _ = beam_decode(model, src, lengths, beam=1, max_len=6)
        assert beamed == greedy


def test_a_wider_beam_never_scores_worse_and_a_beam_wider_than_the_vocabulary_works():
    model = _model(True)
    src, lengths = pad_ids(_sources()[:1])
    _, score_1 = beam_decode(model, src, lengths, beam=1, max_len=6)
    ids_20, score_20 = beam_decode(model, src, lengths, beam=20, max_len=6)    # 20 > 7 characters
    assert score_20 >= score_1 - 1e-6
    assert 1 <= len(ids_20) <= 6


def test_beam_decode_refuses_a_batch_and_a_zero_beam():
    model = _model(True)
    src, lengths = pad_ids(_sources())
    with pytest.raises(ValueError, match="one sequence"):
        beam_decode(model, src, lengths, beam=2, max_len=4)
    with pytest.raises(ValueError, match="beam must be"):
        beam_decode(model, src[:1], lengths[:1], beam=0, max_len=4)


def test_teacher_forcing_loss_ignores_padded_targets_and_trains():
    model = _model(True).train()
    src, lengths = pad_ids(_sources())
    tgt = torch.tensor([[1, 3, 4, 2, 0], [1, 5, 2, 0, 0], [1, 3, 3, 6, 2]])
    loss = teacher_forcing_loss(model, (src, lengths, tgt))
    assert torch.isfinite(loss)
    changed = tgt.clone()
    changed[0, 4] = 5                       # a padded target made real changes the loss
    assert not torch.isclose(loss, teacher_forcing_loss(model, (src, lengths, changed)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(30):
        optimizer.zero_grad()
        step_loss = teacher_forcing_loss(model, (src, lengths, tgt))
        step_loss.backward()
        optimizer.step()
    assert step_loss < 0.5 * loss


def test_exact_match_and_its_validation():
    assert exact_match(["1999-03-03", "2000-01-01"], ["1999-03-03", "2000-01-02"]) == 0.5
    with pytest.raises(ValueError):
        exact_match(["a"], [])
    with pytest.raises(ValueError, match="src must be"):
        _model(True).encode(torch.zeros(3, dtype=torch.int64), torch.ones(3, dtype=torch.int64))
