from __future__ import annotations

from django.conf import settings
from django.db import models


class Note(models.Model):
    """An internal note on a case: staff only. Written once; a correction is a new note."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    # The colleagues @mentioned in it (each alerted once, when the note is written).
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note {self.pk} on case {self.case_id}"
