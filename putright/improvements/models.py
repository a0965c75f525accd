"""Improvements and their Plan–Do–Check–Act cycles (issue 14 §1–§2).

Written only through ``improvements.services`` and ``improvements.cycle`` (one way in); every change is an
``ImprovementEvent`` on the improvement's own hash chain (``improvements.events``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Stage(models.TextChoices):
    """proposed → approved (the plan and its baseline frozen) → doing → checking (the Check's result
    recorded, the decision pending) → acted; a proposal may be rejected or withdrawn before Do."""

    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved (plan frozen)"
    DOING = "doing", "Doing"
    CHECKING = "checking", "Checked: decision due"
    ACTED = "acted", "Acted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


STAGE_ORDER = [s.value for s in Stage]
OPEN_STAGES = (Stage.PROPOSED, Stage.APPROVED, Stage.DOING, Stage.CHECKING)
STAGE_COLOURS = {
    Stage.PROPOSED: "amber",
    Stage.APPROVED: "blue",
    Stage.DOING: "blue",
    Stage.CHECKING: "red",
    Stage.ACTED: "green",
    Stage.REJECTED: "dark",
    Stage.WITHDRAWN: "dark",
}


class Decision(models.TextChoices):
    ADOPT = "adopt", "Adopt: make the change the standard"
    ADJUST = "adjust", "Adjust: run another cycle with a changed plan"
    ABANDON = "abandon", "Abandon: go back to how it was"


class Improvement(models.Model):
    """A change to the service: who proposed, approved and owns it, its plan and baseline, its Check and
    the decision. ``parent`` is the cycle an "adjust" decision continued from."""

    title = models.CharField(max_length=200)
    rationale = models.TextField()
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.PROPOSED)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    # The plan: one catalogue metric with its filter (team, handler, category, channel, source_kind) over
    # a baseline window; a target in the metric's unit; the date the owner is alerted to check.
    metric_id = models.CharField(max_length=50, blank=True)
    baseline_filter = models.JSONField(default=dict, blank=True)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)

    # Frozen at approval: the baseline as measured then, with what the test needs later (the per-case
    # values of a duration or score, the count and days of a count, a rate's numerator and denominator).
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_numerator = models.IntegerField(null=True, blank=True)
    baseline_denominator = models.IntegerField(null=True, blank=True)
    baseline_n = models.IntegerField(null=True, blank=True)
    baseline_samples = models.JSONField(default=list, blank=True)
    baseline_frozen_at = models.DateTimeField(null=True, blank=True)
    # Which way is better for this improvement: the metric's own direction, or (for a metric with none,
    # such as volume) the direction from the baseline to the target.
    higher_is_better = models.BooleanField(null=True, blank=True)

    decided_at = models.DateTimeField(null=True, blank=True)  # approved or rejected
    decision_note = models.TextField(blank=True)  # why rejected, or withdrawn
    do_started_at = models.DateTimeField(null=True, blank=True)

    # Check: the after window (the baseline's length, from the day after the last Do step), its figures
    # and the comparison.
    after_start = models.DateField(null=True, blank=True)
    after_end = models.DateField(null=True, blank=True)
    after_value = models.FloatField(null=True, blank=True)
    after_numerator = models.IntegerField(null=True, blank=True)
    after_denominator = models.IntegerField(null=True, blank=True)
    after_n = models.IntegerField(null=True, blank=True)
    effect = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    test_used = models.CharField(max_length=30, blank=True)
    verdict = models.CharField(max_length=30, blank=True)
    check_detail = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Act.
    act_decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    act_reason = models.TextField(blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The sweep alerts the owner once when the review date has come.
    review_alerted_at = models.DateTimeField(null=True, blank=True)
    # The head of the event chain (like a case's audit_seq / audit_head).
    event_seq = models.PositiveIntegerField(default=0)
    event_head = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["stage", "-updated_at"], name="improvement_stage_updated"),
            models.Index(fields=["review_date", "review_alerted_at"], name="improvement_review"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None


class EvidenceKind(models.TextChoices):
    """What an improvement is proposed from. Survey gaps join when the surveys room exists (issue 14 §1)."""

    PROBLEM = "problem", "Problem"
    FEEDBACK_THEME = "feedback_theme", "Feedback theme"
    METRIC = "metric", "Metric figure"
    CASE = "case", "Case"
    NOTE = "note", "Note"


class Evidence(models.Model):
    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    problem = models.ForeignKey(
        "problems.Problem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvement_evidence",
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="improvement_evidence"
    )
    # A feedback theme's term, or a metric's id.
    term = models.CharField(max_length=100, blank=True)
    # The figure or the note in words, as it was when linked ("broken promises in deliveries rose to 18%").
    text = models.CharField(max_length=500)
    figures = models.JSONField(default=dict, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["improvement", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


class StepKind(models.TextChoices):
    COMMUNICATE = "communicate", "Communicate the change"
    PROCEDURE = "procedure", "Update a procedure"
    TRAIN = "train", "Train"
    SYSTEM = "system", "Change a system"
    OTHER = "other", "Other"


class Step(models.Model):
    """One step of the plan, ticked in Do with its evidence. "Update a procedure" names the procedure and,
    once done, the version it created; "communicate the change" asks colleagues to acknowledge it (read
    receipts under the key ``improvement-step:<pk>``)."""

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    procedure = models.ForeignKey(
        "procedures.Procedure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvement_steps",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["improvement", "due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    @property
    def subject_key(self) -> str:
        return f"improvement-step:{self.pk}"


class ImprovementEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("improvement events are append-only; they cannot be updated")

    def delete(self):
        raise TypeError("improvement events are append-only; they cannot be deleted")


class ImprovementEvent(models.Model):
    """One step of an improvement's history: who did what, when, before and after. Append-only and
    hash-chained per improvement (``hash`` covers the content and the previous hash), written only by
    ``improvements.events.event_record``. The case audit chain is bound to cases, so improvements keep
    their own, made the same way."""

    improvement = models.ForeignKey(Improvement, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=500)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = ImprovementEventQuerySet.as_manager()

    class Meta:
        ordering = ["improvement", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["improvement", "seq"], name="improvement_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.improvement_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("improvement events are append-only; they cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("improvement events are append-only; they cannot be deleted")
