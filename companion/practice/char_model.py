"""Chapter 9's character model in PyTorch, and truncated BPTT for ``training.fit``.

The same model as ``companion.scratch.char_model.CharLSTM``, with the same
parameter names and layout, so the two can start from the same weights:

    x = embedding(inputs)                  (T, B, E)
    h, (h_T, c_T) = LSTM(x, (h_0, c_0))    (T, B, H)
    logits = linear(h)                     (T, B, V)
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from companion.data.text_data import bptt_chunks

State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (1, B, H)

# CharLSTM.params name -> the parameter of TorchCharLSTM that holds it
NUMPY_TO_TORCH = {
    "W_emb": "embedding.weight",
    "W_ih": "lstm.weight_ih_l0",
    "W_hh": "lstm.weight_hh_l0",
    "b_ih": "lstm.bias_ih_l0",
    "b_hh": "lstm.bias_hh_l0",
    "W_hy": "head.weight",
    "b_y": "head.bias",
}


class TorchCharLSTM(nn.Module):
    """Embedding, one ``nn.LSTM`` layer and a linear head; time-major ids ``(T, B)``."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    @classmethod
    def from_numpy(cls, params: dict[str, np.ndarray]) -> TorchCharLSTM:
        """The model holding the parameters of a NumPy ``CharLSTM`` (its ``params`` dict), copied."""
        V, E = params["W_emb"].shape
        model = cls(V, E, params["W_hh"].shape[1])
        state = {NUMPY_TO_TORCH[name]: torch.tensor(value, dtype=torch.float32) for name, value in params.items()}
        model.load_state_dict(state)
        return model

    def forward(self, inputs: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Logits ``(T, B, V)`` for ids ``inputs: (T, B)``, and the state after the last step."""
        if inputs.ndim != 2 or inputs.dtype != torch.long:
            raise ValueError(f"inputs must be int64 ids of shape (T, B); got {inputs.dtype} {tuple(inputs.shape)}")
        outputs, state = self.lstm(self.embedding(inputs), state)
        return self.head(outputs), state


class TruncatedBPTT:
    """The chunks of ``streams: (L, B)`` for ``training.fit``, and the loss that carries the state.

    Iterating starts the streams over (a new epoch) and resets the state;
    ``loss`` runs one chunk from the state the previous chunk left, and keeps
    the new state detached, so gradients stop at the chunk's first step.
    """

    def __init__(self, streams: np.ndarray, seq_len: int) -> None:
        self.streams, self.seq_len = streams, seq_len
        self.state: State | None = None

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        self.state = None
        for inputs, targets in bptt_chunks(self.streams, self.seq_len):
            yield torch.from_numpy(inputs).long(), torch.from_numpy(targets).long()

    def __len__(self) -> int:
        return math.ceil((len(self.streams) - 1) / self.seq_len)

    def loss(self, model: TorchCharLSTM, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Mean cross-entropy of the chunk's targets, in nats per character."""
        inputs, targets = batch
        logits, state = model(inputs, self.state)
        self.state = (state[0].detach(), state[1].detach())
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@torch.no_grad()
def bits_per_character(model: TorchCharLSTM, streams: np.ndarray, seq_len: int = 128) -> float:
    """Bits per character on every pair ``streams[t] -> streams[t + 1]``, the state carried across chunks.

    The same measure as ``companion.scratch.char_model.evaluate``: a mean over
    characters (chunks weighted by their length), divided by ln 2.
    """
    model.eval()
    device = next(model.parameters()).device
    state, total, count = None, 0.0, 0
    for start in range(0, len(streams) - 1, seq_len):
        stop = min(start + seq_len, len(streams) - 1)
        inputs = torch.from_numpy(streams[start:stop]).long().to(device)
        targets = torch.from_numpy(streams[start + 1 : stop + 1]).long().to(device)
        logits, state = model(inputs, state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        total += loss.item() * (stop - start)
        count += stop - start
    model.train()
    return total / count / math.log(2)
