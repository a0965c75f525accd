"""Issue 15 §6: a step ticked is told to the customer in its customer wording, in at most one progress
message a day, made by the sweep; at once when a first-update or cadence deadline would pass first."""

from __future__ import annotations

import threading
from datetime import UTC, date
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from putright import clock
from putright.audit.events import event_record
from putright.cases import selectors, services
from putright.cases.models import ActionStep, Case
from putright.channels.models import Message
from putright.channels.portal_links import portal_path
from putright.regulation import progress_digest
from putright.regulation.models import CaseClock
from putright.vocab import RemedyType, Status
from tests.conftest import aware, make_report
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db

# Monday 2 March 2026 (no bank holiday that week); the daily progress message goes from 16:00.
MON, TUE, FRI = (2, 3, 6)
INTERNAL = "Raise PO 4471 with Hearth logistics (SKU HX-9)"


def at(day: int, hh: int, mm: int = 0):
    return aware(2026, 3, day, hh, mm)


def in_progress(alice, day: int = MON):
    """A case reported, understood, and its option agreed on the morning of ``day``."""
    with clock.frozen(at(day, 9)):
        case, _ = services.case_report(report=make_report())
        services.case_summarise_understanding(actor=alice, case=case, summary="Machine leaks; replace it.")
        services.case_confirm_understanding(actor=None, case=case)
        option = services.option_add(
            actor=alice,
            case=case,
            option=services.OptionInput(
                title="Replace the machine",
                remedy_type=RemedyType.REPLACEMENT,
                amount=Decimal("0"),
                customer_advantages="A working machine",
                organisation_disadvantages="Cost of a unit",
            ),
        )
        services.option_recommend(
            actor=alice, option=option, justification="Quick and fair", factors=["customer_benefit", "cost"]
        )
        services.option_customer_respond(case=case, agree=True)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    return case


def step(alice, case, wording: str, *, day: int = MON, description: str = INTERNAL) -> ActionStep:
    with clock.frozen(at(day, 9, 30)):
        return services.step_add(
            actor=alice,
            case=case,
            description=description,
            owner=alice,
            due_date=date(2026, 3, day + 3),
            customer_wording=wording,
        )


def tick(alice, s: ActionStep, moment) -> None:
    with clock.frozen(moment):
        services.step_complete(actor=alice, step=s)


def sweep(moment) -> int:
    with clock.frozen(moment):
        return progress_digest.progress_digest_sweep(now=moment).sent


def progress_messages(case) -> list[Message]:
    return list(Message.objects.filter(case=case, subject=progress_digest.SUBJECT).order_by("pk"))


def test_ticking_sends_nothing_and_the_days_steps_go_in_one_message_at_the_daily_hour(alice):
    case = in_progress(alice)
    ordered = step(alice, case, "Your replacement machine has been ordered.")
    internal = step(alice, case, "")
    booked = step(alice, case, "Your delivery is booked for Thursday morning.")
    later = step(alice, case, "The old machine has been collected.")
    sent_before = Message.objects.filter(case=case).count()
    tick(alice, ordered, at(MON, 10))
    tick(alice, internal, at(MON, 11))
    tick(alice, booked, at(MON, 12))
    assert Message.objects.filter(case=case).count() == sent_before  # nothing at once

    assert sweep(at(MON, 15, 55)) == 0  # before the daily hour, no deadline near: it waits
    assert sweep(at(MON, 16, 2)) == 1
    [message] = progress_messages(case)
    assert message.body == (
        "Here is how putting things right is going:\n\n"
        "- Your replacement machine has been ordered.\n"
        "- Your delivery is booked for Thursday morning.\n\n"
        "We are still working on the rest of what we agreed, and will tell you as it is done."
    )
    assert message.automatic and message.author is None
    told = dict(ActionStep.objects.filter(case=case).values_list("pk", "customer_told_at"))
    assert told == {ordered.pk: at(MON, 16, 2), internal.pk: None, booked.pk: at(MON, 16, 2), later.pk: None}
    assert sweep(at(MON, 16, 7)) == 0  # the next sweep finds nothing left to tell

    # A step ticked after today's message waits for tomorrow's: at most one a day.
    tick(alice, later, at(MON, 17))
    assert sweep(at(MON, 17, 5)) == 0
    assert sweep(at(TUE, 9)) == 0
    assert sweep(at(TUE, 16)) == 1
    assert progress_messages(case)[-1].body == (
        "Here is how putting things right is going:\n\n- The old machine has been collected.\n\n"
        "That is everything we planned. We will be in touch to check that your problem is put right."
    )
    # The customer's timeline says it in the same words; the staff's says what was done.
    seen = [e.summary for e in selectors.case_timeline(case=case, customer_view=True)]
    assert "Progress: The old machine has been collected." in seen
    assert not any(INTERNAL in s for s in seen)
    assert any(INTERNAL in e.summary for e in selectors.case_timeline(case=case))


def test_the_periodic_sweep_runs_it_and_counts_it(alice):
    case = in_progress(alice)
    tick(alice, step(alice, case, "Your refund has been paid."), at(MON, 10))
    with clock.frozen(at(MON, 16)):
        result = services.sweep_run(now=at(MON, 16))
    assert result.progress_sent == 1
    assert len(progress_messages(case)) == 1


def test_it_goes_at_once_when_the_cadence_would_run_out_before_the_daily_message(alice):
    case = in_progress(alice, MON)  # last heard from us on Monday morning
    tick(alice, step(alice, case, "Your part has arrived.", day=TUE), at(TUE, 9))
    assert sweep(at(TUE, 9, 5)) == 0  # Tuesday: the cadence (3 business days) is far off
    tick(alice, step(alice, case, "The engineer is booked.", day=FRI), at(FRI, 9))
    # Friday: by 16:00 the customer would be three whole business days without word.
    assert sweep(at(FRI, 9, 5)) == 1
    [message] = progress_messages(case)
    assert "- Your part has arrived.\n- The engineer is booked.\n" in message.body
    assert case.events.get(kind="plan.progress_told").after["why"] == progress_digest.DEADLINE
    case.refresh_from_db()
    assert case.last_customer_update_at == at(FRI, 9, 5)
    with clock.frozen(at(FRI, 9, 6)):
        assert case not in selectors.cases_needing_update(now=at(FRI, 9, 6))
    assert sweep(at(FRI, 16)) == 0  # that was the day's message


def test_it_goes_at_once_before_a_first_update_clock_falls_due_and_the_clock_counts_it(alice):
    case = in_progress(alice)
    # A first-update clock (met by a later message) still running and due at noon today.
    first_update = CaseClock.objects.get(case=case, kind="first_update")
    CaseClock.objects.filter(pk=first_update.pk).update(met_at=None, met_note="", due_at=at(TUE, 12))
    tick(alice, step(alice, case, "Your replacement has been ordered."), at(TUE, 9))
    assert sweep(at(TUE, 9, 5)) == 1
    first_update.refresh_from_db()
    message = progress_messages(case)[0]
    assert first_update.met_at == message.created_at == at(TUE, 9, 5)
    assert first_update.met_note == "Message to the customer: Progress on your case"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_one_message(alice):
    case = in_progress(alice)
    tick(alice, step(alice, case, "Your replacement has been ordered."), at(MON, 10))
    start = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            sent.append(progress_digest.progress_digest_sweep(now=at(MON, 16)).sent)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    with clock.frozen(at(MON, 16)):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(sent) == [0, 1]
    assert len(progress_messages(case)) == 1
    assert case.events.filter(kind="plan.progress_told").count() == 1


def test_no_progress_message_goes_after_the_case_is_closed(alice):
    case = in_progress(alice)
    s = step(alice, case, "Your replacement has been ordered.")
    tick(alice, s, at(MON, 10))
    with clock.frozen(at(MON, 11)):
        services.case_close_unresolved(
            actor=alice,
            case=case,
            reasons="The manufacturer withdrew the model, so we cannot replace it.",
            other_routes=["The Retail ADR scheme"],
            reason_code="other",
            upheld="upheld",
        )
    assert sweep(at(MON, 16)) == 0
    assert sweep(at(TUE, 16)) == 0
    assert progress_messages(case) == []
    s.refresh_from_db()
    assert s.customer_told_at is None  # never told: the staff's plan says so


def test_delivering_tells_what_is_untold_in_the_question_and_no_progress_message_follows(alice):
    case = in_progress(alice)
    ordered = step(alice, case, "Your replacement has been ordered.")
    tick(alice, ordered, at(MON, 10))
    assert sweep(at(MON, 16)) == 1
    fitted = step(alice, case, "Your new machine has been fitted.", day=TUE)
    internal = step(alice, case, "", day=TUE)
    tick(alice, fitted, at(TUE, 10))
    tick(alice, internal, at(TUE, 10, 5))
    with clock.frozen(at(TUE, 11)):
        services.case_mark_delivered(actor=alice, case=case, upheld="upheld")
    ask = Message.objects.filter(case=case).order_by("-pk").first()
    assert ask.subject == "Is your problem resolved?"
    assert ask.body.startswith(
        "Since we last wrote:\n- Your new machine has been fitted.\n\nWe have done everything we agreed."
    )
    assert INTERNAL not in ask.body
    assert sweep(at(TUE, 16)) == 0
    assert len(progress_messages(case)) == 1
    fitted.refresh_from_db()
    assert fitted.customer_told_at == at(TUE, 11)


def test_the_customers_page_shows_the_wording_never_the_internal_step(client, alice):
    case = in_progress(alice)
    tick(alice, step(alice, case, "Your replacement has been ordered."), at(MON, 10))
    tick(alice, step(alice, case, ""), at(MON, 10, 5))
    sweep(at(MON, 16))
    # An event from before issue 15 marked the ticked step customer-visible: it is not shown either.
    event_record(case=case, kind="plan.step_done", summary=f"Step done: {INTERNAL}", customer_visible=True)
    page = client.get(portal_path(case), follow=True).content.decode()
    assert "Your replacement has been ordered." in page
    assert "PO 4471" not in page


# ---------------------------------------------------------------- the step form and the API


def test_the_step_form_says_what_the_customer_will_be_told(client, alice):
    case = in_progress(alice)
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "What to tell the customer when it is done" in page
    assert "Leave it blank for an internal step: the customer will not be told." in page
    assert "putright/plan.js" in page
    response = client.post(
        reverse("cases:step_add", args=[case.reference]),
        {
            "description": INTERNAL,
            "customer_wording": "  Your replacement   has been ordered. ",
            "owner": alice.pk,
            "due_date": "2026-03-06",
        },
    )
    assert response.status_code == 302
    added = ActionStep.objects.get(case=case)
    assert (added.description, added.customer_wording) == (INTERNAL, "Your replacement has been ordered.")
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Customer will be told when done: “Your replacement has been ordered.”" in page


def test_the_step_form_refuses_wording_that_is_too_long_and_adds_nothing(client, alice):
    case = in_progress(alice)
    client.force_login(alice)
    response = client.post(
        reverse("cases:step_add", args=[case.reference]),
        {
            "description": "Order it",
            "customer_wording": "x" * 301,
            "owner": alice.pk,
            "due_date": "2026-03-06",
        },
    )
    assert response.status_code == 400
    assert "Ensure this value has at most 300 characters" in response.content.decode()
    assert not ActionStep.objects.filter(case=case).exists()


def test_the_service_refuses_wording_beyond_300_characters(alice):
    case = in_progress(alice)
    with pytest.raises(Exception, match="at most 300 characters"):
        step(alice, case, "y" * 301)
    assert not ActionStep.objects.filter(case=case).exists()


def test_the_api_takes_and_returns_the_customer_wording(client, alice):
    case = in_progress(alice)
    api = Api(client, token_for(alice))
    url = f"/api/cases/{case.reference}/steps"
    body = {"description": INTERNAL, "owner": "alice", "due_date": "2026-03-06"}
    internal = api.post(url, body)
    assert internal.status_code == 201
    assert internal.json()["customer_wording"] == ""
    told = api.post(url, {**body, "customer_wording": "Your part is ordered."})
    assert told.status_code == 201
    assert told.json()["customer_wording"] == "Your part is ordered."
    assert told.json()["customer_told_at"] is None
    too_long = api.post(url, {**body, "customer_wording": "z" * 301})
    assert too_long.status_code == 422
    assert ActionStep.objects.filter(case=case).count() == 2
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_the_daily_moment_is_the_configured_local_hour(settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "PROGRESS_DIGEST_HOUR": 9}
    # British Summer Time: 09:00 in London is 08:00 UTC.
    moment = progress_digest.daily_moment(aware(2026, 7, 1, 13))
    assert moment == aware(2026, 7, 1, 9)
    assert moment.astimezone(UTC).hour == 8
