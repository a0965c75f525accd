"""Clocks on cases (E4): started on report and on agreement, met by what happens, alerted once by the sweep.

Reported on Monday 2 November 2026 at 09:00 (England and Wales): acknowledge by Tue 3 Nov, first
update by Thu 5 Nov, resolve by Mon 16 Nov; under DISP, summary resolution by Thu 5 Nov and the
final response by Mon 28 Dec.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from putright import clock
from putright.cases import services
from putright.channels.models import Alert, Message
from putright.demo.extras import regulation_demo_load
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock, RegimeSettings
from putright.vocab import JustificationFactor, RemedyType
from tests.conftest import _user, aware, make_report

REPORTED = aware(2026, 11, 2, 9)


@pytest.fixture
def helen(django_user_model):
    return _user(django_user_model, "helen", "administrator", "Helen")


@pytest.fixture
def regimes(helen):
    """Change the organisation's settings the way an administrator does."""

    def _set(**changes) -> RegimeSettings:
        row = regulation.regime_settings_get()
        for name, value in changes.items():
            setattr(row, name, value)
        return regulation.regime_settings_save(actor=helen, settings_row=row)

    return _set


def report(**overrides):
    with clock.frozen(REPORTED):
        case, _ = services.case_report(report=make_report(**overrides))
    return case


def clocks(case) -> dict[str, CaseClock]:
    return {c.kind: c for c in CaseClock.objects.filter(case=case)}


def end_of(day: date):
    return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.max.time()))


# ---------------------------------------------------------------- started on report


@pytest.mark.django_db
def test_a_report_starts_the_organisation_s_service_level_clocks_from_receipt():
    case = report()
    found = clocks(case)
    assert {k: (c.rule_id, c.due_date) for k, c in found.items()} == {
        "acknowledge": ("SLA.acknowledge", date(2026, 11, 3)),
        "first_update": ("SLA.first_update", date(2026, 11, 5)),
        "resolve": ("SLA.resolve", date(2026, 11, 16)),
    }
    resolve = found["resolve"]
    assert resolve.due_at == end_of(date(2026, 11, 16))
    assert resolve.warn_at == aware(2026, 11, 13, 0, 0)  # the business day before
    assert resolve.started_at == REPORTED
    # The report's event records them; no separate event is added.
    reported = case.events.get(seq=1)
    assert reported.kind == "case.reported"
    assert [c["rule_id"] for c in reported.after["clocks"]] == [
        "SLA.acknowledge",
        "SLA.first_update",
        "SLA.resolve",
    ]
    assert case.events.count() == 1


@pytest.mark.django_db
def test_the_acknowledgement_sent_on_report_meets_the_acknowledgement_clock_not_the_first_update():
    case = report()
    found = clocks(case)
    assert found["acknowledge"].met_at == REPORTED
    assert found["acknowledge"].met_note == "Message to the customer: We have your report"
    assert found["first_update"].met_at is None


@pytest.mark.django_db
def test_the_next_message_to_the_customer_is_the_first_update(alice):
    case = report()
    later = aware(2026, 11, 4, 15)
    with clock.frozen(later):
        services.case_summarise_understanding(
            actor=alice, case=case, summary="Machine leaks; wants a new one."
        )
    found = clocks(case)
    assert found["first_update"].met_at == later
    assert found["resolve"].met_at is None


@pytest.mark.django_db
def test_the_bank_holidays_are_the_organisation_s_nation_s(regimes):
    regimes(region="SCT")
    with clock.frozen(aware(2026, 11, 27, 10)):  # Friday; Monday is St Andrew's Day in Scotland
        case, _ = services.case_report(report=make_report())
    assert clocks(case)["acknowledge"].due_date == date(2026, 12, 1)


@pytest.mark.django_db
def test_service_levels_switched_off_start_nothing(regimes):
    regimes(service_levels_on=False)
    assert clocks(report()) == {}


@pytest.mark.django_db
def test_disp_starts_f4_f5_f6_and_the_acknowledgement_states_the_deadline(regimes):
    regimes(disp_on=True, service_levels_on=False)
    case = report()
    found = clocks(case)
    assert {k: (c.rule_id, c.due_date) for k, c in found.items()} == {
        "disp_summary_resolution": ("F4", date(2026, 11, 5)),
        "disp_acknowledge": ("F5", date(2026, 11, 5)),
        "disp_final_response": ("F6", date(2026, 12, 28)),
    }
    ack = Message.objects.get(case=case)
    assert "We will send you our final response by 28 December 2026 at the latest." in ack.body
    assert "Financial Ombudsman Service" in ack.body
    assert found["disp_acknowledge"].met_at == REPORTED  # F5: the written acknowledgement went out


@pytest.mark.django_db
def test_disp_for_marked_cases_only_starts_when_a_case_is_regulated(regimes, alice):
    regimes(disp_on=True, disp_all_complaints=False, service_levels_on=False)
    case = report()
    assert clocks(case) == {}
    # The agent marks it a regulated complaint when classifying it: the regulator's clocks start.
    with clock.frozen(aware(2026, 11, 3, 9)):
        services.case_classify(
            actor=alice, case=case, source_kind=case.source_kind, category_id=None, regulated=True
        )
        again = regulation.clocks_start(case=case)
    case.refresh_from_db()
    assert case.is_regulated_complaint is True
    assert sorted(c.rule_id for c in CaseClock.objects.filter(case=case)) == ["F4", "F5", "F6"]
    assert again == []  # never twice
    assert clocks(case)["disp_final_response"].due_date == date(2026, 12, 28)  # still from receipt
    event = case.events.get(kind="case.classified")
    assert (event.before["regulated"], event.after["regulated"]) == (False, True)
    # Classifying again without saying leaves it regulated and starts nothing more.
    services.case_classify(actor=alice, case=case, source_kind="d", category_id=None)
    case.refresh_from_db()
    assert case.is_regulated_complaint is True
    assert CaseClock.objects.filter(case=case).count() == 3


# ---------------------------------------------------------------- met when the case closes


def _agree(case, agent, remedy_type=RemedyType.REPLACEMENT, amount="80.00"):
    option = services.option_add(
        actor=agent,
        case=case,
        option=services.OptionInput(title="Put it right", remedy_type=remedy_type, amount=Decimal(amount)),
    )
    services.option_recommend(
        actor=agent,
        option=option,
        justification="Quick and what they asked for.",
        factors=[JustificationFactor.FEASIBILITY, JustificationFactor.CUSTOMER_PREFERENCE],
    )
    services.option_customer_respond(case=case, agree=True)
    return option


def _deliver(case, alice):
    step = services.step_add(
        actor=alice,
        case=case,
        description="Do it",
        owner=alice,
        due_date=clock.now().date() + timedelta(days=1),
    )
    services.step_complete(actor=alice, step=step)
    services.case_mark_delivered(upheld="upheld", actor=alice, case=case)


@pytest.mark.django_db
def test_closing_resolved_meets_the_resolve_clock_and_f4_when_inside_three_business_days(alice, regimes):
    regimes(disp_on=True)
    case = report()
    with clock.frozen(aware(2026, 11, 4, 11)):
        services.case_summarise_understanding(actor=alice, case=case, summary="Leaks")
        services.case_confirm_understanding(actor=None, case=case)
        _agree(case, alice)
        _deliver(case, alice)
        services.case_satisfaction_record(case=case, resolved=True)
    found = clocks(case)
    closed = aware(2026, 11, 4, 11)
    assert found["resolve"].met_at == closed
    assert found["disp_final_response"].met_at == closed
    assert found["disp_summary_resolution"].met_at == closed
    assert found["disp_summary_resolution"].met_note == "Resolved within the summary resolution window"


@pytest.mark.django_db
def test_closed_after_the_window_f4_ends_unmet_and_f6_is_met(alice, regimes):
    regimes(disp_on=True)
    case = report()
    with clock.frozen(aware(2026, 11, 20, 11)):
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="We cannot offer what was asked for, for the reasons we explained on the phone.",
            other_routes=["Financial Ombudsman Service"],
        )
    found = clocks(case)
    assert found["disp_summary_resolution"].met_at is None
    assert found["disp_summary_resolution"].stopped_at == aware(2026, 11, 20, 11)
    assert found["disp_final_response"].met_at == aware(2026, 11, 20, 11)
    assert found["resolve"].met_at == aware(2026, 11, 20, 11)  # met late: due 16 Nov
    assert found["resolve"].met_at > found["resolve"].due_at


# ---------------------------------------------------------------- refunds (G11, C3)


@pytest.mark.django_db
def test_an_agreed_refund_starts_the_g11_clock_and_delivering_the_plan_meets_it(case_with_options, alice):
    agreed_at = aware(2026, 11, 16, 10)
    with clock.frozen(agreed_at):
        _agree(case_with_options, alice, RemedyType.REFUND, "40.00")
    refund = clocks(case_with_options)["refund"]
    assert (refund.rule_id, refund.due_date) == ("G11", date(2026, 11, 29))
    # The agreement's own event records the clock, and the customer is told the date.
    event = case_with_options.events.get(kind="option.agreed")
    assert (
        event.summary == "Customer agreed to 'Put it right' (on the case link); refund due by Sun 29 Nov 2026"
    )
    assert (event.after["clock"]["rule_id"], event.after["clock"]["due"]) == ("G11", "2026-11-29")
    assert case_with_options.events.filter(kind="clock.started").count() == 0
    message = Message.objects.filter(case=case_with_options).latest("pk")
    assert message.body.endswith("We will pay your refund by Sun 29 Nov 2026 at the latest.")
    with clock.frozen(aware(2026, 11, 18, 10)):
        _deliver(case_with_options, alice)
    refund.refresh_from_db()
    assert refund.met_at == aware(2026, 11, 18, 10)


@pytest.mark.django_db
def test_an_agreed_cancellation_starts_the_c3_clock(case_with_options, bob):
    with clock.frozen(aware(2026, 11, 16, 10)):
        _agree(case_with_options, bob, RemedyType.CANCELLATION, "0")
    refund = clocks(case_with_options)["cancellation_refund"]
    assert (refund.rule_id, refund.due_date) == ("C3", date(2026, 11, 30))


@pytest.mark.django_db
def test_a_cancellation_s_refund_clock_counts_from_the_cancellation_not_the_agreement(
    case_with_options, alice
):
    case_with_options.purchase_facts = {
        "supply": "service",
        "contract_date": "2026-11-02",
        "distance_sale": True,
        "cancellation_requested_date": "2026-11-05",
    }
    case_with_options.save(update_fields=["purchase_facts"])
    with clock.frozen(aware(2026, 11, 16, 10)):
        _agree(case_with_options, alice, RemedyType.CANCELLATION, "40.00")
    refund = clocks(case_with_options)["cancellation_refund"]
    # Told on 5 November: 14 days after is 19 November, whatever day the option was agreed (C3).
    assert (refund.rule_id, refund.counts_from, refund.due_date) == (
        "C3",
        date(2026, 11, 5),
        date(2026, 11, 19),
    )
    event = case_with_options.events.get(kind="option.agreed")
    assert event.summary.endswith("refund due by Thu 19 Nov 2026")


@pytest.mark.django_db
def test_a_late_cancellation_s_refund_clock_counts_from_the_agreement(case_with_options, alice):
    case_with_options.purchase_facts = {
        "supply": "service",
        "contract_date": "2026-10-01",
        "distance_sale": True,
        "cancellation_requested_date": "2026-11-05",  # the 14 days ended on 15 October
    }
    case_with_options.save(update_fields=["purchase_facts"])
    with clock.frozen(aware(2026, 11, 16, 10)):
        _agree(case_with_options, alice, RemedyType.CANCELLATION, "40.00")
    refund = clocks(case_with_options)["cancellation_refund"]
    assert (refund.counts_from, refund.due_date) == (date(2026, 11, 16), date(2026, 11, 30))


@pytest.mark.django_db
def test_no_refund_clock_for_other_remedies_or_when_switched_off(case_with_options, alice, regimes):
    _agree(case_with_options, alice, RemedyType.REPLACEMENT)
    assert "refund" not in clocks(case_with_options)
    regimes(refund_clock_on=False)
    with pytest.raises(DomainError) as refused:
        regulation.clock_start(actor=alice, case=case_with_options, kind="refund")
    assert refused.value.code == ErrorCode.INVALID_TRANSITION


# ---------------------------------------------------------------- started, done, stopped, extended by staff


@pytest.mark.django_db
def test_an_agent_starts_a_subject_access_clock_and_records_it_done(case_with_options, alice):
    with clock.frozen(aware(2026, 11, 20, 10)):
        started = regulation.clock_start(
            actor=alice, case=case_with_options, kind="subject_access", start_date=date(2026, 10, 31)
        )
    assert (started.rule_id, started.due_date, started.started_by) == ("P4", date(2026, 11, 30), alice)
    assert case_with_options.events.filter(kind="clock.started").count() == 1
    with clock.frozen(aware(2026, 11, 25, 10)):
        regulation.clock_met(actor=alice, clock_row=started, note="Sent by secure email")
    started.refresh_from_db()
    assert (started.met_at, started.met_note) == (aware(2026, 11, 25, 10), "Sent by secure email")
    assert case_with_options.events.latest("seq").summary == (
        "Done: Answer the subject access request (P4) — Sent by secure email"
    )
    with pytest.raises(DomainError) as twice:
        regulation.clock_met(actor=alice, clock_row=started)
    assert twice.value.code == ErrorCode.ALREADY_DONE


@pytest.mark.django_db
def test_an_outsider_cannot_start_a_clock_and_nothing_changes(case_with_options, charlie):
    before = (CaseClock.objects.count(), case_with_options.events.count())
    with pytest.raises(PermissionDenied):
        regulation.clock_start(actor=charlie, case=case_with_options, kind="subject_access")
    assert (CaseClock.objects.count(), case_with_options.events.count()) == before


@pytest.mark.parametrize(
    ("kind", "start", "code"),
    [
        ("acknowledge", None, ErrorCode.INVALID_INPUT),  # starts by itself
        ("nonsense", None, ErrorCode.INVALID_INPUT),
        ("subject_access", date(2030, 1, 1), ErrorCode.INVALID_INPUT),  # in the future
        ("disp_final_response", None, ErrorCode.INVALID_TRANSITION),  # DISP is off
    ],
)
@pytest.mark.django_db
def test_a_clock_that_cannot_be_started_is_refused(case_with_options, alice, kind, start, code):
    count = CaseClock.objects.count()
    with pytest.raises(DomainError) as refused:
        regulation.clock_start(actor=alice, case=case_with_options, kind=kind, start_date=start)
    assert refused.value.code == code
    assert CaseClock.objects.count() == count


@pytest.mark.django_db
def test_the_same_clock_cannot_run_twice(case_with_options, alice):
    regulation.clock_start(actor=alice, case=case_with_options, kind="subject_access")
    with pytest.raises(DomainError) as refused:
        regulation.clock_start(actor=alice, case=case_with_options, kind="subject_access")
    assert refused.value.code == ErrorCode.ALREADY_DONE


@pytest.mark.django_db
def test_a_clock_met_by_the_case_cannot_be_ticked_off_by_hand(alice):
    case = report()
    with pytest.raises(DomainError) as refused:
        regulation.clock_met(actor=alice, clock_row=clocks(case)["resolve"])
    assert refused.value.code == ErrorCode.INVALID_TRANSITION


@pytest.mark.django_db
def test_a_payment_services_complaint_replaces_f6_with_f7_then_the_holding_reply_gives_35_days(
    alice, regimes
):
    regimes(disp_on=True, service_levels_on=False)
    case = report()
    with clock.frozen(aware(2026, 11, 3, 9)):
        with pytest.raises(DomainError):  # the 35 days follow the 15
            regulation.clock_start(actor=alice, case=case, kind="disp_payment_exceptional")
        f7 = regulation.clock_start(actor=alice, case=case, kind="disp_payment_final_response")
    found = clocks(case)
    assert (f7.rule_id, f7.due_date) == ("F7", date(2026, 11, 23))
    assert found["disp_final_response"].stopped_at == aware(2026, 11, 3, 9)
    assert found["disp_final_response"].stop_reason.startswith("Replaced by Final response, payment services")
    with clock.frozen(aware(2026, 11, 20, 9)):
        exceptional = regulation.clock_start(actor=alice, case=case, kind="disp_payment_exceptional")
    f7.refresh_from_db()
    assert (exceptional.due_date, f7.stopped_at is not None) == (date(2026, 12, 21), True)
    # Asking for the clocks again does not bring F6 back.
    assert regulation.clocks_start(case=case) == []


@pytest.mark.django_db
def test_only_a_supervisor_stops_a_deadline_and_says_why(alice, bob):
    case = report()
    resolve = clocks(case)["resolve"]
    with pytest.raises(PermissionDenied):
        regulation.clock_stop(actor=alice, clock_row=resolve, reason="Customer withdrew the complaint")
    resolve.refresh_from_db()
    assert resolve.stopped_at is None
    with pytest.raises(DomainError) as short:
        regulation.clock_stop(actor=bob, clock_row=resolve, reason="no")
    assert short.value.code == ErrorCode.REASONS_REQUIRED
    regulation.clock_stop(actor=bob, clock_row=resolve, reason="Customer withdrew the complaint")
    resolve.refresh_from_db()
    assert resolve.stop_reason == "Customer withdrew the complaint"
    assert case.events.latest("seq").kind == "clock.stopped"


@pytest.mark.django_db
def test_extending_a_subject_access_request_tells_the_customer_the_new_date(case_with_options, alice):
    with clock.frozen(aware(2026, 11, 20, 10)):
        sar = regulation.clock_start(
            actor=alice, case=case_with_options, kind="subject_access", start_date=date(2026, 10, 31)
        )
        regulation.clock_extend(
            actor=alice, clock_row=sar, reason="Your request covers ten years of records in three systems."
        )
    sar.refresh_from_db()
    assert sar.due_date == date(2027, 1, 31)
    message = Message.objects.filter(case=case_with_options).latest("pk")
    assert message.subject == "We need more time to answer your request for your data"
    assert "ten years of records" in message.body
    assert "by Sun 31 Jan 2027 at the latest" in message.body
    event = case_with_options.events.latest("seq")
    assert (event.kind, event.customer_visible) == ("clock.extended", True)
    with pytest.raises(DomainError) as again:
        regulation.clock_extend(actor=alice, clock_row=sar, reason="Still more records to look through.")
    assert again.value.code == ErrorCode.ALREADY_DONE


@pytest.mark.django_db
def test_a_subject_access_extension_must_come_within_the_first_month(case_with_options, alice):
    with clock.frozen(aware(2026, 11, 20, 10)):
        sar = regulation.clock_start(
            actor=alice, case=case_with_options, kind="subject_access", start_date=date(2026, 10, 19)
        )
    with clock.frozen(aware(2026, 11, 20, 10)), pytest.raises(DomainError) as late:
        regulation.clock_extend(actor=alice, clock_row=sar, reason="It turned out to be complicated.")
    assert late.value.code == ErrorCode.INVALID_TRANSITION


# ---------------------------------------------------------------- the sweep


def _handled_by(alice):
    case = report()
    with clock.frozen(REPORTED):
        services.case_summarise_understanding(actor=alice, case=case, summary="Leaks")  # the first update
    return case


@pytest.mark.django_db
def test_the_sweep_alerts_the_handler_once_at_risk_and_once_missed(alice):
    case = _handled_by(alice)
    assert regulation.clocks_sweep(now=aware(2026, 11, 12, 23, 59)).at_risk == 0
    first = regulation.clocks_sweep(now=aware(2026, 11, 13, 9))  # Friday before Monday's deadline
    assert (first.at_risk, first.missed) == (1, 0)
    assert regulation.clocks_sweep(now=aware(2026, 11, 13, 15)).at_risk == 0  # once
    assert regulation.clocks_sweep(now=aware(2026, 11, 16, 23, 59)).missed == 0  # due until the day ends
    second = regulation.clocks_sweep(now=aware(2026, 11, 17, 0, 1))
    assert (second.at_risk, second.missed) == (0, 1)
    assert regulation.clocks_sweep(now=aware(2026, 11, 18, 9)).missed == 0
    alerts = list(alice.alerts.order_by("created_at").values_list("kind", "text"))
    assert alerts == [
        (
            "deadline_at_risk",
            f"{case.reference}: deadline due Mon 16 Nov 2026 — Resolve the complaint (SLA.resolve)",
        ),
        (
            "deadline_missed",
            f"{case.reference}: deadline missed — Resolve the complaint (SLA.resolve) was due Mon 16 Nov 2026",
        ),
    ]
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["clock.at_risk", "clock.missed"]
    resolve = clocks(case)["resolve"]
    assert resolve.missed_at == resolve.due_at


@pytest.mark.django_db
def test_a_case_nobody_handles_alerts_the_supervisors(bob, alice):
    case = report()
    regulation.clocks_sweep(now=aware(2026, 11, 6, 9))  # the first update (Thu 5 Nov) is missed
    assert list(bob.alerts.values_list("kind", flat=True)) == ["deadline_missed"]
    assert alice.alerts.count() == 0
    assert clocks(case)["first_update"].missed_alerted_at == aware(2026, 11, 6, 9)


@pytest.mark.django_db
def test_a_met_or_closed_case_s_clocks_are_never_alerted(alice):
    case = _handled_by(alice)
    with clock.frozen(aware(2026, 11, 10, 9)):
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="We cannot offer what was asked for, for the reasons we explained.",
            other_routes=["Citizens Advice"],
        )
    result = regulation.clocks_sweep(now=aware(2026, 12, 1, 9))
    assert (result.at_risk, result.missed) == (0, 0)
    assert alice.alerts.filter(kind__startswith="deadline").count() == 0


@pytest.mark.django_db
def test_a_refund_is_still_owed_after_the_case_closes(case_with_options, alice):
    with clock.frozen(aware(2026, 11, 16, 10)):
        regulation.clock_start(actor=alice, case=case_with_options, kind="refund")
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case_with_options,
            reasons="The customer went elsewhere; only the agreed refund is left to pay.",
            other_routes=["Citizens Advice"],
        )
    assert regulation.clocks_sweep(now=aware(2026, 11, 30, 9)).missed == 1
    assert alice.alerts.get(kind="deadline_missed").text.endswith(
        "Pay the agreed refund (G11) was due Sun 29 Nov 2026"
    )


@pytest.mark.django_db
def test_the_summary_resolution_window_ends_quietly(alice, regimes):
    regimes(disp_on=True, service_levels_on=False)
    case = report()
    result = regulation.clocks_sweep(now=aware(2026, 11, 6, 9))
    assert (result.windows_ended, result.missed) == (1, 0)
    f4 = clocks(case)["disp_summary_resolution"]
    assert f4.stopped_at == f4.due_at
    assert case.events.latest("seq").kind == "clock.window_ended"
    assert Alert.objects.filter(kind__startswith="deadline").count() == 0


@pytest.mark.django_db
def test_sweep_run_includes_the_deadlines(alice):
    _handled_by(alice)
    result = services.sweep_run(now=aware(2026, 11, 17, 9))
    assert (result.deadlines_at_risk, result.deadlines_missed) == (0, 1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_alert_once(alice):
    case = _handled_by(alice)
    errors: list[BaseException] = []
    counts: list[int] = []
    start = threading.Barrier(4)

    def sweep() -> None:
        try:
            start.wait()
            counts.append(regulation.clocks_sweep(now=aware(2026, 11, 13, 9)).at_risk)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(counts) == 1
    assert Alert.objects.filter(case=case, kind="deadline_at_risk").count() == 1
    assert case.events.filter(kind="clock.at_risk").count() == 1


# ---------------------------------------------------------------- settings


@pytest.mark.django_db
def test_only_an_administrator_changes_the_regimes(carol, helen):
    row = regulation.regime_settings_get()
    row.disp_on = True
    with pytest.raises(PermissionDenied):
        regulation.regime_settings_save(actor=carol, settings_row=row)
    assert RegimeSettings.objects.get(pk=1).disp_on is False
    regulation.regime_settings_save(actor=helen, settings_row=row)
    saved = RegimeSettings.objects.get(pk=1)
    assert (saved.disp_on, saved.updated_by) == (True, helen)


@pytest.mark.django_db
def test_an_obliged_adr_scheme_needs_a_name_and_website(helen):
    row = regulation.regime_settings_get()
    row.adr_obliged = True
    with pytest.raises(DomainError):
        regulation.regime_settings_save(actor=helen, settings_row=row)


@pytest.mark.django_db
def test_the_seeded_settings_are_a_retailer_s():
    row = RegimeSettings.objects.get(pk=1)
    assert (row.region, row.sector, row.service_levels_on, row.disp_on) == ("ENG", "general", True, False)
    assert (row.acknowledge_days, row.first_update_days, row.resolve_days) == (1, 3, 10)
    assert (row.refund_clock_on, row.sar_on) == (True, True)


# ---------------------------------------------------------------- the demo


@pytest.mark.django_db
def test_the_demo_has_a_deadline_at_risk_and_one_missed(alice, bob, helen):
    for n in range(3):
        with clock.frozen(aware(2026, 11, 20, 9 + n)):
            case, _ = services.case_report(report=make_report(customer_email=f"c{n}@example.com"))
            services.case_summarise_understanding(actor=alice, case=case, summary="Leaks")
    now = aware(2026, 11, 23, 9)
    result = regulation_demo_load(
        users={"admin": helen, "agent": alice, "supervisor": bob},
        now=now,
        organisation="Harbour & Hearth Ltd",
    )
    assert result == {"at_risk": 1, "missed": 1, "windows_ended": 0}
    sar = CaseClock.objects.get(kind="subject_access")
    refund = CaseClock.objects.get(kind="refund")
    assert (sar.due_date, sar.alerted_at) == (date(2026, 11, 24), now)
    assert (refund.due_date, refund.missed_alerted_at) == (date(2026, 11, 20), now)
    assert RegimeSettings.objects.get(pk=1).organisation_name == "Harbour & Hearth Ltd"
