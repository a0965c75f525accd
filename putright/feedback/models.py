from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from putright.vocab import Sentiment


class FeedbackItem(models.Model):
    """S4: one piece of feedback in the shared feed.

    Written only by ``putright.feedback.services``: from a customer's satisfaction answer (A5), a
    note a colleague shares from a case, or a survey response or comment sent by another system.
    ``case``/``customer``/``category`` are kept when known so the feed can be filtered and each
    item traced back; they are nulled, not cascaded, if the case is ever erased.
    """

    class Source(models.TextChoices):
        SATISFACTION = "satisfaction", "Satisfaction answer"
        COMMENT = "comment", "Customer comment"
        SURVEY = "survey", "Survey response"
        COLLEAGUE = "colleague", "Colleague's note"

    source = models.CharField(max_length=20, choices=Source.choices, db_index=True)
    text = models.TextField(blank=True)
    satisfied = models.BooleanField(null=True, blank=True)
    # A5: the scores given with a satisfaction answer (None where not asked or not given).
    csat = models.PositiveSmallIntegerField("CSAT (1–5)", null=True, blank=True)
    ces = models.PositiveSmallIntegerField("CES (1–7)", null=True, blank=True)
    nps = models.PositiveSmallIntegerField("NPS (0–10)", null=True, blank=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_items"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_items"
    )
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_items"
    )
    # A colleague who shared a note; for items from other systems, the integration's user.
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Other systems' own id for a survey response: a retried POST stores it once.
    external_id = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["source", "-created_at"], name="feedback_source_created"),
            models.Index(fields=["sentiment", "-created_at"], name="feedback_sentiment_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["flagged_by", "external_id"],
                condition=~Q(external_id=""),
                name="feedback_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.text[:60]}"

    @property
    def sentiment_colour(self) -> str:
        return {"negative": "red", "neutral": "grey", "positive": "green"}.get(self.sentiment, "grey")
