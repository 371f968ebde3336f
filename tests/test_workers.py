"""The worker pool: a run gives the same numbers in a worker process as in this one."""

import pytest
import torch

from companion.practice.long_range import train_adding, train_copy
from companion.practice.workers import available_cores, worker_pool


def test_a_run_in_a_worker_equals_the_same_run_here_at_one_thread():
    settings = dict(T=8, max_steps=6, seed=2, hidden_size=5, batch_size=8, eval_every=3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        here = [train_adding("lstm", **settings), train_copy("gru", **settings)]
    finally:
        torch.set_num_threads(threads)
    with worker_pool(2) as pool:
        futures = [pool.submit(train_adding, "lstm", **settings), pool.submit(train_copy, "gru", **settings)]
        there = [future.result() for future in futures]
        assert pool.submit(torch.get_num_threads).result() == 1
    for a, b in zip(here, there):
        assert (a.kind, a.T, a.steps, a.reached) == (b.kind, b.T, b.steps, b.reached)
        assert a.test_loss == b.test_loss and a.curve == b.curve  # bit for bit


def test_an_error_in_a_worker_reaches_the_caller():
    with worker_pool(1) as pool:
        with pytest.raises(ValueError, match="max_steps must be a positive integer"):
            pool.submit(train_adding, "gru", 4, 0).result()


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_bad_worker_counts_are_refused(workers):
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        worker_pool(workers)


def test_available_cores_is_positive():
    assert available_cores() >= 1
