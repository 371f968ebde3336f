"""A tiny synthetic sentiment task in which word order decides the label.

Every sentence is "the <noun> was" followed by one or two opinion phrases,
joined by "," or "and". A phrase is an optional "not", an optional intensifier
("very", "really", ...) and one adjective. The phrase's polarity is +1 for a
positive adjective and -1 for a negative one, flipped by "not"; the sentence is
positive (label 1) when the polarities add up to more than zero. Two-phrase
sentences are drawn so that both phrases agree, so there are no ties.

    "the film was good , not bad"    ->  1   (+1 + +1)
    "the film was bad , not good"    ->  0   (-1 + -1)

The two sentences above contain exactly the same words, so any model that
only counts words must give them the same score: that is the point of the task.

    from companion.data.toy_tasks import negation_sentences, build_vocab, encode
"""

from __future__ import annotations

import numpy as np

POSITIVE = ("good", "great", "fine", "nice", "superb", "lovely")
NEGATIVE = ("bad", "awful", "poor", "dull", "weak", "boring")
NOUNS = ("film", "plot", "acting", "music", "ending")
INTENSIFIERS = ("very", "really", "truly")
CONNECTIVES = (",", "and")
PAD = "<pad>"


def phrase_polarity(phrase: list[str]) -> int:
    """+1 or -1: the adjective's polarity (last word), flipped if the phrase starts with "not"."""
    polarity = 1 if phrase[-1] in POSITIVE else -1
    return -polarity if phrase[0] == "not" else polarity


def _phrase(rng: np.random.Generator, p_not: float, p_intensifier: float) -> list[str]:
    words = ["not"] if rng.random() < p_not else []
    if rng.random() < p_intensifier:
        words.append(INTENSIFIERS[rng.integers(len(INTENSIFIERS))])
    adjectives = POSITIVE if rng.random() < 0.5 else NEGATIVE
    words.append(adjectives[rng.integers(len(adjectives))])
    return words


def negation_sentences(
    n: int, rng: np.random.Generator, p_two: float = 0.5, p_not: float = 0.5, p_intensifier: float = 0.3
) -> tuple[list[list[str]], np.ndarray]:
    """``n`` random sentences (lists of words) and their labels, an int64 array (n,) of 0 and 1.

    p_two: probability of a second phrase; p_not: of "not" in a phrase;
    p_intensifier: of an intensifier in a phrase.
    """
    if n < 0:
        raise ValueError(f"n must be non-negative; got {n}")
    sentences, labels = [], np.empty(n, dtype=np.int64)
    for i in range(n):
        first = _phrase(rng, p_not, p_intensifier)
        words = ["the", NOUNS[rng.integers(len(NOUNS))], "was", *first]
        if rng.random() < p_two:
            second = _phrase(rng, p_not, p_intensifier)
            while phrase_polarity(second) != phrase_polarity(first):  # agree, so no ties
                second = _phrase(rng, p_not, p_intensifier)
            words += [CONNECTIVES[rng.integers(len(CONNECTIVES))], *second]
        sentences.append(words)
        labels[i] = int(phrase_polarity(first) > 0)
    return sentences, labels


def build_vocab() -> dict[str, int]:
    """Word -> id for every word the generator can produce; the padding token PAD is id 0."""
    words = [PAD, "the", "was", "not", *NOUNS, *INTENSIFIERS, *CONNECTIVES, *POSITIVE, *NEGATIVE]
    return {word: i for i, word in enumerate(words)}


def encode(sentences: list[list[str]], vocab: dict[str, int]) -> list[np.ndarray]:
    """Each sentence as an int64 array of word ids; KeyError naming the word if it is unknown."""
    return [np.array([vocab[word] for word in sentence], dtype=np.int64) for sentence in sentences]


def count_features(ids: list[np.ndarray], vocab_size: int) -> np.ndarray:
    """Bag of words: (N, V) float64, entry [n, v] = how often word v occurs in sentence n."""
    counts = np.zeros((len(ids), vocab_size))
    for n, sentence in enumerate(ids):
        np.add.at(counts[n], sentence, 1.0)
    return counts


def bigram_features(ids: list[np.ndarray], vocab_size: int) -> np.ndarray:
    """Word pairs: (N, V * V) float64, entry [n, i * V + j] = how often word j directly follows word i."""
    counts = np.zeros((len(ids), vocab_size * vocab_size))
    for n, sentence in enumerate(ids):
        np.add.at(counts[n], sentence[:-1] * vocab_size + sentence[1:], 1.0)
    return counts


def pad_left(ids: list[np.ndarray], pad_id: int = 0) -> np.ndarray:
    """(N, T) int64 batch, T the longest sentence; shorter ones get ``pad_id`` in front.

    Padding in front keeps every sentence's last word in the last column, so a
    model that reads the final state after T steps has just read the sentence's end.
    """
    if not ids:
        raise ValueError("ids must hold at least one sentence")
    T = max(len(sentence) for sentence in ids)
    batch = np.full((len(ids), T), pad_id, dtype=np.int64)
    for n, sentence in enumerate(ids):
        batch[n, T - len(sentence):] = sentence
    return batch
