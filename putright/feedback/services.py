"""S4: the one way feedback enters the shared feed.

Three ways in, each a function here: a customer's satisfaction answer (through the
``SatisfactionRecorded`` case hook, inside the core's transaction, in a
savepoint so a failure here never undoes the customer's answer), a colleague
sharing a note from a case (recorded on the case's timeline), and survey
responses or comments sent by other systems through the API (idempotent on the
sender's own id).
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.db import IntegrityError, transaction

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Case, Category
from putright.customers.models import Customer
from putright.engines.text import sentiment_of
from putright.errors import DomainError, ErrorCode
from putright.feedback.models import FeedbackItem

log = logging.getLogger(__name__)

MAX_TEXT = 5000
# The sources other systems may send; satisfaction answers and colleagues' notes come from the case.
EXTERNAL_SOURCES = (FeedbackItem.Source.SURVEY, FeedbackItem.Source.COMMENT)


def sentiment_for(text: str, satisfied: bool | None) -> str:
    """The feed's sentiment: read from the words when there are any (the K2 text engine), otherwise
    taken from the answer itself — a bare "resolved" is positive, a bare "not resolved" negative."""
    if text.strip():
        return str(sentiment_of(text).label)
    if satisfied is True:
        return "positive"
    if satisfied is False:
        return "negative"
    return ""


def _clean_text(text: str | None, *, required: bool) -> str:
    value = (text or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_INPUT, "Feedback text must not be empty.")
    if len(value) > MAX_TEXT:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Feedback text must be at most {MAX_TEXT} characters.")
    if "\x00" in value:
        raise DomainError(ErrorCode.INVALID_INPUT, "Feedback text must not contain NUL characters.")
    return value


def feedback_from_satisfaction(
    *,
    case: Case,
    resolved: bool,
    comment: str,
    csat: int | None = None,
    ces: int | None = None,
    nps: int | None = None,
) -> FeedbackItem | None:
    """A5 → S4: the customer's answer to "is it resolved?" joins the feed.

    Run through the ``SatisfactionRecorded`` case hook, under the case lock. Runs in its own savepoint and
    swallows (and logs) any failure: losing one feed item is better than losing the answer.
    """
    try:
        with transaction.atomic():
            text = (comment or "").strip()[:MAX_TEXT]
            return FeedbackItem.objects.create(
                source=FeedbackItem.Source.SATISFACTION,
                text=text,
                satisfied=resolved,
                csat=csat,
                ces=ces,
                nps=nps,
                sentiment=sentiment_for(text, resolved),
                case=case,
                customer_id=case.customer_id,
                category_id=case.category_id,
                created_at=clock.now(),
            )
    except Exception:  # noqa: BLE001 - the case flow must not fail because of the feed
        log.exception("could not add the satisfaction answer on case %s to the feedback feed", case.pk)
        return None


def feedback_flag(*, actor, case: Case, text: str) -> FeedbackItem:
    """S4: a colleague shares something about a case as feedback ("third customer this week whose
    parcel was left outside"). It joins the feed and is recorded on the case's timeline."""
    case_services.require_staff(actor)
    text = _clean_text(text, required=True)
    with transaction.atomic():
        case = case_services.case_lock(case)
        item = FeedbackItem.objects.create(
            source=FeedbackItem.Source.COLLEAGUE,
            text=text,
            sentiment=sentiment_for(text, None),
            case=case,
            customer_id=case.customer_id,
            category_id=case.category_id,
            flagged_by=actor,
            created_at=clock.now(),
        )
        case_services.case_touch(case)
        case_services.case_event(
            case,
            actor,
            "feedback.shared",
            f"Shared as feedback: {text[:200]}",
            after={"feedback": item.pk, "text": text},
        )
    return item


def _fingerprint(**fields) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def feedback_receive(
    *,
    actor,
    source: str,
    text: str,
    satisfied: bool | None = None,
    customer_email: str = "",
    case: Case | None = None,
    category: Category | None = None,
    external_id: str = "",
) -> tuple[FeedbackItem, bool]:
    """S4: a survey response or customer comment from another system. Returns (item, created).

    With ``external_id`` (the sender's own id for the response) a retried request returns the
    item stored the first time; the same id with different content is a conflict.
    """
    case_services.require_staff(actor)
    if source not in EXTERNAL_SOURCES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown feedback source {source!r}.")
    text = _clean_text(text, required=satisfied is None)
    external_id = (external_id or "").strip()[:200]
    customer_email = (customer_email or "").strip()
    fingerprint = _fingerprint(
        source=source,
        text=text,
        satisfied=satisfied,
        customer_email=customer_email.lower(),
        case=case.pk if case else None,
        category=category.pk if category else None,
    )
    if external_id:
        existing = FeedbackItem.objects.filter(flagged_by=actor, external_id=external_id).first()
        if existing is not None:
            return _same_or_conflict(existing, fingerprint), False
    customer = case.customer if case is not None else None
    if customer is None and customer_email:
        customer = (
            # A record merged into another is kept only for what pointed at it: never a new item's owner.
            Customer.objects.filter(email__iexact=customer_email, merged_into__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
    if category is None and case is not None:
        category = case.category
    try:
        with transaction.atomic():
            item = FeedbackItem.objects.create(
                source=source,
                text=text,
                satisfied=satisfied,
                sentiment=sentiment_for(text, satisfied),
                case=case,
                customer=customer,
                category=category,
                flagged_by=actor,
                external_id=external_id,
                fingerprint=fingerprint,
                created_at=clock.now(),
            )
    except IntegrityError:
        # A concurrent retry with the same id won the race: answer with its item.
        existing = FeedbackItem.objects.filter(flagged_by=actor, external_id=external_id).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, fingerprint), False
    return item, True


def _same_or_conflict(existing: FeedbackItem, fingerprint: str) -> FeedbackItem:
    if existing.fingerprint != fingerprint:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT, "This id was already used for a different feedback response."
        )
    return existing
