"""Proposing and planning improvements, and the approval that freezes the plan (issue 14 §1–§2, Plan).

One way in: pages, the API and the demo call these (and ``improvements.cycle`` for Do, Check and Act).
Each checks who may, locks the improvement's row, changes it and records an event on its chain. Bad input
and a step the stage does not allow raise ``DomainError`` with a message for people; a person who may not
raises ``PermissionDenied``. Nothing is changed when either is raised.

Who may: anyone on the staff proposes and adds evidence; the proposer, the owner or a manager edits a
proposal and its plan; a manager (or administrator) who did not propose it approves or rejects it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from putright import clock
from putright.authority.models import Role, Team
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.cases.models import Case, Category
from putright.engines.metrics import Dimension
from putright.engines.metrics import metric as catalogue_metric
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.improvements.events import actor_name, event_record
from putright.improvements.models import (
    Decision,
    Evidence,
    EvidenceKind,
    Improvement,
    Stage,
    Step,
    StepKind,
)
from putright.insights import samples
from putright.insights.sql import Filters
from putright.problems.models import Problem
from putright.procedures.models import Procedure
from putright.vocab import Channel, SourceKind

MAX_WINDOW_DAYS = 366
MAX_REVIEW_DAYS = 3 * 366
# Windows before this are refused: no case is that old, and the metrics' moments start there.
EARLIEST = date(2000, 1, 1)
# The filter a baseline may carry: the catalogue's case dimensions that ``insights.sql.Filters`` narrows by.
FILTER_KEYS = (
    Dimension.TEAM.value,
    Dimension.HANDLER.value,
    Dimension.CATEGORY.value,
    Dimension.CHANNEL.value,
    Dimension.SOURCE_KIND.value,
)

__all__ = [
    "Decision",
    "EvidenceInput",
    "evidence_add",
    "evidence_remove",
    "filters_of",
    "improvement_approve",
    "improvement_edit",
    "improvement_lock",
    "improvement_propose",
    "improvement_reject",
    "improvement_withdraw",
    "plan_set",
    "step_add",
    "step_remove",
]


# ---------------------------------------------------------------- who may


def require_staff(actor) -> None:
    if not is_staff_member(actor):
        raise PermissionDenied("only staff may work on improvements")


def is_manager(actor) -> bool:
    return is_staff_member(actor) and has_role_at_least(actor, Role.MANAGER)


def may_edit(actor, improvement: Improvement) -> bool:
    """The proposer, the owner or a manager may change a proposal and its plan."""
    return is_staff_member(actor) and (
        actor.pk in (improvement.proposer_id, improvement.owner_id) or is_manager(actor)
    )


def may_run(actor, improvement: Improvement) -> bool:
    """The owner or a manager runs Do, Check and Act."""
    return is_staff_member(actor) and (actor.pk == improvement.owner_id or is_manager(actor))


def may_decide(actor, improvement: Improvement) -> bool:
    """A manager who did not propose it approves or rejects a proposal."""
    return is_manager(actor) and actor.pk != improvement.proposer_id


def require(allowed: bool, why: str) -> None:
    if not allowed:
        raise PermissionDenied(why)


def expect_stage(improvement: Improvement, *stages: str, doing: str) -> None:
    if improvement.stage not in stages:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Improvement #{improvement.pk} is {Stage(improvement.stage).label.lower()}: you cannot {doing} now.",
        )


def invalid_input(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, message)


def clean_text(value: str, *, what: str, limit: int, required: bool = True, one_line: bool = False) -> str:
    value = (value or "").strip()
    if one_line:
        value = " ".join(value.split())
    if required and not value:
        raise invalid_input(f"Give {what}.")
    if len(value) > limit:
        raise invalid_input(f"Keep {what} to {limit} characters.")
    return value


def improvement_lock(improvement: Improvement | int) -> Improvement:
    """The improvement's row, locked for the rest of the transaction (the caller is in one)."""
    pk = improvement if isinstance(improvement, int) else improvement.pk
    return Improvement.objects.select_for_update().get(pk=pk)


def touch(improvement: Improvement, fields: list[str]) -> None:
    improvement.updated_at = clock.now()
    improvement.save(update_fields=[*fields, "updated_at"])


# ---------------------------------------------------------------- propose and edit


@dataclass(frozen=True)
class EvidenceInput:
    kind: str
    text: str = ""
    problem: Problem | None = None
    case: Case | None = None
    term: str = ""
    figures: dict = field(default_factory=dict)


def improvement_propose(
    *, actor, title: str, rationale: str, owner=None, evidence: list[EvidenceInput] | tuple = ()
) -> Improvement:
    """Anyone on the staff proposes an improvement with its rationale and evidence (I1)."""
    require_staff(actor)
    title = clean_text(title, what="a title", limit=200, one_line=True)
    rationale = clean_text(rationale, what="the rationale: why this change", limit=10000)
    if owner is not None and not is_staff_member(owner):
        raise invalid_input("The owner must be a member of staff.")
    now = clock.now()
    with transaction.atomic():
        improvement = Improvement.objects.create(
            title=title, rationale=rationale, proposer=actor, owner=owner, created_at=now, updated_at=now
        )
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.proposed",
            summary=f"{actor_name(actor)} proposed “{title}”.",
            after={"title": title, "owner": owner.get_username() if owner else None},
        )
        for item in evidence:
            _evidence_create(actor, improvement, item)
    return improvement


def improvement_edit(
    *, actor, improvement: Improvement, title: str, rationale: str, owner=None
) -> Improvement:
    require_staff(actor)
    title = clean_text(title, what="a title", limit=200, one_line=True)
    rationale = clean_text(rationale, what="the rationale: why this change", limit=10000)
    if owner is not None and not is_staff_member(owner):
        raise invalid_input("The owner must be a member of staff.")
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_edit(actor, improvement), "only the proposer, the owner or a manager may edit it")
        expect_stage(improvement, Stage.PROPOSED, doing="edit it (the plan is frozen once approved)")
        before = {
            "title": improvement.title,
            "rationale": improvement.rationale,
            "owner": improvement.owner.get_username() if improvement.owner else None,
        }
        improvement.title, improvement.rationale, improvement.owner = title, rationale, owner
        after = {"title": title, "rationale": rationale, "owner": owner.get_username() if owner else None}
        if before == after:
            return improvement
        touch(improvement, ["title", "rationale", "owner"])
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.edited",
            summary=f"{actor_name(actor)} edited the proposal.",
            before=before,
            after=after,
        )
    return improvement


# ---------------------------------------------------------------- evidence


def _evidence_create(actor, improvement: Improvement, item: EvidenceInput) -> Evidence:
    if item.kind not in EvidenceKind.values:
        raise invalid_input(f"Unknown kind of evidence {item.kind!r}.")
    text = clean_text(item.text, what="the evidence in words", limit=500, required=False, one_line=True)
    term = clean_text(item.term, what="the term", limit=100, required=False, one_line=True)
    problem = case = None
    if item.kind == EvidenceKind.PROBLEM:
        if item.problem is None:
            raise invalid_input("Choose the problem.")
        problem = item.problem
        text = text or f"Problem #{problem.pk}: {problem.title}"[:500]
    elif item.kind == EvidenceKind.CASE:
        if item.case is None:
            raise invalid_input("Give the case's reference.")
        case = item.case
        text = text or f"{case.reference}: {case.subject}"[:500]
    elif item.kind == EvidenceKind.FEEDBACK_THEME:
        if not term:
            raise invalid_input("Name the feedback theme.")
        text = text or f"Feedback theme “{term}”"
    elif item.kind == EvidenceKind.METRIC:
        if not term:
            raise invalid_input("Name the metric.")
        try:
            catalogue_metric(term)
        except KeyError:
            raise invalid_input(f"There is no metric {term!r} in the catalogue.") from None
        if not text:
            raise invalid_input(
                "Say what the figure shows, e.g. “broken promises in deliveries rose to 18%”."
            )
    elif not text:
        raise invalid_input("Write the note.")
    evidence = Evidence.objects.create(
        improvement=improvement,
        kind=item.kind,
        problem=problem,
        case=case,
        term=term,
        text=text,
        figures=item.figures or {},
        added_by=actor,
        added_at=clock.now(),
    )
    event_record(
        improvement=improvement,
        actor=actor,
        kind="improvement.evidence_added",
        summary=f"Evidence linked: {evidence.get_kind_display()} — {text}"[:500],
        after={"evidence": evidence.pk, "kind": item.kind, "text": text},
    )
    return evidence


def evidence_add(*, actor, improvement: Improvement, evidence: EvidenceInput) -> Evidence:
    """Anyone on the staff links evidence to an improvement until it has been acted on."""
    require_staff(actor)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        expect_stage(
            improvement, Stage.PROPOSED, Stage.APPROVED, Stage.DOING, Stage.CHECKING, doing="add evidence"
        )
        found = _evidence_create(actor, improvement, evidence)
        touch(improvement, [])
    return found


def evidence_remove(*, actor, improvement: Improvement, evidence_id: int) -> None:
    _remove_from_proposal(
        actor=actor,
        improvement=improvement,
        rows=Evidence.objects.filter(pk=evidence_id),
        noun="evidence",
        why="only the proposer, the owner or a manager may remove evidence",
        doing="remove evidence (it is part of the approved record)",
    )


def _remove_from_proposal(*, actor, improvement: Improvement, rows, noun: str, why: str, doing: str) -> None:
    """Take a piece of evidence or a step off a proposal (never once approved), with its event."""
    require_staff(actor)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_edit(actor, improvement), why)
        expect_stage(improvement, Stage.PROPOSED, doing=doing)
        row = rows.filter(improvement=improvement).first()
        if row is None:
            raise invalid_input(f"That {noun} is not on this improvement.")
        pk, text = row.pk, row.text
        row.delete()
        touch(improvement, [])
        event_record(
            improvement=improvement,
            actor=actor,
            kind=f"improvement.{noun}_removed",
            summary=f"{noun.capitalize()} removed: {text}"[:500],
            before={noun: pk, "text": text},
        )


# ---------------------------------------------------------------- the plan


def filters_of(raw: dict) -> Filters:
    """A baseline's filter as stored (JSON) → the metrics' ``Filters``, every value checked to exist."""
    if not isinstance(raw, dict):
        raise invalid_input("The filter must be a set of dimension: value pairs.")
    unknown = sorted(set(raw) - set(FILTER_KEYS))
    if unknown:
        raise invalid_input(
            f"A baseline cannot be filtered by {', '.join(unknown)}; it can by {', '.join(FILTER_KEYS)}."
        )
    values = {k: v for k, v in raw.items() if v not in (None, "")}
    team = handler = None
    if "team" in values:
        team = values["team"]
        if not isinstance(team, int) or not Team.objects.filter(pk=team).exists():
            raise invalid_input("No such team for the filter.")
    if "handler" in values:
        handler = values["handler"]
        if not isinstance(handler, int) or not get_user_model().objects.filter(pk=handler).exists():
            raise invalid_input("No such handler for the filter.")
    category = str(values.get("category", ""))
    if category and not Category.objects.filter(slug=category).exists():
        raise invalid_input(f"No category {category!r} for the filter.")
    channel = str(values.get("channel", ""))
    if channel and channel not in Channel.values:
        raise invalid_input(f"No channel {channel!r} for the filter.")
    source_kind = str(values.get("source_kind", ""))
    if source_kind and source_kind not in SourceKind.values:
        raise invalid_input(f"No source kind {source_kind!r} for the filter.")
    return Filters(team=team, handler=handler, category=category, channel=channel, source_kind=source_kind)


def _clean_filter(raw: dict) -> dict:
    filters_of(raw)
    return {k: v for k, v in raw.items() if v not in (None, "")}


def plan_set(
    *,
    actor,
    improvement: Improvement,
    metric_id: str,
    filters: dict,
    baseline_start: date,
    baseline_end: date,
    target: float,
    review_date: date,
    owner=None,
) -> Improvement:
    """The baseline (a catalogue metric with a declared test, its filter, a window that has ended), the
    target and the review date. Editable while proposed; frozen by the approval."""
    require_staff(actor)
    try:
        definition = samples.baseline_metric(metric_id)
    except samples.NotABaseline as exc:
        raise invalid_input(str(exc)) from None
    clean = _clean_filter(filters or {})
    today = timezone.localdate(clock.now())
    if baseline_start < EARLIEST:
        raise invalid_input(f"The baseline window cannot start before {EARLIEST:%d %b %Y}.")
    if baseline_end < baseline_start:
        raise invalid_input("The baseline window cannot end before it starts.")
    if baseline_end >= today:
        raise invalid_input("The baseline window must have ended: choose an end before today.")
    if (baseline_end - baseline_start).days + 1 > MAX_WINDOW_DAYS:
        raise invalid_input(f"Keep the baseline window to {MAX_WINDOW_DAYS} days.")
    if review_date < today:
        raise invalid_input("The review date cannot be in the past.")
    if review_date > today + timedelta(days=MAX_REVIEW_DAYS):
        raise invalid_input("Set the review date within three years.")
    if target is None:
        raise invalid_input("Give a target for the metric.")
    if definition.is_rate and not 0 <= target <= 1:
        raise invalid_input("A rate's target is a fraction between 0 and 1 (e.g. 0.9 for 90%).")
    if owner is not None and not is_staff_member(owner):
        raise invalid_input("The owner must be a member of staff.")
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_edit(actor, improvement), "only the proposer, the owner or a manager may plan it")
        expect_stage(improvement, Stage.PROPOSED, doing="change the plan (it is frozen once approved)")
        before = _plan_dict(improvement)
        improvement.metric_id = metric_id
        improvement.baseline_filter = clean
        improvement.baseline_start, improvement.baseline_end = baseline_start, baseline_end
        improvement.target, improvement.review_date = float(target), review_date
        if owner is not None:
            improvement.owner = owner
        after = _plan_dict(improvement)
        touch(
            improvement,
            [
                "metric_id",
                "baseline_filter",
                "baseline_start",
                "baseline_end",
                "target",
                "review_date",
                "owner",
            ],
        )
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.planned",
            summary=f"{actor_name(actor)} set the plan: {definition.title}, baseline "
            f"{baseline_start:%d %b %Y}–{baseline_end:%d %b %Y}, review on {review_date:%d %b %Y}.",
            before=before,
            after=after,
        )
    return improvement


def _plan_dict(improvement: Improvement) -> dict:
    return {
        "metric_id": improvement.metric_id,
        "filter": improvement.baseline_filter,
        "baseline_start": improvement.baseline_start,
        "baseline_end": improvement.baseline_end,
        "target": improvement.target,
        "review_date": improvement.review_date,
        "owner": improvement.owner.get_username() if improvement.owner else None,
    }


def step_add(
    *,
    actor,
    improvement: Improvement,
    kind: str,
    text: str,
    owner,
    due_date: date,
    procedure: Procedure | None = None,
) -> Step:
    require_staff(actor)
    if kind not in StepKind.values:
        raise invalid_input(f"Unknown kind of step {kind!r}.")
    text = clean_text(text, what="what the step is", limit=500, one_line=True)
    if owner is None or not is_staff_member(owner):
        raise invalid_input("A step's owner must be a member of staff.")
    if due_date is None:
        raise invalid_input("Give the step a due date.")
    if kind == StepKind.PROCEDURE:
        if procedure is None:
            raise invalid_input("Choose the procedure this step updates.")
        if not procedure.active:
            raise invalid_input(f"The procedure “{procedure.title}” is no longer in use.")
    else:
        procedure = None
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_edit(actor, improvement), "only the proposer, the owner or a manager may plan it")
        expect_stage(improvement, Stage.PROPOSED, doing="add a step (the plan is frozen once approved)")
        step = Step.objects.create(
            improvement=improvement,
            kind=kind,
            text=text,
            owner=owner,
            due_date=due_date,
            procedure=procedure,
            created_at=clock.now(),
        )
        touch(improvement, [])
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.step_added",
            summary=f"Step planned: {step.get_kind_display()} — {text} ({actor_name(owner)}, by {due_date:%d %b %Y})."[
                :500
            ],
            after={
                "step": step.pk,
                "kind": kind,
                "text": text,
                "owner": owner.get_username(),
                "due": due_date,
            },
        )
    return step


def step_remove(*, actor, improvement: Improvement, step_id: int) -> None:
    _remove_from_proposal(
        actor=actor,
        improvement=improvement,
        rows=Step.objects.filter(pk=step_id),
        noun="step",
        why="only the proposer, the owner or a manager may plan it",
        doing="remove a step (the plan is frozen once approved)",
    )


# ---------------------------------------------------------------- approval


def _direction(improvement: Improvement, baseline_value: float | None) -> bool:
    """Which way is better: the metric's own, or for a metric with none the way from baseline to target."""
    definition = catalogue_metric(improvement.metric_id)
    if definition.higher_is_better is not None:
        return definition.higher_is_better
    if baseline_value is None or improvement.target is None or improvement.target == baseline_value:
        raise invalid_input(
            f"{definition.title} is neither better higher nor lower: set a target above or below the baseline "
            f"({baseline_value if baseline_value is not None else 'no figure yet'}) so the Check knows which way is better."
        )
    return improvement.target > baseline_value


def improvement_approve(*, actor, improvement: Improvement, note: str = "") -> Improvement:
    """A manager who did not propose it approves the plan: the baseline is measured now and frozen on the
    record with what the Check's test will need."""
    require_staff(actor)
    note = clean_text(note, what="the note", limit=2000, required=False)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(is_manager(actor), "only a manager may approve an improvement")
        require(actor.pk != improvement.proposer_id, "nobody approves their own proposal")
        expect_stage(improvement, Stage.PROPOSED, doing="approve it")
        missing = []
        if improvement.owner_id is None:
            missing.append("an owner")
        if not improvement.metric_id:
            missing.append("a baseline metric and window")
        if improvement.review_date is None:
            missing.append("a review date")
        if not improvement.steps.exists():
            missing.append("at least one step")
        if missing:
            raise invalid_input("The plan needs " + ", ".join(missing) + " before it can be approved.")
        try:
            found = samples.sample(
                improvement.metric_id,
                start=improvement.baseline_start,
                end=improvement.baseline_end,
                filters=filters_of(improvement.baseline_filter),
            )
        except samples.NotABaseline as exc:
            raise invalid_input(str(exc)) from None
        value = None if found.value is None else float(found.value)
        improvement.higher_is_better = _direction(improvement, value)
        improvement.baseline_value = value
        improvement.baseline_numerator = found.numerator
        improvement.baseline_denominator = found.denominator
        improvement.baseline_n = found.n
        improvement.baseline_samples = found.values
        improvement.baseline_frozen_at = improvement.decided_at = clock.now()
        improvement.approver = actor
        improvement.decision_note = note
        improvement.stage = Stage.APPROVED
        touch(
            improvement,
            [
                "higher_is_better",
                "baseline_value",
                "baseline_numerator",
                "baseline_denominator",
                "baseline_n",
                "baseline_samples",
                "baseline_frozen_at",
                "decided_at",
                "approver",
                "decision_note",
                "stage",
            ],
        )
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.approved",
            summary=f"{actor_name(actor)} approved the plan; baseline frozen: {value if value is not None else 'no figure'} "
            f"(n = {found.n}).{' ' + note if note else ''}"[:500],
            before={"stage": Stage.PROPOSED},
            after={
                "stage": Stage.APPROVED,
                "baseline_value": value,
                "numerator": found.numerator,
                "denominator": found.denominator,
                "n": found.n,
            },
        )
    return improvement


def improvement_reject(*, actor, improvement: Improvement, reason: str) -> Improvement:
    require_staff(actor)
    reason = clean_text(reason, what="the reason for rejecting it", limit=2000)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(is_manager(actor), "only a manager may reject an improvement")
        require(actor.pk != improvement.proposer_id, "nobody decides on their own proposal")
        expect_stage(improvement, Stage.PROPOSED, doing="reject it")
        improvement.stage, improvement.approver = Stage.REJECTED, actor
        improvement.decided_at, improvement.decision_note = clock.now(), reason
        touch(improvement, ["stage", "approver", "decided_at", "decision_note"])
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.rejected",
            summary=f"{actor_name(actor)} rejected it: {reason}"[:500],
            before={"stage": Stage.PROPOSED},
            after={"stage": Stage.REJECTED, "reason": reason},
        )
    return improvement


def improvement_withdraw(*, actor, improvement: Improvement, reason: str) -> Improvement:
    """The proposer, the owner or a manager withdraws it before Do starts."""
    require_staff(actor)
    reason = clean_text(reason, what="the reason for withdrawing it", limit=2000)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_edit(actor, improvement), "only the proposer, the owner or a manager may withdraw it")
        expect_stage(improvement, Stage.PROPOSED, Stage.APPROVED, doing="withdraw it (Do has started)")
        before = improvement.stage
        improvement.stage, improvement.decision_note = Stage.WITHDRAWN, reason
        touch(improvement, ["stage", "decision_note"])
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.withdrawn",
            summary=f"{actor_name(actor)} withdrew it: {reason}"[:500],
            before={"stage": before},
            after={"stage": Stage.WITHDRAWN, "reason": reason},
        )
    return improvement


def review_window_after(last_done: date, improvement: Improvement) -> tuple[date, date]:
    """The Check's window: the baseline's length, from the day after the last Do step."""
    assert improvement.baseline_start and improvement.baseline_end
    length = (improvement.baseline_end - improvement.baseline_start).days
    start = last_done + timedelta(days=1)
    return start, start + timedelta(days=length)
