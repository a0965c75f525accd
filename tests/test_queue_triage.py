"""The queue built for triage (issue 12 §3): the next deadline and the other columns, sorting by them (page
and API), agents landing on My queue, saved filters, and bulk assign / classify / close-as-duplicate through
the single-case services with their permission checks and audit events. The query count stays constant.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from putright import clock
from putright.audit.models import Event as CaseEvent
from putright.authority.models import Team
from putright.cases import services
from putright.cases.models import Case, Category, Promise, SavedQueueFilter
from putright.errors import PermissionDenied
from putright.regulation.models import CaseClock
from putright.vocab import PromiseStatus, Status
from tests.test_api import token_for
from tests.test_search import QUEUE_QUERIES

pytestmark = pytest.mark.django_db

REFS = re.compile(r'data-reference="([^"]+)"')


def shown(response) -> list[str]:
    return REFS.findall(response.content.decode())


def rows(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'<tr data-reference="([^"]+)">(.*?)</tr>', html, re.S))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def set_deadlines(case, *, clock_due=None, promise_due=None, owner=None):
    """Set-up: the case's own clocks all finished except one due at ``clock_due``; a promise due at
    ``promise_due``. (The report started three clocks; their times are the report's, not the test's.)"""
    clocks = CaseClock.objects.filter(case=case)
    clocks.update(met_at=clock.now())
    if clock_due is not None:
        # The resolve clock: only closing meets it (a message to the customer meets the others).
        clocks.filter(kind="resolve").update(met_at=None, due_at=clock_due)
    if promise_due is not None:
        services.promise_make(
            actor=owner, case=case, description="Call back", owner=owner, due_at=promise_due
        )


@pytest.fixture
def triage(report_case, alice, dave):
    """Four open cases, reported a day apart (oldest first):

    soon: a clock due in 5 days and a promise due in 2 → next deadline in 2 days; assigned to dave
    late: a clock overdue by a day → overdue; urgent; assigned to alice
    none: every clock met, no promise → no deadline; unassigned
    far: a clock due in 9 days, a stopped clock due sooner (ignored), a kept promise due sooner (ignored)
    """
    now = clock.now()
    made = {}
    for i, name in enumerate(["soon", "late", "none", "far"]):
        with clock.frozen(now - timedelta(days=4 - i)):
            made[name] = report_case(subject=f"Case {name}", customer_email=f"{name}@example.com")
    set_deadlines(
        made["soon"], clock_due=now + timedelta(days=5), promise_due=now + timedelta(days=2), owner=alice
    )
    services.case_assign(actor=alice, case=made["soon"], assignee=dave)
    set_deadlines(made["late"], clock_due=now - timedelta(days=1))
    Case.objects.filter(pk=made["late"].pk).update(priority="urgent")
    services.case_assign(actor=alice, case=made["late"], assignee=alice)
    set_deadlines(made["none"])
    set_deadlines(made["far"], clock_due=now + timedelta(days=9))
    CaseClock.objects.filter(case=made["far"], kind="acknowledge").update(
        met_at=None, stopped_at=now, due_at=now + timedelta(days=1)
    )
    kept = services.promise_make(
        actor=alice, case=made["far"], description="Send label", owner=alice, due_at=now + timedelta(days=1)
    )
    services.promise_keep(actor=alice, promise=kept)
    return SimpleNamespace(now=now, **{k: Case.objects.get(pk=c.pk) for k, c in made.items()})


def queue(client, **params):
    return client.get(reverse("cases:queue"), {"scope": "team", **params})


def refs(*cases) -> list[str]:
    return [c.reference for c in cases]


# ---------------------------------------------------------------- the next deadline and the columns


def test_the_next_deadline_is_the_earliest_running_clock_or_owed_promise(client, alice, triage):
    client.force_login(alice)
    response = queue(client)
    by_ref = {c.reference: c for c in response.context["page_obj"].object_list}
    promise = Promise.objects.get(case=triage.soon)
    late_clock = CaseClock.objects.get(case=triage.late, kind="resolve")
    far_clock = CaseClock.objects.get(case=triage.far, kind="resolve")
    assert by_ref[triage.soon.reference].next_deadline_at == promise.due_at
    assert by_ref[triage.late.reference].next_deadline_at == late_clock.due_at
    assert by_ref[triage.none.reference].next_deadline_at is None
    # The stopped clock and the kept promise, both due sooner, do not count.
    assert by_ref[triage.far.reference].next_deadline_at == far_clock.due_at


def test_a_broken_promise_still_counts_and_shows_overdue(client, alice, triage):
    promise = Promise.objects.get(case=triage.soon)
    Promise.objects.filter(pk=promise.pk).update(
        status=PromiseStatus.BROKEN, due_at=triage.now - timedelta(hours=3)
    )
    client.force_login(alice)
    with clock.frozen(triage.now):
        row = rows(queue(client))[triage.soon.reference]
    assert 'class="badge badge-red overdue">Overdue 3 h</strong>' in row


def test_each_row_shows_deadline_activity_age_assignee_and_team(client, alice, triage):
    client.force_login(alice)
    with clock.frozen(triage.now):
        shown_rows = rows(queue(client))
    late = shown_rows[triage.late.reference]
    assert '<strong class="badge badge-red overdue">Overdue 24 h</strong>' in late  # colour and text
    assert "Urgent" in late
    assert "Alice" in late
    soon = shown_rows[triage.soon.reference]
    assert '<span class="muted">in 2 d</span>' in soon
    assert "Dave" in soon
    assert '<td class="c-age" data-label="Age"><time' in soon and ">4 d</time>" in soon
    none = shown_rows[triage.none.reference]
    assert '<td class="c-deadline" data-label="Next deadline"><span class="muted">None</span>' in none
    assert "Unassigned" in none
    assert "Case none" in none and "none@example.com" not in none  # the customer's name, not their e-mail


# ---------------------------------------------------------------- sorting


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["far", "none", "late", "soon"]),
        ("oldest", ["soon", "late", "none", "far"]),
        ("deadline", ["late", "soon", "far", "none"]),
        ("-deadline", ["far", "soon", "late", "none"]),
        ("priority", ["late", "far", "none", "soon"]),
        ("-priority", ["far", "none", "soon", "late"]),
        ("assignee", ["late", "soon", "far", "none"]),
        ("-assignee", ["soon", "late", "far", "none"]),
        ("reference", ["soon", "late", "none", "far"]),
        ("-reference", ["far", "none", "late", "soon"]),
    ],
)
def test_each_sort_orders_the_queue_exactly(client, alice, triage, sort, expected):
    client.force_login(alice)
    response = queue(client, sort=sort)
    assert response.status_code == 200
    assert shown(response) == [getattr(triage, name).reference for name in expected]


def test_sorting_by_last_activity_puts_the_quietest_first(client, alice, triage):
    later = triage.now + timedelta(minutes=5)
    with clock.frozen(later):
        services.message_send(
            actor=alice,
            case=triage.none,
            body="News for you",
            requested=False,
            send_anyway_reason="The test is not about the wording.",
        )
    client.force_login(alice)
    quiet_first = shown(queue(client, sort="activity"))
    assert quiet_first[-1] == triage.none.reference
    assert shown(queue(client, sort="-activity"))[0] == triage.none.reference


def test_the_column_headers_sort_keep_the_filters_and_say_how_the_list_is_sorted(client, alice, triage):
    client.force_login(alice)
    html = queue(client, sort="deadline", priority="urgent", page="1").content.decode()
    header = re.search(
        r'<th scope="col" class="c-deadline" aria-sort="ascending"><a class="sort-link" href="([^"]+)"', html
    )
    assert header, "the deadline header says it is sorted ascending"
    assert header.group(1).replace("&amp;", "&") == "?scope=team&sort=-deadline&priority=urgent"
    priority = re.search(r'<th scope="col" class="c-priority"><a class="sort-link" href="([^"]+)"', html)
    assert priority.group(1).replace("&amp;", "&") == "?scope=team&sort=priority&priority=urgent"
    assert html.count("aria-sort=") == 1
    assert 'class="c-subject">Subject and customer</th>' in html  # not sortable: no link


def test_an_unknown_sort_is_a_clear_error_not_a_server_error(client, alice, triage):
    client.force_login(alice)
    response = queue(client, sort="salary")
    assert response.status_code == 400
    assert "Order: Select a valid choice. salary is not one of the available choices." in re.sub(
        r"<[^>]+>", "", response.content.decode()
    )


def test_a_search_ranks_best_first_unless_a_sort_is_chosen(client, alice, triage):
    client.force_login(alice)
    assert shown(queue(client, q="case", sort="")) == refs(triage.far, triage.none, triage.late, triage.soon)
    assert shown(queue(client, q="case", sort="deadline")) == refs(
        triage.late, triage.soon, triage.far, triage.none
    )


def test_the_api_sorts_by_deadline_and_gives_it(client, alice, triage):
    headers = {"Authorization": f"Bearer {token_for(alice)}"}
    body = client.get("/api/cases", {"sort": "deadline"}, headers=headers).json()
    assert [i["reference"] for i in body["items"]] == refs(triage.late, triage.soon, triage.far, triage.none)
    promise = Promise.objects.get(case=triage.soon)
    item = body["items"][1]
    # The API gives times to the millisecond.
    assert datetime.fromisoformat(item["next_deadline_at"]) == promise.due_at.replace(
        microsecond=promise.due_at.microsecond // 1000 * 1000
    )
    assert body["items"][3]["next_deadline_at"] is None
    # The published values still work, and the new ones refuse nonsense with a 422.
    newest = client.get("/api/cases", {"sort": "newest"}, headers=headers).json()
    assert [i["reference"] for i in newest["items"]] == refs(
        triage.far, triage.none, triage.late, triage.soon
    )
    assert client.get("/api/cases", {"sort": "priority"}, headers=headers).json()["items"][0][
        "reference"
    ] == (triage.late.reference)
    assert client.get("/api/cases", {"sort": "salary"}, headers=headers).status_code == 422
    searched = client.get("/api/cases", {"q": "case", "sort": "-deadline"}, headers=headers).json()
    assert [i["reference"] for i in searched["items"]] == refs(
        triage.far, triage.soon, triage.late, triage.none
    )


# ---------------------------------------------------------------- where people land


def test_agents_land_on_my_queue_and_supervisors_on_the_team_queue(client, alice, bob, triage):
    client.force_login(alice)
    assert client.get("/")["Location"] == reverse("cases:queue")
    response = client.get(reverse("cases:queue"))
    assert response.context["scope"] == "mine"
    assert "<h1>My queue</h1>" in response.content.decode()
    assert shown(response) == refs(triage.late)
    # The page's links keep the scope: the next sort is still My queue.
    assert 'href="?scope=mine&amp;sort=deadline"' in response.content.decode()
    client.force_login(bob)
    response = client.get(reverse("cases:queue"))
    assert response.context["scope"] == "team"
    assert len(shown(response)) == 4


def test_the_nav_counts_my_open_cases(client, alice, dave, triage):
    client.force_login(dave)
    html = client.get(reverse("cases:queue"), {"scope": "team"}).content.decode()
    assert 'My queue <span class="nav-count">(1<span class="visually-hidden"> open</span>)</span>' in html


# ---------------------------------------------------------------- saved filters


def test_saving_a_filter_keeps_only_the_queues_own_parameters_and_lists_it(client, alice, triage):
    client.force_login(alice)
    response = client.post(
        reverse("cases:saved_filter_save"),
        {
            "name": "  Urgent   work ",
            "return_query": "scope=team&priority=urgent&page=3&evil=1&sort=deadline&q=",
        },
        follow=True,
    )
    saved = SavedQueueFilter.objects.get(user=alice)
    assert (saved.name, saved.query) == ("Urgent work", "scope=team&priority=urgent&sort=deadline")
    assert "Saved the filter “Urgent work”. It is listed beside the filters." in messages_of(response)
    assert f'href="/cases/?{saved.query.replace("&", "&amp;")}"' in response.content.decode()
    assert shown(client.get("/cases/?" + saved.query)) == refs(triage.late)


@pytest.mark.parametrize(
    ("name", "query", "error"),
    [
        ("", "scope=team", "Give the filter a name."),
        ("x" * 61, "scope=team", "A filter's name can be at most 60 characters."),
        (
            "Bad",
            "scope=everyone",
            "These filters are not valid, so they were not saved (Whose cases: Select a valid choice. everyone is not one of the available choices.).",
        ),
    ],
)
def test_a_filter_without_a_good_name_or_with_bad_values_is_not_saved(client, alice, name, query, error):
    client.force_login(alice)
    response = client.post(
        reverse("cases:saved_filter_save"), {"name": name, "return_query": query}, follow=True
    )
    assert error in messages_of(response)
    assert SavedQueueFilter.objects.count() == 0


def test_a_name_is_yours_once_and_another_person_may_use_it(client, alice, dave):
    client.force_login(alice)
    client.post(reverse("cases:saved_filter_save"), {"name": "Mine", "return_query": "scope=mine"})
    response = client.post(
        reverse("cases:saved_filter_save"), {"name": "MINE", "return_query": "scope=team"}, follow=True
    )
    assert (
        "You already have a filter called “MINE”: choose another name, or delete that one first."
        in messages_of(response)
    )
    assert list(SavedQueueFilter.objects.values_list("user__username", "name", "query")) == [
        ("alice", "Mine", "scope=mine")
    ]
    client.force_login(dave)
    client.post(reverse("cases:saved_filter_save"), {"name": "Mine", "return_query": "scope=unassigned"})
    assert SavedQueueFilter.objects.filter(name="Mine").count() == 2


def test_only_the_owner_deletes_a_saved_filter(client, alice, dave, charlie):
    theirs = SavedQueueFilter.objects.create(user=dave, name="Dave's", query="scope=mine")
    client.force_login(alice)
    response = client.post(reverse("cases:saved_filter_delete", args=[theirs.pk]))
    assert response.status_code == 403
    client.force_login(charlie)
    assert client.post(reverse("cases:saved_filter_delete", args=[theirs.pk])).status_code == 403
    assert SavedQueueFilter.objects.filter(pk=theirs.pk, name="Dave's").exists()
    client.force_login(dave)
    assert client.get(reverse("cases:saved_filter_delete", args=[theirs.pk])).status_code == 405
    response = client.post(
        reverse("cases:saved_filter_delete", args=[theirs.pk]), {"return_query": "scope=mine"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/cases/?scope=mine"
    assert "Deleted the saved filter “Dave's”." in messages_of(response)
    assert not SavedQueueFilter.objects.exists()
    response = client.post(reverse("cases:saved_filter_delete", args=[2**63]), follow=True)
    assert "That saved filter no longer exists." in messages_of(response)


def test_the_saved_filters_are_each_persons_own(client, alice, dave):
    SavedQueueFilter.objects.create(user=dave, name="Dave view", query="scope=mine")
    SavedQueueFilter.objects.create(user=alice, name="Alice view", query="scope=team")
    client.force_login(alice)
    html = client.get(reverse("cases:queue")).content.decode()
    assert ">Alice view</a>" in html and "Dave view" not in html


# ---------------------------------------------------------------- bulk actions


def bulk(client, action, cases, *, return_query="scope=team&sort=deadline", page="2", **fields):
    data = {"action": action, "case": [c if isinstance(c, str) else c.reference for c in cases]}
    data.update(return_query=return_query, return_page=page, **fields)
    return client.post(reverse("cases:queue_bulk"), data)


def events(case, kind) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("seq"))


def test_bulk_assign_assigns_each_case_with_its_event_and_comes_back_to_the_same_page(client, alice, triage):
    client.force_login(alice)
    response = bulk(client, "assign", [triage.none, triage.far, triage.late], assignee="dave")
    assert response.status_code == 302
    assert response["Location"] == "/cases/?scope=team&sort=deadline&page=2"
    assert {
        c.reference: c.assignee.username for c in Case.objects.filter(pk__in=[triage.none.pk, triage.far.pk])
    } == {
        triage.none.reference: "dave",
        triage.far.reference: "dave",
    }
    assert Case.objects.get(pk=triage.late.pk).assignee.username == "dave"
    for case in (triage.none, triage.far):
        [event] = events(case, "case.assigned")
        assert (event.actor.username, event.before, event.after) == (
            "alice",
            {"assignee": None},
            {"assignee": "dave"},
        )
    page = client.get(response["Location"])
    assert (
        f"Assigned to Dave: 3 cases: {triage.none.reference}, {triage.far.reference}, {triage.late.reference}."
        in messages_of(page)
    )


def test_bulk_unassign_and_a_case_already_so_is_left_alone(client, alice, triage):
    client.force_login(alice)
    response = bulk(client, "assign", [triage.late, triage.none], assignee="-")
    follow = client.get(response["Location"])
    assert Case.objects.get(pk=triage.late.pk).assignee is None
    assert events(triage.none, "case.assigned") == []
    assert f"Unassigned 1 case: {triage.late.reference}." in messages_of(follow)
    assert f"{triage.none.reference}: already unassigned." in messages_of(follow)


def test_bulk_classify_sets_the_category_through_the_service(client, alice, triage):
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    client.force_login(alice)
    bulk(client, "classify", [triage.soon, triage.late], category="delivery")
    for case in (triage.soon, triage.late):
        case.refresh_from_db()
        assert case.category == delivery
        [event] = events(case, "case.classified")
        assert event.after["category"] == "Delivery"
    assert Case.objects.get(pk=triage.none.pk).category is None


def test_bulk_close_as_duplicate_reports_each_refusal_and_does_the_rest(client, alice, report_case, triage):
    original = report_case(subject="The first report", customer_email="priya@example.com")
    same_1 = report_case(subject="Again", customer_email="priya@example.com")
    same_2 = report_case(subject="And again", customer_email="priya@example.com")
    client.force_login(alice)
    response = bulk(
        client,
        "duplicate",
        [same_1, triage.soon, same_2, "PR-2026-999999"],
        original=original.reference.lower(),
    )
    follow = client.get(response["Location"])
    for case in (same_1, same_2):
        case.refresh_from_db()
        assert (case.status, case.duplicate_of_id) == (Status.CLOSED_DUPLICATE, original.pk)
        assert len(events(case, "case.closed_duplicate")) == 1
    assert [e.after["duplicate"] for e in events(original, "case.duplicate_linked")] == [
        same_1.reference,
        same_2.reference,
    ]
    soon = Case.objects.get(pk=triage.soon.pk)
    assert (soon.status, soon.duplicate_of_id) == (triage.soon.status, None)
    texts = messages_of(follow)
    assert (
        f"Closed as duplicates of {original.reference}: 2 cases: {same_1.reference}, {same_2.reference}."
        in texts
    )
    assert any(
        t.startswith(
            f"{triage.soon.reference} was not changed: {original.reference} is another customer's case."
        )
        for t in texts
    )
    assert "PR-2026-999999 was not changed: there is no such case" in texts
    follow = client.get(bulk(client, "assign", ["x" * 5000], assignee="dave")["Location"])
    assert messages_of(follow) == [f"{'X' * 30} was not changed: there is no such case"]


def test_a_case_past_the_stage_for_closing_as_duplicate_is_refused_with_the_reason(
    client, alice, report_case
):
    original = report_case(subject="The first report")
    closed = report_case(subject="Closed already")
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=closed,
        reasons="The kettle was bought from another shop, so we cannot refund it.",
        other_routes=["Manufacturer's warranty claim"],
    )
    client.force_login(alice)
    follow = client.get(bulk(client, "duplicate", [closed], original=original.reference)["Location"])
    assert (
        f"{closed.reference} was not changed: {closed.reference} is closed, so it can no longer be changed."
        in (messages_of(follow))
    )
    assert Case.objects.get(pk=closed.pk).status == Status.CLOSED_UNRESOLVED


def test_people_without_a_staff_role_cannot_act_in_bulk_and_nothing_changes(client, charlie, triage):
    before = list(
        Case.objects.order_by("pk").values_list("reference", "assignee_id", "category_id", "status")
    )
    events_before = CaseEvent.objects.count()
    client.force_login(charlie)
    assert bulk(client, "assign", [triage.none], assignee="-").status_code == 403
    client.logout()
    assert bulk(client, "assign", [triage.none], assignee="-").status_code == 302  # to sign in
    assert (
        list(Case.objects.order_by("pk").values_list("reference", "assignee_id", "category_id", "status"))
        == before
    )
    assert CaseEvent.objects.count() == events_before


def test_a_case_the_service_refuses_to_this_person_is_reported_and_left_unchanged(
    client, alice, triage, monkeypatch
):
    """The permission is the single-case service's, checked for each case: what it refuses stays as it was."""

    def refuse(**kwargs):
        raise PermissionDenied("no")

    monkeypatch.setattr(services, "case_assign", refuse)
    client.force_login(alice)
    follow = client.get(bulk(client, "assign", [triage.none, triage.far], assignee="dave")["Location"])
    assert Case.objects.filter(pk__in=[triage.none.pk, triage.far.pk], assignee__isnull=False).count() == 0
    assert f"{triage.none.reference} was not changed: you may not change this case" in messages_of(follow)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"action": "assign"},
            "Choose who gets the cases, or “Nobody” to unassign them. Nothing was changed.",
        ),
        (
            {"action": "assign", "assignee": "charlie"},
            "Select a valid choice. charlie is not one of the available choices. Nothing was changed.",
        ),
        ({"action": "classify"}, "Choose the category. Nothing was changed."),
        ({"action": "duplicate"}, "Give the reference of the case that carries on. Nothing was changed."),
        (
            {"action": "duplicate", "original": "nope"},
            "“NOPE” is not a case reference (like PR-2026-000123). Nothing was changed.",
        ),
        (
            {"action": "duplicate", "original": "PR-2026-999999"},
            "There is no case PR-2026-999999. Nothing was changed.",
        ),
        (
            {"action": "explode"},
            "Select a valid choice. explode is not one of the available choices. Nothing was changed.",
        ),
    ],
)
def test_a_bulk_action_missing_its_choice_says_so_and_changes_nothing(client, alice, triage, fields, error):
    client.force_login(alice)
    before = CaseEvent.objects.count()
    action = fields.pop("action")
    follow = client.get(bulk(client, action, [triage.none], **fields)["Location"])
    assert error in messages_of(follow)
    assert CaseEvent.objects.count() == before


def test_no_selection_and_too_many_are_refused_plainly(client, alice, triage):
    client.force_login(alice)
    follow = client.get(bulk(client, "assign", [], assignee="dave")["Location"])
    assert "Select at least one case first (tick the boxes in the first column)." in messages_of(follow)
    many = [f"PR-2026-{n:06d}" for n in range(1, 102)]
    follow = client.get(bulk(client, "assign", many, assignee="dave")["Location"])
    assert "Select at most 100 cases at a time: you selected 101. Nothing was changed." in messages_of(follow)
    assert not Case.objects.filter(assignee__username="dave").exclude(pk=triage.soon.pk).exists()


def test_a_tampered_return_address_goes_back_to_the_plain_queue(client, alice, triage):
    client.force_login(alice)
    response = bulk(client, "assign", [triage.none], assignee="dave", return_query="scope=everyone", page="x")
    assert response["Location"] == "/cases/"
    response = bulk(
        client, "assign", [triage.far], assignee="dave", return_query="next=https://evil.example&scope=mine"
    )
    assert response["Location"] == "/cases/?scope=mine&page=2"


# ---------------------------------------------------------------- the query count


def _more_cases(report_case, alice, n):
    category = Category.objects.get_or_create(name="Delivery", slug="delivery")[0]
    team = Team.objects.get_or_create(name="Returns desk")[0]
    for i in range(n):
        case = report_case(subject=f"Problem {i}", category_id=category.pk)
        # Set-up: the team is an assignment rule's to set; here it only has to be shown.
        Case.objects.filter(pk=case.pk).update(team=team)
        services.case_assign(actor=alice, case=case, assignee=alice)
        services.promise_make(
            actor=alice,
            case=case,
            description="Ring",
            owner=alice,
            due_at=clock.now() + timedelta(days=i + 1),
        )


def test_the_queue_costs_the_same_queries_for_one_row_or_thirty_sorted_by_deadline(
    client, alice, report_case, django_assert_num_queries
):
    SavedQueueFilter.objects.create(user=alice, name="Mine", query="scope=mine")
    _more_cases(report_case, alice, 1)
    client.force_login(alice)
    params = {"scope": "team", "sort": "deadline"}
    client.get(reverse("cases:queue"), params)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("cases:queue"), params)
    assert len(shown(response)) == 1
    _more_cases(report_case, alice, 29)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("cases:queue"), params)
    assert len(shown(response)) == 30
    # Every column is drawn: the deadline, the team, the assignee.
    html = response.content.decode()
    assert html.count('<td class="c-team" data-label="Team">Returns desk</td>') == 30
    assert html.count('<td class="c-assignee" data-label="Assignee">Alice</td>') == 30
    assert html.count('<td class="c-deadline" data-label="Next deadline"><time') == 30


def test_the_api_list_costs_the_same_queries_for_one_case_or_thirty(
    client, alice, report_case, django_assert_num_queries
):
    headers = {"Authorization": f"Bearer {token_for(alice)}"}
    _more_cases(report_case, alice, 1)
    client.get("/api/cases", {"sort": "deadline"}, headers=headers)
    with django_assert_num_queries(API_LIST_QUERIES):
        assert len(client.get("/api/cases", {"sort": "deadline"}, headers=headers).json()["items"]) == 1
    _more_cases(report_case, alice, 29)
    with django_assert_num_queries(API_LIST_QUERIES):
        assert len(client.get("/api/cases", {"sort": "deadline"}, headers=headers).json()["items"]) == 30


# The token with its user, the user's roles, the count and the page of cases.
API_LIST_QUERIES = 4
