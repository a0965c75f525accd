"""The demo's bulk writer writes history exactly as the case services would.

The same demo (same seed, same now) is loaded twice, each time in a transaction rolled back: once
with the history (closed cases) through the bulk writer, once with every case through the services.
Every case's record (``case_record``, as ``/cases/<ref>/record.json`` serves it), its regulation
clocks, alerts, feed items, messages and customer must then be equal, times included; only database
ids (and the audit hashes, which hash the case's id) are replaced by stable placeholders first: a
case's own rows by the order they appear in it, problems, signal breaches and feedback items by their
rank among all of them (PostgreSQL's sequences do not restart when the first load rolls back).
"""

from __future__ import annotations

import difflib
import io
import json
import re
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import transaction
from django.test import TestCase

from putright import clock
from putright.audit.events import chain_verify
from putright.cases.models import Case
from putright.cases.selectors import case_record
from putright.demo.loader import DemoLoader, progress_bar
from putright.vocab import Status

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SEED = 2026
CASES = 60

# Keys under which a record or an event payload names another row of the same case by its id.
ID_KEYS = {
    "id",
    "option",
    "approval",
    "agreement",
    "consultation",
    "message",
    "promise",
    "step",
    "clock",
    "offer",
    "suggested_option",
    # The handling scorecard's link from a check to the timeline event that shows it (issue 14 §4).
    "event_id",
}
# Keys under which a payload names a row shared by many cases, and the model it is a row of.
GLOBAL_KEYS = {
    "problem": "problems.Problem",
    "breach": "monitoring.SignalBreach",
    "feedback": "feedback.FeedbackItem",
}
# A problem named in a text: "Linked to problem 7", "Problem 7 is growing", ".../problems/7/".
PROBLEM_IN_TEXT = re.compile(r"(\b[Pp]roblem |/problems/)(\d+)\b")


def _ranks() -> dict[str, dict[int, str]]:
    """Each shared row by its rank among all rows of its model (the order the load created them)."""
    return {
        key: {
            pk: f"{key}#{rank}"
            for rank, pk in enumerate(
                apps.get_model(label).objects.order_by("pk").values_list("pk", flat=True), 1
            )
        }
        for key, label in GLOBAL_KEYS.items()
    }


def _placeholders(value, seen: dict, ranks: dict[str, dict[int, str]]):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in GLOBAL_KEYS and isinstance(item, int) and not isinstance(item, bool):
                item = ranks[key].get(item, f"{key}#unknown")
            elif key in ID_KEYS and isinstance(item, int) and not isinstance(item, bool):
                item = seen.setdefault((key, item), f"{key}#{sum(1 for k, _ in seen if k == key) + 1}")
            elif key in ("hash", "prev_hash"):
                item = seen.setdefault(("hash", item), f"hash#{sum(1 for k, _ in seen if k == 'hash') + 1}")
            out[key] = _placeholders(item, seen, ranks)
        return out
    if isinstance(value, list):
        return [_placeholders(item, seen, ranks) for item in value]
    if isinstance(value, str):
        return PROBLEM_IN_TEXT.sub(
            lambda m: m.group(1) + ranks["problem"].get(int(m.group(2)), "problem#unknown"), value
        )
    return value


def _rows(queryset, *fields: str) -> list:
    return [dict(zip(fields, row, strict=True)) for row in queryset.values_list(*fields)]


def _snapshot(case: Case, ranks: dict[str, dict[int, str]]) -> dict:
    """Everything the demo wrote about one case, as plain data with ids replaced."""
    raw = {
        "record": case_record(case=case),
        "case": _rows(
            Case.objects.filter(pk=case.pk),
            "sentiment",
            "emotion",
            "emotion_cues",
            "emotion_assessed_by",
            "priority",
            "created_by__username",
            "updated_at",
            "last_customer_update_at",
            "audit_seq",
        ),
        "customer": _rows(
            Case.objects.filter(pk=case.pk),
            "customer__name",
            "customer__email",
            "customer__phone",
            "customer__lawful_basis",
            "customer__consent_given_at",
            "customer__consent_text",
            "customer__created_at",
        ),
        "clocks": _rows(
            case.clocks.order_by("pk"),
            "kind",
            "rule_id",
            "label",
            "basis",
            "met_by",
            "is_window",
            "started_at",
            "counts_from",
            "due_date",
            "due_at",
            "warn_at",
            "met_at",
            "met_note",
            "missed_at",
            "alerted_at",
            "missed_alerted_at",
            "stopped_at",
            "stop_reason",
            "started_by__username",
        ),
        "alerts": _rows(
            case.alerts.order_by("pk"),
            "recipient__username",
            "kind",
            "text",
            "created_at",
            "email_status",
            "email_attempts",
            "read_at",
        ),
        "messages": _rows(
            case.messages.order_by("pk"),
            "sentiment",
            "automatic",
            "email_status",
            "email_attempts",
            "emailed_at",
            "email_error",
        ),
        "feedback": _rows(
            case.feedback_items.order_by("pk"),
            "source",
            "text",
            "satisfied",
            "sentiment",
            "customer__email",
            "category__slug",
            "created_at",
        ),
        "approvals": _rows(case.approvals.order_by("pk"), "created_at", "decided_at"),
        "steps": _rows(case.steps.order_by("pk"), "created_at", "done_by__username"),
        "promises": _rows(
            case.promises.order_by("pk"),
            "created_at",
            "created_by__username",
            "at_risk_alerted_at",
            "broken_alerted_at",
        ),
    }
    return json.loads(json.dumps(_placeholders(raw, {}, ranks), default=str))


def _load(*, history_in_bulk: bool) -> dict:
    """The demo at NOW, every case's snapshot by reference; then everything is rolled back."""
    with transaction.atomic(), clock.frozen(NOW), TestCase.captureOnCommitCallbacks():
        bar = progress_bar(CASES, write=io.StringIO().write, flush=lambda: None)
        result = DemoLoader(seed=SEED, now=NOW, history_in_bulk=history_in_bulk).load(CASES, bar)
        ranks = _ranks()
        snapshots = {case.reference: _snapshot(case, ranks) for case in Case.objects.order_by("reference")}
        checked, breaks = chain_verify()
        transaction.set_rollback(True)
    return {"bulk": result.history_in_bulk, "cases": snapshots, "audit": (checked, breaks)}


@pytest.fixture(scope="module")
def both(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return _load(history_in_bulk=True), _load(history_in_bulk=False)


@pytest.mark.django_db
def test_the_history_was_written_in_bulk_and_the_present_through_the_services(both):
    bulk, services = both
    closed = [
        s
        for s in bulk["cases"].values()
        if s["record"]["status"] in (Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED)
    ]
    assert bulk["bulk"] == len(closed) >= 15
    assert services["bulk"] == 0
    assert len(bulk["cases"]) == len(services["cases"]) == CASES


@pytest.mark.django_db
def test_every_case_written_in_bulk_equals_the_same_case_written_through_the_services(both):
    bulk, services = both
    assert bulk["cases"].keys() == services["cases"].keys()
    differing = [ref for ref in bulk["cases"] if bulk["cases"][ref] != services["cases"][ref]]
    if differing:
        first = differing[0]
        diff = difflib.unified_diff(
            json.dumps(services["cases"][first], indent=1, sort_keys=True).splitlines(),
            json.dumps(bulk["cases"][first], indent=1, sort_keys=True).splitlines(),
            fromfile=f"{first} through the services",
            tofile=f"{first} in bulk",
            lineterm="",
        )
        pytest.fail(
            f"{len(differing)} case(s) differ: {', '.join(differing)}\n" + "\n".join(list(diff)[:150])
        )


@pytest.mark.django_db
def test_the_audit_chain_of_every_case_verifies(both):
    bulk, services = both
    checked, breaks = bulk["audit"]
    assert breaks == []
    assert checked == services["audit"][0] > 0
