"""Training recipes for recurrent layers: initialisation, forget-gate bias, layer normalisation, schedules.

    from companion.practice.recipes import init_recurrent_, set_forget_bias_, LayerNormLSTM

``init_recurrent_`` and ``set_forget_bias_`` change a fused ``nn.RNN``,
``nn.GRU`` or ``nn.LSTM`` in place, gate block by gate block (PyTorch stacks
the gates' matrices: ``weight_hh_l0`` is (G*H, H) with G = 1, 3 or 4).
``LayerNormLSTM`` is an LSTM with layer normalisation inside the cell (Ba et
al., 2016), written as a loop over time, so it is slower than ``nn.LSTM``.
``warmup_cosine`` is a learning-rate schedule for ``fit``; ``mean_sd`` sums up
repeated runs. The bucketing sampler is ``companion.practice.padding.bucket_batches``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _gate_count(rnn: nn.Module) -> int:
    if not isinstance(rnn, nn.RNNBase) or rnn.mode.split("_")[0] not in _GATES:
        raise TypeError(f"rnn must be an nn.RNN, nn.GRU or nn.LSTM; got {type(rnn).__name__}")
    return _GATES[rnn.mode.split("_")[0]]


@torch.no_grad()
def init_recurrent_(rnn: nn.RNNBase, scheme: str, gain: float = 1.0,
                    generator: torch.Generator | None = None) -> nn.RNNBase:
    """Re-initialise every recurrent matrix ``weight_hh_l*`` of ``rnn``, each gate's (H, H) block on its own.

    scheme "orthogonal": ``gain`` times an orthogonal matrix (QR of a Gaussian
    matrix with the signs fixed, so it is uniformly distributed); "gaussian":
    entries from N(0, gain^2 / H), the same scale per entry. The input weights
    and biases keep PyTorch's default. Returns ``rnn``.
    """
    if scheme not in ("orthogonal", "gaussian"):
        raise ValueError(f"scheme must be 'orthogonal' or 'gaussian'; got {scheme!r}")
    G, H = _gate_count(rnn), rnn.hidden_size
    for name, weight in rnn.named_parameters():
        if not name.startswith("weight_hh"):
            continue
        for g in range(G):
            a = torch.randn(H, H, generator=generator, dtype=torch.float64)
            if scheme == "orthogonal":
                q, r = torch.linalg.qr(a)
                block = q * torch.sign(torch.diagonal(r))   # sign fix: otherwise Q is not uniformly distributed
            else:
                block = a / math.sqrt(H)
            weight[g * H:(g + 1) * H] = (gain * block).to(weight.dtype)
    return rnn


@torch.no_grad()
def set_forget_bias_(lstm: nn.LSTM, value: float) -> nn.LSTM:
    """Set the forget gate's bias of every layer (and direction) of ``lstm`` to ``value``; return ``lstm``.

    PyTorch adds two biases, ``b_ih`` and ``b_hh``; the forget block (rows H..2H,
    gates ordered i, f, g, o) of ``b_ih`` gets ``value`` and that of ``b_hh`` zero.
    """
    if _gate_count(lstm) != 4:
        raise TypeError(f"set_forget_bias_ needs an nn.LSTM; got {type(lstm).__name__}")
    if not lstm.bias:
        raise ValueError("the LSTM was built with bias=False: there is no forget-gate bias to set")
    H = lstm.hidden_size
    for name, bias in lstm.named_parameters():
        if name.startswith("bias_ih"):
            bias[H:2 * H] = value
        elif name.startswith("bias_hh"):
            bias[H:2 * H] = 0.0
    return lstm


class LayerNormLSTM(nn.Module):
    """One LSTM layer with layer normalisation (Ba et al., 2016), batch-first: x (B, T, D) -> outputs (B, T, H).

    Each step normalises the input and recurrent pre-activations separately,
    each over its 4H features, before adding them and the bias, and normalises
    the cell state before the output gate reads it:

        a_t = LN(W_ih x_t) + LN(W_hh h_{t-1}) + b,   gates i, f, g, o from a_t
        c_t = f * c_{t-1} + i * g,                   h_t = o * tanh(LN(c_t))

    So the gates see pre-activations of mean 0 and variance 1 (times a learnt
    gain) whatever the scale of x or of the weights. ``forward`` returns
    ``(outputs, (h_T, c_T))`` like ``nn.LSTM`` (without the layer axis).
    """

    def __init__(self, input_size: int, hidden_size: int, forget_bias: float = 1.0):
        super().__init__()
        H = hidden_size
        self.input_size, self.hidden_size = input_size, hidden_size
        self.W_ih = nn.Linear(input_size, 4 * H, bias=False)
        self.W_hh = nn.Linear(H, 4 * H, bias=False)
        self.b = nn.Parameter(torch.zeros(4 * H))
        with torch.no_grad():
            self.b[H:2 * H] = forget_bias
        self.ln_ih, self.ln_hh, self.ln_c = nn.LayerNorm(4 * H), nn.LayerNorm(4 * H), nn.LayerNorm(H)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must be (B, T, D) = (*, *, {self.input_size}); got {tuple(x.shape)}")
        B, T, _ = x.shape
        h = x.new_zeros(B, self.hidden_size)
        c = x.new_zeros(B, self.hidden_size)
        x_part = self.ln_ih(self.W_ih(x))               # the input half does not depend on h: all steps at once
        outputs = []
        for t in range(T):
            a = x_part[:, t] + self.ln_hh(self.W_hh(h)) + self.b
            i, f, g, o = a.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(self.ln_c(c))
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)


def warmup_cosine(optimizer: torch.optim.Optimizer, warmup: int, total: int,
                  floor: float = 0.0) -> torch.optim.lr_scheduler.LambdaLR:
    """A schedule stepped once per update: linear warm-up over ``warmup`` steps, then a cosine decay.

    The factor on the optimiser's learning rate is (s + 1) / warmup for s < warmup,
    then floor + (1 - floor) * (1 + cos(pi * (s - warmup) / (total - warmup))) / 2,
    reaching ``floor`` at s = total.
    """
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total; got warmup={warmup}, total={total}")
    if not 0.0 <= floor <= 1.0:
        raise ValueError(f"floor must be in [0, 1]; got {floor}")

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(step - warmup, total - warmup) / (total - warmup)
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0 for one value) of repeated runs' results."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("mean_sd needs at least one value")
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


def gradient_norms(model: nn.Module) -> dict[str, float]:
    """The L2 norm of each parameter's ``.grad`` (after ``backward``), by name; parameters without one are left out.

    The global norm that clipping uses is the square root of the sum of their squares.
    """
    return {name: float(p.grad.norm()) for name, p in model.named_parameters() if p.grad is not None}
