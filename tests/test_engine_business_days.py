from datetime import date

import pytest

from putright.engines.deadlines import (
    BusinessCalendar,
    add_business_days,
    business_days_between,
    subtract_business_days,
)

ENG = BusinessCalendar("ENG")
SCT = BusinessCalendar("SCT")


def test_it_skips_the_weekend():
    # Friday 6 Nov 2026 + 1 business day is Monday 9 Nov.
    assert add_business_days(date(2026, 11, 6), 1, ENG) == date(2026, 11, 9)


def test_it_skips_christmas_and_boxing_day_substitute():
    # 2026: Christmas Friday 25 Dec, Boxing Day Saturday → substitute Monday 28 Dec.
    assert add_business_days(date(2026, 12, 24), 1, ENG) == date(2026, 12, 29)


def test_scotland_closes_on_2_january_but_england_does_not():
    # 2026-01-01 Thursday (holiday everywhere); 2 January Friday is a holiday only in Scotland.
    assert add_business_days(date(2025, 12, 31), 1, ENG) == date(2026, 1, 2)
    assert add_business_days(date(2025, 12, 31), 1, SCT) == date(2026, 1, 5)


def test_st_andrews_day_substitute_is_closed_in_scotland_only():
    # 30 Nov 2025 was a Sunday, so Monday 1 Dec 2025 was the Scottish substitute day.
    assert SCT.is_business_day(date(2025, 12, 1)) is False
    assert ENG.is_business_day(date(2025, 12, 1)) is True


def test_between_counts_business_days_after_start_up_to_end():
    assert business_days_between(date(2026, 11, 6), date(2026, 11, 11), ENG) == 3  # Mon, Tue, Wed
    assert business_days_between(date(2026, 11, 11), date(2026, 11, 6), ENG) == 0


@pytest.mark.parametrize("days", [0, 1, 3, 7, 20])
def test_subtract_is_the_inverse_of_between(days):
    end = date(2026, 12, 31)
    start = subtract_business_days(end, days, ENG)
    assert business_days_between(start, end, ENG) == days
    assert business_days_between(start - __import__("datetime").timedelta(days=1), end, ENG) >= days


def test_it_rejects_negative_days_and_unknown_regions():
    with pytest.raises(ValueError):
        add_business_days(date(2026, 1, 1), -1)
    with pytest.raises(ValueError):
        BusinessCalendar("XYZ").is_business_day(date(2026, 1, 5))
