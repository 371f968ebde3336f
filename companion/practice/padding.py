"""Variable-length batches in PyTorch: padding, masks, last valid states, masked losses, bucketing.

A batch of sequences of different lengths becomes one tensor by padding the
short ones at the end; ``lengths`` (an int tensor ``(B,)``) remembers where
each one stops. Everything downstream must then ignore the padding: the
states after a sequence's end (``last_valid_state``), the loss on padded
positions (``masked_mean_loss``), and the padded steps the recurrent layer
reads (``torch.nn.utils.rnn.pack_padded_sequence``). Bucketing puts sequences
of similar length in the same batch, so that little padding is needed.

    from companion.practice.padding import pad_batch, lengths_to_mask, last_valid_state

Shapes are batch-first, ``(B, T, ...)``, unless a function takes ``batch_first``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def _lengths_tensor(lengths, name: str = "lengths") -> torch.Tensor:
    """``lengths`` as an int64 CPU tensor (B,) of positive values; ValueError otherwise."""
    lengths = torch.as_tensor(lengths)
    if lengths.ndim != 1:
        raise ValueError(f"{name} must be (B,); got shape {tuple(lengths.shape)}")
    if lengths.dtype.is_floating_point or lengths.dtype == torch.bool:
        raise ValueError(f"{name} must hold integers; got dtype {lengths.dtype}")
    if lengths.numel() and int(lengths.min()) < 1:
        raise ValueError(f"{name} must be at least 1 (empty sequences cannot be packed); got {lengths.tolist()}")
    return lengths.to(torch.int64).cpu()


def pad_batch(
    sequences: Sequence[torch.Tensor], padding_value: float = 0.0, batch_first: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad sequences ``(L_i, *F)`` at the end into ``(B, T, *F)`` (or ``(T, B, *F)``); return it and ``lengths (B,)``.

    ``T`` is the longest length. All sequences must share dtype and trailing
    shape ``F`` and have at least one step.
    """
    if len(sequences) == 0:
        raise ValueError("sequences must hold at least one sequence")
    sequences = [torch.as_tensor(s) for s in sequences]
    first = sequences[0]
    for i, s in enumerate(sequences):
        if s.ndim < 1 or s.shape[0] < 1:
            raise ValueError(f"sequence {i} must have at least one step; got shape {tuple(s.shape)}")
        if s.shape[1:] != first.shape[1:]:
            raise ValueError(
                f"every sequence must be (L, {', '.join(map(str, first.shape[1:])) or '*'}) like sequence 0; "
                f"sequence {i} is {tuple(s.shape)}"
            )
        if s.dtype != first.dtype:
            raise ValueError(f"every sequence must have dtype {first.dtype} like sequence 0; sequence {i} has {s.dtype}")
    lengths = torch.tensor([s.shape[0] for s in sequences], dtype=torch.int64)
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=batch_first, padding_value=padding_value)
    return padded, lengths


def lengths_to_mask(lengths, max_len: int | None = None) -> torch.Tensor:
    """Boolean mask ``(B, T)``: True at the real steps ``t < lengths[b]``, False at padding.

    ``T`` is ``max_len``, or the longest length when it is None.
    """
    lengths = _lengths_tensor(lengths)
    longest = int(lengths.max()) if lengths.numel() else 0
    if max_len is None:
        max_len = longest
    if max_len < longest:
        raise ValueError(f"max_len must be at least the longest length {longest}; got {max_len}")
    return torch.arange(max_len)[None, :] < lengths[:, None]


def last_valid_state(outputs: torch.Tensor, lengths, batch_first: bool = True) -> torch.Tensor:
    """Each sequence's state at its own last step: ``outputs[b, lengths[b] - 1]``, shape ``(B, H)``.

    ``outputs: (B, T, H)`` (or ``(T, B, H)`` with ``batch_first=False``). For a
    bidirectional layer this is right for the forward half only: the backward
    direction's final state is at step 0 (take it from ``h_n`` of a packed run).
    """
    if outputs.ndim != 3:
        raise ValueError(f"outputs must be (B, T, H); got shape {tuple(outputs.shape)}")
    if not batch_first:
        outputs = outputs.transpose(0, 1)
    B, T, H = outputs.shape
    lengths = _lengths_tensor(lengths)
    if lengths.shape[0] != B:
        raise ValueError(f"lengths must be (B,) = ({B},); got ({lengths.shape[0]},)")
    if lengths.numel() and int(lengths.max()) > T:
        raise ValueError(f"lengths must be at most T = {T}; got {lengths.tolist()}")
    index = (lengths - 1).to(outputs.device).view(B, 1, 1).expand(B, 1, H)
    return outputs.gather(1, index).squeeze(1)


def masked_mean_loss(losses: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``losses (B, T)`` over the positions where ``mask (B, T)`` is True: every real token counts once.

    Not the mean of per-sequence means, which would weigh a token of a short
    sequence more than one of a long sequence. Raises if the mask selects nothing.
    """
    if losses.shape != mask.shape:
        raise ValueError(f"losses and mask must have the same shape (B, T); got {tuple(losses.shape)} and {tuple(mask.shape)}")
    if mask.dtype != torch.bool:
        raise ValueError(f"mask must be boolean; got dtype {mask.dtype}")
    count = mask.sum()
    if int(count) == 0:
        raise ValueError("mask selects no position: the mean of no losses is undefined")
    return torch.where(mask, losses, torch.zeros_like(losses)).sum() / count


def bucket_batches(
    lengths, batch_size: int, generator: torch.Generator | None = None, shuffle: bool = True
) -> list[list[int]]:
    """Batches of indices in which sequences have similar lengths.

    Sorts the indices by length (ties broken at random when ``shuffle``), cuts
    the sorted list into batches of ``batch_size`` (the last may be smaller)
    and, when ``shuffle``, shuffles the order of the batches, so that an epoch
    does not always go from short to long. Every index appears exactly once.
    """
    lengths = _lengths_tensor(lengths)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    n = lengths.shape[0]
    if shuffle:
        order = torch.randperm(n, generator=generator)
        order = order[torch.sort(lengths[order], stable=True).indices]
    else:
        order = torch.sort(lengths, stable=True).indices
    batches = [order[i:i + batch_size].tolist() for i in range(0, n, batch_size)]
    if shuffle:
        batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
    return batches


def random_batches(n: int, batch_size: int, generator: torch.Generator | None = None) -> list[list[int]]:
    """Batches of ``batch_size`` indices of a random permutation of ``range(n)``: the usual shuffled loader."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    order = torch.randperm(n, generator=generator).tolist()
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def padding_cost(lengths, batches: Sequence[Sequence[int]]) -> tuple[int, int]:
    """``(real, padded)``: real tokens, and the tokens a padded batch holds (each batch is ``len * its longest``)."""
    lengths = np.asarray(_lengths_tensor(lengths))
    seen = sorted(i for batch in batches for i in batch)
    if seen != list(range(len(lengths))):
        raise ValueError("batches must hold every index of lengths exactly once")
    padded = sum(len(batch) * int(lengths[list(batch)].max()) for batch in batches if len(batch))
    return int(lengths.sum()), padded


def pad_collate(batch: Sequence[tuple[torch.Tensor, torch.Tensor]], padding_value: float = 0.0):
    """A ``collate_fn`` for ``DataLoader``: items ``(x (L_i, *F), y)`` become ``(x (B, T, *F), lengths (B,), y (B, ...))``.

    ``y`` must have the same shape in every item (a class label, say); a
    per-step target of length L_i is padded too when ``y`` is a sequence as
    long as its ``x`` (padded with -100, the ``ignore_index`` of ``cross_entropy``).
    """
    if len(batch) == 0:
        raise ValueError("batch must hold at least one item")
    xs, ys = zip(*batch)
    x, lengths = pad_batch(xs, padding_value=padding_value)
    ys = [torch.as_tensor(y) for y in ys]
    if all(y.ndim >= 1 and y.shape[0] == len(x_i) for y, x_i in zip(ys, xs)) and any(
        y.shape != ys[0].shape for y in ys
    ):
        y = torch.nn.utils.rnn.pad_sequence(ys, batch_first=True, padding_value=-100)
    else:
        shapes = {tuple(y.shape) for y in ys}
        if len(shapes) > 1:
            raise ValueError(f"targets must all have one shape, or be one per step; got shapes {sorted(shapes)}")
        y = torch.stack(ys)
    return x, lengths, y
