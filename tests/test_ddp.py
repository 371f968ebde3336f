"""DDP with torchrun: two gloo processes end with identical weights, equal to one process on the same global batches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from companion.practice.ddp_train import global_batches, make_model, train

ROOT = Path(__file__).resolve().parents[1]


def test_single_process_train_rejects_a_batch_that_does_not_split():
    with pytest.raises(ValueError, match="split evenly over 3 workers"):
        train(make_model(), global_batches(1, 16), rank=0, world_size=3)


def test_torchrun_two_workers_match_each_other_and_one_process(tmp_path):
    steps, batch_size = 8, 8
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "companion.practice.ddp_train", "--out", str(tmp_path),
               "--steps", str(steps), "--batch-size", str(batch_size)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    rank0, rank1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))

    single = make_model()
    initial = {k: v.clone() for k, v in single.state_dict().items()}
    train(single, global_batches(steps, batch_size))
    reference = single.state_dict()

    assert rank0.keys() == rank1.keys() == reference.keys()
    for name in reference:
        assert rank0[name].dtype == torch.float64
        assert torch.equal(rank0[name], rank1[name]), name            # one update applied on both ranks
        assert torch.allclose(rank0[name], reference[name], rtol=0, atol=1e-10), name
    assert any(not torch.allclose(initial[k], reference[k], atol=1e-3) for k in reference)   # training moved them
