"""Close as duplicate on the case page, the customer's page, the record, the API, and the problem figures
(issue 12 §3). The service itself is tested in test_close_duplicate.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.cases.services._common import ALLOWED_FROM
from putright.pages.workspace import CLOSE_DUPLICATE_FROM
from putright.problems import selectors as problem_selectors
from putright.problems import services as problem_services
from putright.problems.models import Problem
from putright.vocab import RemedyType, Status
from tests.conftest import make_report
from tests.customer_link import open_case
from tests.test_api import api_as  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _report(**overrides):
    case, _ = services.case_report(report=make_report(**overrides))
    return case


@pytest.fixture
def pair(db):
    original = _report(subject="Washing machine leaks")
    duplicate = _report(subject="Leaking again", description="It is the machine I reported, still leaking.")
    return Case.objects.get(pk=duplicate.pk), Case.objects.get(pk=original.pk)


def _state(*cases):
    rows = []
    for case in cases:
        case.refresh_from_db()
        rows.append((case.status, case.duplicate_of_id, case.events.count(), case.messages.count()))
    return rows


def close_url(case):
    return reverse("cases:close_duplicate", args=[case.reference])


# ---------------------------------------------------------------- the case page


def test_the_case_page_offers_the_customer_s_other_open_cases(client, alice, pair):
    duplicate, original = pair
    closed = _report(subject="Old matter")
    services.case_close_duplicate(actor=alice, case=closed, original=original)
    stranger = _report(customer_name="Tom Jones", customer_email="tom@example.com")
    client.force_login(alice)
    response = client.get(reverse("cases:detail", args=[duplicate.reference]))
    assert response.status_code == 200
    form = response.context["close_duplicate_form"]
    # Open cases of the same customer only: not this one, not a closed one, not another customer's.
    assert [value for value, _ in form.fields["original"].choices] == [original.reference]
    html = response.content.decode()
    assert "<summary>Close as duplicate</summary>" in html
    assert f'value="{original.reference}"' in html
    assert stranger.reference not in html.split('id="close-duplicate"')[1].split("</details>")[0]
    assert '<label for="id_dup_reference">Or its reference' in html
    assert '<label for="id_dup_confirm">' in html


def test_closing_from_the_case_page_links_both_and_says_so(client, alice, pair):
    duplicate, original = pair
    client.force_login(alice)
    response = client.post(
        close_url(duplicate),
        {"original": original.reference, "note": "Same machine", "confirm": "on"},
        follow=True,
    )
    assert response.status_code == 200
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of_id) == (Status.CLOSED_DUPLICATE, original.pk)
    assert [str(m) for m in response.context["messages"]] == [
        f"Closed as a duplicate of {original.reference}; the customer was told their report carries on there."
    ]
    html = response.content.decode()
    link = f'<a href="{reverse("cases:detail", args=[original.reference])}">{original.reference}</a>'
    assert f"<strong>Duplicate of {link}</strong>" in html
    assert "<summary>Close as duplicate</summary>" not in html
    # The original names its duplicates, with links.
    page = client.get(reverse("cases:detail", args=[original.reference])).content.decode()
    dup_link = f'<a href="{reverse("cases:detail", args=[duplicate.reference])}">{duplicate.reference}</a>'
    assert f"<strong>Duplicates:</strong> {dup_link}" in page
    assert "<summary>Close as duplicate</summary>" in page  # it may itself still be closed as one


def test_the_reference_box_takes_a_typed_reference_in_any_case(client, alice, pair):
    duplicate, original = pair
    client.force_login(alice)
    response = client.post(
        close_url(duplicate), {"reference": f"  {original.reference.lower()} ", "confirm": "on"}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of_id == original.pk


@pytest.mark.parametrize(
    "data, field, error",
    [
        ({"note": "x"}, "original", "Choose the case that carries on, or type its reference."),
        ({"reference": "PR-2026-000001"}, "confirm", "Tick to confirm"),
        ({"reference": "ORD-1", "confirm": "on"}, "reference", "A case reference looks like PR-2026-000123."),
        ({"reference": "PR-2026-999999", "confirm": "on"}, "reference", "There is no case PR-2026-999999."),
        ({"original": "PR-2026-999999", "confirm": "on"}, "original", "Select a valid choice."),
        ({"reference": "PR-2026-000001", "confirm": "on", "note": "x" * 1001}, "note", "at most 1000"),
    ],
)
def test_a_form_that_cannot_be_done_changes_nothing_and_says_why_beside_the_field(
    client, alice, pair, data, field, error
):
    duplicate, original = pair
    before = _state(duplicate, original)
    client.force_login(alice)
    response = client.post(close_url(duplicate), data)
    assert response.status_code == 400
    assert error in " ".join(response.context["close_duplicate_form"].errors[field])
    assert 'id="close-duplicate" open' in response.content.decode()
    assert _state(duplicate, original) == before


def test_picking_one_case_and_typing_another_is_refused(client, alice, pair):
    duplicate, original = pair
    other = _report(subject="Third")
    before = _state(duplicate, original, other)
    client.force_login(alice)
    response = client.post(
        close_url(duplicate), {"original": original.reference, "reference": other.reference, "confirm": "on"}
    )
    assert response.status_code == 400
    assert _state(duplicate, original, other) == before


def test_a_refusal_by_the_service_is_a_page_message_and_nothing_changes(client, alice, pair):
    duplicate, _ = pair
    stranger = _report(customer_name="Tom Jones", customer_email="tom@example.com")
    before = _state(duplicate, stranger)
    client.force_login(alice)
    response = client.post(
        close_url(duplicate), {"reference": stranger.reference, "confirm": "on"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"{stranger.reference} is another customer's case. Merge the two customers first if they are one "
        "person; otherwise link the cases through a problem."
    ]
    assert _state(duplicate, stranger) == before


def test_a_case_past_agreement_is_not_offered_the_form(client, alice, case_with_options):
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Refund", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("5")
        ),
    )
    services.option_recommend(actor=alice, option=option, justification="Quick", factors=["cost", "risk"])
    services.option_customer_respond(case=case_with_options, agree=True)
    client.force_login(alice)
    html = client.get(reverse("cases:detail", args=[case_with_options.reference])).content.decode()
    assert "<summary>Close as duplicate</summary>" not in html


def test_outsiders_get_403_and_signed_out_people_sign_in_and_nothing_changes(client, charlie, pair):
    duplicate, original = pair
    before = _state(duplicate, original)
    body = {"original": original.reference, "confirm": "on"}
    response = client.post(close_url(duplicate), body)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(charlie)
    assert client.post(close_url(duplicate), body).status_code == 403
    assert _state(duplicate, original) == before


# ---------------------------------------------------------------- the customer's page and the record


def test_the_customer_s_page_says_which_case_carries_on_and_nothing_more(client, alice, pair):
    duplicate, original = pair
    services.case_close_duplicate(actor=alice, case=duplicate, original=original, note="Staff-only note")
    html = client.get(open_case(client, duplicate)).content.decode()
    assert "Your report was joined to your other case" in html
    assert f"Everything now carries on as <strong>{original.reference}</strong>" in html
    assert "Joined to your other case, which carries on" in html
    # Nothing of the other case but its reference, and not the staff note.
    assert original.subject not in html
    assert "Staff-only note" not in html


def test_the_record_names_the_case_it_repeats_and_its_duplicates(client, alice, pair):
    duplicate, original = pair
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    client.force_login(alice)
    dup_record = json.loads(client.get(reverse("cases:record_json", args=[duplicate.reference])).content)
    orig_record = json.loads(client.get(reverse("cases:record_json", args=[original.reference])).content)
    assert (dup_record["duplicate_of"], dup_record["duplicates"]) == (original.reference, [])
    assert (orig_record["duplicate_of"], orig_record["duplicates"]) == (None, [duplicate.reference])
    assert dup_record["status"] == "closed_duplicate"
    # The printable record says the same, with links.
    printed = client.get(reverse("cases:record_html", args=[duplicate.reference])).content.decode()
    link = f'<a href="{reverse("cases:record_html", args=[original.reference])}">{original.reference}</a>'
    assert f"<dt>Duplicate of</dt><dd>{link}, which carries on</dd>" in printed
    printed = client.get(reverse("cases:record_html", args=[original.reference])).content.decode()
    assert f">{duplicate.reference}</a></dd>" in printed.split("<dt>Duplicates</dt>")[1]


# ---------------------------------------------------------------- the API


def test_the_api_closes_as_duplicate_and_both_cases_say_so(api_as, alice, pair):  # noqa: F811
    duplicate, original = pair
    api = api_as(alice)
    response = api.post(
        f"/api/cases/{duplicate.reference}/close-duplicate", {"original": original.reference, "note": "Same"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["duplicate_of"], body["duplicates"]) == (
        "closed_duplicate",
        original.reference,
        [],
    )
    assert body["closed_at"] is not None
    other = api.get(f"/api/cases/{original.reference}").json()
    assert (other["duplicate_of"], other["duplicates"]) == (None, [duplicate.reference])
    assert Event.objects.get(case=duplicate, kind="case.closed_duplicate").after["note"] == "Same"


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"original": "SELF"}, 409, "duplicate_invalid"),
        ({"original": "STRANGER"}, 409, "duplicate_invalid"),
        ({"original": "PR-2026-999999"}, 422, None),
        ({"original": "ORD-1"}, 422, None),
        ({"original": "PR-2026-000001\n"}, 422, None),
        ({}, 422, None),
        ({"original": "ORIGINAL", "note": "x" * 1001}, 422, None),
        ({"original": "ORIGINAL", "extra": 1}, 422, None),
    ],
)
def test_the_api_refuses_clearly_and_changes_nothing(api_as, alice, pair, body, status, code):  # noqa: F811
    duplicate, original = pair
    stranger = _report(customer_name="Tom Jones", customer_email="tom@example.com")
    names = {"SELF": duplicate.reference, "STRANGER": stranger.reference, "ORIGINAL": original.reference}
    if "original" in body:
        body = {**body, "original": names.get(body["original"], body["original"])}
    before = _state(duplicate, original, stranger)
    response = api_as(alice).post(f"/api/cases/{duplicate.reference}/close-duplicate", body)
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    else:
        assert response.json()["detail"]
    assert _state(duplicate, original, stranger) == before


def test_the_api_answers_404_for_an_unknown_case_and_403_for_an_outsider(api_as, alice, charlie, pair):  # noqa: F811
    duplicate, original = pair
    before = _state(duplicate, original)
    response = api_as(alice).post(
        "/api/cases/PR-2026-999999/close-duplicate", {"original": original.reference}
    )
    assert response.status_code == 404
    response = api_as(charlie).post(
        f"/api/cases/{duplicate.reference}/close-duplicate", {"original": original.reference}
    )
    assert response.status_code == 403
    assert _state(duplicate, original) == before


def test_a_case_past_agreement_is_409_invalid_transition(api_as, alice, case_with_options):  # noqa: F811
    original = _report(subject="Earlier")
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Refund", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("5")
        ),
    )
    services.option_recommend(actor=alice, option=option, justification="Quick", factors=["cost", "risk"])
    services.option_customer_respond(case=case_with_options, agree=True)
    response = api_as(alice).post(
        f"/api/cases/{case_with_options.reference}/close-duplicate", {"original": original.reference}
    )
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


# ---------------------------------------------------------------- left out of the problem figures


def test_a_closed_duplicate_is_not_a_case_or_a_customer_more_in_a_problem_s_figures(bob, alice, pair):
    duplicate, original = pair
    other = _report(customer_name="Tom Jones", customer_email="tom@example.com")
    Problem.objects.all().delete()  # whatever grouping the reports made: this test builds its own
    problem = problem_services.problem_open(
        actor=bob,
        title="Machines leak",
        description="",
        origin="manual",
        source_kind="a",
        cases=[original, duplicate, other],
    )

    def figures():
        row = problem_selectors.problems_annotated().get(pk=problem.pk)
        daily = problem_selectors.daily_counts(problem_ids=[problem.pk], days=2)[problem.pk]
        return (
            row.case_count,
            row.customer_count,
            row.recent_count,
            sum(daily),
            problem_selectors.problem_customer_count(problem=problem),
        )

    assert figures() == (3, 2, 3, 3, 2)
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    assert figures() == (2, 2, 2, 2, 2)
    # Still linked (the record keeps it), just not counted.
    assert Problem.objects.get(pk=problem.pk).links.filter(case=duplicate, unlinked_at__isnull=True).exists()


def test_the_page_offers_the_form_exactly_where_the_service_allows_it():
    assert CLOSE_DUPLICATE_FROM == ALLOWED_FROM["close_duplicate"]
