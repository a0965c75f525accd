"""Scoring a case as it closes, storing one row per check, rescoring, and the record's scorecard section
(issue 14 §4)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from putright import clock
from putright.audit.models import Event
from putright.cases import selectors, services
from putright.cases.models import Case
from putright.engines.deadlines.business_days import BusinessCalendar, business_days_between
from putright.engines.quality import CHECK_IDS, ENGINE_VERSION
from putright.quality import scoring
from putright.quality import selectors as quality_selectors
from putright.quality.models import CheckResult, Dispute
from putright.quality.record import case_record_read
from tests.quality_fixtures import closed_resolved, closed_unresolved, to_agreed, to_delivered

pytestmark = pytest.mark.django_db


def results(case: Case) -> dict[str, tuple[str, str]]:
    return {r.check_id: (r.result, r.reason) for r in CheckResult.objects.filter(case=case)}


def test_a_case_is_scored_when_it_closes_one_row_per_check_with_the_engines_version(report_case, alice):
    case = closed_resolved(report_case, alice, promise=True)

    rows = list(CheckResult.objects.filter(case=case).order_by("pk"))
    assert [r.check_id for r in rows] == list(CHECK_IDS)
    assert {r.engine_version for r in rows} == {ENGINE_VERSION}
    assert {r.scored_at for r in rows} == {rows[0].scored_at}
    assert results(case) == {
        "understanding_confirmed": ("pass", ""),
        "options_weighed": ("pass", ""),
        "agreement_recorded": ("pass", ""),
        "plan_owned_dated": ("pass", ""),
        "promises_kept": ("pass", ""),
        "kept_informed": ("pass", ""),
        "satisfaction_checked": ("pass", ""),
        "unresolved_reasons_routes": ("n/a", "The case closed resolved."),
        "escalated_beyond_authority": ("n/a", "Nothing agreed was beyond the handler's authority."),
    }


def test_a_fail_names_the_event_that_shows_it(report_case, alice):
    case = closed_resolved(report_case, alice, options=1)

    row = CheckResult.objects.get(case=case, check_id="options_weighed")
    added = Event.objects.get(case=case, kind="option.added")
    assert (row.result, row.reason, row.event_id) == (
        "fail",
        "Only one option (“Refund £60”) was listed: nothing was weighed against it.",
        added.pk,
    )


def test_a_case_closed_unresolved_is_scored_on_its_own_path(report_case, alice):
    case = closed_unresolved(report_case, alice)

    assert results(case) == {
        "understanding_confirmed": (
            "fail",
            "Our understanding of the problem was never summarised for the customer to confirm.",
        ),
        "options_weighed": ("n/a", "Closed unresolved before any option was listed."),
        "agreement_recorded": ("n/a", "Closed unresolved before any option was put to the customer."),
        "plan_owned_dated": ("n/a", "Nothing was agreed, so no action plan was due."),
        "promises_kept": ("n/a", "No promise was made to the customer."),
        "kept_informed": ("pass", ""),
        "satisfaction_checked": (
            "n/a",
            "Nothing was agreed or delivered, so there was nothing to ask about.",
        ),
        "unresolved_reasons_routes": ("pass", ""),
        "escalated_beyond_authority": ("n/a", "Nothing agreed was beyond the handler's authority."),
    }


def test_a_duplicate_is_not_scored(report_case, alice):
    first, second = report_case(), report_case(subject="The same leak")
    services.case_close_duplicate(actor=alice, case=second, original=first)
    assert not CheckResult.objects.filter(case=second).exists()
    assert quality_selectors.scorecard_for(Case.objects.get(pk=second.pk)) is None


def test_an_option_beyond_the_handlers_authority_passes_once_a_second_person_approved_it(
    report_case, alice, bob
):
    case = report_case()
    services.case_assign(actor=alice, case=case, assignee=alice)
    services.case_summarise_understanding(actor=alice, case=case, summary="Leaks")
    services.case_confirm_understanding(actor=None, case=case)
    from decimal import Decimal

    from putright.vocab import RemedyType

    big = services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(
            title="Replace",
            remedy_type=RemedyType.REPLACEMENT,
            amount=Decimal("449"),
            customer_advantages="New",
        ),
    )
    services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(
            title="Repair", remedy_type=RemedyType.REPAIR, customer_advantages="Quick"
        ),
    )
    services.option_recommend(
        actor=alice, option=big, justification="CRA", factors=["legal_obligation", "risk"]
    )
    approval = case.approvals.get()
    services.approval_decide(actor=bob, approval=approval, approve=True)
    services.option_customer_respond(case=case, agree=True)
    case = to_delivered(Case.objects.get(pk=case.pk), alice)
    services.case_satisfaction_record(case=case, resolved=True)

    assert results(case)["escalated_beyond_authority"] == ("pass", "")


def test_the_record_is_read_in_six_queries_whatever_its_size(report_case, alice, django_assert_num_queries):
    small = closed_resolved(report_case, alice)
    big = closed_resolved(report_case, alice, options=4, promise=True, subject="Another leak")
    for case in (small, big):
        with django_assert_num_queries(6):
            case_record_read(case)


def test_a_case_reopened_after_not_resolved_is_scored_on_its_final_close_with_its_whole_story(
    report_case, alice
):
    case = report_case()
    services.case_assign(actor=alice, case=case, assignee=alice)
    case = to_delivered(to_agreed(case, alice), alice)
    services.case_satisfaction_record(case=case, resolved=False, comment="Still leaks")
    assert not CheckResult.objects.filter(case=case).exists()  # not closed: not scored
    services.case_reopen(actor=alice, case=case, reason="Try a replacement")
    case = Case.objects.get(pk=case.pk)
    services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(title="Replace it", remedy_type="repair", customer_advantages="Works"),
    )
    services.option_recommend(
        actor=alice,
        option=case.options.get(title="Replace it"),
        justification="Fix",
        factors=["cost", "risk"],
    )
    services.option_customer_respond(case=case, agree=True)
    case = to_delivered(Case.objects.get(pk=case.pk), alice)
    services.case_satisfaction_record(case=case, resolved=True)

    assert CheckResult.objects.filter(case=case).count() == len(CHECK_IDS)
    assert results(case)["plan_owned_dated"] == ("pass", "")
    assert results(case)["satisfaction_checked"] == ("pass", "")


def test_closing_again_replaces_the_rows_and_keeps_a_dispute_on_a_check_that_still_fails(report_case, alice):
    case = closed_resolved(report_case, alice, options=1)
    first = {r.check_id: r.pk for r in CheckResult.objects.filter(case=case)}
    Dispute.objects.create(
        case=case,
        check_id="options_weighed",
        failed_reason="x",
        engine_version=ENGINE_VERSION,
        raised_by=alice,
        raised_at=clock.now(),
        note="The customer only wanted a refund.",
        status=Dispute.Status.UPHELD,
        decided_by=alice,
        decided_at=clock.now(),
    )

    scoring.case_score(case)

    again = {r.check_id: r.pk for r in CheckResult.objects.filter(case=case)}
    assert set(again) == set(first) and not set(again.values()) & set(first.values())
    card = quality_selectors.scorecard_for(case)
    line = next(line for line in card.lines if line.id == "options_weighed")
    assert (line.result, line.engine_result, line.words) == ("pass", "fail", "Pass (overturned on dispute)")


def test_rescore_all_scores_every_closed_case_in_batches_and_skips_open_ones(report_case, alice):
    done = [closed_resolved(report_case, alice, subject=f"Leak {n}") for n in range(3)]
    open_case = report_case(subject="Still open")
    CheckResult.objects.all().delete()
    progress = []

    count = scoring.cases_rescore(batch_size=2, on_progress=progress.append)

    assert (count, progress) == (3, [2, 1])
    assert {c.pk for c in done} == set(CheckResult.objects.values_list("case_id", flat=True))
    assert not CheckResult.objects.filter(case=open_case).exists()


def test_the_case_record_has_the_scorecard_section(report_case, alice):
    case = closed_resolved(report_case, alice, options=1)
    record = selectors.case_record(case=case)
    section = record["scorecard"]
    assert section["case"] == case.reference
    assert section["engine_version"] == ENGINE_VERSION
    assert [c["id"] for c in section["checks"]] == list(CHECK_IDS)
    weighed = section["checks"][1]
    assert weighed["result"] == "fail" and weighed["disputed"] is None
    assert weighed["event_id"] == Event.objects.get(case=case, kind="option.added").pk
    assert selectors.case_record(case=report_case(subject="Open"))["scorecard"] is None


@pytest.mark.parametrize(
    ("last", "next_day"),
    [
        (date(2026, 3, 5), date(2026, 3, 10)),
        (date(2026, 3, 5), date(2026, 3, 11)),
        (date(2026, 4, 2), date(2026, 4, 8)),
        (date(2026, 4, 2), date(2026, 4, 9)),
        (date(2026, 12, 23), date(2026, 12, 30)),
    ],
)
def test_the_engines_silence_rule_is_the_sweeps_cadence_rule(last, next_day, settings):
    """A gap fails exactly when the sweep would have flagged the open case before the next update."""
    days = settings.PUTRIGHT["CADENCE_BUSINESS_DAYS"]
    cal = BusinessCalendar(region=settings.PUTRIGHT["HOLIDAY_REGION"])
    moment = timezone.make_aware(datetime.combine(next_day, time(9)))
    flagged = timezone.make_aware(datetime.combine(last, time(12))) < selectors.cadence_cutoff(moment)
    engine = business_days_between(last, next_day - timedelta(days=1), cal) >= days
    assert engine == flagged


def test_the_scorecard_is_read_in_two_queries_whatever_its_disputes(
    report_case, alice, django_assert_num_queries
):
    case = closed_resolved(report_case, alice, options=1)
    for n in range(3):
        Dispute.objects.create(
            case=case,
            check_id=CHECK_IDS[n],
            engine_version=ENGINE_VERSION,
            raised_by=alice,
            raised_at=clock.now(),
            note="Why",
            status=Dispute.Status.REJECTED,
        )
    with django_assert_num_queries(2):
        card = quality_selectors.scorecard_for(case)
        quality_selectors.scorecard_data(card)
