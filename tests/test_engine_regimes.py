"""The deadline regimes, table by table (uk-rules §3–§5): own service levels, DISP F4–F7, refunds
G11/C3, subject access P4, on each UK nation's bank holidays, at the edges of weekends and months."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from putright.engines.deadlines import (
    BusinessCalendar,
    ClockKind,
    MetBy,
    RegimeConfig,
    ServiceLevels,
    add_business_days,
    add_months,
    business_days_between,
    cancellation_refund_due,
    clocks_for,
    final_response_due,
    payment_services_due,
    payment_services_exceptional_clock,
    refund_clock,
    refund_due,
    sar_due,
    subject_access_clock,
    summary_resolution_due,
    warn_from,
)

ENG, WLS, SCT, NIR = (BusinessCalendar(r) for r in ("ENG", "WLS", "SCT", "NIR"))


# ---------------------------------------------------------------- business days per nation


@pytest.mark.parametrize(
    ("received", "calendar", "expected", "why"),
    [
        # Fri 27 Nov 2026; Mon 30 Nov is St Andrew's Day in Scotland only.
        (date(2026, 11, 27), ENG, date(2026, 11, 30), "the weekend is skipped"),
        (date(2026, 11, 27), SCT, date(2026, 12, 1), "St Andrew's Day is closed in Scotland"),
        # Mon 16 Mar 2026; Tue 17 Mar is St Patrick's Day in Northern Ireland only.
        (date(2026, 3, 16), NIR, date(2026, 3, 18), "St Patrick's Day is closed in Northern Ireland"),
        (date(2026, 3, 16), ENG, date(2026, 3, 17), "St Patrick's Day is a working day in England"),
        # Thu 2 Apr 2026: Good Friday everywhere; Easter Monday everywhere but Scotland.
        (date(2026, 4, 2), ENG, date(2026, 4, 7), "Good Friday and Easter Monday are closed"),
        (date(2026, 4, 2), WLS, date(2026, 4, 7), "Wales keeps Easter Monday too"),
        (date(2026, 4, 2), SCT, date(2026, 4, 6), "Easter Monday is a working day in Scotland"),
        # A Saturday receipt: the next business day is Monday.
        (date(2026, 11, 7), ENG, date(2026, 11, 9), "received on a Saturday"),
    ],
)
def test_one_business_day_on_from_receipt_follows_the_nation_s_bank_holidays(
    received, calendar, expected, why
):
    assert add_business_days(received, 1, calendar) == expected, why


@pytest.mark.parametrize(
    ("calendar", "expected"),
    [
        # Wed 30 Dec 2026: 31 Dec (1), 1 Jan closed, 4 Jan (2), 5 Jan (3) in England.
        (ENG, date(2027, 1, 5)),
        (NIR, date(2027, 1, 5)),
        # Scotland also closes 2 Jan, a Saturday in 2027, so Mon 4 Jan is its substitute day.
        (SCT, date(2027, 1, 6)),
    ],
)
def test_f4_summary_resolution_ends_on_the_third_business_day_after_receipt(calendar, expected):
    assert summary_resolution_due(date(2026, 12, 30), calendar) == expected


def test_f4_counts_from_the_day_after_receipt_not_the_day_itself():
    # Mon 2 Nov 2026 → Tue, Wed, Thu.
    assert summary_resolution_due(date(2026, 11, 2), ENG) == date(2026, 11, 5)
    # A datetime is read as the day it falls on.
    assert summary_resolution_due(datetime(2026, 11, 2, 23, 59), ENG) == date(2026, 11, 5)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 11, 2), date(2026, 12, 28)),  # on a bank holiday: calendar weeks, not business days
        (date(2026, 12, 31), date(2027, 2, 25)),
        (date(2028, 1, 4), date(2028, 2, 29)),  # through a leap day
    ],
)
def test_f6_final_response_is_due_at_the_end_of_eight_weeks_after_receipt(received, expected):
    assert final_response_due(received) == expected
    assert (expected - received).days == 56


@pytest.mark.parametrize(
    ("calendar", "exceptional", "expected"),
    [
        (ENG, False, date(2026, 11, 23)),
        (ENG, True, date(2026, 12, 21)),
        # 30 Nov (St Andrew's Day) falls inside the 35 business days in Scotland: one day later.
        (SCT, False, date(2026, 11, 23)),
        (SCT, True, date(2026, 12, 22)),
    ],
)
def test_f7_payment_services_have_15_business_days_or_35_exceptionally(calendar, exceptional, expected):
    assert payment_services_due(date(2026, 11, 2), calendar, exceptional=exceptional) == expected


# ---------------------------------------------------------------- refunds and subject access


@pytest.mark.parametrize(
    ("agreed", "expected"),
    [
        (date(2026, 11, 16), date(2026, 11, 29)),  # 14 days beginning with the 16th: the 16th is day 1
        (date(2027, 1, 31), date(2027, 2, 13)),
        (date(2026, 12, 25), date(2027, 1, 7)),  # bank holidays do not stop the clock
    ],
)
def test_g11_refund_is_due_14_days_beginning_with_the_day_of_agreement(agreed, expected):
    assert refund_due(agreed) == expected
    clock = refund_clock(agreed)
    assert (clock.kind, clock.rule_id, clock.due, clock.met_by) == (
        ClockKind.REFUND,
        "G11",
        expected,
        MetBy.DELIVERED,
    )


def test_c3_cancellation_refund_is_due_14_days_after_being_told():
    assert cancellation_refund_due(date(2026, 11, 16)) == date(2026, 11, 30)
    clock = refund_clock(date(2026, 11, 16), cancellation=True)
    assert (clock.kind, clock.rule_id, clock.due) == (ClockKind.CANCELLATION_REFUND, "C3", date(2026, 11, 30))


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 3, 15), date(2026, 4, 15)),  # the same date next month
        (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),  # across the year end
        (date(2026, 2, 28), date(2026, 3, 28)),
    ],
)
def test_p4_subject_access_is_due_one_calendar_month_on(received, expected):
    assert sar_due(received) == expected


def test_p4_a_complex_request_may_take_two_further_months():
    assert sar_due(date(2026, 1, 31), extended=True) == date(2026, 4, 30)
    clock = subject_access_clock(date(2026, 1, 31), extended=True)
    assert (clock.rule_id, clock.due, clock.met_by) == ("P4", date(2026, 4, 30), MetBy.STAFF)
    assert "extended" in clock.basis


def test_p4_with_a_calendar_a_deadline_on_a_closed_day_moves_to_the_next_business_day():
    # Received Sat 31 Oct 2026: due Mon 30 Nov; in Scotland that is St Andrew's Day.
    assert sar_due(date(2026, 10, 31)) == date(2026, 11, 30)
    assert sar_due(date(2026, 10, 31), calendar=ENG) == date(2026, 11, 30)
    assert sar_due(date(2026, 10, 31), calendar=SCT) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
    ],
)
def test_add_months_keeps_the_date_or_takes_the_month_s_last_day(day, months, expected):
    assert add_months(day, months) == expected


# ---------------------------------------------------------------- the warning window


@pytest.mark.parametrize(
    ("due", "days", "expected"),
    [
        (date(2026, 11, 16), 1, date(2026, 11, 13)),  # due Monday: warned on the Friday before
        (date(2026, 11, 16), 0, date(2026, 11, 16)),  # 0: on the day itself
        (date(2026, 12, 29), 1, date(2026, 12, 24)),  # 25 and 28 Dec are closed
        (date(2026, 12, 29), 2, date(2026, 12, 23)),
    ],
)
def test_a_clock_is_at_risk_from_the_business_day_before_it_falls_due(due, days, expected):
    assert warn_from(due, days, ENG) == expected


def test_a_negative_warning_is_refused():
    with pytest.raises(ValueError):
        warn_from(date(2026, 11, 16), -1, ENG)


# ---------------------------------------------------------------- which clocks a complaint carries


def _kinds(specs):
    return [(s.kind, s.rule_id, s.due) for s in specs]


def test_a_retailer_s_own_service_levels_start_from_receipt():
    specs = clocks_for(date(2026, 11, 2), RegimeConfig(), ENG)
    assert _kinds(specs) == [
        (ClockKind.ACKNOWLEDGE, "SLA.acknowledge", date(2026, 11, 3)),
        (ClockKind.FIRST_UPDATE, "SLA.first_update", date(2026, 11, 5)),
        (ClockKind.RESOLVE, "SLA.resolve", date(2026, 11, 16)),
    ]
    assert [s.met_by for s in specs] == [MetBy.FIRST_MESSAGE, MetBy.LATER_MESSAGE, MetBy.CLOSED]


def test_disp_adds_f4_f5_and_f6_for_a_regulated_complaint_only():
    config = RegimeConfig(service_levels=None, disp=True)
    assert clocks_for(date(2026, 11, 2), config, ENG, regulated=False) == []
    specs = clocks_for(date(2026, 11, 2), config, ENG, regulated=True)
    assert _kinds(specs) == [
        (ClockKind.DISP_ACKNOWLEDGE, "F5", date(2026, 11, 5)),
        (ClockKind.DISP_SUMMARY, "F4", date(2026, 11, 5)),
        (ClockKind.DISP_FINAL, "F6", date(2026, 12, 28)),
    ]
    f4 = next(s for s in specs if s.kind == ClockKind.DISP_SUMMARY)
    assert (f4.window, f4.met_by) == (True, MetBy.CLOSED_RESOLVED)
    assert not any(s.window for s in specs if s.kind != ClockKind.DISP_SUMMARY)


def test_disp_off_starts_no_disp_clock_even_for_a_regulated_complaint():
    assert clocks_for(date(2026, 11, 2), RegimeConfig(service_levels=None), ENG, regulated=True) == []


def test_a_payment_services_complaint_has_f7_instead_of_f6():
    config = RegimeConfig(service_levels=None, disp=True)
    specs = clocks_for(date(2026, 11, 2), config, ENG, regulated=True, payment_services=True)
    assert (ClockKind.DISP_PAYMENT_FINAL, "F7", date(2026, 11, 23)) in _kinds(specs)
    assert ClockKind.DISP_FINAL not in [s.kind for s in specs]
    exceptional = payment_services_exceptional_clock(date(2026, 11, 2), ENG)
    assert (exceptional.kind, exceptional.rule_id, exceptional.due) == (
        ClockKind.DISP_PAYMENT_EXCEPTIONAL,
        "F7",
        date(2026, 12, 21),
    )


def test_a_service_level_switched_off_starts_no_clock_and_zero_means_the_same_day():
    specs = clocks_for(date(2026, 11, 2), RegimeConfig(ServiceLevels(acknowledge=0, first_update=None)), ENG)
    assert _kinds(specs) == [
        (ClockKind.ACKNOWLEDGE, "SLA.acknowledge", date(2026, 11, 2)),
        (ClockKind.RESOLVE, "SLA.resolve", date(2026, 11, 16)),
    ]


def test_the_calendar_decides_the_service_level_dates():
    # Received Fri 27 Nov 2026; Scotland closes Mon 30 Nov.
    eng = clocks_for(date(2026, 11, 27), RegimeConfig(), ENG)
    sct = clocks_for(date(2026, 11, 27), RegimeConfig(), SCT)
    assert [s.due for s in eng] == [date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 11)]
    assert [s.due for s in sct] == [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 14)]


@pytest.mark.parametrize("days", [-1, 366])
def test_a_service_level_outside_0_to_365_business_days_is_refused(days):
    with pytest.raises(ValueError):
        ServiceLevels(resolve=days)


# ---------------------------------------------------------------- properties over any date


regions = st.sampled_from([ENG, WLS, SCT, NIR])
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(received=days, calendar=regions)
def test_f4_is_always_a_business_day_exactly_three_business_days_on(received, calendar):
    due = summary_resolution_due(received, calendar)
    assert calendar.is_business_day(due)
    assert business_days_between(received, due, calendar) == 3
    assert due - received <= timedelta(days=3 + 2 + 4)  # at worst a weekend and Christmas/New Year


@given(received=days)
def test_refunds_and_final_responses_run_in_calendar_days(received):
    assert refund_due(received) - received == timedelta(days=13)
    assert cancellation_refund_due(received) - received == timedelta(days=14)
    assert final_response_due(received) - received == timedelta(days=56)


@given(received=days)
def test_a_subject_access_deadline_is_in_the_next_month_on_the_same_or_last_day(received):
    due = sar_due(received)
    assert (due.year * 12 + due.month) - (received.year * 12 + received.month) == 1
    assert due.day == received.day or (
        due.day < received.day and (due + timedelta(days=1)).month != due.month
    )


@given(due=days, calendar=regions, warning=st.integers(min_value=0, max_value=10))
def test_the_warning_day_is_never_after_the_due_day(due, calendar, warning):
    start = warn_from(due, warning, calendar)
    assert start <= due
    if warning:
        assert calendar.is_business_day(start)
        # ``warning`` business days from the warning day up to (not including) the due day.
        assert business_days_between(start, due, calendar) == warning - 1 + int(calendar.is_business_day(due))
