"""A generated sentiment corpus in which word order decides the label, with held-out frames and words.

A sentence is a *frame* (its fixed words) with one or two opinion *phrases*
filled in. A phrase is an adjective with an optional intensifier, negated or
not; its polarity is the adjective's (+1 or -1), flipped by a negation:

    plain     "good", "very good"                            +1
    negated   "not good", "not very good", "not good at all", "never good"   -1

Frames come in three families, and the label is the polarity of the phrase
that decides the sentence:

    single      "the film was not bad at all"            one phrase decides
    contrast    "the film was dull but very good"        the phrase after "but" decides
    correction  "the film was bad , not good"            the first adjective decides

In every two-phrase sentence the phrases have opposite polarities, and each
one is drawn together with its **mirror**, the sentence with the two phrases
(or adjectives) swapped: the same words in another order, with the opposite
label. A model that counts words sees the same input twice with two labels,
so on these pairs it is right exactly half the time whatever it learns.
Single-phrase sentences are never negated: they are where word counts work.
A sentence is in the **negation subset** when it contains "not" or "never".

Held out from training (they appear only in the test split):

- frames: ``HELDOUT_FRAMES`` (each family has one);
- a phrase form: "never" with an intensifier ("never really good");
- vocabulary: the nouns ``TEST_NOUNS`` (every test sentence uses one).

    from companion.data.sentiment import sentiment_splits
    splits = sentiment_splits(seed=0)
    splits["train"].sentences[0], splits["train"].labels[0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POSITIVE = ("good", "great", "fine", "superb", "lovely", "brilliant", "charming", "solid")
NEGATIVE = ("bad", "awful", "poor", "dull", "weak", "boring", "clumsy", "bland")
TRAIN_NOUNS = ("film", "plot", "acting", "music", "ending", "script", "cast", "pacing")
TEST_NOUNS = ("soundtrack", "dialogue", "finale", "editing")
INTENSIFIERS = ("very", "really", "truly", "quite")

# Frames: "{n}" is the noun, "{p}" a phrase ("{a}" and "{b}" the two adjectives of a correction).
FRAMES = {
    "single": ("the {n} was {p}", "i found the {n} {p}"),
    "contrast": ("the {n} was {p} but {q}", "at first the {n} seemed {p} , but in the end it was {q}"),
    "correction": ("the {n} was {a} , not {b}",),
}
HELDOUT_FRAMES = {
    "single": ("in the end the {n} was {p}",),
    "contrast": ("the {n} seemed {p} but it was {q}",),
    "correction": ("i found the {n} {a} , not {b}",),
}
# Negated phrase forms; "{i}" is an intensifier, "{a}" the adjective.
NEGATED_FORMS = ("not {a}", "not {i} {a}", "not {a} at all", "never {a}")
HELDOUT_NEGATED_FORMS = ("never {i} {a}",)
PLAIN_FORMS = ("{a}", "{i} {a}")
NEGATIONS = ("not", "never")


@dataclass(frozen=True)
class SentimentSplit:
    """One split: sentences (lists of words), labels int64 (N,) in {0, 1}, and per sentence
    its family ("single", "contrast", "correction"), frame, whether it is negated
    (contains "not" or "never"), and whether it uses a held-out frame or phrase form."""

    sentences: list[list[str]]
    labels: np.ndarray
    family: list[str]
    frame: list[str]
    negated: np.ndarray
    heldout_template: np.ndarray


def _phrase(rng: np.random.Generator, polarity: int, negate: bool, forms_neg: tuple[str, ...]) -> tuple[str, str]:
    """A phrase of the given polarity and its form; negated phrases use an adjective of the other sign."""
    adjective_sign = -polarity if negate else polarity
    adjectives = POSITIVE if adjective_sign > 0 else NEGATIVE
    form = (forms_neg if negate else PLAIN_FORMS)[rng.integers(len(forms_neg if negate else PLAIN_FORMS))]
    text = form.format(a=adjectives[rng.integers(len(adjectives))], i=INTENSIFIERS[rng.integers(len(INTENSIFIERS))])
    return text, form


def _draw(rng: np.random.Generator, family: str, label: int, frames: tuple[str, ...], nouns: tuple[str, ...],
          forms_neg: tuple[str, ...]) -> list[tuple[str, int, str, bool]]:
    """One sentence of ``family`` with ``label``, plus its mirror for two-phrase families: (text, label, frame, templ)."""
    frame = frames[rng.integers(len(frames))]
    noun = nouns[rng.integers(len(nouns))]
    sign = 1 if label == 1 else -1
    if family == "single":
        text, form = _phrase(rng, sign, False, forms_neg)
        return [(frame.format(n=noun, p=text), label, frame, False)]
    if family == "correction":
        first, second = (POSITIVE, NEGATIVE) if sign > 0 else (NEGATIVE, POSITIVE)
        a, b = first[rng.integers(len(first))], second[rng.integers(len(second))]
        return [(frame.format(n=noun, a=a, b=b), label, frame, False),
                (frame.format(n=noun, a=b, b=a), 1 - label, frame, False)]
    # contrast: the phrases have opposite polarities, at least one of them negated half of the time
    negate = [False, False]
    if rng.random() < 2 / 3:
        negate = [[True, False], [False, True], [True, True]][rng.integers(3)]
    deciding, other = _phrase(rng, sign, negate[1], forms_neg), _phrase(rng, -sign, negate[0], forms_neg)
    while set(deciding[0].split()) & set(other[0].split()) & set(POSITIVE + NEGATIVE):  # two different adjectives
        other = _phrase(rng, -sign, negate[0], forms_neg)
    heldout_form = any(form in HELDOUT_NEGATED_FORMS for _, form in (deciding, other))
    return [(frame.format(n=noun, p=other[0], q=deciding[0]), label, frame, heldout_form),
            (frame.format(n=noun, p=deciding[0], q=other[0]), 1 - label, frame, heldout_form)]


def _split(rng: np.random.Generator, n: int, nouns: tuple[str, ...], heldout: bool, taken: set[str]) -> SentimentSplit:
    """``n`` new sentences (not in ``taken``, which is updated): a quarter single, the rest in mirror pairs."""
    sentences, labels, family, frame, template = [], [], [], [], []
    n_single = n // 4
    while len(sentences) < n:
        kind = "single" if len(sentences) < n_single else ("correction" if rng.random() < 0.25 else "contrast")
        use_heldout = heldout and rng.random() < 0.5
        frames = HELDOUT_FRAMES[kind] if use_heldout else FRAMES[kind]
        forms_neg = NEGATED_FORMS + HELDOUT_NEGATED_FORMS if heldout else NEGATED_FORMS
        label = len(sentences) // (1 if kind == "single" else 2) % 2  # alternate: exact balance
        drawn = _draw(rng, kind, label, frames, nouns, forms_neg)
        if len(sentences) + len(drawn) > n or any(text in taken for text, *_ in drawn):
            if len(sentences) + len(drawn) > n and kind != "single":
                n_single += 1  # an odd remainder: fill it with a single sentence
            continue
        for text, lab, fr, form_heldout in drawn:
            taken.add(text)
            sentences.append(text.split())
            labels.append(lab)
            family.append(kind)
            frame.append(fr)
            template.append(use_heldout or form_heldout)
    negated = np.array([any(w in NEGATIONS for w in s) for s in sentences])
    return SentimentSplit(sentences, np.array(labels, dtype=np.int64), family, frame, negated, np.array(template))


def sentiment_splits(seed: int = 0, n_train: int = 4000, n_valid: int = 1000, n_test: int = 2000) -> dict[str, SentimentSplit]:
    """Train, validation and test splits with no sentence in two splits.

    Train and validation use the training frames, phrase forms and nouns; the
    test split uses only ``TEST_NOUNS``, and half of its sentences (in
    expectation) use a held-out frame; its negated phrases may use the held-out
    form. Labels are balanced exactly when the sizes are even.
    """
    for name, n in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test)):
        if n < 4:
            raise ValueError(f"{name} must be at least 4; got {n}")
    rng = np.random.default_rng(seed)
    taken: set[str] = set()
    return {
        "train": _split(rng, n_train, TRAIN_NOUNS, False, taken),
        "valid": _split(rng, n_valid, TRAIN_NOUNS, False, taken),
        "test": _split(rng, n_test, TEST_NOUNS, True, taken),
    }


def build_vocab(sentences: list[list[str]]) -> dict[str, int]:
    """Word -> id for the words of ``sentences`` (sorted), after "<pad>" = 0 and "<unk>" = 1."""
    words = sorted({w for s in sentences for w in s})
    return {word: i for i, word in enumerate(["<pad>", "<unk>", *words])}


def encode(sentences: list[list[str]], vocab: dict[str, int]) -> list[np.ndarray]:
    """Each sentence as an int64 array of ids; a word not in ``vocab`` becomes "<unk>"."""
    unk = vocab["<unk>"]
    return [np.array([vocab.get(w, unk) for w in s], dtype=np.int64) for s in sentences]

