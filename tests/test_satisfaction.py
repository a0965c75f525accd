"""Issue 13 §1: the satisfaction check's scores, its one reminder and the no-reply close; reason codes and
'upheld' on closing. Services, the customer's page and e-mailed link, the staff page, the API and the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from putright import clock
from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case, SatisfactionSettings, UnresolvedReason
from putright.channels.models import Message
from putright.channels.portal_links import portal_path, portal_url
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.feedback.models import FeedbackItem
from putright.feedback.satisfaction_mail import satisfaction_email_links
from putright.vocab import Status
from tests.conftest import plain_text
from tests.customer_link import open_case
from tests.test_api import api_as  # noqa: F401 - the fixture
from tests.test_feedback_services import _awaiting_confirmation

pytestmark = pytest.mark.django_db

FIELDS = ("status", "csat", "ces", "nps", "satisfaction_answered_at", "satisfaction_comment", "closed_at")


@pytest.fixture
def waiting(report_case, alice):
    return _awaiting_confirmation(report_case(), alice)


def state(case) -> tuple:
    case.refresh_from_db()
    return tuple(getattr(case, f) for f in FIELDS)


# ---------------------------------------------------------------- services


def test_delivering_records_upheld_and_starts_the_check(report_case, alice):
    case = _awaiting_confirmation(report_case(), alice)
    assert case.upheld == "upheld"
    assert case.satisfaction_asked_at is not None
    assert (case.satisfaction_reminded_at, case.satisfaction_answered_at) == (None, None)
    assert Event.objects.get(case=case, kind="case.delivered").after == {
        "status": Status.AWAITING_CONFIRMATION,
        "upheld": "upheld",
    }


def test_delivering_without_a_valid_upheld_is_refused_and_changes_nothing(report_case, alice):
    case = report_case()
    with pytest.raises(DomainError) as exc:
        services.case_mark_delivered(actor=alice, case=case, upheld="maybe")
    assert exc.value.code == ErrorCode.UPHELD_REQUIRED
    case.refresh_from_db()
    assert (case.status, case.upheld, case.satisfaction_asked_at) == (Status.NEW, "", None)


def test_the_scores_are_stored_audited_stamped_and_carried_to_the_feed(waiting):
    case = services.case_satisfaction_record(
        case=waiting, resolved=True, comment="Quick and kind.", csat=5, ces=6, nps=9
    )
    case.refresh_from_db()
    assert (case.status, case.csat, case.ces, case.nps) == (Status.CLOSED_RESOLVED, 5, 6, 9)
    assert case.satisfaction_answered_at == case.closed_at
    event = Event.objects.get(case=case, kind="satisfaction.resolved")
    assert event.after == {
        "status": Status.CLOSED_RESOLVED,
        "comment": "Quick and kind.",
        "csat": 5,
        "ces": 6,
        "nps": 9,
    }
    assert event.summary == (
        "Customer says the problem is resolved (on their case link); CSAT 5, CES 6, NPS 9: Quick and kind."
    )
    item = FeedbackItem.objects.get(case=case)
    assert (item.satisfied, item.csat, item.ces, item.nps) == (True, 5, 6, 9)


def test_yes_alone_is_enough_and_existing_callers_still_work(waiting):
    services.case_satisfaction_record(case=waiting, resolved=True)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.csat, waiting.ces, waiting.nps) == (
        Status.CLOSED_RESOLVED,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "scores",
    [{"csat": 0}, {"csat": 6}, {"ces": 8}, {"nps": 11}, {"nps": -1}, {"csat": True}, {"csat": "4"}],
)
def test_a_score_out_of_range_is_refused_and_nothing_changes(waiting, scores):
    before, events = state(waiting), waiting.events.count()
    with pytest.raises(DomainError) as exc:
        services.case_satisfaction_record(case=waiting, resolved=True, **scores)
    assert exc.value.code == ErrorCode.INVALID_INPUT
    assert (state(waiting), waiting.events.count()) == (before, events)


def test_reopening_stops_the_check_and_delivering_again_asks_afresh(waiting, alice):
    services.case_satisfaction_record(case=waiting, resolved=False, comment="Still wrong", csat=2)
    services.case_reopen(actor=alice, case=waiting, reason="Try another way")
    waiting.refresh_from_db()
    assert (waiting.satisfaction_asked_at, waiting.satisfaction_reminded_at, waiting.csat) == (None, None, 2)


# ---------------------------------------------------------------- the sweep: one reminder, then closed


def test_the_sweep_reminds_once_then_closes_as_resolved_no_reply_once(waiting, alice, bob):
    asked = waiting.satisfaction_asked_at
    promise = services.promise_make(
        actor=alice,
        case=waiting,
        description="Call back",
        owner=alice,
        due_at=clock.now() + timedelta(days=30),
    )
    # Not yet due: nothing.
    result = services.satisfaction_sweep(now=asked + timedelta(days=4, hours=23))
    assert (result.reminded, result.closed_no_reply) == (0, 0)

    first = services.satisfaction_sweep(now=asked + timedelta(days=5))
    again = services.satisfaction_sweep(now=asked + timedelta(days=5, hours=1))
    assert ((first.reminded, first.closed_no_reply), (again.reminded, again.closed_no_reply)) == (
        (1, 0),
        (0, 0),
    )
    waiting.refresh_from_db()
    assert waiting.satisfaction_reminded_at == asked + timedelta(days=5)
    assert Message.objects.filter(case=waiting, subject="A reminder: is your problem resolved?").count() == 1
    assert Event.objects.filter(case=waiting, kind="satisfaction.reminded").count() == 1

    # A further close_no_reply_after_days (9) later it closes, once.
    assert services.satisfaction_sweep(now=asked + timedelta(days=13, hours=23)).closed_no_reply == 0
    closing = services.satisfaction_sweep(now=asked + timedelta(days=14))
    assert services.satisfaction_sweep(now=asked + timedelta(days=15)).closed_no_reply == 0
    assert (closing.reminded, closing.closed_no_reply) == (0, 1)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.closed_at, waiting.upheld) == (
        Status.CLOSED_NO_REPLY,
        asked + timedelta(days=14),
        "upheld",
    )
    assert Event.objects.filter(case=waiting, kind="case.closed_no_reply").count() == 1
    promise.refresh_from_db()
    assert promise.status == "withdrawn"
    assert Message.objects.filter(case=waiting, subject="Your case is closed").count() == 1


def test_the_sweep_reads_the_administrators_periods(waiting):
    SatisfactionSettings.objects.update_or_create(
        pk=1, defaults={"remind_after_days": 2, "close_no_reply_after_days": 3}
    )
    asked = waiting.satisfaction_asked_at
    assert services.satisfaction_sweep(now=asked + timedelta(days=2)).reminded == 1
    assert services.satisfaction_sweep(now=asked + timedelta(days=5)).closed_no_reply == 1


def test_a_customer_answering_after_the_reminder_closes_it_as_today(waiting):
    asked = waiting.satisfaction_asked_at
    services.satisfaction_sweep(now=asked + timedelta(days=5))
    services.case_satisfaction_record(case=waiting, resolved=True, csat=4)
    assert services.satisfaction_sweep(now=asked + timedelta(days=30)).closed_no_reply == 0
    waiting.refresh_from_db()
    assert (waiting.status, waiting.csat) == (Status.CLOSED_RESOLVED, 4)


def test_the_regulatory_clocks_stop_on_a_no_reply_close_as_on_a_resolved_one(waiting):
    asked = waiting.satisfaction_asked_at
    services.satisfaction_sweep(now=asked + timedelta(days=5))
    services.satisfaction_sweep(now=asked + timedelta(days=14))
    running = waiting.clocks.filter(met_at__isnull=True, stopped_at__isnull=True)
    assert [c.kind for c in running] == [
        c.kind for c in running if c.met_by in ("refund_paid", "sar_answered")
    ]


# ---------------------------------------------------------------- closing unresolved: reason code and upheld


def _not_resolved(waiting):
    services.case_satisfaction_record(case=waiting, resolved=False, comment="Still wrong")
    return waiting


REASONS = "The part is no longer made, and we cannot repair it another way."


def test_closing_unresolved_keeps_the_reason_code_and_upheld(waiting, alice):
    case = services.case_close_unresolved(
        actor=alice,
        case=_not_resolved(waiting),
        reasons=REASONS,
        other_routes=["ADR"],
        reason_code="cannot_provide",
        upheld="partly",
    )
    case.refresh_from_db()
    assert (case.status, case.unresolved_reason.code, case.upheld) == (
        Status.CLOSED_UNRESOLVED,
        "cannot_provide",
        "partly",
    )
    assert (
        Event.objects.get(case=case, kind="case.closed_unresolved").after["reason_code"] == "cannot_provide"
    )


@pytest.mark.parametrize("code", ["", "no_such_code", "inactive_one"])
def test_a_missing_unknown_or_inactive_reason_code_is_refused_and_nothing_changes(waiting, alice, code):
    UnresolvedReason.objects.create(code="inactive_one", label="Retired", active=False)
    case = _not_resolved(waiting)
    before, events = state(case), case.events.count()
    with pytest.raises(DomainError) as exc:
        services.case_close_unresolved(
            actor=alice,
            case=case,
            reasons=REASONS,
            other_routes=["ADR"],
            reason_code=code,
            upheld="not_upheld",
        )
    assert exc.value.code == ErrorCode.REASON_CODE_INVALID
    assert (state(case), case.events.count()) == (before, events)


# ---------------------------------------------------------------- correcting upheld


def _closed(waiting):
    services.case_satisfaction_record(case=waiting, resolved=True)
    return waiting


def test_a_supervisor_corrects_upheld_on_a_closed_case_with_an_audited_event(waiting, bob):
    case = services.case_upheld_correct(
        actor=bob, case=_closed(waiting), upheld="partly", reason="Half ours."
    )
    case.refresh_from_db()
    assert case.upheld == "partly"
    event = Event.objects.get(case=case, kind="case.upheld_corrected")
    assert (event.before, event.after) == ({"upheld": "upheld"}, {"upheld": "partly", "reason": "Half ours."})


def test_an_agent_may_not_correct_upheld_and_nothing_changes(waiting, alice):
    case = _closed(waiting)
    events = case.events.count()
    with pytest.raises(PermissionDenied):
        services.case_upheld_correct(actor=alice, case=case, upheld="not_upheld", reason="Not ours.")
    case.refresh_from_db()
    assert (case.upheld, case.events.count()) == ("upheld", events)


def test_upheld_is_corrected_only_on_a_closed_case(waiting, bob):
    with pytest.raises(DomainError) as exc:
        services.case_upheld_correct(actor=bob, case=waiting, upheld="partly", reason="Early.")
    assert exc.value.code == ErrorCode.INVALID_TRANSITION


# ---------------------------------------------------------------- the customer's page and the e-mailed link


def test_the_link_carries_the_answer_through_the_redirect_and_a_get_records_nothing(client, waiting):
    SatisfactionSettings.objects.update_or_create(pk=1, defaults={"ask_ces": True})
    before, events = state(waiting), Event.objects.count()
    response = client.get(f"{portal_path(waiting)}?resolved=yes&csat=4&ces=9&evil=1")
    page_url = reverse("portal:case", kwargs={"reference": waiting.reference})
    assert (response.status_code, response["Location"]) == (
        303,
        f"{page_url}?resolved=yes&csat=4&ces=9#status",
    )
    page = client.get(response["Location"].split("#")[0])
    html = page.content.decode()
    assert page.status_code == 200
    form = page.context["forms"]["satisfaction"]
    assert form.initial == {"resolved": "yes", "csat": "4"}  # ces=9 is out of range: not filled in
    assert page.context["prefilled"] is True
    assert "nothing is sent until you do" in html
    assert (state(waiting), Event.objects.count()) == (before, events)


def test_the_customer_sends_scores_and_a_comment(client, waiting):
    url = open_case(client, waiting, "satisfaction")
    response = client.post(url, {"resolved": "yes", "csat": "5", "comment": "Thank you"})
    assert response.status_code == 303
    waiting.refresh_from_db()
    assert (waiting.status, waiting.csat, waiting.satisfaction_comment) == (
        Status.CLOSED_RESOLVED,
        5,
        "Thank you",
    )


def test_a_score_out_of_range_on_the_page_is_a_form_error_and_nothing_changes(client, waiting):
    url = open_case(client, waiting, "satisfaction")
    before = state(waiting)
    response = client.post(url, {"resolved": "yes", "csat": "6"})
    assert response.status_code == 400
    assert response.context["invalid_form"].errors == {
        "csat": ["Please choose a number from 1 to 5, or leave this question blank."]
    }
    assert state(waiting) == before


def test_the_closed_no_reply_outcome_reads_as_its_own_on_the_customers_page(client, waiting):
    asked = waiting.satisfaction_asked_at
    services.satisfaction_sweep(now=asked + timedelta(days=5))
    services.satisfaction_sweep(now=asked + timedelta(days=14))
    with clock.frozen(asked + timedelta(days=15)):
        html = client.get(open_case(client, waiting)).content.decode()
    assert "Closed: resolved (we did not hear back from you)" in html
    assert "did not hear back from you, so we closed your case as resolved" in html


# ---------------------------------------------------------------- e-mails


@pytest.mark.django_db(transaction=True)
def test_the_asking_email_and_the_reminder_carry_one_link_per_answer(report_case, alice, mailbox):
    case = _awaiting_confirmation(report_case(), alice)
    asked_mail = [
        m for m in mailbox.to("priya@example.com") if "Is your problem resolved?" in str(m["Subject"])
    ]
    body = plain_text(asked_mail[-1])
    link = portal_url(case)
    assert f"Yes, it is resolved: {link}?resolved=yes" in body
    assert f"No, it is not resolved: {link}?resolved=no" in body
    assert f"5 (very satisfied): {link}?csat=5" in body
    assert f"1 (very dissatisfied): {link}?csat=1" in body
    services.satisfaction_sweep(now=case.satisfaction_asked_at + timedelta(days=5))
    reminder = mailbox.to("priya@example.com")[-1]
    assert str(reminder["Subject"]) == f"[{case.reference}] A reminder: is your problem resolved?"
    assert f"{link}?resolved=yes" in plain_text(reminder)


def test_no_answer_links_once_the_case_has_moved_on(waiting):
    services.case_satisfaction_record(case=waiting, resolved=True)
    waiting.refresh_from_db()
    assert satisfaction_email_links(waiting, None) == ""


# ---------------------------------------------------------------- API


def test_the_api_records_scores_and_shows_the_new_keys(api_as, waiting, alice):  # noqa: F811
    r = api_as(alice).post(
        f"/api/cases/{waiting.reference}/satisfaction",
        {"resolved": True, "method": "phone", "csat": 4, "ces": 5, "nps": 10},
    )
    assert r.status_code == 200
    data = r.json()
    assert {k: data[k] for k in ("csat", "ces", "nps", "upheld", "unresolved_reason")} == {
        "csat": 4,
        "ces": 5,
        "nps": 10,
        "upheld": "upheld",
        "unresolved_reason": None,
    }
    assert data["satisfaction_answered_at"] is not None


def test_the_api_takes_a_score_written_as_a_json_integer_with_a_fraction_of_zero(api_as, waiting, alice):  # noqa: F811
    # 2.0 is an integer to JSON Schema (the API's document says "integer"), as for every integer of a body.
    r = api_as(alice).post(
        f"/api/cases/{waiting.reference}/satisfaction", {"resolved": True, "method": "phone", "csat": 2.0}
    )
    assert r.status_code == 200
    assert r.json()["csat"] == 2


@pytest.mark.parametrize(
    "field,value", [("csat", 6), ("ces", 0), ("nps", 11), ("csat", "4"), ("csat", 2.5), ("nps", True)]
)
def test_the_api_refuses_a_score_out_of_range_with_422_naming_it(api_as, waiting, alice, field, value):  # noqa: F811
    before = state(waiting)
    r = api_as(alice).post(
        f"/api/cases/{waiting.reference}/satisfaction", {"resolved": True, "method": "phone", field: value}
    )
    assert r.status_code == 422
    assert field in str(r.json())
    assert state(waiting) == before


@pytest.mark.parametrize("code", ["nope", "inactive_one"])
def test_the_api_refuses_an_unknown_or_inactive_reason_code_with_422(api_as, waiting, alice, code):  # noqa: F811
    UnresolvedReason.objects.create(code="inactive_one", label="Retired", active=False)
    case = _not_resolved(waiting)
    before = state(case)
    r = api_as(alice).post(
        f"/api/cases/{case.reference}/close-unresolved",
        {"reasons": REASONS, "other_routes": ["ADR"], "reason_code": code},
    )
    assert r.status_code == 422
    assert "reason_code" in str(r.json())
    assert state(case) == before


def test_the_api_requires_a_reason_code(api_as, waiting, alice):  # noqa: F811
    case = _not_resolved(waiting)
    r = api_as(alice).post(
        f"/api/cases/{case.reference}/close-unresolved", {"reasons": REASONS, "other_routes": ["ADR"]}
    )
    assert r.status_code == 422
    assert Case.objects.get(pk=case.pk).status == Status.NOT_RESOLVED


def test_the_api_lists_the_reason_codes_in_order(api_as, alice):  # noqa: F811
    codes = [r["code"] for r in api_as(alice).get("/api/unresolved-reasons").json()]
    assert codes[:3] == ["outside_policy", "no_fault_found", "offer_declined"]


# ---------------------------------------------------------------- staff page and admin


def test_the_staff_form_requires_upheld_to_mark_delivered(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    response = client.post(reverse("cases:deliver", args=[case.reference]), {})
    assert response.status_code == 400
    assert response.context["deliver_form"].errors == {"upheld": ["Say whether the complaint was upheld."]}


def test_an_agent_cannot_correct_upheld_through_the_page(client, alice, waiting):
    case = _closed(waiting)
    client.force_login(alice)
    client.post(reverse("cases:upheld_correct", args=[case.reference]), {"upheld": "partly", "reason": "x"})
    case.refresh_from_db()
    assert case.upheld == "upheld"
    assert not Event.objects.filter(case=case, kind="case.upheld_corrected").exists()


def test_the_admin_keeps_the_reason_codes_and_one_settings_row(admin_client):
    page = admin_client.get(reverse("admin:cases_unresolvedreason_changelist"))
    assert page.status_code == 200
    assert "The customer declined what we offered" in page.content.decode()
    response = admin_client.get(reverse("admin:cases_satisfactionsettings_changelist"))
    assert response["Location"] == reverse("admin:cases_satisfactionsettings_change", args=[1])
    assert SatisfactionSettings.objects.count() == 1
    assert admin_client.get(reverse("admin:cases_satisfactionsettings_add")).status_code == 403
