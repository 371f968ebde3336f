"""The sentiment generator: sizes, balance, disjoint splits, held-out frames and words, mirrors, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data.sentiment import (
    HELDOUT_FRAMES,
    HELDOUT_NEGATED_FORMS,
    NEGATIVE,
    POSITIVE,
    TEST_NOUNS,
    build_vocab,
    encode,
    sentiment_splits,
)
from companion.data.toy_tasks import count_features


@pytest.fixture(scope="module")
def splits():
    return sentiment_splits(seed=3, n_train=800, n_valid=200, n_test=400)


def test_sizes_and_exact_label_balance(splits):
    for name, n in (("train", 800), ("valid", 200), ("test", 400)):
        split = splits[name]
        assert len(split.sentences) == len(split.labels) == len(split.family) == len(split.negated) == n
        assert split.labels.sum() == n // 2


def test_no_sentence_in_two_splits(splits):
    texts = {name: {" ".join(s) for s in split.sentences} for name, split in splits.items()}
    assert all(len(t) == len(splits[name].sentences) for name, t in texts.items())  # no duplicates either
    assert not texts["train"] & texts["valid"] and not texts["train"] & texts["test"] and not texts["valid"] & texts["test"]


def test_heldout_frames_forms_and_nouns_appear_only_in_test(splits):
    heldout_frames = {f for frames in HELDOUT_FRAMES.values() for f in frames}
    never_intensified = {"never " + i for i in ("very", "really", "truly", "quite")}
    for name in ("train", "valid"):
        split = splits[name]
        assert heldout_frames.isdisjoint(split.frame)
        assert not {w for s in split.sentences for w in s} & set(TEST_NOUNS)
        assert not any(phrase in " ".join(s) for s in split.sentences for phrase in never_intensified)
        assert not split.heldout_template.any()
    test = splits["test"]
    assert all(any(noun in s for noun in TEST_NOUNS) for s in test.sentences)
    assert heldout_frames <= set(test.frame)
    assert any(phrase in " ".join(s) for s in test.sentences for phrase in never_intensified)
    assert HELDOUT_NEGATED_FORMS == ("never {i} {a}",)
    assert 0.3 < test.heldout_template.mean() < 0.8


def test_every_two_phrase_sentence_has_a_mirror_with_the_same_words_and_the_other_label(splits):
    for split in splits.values():
        bags = {}
        for words, label, family in zip(split.sentences, split.labels, split.family):
            if family != "single":
                bags.setdefault(tuple(sorted(words)), []).append(int(label))
        assert all(labels.count(0) == labels.count(1) for labels in bags.values())


def test_any_bag_of_words_model_is_at_chance_on_the_negation_subset(splits):
    test = splits["test"]
    vocab = build_vocab(splits["train"].sentences)
    X = count_features(encode(test.sentences, vocab), len(vocab))[test.negated]
    w = np.random.default_rng(0).normal(size=X.shape[1])  # any linear scorer
    accuracy = ((X @ w > 0).astype(int) == test.labels[test.negated]).mean()
    assert accuracy == pytest.approx(0.5)


def test_labels_follow_the_rule_on_single_and_correction_sentences(splits):
    for words, label, family in zip(splits["train"].sentences, splits["train"].labels, splits["train"].family):
        adjectives = [w for w in words if w in POSITIVE + NEGATIVE]
        if family == "single":
            assert label == int(adjectives[0] in POSITIVE) and "not" not in words and "never" not in words
        if family == "correction":
            assert label == int(adjectives[0] in POSITIVE) and words[-2] == "not"


def test_same_seed_same_corpus_and_other_seed_another():
    a, b, c = (sentiment_splits(seed=s, n_train=40, n_valid=20, n_test=20) for s in (1, 1, 2))
    assert a["test"].sentences == b["test"].sentences and (a["train"].labels == b["train"].labels).all()
    assert a["train"].sentences != c["train"].sentences


def test_unknown_words_become_unk_and_small_sizes_are_rejected():
    vocab = build_vocab([["the", "film"]])
    assert encode([["the", "finale"]], vocab)[0].tolist() == [vocab["the"], vocab["<unk>"]]
    with pytest.raises(ValueError, match="n_test must be at least 4"):
        sentiment_splits(n_test=2)
