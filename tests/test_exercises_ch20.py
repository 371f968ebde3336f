"""Chapter 20's exercises: the references pass on many seeds, stubs and typical mistakes fail with a message that points at them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.practice.recipes import warmup_cosine
from companion.solutions import ch20 as solutions
from exercise_messages import message_of


def _norm(dW, db):
    return float(np.sqrt((dW ** 2).sum() + (db ** 2).sum()))


def _qr(A):
    return np.linalg.qr(A)


def test_schedule_reference_agrees_with_the_chapter_module():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    scheduler = warmup_cosine(optimizer, warmup=3, total=10, floor=0.1)
    rates = []
    for _ in range(11):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    expected = solutions.warmup_cosine_lr(np.arange(11), 0.2, 0.02, 3, 10)
    np.testing.assert_allclose(rates, expected, rtol=1e-12)


def test_layer_norm_reference_agrees_with_torch():
    rng = np.random.default_rng(0)
    a, gamma, beta = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=5)
    expected = torch.nn.functional.layer_norm(torch.from_numpy(a), (5,), torch.from_numpy(gamma),
                                              torch.from_numpy(beta), eps=1e-3)
    np.testing.assert_allclose(solutions.layer_norm(a, gamma, beta, 1e-3), expected.numpy(), rtol=1e-12)


def test_orthogonal_reference_is_orthogonal_and_reproduces_A():
    A = np.random.default_rng(1).normal(size=(6, 6))
    Q = solutions.orthogonal_from_gaussian(A)
    np.testing.assert_allclose(Q.T @ Q, np.eye(6), atol=1e-12)
    R = Q.T @ A
    assert np.all(np.diag(R) > 0)
    np.testing.assert_allclose(np.tril(R, -1), 0, atol=1e-12)


# --- ch20.orthogonal_from_gaussian --------------------------------------------------------

@pytest.mark.parametrize("wrong, start", [
    (lambda A: _qr(A)[0], 'ch20.orthogonal_from_gaussian: Q is wrong in case "n=1"'),                       # no sign fix
    (lambda A: (_qr(A)[0] * np.sign(np.diag(_qr(A)[1]))).T, 'ch20.orthogonal_from_gaussian: Q is wrong in case "n=5"'),
    (lambda A: np.sign(np.diag(_qr(A)[1]))[:, None] * _qr(A)[0],                                             # rows, not columns
     'ch20.orthogonal_from_gaussian: Q is wrong in case "n=5"'),
    (lambda A: _qr(A)[0] * np.sign(np.diag(A)), 'ch20.orthogonal_from_gaussian: Q is wrong in case "n=5"'),   # signs of A
    (lambda A: A / np.linalg.norm(A, axis=0), 'ch20.orthogonal_from_gaussian: Q is wrong in case "n=5"'),     # columns normalised only
    (lambda A: _qr(A)[1], 'ch20.orthogonal_from_gaussian: Q is wrong in case "n=1"'),                         # R, not Q
    (lambda A: np.linalg.svd(A)[0] @ np.linalg.svd(A)[2],                                                     # orthogonal, but another one
     'ch20.orthogonal_from_gaussian: Q is wrong in case "n=5"'),
])
def test_wrong_orthogonal_is_rejected(wrong, start):
    assert message_of("ch20.orthogonal_from_gaussian", wrong).startswith(start)


# --- ch20.clip_global_norm ----------------------------------------------------------------

def _scaled(dW, db, factor_W, factor_b, norm):
    return dW * factor_W, db * factor_b, norm


@pytest.mark.parametrize("wrong, start", [
    (lambda dW, db, max_norm: _scaled(dW, db, min(1, max_norm / np.linalg.norm(dW)), min(1, max_norm / np.linalg.norm(db)),
                                      _norm(dW, db)),                                                         # each on its own
     'ch20.clip_global_norm: dW is wrong in case "H=1, D=1, max_norm=1.0, norm above max_norm"'),
    (lambda dW, db, max_norm: _scaled(dW, db, max_norm / _norm(dW, db), max_norm / _norm(dW, db), _norm(dW, db)),
     'ch20.clip_global_norm: dW is wrong in case "H=2, D=5, max_norm=100.0, norm below max_norm"'),          # always rescaled
    (lambda dW, db, max_norm: (np.clip(dW, -max_norm, max_norm), np.clip(db, -max_norm, max_norm), _norm(dW, db)),
     'ch20.clip_global_norm: dW is wrong in case "H=1, D=1, max_norm=1.0, norm above max_norm"'),           # clipped by value
    (lambda dW, db, max_norm: solutions.clip_global_norm(dW, db, max_norm)[:2] + (min(_norm(dW, db), max_norm),),
     'ch20.clip_global_norm: norm is wrong in case "H=1, D=1, max_norm=1.0, norm above max_norm"'),         # norm after clipping
    (lambda dW, db, max_norm: solutions.clip_global_norm(dW, db, max_norm)[:2] + (_norm(dW, db) ** 2,),
     'ch20.clip_global_norm: norm is wrong in case "H=1, D=1, max_norm=1.0, norm above max_norm"'),         # squared norm
    (lambda dW, db, max_norm: _scaled(dW, db, min(1, max_norm / _norm(dW, db)), min(1, max_norm / _norm(dW, db)),
                                      _norm(dW, db)),                                                         # no guard for 0
     'ch20.clip_global_norm raised ZeroDivisionError in case "H=2, D=5, max_norm=0.5, all zero"'),
    (lambda dW, db, max_norm: _scaled(dW, db, min(1, max_norm / np.linalg.norm(dW)), min(1, max_norm / np.linalg.norm(dW)),
                                      float(np.linalg.norm(dW))),                                             # db left out of the norm
     'ch20.clip_global_norm: dW is wrong in case "H=1, D=1, max_norm=1.0, norm above max_norm"'),
])
def test_wrong_clip_is_rejected(wrong, start):
    assert message_of("ch20.clip_global_norm", wrong).startswith(start)


# --- ch20.warmup_cosine_lr ----------------------------------------------------------------

def _after_warmup(steps, lr_max, lr_min, warmup, total, decay):
    return np.where(steps < warmup, solutions.warmup_cosine_lr(steps, lr_max, lr_min, warmup, total), decay)


@pytest.mark.parametrize("wrong, start", [
    (lambda steps, lr_max, lr_min, warmup, total: solutions.warmup_cosine_lr(steps, lr_max, lr_min, 0, total),
     'ch20.warmup_cosine_lr: lr is wrong in case "warmup=1, total=3, lr_max=1.0, lr_min=0.1"'),             # no warm-up
    (lambda steps, lr_max, lr_min, warmup, total: np.where(
        steps < warmup, lr_max * steps / max(warmup, 1), solutions.warmup_cosine_lr(steps, lr_max, lr_min, warmup, total)),
     'ch20.warmup_cosine_lr: lr is wrong in case "warmup=1, total=3, lr_max=1.0, lr_min=0.1"'),             # s / w: starts at 0
    (lambda steps, lr_max, lr_min, warmup, total: solutions.warmup_cosine_lr(steps, lr_max, 0.0, warmup, total),
     'ch20.warmup_cosine_lr: lr is wrong in case "warmup=1, total=3, lr_max=1.0, lr_min=0.1"'),             # decays to 0
    (lambda steps, lr_max, lr_min, warmup, total: _after_warmup(
        steps, lr_max, lr_min, warmup, total, lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * steps / total))),
     'ch20.warmup_cosine_lr: lr is wrong in case "warmup=1, total=3, lr_max=1.0, lr_min=0.1"'),             # cosine over all steps
    (lambda steps, lr_max, lr_min, warmup, total: _after_warmup(
        steps, lr_max, lr_min, warmup, total, lr_max - (lr_max - lr_min) * (steps - warmup) / (total - warmup)),
     'ch20.warmup_cosine_lr: lr is wrong in case "warmup=2, total=9, lr_max=0.01, lr_min=0.001"'),          # linear decay
    (lambda steps, lr_max, lr_min, warmup, total: _after_warmup(
        steps, lr_max, lr_min, warmup, total, lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * (steps - warmup) / (total - warmup)))),
     'ch20.warmup_cosine_lr: lr is wrong in case "warmup=1, total=3, lr_max=1.0, lr_min=0.1"'),             # no 1/2
    (lambda steps, lr_max, lr_min, warmup, total: solutions.warmup_cosine_lr(steps, lr_max, lr_min, warmup, total)[:-1],
     'ch20.warmup_cosine_lr: lr has shape (3,) in case "warmup=1, total=3, lr_max=1.0, lr_min=0.1"; expected (S,) = (4,).'),
])
def test_wrong_schedule_is_rejected(wrong, start):
    assert message_of("ch20.warmup_cosine_lr", wrong).startswith(start)


# --- ch20.layer_norm ----------------------------------------------------------------------

def _centred(a):
    return a - a.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong, start", [
    (lambda a, gamma, beta, eps: gamma * (a - a.mean(0)) / np.sqrt(a.var(0) + eps) + beta,                # batch norm
     'ch20.layer_norm: out is wrong in case "B=1, n=3, eps=1e-05"'),
    (lambda a, gamma, beta, eps: gamma * _centred(a) / np.sqrt(a.var(1, ddof=1, keepdims=True) + eps) + beta,  # unbiased variance
     'ch20.layer_norm: out is wrong in case "B=1, n=3, eps=1e-05"'),
    (lambda a, gamma, beta, eps: gamma * _centred(a) / (a.std(1, keepdims=True) + eps) + beta,            # eps outside the root
     'ch20.layer_norm: out is wrong in case "B=1, n=3, eps=1e-05"'),
    (lambda a, gamma, beta, eps: beta * _centred(a) / np.sqrt(a.var(1, keepdims=True) + eps) + gamma,    # gamma and beta swapped
     'ch20.layer_norm: out is wrong in case "B=1, n=3, eps=1e-05"'),
    (lambda a, gamma, beta, eps: _centred(a) / np.sqrt(a.var(1, keepdims=True) + eps),                   # no gain, no bias
     'ch20.layer_norm: out is wrong in case "B=1, n=3, eps=1e-05"'),
    (lambda a, gamma, beta, eps: gamma * (a - a.mean()) / np.sqrt(a.var() + eps) + beta,                 # over the whole batch
     'ch20.layer_norm: out is wrong in case "B=4, n=6, eps=1e-05"'),
])
def test_wrong_layer_norm_is_rejected(wrong, start):
    assert message_of("ch20.layer_norm", wrong).startswith(start)


# --- ch20.standardise ---------------------------------------------------------------------

def _safe(sd):
    return np.where(sd > 0, sd, 1.0)


@pytest.mark.parametrize("wrong, start", [
    (lambda train, other: (other - other.mean((0, 1))) / _safe(other.std((0, 1))),                         # statistics of other
     'ch20.standardise: out is wrong in case "N=1, M=2, T=1, D=2"'),
    (lambda train, other: (other - train.mean()) / train.std(),                                           # one scalar for all features
     'ch20.standardise: out is wrong in case "N=1, M=2, T=1, D=2"'),
    (lambda train, other: (other - train.mean((0, 1))) / _safe(train.std((0, 1), ddof=1)),                 # unbiased sd
     'ch20.standardise raised FloatingPointError in case "N=1, M=2, T=1, D=2"'),
    (lambda train, other: (other - train.mean(0)) / _safe(train.std(0)),                                 # per step too
     'ch20.standardise: out is wrong in case "N=3, M=4, T=5, D=2"'),
    (lambda train, other: (other - train.mean((0, 1))) / train.std((0, 1)),                               # no guard
     'ch20.standardise: out contains inf in case "N=1, M=2, T=1, D=2"'),
    (lambda train, other: solutions.standardise(np.concatenate([train, other]), other),                  # leaks other
     'ch20.standardise: out is wrong in case "N=1, M=2, T=1, D=2"'),
    (lambda train, other: (other - train.mean((0, 1))) / np.where(train.std((0, 1)) > 0, train.std((0, 1)), 1e-8),
     'ch20.standardise: out is wrong in case "N=1, M=2, T=1, D=2"'),                                      # constant divided by ~0
])
def test_wrong_standardise_is_rejected(wrong, start):
    assert message_of("ch20.standardise", wrong).startswith(start)
