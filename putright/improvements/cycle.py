"""Do, Check and Act (issue 14 §2): the steps ticked with evidence, the after window measured and compared
with the frozen baseline by the metric's declared test, and the decision.

The owner or a manager runs these (a step's own owner may tick it). As in ``services``: row lock, checks,
change, one event on the improvement's chain; ``DomainError`` / ``PermissionDenied`` change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.engines import stats
from putright.errors import DomainError, ErrorCode
from putright.improvements.events import actor_name, event_record
from putright.improvements.models import Decision, Improvement, Stage, Step, StepKind
from putright.improvements.services import (
    clean_text,
    expect_stage,
    filters_of,
    improvement_lock,
    invalid_input,
    may_run,
    require,
    require_staff,
    review_window_after,
    touch,
)
from putright.insights import samples
from putright.procedures.acknowledgements import acknowledgements_request
from putright.procedures.services import version_publish_planned


def do_start(*, actor, improvement: Improvement) -> Improvement:
    require_staff(actor)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_run(actor, improvement), "only the owner or a manager may start Do")
        expect_stage(improvement, Stage.APPROVED, doing="start Do")
        improvement.stage, improvement.do_started_at = Stage.DOING, clock.now()
        touch(improvement, ["stage", "do_started_at"])
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.do_started",
            summary=f"{actor_name(actor)} started Do.",
            before={"stage": Stage.APPROVED},
            after={"stage": Stage.DOING},
        )
    return improvement


def step_complete(
    *,
    actor,
    step: Step,
    evidence: str,
    colleagues=(),
    procedure_body: str = "",
    change_note: str = "",
) -> Step:
    """Tick a step with its evidence. "Communicate the change" names the colleagues told, each asked to
    acknowledge it in the app; "update a procedure" writes the procedure's new version with its change
    note and links it to the step."""
    require_staff(actor)
    evidence = clean_text(evidence, what="the evidence that it is done", limit=5000)
    with transaction.atomic():
        improvement = improvement_lock(step.improvement_id)
        step = Step.objects.select_for_update().get(pk=step.pk)
        require(
            may_run(actor, improvement) or actor.pk == step.owner_id,
            "only the step's owner, the improvement's owner or a manager may tick it",
        )
        expect_stage(improvement, Stage.DOING, doing="tick a step (steps are ticked in Do)")
        if step.done_at is not None:
            raise DomainError(ErrorCode.ALREADY_DONE, "This step is already done.")
        after: dict = {"step": step.pk, "evidence": evidence}
        if step.kind == StepKind.COMMUNICATE:
            told = [user for user in colleagues if is_staff_member(user)]
            if not told:
                raise invalid_input(
                    "Choose the colleagues you told: each is asked to acknowledge the change."
                )
            acknowledgements_request(
                actor=actor,
                subject_key=step.subject_key,
                title=f"Improvement #{improvement.pk}: {step.text}",
                url=reverse("improvements:detail", args=[improvement.pk]),
                users=told,
            )
            after["told"] = sorted(user.get_username() for user in told)
        elif step.kind == StepKind.PROCEDURE:
            assert step.procedure is not None
            version = version_publish_planned(
                actor=actor, procedure=step.procedure, body=procedure_body, change_note=change_note
            )
            step.procedure_version = version
            after["procedure_version"] = version.pk
            after["version_number"] = version.number
        step.done_at, step.done_by, step.evidence = clock.now(), actor, evidence
        step.save(update_fields=["done_at", "done_by", "evidence", "procedure_version"])
        touch(improvement, [])
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.step_done",
            summary=f"{actor_name(actor)} did: {step.text} — {evidence}"[:500],
            after=after,
        )
    return step


def last_step_date(improvement: Improvement):
    last = improvement.steps.aggregate(last=Max("done_at"))["last"]
    return timezone.localdate(last) if last else None


def check_readiness(improvement: Improvement) -> str:
    """Why the Check cannot run yet ("" when it can): steps left, the review date or the after window."""
    if improvement.stage != Stage.DOING:
        return f"It is {Stage(improvement.stage).label.lower()}, not in Do."
    left = improvement.steps.filter(done_at__isnull=True).count()
    if left:
        return f"{left} step{'s' if left != 1 else ''} of the plan still to do."
    today = timezone.localdate(clock.now())
    if improvement.review_date and today < improvement.review_date:
        return f"The review date is {improvement.review_date:%d %b %Y}."
    last = last_step_date(improvement)
    if last is None:
        return "No step has been done."
    start, end = review_window_after(last, improvement)
    if end >= today:
        return (
            f"The after window ({start:%d %b %Y} to {end:%d %b %Y}, as long as the baseline, from the day after "
            f"the last step) has not ended yet: check on or after {end + timedelta(days=1):%d %b %Y}."
        )
    return ""


def check_run(*, actor, improvement: Improvement) -> Improvement:
    """At or after the review date, once the after window has ended: measure it and compare."""
    require_staff(actor)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_run(actor, improvement), "only the owner or a manager may run the Check")
        expect_stage(improvement, Stage.DOING, doing="run the Check")
        why_not = check_readiness(improvement)
        if why_not:
            raise DomainError(ErrorCode.INVALID_TRANSITION, "Not ready for the Check: " + why_not)
        start, end = review_window_after(last_step_date(improvement), improvement)
        after = samples.sample(
            improvement.metric_id, start=start, end=end, filters=filters_of(improvement.baseline_filter)
        )
        comparison = compare(improvement, after)
        improvement.after_start, improvement.after_end = start, end
        improvement.after_value = None if after.value is None else float(after.value)
        improvement.after_numerator, improvement.after_denominator = after.numerator, after.denominator
        improvement.after_n = after.n
        improvement.effect, improvement.ci_low, improvement.ci_high = (
            comparison.effect,
            comparison.ci_low,
            comparison.ci_high,
        )
        improvement.p_value = comparison.p_value
        improvement.test_used, improvement.verdict = comparison.test.value, comparison.verdict.value
        improvement.check_detail = {**comparison.as_dict(), "after_samples": after.values}
        improvement.checked_at, improvement.checked_by = clock.now(), actor
        improvement.stage = Stage.CHECKING
        touch(
            improvement,
            [
                "after_start",
                "after_end",
                "after_value",
                "after_numerator",
                "after_denominator",
                "after_n",
                "effect",
                "ci_low",
                "ci_high",
                "p_value",
                "test_used",
                "verdict",
                "check_detail",
                "checked_at",
                "checked_by",
                "stage",
            ],
        )
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.checked",
            summary=f"Checked {start:%d %b %Y}–{end:%d %b %Y} against the baseline: {comparison.verdict.value}"
            + (f" (p = {comparison.p_value:.3g})" if comparison.p_value is not None else "")
            + ".",
            before={"stage": Stage.DOING},
            after={"stage": Stage.CHECKING, **comparison.as_dict()},
        )
    return improvement


def compare(improvement: Improvement, after: samples.Sample) -> stats.Comparison:
    """The test the metric's catalogue entry declares, on the frozen baseline and the after window."""
    better_higher = bool(improvement.higher_is_better)
    kind = samples.kind_of(samples.baseline_metric(improvement.metric_id))
    if kind is samples.SampleKind.RATE:
        return stats.compare_rates(
            k_before=improvement.baseline_numerator or 0,
            n_before=improvement.baseline_denominator or 0,
            k_after=after.numerator or 0,
            n_after=after.denominator or 0,
            higher_is_better=better_higher,
        )
    if kind is samples.SampleKind.COUNT:
        assert improvement.baseline_start and improvement.baseline_end
        return stats.compare_counts(
            count_before=improvement.baseline_n or 0,
            days_before=(improvement.baseline_end - improvement.baseline_start).days + 1,
            count_after=after.n,
            days_after=after.days,
            higher_is_better=better_higher,
        )
    return stats.compare_samples(
        before=[float(v) for v in improvement.baseline_samples],
        after=after.values,
        higher_is_better=better_higher,
        statistic=stats.Statistic(samples.VALUE_METRICS[improvement.metric_id]),
    )


def act(*, actor, improvement: Improvement, decision: str, reason: str) -> Improvement:
    """Adopt, adjust or abandon, with the reason. Adjust opens the next cycle: a new proposal linked to this
    one with the same metric and filter, its baseline window the after window just measured (the service as
    it is now), the same owner and target; it is planned and approved like any proposal. Returns the
    improvement acted on (the next cycle is ``improvement.children``)."""
    require_staff(actor)
    if decision not in Decision.values:
        raise invalid_input("Choose adopt, adjust or abandon.")
    reason = clean_text(reason, what="the reason for the decision", limit=2000)
    with transaction.atomic():
        improvement = improvement_lock(improvement)
        require(may_run(actor, improvement), "only the owner or a manager may decide")
        expect_stage(improvement, Stage.CHECKING, doing="decide (Act follows the Check)")
        improvement.stage, improvement.act_decision, improvement.act_reason = Stage.ACTED, decision, reason
        improvement.acted_at, improvement.acted_by = clock.now(), actor
        touch(improvement, ["stage", "act_decision", "act_reason", "acted_at", "acted_by"])
        after = {"stage": Stage.ACTED, "decision": decision, "reason": reason}
        if decision == Decision.ADJUST:
            now = clock.now()
            cycle = Improvement.objects.create(
                title=improvement.title,
                rationale=f"Next cycle of #{improvement.pk}, adjusted: {reason}",
                proposer=actor,
                owner=improvement.owner,
                parent=improvement,
                metric_id=improvement.metric_id,
                baseline_filter=improvement.baseline_filter,
                baseline_start=improvement.after_start,
                baseline_end=improvement.after_end,
                target=improvement.target,
                created_at=now,
                updated_at=now,
            )
            event_record(
                improvement=cycle,
                actor=actor,
                kind="improvement.proposed",
                summary=f"{actor_name(actor)} opened this cycle, adjusting #{improvement.pk}: {reason}"[:500],
                after={"parent": improvement.pk, "metric_id": cycle.metric_id},
            )
            after["next_cycle"] = cycle.pk
        event_record(
            improvement=improvement,
            actor=actor,
            kind="improvement.acted",
            summary=f"{actor_name(actor)} decided to {decision}: {reason}"[:500],
            before={"stage": Stage.CHECKING},
            after=after,
        )
    return improvement
