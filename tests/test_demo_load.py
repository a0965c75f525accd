"""``manage.py demo_load``: a small demo organisation, loaded once for this module through the services."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from putright import clock
from putright.audit.events import chain_verify
from putright.audit.models import Event
from putright.cases.models import Case
from putright.portal.tokens import case_for_token
from putright.procedures import acknowledgements
from putright.procedures.models import Procedure
from putright.vocab import SourceKind, Status

CASES = 40


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load once for every test here, inside a transaction rolled back when the module is done."""
    out, err = io.StringIO(), io.StringIO()
    with django_db_blocker.unblock():
        with transaction.atomic():
            # --reset-if-empty still loads when there are no cases yet.
            call_command(
                "demo_load",
                "--cases",
                str(CASES),
                "--history-months",
                "0",
                "--reset-if-empty",
                stdout=out,
                stderr=err,
            )
            yield {"stdout": out.getvalue(), "stderr": err.getvalue()}
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_it_creates_exactly_the_cases_asked_for(demo):
    assert Case.objects.count() == CASES
    assert f"{CASES} cases loaded" in demo["stdout"]


@pytest.mark.django_db
def test_it_covers_every_status_and_every_source_kind(demo):
    statuses = set(Case.objects.values_list("status", flat=True))
    # A case closed with no reply needs a satisfaction check asked more than the reminder and closing periods
    # ago (14 days by default): whether a waiting case is that old depends on the day the demo is loaded.
    waited = Case.objects.filter(satisfaction_reminded_at__isnull=False, status=Status.CLOSED_NO_REPLY)
    assert (Status.CLOSED_NO_REPLY in statuses) == waited.exists()
    assert statuses | {Status.CLOSED_NO_REPLY} == set(Status.values)
    assert set(Case.objects.values_list("source_kind", flat=True)) == set(SourceKind.values)


@pytest.mark.django_db
def test_every_case_was_reported_through_the_services_and_its_audit_chain_verifies(demo):
    case_ids = list(Case.objects.values_list("pk", flat=True))
    checked, breaks = chain_verify(case_ids)
    assert breaks == []
    assert checked == Event.objects.count()
    first_kinds = set(Event.objects.filter(seq=1).values_list("kind", flat=True))
    assert first_kinds == {"case.reported"}
    assert Event.objects.filter(seq=1).count() == CASES


@pytest.mark.django_db
def test_timelines_lie_in_the_last_four_months_and_run_forwards(demo):
    now = clock.now()
    oldest = Case.objects.order_by("created_at").first().created_at
    assert now - timedelta(days=121) < oldest
    assert not Event.objects.filter(created_at__gt=now).exists()
    for case in Case.objects.all():
        times = list(case.events.order_by("seq").values_list("created_at", flat=True))
        assert times == sorted(times), case.reference


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "password", "group"),
    [
        ("agent", "putright-agent", "agent"),
        ("supervisor", "putright-supervisor", "supervisor"),
        ("manager", "putright-manager", "manager"),
        ("admin", "putright-admin", "administrator"),
    ],
)
def test_the_named_logins_authenticate_with_exactly_their_role(demo, username, password, group):
    user = authenticate(username=username, password=password)
    assert user is not None
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.is_superuser is (username == "admin")
    assert user.is_staff is (username == "admin")


@pytest.mark.django_db
def test_there_are_four_agents_each_with_a_real_name(demo, django_user_model):
    agents = django_user_model.objects.filter(groups__name="agent").order_by("username")
    assert [a.username for a in agents] == ["agent", "jodie", "kwame", "owen"]
    assert all(a.first_name and a.last_name for a in agents)


@pytest.mark.django_db
def test_it_prints_the_logins_and_a_portal_link_that_opens_a_real_case(demo):
    out = demo["stdout"]
    assert "http://127.0.0.1:8000/" in out
    assert "putright-agent" in out and "putright-admin" in out
    assert "http://127.0.0.1:8000/report/" in out
    token = re.search(r"/track/([^/\s]+)/", out).group(1)
    case = case_for_token(token)
    assert case is not None
    assert case.reference in out


@pytest.mark.django_db
def test_it_draws_a_progress_bar_on_stderr(demo):
    assert f"[{'#' * 30}] {CASES}/{CASES}" in demo["stderr"]


@pytest.mark.django_db
def test_its_progress_is_plain_lines_when_stderr_is_not_a_terminal(demo):
    lines = demo["stderr"].splitlines()
    assert "\r" not in demo["stderr"]
    assert 2 <= len(lines) <= 11  # the start, then a line per tenth at most
    assert lines[-1] == f"Loading demo cases [{'#' * 30}] {CASES}/{CASES}"


@pytest.mark.django_db
def test_it_refuses_to_load_twice_and_adds_nothing(demo):
    before = (Case.objects.count(), Event.objects.count())
    with pytest.raises(CommandError, match="already has 40 case") as refused:
        call_command("demo_load", "--cases", "5", stdout=io.StringIO(), stderr=io.StringIO())
    # manage.py turns a CommandError into this exit status.
    assert refused.value.returncode == 1
    assert (Case.objects.count(), Event.objects.count()) == before


@pytest.mark.django_db
def test_with_reset_if_empty_it_says_already_loaded_exits_0_and_adds_nothing(demo):
    before = (Case.objects.count(), Event.objects.count())
    out = io.StringIO()
    call_command("demo_load", "--reset-if-empty", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "demo already loaded"
    assert (Case.objects.count(), Event.objects.count()) == before


@pytest.mark.django_db
def test_it_rejects_a_case_count_below_one(demo):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("demo_load", "--cases", "0", stdout=io.StringIO(), stderr=io.StringIO())
    assert Case.objects.count() == CASES


@pytest.mark.django_db
def test_it_loads_the_organisations_procedures_one_with_a_second_version_and_one_overdue(demo):
    """Issue 14 §3: four procedures (three the manager's); the late-delivery one has a second version with
    its change note; the final-letter one is overdue for review; the current versions are partly read."""
    procedures = {p.title: p for p in Procedure.objects.select_related("owner")}
    assert sorted(procedures) == [
        "Closing a complaint unresolved: the final response letter",
        "Handling a late delivery",
        "Promising a delivery date",
        "Refunds under the Consumer Rights Act: the short-term right to reject",
    ]
    # The fourth is the Deliveries supervisor's: the demo's improvement cycle (with the history) updates it.
    assert {p.owner.username for p in procedures.values()} == {"manager", "supervisor"}
    late = procedures["Handling a late delivery"]
    assert list(late.versions.values_list("number", "change_note")) == [
        (2, "Courier first: check tracking before anything else, and offer the delivery refund from 6 days"),
        (1, "First version"),
    ]
    assert [c.slug for c in late.categories.all()] == ["delivery"]
    closing = procedures["Closing a complaint unresolved: the final response letter"]
    assert closing.review_due < clock.now().date()
    receipts = acknowledgements.receipts_for(acknowledgements.version_key(late.versions.get(number=2)))
    assert sorted(r.user.username for r in receipts if r.acknowledged_at) == ["jodie", "supervisor"]
    assert sum(1 for r in receipts if r.acknowledged_at is None) == receipts.count() - 2 > 0


@pytest.mark.parametrize("months", ["-1", "37"])
def test_it_rejects_history_months_out_of_range_and_adds_nothing(demo, months):
    with pytest.raises(CommandError, match="--history-months must be from 0 to 36"):
        call_command(
            "demo_load",
            "--cases",
            "5",
            "--history-months",
            months,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert Case.objects.count() == CASES


@pytest.mark.django_db
def test_without_history_it_says_nothing_of_one(demo):
    assert "History:" not in demo["stdout"]
    assert "Loading demo history" not in demo["stderr"]
