from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from putright.vocab import RemedyType


class Role(models.TextChoices):
    """The four staff roles (Django groups), lowest authority first."""

    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    MANAGER = "manager", "Manager"
    ADMINISTRATOR = "administrator", "Administrator"


ROLE_RANK = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3, Role.ADMINISTRATOR: 4}


def _all_remedy_types() -> list[str]:
    return [value for value, _ in RemedyType.choices]


class AuthorityLimit(models.Model):
    """The authority an administrator grants a role (K4): money and remedy types."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="authority_limit")
    max_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Largest money value this role may offer on its own authority. Empty means no limit.",
    )
    remedy_types = models.JSONField(default=_all_remedy_types, help_text="Remedy types this role may offer.")
    rank = models.PositiveSmallIntegerField(default=1, help_text="Higher ranks are asked first for less.")
    may_approve_exceptions = models.BooleanField(
        default=False,
        help_text="May approve an exception to usual practice (always a second person's decision).",
    )
    statutory_ceiling = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=(
            "Largest option that is the customer's statutory right (proposed by the remedies engine) this "
            "role may offer beyond its money limit without approval; never above the recorded price. "
            "Empty means the supervisor's limit; 0 means no such allowance."
        ),
    )

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        money = "no limit" if self.max_amount is None else f"£{self.max_amount:,.2f}"
        return f"{self.group.name}: {money}"


class Team(models.Model):
    """A group of handlers with a lead and a queue of its own (issue 12 §3).

    Assignment rules route new cases to a team; its members take them round-robin. ``last_assigned`` is the
    round-robin's place: the next case goes to the first available member after that one.
    """

    name = models.CharField(max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
        help_text="Alerted when a new case finds every member away or at their cap.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HandlerStatus(models.Model):
    """Whether a handler takes new cases now: marked away (holiday, training), and the most open cases
    assignment rules give them. A handler without a row is available with ``DEFAULT_CAP``."""

    DEFAULT_CAP = 25

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="handler_status"
    )
    away = models.BooleanField(
        default=False, help_text="Away handlers get no new cases from assignment rules."
    )
    away_note = models.CharField(max_length=200, blank=True)
    max_open_cases = models.PositiveSmallIntegerField(
        default=DEFAULT_CAP, help_text="Assignment rules give this handler no more open cases than this."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "handler statuses"

    def __str__(self) -> str:
        return f"{self.user}: {'away' if self.away else 'available'}, cap {self.max_open_cases}"


class Approval(models.Model):
    """A request for someone with enough authority to approve an option (K4)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="approvals")
    option = models.ForeignKey("cases.Option", on_delete=models.CASCADE, related_name="approvals")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approvals_assigned",
    )
    reasons = models.JSONField(default=list)
    rule_ids = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Approval {self.pk} for {self.case_id} ({self.status})"


class Escalation(models.Model):
    """A case moved to someone with more authority or skill, with the reason (K4)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="escalations")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations_sent",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations_received"
    )
    reason = models.TextField()
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Escalation of {self.case_id} to {self.to_user_id}"


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token for an integration. Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        raw = "prt_" + secrets.token_urlsafe(32)
        return raw, raw[:10], _token_hash(raw)

    @staticmethod
    def hash_of(raw: str) -> str:
        return _token_hash(raw)
