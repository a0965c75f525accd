"""Which clocks a complaint carries, and the day each one falls due.

The regimes (uk-rules.md §3–§5, PRODUCT.md E4) an organisation can switch on:

- its own service levels, in business days from receipt: acknowledge, first update, resolve;
- FCA DISP 1 for regulated complaints: summary resolution by close of business on the 3rd
  business day after receipt (F4), a prompt written acknowledgement once that window closes
  unresolved (F5), the final response by the end of 8 weeks after receipt (F6), and for payment
  services / e-money 15 business days, exceptionally 35 (F7);
- refunds: 14 days beginning with the day a refund is agreed (G11, CRA s20(15)), or 14 days after
  the trader is told of a valid cancellation (C3, CCR regs 34–35);
- subject access: one calendar month from receipt, extendable by two months (P4).

Date arithmetic follows the reference: "X days beginning with D" ends on D + (X − 1); "X days
after D" ends on D + X; business days skip weekends and the bank holidays of the calendar's
region (ENG, WLS, SCT, NIR differ). Each clock names the rule that set it, so a case shows
*why* it is due when it is. Pure: no Django.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from putright.engines.deadlines.business_days import BusinessCalendar, add_business_days

# DISP 1.6.2R: "by the end of eight weeks after its receipt".
DISP_FINAL_RESPONSE_DAYS = 56
# DISP 1.5: summary resolution "by close of business on the third business day following receipt".
DISP_SUMMARY_BUSINESS_DAYS = 3
# DISP 1.6.2AR: payment services and e-money.
PAYMENT_SERVICES_BUSINESS_DAYS = 15
PAYMENT_SERVICES_EXCEPTIONAL_BUSINESS_DAYS = 35
# CRA s20(15): "within 14 days beginning with the day on which the trader agrees".
REFUND_DAYS_BEGINNING_WITH = 14
# CCR reg 34: "not later than 14 days after the day on which the trader is informed".
CANCELLATION_REFUND_DAYS_AFTER = 14
# UK GDPR Art 12(3): one month, extendable "by two further months".
SAR_MONTHS = 1
SAR_EXTENSION_MONTHS = 2


class ClockKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FIRST_UPDATE = "first_update"
    RESOLVE = "resolve"
    DISP_SUMMARY = "disp_summary_resolution"
    DISP_ACKNOWLEDGE = "disp_acknowledge"
    DISP_FINAL = "disp_final_response"
    DISP_PAYMENT_FINAL = "disp_payment_final_response"
    DISP_PAYMENT_EXCEPTIONAL = "disp_payment_exceptional"
    REFUND = "refund"
    CANCELLATION_REFUND = "cancellation_refund"
    SUBJECT_ACCESS = "subject_access"


class MetBy(StrEnum):
    """What stops a clock in time."""

    FIRST_MESSAGE = "first_message"  # the first written message to the customer
    LATER_MESSAGE = "later_message"  # a message to the customer after the acknowledgement
    CLOSED = "closed"  # the case closes, resolved or with the final response
    CLOSED_RESOLVED = "closed_resolved"  # the case closes resolved (the customer accepted)
    STAFF = "staff"  # a colleague records it done (data sent)
    # A colleague records it done, or the agreed action plan is delivered (paying the refund is a step of
    # it: the case moves to checking with the customer only once every step is done).
    DELIVERED = "delivered"


# What each kind is for, in words a handler reads on the case page.
LABELS: dict[ClockKind, str] = {
    ClockKind.ACKNOWLEDGE: "Acknowledge the complaint",
    ClockKind.FIRST_UPDATE: "First update to the customer",
    ClockKind.RESOLVE: "Resolve the complaint",
    ClockKind.DISP_SUMMARY: "Summary resolution window (3 business days)",
    ClockKind.DISP_ACKNOWLEDGE: "Written acknowledgement stating our deadline",
    ClockKind.DISP_FINAL: "Final response (8 weeks)",
    ClockKind.DISP_PAYMENT_FINAL: "Final response, payment services (15 business days)",
    ClockKind.DISP_PAYMENT_EXCEPTIONAL: "Final response, payment services, exceptional (35 business days)",
    ClockKind.REFUND: "Pay the agreed refund",
    ClockKind.CANCELLATION_REFUND: "Refund after cancellation",
    ClockKind.SUBJECT_ACCESS: "Answer the subject access request",
}

RULE_IDS: dict[ClockKind, str] = {
    ClockKind.ACKNOWLEDGE: "SLA.acknowledge",
    ClockKind.FIRST_UPDATE: "SLA.first_update",
    ClockKind.RESOLVE: "SLA.resolve",
    ClockKind.DISP_SUMMARY: "F4",
    ClockKind.DISP_ACKNOWLEDGE: "F5",
    ClockKind.DISP_FINAL: "F6",
    ClockKind.DISP_PAYMENT_FINAL: "F7",
    ClockKind.DISP_PAYMENT_EXCEPTIONAL: "F7",
    ClockKind.REFUND: "G11",
    ClockKind.CANCELLATION_REFUND: "C3",
    ClockKind.SUBJECT_ACCESS: "P4",
}

MET_BY: dict[ClockKind, MetBy] = {
    ClockKind.ACKNOWLEDGE: MetBy.FIRST_MESSAGE,
    ClockKind.FIRST_UPDATE: MetBy.LATER_MESSAGE,
    ClockKind.RESOLVE: MetBy.CLOSED,
    ClockKind.DISP_SUMMARY: MetBy.CLOSED_RESOLVED,
    ClockKind.DISP_ACKNOWLEDGE: MetBy.FIRST_MESSAGE,
    ClockKind.DISP_FINAL: MetBy.CLOSED,
    ClockKind.DISP_PAYMENT_FINAL: MetBy.CLOSED,
    ClockKind.DISP_PAYMENT_EXCEPTIONAL: MetBy.CLOSED,
    ClockKind.REFUND: MetBy.DELIVERED,
    ClockKind.CANCELLATION_REFUND: MetBy.DELIVERED,
    ClockKind.SUBJECT_ACCESS: MetBy.STAFF,
}

# F4 is an opportunity, not a duty: when it passes unresolved, F5 and F6 take over. It ends; it is
# never "missed".
WINDOWS = frozenset({ClockKind.DISP_SUMMARY})


@dataclass(frozen=True)
class ServiceLevels:
    """The organisation's own targets, in business days after receipt; None switches one off."""

    acknowledge: int | None = 1
    first_update: int | None = 3
    resolve: int | None = 10

    def __post_init__(self) -> None:
        for name in ("acknowledge", "first_update", "resolve"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 365:
                raise ValueError(f"service level {name} must be between 0 and 365 business days")


@dataclass(frozen=True)
class RegimeConfig:
    """The regimes an organisation has switched on."""

    service_levels: ServiceLevels | None = field(default_factory=ServiceLevels)
    disp: bool = False


@dataclass(frozen=True)
class ClockSpec:
    kind: ClockKind
    rule_id: str
    label: str
    due: date
    met_by: MetBy
    # How the date was worked out, in words (shown beside the due date).
    basis: str
    window: bool = False


def _day(moment: date | datetime) -> date:
    # A datetime is taken in whatever zone the caller gave it (the organisation's local time).
    return moment.date() if isinstance(moment, datetime) else moment


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or the last day of that month when it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = month_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def _next_business_day_from(day: date, calendar: BusinessCalendar) -> date:
    while not calendar.is_business_day(day):
        day += timedelta(days=1)
    return day


# ---------------------------------------------------------------- the single-rule calculators


def summary_resolution_due(received: date | datetime, calendar: BusinessCalendar | None = None) -> date:
    """F4: close of business on the 3rd business day after the day of receipt."""
    return add_business_days(_day(received), DISP_SUMMARY_BUSINESS_DAYS, calendar or BusinessCalendar())


def final_response_due(received: date | datetime) -> date:
    """F6: the end of 8 weeks after receipt (received + 56 days)."""
    return _day(received) + timedelta(days=DISP_FINAL_RESPONSE_DAYS)


def payment_services_due(
    received: date | datetime, calendar: BusinessCalendar | None = None, *, exceptional: bool = False
) -> date:
    """F7: 15 business days after receipt; 35 where a holding reply explains the exceptional delay."""
    days = PAYMENT_SERVICES_EXCEPTIONAL_BUSINESS_DAYS if exceptional else PAYMENT_SERVICES_BUSINESS_DAYS
    return add_business_days(_day(received), days, calendar or BusinessCalendar())


def refund_due(agreed: date | datetime) -> date:
    """G11: 14 days beginning with the day the refund was agreed (agreed + 13)."""
    return _day(agreed) + timedelta(days=REFUND_DAYS_BEGINNING_WITH - 1)


def cancellation_refund_due(informed: date | datetime) -> date:
    """C3: 14 days after the day the trader is told of the cancellation (or, for goods, gets them back
    or evidence of return: the earlier of those is after being told, so this is the earliest it can be)."""
    return _day(informed) + timedelta(days=CANCELLATION_REFUND_DAYS_AFTER)


def sar_due(
    received: date | datetime, *, extended: bool = False, calendar: BusinessCalendar | None = None
) -> date:
    """P4: the same date next month, or that month's last day when it has no such date.

    ``extended`` adds the two further months allowed for a complex request (the requester must be
    told within the first month). With a ``calendar``, a deadline on a weekend or bank holiday moves
    to the next business day, as the ICO's guidance allows [UNCONFIRMED: not in the reference].
    """
    months = SAR_MONTHS + (SAR_EXTENSION_MONTHS if extended else 0)
    due = add_months(_day(received), months)
    return _next_business_day_from(due, calendar) if calendar is not None else due


def warn_from(due: date, business_days: int, calendar: BusinessCalendar | None = None) -> date:
    """The day a clock becomes "at risk": ``business_days`` business days before it falls due.

    0 means the due day itself. Due on a Monday with 1 day's warning: the Friday before.
    """
    if business_days < 0:
        raise ValueError("business_days must not be negative")
    cal = calendar or BusinessCalendar()
    day = due
    remaining = business_days
    while remaining:
        day -= timedelta(days=1)
        if cal.is_business_day(day):
            remaining -= 1
    return day


# ---------------------------------------------------------------- clocks


def clock_spec(kind: ClockKind, due: date, basis: str) -> ClockSpec:
    """A clock of ``kind`` due on ``due``, with the rule id, label and what meets it filled in."""
    return ClockSpec(
        kind=kind,
        rule_id=RULE_IDS[kind],
        label=LABELS[kind],
        due=due,
        met_by=MET_BY[kind],
        basis=basis,
        window=kind in WINDOWS,
    )


def clocks_for(
    received: date | datetime,
    config: RegimeConfig,
    calendar: BusinessCalendar | None = None,
    *,
    regulated: bool = False,
    payment_services: bool = False,
) -> list[ClockSpec]:
    """The clocks that start when a complaint is received, earliest first.

    ``regulated``: the complaint falls under DISP (F1); DISP clocks start only when the regime is on
    and the complaint is regulated. ``payment_services``: F7's 15 business days replace F6's 8 weeks.
    """
    cal = calendar or BusinessCalendar()
    day = _day(received)
    specs: list[ClockSpec] = []
    levels = config.service_levels
    if levels is not None:
        own = (
            (ClockKind.ACKNOWLEDGE, levels.acknowledge),
            (ClockKind.FIRST_UPDATE, levels.first_update),
            (ClockKind.RESOLVE, levels.resolve),
        )
        for kind, days in own:
            if days is not None:
                specs.append(
                    clock_spec(kind, add_business_days(day, days, cal), f"{days} business days after receipt")
                )
    if config.disp and regulated:
        summary = summary_resolution_due(day, cal)
        specs.append(
            clock_spec(ClockKind.DISP_SUMMARY, summary, "close of business, 3rd business day after receipt")
        )
        specs.append(
            clock_spec(
                ClockKind.DISP_ACKNOWLEDGE, summary, "promptly, once the summary resolution window closes"
            )
        )
        if payment_services:
            specs.append(
                clock_spec(
                    ClockKind.DISP_PAYMENT_FINAL,
                    payment_services_due(day, cal),
                    "15 business days after receipt",
                )
            )
        else:
            specs.append(
                clock_spec(ClockKind.DISP_FINAL, final_response_due(day), "end of 8 weeks after receipt")
            )
    return sorted(specs, key=lambda s: (s.due, s.kind.value))


def payment_services_exceptional_clock(
    received: date | datetime, calendar: BusinessCalendar | None = None
) -> ClockSpec:
    """F7: the final response after a holding reply, by the 35th business day after receipt."""
    return clock_spec(
        ClockKind.DISP_PAYMENT_EXCEPTIONAL,
        payment_services_due(received, calendar, exceptional=True),
        "35 business days after receipt (holding reply sent)",
    )


def refund_clock(agreed: date | datetime, *, cancellation: bool = False) -> ClockSpec:
    """G11 (a refund agreed as due) or C3 (a refund after a valid cancellation)."""
    if cancellation:
        return clock_spec(
            ClockKind.CANCELLATION_REFUND,
            cancellation_refund_due(agreed),
            "14 days after we were told of the cancellation",
        )
    return clock_spec(
        ClockKind.REFUND, refund_due(agreed), "14 days beginning with the day the refund was agreed"
    )


def subject_access_clock(
    received: date | datetime, *, extended: bool = False, calendar: BusinessCalendar | None = None
) -> ClockSpec:
    """P4: one calendar month from receipt, or three with the extension for a complex request."""
    basis = "one calendar month from receipt" + (", extended by two months" if extended else "")
    return clock_spec(
        ClockKind.SUBJECT_ACCESS, sar_due(received, extended=extended, calendar=calendar), basis
    )


__all__ = [
    "LABELS",
    "MET_BY",
    "RULE_IDS",
    "WINDOWS",
    "ClockKind",
    "ClockSpec",
    "MetBy",
    "RegimeConfig",
    "ServiceLevels",
    "add_months",
    "cancellation_refund_due",
    "clock_spec",
    "clocks_for",
    "final_response_due",
    "payment_services_due",
    "payment_services_exceptional_clock",
    "refund_clock",
    "refund_due",
    "sar_due",
    "subject_access_clock",
    "summary_resolution_due",
    "warn_from",
]
