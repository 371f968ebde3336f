"""Generated Morse-code audio: a small, seeded stand-in for speech recognition and speaker identification.

A message is a short string over ``ALPHABET`` (14 letters; ``MORSE`` has all
letters and digits). It is
keyed by one of the ``SENDERS``, each with a style of their own: the tone's
pitch, the speed in words per minute, how long a dash is relative to a dot,
and how unsteady the timing is. The audio is that tone switched on and off,
plus white noise, at a small sample rate (4 kHz).

Timing (the international convention, in units of one dot):

    dot 1 on, dash 3 on (``dash_ratio`` for a sender who keys long or short dashes),
    gap 1 off between the elements of a character,
    gap 3 off between characters, gap 7 off between words.

One unit lasts ``1.2 / wpm`` seconds (the "PARIS" standard: the word PARIS
plus its word gap is 50 units). Every duration is multiplied by
``1 + jitter * N(0, 1)`` (clipped), the sender's unsteadiness.

Two kinds of frame features: ``frame_features`` gives log band energies per
frame (a coarse spectrogram, which shows the pitch), ``carrier_energy`` the log
energy at the tone's own frequency, normalised per message (which shows the
keying). ``make_morse_splits`` draws distinct messages for train, validation
and test: no text occurs in two splits.

    splits = make_morse_splits(2000, 300, 300, seed=0)
    splits["train"].carrier[0].shape   # (T,)
    splits["train"].bands[0].shape     # (T, N_BANDS)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 4000
FRAME = 128  # samples per frame: 32 ms at 4 kHz, frames do not overlap; a dot spans about 1.3 to 2.2 frames
N_BANDS = 8  # equal-width bands from 0 Hz to the Nyquist frequency (250 Hz each)

MORSE = {
    "A": ".-", "B": "-...", "C": "-.-.", "D": "-..", "E": ".", "F": "..-.", "G": "--.", "H": "....",
    "I": "..", "J": ".---", "K": "-.-", "L": ".-..", "M": "--", "N": "-.", "O": "---", "P": ".--.",
    "Q": "--.-", "R": ".-.", "S": "...", "T": "-", "U": "..-", "V": "...-", "W": ".--", "X": "-..-",
    "Y": "-.--", "Z": "--..", "0": "-----", "1": ".----", "2": "..---", "3": "...--", "4": "....-",
    "5": ".....", "6": "-....", "7": "--...", "8": "---..", "9": "----.",
}
# The messages use the 14 letters whose codes have at most three elements.
ALPHABET = "ADEGIKMNORSTUW"


@dataclass(frozen=True)
class Sender:
    """A sender's keying style: tone pitch (Hz), speed (words per minute), dash length in dots, timing jitter."""

    name: str
    tone_hz: float
    wpm: float
    dash_ratio: float
    jitter: float


# Three pitches, each shared by two senders who differ only in timing: the
# pitch alone can tell at best which pair sent a message.
SENDERS = (
    Sender("ada", 560.0, 18.0, 3.0, 0.04),
    Sender("bo", 560.0, 26.0, 2.4, 0.12),
    Sender("cy", 860.0, 20.0, 3.6, 0.04),
    Sender("di", 860.0, 28.0, 3.0, 0.12),
    Sender("ed", 1120.0, 17.0, 2.5, 0.10),
    Sender("fa", 1120.0, 24.0, 3.4, 0.03),
)


def morse_units(code: str, dash_ratio: float = 3.0) -> list[tuple[int, float]]:
    """The on/off pattern of one character's code (``".-"``) as ``[(on, units), ...]``.

    on is 1 for a tone, 0 for silence; elements are separated by a 1-unit gap.
    ``morse_units(".-")`` is ``[(1, 1.0), (0, 1.0), (1, 3.0)]``.
    """
    if not code or set(code) - {".", "-"}:
        raise ValueError(f"code must be a non-empty string of '.' and '-'; got {code!r}")
    pattern: list[tuple[int, float]] = []
    for i, element in enumerate(code):
        if i:
            pattern.append((0, 1.0))
        pattern.append((1, 1.0 if element == "." else float(dash_ratio)))
    return pattern


def message_units(text: str, dash_ratio: float = 3.0) -> list[tuple[int, float]]:
    """The on/off pattern of a whole message: characters 3 units apart, words (spaces) 7 units apart."""
    pattern: list[tuple[int, float]] = []
    for w, word in enumerate(text.split(" ")):
        if w:
            pattern.append((0, 7.0))
        for c, char in enumerate(word):
            if char not in MORSE:
                raise ValueError(f"text must use characters of ALPHABET and spaces; got {char!r} in {text!r}")
            if c:
                pattern.append((0, 3.0))
            pattern.extend(morse_units(MORSE[char], dash_ratio))
    return pattern


def synthesize(text: str, sender: Sender, rng: np.random.Generator, snr_db: float = 0.0,
               sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The audio of ``text`` keyed by ``sender``: float32 samples (N,), with silence before and after.

    The speed varies by up to 8% from message to message, every duration by the
    sender's jitter; the tone has a random phase and 2 ms ramps (no clicks);
    white noise is added at ``snr_db`` (tone power over noise power).
    """
    unit = 1.2 / (sender.wpm * rng.uniform(0.92, 1.08))  # seconds per dot
    pattern = [(0, rng.uniform(2.0, 4.0))] + message_units(text, sender.dash_ratio) + [(0, rng.uniform(2.0, 4.0))]
    pieces = []
    ramp = max(int(0.002 * sample_rate), 1)
    for on, units in pattern:
        stretch = float(np.clip(1.0 + sender.jitter * rng.standard_normal(), 0.5, 1.5))
        n = max(int(round(units * stretch * unit * sample_rate)), 1)
        envelope = np.full(n, float(on))
        if on and n > 2 * ramp:
            envelope[:ramp] = np.linspace(0.0, 1.0, ramp)
            envelope[-ramp:] = np.linspace(1.0, 0.0, ramp)
        pieces.append(envelope)
    envelope = np.concatenate(pieces)
    t = np.arange(len(envelope)) / sample_rate
    tone = np.sin(2 * np.pi * sender.tone_hz * t + rng.uniform(0, 2 * np.pi))
    noise_std = np.sqrt(0.5 / 10 ** (snr_db / 10))  # a unit sine has power 0.5
    audio = envelope * tone + noise_std * rng.standard_normal(len(envelope))
    return audio.astype(np.float32)


def frame_features(audio: np.ndarray, frame: int = FRAME, n_bands: int = N_BANDS) -> np.ndarray:
    """Log band energies: (T, n_bands) float32, one row per non-overlapping frame of ``frame`` samples.

    Each frame is multiplied by a Hann window, its power spectrum
    ``|rfft|^2`` is summed over ``n_bands`` equal-width bands from 0 Hz to the
    Nyquist frequency, and ``log(energy + 1e-6)`` is returned. A trailing part
    shorter than a frame is dropped.
    """
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1 or len(audio) < frame:
        raise ValueError(f"audio must be (N,) with N >= frame = {frame}; got shape {audio.shape}")
    T = len(audio) // frame
    frames = audio[: T * frame].reshape(T, frame) * np.hanning(frame)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # (T, frame // 2 + 1)
    edges = np.linspace(0, power.shape[1], n_bands + 1).round().astype(int)
    bands = np.stack([power[:, a:b].sum(axis=1) for a, b in zip(edges[:-1], edges[1:])], axis=1)
    return np.log(bands + 1e-6).astype(np.float32)


def carrier_energy(audio: np.ndarray, frame: int = FRAME) -> np.ndarray:
    """The keying as one number per frame: (T,) float32, the log energy at the tone's frequency, standardised.

    The carrier is the strongest frequency of the whole message (the peak of
    the mean power spectrum of its Hann-windowed frames, DC excluded); each
    frame's energy in that bin and its two neighbours is logged, then the
    message's own mean is subtracted and the result divided by its standard
    deviation, so that loudness and noise level do not matter.
    """
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1 or len(audio) < 2 * frame:
        raise ValueError(f"audio must be (N,) with N >= 2 * frame = {2 * frame}; got shape {audio.shape}")
    T = len(audio) // frame
    frames = audio[: T * frame].reshape(T, frame) * np.hanning(frame)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # (T, frame // 2 + 1)
    peak = 1 + int(np.argmax(power[:, 1:].mean(axis=0)))
    energy = np.log(power[:, peak - 1:peak + 2].sum(axis=1) + 1e-6)
    return ((energy - energy.mean()) / (energy.std() + 1e-6)).astype(np.float32)


@dataclass
class MorseSet:
    """One split: texts, sender indices into SENDERS, carrier energies (T_i,) and band energies (T_i, N_BANDS)."""

    texts: list[str]
    senders: np.ndarray
    carrier: list[np.ndarray]
    bands: list[np.ndarray]


def random_texts(n: int, rng: np.random.Generator, min_len: int = 3, max_len: int = 6) -> list[str]:
    """``n`` distinct random strings over ALPHABET, each ``min_len`` to ``max_len`` characters long."""
    texts: dict[str, None] = {}
    while len(texts) < n:
        length = int(rng.integers(min_len, max_len + 1))
        texts["".join(rng.choice(list(ALPHABET), size=length))] = None
    return list(texts)


def make_morse_splits(n_train: int, n_valid: int, n_test: int, seed: int = 0,
                      snr_db: tuple[float, float] = (0.0, 10.0)) -> dict[str, MorseSet]:
    """Train, validation and test sets of Morse messages, with their senders and both frame features.

    Texts are distinct across (and within) all splits. Senders take turns
    (message ``i`` of a split is keyed by sender ``i % len(SENDERS)`` before a
    shuffle), so every split is balanced. Each message's signal-to-noise ratio
    is drawn uniformly from ``snr_db``. Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    sizes = {"train": n_train, "valid": n_valid, "test": n_test}
    texts = random_texts(sum(sizes.values()), rng)
    splits, start = {}, 0
    for name, n in sizes.items():
        split_texts = texts[start:start + n]
        start += n
        senders = rng.permutation(np.arange(n) % len(SENDERS))
        audio = [synthesize(text, SENDERS[s], rng, snr_db=rng.uniform(*snr_db)) for text, s in zip(split_texts, senders)]
        splits[name] = MorseSet(split_texts, senders.astype(np.int64), [carrier_energy(a) for a in audio],
                                [frame_features(a) for a in audio])
    return splits


def encode_text(text: str) -> np.ndarray:
    """Label ids of ``text`` for CTC: ALPHABET[i] is label ``i + 1``; 0 is the blank."""
    return np.array([ALPHABET.index(c) + 1 for c in text], dtype=np.int64)


def decode_labels(labels) -> str:
    """The inverse of ``encode_text``: label ids (blank-free) to a string."""
    return "".join(ALPHABET[int(i) - 1] for i in labels)
