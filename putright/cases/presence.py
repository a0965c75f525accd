"""Who has a case open now (issue 12 §3): the case page reports in while it is open, and lists the other
staff seen on the case in the last minute, so two people do not work on one case unawares.

Presence is not a change of the case: nothing about the case moves, so there is no audit event and no
case lock; one row per (case, person) is written over. Old rows are harmless (reads filter by time); the
sweep deletes those older than a day."""

from __future__ import annotations

from datetime import timedelta

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.cases.models import Case, CasePresence
from putright.errors import PermissionDenied

SEEN_WITHIN = timedelta(seconds=60)
KEPT_FOR = timedelta(days=1)


def presence_report(*, user, case: Case) -> None:
    """``user`` has ``case`` open now. Staff only (the same check as opening the case)."""
    if not is_staff_member(user):
        raise PermissionDenied("only staff may open cases")
    now = clock.now()
    # Still there (seen within the minute): the stretch goes on. Otherwise a new stretch begins now.
    if not CasePresence.objects.filter(case=case, user=user, seen_at__gte=now - SEEN_WITHIN).update(
        seen_at=now
    ):
        # One statement whether or not a row is there (INSERT … ON CONFLICT DO UPDATE), so two tabs
        # reporting in at once cannot both insert.
        CasePresence.objects.bulk_create(
            [CasePresence(case=case, user=user, seen_at=now, since=now)],
            update_conflicts=True,
            unique_fields=["case", "user"],
            update_fields=["seen_at", "since"],
        )


def presence_others(*, user, case: Case) -> list[CasePresence]:
    """The other staff seen on ``case`` within the last minute, the longest there first."""
    since = clock.now() - SEEN_WITHIN
    return list(
        CasePresence.objects.filter(case=case, seen_at__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("since", "pk")
    )


def presence_sweep(now) -> int:
    """Forget presence older than a day (the sweep's housekeeping)."""
    return CasePresence.objects.filter(seen_at__lt=now - KEPT_FOR).delete()[0]
