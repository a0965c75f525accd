"""Q1: scoring closed cases (the one way the stored check rows are written).

``case_score`` runs inside the transaction that closes the case (the ``CaseClosed`` subscriber), so the
case and its scorecard commit together; it replaces the case's rows, so closing again (or a rescore)
scores afresh. ``cases_rescore`` rescores every closed case in batches, for the console command and the
demo loader.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from putright import clock
from putright.cases.models import Case
from putright.cases.services import case_event
from putright.engines.quality import ENGINE_VERSION, score
from putright.quality.models import CheckResult
from putright.quality.record import SCORED_STATUSES, case_record_read

BATCH_SIZE = 200


def case_score(case: Case) -> list[CheckResult]:
    """Score ``case`` (closed, not as a duplicate) from its record; its earlier rows are replaced.

    Disputes are not touched: they hang on the case and check id, so a check that fails again keeps its
    dispute and decision (``quality.selectors``)."""
    if case.status not in SCORED_STATUSES:
        raise ValueError(f"{case.reference} is not closed with an outcome of its own: it is not scored")
    outcomes = score(case_record_read(case))
    now = clock.now()
    rows = [
        CheckResult(
            case=case,
            check_id=o.id,
            result=o.result.value,
            reason=o.reason,
            event_id=o.event_id,
            engine_version=ENGINE_VERSION,
            scored_at=now,
        )
        for o in outcomes
    ]
    with transaction.atomic():
        CheckResult.objects.filter(case=case).delete()
        CheckResult.objects.bulk_create(rows)
    return rows


def scorecard_void(case: Case, *, actor, reason: str) -> int:
    """Issue 15 §5: the case was reopened, so its scorecard no longer describes an outcome. The rows leave
    the live scorecard (and so the coverage figures) and are kept, with the reason, in a
    ``quality.scorecard_voided`` event on the case; the next close scores it afresh. Returns how many."""
    rows = list(CheckResult.objects.filter(case=case).order_by("pk"))
    if not rows:
        return 0
    case_event(
        case,
        actor,
        "quality.scorecard_voided",
        f"Handling scorecard voided: the case was reopened ({len(rows)} checks; scored again when it closes)",
        after={
            "reason": reason,
            "checks": [
                {
                    "check_id": r.check_id,
                    "result": r.result,
                    "reason": r.reason,
                    "engine_version": r.engine_version,
                }
                for r in rows
            ],
        },
    )
    CheckResult.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


def cases_to_score():
    return Case.objects.filter(status__in=SCORED_STATUSES)


def cases_rescore(*, batch_size: int = BATCH_SIZE, on_progress: Callable[[int], None] | None = None) -> int:
    """Rescore every closed case (not duplicates), ``batch_size`` cases per transaction; returns how many.

    Walks the cases by id, so a case closing meanwhile is scored by its own hook and at most once more here.
    """
    done = 0
    last = 0
    while True:
        batch = list(cases_to_score().filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return done
        with transaction.atomic():
            for case in batch:
                case_score(case)
        done += len(batch)
        last = batch[-1].pk
        if on_progress is not None:
            on_progress(len(batch))
