"""Reads of internal notes that the staff pages, the API and the case record share. Staff only: the
customer's page, e-mails and the customer's copy of the record never call these."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from putright.authority.selectors import staff_users
from putright.cases.models import Case
from putright.notes.mentions import mentions_find
from putright.notes.models import Note

SUGGESTIONS_SHOWN = 8


def case_notes(*, case: Case) -> QuerySet:
    """The case's notes, oldest first, with their authors and the colleagues mentioned (three queries)."""
    return (
        Note.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(Prefetch("mentioned", queryset=get_user_model().objects.order_by("username")))
        .order_by("created_at", "pk")
    )


def note_data(note: Note) -> dict:
    """One note as plain data: the API's answer and the case record's ``notes`` section."""
    return {
        "id": note.pk,
        "author": note.author.get_username(),
        "body": note.body,
        "mentioned": [u.get_username() for u in note.mentioned.all()],
        "created_at": note.created_at,
    }


def note_html(note: Note) -> SafeString:
    """The note's text, escaped, with the mentions of the colleagues it names marked (``<mark>``)."""
    body = note.body
    spans = mentions_find(body, note.mentioned.all()).spans if note.mentioned.all() else []
    parts, at = [], 0
    for start, end in spans:
        parts.append(escape(body[at:start]))
        parts.append(f'<mark class="mention">{escape(body[start:end])}</mark>')
        at = end
    parts.append(escape(body[at:]))
    return mark_safe("".join(parts))  # noqa: S308 — every piece of the note's text is escaped above


def mention_suggestions(*, query: str) -> list[dict]:
    """Active colleagues whose username or name starts with ``query`` (the note form's @ autocomplete)."""
    query = query.strip().lstrip("@").lower()
    rows = []
    for user in staff_users():
        name = user.get_full_name()
        words = [user.get_username().lower(), name.lower(), *name.lower().split()]
        if not query or any(w.startswith(query) for w in words):
            rows.append({"username": user.get_username(), "name": name or user.get_username()})
        if len(rows) >= SUGGESTIONS_SHOWN:
            break
    return rows
