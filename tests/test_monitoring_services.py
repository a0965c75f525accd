"""S5 services: readings stored then evaluated, thresholds and windows, one problem per sustained
breach, idempotent readings, the customers likely to be affected, and the proactive notice — sent
exactly once per customer, recorded as unprompted — with permissions proven."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from putright import clock
from putright.audit.models import Event
from putright.cases.models import Case, Category
from putright.channels.models import Message
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.monitoring import services
from putright.monitoring.models import AffectedCustomer, Signal, SignalBreach, SignalThreshold
from putright.problems.models import Problem, ProblemCase
from putright.vocab import Channel, SourceKind, Status
from tests.conftest import aware

pytestmark = pytest.mark.django_db

T0 = aware(2031, 6, 2, 9)
NOTICE = (
    "Your delivery may be late",
    "We are sorry: deliveries in your area are running late. We are on it.",
)


def threshold(**overrides) -> SignalThreshold:
    data = dict(
        name="Deliveries to the south-west running late",
        measurement="delivery_delay_hours",
        dimensions={"region": "south-west"},
        comparison=">",
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
        cooldown_minutes=24 * 60,
    )
    data.update(overrides)
    return SignalThreshold.objects.create(**data)


def send(actor, value, *, at=T0, name="delivery_delay_hours", dims=None, customers=(), client_id=""):
    with clock.frozen(at):
        return services.signal_record(
            actor=actor,
            signal=services.SignalInput(
                name=name,
                value=value,
                observed_at=at,
                dimensions={"region": "south-west"} if dims is None else dims,
                customers=list(customers),
                client_id=client_id,
            ),
        )


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("comparison", "limit", "value", "breaches"),
    [
        (">", 48, 48, False),
        (">", 48, 48.5, True),
        (">=", 48, 48, True),
        ("<", 95, 95, False),
        ("<", 95, 94.9, True),
        ("<=", 95, 95, True),
    ],
)
def test_each_reading_is_compared_with_the_threshold_at_its_boundary(
    alice, comparison, limit, value, breaches
):
    threshold(comparison=comparison, value=limit)
    outcome = send(alice, value)
    assert outcome.created and outcome.evaluated
    assert len(outcome.breaches) == (1 if breaches else 0)
    assert Problem.objects.count() == (1 if breaches else 0)
    assert Signal.objects.get().evaluated_at is not None


def test_a_breach_opens_an_internal_problem_of_the_thresholds_source_kind_and_category(alice):
    category = Category.objects.create(name="Delivery", slug="delivery")
    t = threshold(source_kind=SourceKind.FOUND_INTERNALLY, category=category, product="Next-day delivery")
    outcome = send(alice, 60)
    [breach] = outcome.breaches
    problem = breach.problem
    assert problem.origin == "signal"
    assert problem.source_kind == SourceKind.FOUND_INTERNALLY
    assert (problem.category, problem.product) == (category, "Next-day delivery")
    assert problem.title == f"Signal: {t.name}"
    assert "delivery_delay_hours > 48" in problem.description
    assert (breach.first_value, breach.last_value, breach.readings, breach.started_at) == (60, 60, 1, T0)


def test_readings_of_other_measurements_or_dimensions_or_disabled_thresholds_do_not_breach(alice):
    threshold()
    threshold(name="Off", enabled=False, dimensions={})
    send(alice, 100, dims={"region": "north"})
    send(alice, 100, name="payment_failures")
    send(alice, 100, dims={})
    assert SignalBreach.objects.count() == 0
    assert Signal.objects.filter(evaluated_at__isnull=False).count() == 3


def test_a_count_window_breaches_only_with_enough_readings_inside_it(alice):
    threshold(
        measurement="payment_failed",
        dimensions={},
        aggregation="count",
        window_minutes=10,
        comparison=">=",
        value=3,
    )
    send(alice, 1, name="payment_failed", dims={}, at=T0 - timedelta(minutes=11))  # outside the window
    send(alice, 1, name="payment_failed", dims={}, at=T0 - timedelta(minutes=9))
    assert send(alice, 1, name="payment_failed", dims={}, at=T0 - timedelta(minutes=1)).breaches == []
    [breach] = send(alice, 1, name="payment_failed", dims={}, at=T0).breaches
    assert breach.first_value == 3
    assert breach.signals.count() == 3  # the three in the window, not the old one


def test_a_mean_window_summarises_matching_readings_only(alice):
    threshold(aggregation="mean", window_minutes=60)
    send(alice, 40, at=T0 - timedelta(minutes=30))
    send(alice, 500, dims={"region": "north"}, at=T0 - timedelta(minutes=20))  # another region: ignored
    assert send(alice, 50, at=T0 - timedelta(minutes=10)).breaches == []  # mean 45
    [breach] = send(alice, 60, at=T0).breaches  # mean 50
    assert breach.first_value == pytest.approx(50)


def test_a_max_window_breaches_while_a_high_reading_is_inside_it(alice):
    threshold(aggregation="max", window_minutes=30)
    send(alice, 70, at=T0)
    [again] = send(alice, 10, at=T0 + timedelta(minutes=20)).breaches  # 70 still in the window
    assert again.last_value == 70
    assert send(alice, 10, at=T0 + timedelta(minutes=31)).breaches == []


# ---------------------------------------------------------------- cooldown


def test_a_sustained_breach_opens_exactly_one_problem(alice):
    threshold(cooldown_minutes=120)
    for i in range(12):
        send(alice, 50 + i, at=T0 + timedelta(minutes=30 * i))
    [breach] = SignalBreach.objects.all()
    assert Problem.objects.count() == 1
    assert breach.readings == 12
    assert (breach.first_value, breach.last_value) == (50, 61)
    assert breach.last_breached_at == T0 + timedelta(minutes=330)
    assert breach.signals.count() == 12


def test_after_a_quiet_spell_longer_than_the_cooldown_a_new_breach_opens_a_new_problem(alice):
    threshold(cooldown_minutes=120)
    send(alice, 60, at=T0)
    send(alice, 20, at=T0 + timedelta(minutes=60))  # within limits
    send(alice, 60, at=T0 + timedelta(minutes=121))
    assert SignalBreach.objects.count() == 2
    assert Problem.objects.count() == 2


# ---------------------------------------------------------------- storage and idempotency


def test_a_retried_reading_with_the_same_id_is_stored_once_and_not_evaluated_again(alice, bob):
    threshold()
    first = send(alice, 60, client_id="wms-1")
    again = send(alice, 60, client_id="wms-1")
    assert (again.signal.pk, again.created) == (first.signal.pk, False)
    assert [b.pk for b in again.breaches] == [b.pk for b in first.breaches]
    assert Signal.objects.count() == 1
    assert SignalBreach.objects.get().readings == 1
    # The id is the sender's own: another sender may use it.
    assert send(bob, 60, client_id="wms-1").created is True


def test_the_same_id_for_a_different_reading_is_a_conflict(alice):
    send(alice, 10, client_id="wms-2")
    with pytest.raises(DomainError) as refused:
        send(alice, 11, client_id="wms-2")
    assert refused.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert Signal.objects.count() == 1


def test_a_reading_is_kept_when_evaluation_fails_and_evaluated_later(alice):
    threshold()
    with mock.patch("putright.problems.services.problem_open", side_effect=RuntimeError("boom")):
        outcome = send(alice, 60)
    assert (outcome.created, outcome.evaluated, outcome.breaches) == (True, False, [])
    assert Signal.objects.get().evaluated_at is None
    assert SignalBreach.objects.count() == 0
    assert services.signals_evaluate_pending() == 1
    assert SignalBreach.objects.count() == 1
    assert Problem.objects.count() == 1
    assert services.signals_evaluate_pending() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "name"),
        ({"value": float("nan")}, "finite"),
        ({"value": float("inf")}, "finite"),
        ({"observed_at": T0 + timedelta(hours=1)}, "future"),
        ({"dimensions": ["region"]}, "Dimensions"),
        ({"dimensions": {"region": {"nested": 1}}}, "Dimension"),
        ({"customers": "priya@example.com"}, "list"),
        ({"customers": [{"a": 1}] * 1001}, "at most 1000"),
        ({"customers": [None]}, "Each customer"),
    ],
)
def test_the_service_refuses_bad_readings_itself(alice, changes, message):
    data = dict(name="delivery_delay_hours", value=1.0, observed_at=T0, dimensions={}, customers=[])
    data.update(changes)
    with clock.frozen(T0), pytest.raises(DomainError) as refused:
        services.signal_record(actor=alice, signal=services.SignalInput(**data))
    assert refused.value.code == ErrorCode.INVALID_INPUT
    assert message in refused.value.message
    assert Signal.objects.count() == 0


@pytest.mark.parametrize("who", ["charlie", "nobody"])
def test_outsiders_cannot_send_readings(charlie, who):
    with pytest.raises(PermissionDenied):
        send(charlie if who == "charlie" else None, 60)
    assert Signal.objects.count() == 0


# ---------------------------------------------------------------- affected customers


def test_customers_are_matched_by_id_email_case_order_and_phone_once_per_person(alice, report_case):
    by_id = report_case(customer_email="one@example.com", customer_name="One")
    by_email = report_case(customer_email="Two@Example.com", customer_name="Two")
    by_case = report_case(customer_email="three@example.com", customer_name="Three")
    by_order = report_case(customer_email="four@example.com", customer_name="Four", order_reference="ORD-4")
    by_phone = report_case(
        customer_email="five@example.com", customer_name="Five", customer_phone="07700 900555"
    )
    matches, unmatched = services.customers_resolve(
        [
            by_id.customer_id,
            "two@example.COM",
            {"email": "one@example.com"},  # the same person as by_id: listed once
            by_case.reference,
            {"order_reference": "ORD-4"},
            {"phone": "07700900555"},
            {"postcode_prefix": "BS1"},
            "nobody@example.com",
        ]
    )
    assert sorted((m.customer.name, m.matched_by) for m in matches) == [
        ("Five", "phone"),
        ("Four", "order_reference"),
        ("One", "id"),
        ("Three", "case"),
        ("Two", "email"),
    ]
    assert {m.customer.pk for m in matches} == {
        c.customer_id for c in (by_id, by_email, by_case, by_order, by_phone)
    }
    assert unmatched == [{"postcode_prefix": "BS1"}, "nobody@example.com"]


def test_a_person_with_several_records_is_represented_by_the_one_with_an_open_case(alice, report_case):
    old = report_case(customer_email="sam@example.com")
    Case.objects.filter(pk=old.pk).update(status=Status.CLOSED_RESOLVED)
    current = report_case(customer_email="SAM@example.com")
    newest_closed = report_case(customer_email="sam@example.com")
    Case.objects.filter(pk=newest_closed.pk).update(status=Status.CLOSED_RESOLVED)
    [match], _ = services.customers_resolve(["sam@example.com"])
    assert match.customer.pk == current.customer_id


def test_the_breach_lists_customers_from_every_reading_once_and_keeps_what_it_could_not_match(
    alice, report_case
):
    threshold(cooldown_minutes=600)
    a = report_case(customer_email="a@example.com")
    b = report_case(customer_email="b@example.com")
    send(alice, 60, customers=["a@example.com", {"postcode_prefix": "BS1"}])
    send(
        alice,
        70,
        at=T0 + timedelta(minutes=5),
        customers=["a@example.com", "b@example.com", {"postcode_prefix": "BS1"}],
    )
    breach = SignalBreach.objects.get()
    assert set(breach.affected.values_list("customer_id", flat=True)) == {a.customer_id, b.customer_id}
    assert breach.unmatched == [{"postcode_prefix": "BS1"}]


# ---------------------------------------------------------------- the proactive notice


@pytest.fixture
def breach_with_customers(alice, report_case):
    """A breach naming three people: two with open cases, one whose only case is closed."""
    threshold()
    open_one = report_case(customer_email="open1@example.com", customer_name="Olu Open")
    open_two = report_case(customer_email="open2@example.com", customer_name="Oona Open")
    closed = report_case(customer_email="closed@example.com", customer_name="Cleo Closed")
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED_RESOLVED)
    [breach] = send(
        alice, 60, customers=["open1@example.com", "open2@example.com", "closed@example.com"]
    ).breaches
    return breach, {"open1": open_one, "open2": open_two, "closed": closed}


def test_the_notice_reaches_each_customer_once_unprompted_on_their_case_and_links_it_to_the_problem(
    bob, breach_with_customers, mailbox, django_capture_on_commit_callbacks
):
    breach, cases = breach_with_customers
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        progress = services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert (progress.total, progress.notified, progress.pending, progress.failed) == (3, 3, 0, 0)

    notices = Message.objects.filter(subject=NOTICE[0])
    assert notices.count() == 3
    assert set(notices.values_list("prompt", flat=True)) == {Message.Prompt.UNPROMPTED}
    assert set(notices.values_list("author", flat=True)) == {bob.pk}
    # On the open cases themselves, with an event on each timeline.
    for key in ("open1", "open2"):
        case = cases[key]
        assert notices.filter(case=case).count() == 1
        event = Event.objects.filter(case=case, kind="message.sent").get()
        assert event.after["requested"] is False
        assert event.after["breach"] == breach.pk
        assert event.customer_visible is True
    # The customer with no open case gets a new internal case of the threshold's source kind.
    new_case = Case.objects.exclude(pk__in=[c.pk for c in cases.values()]).get()
    assert (new_case.channel, new_case.source_kind, new_case.customer.email) == (
        Channel.INTERNAL,
        SourceKind.SYSTEM_FAILURE,
        "closed@example.com",
    )
    assert notices.filter(case=new_case).count() == 1
    assert AffectedCustomer.objects.get(email_key="closed@example.com").case_opened is True
    # Every case the notice went on is linked to the problem.
    linked = set(ProblemCase.objects.filter(problem=breach.problem).values_list("case_id", flat=True))
    assert linked == {cases["open1"].pk, cases["open2"].pk, new_case.pk}
    # The emails went out, each once, each marked as an unprompted message.
    for address in ("open1@example.com", "open2@example.com", "closed@example.com"):
        emails = [m for m in mailbox.to(address) if NOTICE[0] in str(m["Subject"])]
        assert len(emails) == 1
        message = Message.objects.get(pk=int(emails[0]["X-Putright-Message"]))
        assert message.prompt == Message.Prompt.UNPROMPTED


def test_a_second_send_sends_nothing_more(
    bob, breach_with_customers, mailbox, django_capture_on_commit_callbacks
):
    breach, _ = breach_with_customers
    with django_capture_on_commit_callbacks(execute=True):
        services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    messages_before, emails_before = Message.objects.count(), len(mailbox.messages)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as refused:
        services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert refused.value.code == ErrorCode.ALREADY_DONE
    assert (Message.objects.count(), len(mailbox.messages)) == (messages_before, emails_before)


def test_a_customer_already_claimed_is_skipped_even_mid_way(bob, breach_with_customers):
    """The claim is a conditional UPDATE: a second sender racing the first finds the row taken."""
    breach, _ = breach_with_customers
    services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    first = AffectedCustomer.objects.order_by("pk").first()
    assert services._notice_one(breach=breach, affected_id=first.pk, actor=bob) is False
    assert Message.objects.filter(subject=NOTICE[0]).count() == 3


def test_customers_added_after_a_notice_get_it_when_it_is_sent_again(
    bob, alice, breach_with_customers, report_case
):
    breach, _ = breach_with_customers
    services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    late = report_case(customer_email="late@example.com")
    send(alice, 65, at=T0 + timedelta(minutes=10), customers=["late@example.com"])
    progress = services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert (progress.total, progress.notified, progress.pending) == (4, 4, 0)
    assert Message.objects.filter(subject=NOTICE[0]).count() == 4
    assert Message.objects.filter(subject=NOTICE[0], case=late).count() == 1


def test_many_customers_are_sent_by_the_worker(
    bob, breach_with_customers, settings, django_capture_on_commit_callbacks
):
    breach, _ = breach_with_customers
    settings.PUTRIGHT = {**settings.PUTRIGHT, "NOTICE_INLINE_MAX": 2}
    with django_capture_on_commit_callbacks(execute=True):
        progress = services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert (progress.queued, progress.notified, progress.pending) == (True, 0, 3)
    # The test settings run tasks immediately once the transaction commits.
    assert services.notice_progress(breach=breach).notified == 3
    assert Message.objects.filter(subject=NOTICE[0]).count() == 3


def test_one_failure_does_not_stop_the_others_and_stays_pending(bob, breach_with_customers):
    breach, cases = breach_with_customers
    real = services.case_services.customer_tell

    def flaky(case, subject, body, **kwargs):
        if case.pk == cases["open2"].pk:
            raise RuntimeError("mail queue down")
        return real(case, subject, body, **kwargs)

    with mock.patch.object(services.case_services, "customer_tell", side_effect=flaky):
        progress = services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert (progress.notified, progress.pending, progress.failed) == (2, 1, 1)
    assert AffectedCustomer.objects.get(email_key="open2@example.com").notified_at is None
    assert not Event.objects.filter(case=cases["open2"], kind="message.sent").exists()
    retry = services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert (retry.notified, retry.pending) == (3, 0)


@pytest.mark.parametrize("who", ["alice", "charlie", "nobody"])
def test_only_supervisors_and_above_send_a_notice_and_nothing_changes_otherwise(
    who, alice, charlie, breach_with_customers
):
    breach, _ = breach_with_customers
    actor = {"alice": alice, "charlie": charlie, "nobody": None}[who]
    before = (Message.objects.count(), Event.objects.count(), Case.objects.count())
    with pytest.raises(PermissionDenied):
        services.breach_notice_send(actor=actor, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert (Message.objects.count(), Event.objects.count(), Case.objects.count()) == before
    breach.refresh_from_db()
    assert (breach.notice_subject, breach.notice_requested_at) == ("", None)
    assert not AffectedCustomer.objects.filter(notified_at__isnull=False).exists()


@pytest.mark.parametrize(("subject", "body"), [("", "x"), ("x", ""), ("a\nb", "x"), ("x" * 201, "x")])
def test_a_notice_needs_a_one_line_subject_and_a_body(bob, breach_with_customers, subject, body):
    breach, _ = breach_with_customers
    with pytest.raises(DomainError):
        services.breach_notice_send(actor=bob, breach=breach, subject=subject, body=body)
    assert not AffectedCustomer.objects.filter(notified_at__isnull=False).exists()


def test_a_breach_naming_no_customers_has_nobody_to_tell(bob, alice):
    threshold()
    [breach] = send(alice, 60).breaches
    with pytest.raises(DomainError) as refused:
        services.breach_notice_send(actor=bob, breach=breach, subject=NOTICE[0], body=NOTICE[1])
    assert refused.value.code == ErrorCode.INVALID_INPUT


def test_the_console_command_evaluates_what_was_left_pending(alice):
    import io

    from django.core.management import call_command

    threshold()
    with mock.patch("putright.problems.services.problem_open", side_effect=RuntimeError("boom")):
        send(alice, 60)
    out = io.StringIO()
    call_command("signals_evaluate", stdout=out)
    assert out.getvalue().strip() == "1 of 1 pending reading(s) evaluated."
    assert SignalBreach.objects.count() == 1
