"""Issue 15 §3: saved replies — kept by administrators (the organisation's) and team leads (their team's),
with placeholders filled from the case, chosen by typing on the case page, counted, and offered by the API."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from putright import clock
from putright.authority import teams
from putright.authority.models import ApiToken
from putright.channels import brand as brand_services
from putright.engines.text import placeholders
from putright.errors import DomainError, PermissionDenied
from putright.regulation.models import CaseClock
from putright.replies import selectors, services
from putright.replies.models import SavedReply
from tests.conftest import _user

# ---------------------------------------------------------------- the placeholder engine (pure)


def test_fill_replaces_each_known_placeholder_and_keeps_the_rest():
    text = "Dear {customer_name}, about {reference} ({ reference }): {next_deadline}. {agent_name}, {organisation}"
    values = {
        "customer_name": "Priya Shah",
        "reference": "PR-2026-000001",
        "next_deadline": "Friday 11 December",
        "agent_name": "Alice Agent",
        "organisation": "Harbour & Hearth",
    }
    assert placeholders.fill(text, values) == (
        "Dear Priya Shah, about PR-2026-000001 (PR-2026-000001): Friday 11 December. Alice Agent, Harbour & Hearth"
    )


def test_missing_values_become_visible_gaps_and_braces_escape():
    assert (
        placeholders.fill("By {next_deadline}.", {"next_deadline": None}) == "By [next deadline not known]."
    )
    assert placeholders.fill("{{reference}} is {reference}", {"reference": "R"}) == "{reference} is R"
    assert placeholders.fill("{ see below } {} {unknown}", {}) == "{ see below } {} {unknown}"


def test_unknown_placeholders_are_named_in_order():
    assert placeholders.unknown_placeholders("{customer} {reference} {Reference} {customer}") == [
        "customer",
        "Reference",
    ]
    assert placeholders.unknown_placeholders("{{customer}} and { a sentence }") == []


def test_dates_in_words():
    assert placeholders.date_in_words(date(2026, 12, 11), today=date(2026, 12, 7)) == "Friday 11 December"
    assert placeholders.date_in_words(date(2027, 1, 4), today=date(2026, 12, 7)) == "Monday 4 January 2027"


@given(st.text(), st.dictionaries(st.sampled_from(list(placeholders.PLACEHOLDERS)), st.none() | st.text()))
def test_no_input_raises(text, values):
    filled = placeholders.fill(text, values)
    assert isinstance(filled, str)
    assert isinstance(placeholders.unknown_placeholders(text), list)
    # Filling never leaves a known placeholder behind, except where a value itself contains one.
    if not any("{" in (v or "") for v in values.values()):
        assert not [n for n in placeholders.placeholders_in(filled) if n in placeholders.PLACEHOLDERS] or (
            "{{" in text or "}}" in text
        )


# ---------------------------------------------------------------- who keeps what

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(django_user_model):
    return _user(django_user_model, "ada", "administrator", "Ada")


@pytest.fixture
def world(ada, alice, dave, bob):
    """Two teams: Deliveries (lead bob, member alice) and Billing (lead dave, no alice)."""
    deliveries = teams.team_create(actor=ada, name="Deliveries", lead=bob, members=[alice])
    billing = teams.team_create(actor=ada, name="Billing", lead=dave, members=[dave])
    org, _ = services.saved_reply_create(
        actor=ada, title="Refund on its way", body="Dear {customer_name}, I will call you by {next_deadline}."
    )
    own, _ = services.saved_reply_create(
        actor=bob,
        title="Courier booked",
        body="I will ring you on Tuesday about {reference}.",
        team=deliveries,
    )
    other, _ = services.saved_reply_create(
        actor=dave, title="Bill corrected", body="I will write to you on Monday.", team=billing
    )
    return type(
        "W", (), {"deliveries": deliveries, "billing": billing, "org": org, "own": own, "other": other}
    )


def test_an_agent_cannot_keep_the_organisations_replies_and_nothing_changes(world, alice):
    before = list(SavedReply.objects.order_by("pk").values_list("title", "body", "active"))
    with pytest.raises(PermissionDenied):
        services.saved_reply_create(actor=alice, title="Mine", body="Hello")
    with pytest.raises(PermissionDenied):
        services.saved_reply_update(actor=alice, reply=world.org, title="X", body="Y", team=None)
    with pytest.raises(PermissionDenied):
        services.saved_reply_set_active(actor=alice, reply=world.org, active=False)
    assert list(SavedReply.objects.order_by("pk").values_list("title", "body", "active")) == before


def test_a_team_lead_keeps_only_their_teams_replies(world, bob):
    reply, _ = services.saved_reply_update(
        actor=bob, reply=world.own, title="Courier booked", body="Changed wording.", team=world.deliveries
    )
    assert reply.body == "Changed wording."
    for attempt in (
        lambda: services.saved_reply_update(
            actor=bob, reply=world.other, title="X", body="Y", team=world.billing
        ),
        lambda: services.saved_reply_update(actor=bob, reply=world.org, title="X", body="Y", team=None),
        lambda: services.saved_reply_update(
            actor=bob, reply=world.own, title="Moved", body="Y", team=world.billing
        ),
        lambda: services.saved_reply_create(actor=bob, title="Org", body="Y", team=None),
        lambda: services.saved_reply_set_active(actor=bob, reply=world.other, active=False),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert SavedReply.objects.get(pk=world.other.pk).title == "Bill corrected"
    assert SavedReply.objects.get(pk=world.own.pk).team == world.deliveries


def test_an_unknown_placeholder_is_refused_naming_it(world, ada):
    with pytest.raises(DomainError) as err:
        services.saved_reply_create(
            actor=ada, title="Bad", body="Dear {customer}, about {reference} and {ref}."
        )
    assert "{customer}, {ref}" in err.value.message
    assert not SavedReply.objects.filter(title="Bad").exists()


def test_titles_are_unique_within_the_organisation_and_each_team(world, ada, bob):
    with pytest.raises(DomainError, match="already a saved reply “refund on its way”"):
        services.saved_reply_create(actor=ada, title="refund on its way", body="Other wording.")
    # The same title in a team is another scope.
    services.saved_reply_create(
        actor=bob, title="Refund on its way", body="Team wording.", team=world.deliveries
    )


def test_changes_are_written_to_the_admins_history(world, ada):
    services.saved_reply_set_active(actor=ada, reply=world.org, active=False)
    messages = list(
        LogEntry.objects.filter(object_id=str(world.org.pk), content_type__model="savedreply")
        .order_by("pk")
        .values_list("change_message", flat=True)
    )
    assert messages == [
        "Saved reply “Refund on its way” for the organisation",
        "Deactivated saved reply “Refund on its way”",
    ]


def test_saving_returns_the_reply_checkers_findings(ada):
    _, findings = services.saved_reply_create(
        actor=ada, title="Blame", body="You failed to read the terms. PLEASE NOTE this is final."
    )
    assert [f.rule for f in findings] == ["K5.blame", "K5.no_next_step", "K5.shouting"]


# ---------------------------------------------------------------- offered to whom


def test_the_picker_offers_the_organisations_and_the_agents_teams_most_used_first(world, alice):
    services.saved_reply_use(actor=alice, reply=world.own)
    assert [r.title for r in selectors.usable(alice)] == ["Courier booked", "Refund on its way"]
    services.saved_reply_use(actor=alice, reply=world.org)
    services.saved_reply_use(actor=alice, reply=world.org)
    assert [(r.title, r.uses) for r in selectors.usable(alice)] == [
        ("Refund on its way", 2),
        ("Courier booked", 1),
    ]
    with pytest.raises(PermissionDenied):
        services.saved_reply_use(actor=alice, reply=world.other)
    assert SavedReply.objects.get(pk=world.other.pk).uses == 0


def test_inactive_replies_are_not_offered(world, ada, alice):
    services.saved_reply_set_active(actor=ada, reply=world.org, active=False)
    assert [r.title for r in selectors.usable(alice)] == ["Courier booked"]


def _with_deadline(case, days: int):
    due = timezone.make_aware(
        timezone.datetime.combine(
            timezone.localdate() + timedelta(days=days), timezone.datetime.min.time().replace(hour=17)
        )
    )
    CaseClock.objects.filter(case=case).delete()
    now = clock.now()
    CaseClock.objects.create(
        case=case,
        kind="resolve",
        rule_id="TEST",
        label="Resolve",
        met_by="resolve",
        started_at=now,
        counts_from=now.date(),
        due_date=due.date(),
        due_at=due,
        warn_at=due - timedelta(days=1),
    )
    return due.date()


def _words(day: date) -> str:
    return placeholders.date_in_words(day, today=timezone.localdate())


def test_placeholders_are_filled_from_the_case(world, report_case, alice, ada):
    brand_services.brand_save(
        actor=ada, display_name="Harbour & Hearth", reply_to="", signature="H&H", colour="#1d4e5f"
    )
    alice.last_name = "Agent"
    alice.save()
    case = report_case()
    day = _with_deadline(case, 4)
    reply, _ = services.saved_reply_create(
        actor=ada,
        title="All",
        body="Dear {customer_name}, {reference} by {next_deadline}. {agent_name}, {organisation}",
    )
    text = selectors.rendered(
        reply, case=case, agent=alice, next_deadline=CaseClock.objects.get(case=case).due_at
    )
    assert text == f"Dear Priya Shah, {case.reference} by {_words(day)}. Alice Agent, Harbour & Hearth"


# ---------------------------------------------------------------- pages


def test_the_list_page_shows_each_role_what_it_may_use_and_keep(
    client, world, alice, bob, ada, django_assert_num_queries
):
    client.force_login(alice)
    with django_assert_num_queries(6):
        html = client.get(reverse("cases:saved_replies")).content.decode()
    assert "Refund on its way" in html and "Courier booked" in html and "Bill corrected" not in html
    assert "New saved reply" not in html and "/settings/saved-replies/" + str(world.org.pk) not in html
    client.force_login(bob)
    html = client.get(reverse("cases:saved_replies")).content.decode()
    assert reverse("cases:saved_reply_edit", args=[world.own.pk]) in html
    assert reverse("cases:saved_reply_edit", args=[world.org.pk]) not in html
    assert "New saved reply" in html
    client.force_login(ada)
    html = client.get(reverse("cases:saved_replies")).content.decode()
    assert all(
        reverse("cases:saved_reply_edit", args=[r.pk]) in html for r in (world.org, world.own, world.other)
    )


def test_the_list_shows_the_checkers_findings(client, ada):
    services.saved_reply_create(actor=ada, title="Shouty", body="PLEASE NOTE we will call you on Monday.")
    client.force_login(ada)
    html = client.get(reverse("cases:saved_replies")).content.decode()
    assert 'data-rule="K5.shouting"' in html and "<mark>PLEASE NOTE</mark>" in html


def test_creating_on_the_page_warns_of_findings_and_refuses_unknown_placeholders(client, ada):
    client.force_login(ada)
    response = client.post(
        reverse("cases:saved_replies"), {"title": "Bad", "team": "", "body": "Dear {name}, hello."}
    )
    assert response.status_code == 400
    assert "Unknown placeholder {name}" in response.content.decode()
    assert not SavedReply.objects.exists()
    response = client.post(
        reverse("cases:saved_replies"),
        {"title": "Good", "team": "", "body": "Dear {customer_name}, you failed to pay."},
        follow=True,
    )
    assert SavedReply.objects.get().title == "Good"
    assert (
        "the reply checker found 2 things to look at (K5.blame, K5.no_next_step)" in response.content.decode()
    )


def test_an_agent_cannot_create_or_change_on_the_page_and_nothing_changes(client, world, alice):
    client.force_login(alice)
    before = list(SavedReply.objects.order_by("pk").values_list("title", "body", "active", "team_id"))
    assert client.post(reverse("cases:saved_replies"), {"title": "X", "body": "Y"}).status_code == 403
    assert client.get(reverse("cases:saved_reply_edit", args=[world.org.pk])).status_code == 403
    assert (
        client.post(
            reverse("cases:saved_reply_edit", args=[world.org.pk]), {"title": "X", "body": "Y"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("cases:saved_reply_active", args=[world.own.pk]), {"active": "0"}).status_code
        == 403
    )
    assert list(SavedReply.objects.order_by("pk").values_list("title", "body", "active", "team_id")) == before


def test_a_lead_edits_and_deactivates_their_teams_reply_on_the_page(client, world, bob):
    client.force_login(bob)
    response = client.post(
        reverse("cases:saved_reply_edit", args=[world.own.pk]),
        {"title": "Courier booked", "team": world.deliveries.pk, "body": "I will ring you on Wednesday."},
    )
    assert response.status_code == 302
    client.post(reverse("cases:saved_reply_active", args=[world.own.pk]), {"active": "0"})
    reply = SavedReply.objects.get(pk=world.own.pk)
    assert (reply.body, reply.active) == ("I will ring you on Wednesday.", False)


def test_the_picker_offers_only_permitted_replies_on_the_case_page(client, world, report_case, alice):
    case = report_case()
    client.force_login(alice)
    html = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert '<option value="Refund on its way">' in html and '<option value="Courier booked">' in html
    assert "Bill corrected" not in html


def test_picking_without_javascript_fills_the_message_box_and_counts_a_use(client, world, report_case, alice):
    case = report_case()
    day = _with_deadline(case, 3)
    client.force_login(alice)
    response = client.get(
        reverse("cases:saved_reply_pick", args=[case.reference]), {"reply": "refund ON its way"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Dear Priya Shah, I will call you by {_words(day)}.</textarea>" in html
    assert SavedReply.objects.get(pk=world.org.pk).uses == 1


def test_picking_with_htmx_returns_the_box_with_what_was_written_kept(client, world, report_case, alice):
    case = report_case()
    client.force_login(alice)
    response = client.get(
        reverse("cases:saved_reply_pick", args=[case.reference]),
        {"reply": "Courier booked", "body": "Hello again."},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.startswith('<textarea name="body"')
    assert f"Hello again.\n\nI will ring you on Tuesday about {case.reference}.</textarea>" in html
    assert "Inserted “Courier booked”" in html


def test_picking_a_reply_not_offered_says_so_and_counts_nothing(client, world, report_case, alice):
    case = report_case()
    client.force_login(alice)
    response = client.get(
        reverse("cases:saved_reply_pick", args=[case.reference]), {"reply": "Bill corrected"}
    )
    assert response.status_code == 400
    assert "No saved reply called “Bill corrected” is offered to you." in response.content.decode()
    assert SavedReply.objects.get(pk=world.other.pk).uses == 0


# ---------------------------------------------------------------- API


def _token(user) -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", prefix=prefix, key_hash=key_hash)
    return f"Bearer {raw}"


def test_the_api_lists_the_replies_the_caller_may_use(client, world, alice):
    services.saved_reply_use(actor=alice, reply=world.own)
    response = client.get("/api/saved-replies", headers={"Authorization": _token(alice)})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": world.own.pk,
            "title": "Courier booked",
            "body": "I will ring you on Tuesday about {reference}.",
            "team": {"id": world.deliveries.pk, "name": "Deliveries"},
        },
        {
            "id": world.org.pk,
            "title": "Refund on its way",
            "body": "Dear {customer_name}, I will call you by {next_deadline}.",
            "team": None,
        },
    ]


def test_the_api_fills_a_reply_for_a_case(client, world, report_case, alice):
    case = report_case()
    auth = {"Authorization": _token(alice)}
    response = client.get(f"/api/cases/{case.reference}/saved-replies/{world.own.pk}", headers=auth)
    assert response.status_code == 200
    assert response.json() == {
        "id": world.own.pk,
        "title": "Courier booked",
        "body": f"I will ring you on Tuesday about {case.reference}.",
    }
    assert SavedReply.objects.get(pk=world.own.pk).uses == 1
    denied = client.get(f"/api/cases/{case.reference}/saved-replies/{world.other.pk}", headers=auth)
    assert denied.status_code == 404 and denied.json()["code"] == "not_found"
    assert SavedReply.objects.get(pk=world.other.pk).uses == 0


def test_the_api_refuses_outsiders(client, world, charlie):
    response = client.get("/api/saved-replies", headers={"Authorization": _token(charlie)})
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "forbidden"
