"""A character-level GRU encoder-decoder, with or without additive attention, and its decoders.

    model = Seq2Seq(source_vocab, target_vocab, hidden=64, attention=True)
    logits, weights = model(src, lengths, tgt_in)        # teacher forcing: (B, U, V), (B, U, S)
    ids = greedy_decode(model, src, lengths, max_len=11) # (B, <= max_len)
    ids, score = beam_decode(model, src[:1], lengths[:1], beam=4, max_len=11)

Encoder: an embedding and a bidirectional GRU over the packed source, so that
both directions start and stop at each sequence's own length (chapter 12).
Decoder: a GRUCell whose input at step t is the embedding of the previous
target character and a context vector c_t, and an output layer reading the
state and the context. Without attention, c_t is the encoder's final summary,
the same at every step (Cho et al., 2014); with attention it is a weighted
mean of the encoder outputs, with additive scores (Bahdanau et al., 2015)

    e_{t,s} = v^T tanh(W_q s_{t-1} + W_k h_s),   alpha_t = softmax_s(e_t, mask),   c_t = sum_s alpha_{t,s} h_s.

Ids: 0 is padding, 1 the start mark, 2 the end mark (companion.data.dates.encode).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD_ID, START_ID, END_ID = 0, 1, 2


def pad_ids(sequences: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Int64 id arrays padded at the end with 0: (B, T) and their lengths (B,)."""
    if not sequences or min(len(s) for s in sequences) == 0:
        raise ValueError("pad_ids needs at least one sequence, each with at least one id")
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.int64)
    out = torch.zeros(len(sequences), int(lengths.max()), dtype=torch.int64)
    for b, s in enumerate(sequences):
        out[b, :len(s)] = torch.as_tensor(s, dtype=torch.int64)
    return out, lengths


class AdditiveAttention(nn.Module):
    """Bahdanau scores v^T tanh(W_q q + W_k k_s), a softmax over the real source steps, and the context."""

    def __init__(self, query_size: int, key_size: int, size: int):
        super().__init__()
        self.W_q = nn.Linear(query_size, size, bias=False)
        self.W_k = nn.Linear(key_size, size, bias=True)
        self.v = nn.Linear(size, 1, bias=False)

    def forward(self, query: torch.Tensor, keys_projected: torch.Tensor, keys: torch.Tensor,
                mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """query (B, Q); keys_projected = W_k(keys) (B, S, A), computed once per sequence; keys (B, S, K);
        mask (B, S) True at real steps. Returns the context (B, K) and the weights (B, S)."""
        scores = self.v(torch.tanh(self.W_q(query)[:, None, :] + keys_projected)).squeeze(-1)  # (B, S)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights[:, None, :], keys).squeeze(1)
        return context, weights


class Seq2Seq(nn.Module):
    """GRU encoder-decoder; ``attention=False`` gives the fixed-context model of the same size."""

    def __init__(self, source_vocab: int, target_vocab: int, embed: int = 32, hidden: int = 64,
                 attention: bool = True):
        super().__init__()
        self.attention = attention
        self.source_embed = nn.Embedding(source_vocab, embed, padding_idx=PAD_ID)
        self.encoder = nn.GRU(embed, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)            # encoder summary -> first decoder state
        self.target_embed = nn.Embedding(target_vocab, embed, padding_idx=PAD_ID)
        self.cell = nn.GRUCell(embed + 2 * hidden, hidden)
        self.attend = AdditiveAttention(hidden, 2 * hidden, hidden) if attention else None
        self.out = nn.Linear(hidden + 2 * hidden, target_vocab)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor) -> dict[str, torch.Tensor]:
        """src (B, S) ids, lengths (B,). Returns the encoder outputs (B, S, 2H), the mask (B, S),
        the summary (B, 2H) (both directions' final states) and the first decoder state (B, H)."""
        if src.dim() != 2 or lengths.shape != (src.shape[0],):
            raise ValueError(f"src must be (B, S) and lengths (B,); got {tuple(src.shape)} and {tuple(lengths.shape)}")
        packed = pack_padded_sequence(self.source_embed(src), lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, h_n = self.encoder(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=src.shape[1])
        summary = torch.cat([h_n[0], h_n[1]], dim=-1)
        mask = torch.arange(src.shape[1], device=src.device)[None, :] < lengths.to(src.device)[:, None]
        memory = {"outputs": outputs, "mask": mask, "summary": summary, "state": torch.tanh(self.bridge(summary))}
        if self.attend is not None:
            memory["keys_projected"] = self.attend.W_k(outputs)
        return memory

    def step(self, previous: torch.Tensor, state: torch.Tensor,
             memory: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One decoder step: previous ids (B,), state (B, H). Returns logits (B, V), the new state, the weights."""
        if self.attend is not None:
            context, weights = self.attend(state, memory["keys_projected"], memory["outputs"], memory["mask"])
        else:
            context, weights = memory["summary"], None
        state = self.cell(torch.cat([self.target_embed(previous), context], dim=-1), state)
        return self.out(torch.cat([state, context], dim=-1)), state, weights

    def forward(self, src: torch.Tensor, lengths: torch.Tensor,
                tgt_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher forcing: the decoder reads the true previous character tgt_in (B, U).
        Returns logits (B, U, V) and the attention weights (B, U, S), or None without attention."""
        memory = self.encode(src, lengths)
        state = memory["state"]
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, state, step_weights = self.step(tgt_in[:, t], state, memory)
            logits.append(step_logits)
            weights.append(step_weights)
        return torch.stack(logits, 1), (torch.stack(weights, 1) if self.attend is not None else None)


def teacher_forcing_loss(model: Seq2Seq, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """The ``loss_fn`` for ``training.fit``: batch = (src, lengths, tgt), tgt framed by start and end ids.

    The decoder reads tgt[:, :-1] and predicts tgt[:, 1:]; padded targets are ignored.
    """
    src, lengths, tgt = batch
    logits, _ = model(src, lengths, tgt[:, :-1])
    return F.cross_entropy(logits.transpose(1, 2), tgt[:, 1:], ignore_index=PAD_ID)


@torch.no_grad()
def greedy_decode(model: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor,
                  max_len: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The most likely character at every step, fed back as the next input: ids (B, max_len) and the
    attention weights (B, max_len, S) (None without attention). Steps after an end mark are 0."""
    model.eval()
    memory = model.encode(src, lengths)
    state = memory["state"]
    previous = torch.full((src.shape[0],), START_ID, dtype=torch.int64)
    done = torch.zeros(src.shape[0], dtype=torch.bool)
    ids, weights = [], []
    for _ in range(max_len):
        logits, state, step_weights = model.step(previous, state, memory)
        previous = logits.argmax(-1)
        ids.append(previous.masked_fill(done, PAD_ID))
        weights.append(step_weights)
        done |= previous == END_ID
        if bool(done.all()):
            break
    attention = torch.stack(weights, 1) if model.attend is not None else None
    return torch.stack(ids, 1), attention


@torch.no_grad()
def beam_decode(model: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor, beam: int, max_len: int,
                alpha: float = 0.0) -> tuple[list[int], float]:
    """Beam search for ONE source sequence (src (1, S)): the best finished hypothesis and its score.

    Each step extends every live hypothesis by every character, keeps the ``beam``
    best by total log-probability (top-k over beams x vocabulary), and moves those
    that end with the end mark to the finished list. A hypothesis's final score is
    its log-probability divided by length**alpha (alpha = 0: no length
    normalisation; alpha > 0 stops the search from preferring short outputs).
    Hypotheses still alive after ``max_len`` steps are finished as they are.
    Returns the ids (without the start mark, with the end mark if there is one).
    """
    if src.shape[0] != 1:
        raise ValueError(f"beam_decode decodes one sequence: src must be (1, S); got {tuple(src.shape)}")
    if beam < 1:
        raise ValueError(f"beam must be at least 1; got {beam}")
    model.eval()
    memory = model.encode(src, lengths)
    hypotheses: list[list[int]] = [[]]
    scores = torch.zeros(1)
    state = memory["state"]
    previous = torch.tensor([START_ID])
    finished: list[tuple[float, list[int]]] = []
    for _ in range(max_len):
        live = len(hypotheses)
        expanded = {key: value.expand(live, *value.shape[1:]) for key, value in memory.items()}
        logits, state, _ = model.step(previous, state, expanded)
        total = scores[:, None] + torch.log_softmax(logits, dim=-1)             # (live, V)
        k = min(beam, total.numel())
        best, flat = total.flatten().topk(k)
        rows, chars = flat // total.shape[1], flat % total.shape[1]
        keep = []
        for score, row, char in zip(best.tolist(), rows.tolist(), chars.tolist()):
            sequence = hypotheses[row] + [char]
            if char == END_ID:
                finished.append((score / len(sequence) ** alpha, sequence))
            else:
                keep.append((score, row, sequence))
        if not keep or len(finished) >= beam:
            break
        hypotheses = [sequence for _, _, sequence in keep]
        scores = torch.tensor([score for score, _, _ in keep])
        state = state[torch.tensor([row for _, row, _ in keep])]
        previous = torch.tensor([sequence[-1] for sequence in hypotheses])
    else:
        finished += [(float(s) / len(h) ** alpha, h) for s, h in zip(scores.tolist(), hypotheses)]
    best_score, best_ids = max(finished, key=lambda item: item[0])
    return best_ids, best_score


def exact_match(predicted: list[str], expected: list[str]) -> float:
    """The fraction of predictions equal to their target, character for character."""
    if len(predicted) != len(expected) or not expected:
        raise ValueError(f"need equal, non-zero numbers of predictions and targets; got {len(predicted)}, {len(expected)}")
    return sum(p == e for p, e in zip(predicted, expected)) / len(expected)
