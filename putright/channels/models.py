from __future__ import annotations

from django.conf import settings
from django.db import models


class Message(models.Model):
    """A message on a case: to or from the customer, or an automatic update (A4).

    Outbound messages are stored before they are emailed (``email_status``
    pending → sent/failed) so a crash or an SMTP outage never loses one; the
    sweep retries failed sends.
    """

    class Direction(models.TextChoices):
        OUTBOUND = "out", "To customer"
        INBOUND = "in", "From customer"

    class Prompt(models.TextChoices):
        REQUESTED = "requested", "Requested by the customer"
        UNPROMPTED = "unprompted", "Sent unprompted (proactive)"
        CUSTOMER = "customer", "Written by the customer"

    class EmailStatus(models.TextChoices):
        NOT_EMAILED = "none", "Not emailed"
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Could not be sent"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    prompt = models.CharField(max_length=12, choices=Prompt.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # K2: how an inbound message reads (negative / neutral / positive); blank for our own messages.
    sentiment = models.CharField(max_length=10, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.NOT_EMAILED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker claimed it: a send still "sending" long after this died with its worker.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.subject}"


class Alert(models.Model):
    """Something a member of staff must look at: a broken promise, an approval, an escalation."""

    class Kind(models.TextChoices):
        PROMISE_AT_RISK = "promise_at_risk", "Promise at risk"
        PROMISE_BROKEN = "promise_broken", "Promise broken"
        APPROVAL_REQUESTED = "approval_requested", "Approval requested"
        ESCALATION = "escalation", "Case escalated to you"
        CONSULTATION = "consultation", "A colleague asks for your input"
        CADENCE = "cadence", "Customer not updated"
        CUSTOMER_MESSAGE = "customer_message", "Customer wrote"
        EMAIL_FAILED = "email_failed", "An email to the customer could not be sent"
        DEADLINE_AT_RISK = "deadline_at_risk", "Deadline at risk"
        DEADLINE_MISSED = "deadline_missed", "Deadline missed"
        PROBLEM_SUSPECTED = "problem_suspected", "Repeated problem suspected"
        PROBLEM_GROWING = "problem_growing", "Repeated problem growing"
        PROBLEM_ASSIGNED = "problem_assigned", "Problem assigned to you"
        # Issue 12 §3: a new case found every member of the team away or at their cap (to its lead).
        TEAM_UNSTAFFED = "team_unstaffed", "Nobody in your team could take a new case"
        # Issue 14: a procedure you own is overdue for review; an improvement you own is due for its Check.
        PROCEDURE_REVIEW = "procedure_review", "Procedure review overdue"
        IMPROVEMENT_REVIEW = "improvement_review", "Improvement due for its Check"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    # Most alerts are about a case; a problem raised by a signal (S5) may have none yet, and its
    # alert text carries the problem's own link instead.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, default="pending")
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alert_recipient_unread")]

    def __str__(self) -> str:
        return self.text


class Brand(models.Model):
    """One row for the organisation (pk 1): how it presents itself to its customers (issue 15 §6).

    Everything a customer sees — their case pages, the report form, every e-mail — carries the
    organisation's name, signature, logo and colour, never the product's. The sending address stays an
    operator setting (``DEFAULT_FROM_EMAIL``: the domain's mail records are the operator's); the name shown
    with it and the reply-to address are the organisation's.
    """

    display_name = models.CharField("Organisation's name, as customers see it", max_length=100)
    reply_to = models.EmailField("Reply-to address for e-mails", blank=True)
    signature = models.TextField("Signature under every e-mail", max_length=500)
    # A header colour; white text stands on it, so it must be dark enough to read (checked on saving).
    colour = models.CharField("Header colour", max_length=7, default="#0d2538")
    # The logo, re-encoded as PNG (metadata stripped, at most LOGO_MAX_SIDE pixels), kept in the database so
    # every web process serves the same one and a backup holds it.
    logo_png = models.BinaryField(blank=True, default=b"")
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name
