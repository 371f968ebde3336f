"""Reference solutions of chapter 16, "Text generation".

Each function is self-contained and imports what it uses: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one. Logits are float64 (B, V); ids are int64.
"""


def perplexity_from_losses(losses, n_words):
    """Bits per character, perplexity per character and perplexity per word.

    losses: (N,) per-character losses -log p(c_t | c_<t) in nats; n_words: the number
    of words of the same text. Returns three Python floats: bpc = mean / ln 2,
    char_ppl = 2 ** bpc, word_ppl = exp(sum / n_words).
    """
    import numpy as np

    bpc = float(np.mean(losses) / np.log(2.0))
    char_ppl = float(2.0**bpc)
    word_ppl = float(np.exp(np.sum(losses) / n_words))
    return bpc, char_ppl, word_ppl


def add_k_trigram_bits(train_ids, test_ids, V, k):
    """Bits per character of the add-k trigram model of train_ids on test_ids.

    p(c | a, b) = (count(a b c) + k) / (count(a b) + k V), counts over train_ids (N,);
    scored on every position t >= 2 of test_ids (M,). Returns a Python float.
    """
    import numpy as np

    counts = np.zeros((V, V, V))
    np.add.at(counts, (train_ids[:-2], train_ids[1:-1], train_ids[2:]), 1.0)
    a, b, c = test_ids[:-2], test_ids[1:-1], test_ids[2:]
    p = (counts[a, b, c] + k) / (counts[a, b].sum(axis=-1) + k * V)
    return float(-np.mean(np.log2(p)))


def top_k_probs(logits, k, temperature):
    """The top-k sampling distribution of each row of logits (B, V) at a temperature: (B, V).

    softmax(logits / temperature) restricted to the k largest logits of the row and
    renormalised; every other entry is 0.
    """
    import numpy as np

    z = logits / temperature
    kth = np.sort(z, axis=-1)[:, -k][:, None]
    keep = z >= kth
    e = np.where(keep, np.exp(z - z.max(axis=-1, keepdims=True)), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def nucleus_probs(logits, p, temperature):
    """The nucleus (top-p) sampling distribution of each row of logits (B, V): (B, V).

    Of softmax(logits / temperature), keep the smallest set of most probable entries
    whose probabilities add up to at least p (always at least one), zero the rest,
    and renormalise.
    """
    import numpy as np

    z = logits / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    order = np.argsort(-probs, axis=-1)
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_probs, axis=-1) - sorted_probs  # the mass of the entries ahead of each one
    keep_sorted = before < p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def distinct_ngrams(ids, n):
    """The fraction of distinct n-grams in each row of ids (B, T): (B,) float64.

    Row b has T - n + 1 n-grams ids[b, t : t + n]; the result is the number of
    different ones divided by T - n + 1.
    """
    import numpy as np

    B, T = ids.shape
    out = np.empty(B)
    for row in range(B):
        grams = {tuple(ids[row, t : t + n].tolist()) for t in range(T - n + 1)}
        out[row] = len(grams) / (T - n + 1)
    return out
