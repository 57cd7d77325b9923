import datetime

import pytest

from keras_attention.data import dates


def test_known_formats():
    d = datetime.date(1998, 3, 3)
    assert dates.format_date(d, "weekday_day_month_year") == "Tuesday, 3 March 1998"
    assert dates.format_date(d, "us_slash_short") == "03/03/98"
    assert dates.format_date(d, "day_abbrev_dot_year") == "3 mar. 1998"
    assert dates.format_date(d, "month_ordinal_year") == "March 3rd, 1998"
    assert dates.format_date(datetime.date(2011, 11, 12), "ordinal_of_month") == (
        "the 12th of November, 2011"
    )
    assert dates.format_date(datetime.date(2021, 1, 22), "ordinal_of_month").startswith(
        "the 22nd"
    )


def test_generation_is_deterministic_and_seed_dependent():
    a = dates.load_dates(train_size=50, validation_size=10, test_size=10, seed=3)
    b = dates.load_dates(train_size=50, validation_size=10, test_size=10, seed=3)
    c = dates.load_dates(train_size=50, validation_size=10, test_size=10, seed=4)
    assert a == b
    assert a != c


def test_splits_share_no_date_and_targets_are_iso():
    splits = dates.load_dates(train_size=3000, validation_size=300, test_size=300, seed=0)
    sets = {k: set(v[1]) for k, v in splits.items()}
    assert not sets["train"] & sets["test"]
    assert not sets["train"] & sets["validation"]
    assert not sets["validation"] & sets["test"]
    for source, target in zip(*splits["test"], strict=True):
        date = datetime.date.fromisoformat(target)
        assert dates.FIRST_DATE <= date <= dates.LAST_DATE
        assert source  # non-empty
    assert [len(v[0]) for v in splits.values()] == [3000, 300, 300]


def test_every_format_appears_and_weekdays_are_right():
    splits = dates.load_dates(train_size=2000, validation_size=0, test_size=0, seed=1)
    sources, targets = splits["train"]
    for source, target in zip(sources, targets, strict=True):
        date = datetime.date.fromisoformat(target)
        if source.startswith(tuple(dates.WEEKDAYS)):
            assert source.split(",")[0].split()[0] == dates.WEEKDAYS[date.weekday()]
    # Each example must be one of the formats of its own date.
    for source, target in list(zip(sources, targets, strict=True))[:300]:
        date = datetime.date.fromisoformat(target)
        assert source in {dates.format_date(date, f) for f in dates.DATE_FORMATS}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_size": 0}, "`train_size` must be an integer >= 1"),
        ({"test_size": -1}, "`test_size` must be an integer >= 0"),
        ({"test_size": 40000}, "must leave dates for training"),
        ({"formats": ["nope"]}, "Unknown date format"),
        ({"seed": "x"}, "`seed` must be an integer"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dates.load_dates(**kwargs)
