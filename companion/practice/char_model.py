"""Chapter 9's character model in PyTorch, truncated BPTT for ``training.fit``, and sampling.

``TorchCharLSTM`` is the same model as ``companion.scratch.char_model.CharLSTM``,
with the same parameter names and layout, so the two can start from the same
weights; ``CharRNN`` is the same shape with any of PyTorch's fused recurrent
layers (``nn.RNN``, ``nn.GRU``, ``nn.LSTM``), for comparing them (chapter 16):

    x = embedding(inputs)                  (T, B, E)
    h, (h_T, c_T) = LSTM(x, (h_0, c_0))    (T, B, H)     or h, h_T = RNN / GRU(x, h_0)
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
AnyState = torch.Tensor | State  # h (1, B, H) for nn.RNN and nn.GRU, (h, c) for nn.LSTM
LAYERS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

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
        _check_inputs(inputs)
        outputs, state = self.lstm(self.embedding(inputs), state)
        return self.head(outputs), state


def _check_inputs(inputs: torch.Tensor) -> None:
    if inputs.ndim != 2 or inputs.dtype != torch.long:
        raise ValueError(f"inputs must be int64 ids of shape (T, B); got {inputs.dtype} {tuple(inputs.shape)}")


class CharRNN(nn.Module):
    """Embedding, one fused recurrent layer of kind ``cell`` ("rnn", "gru" or "lstm") and a linear head.

    Time-major ids ``(T, B)`` in, logits ``(T, B, V)`` out, with the layer's own
    state: h ``(1, B, H)`` for "rnn" (tanh) and "gru", (h, c) for "lstm".
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, cell: str = "lstm") -> None:
        super().__init__()
        if cell not in LAYERS:
            raise ValueError(f"cell must be one of {', '.join(LAYERS)}; got {cell!r}")
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = LAYERS[cell](embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, inputs: torch.Tensor, state: AnyState | None = None) -> tuple[torch.Tensor, AnyState]:
        """Logits ``(T, B, V)`` for ids ``inputs: (T, B)``, and the state after the last step."""
        _check_inputs(inputs)
        outputs, state = self.rnn(self.embedding(inputs), state)
        return self.head(outputs), state


def num_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def matching_hidden_size(cell: str, target: int, vocab_size: int, embed_size: int) -> int:
    """The hidden size H that brings ``CharRNN(vocab_size, embed_size, H, cell)`` closest to ``target`` parameters.

    A layer with G gate blocks (1 for "rnn", 3 for "gru", 4 for "lstm") has
    G (H (E + H) + 2 H) parameters; the embedding and the head add V E + (H + 1) V.
    """
    if cell not in LAYERS:
        raise ValueError(f"cell must be one of {', '.join(LAYERS)}; got {cell!r}")
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    V, E = vocab_size, embed_size

    def count(H: int) -> int:
        return V * E + G * (H * (E + H) + 2 * H) + (H + 1) * V

    return min(range(1, 4096), key=lambda H: abs(count(H) - target))


def detach_state(state: AnyState) -> AnyState:
    """The state cut from the graph of the chunk that made it: a tensor, or each tensor of a tuple."""
    return tuple(part.detach() for part in state) if isinstance(state, tuple) else state.detach()


class TruncatedBPTT:
    """The chunks of ``streams: (L, B)`` for ``training.fit``, and the loss that carries the state.

    Iterating starts the streams over (a new epoch) and resets the state;
    ``loss`` runs one chunk from the state the previous chunk left, and keeps
    the new state detached, so gradients stop at the chunk's first step.
    """

    def __init__(self, streams: np.ndarray, seq_len: int) -> None:
        self.streams, self.seq_len = streams, seq_len
        self.state: AnyState | None = None

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        self.state = None
        for inputs, targets in bptt_chunks(self.streams, self.seq_len):
            yield torch.from_numpy(inputs).long(), torch.from_numpy(targets).long()

    def __len__(self) -> int:
        return math.ceil((len(self.streams) - 1) / self.seq_len)

    def loss(self, model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Mean cross-entropy of the chunk's targets, in nats per character."""
        inputs, targets = batch
        logits, state = model(inputs, self.state)
        self.state = detach_state(state)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@torch.no_grad()
def bits_per_character(model: nn.Module, streams: np.ndarray, seq_len: int = 128) -> float:
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


def stream_loss(train: TruncatedBPTT, valid: TruncatedBPTT | None = None):
    """A ``loss_fn`` for ``training.fit``: ``train``'s loss in training mode, ``valid``'s in eval mode.

    Each of the two carries its own state, so the validation streams never
    start from a state the training streams left (``fit`` evaluates in eval mode).
    """

    def loss_fn(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        source = train if model.training or valid is None else valid
        return source.loss(model, batch)

    return loss_fn


@torch.no_grad()
def sample(model: nn.Module, prefix: np.ndarray, n: int, temperature: float, generator: torch.Generator) -> np.ndarray:
    """``n`` ids drawn one at a time after ``prefix: (P, B)``, each fed back in: (n, B) int64.

    Each id is drawn from softmax(logits / temperature) with ``torch.multinomial``
    and ``generator``, so a seeded generator repeats its samples on the same machine
    (another machine's last bits of the logits may change a draw, and all after it).
    """
    prefix = np.asarray(prefix)
    if prefix.ndim != 2 or prefix.dtype.kind not in "iu" or len(prefix) == 0:
        raise ValueError(f"prefix must be integer ids of shape (P, B) with P >= 1; got {prefix.dtype} {prefix.shape}")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive (use argmax for greedy decoding); got {temperature}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    logits, state = model(torch.from_numpy(prefix).long().to(device))
    out = torch.empty((n, prefix.shape[1]), dtype=torch.long)
    for i in range(n):
        probs = torch.softmax(logits[-1].double().cpu() / temperature, dim=-1)
        out[i] = torch.multinomial(probs, 1, generator=generator)[:, 0]
        logits, state = model(out[i : i + 1].to(device), state)
    model.train(was_training)
    return out.numpy()
