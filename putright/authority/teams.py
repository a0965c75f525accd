"""Teams and handler availability (issue 12 §3): managers and administrators create teams, name their
lead and members and set each handler's cap; every handler marks themselves away and back.

Who may do what: managers and administrators manage teams and caps (and may mark a colleague away, off
sick say); every member of staff marks themselves away or back; agents and supervisors see teams
read-only. Each change is written to Django's admin log (``LogEntry``), so a team's or a handler's
history in the admin shows who changed what.

The round-robin (``next_handler``) lives here because availability is a fact about people: the case core
locks the team row, asks for the next handler and records the assignment on the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from putright.authority.models import HandlerStatus, Role, Team
from putright.authority.selectors import STAFF_ROLES, has_role_at_least, is_staff_member
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import OPEN_STATUSES

MAX_CAP = 500


# ---------------------------------------------------------------- who may


def may_manage_teams(user) -> bool:
    return is_staff_member(user) and has_role_at_least(user, Role.MANAGER)


def _require_manager(actor) -> None:
    if not may_manage_teams(actor):
        raise PermissionDenied("only managers and administrators may manage teams")


def log_change(actor, obj, action: int, message: str) -> None:
    """One line in the admin's history of ``obj``, as the admin writes it for its own changes."""
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=[obj], action_flag=action, change_message=message, single_object=True
    )


# ---------------------------------------------------------------- teams


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the team a name.")
    if len(name) > 100:
        raise DomainError(ErrorCode.INVALID_INPUT, "A team's name is at most 100 characters.")
    return name


def _staff_only(users) -> list:
    users = list(users)
    outsiders = [u.get_username() for u in users if not is_staff_member(u)]
    if outsiders:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Only active staff can be in a team: {', '.join(sorted(outsiders))} is not.",
        )
    return users


def _describe(team: Team) -> str:
    members = ", ".join(sorted(u.get_username() for u in team.members.all())) or "none"
    lead = team.lead.get_username() if team.lead else "none"
    return f"name “{team.name}”; lead {lead}; members {members}"


def team_create(*, actor, name: str, lead=None, members=()) -> Team:
    _require_manager(actor)
    name = _name(name)
    members = _staff_only(members)
    if lead is not None:
        _staff_only([lead])
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, lead=lead)
            team.members.set(members)
            log_change(actor, team, ADDITION, f"Created: {_describe(team)}")
    except IntegrityError:
        raise DomainError(ErrorCode.INVALID_INPUT, f"There is already a team called “{name}”.") from None
    return team


def team_update(*, actor, team: Team, name: str, lead, members) -> Team:
    """Rename the team and set its lead and members (the team page's one form)."""
    _require_manager(actor)
    name = _name(name)
    members = _staff_only(members)
    if lead is not None:
        _staff_only([lead])
    try:
        with transaction.atomic():
            team = Team.objects.select_for_update().get(pk=team.pk)
            before = _describe(team)
            team.name = name
            team.lead = lead
            team.save(update_fields=["name", "lead"])
            team.members.set(members)
            after = _describe(team)
            if after != before:
                log_change(actor, team, CHANGE, f"Changed from {before} to {after}")
    except IntegrityError:
        raise DomainError(ErrorCode.INVALID_INPUT, f"There is already a team called “{name}”.") from None
    return team


def team_delete(*, actor, team: Team) -> None:
    """Delete a team. Refused while an active assignment rule still sends cases to it; its inactive rules
    go with it, and its cases stay where they are, in no team."""
    _require_manager(actor)
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        routing = list(team.assignment_rules.filter(active=True).values_list("name", flat=True))
        if routing:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"Assignment rules still send new cases to {team.name} ({', '.join(routing)}): "
                "point them at another team or deactivate them first.",
            )
        log_change(actor, team, DELETION, f"Deleted: {_describe(team)}")
        team.delete()


# ---------------------------------------------------------------- availability


def status_of(user) -> HandlerStatus:
    """The handler's availability: their row, or an unsaved default (available, the default cap)."""
    try:
        return user.handler_status
    except HandlerStatus.DoesNotExist:
        return HandlerStatus(user=user)


def availability_set(*, actor, user, away: bool, note: str = "") -> HandlerStatus:
    """Mark ``user`` away (with an optional note: "on leave until Monday") or back. Everyone may do it for
    themselves; managers and administrators for a colleague too."""
    if not is_staff_member(actor):
        raise PermissionDenied("only staff may mark availability")
    if actor.pk != user.pk:
        _require_manager(actor)
    if not is_staff_member(user):
        raise DomainError(ErrorCode.INVALID_INPUT, "Only staff have an availability.")
    note = " ".join((note or "").split()) if away else ""
    if len(note) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "Keep the note to 200 characters.")
    with transaction.atomic():
        status, _ = HandlerStatus.objects.select_for_update().get_or_create(user=user)
        if status.away == away and status.away_note == note:
            return status
        status.away, status.away_note = away, note
        status.save(update_fields=["away", "away_note", "updated_at"])
        said = f"Marked away{f' ({note})' if note else ''}" if away else "Marked back"
        log_change(actor, status, CHANGE, f"{said} by {actor.get_username()}")
    user.handler_status = status
    return status


def cap_set(*, actor, user, cap) -> HandlerStatus:
    """The most open cases assignment rules give ``user`` (managers and administrators)."""
    _require_manager(actor)
    if not is_staff_member(user):
        raise DomainError(ErrorCode.INVALID_INPUT, "Only staff have a cap.")
    if isinstance(cap, bool) or not isinstance(cap, int) or not 0 <= cap <= MAX_CAP:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A cap is a whole number from 0 to {MAX_CAP}.")
    with transaction.atomic():
        status, _ = HandlerStatus.objects.select_for_update().get_or_create(user=user)
        if status.max_open_cases != cap:
            before = status.max_open_cases
            status.max_open_cases = cap
            status.save(update_fields=["max_open_cases", "updated_at"])
            log_change(actor, status, CHANGE, f"Cap changed from {before} to {cap} open cases")
    return status


# ---------------------------------------------------------------- reads


def _with_availability(users: QuerySet) -> QuerySet:
    """Users with ``open_cases`` (open cases assigned to them), ``has_role`` and their status row."""
    memberships = get_user_model().groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name__in=STAFF_ROLES
    )
    return users.select_related("handler_status").annotate(
        open_cases=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN_STATUSES)),
        has_role=Exists(memberships),
    )


def teams_overview(*, team_id: int | None = None) -> list[Team]:
    """Every team (or the one ``team_id``) with its lead and members (each with ``open_cases`` and their
    status), and the team's ``open_count`` and ``unassigned_count``: two queries, however many teams."""
    members = _with_availability(get_user_model().objects.order_by("username"))
    teams = Team.objects.all() if team_id is None else Team.objects.filter(pk=team_id)
    return list(
        teams.select_related("lead", "last_assigned")
        .annotate(
            open_count=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES)),
            unassigned_count=Count(
                "cases", filter=Q(cases__status__in=OPEN_STATUSES, cases__assignee__isnull=True)
            ),
        )
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name")
    )


def team_ids_of(user) -> list[int]:
    """The teams ``user`` is a member or the lead of."""
    return list(Team.objects.filter(Q(members=user) | Q(lead=user)).values_list("pk", flat=True).distinct())


@dataclass(frozen=True)
class Pick:
    handler: object | None
    # Why nobody was picked, for the lead's alert and the case's event ("" when someone was).
    why: str = ""


def rotation(team: Team) -> list:
    """The team's members in round-robin order, by username (stable, and what managers see on the page),
    each with ``open_cases``, ``has_role`` and their status."""
    return list(_with_availability(team.members.all()).order_by("username"))


def unavailable_reason(member) -> str:
    """Why a member gets no new case now ("" when they are available)."""
    if not member.is_active or not member.has_role:
        return "inactive"
    status = status_of(member)
    if status.away:
        return "away"
    if member.open_cases >= status.max_open_cases:
        return "at cap"
    return ""


def next_handler(team: Team) -> Pick:
    """The first available member after ``team.last_assigned`` in username order, wrapping round.

    The caller holds the team row lock (``select_for_update``), so two reports at once never take the
    same place. Nobody available: ``why`` says so (no members, everyone away, everyone at their cap…).
    """
    members = rotation(team)
    if not members:
        return Pick(None, "the team has no members")
    last = next((m for m in members if m.pk == team.last_assigned_id), None)
    if last is not None:
        start = members.index(last) + 1
    elif team.last_assigned_id is not None:
        # The last one left the team: carry on after where their username stood.
        name = team.last_assigned.get_username() if team.last_assigned else ""
        start = next((i for i, m in enumerate(members) if m.get_username() > name), 0)
    else:
        start = 0
    reasons = []
    for member in members[start:] + members[:start]:
        reason = unavailable_reason(member)
        if not reason:
            return Pick(member)
        reasons.append(reason)
    counts = {r: reasons.count(r) for r in ("away", "at cap", "inactive") if r in reasons}
    if list(counts) == ["away"]:
        return Pick(None, "everyone in the team is away")
    if list(counts) == ["at cap"]:
        return Pick(None, "everyone in the team is at their cap of open cases")
    said = ", ".join(f"{n} {r}" for r, n in counts.items())
    return Pick(None, f"nobody in the team is available ({said})")
