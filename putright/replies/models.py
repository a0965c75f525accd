from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedReply(models.Model):
    """Wording an agent can start a reply from. ``team`` none: the organisation's, offered to everyone;
    otherwise offered to that team's members. Placeholders such as ``{customer_name}`` are filled from the
    case when chosen."""

    title = models.CharField(max_length=120)
    body = models.TextField()
    team = models.ForeignKey(
        "authority.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_replies"
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()
    # How often it was chosen: the picker lists the most used first.
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "title"], name="saved_reply_title_unique_per_team"),
        ]

    def __str__(self) -> str:
        return self.title
