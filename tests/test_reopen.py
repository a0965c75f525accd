"""Issue 15 §5: reopening a closed case, by the customer on their page or by staff (button and API).

Closed resolved (or with no reply) within the window: back to choosing a resolution, only the organisation's
own resolve clock restarted, the scorecard voided, the customer told. Closed unresolved, or past the window:
a linked follow-up case. A "thank you" keeps the case closed; two answers at once make one follow-up.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from putright import clock
from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.channels.models import Alert, Message
from putright.insights.rollup import _reopen_gap
from putright.quality.models import CheckResult
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock
from putright.vocab import OPEN_STATUSES, Status
from tests.conftest import _user
from tests.customer_link import open_case
from tests.quality_fixtures import closed_resolved, closed_unresolved, to_agreed, to_delivered
from tests.test_api import token_for

pytestmark = pytest.mark.django_db

STILL_BROKEN = "The machine is leaking again, the same as before."


@pytest.fixture
def helen(django_user_model):
    return _user(django_user_model, "helen", "administrator", "Helen")


@pytest.fixture
def disp_on(helen):
    """DISP on for every complaint, beside the organisation's own service levels."""
    row = regulation.regime_settings_get()
    row.disp_on = row.disp_all_complaints = row.service_levels_on = True
    return regulation.regime_settings_save(actor=helen, settings_row=row)


def _closed(report_case, alice, **report) -> Case:
    return closed_resolved(report_case, alice, **report)


def _snapshot(case: Case) -> dict:
    case.refresh_from_db()
    return {
        "status": case.status,
        "closed_at": case.closed_at,
        "cases": Case.objects.count(),
        "events": Event.objects.filter(case=case).count(),
        "messages": Message.objects.count(),
        "checks": CheckResult.objects.filter(case=case).count(),
        "clocks": CaseClock.objects.filter(case=case).count(),
    }


def _reopen_on_page(client, case, answer: str = "yes", body: str = STILL_BROKEN):
    return client.post(open_case(client, case, "reopen"), {"body": body, "not_put_right": answer})


# ---------------------------------------------------------------- the customer, within the window


def test_a_customer_reopens_a_resolved_case_within_the_window(client, report_case, alice, disp_on, mailbox):
    case = _closed(report_case, alice)
    assert CheckResult.objects.filter(case=case).exists()
    final = CaseClock.objects.get(case=case, kind="disp_final_response")
    resolve = CaseClock.objects.get(case=case, kind="resolve")
    assert final.met_at is not None and resolve.met_at is not None

    response = _reopen_on_page(client, case)

    assert response.status_code == 303
    case.refresh_from_db()
    assert (case.status, case.closed_at, case.upheld, case.assignee) == (Status.OPTIONS, None, "", alice)
    assert case.satisfaction_asked_at is None
    # The customer's words are kept as a message, and the case says why it was reopened.
    assert Message.objects.filter(case=case, direction="in", body=STILL_BROKEN).count() == 1
    event = Event.objects.get(case=case, kind="case.reopened")
    assert event.customer_visible and event.actor is None
    after = event.after
    assert (after["by"], after["closed_status"], after["outcome"], after["window_days"]) == (
        "customer",
        Status.CLOSED_RESOLVED,
        "reopen",
        28,
    )
    assert after["days_since_close"] == 0 and after["follow_up"] is None and after["reason"] == STILL_BROKEN
    # Only the own resolve clock starts again (a new one, from now); DISP's final response clock keeps its
    # original start and date, running again.
    final_after = CaseClock.objects.get(pk=final.pk)
    assert (final_after.started_at, final_after.due_date, final_after.met_at) == (
        final.started_at,
        final.due_date,
        None,
    )
    resolves = list(CaseClock.objects.filter(case=case, kind="resolve").order_by("pk"))
    assert len(resolves) == 2 and resolves[0].met_at is not None
    assert resolves[1].is_running and resolves[1].started_at > resolve.started_at
    assert after["clocks"]["resolve_due"] == resolves[1].due_date.isoformat()
    others = CaseClock.objects.filter(case=case).exclude(kind__in=["resolve", "disp_final_response"])
    assert not any(c.is_running for c in others)
    # The scorecard is voided (kept in the event, out of the live rows).
    assert not CheckResult.objects.filter(case=case).exists()
    voided = Event.objects.get(case=case, kind="quality.scorecard_voided")
    assert voided.after["reason"] == STILL_BROKEN and len(voided.after["checks"]) > 0
    # The customer is told, on the page and by e-mail; the handler is alerted.
    told = Message.objects.get(case=case, subject="We have reopened your case")
    assert "We aim to put it right by" in told.body
    assert Alert.objects.filter(
        recipient=alice, case=case, text__contains="reopened by the customer"
    ).exists()
    page = client.get(reverse("portal:case", kwargs={"reference": case.reference}))
    assert b"We have reopened your case" in page.content
    # Back in the handler's queue.
    assert Case.objects.filter(assignee=alice, status__in=OPEN_STATUSES, pk=case.pk).exists()


def test_reopened_case_is_scored_again_when_it_closes(client, report_case, alice):
    case = _closed(report_case, alice)
    _reopen_on_page(client, case)
    case.refresh_from_db()
    case = to_agreed(case, alice)
    case = to_delivered(case, alice)
    services.case_satisfaction_record(case=case, resolved=True)
    assert CheckResult.objects.filter(case=case).count() > 0


def test_a_case_closed_with_no_reply_within_the_window_reopens(client, report_case, alice):
    case = to_delivered(to_agreed(report_case(), alice), alice)
    settings_row = services.satisfaction_settings_get()
    later = clock.now() + timedelta(days=settings_row.remind_after_days + 1)
    with clock.frozen(later):
        assert services.satisfaction_remind(case=case)
    with clock.frozen(later + timedelta(days=settings_row.close_no_reply_after_days + 1)):
        assert services.case_close_no_reply(case=case)
        case.refresh_from_db()
        assert case.status == Status.CLOSED_NO_REPLY
        case, follow_up = services.case_reopen_closed(actor=None, case=case, reason=STILL_BROKEN)
    assert (case.status, follow_up) == (Status.OPTIONS, None)


def test_a_thank_you_is_kept_and_the_case_stays_closed(client, report_case, alice):
    case = _closed(report_case, alice)
    before = _snapshot(case)

    response = _reopen_on_page(client, case, answer="no", body="Thank you, all good now!")

    assert response.status_code == 303
    after = _snapshot(case)
    assert after["status"] == Status.CLOSED_RESOLVED and after["closed_at"] == before["closed_at"]
    assert after["messages"] == before["messages"] + 1 and after["cases"] == before["cases"]
    assert after["checks"] == before["checks"] and after["clocks"] == before["clocks"]
    assert Message.objects.filter(case=case, direction="in", body="Thank you, all good now!").exists()
    assert Alert.objects.filter(recipient=alice, case=case, kind=Alert.Kind.CUSTOMER_MESSAGE).exists()
    assert not Event.objects.filter(case=case, kind="case.reopened").exists()


def test_the_question_is_required_and_the_message_too(client, report_case, alice):
    case = _closed(report_case, alice)
    before = _snapshot(case)
    url = open_case(client, case, "reopen")
    for data in ({"body": STILL_BROKEN}, {"body": "", "not_put_right": "yes"}, {"not_put_right": "maybe"}):
        response = client.post(url, data)
        assert response.status_code == 400
    assert b"Please tell us whether the problem is not put right." in client.post(url, {"body": "x"}).content
    assert _snapshot(case) == before


def test_the_closed_page_asks_and_an_open_case_does_not(client, report_case, alice):
    case = _closed(report_case, alice)
    page = client.get(open_case(client, case))
    assert b"Is the problem not put right?" in page.content
    other = report_case(subject="Still open")
    assert b"Is the problem not put right?" not in client.get(open_case(client, other)).content
    # An open case refuses the reopen answer, and nothing changes.
    before = _snapshot(other)
    response = client.post(open_case(client, other, "reopen"), {"body": "x", "not_put_right": "yes"})
    assert response.status_code == 303
    assert _snapshot(other) == before


def test_the_window_is_the_setting(client, report_case, alice):
    row = services.satisfaction_settings_get()
    row.reopen_window_days = 3
    row.save()
    case = _closed(report_case, alice)
    assert services.reopen_plan(case, now=case.closed_at + timedelta(days=3)) == "reopen"
    assert services.reopen_plan(case, now=case.closed_at + timedelta(days=3, seconds=1)) == "follow_up"


# ---------------------------------------------------------------- follow-up cases


def test_past_the_window_the_customer_gets_a_linked_follow_up_case(client, report_case, alice, disp_on):
    case = _closed(report_case, alice)
    old_clocks = list(CaseClock.objects.filter(case=case).values("pk", "met_at", "stopped_at", "started_at"))
    with clock.frozen(case.closed_at + timedelta(days=29)):
        response = _reopen_on_page(client, case)
        later = clock.now()
    case.refresh_from_db()
    new = Case.objects.get(follow_up_of=case)
    assert response.status_code == 303 and response["Location"].startswith(
        reverse("portal:case", kwargs={"reference": new.reference})
    )
    # The old case stays closed, its clocks and scorecard as they were.
    assert case.status == Status.CLOSED_RESOLVED and CheckResult.objects.filter(case=case).exists()
    assert list(CaseClock.objects.filter(case=case).values("pk", "met_at", "stopped_at", "started_at")) == (
        old_clocks
    )
    # The new one: same customer, category, team, handler; the customer's words; new clocks from now.
    assert (new.customer, new.category, new.team, new.assignee) == (
        case.customer,
        case.category,
        case.team,
        alice,
    )
    assert new.subject == f"Follow-up to {case.reference}: {case.subject}"
    assert new.description == STILL_BROKEN and new.status == Status.NEW
    assert {c.started_at for c in CaseClock.objects.filter(case=new)} == {later}
    event = Event.objects.get(case=case, kind="case.reopened")
    assert (event.after["follow_up"], event.after["outcome"], event.after["days_since_close"]) == (
        new.reference,
        "follow_up",
        29,
    )
    assert Event.objects.get(case=new, kind="case.reported").after["follow_up_of"] == case.reference
    # The customer is told the new reference, with the new case's link (the one message the new case sends).
    told = Message.objects.get(case=new, direction="out")
    assert told.subject == "We have opened a new case"
    assert new.reference in told.body and case.reference in told.body
    assert Alert.objects.filter(recipient=alice, case=new).exists()
    # Both pages show the link; this browser may open the new case.
    old_page = client.get(reverse("portal:case", kwargs={"reference": case.reference}))
    assert b"Followed up in" in old_page.content and new.reference.encode() in old_page.content
    new_page = client.get(reverse("portal:case", kwargs={"reference": new.reference}))
    assert new_page.status_code == 200 and f"Follow-up to your case <strong>{case.reference}".encode() in (
        new_page.content
    )


def test_a_case_closed_unresolved_gets_a_follow_up_even_within_the_window(client, report_case, alice):
    case = closed_unresolved(report_case, alice)
    assert services.reopen_plan(case) == "follow_up"
    _reopen_on_page(client, case)
    case.refresh_from_db()
    assert case.status == Status.CLOSED_UNRESOLVED
    assert Case.objects.filter(follow_up_of=case).count() == 1


def test_once_followed_up_the_old_case_asks_no_more_and_offers_no_button(client, report_case, alice):
    case = closed_unresolved(report_case, alice)
    _reopen_on_page(client, case)
    new = Case.objects.get(follow_up_of=case)
    page = client.get(reverse("portal:case", kwargs={"reference": case.reference}))
    assert b"Is the problem not put right?" not in page.content and new.reference.encode() in page.content
    before = _snapshot(case)
    again = client.post(
        reverse("portal:reopen", kwargs={"reference": case.reference}), {"body": "x", "not_put_right": "yes"}
    )
    assert again.status_code == 303 and _snapshot(case) == before
    client.force_login(alice)
    staff_page = client.get(reverse("cases:detail", args=[case.reference])).content
    assert b"Open a follow-up case" not in staff_page and b"Followed up in" in staff_page


def test_a_second_answer_names_the_same_follow_up(client, report_case, alice):
    case = closed_unresolved(report_case, alice)
    _, first = services.case_reopen_closed(actor=None, case=case, reason=STILL_BROKEN)
    _, second = services.case_reopen_closed(actor=None, case=case, reason="And again.")
    assert first == second and Case.objects.filter(follow_up_of=case).count() == 1
    assert Event.objects.filter(case=case, kind="case.reopened").count() == 1


def test_a_duplicate_is_not_reopened(client, report_case, alice):
    original = report_case(subject="First")
    duplicate = report_case(subject="Second")
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    duplicate.refresh_from_db()
    assert services.reopen_plan(duplicate) == ""
    assert b"Is the problem not put right?" not in client.get(open_case(client, duplicate)).content


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("closing", ["unresolved", "resolved"])
def test_two_answers_at_once_reopen_once(report_case, django_user_model, closing):
    handler = _user(django_user_model, "alice", "agent", "Alice")
    case = (closed_unresolved if closing == "unresolved" else closed_resolved)(report_case, handler)
    errors: list[BaseException] = []
    results: list = []

    def answer(i: int) -> None:
        try:
            results.append(services.case_reopen_closed(actor=None, case=case, reason=f"Answer {i}"))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Event.objects.filter(case=case, kind="case.reopened").count() == 1
    follow_ups = Case.objects.filter(follow_up_of=case).count()
    assert follow_ups == (1 if closing == "unresolved" else 0)


# ---------------------------------------------------------------- staff: the button and the API


def test_the_handler_reopens_with_a_reason_from_the_button(client, report_case, alice):
    case = _closed(report_case, alice)
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[case.reference]))
    assert b"Reopen this case" in page.content and b"Open a follow-up case" not in page.content
    url = reverse("cases:reopen", args=[case.reference])

    assert client.post(url, {"reason": ""}).status_code == 400
    case.refresh_from_db()
    assert case.status == Status.CLOSED_RESOLVED

    response = client.post(url, {"reason": "The customer rang: it leaks again."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.OPTIONS
    event = Event.objects.get(case=case, kind="case.reopened")
    assert (event.actor, event.after["by"]) == (alice, "staff")


def test_the_button_says_a_follow_up_past_the_window_and_opens_one(client, report_case, alice):
    case = _closed(report_case, alice)
    client.force_login(alice)
    with clock.frozen(case.closed_at + timedelta(days=40)):
        page = client.get(reverse("cases:detail", args=[case.reference]))
        assert b"Open a follow-up case" in page.content
        response = client.post(reverse("cases:reopen", args=[case.reference]), {"reason": "Rang again."})
    new = Case.objects.get(follow_up_of=case)
    assert response["Location"].startswith(reverse("cases:detail", args=[new.reference]))
    new_page = client.get(reverse("cases:detail", args=[new.reference]))
    assert (
        f'Follow-up to <a href="{reverse("cases:detail", args=[case.reference])}">'.encode()
        in new_page.content
    )
    old_page = client.get(reverse("cases:detail", args=[case.reference]))
    assert b"Followed up in" in old_page.content and new.reference.encode() in old_page.content


def test_another_agent_may_not_reopen_and_nothing_changes(client, report_case, alice, dave):
    case = _closed(report_case, alice)
    before = _snapshot(case)
    client.force_login(dave)
    assert b"Reopen this case" not in client.get(reverse("cases:detail", args=[case.reference])).content
    response = client.post(reverse("cases:reopen", args=[case.reference]), {"reason": "Mine now."})
    assert response.status_code == 403
    assert _snapshot(case) == before


def test_a_supervisor_may_reopen_another_s_case(client, report_case, alice, bob):
    case = _closed(report_case, alice)
    services.case_reopen_closed(actor=bob, case=case, reason="Supervisor review: not put right.")
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.OPTIONS, alice)


def test_a_departed_handler_s_case_is_routed_afresh(report_case, alice, bob):
    case = _closed(report_case, alice)
    alice.is_active = False
    alice.save()
    services.case_reopen_closed(actor=None, case=case, reason=STILL_BROKEN)
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.OPTIONS, None)


@pytest.fixture
def api_token(alice, dave):
    return {u.username: token_for(u) for u in (alice, dave)}


def _post(client, token, reference, reason="Still leaking."):
    return client.post(
        f"/api/cases/{reference}/reopen",
        {"reason": reason},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_api_reopens_within_the_window_and_says_so(client, report_case, alice, api_token):
    case = _closed(report_case, alice)
    response = _post(client, api_token["alice"], case.reference)
    assert response.status_code == 200
    body = response.json()
    assert (body["reference"], body["status"], body["follow_up"]) == (case.reference, "options", None)


def test_the_api_opens_a_follow_up_and_names_it_the_same_twice(client, report_case, alice, api_token):
    case = closed_unresolved(report_case, alice)
    first = _post(client, api_token["alice"], case.reference).json()
    second = _post(client, api_token["alice"], case.reference).json()
    new = Case.objects.get(follow_up_of=case)
    assert (first["status"], first["follow_up"], second["follow_up"]) == (
        "closed_unresolved",
        new.reference,
        new.reference,
    )


def test_the_api_keeps_the_not_resolved_reopen(client, report_case, alice, api_token):
    case = to_delivered(to_agreed(report_case(), alice), alice)
    services.case_assign(actor=alice, case=case, assignee=alice)
    services.case_satisfaction_record(case=case, resolved=False, comment="Still wet.")
    body = _post(client, api_token["alice"], case.reference).json()
    assert (body["status"], body["follow_up"]) == ("options", None)
    assert not CheckResult.objects.filter(case=case).exists()
    assert not CaseClock.objects.filter(case=case, kind="resolve").count() > 1


def test_the_api_refuses_another_agent_and_a_duplicate(client, report_case, alice, api_token):
    case = _closed(report_case, alice)
    before = _snapshot(case)
    assert _post(client, api_token["dave"], case.reference).status_code == 403
    assert _snapshot(case) == before
    original, duplicate = report_case(subject="A"), report_case(subject="B")
    services.case_assign(actor=alice, case=duplicate, assignee=alice)
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    response = _post(client, api_token["alice"], duplicate.reference)
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


# ---------------------------------------------------------------- the reopen counts


def test_a_reopen_and_a_follow_up_in_the_window_count_as_reopened(client, report_case, alice):
    """Insights' reopen_rate counts a 'case.reopened' event within its window (28 days) of the case being
    put right (delivered). A reopened closed case has one; so has a case followed up (the event, on the old
    case, names the follow-up): put right, then 'not resolved' and closed unresolved, then followed up, it
    counts as that case's reopen. Past the window the gap is longer than the metric's window: not counted."""
    reopened = _closed(report_case, alice, subject="Reopened")
    services.case_reopen_closed(actor=None, case=reopened, reason=STILL_BROKEN)
    followed = to_delivered(to_agreed(report_case(subject="Followed"), alice), alice)
    services.case_assign(actor=alice, case=followed, assignee=alice)
    services.case_satisfaction_record(case=followed, resolved=False, comment="Still wet.")
    services.case_close_unresolved(
        actor=alice,
        case=followed,
        reasons="We cannot repair it any further, as explained.",
        other_routes=["Citizens Advice"],
        reason_code="outside_policy",
        upheld="not_upheld",
    )
    _, follow_up = services.case_reopen_closed(actor=None, case=followed, reason=STILL_BROKEN)
    assert follow_up is not None
    late = _closed(report_case, alice, subject="Late")
    with clock.frozen(late.closed_at + timedelta(days=40)):
        services.case_reopen_closed(actor=None, case=late, reason=STILL_BROKEN)
    gaps = dict(Case.objects.annotate(gap=_reopen_gap()).values_list("subject", "gap"))
    assert gaps["Reopened"] is not None and gaps["Reopened"] <= timedelta(days=28)
    assert gaps["Followed"] is not None and gaps["Followed"] <= timedelta(days=28)
    assert gaps["Late"] is not None and gaps["Late"] > timedelta(days=28)


def test_the_window_setting_is_on_the_satisfaction_settings_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123"))
    row = services.satisfaction_settings_get()
    page = client.get(reverse("admin:cases_satisfactionsettings_change", args=[row.pk]))
    assert page.status_code == 200 and b'name="reopen_window_days"' in page.content
