from __future__ import annotations

from django import forms

from putright.notes.services import NOTE_MAX_LENGTH


class NoteForm(forms.Form):
    body = forms.CharField(
        label="New internal note",
        max_length=NOTE_MAX_LENGTH,
        help_text="Only colleagues see this. Type @ and a colleague's username (or their full name) to alert them.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "mention-input", "autocomplete": "off"}),
    )
