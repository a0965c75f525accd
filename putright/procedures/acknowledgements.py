"""Read receipts: asking colleagues to read something and recording that they have (issue 14 §3).

One mechanism for a new procedure version and for a change an improvement communicates: the caller names
the subject with a key (``procedure-version:12``, ``improvement-step:7``), says what to read and where, and
whom to ask. Asking twice is harmless (one receipt per person and subject); acknowledging twice keeps the
first time.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.procedures.models import Acknowledgement, ProcedureVersion


def version_key(version: ProcedureVersion) -> str:
    return f"procedure-version:{version.pk}"


def acknowledgements_request(
    *,
    actor,
    subject_key: str,
    title: str,
    url: str = "",
    users: Iterable,
    version: ProcedureVersion | None = None,
) -> list[Acknowledgement]:
    """Ask each of ``users`` (members of staff; others are skipped) to acknowledge the subject; returns the
    receipts, new and already asked."""
    if not is_staff_member(actor):
        raise PermissionDenied("only staff may ask colleagues to acknowledge something")
    subject_key, title = subject_key.strip(), " ".join(title.split())
    if not subject_key or len(subject_key) > 100:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "An acknowledgement needs a subject key of at most 100 characters."
        )
    if not title or len(title) > 300:
        raise DomainError(ErrorCode.INVALID_INPUT, "Say what to read in at most 300 characters.")
    now = clock.now()
    receipts = []
    with transaction.atomic():
        for user in users:
            if not is_staff_member(user):
                continue
            receipt, _ = Acknowledgement.objects.get_or_create(
                user=user,
                subject_key=subject_key,
                defaults={
                    "title": title,
                    "url": url[:300],
                    "version": version,
                    "requested_by": actor,
                    "requested_at": now,
                },
            )
            receipts.append(receipt)
    return receipts


def acknowledge(*, actor, subject_key: str) -> Acknowledgement:
    """``actor`` confirms they have read the subject; only their own receipt can be acknowledged."""
    with transaction.atomic():
        receipt = (
            Acknowledgement.objects.select_for_update().filter(user=actor, subject_key=subject_key).first()
        )
        if receipt is None:
            raise PermissionDenied("nothing of yours to acknowledge under that subject")
        if receipt.acknowledged_at is None:
            receipt.acknowledged_at = clock.now()
            receipt.save(update_fields=["acknowledged_at"])
    return receipt


def pending_withdraw(*, subject_keys: Iterable[str]) -> int:
    """Withdraw the requests nobody has acknowledged yet for these subjects (a procedure version replaced
    by a newer one, a procedure taken out of use); acknowledged receipts stay on the record. Returns how
    many were withdrawn. Called by the services that own the subject, inside their transaction."""
    keys = list(subject_keys)
    if not keys:
        return 0
    deleted, _ = Acknowledgement.objects.filter(subject_key__in=keys, acknowledged_at__isnull=True).delete()
    return deleted


def read_by_user(user, *, limit: int = 20) -> QuerySet[Acknowledgement]:
    """What ``user`` has acknowledged, most recent first (the reading page's "Already read")."""
    return Acknowledgement.objects.filter(user=user, acknowledged_at__isnull=False).order_by(
        "-acknowledged_at", "-pk"
    )[:limit]


def pending_for(user) -> QuerySet[Acknowledgement]:
    """What ``user`` has been asked to read and has not yet acknowledged, oldest first."""
    return Acknowledgement.objects.filter(user=user, acknowledged_at__isnull=True).order_by(
        "requested_at", "pk"
    )


def receipts_for(subject_key: str) -> QuerySet[Acknowledgement]:
    """Everyone asked about one subject, with whether and when they acknowledged (for its owner to see)."""
    return (
        Acknowledgement.objects.filter(subject_key=subject_key)
        .select_related("user")
        .order_by("user__username")
    )
