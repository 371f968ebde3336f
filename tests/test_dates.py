"""The date generator: sizes, disjoint dates across splits, held-out templates, valid ISO targets equal to the date written."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from companion.data.dates import (
    HELD_OUT_FORMATS,
    MONTHS,
    SOURCE_CHARS,
    TARGET_CHARS,
    TRAIN_FORMATS,
    date_splits,
    decode,
    encode,
    iso_date,
    ordinal,
)


def test_splits_have_the_sizes_asked_for():
    splits = date_splits(n_train=300, n_valid=40, n_test=50, seed=1)
    assert (len(splits.train), len(splits.valid), len(splits.test), len(splits.test_new_formats)) == (300, 40, 50, 50)
    assert len(splits.formats_test) == 50 and len(splits.formats_new) == 50


def test_no_date_is_in_two_splits():
    splits = date_splits(n_train=2000, n_valid=300, n_test=300, seed=2)
    train, valid, test = ({t for _, t in pairs} for pairs in (splits.train, splits.valid, splits.test))
    assert len(train) == 2000 and len(valid) == 300 and len(test) == 300
    assert not train & valid and not train & test and not valid & test
    assert {t for _, t in splits.test_new_formats} == test


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    assert date_splits(200, 20, 20, seed=3) == date_splits(200, 20, 20, seed=3)
    assert date_splits(200, 20, 20, seed=3).train != date_splits(200, 20, 20, seed=4).train


def test_test_formats_are_training_formats_and_new_formats_are_held_out():
    splits = date_splits(n_train=100, n_valid=10, n_test=400, seed=0)
    assert set(splits.formats_test) == set(TRAIN_FORMATS)
    assert set(splits.formats_new) == set(HELD_OUT_FORMATS)
    assert not set(TRAIN_FORMATS) & set(HELD_OUT_FORMATS)
    train_sources = {s for s, _ in splits.train}
    assert not train_sources & {s for s, _ in splits.test_new_formats}


def _parse(source: str) -> dt.date:
    """An independent reader of every template, to check that each target is the date written."""
    month_of = {m.lower(): i + 1 for i, m in enumerate(MONTHS)} | {m[:3].lower(): i + 1 for i, m in enumerate(MONTHS)}
    if m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", source):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d\d)\.(\d\d)\.(\d{4})", source):        # dots: day first
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d\d|\d{4})", source):  # slashes: month first
        year = int(m[3]) if len(m[3]) == 4 else (1900 if int(m[3]) >= 50 else 2000) + int(m[3])
        return dt.date(year, int(m[1]), int(m[2]))
    words = source.replace(",", "").split()
    day = month = year = None
    for word in words:
        if word.lower() in month_of:
            month = month_of[word.lower()]
        elif re.fullmatch(r"\d{1,2}[a-z]{2}", word):                     # an ordinal: 3rd, 21st
            day = int(word[:-2])
        elif re.fullmatch(r"\d{4}", word):
            year = int(word)
        elif re.fullmatch(r"\d{1,2}", word):
            if day is None:
                day = int(word)
            else:                                                   # a two-digit year after the day
                year = (1900 if int(word) >= 50 else 2000) + int(word)
    return dt.date(year, month, day)


@pytest.mark.parametrize("seed", [0, 1])
def test_every_target_is_valid_iso_and_the_date_written(seed):
    splits = date_splits(n_train=1500, n_valid=100, n_test=400, seed=seed)
    for source, target in splits.train + splits.valid + splits.test + splits.test_new_formats:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", target)
        assert dt.date.fromisoformat(target) == _parse(source), (source, target)
        assert set(source) <= set(SOURCE_CHARS)


def test_weekday_templates_name_the_right_weekday():
    d = dt.date(1999, 3, 3)
    assert TRAIN_FORMATS["Wed 3 Mar 99"](d) == "Wed 3 Mar 99"
    assert TRAIN_FORMATS["the 3rd of March 1999"](d) == "the 3rd of March 1999"
    assert TRAIN_FORMATS["3/3/99"](dt.date(1999, 3, 4)) == "3/4/99"
    assert TRAIN_FORMATS["03.03.1999"](dt.date(1999, 3, 4)) == "04.03.1999"


def test_iso_date_validates():
    assert iso_date(3, 3, 1999) == "1999-03-03"
    assert iso_date(29, 2, 2000) == "2000-02-29"
    for bad in ((29, 2, 1900), (31, 4, 2001), (0, 1, 2000), (1, 13, 2000)):
        with pytest.raises(ValueError):
            iso_date(*bad)
    with pytest.raises(TypeError):
        iso_date(3.0, 3, 1999)


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_encode_and_decode_round_trip_and_unknown_characters_are_refused():
    ids = encode(["1999-03-03"], TARGET_CHARS, start_end=True)[0]
    assert ids[0] == 1 and ids[-1] == 2 and decode(ids, TARGET_CHARS) == "1999-03-03"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        encode(["3 März 1999"], SOURCE_CHARS)


def test_sizes_are_validated():
    with pytest.raises(ValueError):
        date_splits(n_train=-1)
    with pytest.raises(ValueError):
        date_splits(n_train=40000)
