"""Which statutory remedies a consumer has, and until when (uk-rules.md §1 and §2).

``evaluate(facts)`` decides whether the problem is a statutory breach (CRA 2015) or an ordinary service
issue, lists every rule that applies by id, and offers each remedy still open on ``facts.today`` with
the last day it can be used. A remedy whose time has run out is not offered; a line says when it ended.
Cancellation (CCR 2013) is worked out separately from breach remedies: it needs no fault and runs on
its own window.

Every line is one plain-English sentence ending with the id of the rule it comes from, e.g.
"Short-term right to reject for a full refund until 2 April 2026 (G1)."
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from putright.engines.remedies.dates import (
    add_months,
    add_years,
    days_after,
    days_beginning_with,
    months_beginning_with,
    spoken,
    spoken_period,
)
from putright.engines.remedies.facts import Facts
from putright.engines.remedies.rules import REGION_NAMES, RULES, RulesConfig

Burden = Literal["trader", "consumer"]

SHORT_TERM_DAYS = 30
MIN_DAYS_AFTER_REPAIR = 7
PRESUMPTION_MONTHS = 6
NO_DEDUCTION_MONTHS = 6
REFUND_DAYS = 14
CANCEL_DAYS = 14
C2_EXTRA_MONTHS = 12

_REMEDY_WORDS = {
    "short_term_reject": "reject the goods for a full refund",
    "repair": "repair",
    "replace": "replacement",
    "price_reduction": "a price reduction",
    "final_reject": "the final right to reject",
    "cancel": "cancel without giving a reason",
    "repeat_performance": "repeat performance of the service",
    "repair_device_or_compensate": "repair of the damage to the device, or compensation",
}


@dataclass(frozen=True)
class RemedyOption:
    remedy: str
    rule: str
    # The last day the remedy can be used; None when it is open with no end that can be worked out yet
    # (a paused short-term right, cancelling goods not yet delivered, a time limit with no start date).
    # For a cancellation the customer has made, the last day of the cancellation period they used.
    available_until: date | None
    # "cancel" only, once the customer has cancelled in time. refund_by (C3): the last day to refund when
    # it runs from the cancellation (a service, digital content, goods not yet delivered); None for goods
    # delivered, whose refund runs from their return. return_by (C4): the last day to send goods back.
    refund_by: date | None = None
    return_by: date | None = None

    def to_dict(self) -> dict[str, object]:
        """One remedy as JSON; only a cancellation carries ``refund_by`` and ``return_by``."""
        item: dict[str, object] = {
            "remedy": self.remedy,
            "rule": self.rule,
            "available_until": _iso(self.available_until),
        }
        if self.remedy == "cancel":
            item["refund_by"] = _iso(self.refund_by)
            item["return_by"] = _iso(self.return_by)
        return item


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


@dataclass(frozen=True)
class Assessment:
    statutory_breach: bool
    rules: tuple[str, ...]
    remedies: tuple[RemedyOption, ...]
    # Who must prove the goods were faulty at delivery, for repair, replacement, price reduction or final
    # rejection (G9/G10); the short-term right always rests on the consumer (G10). None unless faulty goods.
    burden_of_proof: Burden | None
    # Whether a refund on rejection may be reduced for use if the customer rejects today: G7/G8 when the
    # final right to reject is open, else False when only the short-term right is (G1). None otherwise.
    deduction_for_use_allowed: bool | None
    unconfirmed: tuple[str, ...]
    explanation: str
    lines: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON answer: the fields in this order, dates as ``YYYY-MM-DD``."""
        return {
            "statutory_breach": self.statutory_breach,
            "rules": list(self.rules),
            "remedies": [option.to_dict() for option in self.remedies],
            "burden_of_proof": self.burden_of_proof,
            "deduction_for_use_allowed": self.deduction_for_use_allowed,
            "unconfirmed": list(self.unconfirmed),
            "explanation": self.explanation,
            "lines": list(self.lines),
        }


@dataclass
class _Findings:
    facts: Facts
    config: RulesConfig
    applied: set[str] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    remedies: list[RemedyOption] = field(default_factory=list)
    burden: Burden | None = None
    deduction: bool | None = None

    def line(self, rule: str, text: str) -> None:
        assert rule in RULES, rule
        self.applied.add(rule)
        self.lines.append(f"{text} ({rule}).")

    def offer(self, remedy: str, rule: str, until: date | None) -> None:
        # A remedy whose last day has passed is never offered; callers say in a line when it ended.
        if until is None or until >= self.facts.today:
            self.remedies.append(RemedyOption(remedy, rule, until))

    def offered(self, remedy: str) -> bool:
        return any(option.remedy == remedy for option in self.remedies)


def evaluate(facts: Facts, config: RulesConfig | None = None) -> Assessment:
    found = _Findings(facts, config or RulesConfig())
    breach = facts.consumer and (facts.fault or (facts.supply == "digital_content" and facts.device_damaged))
    if facts.consumer:
        if facts.supply == "goods":
            _goods(found)
        elif facts.supply == "digital_content":
            _digital_content(found)
        else:
            _service(found)
        if facts.distance_sale:
            _cancellation(found)
    order = list(RULES)
    rules = tuple(sorted(found.applied, key=order.index))
    return Assessment(
        statutory_breach=breach,
        rules=rules,
        remedies=tuple(found.remedies),
        burden_of_proof=found.burden,
        deduction_for_use_allowed=found.deduction,
        unconfirmed=tuple(rule for rule in rules if RULES[rule].unconfirmed),
        explanation=_explanation(found, breach),
        lines=tuple(found.lines),
    )


# ---------------------------------------------------------------- G13, shared by every CRA claim


@dataclass(frozen=True)
class _Limitation:
    end: date | None
    text: str

    def is_open(self, today: date) -> bool:
        return self.end is None or self.end >= today


def _limitation(found: _Findings) -> _Limitation:
    facts, config = found.facts, found.config
    region = facts.region or config.default_region
    years = config.limitation_years[region]
    where = REGION_NAMES[region] + ("" if facts.region else ", assumed as no region was given")
    supplied = {
        "goods": "delivery",
        "digital_content": "supply of the content",
        "service": "completion of the service",
    }[facts.supply]
    candidates: dict[str, tuple[date | None, str]] = {
        "supply": (facts.delivery_date, supplied),
        "contract": (facts.contract_date, "the contract"),
        "fault_reported": (facts.fault_reported_date, "the fault being reported"),
    }
    preference = [config.limitation_start] + [
        k for k in ("supply", "contract") if k != config.limitation_start
    ]
    start, start_words = next(
        ((day, words) for day, words in (candidates[k] for k in preference) if day is not None), (None, "")
    )
    if start is None:
        return _Limitation(
            None,
            f"Court claims must normally be brought within {years} years ({where}); no date was given to count them from",
        )
    end = add_years(start, years)
    basis = f"{years} years from {start_words} on {spoken(start)} ({where})"
    if end < facts.today:
        return _Limitation(
            end,
            f"The time limit for court claims ended on {spoken(end)}: {basis}, so no Consumer Rights Act remedy is offered",
        )
    return _Limitation(end, f"Court claims must normally be brought by {spoken(end)}: {basis}")


# ---------------------------------------------------------------- goods (G1-G13)


def _goods(found: _Findings) -> None:
    facts = found.facts
    if not facts.fault or facts.delivery_date is None:
        return
    today = facts.today
    limitation = _limitation(found)
    long_open = limitation.is_open(today)
    # G1 and G7 count from the latest of delivery and the trader's notice that installation is finished
    # (ownership is taken to pass on delivery).
    start = max(d for d in (facts.delivery_date, facts.installation_completed_date) if d is not None)
    start_words = (
        "installation was finished"
        if facts.installation_completed_date and facts.installation_completed_date > facts.delivery_date
        else "delivery"
    )

    _short_term_right(found, start, start_words)

    if long_open:
        found.line(
            "G5",
            "Repair or replacement, at the trader's cost, within a reasonable time and without significant "
            "inconvenience to the customer; the trader may refuse one that is impossible or disproportionate",
        )
        found.offer("repair", "G5", limitation.end)
        found.offer("replace", "G5", limitation.end)
        if facts.failed_attempts >= 1:
            found.line(
                "G6",
                "A repair or replacement has already failed, so the customer may choose a price reduction "
                "(up to the full price) or the final right to reject",
            )
            found.offer("price_reduction", "G6", limitation.end)
            found.offer("final_reject", "G6", limitation.end)

    if found.offered("final_reject"):
        _deduction_for_use(found, start, start_words)
    elif found.offered("short_term_reject"):
        found.deduction = False

    _burden_of_proof(found)

    if found.offered("short_term_reject") or found.offered("final_reject"):
        pay_by = days_beginning_with(today, REFUND_DAYS)
        found.line(
            "G11",
            "If the trader agrees a refund is due, it must pay within 14 days beginning with the day it "
            f"agrees (by {spoken(pay_by)} if it agrees today), by the original payment method and without a fee",
        )
        found.line(
            "G12",
            "The trader pays the reasonable cost of returning rejected goods, unless the customer takes them "
            "back in person to where they got them",
        )
    found.line("G13", limitation.text)


def _short_term_right(found: _Findings, start: date, start_words: str) -> None:
    facts = found.facts
    period = SHORT_TERM_DAYS
    later: list[tuple[str, str]] = []  # G2/G3 lines, said after the G1 line they explain
    if facts.perishable_days is not None and facts.perishable_days < SHORT_TERM_DAYS:
        period = facts.perishable_days
        later.append(
            (
                "G2",
                f"The goods could be expected to perish within {_days(period)}, so the short-term right to "
                f"reject lasts {_days(period)} after {start_words}, not 30",
            )
        )
    planned_end = days_after(start, period)
    end: date | None = planned_end
    requested, back = facts.repair_requested_date, facts.returned_after_repair_date
    # A request made after the right ended pauses nothing: there is no clock left to stop.
    paused = requested is not None and requested <= planned_end
    if requested is not None and paused:
        # The day of the request is the waiting period's first day, so it no longer counts: the days
        # left are the request day (or the period's first day, if earlier) through the planned end.
        remaining = (planned_end - max(requested, days_after(start, 1))).days + 1
        days_after_return = max(remaining, MIN_DAYS_AFTER_REPAIR)
        if back is None:
            end = None
            later.append(
                (
                    "G3",
                    "The clock has been stopped since the customer asked for a repair or replacement on "
                    f"{spoken(requested)}; when the goods come back the customer will have "
                    f"{_days(days_after_return)} to reject them",
                )
            )
        else:
            end = days_after(back, days_after_return)
            if remaining < MIN_DAYS_AFTER_REPAIR:
                how = f"only {_days(remaining)} were left, so the customer has 7 days from their return"
            else:
                how = f"{_days(remaining)} were left"
            later.append(
                (
                    "G3",
                    f"The clock stopped from the request for a repair or replacement on {spoken(requested)} "
                    f"until the goods came back on {spoken(back)}; {how}, so the right ends on {spoken(end)}",
                )
            )

    if end is None:
        found.line(
            "G1",
            "Short-term right to reject for a full refund, with no deduction for use: open, and paused while "
            "the goods are being repaired or replaced",
        )
        found.offer("short_term_reject", "G1", None)
    elif end >= facts.today:
        basis = "" if later else f": 30 days after {start_words} on {spoken(start)}"
        found.line(
            "G1",
            f"Short-term right to reject for a full refund, with no deduction for use, until {spoken(end)}{basis}",
        )
        found.offer("short_term_reject", "G1", end)
    else:
        basis = "" if later else f", 30 days after {start_words} on {spoken(start)}"
        found.line("G1", f"The short-term right to reject ended on {spoken(end)}{basis}")
    for rule, text in later:
        found.line(rule, text)
    found.line("G4", "A contract term cannot shorten this period, though the trader may agree to extend it")


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def _deduction_for_use(found: _Findings, start: date, start_words: str) -> None:
    """G7/G8: whether a refund on final rejection today may be reduced for use.

    s24(10)-(11): no deduction within the 6 months beginning with the first day after delivery, the
    transfer of ownership and any installation have all happened. Ownership is taken to pass on
    delivery (the facts do not record it separately), so the period begins the day after ``start``,
    the later of delivery and the end of installation: delivered 30 April, it runs 1 May - 31 October.
    """
    facts = found.facts
    first_free_day = days_after(start, 1)
    last_free_day = months_beginning_with(first_free_day, NO_DEDUCTION_MONTHS)
    period = (
        f"the six months beginning with the day after {start_words} ({spoken_period(first_free_day, last_free_day)}; "
        "ownership is taken to have passed on delivery)"
    )
    if facts.today > last_free_day:
        found.deduction = True
        found.line(
            "G7",
            f"A refund on final rejection may be reduced for the use the customer has had: {period} have ended",
        )
    elif facts.motor_vehicle and found.config.motor_vehicle_deduction:
        found.deduction = True
        found.line(
            "G7", "A refund on final rejection may be reduced for the use the customer has had since delivery"
        )
        found.line(
            "G8",
            f"The goods are a motor vehicle, so that deduction is allowed even within {period}",
        )
    else:
        found.deduction = False
        found.line(
            "G7",
            f"A refund on final rejection may not be reduced for use if the customer rejects within {period}",
        )


def _burden_of_proof(found: _Findings) -> None:
    """G9/G10: s19(14)-(15) presumes a fault was there at delivery if it shows within the 6 months
    beginning with the day of delivery: delivered 15 January, the last day is 14 July."""
    facts = found.facts
    assert facts.delivery_date is not None
    last_presumed = months_beginning_with(facts.delivery_date, PRESUMPTION_MONTHS)
    period = f"the six months beginning with the day of delivery ({spoken_period(facts.delivery_date, last_presumed)})"
    # The fault had shown by the earliest of its report and the request for repair (today at the latest).
    showed = min(
        d for d in (facts.fault_reported_date, facts.repair_requested_date, facts.today) if d is not None
    )
    if showed <= last_presumed:
        found.burden = "trader"
        found.line(
            "G9",
            f"The fault showed within {period}, so for repair, replacement, price reduction or final "
            "rejection it is presumed to have been there at delivery unless the trader proves otherwise",
        )
        if found.offered("short_term_reject"):
            found.line(
                "G10",
                "For the short-term right to reject there is no such presumption: the customer must show the "
                "goods were faulty at delivery",
            )
    else:
        found.burden = "consumer"
        # With no report or repair request dated, all that is known is that it has shown by today.
        when = "on" if showed in (facts.fault_reported_date, facts.repair_requested_date) else "by"
        found.line(
            "G10",
            f"The fault showed {when} {spoken(showed)}, after {period}, so the customer must show it was there "
            "at delivery",
        )


# ---------------------------------------------------------------- digital content (D1-D5)


def _digital_content(found: _Findings) -> None:
    facts = found.facts
    found.line(
        "D1",
        "The Consumer Rights Act 2015 rules for digital content apply to content paid for, or free but "
        "bundled with something paid for",
    )
    if not (facts.fault or facts.device_damaged):
        return
    limitation = _limitation(found)
    long_open = limitation.is_open(facts.today)
    if facts.fault:
        found.line(
            "D2",
            "Digital content cannot be rejected: the remedies are repair or replacement, then a price reduction",
        )
        if long_open:
            found.line(
                "D3",
                "Repair or replacement at the trader's cost, within a reasonable time and without significant "
                "inconvenience; unlike goods, there is no limit of one attempt",
            )
            found.offer("repair", "D3", limitation.end)
            found.offer("replace", "D3", limitation.end)
            if facts.failed_attempts >= 1:
                config = found.config
                if config.digital_refund_counting == "beginning_with":
                    pay_by = days_beginning_with(facts.today, config.digital_refund_days)
                    within = f"{config.digital_refund_days} days beginning with the day it is agreed"
                else:
                    pay_by = days_after(facts.today, config.digital_refund_days)
                    within = f"{config.digital_refund_days} days after the day it is agreed"
                found.line(
                    "D4",
                    "The repair or replacement has not put the content right, so the customer may claim a price "
                    f"reduction of up to the full price, refunded within {within} "
                    f"(by {spoken(pay_by)} if agreed today)",
                )
                found.offer("price_reduction", "D4", limitation.end)
    if facts.device_damaged and long_open:
        pay_by = days_beginning_with(facts.today, REFUND_DAYS)
        found.line(
            "D5",
            "The content damaged a device or other digital content, so the trader must repair the damage or pay "
            f"compensation, within 14 days beginning with the day compensation is agreed (by {spoken(pay_by)} "
            "if agreed today) and without a fee",
        )
        found.offer("repair_device_or_compensate", "D5", limitation.end)
    found.line("G13", limitation.text)


# ---------------------------------------------------------------- services (V1-V4)


def _service(found: _Findings) -> None:
    facts = found.facts
    found.line(
        "V1",
        "The service must be performed with reasonable care and skill, what the trader said about it is "
        "binding, and the price and time must be reasonable where none were agreed",
    )
    if not facts.fault:
        return
    limitation = _limitation(found)
    if limitation.is_open(facts.today):
        if not facts.repeat_performance_impossible:
            found.line(
                "V2",
                "The trader must perform the service again, properly, at its own cost, within a reasonable time "
                "and without significant inconvenience",
            )
            found.offer("repeat_performance", "V2", limitation.end)
        if facts.repeat_performance_impossible or facts.failed_attempts >= 1:
            why = (
                "Repeat performance is impossible"
                if facts.repeat_performance_impossible
                else "The repeat performance has not put it right"
            )
            found.line(
                "V3",
                f"{why}, so the customer may claim a price reduction of up to the full price, with a refund of "
                "anything overpaid",
            )
            found.offer("price_reduction", "V3", limitation.end)
        found.line(
            "V4",
            "The customer may also claim damages, and no term can cap the trader's liability below the contract price",
        )
    found.line("G13", limitation.text)


# ---------------------------------------------------------------- cancellation (C1-C7)


def _cancellation(found: _Findings) -> None:
    facts = found.facts
    if facts.excluded_from_cancellation:
        found.line(
            "C5",
            "This purchase is excluded from the right to cancel (personalised, perishable, unsealed hygiene "
            "goods or media, date-specific leisure or transport, or urgent repairs)",
        )
        return
    if facts.supply == "digital_content" and facts.early_supply_consent:
        found.line(
            "C6",
            "The customer asked to get the digital content within the cancellation period and accepted losing "
            "the right to cancel, so there is no right to cancel",
        )
        return

    if facts.supply == "goods":
        start, start_words = facts.delivery_date, "delivery"
    else:
        start, start_words = facts.contract_date, "the contract"
    end, longer = _cancellation_end(facts, start)
    basis = "" if longer or start is None else f": 14 days after {start_words} on {spoken(start)}"

    requested = facts.cancellation_requested_date
    cancelled = requested is not None and (end is None or requested <= end)
    if requested is not None and cancelled:
        within = "within the cancellation period" + (f", whose last day is {spoken(end)}" if end else "")
        found.line("C1", f"The customer cancelled on {spoken(requested)}, {within}")
    elif requested is not None and end is not None:
        found.line(
            "C1",
            f"The customer asked to cancel on {spoken(requested)}, after the right to cancel ended on {spoken(end)}",
        )
    elif end is None:
        found.line(
            "C1",
            "Right to cancel without giving a reason: open now, and until 14 days after the goods are delivered",
        )
        found.offer("cancel", "C1", None)
    elif end >= facts.today:
        found.line("C1", f"Right to cancel without giving a reason until {spoken(end)}{basis}")
        found.offer("cancel", "C1", end)
    else:
        found.line("C1", f"The right to cancel ended on {spoken(end)}{basis.replace(':', ',', 1)}")
    if longer:
        found.line("C2", longer)
    if requested is not None and cancelled:
        _after_cancelling(found, requested, end)

    if (
        facts.supply == "service"
        and facts.early_supply_consent
        and found.config.service_started_early_payment
    ):
        found.line(
            "C7",
            "The customer asked for the service to start within the cancellation period, so if they cancel they "
            "pay for what was supplied up to then",
        )


def _cancellation_end(facts: Facts, start: date | None) -> tuple[date | None, str]:
    """The last day to cancel (C1), and why C2 lengthened it ("" if it did not).

    None for goods not yet delivered: the period has not started.
    """
    normal_end = days_after(start, CANCEL_DAYS) if start is not None else None
    received = facts.cancellation_info_received_date
    if not facts.cancellation_info_given:
        never = "The trader never gave the cancellation information, so the period is 12 months longer"
        if normal_end is None:
            return None, f"{never}: it ends 12 months and 14 days after delivery"
        end = add_months(normal_end, C2_EXTRA_MONTHS)
        return end, f"{never}: it ends on {spoken(end)}"
    if received is None or facts.contract_date is None or received <= facts.contract_date:
        return normal_end, ""
    if start is None or normal_end is None:
        return None, (
            f"The cancellation information came late, on {spoken(received)}, so the period ends 14 days after "
            "that or 14 days after delivery, whichever is later"
        )
    # Information given within the 12 months beginning with the period's first day ends it 14 days after
    # receipt; never sooner than the normal period, which the consumer had anyway. The cancellation period
    # begins when the contract is made (CCR reg 29(2)), for goods too: their delivery only sets its end.
    last_in_time = months_beginning_with(facts.contract_date, C2_EXTRA_MONTHS)
    if received <= last_in_time:
        end = max(normal_end, days_after(received, CANCEL_DAYS))
        return end, (
            f"The cancellation information came late, on {spoken(received)}, so the period ends 14 days after "
            f"that, on {spoken(end)}"
        )
    end = add_months(normal_end, C2_EXTRA_MONTHS)
    return end, (
        f"The cancellation information came on {spoken(received)}, after the 12 months beginning with the day "
        f"of the contract ({spoken_period(facts.contract_date, last_in_time)}), so the period ends 12 months "
        f"after its normal end, on {spoken(end)}"
    )


def _after_cancelling(found: _Findings, requested: date, end: date | None) -> None:
    """C3/C4 after a cancellation made in time, and the cancellation itself as the customer's remedy.

    It is offered even once the period has ended: the customer used the right in time, and what it gives
    them (the refund) is still owed.
    """
    facts = found.facts
    what = "the price and standard delivery, by the same payment method"
    told_plus_14 = days_after(requested, CANCEL_DAYS)
    refund_by: date | None
    return_by: date | None
    if facts.supply == "goods" and facts.delivery_date is not None:
        # CCR reg 34: for goods the customer has, the 14 days run from the trader getting them back or
        # evidence they were sent, which the facts do not date; from being told only if it offered to collect.
        refund_by, return_by = None, told_plus_14
        found.line(
            "C3",
            f"Refund of {what}, within 14 days after the trader gets the goods back or evidence they were sent "
            f"back, whichever is first (by {spoken(told_plus_14)}, 14 days after being told, if the trader "
            "offered to collect them)",
        )
        found.line(
            "C4",
            f"The customer must send the goods back by {spoken(return_by)}, 14 days after cancelling; they pay "
            "the return cost only if told so beforehand, and the trader may deduct for handling beyond what "
            "inspecting them needed",
        )
    else:
        refund_by, return_by = told_plus_14, None
        found.line("C3", f"Refund of {what}, by {spoken(refund_by)}: 14 days after the trader was told")
    # Not through offer(): a right used in time stays the customer's remedy after the period ends.
    found.remedies.append(RemedyOption("cancel", "C1", end, refund_by=refund_by, return_by=return_by))


# ---------------------------------------------------------------- the paragraph


def _until(option: RemedyOption) -> str:
    words = _REMEDY_WORDS[option.remedy]
    return f"{words} (until {spoken(option.available_until)})" if option.available_until else words


def _explanation(found: _Findings, breach: bool) -> str:
    facts = found.facts
    if not facts.consumer:
        return (
            "The customer is not a consumer, so the Consumer Rights Act 2015 and the Consumer Contracts "
            "Regulations 2013 give no statutory remedies: this is an ordinary service issue, handled by the "
            "organisation's own policy."
        )
    parts: list[str] = []
    breach_remedies = [option for option in found.remedies if option.remedy != "cancel"]
    if breach:
        what = {
            "goods": "the goods do not conform to the contract",
            "digital_content": "the digital content does not conform to the contract",
            "service": "the service was not performed with reasonable care and skill",
        }[facts.supply]
        if facts.supply == "digital_content" and not facts.fault:
            what = "the digital content damaged a device or other content"
        parts.append(
            f"This is a statutory breach: {what}, so the Consumer Rights Act 2015 gives the customer remedies "
            "that no contract term can take away."
        )
        if breach_remedies:
            parts.append("Open now: " + "; ".join(_until(option) for option in breach_remedies) + ".")
            if facts.fault and facts.failed_attempts == 0:
                parts.append(
                    {
                        "goods": "If a repair or replacement fails, the customer can then choose a price reduction "
                        "or the final right to reject.",
                        "digital_content": "If a repair or replacement does not put it right within a reasonable "
                        "time, the customer can ask for a price reduction.",
                        "service": "If repeat performance does not put it right, the customer can ask for a price "
                        "reduction.",
                    }[facts.supply]
                )
        else:
            parts.append("No statutory remedy is open any more: the time limits have passed.")
    else:
        parts.append(
            "No breach of the Consumer Rights Act 2015 is recorded, so this is an ordinary service issue: any "
            "remedy is for the organisation's own policy."
        )
    if facts.distance_sale:
        parts.append(_cancellation_story(found))
    return " ".join(parts)


def _cancellation_story(found: _Findings) -> str:
    facts = found.facts
    lead = "Separately from any fault, this was a distance or off-premises sale"
    if "C5" in found.applied or "C6" in found.applied:
        return f"{lead}, but the right to cancel does not apply to it."
    cancel = next((option for option in found.remedies if option.remedy == "cancel"), None)
    if "C3" in found.applied and facts.cancellation_requested_date is not None:
        due = f" by {spoken(cancel.refund_by)}" if cancel is not None and cancel.refund_by else ""
        return (
            f"{lead}: the customer cancelled in time on {spoken(facts.cancellation_requested_date)}, so a refund "
            f"is due{due}."
        )
    if cancel is not None:
        return f"{lead}: the customer may {_until(cancel)}."
    return f"{lead}, but the time to cancel has passed."
