"""Problem services: ITIL stages, links on case timelines, merging, owners routed and alerted once a step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Category
from putright.channels.models import Alert
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.problems import selectors, services
from putright.problems.models import (
    PROBLEM_TRANSITIONS,
    Problem,
    ProblemCase,
    ProblemEvent,
    ProblemOrigin,
    ProblemStatus,
)
from putright.vocab import SourceKind
from tests.conftest import aware, make_report, plain_text

pytestmark = pytest.mark.django_db


def new_case(i: int, **overrides):
    data = dict(customer_name=f"Customer {i}", customer_email=f"customer{i}@example.com")
    data.update(overrides)
    case, _ = case_services.case_report(report=make_report(**data))
    return case


@pytest.fixture
def delivery():
    return Category.objects.create(name="Delivery", slug="delivery")


@pytest.fixture
def open_problem(bob, delivery):
    """A suspected problem about deliveries, owned by bob through an owner route, with two cases."""

    def _make(n_cases: int = 2, **overrides):
        services.owner_route_set(actor=bob, category=delivery, owner=bob)
        cases = [new_case(100 + i) for i in range(n_cases)]
        data = dict(
            actor=None,
            title="Parcels marked delivered that never arrive",
            description="Several customers say the same.",
            origin=ProblemOrigin.SIMILARITY,
            source_kind=SourceKind.CUSTOMER_REPORTED,
            category=delivery,
            cases=cases,
        )
        data.update(overrides)
        return services.problem_open(**data)

    return _make


def set_conf(settings, **values):
    settings.PUTRIGHT = {**settings.PUTRIGHT, **values}


# ---------------------------------------------------------------- opening and routing


def test_opening_routes_to_the_owner_links_the_cases_and_writes_both_histories(open_problem, bob):
    problem = open_problem(n_cases=2)

    assert problem.status == ProblemStatus.SUSPECTED
    assert problem.owner == bob
    links = list(ProblemCase.objects.filter(problem=problem))
    assert len(links) == 2 and all(link.linked_by is None and link.unlinked_at is None for link in links)
    kinds = list(problem.events.values_list("kind", flat=True))
    assert kinds[:2] == ["problem.opened", "problem.routed"]
    assert "owner route: Delivery → bob" in problem.events.get(kind="problem.routed").summary
    for link in links:
        event = link.case.events.get(kind="problem.linked")
        assert event.after["problem"] == problem.pk
        assert event.customer_visible is False
    first = min(link.case.created_at for link in links)
    assert problem.first_seen == first


def test_the_most_specific_owner_route_wins(bob, carol, dave, alice, delivery):
    other = Category.objects.create(name="Faulty goods", slug="faulty-goods")
    services.owner_route_set(actor=bob, owner=alice)  # everything else
    services.owner_route_set(actor=bob, category=delivery, owner=bob)
    services.owner_route_set(actor=bob, product="Kettle K2", owner=carol)
    services.owner_route_set(actor=bob, category=delivery, product="kettle k2", owner=dave)

    assert selectors.owner_for(category=delivery, product="KETTLE K2")[0] == dave
    assert selectors.owner_for(category=other, product="Kettle K2")[0] == carol
    assert selectors.owner_for(category=delivery, product="Toaster")[0] == bob
    assert selectors.owner_for(category=other, product="")[0] == alice
    assert selectors.owner_for(category=None, product="")[0] == alice


def test_setting_a_route_again_changes_its_owner_instead_of_adding_one(bob, carol, delivery):
    first = services.owner_route_set(actor=bob, category=delivery, product="Kettle", owner=bob)
    second = services.owner_route_set(actor=bob, category=delivery, product="kettle", owner=carol)
    assert first.pk == second.pk
    assert second.owner == carol


def test_with_no_route_the_least_busy_supervisor_owns_it(bob, carol, alice, django_user_model):
    from django.contrib.auth.models import Group

    other = django_user_model.objects.create_user(username="sue", email="sue@putright.example")
    other.groups.add(Group.objects.get(name="supervisor"))
    # bob already owns an open problem, so sue (a supervisor with none) is next; carol ranks higher.
    Problem.objects.create(
        title="x", origin="manual", owner=bob, created_at=clock.now(), updated_at=clock.now()
    )
    assert selectors.owner_for(category=None)[0] == other


def test_the_default_owner_setting_applies_when_no_route_matches(settings, bob, carol):
    set_conf(settings, PROBLEM_DEFAULT_OWNER="carol")
    owner, why = selectors.owner_for(category=None)
    assert owner == carol
    assert "default" in why


def test_opening_refuses_bad_input_and_outsiders(charlie, alice):
    with pytest.raises(PermissionDenied):
        services.problem_open(actor=charlie, title="t", description="", origin="manual", source_kind="a")
    with pytest.raises(DomainError) as err:
        services.problem_open(actor=alice, title="  ", description="", origin="manual", source_kind="a")
    assert err.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(DomainError):
        services.problem_open(actor=alice, title="t", description="", origin="rumour", source_kind="a")
    with pytest.raises(DomainError):
        services.problem_open(actor=alice, title="t", description="", origin="manual", source_kind="z")
    assert Problem.objects.count() == 0


# ---------------------------------------------------------------- ITIL stages


ALL = list(ProblemStatus)


@pytest.mark.parametrize(("start", "target"), [(a, b) for a in ALL for b in ALL])
def test_only_the_listed_stage_moves_are_allowed(open_problem, bob, start, target):
    problem = open_problem(n_cases=0)
    Problem.objects.filter(pk=problem.pk).update(status=start)
    kwargs = dict(root_cause="Courier app marks at depot", workaround="Resend at once", note="why")
    if target in PROBLEM_TRANSITIONS[start]:
        moved = services.problem_transition(actor=bob, problem=problem, status=target, **kwargs)
        assert moved.status == target
        assert problem.events.filter(kind="problem.status", data__after=target).count() == 1
    else:
        with pytest.raises(DomainError) as err:
            services.problem_transition(actor=bob, problem=problem, status=target, **kwargs)
        assert err.value.code == ErrorCode.INVALID_TRANSITION
        problem.refresh_from_db()
        assert problem.status == start
        assert not problem.events.filter(kind="problem.status").exists()


def test_a_known_error_needs_a_root_cause_and_a_workaround(open_problem, bob):
    problem = open_problem()
    services.problem_transition(actor=bob, problem=problem, status=ProblemStatus.CONFIRMED)
    for root_cause, workaround, missing in [
        ("", "", "root cause and workaround"),
        ("Scanner fault", "", "workaround"),
        ("", "Resend", "root cause"),
    ]:
        with pytest.raises(DomainError, match=f"needs its {missing}") as err:
            services.problem_transition(
                actor=bob,
                problem=problem,
                status=ProblemStatus.KNOWN_ERROR,
                root_cause=root_cause,
                workaround=workaround,
            )
        assert err.value.code == ErrorCode.INVALID_INPUT
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CONFIRMED and problem.workaround == ""

    services.problem_transition(
        actor=bob,
        problem=problem,
        status=ProblemStatus.KNOWN_ERROR,
        root_cause="The courier's handheld scanner marks parcels delivered at the depot.",
        workaround="Resend by another courier straight away; do not ask the customer to wait 48 hours.",
    )
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR
    assert problem.workaround.startswith("Resend by another courier")


def test_dismissing_a_problem_needs_a_reason_but_closing_a_resolved_one_does_not(open_problem, bob):
    problem = open_problem()
    with pytest.raises(DomainError, match="Say why"):
        services.problem_transition(actor=bob, problem=problem, status=ProblemStatus.CLOSED)
    services.problem_transition(
        actor=bob,
        problem=problem,
        status=ProblemStatus.CLOSED,
        note="Coincidence: three different couriers.",
    )
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED and problem.closed_at is not None

    other = open_problem(n_cases=0, title="Another")
    services.problem_transition(actor=bob, problem=other, status=ProblemStatus.CONFIRMED)
    services.problem_transition(actor=bob, problem=other, status=ProblemStatus.RESOLVED)
    services.problem_transition(actor=bob, problem=other, status=ProblemStatus.CLOSED)
    other.refresh_from_db()
    assert other.status == ProblemStatus.CLOSED and other.resolved_at is not None


def test_outsiders_cannot_move_a_problem(open_problem, charlie):
    problem = open_problem()
    with pytest.raises(PermissionDenied):
        services.problem_transition(actor=charlie, problem=problem, status=ProblemStatus.CONFIRMED)
    with pytest.raises(PermissionDenied):
        services.problem_transition(actor=None, problem=problem, status=ProblemStatus.CONFIRMED)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUSPECTED


# ---------------------------------------------------------------- links


def test_linking_a_case_by_hand_goes_on_the_case_timeline_and_cannot_be_repeated(open_problem, alice):
    problem = open_problem()
    case = new_case(1)
    link = services.problem_link_case(actor=alice, problem=problem, case=case)

    assert link.linked_by == alice
    event = case.events.get(kind="problem.linked")
    assert event.actor == alice
    assert f"problem {problem.pk}" in event.summary
    with pytest.raises(DomainError) as err:
        services.problem_link_case(actor=alice, problem=problem, case=case)
    assert err.value.code == ErrorCode.ALREADY_DONE
    assert ProblemCase.objects.filter(problem=problem, case=case).count() == 1


def test_cases_cannot_be_linked_to_a_problem_that_is_not_open(open_problem, alice, bob):
    problem = open_problem()
    services.problem_transition(
        actor=bob, problem=problem, status=ProblemStatus.CLOSED, note="Not a problem."
    )
    case = new_case(1)
    with pytest.raises(DomainError) as err:
        services.problem_link_case(actor=alice, problem=problem, case=case)
    assert err.value.code == ErrorCode.INVALID_TRANSITION
    assert not ProblemCase.objects.filter(case=case).exists()
    assert not case.events.filter(kind="problem.linked").exists()


def test_unlinking_keeps_the_link_as_history_with_the_reason(open_problem, alice):
    problem = open_problem(n_cases=3)
    case = problem.links.first().case
    with pytest.raises(DomainError):
        services.problem_unlink_case(actor=alice, problem=problem, case=case, reason="  ")

    services.problem_unlink_case(actor=alice, problem=problem, case=case, reason="A different courier")

    link = ProblemCase.objects.get(problem=problem, case=case)
    assert link.unlinked_at is not None and link.unlinked_by == alice
    assert link.unlink_reason == "A different courier"
    event = case.events.get(kind="problem.unlinked")
    assert event.after == {"reason": "A different courier"}
    assert selectors.problem_get_for_user(user=alice, pk=problem.pk).case_count == 2
    # Unlinked, it can be linked again: a new row, the old one stays.
    services.problem_link_case(actor=alice, problem=problem, case=case)
    assert ProblemCase.objects.filter(problem=problem, case=case).count() == 2
    with pytest.raises(DomainError) as err:
        services.problem_unlink_case(actor=alice, problem=problem, case=new_case(9), reason="x")
    assert err.value.code == ErrorCode.ALREADY_DONE


def test_unlinking_needs_staff(open_problem, charlie):
    problem = open_problem()
    case = problem.links.first().case
    for actor in (charlie, None):
        with pytest.raises(PermissionDenied):
            services.problem_unlink_case(actor=actor, problem=problem, case=case, reason="x")
    assert ProblemCase.objects.filter(problem=problem, unlinked_at__isnull=True).count() == 2


# ---------------------------------------------------------------- merging


def test_merging_moves_the_cases_closes_the_source_and_keeps_the_history(open_problem, bob, delivery):
    target = open_problem(n_cases=2, title="Parcels not delivered")
    source_cases = [new_case(200 + i) for i in range(3)]
    shared = target.links.first().case
    source = services.problem_open(
        actor=None,
        title="Tracking says delivered",
        description="",
        origin="similarity",
        source_kind="a",
        category=delivery,
        cases=[*source_cases, shared],
    )

    services.problem_merge(actor=bob, source=source, target=target, reason="Same courier fault")

    source.refresh_from_db()
    assert source.status == ProblemStatus.CLOSED and source.merged_into == target
    assert not ProblemCase.objects.filter(problem=source, unlinked_at__isnull=True).exists()
    assert ProblemCase.objects.filter(problem=source).count() == 4  # kept as history
    active = set(
        ProblemCase.objects.filter(problem=target, unlinked_at__isnull=True).values_list("case", flat=True)
    )
    assert active == {c.pk for c in source_cases} | set(target.links.values_list("case", flat=True))
    assert ProblemCase.objects.filter(problem=target, case=shared, unlinked_at__isnull=True).count() == 1
    for case in source_cases:
        kinds = list(
            case.events.filter(kind__startswith="problem.").order_by("seq").values_list("kind", flat=True)
        )
        assert kinds == ["problem.linked", "problem.merged", "problem.linked"]
    assert source.events.filter(kind="problem.merged_into").exists()
    merged_from = target.events.get(kind="problem.merged_from")
    assert merged_from.data == {"source": source.pk, "moved": 3}


def test_merging_is_for_supervisors_and_refuses_nonsense(open_problem, alice, bob):
    a = open_problem(n_cases=1, title="A")
    b = open_problem(n_cases=1, title="B")
    with pytest.raises(PermissionDenied):
        services.problem_merge(actor=alice, source=a, target=b, reason="same")
    a.refresh_from_db()
    assert a.status == ProblemStatus.SUSPECTED and a.merged_into is None
    assert ProblemCase.objects.filter(problem=a, unlinked_at__isnull=True).count() == 1

    with pytest.raises(DomainError) as err:
        services.problem_merge(actor=bob, source=a, target=a, reason="same")
    assert err.value.code == ErrorCode.INVALID_INPUT
    services.problem_transition(actor=bob, problem=b, status=ProblemStatus.CLOSED, note="Not a problem")
    with pytest.raises(DomainError) as err:
        services.problem_merge(actor=bob, source=a, target=b, reason="same")
    assert err.value.code == ErrorCode.INVALID_TRANSITION
    with pytest.raises(DomainError):
        services.problem_merge(actor=bob, source=a, target=a, reason="  ")


# ---------------------------------------------------------------- owner


def test_staff_take_ownership_but_only_supervisors_give_it_away(open_problem, alice, dave, bob, charlie):
    problem = open_problem()
    services.problem_assign(actor=bob, problem=problem, owner=dave)
    # An agent's problem is any colleague's to take.
    services.problem_assign(actor=alice, problem=problem, owner=alice)
    problem.refresh_from_db()
    assert problem.owner == alice

    with pytest.raises(PermissionDenied):
        services.problem_assign(actor=alice, problem=problem, owner=dave)
    with pytest.raises(PermissionDenied):
        services.problem_assign(actor=charlie, problem=problem, owner=charlie)
    problem.refresh_from_db()
    assert problem.owner == alice

    services.problem_assign(actor=bob, problem=problem, owner=dave)
    problem.refresh_from_db()
    assert problem.owner == dave
    assert Alert.objects.filter(recipient=dave, kind=services.ALERT_ASSIGNED).count() == 2
    with pytest.raises(DomainError):
        services.problem_assign(actor=bob, problem=problem, owner=charlie)  # not staff


def snapshot(problem: Problem) -> tuple:
    problem.refresh_from_db()
    return problem.status, problem.owner_id, problem.closed_at, problem.events.count()


def test_an_agent_cannot_move_on_or_take_a_problem_a_supervisor_owns(open_problem, alice, bob):
    problem = open_problem()
    before = snapshot(problem)
    with pytest.raises(PermissionDenied, match="owned by Bob"):
        services.problem_transition(
            actor=alice, problem=problem, status=ProblemStatus.CLOSED, note="Looks like noise to me."
        )
    with pytest.raises(PermissionDenied, match="owned by Bob"):
        services.problem_transition(actor=alice, problem=problem, status=ProblemStatus.CONFIRMED)
    with pytest.raises(PermissionDenied, match="owned by Bob"):
        services.problem_assign(actor=alice, problem=problem, owner=alice)
    assert snapshot(problem) == before
    assert services.may_handle(alice, problem) is False and services.may_handle(bob, problem) is True


@pytest.mark.parametrize("actor_name", ["bob", "carol"])
def test_supervisors_and_above_still_move_on_and_take_a_supervisors_problem(
    open_problem, bob, carol, django_user_model, actor_name
):
    problem = open_problem()
    other_supervisor = django_user_model.objects.create_user("erin", password="x")
    other_supervisor.groups.add(bob.groups.get())
    services.problem_assign(actor=bob, problem=problem, owner=other_supervisor)
    actor = {"bob": bob, "carol": carol}[actor_name]
    services.problem_transition(actor=actor, problem=problem, status=ProblemStatus.CONFIRMED)
    services.problem_assign(actor=actor, problem=problem, owner=actor)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CONFIRMED and problem.owner == actor


def test_a_problem_nobody_owns_or_an_agent_owns_is_any_colleagues(open_problem, alice, bob, dave):
    problem = open_problem()
    services.problem_assign(actor=bob, problem=problem, owner=dave)
    services.problem_transition(actor=alice, problem=problem, status=ProblemStatus.CONFIRMED)
    services.problem_assign(actor=alice, problem=problem, owner=alice)
    Problem.objects.filter(pk=problem.pk).update(owner=None)
    services.problem_transition(
        actor=dave, problem=problem, status=ProblemStatus.CLOSED, note="Three different couriers."
    )
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


def test_a_supervisor_who_has_left_does_not_strand_their_problems(open_problem, alice, bob):
    problem = open_problem()
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    services.problem_assign(actor=alice, problem=problem, owner=alice)
    problem.refresh_from_db()
    assert problem.owner == alice


def test_owner_routes_are_for_supervisors(alice, bob, delivery):
    with pytest.raises(PermissionDenied):
        services.owner_route_set(actor=alice, category=delivery, owner=alice)
    route = services.owner_route_set(actor=bob, category=delivery, owner=bob)
    with pytest.raises(PermissionDenied):
        services.owner_route_remove(actor=alice, route=route)
    assert selectors.owner_routes().count() == 1
    services.owner_route_remove(actor=bob, route=route)
    assert selectors.owner_routes().count() == 0


# ---------------------------------------------------------------- alerts


def test_the_owner_is_alerted_once_in_the_app_and_by_email_when_a_problem_is_suspected(
    delivery, bob, mailbox, django_capture_on_commit_callbacks
):
    services.owner_route_set(actor=bob, category=delivery, owner=bob)
    cases = [new_case(300 + i) for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        problem = services.problem_open(
            actor=None,
            title="Parcels marked delivered",
            description="",
            origin="similarity",
            source_kind="a",
            category=delivery,
            cases=cases,
        )

    alerts = Alert.objects.filter(recipient=bob)
    assert [a.kind for a in alerts] == [services.ALERT_SUSPECTED]
    assert f"/problems/{problem.pk}/" in alerts[0].text
    assert "5 similar cases from 5 customers" in alerts[0].text
    emails = mailbox.to("bob@putright.example")
    assert len(emails) == 1
    assert "Parcels marked delivered" in plain_text(emails[0])


def test_growth_alerts_come_once_per_doubling(open_problem, bob, alice, settings):
    set_conf(settings, PROBLEM_GROWTH_PER_DAY=100)  # only the doubling rule here
    start = aware(2026, 3, 2, 9)
    with clock.frozen(start):
        problem = open_problem(n_cases=5)
    counts = []
    for i in range(15):
        with clock.frozen(start + timedelta(hours=1 + i)):
            services.problem_link_case(actor=alice, problem=problem, case=new_case(400 + i))
        counts.append(Alert.objects.filter(recipient=bob, kind=services.ALERT_GROWING).count())
    # Cases 6..20: the alert comes as the 10th and the 20th case join, and at no other time.
    assert counts == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]
    assert Alert.objects.filter(recipient=bob, kind=services.ALERT_SUSPECTED).count() == 1
    texts = list(
        Alert.objects.filter(kind=services.ALERT_GROWING).order_by("pk").values_list("text", flat=True)
    )
    assert "10 cases now (was 5" in texts[0] and "20 cases now (was 10" in texts[1]


def test_a_fast_day_alerts_once_a_day(open_problem, bob, alice, settings):
    set_conf(settings, PROBLEM_GROWTH_PER_DAY=3)
    start = aware(2026, 3, 2, 9)
    with clock.frozen(start):
        problem = open_problem(n_cases=10)  # the next doubling (20) is out of reach here

    def link_at(hours: float, i: int) -> int:
        with clock.frozen(start + timedelta(hours=hours)):
            services.problem_link_case(actor=alice, problem=problem, case=new_case(500 + i))
        return Alert.objects.filter(recipient=bob, kind=services.ALERT_GROWING).count()

    # Within the first day the opening alert stands for the burst: no second alert.
    assert [link_at(1, 0), link_at(2, 1)] == [0, 0]
    # Two days on, three cases within a day: one alert; a fourth the same day adds none.
    assert [link_at(48, 2), link_at(49, 3), link_at(50, 4), link_at(51, 5)] == [0, 0, 1, 1]
    problem.refresh_from_db()
    assert problem.alerted_case_count == 15
    # A day after that alert, another fast day alerts again.
    assert [link_at(76, 6), link_at(77, 7), link_at(78, 8)] == [1, 1, 2]


def test_nobody_is_alerted_for_a_problem_nobody_owns(alice):
    case = new_case(1)
    problem = services.problem_open(
        actor=alice, title="Odd one", description="", origin="manual", source_kind="b", cases=[case]
    )
    assert problem.owner is None
    assert not Alert.objects.exists()
    assert problem.events.filter(kind="problem.alert_skipped").exists()


def test_problem_events_are_append_only(open_problem):
    problem = open_problem()
    event = ProblemEvent.objects.filter(problem=problem).first()
    event.summary = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_a_problem_with_no_case_yet_alerts_its_owner_at_once_with_its_own_link(
    bob, delivery, mailbox, django_capture_on_commit_callbacks
):
    """S5: a signal opens a problem before any customer complains; its owner must hear now."""
    services.owner_route_set(actor=bob, category=delivery, owner=bob)
    with django_capture_on_commit_callbacks(execute=True):
        problem = services.problem_open(
            actor=None,
            title="Deliveries to the south-west late",
            description="Delay over 48 hours.",
            origin=ProblemOrigin.SIGNAL,
            source_kind=SourceKind.SYSTEM_FAILURE,
            category=delivery,
        )
    alert = Alert.objects.get(recipient=bob)
    assert (alert.case, alert.kind) == (None, services.ALERT_SUSPECTED)
    assert alert.text.endswith(f"/problems/{problem.pk}/")
    assert mailbox.subjects_to(bob.email) == ["[Putright] Repeated problem suspected"]
