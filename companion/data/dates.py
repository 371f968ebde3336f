"""Dates written many ways, to be normalised to ISO form YYYY-MM-DD: a seeded generator.

Every example is a pair (source, target): a date written by one of the
templates below, and the same date as ``YYYY-MM-DD``.

    "the 3rd of March 1999"  ->  "1999-03-03"
    "3/4/99"                 ->  "1999-03-04"   (slashes are month first)
    "03.04.1999"             ->  "1999-04-03"   (dots are day first)

The ambiguity of numeric dates ("3/4/99" is March 4th in the US and 3 April in
most of Europe) is removed by convention: each template fixes its order, and
the separator says which. A slash always means month/day/year, a dot always
means day.month.year, a dash always means year-month-day. A model can learn
that, and so can a reader of the data. Two-digit years are 1950-1999 for 50-99
and 2000-2049 for 00-49; all dates lie in 1950-01-01 .. 2049-12-31.

Splits. The calendar days are shuffled with the seed and cut into disjoint
sets, so no date of the validation or test set appears in training (in any
format). ``train``, ``valid`` and ``test`` use the training templates;
``test_new_formats`` writes the test dates in templates that training never
uses, made of pieces it does use (a padded month-first slash date with a
four-digit year, an ordinal day without "the ... of", a full weekday name).

    from companion.data.dates import date_splits, iso_date
    splits = date_splits(n_train=6000, n_valid=500, n_test=1000, seed=0)
    source, target = splits.train[0]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FIRST_DAY = dt.date(1950, 1, 1)
LAST_DAY = dt.date(2049, 12, 31)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PAD, START, END = "<pad>", "<s>", "</s>"
# Every character any template can write, and every character of a target.
_LETTERS = set("".join(MONTHS + WEEKDAYS)) | set("".join(MONTHS).lower()) | set("theofstndrd")
SOURCE_CHARS = " ,-./0123456789" + "".join(sorted(_LETTERS))
TARGET_CHARS = "-0123456789"


def iso_date(day: int, month: int, year: int) -> str:
    """The ISO form "YYYY-MM-DD" of a calendar date; ValueError for a day that does not exist.

    >>> iso_date(3, 3, 1999)
    '1999-03-03'
    """
    for name, value in (("day", day), ("month", month), ("year", year)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12; got {month}")
    if not 1 <= year <= 9999:
        raise ValueError(f"year must be in 1..9999; got {year}")
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"{year}-{month:02d} has no day {day}") from None
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 3 -> "3rd", 11 -> "11th", 22 -> "22nd"."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _month(d: dt.date) -> str:
    return MONTHS[d.month - 1]


def _weekday(d: dt.date) -> str:
    return WEEKDAYS[d.weekday()]


# Each template is a function of the date; the numeric ones fix their order (see the module docstring).
TRAIN_FORMATS: dict[str, Callable[[dt.date], str]] = {
    "the 3rd of March 1999": lambda d: f"the {ordinal(d.day)} of {_month(d)} {d.year}",
    "3 March 1999": lambda d: f"{d.day} {_month(d)} {d.year}",
    "March 3, 1999": lambda d: f"{_month(d)} {d.day}, {d.year}",
    "Mar 3, 1999": lambda d: f"{_month(d)[:3]} {d.day}, {d.year}",
    "3/3/99": lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",
    "1999-03-03": lambda d: d.isoformat(),
    "03.03.1999": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "Wed 3 Mar 99": lambda d: f"{_weekday(d)[:3]} {d.day} {_month(d)[:3]} {d.year % 100:02d}",
    "3 mar 1999": lambda d: f"{d.day} {_month(d)[:3].lower()} {d.year}",
    "Wednesday, March 3, 1999": lambda d: f"{_weekday(d)}, {_month(d)} {d.day}, {d.year}",
}
HELD_OUT_FORMATS: dict[str, Callable[[dt.date], str]] = {
    "03/03/1999": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "3rd March 1999": lambda d: f"{ordinal(d.day)} {_month(d)} {d.year}",
    "Wednesday 3 March 1999": lambda d: f"{_weekday(d)} {d.day} {_month(d)} {d.year}",
}


@dataclass(frozen=True)
class DateSplits:
    """Lists of (source, target) pairs; ``formats_*`` name the template of each pair."""

    train: list[tuple[str, str]]
    valid: list[tuple[str, str]]
    test: list[tuple[str, str]]
    test_new_formats: list[tuple[str, str]]
    formats_test: list[str]
    formats_new: list[str]


def _write(days: np.ndarray, formats: dict[str, Callable[[dt.date], str]],
           rng: np.random.Generator) -> tuple[list[tuple[str, str]], list[str]]:
    names = list(formats)
    pairs, used = [], []
    for offset in days:
        d = FIRST_DAY + dt.timedelta(days=int(offset))
        name = names[rng.integers(len(names))]
        pairs.append((formats[name](d), iso_date(d.day, d.month, d.year)))
        used.append(name)
    return pairs, used


def date_splits(n_train: int = 6000, n_valid: int = 500, n_test: int = 1000, seed: int = 0) -> DateSplits:
    """Disjoint sets of dates, written in random templates (one per example), and their ISO targets.

    Each split has as many examples as asked; no calendar day is in two splits.
    ``test_new_formats`` holds the test dates again, each in a random held-out template.
    """
    for name, n in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test)):
        if n < 0:
            raise ValueError(f"{name} must be non-negative; got {n}")
    n_days = (LAST_DAY - FIRST_DAY).days + 1
    if n_train + n_valid + n_test > n_days:
        raise ValueError(f"at most {n_days} distinct dates; asked for {n_train + n_valid + n_test}")
    rng = np.random.default_rng(seed)
    days = rng.permutation(n_days)
    train_days = days[:n_train]
    valid_days = days[n_train:n_train + n_valid]
    test_days = days[n_train + n_valid:n_train + n_valid + n_test]
    train, _ = _write(train_days, TRAIN_FORMATS, rng)
    valid, _ = _write(valid_days, TRAIN_FORMATS, rng)
    test, formats_test = _write(test_days, TRAIN_FORMATS, rng)
    new, formats_new = _write(test_days, HELD_OUT_FORMATS, rng)
    return DateSplits(train, valid, test, new, formats_test, formats_new)


def encode(texts: list[str], chars: str, start_end: bool = False) -> list[np.ndarray]:
    """Each text as int64 ids: 0 is padding, 1 and 2 the start and end marks, then ``chars`` from 3.

    With ``start_end`` each sequence is framed by the start and end ids (for targets).
    """
    index = {c: i + 3 for i, c in enumerate(chars)}
    out = []
    for text in texts:
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"characters {unknown} of {text!r} are not in the vocabulary")
        ids = [index[c] for c in text]
        out.append(np.array([1, *ids, 2] if start_end else ids, dtype=np.int64))
    return out


def decode(ids: list[int] | np.ndarray, chars: str) -> str:
    """The text of target ids, read up to the first end mark; padding and start marks are skipped."""
    text = []
    for i in ids:
        i = int(i)
        if i == 2:
            break
        if i >= 3:
            text.append(chars[i - 3])
    return "".join(text)
