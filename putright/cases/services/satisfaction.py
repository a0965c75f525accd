"""A5: the satisfaction check's settings, score checks and one reminder, and the 'upheld' a closed case keeps
(the answer is recorded, and the no-reply close made, in ``closing``; the sweep in ``sweep``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.cases.models import Case, SatisfactionSettings, UnresolvedReason
from putright.cases.services._common import _clean, _event, _lock, _require_staff, _save, _tell_customer
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import Status, Upheld

SCORE_RANGES: dict[str, tuple[int, int]] = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}
# The cases whose 'upheld' a supervisor may correct: every close that has an outcome of its own.
UPHELD_CORRECTABLE = {Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED, Status.CLOSED_NO_REPLY}
ASK_SUBJECT = "Is your problem resolved?"
REMINDER_SUBJECT = "A reminder: is your problem resolved?"


def satisfaction_settings_get() -> SatisfactionSettings:
    """The organisation's satisfaction settings (pk 1), created with the defaults on first read."""
    row, _ = SatisfactionSettings.objects.get_or_create(pk=1)
    return row


def asked_scores(settings_row: SatisfactionSettings | None = None) -> list[str]:
    """The scores the check asks, in the order they are asked."""
    row = settings_row or satisfaction_settings_get()
    return [name for name, on in (("csat", row.ask_csat), ("ces", row.ask_ces), ("nps", row.ask_nps)) if on]


def scores_check(**scores: int | None) -> dict[str, int | None]:
    """Each score given must be a whole number within its range; missing ones stay None."""
    clean: dict[str, int | None] = {}
    for name, value in scores.items():
        low, high = SCORE_RANGES[name]
        if value is None:
            clean[name] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"The {name.upper()} score must be a whole number from {low} to {high}.",
            )
        else:
            clean[name] = value
    return clean


def upheld_check(upheld: str, *, field: str = "Upheld") -> str:
    if upheld not in Upheld.values:
        choices = ", ".join(f"'{v}'" for v in Upheld.values)
        raise DomainError(ErrorCode.UPHELD_REQUIRED, f"{field}: say whether it was upheld ({choices}).")
    return upheld


def unresolved_reason_get(code: str) -> UnresolvedReason:
    """An active reason code from the administrator's list, or a clear error naming the choices."""
    code = (code or "").strip()
    reason = UnresolvedReason.objects.filter(code=code).first() if code else None
    if reason is None or not reason.active:
        offered = ", ".join(UnresolvedReason.objects.filter(active=True).values_list("code", flat=True))
        what = "Choose a reason code" if not code else f"'{code}' is not an active reason code"
        raise DomainError(ErrorCode.REASON_CODE_INVALID, f"{what}: one of {offered}.")
    return reason


def satisfaction_ask_stamp(case: Case) -> None:
    """The check is (re-)asked: its clock starts now, and the answer fields hold only the answer to it."""
    case.satisfaction_asked_at = clock.now()
    case.satisfaction_reminded_at = None
    case.satisfaction_answered_at = None
    case.csat = case.ces = case.nps = None


SATISFACTION_FIELDS = (
    "satisfaction_asked_at",
    "satisfaction_reminded_at",
    "satisfaction_answered_at",
    "csat",
    "ces",
    "nps",
)


def may_correct_upheld(user) -> bool:
    return user is not None and has_role_at_least(user, Role.SUPERVISOR)


def case_upheld_correct(*, actor, case: Case, upheld: str, reason: str) -> Case:
    """A supervisor (or above) corrects whether a closed case's complaint was upheld, saying why (audited)."""
    _require_staff(actor)
    if not may_correct_upheld(actor):
        raise PermissionDenied("only a supervisor or above may correct whether a complaint was upheld")
    upheld = upheld_check(upheld)
    reason = _clean(reason, field="The reason for the correction", max_len=2000)
    with transaction.atomic():
        case = _lock(case)
        if case.status not in UPHELD_CORRECTABLE:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "Whether it was upheld is corrected on a closed case (not a duplicate): "
                f"{case.reference} is '{Status(case.status).label}'.",
            )
        if case.upheld == upheld:
            raise DomainError(ErrorCode.ALREADY_DONE, f"It is already recorded as '{Upheld(upheld).label}'.")
        before = {"upheld": case.upheld}
        case.upheld = upheld
        _save(case, "upheld")
        _event(
            case,
            actor,
            "case.upheld_corrected",
            f"Corrected to '{Upheld(upheld).label}': {reason}",
            before=before,
            after={"upheld": upheld, "reason": reason},
        )
    return case


# ---------------------------------------------------------------- the sweep: remind once, then close


def _reminder_text(settings_row: SatisfactionSettings) -> str:
    return (
        "We recently finished putting your problem right and asked whether it is now resolved. "
        "We have not heard from you yet: please answer on your case link (it takes a moment). "
        f"If we do not hear from you within {settings_row.close_no_reply_after_days} days, we will take it "
        "that the problem is resolved and close your case — you can still write to us after that."
    )


def satisfaction_remind(*, case: Case, now: datetime | None = None) -> bool:
    """Send the one reminder (the system acts: no actor). False when it is not due or was already sent."""
    now = now or clock.now()
    row = satisfaction_settings_get()
    with transaction.atomic():
        case = _lock(case)
        if (
            case.status != Status.AWAITING_CONFIRMATION
            or case.satisfaction_asked_at is None
            or case.satisfaction_reminded_at is not None
            or case.satisfaction_asked_at > now - timedelta(days=row.remind_after_days)
        ):
            return False
        case.satisfaction_reminded_at = now
        _save(case, "satisfaction_reminded_at")
        _event(
            case,
            None,
            "satisfaction.reminded",
            f"Reminded the customer to say whether it is resolved (no answer after {row.remind_after_days} days)",
            before={"satisfaction_reminded_at": None},
            after={"satisfaction_reminded_at": now.isoformat()},
            customer_visible=True,
        )
        _tell_customer(case, REMINDER_SUBJECT, _reminder_text(row))
    return True
