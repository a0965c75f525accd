"""A4: every customer-visible change reaches the customer by email, through a real SMTP server."""

import socket

import pytest

from putright.cases import services
from putright.channels.delivery import message_email_send
from putright.channels.models import Message
from putright.channels.portal_links import portal_path
from tests.conftest import plain_text


@pytest.mark.django_db(transaction=True)
def test_the_customer_is_emailed_at_each_step_with_their_private_link(report_case, alice, mailbox):
    case = report_case()
    services.case_summarise_understanding(
        actor=alice, case=case, summary="Your machine leaks; you want a new one"
    )
    subjects = mailbox.subjects_to("priya@example.com")
    assert subjects == [
        f"[{case.reference}] We have your report",
        f"[{case.reference}] Have we understood your problem?",
    ]
    body = plain_text(mailbox.to("priya@example.com")[1])
    assert "Your machine leaks; you want a new one" in body
    assert portal_path(case) in body
    assert set(Message.objects.filter(case=case).values_list("email_status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_kept_and_retried_by_the_sweep(report_case, alice, mailbox, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = dead_port
    case = report_case()
    msg = Message.objects.get(case=case)
    assert (msg.email_status, msg.email_attempts) == ("failed", 1)
    assert mailbox.to("priya@example.com") == []
    settings.EMAIL_PORT = real_port
    from datetime import timedelta

    from putright import clock

    result = services.sweep_run(now=clock.now() + timedelta(minutes=5))
    msg.refresh_from_db()
    assert result.emails_retried == 1
    assert (msg.email_status, msg.email_attempts) == ("sent", 2)
    assert mailbox.subjects_to("priya@example.com") == [f"[{case.reference}] We have your report"]


@pytest.mark.django_db
def test_a_message_already_sent_is_not_sent_twice(report_case, mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report_case()
    msg = Message.objects.get(case=case)
    assert message_email_send(message_id=msg.pk) == "skipped"
    assert len(mailbox.to("priya@example.com")) == 1


@pytest.mark.django_db(transaction=True)
def test_every_customer_visible_change_reaches_the_customer_by_email(report_case, alice, bob, mailbox):
    from datetime import timedelta
    from decimal import Decimal

    from putright import clock
    from putright.authority.models import Approval
    from putright.vocab import RemedyType

    case = report_case()
    services.case_summarise_understanding(actor=alice, case=case, summary="Wrong machine")
    services.case_correct_understanding(case=case, correction="It is the dryer")
    services.case_summarise_understanding(actor=alice, case=case, summary="The dryer leaks")
    services.case_confirm_understanding(actor=None, case=case)
    cheap = services.option_add(
        actor=alice, case=case, option=services.OptionInput(title="Repair", remedy_type=RemedyType.REPAIR)
    )
    services.option_recommend(actor=alice, option=cheap, justification="x", factors=["cost", "feasibility"])
    services.option_customer_respond(case=case, agree=False, comment="I want a new one")
    new = services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(
            title="Replace it", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449")
        ),
    )
    services.option_recommend(
        actor=alice, option=new, justification="x", factors=["legal_obligation", "cost"]
    )
    services.approval_decide(actor=bob, approval=Approval.objects.get(option=new), approve=True)
    services.option_customer_respond(case=case, agree=True)
    promise = services.promise_make(
        actor=alice, case=case, description="Call you", owner=alice, due_at=clock.now() + timedelta(days=1)
    )
    services.promise_keep(actor=alice, promise=promise)
    step = services.step_add(
        actor=alice, case=case, description="Deliver", owner=alice, due_date=clock.now().date()
    )
    services.step_complete(actor=alice, step=step)
    services.message_send(
        actor=alice,
        case=case,
        body="On its way",
        requested=True,
        send_anyway_reason="The test is not about the wording.",
    )
    services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    services.case_satisfaction_record(case=case, resolved=False, comment="Scratched")
    services.case_reopen(actor=alice, case=case, reason="Replace the scratched unit")
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=case,
        reasons="We have replaced it and cannot do more.",
        other_routes=["ADR scheme"],
    )
    ref = case.reference
    assert mailbox.subjects_to("priya@example.com") == [
        f"[{ref}] {s}"
        for s in [
            "We have your report",
            "Have we understood your problem?",
            "Thank you for putting us right",
            "Have we understood your problem?",
            "Our proposal to put things right",
            "We have your answer",
            "Our proposal to put things right",
            "Thank you: we are putting it right",
            "Our promise to you",
            "We kept our promise",
            "An update on your case",
            "Is your problem resolved?",
            "We are sorry it is not resolved",
            "We are looking at this again",
            "Our final response",
        ]
    ]
    # And each customer-visible step on the timeline sent one, bar what the customer did on their own page
    # (their messages; confirming our summary, which the page thanks them for: issue 15 §6).
    visible = (
        case.events.filter(customer_visible=True)
        .exclude(kind__in=["message.received", "understanding.confirmed"])
        .count()
    )
    assert visible == len(mailbox.to("priya@example.com"))


@pytest.mark.django_db(transaction=True)
def test_a_send_left_behind_by_a_dead_worker_is_recovered_and_sent(report_case, mailbox):
    from datetime import timedelta

    from putright import clock

    case = report_case()
    msg = Message.objects.get(case=case)
    # As if a worker claimed it and died before finishing.
    Message.objects.filter(pk=msg.pk).update(
        email_status="sending", email_claimed_at=clock.now() - timedelta(minutes=11)
    )
    mailbox.clear()
    services.sweep_run(now=clock.now() + timedelta(minutes=3))
    msg.refresh_from_db()
    assert msg.email_status == "sent"
    assert mailbox.subjects_to("priya@example.com") == [f"[{case.reference}] We have your report"]


@pytest.mark.django_db(transaction=True)
def test_after_the_last_attempt_the_handler_is_told_to_reach_the_customer(
    report_case, alice, settings, mailbox
):
    from putright.channels.delivery import MAX_ATTEMPTS

    case = report_case()
    services.case_summarise_understanding(actor=alice, case=case, summary="x")  # alice handles it
    msg = Message.objects.filter(case=case).order_by("pk").last()
    Message.objects.filter(pk=msg.pk).update(email_status="failed", email_attempts=MAX_ATTEMPTS - 1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = dead_port
    assert message_email_send(message_id=msg.pk) == "gave_up"
    msg.refresh_from_db()
    assert (msg.email_status, msg.email_attempts) == ("gave_up", MAX_ATTEMPTS)
    alert = alice.alerts.get(kind="email_failed")
    assert "could not be emailed to priya@example.com" in alert.text
    assert alert.email_status == "failed"  # the SMTP server is down for staff too...
    settings.EMAIL_PORT = real_port
    mailbox.clear()
    from datetime import timedelta

    from putright import clock

    services.sweep_run(now=clock.now() + timedelta(minutes=5))  # ...so the sweep retries the alert
    alert.refresh_from_db()
    assert alert.email_status == "sent"
    assert mailbox.subjects_to("alice@putright.example") == [
        f"[{case.reference}] An email to the customer could not be sent"
    ]
    assert message_email_send(message_id=msg.pk) == "skipped"  # never retried past the limit
