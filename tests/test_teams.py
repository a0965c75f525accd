"""Teams (issue 12 §3): managers and administrators create, rename and delete teams and set their lead,
members and each handler's cap; every handler marks themselves away; team queues show the cases of the
user's teams; the API takes the same scopes and team. Denials change nothing. Both databases."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from putright.authority import teams
from putright.authority.models import HandlerStatus, Team
from putright.cases import selectors, services
from putright.cases.models import AssignmentRule, Case
from putright.channels.models import Alert
from putright.errors import DomainError, PermissionDenied
from putright.routing import rules
from tests.conftest import _user, make_report
from tests.test_api import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(django_user_model):
    return _user(django_user_model, "ada", "administrator", "Ada")


def team_state() -> list:
    return [
        (t.name, t.lead_id, sorted(t.members.values_list("username", flat=True)))
        for t in Team.objects.order_by("name")
    ]


def status_state() -> list:
    return list(
        HandlerStatus.objects.order_by("user_id").values_list(
            "user_id", "away", "away_note", "max_open_cases"
        )
    )


# ---------------------------------------------------------------- managing teams


def test_a_manager_creates_renames_and_staffs_a_team_and_each_change_is_in_the_admin_history(
    carol, alice, dave, bob
):
    team = teams.team_create(actor=carol, name="  Deliveries ", lead=bob, members=[alice])
    assert team_state() == [("Deliveries", bob.pk, ["alice"])]
    teams.team_update(actor=carol, team=team, name="Deliveries & returns", lead=None, members=[alice, dave])
    assert team_state() == [("Deliveries & returns", None, ["alice", "dave"])]
    history = list(
        LogEntry.objects.filter(content_type__model="team", object_id=str(team.pk))
        .order_by("pk")
        .values_list("user__username", "action_flag", "change_message")
    )
    assert history == [
        ("carol", 1, "Created: name “Deliveries”; lead bob; members alice"),
        (
            "carol",
            2,
            "Changed from name “Deliveries”; lead bob; members alice to name “Deliveries & returns”; lead none; "
            "members alice, dave",
        ),
    ]


def test_administrators_manage_teams_too(ada):
    teams.team_create(actor=ada, name="Billing")
    assert team_state() == [("Billing", None, [])]


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_agents_supervisors_and_outsiders_may_not_manage_teams_and_nothing_changes(request, carol, dave, who):
    team = teams.team_create(actor=carol, name="Billing", members=[dave])
    actor = request.getfixturevalue(who)
    before, logged = team_state(), LogEntry.objects.count()
    with pytest.raises(PermissionDenied):
        teams.team_create(actor=actor, name="Mine")
    with pytest.raises(PermissionDenied):
        teams.team_update(actor=actor, team=team, name="Taken", lead=actor, members=[actor])
    with pytest.raises(PermissionDenied):
        teams.team_delete(actor=actor, team=team)
    with pytest.raises(PermissionDenied):
        teams.cap_set(actor=actor, user=dave, cap=3)
    with pytest.raises(PermissionDenied):
        teams.availability_set(actor=actor, user=dave, away=True)
    assert team_state() == before
    assert status_state() == []
    assert LogEntry.objects.count() == logged


def test_team_input_is_checked(carol, charlie, alice):
    teams.team_create(actor=carol, name="Billing")
    for name, members, message in [
        ("", [], "Give the team a name."),
        ("Billing", [], "There is already a team called “Billing”."),
        ("X" * 101, [], "A team's name is at most 100 characters."),
        ("Outsiders", [charlie], "Only active staff can be in a team: charlie is not."),
    ]:
        with pytest.raises(DomainError) as exc:
            teams.team_create(actor=carol, name=name, members=members)
        assert exc.value.message == message
    with pytest.raises(DomainError):
        teams.team_create(actor=carol, name="Led by an outsider", lead=charlie, members=[alice])
    assert team_state() == [("Billing", None, [])]


def test_a_team_that_active_rules_route_to_cannot_be_deleted_and_its_inactive_rules_go_with_it(carol, ada):
    team = teams.team_create(actor=carol, name="Billing")
    rule = rules.rule_save(actor=ada, name="Billing rule", team=team)
    with pytest.raises(DomainError) as exc:
        teams.team_delete(actor=carol, team=team)
    assert "Billing rule" in exc.value.message
    assert team_state() == [("Billing", None, [])]
    rules.rule_save(actor=ada, rule=rule, name="Billing rule", team=team, active=False)
    case, _ = services.case_report(report=make_report())
    services.case_team_set(actor=carol, case=case, team=team)
    teams.team_delete(actor=carol, team=team)
    assert team_state() == []
    assert Case.objects.get(pk=case.pk).team is None
    assert LogEntry.objects.filter(content_type__model="team", action_flag=3).count() == 1


# ---------------------------------------------------------------- availability and caps


def test_everyone_marks_themselves_away_and_back_and_managers_may_mark_a_colleague(alice, carol, dave):
    teams.availability_set(actor=alice, user=alice, away=True, note="  On leave\tuntil Monday ")
    assert teams.status_of(alice).away_note == "On leave until Monday"
    teams.availability_set(actor=carol, user=dave, away=True, note="Off sick")
    teams.availability_set(actor=alice, user=alice, away=False, note="ignored")
    assert status_state() == [(alice.pk, False, "", 25), (dave.pk, True, "Off sick", 25)]
    messages = list(
        LogEntry.objects.filter(content_type__model="handlerstatus")
        .order_by("pk")
        .values_list("change_message", flat=True)
    )
    assert messages == [
        "Marked away (On leave until Monday) by alice",
        "Marked away (Off sick) by carol",
        "Marked back by alice",
    ]


def test_caps_are_whole_numbers_a_manager_sets(carol, alice):
    assert teams.status_of(alice).max_open_cases == HandlerStatus.DEFAULT_CAP
    for bad in (-1, 501, "3", 2.5, True):
        with pytest.raises(DomainError):
            teams.cap_set(actor=carol, user=alice, cap=bad)
    assert status_state() == []
    teams.cap_set(actor=carol, user=alice, cap=7)
    assert status_state() == [(alice.pk, False, "", 7)]


def test_the_availability_page_marks_me_away_and_back(client, alice):
    client.force_login(alice)
    assert client.get(reverse("teams:availability")).status_code == 200
    response = client.post(reverse("teams:availability"), {"away": "on", "away_note": "Training day"})
    assert response.status_code == 302
    assert status_state() == [(alice.pk, True, "Training day", 25)]
    page = client.get(reverse("teams:availability"))
    assert b"You are marked away (Training day)" in page.content
    assert client.post(reverse("teams:availability"), {"away_note": "x" * 201}).status_code == 400
    assert status_state() == [(alice.pk, True, "Training day", 25)]
    client.post(reverse("teams:availability"), {"away_note": ""})
    assert status_state() == [(alice.pk, False, "", 25)]


# ---------------------------------------------------------------- the pages


@pytest.fixture
def staffed(carol, alice, dave, bob):
    team = teams.team_create(actor=carol, name="Deliveries", lead=bob, members=[alice, dave])
    teams.availability_set(actor=dave, user=dave, away=True, note="Holiday")
    return team


def test_the_teams_list_shows_members_cases_unassigned_and_who_is_away(client, alice, staffed, carol):
    mine, _ = services.case_report(report=make_report())
    services.case_team_set(actor=carol, case=mine, team=staffed)
    held, _ = services.case_report(report=make_report(subject="Held"))
    services.case_team_set(actor=carol, case=held, team=staffed)
    services.case_assign(actor=carol, case=held, assignee=alice)
    client.force_login(alice)
    page = client.get(reverse("teams:list"))
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert (row["team"].open_count, row["team"].unassigned_count) == (2, 1)
    assert [m.username for m in row["members"]] == ["alice", "dave"]
    assert [m.username for m in row["away"]] == ["dave"]
    assert page.context["form"] is None  # agents read
    text = page.content.decode()
    assert "Holiday" in text and "Yours" in text


def test_the_team_list_costs_the_same_queries_for_more_teams(
    django_assert_num_queries, carol, alice, dave, bob
):
    teams.team_create(actor=carol, name="One", members=[alice, dave])
    with django_assert_num_queries(2):
        teams.teams_overview()
    teams.team_create(actor=carol, name="Two", lead=bob, members=[bob, dave])
    teams.team_create(actor=carol, name="Three", members=[alice])
    with django_assert_num_queries(2):
        rows = teams.teams_overview()
    assert [t.name for t in rows] == ["One", "Three", "Two"]


def test_the_team_page_shows_each_member_and_the_next_in_turn(client, carol, staffed, alice, dave):
    client.force_login(carol)
    page = client.get(reverse("teams:detail", args=[staffed.pk]))
    assert page.status_code == 200
    assert [(m.username, m.unavailable) for m in page.context["members"]] == [("alice", ""), ("dave", "away")]
    assert page.context["next_handler"].handler == alice
    assert page.context["form"] is not None


def test_a_manager_edits_the_team_and_caps_on_its_page(client, carol, staffed, alice, dave, bob):
    client.force_login(carol)
    url = reverse("teams:detail", args=[staffed.pk])
    response = client.post(url, {"name": "Deliveries North", "lead": alice.pk, "members": [alice.pk, bob.pk]})
    assert response.status_code == 302
    assert team_state() == [("Deliveries North", alice.pk, ["alice", "bob"])]
    client.post(reverse("teams:handler_cap", args=[staffed.pk, alice.pk]), {"max_open_cases": "4"})
    client.post(reverse("teams:handler_availability", args=[staffed.pk, dave.pk]), {"away": ""})
    assert status_state() == [(alice.pk, False, "", 4), (dave.pk, False, "", 25)]
    assert (
        client.post(
            reverse("teams:handler_cap", args=[staffed.pk, alice.pk]), {"max_open_cases": "-3"}
        ).status_code
        == 302
    )
    assert status_state()[0] == (alice.pk, False, "", 4)
    assert client.post(url, {"name": "", "members": [alice.pk]}).status_code == 400
    assert client.post(reverse("teams:delete", args=[staffed.pk])).status_code == 302
    assert team_state() == []


def test_agents_posting_to_the_team_pages_get_403_and_nothing_changes(client, alice, staffed, dave):
    client.force_login(alice)
    before_teams, before_status = team_state(), status_state()
    for url, data in [
        (reverse("teams:list"), {"name": "Mine", "members": [alice.pk]}),
        (reverse("teams:detail", args=[staffed.pk]), {"name": "Taken", "lead": alice.pk}),
        (reverse("teams:delete", args=[staffed.pk]), {}),
        (reverse("teams:handler_cap", args=[staffed.pk, dave.pk]), {"max_open_cases": "0"}),
        (reverse("teams:handler_availability", args=[staffed.pk, dave.pk]), {"away": ""}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert team_state() == before_teams
    assert status_state() == before_status
    page = client.get(reverse("teams:detail", args=[staffed.pk]))
    assert page.status_code == 200 and page.context["form"] is None


def test_outsiders_and_strangers_see_no_team_page_and_change_nothing(client, charlie, staffed, dave, ada):
    rule = rules.rule_save(actor=ada, name="All", team=staffed)
    urls = [
        reverse("teams:list"),
        reverse("teams:detail", args=[staffed.pk]),
        reverse("teams:delete", args=[staffed.pk]),
        reverse("teams:handler_cap", args=[staffed.pk, dave.pk]),
        reverse("teams:handler_availability", args=[staffed.pk, dave.pk]),
        reverse("teams:availability"),
        reverse("teams:rules"),
        reverse("teams:rule_edit", args=[rule.pk]),
        reverse("teams:rule_move", args=[rule.pk]),
        reverse("teams:rule_active", args=[rule.pk]),
        reverse("teams:rule_delete", args=[rule.pk]),
    ]
    data = {"name": "Mine", "members": [charlie.pk], "max_open_cases": "0", "away": "", "direction": "up"}
    before = (team_state(), status_state(), list(AssignmentRule.objects.values()))
    for url in urls:
        assert client.get(url).status_code == 302, url  # sign in first
        assert client.post(url, data).status_code == 302, url
    client.force_login(charlie)
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert (team_state(), status_state(), list(AssignmentRule.objects.values())) == before
    assert client.get(reverse("teams:detail", args=[2**70])).status_code == 403


def test_an_unknown_team_or_colleague_is_404(client, carol, staffed, charlie):
    client.force_login(carol)
    assert client.get(reverse("teams:detail", args=[2**70])).status_code == 404
    assert client.get(reverse("teams:detail", args=[staffed.pk + 1000])).status_code == 404
    url = reverse("teams:handler_cap", args=[staffed.pk, charlie.pk])  # not staff
    assert client.post(url, {"max_open_cases": "3"}).status_code == 404


# ---------------------------------------------------------------- team queues


@pytest.fixture
def two_teams(carol, alice, dave):
    """alice is in North, dave in South; one case in each team and one in none."""
    north = teams.team_create(actor=carol, name="North", members=[alice])
    south = teams.team_create(actor=carol, name="South", members=[dave])
    cases = {}
    for name, team in (("north", north), ("south", south), ("none", None)):
        case, _ = services.case_report(report=make_report(subject=f"Case {name}"))
        if team is not None:
            services.case_team_set(actor=carol, case=case, team=team)
        cases[name] = case
    return north, south, cases


def queue(user, **filters) -> list[str]:
    qs = selectors.case_queue(user=user, filters=selectors.QueueFilters(**filters))
    return sorted(c.subject for c in qs)


def test_the_team_queue_is_the_cases_of_my_teams(two_teams, alice, dave, bob, carol):
    north, south, _ = two_teams
    assert queue(alice, scope="team") == ["Case north"]
    assert queue(dave, scope="team") == ["Case south"]
    # A lead sees their team's cases too.
    teams.team_update(actor=carol, team=south, name="South", lead=alice, members=[dave])
    assert queue(alice, scope="team") == ["Case north", "Case south"]
    # Someone in no team sees every case; "all" is every case for anyone.
    assert queue(bob, scope="team") == ["Case none", "Case north", "Case south"]
    assert queue(dave, scope="all") == ["Case none", "Case north", "Case south"]
    # Anyone may look at another team's queue.
    assert queue(dave, scope="all", team=north.pk) == ["Case north"]
    assert queue(dave, scope="team", team=north.pk) == []
    with pytest.raises(ValueError):
        queue(dave, scope="everyone")


def test_the_queue_page_has_the_team_picker_and_says_when_i_am_in_no_team(client, two_teams, alice, bob):
    north, south, _ = two_teams
    client.force_login(alice)
    page = client.get(reverse("cases:queue"), {"scope": "team"})
    assert [c.subject for c in page.context["page_obj"]] == ["Case north"]
    assert page.context["no_team"] is False
    page = client.get(reverse("cases:queue"), {"scope": "all", "team": south.pk})
    assert [c.subject for c in page.context["page_obj"]] == ["Case south"]
    assert b"All cases" in page.content
    assert client.get(reverse("cases:queue"), {"team": "nope"}).status_code == 400
    client.force_login(bob)
    page = client.get(reverse("cases:queue"))
    assert page.context["no_team"] is True
    assert b"You are in no team, so this shows every case." in page.content
    assert len(page.context["page_obj"].object_list) == 3


def test_the_api_takes_the_same_scopes_and_a_team(client, two_teams, alice):
    north, south, _ = two_teams
    headers = {"Authorization": f"Bearer {token_for(alice)}"}

    def subjects(**params):
        response = client.get("/api/cases", params, headers=headers)
        assert response.status_code == 200, response.content
        return sorted((i["subject"], i["team"]) for i in response.json()["items"])

    assert subjects() == [("Case north", "North")]
    assert subjects(scope="team") == [("Case north", "North")]
    assert subjects(scope="all") == [("Case none", None), ("Case north", "North"), ("Case south", "South")]
    assert subjects(scope="all", team=south.pk) == [("Case south", "South")]
    assert subjects(scope="unassigned", team=north.pk) == [("Case north", "North")]
    assert client.get("/api/cases", {"scope": "everyone"}, headers=headers).status_code == 422
    assert client.get("/api/cases", {"team": 0}, headers=headers).status_code == 422
    assert client.get("/api/cases", {"team": 2**70}, headers=headers).status_code == 422


def test_the_team_lead_alert_shows_on_the_alerts_page(client, bob, carol, alice, ada):
    team = teams.team_create(actor=carol, name="Empty", lead=bob)
    rules.rule_save(actor=ada, name="All", team=team)
    case, _ = services.case_report(report=make_report())
    alert = Alert.objects.get(kind=Alert.Kind.TEAM_UNSTAFFED)
    assert alert.recipient == bob and alert.case_id == case.pk
    client.force_login(bob)
    page = client.get(reverse("cases:alerts"))
    assert f"{case.reference} came to Empty but the team has no members".encode() in page.content


def test_the_case_page_shows_the_team_and_moves_the_case_to_another(client, alice, carol, charlie):
    north = teams.team_create(actor=carol, name="North")
    case, _ = services.case_report(report=make_report())
    client.force_login(alice)
    url = reverse("cases:detail", args=[case.reference])
    assert "<dt>Team</dt><dd>None</dd>" in client.get(url).content.decode()
    response = client.post(reverse("cases:team_set", args=[case.reference]), {"team": north.pk})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).team == north
    assert f'<a href="/teams/{north.pk}/">North</a>' in client.get(url).content.decode()
    assert client.post(reverse("cases:team_set", args=[case.reference]), {"team": "x"}).status_code == 400
    assert Case.objects.get(pk=case.pk).team == north
    client.force_login(charlie)
    assert client.post(reverse("cases:team_set", args=[case.reference]), {"team": ""}).status_code == 403
    assert Case.objects.get(pk=case.pk).team == north
    assert list(case.events.filter(kind="case.team_set").values_list("actor__username", flat=True)) == [
        "alice"
    ]
