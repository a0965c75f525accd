from __future__ import annotations

from django.conf import settings
from django.db import models


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D401 - guard
        raise TypeError("audit events are append-only; they cannot be updated")

    def delete(self):
        raise TypeError("audit events are append-only; they cannot be deleted")


class Event(models.Model):
    """One step on a case's timeline: who did what, when, and the state before and after.

    Append-only and hash-chained per case: ``hash`` covers the event's content
    and the previous event's hash, so editing or removing any event breaks the
    chain from that point (``manage.py audit_verify`` finds it). Written only
    through ``putright.audit.events``.

    ``hash_scheme`` says how ``hash`` was made: plain SHA-256 (every event written before an audit key
    was configured, which keep verifying as they are), or HMAC-SHA256 with the key whose fingerprint is
    ``key_id`` (never the key itself), which someone with the database alone cannot recompute.
    """

    class Scheme(models.TextChoices):
        SHA256 = "sha256", "SHA-256"
        HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256 (keyed)"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=60, db_index=True)
    summary = models.CharField(max_length=500)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    customer_visible = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    hash_scheme = models.CharField(max_length=16, choices=Scheme.choices, default=Scheme.SHA256)
    key_id = models.CharField(max_length=16, blank=True, default="")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="audit_event_case_seq_unique")]
        # audit_verify looks for the earliest keyed event (when keyed hashing began) on every check.
        indexes = [models.Index(fields=["hash_scheme", "created_at"], name="audit_event_scheme_at")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit events are append-only; they cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only; they cannot be deleted")
