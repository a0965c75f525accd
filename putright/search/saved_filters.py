"""Saved queue filters: a member of staff names the queue's current filter and finds it beside the filter
bar next time (issue 12 §3). One way in for each change, as for cases: the services check who acts, clean
what is stored and say plainly what is wrong.

Only the queue's own parameters are kept, and only those the queue's form accepts: the query string is
rebuilt from the form's fields in their order, so nothing else a link carried (a page number, a tracking
tag, something made up) is ever stored or replayed.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.http import urlencode

from putright.authority.selectors import is_staff_member
from putright.caseforms.forms import QueueFilterForm
from putright.cases.models import SavedQueueFilter
from putright.errors import DomainError, ErrorCode, PermissionDenied

NAME_MAX = 60
# A member of staff keeps a shelf, not a warehouse: past this, delete one first.
MAX_PER_USER = 30


def _require_staff(user) -> None:
    if user is None or not is_staff_member(user):
        raise PermissionDenied("only staff may keep queue filters")


def queue_query_clean(query: str) -> str:
    """The queue's own parameters from ``query`` (a query string), in the form's order, empty ones dropped.

    Raises DomainError when the queue's form would refuse them: a filter that cannot be shown is not saved.
    """
    data = QueryDict(query.lstrip("?"), mutable=False)
    form = QueueFilterForm(data)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"These filters are not valid, so they were not saved ({problems})."
        )
    kept = []
    for name in form.fields:
        value = " ".join(data.get(name, "").split())
        if value:
            kept.append((name, value))
    return urlencode(kept)


def saved_filters_for(*, user) -> QuerySet:
    """The user's own saved filters, by name."""
    _require_staff(user)
    return SavedQueueFilter.objects.filter(user=user).order_by("name", "pk")


def saved_filter_create(*, actor, name: str, query: str) -> SavedQueueFilter:
    """Save the queue's filter ``query`` as ``name`` for ``actor``; a name is theirs once."""
    _require_staff(actor)
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the filter a name.")
    if len(name) > NAME_MAX:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A filter's name can be at most {NAME_MAX} characters.")
    if len(query or "") > 2000:
        raise DomainError(ErrorCode.INVALID_INPUT, "These filters are too long to save.")
    cleaned = queue_query_clean(query or "")
    if SavedQueueFilter.objects.filter(user=actor, name__iexact=name).exists():
        raise DomainError(
            ErrorCode.ALREADY_DONE,
            f"You already have a filter called “{name}”: choose another name, or delete that one first.",
        )
    if SavedQueueFilter.objects.filter(user=actor).count() >= MAX_PER_USER:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"You can keep {MAX_PER_USER} saved filters: delete one you no longer use first.",
        )
    try:
        with transaction.atomic():
            return SavedQueueFilter.objects.create(user=actor, name=name, query=cleaned)
    except IntegrityError:
        # Saved at the same moment from another tab: the constraint has the last word.
        raise DomainError(ErrorCode.ALREADY_DONE, f"You already have a filter called “{name}”.") from None


def saved_filter_delete(*, actor, saved_filter_id: int) -> str:
    """Delete one of ``actor``'s own saved filters; returns its name. Someone else's is refused, unchanged."""
    _require_staff(actor)
    # An id past the column's range names nothing (and must not reach the database as one).
    saved = (
        SavedQueueFilter.objects.filter(pk=saved_filter_id).first() if 0 < saved_filter_id < 2**31 else None
    )
    if saved is None:
        raise DomainError(ErrorCode.ALREADY_DONE, "That saved filter no longer exists.")
    if saved.user_id != actor.pk:
        raise PermissionDenied("a saved filter can only be deleted by the person who saved it")
    name = saved.name
    saved.delete()
    return name
