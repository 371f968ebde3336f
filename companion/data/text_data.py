"""Character data for language models: an offline corpus, a vocabulary, streams and baselines.

The corpus is Python's own help text (``pydoc_data.topics``), shipped with
every CPython, so nothing is downloaded. The pipeline is

    text -> CharVocabulary -> ids (N,) -> split_ids -> batchify (L, B) -> bptt_chunks (T, B)

Arrays of ids are time-major like everything in the book: ``streams[:, b]``
is one long contiguous piece of text, and consecutive chunks of the same
column continue each other, so a model can carry its state from one chunk to
the next (truncated BPTT).

The baselines are n-gram models fitted on the training ids only, with add-alpha
smoothing, and scored in bits per character (bpc): the mean of -log2 p(next
character), the number a language model is judged by.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

UNKNOWN = "\N{REPLACEMENT CHARACTER}"  # stands for any character not seen in training


def load_pydoc_topics() -> str:
    """CPython's help topics as one string, the topics joined in sorted key order."""
    from pydoc_data.topics import topics

    return "".join(topics[key] for key in sorted(topics))


def _check_ids(name: str, ids: np.ndarray, ndim: int) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != ndim or ids.dtype.kind not in "iu":
        dims = "(N,)" if ndim == 1 else "(L, B)"
        raise ValueError(f"{name} must be integers of shape {dims}; got {ids.dtype} {ids.shape}")
    return ids


@dataclass(frozen=True)
class CharVocabulary:
    """The characters a model knows, in a fixed order; id i is ``symbols[i]``.

    The last symbol is ``UNKNOWN``: ``encode`` maps any character outside the
    vocabulary to it, so text the model has never seen can still be scored.
    """

    symbols: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> CharVocabulary:
        """Every distinct character of ``text`` in sorted order, then ``UNKNOWN``."""
        return cls(tuple(sorted(set(text) - {UNKNOWN})) + (UNKNOWN,))

    @property
    def size(self) -> int:
        return len(self.symbols)

    @property
    def unknown_id(self) -> int:
        return len(self.symbols) - 1

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``text``, int64 of shape (len(text),)."""
        index = {symbol: i for i, symbol in enumerate(self.symbols)}
        return np.array([index.get(char, self.unknown_id) for char in text], dtype=np.int64)

    def decode(self, ids: np.ndarray) -> str:
        """The text of a 1-D array (or list) of ids."""
        return "".join(self.symbols[int(i)] for i in np.asarray(ids).ravel())


def split_ids(ids: np.ndarray, valid_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The first ``1 - valid_fraction`` of the ids for training, the rest for validation.

    A cut in one place, not a random sample of positions: no character is in
    both parts, and the validation text is text the model has never read.
    """
    ids = _check_ids("ids", ids, 1)
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must lie in (0, 1); got {valid_fraction}")
    cut = len(ids) - int(round(valid_fraction * len(ids)))
    return ids[:cut], ids[cut:]


def split_ids_three(
    ids: np.ndarray, valid_fraction: float = 0.1, test_fraction: float = 0.1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training, validation and test ids: three contiguous parts, in that order.

    Two cuts, no random positions, so no character is in two parts. Settings
    are chosen on the validation part; the test part is scored once, at the end.
    """
    ids = _check_ids("ids", ids, 1)
    for name, fraction in (("valid_fraction", valid_fraction), ("test_fraction", test_fraction)):
        if not 0 < fraction < 1:
            raise ValueError(f"{name} must lie in (0, 1); got {fraction}")
    if valid_fraction + test_fraction >= 1:
        raise ValueError(f"valid_fraction + test_fraction must be below 1; got {valid_fraction + test_fraction}")
    n_test = int(round(test_fraction * len(ids)))
    n_valid = int(round(valid_fraction * len(ids)))
    train_end = len(ids) - n_valid - n_test
    return ids[:train_end], ids[train_end : train_end + n_valid], ids[train_end + n_valid :]


def batchify(ids: np.ndarray, batch_size: int) -> np.ndarray:
    """Cut one long stream of ids into ``batch_size`` contiguous streams, side by side.

    ids: (N,). Returns streams: (L, B) with L = N // B, where column b is
    ``ids[b * L : (b + 1) * L]``; the last N - L * B ids are dropped.
    """
    ids = _check_ids("ids", ids, 1)
    if not 1 <= batch_size <= len(ids):
        raise ValueError(f"batch_size must lie in [1, N] = [1, {len(ids)}]; got {batch_size}")
    L = len(ids) // batch_size
    return ids[: L * batch_size].reshape(batch_size, L).T


def bptt_chunks(streams: np.ndarray, seq_len: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Consecutive (inputs, targets) chunks of ``streams: (L, B)``, each (T, B) with T = ``seq_len``.

    Chunk k has inputs ``streams[kT : (k+1)T]`` and targets one step later,
    ``streams[kT + 1 : (k+1)T + 1]``, for k = 0 .. (L - 1) // T - 1. Targets of
    chunk k are inputs of chunk k + 1 shifted by one, so a state carried from
    chunk k continues exactly where chunk k + 1 starts.
    """
    streams = _check_ids("streams", streams, 2)
    if not 1 <= seq_len < len(streams):
        raise ValueError(f"seq_len must lie in [1, L) = [1, {len(streams)}); got {seq_len}")
    for k in range((len(streams) - 1) // seq_len):
        start = k * seq_len
        yield streams[start : start + seq_len], streams[start + 1 : start + seq_len + 1]


def unigram_log_probs(train_ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> np.ndarray:
    """log p(c) for every id, from add-``alpha`` counts of ``train_ids``: (V,), in nats."""
    train_ids = _check_ids("train_ids", train_ids, 1)
    counts = np.bincount(train_ids, minlength=vocab_size) + alpha
    return np.log(counts / counts.sum())


def bigram_log_probs(train_ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> np.ndarray:
    """log p(next | previous) from add-``alpha`` pair counts of ``train_ids``.

    Returns (V, V) in nats: row ``a`` is the distribution of the character
    after ``a``, and sums (after exp) to one.
    """
    train_ids = _check_ids("train_ids", train_ids, 1)
    counts = np.full((vocab_size, vocab_size), float(alpha))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    return np.log(counts / counts.sum(axis=1, keepdims=True))


def bits_per_character(nll_nats: float) -> float:
    """A mean negative log-likelihood in nats per character, in bits: divide by ln 2."""
    return nll_nats / math.log(2)


def bigram_bits(log_probs: np.ndarray, inputs: np.ndarray, targets: np.ndarray) -> float:
    """Bits per character of a bigram table ``(V, V)`` on pairs ``inputs -> targets`` (any equal shapes)."""
    return bits_per_character(-float(np.mean(log_probs[inputs, targets])))


def ngram_log_probs(train_ids: np.ndarray, vocab_size: int, order: int, alpha: float = 1.0) -> np.ndarray:
    """log p(c_t | the previous ``order - 1`` ids) from add-``alpha`` counts of ``train_ids``, in nats.

    Returns a table of shape (V,) * order: entry ``[a, b, c]`` of a trigram
    table is log p(c | a, b), and each last axis sums (after exp) to one. A
    context never seen in training gets the uniform distribution. Order 1 is
    the unigram model, order 2 the bigram model of ``bigram_log_probs``. The
    table has V ** order entries, so orders above 3 are refused for large V.
    """
    train_ids = _check_ids("train_ids", train_ids, 1)
    if order < 1 or vocab_size**order > 20_000_000:
        raise ValueError(f"order must be at least 1 with V ** order <= 2e7; got order {order} with V = {vocab_size}")
    if not alpha > 0:
        raise ValueError(f"alpha must be positive (a zero count would give log 0); got {alpha}")
    flat = np.zeros(vocab_size**order)
    index = np.zeros(len(train_ids) - order + 1, dtype=np.int64)
    for k in range(order):  # the n-gram starting at position t, read as a number in base V
        index = index * vocab_size + train_ids[k : len(train_ids) - order + 1 + k]
    np.add.at(flat, index, 1.0)
    counts = flat.reshape((vocab_size,) * order) + alpha
    return np.log(counts / counts.sum(axis=-1, keepdims=True))


def ngram_bits(log_probs: np.ndarray, ids: np.ndarray) -> float:
    """Bits per character of an n-gram table (from ``ngram_log_probs``) on the stream ``ids: (N,)``.

    Every position with a full context is scored: t = n - 1 .. N - 1 for order n.
    """
    ids = _check_ids("ids", ids, 1)
    order = log_probs.ndim
    if len(ids) < order:
        raise ValueError(f"ids must hold at least order = {order} ids; got {len(ids)}")
    windows = tuple(ids[k : len(ids) - order + 1 + k] for k in range(order))
    return bits_per_character(-float(np.mean(log_probs[windows])))
