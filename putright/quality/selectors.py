"""Reads of the scorecard and its disputes that the case page, the record, the API and the console share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from putright.cases.models import Case
from putright.engines.quality import CHECK_IDS, CHECK_TITLES, Result
from putright.quality import access
from putright.quality.models import CheckResult, Dispute
from putright.quality.record import SCORED_STATUSES


@dataclass
class CheckLine:
    id: str
    title: str
    # The result as it stands: the engine's, or "pass" where a dispute of its fail was upheld.
    result: str
    engine_result: str
    reason: str  # the engine's reason ("" on a pass the engine gave)
    event_id: int | None
    dispute: Dispute | None  # the latest dispute of this check, while the check fails

    @property
    def overturned(self) -> bool:
        return self.dispute is not None and self.dispute.status == Dispute.Status.UPHELD

    @property
    def words(self) -> str:
        if self.overturned:
            return "Pass (overturned on dispute)"
        return {"pass": "Pass", "fail": "Fail", "n/a": "Does not apply"}[self.result]


@dataclass
class Scorecard:
    case: Case
    engine_version: str
    scored_at: datetime
    lines: list[CheckLine]

    @property
    def counts(self) -> dict[str, int]:
        """How many checks stand at pass, fail and n/a ("na": a name a template can read)."""
        out = {"pass": 0, "fail": 0, "na": 0}
        for line in self.lines:
            out["na" if line.result == Result.NOT_APPLICABLE else line.result] += 1
        return out


def is_scored_status(case: Case) -> bool:
    return case.status in SCORED_STATUSES


def scorecard_for(case: Case) -> Scorecard | None:
    """The case's scorecard (two queries), or None when it has none (open, a duplicate, not scored yet)."""
    rows = {r.check_id: r for r in CheckResult.objects.filter(case=case)}
    if not rows:
        return None
    latest: dict[str, Dispute] = {}
    for dispute in (
        Dispute.objects.filter(case=case)
        .select_related("raised_by", "decided_by")
        .order_by("raised_at", "pk")
    ):
        latest[dispute.check_id] = dispute
    lines = []
    for check_id in CHECK_IDS:
        row = rows.get(check_id)
        if row is None:
            continue
        dispute = latest.get(check_id) if row.result == Result.FAIL else None
        upheld = dispute is not None and dispute.status == Dispute.Status.UPHELD
        lines.append(
            CheckLine(
                id=check_id,
                title=CHECK_TITLES[check_id],
                result=Result.PASS.value if upheld else row.result,
                engine_result=row.result,
                reason=row.reason,
                event_id=row.event_id,
                dispute=dispute,
            )
        )
    first = next(iter(rows.values()))
    return Scorecard(case=case, engine_version=first.engine_version, scored_at=first.scored_at, lines=lines)


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def dispute_data(dispute: Dispute | None) -> dict | None:
    if dispute is None:
        return None
    return {
        "status": dispute.status,
        "raised_by": _name(dispute.raised_by),
        "raised_at": dispute.raised_at.isoformat(),
        "note": dispute.note,
        "failed_reason": dispute.failed_reason,
        "decided_by": _name(dispute.decided_by),
        "decided_at": dispute.decided_at.isoformat() if dispute.decided_at else None,
        "decision_note": dispute.decision_note,
    }


def scorecard_data(card: Scorecard) -> dict:
    """The scorecard as plain data: the API's answer and the case record's section. ``reason`` is empty on
    a pass (an overturned fail's reason stays in ``disputed.failed_reason``)."""
    return {
        "case": card.case.reference,
        "engine_version": card.engine_version,
        "scored_at": card.scored_at.isoformat(),
        "checks": [
            {
                "id": line.id,
                "result": line.result,
                "reason": "" if line.result == Result.PASS else line.reason,
                "event_id": line.event_id,
                "disputed": dispute_data(line.dispute),
            }
            for line in card.lines
        ],
    }


def disputes_for_decider(*, user, status: str = Dispute.Status.OPEN) -> QuerySet[Dispute]:
    """The disputes ``user`` may decide (``status`` "" for all), newest first."""
    where = access.decider_filter(user)
    if where is None:
        return Dispute.objects.none()
    qs = Dispute.objects.filter(where).select_related("case", "raised_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-raised_at", "-pk")


def disputes_raised_by(*, user) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(raised_by=user)
        .select_related("case", "decided_by")
        .order_by("-raised_at", "-pk")
    )
