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
