"""Procedures and their versions (K1), and the read receipts colleagues give (acknowledgements)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from putright.cases.models import Category


class Stage(models.TextChoices):
    """The lifecycle stages a procedure can apply at (a case's status tells which one it is in)."""

    UNDERSTANDING = "understanding", "Understanding the problem"
    OPTIONS = "options", "Choosing a resolution"
    APPROVAL = "approval", "Approval"
    AGREEMENT = "agreement", "Agreeing with the customer"
    ACTION_PLAN = "action_plan", "Putting it right (the action plan)"
    SATISFACTION = "satisfaction", "Checking it is resolved"
    CLOSING_UNRESOLVED = "closing_unresolved", "Closing unresolved"


class Procedure(models.Model):
    """A procedure document: what staff do at one or more stages, for some categories (none: all of them).

    Its text lives in its versions; the latest version is the one in force.
    """

    title = models.CharField(max_length=200, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procedures_owned"
    )
    # The owner is alerted by the sweep once this date has passed without a review.
    review_due = models.DateField()
    categories = models.ManyToManyField(Category, blank=True, related_name="procedures")
    # A list of ``Stage`` values; validated by the services.
    stages = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    # When the sweep last alerted the owner that the review is overdue (once per overdue period).
    review_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ProcedureVersion(models.Model):
    """One version of a procedure's text (Markdown, rendered with HTML disabled and sanitised).

    Versions are never edited or deleted: a case event records the id of the version shown when a step was
    taken, so old versions stay readable.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    change_note = models.CharField(max_length=500)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure} v{self.number}"


class Acknowledgement(models.Model):
    """A colleague asked to read something and confirm they have: a new procedure version, or a change an
    improvement communicated (its "communicate the change" step). One mechanism for both (issue 14 §3).

    ``subject_key`` names what is acknowledged, e.g. ``procedure-version:12`` or ``improvement-step:7``, so the
    procedures room needs to know nothing of improvements; ``version`` is set for a procedure version.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    subject_key = models.CharField(max_length=100)
    version = models.ForeignKey(
        ProcedureVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    # What the colleague is asked to read and where, as the list of things to acknowledge shows it.
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "subject_key"], name="acknowledgement_once_per_subject"),
        ]
        indexes = [
            models.Index(
                fields=["user", "requested_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="acknowledgement_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.subject_key}"
