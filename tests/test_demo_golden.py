"""Golden test: the whole demo, as staff see it, must not change.

The full demo (``manage.py demo_load``: 240 cases, seed 2026, and its year of history) is loaded at a
fixed "now". Every case's record of the story's present, and every ``HISTORY_SAMPLE``-th of the history
(the others are counted in the totals), is then downloaded exactly as staff download it
(``GET /cases/<ref>/record.json``, signed in as the demo agent) and compared, after normalisation, with
``tests/golden/demo_records.json.gz``, together with counts over the whole database (audit events by
kind, messages, alerts, problems, feedback, signals, clocks…) and ``manage.py audit_verify``. A
refactor that changes nothing visible leaves all of it equal. It takes about a minute (marked
``slow``; ``-m "not slow"`` leaves it out).

What demo_load leaves to run after its commit (email, grouping new cases into problems) is run
too, as the worker would, at the same fixed now. Like every non-transactional test, this one runs
before the transactional ones (pytest-django orders them so), so the rows the migrations seed
(roles, remedy catalogue, appraisal weights, regime settings) are still there.

Normalised away, because they legitimately differ between runs or between SQLite and PostgreSQL
(sequences are not reset when other tests' transactions roll back):

- database ids: an option, step, promise, message, approval, agreement, consultation, clock or
  offer referred to from a case becomes ``<kind>#n``, n counting from 1 in the order it first appears
  in that case's record (the options list first, so option ``#n`` is the n-th option shown); a
  problem, signal breach or feedback item becomes ``<kind>#n`` by its rank among all of them (also
  where a summary names it, "Linked to problem 7");
- the audit chain's hashes: they hash the case and actor ids. Each event's hash becomes
  ``hash#<seq>`` and its ``prev_hash`` the placeholder of the hash it matches in the same case
  (``GENESIS`` for the first), so a broken link still shows.

Everything else stays, the order of every list and every time included: the demo writes every time
inside ``clock.frozen`` from the fixed now, so they are the same on every run and on both
databases (checked: the file written on PostgreSQL is byte for byte the one written on SQLite).

Regenerate (after a change that is MEANT to be visible, and say so in the commit):

    PUTRIGHT_GOLDEN_UPDATE=1 .venv/bin/pytest -p no:cacheprovider tests/test_demo_golden.py

The test then fails on purpose, saying the file was rewritten; run it again without the variable.
"""

from __future__ import annotations

import difflib
import gzip
import io
import json
import os
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.vocab import CLOSED_STATUSES

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

GOLDEN = Path(__file__).parent / "golden" / "demo_records.json.gz"
UPDATE = os.environ.get("PUTRIGHT_GOLDEN_UPDATE", "") not in ("", "0")
# A Monday morning, after the clocks went back: London time is UTC.
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
CASES = 240
SEED = 2026
DIFF_CASES = 3  # unified diffs shown for at most this many differing cases…
DIFF_LINES = 120  # …each cut to this many lines

# Keys under which a case record (or an event's before/after) names another row by its id.
CASE_LOCAL_IDS = {
    "option": "option",
    "approval": "approval",
    "agreement": "agreement",
    "consultation": "consultation",
    "message": "message",
    "promise": "promise",
    "step": "step",
    "clock": "clock",
    "offer": "offer",
    "responds_to": "offer",
    # The handling scorecard's link from a check to the timeline event that shows it (issue 14 §4).
    "event_id": "event",
}
GLOBAL_IDS = {
    "problem": "problems.Problem",
    "breach": "monitoring.SignalBreach",
    "feedback": "feedback.FeedbackItem",
}
# Of the year of history (issue 13 §5), one case in this many is compared record by record.
HISTORY_SAMPLE = 20
PROBLEM_IN_TEXT = re.compile(r"\bproblem (\d+)\b")


# ---------------------------------------------------------------- normalisation


class _CaseIds:
    """Replaces the ids one case record refers to by stable placeholders."""

    def __init__(self, global_ids: dict[str, dict[int, str]]):
        self.global_ids = global_ids
        self.local: dict[str, dict[int, str]] = {}

    def local_id(self, kind: str, value: int) -> str:
        seen = self.local.setdefault(kind, {})
        if value not in seen:
            seen[value] = f"{kind}#{len(seen) + 1}"
        return seen[value]

    def global_id(self, key: str, value: int) -> str:
        return self.global_ids[key].get(value, f"{key}#unknown")

    def text(self, value: str) -> str:
        return PROBLEM_IN_TEXT.sub(lambda m: f"problem {self.global_id('problem', int(m.group(1)))}", value)

    def payload(self, value):
        """An event's before/after (or any nested part of the record): ids by key name, anywhere."""
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if isinstance(item, int) and not isinstance(item, bool):
                    if key in CASE_LOCAL_IDS:
                        item = self.local_id(CASE_LOCAL_IDS[key], item)
                    elif key in GLOBAL_IDS:
                        item = self.global_id(key, item)
                out[key] = self.payload(item)
            return out
        if isinstance(value, list):
            return [self.payload(item) for item in value]
        return value


def _normalise_record(record: dict, global_ids: dict[str, dict[int, str]]) -> dict:
    ids = _CaseIds(global_ids)
    record = dict(record)
    # The lists that show the rows themselves come first, so option #n is the n-th option listed.
    options = [dict(o, id=ids.local_id("option", o["id"])) for o in record.pop("options")]
    offers = [dict(o, id=ids.local_id("offer", o["id"])) for o in record.pop("offers")]
    hashes = {"0" * 64: "GENESIS"}
    for event in record["timeline"]:
        hashes.setdefault(event["hash"], f"hash#{event['seq']}")
    timeline = []
    for event in record.pop("timeline"):
        event = dict(event)
        event["hash"] = hashes[event["hash"]]
        event["prev_hash"] = hashes.get(event["prev_hash"], "not a hash of this case")
        event["summary"] = ids.text(event["summary"])
        event["before"] = ids.payload(event["before"])
        event["after"] = ids.payload(event["after"])
        timeline.append(event)
    rest = ids.payload(record)
    return {**rest, "options": ids.payload(options), "offers": ids.payload(offers), "timeline": timeline}


def _global_ids() -> dict[str, dict[int, str]]:
    """Problems, signal breaches and feedback items, each by its rank among all of them (creation order)."""
    return {
        key: {
            pk: f"{key}#{i}"
            for i, pk in enumerate(
                apps.get_model(label).objects.order_by("pk").values_list("pk", flat=True), 1
            )
        }
        for key, label in GLOBAL_IDS.items()
    }


# ---------------------------------------------------------------- the whole database, counted


def _history(cases):
    """The year of history: closed cases in a team (the present's closed cases predate the teams)."""
    return cases.filter(status__in=CLOSED_STATUSES, team__isnull=False)


def _history_by_month() -> dict[str, int]:
    history = _history(apps.get_model("cases.Case").objects.all())
    return dict(
        sorted(
            Counter(
                f"{timezone.localtime(t):%Y-%m}" for t in history.values_list("created_at", flat=True)
            ).items()
        )
    )


def _count_by(label: str, *fields: str) -> dict[str, int]:
    """Rows of a model counted by the values of some fields; ``name?`` counts whether the field is set."""
    names = [f.rstrip("?") for f in fields]
    counts: Counter[str] = Counter()
    for row in apps.get_model(label).objects.values_list(*names):
        counts[
            " | ".join(
                ("set" if v is not None else "unset") if f.endswith("?") else str(v)
                for f, v in zip(fields, row, strict=True)
            )
        ] += 1
    return dict(sorted(counts.items()))


def _aggregates() -> dict:
    def total(label: str) -> int:
        return apps.get_model(label).objects.count()

    return {
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
        "history cases by month reported": _history_by_month(),
        "customers": total("customers.Customer"),
        "categories": sorted(apps.get_model("cases.Category").objects.values_list("slug", flat=True)),
        "cases by status": _count_by("cases.Case", "status"),
        "cases by source kind, channel": _count_by("cases.Case", "source_kind", "channel"),
        "cases by priority, emotion, sentiment": _count_by("cases.Case", "priority", "emotion", "sentiment"),
        "cases by category": _count_by("cases.Case", "category__slug"),
        "cases by assignee": _count_by("cases.Case", "assignee__username"),
        "audit events by kind": _count_by("audit.Event", "kind"),
        "audit events by actor": _count_by("audit.Event", "actor_label"),
        "options by status, source": _count_by("cases.Option", "status", "source"),
        "approvals by status": _count_by("authority.Approval", "status"),
        "escalations by automatic": _count_by("authority.Escalation", "automatic"),
        "consultations answered": _count_by("cases.Consultation", "answered_at?"),
        "agreements by agreed, method": _count_by("cases.Agreement", "agreed", "method"),
        "action steps done": _count_by("cases.ActionStep", "done_at?"),
        "promises by status": _count_by("cases.Promise", "status"),
        "offers by party, kind": _count_by("resolution.Offer", "party", "kind"),
        "messages by direction, prompt, email status": _count_by(
            "channels.Message", "direction", "prompt", "email_status"
        ),
        "alerts by kind, recipient": _count_by("channels.Alert", "kind", "recipient__username"),
        "alerts by email status, read": _count_by("channels.Alert", "email_status", "read_at?"),
        "problems by status, origin, source kind": _count_by(
            "problems.Problem", "status", "origin", "source_kind"
        ),
        "problem links unlinked": _count_by("problems.ProblemCase", "unlinked_at?"),
        "problem events by kind": _count_by("problems.ProblemEvent", "kind"),
        "problem owner routes": total("problems.ProblemOwnerRoute"),
        "feedback by source, sentiment, satisfied": _count_by(
            "feedback.FeedbackItem", "source", "sentiment", "satisfied"
        ),
        "signals by name": _count_by("monitoring.Signal", "name"),
        "signal thresholds": total("monitoring.SignalThreshold"),
        "signal breaches": total("monitoring.SignalBreach"),
        "affected customers by matched by, notified": _count_by(
            "monitoring.AffectedCustomer", "matched_by", "notified_at?"
        ),
        "clocks by kind, rule": _count_by("regulation.CaseClock", "kind", "rule_id"),
        "clocks met, missed, stopped": _count_by(
            "regulation.CaseClock", "met_at?", "missed_at?", "stopped_at?"
        ),
        "regime settings": total("regulation.RegimeSettings"),
        "remedy catalogue entries": total("resolution.RemedyCatalogueEntry"),
        "appraisal weights": total("resolution.AppraisalWeight"),
        "scorecard checks by check, result": _count_by("quality.CheckResult", "check_id", "result"),
    }


# ---------------------------------------------------------------- loading, once for this module


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo at NOW, every record downloaded, then everything rolled back.

    demo_load commits once at the end; what it leaves for after the commit (email to customers and
    staff, grouping each new case into repeated problems) then runs, as the worker would, still at
    NOW. Here nothing commits, so those callbacks are captured and run in order; email goes to
    Django's in-memory outbox.
    """
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            with clock.frozen(NOW):
                with TestCase.captureOnCommitCallbacks(execute=True) as after_commit:
                    call_command(
                        "demo_load",
                        "--cases",
                        str(CASES),
                        "--seed",
                        str(SEED),
                        stdout=out,
                        stderr=io.StringIO(),
                    )
                assert after_commit, "demo_load left nothing to run after its commit"
                # The loader freezes the clock again for every act: its own blocks must all have ended.
                assert clock.now() == NOW
                client = Client()
                client.force_login(get_user_model().objects.get(username="agent"))
                cases = apps.get_model("cases.Case").objects.order_by("reference")
                history = set(_history(cases).values_list("reference", flat=True))
                # The present in full; of the year of history every HISTORY_SAMPLE-th case (by reference), the
                # rest counted in the aggregates.
                references = [
                    ref
                    for i, ref in enumerate(cases.values_list("reference", flat=True))
                    if ref not in history or i % HISTORY_SAMPLE == 0
                ]
                global_ids = _global_ids()
                records = {}
                for reference in references:
                    response = client.get(reverse("cases:record_json", kwargs={"reference": reference}))
                    assert response.status_code == 200, (reference, response.status_code)
                    records[reference] = _normalise_record(response.json(), global_ids)
                audit = io.StringIO()
                try:
                    call_command("audit_verify", stdout=audit, stderr=audit)
                except CommandError as exc:
                    audit.write(f"\nCommandError: {exc}")
                yield {
                    "stdout": out.getvalue(),
                    "audit_verify": audit.getvalue(),
                    "golden": {
                        "now": NOW.isoformat(),
                        "seed": SEED,
                        "case_count": len(records),
                        "history_count": len(history),
                        "aggregates": _aggregates(),
                        "cases": records,
                    },
                }
        transaction.set_rollback(True)


# ---------------------------------------------------------------- the golden file


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _golden_write(doc: dict) -> None:
    """Same content, same bytes: sorted keys, no file name or time in the gzip header."""
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(_dumps(doc).encode("utf-8"))
    GOLDEN.write_bytes(buffer.getvalue())


def _golden_read() -> dict:
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} is missing: record it with PUTRIGHT_GOLDEN_UPDATE=1", pytrace=False)
    return json.loads(gzip.decompress(GOLDEN.read_bytes()).decode("utf-8"))


def _golden(demo) -> dict:
    """The recorded golden document; in update mode, rewrite it from this run and fail."""
    if UPDATE:
        _golden_write(demo["golden"])  # the same bytes whichever test writes it
        pytest.fail(
            f"PUTRIGHT_GOLDEN_UPDATE is set: {GOLDEN} was rewritten from this run, so nothing was compared. "
            "Review the change, then run the test again without the variable.",
            pytrace=False,
        )
    return _golden_read()


def _paths(expected, actual, path: str = "") -> list[str]:
    """Where two JSON values differ, e.g. ``timeline[2] (understanding.confirmed).after.status``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [
            p
            for key in sorted(expected.keys() | actual.keys())
            for p in (
                _paths(expected[key], actual[key], f"{path}.{key}")
                if key in expected and key in actual
                else [f"{path}.{key} ({'added' if key in actual else 'removed'})"]
            )
        ]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        found = []
        for i, (old, new) in enumerate(zip(expected, actual, strict=True)):
            kind = old.get("kind") if isinstance(old, dict) else None
            found += _paths(old, new, f"{path}[{i}]" + (f" ({kind})" if isinstance(kind, str) else ""))
        return found
    if expected == actual:
        return []
    if isinstance(expected, list) and isinstance(actual, list):
        return [f"{path} ({len(expected)} items in the golden file, {len(actual)} now)"]
    return [path or "(the whole value)"]


def _unified(name: str, expected, actual) -> str:
    lines = list(
        difflib.unified_diff(
            _dumps(expected).splitlines(),
            _dumps(actual).splitlines(),
            fromfile=f"golden {name}",
            tofile=f"now {name}",
            lineterm="",
            n=3,
        )
    )
    cut = f"\n… {len(lines) - DIFF_LINES} more diff lines" if len(lines) > DIFF_LINES else ""
    return "\n".join(lines[:DIFF_LINES]) + cut


# ---------------------------------------------------------------- the tests


def test_the_demo_loads_every_case(demo):
    golden = demo["golden"]
    assert sum(golden["aggregates"]["cases by status"].values()) == CASES + golden["history_count"]
    assert f"{CASES} cases loaded" in demo["stdout"]
    assert f"History: {golden['history_count']} closed cases" in demo["stdout"]


def test_every_case_record_is_as_recorded(demo):
    golden = _golden(demo)
    expected, actual = golden["cases"], demo["golden"]["cases"]
    problems = []
    if golden["case_count"] != len(actual):
        problems.append(f"{len(actual)} cases now, {golden['case_count']} in the golden file")
    if golden["history_count"] != demo["golden"]["history_count"]:
        problems.append(
            f"{demo['golden']['history_count']} history cases now, {golden['history_count']} in the golden file"
        )
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    if missing:
        problems.append(f"{len(missing)} case(s) no longer there: {', '.join(missing[:20])}")
    if extra:
        problems.append(f"{len(extra)} case(s) not in the golden file: {', '.join(extra[:20])}")
    differing = [ref for ref in sorted(set(expected) & set(actual)) if expected[ref] != actual[ref]]
    if differing:
        fields = Counter(
            key
            for ref in differing
            for key in expected[ref].keys() | actual[ref].keys()
            if expected[ref].get(key) != actual[ref].get(key)
        )
        problems.append(
            f"{len(differing)} of {len(actual)} case records differ: {', '.join(differing[:20])}"
            + (" …" if len(differing) > 20 else "")
            + "\nfields that differ (cases): "
            + ", ".join(f"{key} ({n})" for key, n in fields.most_common())
        )
        for ref in differing[:DIFF_CASES]:
            where = _paths(expected[ref], actual[ref])
            more = f"\n  … and {len(where) - 10} more" if len(where) > 10 else ""
            problems.append(
                f"{ref} differs at:\n  "
                + "\n  ".join(p.lstrip(".") for p in where[:10])
                + more
                + "\n"
                + _unified(ref, expected[ref], actual[ref])
            )
    if problems:
        pytest.fail(
            "The demo's case records changed (GET /cases/<ref>/record.json, normalised).\n\n"
            + "\n\n".join(problems)
            + "\n\nIf the change is meant, regenerate: PUTRIGHT_GOLDEN_UPDATE=1 (see the module docstring).",
            pytrace=False,
        )


def test_the_database_totals_are_as_recorded(demo):
    golden = _golden(demo)
    expected, actual = golden["aggregates"], demo["golden"]["aggregates"]
    if expected != actual:
        keys = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
        pytest.fail(
            f"Totals over the demo database changed: {', '.join(keys)}\n\n"
            + _unified("aggregates", {k: expected.get(k) for k in keys}, {k: actual.get(k) for k in keys}),
            pytrace=False,
        )
    assert golden["now"] == NOW.isoformat() and golden["seed"] == SEED


def test_the_audit_chain_verifies(demo):
    # audit_verify raises CommandError (exit status 1) on a broken chain.
    assert "audit chain intact" in demo["audit_verify"], demo["audit_verify"]
    total = demo["golden"]["aggregates"]["audit events by kind"]
    assert f"{sum(total.values())} events verified" in demo["audit_verify"]
