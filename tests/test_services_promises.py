"""A3 promises and A4 cadence: the periodic sweep marks, alerts once, and emails the owner."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from putright import clock
from putright.cases import services
from putright.errors import DomainError
from putright.vocab import PromiseStatus
from tests.conftest import aware

pytestmark = pytest.mark.django_db


def test_a_promise_must_be_due_in_the_future(case_with_options, alice):
    with pytest.raises(DomainError):
        services.promise_make(
            actor=alice,
            case=case_with_options,
            description="Call back",
            owner=alice,
            due_at=clock.now() - timedelta(minutes=1),
        )
    assert case_with_options.promises.count() == 0


def test_the_sweep_marks_promises_at_risk_then_broken_and_alerts_the_owner_once(
    case_with_options, alice, bob
):
    start = aware(2026, 11, 2, 9)
    with clock.frozen(start):
        promise = services.promise_make(
            actor=alice,
            case=case_with_options,
            description="Call you back",
            owner=bob,
            due_at=start + timedelta(hours=48),
        )
    assert services.promises_sweep(now=start + timedelta(hours=1)) == (0, 0)
    assert services.promises_sweep(now=start + timedelta(hours=30)) == (1, 0)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.AT_RISK
    assert services.promises_sweep(now=start + timedelta(hours=31)) == (0, 0)  # alerted once
    assert services.promises_sweep(now=start + timedelta(hours=49)) == (0, 1)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN
    assert services.promises_sweep(now=start + timedelta(hours=50)) == (0, 0)
    assert list(bob.alerts.values_list("kind", flat=True).order_by("created_at")) == [
        "promise_at_risk",
        "promise_broken",
    ]
    kinds = list(case_with_options.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["promise.at_risk", "promise.broken"]


def test_a_promise_kept_in_time_is_kept_and_never_alerted(case_with_options, alice):
    start = aware(2026, 11, 2, 9)
    with clock.frozen(start):
        promise = services.promise_make(
            actor=alice,
            case=case_with_options,
            description="Email the label",
            owner=alice,
            due_at=start + timedelta(hours=4),
        )
    with clock.frozen(start + timedelta(hours=1)):
        promise = services.promise_keep(actor=alice, promise=promise)
    assert promise.status == PromiseStatus.KEPT
    assert services.promises_sweep(now=start + timedelta(days=3)) == (0, 0)
    assert alice.alerts.filter(kind__startswith="promise").count() == 0


def test_a_broken_promise_kept_later_is_kept_late(case_with_options, alice):
    start = aware(2026, 11, 2, 9)
    with clock.frozen(start):
        promise = services.promise_make(
            actor=alice,
            case=case_with_options,
            description="Refund",
            owner=alice,
            due_at=start + timedelta(hours=2),
        )
    services.promises_sweep(now=start + timedelta(hours=3))
    with clock.frozen(start + timedelta(hours=5)):
        promise = services.promise_keep(actor=alice, promise=promise)
    assert promise.status == PromiseStatus.KEPT_LATE


@pytest.mark.django_db(transaction=True)
def test_the_owner_is_emailed_about_a_broken_promise(report_case, alice, mailbox):
    start = aware(2026, 11, 2, 9)
    with clock.frozen(start):
        case = report_case()
        services.case_summarise_understanding(actor=alice, case=case, summary="x")
        services.promise_make(
            actor=alice,
            case=case,
            description="Call you back",
            owner=alice,
            due_at=start + timedelta(hours=1),
        )
    mailbox.clear()
    services.sweep_run(now=start + timedelta(hours=2))
    subjects = mailbox.subjects_to("alice@putright.example")
    assert subjects == [f"[{case.reference}] Promise broken"]


def test_cadence_flags_customers_after_three_whole_business_days(report_case, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CADENCE_BUSINESS_DAYS": 3}
    # Last update Thursday 5 Nov 2026 at 16:00.
    with clock.frozen(aware(2026, 11, 5, 16)):
        case = report_case()
        services.case_summarise_understanding(actor=alice, case=case, summary="x")
    # Fri, Mon and Tue must all have passed: not on Tuesday evening...
    assert services.cadence_sweep(now=aware(2026, 11, 10, 23, 59)) == 0
    # ...but from the first minute of Wednesday 11 Nov.
    assert services.cadence_sweep(now=aware(2026, 11, 11, 0, 1)) == 1
    assert services.cadence_sweep(now=aware(2026, 11, 11, 15)) == 0  # once a day
    [alert] = alice.alerts.filter(kind="cadence", case=case)
    assert alert.text == f"{case.reference}: the customer has not heard from us since 05 Nov"


def test_the_cadence_alert_dates_the_last_update_in_local_time(report_case, alice):
    # 00:30 BST on 10 June is 23:30 UTC on 9 June: the alert must say 10 Jun.
    with clock.frozen(aware(2026, 6, 10, 0, 30)):
        case = report_case()
        services.case_summarise_understanding(actor=alice, case=case, summary="x")
    assert services.cadence_sweep(now=aware(2026, 6, 16, 9)) == 1
    assert alice.alerts.get(kind="cadence").text.endswith("since 10 Jun")


def test_cadence_counts_bank_holidays_as_closed(report_case, alice):
    # Wed 23 Dec 2026; 25 and 28 Dec are bank holidays in England.
    with clock.frozen(aware(2026, 12, 23, 10)):
        case = report_case()
        services.case_summarise_understanding(actor=alice, case=case, summary="x")
    # Whole business days after 23 Dec: 24, 29, 30 → flagged from 31 Dec.
    assert services.cadence_sweep(now=aware(2026, 12, 30, 18)) == 0
    assert services.cadence_sweep(now=aware(2026, 12, 31, 9)) == 1


def test_the_sweep_command_reports_what_it_did(case_with_options, alice, capsys):
    start = clock.now()
    services.promise_make(
        actor=alice,
        case=case_with_options,
        description="Ring",
        owner=alice,
        due_at=start + timedelta(hours=1),
    )
    later = (start + timedelta(hours=2)).isoformat()
    call_command("sweep", "--now", later)
    out = capsys.readouterr().out
    assert "broken: 1" in out
    assert "promises at risk: 0" in out


def test_the_sweep_keeps_planner_statistics_fresh_where_the_database_does_not(report_case):
    from django.db import connection

    report_case()
    if connection.vendor == "postgresql":
        # PostgreSQL gathers them itself; the sweep relies on that, so check the premise holds.
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            assert cursor.fetchone()[0] == "on"
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    services.sweep_run()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'cases_case'")
        assert cursor.fetchone()[0] > 0
