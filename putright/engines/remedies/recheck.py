"""What the corrected counting of the six-month periods and of cancellation changes for a case's facts.

Open cases were assessed, and acted on, under the earlier counting. ``position_changes`` compares it with
the current engine over the days a case has been open, so staff can recheck the cases it names:

- G7: the six months free of any deduction for use begin with the day *after* delivery and any
  installation (delivered 30 April: 1 May - 31 October), not on the corresponding date after delivery.
- G9/G10: the presumption's six months begin with the day of delivery and end the day before the
  same-numbered day six months later (delivered 15 January: the last day is 14 July, not 15 July).
- C2: information given late counts the 12 months beginning with the day of the contract, not with
  delivery, before the period ends 12 months after its normal end.
- C1/C3/C4: a cancellation made in time is the customer's remedy, with its refund and return dates;
  before, it was not offered at all.

The earlier counting is kept here, and only here, to make that comparison.
"""

from __future__ import annotations

from datetime import date, timedelta

from putright.engines.remedies.dates import add_months, days_after, months_beginning_with, spoken
from putright.engines.remedies.engine import (
    C2_EXTRA_MONTHS,
    CANCEL_DAYS,
    NO_DEDUCTION_MONTHS,
    PRESUMPTION_MONTHS,
    evaluate,
)
from putright.engines.remedies.facts import Facts
from putright.engines.remedies.rules import RulesConfig

_ONE_DAY = timedelta(days=1)


def _overlap(first: date, last: date, low: date, high: date) -> tuple[date, date] | None:
    """The days of ``first``..``last`` that are also in ``low``..``high`` (both inclusive), if any."""
    start, end = max(first, low), min(last, high)
    return (start, end) if start <= end else None


def position_changes(facts: Facts, since: date, config: RulesConfig | None = None) -> tuple[str, ...]:
    """One sentence per way the legal position on the days ``since``..``facts.today`` differs from the
    earlier counting's, each ending with the id of the rule it concerns. Empty when nothing changed."""
    config = config or RulesConfig()
    if not facts.consumer:
        return ()
    since = min(since, facts.today)
    assessment = evaluate(facts, config)
    offered = {option.remedy: option for option in assessment.remedies}
    found: list[str] = []
    if facts.supply == "goods" and facts.fault and facts.delivery_date is not None:
        found += _presumption(facts, since)
        if "final_reject" in offered and not (facts.motor_vehicle and config.motor_vehicle_deduction):
            found += _deduction(facts, since)
    cancel = offered.get("cancel")
    requested = facts.cancellation_requested_date
    if cancel is not None and requested is not None and (cancel.refund_by or cancel.return_by):
        found.append(
            f"The customer cancelled in time on {spoken(requested)}: the cancellation is now offered as their "
            "remedy, with its refund and return dates, and its refund counts from the cancellation (C1)"
        )
    elif facts.distance_sale and requested is None:
        found += _late_information(facts, since)
    return tuple(f"{text}." for text in found)


def _presumption(facts: Facts, since: date) -> list[str]:
    assert facts.delivery_date is not None
    old_last = add_months(facts.delivery_date, PRESUMPTION_MONTHS)
    new_last = months_beginning_with(facts.delivery_date, PRESUMPTION_MONTHS)
    if new_last >= old_last:
        return []
    # On a day d the fault counts as shown by min(report, repair request, d): over the days the case was
    # open that runs from min(dated, since) to min(dated, today).
    dated = min((d for d in (facts.fault_reported_date, facts.repair_requested_date) if d), default=None)
    low = since if dated is None else min(dated, since)
    high = facts.today if dated is None else min(dated, facts.today)
    if _overlap(low, high, new_last + _ONE_DAY, old_last) is None:
        return []
    return [
        f"The presumption that the fault was there at delivery ended on {spoken(new_last)}, not "
        f"{spoken(old_last)}: a fault that showed on {spoken(old_last)} must now be shown by the customer (G10)"
    ]


def _deduction(facts: Facts, since: date) -> list[str]:
    assert facts.delivery_date is not None
    start = max(d for d in (facts.delivery_date, facts.installation_completed_date) if d is not None)
    old_last = add_months(start, NO_DEDUCTION_MONTHS)
    new_last = months_beginning_with(days_after(start, 1), NO_DEDUCTION_MONTHS)
    if new_last <= old_last:
        return []
    if _overlap(since, facts.today, old_last + _ONE_DAY, new_last) is None:
        return []
    return [
        f"A final rejection up to {spoken(new_last)} is free of any deduction for use; the earlier counting "
        f"allowed one from {spoken(old_last + _ONE_DAY)} (G7)"
    ]


def _late_information(facts: Facts, since: date) -> list[str]:
    """C2, for information received late: the period ends 14 days after it came if it came within the 12
    months beginning with the contract, else 12 months after the normal end (which is never sooner)."""
    received, contract = facts.cancellation_info_received_date, facts.contract_date
    start = facts.delivery_date if facts.supply == "goods" else contract
    if (
        not facts.cancellation_info_given
        or facts.excluded_from_cancellation
        or (facts.supply == "digital_content" and facts.early_supply_consent)
        or received is None
        or contract is None
        or start is None
        or received <= contract
    ):
        return []
    normal_end = days_after(start, CANCEL_DAYS)
    old_in_time = received <= add_months(start, C2_EXTRA_MONTHS)
    new_in_time = received <= months_beginning_with(contract, C2_EXTRA_MONTHS)
    if old_in_time == new_in_time:
        return []
    old_end = max(normal_end, days_after(received, CANCEL_DAYS))
    new_end = add_months(normal_end, C2_EXTRA_MONTHS)
    if new_end <= old_end or _overlap(since, facts.today, old_end + _ONE_DAY, new_end) is None:
        return []
    return [
        f"The right to cancel lasts until {spoken(new_end)}; the earlier counting ended it on {spoken(old_end)} "
        "(C2)"
    ]
