"""Chapter 22's exercises: the references pass on many seeds, stubs and typical mistakes fail with a message that points at them."""

from __future__ import annotations

import numpy as np
import pytest

from companion.scratch.scan import combine as scan_combine
from companion.scratch.scan import linear_recurrence as scan_recurrence
from companion.solutions import ch22 as solutions
from exercise_messages import message_of



def test_references_agree_with_the_chapter_module():
    rng = np.random.default_rng(0)
    a, b, h0 = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)), rng.normal(size=3)
    np.testing.assert_allclose(solutions.linear_recurrence(a, b, h0), scan_recurrence(a, b, h0), rtol=1e-14)
    np.testing.assert_allclose(solutions.combine(a[0], b[0], a[1], b[1]), scan_combine(a[0], b[0], a[1], b[1]))


@pytest.mark.parametrize("N, world_size", [(10, 3), (12, 4), (2, 5), (1, 1), (17, 2)])
def test_shard_indices_matches_distributed_sampler(N, world_size):
    from torch.utils.data.distributed import DistributedSampler

    for rank in range(world_size):
        sampler = DistributedSampler(range(N), num_replicas=world_size, rank=rank, shuffle=False)
        assert solutions.shard_indices(N, world_size, rank).tolist() == list(sampler)


# --- ch22.combine -------------------------------------------------------------------------

@pytest.mark.parametrize("wrong, start", [
    (lambda a1, b1, a2, b2: (a1 * a2, a1 * b2 + b1), 'ch22.combine: b is wrong in case "N=1"'),     # maps in the other order
    (lambda a1, b1, a2, b2: (a1 * a2, b1 + b2), 'ch22.combine: b is wrong in case "N=1"'),           # b1 not carried through a2
    (lambda a1, b1, a2, b2: (a1 + a2, a2 * b1 + b2), 'ch22.combine: a is wrong in case "N=1"'),     # slopes added
    (lambda a1, b1, a2, b2: (a2 * b1 + b2, a2 * a1), 'ch22.combine: a and b are swapped in case "N=1"'),
    (lambda a1, b1, a2, b2: None, 'ch22.combine returned None in case "N=1"'),
    (lambda a1, b1, a2, b2: (a1.__imul__(a2), a2 * b1 + b2), 'ch22.combine changed its argument `a1` in place'),
])
def test_wrong_combine_is_rejected(wrong, start):
    assert message_of("ch22.combine", wrong).startswith(start)


# --- ch22.linear_recurrence ---------------------------------------------------------------

@pytest.mark.parametrize("wrong, start", [
    (lambda a, b, h0: np.concatenate([h0[None], solutions.linear_recurrence(a, b, h0)[:-1]]),   # h_0 .. h_{T-1}
     'ch22.linear_recurrence: h is wrong in case "T=1, N=1"'),
    (lambda a, b, h0: solutions.linear_recurrence(a, b, np.zeros_like(h0)),
     'ch22.linear_recurrence: h is wrong in case "T=1, N=1"'),
    (lambda a, b, h0: solutions.linear_recurrence(np.ones_like(a), a * b, h0),                  # a multiplies b, not h
     'ch22.linear_recurrence: h is wrong in case "T=1, N=1"'),
    (lambda a, b, h0: solutions.linear_recurrence(a, b, h0)[-1],
     'ch22.linear_recurrence: h has shape (1,) in case "T=1, N=1"; expected (T, N) = (1, 1).'),
    (lambda a, b, h0: np.cumsum(b, axis=0) + h0, 'ch22.linear_recurrence: h is wrong in case "T=1, N=1"'),
    (lambda a, b, h0: solutions.linear_recurrence(a, b, h0).T.copy(), 'ch22.linear_recurrence: h has shape (2, 6)'),
    (lambda a, b, h0: solutions.linear_recurrence(np.roll(a, 1, axis=0), b, h0),               # a_{t-1} instead of a_t
     'ch22.linear_recurrence: h is wrong in case "T=6, N=2"'),
])
def test_wrong_recurrence_is_rejected(wrong, start):
    assert message_of("ch22.linear_recurrence", wrong).startswith(start)


# --- ch22.shard_indices -------------------------------------------------------------------

def _padded(N, world_size, fill):
    total = -(-N // world_size) * world_size
    return np.concatenate([np.arange(N), np.full(total - N, fill, dtype=np.int64)])


@pytest.mark.parametrize("wrong, start", [
    (lambda N, world_size, rank: np.resize(np.arange(N), -(-N // world_size) * world_size).reshape(world_size, -1)[rank],
     'ch22.shard_indices: indices is wrong in case "N=15, world_size=5, rank=1"'),               # contiguous blocks
    (lambda N, world_size, rank: np.arange(N)[rank::world_size],
     'ch22.shard_indices: indices has shape (3,) in case "N=16, world_size=5, rank=4"'),       # no padding
    (lambda N, world_size, rank: np.arange(N - N % world_size)[rank::world_size],
     'ch22.shard_indices: indices has shape (3,) in case "N=16, world_size=5, rank=0"'),       # drop_last
    (lambda N, world_size, rank: _padded(N, world_size, N - 1)[rank::world_size],
     'ch22.shard_indices: indices is wrong in case "N=16, world_size=5, rank=4"'),             # pads with the last
    (lambda N, world_size, rank: _padded(N, world_size, 0)[rank::world_size],
     'ch22.shard_indices: indices is wrong in case "N=16, world_size=5, rank=4"'),             # pads with zeros
    (lambda N, world_size, rank: solutions.shard_indices(N, world_size, rank).astype(float),
     'ch22.shard_indices: indices has dtype float64 in case "N=1, world_size=1, rank=0"'),
])
def test_wrong_shard_is_rejected(wrong, start):
    assert message_of("ch22.shard_indices", wrong).startswith(start)


# --- ch22.average_gradients ---------------------------------------------------------------

def _rows(mean, W):
    return np.repeat(mean[None, :], W, axis=0)


@pytest.mark.parametrize("wrong, start", [
    (lambda grads: _rows(grads.sum(axis=0), grads.shape[0]),
     'ch22.average_gradients: grads is wrong in case "W=4, P=7"'),                             # sum, not mean
    (lambda grads: grads.mean(axis=0), 'ch22.average_gradients: grads has shape (3,) in case "W=1, P=3"'),
    (lambda grads: np.repeat(grads.mean(axis=1, keepdims=True), grads.shape[1], axis=1),
     'ch22.average_gradients: grads is wrong in case "W=1, P=3"'),                             # mean over parameters
    (lambda grads: grads.copy(), 'ch22.average_gradients: grads is wrong in case "W=4, P=7"'),  # no all-reduce
    (lambda grads: _rows(grads.sum(axis=0) / grads.shape[1], grads.shape[0]),
     'ch22.average_gradients: grads is wrong in case "W=1, P=3"'),                             # divided by P
    (lambda grads: _rows(grads[0], grads.shape[0]),
     'ch22.average_gradients: grads is wrong in case "W=4, P=7"'),                             # rank 0's broadcast
])
def test_wrong_average_is_rejected(wrong, start):
    assert message_of("ch22.average_gradients", wrong).startswith(start)
