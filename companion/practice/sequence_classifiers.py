"""Many-to-one classifiers in PyTorch: a bidirectional LSTM over words, additive attention pooling, a frame reader.

    from companion.practice.sequence_classifiers import BiLSTMClassifier, AttentionPool, FrameGRU

Batches are batch-first and padded at the end, with ``lengths (B,)`` as made by
``companion.practice.padding.pad_batch``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.practice.padding import lengths_to_mask


class AttentionPool(nn.Module):
    """Additive attention pooling (after Bahdanau et al., 2015): one summary vector per sequence.

    score_t = v . tanh(W h_t + b); weights = softmax of the scores over the real
    steps only (padding gets weight 0); summary = sum_t weights_t h_t.
    ``forward(states (B, T, H), lengths (B,))`` returns ``(summary (B, H), weights (B, T))``.
    """

    def __init__(self, hidden: int, attention: int = 32):
        super().__init__()
        self.W = nn.Linear(hidden, attention)
        self.v = nn.Linear(attention, 1, bias=False)

    def forward(self, states: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if states.ndim != 3:
            raise ValueError(f"states must be (B, T, H); got shape {tuple(states.shape)}")
        scores = self.v(torch.tanh(self.W(states))).squeeze(-1)  # (B, T)
        mask = lengths_to_mask(lengths, states.shape[1]).to(states.device)
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
        return torch.einsum("bt,bth->bh", weights, states), weights


class BiLSTMClassifier(nn.Module):
    """Embedding, a bidirectional LSTM over the packed batch, a pooled summary, a linear layer.

    pool="ends": the forward direction's last state and the backward direction's
    state at step 0 (each has read the whole sentence); pool="attention": an
    ``AttentionPool`` over all steps. ``forward(ids (B, T), lengths (B,))`` returns
    logits ``(B, classes)``; after a call with attention, ``self.last_weights``
    holds the weights ``(B, T)``.
    """

    def __init__(self, vocab_size: int, embed: int = 24, hidden: int = 32, classes: int = 2, pool: str = "ends"):
        super().__init__()
        if pool not in ("ends", "attention"):
            raise ValueError(f"pool must be 'ends' or 'attention'; got {pool!r}")
        self.pool = pool
        self.embed = nn.Embedding(vocab_size, embed, padding_idx=0)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True, bidirectional=True)
        self.attend = AttentionPool(2 * hidden) if pool == "attention" else None
        self.fc = nn.Linear(2 * hidden, classes)
        self.last_weights: torch.Tensor | None = None

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if ids.ndim != 2:
            raise ValueError(f"ids must be (B, T); got shape {tuple(ids.shape)}")
        packed = pack_padded_sequence(self.embed(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, (h_n, _) = self.lstm(packed)
        if self.attend is None:
            summary = torch.cat([h_n[0], h_n[1]], dim=1)  # forward's last real step, backward's step 0
        else:
            states, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
            summary, self.last_weights = self.attend(states, lengths)
        return self.fc(summary)


class FrameGRU(nn.Module):
    """Read a clip frame by frame: each frame (size x size) flattened, a linear layer, a GRU, the last state.

    ``forward(frames (B, T, size, size))`` returns logits ``(B, classes)``. With
    ``steps=1`` it sees only the first frame: the single-frame baseline.
    """

    def __init__(self, size: int, hidden: int = 64, classes: int = 4, steps: int | None = None):
        super().__init__()
        self.steps = steps
        self.frame = nn.Sequential(nn.Flatten(2), nn.Linear(size * size, hidden), nn.ReLU())
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.ndim != 4:
            raise ValueError(f"frames must be (B, T, size, size); got shape {tuple(frames.shape)}")
        if self.steps is not None:
            frames = frames[:, : self.steps]
        _, h_n = self.gru(self.frame(frames))
        return self.fc(h_n[-1])
