"""A character-level language model in NumPy, and the loop that trains it with truncated BPTT.

The model reads a (T, B) block of character ids and predicts, at every
position, the id that comes next:

    x = W_emb[inputs]                         embedding        (T, B, E)
    h, (h_T, c_T) = LSTM(x, (h_0, c_0))       companion.scratch.lstm, one layer or num_layers stacked (T, B, H)
    logits = h W_hy^T + b_y                   linear head       (T, B, V)
    loss = mean softmax cross-entropy of the targets, in nats per character

Each piece has its backward pass next to it. The state (h_T, c_T) is handed
back so that the next chunk of the same streams starts where this one ended;
it is a plain copy, with no gradient path back into this chunk, which is what
"detaching" means in truncated BPTT.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from companion.scratch.deep_rnn import deep_backward, deep_forward
from companion.scratch.losses import softmax_cross_entropy
from companion.scratch.lstm import lstm_backward, lstm_forward, lstm_step_forward
from companion.scratch.weights import init_weights
from companion.scratch.optim import Optimizer, clip_grad_norm, global_norm
from companion.scratch.sampling import sample_with_temperature
from companion.data.text_data import bptt_chunks

State = tuple[np.ndarray, np.ndarray]  # (h, c), each (B, H); each (L, B, H) for L > 1 layers
LAYER_KINDS = ("W_ih", "W_hh", "b_ih", "b_hh")
_TORCH_KINDS = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}


def layer_names(layer: int) -> tuple[str, ...]:
    """The parameter names of LSTM layer ``layer``: ``W_ih, ...`` for layer 0, ``W_ih_l1, ...`` above it."""
    return LAYER_KINDS if layer == 0 else tuple(f"{kind}_l{layer}" for kind in LAYER_KINDS)


def parameter_names(num_layers: int) -> tuple[str, ...]:
    """Every parameter of a CharLSTM with ``num_layers`` layers, in order."""
    return ("W_emb", *(name for layer in range(num_layers) for name in layer_names(layer)), "W_hy", "b_y")


# ----------------------------------------------------------------- embedding


def embedding_forward(ids: np.ndarray, W_emb: np.ndarray) -> np.ndarray:
    """Row ``ids[t, b]`` of ``W_emb: (V, E)`` for every position: (T, B, E).

    The same as ``one_hot(ids) @ W_emb``, without building the one-hot array.
    """
    return W_emb[ids]


def embedding_backward(ids: np.ndarray, d_x: np.ndarray, vocab_size: int) -> np.ndarray:
    """Gradient of ``W_emb`` given ``d_x: (T, B, E)``, the gradient of the embedded inputs.

    Row v collects the sum of ``d_x`` over every position whose id is v: a
    scatter-add. ``np.add.at`` adds once per occurrence; ``dW[ids] += d_x``
    would keep only one of several equal ids. Returns (V, E).
    """
    dW = np.zeros((vocab_size, d_x.shape[-1]), dtype=d_x.dtype)
    np.add.at(dW, ids.ravel(), d_x.reshape(-1, d_x.shape[-1]))
    return dW


# --------------------------------------------------------------------- model


class CharLSTM:
    """Embedding, one LSTM layer or a stack of them, and a linear head, with parameters in one dict.

    ``params`` holds ``W_emb: (V, E)``, the first LSTM layer's ``W_ih: (4H, E)``,
    ``W_hh: (4H, H)``, ``b_ih, b_hh: (4H,)`` (PyTorch's layout and gate order),
    for a stack the same four for every layer above it, named ``W_ih_l1``, ...,
    (``W_ih_l1: (4H, H)``: a layer reads the states of the one below), and the
    head ``W_hy: (V, H)``, ``b_y: (V,)`` on the top layer, all of one float dtype.
    The number of layers is read from the names (:func:`parameter_names`).
    With one layer the state is ``(h, c)``, each ``(B, H)``; with L > 1 layers
    each is ``(L, B, H)``, one row per layer as in ``torch.nn.LSTM``.
    """

    NAMES = parameter_names(1)

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        num_layers = sum(1 for name in params if name.startswith("W_ih"))
        names = parameter_names(max(num_layers, 1))
        if tuple(params) != names:
            raise ValueError(f"params must have the keys {names} in that order; got {tuple(params)}")
        V, E = params["W_emb"].shape
        H = params["W_hh"].shape[1]
        expected = {"W_hy": (V, H), "b_y": (V,)}
        for layer in range(num_layers):
            w_ih, w_hh, b_ih, b_hh = layer_names(layer)
            expected.update({w_ih: (4 * H, E if layer == 0 else H), w_hh: (4 * H, H), b_ih: (4 * H,), b_hh: (4 * H,)})
        for name, shape in expected.items():
            if params[name].shape != shape:
                raise ValueError(f"params[{name!r}] must be {shape} for V={V}, E={E}, H={H}; got {params[name].shape}")
        dtypes = {p.dtype for p in params.values()}
        if len(dtypes) != 1 or params["W_emb"].dtype not in (np.float32, np.float64):
            raise ValueError(f"params must all be float32 or all float64; got {sorted(map(str, dtypes))}")
        self.params = params
        self.num_layers = num_layers

    @classmethod
    def create(cls, vocab_size: int, embed_size: int, hidden_size: int, rng: np.random.Generator,
               dtype=np.float32, num_layers: int = 1) -> CharLSTM:
        """Fresh parameters initialised as PyTorch does: N(0, 1) embeddings, U(-1/sqrt(H), 1/sqrt(H)) elsewhere."""
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1; got {num_layers}")
        V, E, H = vocab_size, embed_size, hidden_size
        k = 1.0 / math.sqrt(H)
        params = {"W_emb": rng.normal(size=(V, E))}
        for layer in range(num_layers):
            weights = init_weights("lstm", E if layer == 0 else H, H, rng)
            params.update(zip(layer_names(layer), (weights[kind] for kind in LAYER_KINDS)))
        params["W_hy"] = rng.uniform(-k, k, size=(V, H))
        params["b_y"] = rng.uniform(-k, k, size=V)
        return cls({name: value.astype(dtype) for name, value in params.items()})

    @property
    def vocab_size(self) -> int:
        return self.params["W_emb"].shape[0]

    @property
    def hidden_size(self) -> int:
        return self.params["W_hh"].shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.params["W_emb"].dtype

    def num_parameters(self) -> int:
        return sum(p.size for p in self.params.values())

    def initial_state(self, batch_size: int) -> State:
        """Zeros for h and c, each (B, H) (or (L, B, H) for L > 1 layers): the state at the start of a stream."""
        shape = (batch_size, self.hidden_size) if self.num_layers == 1 else (self.num_layers, batch_size, self.hidden_size)
        zeros = np.zeros(shape, dtype=self.dtype)
        return zeros, zeros.copy()

    def _check(self, inputs: np.ndarray, targets: np.ndarray, state: State | None) -> State:
        if inputs.ndim != 2 or inputs.dtype.kind not in "iu":
            raise ValueError(f"inputs must be integer ids of shape (T, B); got {inputs.dtype} {inputs.shape}")
        if targets.shape != inputs.shape or targets.dtype.kind not in "iu":
            raise ValueError(f"targets must be integer ids of shape (T, B) = {inputs.shape}; got {targets.dtype} {targets.shape}")
        for name, ids in (("inputs", inputs), ("targets", targets)):
            if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
                raise ValueError(f"{name} must lie in [0, V) = [0, {self.vocab_size}); got {ids.min()} to {ids.max()}")
        B, H = inputs.shape[1], self.hidden_size
        if state is None:
            return self.initial_state(B)
        shape, dims = ((B, H), "(B, H)") if self.num_layers == 1 else ((self.num_layers, B, H), "(L, B, H)")
        if len(state) != 2 or any(s.shape != shape or s.dtype != self.dtype for s in state):
            got = [(s.shape, str(s.dtype)) for s in state]
            raise ValueError(f"state must be (h, c), each {dims} = {shape} of {self.dtype}; got {got}")
        return state

    def _forward(self, inputs, state):
        p = self.params
        x = embedding_forward(inputs, p["W_emb"])
        if self.num_layers == 1:
            outputs, (h_T, c_T), cache = lstm_forward(x, state[0], state[1], p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
        else:  # the stack, under PyTorch's names, as companion.scratch.deep_rnn expects them
            outputs, (h_T, c_T), cache = deep_forward(x, self._torch_named(), "lstm", self.num_layers, False,
                                                      state[0], state[1])
        hidden = outputs.reshape(-1, self.hidden_size)  # (T*B, H): time and batch flattened
        logits = hidden @ p["W_hy"].T + p["b_y"]
        # Copies, not views into the cache: the next chunk gets values, no path back here.
        return logits, hidden, cache, (h_T.copy(), c_T.copy())

    def loss(self, inputs: np.ndarray, targets: np.ndarray, state: State | None = None) -> tuple[float, State]:
        """Mean cross-entropy in nats per character, and the state after the chunk (no gradients)."""
        state = self._check(inputs, targets, state)
        logits, _, _, new_state = self._forward(inputs, state)
        loss, _ = softmax_cross_entropy(logits, targets.ravel())
        return loss, new_state

    def loss_and_grads(self, inputs: np.ndarray, targets: np.ndarray,
                       state: State | None = None) -> tuple[float, dict[str, np.ndarray], State]:
        """Loss, gradients of every parameter, and the new state, for one (T, B) chunk.

        inputs, targets: (T, B) integer ids; state: (h, c), each (B, H), or None for zeros.
        The gradient stops at the chunk's first step: the incoming state is
        treated as a constant (truncated BPTT).
        """
        state = self._check(inputs, targets, state)
        p = self.params
        logits, hidden, cache, new_state = self._forward(inputs, state)
        loss, d_logits = softmax_cross_entropy(logits, targets.ravel())
        grads = {"W_hy": d_logits.T @ hidden, "b_y": d_logits.sum(axis=0)}
        d_outputs = (d_logits @ p["W_hy"]).reshape(*inputs.shape, self.hidden_size)
        if self.num_layers == 1:
            lstm_grads = lstm_backward(d_outputs, cache)  # its "h0" and "c0" are dropped: truncation
            grads.update({name: lstm_grads[name] for name in LAYER_KINDS})
        else:
            lstm_grads = deep_backward(d_outputs, cache)  # "h0" and "c0" dropped here too
            for layer in range(self.num_layers):
                for kind, name in zip(LAYER_KINDS, layer_names(layer)):
                    grads[name] = lstm_grads[f"{_TORCH_KINDS[kind]}_l{layer}"]
        grads["W_emb"] = embedding_backward(inputs, lstm_grads["x"], self.vocab_size)
        return loss, {name: grads[name] for name in self.params}, new_state

    def _torch_named(self) -> dict[str, np.ndarray]:
        """The LSTM layers' weights under PyTorch's names (``weight_ih_l0``, ...), as deep_rnn reads them."""
        return {f"{_TORCH_KINDS[kind]}_l{layer}": self.params[name]
                for layer in range(self.num_layers) for kind, name in zip(LAYER_KINDS, layer_names(layer))}

    def sample(self, prefix: np.ndarray, n: int, temperature: float, rng: np.random.Generator) -> np.ndarray:
        """Read the ids of ``prefix`` (P,), then draw ``n`` more one at a time; returns those n ids.

        Each new id is drawn from softmax(logits / temperature) and fed back as
        the next input; the state is carried from step to step.
        """
        prefix = np.asarray(prefix)
        if prefix.ndim != 1 or len(prefix) == 0 or prefix.dtype.kind not in "iu":
            raise ValueError(f"prefix must be a non-empty 1-D array of ids; got {prefix.dtype} {prefix.shape}")
        if prefix.min() < 0 or prefix.max() >= self.vocab_size:
            raise ValueError(f"prefix ids must lie in [0, V) = [0, {self.vocab_size}); got {prefix.min()} to {prefix.max()}")
        if not temperature > 0:
            raise ValueError(f"temperature must be positive (use argmax for greedy decoding); got {temperature}")
        p = self.params
        weights = (p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
        h, c = self.initial_state(1)
        if len(prefix) > 1:  # read all but the last id; the loop feeds that one
            *_, (h, c) = self._forward(prefix[:-1, None], (h, c))
        current = prefix[-1]
        out = np.empty(n, dtype=np.int64)
        for i in range(n):
            if self.num_layers == 1:
                h, c, _ = lstm_step_forward(p["W_emb"][[current]], h, c, *weights)
                logits = h[0] @ p["W_hy"].T + p["b_y"]
            else:  # one step of the stack: the top layer's state feeds the head
                logits, _, _, (h, c) = self._forward(np.array([[current]]), (h, c))
                logits = logits[0]
            current = out[i] = sample_with_temperature(logits, temperature, rng)
        return out


# ------------------------------------------------------------ train and evaluate


def evaluate(model: CharLSTM, streams: np.ndarray, seq_len: int = 128) -> float:
    """Bits per character on every pair ``streams[t] -> streams[t + 1]`` of ``streams: (L, B)``.

    The state is carried across chunks, as in training; the last chunk may be shorter.
    """
    state, total, count = model.initial_state(streams.shape[1]), 0.0, 0
    for start in range(0, len(streams) - 1, seq_len):
        stop = min(start + seq_len, len(streams) - 1)
        loss, state = model.loss(streams[start:stop], streams[start + 1 : stop + 1], state)
        total += loss * (stop - start)
        count += stop - start
    return total / count / math.log(2)


@dataclass
class History:
    """What ``train`` measured: per step, and at each evaluation."""

    train_bpc: list[float] = field(default_factory=list)  # one per update, on that chunk
    grad_norms: list[float] = field(default_factory=list)  # global norm before clipping
    eval_steps: list[int] = field(default_factory=list)  # updates done before each evaluation
    valid_bpc: list[float] = field(default_factory=list)


def train(
    model: CharLSTM,
    optimizer: Optimizer,
    train_streams: np.ndarray,
    seq_len: int,
    steps: int,
    max_norm: float | None = None,
    valid_streams: np.ndarray | None = None,
    eval_every: int = 100,
    callback: Callable[[int, History], None] | None = None,
) -> History:
    """Truncated BPTT for ``steps`` updates over ``train_streams: (L, B)`` in (T, B) chunks.

    The state is carried from chunk to chunk and reset to zeros when the
    streams start over (a new epoch). Gradients are clipped to global norm
    ``max_norm`` unless it is None. With ``valid_streams``, validation bpc is
    measured before the first update, every ``eval_every`` updates and at the end.
    Raises FloatingPointError as soon as the loss is NaN or infinite.
    """
    history = History()

    def maybe_evaluate(step: int) -> None:
        if valid_streams is not None and (step % eval_every == 0 or step == steps):
            history.eval_steps.append(step)
            history.valid_bpc.append(evaluate(model, valid_streams))

    maybe_evaluate(0)
    step = 0
    while step < steps:
        state = model.initial_state(train_streams.shape[1])  # a new epoch: the streams start over
        for inputs, targets in bptt_chunks(train_streams, seq_len):
            loss, grads, state = model.loss_and_grads(inputs, targets, state)
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"the training loss is {loss} at update {step + 1}: "
                    "lower the learning rate or clip the gradients (max_norm)"
                )
            norm = clip_grad_norm(grads, max_norm) if max_norm is not None else global_norm(grads)
            optimizer.step(model.params, grads)
            step += 1
            history.train_bpc.append(loss / math.log(2))
            history.grad_norms.append(norm)
            maybe_evaluate(step)
            if callback is not None:
                callback(step, history)
            if step == steps:
                break
    return history
