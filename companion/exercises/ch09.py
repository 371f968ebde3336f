"""Exercises of chapter 9, "Training from scratch".

Continuous inputs are float64 from ``np.random.default_rng((seed, i))``;
character ids are int64 arrays, and sizes (``vocab_size``, ``batch_size``,
``seq_len``) are plain ints. ``seed`` (0 for ``check``) picks the values and the sizes of one
added case, never what a case is there to test: every seed keeps logits large
enough to overflow ``exp`` without the max subtraction, ids that repeat
within a batch, an Adagrad step from a zero sum of squares and one with a
large ``eps``, a stream whose length is a multiple of the chunk length, and
bigram data in which some validation pairs never occur in training. The named
sizes of a case all differ, so that a transposed result fails on its shape.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch09 as solutions

# --- softmax cross-entropy ------------------------------------------------------------

# (B, V, logit scale): the third case overflows exp without the max subtraction.
SOFTMAX_SIZES = [(1, 3, 2.0), (4, 5, 2.0), (3, 6, 400.0), (5, 2, 3.0)]


def softmax_cases(seed: int = 0) -> list[Case]:
    """Cases of softmax_cross_entropy: logits (B, V) and integer targets (B,)."""
    cases = []
    for i, (B, V, scale) in enumerate(seeded_sizes(SOFTMAX_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        logits = rng.normal(scale=scale, size=(B, V))
        targets = rng.integers(0, V, size=B)
        name = f"B={B}, V={V}" + (", large logits" if scale > 10 else "")
        cases.append(Case(name, {"logits": logits, "targets": targets}, {"B": B, "V": V}))
    return cases


# --- embedding backward ---------------------------------------------------------------

EMBEDDING_SIZES = [(4, 1, 3, 6), (3, 2, 4, 5), (5, 3, 2, 7), (1, 4, 2, 6)]  # (T, B, E, V)


def embedding_cases(seed: int = 0) -> list[Case]:
    """Cases of embedding_backward: ids (T, B) with a repeated id, d_x (T, B, E), vocab_size.

    In case 1 the last id, V - 1, is missing from the batch, so that V must come
    from vocab_size, not from ids.max() + 1."""
    cases = []
    for i, (T, B, E, V) in enumerate(seeded_sizes(EMBEDDING_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        ids = rng.integers(0, V - 1 if i == 1 else V, size=(T, B))  # case 1: the last id never occurs
        ids.flat[1] = ids.flat[0]  # at least one id occurs twice
        kwargs = {"ids": ids, "d_x": rng.uniform(-1.0, 1.0, size=(T, B, E)), "vocab_size": V}
        cases.append(Case(f"T={T}, B={B}, E={E}, V={V}", kwargs, {"T": T, "B": B, "E": E, "V": V}))
    return cases


# --- Adagrad --------------------------------------------------------------------------

# (H, D, lr, eps, gradient size, first step): the first case starts from sum_sq = 0; the others vary
# lr, eps and the size of the gradients, so that eps under the square root or a fixed lr shows.
ADAGRAD_SIZES = [
    (3, 4, 0.1, 1e-10, 1.0, True),
    (4, 2, 0.05, 1e-10, 1.0, False),
    (2, 5, 0.1, 0.5, 1.0, False),
    (5, 3, 1.0, 1e-6, 1e-5, False),
    (3, 1, 0.01, 1e-10, 100.0, False),
]


def adagrad_cases(seed: int = 0) -> list[Case]:
    """Cases of adagrad_step: param, grad, sum_sq (H, D), and float64 lr and eps."""
    cases = []
    for i, (H, D, lr, eps, scale, first) in enumerate(seeded_sizes(ADAGRAD_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        sum_sq = np.zeros((H, D)) if first else scale**2 * rng.uniform(0.0, 2.0, size=(H, D))
        kwargs = {
            "param": rng.uniform(-1.0, 1.0, size=(H, D)),
            "grad": scale * rng.uniform(-1.0, 1.0, size=(H, D)),
            "sum_sq": sum_sq,
            "lr": np.float64(lr),
            "eps": np.float64(eps),
        }
        name = f"H={H}, D={D}, lr={lr}, eps={eps:g}" + (", first step" if first else f", gradients ~{scale:g}")
        cases.append(Case(name, kwargs, {"H": H, "D": D}))
    return cases


# --- truncated BPTT chunks ------------------------------------------------------------

# (N, B, T): in the last two cases L = N // B is a multiple of T, so K = (L - 1) // T < L // T;
# in the third and the fifth N % B != 0, so ids are dropped at the end; the last has T = 1.
CHUNK_SIZES = [(23, 1, 4), (50, 2, 5), (70, 3, 4), (84, 4, 3), (47, 5, 2), (9, 2, 1)]


def chunk_cases(seed: int = 0) -> list[Case]:
    """Cases of truncated_bptt_chunks: N distinct ids, so that any mix-up shows.

    The first case is readable: ids 0, 1, ..., N - 1 in order, so that the
    expected chunks show the layout itself. The others are permutations."""
    cases = []
    for i, (N, B, T) in enumerate(seeded_sizes(CHUNK_SIZES, seed)):
        ids = np.arange(N) if i == 0 else np.random.default_rng((seed, i)).permutation(N)
        K = (N // B - 1) // T
        kwargs = {"ids": ids, "batch_size": B, "seq_len": T}
        cases.append(Case(f"N={N}, B={B}, T={T}", kwargs, {"K": K, "T": T, "B": B}))
    return cases


# --- bigram baseline ------------------------------------------------------------------

BIGRAM_SIZES = [(40, 12, 3, 1.0), (200, 50, 5, 0.5), (600, 120, 8, 0.1)]  # (N_train, N_valid, V, alpha)


def _markov_ids(rng: np.random.Generator, transition: np.ndarray, n: int) -> np.ndarray:
    """n ids of a Markov chain with rows of ``transition`` as next-id distributions."""
    ids = np.empty(n, dtype=np.int64)
    ids[0] = rng.integers(len(transition))
    for t in range(1, n):
        ids[t] = rng.choice(len(transition), p=transition[ids[t - 1]])
    return ids


def bigram_cases(seed: int = 0) -> list[Case]:
    """Cases of bigram_bits_per_character: train and validation ids from one Markov chain.

    The chain has uneven transition probabilities, so that fitting the wrong
    counts or normalising the wrong axis changes the answer; with short
    training text some validation pairs are unseen, so the smoothing matters.
    """
    cases = []
    for i, (n_train, n_valid, V, alpha) in enumerate(seeded_sizes(BIGRAM_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        transition = rng.dirichlet(np.full(V, 0.5), size=V)
        ids = _markov_ids(rng, transition, n_train + n_valid)
        if i == 0:  # the last id never occurs in training: its row of counts is all alpha
            ids[:n_train][ids[:n_train] == V - 1] = 0
        kwargs = {"train_ids": ids[:n_train], "valid_ids": ids[n_train:], "vocab_size": V, "alpha": np.float64(alpha)}
        cases.append(Case(f"N_train={n_train}, N_valid={n_valid}, V={V}, alpha={alpha}", kwargs, {}))
    return cases


# --- sampling with a temperature ------------------------------------------------------

# (B, V, temperature, logit scale): a small temperature on large logits overflows exp
# without the max subtraction; a large one flattens the distribution.
SAMPLING_SIZES = [(1, 5, 1.0, 2.0), (4, 3, 0.5, 2.0), (3, 6, 0.02, 50.0), (5, 4, 10.0, 3.0), (2, 7, 2.0, 1.0)]


def sampling_cases(seed: int = 0) -> list[Case]:
    """Cases of sample_with_temperature: logits (B, V), a temperature and uniforms u (B,).

    Each u is kept at least 1e-6 away from every cumulative probability, so
    that rounding in a correct answer cannot move an id; the last case puts a
    u of 0 and one close to 1 in its batch.
    """
    cases = []
    for i, (B, V, temperature, scale) in enumerate(seeded_sizes(SAMPLING_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        logits = rng.normal(scale=scale, size=(B, V))
        if i == len(SAMPLING_SIZES):  # the seeded case: rows far apart, so one maximum for all rows fails
            logits += 1000.0 * np.arange(B)[:, None]
        scaled = logits / temperature
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        u = rng.uniform(0.0, 1.0, size=B)
        if i == 4:
            u[0], u[1] = 0.0, 1.0 - 1e-9
        for b in range(B):
            while np.min(np.abs(cdf[b] - u[b])) < 1e-6 and not (i == 4 and b < 2):
                u[b] = rng.uniform(0.0, 1.0)
        name = f"B={B}, V={V}, temperature={temperature:g}" + (", large logits" if scale > 10 else "")
        name += ", rows 1000 apart" if i == len(SAMPLING_SIZES) else ""
        cases.append(Case(name, {"logits": logits, "temperature": np.float64(temperature), "u": u}, {"B": B, "V": V}))
    return cases


# --- a training step with the state carried in ----------------------------------------

TRAIN_SIZES = [(1, 2, 3, 4, 5), (4, 1, 3, 5, 6), (3, 4, 2, 6, 5), (5, 3, 4, 2, 6)]  # (T, B, D, H, V): T = 1, then B = 1
TRAIN_LR = [0.5, 0.1, 2.0, 0.05, 1.0]


def train_step_cases(seed: int = 0) -> list[Case]:
    """Cases of train_step_carried: a chunk, targets, a non-zero carried state h0, weights and lr.

    h0 is far from zero (as after a previous chunk), so that starting from
    zeros changes every output; the learning rate differs from case to case.
    """
    cases = []
    for i, (T, B, D, H, V) in enumerate(seeded_sizes(TRAIN_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "x": rng.uniform(-1.0, 1.0, size=(T, B, D)),
            "targets": rng.integers(0, V, size=(T, B)),
            "h0": rng.uniform(-0.9, 0.9, size=(B, H)),
            "W_ih": rng.uniform(-0.6, 0.6, size=(H, D)),
            "W_hh": rng.uniform(-0.6, 0.6, size=(H, H)),
            "b": rng.uniform(-0.3, 0.3, size=H),
            "W_out": rng.uniform(-0.8, 0.8, size=(V, H)),
            "b_out": rng.uniform(-0.3, 0.3, size=V),
            "lr": np.float64(TRAIN_LR[i]),
        }
        name = f"T={T}, B={B}, D={D}, H={H}, V={V}, lr={TRAIN_LR[i]:g}"
        cases.append(Case(name, kwargs, {"T": T, "B": B, "D": D, "H": H, "V": V}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch09.softmax_cross_entropy": Exercise(
        id="ch09.softmax_cross_entropy",
        title="Softmax cross-entropy and its gradient, without overflow",
        reference=solutions.softmax_cross_entropy,
        make_cases=with_twin(softmax_cases),
        outputs=("loss", "dlogits"),
        shapes=((), ("B", "V")),
        errstate=("over", "invalid", "divide"),
    ),
    "ch09.embedding_backward": Exercise(
        id="ch09.embedding_backward",
        title="The gradient of an embedding: a scatter-add",
        reference=solutions.embedding_backward,
        make_cases=with_twin(embedding_cases),
        outputs=("dW",),
        shapes=(("V", "E"),),
    ),
    "ch09.adagrad_step": Exercise(
        id="ch09.adagrad_step",
        title="One Adagrad step",
        reference=solutions.adagrad_step,
        make_cases=with_twin(adagrad_cases),
        outputs=("new_param", "new_sum_sq"),
        shapes=(("H", "D"), ("H", "D")),
    ),
    "ch09.truncated_bptt_chunks": Exercise(
        id="ch09.truncated_bptt_chunks",
        title="Parallel streams and chunks for truncated BPTT",
        reference=solutions.truncated_bptt_chunks,
        make_cases=with_twin(chunk_cases),
        outputs=("inputs", "targets"),
        shapes=(("K", "T", "B"), ("K", "T", "B")),
        kinds=("int", "int"),
    ),
    "ch09.bigram_bits_per_character": Exercise(
        id="ch09.bigram_bits_per_character",
        title="A bigram baseline in bits per character",
        reference=solutions.bigram_bits_per_character,
        make_cases=with_twin(bigram_cases),
        outputs=("bpc",),
        shapes=((),),
        errstate=("over", "invalid", "divide"),
    ),
    "ch09.sample_with_temperature": Exercise(
        id="ch09.sample_with_temperature",
        title="Sampling with a temperature, from given uniform numbers",
        reference=solutions.sample_with_temperature,
        make_cases=with_twin(sampling_cases),
        outputs=("ids",),
        shapes=(("B",),),
        kinds=("int",),
    ),
    "ch09.train_step_carried": Exercise(
        id="ch09.train_step_carried",
        title="A training step on a chunk, with the state carried in",
        reference=solutions.train_step_carried,
        make_cases=with_twin(train_step_cases),
        outputs=("loss", "W_ih", "W_hh", "b", "W_out", "b_out", "h_T"),
        shapes=((), ("H", "D"), ("H", "H"), ("H",), ("V", "H"), ("V",), ("B", "H")),
        errstate=("over", "invalid", "divide"),
    ),
}
