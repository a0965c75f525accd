"""S5 pages: /signals/ (breaches, thresholds, readings), the breach page with its affected customers,
and the proactive notice form (supervisors and above); outsiders see and change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from putright import clock
from putright.cases.models import Case
from putright.channels.models import Message
from putright.monitoring import services
from putright.monitoring.models import AffectedCustomer, SignalBreach, SignalThreshold
from putright.vocab import SourceKind
from tests.conftest import aware

pytestmark = pytest.mark.django_db

NOW = aware(2031, 6, 2, 9)


def _send(actor, value, *, minutes_ago=5, customers=(), region="south-west"):
    at = NOW - timedelta(minutes=minutes_ago)
    with clock.frozen(at):
        return services.signal_record(
            actor=actor,
            signal=services.SignalInput(
                name="delivery_delay_hours",
                value=value,
                observed_at=at,
                dimensions={"region": region},
                customers=list(customers),
            ),
        )


@pytest.fixture
def breach(alice, report_case):
    SignalThreshold.objects.create(
        name="Deliveries to the south-west running late",
        measurement="delivery_delay_hours",
        dimensions={"region": "south-west"},
        comparison=">",
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
        notice_subject="Your parcel may be late",
    )
    report_case(customer_email="priya@example.com", customer_name="Priya Shah")
    _send(alice, 20, minutes_ago=30)
    [b] = _send(alice, 60, customers=["priya@example.com", {"postcode_prefix": "BS1"}]).breaches
    return b


def test_the_signals_page_shows_breaches_thresholds_and_readings(client, alice, breach):
    client.force_login(alice)
    response = client.get(reverse("monitoring:signals"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-breach="{breach.pk}"' in page
    assert "Deliveries to the south-west running late" in page
    assert "delivery_delay_hours &gt; 48" in page
    assert "Not sent" in page
    assert response.context["page_obj"].paginator.count == 2
    only_breached = client.get(reverse("monitoring:signals"), {"breached_only": "on"})
    assert only_breached.context["page_obj"].paginator.count == 1
    assert client.get(reverse("monitoring:signals"), {"date_from": "2031-02-30"}).status_code == 400


def test_the_signals_page_query_count_does_not_grow_with_rows(client, alice, breach):
    client.force_login(alice)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("monitoring:signals")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(20):
        _send(alice, 10 + i, minutes_ago=40 + i, region="north")
    assert count() == few


def test_a_supervisor_sees_the_affected_customers_and_sends_the_notice(
    client, bob, breach, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    url = reverse("monitoring:breach", args=[breach.pk])
    page = client.get(url).content.decode()
    case = Case.objects.get(customer__email="priya@example.com")
    assert "Priya Shah" in page
    assert case.reference in page
    assert "<code>{&quot;postcode_prefix&quot;: &quot;BS1&quot;}</code>" in page
    assert 'value="Your parcel may be late"' in page  # prefilled from the threshold
    assert "Send to 1 customer" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("monitoring:breach_notice", args=[breach.pk]),
            {"subject": "Your parcel may be late", "body": "Sorry — we are on it."},
            follow=True,
        )
    page = response.content.decode()
    assert "Notice sent to 1 customer, recorded on each one&#x27;s case as sent unprompted." in page
    assert "Sent unprompted" in page
    assert "Every affected customer has been told." in page
    message = Message.objects.get(subject="Your parcel may be late")
    assert (message.case_id, message.prompt) == (case.pk, Message.Prompt.UNPROMPTED)
    # On the customer's case it reads as sent unprompted.
    detail = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert re.search(r"To the customer</strong>\s*· sent unprompted", detail)


def test_a_double_submit_sends_once(client, bob, breach):
    client.force_login(bob)
    url = reverse("monitoring:breach_notice", args=[breach.pk])
    data = {"subject": "Your parcel may be late", "body": "Sorry."}
    client.post(url, data)
    response = client.post(url, data, follow=True)
    assert "already been sent" in response.content.decode()
    assert Message.objects.filter(subject="Your parcel may be late").count() == 1


def test_an_invalid_notice_shows_the_errors_and_sends_nothing(client, bob, breach):
    client.force_login(bob)
    response = client.post(reverse("monitoring:breach_notice", args=[breach.pk]), {"subject": "", "body": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not AffectedCustomer.objects.filter(notified_at__isnull=False).exists()


def test_an_agent_sees_the_breach_but_cannot_send_and_nothing_changes(client, alice, breach):
    client.force_login(alice)
    page = client.get(reverse("monitoring:breach", args=[breach.pk])).content.decode()
    assert "A supervisor or manager sends the proactive notice." in page
    assert 'name="subject"' not in page
    response = client.post(
        reverse("monitoring:breach_notice", args=[breach.pk]), {"subject": "s", "body": "b"}
    )
    assert response.status_code == 403
    assert Message.objects.filter(subject="s").count() == 0
    breach.refresh_from_db()
    assert breach.notice_requested_at is None


@pytest.mark.parametrize("name", ["signals", "breach", "notice_status"])
def test_outsiders_see_nothing(client, charlie, breach, name):
    url = reverse(f"monitoring:{name}", args=[] if name == "signals" else [breach.pk])
    assert client.get(url).status_code == 302
    client.force_login(charlie)
    assert client.get(url).status_code == 403
    assert (
        client.post(
            reverse("monitoring:breach_notice", args=[breach.pk]), {"subject": "s", "body": "b"}
        ).status_code
        == 403
    )
    assert not AffectedCustomer.objects.filter(notified_at__isnull=False).exists()


def test_an_unknown_breach_is_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("monitoring:breach", args=[999])).status_code == 404


def test_the_progress_fragment_polls_while_customers_wait(client, bob, breach, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "NOTICE_INLINE_MAX": 1}
    SignalBreach.objects.filter(pk=breach.pk).update(
        notice_subject="s", notice_body="b", notice_requested_at=NOW, notice_requested_by=bob
    )
    client.force_login(bob)
    fragment = client.get(reverse("monitoring:notice_status", args=[breach.pk])).content.decode()
    assert "Notice sent to 0 of 1 customer." in fragment
    assert 'hx-trigger="every 2s"' in fragment
    services.breach_notice_deliver(breach_id=breach.pk)
    fragment = client.get(reverse("monitoring:notice_status", args=[breach.pk])).content.decode()
    assert "Notice sent to 1 of 1 customer." in fragment
    assert "hx-trigger" not in fragment


def test_an_administrator_sets_a_threshold_in_the_admin_and_bad_dimensions_are_refused(
    client, django_user_model
):
    admin = django_user_model.objects.create_superuser("helen", "helen@putright.example", "pw-long-enough-1")
    client.force_login(admin)
    url = reverse("admin:monitoring_signalthreshold_add")
    data = {
        "name": "Card payments failing",
        "enabled": "on",
        "measurement": "payment_failed",
        "dimensions": '["cards"]',
        "aggregation": "count",
        "window_minutes": "15",
        "comparison": ">=",
        "value": "20",
        "source_kind": "d",
        "product": "",
        "cooldown_minutes": "120",
        "notice_subject": "",
        "notice_body": "",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Give a JSON object of names and plain values" in refused.content.decode()
    assert SignalThreshold.objects.count() == 0
    created = client.post(url, {**data, "dimensions": '{"gateway": "cards"}'})
    assert created.status_code == 302
    threshold = SignalThreshold.objects.get()
    assert threshold.rule_text == "number of readings of payment_failed over 15 minutes >= 20"
    assert threshold.dimensions == {"gateway": "cards"}
