"""A4: every customer-visible change reaches the customer by email, through a real SMTP server."""

import socket

import pytest

from putright.cases import services
from putright.channels.delivery import message_email_send
from putright.channels.models import Message
from putright.channels.portal_links import portal_path


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
    body = mailbox.to("priya@example.com")[1].get_payload(decode=True).decode()
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
