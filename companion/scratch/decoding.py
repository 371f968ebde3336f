"""Decoding: turning a model's per-step scores into an output sequence, and the CTC loss.

Two kinds of model are decoded here.

- An **autoregressive** model (a language model, the decoder of an
  encoder-decoder) gives a distribution over the next token given the tokens
  so far. It is wrapped as a *step function*
  ``step(state, token) -> (log_probs (V,), new_state)``, called with
  ``token=None`` for the first step. ``greedy_search`` and ``beam_search``
  work with any such function; ``markov_step`` makes one from a table of
  first-token and transition log-probabilities.
- A **CTC** model (Graves et al., 2006) gives, at every input frame, a
  distribution over ``V`` symbols, one of which is the *blank*. A path of
  symbols is turned into a labelling by ``ctc_collapse`` (merge repeats, then
  drop blanks). ``ctc_forward`` computes the negative log-likelihood of a
  labelling by summing over all paths in log space, like
  ``torch.nn.CTCLoss``; ``ctc_greedy_decode`` and ``ctc_prefix_beam_search``
  decode.

All log-probabilities are natural logarithms, float64; a sequence's score is
the sum of its tokens' log-probabilities.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

StepFn = Callable[[Any, "int | None"], tuple[np.ndarray, Any]]


@dataclass(frozen=True)
class Hypothesis:
    """A partial or finished output sequence: its tokens, summed log-probability and model state."""

    tokens: tuple[int, ...]
    log_prob: float
    state: Any = field(default=None, compare=False, repr=False)


# ------------------------------------------------------------ autoregressive models


def markov_step(log_probs_first: np.ndarray, log_transition: np.ndarray) -> StepFn:
    """A step function for a first-order Markov model ("bigram language model").

    log_probs_first: (V,), log P(y_1 = v); log_transition: (V, V), row ``i`` is
    log P(y_{t+1} = j | y_t = i). The model has no hidden state, so the state
    passed around is ``None``.
    """
    log_probs_first = np.asarray(log_probs_first, dtype=np.float64)
    log_transition = np.asarray(log_transition, dtype=np.float64)
    if log_probs_first.ndim != 1:
        raise ValueError(f"log_probs_first must be (V,); got shape {log_probs_first.shape}")
    V = log_probs_first.shape[0]
    if log_transition.shape != (V, V):
        raise ValueError(f"log_transition must be (V, V) = ({V}, {V}); got {log_transition.shape}")

    def step(state: Any, token: int | None) -> tuple[np.ndarray, Any]:
        return (log_probs_first if token is None else log_transition[token]), None

    return step


def _length_normalised(hypothesis: Hypothesis, alpha: float) -> float:
    return hypothesis.log_prob / max(len(hypothesis.tokens), 1) ** alpha


def greedy_search(step: StepFn, initial_state: Any, max_length: int, end_token: int | None = None) -> Hypothesis:
    """Pick the most probable token at every step (argmax decoding).

    Stops after ``max_length`` tokens, or right after ``end_token`` is emitted.
    Returns the hypothesis with its tokens and summed log-probability.
    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1; got {max_length}")
    tokens: list[int] = []
    log_prob, state, token = 0.0, initial_state, None
    for _ in range(max_length):
        log_probs, state = step(state, token)
        token = int(np.argmax(log_probs))
        tokens.append(token)
        log_prob += float(log_probs[token])
        if token == end_token:
            break
    return Hypothesis(tuple(tokens), log_prob, state)


def beam_search(
    step: StepFn,
    initial_state: Any,
    max_length: int,
    beam_width: int,
    end_token: int | None = None,
    length_alpha: float = 0.0,
) -> list[Hypothesis]:
    """Keep the ``beam_width`` best partial sequences by summed log-probability.

    At each step every hypothesis in the beam is extended by every token, and
    the ``beam_width`` best extensions (ties broken by the tokens, so results
    are reproducible) form the next beam. A hypothesis that ends with
    ``end_token`` leaves the beam and is finished. After ``max_length`` steps
    the hypotheses still in the beam are finished too.

    Returns every finished hypothesis, best first, ranked by
    ``log_prob / len(tokens) ** length_alpha``: ``length_alpha = 0`` ranks by
    the plain sum, which favours short outputs; ``1`` ranks by the mean
    log-probability per token. ``beam_width = 1`` is greedy search.
    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1; got {max_length}")
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1; got {beam_width}")
    beam = [Hypothesis((), 0.0, initial_state)]
    finished: list[Hypothesis] = []
    for _ in range(max_length):
        candidates = []
        for hypothesis in beam:
            last = hypothesis.tokens[-1] if hypothesis.tokens else None
            log_probs, state = step(hypothesis.state, last)
            # Only a hypothesis's own k best tokens can be among the k best overall.
            for token in np.argsort(-log_probs, kind="stable")[:beam_width]:
                score = hypothesis.log_prob + float(log_probs[token])
                candidates.append(Hypothesis(hypothesis.tokens + (int(token),), score, state))
        candidates.sort(key=lambda c: (-c.log_prob, c.tokens))
        beam = []
        for candidate in candidates[:beam_width]:
            (finished if candidate.tokens[-1] == end_token else beam).append(candidate)
        if not beam:
            break
    finished.extend(beam)
    return sorted(finished, key=lambda h: (-_length_normalised(h, length_alpha), h.tokens))


def sequence_log_prob(step: StepFn, initial_state: Any, tokens: tuple[int, ...]) -> float:
    """log P(tokens) under the step function: the sum of each token's log-probability."""
    log_prob, state, previous = 0.0, initial_state, None
    for token in tokens:
        log_probs, state = step(state, previous)
        log_prob += float(log_probs[token])
        previous = token
    return log_prob


def exhaustive_search(step: StepFn, initial_state: Any, length: int, vocab_size: int) -> Hypothesis:
    """The most probable sequence of exactly ``length`` tokens, by trying all ``V ** length``.

    Only for tiny examples: it is the ground truth that beam search approximates.
    """
    best = max(
        itertools.product(range(vocab_size), repeat=length),
        key=lambda tokens: sequence_log_prob(step, initial_state, tokens),
    )
    return Hypothesis(tuple(best), sequence_log_prob(step, initial_state, best))


# ------------------------------------------------------------------------------ CTC


def _check_log_probs(log_probs: np.ndarray) -> np.ndarray:
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if log_probs.ndim != 2 or log_probs.shape[0] < 1:
        raise ValueError(f"log_probs must be (T, V) with T >= 1; got shape {log_probs.shape}")
    return log_probs


def _check_blank(blank: int, V: int) -> int:
    if not 0 <= blank < V:
        raise ValueError(f"blank must be in [0, V) = [0, {V}); got {blank}")
    return int(blank)


def ctc_collapse(path, blank: int = 0) -> np.ndarray:
    """The CTC many-to-one map B: merge runs of equal symbols, then remove blanks.

    path: (T,) symbol indices (any sequence of ints). Returns the labelling,
    an int64 array of length at most T. ``a a - a b b`` gives ``a a b``: the
    blank between the two ``a`` runs is what keeps them apart.
    """
    path = [int(symbol) for symbol in np.asarray(path).reshape(-1)]
    labels = [s for i, s in enumerate(path) if s != blank and (i == 0 or s != path[i - 1])]
    return np.array(labels, dtype=np.int64)


def ctc_greedy_decode(log_probs: np.ndarray, blank: int = 0) -> np.ndarray:
    """Best-path decoding: the most probable symbol at each frame, then ``ctc_collapse``.

    log_probs: (T, V). Returns the int64 labelling. The best *path* need not
    give the most probable *labelling*, which sums over all of its paths.
    """
    log_probs = _check_log_probs(log_probs)
    blank = _check_blank(blank, log_probs.shape[1])
    return ctc_collapse(np.argmax(log_probs, axis=1), blank)


def ctc_extend(target, blank: int = 0) -> np.ndarray:
    """The extended label sequence: a blank before, between and after the labels.

    target: (U,) labels. Returns (2U + 1,) int64: ``[blank, y_1, blank, ..., y_U, blank]``.
    """
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    z = np.full(2 * len(target) + 1, blank, dtype=np.int64)
    z[1::2] = target
    return z


def ctc_forward(log_probs: np.ndarray, target, blank: int = 0, return_alpha: bool = False):
    """Negative log-likelihood -log p(target | x) under CTC, by the forward (alpha) recursion.

    log_probs: (T, V) log-probabilities per frame (rows are log-softmax outputs);
    target: (U,) integer labels in [0, V), none equal to ``blank``; U may be 0.
    Works in log space, so long inputs do not underflow. If no path of length
    T can produce the target (T < U + number of adjacent repeats), the
    likelihood is zero and the result is ``inf``, as in ``torch.nn.CTCLoss``
    with ``zero_infinity=False``.

    With ``return_alpha=True`` returns ``(nll, log_alpha)``, where
    ``log_alpha: (T, 2U + 1)`` holds log alpha_t(s) for the extended sequence
    of ``ctc_extend`` (``-inf`` for unreachable states).
    """
    log_probs = _check_log_probs(log_probs)
    T, V = log_probs.shape
    blank = _check_blank(blank, V)
    target = np.asarray(target).reshape(-1)
    if target.size and (target.dtype.kind not in "iu" or target.min() < 0 or target.max() >= V):
        raise ValueError(f"target must hold integers in [0, V) = [0, {V}); got {target}")
    if np.any(target == blank):
        raise ValueError(f"target must not contain the blank ({blank}); got {target}")

    z = ctc_extend(target, blank)  # (S,), S = 2U + 1
    S = len(z)
    emit = log_probs[:, z]  # (T, S): log p_t(z_s)
    # A state may be entered from two states back unless it is a blank or
    # repeats the label two back: then the blank in between is compulsory.
    can_skip = np.zeros(S, dtype=bool)
    can_skip[2:] = (z[2:] != blank) & (z[2:] != z[:-2])

    log_alpha = np.full((T, S), -np.inf)
    log_alpha[0, :2] = emit[0, :2]  # start in the first blank or on the first label
    for t in range(1, T):
        previous = log_alpha[t - 1]
        from_left = np.full(S, -np.inf)
        from_left[1:] = previous[:-1]
        from_two_left = np.full(S, -np.inf)
        from_two_left[2:] = previous[:-2]
        from_two_left[~can_skip] = -np.inf
        log_alpha[t] = emit[t] + np.logaddexp(np.logaddexp(previous, from_left), from_two_left)
    # End in the last label or in the trailing blank.
    log_likelihood = np.logaddexp.reduce(log_alpha[-1, -2:])
    nll = -float(log_likelihood)
    return (nll, log_alpha) if return_alpha else nll


def ctc_labelling_log_probs(log_probs: np.ndarray, blank: int = 0) -> dict[tuple[int, ...], float]:
    """log p(labelling | x) for every labelling, by enumerating all ``V ** T`` paths.

    Only for tiny T and V: this is the definition of CTC, computed the slow way,
    against which the forward recursion and the decoders are checked.
    """
    log_probs = _check_log_probs(log_probs)
    T, V = log_probs.shape
    blank = _check_blank(blank, V)
    if V**T > 200_000:
        raise ValueError(f"V ** T = {V}**{T} paths is too many to enumerate")
    paths = np.array(list(itertools.product(range(V), repeat=T)))  # (V ** T, T)
    path_log_probs = log_probs[np.arange(T), paths].sum(axis=1)
    by_labelling: dict[tuple[int, ...], list[float]] = {}
    for path, log_p in zip(paths.tolist(), path_log_probs.tolist()):
        labelling = tuple(s for i, s in enumerate(path) if s != blank and (i == 0 or s != path[i - 1]))
        by_labelling.setdefault(labelling, []).append(log_p)
    return {labelling: float(np.logaddexp.reduce(values)) for labelling, values in by_labelling.items()}


def ctc_prefix_beam_search(log_probs: np.ndarray, beam_width: int, blank: int = 0) -> list[tuple[tuple[int, ...], float]]:
    """CTC prefix beam search: keep the ``beam_width`` most probable *labellings* so far.

    Each prefix carries two log-probabilities, of the paths that collapse to it
    and end in a blank, and of those that end in its last label; the split
    decides whether a repeated symbol extends the prefix (after a blank) or
    merges into its last label. log_probs: (T, V). Returns
    ``[(labels, log_prob), ...]``, best first. With a beam as wide as the
    number of prefixes, the log-probabilities are exact.
    """
    log_probs = _check_log_probs(log_probs)
    T, V = log_probs.shape
    blank = _check_blank(blank, V)
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1; got {beam_width}")
    neg_inf = -np.inf
    beam: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, neg_inf)}  # prefix -> (ends blank, ends label)
    for t in range(T):
        grown: dict[tuple[int, ...], list[float]] = {}

        def add(prefix: tuple[int, ...], which: int, value: float) -> None:
            entry = grown.setdefault(prefix, [neg_inf, neg_inf])
            entry[which] = float(np.logaddexp(entry[which], value))

        for prefix, (p_blank, p_label) in beam.items():
            p_total = np.logaddexp(p_blank, p_label)
            for symbol in range(V):
                p = log_probs[t, symbol]
                if symbol == blank:
                    add(prefix, 0, p_total + p)
                elif prefix and symbol == prefix[-1]:
                    add(prefix, 1, p_label + p)  # a a -> a: the run continues
                    add(prefix + (symbol,), 1, p_blank + p)  # a - a -> a a
                else:
                    add(prefix + (symbol,), 1, p_total + p)
        ranked = sorted(grown.items(), key=lambda item: (-np.logaddexp(*item[1]), item[0]))
        beam = {prefix: (p_blank, p_label) for prefix, (p_blank, p_label) in ranked[:beam_width]}
    result = [(prefix, float(np.logaddexp(p_blank, p_label))) for prefix, (p_blank, p_label) in beam.items()]
    return sorted(result, key=lambda item: (-item[1], item[0]))
