"""Issue 15 §1: how one member of staff likes the case workspace (thread order, keyboard shortcuts)."""

from __future__ import annotations

from django.db import transaction

from putright.cases.models import StaffPreference
from putright.cases.services._common import _require_staff


def staff_preference_get(user) -> StaffPreference:
    """The user's preferences; the defaults (unsaved) until they first change one."""
    return StaffPreference.objects.filter(user=user).first() or StaffPreference(user=user)


def staff_preference_set(*, actor, newest_first: bool | None = None, shortcuts: bool | None = None):
    """Change one's own preferences (``None`` leaves a setting as it is). Not a case change: no event."""
    _require_staff(actor)
    with transaction.atomic():
        row, _ = StaffPreference.objects.select_for_update().get_or_create(user=actor)
        row.newest_first = row.newest_first if newest_first is None else newest_first
        row.shortcuts_enabled = row.shortcuts_enabled if shortcuts is None else shortcuts
        row.save(update_fields=["newest_first", "shortcuts_enabled"])
    return row
