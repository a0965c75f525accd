"""Writing an internal note (issue 15 §2): the one way in.

A note is staff only and changes nothing about the case's state. It is audited as a case event that is
not customer visible; the event carries the note's text, as a message's event does, so a later
subject-access or erasure search over the case's events finds it with the rest of the customer's data.
Each colleague it @mentions (not the writer) gets one alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from putright import clock
from putright.cases import services as cases
from putright.cases.models import Case
from putright.channels import services as channels
from putright.channels.delivery import MENTION_QUOTE_MARK
from putright.channels.models import Alert
from putright.errors import DomainError, ErrorCode
from putright.notes.mentions import mentions_find
from putright.notes.models import Note

NOTE_MAX_LENGTH = 5000
ALERT_QUOTE_LENGTH = 150


@dataclass
class NoteAdded:
    note: Note
    alerted: list = field(default_factory=list)  # the colleagues alerted (everyone mentioned but the writer)
    unknown: list[str] = field(default_factory=list)  # @names that matched no active colleague


def note_add(*, actor, case: Case, body: str) -> NoteAdded:
    """Add a note to ``case`` as ``actor`` (any member of staff: every colleague may see every case)."""
    cases.require_staff(actor)
    body = (body or "").strip()
    if not body:
        raise DomainError(ErrorCode.INVALID_INPUT, "A note must not be empty.")
    if len(body) > NOTE_MAX_LENGTH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A note must be at most {NOTE_MAX_LENGTH:,} characters.")
    found = mentions_find(body)
    with transaction.atomic():
        case = cases.case_lock(case)
        note = Note.objects.create(case=case, author=actor, body=body, created_at=clock.now())
        note.mentioned.set(found.users)
        cases.case_touch(case)
        alerted = [u for u in found.users if u.pk != actor.pk]
        cases.case_event(
            case,
            actor,
            "note.added",
            "Internal note"
            + (f" mentioning {', '.join(u.get_username() for u in found.users)}" if found.users else ""),
            after={"note": note.pk, "mentioned": [u.get_username() for u in found.users], "body": body},
        )
        quote = " ".join(body.split())
        if len(quote) > ALERT_QUOTE_LENGTH:
            quote = quote[: ALERT_QUOTE_LENGTH - 1] + "…"
        who = actor.get_full_name() or actor.get_username()
        for user in alerted:
            channels.alert_create(
                recipient=user,
                case=case,
                kind=Alert.Kind.MENTION,
                text=f"{case.reference}: {who}{MENTION_QUOTE_MARK}{quote}",
            )
    return NoteAdded(note=note, alerted=alerted, unknown=found.unknown)
