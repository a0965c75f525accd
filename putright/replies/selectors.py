"""Reads about saved replies: which a person may use (the picker, the API) and keep (the list page), their
placeholders filled for one case, and what the reply checker finds in each."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from putright import clock
from putright.authority.models import Role, Team
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.channels.brand import brand_get
from putright.engines.text import placeholders
from putright.engines.text.reply_check import Finding, check_reply
from putright.errors import PermissionDenied
from putright.replies.models import SavedReply


def is_administrator(user) -> bool:
    return is_staff_member(user) and has_role_at_least(user, Role.ADMINISTRATOR)


def may_keep(user, team: Team | None) -> bool:
    """Administrators keep the organisation's saved replies and every team's; a team's lead keeps that
    team's."""
    if not is_staff_member(user):
        return False
    if is_administrator(user):
        return True
    return team is not None and team.lead_id == user.pk


def teams_kept_by(user) -> QuerySet:
    """The teams whose saved replies ``user`` keeps (every team for an administrator)."""
    if is_administrator(user):
        return Team.objects.all()
    if not is_staff_member(user):
        return Team.objects.none()
    return Team.objects.filter(lead=user)


def _own_teams(user) -> Q:
    return Q(team__isnull=True) | Q(team__members=user) | Q(team__lead=user)


def usable(user) -> QuerySet:
    """The active saved replies ``user`` may use: the organisation's and their teams' (as member or
    lead), most used first. One query."""
    if not is_staff_member(user):
        raise PermissionDenied("only staff may use saved replies")
    ids = SavedReply.objects.filter(_own_teams(user), active=True).values("pk")
    return SavedReply.objects.filter(pk__in=ids).select_related("team").order_by("-uses", "title", "pk")


def usable_get(user, reply_id: int) -> SavedReply | None:
    return usable(user).filter(pk=reply_id).first()


def usable_by_title(user, title: str) -> SavedReply | None:
    """The picker's choice by its title (case and spacing aside); among equal titles the most used."""
    wanted = " ".join((title or "").split()).casefold()
    if not wanted:
        return None
    return next((r for r in usable(user) if r.title.casefold() == wanted), None)


def listed(user) -> list[SavedReply]:
    """The list page: what ``user`` may use, and (inactive ones too) what they keep; the organisation's
    first, then by team, then by title. Each row says whether ``user`` may change it."""
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see saved replies")
    if is_administrator(user):
        where = Q()
    else:
        where = (_own_teams(user) & Q(active=True)) | Q(team__lead=user)
    ids = SavedReply.objects.filter(where).values("pk")
    rows = list(
        SavedReply.objects.filter(pk__in=ids)
        .select_related("team", "created_by")
        .order_by("team__name", "title", "pk")
    )
    rows.sort(key=lambda r: r.team is not None)  # stable: the organisation's first
    for row in rows:
        row.may_change = may_keep(user, row.team)
        row.findings = findings(row.body)
    return rows


def findings(body: str) -> list[Finding]:
    """K5 on a saved reply as written (no sender's limit or customer's state: those are checked again
    when a reply made from it is sent)."""
    return check_reply(body or "")


def agent_name(user) -> str:
    return (user.get_full_name() or user.get_username()).strip()


def values_for(*, case, agent, next_deadline: datetime | None, today: date | None = None) -> dict:
    """The placeholders' values for ``case``, written by ``agent``; ``next_deadline`` is the nearest
    running clock's due time (the interfaces read it from ``regulation``, a room beside this one)."""
    today = today or timezone.localdate(clock.now())
    deadline = (
        placeholders.date_in_words(timezone.localtime(next_deadline).date(), today=today)
        if next_deadline is not None
        else None
    )
    return {
        "customer_name": case.customer.name if case.customer_id else "",
        "reference": case.reference,
        "next_deadline": deadline,
        "agent_name": agent_name(agent),
        "organisation": brand_get().display_name,
    }


def rendered(reply: SavedReply, *, case, agent, next_deadline: datetime | None) -> str:
    return placeholders.fill(reply.body, values_for(case=case, agent=agent, next_deadline=next_deadline))
