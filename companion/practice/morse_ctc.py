"""A bidirectional LSTM for frame sequences: CTC transcription and many-to-one classification.

    model = CTCRecognizer(n_features=8, n_labels=37, hidden=64)
    log_probs = model(x, lengths)            # (B, T, V) log-softmax, V = n_labels, blank = 0
    loss = ctc_batch_loss(model, batch)      # nn.CTCLoss on a batch from make_ctc_batches

``SenderClassifier`` reads the same frames and mean-pools the BiLSTM's outputs
over the real steps into one vector per sequence, then a linear layer gives the
class scores. Batches are lists of tuples, built once, so that
``companion.practice.training.fit`` can iterate over them every epoch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.scratch.decoding import ctc_prefix_beam_search
from companion.practice.padding import bucket_batches, lengths_to_mask, pad_batch


class _BiLSTM(nn.Module):
    """A packed bidirectional LSTM over padded (B, T, D) inputs; returns (B, T, 2H) with zeros on the padding."""

    def __init__(self, n_features: int, hidden: int, layers: int):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, bidirectional=True, batch_first=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[2] != self.lstm.input_size:
            raise ValueError(f"x must be (B, T, D) = (*, *, {self.lstm.input_size}); got {tuple(x.shape)}")
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out


class CTCRecognizer(nn.Module):
    """BiLSTM, then a linear layer to ``n_labels`` scores per frame (label 0 is the CTC blank)."""

    def __init__(self, n_features: int, n_labels: int, hidden: int = 64, layers: int = 2):
        super().__init__()
        self.encoder = _BiLSTM(n_features, hidden, layers)
        self.out = nn.Linear(2 * hidden, n_labels)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x: (B, T, D), lengths: (B,). Returns log-probabilities (B, T, V)."""
        return torch.log_softmax(self.out(self.encoder(x, lengths)), dim=-1)


class SenderClassifier(nn.Module):
    """BiLSTM, mean over each sequence's real steps, then a linear layer to ``n_classes`` scores."""

    def __init__(self, n_features: int, n_classes: int, hidden: int = 32, layers: int = 1):
        super().__init__()
        self.encoder = _BiLSTM(n_features, hidden, layers)
        self.out = nn.Linear(2 * hidden, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x: (B, T, D), lengths: (B,). Returns class scores (B, n_classes)."""
        out = self.encoder(x, lengths)
        mask = lengths_to_mask(lengths, x.shape[1]).to(out.dtype).unsqueeze(-1)
        pooled = (out * mask).sum(dim=1) / lengths.to(out.dtype).unsqueeze(-1)
        return self.out(pooled)


def make_ctc_batches(features: Sequence[np.ndarray], targets: Sequence[np.ndarray], senders: np.ndarray,
                     batch_size: int, seed: int | None = None) -> list[tuple[torch.Tensor, ...]]:
    """Batches ``(x (B, T, D), lengths (B,), targets (sum U,), target_lengths (B,), senders (B,))``.

    Sequences of similar length share a batch (``bucket_batches``), so little
    is padded; ``seed=None`` keeps the sorted order (for evaluation).
    """
    if not len(features) == len(targets) == len(senders):
        raise ValueError(f"features, targets and senders must have one entry per sequence; "
                         f"got {len(features)}, {len(targets)}, {len(senders)}")
    lengths = [len(f) for f in features]
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    batches = []
    for index in bucket_batches(lengths, batch_size, generator=generator, shuffle=seed is not None):
        x, x_lengths = pad_batch([torch.from_numpy(np.asarray(features[i], dtype=np.float32)) for i in index])
        y = torch.from_numpy(np.concatenate([targets[i] for i in index]).astype(np.int64))
        y_lengths = torch.tensor([len(targets[i]) for i in index], dtype=torch.int64)
        s = torch.as_tensor(np.asarray(senders)[index], dtype=torch.int64)
        batches.append((x, x_lengths, y, y_lengths, s))
    return batches


class ShuffledBatches:
    """Training batches for ``fit``: each pass over it builds new batches with ``make_ctc_batches(seed=seed + pass)``.

    Sequences of similar length still share a batch, but which ones do, and
    the order of the batches, change from epoch to epoch; the passes are
    numbered from 0, so a run is reproducible.
    """

    def __init__(self, features: Sequence[np.ndarray], targets: Sequence[np.ndarray], senders: np.ndarray,
                 batch_size: int, seed: int = 0):
        self.features, self.targets, self.senders = features, targets, senders
        self.batch_size, self.seed, self.passes = batch_size, seed, 0

    def __iter__(self):
        batches = make_ctc_batches(self.features, self.targets, self.senders, self.batch_size,
                                   seed=self.seed + self.passes)
        self.passes += 1
        return iter(batches)


_ctc = nn.CTCLoss(blank=0, reduction="mean")


def ctc_batch_loss(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """nn.CTCLoss of a batch from ``make_ctc_batches``: the mean over sequences of NLL / target length."""
    x, lengths, y, y_lengths, _ = batch
    log_probs = model(x, lengths).transpose(0, 1)  # CTCLoss wants (T, B, V)
    return _ctc(log_probs, y, lengths, y_lengths)


def sender_batch_loss(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Cross-entropy of the sender classifier on a batch from ``make_ctc_batches``."""
    x, lengths, _, _, senders = batch
    return nn.functional.cross_entropy(model(x, lengths), senders)


@torch.no_grad()
def predict_log_probs(model: CTCRecognizer, batches: Sequence[tuple[torch.Tensor, ...]]) -> list[np.ndarray]:
    """Each sequence's (T_i, V) float64 log-probabilities, in the order of the batches, padding cut off."""
    model.eval()
    result = []
    for x, lengths, *_ in batches:
        log_probs = model(x, lengths).double().numpy()
        result.extend(log_probs[b, :n] for b, n in enumerate(lengths.tolist()))
    return result


@torch.no_grad()
def pooled_states(model: CTCRecognizer | SenderClassifier, batches: Sequence[tuple[torch.Tensor, ...]]) -> np.ndarray:
    """The encoder's outputs averaged over each sequence's real steps: (N, 2H), in batch order."""
    model.eval()
    pooled = []
    for x, lengths, *_ in batches:
        out = model.encoder(x, lengths)
        mask = lengths_to_mask(lengths, x.shape[1]).to(out.dtype).unsqueeze(-1)
        pooled.append(((out * mask).sum(dim=1) / lengths.to(out.dtype).unsqueeze(-1)).double().numpy())
    return np.concatenate(pooled)


def pruned_prefix_beam(log_probs: np.ndarray, beam_width: int, floor: float = -7.0) -> tuple[int, ...]:
    """CTC prefix beam search (``companion.scratch.decoding``) over the symbols that ever reach ``floor``.

    A symbol whose log-probability stays below ``floor`` at every frame can
    hardly enter a good prefix; dropping its column first makes the search
    fast. Blank is symbol 0. Returns the best labelling, in the original ids.
    """
    keep = np.flatnonzero((log_probs.max(axis=0) >= floor) | (np.arange(log_probs.shape[1]) == 0))
    best, _ = ctc_prefix_beam_search(log_probs[:, keep], beam_width, blank=0)[0]
    return tuple(int(keep[i]) for i in best)


@torch.no_grad()
def predict_classes(model: SenderClassifier, batches: Sequence[tuple[torch.Tensor, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """(predicted, true) class indices over all batches, in batch order."""
    model.eval()
    predicted, true = [], []
    for x, lengths, _, _, senders in batches:
        predicted.append(model(x, lengths).argmax(dim=1).numpy())
        true.append(senders.numpy())
    return np.concatenate(predicted), np.concatenate(true)


def edit_distance(reference: Sequence, hypothesis: Sequence) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions turning one into the other."""
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, start=1):
        current = [i]
        for j, h in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def character_error_rate(references: Sequence[Sequence], hypotheses: Sequence[Sequence]) -> float:
    """Total edit distance over total reference length (corpus CER; can exceed 1 with many insertions)."""
    if len(references) != len(hypotheses):
        raise ValueError(f"references and hypotheses must pair up; got {len(references)} and {len(hypotheses)}")
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("the references hold no characters")
    return sum(edit_distance(r, h) for r, h in zip(references, hypotheses)) / total
