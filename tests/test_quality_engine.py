"""The handling scorecard engine (issue 14 §4, Q1), table by table: every check, every outcome, the exact
reason and the event it points to. Pure: no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from putright.engines.quality import (
    CHECK_IDS,
    ENGINE_VERSION,
    AuthorityFacts,
    CaseRecord,
    OptionFacts,
    Outcome,
    PromiseFacts,
    Result,
    StepFacts,
    TimelineEvent,
    score,
)


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0)


# A model case, Monday 2 March 2026 to Friday 6 March 2026: every check passes or does not apply.
GOOD = CaseRecord(
    reference="PR-2026-000001",
    outcome=Outcome.RESOLVED,
    opened_at=at(2, 9),
    closed_at=at(6, 16),
    closed_event=90,
    understanding="confirmed",
    understanding_event=11,
    options=(
        OptionFacts(1, "Refund £60", appraised=True, added_event=21),
        OptionFacts(2, "Repair", appraised=True, added_event=22),
    ),
    recommended_option=1,
    recommendation_factors=("cost", "risk"),
    recommendation_justification="Quickest for the customer",
    recommended_event=23,
    proposed_event=24,
    answer_event=25,
    agreed=True,
    agreed_option_title="Refund £60",
    agreed_at=at(3, 11),
    steps=(StepFacts(1, "Send the refund", "alice", date(2026, 3, 4), added_event=31),),
    promises=(PromiseFacts(1, "Call back", at(4, 17), "kept", kept_at=at(4, 12), made_event=41),),
    updates=(at(2, 9), at(3, 11), at(4, 12), at(5, 10), at(6, 16)),
    delivered_event=51,
    satisfaction_asked=True,
    satisfaction_answered_event=90,
    timeline=(
        TimelineEvent(10, at(2, 9), "case.reported"),
        TimelineEvent(11, at(2, 10), "understanding.confirmed"),
        TimelineEvent(25, at(3, 11), "option.agreed"),
        TimelineEvent(90, at(6, 16), "satisfaction.resolved"),
    ),
)

UNRESOLVED = replace(
    GOOD,
    outcome=Outcome.UNRESOLVED,
    options=(),
    recommended_option=None,
    recommendation_factors=(),
    recommendation_justification="",
    recommended_event=None,
    proposed_event=None,
    answer_event=None,
    agreed=False,
    agreed_option_title="",
    steps=(),
    promises=(),
    delivered_event=None,
    satisfaction_asked=False,
    satisfaction_answered_event=None,
    unresolved_reasons="We cannot refund a sale item after 90 days.",
    unresolved_reason_code="7",
    other_routes=("Citizens Advice",),
)


def check(record: CaseRecord, check_id: str):
    [outcome] = [o for o in score(record) if o.id == check_id]
    return outcome.result.value, outcome.reason, outcome.event_id


def test_a_model_case_passes_every_check_that_applies_in_the_order_of_the_ids():
    outcomes = score(GOOD)
    assert [o.id for o in outcomes] == list(CHECK_IDS)
    assert {o.id: o.result.value for o in outcomes} == {
        "understanding_confirmed": "pass",
        "options_weighed": "pass",
        "agreement_recorded": "pass",
        "plan_owned_dated": "pass",
        "promises_kept": "pass",
        "kept_informed": "pass",
        "satisfaction_checked": "pass",
        "unresolved_reasons_routes": "n/a",
        "escalated_beyond_authority": "n/a",
    }
    assert all(o.reason == "" and o.event_id is None for o in outcomes if o.result == Result.PASS)
    assert ENGINE_VERSION == "1.0"


TABLE = [
    # ---- understanding_confirmed (S2)
    ("understanding_confirmed", GOOD, ("pass", "", None)),
    (
        "understanding_confirmed",
        replace(GOOD, understanding="skipped", understanding_skip_reason="Customer only wanted a refund."),
        ("pass", "", None),
    ),
    (
        "understanding_confirmed",
        replace(GOOD, understanding="skipped", understanding_skip_reason="  "),
        ("fail", "Confirming our understanding was skipped without a reason.", 11),
    ),
    (
        "understanding_confirmed",
        replace(GOOD, understanding="awaiting_customer"),
        ("fail", "The customer never confirmed our summary of the problem.", 11),
    ),
    (
        "understanding_confirmed",
        replace(GOOD, understanding="not_started", understanding_event=None),
        ("fail", "Our understanding of the problem was never summarised for the customer to confirm.", None),
    ),
    (
        "understanding_confirmed",
        replace(GOOD, understanding="corrected"),
        (
            "fail",
            "The customer corrected our summary and the corrected understanding was never confirmed.",
            11,
        ),
    ),
    # ---- options_weighed (P3–P4)
    ("options_weighed", GOOD, ("pass", "", None)),
    ("options_weighed", UNRESOLVED, ("n/a", "Closed unresolved before any option was listed.", None)),
    (
        "options_weighed",
        replace(GOOD, options=()),
        ("fail", "No option is on the record: nothing was weighed.", 90),
    ),
    (
        "options_weighed",
        replace(GOOD, options=GOOD.options[:1]),
        ("fail", "Only one option (“Refund £60”) was listed: nothing was weighed against it.", 21),
    ),
    (
        "options_weighed",
        replace(GOOD, options=(GOOD.options[0], OptionFacts(2, "Repair", appraised=False, added_event=22))),
        ("fail", "No advantages or disadvantages were written for “Repair”.", 22),
    ),
    (
        "options_weighed",
        replace(
            GOOD,
            options=(
                GOOD.options[0],
                OptionFacts(2, "Repair", appraised=False, proposed_by_rule=True, added_event=22),
                OptionFacts(3, "Voucher", appraised=False, withdrawn=True, added_event=26),
            ),
        ),
        ("pass", "", None),
    ),
    (
        "options_weighed",
        replace(GOOD, recommended_option=None, recommended_event=None),
        ("fail", "2 options were listed but none was recommended with its reasons.", 22),
    ),
    (
        "options_weighed",
        replace(GOOD, recommendation_factors=("cost",)),
        (
            "fail",
            "The recommendation names 1 factor(s); the standard asks for a justification naming at least 2.",
            23,
        ),
    ),
    # ---- agreement_recorded (A1)
    ("agreement_recorded", GOOD, ("pass", "", None)),
    (
        "agreement_recorded",
        replace(UNRESOLVED, proposed_event=24, answer_event=25, agreed=False),
        ("pass", "", None),
    ),
    (
        "agreement_recorded",
        UNRESOLVED,
        ("n/a", "Closed unresolved before any option was put to the customer.", None),
    ),
    (
        "agreement_recorded",
        replace(UNRESOLVED, proposed_event=24),
        (
            "fail",
            "An option was put to the customer but their answer was never recorded before the case closed.",
            24,
        ),
    ),
    (
        "agreement_recorded",
        replace(GOOD, answer_event=None, agreed=False),
        ("fail", "Closed as resolved with no agreement from the customer on the record.", 90),
    ),
    (
        "agreement_recorded",
        replace(GOOD, agreed=False),
        (
            "fail",
            "Closed as resolved, but the customer's last answer on the record declines what we proposed.",
            25,
        ),
    ),
    # ---- plan_owned_dated (A2)
    ("plan_owned_dated", GOOD, ("pass", "", None)),
    ("plan_owned_dated", UNRESOLVED, ("n/a", "Nothing was agreed, so no action plan was due.", None)),
    (
        "plan_owned_dated",
        replace(GOOD, steps=()),
        ("fail", "“Refund £60” was agreed but no action plan step was recorded.", 25),
    ),
    (
        "plan_owned_dated",
        replace(GOOD, steps=(StepFacts(1, "Send the refund", "", date(2026, 3, 4), added_event=31),)),
        ("fail", "No owner for the step “Send the refund”.", 31),
    ),
    (
        "plan_owned_dated",
        replace(GOOD, steps=(StepFacts(1, "Send the refund", "alice", None, added_event=31),)),
        ("fail", "No due date for the step “Send the refund”.", 31),
    ),
    # ---- promises_kept (A3)
    ("promises_kept", GOOD, ("pass", "", None)),
    ("promises_kept", replace(GOOD, promises=()), ("n/a", "No promise was made to the customer.", None)),
    (
        "promises_kept",
        replace(
            GOOD,
            promises=(
                PromiseFacts(
                    1, "Call back", at(4, 17), "kept_late", kept_at=at(5, 9), made_event=41, broken_event=44
                ),
            ),
        ),
        (
            "fail",
            "1 of 1 promise(s) not kept on time: “Call back” was due 4 Mar 2026 17:00, kept 5 Mar 2026 09:00 (late).",
            44,
        ),
    ),
    (
        "promises_kept",
        replace(
            GOOD,
            promises=(
                GOOD.promises[0],
                PromiseFacts(
                    2,
                    "Send the label",
                    at(5, 12),
                    "withdrawn",
                    ever_broken=True,
                    made_event=42,
                    broken_event=45,
                ),
            ),
        ),
        (
            "fail",
            "1 of 2 promise(s) not kept on time: “Send the label” was due 5 Mar 2026 12:00 and broken.",
            45,
        ),
    ),
    (
        "promises_kept",
        replace(
            GOOD,
            promises=(
                PromiseFacts(
                    2, "Send the label", at(6, 12), "withdrawn", made_event=42, settled_at=at(6, 16)
                ),
            ),
        ),
        (
            "fail",
            "1 of 1 promise(s) not kept on time: “Send the label” was due 6 Mar 2026 12:00 and still not kept when "
            "the case closed.",
            42,
        ),
    ),
    (
        # Due after the close, withdrawn as the case closed: not broken.
        "promises_kept",
        replace(
            GOOD,
            promises=(
                PromiseFacts(
                    2, "Send the label", at(9, 12), "withdrawn", made_event=42, settled_at=at(6, 16)
                ),
            ),
        ),
        ("pass", "", None),
    ),
    # ---- kept_informed (A4): 3 business days, as cases.selectors.cadence_cutoff
    ("kept_informed", GOOD, ("pass", "", None)),
    (
        # Thu 5 → Tue 10 March: Fri 6 and Mon 9 pass (2 whole business days): within the cadence.
        "kept_informed",
        replace(GOOD, opened_at=at(5, 9), updates=(at(5, 9), at(10, 15)), closed_at=at(10, 15)),
        ("pass", "", None),
    ),
    (
        # Thu 5 → Wed 11 March: Fri 6, Mon 9 and Tue 10 pass: the sweep would flag it on Wednesday morning.
        "kept_informed",
        replace(
            GOOD,
            opened_at=at(5, 9),
            updates=(at(5, 9), at(11, 8), at(12, 9)),
            closed_at=at(12, 9),
            timeline=(
                TimelineEvent(10, at(5, 9), "case.reported"),
                TimelineEvent(20, at(11, 8), "message.sent"),
            ),
        ),
        (
            "fail",
            "The customer went 1 time(s) without an update for 3 business days or more (the longest from "
            "5 Mar 2026 to 11 Mar 2026: 3 whole business days).",
            10,
        ),
    ),
    (
        # The last silence runs until the close (no message at the close).
        "kept_informed",
        replace(GOOD, updates=(at(2, 9),), closed_at=at(13, 9)),
        (
            "fail",
            "The customer went 1 time(s) without an update for 3 business days or more (the longest from "
            "2 Mar 2026 until the case closed on 13 Mar 2026: 8 whole business days).",
            10,
        ),
    ),
    (
        # Good Friday and Easter Monday 2026 (3 and 6 April) are not business days in England.
        "kept_informed",
        replace(
            GOOD,
            opened_at=at(2, 9, 4),
            updates=(at(2, 9, 4), at(8, 9, 4)),
            closed_at=at(8, 9, 4),
            timeline=(TimelineEvent(10, at(2, 9, 4), "case.reported"),),
        ),
        ("pass", "", None),
    ),
    # ---- satisfaction_checked (A5)
    ("satisfaction_checked", GOOD, ("pass", "", None)),
    (
        "satisfaction_checked",
        replace(GOOD, outcome=Outcome.NO_REPLY, satisfaction_answered_event=None, satisfaction_reminded=True),
        ("pass", "", None),
    ),
    (
        "satisfaction_checked",
        replace(
            GOOD, outcome=Outcome.NO_REPLY, satisfaction_answered_event=None, satisfaction_reminded=False
        ),
        ("fail", "Closed as resolved with no reply although the customer was never reminded.", 90),
    ),
    (
        "satisfaction_checked",
        UNRESOLVED,
        ("n/a", "Nothing was agreed or delivered, so there was nothing to ask about.", None),
    ),
    (
        "satisfaction_checked",
        replace(UNRESOLVED, agreed=True, answer_event=25),
        ("fail", "The customer was never asked whether the problem is resolved.", 25),
    ),
    # ---- unresolved_reasons_routes (A6)
    ("unresolved_reasons_routes", UNRESOLVED, ("pass", "", None)),
    ("unresolved_reasons_routes", GOOD, ("n/a", "The case closed resolved.", None)),
    (
        "unresolved_reasons_routes",
        replace(UNRESOLVED, unresolved_reasons="Sorry.", other_routes=()),
        ("fail", "Closed unresolved without clear reasons and another route to take it forward.", 90),
    ),
    (
        "unresolved_reasons_routes",
        replace(UNRESOLVED, unresolved_reasons="", unresolved_reason_code="", other_routes=(" ",)),
        (
            "fail",
            "Closed unresolved without clear reasons, a reason code and another route to take it forward.",
            90,
        ),
    ),
    # ---- escalated_beyond_authority (K4)
    ("escalated_beyond_authority", GOOD, ("n/a", "Nothing agreed was beyond the handler's authority.", None)),
    (
        "escalated_beyond_authority",
        replace(
            GOOD,
            authority=(
                AuthorityFacts(
                    1,
                    "Replace",
                    ("£449.00 is over the £100.00 limit",),
                    recommended_event=23,
                    approval_requested_event=27,
                    approved_event=28,
                    approved_by_second_person=True,
                ),
            ),
        ),
        ("pass", "", None),
    ),
    (
        "escalated_beyond_authority",
        replace(
            GOOD,
            authority=(
                AuthorityFacts(1, "Replace", ("£449.00 is over the £100.00 limit",), recommended_event=23),
            ),
        ),
        (
            "fail",
            "“Replace” was beyond the handler's authority (£449.00 is over the £100.00 limit) and was agreed "
            "without a second person's approval.",
            23,
        ),
    ),
    (
        "escalated_beyond_authority",
        replace(GOOD, authority=(AuthorityFacts(1, "Refund £60", (), recommended_event=23),)),
        ("n/a", "Nothing agreed was beyond the handler's authority.", None),
    ),
]


@pytest.mark.parametrize(
    ("check_id", "record", "expected"), TABLE, ids=[f"{row[0]}-{i}" for i, row in enumerate(TABLE)]
)
def test_each_check_answers_exactly(check_id, record, expected):
    assert check(record, check_id) == expected


def test_the_table_covers_every_outcome_of_every_check():
    seen = {(row[0], row[2][0]) for row in TABLE}
    for check_id in CHECK_IDS:
        assert (check_id, "pass") in seen, check_id
        assert (check_id, "fail") in seen, check_id
    for check_id in set(CHECK_IDS) - {"understanding_confirmed", "kept_informed"}:
        assert (check_id, "n/a") in seen, check_id
