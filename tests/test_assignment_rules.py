"""Assignment rules (issue 12 §3): a new case goes by the first active matching rule to a team and, round-robin
by username, to the next available member (active, not away, under their cap); nobody available leaves it
unassigned in the team queue with one alert to the lead. Both databases."""

from __future__ import annotations

import threading

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.urls import reverse

from putright.authority import teams
from putright.authority.models import HandlerStatus, Team
from putright.cases import services
from putright.cases.models import AssignmentRule, Case, Category
from putright.cases.services import routing
from putright.channels.models import Alert
from putright.errors import PermissionDenied
from putright.routing import rules
from putright.vocab import Channel, SourceKind
from tests.conftest import _user, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(django_user_model):
    return _user(django_user_model, "ada", "administrator", "Ada")


@pytest.fixture
def erin(django_user_model):
    return _user(django_user_model, "erin", "agent", "Erin")


@pytest.fixture
def delivery(db):
    return Category.objects.create(name="Delivery", slug="delivery")


@pytest.fixture
def faulty(db):
    return Category.objects.create(name="Faulty goods", slug="faulty-goods")


@pytest.fixture
def crew(carol, alice, dave, erin, bob):
    """Deliveries: alice, dave and erin, led by bob (supervisor)."""
    return teams.team_create(actor=carol, name="Deliveries", lead=bob, members=[erin, dave, alice])


@pytest.fixture
def rule_to(ada):
    def _rule(team, name="Everything", **kwargs):
        return rules.rule_save(actor=ada, name=name, team=team, **kwargs)

    return _rule


def report(**overrides) -> Case:
    case, _ = services.case_report(report=make_report(**overrides))
    return Case.objects.select_related("team", "assignee").get(pk=case.pk)


def names(cases) -> list[str | None]:
    return [c.assignee.username if c.assignee else None for c in cases]


# ---------------------------------------------------------------- round-robin


def test_new_cases_go_round_the_team_by_username_and_the_timeline_says_so(crew, rule_to):
    rule_to(crew, name="All to deliveries")
    cases = [report(subject=f"Report {i}") for i in range(4)]
    assert names(cases) == ["alice", "dave", "erin", "alice"]
    assert {c.team_id for c in cases} == {crew.pk}
    crew.refresh_from_db()
    assert crew.last_assigned.username == "alice"
    events = list(cases[1].events.order_by("seq").values_list("kind", "summary", "actor_id"))
    assert events[-2:] == [
        ("case.routed", "Routed to team Deliveries by rule “All to deliveries”", None),
        ("case.assigned", "Assigned to dave (round-robin in Deliveries)", None),
    ]
    # The report's own event comes first: the routing follows it in the same transaction.
    assert events[0][0] == "case.reported"
    assigned = cases[1].events.get(kind="case.assigned")
    assert assigned.before == {"assignee": None}
    assert assigned.after == {"assignee": "dave", "by": "round-robin", "team": "Deliveries"}
    assert Alert.objects.filter(kind=Alert.Kind.TEAM_UNSTAFFED).count() == 0


def test_away_and_at_cap_members_are_skipped(crew, rule_to, carol, dave, erin, alice):
    rule_to(crew)
    teams.availability_set(actor=dave, user=dave, away=True, note="On leave")
    teams.cap_set(actor=carol, user=erin, cap=1)
    cases = [report(subject=f"Report {i}") for i in range(4)]
    # erin takes one (her cap), then only alice is left.
    assert names(cases) == ["alice", "erin", "alice", "alice"]
    # Back from leave: dave is next after alice.
    teams.availability_set(actor=dave, user=dave, away=False)
    assert names([report(subject="Later")]) == ["dave"]


def test_a_member_without_a_staff_role_or_inactive_is_skipped(crew, rule_to, alice, dave):
    rule_to(crew)
    alice.is_active = False
    alice.save()
    dave.groups.clear()
    assert names([report(), report()]) == ["erin", "erin"]


def test_everyone_at_cap_leaves_the_case_unassigned_and_alerts_the_lead_once(
    crew, rule_to, carol, alice, dave, erin, bob
):
    rule_to(crew)
    for member in (alice, dave, erin):
        teams.cap_set(actor=carol, user=member, cap=0)
    case = report()
    assert case.assignee is None
    assert case.team == crew
    routed = case.events.get(kind="case.routed")
    assert routed.summary == (
        "Routed to team Deliveries by rule “Everything”; nobody could take it (everyone in the team is at their "
        "cap of open cases), so it waits in the team queue"
    )
    assert not case.events.filter(kind="case.assigned").exists()
    alerts = list(
        Alert.objects.filter(kind=Alert.Kind.TEAM_UNSTAFFED).values_list(
            "recipient__username", "case_id", "text"
        )
    )
    assert alerts == [
        (
            "bob",
            case.pk,
            f"{case.reference} came to Deliveries but everyone in the team is at their cap of open cases: it waits "
            "unassigned in the team queue.",
        )
    ]
    # Routed again (the same case): still the one alert.
    routing.route(Case.objects.get(pk=case.pk))
    assert Alert.objects.filter(kind=Alert.Kind.TEAM_UNSTAFFED, case=case).count() == 1
    # Another case: its own alert.
    other = report(subject="Another")
    assert Alert.objects.filter(kind=Alert.Kind.TEAM_UNSTAFFED).count() == 2
    assert other.assignee is None
    crew.refresh_from_db()
    assert crew.last_assigned is None


def test_everyone_away_says_so_and_a_team_without_a_lead_alerts_nobody(carol, alice, dave, rule_to):
    team = teams.team_create(actor=carol, name="Billing", members=[alice, dave])
    rule_to(team)
    for member in (alice, dave):
        teams.availability_set(actor=member, user=member, away=True)
    case = report()
    assert case.assignee is None
    assert "everyone in the team is away" in case.events.get(kind="case.routed").summary
    assert Alert.objects.filter(kind=Alert.Kind.TEAM_UNSTAFFED).count() == 0


def test_a_mix_of_away_and_at_cap_is_counted(crew, rule_to, carol, alice, dave, erin):
    rule_to(crew)
    teams.availability_set(actor=alice, user=alice, away=True)
    teams.cap_set(actor=carol, user=dave, cap=0)
    teams.cap_set(actor=carol, user=erin, cap=0)
    case = report()
    assert "nobody in the team is available (1 away, 2 at cap)" in case.events.get(kind="case.routed").summary


def test_open_cases_count_against_the_cap_and_closed_ones_do_not(crew, rule_to, carol, alice, dave, erin):
    rule_to(crew)
    for member in (dave, erin):
        teams.availability_set(actor=member, user=member, away=True)
    teams.cap_set(actor=carol, user=alice, cap=1)
    first = report()
    assert first.assignee == alice
    assert report().assignee is None
    Case.objects.filter(pk=first.pk).update(status="closed_resolved")
    assert report().assignee == alice


# ---------------------------------------------------------------- which rule


def test_the_first_active_matching_rule_by_position_wins_and_any_matches_everything(
    carol, alice, dave, erin, rule_to, delivery, faulty, ada
):
    a = teams.team_create(actor=carol, name="A", members=[alice])
    b = teams.team_create(actor=carol, name="B", members=[dave])
    c = teams.team_create(actor=carol, name="C", members=[erin])
    rule_to(a, name="Delivery by email", category=delivery, channel=Channel.EMAIL)
    rule_to(b, name="Any web", channel=Channel.WEB)
    rule_to(c, name="Everything else")
    off = rule_to(a, name="Inactive faulty", category=faulty, active=False)
    rules.rule_move(actor=ada, rule=off, up=True)
    rules.rule_move(actor=ada, rule=off, up=True)
    rules.rule_move(actor=ada, rule=off, up=True)
    assert list(AssignmentRule.objects.values_list("name", "position")) == [
        ("Inactive faulty", 10),
        ("Delivery by email", 20),
        ("Any web", 30),
        ("Everything else", 40),
    ]

    def team_of(**kwargs):
        return report(**kwargs).team.name

    assert team_of(category_id=delivery.pk, channel=Channel.EMAIL) == "A"
    assert team_of(category_id=delivery.pk, channel=Channel.WEB) == "B"
    assert team_of(category_id=faulty.pk, channel=Channel.WEB) == "B"  # the inactive rule is ignored
    assert team_of(category_id=faulty.pk, channel=Channel.EMAIL) == "C"
    assert team_of(channel=Channel.EMAIL) == "C"  # no category: only "any category" rules match
    # Move "Everything else" to the top: it takes everything.
    last = AssignmentRule.objects.get(name="Everything else")
    for _ in range(3):
        rules.rule_move(actor=ada, rule=last, up=True)
    assert team_of(category_id=delivery.pk, channel=Channel.EMAIL) == "C"


def test_without_a_matching_rule_a_case_stays_in_no_team(crew, rule_to, delivery):
    rule_to(crew, category=delivery)
    case = report()
    assert case.team is None and case.assignee is None
    assert not case.events.filter(kind__in=["case.routed", "case.assigned"]).exists()


def test_a_rule_without_round_robin_only_fills_the_team_queue(crew, rule_to):
    rule_to(crew, assign_round_robin=False)
    case = report()
    assert (case.team, case.assignee) == (crew, None)
    assert Alert.objects.filter(kind=Alert.Kind.TEAM_UNSTAFFED).count() == 0
    crew.refresh_from_db()
    assert crew.last_assigned is None


def test_staff_logging_a_call_keep_the_case_and_the_team_queue_gets_it(crew, rule_to, carol):
    rule_to(crew)
    case, _ = services.case_report(report=make_report(channel=Channel.PHONE), actor=carol)
    case.refresh_from_db()
    assert (case.team, case.assignee) == (crew, carol)
    assert not case.events.filter(kind="case.assigned").exists()
    crew.refresh_from_db()
    assert crew.last_assigned is None


def test_classifying_an_unrouted_case_routes_it_by_its_new_category(crew, rule_to, delivery, alice, bob):
    rule_to(crew, category=delivery)
    case = report()
    assert case.team is None
    services.case_classify(
        actor=bob, case=case, source_kind=SourceKind.CUSTOMER_REPORTED, category_id=delivery.pk
    )
    case.refresh_from_db()
    assert (case.team, case.assignee) == (crew, alice)
    kinds = list(case.events.order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == ["case.classified", "case.routed", "case.assigned"]


def test_classifying_a_case_someone_holds_does_not_route_it(crew, rule_to, delivery, bob):
    rule_to(crew, category=delivery)
    case = report()
    services.case_assign(actor=bob, case=case, assignee=bob)
    services.case_classify(
        actor=bob, case=case, source_kind=SourceKind.CUSTOMER_REPORTED, category_id=delivery.pk
    )
    case.refresh_from_db()
    assert (case.team, case.assignee) == (None, bob)


def test_staff_move_a_case_to_another_team_with_an_event(crew, carol, alice):
    other = teams.team_create(actor=carol, name="Billing")
    case = report()
    services.case_team_set(actor=alice, case=case, team=other)
    services.case_team_set(actor=alice, case=case, team=other)  # no change: no second event
    case.refresh_from_db()
    assert case.team == other
    assert list(case.events.filter(kind="case.team_set").values_list("summary", "before", "after")) == [
        ("Moved to team Billing", {"team": None}, {"team": "Billing"})
    ]


def test_outsiders_cannot_move_a_case_between_teams(crew, charlie):
    case = report()
    with pytest.raises(PermissionDenied):
        services.case_team_set(actor=charlie, case=case, team=crew)
    case.refresh_from_db()
    assert case.team is None


# ---------------------------------------------------------------- rules: who may


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_only_administrators_may_change_rules(request, crew, rule_to, who):
    rule = rule_to(crew, name="Original")
    actor = request.getfixturevalue(who)
    before = list(AssignmentRule.objects.values())
    with pytest.raises(PermissionDenied):
        rules.rule_save(actor=actor, name="Mine", team=crew)
    with pytest.raises(PermissionDenied):
        rules.rule_save(actor=actor, rule=rule, name="Changed", team=crew)
    with pytest.raises(PermissionDenied):
        rules.rule_move(actor=actor, rule=rule, up=False)
    with pytest.raises(PermissionDenied):
        rules.rule_delete(actor=actor, rule=rule)
    assert list(AssignmentRule.objects.values()) == before


def test_rule_changes_are_logged_for_the_admin_history(crew, rule_to, ada, delivery):
    rule = rule_to(crew, name="Deliveries", category=delivery, channel=Channel.EMAIL)
    rules.rule_save(
        actor=ada, rule=rule, name="Deliveries", team=crew, category=None, channel="", active=False
    )
    messages = list(
        LogEntry.objects.filter(object_id=str(rule.pk), content_type__model="assignmentrule")
        .order_by("pk")
        .values_list("user__username", "change_message")
    )
    assert messages == [
        ("ada", "Added “Deliveries”: category Delivery, channel Email → Deliveries, round-robin"),
        (
            "ada",
            "Changed from “Deliveries”: category Delivery, channel Email → Deliveries, round-robin to "
            "“Deliveries”: category any, channel any → Deliveries, round-robin (inactive)",
        ),
    ]


def test_rules_page_is_read_only_for_agents_and_their_posts_change_nothing(client, alice, crew, rule_to):
    rule = rule_to(crew, name="Original")
    client.force_login(alice)
    page = client.get(reverse("teams:rules"))
    assert page.status_code == 200
    assert page.context["form"] is None
    assert b"Original" in page.content
    before = list(AssignmentRule.objects.values())
    posts = [
        (reverse("teams:rules"), {"name": "Mine", "team": crew.pk, "active": "on"}),
        (reverse("teams:rule_edit", args=[rule.pk]), {"name": "Changed", "team": crew.pk}),
        (reverse("teams:rule_move", args=[rule.pk]), {"direction": "down"}),
        (reverse("teams:rule_active", args=[rule.pk]), {"active": "0"}),
        (reverse("teams:rule_delete", args=[rule.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("teams:rule_edit", args=[rule.pk])).status_code == 403
    assert list(AssignmentRule.objects.values()) == before


def test_an_administrator_adds_edits_reorders_and_deactivates_rules_on_the_page(client, ada, crew, delivery):
    client.force_login(ada)
    add = client.post(
        reverse("teams:rules"),
        {
            "name": "Deliveries",
            "category": delivery.pk,
            "channel": "",
            "team": crew.pk,
            "assign_round_robin": "on",
            "active": "on",
        },
    )
    assert add.status_code == 302
    client.post(
        reverse("teams:rules"),
        {"name": "Rest", "category": "", "channel": "email", "team": crew.pk, "active": "on"},
    )
    first, second = AssignmentRule.objects.order_by("position")
    assert (first.name, first.category, first.channel, first.assign_round_robin) == (
        "Deliveries",
        delivery,
        "",
        True,
    )
    assert (second.name, second.category, second.channel, second.assign_round_robin) == (
        "Rest",
        None,
        "email",
        False,
    )
    client.post(reverse("teams:rule_move", args=[second.pk]), {"direction": "up"})
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["Rest", "Deliveries"]
    client.post(reverse("teams:rule_active", args=[first.pk]), {"active": "0"})
    first.refresh_from_db()
    assert first.active is False
    edit = client.post(
        reverse("teams:rule_edit", args=[first.pk]),
        {"name": "Deliveries by web", "channel": "web", "team": crew.pk, "active": "on"},
    )
    assert edit.status_code == 302
    first.refresh_from_db()
    assert (first.name, first.channel, first.category, first.active) == (
        "Deliveries by web",
        "web",
        None,
        True,
    )
    page = client.get(reverse("teams:rules"))
    assert [r.name for r in page.context["rules"]] == ["Rest", "Deliveries by web"]


def test_bad_rule_input_is_answered_with_a_message_not_a_500(client, ada, crew):
    client.force_login(ada)
    before = AssignmentRule.objects.count()
    for data in (
        {"name": "", "team": crew.pk},
        {"name": "X", "team": 999999},
        {"name": "X", "team": crew.pk, "channel": "pigeon"},
        {"name": "Line\nbreak", "team": crew.pk},
    ):
        assert client.post(reverse("teams:rules"), data).status_code == 400
    assert client.post(reverse("teams:rule_move", args=[2**70]), {"direction": "up"}).status_code == 404
    assert AssignmentRule.objects.count() == before


# ---------------------------------------------------------------- at the same moment


@pytest.mark.django_db(transaction=True)
def test_two_reports_at_once_never_take_the_same_round_robin_slot(django_user_model):
    manager = _user(django_user_model, "mona", "manager", "Mona")
    admin = _user(django_user_model, "ada", "administrator", "Ada")
    members = [_user(django_user_model, f"agent{i}", "agent", f"Agent {i}") for i in range(4)]
    team = teams.team_create(actor=manager, name="Busy", members=members)
    rules.rule_save(actor=admin, name="All", team=team)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.case_report(
                report=make_report(subject=f"At once {i}", customer_email=f"c{i}@example.com")
            )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assigned = sorted(Case.objects.values_list("assignee__username", flat=True))
    assert assigned == ["agent0", "agent1", "agent2", "agent3"]
    assert HandlerStatus.objects.count() == 0
    assert Team.objects.get().last_assigned is not None


@pytest.mark.django_db(transaction=True)
def test_cases_classified_at_once_never_take_the_same_round_robin_slot(django_user_model):
    """Reports are already one at a time where they take their reference; classifying is not, so this race
    is held apart only by the team row's lock."""
    manager = _user(django_user_model, "mona", "manager", "Mona")
    admin = _user(django_user_model, "ada", "administrator", "Ada")
    members = [_user(django_user_model, f"agent{i}", "agent", f"Agent {i}") for i in range(4)]
    team = teams.team_create(actor=manager, name="Busy", members=members)
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    rules.rule_save(actor=admin, name="Deliveries", team=team, category=delivery)
    cases = [
        services.case_report(report=make_report(subject=f"Later {i}", customer_email=f"c{i}@example.com"))[0]
        for i in range(4)
    ]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def one(case) -> None:
        try:
            barrier.wait(timeout=10)
            services.case_classify(
                actor=manager, case=case, source_kind=SourceKind.CUSTOMER_REPORTED, category_id=delivery.pk
            )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(case,)) for case in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assigned = sorted(Case.objects.values_list("assignee__username", flat=True))
    assert assigned == ["agent0", "agent1", "agent2", "agent3"]
