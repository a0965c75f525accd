from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from putright.vocab import (
    CLOSED_STATUSES,
    STATUS_COLOURS,
    AgreementMethod,
    AssessedBy,
    Channel,
    CustomerBenefit,
    EmotionalState,
    JustificationFactor,
    OptionSource,
    OptionStatus,
    PolicyFit,
    Priority,
    PromiseStatus,
    RemedyType,
    Sentiment,
    SourceKind,
    Status,
    Understanding,
    Upheld,
)


def new_portal_nonce() -> str:
    return secrets.token_urlsafe(12)


class Category(models.Model):
    """What the problem is about (delivery, faulty goods…), set up by an administrator."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ReferenceCounter(models.Model):
    """Per-year sequence behind case references (PR-2026-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(models.Model):
    """One customer-service problem from first report to closure.

    Its state changes only through ``putright.cases.services``, which guards the
    transitions, locks this row and appends to the audit timeline.
    """

    reference = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="cases")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    source_kind = models.CharField(
        max_length=1, choices=SourceKind.choices, default=SourceKind.CUSTOMER_REPORTED
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    subject = models.CharField(max_length=200)
    # S1: the customer's own words, stored verbatim.
    description = models.TextField()
    desired_outcome = models.TextField(blank=True)
    order_reference = models.CharField(max_length=100, blank=True)
    amount_in_dispute = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The team whose queue holds the case (set by an assignment rule or by staff).
    team = models.ForeignKey(
        "authority.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    # closed_duplicate: the case that carries on with this problem.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Issue 15 §5: a case opened because the customer said a closed one was not put right (closed
    # unresolved, or past the reopen window): it carries on from that one.
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )

    # K2: the customer's emotional state (detected from their words, or set by the agent) and the
    # priority it leads to.
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    emotion = models.CharField(max_length=12, choices=EmotionalState.choices, blank=True)
    emotion_cues = models.JSONField(default=list, blank=True)
    emotion_assessed_by = models.CharField(max_length=5, choices=AssessedBy.choices, blank=True)
    priority = models.CharField(
        max_length=10, choices=Priority.choices, default=Priority.NORMAL, db_index=True
    )

    # E4 / uk-rules §1.0: the purchase facts the remedies engine reads, and the two separate
    # findings: a statutory breach (CRA) and a regulated complaint (FCA DISP / energy / Ofcom).
    purchase_facts = models.JSONField(default=dict, blank=True)
    is_statutory_breach = models.BooleanField(null=True, blank=True)
    is_regulated_complaint = models.BooleanField(default=False)

    # S2: understanding.
    understanding = models.CharField(
        max_length=30, choices=Understanding.choices, default=Understanding.NOT_STARTED
    )
    understanding_summary = models.TextField(blank=True)
    understanding_correction = models.TextField(blank=True)
    understanding_skip_reason = models.TextField(blank=True)

    # P4: the recommended option and why.
    recommended_option = models.ForeignKey(
        "cases.Option", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recommendation_justification = models.TextField(blank=True)
    recommendation_factors = models.JSONField(default=list, blank=True)

    # A5/A6: outcome.
    satisfaction_comment = models.TextField(blank=True)
    # A5: the satisfaction check's scores (those the administrator asks: SatisfactionSettings), when it was
    # asked (the case moved to awaiting confirmation), reminded once, and answered.
    csat = models.PositiveSmallIntegerField(
        "Satisfaction (CSAT, 1–5)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    ces = models.PositiveSmallIntegerField(
        "Effort (CES, 1–7)", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    nps = models.PositiveSmallIntegerField(
        "Likelihood to recommend (NPS, 0–10)", null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    satisfaction_asked_at = models.DateTimeField(null=True, blank=True)
    satisfaction_reminded_at = models.DateTimeField(null=True, blank=True)
    satisfaction_answered_at = models.DateTimeField(null=True, blank=True)
    # A6: closing unresolved takes a reason code from the administrator's list, beside the free text.
    unresolved_reason = models.ForeignKey(
        "cases.UnresolvedReason", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    unresolved_reasons = models.TextField(blank=True)
    # Recorded on closing (resolved or not): was the complaint upheld? Blank for duplicates and no-reply.
    upheld = models.CharField(max_length=12, choices=Upheld.choices, blank=True)
    other_routes = models.JSONField(default=list, blank=True)

    portal_nonce = models.CharField(max_length=32, default=new_portal_nonce)
    # The head of the audit chain, moved on with every event under the case lock: deleting the
    # newest events leaves the chain internally consistent, but no longer ending here.
    audit_seq = models.PositiveIntegerField(default=0)
    audit_head = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    # A4: the last time the customer heard from us (any customer-visible message).
    last_customer_update_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="case_status_created"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            models.Index(fields=["source_kind", "status"], name="case_source_status"),
            models.Index(fields=["last_customer_update_at"], name="case_last_update"),
            models.Index(fields=["team", "status"], name="case_team_status"),
            models.Index(fields=["updated_at"], name="case_updated"),
            models.Index(fields=["customer", "created_at"], name="case_customer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "grey")

    @property
    def understanding_settled(self) -> bool:
        return self.understanding in (Understanding.CONFIRMED, Understanding.SKIPPED)


class Option(models.Model):
    """A way to put the problem right, weighed for customer and organisation (P2–P4).

    ``source``/``rule_ids`` let the remedies engine add options next to the
    agent's own, each naming the rules that proposed it.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    remedy_type = models.CharField(max_length=30, choices=RemedyType.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    cost_to_organisation = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    days_to_deliver = models.PositiveIntegerField(default=0)
    customer_advantages = models.TextField(blank=True)
    customer_disadvantages = models.TextField(blank=True)
    organisation_advantages = models.TextField(blank=True)
    organisation_disadvantages = models.TextField(blank=True)
    is_exception = models.BooleanField(
        default=False, help_text="An exception to usual practice always needs a second person's approval."
    )
    # P3: what the appraisal weighs beyond money and time (putright.engines.remedies.appraisal).
    customer_benefit = models.PositiveSmallIntegerField(
        choices=CustomerBenefit.choices,
        default=CustomerBenefit.PARTLY,
        help_text="How far it puts things right for the customer, 0 to 5.",
    )
    policy_fit = models.CharField(max_length=15, choices=PolicyFit.choices, default=PolicyFit.STANDARD)
    source = models.CharField(max_length=10, choices=OptionSource.choices, default=OptionSource.AGENT)
    rule_ids = models.JSONField(default=list, blank=True)
    # The statutory remedy a rule-proposed option offers (e.g. "short_term_reject"), so it is listed once.
    statutory_remedy = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=OptionStatus.choices, default=OptionStatus.PROPOSED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """P2: a colleague asked for input on a case, and their answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultations")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations"
    )
    question = models.TextField()
    answer = models.TextField(blank=True)
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]

    def __str__(self) -> str:
        return f"Consultation {self.pk} on {self.case_id}"


class Agreement(models.Model):
    """A1: the customer's answer to a proposed option — who, when, how."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreements")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="agreements")
    agreed = models.BooleanField()
    method = models.CharField(max_length=20, choices=AgreementMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer_comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{'Agreed' if self.agreed else 'Declined'} option {self.option_id}"


class ActionStep(models.Model):
    """A2: who does what, by when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    description = models.CharField(max_length=300)
    # Issue 15 §6: what the customer is told when the step is done (blank: an internal step, not told).
    customer_wording = models.CharField(max_length=300, blank=True, default="", db_default="")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_steps")
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the customer was told it was done (in the day's progress message): a done customer-visible
    # step with none is still to tell.
    customer_told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Promise(models.Model):
    """A3: something we told the customer we would do, with an owner and a due time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="promises")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promises")
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=20, choices=PromiseStatus.choices, default=PromiseStatus.OPEN, db_index=True
    )
    kept_at = models.DateTimeField(null=True, blank=True)
    at_risk_alerted_at = models.DateTimeField(null=True, blank=True)
    broken_alerted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_outstanding(self) -> bool:
        return self.status in (PromiseStatus.OPEN, PromiseStatus.AT_RISK, PromiseStatus.BROKEN)


class IdempotencyKey(models.Model):
    """API case creation: a retried request with the same key returns the same case."""

    key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return self.key


__all__ = [
    "ActionStep",
    "Agreement",
    "Case",
    "Category",
    "Consultation",
    "IdempotencyKey",
    "Option",
    "Promise",
    "ReferenceCounter",
    "JustificationFactor",
]


class AssignmentRule(models.Model):
    """Routes a new case by category and channel to a team and, round-robin, to one of its available
    handlers (issue 12 §3). Rules are tried in ``position`` order; the first that matches wins. An empty
    category or channel matches any."""

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=100, help_text="Rules are tried from the lowest up.")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="assignment_rules"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    team = models.ForeignKey("authority.Team", on_delete=models.CASCADE, related_name="assignment_rules")
    assign_round_robin = models.BooleanField(
        default=True, help_text="Also give the case to the team's next available handler."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class SavedQueueFilter(models.Model):
    """A queue filter a member of staff named and keeps (the query string of the queue page)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_queue_filters"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")]

    def __str__(self) -> str:
        return self.name


class CasePresence(models.Model):
    """Who has a case open now: the case page reports in while it is open, so colleagues see each other."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    # When this stretch of having the case open began (a gap of over a minute starts a new one).
    since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="presence_once_per_user")]
        indexes = [models.Index(fields=["case", "seen_at"], name="presence_case_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.case_id} at {self.seen_at:%H:%M:%S}"


class UnresolvedReason(models.Model):
    """A6: the administrator's list of reason codes for closing a case unresolved (the metrics group by it)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    active = models.BooleanField(
        default=True, help_text="Inactive reasons stay on old cases but are not offered."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


_DAYS = [MinValueValidator(1), MaxValueValidator(90)]


class SatisfactionSettings(models.Model):
    """A5: one row for the organisation (pk 1): which scores the satisfaction check asks, and when it reminds
    the customer and then closes the case as resolved with no reply."""

    ask_csat = models.BooleanField("Ask satisfaction (CSAT, 1–5)", default=True)
    ask_ces = models.BooleanField("Ask effort (CES, 1–7)", default=False)
    ask_nps = models.BooleanField("Ask likelihood to recommend (NPS, 0–10)", default=False)
    remind_after_days = models.PositiveSmallIntegerField("Remind after (days)", default=5, validators=_DAYS)
    close_no_reply_after_days = models.PositiveSmallIntegerField(
        "Close as resolved, no reply, after a further (days)", default=9, validators=_DAYS
    )
    # Issue 15 §5: a customer who says a case closed resolved is not put right within this many days has
    # it reopened; later (or after an unresolved close) they get a linked follow-up case instead.
    reopen_window_days = models.PositiveSmallIntegerField(
        "Reopen a resolved case within (days)", default=28, validators=_DAYS
    )

    class Meta:
        verbose_name_plural = "satisfaction settings"

    def __str__(self) -> str:
        return "Satisfaction check settings"


class StaffPreference(models.Model):
    """Issue 15 §1: how one member of staff likes the case workspace (remembered across sessions)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    newest_first = models.BooleanField("Show the newest message first", default=False)
    shortcuts_enabled = models.BooleanField("Keyboard shortcuts", default=True)

    def __str__(self) -> str:
        return f"Workspace preferences of {self.user_id}"
