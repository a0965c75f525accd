from __future__ import annotations

import uuid

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

    class LoggedVia(models.TextChoices):
        # Issue 15 §2: a contact a colleague logged (what was said on the phone or in person); never e-mailed.
        NOT_LOGGED = "", "Written"
        PHONE = "phone", "Phone call"
        IN_PERSON = "in_person", "In person"

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
    # db_default too: rows written by raw SQL (imports, the bulk demo writer) are "written" messages.
    logged_via = models.CharField(
        max_length=10, choices=LoggedVia.choices, blank=True, default="", db_default=""
    )
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
        # Issue 15 §2: a colleague @mentioned you in an internal note.
        MENTION = "mention", "A colleague mentioned you"

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


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the sender's file name (it is kept in ``original_name``): a random name, so nothing a customer
    # sends can choose where it lands or collide with another file.
    return f"attachments/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """Issue 15 §4: a file sent with a report or a message, by the customer or a colleague.

    Stored through Django's storage API (``STORAGES["default"]``); its type is what its content is
    (checked against an allow-list, never the name); an image has a re-encoded preview with its metadata
    stripped. Served only to someone who may see the case.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="attachments")
    # The message it came with; none for the files sent with the report itself.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    from_customer = models.BooleanField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    preview = models.FileField(upload_to=attachment_path, max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ReplyDraft(models.Model):
    """Issue 15 §1: what a colleague is writing to the customer, kept as they type so a reload loses nothing."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "author"], name="one_draft_per_case_and_author")
        ]

    def __str__(self) -> str:
        return f"Draft by {self.author_id} on {self.case_id}"
