"""The regimes an organisation has switched on, and the clocks they start on each case (E4)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from putright.engines.deadlines import ClockKind
from putright.engines.deadlines.regimes import LABELS
from putright.engines.routes import SECTOR_LABELS, Sector

REGION_CHOICES = [
    ("ENG", "England"),
    ("WLS", "Wales"),
    ("SCT", "Scotland"),
    ("NIR", "Northern Ireland"),
]
SECTOR_CHOICES = [(s.value, SECTOR_LABELS[s]) for s in Sector]
KIND_CHOICES = [(k.value, LABELS[k]) for k in ClockKind]
_DAYS = [MinValueValidator(0), MaxValueValidator(365)]


class RegimeSettings(models.Model):
    """One row for the organisation (pk 1): its calendar, sector, and which regimes are on.

    Changed only in the admin, which saves through ``regulation.services.regime_settings_save``.
    """

    organisation_name = models.CharField(
        max_length=200, blank=True, help_text="Signs the customer letters, e.g. 'Harbour & Hearth Ltd'."
    )
    region = models.CharField(
        max_length=3,
        choices=REGION_CHOICES,
        default="ENG",
        help_text="Whose bank holidays count as closed days (business-day deadlines), and the courts and "
        "advice services letters name when the customer's own nation is not known.",
    )
    sector = models.CharField(max_length=20, choices=SECTOR_CHOICES, default=Sector.GENERAL.value)

    service_levels_on = models.BooleanField("Own service levels on", default=True)
    acknowledge_days = models.PositiveSmallIntegerField(
        "Acknowledge within (business days)", default=1, validators=_DAYS
    )
    first_update_days = models.PositiveSmallIntegerField(
        "First update within (business days)", default=3, validators=_DAYS
    )
    resolve_days = models.PositiveSmallIntegerField(
        "Resolve within (business days)", default=10, validators=_DAYS
    )

    disp_on = models.BooleanField(
        "FCA DISP complaint rules on",
        default=False,
        help_text="F4–F7: summary resolution, acknowledgement, final response at 8 weeks (15/35 business "
        "days for payment services).",
    )
    disp_all_complaints = models.BooleanField(
        "Every complaint is a DISP complaint",
        default=True,
        help_text="F1: any expression of dissatisfaction about a regulated service is a complaint. Off: "
        "DISP clocks start only on cases a colleague marks as regulated.",
    )
    refund_clock_on = models.BooleanField(
        "Refund clock on", default=True, help_text="G11/C3: pay an agreed refund within 14 days."
    )
    sar_on = models.BooleanField(
        "Subject access clock on", default=True, help_text="P4: answer a subject access request in one month."
    )
    at_risk_business_days = models.PositiveSmallIntegerField(
        "Warn this many business days before a deadline",
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
    )

    adr_name = models.CharField("ADR scheme", max_length=200, blank=True)
    adr_website = models.URLField("ADR scheme website", blank=True)
    adr_obliged = models.BooleanField(
        "We are obliged to use it",
        default=False,
        help_text="A2: by law, a trade association's rules or a contract term. Letters name an obliged scheme.",
    )
    waive_ombudsman_time_limits = models.BooleanField(
        default=False,
        help_text="DISP final responses: whether we consent to the Ombudsman considering a late referral.",
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "regime settings"
        verbose_name_plural = "regime settings"

    def __str__(self) -> str:
        return "Regimes and deadlines"


class CaseClock(models.Model):
    """One deadline on one case, with the rule that set it and what happened to it.

    A clock is *running* until it is met or stopped; *at risk* from ``warn_at``; *missed* once
    ``due_at`` (the end of the due day, UK time) passes unmet. The sweep alerts its owner once for
    each, claiming ``alerted_at`` / ``missed_alerted_at`` with a conditional UPDATE.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    rule_id = models.CharField(max_length=30)
    label = models.CharField(max_length=200)
    basis = models.CharField(max_length=200, blank=True)
    met_by = models.CharField(max_length=20)
    is_window = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    # The day it counts from: the day the complaint or request arrived, or the refund was agreed.
    counts_from = models.DateField()
    due_date = models.DateField()
    due_at = models.DateTimeField(db_index=True)
    warn_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    met_note = models.CharField(max_length=300, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    missed_alerted_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=300, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["met_at", "stopped_at", "due_at"], name="clock_running_due"),
            models.Index(fields=["case", "kind"], name="clock_case_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.rule_id}) due {self.due_date:%d %b %Y}"

    @property
    def is_running(self) -> bool:
        return self.met_at is None and self.stopped_at is None
