"""``{% case_note_form case %}``: the internal note form on the staff case page (the notes themselves are in the
workspace's conversation, ``pages.workspace_thread``), and
``{{ note|note_body }}``: one note's text with its @mentions marked."""

from __future__ import annotations

from django import template

from putright.notes import selectors
from putright.notes.forms import NoteForm

register = template.Library()


@register.inclusion_tag("notes/_case_notes.html", takes_context=True)
def case_note_form(context, case) -> dict:
    # After a refused POST the workspace is drawn again with that form bound (its errors shown).
    bound = context.get("error_form")
    return {
        "case": case,
        "note_form": bound if isinstance(bound, NoteForm) else NoteForm(auto_id="id_note_%s"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def note_body(note) -> str:
    return selectors.note_html(note)
