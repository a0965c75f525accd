"""S4 feedback services: satisfaction answers join the feed, colleagues share notes, other systems
send survey responses (idempotent), and outsiders change nothing."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from putright import clock
from putright.audit.models import Event
from putright.cases import services as case_services
from putright.cases.models import Category
from putright.engines.text import sentiment_of
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.feedback import services
from putright.feedback.models import FeedbackItem
from putright.vocab import Status
from tests.conftest import aware

pytestmark = pytest.mark.django_db


def _awaiting_confirmation(case, actor):
    """Straight to "checking it is resolved": understanding skipped, an option agreed, delivered."""
    from datetime import date
    from decimal import Decimal

    from putright.vocab import JustificationFactor, RemedyType

    case_services.case_skip_understanding(actor=actor, case=case, reason="Clear from the call.")
    option = case_services.option_add(
        actor=actor,
        case=case,
        option=case_services.OptionInput(
            title="Apology", remedy_type=RemedyType.APOLOGY, amount=Decimal("0")
        ),
    )
    case_services.option_recommend(
        actor=actor,
        option=option,
        justification="An apology is what they asked for.",
        factors=[JustificationFactor.CUSTOMER_PREFERENCE, JustificationFactor.COST],
    )
    case_services.option_customer_respond(case=case, agree=True)
    step = case_services.step_add(
        actor=actor, case=case, description="Write the apology", owner=actor, due_date=date(2031, 1, 1)
    )
    case_services.step_complete(actor=actor, step=step)
    case_services.case_mark_delivered(upheld="upheld", actor=actor, case=case)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_CONFIRMATION
    return case


# ---------------------------------------------------------------- satisfaction answers


def test_a_satisfied_answer_with_a_comment_joins_the_feed_with_its_case_customer_and_category(
    report_case, alice
):
    category = Category.objects.create(name="Delivery", slug="delivery")
    case = _awaiting_confirmation(report_case(category_id=category.pk), alice)
    moment = aware(2031, 3, 4, 10, 30)
    with clock.frozen(moment):
        case_services.case_satisfaction_record(case=case, resolved=True, comment="Lovely, thank you so much!")

    [item] = FeedbackItem.objects.all()
    assert item.source == FeedbackItem.Source.SATISFACTION
    assert item.text == "Lovely, thank you so much!"
    assert item.satisfied is True
    # Read from the words by the K2 text engine (whatever it makes of them), not from the answer.
    assert item.sentiment == sentiment_of("Lovely, thank you so much!").label
    assert item.sentiment in ("negative", "neutral", "positive")
    assert (item.case_id, item.customer_id, item.category_id) == (case.pk, case.customer_id, category.pk)
    assert item.created_at == moment


def test_a_bare_not_resolved_answer_counts_as_negative(report_case, alice):
    case = _awaiting_confirmation(report_case(), alice)
    case_services.case_satisfaction_record(case=case, resolved=False, actor=alice, method="phone")
    [item] = FeedbackItem.objects.all()
    assert (item.text, item.satisfied, item.sentiment) == ("", False, "negative")


def test_a_failure_in_the_feed_never_undoes_the_customers_answer(report_case, alice):
    case = _awaiting_confirmation(report_case(), alice)
    with mock.patch.object(services.FeedbackItem.objects, "create", side_effect=RuntimeError("disk full")):
        case_services.case_satisfaction_record(case=case, resolved=True, comment="All good")
    case.refresh_from_db()
    assert case.status == Status.CLOSED_RESOLVED
    assert FeedbackItem.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "satisfied", "expected"),
    [("", True, "positive"), ("", False, "negative"), ("", None, ""), ("   ", None, "")],
)
def test_sentiment_without_words_comes_from_the_answer(text, satisfied, expected):
    assert services.sentiment_for(text, satisfied) == expected


# ---------------------------------------------------------------- colleagues share a note


def test_a_colleague_shares_a_note_which_joins_the_feed_and_the_case_timeline(report_case, alice):
    case = report_case()
    events_before = Event.objects.filter(case=case).count()
    item = services.feedback_flag(
        actor=alice, case=case, text="  Third customer this week whose parcel was left outside.  "
    )
    assert item.source == FeedbackItem.Source.COLLEAGUE
    assert item.text == "Third customer this week whose parcel was left outside."
    assert (item.flagged_by, item.case_id, item.customer_id) == (alice, case.pk, case.customer_id)
    assert item.satisfied is None
    event = Event.objects.filter(case=case).order_by("-seq").first()
    assert Event.objects.filter(case=case).count() == events_before + 1
    assert event.kind == "feedback.shared"
    assert event.actor == alice
    assert event.customer_visible is False
    assert event.after["feedback"] == item.pk


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001, "a\x00b"])
def test_an_empty_or_oversized_note_is_refused_and_nothing_is_recorded(report_case, alice, text):
    case = report_case()
    events_before = Event.objects.count()
    with pytest.raises(DomainError) as refused:
        services.feedback_flag(actor=alice, case=case, text=text)
    assert refused.value.code == ErrorCode.INVALID_INPUT
    assert FeedbackItem.objects.count() == 0
    assert Event.objects.count() == events_before


@pytest.mark.parametrize("who", ["charlie", "nobody"])
def test_outsiders_cannot_share_feedback_and_nothing_changes(report_case, charlie, who):
    case = report_case()
    actor = charlie if who == "charlie" else None
    events_before = Event.objects.count()
    with pytest.raises(PermissionDenied):
        services.feedback_flag(actor=actor, case=case, text="Something")
    assert FeedbackItem.objects.count() == 0
    assert Event.objects.count() == events_before


# ---------------------------------------------------------------- other systems


def test_a_survey_response_is_stored_once_per_sender_id(report_case, alice, bob):
    case = report_case()
    first, created = services.feedback_receive(
        actor=alice,
        source="survey",
        text="The courier was rude",
        satisfied=False,
        customer_email="PRIYA@example.com",
        external_id="srv-1",
    )
    assert created is True
    assert first.customer_id == case.customer_id  # matched by email, whatever the case
    again, created_again = services.feedback_receive(
        actor=alice,
        source="survey",
        text="The courier was rude",
        satisfied=False,
        customer_email="PRIYA@example.com",
        external_id="srv-1",
    )
    assert (again.pk, created_again) == (first.pk, False)
    # Another sender's ids are their own.
    _, created_by_bob = services.feedback_receive(
        actor=bob, source="survey", text="Fine", external_id="srv-1"
    )
    assert created_by_bob is True
    assert FeedbackItem.objects.count() == 2


def test_the_same_id_with_different_content_is_a_conflict_and_stores_nothing(alice):
    services.feedback_receive(actor=alice, source="survey", text="Good", external_id="srv-2")
    with pytest.raises(DomainError) as refused:
        services.feedback_receive(actor=alice, source="survey", text="Bad", external_id="srv-2")
    assert refused.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert list(FeedbackItem.objects.values_list("text", flat=True)) == ["Good"]


@pytest.mark.parametrize("source", ["satisfaction", "colleague", "tweet", ""])
def test_only_survey_responses_and_comments_come_from_other_systems(alice, source):
    with pytest.raises(DomainError):
        services.feedback_receive(actor=alice, source=source, text="Hello")
    assert FeedbackItem.objects.count() == 0


def test_an_answer_without_words_is_accepted_but_neither_is_not(alice):
    item, _ = services.feedback_receive(actor=alice, source="survey", text="", satisfied=True)
    assert (item.text, item.sentiment) == ("", "positive")
    with pytest.raises(DomainError):
        services.feedback_receive(actor=alice, source="survey", text="  ")
    assert FeedbackItem.objects.count() == 1


def test_outsiders_cannot_send_survey_responses(charlie):
    with pytest.raises(PermissionDenied):
        services.feedback_receive(actor=charlie, source="survey", text="Hi")
    assert FeedbackItem.objects.count() == 0


def test_items_keep_the_time_they_arrived(alice):
    moment = aware(2031, 1, 2, 8)
    with clock.frozen(moment):
        item, _ = services.feedback_receive(actor=alice, source="comment", text="Slow website")
    with clock.frozen(moment + timedelta(days=3)):
        item.refresh_from_db()
    assert item.created_at == moment
