"""Issue 15 §9: the customer's page shows newest activity first, says when they can expect to hear from us
(from the clocks), keeps a copy-link button, and "Find my case" sends their links again by e-mail (the
same answer whether or not the address is known, rate-limited)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import dateformat, timezone

from putright import clock
from putright.cases import services
from putright.cases.models import Case, UnresolvedReason
from putright.channels.portal_links import portal_path, portal_url
from putright.portal import find
from putright.regulation import expectations
from putright.regulation.models import CaseClock
from tests.conftest import html_part, plain_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _open_page(client, case) -> str:
    client.get(portal_path(case))
    response = client.get(reverse("portal:case", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- when you will hear from us


def test_the_next_commitments_come_from_the_running_clocks(report_case):
    case = report_case()
    running = CaseClock.objects.filter(
        case=case, met_at__isnull=True, stopped_at__isnull=True, is_window=False
    )
    first_update = running.get(kind="first_update")
    resolve = running.get(kind="resolve")
    assert expectations.next_from_us(case) == [
        expectations.Expectation("write", first_update.due_at, False),
        expectations.Expectation("resolve", resolve.due_at, False),
    ]
    later = first_update.due_at + timedelta(minutes=1)
    assert [(e.kind, e.late) for e in expectations.next_from_us(case, now=later)] == [
        ("write", True),
        ("resolve", later > resolve.due_at),
    ]


def test_the_case_page_says_when_we_will_write_and_resolve(client, report_case):
    case = report_case()
    first_update = CaseClock.objects.get(case=case, kind="first_update")
    page = _open_page(client, case)
    assert '<h2 id="expect-title">When you will hear from us</h2>' in page
    due = dateformat.format(timezone.localtime(first_update.due_at), "c")
    assert f'We will write to you by <time datetime="{due}">' in page
    assert "We aim to resolve your complaint by <time" in page


def test_a_passed_commitment_is_owned_up_to(client, report_case):
    case = report_case()
    first_update = CaseClock.objects.get(case=case, kind="first_update")
    with clock.frozen(first_update.due_at + timedelta(hours=2)):
        page = _open_page(client, case)
    assert "<strong>\n      We should have written to you by" in page
    assert "We are sorry that we are late" in page


def test_a_closed_case_promises_nothing_more(client, report_case, alice):
    case = report_case()
    services.case_close_unresolved(
        actor=alice,
        case=case,
        reasons="We cannot repair this model and it is out of warranty.",
        other_routes=["The Retail Ombudsman"],
        reason_code=UnresolvedReason.objects.filter(active=True).order_by("position").first().code,
        upheld="not_upheld",
    )
    page = _open_page(client, case)
    assert "When you will hear from us" not in page
    assert expectations.next_from_us(case) == []


# ---------------------------------------------------------------- newest first, and the link to keep


def test_messages_and_the_timeline_read_newest_first_on_the_page_but_not_in_the_record(
    client, report_case, alice
):
    case = report_case()
    services.message_send(
        actor=alice,
        case=case,
        body="The first update.",
        requested=False,
        send_anyway_reason="The test is not about the wording.",
    )
    services.message_send(
        actor=alice,
        case=case,
        body="The second update.",
        requested=False,
        send_anyway_reason="The test is not about the wording.",
    )
    page = _open_page(client, case)
    assert page.index("The second update.") < page.index("The first update.")
    record = client.get(reverse("portal:record", args=[case.reference])).content.decode()
    assert record.index("The first update.") < record.index("The second update.")


def test_the_page_keeps_its_address_to_copy_but_never_the_emailed_link(client, report_case):
    case = report_case()
    page = _open_page(client, case)
    address = f"http://127.0.0.1:8000/my-case/{case.reference}/"
    assert f'<input id="case-link" type="text" readonly value="{address}" class="copy-source">' in page
    assert '<label for="case-link">This page\'s address</label>' in page
    # The e-mailed link (its token) is never on a page: it could leak from there.
    assert portal_path(case) not in page
    # The button needs a script, so it is hidden until the script shows it.
    assert re.search(
        r'<button type="button" class="secondary" data-copy="case-link"[^>]*hidden>Copy link</button>', page
    )
    assert '<script src="/static/putright/portal.js" defer></script>' in page


# ---------------------------------------------------------------- find my case


def test_the_find_page_has_a_labelled_address_field(client):
    page = client.get(reverse("portal:find_case")).content.decode()
    assert '<label for="id_email"' in page and 'autocomplete="email"' in page


@pytest.mark.parametrize(
    "email, error",
    [
        ("", "Please enter your e-mail address."),
        ("not-an-address", "Please enter an e-mail address, like name@example.com."),
    ],
)
def test_a_bad_address_comes_back_with_its_reason(client, email, error):
    response = client.post(reverse("portal:find_case"), {"email": email})
    assert response.status_code == 400
    assert error in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_known_address_gets_the_links_to_its_open_and_recent_cases(client, report_case, mailbox, settings):
    first = report_case(subject="Kettle stopped working")
    second = report_case(subject="Toaster burns everything")
    old = report_case(subject="An old problem")
    Case.objects.filter(pk=old.pk).update(
        status="closed_resolved",
        closed_at=clock.now() - timedelta(days=settings.PUTRIGHT["CASE_LINK_DAYS_AFTER_CLOSURE"] + 1),
    )
    someone_else = report_case(
        customer_name="Sam Lee", customer_email="sam@example.com", subject="Not Priya's"
    )
    mailbox.clear()
    response = client.post(reverse("portal:find_case"), {"email": "Priya@Example.com"})
    assert response.status_code == 200
    assert (
        'if we have a case for <strong class="break">priya@example.com</strong>'
        in response.content.decode().lower()
    )
    [mail] = mailbox.to("priya@example.com")
    assert str(mail["Subject"]) == "The links to your cases"
    text = plain_text(mail).replace("\r\n", "\n")
    assert f"{second.reference}: Toaster burns everything\n{portal_url(second)}" in text
    assert f"{first.reference}: Kettle stopped working\n{portal_url(first)}" in text
    assert text.index(second.reference) < text.index(first.reference)
    assert old.reference not in text and someone_else.reference not in text
    assert f'href="{portal_url(first)}"' in html_part(mail)
    assert mailbox.to("sam@example.com") == []


@pytest.mark.django_db(transaction=True)
def test_an_unknown_address_gets_the_same_answer_and_no_email(client, report_case, mailbox):
    report_case()
    known = client.post(reverse("portal:find_case"), {"email": "priya@example.com"}).content.decode()
    unknown = client.post(reverse("portal:find_case"), {"email": "nobody@example.com"}).content.decode()

    def same(page: str, address: str) -> str:
        return re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", page.replace(address, "ADDRESS"))

    assert same(unknown, "nobody@example.com") == same(known, "priya@example.com")
    assert mailbox.to("nobody@example.com") == []
    assert find.send_case_links.call("nobody@example.com") == "unknown"


@pytest.mark.django_db(transaction=True)
def test_asking_too_often_is_refused_with_429_and_nothing_is_sent(client, report_case, mailbox):
    report_case()
    for _ in range(find.PER_ADDRESS_PER_HOUR):
        assert client.post(reverse("portal:find_case"), {"email": "priya@example.com"}).status_code == 200
    before = len(mailbox.to("priya@example.com"))
    response = client.post(reverse("portal:find_case"), {"email": "priya@example.com"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert find.TOO_MANY in response.content.decode()
    # The acknowledgement of the report, then one e-mail of links per request allowed.
    assert len(mailbox.to("priya@example.com")) == before == 1 + find.PER_ADDRESS_PER_HOUR


def test_the_report_page_and_a_bad_link_lead_to_find_my_case(client):
    assert 'href="/find-my-case/">Find my case</a>' in client.get(reverse("portal:report")).content.decode()
    bad = client.get(reverse("portal:link", args=["nonsense"])).content.decode()
    assert 'href="/find-my-case/">send the links to your cases again</a>' in bad
