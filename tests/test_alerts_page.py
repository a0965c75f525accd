"""Alerts and escalations people can keep up with (issue 12, part 4).

Alerts: marked read one at a time or all at once (only the user's own, only what the filter shows),
filtered by kind and case, their stored text shown safely with our own addresses as links, the
header's unread count kept true after an htmx mark. Escalations: one entry per event (an approval
request is not also an escalation), open cases by default, filtered, paginated. Both lists cost the
same number of queries however many rows they show.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from putright import clock
from putright.authority.models import Approval, Escalation
from putright.cases import services
from putright.channels import services as channel_services
from putright.channels.models import Alert
from putright.pages import alerts as alert_pages
from putright.vocab import RemedyType
from tests.conftest import aware

pytestmark = pytest.mark.django_db

ALERTS = reverse("cases:alerts")
READ_ALL = reverse("cases:alerts_read_all")
ESCALATIONS = reverse("cases:escalations")


def alert(recipient, case=None, kind=Alert.Kind.CUSTOMER_MESSAGE, text="Something happened") -> Alert:
    return channel_services.alert_create(recipient=recipient, case=case, kind=kind, text=text)


def unread(user) -> set[int]:
    return set(Alert.objects.filter(recipient=user, read_at__isnull=True).values_list("pk", flat=True))


def read_state() -> dict[int, object]:
    return dict(Alert.objects.values_list("pk", "read_at"))


def listed(response) -> list[Alert]:
    return list(response.context["page_obj"].object_list)


@pytest.fixture
def two_cases(report_case):
    return (
        report_case(),
        report_case(customer_name="Tom Reed", customer_email="tom@example.com", subject="Oven door cracked"),
    )


# ---------------------------------------------------------------- marking read


def test_marking_one_read_changes_that_alert_only(client, bob, dave, two_cases):
    first, second = alert(bob, two_cases[0]), alert(bob, two_cases[1])
    daves = alert(dave, two_cases[0])
    client.force_login(bob)
    response = client.post(reverse("cases:alert_read", args=[first.pk]))
    assert (response.status_code, response["Location"]) == (302, ALERTS)
    assert unread(bob) == {second.pk}
    assert unread(dave) == {daves.pk}


def test_someone_elses_alert_is_not_found_and_stays_unread(client, bob, dave, two_cases):
    daves = alert(dave, two_cases[0])
    client.force_login(bob)
    before = read_state()
    assert client.post(reverse("cases:alert_read", args=[daves.pk])).status_code == 404
    assert (
        client.post(reverse("cases:alert_read", args=[daves.pk]), HTTP_HX_REQUEST="true").status_code == 404
    )
    assert read_state() == before


def test_marking_read_needs_a_post(client, bob, two_cases):
    mine = alert(bob, two_cases[0])
    client.force_login(bob)
    assert client.get(reverse("cases:alert_read", args=[mine.pk])).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    assert unread(bob) == {mine.pk}


def test_mark_all_read_marks_every_one_of_mine_and_nobody_elses(client, bob, dave, two_cases):
    for case in two_cases:
        alert(bob, case)
    daves = alert(dave, two_cases[0])
    client.force_login(bob)
    response = client.post(READ_ALL)
    assert (response.status_code, response["Location"]) == (302, ALERTS)
    assert unread(bob) == set()
    assert unread(dave) == {daves.pk}
    page = client.get(ALERTS)
    assert "Marked 2 alerts read." in page.content.decode()
    assert page.context["unread_alert_count"] == 0


def test_mark_all_read_keeps_to_the_filter_shown(client, bob, two_cases):
    first_case, second_case = two_cases
    wrote = alert(bob, first_case, Alert.Kind.CUSTOMER_MESSAGE)
    broken = alert(bob, first_case, Alert.Kind.PROMISE_BROKEN)
    other_case = alert(bob, second_case, Alert.Kind.CUSTOMER_MESSAGE)
    client.force_login(bob)
    moment = aware(2026, 3, 2, 10, 30)
    with clock.frozen(moment):
        response = client.post(READ_ALL, {"kind": "customer_message", "case": first_case.reference})
    assert response["Location"] == f"{ALERTS}?kind=customer_message&case={first_case.reference}"
    assert unread(bob) == {broken.pk, other_case.pk}
    assert Alert.objects.get(pk=wrote.pk).read_at == moment


def test_mark_all_read_with_htmx_swaps_the_list_and_updates_the_header_count(client, bob, two_cases):
    alert(bob, two_cases[0], Alert.Kind.PROMISE_BROKEN)
    kept = alert(bob, two_cases[1], Alert.Kind.CUSTOMER_MESSAGE)
    client.force_login(bob)
    response = client.post(READ_ALL, {"kind": "promise_broken", "case": ""}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Marked 1 alert read." in html
    # Out of band: the header's badge now says the one unread alert left.
    assert '<span id="unread-alert-count" hx-swap-oob="true">' in html
    assert 'aria-label="1 unread">1</span>' in html
    assert unread(bob) == {kept.pk}


def test_mark_one_with_htmx_returns_the_row_and_the_new_header_count(client, bob, two_cases):
    first, second = alert(bob, two_cases[0]), alert(bob, two_cases[1])
    client.force_login(bob)
    html = client.post(reverse("cases:alert_read", args=[first.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith(f'<li class="alert-row" id="alert-{first.pk}">')
    assert f'id="alert-{first.pk}-state" tabindex="-1">Read</span>' in html
    assert 'aria-label="1 unread">1</span>' in html
    client.post(reverse("cases:alert_read", args=[second.pk]), HTTP_HX_REQUEST="true")
    html = client.post(reverse("cases:alert_read", args=[second.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert '<span id="unread-alert-count" hx-swap-oob="true"></span>' in html


def test_mark_all_read_refuses_a_bad_filter_and_changes_nothing(client, bob, two_cases):
    alert(bob, two_cases[0])
    client.force_login(bob)
    before = read_state()
    response = client.post(READ_ALL, {"kind": "nonsense", "case": ""})
    assert response.status_code == 400
    assert "Select a valid choice. nonsense is not one of the available choices." in response.content.decode()
    assert read_state() == before


def test_people_without_a_staff_role_cannot_mark_anything(client, charlie, bob, two_cases):
    alert(bob, two_cases[0])
    before = read_state()
    assert client.post(READ_ALL)["Location"].startswith(reverse("login"))
    client.force_login(charlie)
    assert client.post(READ_ALL).status_code == 403
    assert client.get(ALERTS).status_code == 403
    assert read_state() == before


# ---------------------------------------------------------------- filtering


def test_filter_by_kind_and_by_case_shows_exactly_those(client, bob, dave, two_cases):
    first_case, second_case = two_cases
    wrote = alert(bob, first_case, Alert.Kind.CUSTOMER_MESSAGE)
    broken = alert(bob, first_case, Alert.Kind.PROMISE_BROKEN)
    other = alert(bob, second_case, Alert.Kind.CUSTOMER_MESSAGE)
    alert(dave, first_case, Alert.Kind.CUSTOMER_MESSAGE)  # someone else's: never listed
    client.force_login(bob)
    assert set(listed(client.get(ALERTS))) == {wrote, broken, other}
    assert set(listed(client.get(ALERTS, {"kind": "customer_message"}))) == {wrote, other}
    assert set(listed(client.get(ALERTS, {"case": first_case.reference}))) == {wrote, broken}
    # Typed loosely: spaces around it and lower case still find the case.
    both = client.get(ALERTS, {"kind": "customer_message", "case": f"  {first_case.reference.lower()} "})
    assert listed(both) == [wrote]
    # The year and number alone are enough.
    assert listed(client.get(ALERTS, {"case": first_case.reference.removeprefix("PR-")})) == [broken, wrote]
    assert "1 alert matches · 1 unread" in both.content.decode()


def test_a_filter_that_matches_nothing_says_so(client, bob, two_cases):
    alert(bob, two_cases[0], Alert.Kind.CUSTOMER_MESSAGE)
    client.force_login(bob)
    response = client.get(ALERTS, {"kind": "promise_broken", "case": "PR-1999-000001"})
    assert response.status_code == 200
    assert listed(response) == []
    assert (
        "No alerts match the kind “Promise broken” and the case “PR-1999-000001”."
        in response.content.decode()
    )


def test_an_unknown_kind_is_a_clear_400(client, bob):
    client.force_login(bob)
    response = client.get(ALERTS, {"kind": "<b>bad</b>"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid" in html
    assert "<b>bad</b>" not in html


def test_pagination_links_keep_the_filters(client, bob, two_cases, monkeypatch):
    monkeypatch.setattr(alert_pages, "ALERTS_PAGE_SIZE", 2)
    for _ in range(3):
        alert(bob, two_cases[0], Alert.Kind.CUSTOMER_MESSAGE)
    client.force_login(bob)
    first_page = client.get(ALERTS, {"kind": "customer_message"})
    assert 'href="?kind=customer_message&amp;page=2"' in first_page.content.decode()
    assert len(listed(client.get(ALERTS, {"kind": "customer_message", "page": 2}))) == 1


# ---------------------------------------------------------------- links instead of raw URLs


def test_our_own_addresses_in_alert_text_become_links_and_the_rest_is_escaped(client, bob, two_cases):
    problem_url = f"{settings.SITE_URL}/problems/7/"
    alert(bob, None, Alert.Kind.PROBLEM_SUSPECTED, f"Repeated problem suspected: door seals {problem_url}")
    alert(
        bob,
        two_cases[0],
        Alert.Kind.CUSTOMER_MESSAGE,
        f"{two_cases[0].reference}: <script>x()</script> see https://evil.example/p and javascript:go()",
    )
    client.force_login(bob)
    html = client.get(ALERTS).content.decode()
    assert 'Repeated problem suspected: door seals <a href="/problems/7/">Problem 7</a>' in html
    assert problem_url not in html
    assert "&lt;script&gt;x()&lt;/script&gt; see https://evil.example/p and javascript:go()" in html
    assert "<script>x()" not in html
    assert 'href="https://evil.example' not in html
    # The case reference that starts the text is not repeated after the row's own link to the case.
    assert f"{two_cases[0].reference}: &lt;script&gt;" not in html


def test_an_address_on_this_site_that_is_no_page_of_ours_stays_text(client, bob):
    alert(bob, None, Alert.Kind.PROBLEM_SUSPECTED, f"See {settings.SITE_URL}/nowhere/at-all/.")
    client.force_login(bob)
    html = client.get(ALERTS).content.decode()
    assert f"See {settings.SITE_URL}/nowhere/at-all/." in html
    assert 'href="/nowhere' not in html


# ---------------------------------------------------------------- one entry per event


def _needs_approval(case, alice) -> Approval:
    option = services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(
            title="Replace", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449")
        ),
    )
    services.option_recommend(
        actor=alice, option=option, justification="Legal right", factors=["legal_obligation", "risk"]
    )
    return Approval.objects.get(case=case)


def test_an_approval_request_is_one_alert_and_no_escalation(client, alice, bob, case_with_options):
    approval = _needs_approval(case_with_options, alice)
    assert approval.assigned_to == bob
    assert Escalation.objects.count() == 0
    assert list(bob.alerts.values_list("kind", flat=True)) == [Alert.Kind.APPROVAL_REQUESTED]
    client.force_login(bob)
    response = client.get(ESCALATIONS, {"state": "all"})
    assert listed(response) == []
    assert "0 escalations" in response.content.decode()


def test_approval_shadows_stored_before_are_not_listed_as_escalations(client, alice, bob, case_with_options):
    shadow = Escalation.objects.create(
        case=case_with_options,
        from_user=alice,
        to_user=bob,
        automatic=True,
        reason="Approval needed: above your money limit",
        created_at=clock.now(),
    )
    real = services.case_escalate(
        actor=alice, case=case_with_options, to_user=bob, reason="Customer is upset"
    )
    client.force_login(bob)
    assert listed(client.get(ESCALATIONS)) == [real]
    assert Escalation.objects.filter(pk=shadow.pk).exists()  # history kept, just not listed twice


# ---------------------------------------------------------------- the escalations page


@pytest.fixture
def escalated(report_case, alice, bob):
    """Three cases alice escalated to bob, oldest first; the middle one is then closed."""
    cases = [report_case(subject=f"Problem number {n}") for n in range(3)]
    escalations = []
    start = clock.now()
    for n, case in enumerate(cases):
        with clock.frozen(start + timedelta(minutes=n)):
            escalations.append(services.case_escalate(actor=alice, case=case, to_user=bob, reason="Help"))
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=bob,
        case=cases[1],
        reasons="We cannot help with this, for the reasons in our letter.",
        other_routes=["Financial Ombudsman Service"],
    )
    return escalations


def test_open_cases_only_by_default_and_closed_on_request(client, bob, escalated):
    first, closed, last = escalated
    client.force_login(bob)
    assert listed(client.get(ESCALATIONS)) == [last, first]
    assert listed(client.get(ESCALATIONS, {"state": "closed"})) == [closed]
    assert listed(client.get(ESCALATIONS, {"state": "all"})) == [last, closed, first]


def test_escalations_filter_by_case_and_direction(client, alice, bob, escalated):
    first = escalated[0]
    client.force_login(bob)
    assert listed(client.get(ESCALATIONS, {"case": first.case.reference.lower()})) == [first]
    assert listed(client.get(ESCALATIONS, {"direction": "sent"})) == []
    client.force_login(alice)
    assert listed(client.get(ESCALATIONS, {"direction": "sent", "state": "all"})) == list(reversed(escalated))
    assert listed(client.get(ESCALATIONS)) == []  # nothing was escalated to alice


def test_escalations_are_paginated_with_the_filters_kept(client, bob, escalated, monkeypatch):
    monkeypatch.setattr(alert_pages, "ESCALATIONS_PAGE_SIZE", 2)
    client.force_login(bob)
    first_page = client.get(ESCALATIONS, {"state": "all"})
    assert listed(first_page) == [escalated[2], escalated[1]]
    assert 'href="?state=all&amp;page=2"' in first_page.content.decode()
    assert listed(client.get(ESCALATIONS, {"state": "all", "page": 2})) == [escalated[0]]


def test_a_bad_escalation_filter_is_a_clear_400(client, bob):
    client.force_login(bob)
    response = client.get(ESCALATIONS, {"state": "sideways"})
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()


def test_someone_without_a_staff_role_sees_no_escalations(client, charlie, escalated):
    client.force_login(charlie)
    response = client.get(ESCALATIONS, {"state": "all"})
    assert response.status_code == 403
    assert "Help" not in response.content.decode()


# ---------------------------------------------------------------- query counts


def _queries(client, django_assert_num_queries, path, expected):
    with django_assert_num_queries(expected):
        assert client.get(path).status_code == 200


ALERT_PAGE_QUERIES = 7
ESCALATION_PAGE_QUERIES = 6


@pytest.mark.parametrize("rows", [1, 6])
def test_the_alerts_page_costs_the_same_queries_for_any_number_of_rows(
    client, bob, report_case, django_assert_num_queries, rows
):
    for n in range(rows):
        alert(bob, report_case(subject=f"Case {n}"), text=f"Note {n} {settings.SITE_URL}/problems/{n + 1}/")
    client.force_login(bob)
    client.get(ALERTS)  # the session is loaded once
    _queries(client, django_assert_num_queries, ALERTS, ALERT_PAGE_QUERIES)


@pytest.mark.parametrize("cases", [1, 4])
def test_the_escalations_page_costs_the_same_queries_for_any_number_of_rows(
    client, alice, bob, report_case, django_assert_num_queries, cases
):
    for n in range(cases):
        services.case_escalate(actor=alice, case=report_case(subject=f"Case {n}"), to_user=bob, reason="Help")
    client.force_login(bob)
    client.get(ESCALATIONS)
    _queries(client, django_assert_num_queries, ESCALATIONS, ESCALATION_PAGE_QUERIES)
