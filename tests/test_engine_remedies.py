"""The UK consumer-law remedies engine (uk-rules.md §1-§2), rule by rule, at the edges of every window.

Pure: no database. Each table names the rule it pins in its ids; dates are chosen so the day before, the
last day and the day after a limit are all checked.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from putright.engines.remedies import (
    REMEDY_NAMES,
    RULES,
    Assessment,
    Facts,
    FactsError,
    RulesConfig,
    evaluate,
    facts_from_dict,
)
from putright.engines.remedies.dates import add_months, months_beginning_with, spoken, spoken_period
from putright.engines.remedies.facts import FIELD_NAMES, SUPPLIES

LINE = re.compile(r"^[A-Z].* \(([A-Z]\d+)\)\.$")
DELIVERED = "2026-03-03"  # the 30 days end on 2 April 2026


def assess(config: RulesConfig | None = None, **facts: object) -> Assessment:
    return evaluate(facts_from_dict(facts), config)


def faulty_goods(**overrides: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "supply": "goods",
        "contract_date": "2026-03-01",
        "delivery_date": DELIVERED,
        "fault": True,
        "region": "ENG",
        "today": "2026-03-20",
    }
    facts.update(overrides)
    return facts


def until(assessment: Assessment, remedy: str) -> date | None:
    """The remedy's last day; KeyError when it is not offered."""
    matches = [option for option in assessment.remedies if option.remedy == remedy]
    if not matches:
        raise KeyError(remedy)
    assert len(matches) == 1
    return matches[0].available_until


def offered(assessment: Assessment) -> set[str]:
    return {option.remedy for option in assessment.remedies}


def line_for(assessment: Assessment, rule: str) -> list[str]:
    return [line for line in assessment.lines if line.endswith(f"({rule}).")]


def d(text: str) -> date:
    return date.fromisoformat(text)


# ---------------------------------------------------------------- G1, G4: the 30 days


@pytest.mark.parametrize(
    ("overrides", "last_day", "open_"),
    [
        pytest.param({"today": DELIVERED}, "2026-04-02", True, id="G1-delivery-day"),
        pytest.param({"today": "2026-04-01"}, "2026-04-02", True, id="G1-day-29"),
        pytest.param({"today": "2026-04-02"}, "2026-04-02", True, id="G1-day-30-open"),
        pytest.param({"today": "2026-04-03"}, "2026-04-02", False, id="G1-day-31-closed"),
        pytest.param(
            {"installation_completed_date": "2026-03-10", "today": "2026-04-09"},
            "2026-04-09",
            True,
            id="G1-installation-later-day-30",
        ),
        pytest.param(
            {"installation_completed_date": "2026-03-10", "today": "2026-04-10"},
            "2026-04-09",
            False,
            id="G1-installation-later-day-31",
        ),
    ],
)
def test_short_term_right_to_reject_lasts_30_days_after_the_latest_of_delivery_and_installation(
    overrides, last_day, open_
):
    result = assess(**faulty_goods(**overrides))

    assert "G1" in result.rules and "G4" in result.rules
    if open_:
        assert until(result, "short_term_reject") == d(last_day)
        assert f"until {spoken(d(last_day))}" in line_for(result, "G1")[0]
        assert result.deduction_for_use_allowed is False  # a short-term rejection is a full refund
    else:
        assert "short_term_reject" not in offered(result)
        assert line_for(result, "G1")[0].startswith(
            f"The short-term right to reject ended on {spoken(d(last_day))}"
        )


def test_the_30_days_cannot_be_shortened_by_a_term(  # G4
):
    result = assess(**faulty_goods())

    assert line_for(result, "G4") == [
        "A contract term cannot shorten this period, though the trader may agree to extend it (G4)."
    ]


# ---------------------------------------------------------------- G2: perishables


@pytest.mark.parametrize(
    ("perishable_days", "today", "last_day", "open_", "g2"),
    [
        pytest.param(5, "2026-03-08", "2026-03-08", True, True, id="G2-5-days-last-day"),
        pytest.param(5, "2026-03-09", "2026-03-08", False, True, id="G2-5-days-day-after"),
        pytest.param(29, "2026-04-01", "2026-04-01", True, True, id="G2-29-days-last-day"),
        pytest.param(29, "2026-04-02", "2026-04-01", False, True, id="G2-29-days-day-after"),
        pytest.param(30, "2026-04-02", "2026-04-02", True, False, id="G2-30-days-is-not-shorter"),
        pytest.param(90, "2026-04-03", "2026-04-02", False, False, id="G2-longer-life-keeps-30"),
    ],
)
def test_perishable_goods_shorten_the_right_to_reject(perishable_days, today, last_day, open_, g2):
    result = assess(**faulty_goods(perishable_days=perishable_days, today=today))

    assert ("G2" in result.rules) is g2
    if open_:
        assert until(result, "short_term_reject") == d(last_day)
    else:
        assert "short_term_reject" not in offered(result)
        assert line_for(result, "G1")[0].startswith(
            f"The short-term right to reject ended on {spoken(d(last_day))}"
        )


# ---------------------------------------------------------------- G3: the pause during repair


@pytest.mark.parametrize(
    ("requested", "back", "today", "last_day", "open_"),
    [
        # Delivered 3 March: the 30 days would end on 2 April.
        pytest.param(
            "2026-03-13", "2026-03-20", "2026-04-10", "2026-04-10", True, id="G3-21-days-left-last-day"
        ),
        pytest.param(
            "2026-03-13", "2026-03-20", "2026-04-11", "2026-04-10", False, id="G3-21-days-left-day-after"
        ),
        pytest.param(
            "2026-03-26", "2026-04-05", "2026-04-05", "2026-04-13", True, id="G3-8-days-left-keeps-8"
        ),
        pytest.param(
            "2026-03-27", "2026-04-05", "2026-04-05", "2026-04-12", True, id="G3-7-days-left-keeps-7"
        ),
        pytest.param(
            "2026-03-30", "2026-04-15", "2026-04-22", "2026-04-22", True, id="G3-4-days-left-becomes-7"
        ),
        pytest.param(
            "2026-03-30", "2026-04-15", "2026-04-23", "2026-04-22", False, id="G3-7-days-after-return-over"
        ),
        pytest.param("2026-04-02", "2026-04-02", "2026-04-09", "2026-04-09", True, id="G3-asked-on-last-day"),
        pytest.param(
            DELIVERED, "2026-03-10", "2026-04-09", "2026-04-09", True, id="G3-asked-on-delivery-day"
        ),
    ],
)
def test_the_30_days_pause_from_the_repair_request_until_the_goods_come_back(
    requested, back, today, last_day, open_
):
    result = assess(
        **faulty_goods(repair_requested_date=requested, returned_after_repair_date=back, today=today)
    )

    assert "G3" in result.rules
    assert f"so the right ends on {spoken(d(last_day))}" in line_for(result, "G3")[0]
    if open_:
        assert until(result, "short_term_reject") == d(last_day)
    else:
        assert "short_term_reject" not in offered(result)
        assert line_for(result, "G1") == [
            f"The short-term right to reject ended on {spoken(d(last_day))} (G1)."
        ]


def test_while_the_goods_are_away_for_repair_the_right_to_reject_stays_open_with_no_end_yet():  # G3
    result = assess(**faulty_goods(repair_requested_date="2026-03-30", today="2026-04-20"))

    assert until(result, "short_term_reject") is None
    assert "G3" in result.rules
    assert "will have 7 days" in line_for(result, "G3")[0]


def test_a_repair_asked_for_after_the_30_days_pauses_nothing():  # G3 does not apply
    result = assess(
        **faulty_goods(
            repair_requested_date="2026-04-03", returned_after_repair_date="2026-04-10", today="2026-04-11"
        )
    )

    assert "G3" not in result.rules
    assert "short_term_reject" not in offered(result)
    assert line_for(result, "G1")[0].startswith("The short-term right to reject ended on 2 April 2026")


# ---------------------------------------------------------------- G5, G6: the tiers


@pytest.mark.parametrize(
    ("overrides", "second_tier"),
    [
        pytest.param({}, False, id="G6-no-attempt-first-tier-only"),
        pytest.param({"repairs_or_replacements_attempted": 0}, False, id="G6-zero-attempts"),
        pytest.param({"repairs_or_replacements_attempted": 1}, True, id="G6-one-failed-attempt"),
        pytest.param({"repairs_or_replacements_attempted": 3}, True, id="G6-several-failed-attempts"),
        pytest.param(
            {"repair_requested_date": "2026-03-05", "returned_after_repair_date": "2026-03-12"},
            True,
            id="G6-back-from-repair-still-faulty-counts-as-one",
        ),
    ],
)
def test_the_second_tier_opens_after_one_failed_repair_or_replacement(overrides, second_tier):
    result = assess(**faulty_goods(today="2026-05-01", **overrides))

    limit = d("2032-03-03")
    assert "G5" in result.rules
    assert until(result, "repair") == until(result, "replace") == limit
    assert ("G6" in result.rules) is second_tier
    if second_tier:
        assert until(result, "price_reduction") == until(result, "final_reject") == limit
    else:
        assert offered(result).isdisjoint({"price_reduction", "final_reject"})


def test_goods_that_are_not_faulty_get_no_statutory_remedy():  # G5 needs a fault
    result = assess(**faulty_goods(fault=False))

    assert result.statutory_breach is False
    assert result.rules == () and result.remedies == ()
    assert "ordinary service issue" in result.explanation


# ---------------------------------------------------------------- G7, G8: deduction for use


@pytest.mark.parametrize(
    ("overrides", "config", "allowed", "rules_in", "rules_out"),
    [
        pytest.param({"today": "2026-07-15"}, None, False, {"G7"}, {"G8"}, id="G7-last-day-of-six-months"),
        pytest.param({"today": "2026-07-16"}, None, True, {"G7"}, {"G8"}, id="G7-first-day-after-six-months"),
        pytest.param(
            {"today": "2026-07-16", "installation_completed_date": "2026-01-20"},
            None,
            False,
            {"G7"},
            {"G8"},
            id="G7-counts-from-installation",
        ),
        pytest.param(
            {"today": "2026-03-01", "motor_vehicle": True},
            None,
            True,
            {"G7", "G8"},
            set(),
            id="G8-motor-vehicle-inside-six-months",
        ),
        pytest.param(
            {"today": "2026-07-15", "motor_vehicle": True},
            None,
            True,
            {"G7", "G8"},
            set(),
            id="G8-motor-vehicle-last-day",
        ),
        pytest.param(
            {"today": "2026-07-16", "motor_vehicle": True},
            None,
            True,
            {"G7"},
            {"G8"},
            id="G8-not-needed-after-six-months",
        ),
        pytest.param(
            {"today": "2026-03-01", "motor_vehicle": True},
            RulesConfig(motor_vehicle_deduction=False),
            False,
            {"G7"},
            {"G8"},
            id="G8-switched-off-by-config",
        ),
    ],
)
def test_deduction_for_use_on_final_rejection(overrides, config, allowed, rules_in, rules_out):
    facts = faulty_goods(
        contract_date="2026-01-10",
        delivery_date="2026-01-15",
        repairs_or_replacements_attempted=1,
        **overrides,
    )
    result = assess(config, **facts)

    assert "final_reject" in offered(result)
    assert result.deduction_for_use_allowed is allowed
    assert rules_in <= set(result.rules)
    assert not rules_out & set(result.rules)
    assert ("G8" in result.unconfirmed) is ("G8" in rules_in)


def no_deduction(delivered: str, last_free_day: str, installed: str | None = None) -> list[object]:
    """The last day a final rejection is free of any deduction for use (G7), and the first day it is not."""
    last = d(last_free_day)
    extra = {"installation_completed_date": installed} if installed else {}
    name = delivered + (f"-installed-{installed}" if installed else "")
    return [
        pytest.param(delivered, extra, last_free_day, False, id=f"G7-{name}-last-free-day"),
        pytest.param(
            delivered, extra, (last + timedelta(days=1)).isoformat(), True, id=f"G7-{name}-day-after"
        ),
    ]


@pytest.mark.parametrize(
    ("delivered", "extra", "today", "allowed"),
    [
        # s24(10)-(11): the 6 months begin with the first day *after* delivery (and any installation).
        *no_deduction("2026-04-30", "2026-10-31"),  # the issue's example: 1 May - 31 October
        *no_deduction("2026-01-15", "2026-07-15"),
        *no_deduction("2026-01-31", "2026-07-31"),
        *no_deduction("2026-02-28", "2026-08-31"),
        *no_deduction("2024-02-28", "2024-08-28"),  # leap year: the period begins on 29 February
        *no_deduction("2024-02-29", "2024-08-31"),
        *no_deduction("2025-08-30", "2026-02-28"),
        *no_deduction("2025-08-31", "2026-02-28"),
        *no_deduction("2023-08-31", "2024-02-29"),
        *no_deduction("2026-06-30", "2026-12-31"),
        *no_deduction("2025-12-31", "2026-06-30"),
        *no_deduction("2026-04-28", "2026-10-31", installed="2026-04-30"),
        *no_deduction("2025-08-20", "2026-02-28", installed="2025-08-31"),
    ],
)
def test_no_deduction_for_use_within_six_months_beginning_the_day_after_delivery(
    delivered, extra, today, allowed
):  # G7
    result = assess(
        **faulty_goods(
            contract_date=delivered,
            delivery_date=delivered,
            repairs_or_replacements_attempted=1,
            today=today,
            **extra,
        )
    )

    assert "final_reject" in offered(result)
    assert result.deduction_for_use_allowed is allowed
    assert "G8" not in result.rules


def test_the_issue_example_rejecting_on_31_october_gets_no_deduction():  # G7
    facts = faulty_goods(
        contract_date="2026-04-28",
        delivery_date="2026-04-30",
        fault_reported_date="2026-06-01",
        repairs_or_replacements_attempted=1,
        today="2026-10-31",
    )
    on_the_day = assess(**facts)
    next_day = assess(**{**facts, "today": "2026-11-01"})
    installed = assess(
        **{**facts, "delivery_date": "2026-04-29", "installation_completed_date": "2026-04-30"}
    )

    assert on_the_day.deduction_for_use_allowed is False
    assert line_for(on_the_day, "G7") == [
        "A refund on final rejection may not be reduced for use if the customer rejects within the six months "
        "beginning with the day after delivery (1 May – 31 October 2026; ownership is taken to have passed on "
        "delivery) (G7)."
    ]
    assert next_day.deduction_for_use_allowed is True
    assert line_for(next_day, "G7") == [
        "A refund on final rejection may be reduced for the use the customer has had: the six months "
        "beginning with the day after delivery (1 May – 31 October 2026; ownership is taken to have passed "
        "on delivery) have ended (G7)."
    ]
    assert installed.deduction_for_use_allowed is False
    assert (
        "beginning with the day after installation was finished (1 May – 31 October 2026;"
        in (line_for(installed, "G7")[0])
    )


def test_a_motor_vehicle_line_names_the_six_months_it_overrides():  # G8
    result = assess(
        **faulty_goods(
            contract_date="2026-04-30",
            delivery_date="2026-04-30",
            repairs_or_replacements_attempted=1,
            motor_vehicle=True,
            today="2026-10-31",
        )
    )

    assert result.deduction_for_use_allowed is True
    assert line_for(result, "G8") == [
        "The goods are a motor vehicle, so that deduction is allowed even within the six months beginning "
        "with the day after delivery (1 May – 31 October 2026; ownership is taken to have passed on delivery) "
        "(G8)."
    ]


def test_no_deduction_question_without_a_rejection_remedy():  # G7 applies only to final rejection
    result = assess(**faulty_goods(today="2026-05-01"))

    assert offered(result) == {"repair", "replace"}
    assert result.deduction_for_use_allowed is None
    assert "G7" not in result.rules


# ---------------------------------------------------------------- G9, G10: burden of proof


def presumption(delivered: str, last_day: str, why: str) -> list[object]:
    """The last day a fault is presumed (G9) and the first day it is not (G10), for goods delivered then."""
    last = d(last_day)
    day_after = (last + timedelta(days=1)).isoformat()
    today = (last + timedelta(days=5)).isoformat()
    return [
        pytest.param(delivered, last_day, today, "trader", {"G9"}, {"G10"}, id=f"G9-{delivered}-last-day"),
        pytest.param(
            delivered, day_after, today, "consumer", {"G10"}, {"G9"}, id=f"G10-{delivered}-day-after"
        ),
    ]


@pytest.mark.parametrize(
    ("delivered", "fault_shown", "today", "burden", "rules_in", "rules_out"),
    [
        # s19(14): the 6 months *beginning with* the day of delivery end the day before the same-numbered
        # day 6 months later; when that month has no such day, on its last day.
        *presumption("2026-01-15", "2026-07-14", "the issue's example"),
        *presumption("2026-02-28", "2026-08-27", "the issue's example"),
        *presumption("2026-01-31", "2026-07-30", "31 days both ends"),
        *presumption("2026-03-31", "2026-09-30", "September has no 31st"),
        *presumption("2026-04-30", "2026-10-29", "30th to a 31-day month"),
        *presumption("2025-08-31", "2026-02-28", "February has no 31st"),
        *presumption("2023-08-31", "2024-02-29", "leap-year February"),
        *presumption("2023-08-29", "2024-02-28", "29 February exists in 2024"),
        *presumption("2025-08-29", "2026-02-28", "29 February does not exist in 2026"),
        *presumption("2024-02-29", "2024-08-28", "delivered on a leap day"),
        *presumption("2025-12-31", "2026-06-30", "June has no 31st"),
        *presumption("2026-01-01", "2026-06-30", "the first of a month"),
        pytest.param(
            "2026-03-03",
            "2026-03-10",
            "2026-03-20",
            "trader",
            {"G9", "G10"},
            set(),
            id="G10-short-term-claim-within-30-days",
        ),
    ],
)
def test_six_month_presumption_that_the_fault_was_there_at_delivery(
    delivered, fault_shown, today, burden, rules_in, rules_out
):
    result = assess(
        **faulty_goods(
            contract_date=delivered, delivery_date=delivered, fault_reported_date=fault_shown, today=today
        )
    )

    assert result.burden_of_proof == burden
    assert rules_in <= set(result.rules)
    assert not rules_out & set(result.rules)


@pytest.mark.parametrize(
    ("requested", "burden"), [("2026-07-14", "trader"), ("2026-07-15", "consumer")], ids=["G9", "G10"]
)
def test_without_a_reported_date_the_repair_request_dates_the_fault(requested, burden):  # G9, G10
    result = assess(
        **faulty_goods(
            contract_date="2026-01-15",
            delivery_date="2026-01-15",
            repair_requested_date=requested,
            today="2026-08-01",
        )
    )

    assert result.burden_of_proof == burden


def test_the_presumption_lines_show_the_six_months_as_a_range():  # G9, G10 (the issue's examples)
    within = assess(
        **faulty_goods(
            contract_date="2026-01-15",
            delivery_date="2026-01-15",
            fault_reported_date="2026-07-14",
            today="2026-07-20",
        )
    )
    after = assess(
        **faulty_goods(
            contract_date="2026-02-28",
            delivery_date="2026-02-28",
            fault_reported_date="2026-08-28",
            today="2026-09-01",
        )
    )
    unreported = assess(
        **faulty_goods(contract_date="2026-01-15", delivery_date="2026-01-15", today="2026-07-15")
    )

    assert line_for(within, "G9") == [
        "The fault showed within the six months beginning with the day of delivery (15 January – 14 July "
        "2026), so for repair, replacement, price reduction or final rejection it is presumed to have been "
        "there at delivery unless the trader proves otherwise (G9)."
    ]
    assert line_for(after, "G10") == [
        "The fault showed on 28 August 2026, after the six months beginning with the day of delivery "
        "(28 February – 27 August 2026), so the customer must show it was there at delivery (G10)."
    ]
    assert (after.burden_of_proof, unreported.burden_of_proof) == ("consumer", "consumer")
    assert line_for(unreported, "G10")[0].startswith("The fault showed by 15 July 2026, after the six months")


# ---------------------------------------------------------------- G11, G12: refund and return costs


@pytest.mark.parametrize(
    ("overrides", "applies"),
    [
        pytest.param({"today": "2026-03-20"}, True, id="G11-G12-with-short-term-rejection"),
        pytest.param(
            {"today": "2026-05-01", "repairs_or_replacements_attempted": 1},
            True,
            id="G11-G12-with-final-rejection",
        ),
        pytest.param({"today": "2026-05-01"}, False, id="G11-G12-not-with-repair-only"),
    ],
)
def test_refund_deadline_and_return_costs_accompany_rejection(overrides, applies):
    result = assess(**faulty_goods(**overrides))

    assert ("G11" in result.rules) is applies
    assert ("G12" in result.rules) is applies
    if applies:
        pay_by = spoken(d(str(overrides["today"])) + timedelta(days=13))
        assert f"by {pay_by} if it agrees today" in line_for(result, "G11")[0]
        assert "reasonable cost of returning rejected goods" in line_for(result, "G12")[0]


# ---------------------------------------------------------------- G13: time limit for court claims


@pytest.mark.parametrize(
    ("overrides", "config", "limit", "words"),
    [
        pytest.param(
            {"region": "ENG"},
            None,
            "2032-03-03",
            "6 years from delivery on 3 March 2026 (England)",
            id="G13-ENG-6-years",
        ),
        pytest.param({"region": "WLS"}, None, "2032-03-03", "(Wales)", id="G13-WLS-6-years"),
        pytest.param({"region": "NIR"}, None, "2032-03-03", "(Northern Ireland)", id="G13-NIR-6-years"),
        pytest.param(
            {"region": "SCT"},
            None,
            "2031-03-03",
            "5 years from delivery on 3 March 2026 (Scotland)",
            id="G13-SCT-5-years",
        ),
        pytest.param(
            {"region": None},
            None,
            "2032-03-03",
            "(England, assumed as no region was given)",
            id="G13-region-assumed",
        ),
        pytest.param(
            {"region": "SCT"},
            RulesConfig(limitation_start="contract"),
            "2031-03-01",
            "5 years from the contract on 1 March 2026",
            id="G13-start-at-contract",
        ),
        pytest.param(
            {"fault_reported_date": "2026-03-10"},
            RulesConfig(limitation_start="fault_reported"),
            "2032-03-10",
            "from the fault being reported on 10 March 2026",
            id="G13-start-at-fault-report",
        ),
        pytest.param(
            {},
            RulesConfig(limitation_years={"ENG": 3, "WLS": 6, "NIR": 6, "SCT": 5}),
            "2029-03-03",
            "3 years from delivery",
            id="G13-years-configurable",
        ),
        pytest.param(
            {"contract_date": "2024-02-29", "delivery_date": "2024-02-29", "today": "2024-03-01"},
            None,
            "2030-02-28",
            "from delivery on 29 February 2024",
            id="G13-leap-day-start",
        ),
    ],
)
def test_time_limit_for_court_claims(overrides, config, limit, words):
    facts = faulty_goods(**overrides)
    facts = {key: value for key, value in facts.items() if value is not None}
    result = assess(config, **facts)

    assert until(result, "repair") == d(limit)
    assert "G13" in result.rules and "G13" in result.unconfirmed
    assert words in line_for(result, "G13")[0]


@pytest.mark.parametrize(
    ("region", "today", "open_"),
    [
        pytest.param("ENG", "2032-03-03", True, id="G13-ENG-last-day"),
        pytest.param("ENG", "2032-03-04", False, id="G13-ENG-day-after"),
        pytest.param("SCT", "2031-03-03", True, id="G13-SCT-last-day"),
        pytest.param("SCT", "2031-03-04", False, id="G13-SCT-day-after"),
    ],
)
def test_no_remedy_once_the_time_limit_has_passed(region, today, open_):
    result = assess(**faulty_goods(region=region, today=today, repairs_or_replacements_attempted=2))

    if open_:
        assert offered(result) == {"repair", "replace", "price_reduction", "final_reject"}
    else:
        assert result.remedies == ()
        assert line_for(result, "G13")[0].startswith("The time limit for court claims ended on")
        assert result.statutory_breach is True


# ---------------------------------------------------------------- D1-D5: digital content


def digital(**overrides: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "supply": "digital_content",
        "contract_date": "2026-04-01",
        "delivery_date": "2026-04-01",
        "fault": True,
        "region": "ENG",
        "today": "2026-04-20",
    }
    facts.update(overrides)
    return facts


@pytest.mark.parametrize(
    ("overrides", "config", "rules", "remedies"),
    [
        pytest.param({"fault": False}, None, ("D1",), set(), id="D1-scope-without-fault"),
        pytest.param(
            {}, None, ("G13", "D1", "D2", "D3"), {"repair", "replace"}, id="D2-D3-fault-no-rejection"
        ),
        pytest.param(
            {"repairs_or_replacements_attempted": 1},
            None,
            ("G13", "D1", "D2", "D3", "D4"),
            {"repair", "replace", "price_reduction"},
            id="D4-after-failed-repair",
        ),
        pytest.param(
            {"repairs_or_replacements_attempted": 5},
            None,
            ("G13", "D1", "D2", "D3", "D4"),
            {"repair", "replace", "price_reduction"},
            id="D3-no-one-attempt-limit",
        ),
        pytest.param(
            {"device_damaged": True},
            None,
            ("G13", "D1", "D2", "D3", "D5"),
            {"repair", "replace", "repair_device_or_compensate"},
            id="D5-device-damaged",
        ),
        pytest.param(
            {"fault": False, "device_damaged": True},
            None,
            ("G13", "D1", "D5"),
            {"repair_device_or_compensate"},
            id="D5-device-damaged-content-fine",
        ),
    ],
)
def test_digital_content_remedies(overrides, config, rules, remedies):
    result = assess(config, **digital(**overrides))

    assert result.rules == rules
    assert offered(result) == remedies
    assert offered(result).isdisjoint({"short_term_reject", "final_reject"})  # D2
    assert result.statutory_breach is bool(remedies)
    assert result.burden_of_proof is None and result.deduction_for_use_allowed is None
    if "D4" in rules:
        assert result.unconfirmed == ("G13", "D4")


@pytest.mark.parametrize(
    ("config", "pay_by"),
    [
        pytest.param(None, "3 May 2026", id="D4-14-days-beginning-with-agreement"),
        pytest.param(
            RulesConfig(digital_refund_counting="after"), "4 May 2026", id="D4-14-days-after-agreement"
        ),
    ],
)
def test_digital_content_price_reduction_refund_wording_is_configurable(config, pay_by):
    result = assess(config, **digital(repairs_or_replacements_attempted=1))

    assert f"(by {pay_by} if agreed today)" in line_for(result, "D4")[0]


def test_digital_content_device_damage_compensation_deadline():  # D5
    result = assess(**digital(fault=False, device_damaged=True))

    assert (
        "within 14 days beginning with the day compensation is agreed (by 3 May 2026"
        in line_for(result, "D5")[0]
    )
    assert result.statutory_breach is True


# ---------------------------------------------------------------- V1-V4: services


def service(**overrides: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "supply": "service",
        "contract_date": "2026-04-01",
        "delivery_date": "2026-04-15",
        "fault": True,
        "region": "ENG",
        "today": "2026-05-20",
    }
    facts.update(overrides)
    return facts


@pytest.mark.parametrize(
    ("overrides", "rules", "remedies"),
    [
        pytest.param({"fault": False}, ("V1",), set(), id="V1-implied-terms-without-fault"),
        pytest.param({}, ("G13", "V1", "V2", "V4"), {"repeat_performance"}, id="V2-repeat-performance"),
        pytest.param(
            {"repeat_performance_impossible": True},
            ("G13", "V1", "V3", "V4"),
            {"price_reduction"},
            id="V3-repeat-impossible",
        ),
        pytest.param(
            {"repairs_or_replacements_attempted": 1},
            ("G13", "V1", "V2", "V3", "V4"),
            {"repeat_performance", "price_reduction"},
            id="V3-repeat-failed",
        ),
        pytest.param(
            {"today": "2032-04-16"},
            ("G13", "V1"),
            set(),
            id="V4-not-after-time-limit",
        ),
    ],
)
def test_service_remedies(overrides, rules, remedies):
    result = assess(**service(**overrides))

    assert result.rules == rules
    assert offered(result) == remedies
    for option in result.remedies:
        assert option.available_until == d("2032-04-15")  # G13: 6 years from completion


def test_service_lines_name_damages_and_care_and_skill():  # V1, V4
    result = assess(**service())

    assert "reasonable care and skill" in line_for(result, "V1")[0]
    assert "damages" in line_for(result, "V4")[0]


# ---------------------------------------------------------------- C1-C7: cancellation


def distance(supply: str = "goods", **overrides: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "supply": supply,
        "contract_date": "2026-05-01",
        "delivery_date": "2026-05-10",
        "distance_sale": True,
        "today": "2026-05-20",
    }
    facts.update(overrides)
    return facts


@pytest.mark.parametrize(
    ("facts", "last_day", "open_"),
    [
        pytest.param(
            distance("goods", today="2026-05-24"),
            "2026-05-24",
            True,
            id="C1-goods-14-days-after-delivery-last-day",
        ),
        pytest.param(distance("goods", today="2026-05-25"), "2026-05-24", False, id="C1-goods-day-15-closed"),
        pytest.param(
            distance("service", today="2026-05-15"),
            "2026-05-15",
            True,
            id="C1-service-14-days-after-contract-last-day",
        ),
        pytest.param(
            distance("service", today="2026-05-16"), "2026-05-15", False, id="C1-service-day-15-closed"
        ),
        pytest.param(
            distance("digital_content", today="2026-05-15"),
            "2026-05-15",
            True,
            id="C1-digital-14-days-after-contract",
        ),
        pytest.param(
            distance("goods", today="2026-05-24", fault=True),
            "2026-05-24",
            True,
            id="C1-independent-of-fault",
        ),
    ],
)
def test_right_to_cancel_a_distance_sale(facts, last_day, open_):
    result = assess(**facts)

    assert "C1" in result.rules
    if open_:
        assert until(result, "cancel") == d(last_day)
    else:
        assert "cancel" not in offered(result)
        assert line_for(result, "C1")[0].startswith(f"The right to cancel ended on {spoken(d(last_day))}")


def test_goods_not_yet_delivered_can_be_cancelled_with_no_end_yet():  # C1
    facts = distance("goods")
    del facts["delivery_date"]
    result = assess(**facts)

    assert until(result, "cancel") is None


def test_no_cancellation_rules_without_a_distance_sale():  # C1 needs a distance or off-premises sale
    result = assess(**distance("goods", distance_sale=False))

    assert not {rule for rule in result.rules if rule.startswith("C")}
    assert "cancel" not in offered(result)


@pytest.mark.parametrize(
    ("received", "last_day"),
    [
        # CCR reg 31: information given within the 12 months beginning with the first day of the
        # cancellation period (the day of the contract, reg 29(2)) ends it 14 days after it came...
        pytest.param("2027-04-30", "2027-05-14", id="C2-info-on-the-last-day-of-the-12-months"),
        # ...later than that, the period ends 12 months after its normal end (24 May 2026 for goods
        # delivered 10 May 2026).
        pytest.param("2027-05-01", "2027-05-24", id="C2-info-the-day-after-the-12-months"),
    ],
)
def test_late_information_counts_12_months_beginning_with_the_contract(received, last_day):  # C2
    result = assess(**distance("goods", cancellation_info_received_date=received, today="2027-05-02"))

    assert until(result, "cancel") == d(last_day)
    assert spoken(d(last_day)) in line_for(result, "C2")[0]


@pytest.mark.parametrize(
    ("facts", "last_day", "open_"),
    [
        pytest.param(
            distance("goods", cancellation_info_given=False, today="2027-05-24"),
            "2027-05-24",
            True,
            id="C2-never-given-goods-12-months-14-days-last-day",
        ),
        pytest.param(
            distance("goods", cancellation_info_given=False, today="2027-05-25"),
            "2027-05-24",
            False,
            id="C2-never-given-goods-day-after",
        ),
        pytest.param(
            distance("service", cancellation_info_given=False, today="2027-05-15"),
            "2027-05-15",
            True,
            id="C2-never-given-service",
        ),
        pytest.param(
            distance("service", cancellation_info_received_date="2026-06-10", today="2026-06-24"),
            "2026-06-24",
            True,
            id="C2-late-info-14-days-after-receipt",
        ),
        pytest.param(
            distance("service", cancellation_info_received_date="2026-06-10", today="2026-06-25"),
            "2026-06-24",
            False,
            id="C2-late-info-day-after",
        ),
        pytest.param(
            distance("goods", cancellation_info_received_date="2026-05-03", today="2026-05-24"),
            "2026-05-24",
            True,
            id="C2-late-info-before-delivery-never-shortens",
        ),
        pytest.param(
            distance("service", cancellation_info_received_date="2027-05-05", today="2027-05-10"),
            "2027-05-15",
            True,
            id="C2-info-over-12-months-late",
        ),
    ],
)
def test_cancellation_period_when_the_information_came_late_or_never(facts, last_day, open_):
    result = assess(**facts)

    assert "C2" in result.rules
    assert spoken(d(last_day)) in line_for(result, "C2")[0]
    if open_:
        assert until(result, "cancel") == d(last_day)
    else:
        assert "cancel" not in offered(result)


def test_information_given_with_the_contract_is_on_time():  # C2 does not apply
    result = assess(**distance("service", cancellation_info_received_date="2026-05-01", today="2026-05-15"))

    assert "C2" not in result.rules
    assert until(result, "cancel") == d("2026-05-15")


@pytest.mark.parametrize(
    ("facts", "rules", "line_c3", "line_c4"),
    [
        pytest.param(
            distance("goods", cancellation_requested_date="2026-05-24", today="2026-05-26"),
            {"C1", "C3", "C4"},
            "within 14 days after the trader gets the goods back",
            "send the goods back by 7 June 2026",
            id="C3-C4-goods-cancelled-on-last-day",
        ),
        pytest.param(
            {**distance("goods", cancellation_requested_date="2026-05-05"), "delivery_date": None},
            {"C1", "C3"},
            "by 19 May 2026: 14 days after the trader was told",
            None,
            id="C3-goods-cancelled-before-delivery",
        ),
        pytest.param(
            distance("service", cancellation_requested_date="2026-05-15", today="2026-05-16"),
            {"V1", "C1", "C3"},
            "by 29 May 2026: 14 days after the trader was told",
            None,
            id="C3-service-cancelled-on-last-day",
        ),
    ],
)
def test_refund_and_return_after_cancelling_in_time(facts, rules, line_c3, line_c4):
    facts = {key: value for key, value in facts.items() if value is not None}
    result = assess(**facts)

    assert set(result.rules) == rules
    assert line_c3 in line_for(result, "C3")[0]
    if line_c4:
        assert line_c4 in line_for(result, "C4")[0]
    assert "cancelled in time" in result.explanation


@pytest.mark.parametrize(
    ("facts", "item", "explanation_ends"),
    [
        pytest.param(
            distance("goods", cancellation_requested_date="2026-05-20", today="2026-05-22"),
            {"available_until": "2026-05-24", "refund_by": None, "return_by": "2026-06-03"},
            "cancelled in time on 20 May 2026, so a refund is due.",
            id="goods-delivered-refund-runs-from-their-return",
        ),
        pytest.param(
            distance("goods", cancellation_requested_date="2026-05-24", today="2026-06-30"),
            {"available_until": "2026-05-24", "refund_by": None, "return_by": "2026-06-07"},
            "cancelled in time on 24 May 2026, so a refund is due.",
            id="goods-cancelled-on-the-last-day-still-offered-after-the-period",
        ),
        pytest.param(
            {**distance("goods", cancellation_requested_date="2026-05-05"), "delivery_date": None},
            {"available_until": None, "refund_by": "2026-05-19", "return_by": None},
            "cancelled in time on 5 May 2026, so a refund is due by 19 May 2026.",
            id="goods-cancelled-before-delivery",
        ),
        pytest.param(
            distance("service", cancellation_requested_date="2026-05-15", today="2026-05-16"),
            {"available_until": "2026-05-15", "refund_by": "2026-05-29", "return_by": None},
            "cancelled in time on 15 May 2026, so a refund is due by 29 May 2026.",
            id="service-cancelled-on-the-last-day",
        ),
        pytest.param(
            distance("digital_content", cancellation_requested_date="2026-05-02", today="2026-05-12"),
            {"available_until": "2026-05-15", "refund_by": "2026-05-16", "return_by": None},
            "cancelled in time on 2 May 2026, so a refund is due by 16 May 2026.",
            id="digital-content-cancelled",
        ),
        pytest.param(
            distance(
                "service",
                cancellation_info_given=False,
                cancellation_requested_date="2027-05-10",
                today="2027-05-12",
            ),
            {"available_until": "2027-05-15", "refund_by": "2027-05-24", "return_by": None},
            "cancelled in time on 10 May 2027, so a refund is due by 24 May 2027.",
            id="C2-extended-period-12-months-and-14-days",
        ),
        pytest.param(
            distance(
                "goods",
                cancellation_info_given=False,
                cancellation_requested_date="2027-05-24",
                today="2027-05-24",
            ),
            {"available_until": "2027-05-24", "refund_by": None, "return_by": "2027-06-07"},
            "cancelled in time on 24 May 2027, so a refund is due.",
            id="C2-goods-cancelled-on-the-last-extended-day",
        ),
    ],
)
def test_a_cancellation_made_in_time_is_offered_as_the_customer_s_remedy(facts, item, explanation_ends):
    facts = {key: value for key, value in facts.items() if value is not None}
    answer = assess(**facts).to_dict()

    assert answer["remedies"] == [{"remedy": "cancel", "rule": "C1", **item}]
    assert str(answer["explanation"]).endswith(explanation_ends)


def test_the_cancellation_lines_give_the_period_refund_and_return():  # C1, C3, C4
    result = assess(**distance("goods", cancellation_requested_date="2026-05-20", today="2026-05-22"))

    assert list(result.lines) == [
        "The customer cancelled on 20 May 2026, within the cancellation period, whose last day is 24 May 2026 "
        "(C1).",
        "Refund of the price and standard delivery, by the same payment method, within 14 days after the "
        "trader gets the goods back or evidence they were sent back, whichever is first (by 3 June 2026, 14 "
        "days after being told, if the trader offered to collect them) (C3).",
        "The customer must send the goods back by 3 June 2026, 14 days after cancelling; they pay the return "
        "cost only if told so beforehand, and the trader may deduct for handling beyond what inspecting them "
        "needed (C4).",
    ]


def test_an_open_right_to_cancel_carries_no_refund_or_return_date_yet():  # C1
    answer = assess(**distance("goods", today="2026-05-20")).to_dict()

    assert answer["remedies"] == [
        {
            "remedy": "cancel",
            "rule": "C1",
            "available_until": "2026-05-24",
            "refund_by": None,
            "return_by": None,
        }
    ]


def test_a_cancellation_beside_a_fault_keeps_the_breach_remedies_keys_unchanged():  # C1 beside G1
    answer = assess(
        **faulty_goods(distance_sale=True, cancellation_requested_date="2026-03-10", today="2026-03-12")
    ).to_dict()

    remedies = answer["remedies"]
    assert isinstance(remedies, list)
    assert [sorted(item) for item in remedies if item["remedy"] != "cancel"] == [
        ["available_until", "remedy", "rule"]
    ] * 3
    assert remedies[-1] == {
        "remedy": "cancel",
        "rule": "C1",
        "available_until": "2026-03-17",
        "refund_by": None,
        "return_by": "2026-03-24",
    }


def test_a_late_cancellation_gets_no_refund_rules():  # C1 ended; no C3/C4
    result = assess(**distance("goods", cancellation_requested_date="2026-05-25", today="2026-05-26"))

    assert result.rules == ("C1",)
    assert line_for(result, "C1") == [
        "The customer asked to cancel on 25 May 2026, after the right to cancel ended on 24 May 2026 (C1)."
    ]


@pytest.mark.parametrize(
    ("facts", "rule"),
    [
        pytest.param(distance("goods", excluded_from_cancellation=True), "C5", id="C5-excluded-goods"),
        pytest.param(distance("service", excluded_from_cancellation=True), "C5", id="C5-excluded-service"),
        pytest.param(
            distance("digital_content", early_supply_consent=True), "C6", id="C6-digital-supplied-early"
        ),
    ],
)
def test_no_right_to_cancel_when_excluded(facts, rule):
    result = assess(**facts)

    assert rule in result.rules
    assert "C1" not in result.rules
    assert "cancel" not in offered(result)
    assert "does not apply" in result.explanation


@pytest.mark.parametrize(
    ("config", "applies"),
    [
        pytest.param(None, True, id="C7-service-started-early"),
        pytest.param(RulesConfig(service_started_early_payment=False), False, id="C7-switched-off-by-config"),
    ],
)
def test_service_started_early_keeps_the_right_to_cancel_but_the_consumer_pays(config, applies):
    result = assess(config, **distance("service", early_supply_consent=True, today="2026-05-10"))

    assert "C6" not in result.rules
    assert until(result, "cancel") == d("2026-05-15")
    assert ("C7" in result.rules) is applies
    assert ("C7" in result.unconfirmed) is applies


def test_cancellation_and_breach_remedies_keep_separate_windows():  # C1 beside G1
    result = assess(**faulty_goods(distance_sale=True, delivery_date="2026-03-03", today="2026-03-17"))

    assert until(result, "cancel") == d("2026-03-17")
    assert until(result, "short_term_reject") == d("2026-04-02")


# ---------------------------------------------------------------- who is a consumer; shape of the answer


def test_a_business_customer_has_an_ordinary_service_issue():  # no CRA/CCR rules
    result = assess(**faulty_goods(consumer=False, distance_sale=True))

    assert result.statutory_breach is False
    assert result.rules == () and result.remedies == () and result.lines == ()
    assert "ordinary service issue" in result.explanation
    assert "own policy" in result.explanation


def test_the_answer_has_exactly_the_documented_keys():
    answer = assess(**faulty_goods()).to_dict()

    assert list(answer) == [
        "statutory_breach",
        "rules",
        "remedies",
        "burden_of_proof",
        "deduction_for_use_allowed",
        "unconfirmed",
        "explanation",
        "lines",
    ]
    assert answer["remedies"][0] == {
        "remedy": "short_term_reject",
        "rule": "G1",
        "available_until": "2026-04-02",
    }
    assert json.loads(json.dumps(answer)) == answer


def test_the_catalogue_names_every_rule_and_flags_the_unconfirmed_ones():
    expected = (
        [f"G{n}" for n in range(1, 14)]
        + [f"D{n}" for n in range(1, 6)]
        + [f"V{n}" for n in range(1, 5)]
        + [f"C{n}" for n in range(1, 8)]
    )
    assert list(RULES) == expected
    assert all(RULES[rule].id == rule and RULES[rule].title and RULES[rule].source for rule in RULES)
    assert {rule for rule, info in RULES.items() if info.unconfirmed} == {"G8", "G13", "D4", "C7"}
    assert REMEDY_NAMES == (
        "short_term_reject",
        "repair",
        "replace",
        "price_reduction",
        "final_reject",
        "cancel",
        "repeat_performance",
        "repair_device_or_compensate",
    )


def test_dates_are_written_the_way_a_letter_writes_them():
    assert spoken(date(2026, 4, 2)) == "2 April 2026"
    assert spoken_period(date(2026, 5, 1), date(2026, 10, 31)) == "1 May – 31 October 2026"
    assert spoken_period(date(2025, 9, 1), date(2026, 2, 28)) == "1 September 2025 – 28 February 2026"
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("first", "months", "last"),
    [
        # The issue's examples.
        ("2026-05-01", 6, "2026-10-31"),
        ("2026-01-15", 6, "2026-07-14"),
        ("2026-02-28", 6, "2026-08-27"),
        # Every month end of 2025, six months on.
        ("2025-01-31", 6, "2025-07-30"),
        ("2025-02-28", 6, "2025-08-27"),
        ("2025-03-31", 6, "2025-09-30"),
        ("2025-04-30", 6, "2025-10-29"),
        ("2025-05-31", 6, "2025-11-30"),
        ("2025-06-30", 6, "2025-12-29"),
        ("2025-07-31", 6, "2026-01-30"),
        ("2025-08-31", 6, "2026-02-28"),
        ("2025-09-30", 6, "2026-03-29"),
        ("2025-10-31", 6, "2026-04-30"),
        ("2025-11-30", 6, "2026-05-29"),
        ("2025-12-31", 6, "2026-06-30"),
        # Leap years: into, from and around 29 February.
        ("2023-08-31", 6, "2024-02-29"),
        ("2023-08-30", 6, "2024-02-29"),
        ("2023-08-29", 6, "2024-02-28"),
        ("2023-09-01", 6, "2024-02-29"),
        ("2025-08-29", 6, "2026-02-28"),
        ("2025-09-01", 6, "2026-02-28"),
        ("2024-02-29", 6, "2024-08-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-03-01", 12, "2025-02-28"),
        ("2023-03-01", 12, "2024-02-29"),
        ("2100-08-31", 6, "2101-02-28"),  # 2100 is not a leap year
        ("2099-08-31", 6, "2100-02-28"),
        ("1999-08-31", 6, "2000-02-29"),  # 2000 is
        # One month, and across a year end.
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-01-28", 1, "2026-02-27"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-12-01", 1, "2026-12-31"),
        ("2026-12-31", 1, "2027-01-30"),
        ("2026-01-01", 12, "2026-12-31"),
    ],
)
def test_months_beginning_with_a_day_end_the_day_before_the_same_day_n_months_later(first, months, last):
    assert months_beginning_with(d(first), months) == d(last)


def test_a_period_of_months_has_at_least_one_month():
    with pytest.raises(ValueError):
        months_beginning_with(date(2026, 1, 1), 0)


def reference_period_end(first: date, months: int) -> date:
    """An independent, slow implementation of "N months beginning with day D", written from the words."""
    year, month = first.year, first.month
    for _ in range(months):
        month += 1
        if month == 13:
            year, month = year + 1, 1
    # The month's last day: step back one day from the first of the month after it.
    next_first = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    month_last = next_first - timedelta(days=1)
    if first.day > month_last.day:  # that month has no same-numbered day: it ends on its last day
        return month_last
    return date(year, month, first.day) - timedelta(days=1)


@settings(max_examples=2000)
@given(st.dates(date(1900, 1, 1), date(2900, 12, 31)), st.integers(1, 120))
def test_months_beginning_with_agrees_with_a_simple_reading_of_the_rule(first, months):
    last = months_beginning_with(first, months)

    assert last == reference_period_end(first, months)
    assert first <= last
    # The period's day after its end is the same-numbered day N months on, or the 1st of the month after
    # a month too short to have one.
    following = last + timedelta(days=1)
    assert following.day == first.day or (following.day == 1 and first.day > last.day)
    # Between 28 and 31 days a month, less a day.
    assert 28 * months - 1 <= (last - first).days <= 31 * months
    # A later first day never gives an earlier end.
    assert months_beginning_with(first + timedelta(days=1), months) >= last


# ---------------------------------------------------------------- bad facts


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "colour": "red"}, "colour", id="unknown-field"
        ),
        pytest.param({"today": "2026-05-01"}, "supply", id="missing-supply"),
        pytest.param({"supply": "goods"}, "today", id="missing-today"),
        pytest.param({"supply": "goods", "today": None}, "today", id="null-today"),
        pytest.param({"supply": "food", "today": "2026-05-01"}, "supply", id="unknown-supply"),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "region": "FRA"}, "region", id="unknown-region"
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "fault": "yes"}, "fault", id="bool-as-string"
        ),
        pytest.param({"supply": "goods", "today": "2026-05-01", "fault": 1}, "fault", id="bool-as-number"),
        pytest.param({"supply": "goods", "today": "2026-02-30"}, "today", id="not-a-real-date"),
        pytest.param({"supply": "goods", "today": "2026-5-1"}, "today", id="not-iso-date"),
        pytest.param({"supply": "goods", "today": "20260501"}, "today", id="compact-iso-refused"),
        pytest.param({"supply": "goods", "today": 20260501}, "today", id="date-as-number"),
        pytest.param({"supply": "goods", "today": "1899-12-31"}, "today", id="date-too-early"),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "delivery_date": "2026-05-02"},
            "delivery_date",
            id="date-after-today",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "contract_date": "2026-04-10",
                "delivery_date": "2026-04-09",
            },
            "delivery_date",
            id="delivery-before-contract",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "delivery_date": "2026-04-10",
                "installation_completed_date": "2026-04-09",
            },
            "installation_completed_date",
            id="installation-before-delivery",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "delivery_date": "2026-04-01",
                "repair_requested_date": "2026-04-10",
                "returned_after_repair_date": "2026-04-09",
            },
            "returned_after_repair_date",
            id="returned-before-repair-requested",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "delivery_date": "2026-04-01",
                "returned_after_repair_date": "2026-04-09",
            },
            "returned_after_repair_date",
            id="returned-without-request",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "delivery_date": "2026-04-10",
                "repair_requested_date": "2026-04-09",
            },
            "repair_requested_date",
            id="repair-before-delivery",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "delivery_date": "2026-04-01",
                "repair_requested_date": "2026-04-05",
                "returned_after_repair_date": "2026-04-09",
                "repairs_or_replacements_attempted": 0,
            },
            "repairs_or_replacements_attempted",
            id="back-from-repair-with-zero-attempts",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "delivery_date": "2026-04-10",
                "fault_reported_date": "2026-04-09",
            },
            "fault_reported_date",
            id="goods-fault-before-delivery",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "fault": True},
            "delivery_date",
            id="faulty-goods-need-delivery",
        ),
        pytest.param(
            {"supply": "service", "today": "2026-05-01", "distance_sale": True},
            "contract_date",
            id="distance-service-needs-contract",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "perishable_days": 0},
            "perishable_days",
            id="perishable-zero",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "perishable_days": 2.5},
            "perishable_days",
            id="perishable-fraction",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "repairs_or_replacements_attempted": -1},
            "repairs_or_replacements_attempted",
            id="negative-attempts",
        ),
        pytest.param(
            {"supply": "service", "today": "2026-05-01", "motor_vehicle": True},
            "motor_vehicle",
            id="motor-vehicle-service",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "device_damaged": True},
            "device_damaged",
            id="device-damaged-goods",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "repeat_performance_impossible": True},
            "repeat_performance_impossible",
            id="repeat-impossible-goods",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "early_supply_consent": True},
            "early_supply_consent",
            id="early-supply-goods",
        ),
        pytest.param(
            {
                "supply": "service",
                "today": "2026-05-01",
                "contract_date": "2026-04-01",
                "cancellation_info_given": False,
                "cancellation_info_received_date": "2026-04-05",
            },
            "cancellation_info_received_date",
            id="info-received-but-never-given",
        ),
    ],
)
def test_bad_facts_are_refused_naming_the_field(facts, field):
    with pytest.raises(FactsError) as caught:
        facts_from_dict(facts)

    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_facts_that_are_not_an_object_are_refused():
    with pytest.raises(FactsError) as caught:
        facts_from_dict(["supply", "goods"])  # type: ignore[arg-type]

    assert caught.value.field == "facts"


def test_facts_built_in_code_get_the_same_checks():
    with pytest.raises(FactsError) as caught:
        Facts(supply="goods", today=date(2026, 5, 1), contract_date=date(2026, 5, 2))

    assert caught.value.field == "contract_date"


# ---------------------------------------------------------------- properties


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
iso_like = st.dates(date(1890, 1, 1), date(3010, 12, 31)).map(date.isoformat)
field_values = st.one_of(
    json_values, iso_like, st.sampled_from(SUPPLIES), st.sampled_from(["ENG", "SCT", "XX"])
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), field_values, max_size=12)
)
def test_any_json_object_either_reads_or_is_refused_with_a_facts_error(data):
    try:
        facts = facts_from_dict(data)
    except FactsError as exc:
        assert isinstance(exc.field, str) and exc.message
    else:
        evaluate(facts)


@st.composite
def valid_facts(draw) -> dict[str, object]:
    today = draw(st.dates(date(1920, 1, 1), date(2990, 12, 31)))
    earliest = today - timedelta(days=4000)
    supply = draw(st.sampled_from(SUPPLIES))
    consumer = draw(st.booleans())
    fault = draw(st.booleans())
    distance_sale = draw(st.booleans())

    def on_or_after(start: date | None) -> date:
        return draw(st.dates(max(start or earliest, earliest), today))

    def maybe(start: date | None, needed: bool = False) -> date | None:
        return on_or_after(start) if needed or draw(st.booleans()) else None

    facts: dict[str, object] = {"supply": supply, "today": today, "consumer": consumer, "fault": fault}
    contract = maybe(None, needed=distance_sale and supply != "goods")
    delivery = maybe(contract, needed=supply == "goods" and fault)
    facts.update(contract_date=contract, delivery_date=delivery, distance_sale=distance_sale)
    facts["fault_reported_date"] = maybe((delivery or contract) if supply == "goods" else contract)
    if supply == "goods":
        facts["installation_completed_date"] = maybe(delivery) if delivery else None
        facts["perishable_days"] = draw(st.none() | st.integers(1, 60))
        facts["motor_vehicle"] = draw(st.booleans())
        requested = maybe(delivery or contract)
        back = maybe(requested) if requested else None
        facts.update(repair_requested_date=requested, returned_after_repair_date=back)
        facts["repairs_or_replacements_attempted"] = draw(st.none() | st.integers(1 if back else 0, 4))
    else:
        facts["repairs_or_replacements_attempted"] = draw(st.none() | st.integers(0, 4))
        facts["early_supply_consent"] = draw(st.booleans())
    if supply == "digital_content":
        facts["device_damaged"] = draw(st.booleans())
    if supply == "service":
        facts["repeat_performance_impossible"] = draw(st.booleans())
    facts["cancellation_info_given"] = draw(st.booleans())
    if facts["cancellation_info_given"] and contract is not None:
        facts["cancellation_info_received_date"] = maybe(None)
    facts["cancellation_requested_date"] = maybe(contract)
    facts["excluded_from_cancellation"] = draw(st.booleans())
    facts["region"] = draw(st.none() | st.sampled_from(["ENG", "WLS", "SCT", "NIR"]))
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in facts.items()}


configs = st.builds(
    RulesConfig,
    limitation_start=st.sampled_from(["supply", "contract", "fault_reported"]),
    motor_vehicle_deduction=st.booleans(),
    digital_refund_counting=st.sampled_from(["beginning_with", "after"]),
    service_started_early_payment=st.booleans(),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(valid_facts(), st.none() | configs)
def test_valid_facts_always_get_a_consistent_answer(data, config):
    facts = facts_from_dict(data)
    result = evaluate(facts, config)

    cancelled = facts.cancellation_requested_date
    for option in result.remedies:
        assert option.remedy in REMEDY_NAMES
        assert option.rule in result.rules
        used = option.refund_by is not None or option.return_by is not None
        assert not used or option.remedy == "cancel"
        # Only a cancellation already made may have a period that has ended.
        assert option.available_until is None or option.available_until >= facts.today or used
        if used:
            assert cancelled is not None and {"C1", "C3"} <= set(result.rules)
            assert option.available_until is None or cancelled <= option.available_until
            assert option.refund_by in (None, cancelled + timedelta(days=14))
            assert option.return_by in (None, cancelled + timedelta(days=14))
            assert (option.return_by is not None) is ("C4" in result.rules)
        item = option.to_dict()
        assert list(item) == ["remedy", "rule", "available_until"] + (
            ["refund_by", "return_by"] if option.remedy == "cancel" else []
        )
    if "C3" in result.rules:
        assert any(option.remedy == "cancel" and option.rule == "C1" for option in result.remedies)
    assert len({option.remedy for option in result.remedies}) == len(result.remedies)
    assert set(result.rules) <= set(RULES)
    assert result.unconfirmed == tuple(rule for rule in result.rules if RULES[rule].unconfirmed)
    assert {LINE.match(line).group(1) for line in result.lines} == set(result.rules)  # type: ignore[union-attr]
    if not facts.consumer:
        assert result.rules == () and result.remedies == () and not result.statutory_breach
    if "short_term_reject" in {option.remedy for option in result.remedies} or "final_reject" in {
        option.remedy for option in result.remedies
    }:
        assert {"G11", "G12"} <= set(result.rules)
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


def test_rules_config_needs_a_time_limit_for_every_region_and_can_key_a_cache():  # G13
    with pytest.raises(ValueError, match="WLS, SCT, NIR"):
        RulesConfig(limitation_years={"ENG": 6})

    assert hash(RulesConfig()) == hash(RulesConfig())


# ---------------------------------------------------------------- what the corrected counting changes


def changes(since: str, **facts: object) -> tuple[str, ...]:
    from putright.engines.remedies.recheck import position_changes

    return position_changes(facts_from_dict(facts), d(since))


@pytest.mark.parametrize(
    ("since", "overrides", "changed"),
    [
        pytest.param(
            "2026-07-16", {"fault_reported_date": "2026-07-15"}, True, id="G10-shown-on-the-old-last-day"
        ),
        pytest.param("2026-07-16", {"fault_reported_date": "2026-07-14"}, False, id="G9-shown-within-both"),
        pytest.param("2026-07-16", {"fault_reported_date": "2026-07-16"}, False, id="G10-shown-after-both"),
        pytest.param("2026-07-01", {}, True, id="G10-unreported-and-open-on-the-old-last-day"),
        pytest.param("2026-07-16", {}, False, id="G10-unreported-opened-after-it"),
        pytest.param(
            "2026-07-16",
            {"delivery_date": "2025-08-31", "contract_date": "2025-08-31"},
            False,
            id="G9-month-end-unchanged",
        ),
    ],
)
def test_recheck_finds_faults_the_presumption_no_longer_covers(since, overrides, changed):  # G9/G10
    facts = faulty_goods(contract_date="2026-01-15", delivery_date="2026-01-15", today="2026-07-20")
    facts.update(overrides)

    found = changes(since, **facts)

    assert bool(found) is changed
    if changed:
        assert found == (
            "The presumption that the fault was there at delivery ended on 14 July 2026, not 15 July 2026: a "
            "fault that showed on 15 July 2026 must now be shown by the customer (G10).",
        )


@pytest.mark.parametrize(
    ("since", "today", "overrides", "changed"),
    [
        pytest.param("2026-06-01", "2026-10-31", {}, True, id="G7-open-on-31-october"),
        pytest.param("2026-06-01", "2026-10-30", {}, False, id="G7-not-yet-31-october"),
        pytest.param("2026-11-01", "2026-11-05", {}, False, id="G7-opened-after-the-period"),
        pytest.param(
            "2026-06-01", "2026-11-05", {"motor_vehicle": True}, False, id="G8-deduction-either-way"
        ),
        pytest.param(
            "2026-06-01",
            "2026-11-05",
            {"repairs_or_replacements_attempted": 0},
            False,
            id="G7-no-final-rejection",
        ),
    ],
)
def test_recheck_finds_final_rejections_now_free_of_a_deduction(since, today, overrides, changed):  # G7
    facts = faulty_goods(
        contract_date="2026-04-30",
        delivery_date="2026-04-30",
        fault_reported_date="2026-05-02",
        repairs_or_replacements_attempted=1,
        today=today,
    )
    facts.update(overrides)

    found = changes(since, **facts)

    assert found == (
        (
            "A final rejection up to 31 October 2026 is free of any deduction for use; the earlier counting "
            "allowed one from 31 October 2026 (G7).",
        )
        if changed
        else ()
    )


def test_recheck_finds_cancellations_made_in_time_but_not_late_ones():  # C1
    in_time = changes(
        "2026-05-01", **distance("goods", cancellation_requested_date="2026-05-20", today="2026-05-22")
    )
    late = changes(
        "2026-05-01", **distance("goods", cancellation_requested_date="2026-05-25", today="2026-05-26")
    )

    assert in_time == (
        "The customer cancelled in time on 20 May 2026: the cancellation is now offered as their remedy, with "
        "its refund and return dates, and its refund counts from the cancellation (C1).",
    )
    assert late == ()


@pytest.mark.parametrize(
    ("today", "changed"), [("2027-05-19", False), ("2027-05-20", True)], ids=["old-end", "day-after-old-end"]
)
def test_recheck_finds_late_information_now_counted_from_the_contract(today, changed):  # C2
    facts = distance("goods", cancellation_info_received_date="2027-05-05", today=today)

    assert changes("2027-05-01", **facts) == (
        ("The right to cancel lasts until 24 May 2027; the earlier counting ended it on 19 May 2027 (C2).",)
        if changed
        else ()
    )


def test_recheck_finds_nothing_for_a_business_customer_or_unaffected_dates():
    assert changes("2026-01-01", **faulty_goods(consumer=False, today="2026-07-20")) == ()
    # Delivered 3 March, the fault reported on 10 March: both counts end G7's six months on 3 September.
    reported = faulty_goods(
        repairs_or_replacements_attempted=1, fault_reported_date="2026-03-10", today="2026-09-20"
    )
    assert changes("2026-03-03", **reported) == ()
