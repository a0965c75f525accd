"""What the metrics need beside the case record: a calendar of business days, the organisation's targets,
its measuring windows, and who gets the weekly digest."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class CalendarDay(models.Model):
    """One day of one region's calendar, filled from the deadlines engine: business-day durations are the
    difference of two ordinals, worked out by the database (a join), not by Python per case."""

    region = models.CharField(max_length=3)
    date = models.DateField()
    is_business_day = models.BooleanField()
    # The number of business days from the start of the table up to and including this day.
    business_day_ordinal = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "date"], name="calendar_day_region_date")]

    def __str__(self) -> str:
        return f"{self.region} {self.date}"


class MetricTarget(models.Model):
    """The organisation's target for one metric of the catalogue (by its id), set by an administrator."""

    metric_id = models.CharField(max_length=50, unique=True)
    target = models.FloatField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.metric_id}: {self.target}"


class InsightsSettings(models.Model):
    """One row for the organisation (pk 1): the windows the metrics measure over."""

    repeat_contact_window_days = models.PositiveSmallIntegerField(
        "First contact resolution: repeat-contact window (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        "Reopen rate: window after closing (days)",
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name_plural = "insights settings"

    def __str__(self) -> str:
        return "Insights settings"


class DigestPreference(models.Model):
    """Whether a manager gets the weekly digest e-mail, and when the last one went."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="insights_digest"
    )
    weekly_digest = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {'weekly' if self.weekly_digest else 'off'}"


def _ref(to: str) -> models.ForeignKey:
    """A reference the rollup copies from the case: joined for names, never enforced (the triggers keep
    the row in step with the case; a constraint would only make the order of deletes matter)."""
    return models.ForeignKey(
        to, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )


class CaseFact(models.Model):
    """The rollup: one row per case with what the metrics read of it (issue 13 §5), so a figure is an
    aggregate over one narrow table instead of per-case look-ups of messages, events and the calendar.

    Written only by ``insights.rollup`` (set-based SQL) from the case record; never edited by hand. Always
    consistent: database triggers on every table a fact derives from note the case in ``CaseFactDirty``
    in the same transaction as the change, and every measurement brings those cases up to date first.
    """

    case = models.OneToOneField(
        "cases.Case",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The dimensions and moments, as the case has them (the same names as on the case, so the filters and
    # group expressions of insights.sql serve both).
    created_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, db_index=True)
    status = models.CharField(max_length=30)
    team = _ref("authority.Team")
    assignee = _ref(settings.AUTH_USER_MODEL)
    category = _ref("cases.Category")
    unresolved_reason = _ref("cases.UnresolvedReason")
    channel = models.CharField(max_length=20)
    source_kind = models.CharField(max_length=1)
    priority = models.CharField(max_length=20)
    upheld = models.CharField(max_length=12)
    satisfaction_asked_at = models.DateTimeField(null=True, db_index=True)
    csat = models.PositiveSmallIntegerField(null=True)
    ces = models.PositiveSmallIntegerField(null=True)
    nps = models.PositiveSmallIntegerField(null=True)
    # Acknowledged: the first message or logged contact by a person (metrics.acknowledged_at).
    ack_at = models.DateTimeField(null=True)
    ack_hours = models.FloatField(null=True)
    ack_days = models.IntegerField(null=True)
    # Opened to closed (whatever the outcome: the metrics choose the outcomes they count).
    resolve_hours = models.FloatField(null=True)
    resolve_days = models.IntegerField(null=True)
    # After closing: how long until the customer was in touch again (a message on the case or a new case),
    # whichever came first. First contact resolution compares it with the window of the day (a setting).
    contact_gap = models.DurationField(null=True)
    # The shortest time from a 'delivered' event to a reopening after it (reopen_rate's window compares).
    reopen_gap = models.DurationField(null=True)
    escalated = models.BooleanField()
    linked_to_problem = models.BooleanField()
    money_agreed = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    # The calendar region the business days were counted on, and whether a day they needed was not yet in
    # the calendar (such facts are computed again when the calendar grows).
    region = models.CharField(max_length=3)
    calendar_missing = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(
                fields=["case"], condition=models.Q(calendar_missing=True), name="insights_fact_cal_missing"
            )
        ]

    def __str__(self) -> str:
        return f"facts of case {self.case_id}"


class CaseFactDirty(models.Model):
    """A case whose facts may be out of date: written by the database triggers (and by the calendar when
    it grows), consumed by ``insights.rollup.refresh``. ``claim`` marks the rows one refresh took."""

    case_id = models.BigIntegerField()
    claim = models.BigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["claim"], name="insights_dirty_claim")]

    def __str__(self) -> str:
        return f"case {self.case_id} to refresh"
