"""S3 end to end: similar complaints from different customers become a problem; the batch regrouping."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Category
from putright.channels import delivery as delivery_module
from putright.channels.models import Alert
from putright.demo import content, extras, stories
from putright.errors import DomainError, PermissionDenied
from putright.problems import services, tasks
from putright.problems.models import Problem, ProblemCase, ProblemEvent, ProblemStatus, RegroupRun
from tests.conftest import aware, make_report

# The demo burst's reports from eight different customers (the demo's repeat report, closed as a duplicate, aside).
BURST = tuple(item for item in extras.BURST if not item.repeat)

pytestmark = pytest.mark.django_db

UNRELATED = [
    (
        "Washing machine leaks",
        "My new washing machine leaks water all over the kitchen floor after each wash.",
    ),
    ("Rude assistant in store", "The assistant at the Leeds store was rude to my mother and laughed at her."),
    ("Charged twice", "I have been charged twice on my credit card for the same sofa order."),
    ("Fridge too warm", "The fridge freezer we bought does not get cold; the milk goes off in a day."),
    (
        "Promo code refused",
        "The website refused my 20% discount code at checkout although it had not expired.",
    ),
    (
        "Installer did not come",
        "We waited in all day for the dishwasher installer and nobody came or called.",
    ),
]


def background_stories() -> list[tuple[str, str]]:
    """Everyday complaints of every other kind, two of each, as the demo writes them.

    Words are weighed against the other recent complaints (TF-IDF), so the burst needs a realistic
    crowd around it: in a database holding nothing but the burst, the words its cases share would be
    in every text and so carry no weight at all.
    """
    rng = random.Random(7)
    scenarios = content.data("stories")["scenarios"]
    names = [s["story"] for s in scenarios["a"] + scenarios["c"] if s["story"] != "delivery_not_received"]
    written = []
    for name in names * 2:
        ctx = stories.Ctx(rng, reported_on=date(2026, 3, 1), tone="neutral", handler_first="Amira")
        story = stories.story_write(name, ctx)
        written.append((story.subject, story.description))
    return written


BACKGROUND = background_stories()


def crowd(start, *, first_id: int = 2000) -> list:
    """The background complaints, one an hour from ``start``."""
    cases = []
    for i, (subject, description) in enumerate(BACKGROUND):
        with clock.frozen(start + timedelta(hours=i)):
            cases.append(report(first_id + i, subject, description))
    return cases


def report(i: int, subject: str, description: str, *, email: str | None = None, category=None):
    case, _ = case_services.case_report(
        report=make_report(
            customer_name=f"Customer {i}",
            customer_email=email or f"customer{i}@example.com",
            subject=subject,
            description=description,
            category_id=category.pk if category else None,
        )
    )
    return case


@pytest.fixture
def delivery(bob):
    category = Category.objects.create(name="Delivery", slug="delivery")
    services.owner_route_set(actor=bob, category=category, owner=bob)
    return category


def burst(start, items=BURST, *, first_id: int = 0, category=None, group: bool = True, gap_hours: float = 3):
    """Report ``items`` every few hours from ``start``, grouping each as the worker would; the outcomes."""
    outcomes = []
    for i, item in enumerate(items):
        with clock.frozen(start + timedelta(hours=gap_hours * i)):
            case = report(
                first_id + i,
                item.subject,
                item.description,
                category=category if category is not None and item.chose_delivery else None,
            )
            outcomes.append((case, services.case_group(case) if group else None))
    return outcomes


START = aware(2026, 3, 2, 9)


def test_a_burst_of_similar_complaints_raises_one_problem_and_unrelated_ones_stay_out(delivery, bob):
    background = crowd(START - timedelta(days=3))
    unrelated = []
    for i, (subject, description) in enumerate(UNRELATED):
        with clock.frozen(START + timedelta(hours=i)):
            unrelated.append(report(100 + i, subject, description))
            assert services.case_group(unrelated[-1]).action == "none"
    # Only some chose the Delivery category on the form: the grouping works on their words.
    outcomes = burst(START + timedelta(days=1), category=delivery)

    assert [o.action for _, o in outcomes] == ["none"] * 4 + ["opened", "linked", "linked", "linked"]
    problem = outcomes[4][1].problem
    assert all(o.problem == problem for _, o in outcomes[4:])
    assert problem.status == ProblemStatus.SUSPECTED and problem.origin == "similarity"
    assert problem.category == delivery and problem.owner == bob
    assert problem.title in {item.subject for item in BURST}
    assert "5 similar reports from 5 customers" in problem.description
    assert "Words they share:" in problem.description and "parcel" in problem.description
    linked = set(
        ProblemCase.objects.filter(problem=problem, unlinked_at__isnull=True).values_list("case", flat=True)
    )
    assert linked == {case.pk for case, _ in outcomes}
    assert not ProblemCase.objects.filter(case__in=[*unrelated, *background]).exists()
    assert Problem.objects.count() == 1
    # The owner heard once, when it was suspected (8 cases is not yet double the 5 it opened with).
    assert list(Alert.objects.filter(recipient=bob).values_list("kind", flat=True)) == [
        services.ALERT_SUSPECTED
    ]
    for case, _ in outcomes:
        link = ProblemCase.objects.get(case=case)
        assert case.events.filter(kind="problem.linked").count() == 1
        assert 0.3 < link.similarity <= 1


def test_one_customer_writing_five_times_is_not_a_problem(delivery):
    crowd(START - timedelta(days=3))
    for i, item in enumerate(BURST[:6]):
        with clock.frozen(START + timedelta(hours=i)):
            case = report(i, item.subject, item.description, email="same.person@example.com")
            assert services.case_group(case).action == "none"
    assert not Problem.objects.exists()


def test_only_cases_within_the_window_count(delivery, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "PROBLEM_WINDOW_DAYS": 14}
    crowd(START - timedelta(days=3))
    burst(START, BURST[:4], group=False, gap_hours=24)
    crowd(START + timedelta(days=27), first_id=3000)
    late = burst(START + timedelta(days=30), BURST[4:5], first_id=4)
    assert late[0][1].action == "none"
    assert not Problem.objects.exists()


def test_grouping_a_case_twice_changes_nothing_the_second_time(delivery):
    crowd(START - timedelta(days=3))
    outcomes = burst(START, BURST[:5])
    assert outcomes[-1][1].action == "opened"
    before = (ProblemCase.objects.count(), ProblemEvent.objects.count(), Alert.objects.count())
    for case, _ in outcomes:
        assert services.case_group(case).action == "already"
        assert services.case_analyse(case_id=case.pk) == "already"
    assert (ProblemCase.objects.count(), ProblemEvent.objects.count(), Alert.objects.count()) == before
    assert services.case_analyse(case_id=10**9) == "missing"


def test_a_new_report_is_analysed_by_the_worker_after_it_is_stored(
    delivery, bob, mailbox, django_capture_on_commit_callbacks
):
    crowd(START - timedelta(days=3))
    burst(START, BURST[:4], group=False)
    assert not Problem.objects.exists()

    with clock.frozen(START + timedelta(hours=20)):
        with django_capture_on_commit_callbacks(execute=True):
            fifth = report(4, BURST[4].subject, BURST[4].description)

    problem = Problem.objects.get()
    assert ProblemCase.objects.filter(problem=problem, case=fifth).exists()
    assert problem.links.count() == 5
    assert len(mailbox.to("bob@putright.example")) == 1


def test_analysing_a_case_of_the_past_raises_the_problem_and_its_alert_but_sends_nothing(
    delivery, bob, mailbox, django_capture_on_commit_callbacks
):
    """The demo's history is analysed after it loads: the owner sees the alert in the app, recorded as
    delivered (as it would have been back then), and no email goes out."""
    crowd(START - timedelta(days=3))
    cases = [case for case, _ in burst(START, BURST[:5], group=False)]

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [tasks.case_analyse_past.call(case.pk) for case in cases]

    assert outcomes.count("opened") == 1
    problem = Problem.objects.get()
    assert problem.links.count() == 5
    alert = Alert.objects.get(recipient=bob)
    assert (alert.kind, alert.email_status, alert.read_at) == (services.ALERT_SUSPECTED, "sent", None)
    assert mailbox.to("bob@putright.example") == []
    # Outside the past, alerts are emailed as ever.
    with django_capture_on_commit_callbacks(execute=True):
        live = delivery_module.alert_create(recipient=bob, case=cases[0], kind="cadence", text="now")
    live.refresh_from_db()
    assert live.email_status == "sent" and len(mailbox.to("bob@putright.example")) == 1


def test_a_case_similar_to_a_dismissed_problem_can_start_a_new_one(delivery, bob):
    crowd(START - timedelta(days=3))
    burst(START, BURST[:5])
    problem = Problem.objects.get()
    services.problem_transition(actor=bob, problem=problem, status=ProblemStatus.CLOSED, note="One-off")
    outcome = burst(START + timedelta(hours=20), BURST[5:6], first_id=5)[0][1]
    # It came back: cases in a closed problem are not covered by an open one.
    assert outcome.action == "opened"
    assert Problem.objects.filter(status=ProblemStatus.SUSPECTED).count() == 1


# ---------------------------------------------------------------- batch regrouping

KETTLES = [
    ("Kettle stopped working", "My kettle stopped working after two weeks, it will not switch on at all."),
    ("Kettle dead after a fortnight", "The kettle I bought will not switch on any more, it stopped working."),
    ("Broken kettle", "Kettle stopped working and will not switch on, only two weeks old."),
    ("Kettle won't switch on", "After two weeks my new kettle stopped working and will not switch on."),
    ("Faulty kettle", "My kettle will not switch on now; it stopped working within two weeks."),
]


def _history() -> int:
    """Two bursts months apart, each in a crowd of everyday complaints, never grouped one by one."""
    old, recent = aware(2025, 11, 3, 9), clock.now() - timedelta(days=3)
    crowd(old - timedelta(days=3))
    burst(old, BURST[:6], group=False, gap_hours=5)
    crowd(recent - timedelta(days=3), first_id=3000)
    for i, (subject, description) in enumerate(KETTLES):
        with clock.frozen(recent + timedelta(hours=3 * i)):
            report(50 + i, subject, description)
    return 2 * len(BACKGROUND) + 6 + len(KETTLES)


def test_regrouping_the_history_opens_each_problem_once_and_is_idempotent(delivery, bob):
    total = _history()
    progress = []
    first = services.problems_regroup(progress=lambda done, all_: progress.append((done, all_)))

    assert (first.problems_opened, first.cases_linked) == (2, 11)
    assert progress[0] == (0, total) and progress[-1] == (total, total)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    sizes = sorted(p.links.count() for p in Problem.objects.all())
    assert sizes == [5, 6]
    # The old burst is history: opened without alerting anyone; the recent one alerts its owner.
    assert Alert.objects.filter(kind=services.ALERT_SUSPECTED).count() == 1

    before = (Problem.objects.count(), ProblemCase.objects.count(), ProblemEvent.objects.count())
    second = services.problems_regroup()
    assert (second.problems_opened, second.cases_linked) == (0, 0)
    assert (Problem.objects.count(), ProblemCase.objects.count(), ProblemEvent.objects.count()) == before


def test_regrouping_does_not_bring_back_a_dismissed_problem(delivery, bob):
    _history()
    services.problems_regroup()
    for problem in Problem.objects.all():
        services.problem_transition(actor=bob, problem=problem, status=ProblemStatus.CLOSED, note="No")
    result = services.problems_regroup()
    assert result.problems_opened == 0
    assert not Problem.objects.exclude(status=ProblemStatus.CLOSED).exists()


def test_regrouping_joins_new_members_to_the_open_problem_that_holds_the_others(delivery, alice):
    start = clock.now() - timedelta(days=4)
    crowd(start - timedelta(days=3))
    burst(start, BURST[:5], group=False)
    services.problems_regroup()
    problem = Problem.objects.get()
    # Two more arrive while the worker is down, so nobody grouped them.
    burst(start + timedelta(hours=30), BURST[5:7], first_id=5, group=False)
    result = services.problems_regroup()
    assert (result.problems_opened, result.cases_linked) == (0, 2)
    assert problem.links.filter(unlinked_at__isnull=True).count() == 7


def test_a_regrouping_started_from_the_board_runs_once_and_records_its_progress(
    delivery, bob, alice, django_capture_on_commit_callbacks
):
    total = _history()
    with pytest.raises(PermissionDenied):
        services.regroup_start(actor=alice)
    assert not RegroupRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        run = services.regroup_start(actor=bob)
    run.refresh_from_db()
    assert run.status == RegroupRun.Status.DONE
    assert (run.total, run.processed, run.problems_opened, run.cases_linked) == (total, total, 2, 11)
    assert run.started_at is not None and run.finished_at is not None

    queued = services.regroup_start(actor=bob)  # not run: its task was never executed here
    with pytest.raises(DomainError, match="already under way"):
        services.regroup_start(actor=bob)
    assert RegroupRun.objects.filter(status=RegroupRun.Status.QUEUED).get() == queued
