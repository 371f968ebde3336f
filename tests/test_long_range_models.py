"""The four models of chapter 21: shapes, the identity initialisation, the training loop's contract."""

import math

import pytest
import torch

from companion.practice.long_range import KINDS, SequenceModel, identity_init_, train_adding, train_copy


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_model_shapes(kind):
    model = SequenceModel(kind, 3, 5, 2)
    x = torch.randn(7, 4, 3)
    assert model(x).shape == (4, 2)
    assert model(x, per_step=True).shape == (7, 4, 2)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"x must be \(T, B, D\) = \(\*, \*, 3\); got \(5, 3\)"):
        SequenceModel("gru", 3, 5, 1)(torch.randn(5, 3))
    with pytest.raises(ValueError, match="kind must be one of"):
        SequenceModel("rnn", 3, 5, 1)


def test_irnn_starts_as_the_identity_and_the_lstm_with_forget_bias_one():
    irnn = SequenceModel("irnn", 2, 6, 1).rnn
    assert torch.equal(irnn.weight_hh_l0, torch.eye(6))
    assert not irnn.bias_hh_l0.any() and not irnn.bias_ih_l0.any()
    lstm = SequenceModel("lstm", 2, 6, 1).rnn
    assert torch.equal(lstm.bias_hh_l0[6:12], torch.ones(6))
    with pytest.raises(TypeError):
        identity_init_(torch.nn.RNN(2, 3))  # tanh


def test_training_is_seeded_and_reports_a_curve():
    a = train_adding("gru", T=6, max_steps=4, seed=3, hidden_size=4, batch_size=8, eval_every=2)
    b = train_adding("gru", T=6, max_steps=4, seed=3, hidden_size=4, batch_size=8, eval_every=2)
    assert [s for s, _ in a.curve] == [2, 4] and a.steps == 4 and not a.reached
    assert a.test_loss == b.test_loss and math.isfinite(a.test_loss) and a.curve == b.curve
    c = train_copy("lstm", T=3, max_steps=3, seed=0, hidden_size=4, batch_size=8, eval_every=2)
    assert [s for s, _ in c.curve] == [2, 3] and c.test_loss > 0


def test_training_stops_early_once_the_validation_loss_is_below_the_target():
    run = train_adding("tanh", T=4, max_steps=50, hidden_size=4, batch_size=8, eval_every=5, target=10.0)
    assert run.reached and run.steps == 5 and run.curve == [(5, run.curve[0][1])]
    never = train_adding("tanh", T=4, max_steps=12, hidden_size=4, batch_size=8, eval_every=5, target=-1.0)
    assert not never.reached and never.steps == 12 and [s for s, _ in never.curve] == [5, 10, 12]


def test_the_weights_with_the_lowest_validation_loss_are_the_ones_tested():
    settings = dict(T=5, hidden_size=4, batch_size=8, eval_every=1, lr=0.5, seed=1)
    run = train_adding("tanh", max_steps=12, **settings)
    best_step = min(run.curve, key=lambda point: point[1])[0]
    assert best_step < 12  # at this rate the loss wanders above its best
    # the same seed retraces the same updates; stopped at the best step, the last weights are the best ones
    again = train_adding("tanh", max_steps=best_step, **settings)
    assert again.test_loss == run.test_loss


def test_the_test_batch_is_not_the_validation_batch():
    # without training (lr 0) the validation and test losses differ only because the batches do
    run = train_adding("lstm", T=5, max_steps=1, hidden_size=3, batch_size=4, eval_every=1, lr=0.0)
    assert run.test_loss != run.curve[-1][1]


def test_the_irnn_trains_at_its_own_rate():
    frozen = train_adding("irnn", T=5, max_steps=2, hidden_size=3, batch_size=4, eval_every=1, irnn_lr=0.0)
    assert frozen.curve[0][1] == frozen.curve[1][1]
    moving = train_adding("irnn", T=5, max_steps=2, hidden_size=3, batch_size=4, eval_every=1, lr=0.0)
    assert moving.curve[0][1] != moving.curve[1][1]


def test_training_stops_with_a_message_when_the_loss_is_not_finite():
    with pytest.raises(FloatingPointError, match="gru: the loss is (nan|inf) at step"):
        train_adding("gru", T=4, max_steps=20, hidden_size=3, batch_size=4, lr=1e30, max_norm=1e30)
    with pytest.raises(ValueError, match="max_steps must be a positive integer"):
        train_copy("gru", T=4, max_steps=0)
