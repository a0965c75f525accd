from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from putright.monitoring import rules
from putright.vocab import SourceKind


class SignalThreshold(models.Model):
    """S5: a limit an administrator sets on a measurement other systems send (Django admin).

    A reading of ``measurement`` whose dimensions include ``dimensions`` (M1) is compared — on its
    own, or summarised over a window (M3) — with ``value`` (M2). A breach opens an internal problem
    of source kind b or d, routed by ``category``/``product``; within the cooldown further breaches
    join that problem (M4).
    """

    class Comparison(models.TextChoices):
        GT = ">", "greater than (>)"
        GTE = ">=", "at least (>=)"
        LT = "<", "less than (<)"
        LTE = "<=", "at most (<=)"

    class Aggregation(models.TextChoices):
        READING = "reading", "Each reading on its own"
        COUNT = "count", "Number of readings in the window"
        MEAN = "mean", "Average over the window"
        MAX = "max", "Highest in the window"
        MIN = "min", "Lowest in the window"
        SUM = "sum", "Total over the window"

    SOURCE_KINDS = [
        (SourceKind.FOUND_INTERNALLY.value, SourceKind.FOUND_INTERNALLY.label),
        (SourceKind.SYSTEM_FAILURE.value, SourceKind.SYSTEM_FAILURE.label),
    ]

    name = models.CharField(max_length=200, help_text="What a breach means, in words staff will recognise.")
    measurement = models.CharField(
        max_length=100,
        db_index=True,
        help_text="The signal name other systems send, e.g. delivery_delay_hours.",
    )
    dimensions = models.JSONField(
        default=dict,
        blank=True,
        help_text='Only readings with these dimensions count, e.g. {"region": "south-west"}. Empty: all.',
    )
    comparison = models.CharField(max_length=2, choices=Comparison.choices, default=Comparison.GT)
    value = models.FloatField()
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.READING)
    window_minutes = models.PositiveIntegerField(
        default=60, help_text="The window summarised, unless each reading is compared on its own."
    )
    source_kind = models.CharField(max_length=1, choices=SOURCE_KINDS, default=SourceKind.SYSTEM_FAILURE)
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.CharField(max_length=200, blank=True)
    cooldown_minutes = models.PositiveIntegerField(
        default=24 * 60,
        help_text="Breaches this close to the last breaching reading join the same problem.",
    )
    enabled = models.BooleanField(default=True)
    notice_subject = models.CharField(
        max_length=200, blank=True, help_text="Prefills the proactive notice's subject."
    )
    notice_body = models.TextField(blank=True, help_text="Prefills the proactive notice's text.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Written at each breach decision: the UPDATE is what serialises two readings breaching at once.
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["measurement", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rule_text(self) -> str:
        return rules.describe(
            self.measurement, self.aggregation, self.window_minutes, self.comparison, self.value
        )

    def clean(self) -> None:
        errors = {}
        if not isinstance(self.dimensions, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in self.dimensions.items()
        ):
            errors["dimensions"] = 'Give a JSON object of names and plain values, e.g. {"region": "north"}.'
        if self.value is not None and not math.isfinite(self.value):
            errors["value"] = "Give a finite number."
        if self.aggregation != self.Aggregation.READING and not self.window_minutes:
            errors["window_minutes"] = "A window of at least one minute is needed to summarise readings."
        if errors:
            raise ValidationError(errors)


class Signal(models.Model):
    """S5: one reading sent by another system, stored as received before anything is evaluated.

    ``evaluated_at`` stays empty until the thresholds have been checked, so a crash in between
    leaves a reading to re-evaluate (``manage.py signals_evaluate``), never a lost one.
    """

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=100)
    dimensions = models.JSONField(default=dict, blank=True)
    value = models.FloatField()
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField()
    customers = models.JSONField(default=list, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-observed_at", "-pk"]
        indexes = [
            models.Index(fields=["name", "observed_at"], name="signal_name_observed"),
            models.Index(fields=["evaluated_at"], name="signal_evaluated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"], condition=~Q(client_id=""), name="signal_client_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.value:g} at {self.observed_at:%Y-%m-%d %H:%M}"


class SignalBreach(models.Model):
    """S5: a threshold breached — from the first breaching reading until the cooldown passes (M4).

    Holds the problem it opened, the readings behind it, the customers likely to be affected, and
    the proactive notice staff sent them.
    """

    threshold = models.ForeignKey(SignalThreshold, on_delete=models.PROTECT, related_name="breaches")
    signals = models.ManyToManyField(Signal, related_name="breaches", blank=True)
    started_at = models.DateTimeField(db_index=True)
    last_breached_at = models.DateTimeField()
    first_value = models.FloatField()
    last_value = models.FloatField()
    readings = models.PositiveIntegerField(default=1)
    problem = models.ForeignKey(
        "problems.Problem", null=True, blank=True, on_delete=models.SET_NULL, related_name="signal_breaches"
    )
    # Attributes we could not match to a customer (e.g. a postcode area): shown so staff can follow up.
    unmatched = models.JSONField(default=list, blank=True)
    notice_subject = models.CharField(max_length=200, blank=True)
    notice_body = models.TextField(blank=True)
    notice_requested_at = models.DateTimeField(null=True, blank=True)
    notice_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.threshold} from {self.started_at:%Y-%m-%d %H:%M}"


class AffectedCustomer(models.Model):
    """S5: a customer a breach is likely to reach, how we matched them, and the notice they were sent.

    One row per person (``email_key``, their lower-cased email) per breach: ``notified_at`` is set by a
    conditional UPDATE before anything is sent, so a double click never sends a second notice.
    """

    breach = models.ForeignKey(SignalBreach, on_delete=models.CASCADE, related_name="affected")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    email_key = models.CharField(max_length=254)
    matched_by = models.CharField(max_length=30)
    matched_value = models.CharField(max_length=254, blank=True)
    added_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case_opened = models.BooleanField(default=False)
    message = models.ForeignKey(
        "channels.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["breach", "email_key"], name="affected_customer_once_per_breach")
        ]

    def __str__(self) -> str:
        return f"{self.customer} ({self.matched_by})"
