"""Close as duplicate (issue 12 §3): the case that repeats another open case of the same customer closes,
both cases record the link, the customer hears once which case carries on, and nothing else is sent."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from putright import clock
from putright.audit.events import chain_verify
from putright.audit.models import Event
from putright.authority.models import Approval
from putright.cases import hooks, services
from putright.cases.models import Case, Promise
from putright.channels.models import Message
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock
from putright.vocab import PromiseStatus, RemedyType, Status
from tests.conftest import make_report

pytestmark = pytest.mark.django_db


def _report(**overrides):
    case, _ = services.case_report(report=make_report(**overrides))
    return case


@pytest.fixture
def pair(db):
    """Two open reports from Priya about the same leaking machine: the later one repeats the first."""
    original = _report()
    duplicate = _report(subject="Still leaking", description="The machine I told you about leaks again.")
    return duplicate, original


def _snapshot(*cases):
    rows = []
    for case in cases:
        case.refresh_from_db()
        rows.append(
            (
                case.status,
                case.duplicate_of_id,
                case.closed_at,
                case.events.count(),
                case.messages.count(),
                CaseClock.objects.filter(case=case, stopped_at__isnull=True).count(),
            )
        )
    return rows


def test_the_duplicate_closes_linked_to_the_case_that_carries_on(pair, alice):
    duplicate, original = pair
    when = clock.now().replace(microsecond=0) + timedelta(hours=1)
    with clock.frozen(when):
        closed = services.case_close_duplicate(
            actor=alice, case=duplicate, original=original, note="Same machine, same leak"
        )
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert closed.pk == duplicate.pk
    assert (duplicate.status, duplicate.duplicate_of_id, duplicate.closed_at) == (
        Status.CLOSED_DUPLICATE,
        original.pk,
        when,
    )
    assert duplicate.is_closed is True
    assert list(original.duplicates.all()) == [duplicate]
    # The case that carries on is untouched, apart from recording the link.
    assert (original.status, original.duplicate_of_id, original.closed_at) == (Status.NEW, None, None)


def test_both_cases_record_the_link_in_their_audit_trail(pair, alice):
    duplicate, original = pair
    services.case_close_duplicate(actor=alice, case=duplicate, original=original, note="Same leak")
    closed = Event.objects.get(case=duplicate, kind="case.closed_duplicate")
    assert closed.customer_visible is True
    assert closed.actor == alice
    # The customer sees this one: the staff note is kept in ``after`` only, never in the summary.
    assert closed.summary == f"Closed as a duplicate of {original.reference}, which carries on"
    assert closed.before == {"status": Status.NEW, "duplicate_of": None}
    assert closed.after == {
        "status": Status.CLOSED_DUPLICATE,
        "duplicate_of": original.reference,
        "note": "Same leak",
    }
    linked = Event.objects.get(case=original, kind="case.duplicate_linked")
    assert linked.customer_visible is False
    assert linked.summary == f"{duplicate.reference} was closed as a duplicate of this case: Same leak"
    assert linked.after == {"duplicate": duplicate.reference, "note": "Same leak"}
    assert chain_verify()[1] == []


def test_the_customer_gets_one_message_naming_the_case_that_carries_on_and_no_final_letter(
    pair, alice, mailbox, django_capture_on_commit_callbacks
):
    duplicate, original = pair
    before = {c.pk: c.messages.count() for c in pair}
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    [message] = duplicate.messages.order_by("-pk")[:1]
    assert duplicate.messages.count() == before[duplicate.pk] + 1
    assert original.messages.count() == before[original.pk]
    assert message.direction == Message.Direction.OUTBOUND
    assert message.subject == f"Your report continues as {original.reference}"
    assert original.reference in message.body
    assert "final response" not in message.body.lower()
    subjects = mailbox.subjects_to("priya@example.com")
    assert len(subjects) == 1
    assert original.reference in subjects[0]


def test_running_clocks_stop_with_the_reason(pair, alice):
    duplicate, original = pair
    running = CaseClock.objects.filter(case=duplicate, met_at__isnull=True, stopped_at__isnull=True)
    assert running.count() >= 1  # the service-level clocks started on report
    ids = list(running.values_list("pk", flat=True))
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    duplicate.refresh_from_db()
    for row in CaseClock.objects.filter(pk__in=ids):
        assert row.stopped_at == duplicate.closed_at
        assert row.stop_reason == f"Closed as a duplicate of {original.reference}, which carries on"
        assert row.met_at is None
    # The original's clocks run on.
    assert CaseClock.objects.filter(case=original, met_at__isnull=True, stopped_at__isnull=True).exists()


def test_open_promises_and_pending_approvals_are_withdrawn(pair, alice, bob):
    duplicate, original = pair
    services.case_summarise_understanding(actor=alice, case=duplicate, summary="Leaks; wants a new one.")
    services.case_confirm_understanding(actor=None, case=duplicate)
    promise = services.promise_make(
        actor=alice,
        case=duplicate,
        description="Call back",
        owner=alice,
        due_at=clock.now() + timedelta(days=1),
    )
    option = services.option_add(
        actor=alice,
        case=duplicate,
        option=services.OptionInput(
            title="Replace the machine", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449.00")
        ),
    )
    services.option_recommend(
        actor=alice, option=option, justification="Legal right", factors=["legal_obligation", "cost"]
    )
    duplicate.refresh_from_db()
    assert duplicate.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=duplicate)
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    promise.refresh_from_db()
    approval.refresh_from_db()
    assert promise.status == PromiseStatus.WITHDRAWN
    assert approval.status == Approval.Status.WITHDRAWN
    assert duplicate.events.filter(kind="promise.withdrawn").count() == 1
    assert duplicate.events.filter(kind="approval.withdrawn").count() == 1


@pytest.mark.parametrize("stage", ["new", "options", "awaiting_customer"])
def test_every_stage_before_agreement_may_close_as_duplicate(pair, alice, stage):
    duplicate, original = pair
    if stage != "new":
        services.case_summarise_understanding(actor=alice, case=duplicate, summary="Leaks.")
        services.case_confirm_understanding(actor=None, case=duplicate)
    if stage == "awaiting_customer":
        option = services.option_add(
            actor=alice,
            case=duplicate,
            option=services.OptionInput(
                title="Refund the delivery", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("4.99")
            ),
        )
        services.option_recommend(
            actor=alice, option=option, justification="Quick", factors=["customer_benefit", "cost"]
        )
    duplicate.refresh_from_db()
    assert duplicate.status == stage
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED_DUPLICATE


# ---------------------------------------------------------------- refusals: nothing changes


def _refused(code, call, *cases):
    before = _snapshot(*cases)
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code
    assert _snapshot(*cases) == before
    return err.value


def test_a_case_cannot_be_a_duplicate_of_itself(pair, alice):
    duplicate, _ = pair
    error = _refused(
        ErrorCode.DUPLICATE_INVALID,
        lambda: services.case_close_duplicate(actor=alice, case=duplicate, original=duplicate),
        duplicate,
    )
    assert error.message == "A case cannot be a duplicate of itself."


def test_another_customer_s_case_is_refused(pair, alice):
    duplicate, _ = pair
    stranger = _report(customer_name="Tom Jones", customer_email="tom@example.com")
    error = _refused(
        ErrorCode.DUPLICATE_INVALID,
        lambda: services.case_close_duplicate(actor=alice, case=duplicate, original=stranger),
        duplicate,
        stranger,
    )
    assert "another customer's case" in error.message


def test_a_closed_original_is_refused(pair, alice):
    duplicate, original = pair
    third = _report(subject="Third report")
    services.case_close_duplicate(actor=alice, case=original, original=third)
    error = _refused(
        ErrorCode.DUPLICATE_INVALID,
        lambda: services.case_close_duplicate(actor=alice, case=duplicate, original=original),
        duplicate,
        original,
    )
    assert error.message == (
        f"{original.reference} is closed: a duplicate can only point to a case that carries on."
    )


def test_a_case_past_agreement_is_refused(pair, alice):
    duplicate, original = pair
    services.case_summarise_understanding(actor=alice, case=duplicate, summary="Leaks.")
    services.case_confirm_understanding(actor=None, case=duplicate)
    option = services.option_add(
        actor=alice,
        case=duplicate,
        option=services.OptionInput(
            title="Refund the delivery", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("4.99")
        ),
    )
    services.option_recommend(
        actor=alice, option=option, justification="Quick", factors=["customer_benefit", "cost"]
    )
    services.option_customer_respond(case=duplicate, agree=True)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.IN_PROGRESS
    _refused(
        ErrorCode.INVALID_TRANSITION,
        lambda: services.case_close_duplicate(actor=alice, case=duplicate, original=original),
        duplicate,
        original,
    )


def test_an_already_closed_duplicate_cannot_close_again(pair, alice):
    duplicate, original = pair
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    _refused(
        ErrorCode.CASE_CLOSED,
        lambda: services.case_close_duplicate(actor=alice, case=duplicate, original=original),
        duplicate,
        original,
    )


def test_a_note_over_the_limit_is_refused(pair, alice):
    duplicate, original = pair
    _refused(
        ErrorCode.INVALID_INPUT,
        lambda: services.case_close_duplicate(
            actor=alice, case=duplicate, original=original, note="x" * 1001
        ),
        duplicate,
        original,
    )


@pytest.mark.parametrize("who", ["charlie", "nobody"])
def test_only_staff_may_close_as_duplicate(pair, charlie, who):
    duplicate, original = pair
    actor = charlie if who == "charlie" else None
    before = _snapshot(duplicate, original)
    with pytest.raises(PermissionDenied):
        services.case_close_duplicate(actor=actor, case=duplicate, original=original)
    assert _snapshot(duplicate, original) == before


def test_a_closed_duplicate_is_out_of_the_open_queue_and_promises_cannot_be_kept(pair, alice):
    duplicate, original = pair
    promise = services.promise_make(
        actor=alice, case=duplicate, description="Ring", owner=alice, due_at=clock.now() + timedelta(days=1)
    )
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    assert set(Case.objects.filter(status__in=Status.values).exclude(status=Status.CLOSED_DUPLICATE)) == {
        original
    }
    with pytest.raises(DomainError) as err:
        services.promise_keep(actor=alice, promise=Promise.objects.get(pk=promise.pk))
    assert err.value.code == ErrorCode.CASE_CLOSED


# ---------------------------------------------------------------- two at once


@pytest.mark.django_db(transaction=True)
def test_two_cases_closing_as_duplicates_of_each_other_at_once_leave_one_open(alice):
    """A and B, each closed as a duplicate of the other by two people at the same moment: both rows are
    locked lowest id first, so neither waits on the other for ever; the second finds its original closed
    and is refused. One case carries on, with the other linked to it."""
    a = _report()
    b = _report(subject="Second report")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def close(name: str, case: Case, original: Case) -> None:
        try:
            barrier.wait(timeout=10)
            services.case_close_duplicate(actor=alice, case=case, original=original)
            outcomes[name] = "closed"
        except DomainError as exc:
            outcomes[name] = exc.code
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=close, args=("a", a, b)),
        threading.Thread(target=close, args=("b", b, a)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(map(str, outcomes.values())) == sorted(["closed", str(ErrorCode.DUPLICATE_INVALID)])
    a.refresh_from_db()
    b.refresh_from_db()
    statuses = sorted([(a.status, a.duplicate_of_id), (b.status, b.duplicate_of_id)], key=str)
    winner, loser = (a, b) if outcomes["a"] == "closed" else (b, a)
    assert (winner.status, winner.duplicate_of_id) == (Status.CLOSED_DUPLICATE, loser.pk)
    assert (loser.status, loser.duplicate_of_id) == (Status.NEW, None)
    assert len(statuses) == 2
    assert Event.objects.filter(kind="case.closed_duplicate").count() == 1
    assert Event.objects.filter(kind="case.duplicate_linked", case=loser).count() == 1
    assert chain_verify()[1] == []


def test_a_subject_access_clock_started_by_hand_is_still_owed_after_closing(pair, alice):
    """A subject access answer is owed to the customer whatever happens to the case (as on closing)."""
    duplicate, original = pair
    sar = regulation.clock_start(actor=alice, case=duplicate, kind="subject_access")
    services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    sar.refresh_from_db()
    assert (sar.stopped_at, sar.met_at, sar.stop_reason) == (None, None, "")
    assert CaseClock.objects.filter(case=duplicate, stopped_at__isnull=False).exclude(pk=sar.pk).exists()


def test_the_rooms_hear_it_closed_as_a_duplicate_not_as_unresolved(pair, alice):
    """A room that counts outcomes (resolved, unresolved) can leave a closed duplicate out."""
    duplicate, original = pair
    heard = []

    def listen(event):
        heard.append((event.case.pk, event.resolved, event.duplicate))

    hooks.subscribe(hooks.CaseClosed, listen, phase=hooks.Phase.IN_TRANSACTION)
    try:
        services.case_close_duplicate(actor=alice, case=duplicate, original=original)
    finally:
        hooks.unsubscribe(hooks.CaseClosed, listen)
    assert heard == [(duplicate.pk, False, True)]
