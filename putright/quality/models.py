"""The stored scorecard (one row per check per closed case) and disputes of failed checks (Q1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from putright.engines.quality import CHECK_IDS, CHECK_TITLES, Result


class CheckResult(models.Model):
    """One check of a closed case's scorecard, as the engine (``engines.quality``) answered it.

    Written only by ``quality.scoring``, which replaces all of a case's rows together (in the transaction
    that closes the case, or a rescore): a case reopened and closed again is scored afresh. The engine's
    answer is kept as it was; a dispute's decision is kept beside it (``Dispute``), never written over it.
    """

    class Outcome(models.TextChoices):
        PASS = Result.PASS.value, "Pass"
        FAIL = Result.FAIL.value, "Fail"
        NOT_APPLICABLE = Result.NOT_APPLICABLE.value, "Does not apply"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="check_results")
    check_id = models.CharField(max_length=40, choices=[(c, CHECK_TITLES[c]) for c in CHECK_IDS])
    result = models.CharField(max_length=4, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    # The timeline event that shows it (audit events are never deleted: the link holds).
    event = models.ForeignKey(
        "audit.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    engine_version = models.CharField(max_length=20)
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["case_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "check_id"], name="quality_check_once_per_case")
        ]
        indexes = [models.Index(fields=["check_id", "result"], name="quality_check_result")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.check_id}: {self.result}"


class Dispute(models.Model):
    """The case's handler disputes a failed check with a note; a manager (or the supervisor who leads the
    handler's team) upholds it (the fail is overturned: shown as a pass, overturned on dispute) or rejects
    it (the fail stands). The row is the audit trail: who, when, what, and the decision; it is attached to
    the case and check id, so a rescore that fails the check again keeps it."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        UPHELD = "upheld", "Upheld: overturned to a pass"
        REJECTED = "rejected", "Rejected: the fail stands"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="check_disputes")
    check_id = models.CharField(max_length=40, choices=[(c, CHECK_TITLES[c]) for c in CHECK_IDS])
    # The fail as it stood when disputed (a later rescore may word it differently).
    failed_reason = models.TextField(blank=True)
    engine_version = models.CharField(max_length=20)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    note = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "check_id"],
                condition=models.Q(status="open"),
                name="quality_one_open_dispute_per_check",
            )
        ]
        indexes = [models.Index(fields=["case", "check_id", "raised_at"], name="quality_dispute_check")]

    def __str__(self) -> str:
        return f"Dispute of {self.check_id} on {self.case_id} ({self.status})"
