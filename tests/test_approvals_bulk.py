"""Bulk decisions on approvals (issue 12 §5): tick several requests and approve or reject them together
with one note. Each goes through ``approval_decide`` in its own transaction, with the same checks as a
single decision; any refused (no authority, their own request, already decided) is listed with the reason
and left exactly as it was.

Alice (agent, £100) asks; Bob (supervisor, £1,000) decides; Carol (manager, £10,000) decides the dear ones.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from putright import clock
from putright.audit.models import Event
from putright.authority.models import Approval
from putright.vocab import Status
from tests.test_approvals_page import NOW, ask, listed, snapshot

pytestmark = pytest.mark.django_db

BULK = reverse("cases:approvals_bulk_decide")


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def four(alice, bob, carol, report_case):
    """Three requests Bob may decide (£300, £900, £150) and one beyond his authority (£5,000)."""
    middle = ask(alice, report_case, at=NOW - timedelta(days=8), amount="300")
    dear = ask(alice, report_case, at=NOW - timedelta(days=2), amount="900")
    cheap = ask(alice, report_case, at=NOW - timedelta(hours=3), amount="150")
    beyond = ask(alice, report_case, at=NOW - timedelta(hours=2), amount="5000")
    return middle, dear, cheap, beyond


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_approving_several_decides_each_and_records_an_event_on_each_case(client, alice, bob, four):
    middle, dear, cheap, _ = four
    client.force_login(bob)
    response = client.post(
        BULK,
        {"approvals": [middle.pk, cheap.pk], "decision": "approve", "note": "Fair", "sort": "value_high"},
    )
    assert response.status_code == 302
    # The list comes back in the order it was sorted.
    assert response["Location"] == reverse("cases:approvals") + "?sort=value_high"
    for approval in (middle, cheap):
        approval.refresh_from_db()
        assert (approval.status, approval.decided_by, approval.decision_note) == (
            Approval.Status.APPROVED,
            bob,
            "Fair",
        )
        assert approval.case.status == Status.AWAITING_CUSTOMER
        [event] = Event.objects.filter(case=approval.case, kind="approval.approved")
        assert event.actor == bob
        assert event.summary == f"Approved: {approval.option.title} (Fair)"
        # The one who asked is told, one alert per decision.
        assert alice.alerts.filter(case=approval.case, text__contains="was approved by bob").count() == 1
    dear.refresh_from_db()
    assert dear.status == Approval.Status.PENDING
    page = client.get(response["Location"])
    assert messages_of(page) == [
        f"Approved 2 requests: {middle.case.reference} (\u201cReplace (300)\u201d); "
        f"{cheap.case.reference} (\u201cReplace (150)\u201d)."
    ]
    assert listed(page) == [dear.pk]
    assert '<option value="value_high" selected>' in page.content.decode()


def test_one_beyond_the_approver_s_authority_is_refused_and_the_others_are_decided(client, bob, four):
    middle, dear, cheap, beyond = four
    before = snapshot(beyond)
    client.force_login(bob)
    response = client.post(
        BULK,
        {"approvals": [middle.pk, beyond.pk, dear.pk], "decision": "reject", "note": "Offer a repair first"},
        follow=True,
    )
    assert response.status_code == 200
    assert snapshot(beyond) == before
    for approval in (middle, dear):
        approval.refresh_from_db()
        assert approval.status == Approval.Status.REJECTED
        assert approval.case.status == Status.OPTIONS
        assert Event.objects.filter(case=approval.case, kind="approval.rejected").count() == 1
    cheap.refresh_from_db()
    assert cheap.status == Approval.Status.PENDING
    assert messages_of(response) == [
        f"Rejected 2 requests: {middle.case.reference} (\u201cReplace (300)\u201d); "
        f"{dear.case.reference} (\u201cReplace (900)\u201d).",
        f"Not decided: {beyond.case.reference} (\u201cReplace (5000)\u201d): "
        "Your authority does not cover this option.",
    ]


def test_their_own_request_and_one_already_decided_are_refused_with_the_reason(
    client, alice, bob, carol, report_case, four
):
    middle, dear, cheap, beyond = four
    # Bob asks for something beyond his own authority: a second person must decide it.
    own = ask(bob, report_case, at=NOW - timedelta(hours=1), amount="2000")
    client.force_login(carol)
    client.post(BULK, {"approvals": [middle.pk], "decision": "approve"}, follow=True)
    before = {a.pk: snapshot(a) for a in (own, middle)}
    client.force_login(bob)
    response = client.post(
        BULK, {"approvals": [own.pk, middle.pk, cheap.pk], "decision": "approve"}, follow=True
    )
    assert {a.pk: snapshot(a) for a in (own, middle)} == before
    cheap.refresh_from_db()
    assert cheap.status == Approval.Status.APPROVED
    assert messages_of(response) == [
        f"Approved 1 request: {cheap.case.reference} (\u201cReplace (150)\u201d).",
        f"Not decided: {own.case.reference} (\u201cReplace (2000)\u201d): "
        "A second person must approve; you requested it.",
        f"Not decided: {middle.case.reference} (\u201cReplace (300)\u201d): "
        "This approval has already been decided.",
    ]


def test_every_request_listed_can_be_decided_without_ticking_each(client, bob, four):
    middle, dear, cheap, beyond = four
    client.force_login(bob)
    page = client.get(reverse("cases:approvals"))
    shown = listed(page)
    assert shown == [middle.pk, dear.pk, cheap.pk]  # the £5,000 one is not Bob's to decide
    html = page.content.decode()
    for pk in shown:
        assert f'<input type="checkbox" name="approvals" value="{pk}" form="bulk-decide"' in html
        assert f'<input type="hidden" name="shown" value="{pk}">' in html
    response = client.post(BULK, {"shown": shown, "all_shown": "on", "decision": "approve"})
    assert response.status_code == 302
    assert sorted(Approval.objects.filter(status="approved").values_list("pk", flat=True)) == sorted(shown)
    assert snapshot(beyond)[0] == Approval.Status.PENDING


@pytest.mark.parametrize(
    "data, field, error",
    [
        ({"decision": "approve"}, "approvals", "Tick the requests to decide, or tick every request listed."),
        ({"decision": "reject", "pick": True}, "note", "Say why the options are not approved."),
        ({"decision": "maybe", "pick": True}, "decision", "Select a valid choice."),
        ({"decision": "approve", "approvals": ["1; drop"]}, "approvals", "could not be read"),
        ({"decision": "approve", "approvals": [str(n) for n in range(1, 52)]}, "approvals", "at most 50"),
    ],
)
def test_a_bulk_decision_that_cannot_be_read_changes_nothing_and_says_why(
    client, bob, four, data, field, error
):
    before = [snapshot(a) for a in four]
    data = dict(data)
    if data.pop("pick", False):
        data["approvals"] = [four[0].pk, four[1].pk]
    client.force_login(bob)
    response = client.post(BULK, {**data, "sort": "newest"})
    assert response.status_code == 400
    form = response.context["bulk_form"]
    assert error in " ".join(form.errors[field])
    # The error summary at the top links to where the error is shown.
    html = response.content.decode()
    assert f'href="#{form[field].auto_id}"' in html
    assert f'id="{form[field].auto_id}"' in html
    assert [snapshot(a) for a in four] == before
    # The list is shown again in the order it was in, with the boxes still ticked.
    assert listed(response) == [four[2].pk, four[1].pk, four[0].pk]
    if "approvals" in data and data["approvals"] == [four[0].pk, four[1].pk]:
        html = response.content.decode()
        assert f'value="{four[0].pk}" form="bulk-decide" id="bulk-pick-{four[0].pk}" checked' in html


def test_people_without_a_role_get_403_and_signed_out_people_sign_in_and_nothing_changes(
    client, charlie, four
):
    before = [snapshot(a) for a in four]
    body = {"approvals": [a.pk for a in four], "decision": "approve"}
    response = client.post(BULK, body)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(charlie)
    assert client.post(BULK, body).status_code == 403
    assert [snapshot(a) for a in four] == before


def test_a_bulk_decision_without_the_csrf_token_is_refused(bob, four):
    before = [snapshot(a) for a in four]
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post(BULK, {"approvals": [four[0].pk], "decision": "approve"}).status_code == 403
    assert [snapshot(a) for a in four] == before


def test_a_request_that_does_not_exist_is_listed_as_not_decided(client, bob, four):
    client.force_login(bob)
    response = client.post(BULK, {"approvals": [999999, four[2].pk], "decision": "approve"}, follow=True)
    assert messages_of(response) == [
        f"Approved 1 request: {four[2].case.reference} (\u201cReplace (150)\u201d).",
        "Not decided: Request 999999: There is no such request.",
    ]


def test_a_get_goes_back_to_the_list(client, bob):
    client.force_login(bob)
    response = client.get(BULK)
    assert (response.status_code, response["Location"]) == (302, reverse("cases:approvals"))
