"""K4 approvals with context: waiting time, oldest first, sortable, the case's options weighed beside the
customer's legal position, and approve or reject from the list (htmx or a plain POST) with the same
service and checks as the case page.

Alice is an agent (£100 limit) who asks; Bob a supervisor (£1,000) who decides; Dave another agent.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from putright import clock
from putright.authority.models import Approval
from putright.cases import services
from putright.cases.models import Case
from putright.resolution import services as resolution_services
from putright.vocab import RemedyType, Status
from tests.conftest import aware

pytestmark = pytest.mark.django_db

NOW = aware(2026, 3, 10, 12, 30)
TV = {
    "supply": "goods",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "fault": True,
    "fault_reported_date": "2026-03-09",
}
HTMX = {"HTTP_HX_REQUEST": "true"}


def ask(alice, report_case, *, at, amount, subject="Washing machine leaks after a week", facts=None):
    """A case whose replacement (beyond alice's limit) waits for approval since ``at``."""
    with clock.frozen(at):
        case = report_case(subject=subject)
        services.case_skip_understanding(actor=alice, case=case, reason="Urgent")
        services.option_add(
            actor=alice,
            case=case,
            option=services.OptionInput(title="Apology", remedy_type=RemedyType.APOLOGY, customer_benefit=1),
        )
        if facts:
            resolution_services.case_facts_record(actor=alice, case=case, facts=facts)
        option = services.option_add(
            actor=alice,
            case=case,
            option=services.OptionInput(
                title=f"Replace ({amount})", remedy_type=RemedyType.REPLACEMENT, amount=Decimal(amount)
            ),
        )
        services.option_recommend(
            actor=alice, option=option, justification="Faulty within 30 days", factors=["cost", "risk"]
        )
    return Approval.objects.get(case=case)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def three(alice, bob, report_case):
    """Three requests: a middling one waiting 8 days, a dear one 2 days, a cheap one 3 hours."""
    middle = ask(alice, report_case, at=NOW - timedelta(days=8, hours=3), amount="300")
    dear = ask(alice, report_case, at=NOW - timedelta(days=2, hours=4), amount="900")
    cheap = ask(alice, report_case, at=NOW - timedelta(hours=3), amount="150")
    return middle, dear, cheap


def listed(response) -> list[int]:
    return [row.approval.pk for row in response.context["rows"]]


def test_oldest_first_with_the_waiting_time(client, bob, three):
    middle, dear, cheap = three
    client.force_login(bob)
    response = client.get(reverse("cases:approvals"))
    assert response.status_code == 200
    assert listed(response) == [middle.pk, dear.pk, cheap.pk]
    assert [row.waited for row in response.context["rows"]] == [
        "8 days 3 hours",
        "2 days 4 hours",
        "3 hours",
    ]
    # A request waiting a working week or more is flagged.
    assert [row.long_wait for row in response.context["rows"]] == [True, False, False]
    html = response.content.decode()
    assert "Waiting 8 days 3 hours" in html
    assert "3 waiting." in html


@pytest.mark.parametrize(
    "sort, order",
    [
        ("oldest", [0, 1, 2]),
        ("newest", [2, 1, 0]),
        ("value_high", [1, 0, 2]),
        ("value_low", [2, 0, 1]),
        ("case", [0, 1, 2]),
    ],
)
def test_sorting(client, bob, three, sort, order):
    client.force_login(bob)
    response = client.get(reverse("cases:approvals"), {"sort": sort})
    assert response.status_code == 200
    assert listed(response) == [three[i].pk for i in order]
    assert f'<option value="{sort}" selected>' in response.content.decode()


def test_an_unknown_sort_is_a_clear_error_not_a_crash(client, bob, three):
    client.force_login(bob)
    response = client.get(reverse("cases:approvals"), {"sort": "'; drop table"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert listed(response) == [a.pk for a in three]


def test_each_request_shows_the_options_weighed_and_the_legal_position(client, alice, bob, report_case):
    with_facts = ask(alice, report_case, at=NOW - timedelta(days=1), amount="449", facts=TV)
    without = ask(alice, report_case, at=NOW - timedelta(hours=1), amount="200")
    client.force_login(bob)
    response = client.get(reverse("cases:approvals"))
    first, second = response.context["rows"]
    assert [ap.option.title for ap in first.appraisal.rows] == ["Apology", "Replace (449)"]
    assert all(ap.score.total is not None for ap in first.appraisal.rows)
    assert first.position.assessment.statutory_breach is True
    assert first.remedies[0] == "Short-term right to reject: full refund (G1, until 2 April 2026)"
    assert second.remedies == []
    assert second.position is None
    html = response.content.decode()
    fragment = html[html.index(f'id="approval-{with_facts.pk}"') : html.index(f'id="approval-{without.pk}"')]
    assert "The case's options, weighed" in fragment
    assert '<tr class="requested" aria-current="true">' in fragment
    assert "Statutory breach" in fragment
    for line in first.remedies:
        assert f"<li>{line}</li>" in fragment
    for line in first.position.assessment.lines:
        assert line.replace("'", "&#x27;") in fragment
    assert "No purchase facts recorded" in html[html.index(f'id="approval-{without.pk}"') :]


def test_a_statutory_option_sent_for_approval_is_marked_as_the_customers_right(
    client, alice, bob, report_case
):
    with clock.frozen(NOW - timedelta(hours=2)):
        case = report_case(amount_in_dispute=Decimal("249.00"))
        services.case_skip_understanding(actor=alice, case=case, reason="Urgent")
        resolution_services.case_facts_record(actor=alice, case=case, facts=TV)
        resolution_services.statutory_options_add(actor=alice, case=case)
        # The facts change after listing, so the right needs a second look.
        resolution_services.case_facts_record(
            actor=alice, case=case, facts={**TV, "fault_reported_date": "2026-03-08"}
        )
        refund = case.options.get(statutory_remedy="short_term_reject")
        services.option_recommend(
            actor=alice, option=refund, justification="The law", factors=["cost", "risk"]
        )
    client.force_login(bob)
    html = client.get(reverse("cases:approvals")).content.decode()
    assert "Statutory right (G1)" in html
    assert "K4.statutory_facts_changed" in html
    assert "(recorded price £249.00)" in html


def snapshot(approval: Approval) -> tuple:
    approval.refresh_from_db()
    case = Case.objects.get(pk=approval.case_id)
    return approval.status, approval.decided_by_id, case.status, case.events.count()


def test_approving_from_the_list_with_htmx_swaps_in_the_outcome(client, bob, three):
    middle = three[0]
    client.force_login(bob)
    response = client.post(
        reverse("cases:approval_decide", args=[middle.pk]), {"decision": "approve", "note": ""}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="approval-{middle.pk}"' in html
    assert f"Approved \u201cReplace (300)\u201d on {middle.case.reference}." in html
    status, decided_by, case_status, _ = snapshot(middle)
    assert (status, decided_by, case_status) == (Approval.Status.APPROVED, bob.pk, Status.AWAITING_CUSTOMER)
    assert listed(client.get(reverse("cases:approvals"))) == [three[1].pk, three[2].pk]


def test_rejecting_from_the_list_without_htmx_redirects_with_a_message(client, bob, three):
    dear = three[1]
    client.force_login(bob)
    response = client.post(
        reverse("cases:approval_decide", args=[dear.pk]), {"decision": "reject", "note": "Repair first"}
    )
    assert response["Location"] == reverse("cases:approvals")
    status, decided_by, case_status, _ = snapshot(dear)
    assert (status, decided_by, case_status) == (Approval.Status.REJECTED, bob.pk, Status.OPTIONS)


def test_rejecting_without_a_note_is_refused_in_the_row_and_nothing_changes(client, bob, three):
    cheap = three[2]
    before = snapshot(cheap)
    client.force_login(bob)
    response = client.post(reverse("cases:approval_decide", args=[cheap.pk]), {"decision": "reject"}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why the option is not approved." in html
    assert f'id="approval-{cheap.pk}"' in html
    assert snapshot(cheap) == before


@pytest.mark.parametrize(
    "who, message",
    [
        ("dave", "Your authority does not cover this option."),
        ("alice", "A second person must approve; you requested it."),
    ],
)
def test_staff_without_the_right_to_decide_are_refused_and_nothing_changes(
    client, request, dave, three, who, message
):
    middle = three[0]
    before = snapshot(middle)
    client.force_login(request.getfixturevalue(who))
    # Not offered to them on the list...
    assert middle.pk not in listed(client.get(reverse("cases:approvals")))
    # ...and refused when posted anyway, with htmx or without.
    response = client.post(
        reverse("cases:approval_decide", args=[middle.pk]), {"decision": "approve"}, **HTMX
    )
    assert response.status_code == 409
    assert message in response.content.decode()
    response = client.post(
        reverse("cases:approval_decide", args=[middle.pk]), {"decision": "approve"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [message]
    assert snapshot(middle) == before


def test_people_without_a_role_get_403_and_nothing_changes(client, charlie, three):
    middle = three[0]
    before = snapshot(middle)
    client.force_login(charlie)
    assert client.get(reverse("cases:approvals")).status_code == 403
    response = client.post(
        reverse("cases:approval_decide", args=[middle.pk]), {"decision": "approve"}, **HTMX
    )
    assert response.status_code == 403
    assert snapshot(middle) == before


def test_signed_out_people_are_sent_to_sign_in_and_nothing_changes(client, three):
    middle = three[0]
    before = snapshot(middle)
    response = client.post(reverse("cases:approval_decide", args=[middle.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert snapshot(middle) == before


def test_a_decision_without_the_csrf_token_is_refused(bob, three):
    middle = three[0]
    before = snapshot(middle)
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post(
        reverse("cases:approval_decide", args=[middle.pk]), {"decision": "approve"}, **HTMX
    )
    assert response.status_code == 403
    assert snapshot(middle) == before


def test_an_approval_already_decided_cannot_be_decided_again(client, bob, carol, three):
    middle = three[0]
    client.force_login(bob)
    client.post(reverse("cases:approval_decide", args=[middle.pk]), {"decision": "approve"}, **HTMX)
    before = snapshot(middle)
    client.force_login(carol)
    response = client.post(
        reverse("cases:approval_decide", args=[middle.pk]), {"decision": "reject", "note": "No"}, **HTMX
    )
    assert response.status_code == 409
    assert "This approval has already been decided." in response.content.decode()
    assert snapshot(middle) == before


def test_a_missing_approval_is_404(client, bob):
    client.force_login(bob)
    assert (
        client.post(reverse("cases:approval_decide", args=[999999]), {"decision": "approve"}).status_code
        == 404
    )


@pytest.mark.parametrize("count", [1, 6])
def test_the_query_count_does_not_grow_with_the_list(
    client, alice, bob, report_case, count, django_assert_num_queries
):
    for n in range(count):
        ask(alice, report_case, at=NOW - timedelta(days=1, hours=n), amount="449", facts=TV)
    client.force_login(bob)
    with django_assert_num_queries(11):
        response = client.get(reverse("cases:approvals"), {"sort": "value_high"})
    assert len(response.context["rows"]) == count
    assert all(len(row.appraisal.rows) == 2 for row in response.context["rows"])
