"""The steps every stage of the lifecycle shares: who may act, the case lock, the guard on
allowed transitions, the event, the message to the customer, and K2's reading of the customer's words."""

from __future__ import annotations

from decimal import Decimal

from putright import clock
from putright.audit.events import event_record
from putright.authority.selectors import is_staff_member
from putright.cases.models import Case, Option
from putright.channels import services as channels
from putright.engines.authority import limits as authority_engine
from putright.engines.text import sentiment_of
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import OPEN_STATUSES, AssessedBy, EmotionalState, Priority, Sentiment, Status

CUSTOMER_LABEL = "Customer (via their case link)"


# The lifecycle: which status each change may start from.
ALLOWED_FROM: dict[str, set[str]] = {
    "summarise": {Status.NEW, Status.OPTIONS},
    "confirm_understanding": {Status.NEW},
    "skip_understanding": {Status.NEW},
    "option_add": {Status.OPTIONS},
    "option_recommend": {Status.OPTIONS},
    "approval_decide": {Status.AWAITING_APPROVAL},
    "customer_respond": {Status.AWAITING_CUSTOMER},
    "step_add": {Status.IN_PROGRESS},
    "deliver": {Status.IN_PROGRESS},
    "satisfaction": {Status.AWAITING_CONFIRMATION},
    "reopen": {Status.NOT_RESOLVED},
    "recommendation_withdraw": {Status.AWAITING_APPROVAL, Status.AWAITING_CUSTOMER},
    # Before anything was agreed: once a remedy is owed, the case carries it to its own end.
    "close_duplicate": {Status.NEW, Status.OPTIONS, Status.AWAITING_APPROVAL, Status.AWAITING_CUSTOMER},
}


OPEN = set(OPEN_STATUSES)


def _require_staff(actor) -> None:
    if actor is None or not is_staff_member(actor):
        raise PermissionDenied("only staff with a role may do this")


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock (the caller is inside transaction.atomic)."""
    return Case.objects.select_for_update().select_related("customer").get(pk=case.pk)


def _guard(case: Case, action: str) -> None:
    if case.is_closed:
        raise DomainError(
            ErrorCode.CASE_CLOSED, f"{case.reference} is closed, so it can no longer be changed."
        )
    allowed = ALLOWED_FROM.get(action)
    if allowed is not None and case.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"That can't be done at this stage: the case is now '{Status(case.status).label}'. "
            "Please refresh the page to see where it stands.",
        )


def _set_status(case: Case, new: str) -> dict:
    old = case.status
    case.status = new
    return {"status": old}


def _save(case: Case, *fields: str) -> None:
    case.updated_at = clock.now()
    case.save(update_fields=[*fields, "updated_at"])


def _back_to_choosing(case: Case, option: Option | None, option_status: str | None) -> None:
    """The recommendation is off the table (rejected, withdrawn, declined, not resolved):
    mark the option and return the case to choosing a resolution."""
    if option is not None and option_status is not None:
        option.status = option_status
        option.save(update_fields=["status"])
    case.status = Status.OPTIONS
    case.recommended_option = None
    _save(case, "status", "recommended_option")


def _event(
    case: Case,
    actor,
    kind: str,
    summary: str,
    *,
    before=None,
    after=None,
    customer_visible=False,
    as_customer: bool = False,
    procedure_version: int | None = None,
):
    if procedure_version:
        # K1: which version of a procedure the page showed when this step was taken (an id of
        # procedures.ProcedureVersion; the page checked it, the core only records it).
        after = {**(after or {}), "procedure_version": procedure_version}
    return event_record(
        case=case,
        kind=kind,
        summary=summary,
        actor=actor,
        actor_label=CUSTOMER_LABEL if (actor is None and as_customer) else None,
        before=before,
        after=after,
        customer_visible=customer_visible,
    )


def _tell_customer(case: Case, subject: str, body: str, *, author=None, requested: bool = False):
    return channels.message_create_outbound(
        case=case, subject=subject, body=body, requested=requested, author=author, automatic=author is None
    )


def option_request(option: Option) -> authority_engine.OptionRequest:
    return authority_engine.OptionRequest(
        remedy_type=option.remedy_type, amount=Decimal(option.amount), is_exception=option.is_exception
    )


# The same steps for other apps' services (resolution, regulation, problems…) that change a case:
# they lock it, guard it, record the event and tell the customer exactly as this module does.
require_staff = _require_staff


case_lock = _lock


case_guard = _guard


case_touch = _save


case_event = _event


customer_tell = _tell_customer


def _clean(text: str | None, *, field: str, required: bool = True, max_len: int | None = None) -> str:
    value = (text or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must not be empty.")
    if max_len is not None and len(value) > max_len:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be at most {max_len} characters.")
    return value


# A distressed customer may be vulnerable: they come first. An angry one comes next.
_PRIORITY_FOR_EMOTION = {
    EmotionalState.DISTRESSED: Priority.URGENT,
    EmotionalState.ANGRY: Priority.HIGH,
    EmotionalState.CALM: Priority.NORMAL,
    EmotionalState.UNKNOWN: Priority.NORMAL,
}


_PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


def emotion_apply(case: Case, result) -> None:
    """K2: what a reading of the customer's words (``engines.text.sentiment_of``) does to the case, in
    memory: its sentiment; the emotional state and cues unless an agent judged them; the priority, only
    ever raised. The demo's bulk writer applies the same rule to the history it writes."""
    if result.distress:
        emotion = EmotionalState.DISTRESSED
    elif result.anger:
        emotion = EmotionalState.ANGRY
    else:
        emotion = EmotionalState.CALM
    case.sentiment = result.label
    if case.emotion_assessed_by != AssessedBy.AGENT:
        case.emotion = emotion
        case.emotion_cues = list(result.cues)
        case.emotion_assessed_by = AssessedBy.AUTOMATIC
    derived = _PRIORITY_FOR_EMOTION[EmotionalState(case.emotion)]
    if _PRIORITY_RANK[derived] > _PRIORITY_RANK[Priority(case.priority)]:
        case.priority = derived


def _emotion_read(case: Case, text: str, message=None, *, reading=None) -> list[str]:
    """K2: read the customer's latest words into the case (locked by the caller); returns the cues.

    An agent's own judgement is never overwritten by the detector, and the detector only ever
    raises priority: a calmer message does not quietly push a distressed customer down the queue.
    ``reading`` is ``sentiment_of(text)`` when the caller read it before its transaction began.
    """
    result = reading if reading is not None else sentiment_of(text)
    if message is not None:
        message.sentiment = result.label
        message.save(update_fields=["sentiment"])
    emotion_apply(case, result)
    _save(case, "sentiment", "emotion", "emotion_cues", "emotion_assessed_by", "priority")
    return list(result.cues)


def _customer_state(case: Case) -> dict:
    return {"sentiment": case.sentiment, "emotion": case.emotion, "priority": case.priority}


def _emotion_assess(case: Case, message) -> None:
    """K2 on a later message: re-read, and put a change of emotional state or priority on the
    (staff-only) timeline. How each message reads is kept on the message itself."""
    before = _customer_state(case)
    cues = _emotion_read(case, message.body, message)
    after = _customer_state(case)
    if (after["emotion"], after["priority"]) != (before["emotion"], before["priority"]):
        _event(
            case,
            None,
            "case.emotion_detected",
            f"Customer's words read as {Sentiment(case.sentiment).label.lower()}"
            + (f", {EmotionalState(case.emotion).label.lower()}" if case.emotion else "")
            + f"; priority {Priority(case.priority).label.lower()}",
            before=before,
            after={**after, "cues": cues},
        )
