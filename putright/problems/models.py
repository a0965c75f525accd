"""Problems in the ITIL sense: the shared cause behind many cases (S3), or behind a failure signal (S5).

State changes only through ``putright.problems.services``. A problem's own history is
``ProblemEvent`` (append-only); what happens to each case (linked, unlinked, merged) is also
written on that case's hash-chained timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from putright.vocab import SourceKind


class ProblemStatus(models.TextChoices):
    SUSPECTED = "suspected", "Suspected"
    CONFIRMED = "confirmed", "Confirmed"
    KNOWN_ERROR = "known_error", "Known error"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# ITIL: identification (suspected), control (confirmed → known error with root cause and workaround),
# error control (resolved), then closed. A suspected or confirmed problem may be dismissed (closed, with a
# reason); a resolved one that comes back is confirmed again.
PROBLEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ProblemStatus.SUSPECTED: frozenset({ProblemStatus.CONFIRMED, ProblemStatus.CLOSED}),
    ProblemStatus.CONFIRMED: frozenset(
        {ProblemStatus.KNOWN_ERROR, ProblemStatus.RESOLVED, ProblemStatus.CLOSED}
    ),
    ProblemStatus.KNOWN_ERROR: frozenset({ProblemStatus.RESOLVED}),
    ProblemStatus.RESOLVED: frozenset({ProblemStatus.CLOSED, ProblemStatus.CONFIRMED}),
    ProblemStatus.CLOSED: frozenset(),
}
OPEN_PROBLEM_STATUSES = (ProblemStatus.SUSPECTED, ProblemStatus.CONFIRMED, ProblemStatus.KNOWN_ERROR)
PROBLEM_STATUS_COLOURS = {
    ProblemStatus.SUSPECTED: "amber",
    ProblemStatus.CONFIRMED: "red",
    ProblemStatus.KNOWN_ERROR: "blue",
    ProblemStatus.RESOLVED: "green",
    ProblemStatus.CLOSED: "dark",
}


class ProblemOrigin(models.TextChoices):
    SIMILARITY = "similarity", "Similar cases (S3)"
    SIGNAL = "signal", "Operational signal (S5)"
    MANUAL = "manual", "Opened by a colleague"


class Problem(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.SUSPECTED, db_index=True
    )
    root_cause = models.TextField(blank=True)
    workaround = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    product = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=12, choices=ProblemOrigin.choices)
    source_kind = models.CharField(
        max_length=1, choices=SourceKind.choices, default=SourceKind.CUSTOMER_REPORTED
    )
    # When the first and the latest linked case were reported (not when they were linked).
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    # Growth alerts: the case count at the owner's last alert, and when the last one-day-burst alert went.
    alerted_case_count = models.PositiveIntegerField(default=0)
    burst_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        indexes = [models.Index(fields=["status", "-last_seen"], name="problem_status_seen")]

    def __str__(self) -> str:
        return f"Problem {self.pk}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROBLEM_STATUSES

    @property
    def status_colour(self) -> str:
        return PROBLEM_STATUS_COLOURS.get(self.status, "grey")


class ProblemCase(models.Model):
    """A case counted as one incident of a problem. Unlinking keeps the row (``unlinked_at``) as history."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="problem_links")
    # None: linked by the system (similarity, a signal, a merge it carried out).
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    similarity = models.FloatField(null=True, blank=True)
    linked_at = models.DateTimeField()
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unlink_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "case"],
                condition=Q(unlinked_at__isnull=True),
                name="problem_case_one_active_link",
            )
        ]
        indexes = [models.Index(fields=["case", "unlinked_at"], name="problem_link_case_active")]

    def __str__(self) -> str:
        return f"{self.case_id} in problem {self.problem_id}"

    @property
    def is_active(self) -> bool:
        return self.unlinked_at is None


class ProblemOwnerRoute(models.Model):
    """Who is "the appropriate authority" for problems of a category and/or product.

    The most specific route wins: category and product, then product, then category, then a route
    with neither (the default). With no route at all the least busy supervisor owns the problem.
    """

    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="problem_routes"
    )
    product = models.CharField(
        max_length=200, blank=True, help_text="Matched without regard to case; leave empty for any product."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problem_routes"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["category__name", "product", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category", "product"], name="problem_route_unique"),
            models.UniqueConstraint(
                fields=["product"], condition=Q(category__isnull=True), name="problem_route_unique_nocat"
            ),
        ]

    def __str__(self) -> str:
        what = " / ".join(x for x in (self.category.name if self.category else "", self.product) if x)
        return f"{what or 'Everything else'} → {self.owner}"


class ProblemEvent(models.Model):
    """The problem's own history, append-only: opened, linked, unlinked, merged, moved, assigned, alerted."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("problem events are append-only")
        super().save(*args, **kwargs)


class RegroupRun(models.Model):
    """One batch re-grouping of the whole case history, with progress the board can show."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    problems_opened = models.PositiveIntegerField(default=0)
    cases_linked = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Regroup {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)
