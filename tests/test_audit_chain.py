"""Records: every change is an append-only, hash-chained event; tampering is detected."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from putright.audit.events import GENESIS, chain_verify
from putright.audit.models import Event
from putright.cases import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_case(case_with_options, alice):
    services.message_send(
        actor=alice,
        case=case_with_options,
        body="We're on it",
        requested=False,
        send_anyway_reason="The test is not about the wording.",
    )
    return case_with_options


def test_events_are_numbered_and_linked(busy_case):
    events = list(Event.objects.filter(case=busy_case).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert chain_verify() == (len(events), [])


def test_events_cannot_be_changed_or_deleted_through_the_orm(busy_case):
    event = Event.objects.filter(case=busy_case).first()
    event.summary = "nothing happened"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(case=busy_case).update(summary="x")
    with pytest.raises(TypeError):
        Event.objects.filter(case=busy_case).delete()


def _raw(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_verify_detects_an_edited_event(busy_case):
    event = Event.objects.filter(case=busy_case).order_by("seq")[1]
    _raw("UPDATE audit_event SET summary = %s WHERE id = %s", ["Nothing to see", event.pk])
    checked, breaks = chain_verify()
    assert [(b.case_id, b.seq) for b in breaks] == [(busy_case.pk, event.seq)]
    assert "altered" in breaks[0].problem


def test_verify_detects_a_removed_event(busy_case):
    event = Event.objects.filter(case=busy_case).order_by("seq")[1]
    _raw("DELETE FROM audit_event WHERE id = %s", [event.pk])
    _, breaks = chain_verify()
    assert {b.seq for b in breaks} == {event.seq + 1}
    assert any("missing" in b.problem for b in breaks)


def test_the_command_passes_an_intact_chain_and_fails_a_broken_one(busy_case, capsys):
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out
    event = Event.objects.filter(case=busy_case).last()
    _raw("UPDATE audit_event SET after = %s WHERE id = %s", ['{"body": "forged"}', event.pk])
    with pytest.raises(CommandError) as err:
        call_command("audit_verify")
    assert str(err.value).startswith("audit chain BROKEN: 1 problem in ")


def test_the_command_checks_one_case_named_by_its_reference_or_its_id(busy_case, report_case, capsys):
    report_case()  # another case, which --case leaves out
    events = busy_case.events.count()
    for given in (busy_case.reference, busy_case.reference.lower(), str(busy_case.pk)):
        call_command("audit_verify", "--case", given)
        assert capsys.readouterr().out == f"audit chain intact: {events} events verified\n"


def test_the_command_counts_a_single_event_in_the_singular(report_case, capsys):
    case = report_case()
    assert case.events.count() == 1
    call_command("audit_verify", "--case", case.reference)
    assert capsys.readouterr().out == "audit chain intact: 1 event verified\n"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "PR-2026-999999",
            "no case with reference 'PR-2026-999999' (a reference looks like PR-2026-000241; an id is a number)",
        ),
        (
            "PR-abc",
            "no case with reference 'PR-abc' (a reference looks like PR-2026-000241; an id is a number)",
        ),
        ("999999", "no case with id 999999"),
    ],
)
def test_the_command_refuses_a_case_that_does_not_exist(busy_case, given, message):
    with pytest.raises(CommandError) as err:
        call_command("audit_verify", "--case", given)
    assert str(err.value) == message


@pytest.mark.django_db(transaction=True)
def test_an_unknown_reference_is_one_line_on_stderr_and_a_failing_exit(report_case):
    report_case()
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{database['NAME']}"
    else:
        database_url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "putright.settings",
        "DATABASE_URL": database_url,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "audit_verify", "--case", "PR-2026-999999"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "CommandError: no case with reference 'PR-2026-999999' (a reference looks like PR-2026-000241; "
        "an id is a number)"
    ]


def test_each_service_call_appends_exactly_one_event_with_before_and_after(case_with_options, alice):
    count = case_with_options.events.count()
    services.case_summarise_understanding(actor=alice, case=case_with_options, summary="Second look")
    event = case_with_options.events.order_by("-seq").first()
    assert case_with_options.events.count() == count + 1
    assert event.actor == alice
    assert event.before["status"] == "options"
    assert event.after["status"] == "new"
    assert event.after["summary"] == "Second look"


def test_events_written_in_british_summer_time_still_verify(report_case, alice):
    from putright import clock
    from tests.conftest import aware

    with clock.frozen(aware(2026, 7, 15, 14, 30)):  # BST, UTC+1: the database returns it in UTC
        case = report_case()
        services.case_summarise_understanding(actor=alice, case=case, summary="Summer problem")
    assert chain_verify([case.pk]) == (2, [])


def test_the_exported_record_says_whether_its_chain_is_intact(busy_case, client, alice):
    client.force_login(alice)
    url = f"/cases/{busy_case.reference}/record"
    record = client.get(url + ".json").json()
    assert record["audit_chain"] == {
        "events_verified": busy_case.events.count(),
        "intact": True,
        "problems": [],
    }
    assert "Chain intact" in client.get(url + "/").content.decode()
    event = Event.objects.filter(case=busy_case).order_by("seq")[0]
    _raw("UPDATE audit_event SET summary = %s WHERE id = %s", ["Edited", event.pk])
    record = client.get(url + ".json").json()
    assert record["audit_chain"]["intact"] is False
    assert record["audit_chain"]["problems"][0]["seq"] == 1
    page = client.get(url + "/").content.decode()
    assert "Chain broken" in page


def test_verify_detects_the_newest_events_being_removed(busy_case):
    newest = Event.objects.filter(case=busy_case).order_by("-seq").first()
    _raw("DELETE FROM audit_event WHERE id = %s", [newest.pk])
    _, breaks = chain_verify()
    assert [(b.case_id, b.seq) for b in breaks] == [(busy_case.pk, newest.seq)]
    assert "newer events are missing" in breaks[0].problem


def test_verify_detects_a_whole_timeline_removed(busy_case):
    _raw("DELETE FROM audit_event WHERE case_id = %s", [busy_case.pk])
    _, breaks = chain_verify()
    assert [(b.case_id, b.seq) for b in breaks] == [(busy_case.pk, 1)]
