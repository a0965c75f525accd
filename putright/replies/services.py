"""Saved replies: kept by administrators (the organisation's, offered to everyone) and by a team's lead
(the team's, offered to its members); used by agents from the case page's picker or the API.

Every change checks who may make it, validates (a title once per team, the organisation's counted as one
team; only known placeholders) and is written to the admin's history (``LogEntry``) with what changed.
A reply's wording is checked by K5 as it is saved: the findings are returned (and shown on the list),
not refused — the wording is a starting point the agent finishes, and the check runs again on what is
sent. Choosing one counts a use (the picker lists the most used first).
"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE
from django.db import IntegrityError, transaction
from django.db.models import F

from putright import clock
from putright.authority.models import Team
from putright.authority.teams import log_change
from putright.engines.text import placeholders
from putright.engines.text.reply_check import Finding
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.replies import selectors
from putright.replies.models import SavedReply

TITLE_MAX = 120
BODY_MAX = 10_000


def _require_keeper(actor, team: Team | None) -> None:
    if not selectors.may_keep(actor, team):
        if team is None:
            raise PermissionDenied("only administrators may keep the organisation's saved replies")
        raise PermissionDenied(f"only the lead of {team.name} or an administrator may keep its saved replies")


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the saved reply a title.")
    if len(title) > TITLE_MAX:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A title is at most {TITLE_MAX} characters.")
    return title


def _body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(ErrorCode.INVALID_INPUT, "Write the reply's wording.")
    if len(body) > BODY_MAX:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A saved reply is at most {BODY_MAX:,} characters.")
    unknown = placeholders.unknown_placeholders(body)
    if unknown:
        known = ", ".join("{" + name + "}" for name in placeholders.PLACEHOLDERS)
        names = ", ".join("{" + name + "}" for name in unknown)
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {names}: use {known} "
            "(write {{ and }} for a brace itself).",
        )
    return body


def _title_free(title: str, team: Team | None, exclude_pk: int | None) -> None:
    # The database's unique constraint cannot see two organisation-wide rows (team NULL) as equal.
    same = SavedReply.objects.filter(team=team, title__iexact=title)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        whose = "the organisation's" if team is None else f"{team.name}'s"
        raise DomainError(ErrorCode.INVALID_INPUT, f"There is already a saved reply “{title}” among {whose}.")


def _scope(team: Team | None) -> str:
    return "the organisation" if team is None else f"team {team.name}"


def saved_reply_create(
    *, actor, title: str, body: str, team: Team | None = None
) -> tuple[SavedReply, list[Finding]]:
    """A new saved reply for ``team`` (None: the organisation's). Returns it with K5's findings."""
    _require_keeper(actor, team)
    title, body = _title(title), _body(body)
    try:
        with transaction.atomic():
            _title_free(title, team, None)
            reply = SavedReply.objects.create(
                title=title, body=body, team=team, created_by=actor, updated_at=clock.now()
            )
            log_change(actor, reply, ADDITION, f"Saved reply “{title}” for {_scope(team)}")
    except IntegrityError as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, f"There is already a saved reply “{title}”.") from exc
    return reply, selectors.findings(body)


def saved_reply_update(
    *, actor, reply: SavedReply, title: str, body: str, team: Team | None
) -> tuple[SavedReply, list[Finding]]:
    """Change a saved reply's title, wording or team: the actor must keep it where it is and where it goes."""
    _require_keeper(actor, reply.team)
    _require_keeper(actor, team)
    title, body = _title(title), _body(body)
    try:
        with transaction.atomic():
            reply = SavedReply.objects.select_for_update().get(pk=reply.pk)
            _title_free(title, team, reply.pk)
            changed = [
                label
                for label, old, new in (
                    ("title", reply.title, title),
                    ("wording", reply.body, body),
                    ("team", reply.team_id, team.pk if team else None),
                )
                if old != new
            ]
            reply.title, reply.body, reply.team, reply.updated_at = title, body, team, clock.now()
            reply.save(update_fields=["title", "body", "team", "updated_at"])
            log_change(
                actor, reply, CHANGE, f"Changed {', '.join(changed) or 'nothing'} of saved reply “{title}”"
            )
    except IntegrityError as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, f"There is already a saved reply “{title}”.") from exc
    return reply, selectors.findings(body)


def saved_reply_set_active(*, actor, reply: SavedReply, active: bool) -> SavedReply:
    """Deactivate (no longer offered; kept with its count of uses) or activate again."""
    _require_keeper(actor, reply.team)
    with transaction.atomic():
        reply = SavedReply.objects.select_for_update().get(pk=reply.pk)
        if reply.active == active:
            raise DomainError(
                ErrorCode.ALREADY_DONE, f"“{reply.title}” is already {'active' if active else 'inactive'}."
            )
        reply.active = active
        reply.updated_at = clock.now()
        reply.save(update_fields=["active", "updated_at"])
        log_change(
            actor, reply, CHANGE, f"{'Activated' if active else 'Deactivated'} saved reply “{reply.title}”"
        )
    return reply


def saved_reply_use(*, actor, reply: SavedReply) -> None:
    """Count one use of a saved reply the actor may use (one conditional UPDATE: concurrent uses add up)."""
    if selectors.usable_get(actor, reply.pk) is None:
        raise PermissionDenied("this saved reply is not offered to you")
    SavedReply.objects.filter(pk=reply.pk).update(uses=F("uses") + 1)
