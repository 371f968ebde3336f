"""Data-parallel training of a small LSTM with DistributedDataParallel, on CPU processes (gloo).

Run it on one machine with two processes:

    torchrun --standalone --nproc_per_node=2 -m companion.practice.ddp_train --out runs/ddp

Each process (a "rank") builds the same model from the same seed, takes its
share of every global batch (rows rank, rank + W, ...), and computes the loss
and gradients on that share; DDP then all-reduces the gradients (their mean
over the W ranks) during backward, so every rank applies the same update and
the weights stay identical. The mean of W equal-sized shards' mean gradients
is the mean gradient of the global batch, so the run equals ``train`` in one
process on the same global batches, up to rounding. Each rank saves its final
weights to ``<out>/rank<r>.pt``. Everything is float64, so that rounding
differences stay near 1e-15.

The same script runs on several machines: start it on each one with
``torchrun --nnodes=2 --nproc_per_node=... --node_rank=<0 or 1>
--rdzv_backend=c10d --rdzv_endpoint=<host of node 0>:29500``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch
from torch import nn


class SumRegressor(nn.Module):
    """An LSTM that reads x: (B, T, D) and predicts one number per sequence from its last state."""

    def __init__(self, input_size: int = 2, hidden_size: int = 8):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1]).squeeze(-1)


def global_batches(steps: int, batch_size: int, T: int = 12, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Seeded float64 batches of the adding problem's kind: x (B, T, 2), y (B,) = sum of the marked values.

    Channel 0 holds values in [0, 1), channel 1 marks two steps; the target is
    the sum of the two marked values. Every rank builds the same list.
    """
    g = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(steps):
        values = torch.rand(batch_size, T, generator=g, dtype=torch.float64)
        marks = torch.zeros(batch_size, T, dtype=torch.float64)
        first = torch.randint(0, T // 2, (batch_size,), generator=g)
        second = torch.randint(T // 2, T, (batch_size,), generator=g)
        rows = torch.arange(batch_size)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        batches.append((torch.stack([values, marks], dim=-1), (values * marks).sum(dim=1)))
    return batches


def train(model: nn.Module, batches, rank: int = 0, world_size: int = 1, lr: float = 0.1) -> list[float]:
    """Plain SGD on this rank's shard (rows rank::world_size) of each global batch; returns the local losses."""
    for x, _ in batches[:1]:
        if x.shape[0] % world_size:
            raise ValueError(f"the global batch ({x.shape[0]}) must split evenly over {world_size} workers")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for x, y in batches:
        loss = nn.functional.mse_loss(model(x[rank::world_size]), y[rank::world_size])
        optimizer.zero_grad()
        loss.backward()                      # under DDP: gradients averaged over the ranks here
        optimizer.step()
        losses.append(loss.item())
    return losses


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return SumRegressor().double()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for rank<r>.pt")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=16, help="the global batch size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    torch.set_num_threads(1)
    dist.init_process_group("gloo")            # rank, world size and address come from torchrun's variables
    rank, world_size = dist.get_rank(), dist.get_world_size()
    model = DistributedDataParallel(make_model(args.seed))   # also broadcasts rank 0's weights
    losses = train(model, global_batches(args.steps, args.batch_size, seed=args.seed), rank, world_size)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(model.module.state_dict(), args.out / f"rank{rank}.pt")
    print(f"rank {rank} of {world_size} (pid {os.getpid()}): local loss {losses[0]:.4f} -> {losses[-1]:.4f}",
          flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
