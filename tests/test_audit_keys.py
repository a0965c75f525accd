"""Issue 11: an audit an insider cannot rewrite.

Someone with database access can edit an event and recompute a plain SHA-256 chain. With an audit key
(AUDIT_KEY_FILE, kept outside the database and its backups) each chain is HMAC-keyed from its
``audit.rekeyed`` event on, and ``audit_verify`` reports any event it cannot check as a break.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase

from putright import clock
from putright.audit.events import REKEYED, chain_verify, event_build, event_record
from putright.audit.keys import AuditKey, key_file_read
from putright.audit.models import Event
from putright.cases import services
from putright.demo.loader import DemoLoader, progress_bar
from tests.conftest import aware

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
KEY_HEX = "5f1c0e9a7b3d2c4e6a8b0d1f3e5c7a9b2d4f6e8a0c1b3d5e7f9a2c4e6b8d0f1a"
OTHER_KEY_HEX = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9f"


@pytest.fixture
def key():
    return AuditKey(bytes.fromhex(KEY_HEX))


@pytest.fixture
def other_key():
    return AuditKey(bytes.fromhex(OTHER_KEY_HEX))


@pytest.fixture
def plain_case(report_case, alice):
    """A case whose whole timeline was written before any key was configured."""
    with clock.frozen(aware(2026, 3, 2, 9)):
        case = report_case()
        services.case_summarise_understanding(actor=alice, case=case, summary="A first look")
    return case


@pytest.fixture
def keyed_case(plain_case, alice, settings, key):
    """``plain_case`` rekeyed by audit_rekey, then worked on: plain events, the rekey, keyed events."""
    settings.AUDIT_KEY = key
    with clock.frozen(aware(2026, 3, 3, 9)):
        call_command("audit_rekey", stdout=StringIO(), stderr=StringIO())
    with clock.frozen(aware(2026, 3, 3, 10)):
        services.case_summarise_understanding(actor=alice, case=plain_case, summary="A second look")
        services.case_summarise_understanding(actor=alice, case=plain_case, summary="A third look")
    return plain_case


def _events(case) -> list[Event]:
    return list(Event.objects.filter(case=case).order_by("seq"))


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _rewrite_from(case, seq: int, summary: str, key: AuditKey | None, last: int | None = None) -> None:
    """What an insider with the database does: edit event ``seq``'s summary, then recompute every hash
    from it to ``last`` (the end by default) with ``key`` (plain SHA-256 when they have none), moving the
    case's head when they reach the end."""
    events = _events(case)
    last = last or len(events)
    prev_hash = events[seq - 2].hash if seq > 1 else "0" * 64
    for ev in events[seq - 1 : last]:
        forged = event_build(
            case=case,
            seq=ev.seq,
            prev_hash=prev_hash,
            kind=ev.kind,
            summary=summary if ev.seq == seq else ev.summary,
            actor=ev.actor,
            actor_label=ev.actor_label,
            before=ev.before,
            after=ev.after,
            customer_visible=ev.customer_visible,
            created_at=ev.created_at,
            key=key,
        )
        _raw(
            "UPDATE audit_event SET summary = %s, prev_hash = %s, hash = %s, hash_scheme = %s, key_id = %s "
            "WHERE id = %s",
            [forged.summary, forged.prev_hash, forged.hash, forged.hash_scheme, forged.key_id, ev.pk],
        )
        prev_hash = forged.hash
    if last == len(events):
        _raw("UPDATE cases_case SET audit_head = %s WHERE id = %s", [prev_hash, case.pk])


# ---------------------------------------------------------------- the rekey and what it writes


def test_audit_rekey_keys_every_chain_and_then_every_new_event_is_keyed(keyed_case, key):
    events = _events(keyed_case)
    assert [(e.kind, e.hash_scheme, e.key_id) for e in events] == [
        ("case.reported", "sha256", ""),
        ("understanding.summarised", "sha256", ""),
        (REKEYED, "hmac-sha256", key.key_id),
        ("understanding.summarised", "hmac-sha256", key.key_id),
        ("understanding.summarised", "hmac-sha256", key.key_id),
    ]
    rekey = events[2]
    assert (rekey.actor_id, rekey.customer_visible) == (None, False)
    assert rekey.after == {"key_id": key.key_id}
    assert rekey.before == {"key_id": None}
    assert chain_verify() == (5, [])


def test_audit_rekey_is_idempotent_and_says_what_it_did(plain_case, report_case, settings, key):
    report_case()
    settings.AUDIT_KEY = key
    out = _run_command("audit_rekey")
    assert out == f"audit key {key.key_id}: 2 case timelines rekeyed, 0 already keyed with it\n"
    assert (
        _run_command("audit_rekey")
        == f"audit key {key.key_id}: 0 case timelines rekeyed, 2 already keyed with it\n"
    )
    assert Event.objects.filter(kind=REKEYED).count() == 2


def test_audit_rekey_without_a_key_refuses_and_writes_nothing(plain_case):
    count = Event.objects.count()
    with pytest.raises(
        CommandError, match="^AUDIT_KEY_FILE is not set: name a file holding the new audit key"
    ):
        call_command("audit_rekey")
    assert Event.objects.count() == count


def test_a_new_case_under_a_key_starts_keyed_without_a_rekey_event(report_case, settings, key):
    settings.AUDIT_KEY = key
    case = report_case()
    assert [(e.seq, e.kind, e.hash_scheme, e.key_id) for e in _events(case)] == [
        (1, "case.reported", "hmac-sha256", key.key_id)
    ]
    assert chain_verify([case.pk]) == (1, [])


def test_a_service_on_a_plain_case_rekeys_it_first_once_a_key_is_configured(plain_case, alice, settings, key):
    settings.AUDIT_KEY = key
    services.case_summarise_understanding(actor=alice, case=plain_case, summary="Keyed now")
    assert [(e.kind, e.hash_scheme) for e in _events(plain_case)][2:] == [
        (REKEYED, "hmac-sha256"),
        ("understanding.summarised", "hmac-sha256"),
    ]
    assert chain_verify() == (4, [])


def test_the_key_is_never_stored_only_its_fingerprint(keyed_case, key):
    stored = repr(list(Event.objects.values_list()))
    for form in (KEY_HEX, KEY_HEX.upper(), repr(key.secret), key.secret.decode("latin-1")):
        assert form not in stored
    assert key.key_id in stored
    assert key.key_id == "110b72ff14dfb0ea"  # the first 16 hex digits of SHA-256(key)
    assert repr(key) == "AuditKey()"
    assert {e.after["key_id"] for e in Event.objects.filter(kind=REKEYED)} == {key.key_id}


# ---------------------------------------------------------------- what the insider can no longer do


def test_an_edit_with_the_plain_chain_recomputed_after_the_rekey_is_detected(keyed_case):
    _rewrite_from(keyed_case, 4, "Nothing was promised", key=None)
    checked, breaks = chain_verify()
    assert checked == 5
    assert [(b.case_id, b.seq) for b in breaks] == [(keyed_case.pk, 4), (keyed_case.pk, 5)]
    assert all("a chain never goes back to plain hashing" in b.problem for b in breaks)


def test_an_edit_before_the_rekey_with_the_plain_chain_recomputed_is_detected(keyed_case):
    # The rekey event's MAC covers the hash before it: the plain past is pinned from the rekey on.
    _rewrite_from(keyed_case, 2, "Nothing was promised", key=None, last=2)
    _, breaks = chain_verify()
    assert [(b.seq, b.problem) for b in breaks] == [(3, "previous-hash link does not match the event before")]
    rekey = Event.objects.get(case=keyed_case, seq=3)
    _raw(
        "UPDATE audit_event SET prev_hash = %s WHERE id = %s",
        [Event.objects.get(case=keyed_case, seq=2).hash, rekey.pk],
    )
    _, breaks = chain_verify()
    assert [(b.seq, b.problem) for b in breaks] == [
        (3, f"content does not match its hash (keyed, audit key {rekey.key_id}): the event was altered")
    ]


def test_a_chain_rewritten_plain_to_the_end_leaves_it_listed_as_not_keyed(keyed_case, settings, key):
    # The limit: with every keyed event of the database rewritten plain, nothing in it is left to tell.
    # audit_verify then lists the case as not keyed, which after audit_rekey has run is the alarm.
    _rewrite_from(keyed_case, 2, "Nothing was promised", key=None)
    assert chain_verify() == (5, [])
    assert (
        _run_command("audit_verify").splitlines()[1].startswith("1 case not keyed yet (plain SHA-256 only)")
    )


def test_an_edit_rehashed_with_a_key_the_insider_made_up_is_detected(keyed_case, other_key, key):
    _rewrite_from(keyed_case, 4, "Nothing was promised", key=other_key)
    _, breaks = chain_verify()
    assert [(b.seq, b.problem) for b in breaks] == [
        (4, f"keyed with audit key {other_key.key_id} without an audit.rekeyed event moving the chain to it"),
        (
            4,
            f"keyed with audit key {other_key.key_id} from here, but that key is neither AUDIT_KEY_FILE's nor "
            "one of AUDIT_OLD_KEY_FILES: it cannot be checked",
        ),
    ]
    _rewrite_from(keyed_case, 4, "Nothing was promised", key=key)  # …unless they hold the real key
    assert chain_verify()[1] == []


def test_an_edit_of_a_keyed_event_without_its_hash_is_detected(keyed_case):
    event = _events(keyed_case)[3]
    _raw("UPDATE audit_event SET summary = %s WHERE id = %s", ["Nothing was promised", event.pk])
    _, breaks = chain_verify()
    assert [(b.seq, b.problem) for b in breaks] == [
        (4, f"content does not match its hash (keyed, audit key {event.key_id}): the event was altered")
    ]


def test_deleting_the_newest_keyed_events_is_detected_by_the_case_head(keyed_case):
    newest = _events(keyed_case)[-1]
    _raw("DELETE FROM audit_event WHERE id = %s", [newest.pk])
    _, breaks = chain_verify()
    assert [(b.seq, b.problem) for b in breaks] == [
        (5, "the chain should end at event #5: newer events are missing")
    ]


def test_a_plain_event_written_after_a_keyed_one_is_a_downgrade(keyed_case, alice, settings):
    settings.AUDIT_KEY = None
    # The write path refuses to continue a keyed chain without the key…
    with pytest.raises(ImproperlyConfigured, match="timeline is keyed .* but AUDIT_KEY_FILE is not set"):
        services.case_summarise_understanding(actor=alice, case=keyed_case, summary="Plain again")
    assert keyed_case.events.count() == 5
    # …and a plain event put there another way breaks the chain.
    head = Event.objects.get(case=keyed_case, seq=5)
    forged = event_build(
        case=keyed_case,
        seq=6,
        prev_hash=head.hash,
        kind="case.note",
        summary="Plain again",
        created_at=clock.now(),
        key=None,
    )
    forged.save()
    _raw("UPDATE cases_case SET audit_seq = 6, audit_head = %s WHERE id = %s", [forged.hash, keyed_case.pk])
    settings.AUDIT_KEY = AuditKey(bytes.fromhex(KEY_HEX))
    _, breaks = chain_verify()
    assert [b.seq for b in breaks] == [6]
    assert "a chain never goes back to plain hashing" in breaks[0].problem


def test_a_chain_cut_back_and_rewritten_plain_is_caught_by_its_dates(report_case, alice, settings, key):
    with clock.frozen(aware(2026, 3, 2, 9)):
        case, other = report_case(), report_case()
    settings.AUDIT_KEY = key
    with clock.frozen(aware(2026, 3, 3, 9)):
        call_command("audit_rekey", stdout=StringIO(), stderr=StringIO())
    with clock.frozen(aware(2026, 3, 3, 10)):
        services.case_summarise_understanding(actor=alice, case=case, summary="A second look")
    # The insider cuts the case back to before its rekey and writes the newer event again, plain: the chain
    # is consistent again, but that event is dated after keyed hashing began (the other case's rekey),
    # which only a plain forgery (or a process without the key) can be.
    rewritten = Event.objects.get(case=case, seq=3)
    _raw("DELETE FROM audit_event WHERE case_id = %s AND seq >= 2", [case.pk])
    forged = event_build(
        case=case,
        seq=2,
        prev_hash=Event.objects.get(case=case, seq=1).hash,
        kind=rewritten.kind,
        summary="Nothing was promised",
        actor=alice,
        created_at=rewritten.created_at,
        key=None,
    )
    forged.save()
    _raw("UPDATE cases_case SET audit_seq = 2, audit_head = %s WHERE id = %s", [forged.hash, case.pk])
    _, breaks = chain_verify()
    assert [(b.case_id, b.seq, b.problem) for b in breaks] == [
        (
            case.pk,
            2,
            "1 plain SHA-256 event (from here) dated after keyed hashing began (2026-03-03 09:00:00 UTC): "
            "rewritten, or written by a process without AUDIT_KEY_FILE",
        )
    ]
    assert other.events.count() == 2


# ---------------------------------------------------------------- keys over time


def test_old_keys_keep_their_events_verifying_after_a_new_key(keyed_case, alice, settings, key, other_key):
    settings.AUDIT_KEY, settings.AUDIT_OLD_KEYS = other_key, (key,)
    with clock.frozen(aware(2026, 3, 5, 9)):
        call_command("audit_rekey", stdout=StringIO(), stderr=StringIO())
        services.case_summarise_understanding(actor=alice, case=keyed_case, summary="A fourth look")
    assert [(e.kind, e.key_id) for e in _events(keyed_case)][4:] == [
        ("understanding.summarised", key.key_id),
        (REKEYED, other_key.key_id),
        ("understanding.summarised", other_key.key_id),
    ]
    assert Event.objects.get(case=keyed_case, seq=6).before == {"key_id": key.key_id}
    assert chain_verify() == (7, [])
    settings.AUDIT_OLD_KEYS = ()  # the retired key dropped: its events cannot be checked any more
    _, breaks = chain_verify()
    assert [(b.seq, b.problem) for b in breaks] == [
        (
            3,
            f"keyed with audit key {key.key_id} from here, but that key is neither AUDIT_KEY_FILE's nor one "
            "of AUDIT_OLD_KEY_FILES: it cannot be checked",
        )
    ]


def test_keyed_events_with_no_key_configured_cannot_be_checked(keyed_case, settings, key):
    settings.AUDIT_KEY = None
    _, breaks = chain_verify()
    assert [(b.seq, b.problem) for b in breaks] == [
        (
            3,
            f"keyed with audit key {key.key_id} from here, but no AUDIT_KEY_FILE is configured: it cannot be checked",
        )
    ]


# ---------------------------------------------------------------- audit_verify


def _run_command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_audit_verify_reports_both_schemes(keyed_case, report_case, settings, key):
    settings.AUDIT_KEY = None
    with clock.frozen(aware(2026, 3, 2, 12)):
        report_case()  # a plain case, from before the key
    settings.AUDIT_KEY = key
    assert _run_command("audit_verify") == (
        f"audit chain intact: 6 events verified (3 plain SHA-256; keyed: 3 with audit key {key.key_id})\n"
        f"1 case not keyed yet (plain SHA-256 only): run audit_rekey to key them with audit key {key.key_id}. "
        "After it has run, a case listed here again had its timeline cut back by someone with the database.\n"
    )
    assert _run_command("audit_verify", "--case", keyed_case.reference) == (
        f"audit chain intact: 5 events verified (2 plain SHA-256; keyed: 3 with audit key {key.key_id})\n"
    )


def test_audit_verify_fails_on_a_wrong_key_and_names_the_case(keyed_case, settings, other_key):
    settings.AUDIT_KEY = other_key
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("audit_verify", stdout=StringIO(), stderr=err)
    assert str(raised.value) == "audit chain BROKEN: 1 problem in 1 case, 5 events checked"
    assert err.getvalue().startswith(f"case {keyed_case.reference} (id {keyed_case.pk}) event #3: keyed with")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{database['NAME']}"
    else:
        database_url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    child_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUDIT_"))},
        "DJANGO_SETTINGS_MODULE": "putright.settings",
        "DATABASE_URL": database_url,
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_audit_verify_exit_status_in_a_process(report_case, tmp_path, key):
    key_file = tmp_path / "audit.key"
    key_file.write_text(KEY_HEX + "\n")
    case = report_case()
    with_key = _manage("audit_rekey", AUDIT_KEY_FILE=str(key_file))
    assert with_key.returncode == 0, with_key.stderr
    assert with_key.stdout == f"audit key {key.key_id}: 1 case timeline rekeyed, 0 already keyed with it\n"
    assert _manage("audit_verify", AUDIT_KEY_FILE=str(key_file)).returncode == 0
    without_key = _manage("audit_verify")
    assert without_key.returncode == 1
    assert without_key.stderr.splitlines() == [
        f"case {case.reference} (id {case.pk}) event #2: keyed with audit key {key.key_id} from here, but no "
        "AUDIT_KEY_FILE is configured: it cannot be checked",
        "CommandError: audit chain BROKEN: 1 problem in 1 case, 2 events checked",
    ]


# ---------------------------------------------------------------- the key file, at start-up


def test_audit_rekey_with_no_cases_says_so(db, settings, key):
    settings.AUDIT_KEY = key
    assert (
        _run_command("audit_rekey")
        == f"audit key {key.key_id}: 0 case timelines rekeyed, 0 already keyed with it\n"
    )


SECRET = "k7V-q2Lr9xWp0ZbN4tYc8HsJ1mAeF6uD3gQiR5oTvKlE_2wXyB9n"


def _read(tmp_path, content: bytes | str, *, secret_key: str = SECRET) -> AuditKey:
    path = tmp_path / "audit.key"
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return key_file_read("AUDIT_KEY_FILE", str(path), secret_key=secret_key, var_dir=tmp_path / "var")


def test_a_key_file_holds_hex_digits_or_raw_bytes(tmp_path):
    assert _read(tmp_path, KEY_HEX + "\n").secret == bytes.fromhex(KEY_HEX)
    raw = secrets.token_bytes(48)
    assert _read(tmp_path, raw).secret == raw


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        ("ab" * 31, "holds 62 hex digits: an audit key needs an even number, at least 64 (32 random bytes)"),
        ("ab" * 32 + "c", "holds 65 hex digits: an audit key needs an even number, at least 64"),
        ("not a key at all", "holds 16 bytes: an audit key needs at least 32 random bytes"),
        ("0" * 64, "does not hold random bytes"),
        (SECRET, "holds SECRET_KEY: the audit key must be a separate secret"),
        (SECRET.encode() + b"\n", "holds SECRET_KEY: the audit key must be a separate secret"),
    ],
)
def test_a_bad_key_file_is_refused_with_a_sentence(tmp_path, content, sentence):
    with pytest.raises(ImproperlyConfigured) as refused:
        _read(tmp_path, content)
    assert str(refused.value).startswith(f"AUDIT_KEY_FILE={str(tmp_path / 'audit.key')!r} {sentence}")


def test_a_key_file_inside_the_var_dir_is_refused(tmp_path):
    (tmp_path / "var").mkdir()
    path = tmp_path / "var" / "audit.key"
    path.write_text(KEY_HEX)
    with pytest.raises(ImproperlyConfigured, match=r"is inside PUTRIGHT_VAR_DIR \(.*\), beside the database"):
        key_file_read("AUDIT_KEY_FILE", str(path), secret_key="s" * 50, var_dir=tmp_path / "var")


@pytest.mark.parametrize(
    ("setting", "name"),
    [("AUDIT_KEY_FILE", "missing.key"), ("AUDIT_OLD_KEY_FILES", "short.key")],
)
def test_start_up_stops_on_a_bad_key_file_with_one_sentence(tmp_path, setting, name):
    (tmp_path / "short.key").write_text("ab" * 16)
    path = str(tmp_path / name)
    started = _manage("check", **{setting: path, "PUTRIGHT_VAR_DIR": str(tmp_path / "var")})
    assert started.returncode == 1
    expected = (
        f"AUDIT_KEY_FILE={path!r} cannot be read: No such file or directory"
        if name == "missing.key"
        else f"AUDIT_OLD_KEY_FILES={path!r} holds 32 hex digits: an audit key needs an even number, at least 64 "
        "(32 random bytes); make one with `python -c 'import secrets; print(secrets.token_hex(32))' > FILE`"
    )
    assert started.stderr.splitlines() == [expected]


def test_event_record_and_event_build_agree_on_the_key(report_case, settings, key):
    settings.AUDIT_KEY = key
    case = report_case()
    first = Event.objects.get(case=case)
    rebuilt = event_build(
        case=case,
        seq=1,
        prev_hash=first.prev_hash,
        kind=first.kind,
        summary=first.summary,
        actor=first.actor,
        actor_label=first.actor_label,
        before=first.before,
        after=first.after,
        customer_visible=first.customer_visible,
        created_at=first.created_at,
    )
    assert (rebuilt.hash, rebuilt.hash_scheme, rebuilt.key_id) == (first.hash, "hmac-sha256", key.key_id)
    event = event_record(case=case, kind="case.note", summary="Checked", customer_visible=False)
    assert (event.seq, event.hash_scheme) == (2, "hmac-sha256")
    assert chain_verify([case.pk]) == (2, [])


def test_audit_verify_and_audit_rekey_show_progress_over_many_cases(report_case, settings, key, monkeypatch):
    from putright.audit.management.commands import audit_verify

    monkeypatch.setattr(audit_verify, "PROGRESS_MIN_CASES", 2)  # "many" cases, for the test's sake
    report_case(), report_case()
    err = StringIO()
    call_command("audit_verify", stdout=StringIO(), stderr=err)
    bar = "Verifying case timelines [{}] {}/2"
    assert err.getvalue().splitlines() == [
        bar.format("-" * 30, 0),
        bar.format("#" * 15 + "-" * 15, 1),
        bar.format("#" * 30, 2),
    ]
    settings.AUDIT_KEY = key
    err = StringIO()
    call_command("audit_rekey", stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "Rekeying case timelines [" + "#" * 15 + "-" * 15 + "] 1/2",
        "Rekeying case timelines [" + "#" * 30 + "] 2/2",
    ]


def test_the_demo_loaded_with_a_key_starts_every_timeline_keyed(settings, key):
    # The bulk writer builds the history's timelines with event_build, which keys them like event_record.
    settings.AUDIT_KEY = key
    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    with clock.frozen(now), TestCase.captureOnCommitCallbacks():
        DemoLoader(seed=2026, now=now).load(12, progress_bar(12, write=StringIO().write, flush=lambda: None))
    assert set(Event.objects.values_list("hash_scheme", "key_id")) == {("hmac-sha256", key.key_id)}
    assert not Event.objects.filter(kind=REKEYED).exists()
    assert chain_verify() == (Event.objects.count(), [])
