"""The course seeds' PyTorch ``SimpleRNN`` classifiers, and a careful version of the same model.

The seeds show one model in two variants: an ``nn.RNN`` with
``batch_first=True`` whose output at the last time step, ``out[:, -1]``, goes
through a linear layer; one variant also takes ``num_layers``. Both run as
written (``SeedSimpleRNN`` and ``SeedStackedRNN`` below do the same thing), and
both are right for what the seeds feed them: a full batch with every sequence
of the same length, one direction, a zero initial state.

``SequenceClassifier`` is what changes when those conditions do not hold:

- padded batches: ``out[:, -1]`` is the state after the padding; the careful
  model packs the batch with its ``lengths`` and reads ``h_n``, which holds each
  sequence's state at its own last step;
- bidirectional layers: ``out[:, -1]`` holds a backward state that has read one
  step; the careful model concatenates the top layer's two final states;
- initial states: an optional ``h0`` (and ``c0``), checked for shape;
- initialisation: orthogonal recurrent weights and zero biases (forget-gate
  bias 1 for the LSTM) instead of PyTorch's uniform default;
- input validation with messages that name the expected shape.
"""

from __future__ import annotations

import torch
from torch import nn

_LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class SeedSimpleRNN(nn.Module):
    """The seeds' first model: ``nn.RNN(batch_first=True)``, then a linear layer on the last step's output."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.rnn = nn.RNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (batch, seq_len, input_size)`` -> ``(batch, output_size)``."""
        output, _ = self.rnn(x)
        return self.fc(output[:, -1, :])


class SeedStackedRNN(nn.Module):
    """The seeds' second model: the same with ``num_layers`` stacked ``nn.RNN`` layers."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int, num_layers: int = 1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (batch, seq_len, input_size)`` -> ``(batch, output_size)``; uses the top layer's last output."""
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


def careful_init_(module: nn.RNNBase) -> None:
    """In place: orthogonal ``weight_hh`` blocks, Xavier-uniform ``weight_ih`` blocks, zero biases.

    For an LSTM, ``bias_ih``'s forget-gate block (the second quarter) is 1, so
    that the cell starts by keeping its memory (Jozefowicz et al., 2015).
    Each gate's block is initialised on its own, so every block is orthogonal.
    """
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[module.mode]
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.startswith("weight_hh"):
                for block in param.chunk(gates, dim=0):
                    nn.init.orthogonal_(block)
            elif name.startswith("weight_ih"):
                for block in param.chunk(gates, dim=0):
                    nn.init.xavier_uniform_(block)
            elif name.startswith("bias"):
                param.zero_()
                if module.mode == "LSTM" and name.startswith("bias_ih"):
                    param.chunk(4)[1].fill_(1.0)
            elif name.startswith("weight_hr"):
                nn.init.xavier_uniform_(param)


class SequenceClassifier(nn.Module):
    """Many-to-one classifier on a (possibly padded) batch: recurrent layers, final states, a linear layer.

    ``cell``: "rnn", "lstm" or "gru"; ``num_layers``, ``bidirectional``,
    ``dropout`` (between layers) as in ``torch.nn``. The summary of a sequence
    is the top layer's final state, or both directions' final states
    concatenated, taken from ``h_n`` of a packed run, so that padding never
    reaches it.
    """

    def __init__(
        self, input_size: int, hidden_size: int, output_size: int, cell: str = "rnn", num_layers: int = 1,
        bidirectional: bool = False, dropout: float = 0.0, careful_init: bool = True,
    ):
        super().__init__()
        if cell not in _LAYERS:
            raise ValueError(f'cell must be "rnn", "lstm" or "gru"; got {cell!r}')
        self.cell, self.num_layers, self.hidden_size = cell, num_layers, hidden_size
        self.dirs = 2 if bidirectional else 1
        self.rnn = _LAYERS[cell](
            input_size, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        if careful_init:
            careful_init_(self.rnn)
        self.fc = nn.Linear(self.dirs * hidden_size, output_size)

    def forward(self, x: torch.Tensor, lengths=None, h0: torch.Tensor | None = None, c0: torch.Tensor | None = None):
        """``x: (B, T, D)``; ``lengths (B,)`` or None (every sequence has T steps); ``h0, c0: (L*dirs, B, H)``.

        Returns logits ``(B, output_size)``.
        """
        D = self.rnn.input_size
        if x.ndim != 3 or x.shape[2] != D:
            raise ValueError(f"x must be (B, T, D) = (*, *, {D}); got {tuple(x.shape)}")
        B, T = x.shape[0], x.shape[1]
        state_shape = (self.num_layers * self.dirs, B, self.hidden_size)
        for name, state in (("h0", h0), ("c0", c0)):
            if state is not None and tuple(state.shape) != state_shape:
                raise ValueError(f"{name} must be (L*dirs, B, H) = {state_shape}; got {tuple(state.shape)}")
        if c0 is not None and self.cell != "lstm":
            raise ValueError("c0 is for the LSTM only")
        if self.cell == "lstm":
            zeros = x.new_zeros(state_shape)
            state = None if h0 is None and c0 is None else (zeros if h0 is None else h0, zeros if c0 is None else c0)
        else:
            state = h0
        if lengths is not None:
            lengths = torch.as_tensor(lengths).cpu()
            if lengths.shape != (B,) or int(lengths.min()) < 1 or int(lengths.max()) > T:
                raise ValueError(f"lengths must be (B,) = ({B},) with values in 1..{T}; got {lengths.tolist()}")
            x = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.rnn(x, state)
        if self.cell == "lstm":
            h_n = h_n[0]
        top = h_n.view(self.num_layers, self.dirs, B, self.hidden_size)[-1]  # (dirs, B, H)
        summary = torch.cat(list(top), dim=1)  # forward, then backward: (B, dirs * H)
        return self.fc(summary)
