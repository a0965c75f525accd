"""Who may see and do what with scorecards, disputes and coverage.

- Any member of staff may read a closed case's scorecard (as any may open the case).
- Only the case's handler (its assignee) may dispute one of its failed checks.
- A dispute is decided by the handler's manager: managers and administrators decide every dispute; a
  supervisor decides those of the handlers in the teams they lead (as a lead is alerted for their team);
  nobody decides their own.
- Coverage (a coaching view): every handler sees their own; a supervisor also sees the handlers and teams
  of the teams they are in or lead; managers and administrators see everyone (``insights.access`` draws
  the same line for team figures).
"""

from __future__ import annotations

from django.db.models import Q

from putright.authority.models import Role, Team
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.authority.teams import team_ids_of
from putright.errors import PermissionDenied


def sees_everyone(user) -> bool:
    return is_staff_member(user) and has_role_at_least(user, Role.MANAGER)


def may_dispute(user, case) -> bool:
    return is_staff_member(user) and case.assignee_id is not None and case.assignee_id == user.pk


def led_member_ids(user) -> set[int]:
    """The members of the teams ``user`` leads."""
    return set(
        Team.objects.filter(lead=user).exclude(members=None).values_list("members", flat=True).distinct()
    )


def may_decide(user, dispute) -> bool:
    if not is_staff_member(user) or dispute.raised_by_id == user.pk:
        return False
    if sees_everyone(user):
        return True
    return has_role_at_least(user, Role.SUPERVISOR) and dispute.raised_by_id in led_member_ids(user)


def decider_filter(user) -> Q | None:
    """The disputes ``user`` may decide, as a filter (None: none at all)."""
    if not is_staff_member(user):
        return None
    if sees_everyone(user):
        return ~Q(raised_by=user)
    if has_role_at_least(user, Role.SUPERVISOR):
        members = led_member_ids(user) - {user.pk}
        return Q(raised_by__in=members) if members else None
    return None


def coverage_scope(user, *, team: int | None = None, handler: int | None = None) -> tuple[int, ...] | None:
    """The teams whose coverage ``user`` may see (None: all). Asking for another team, or another
    handler outside them, is a PermissionDenied. An agent sees only themselves (``handler`` must be them)."""
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see coverage")
    if sees_everyone(user):
        return None
    mine = tuple(team_ids_of(user)) if has_role_at_least(user, Role.SUPERVISOR) else ()
    if team is not None and team not in mine:
        raise PermissionDenied("You may see the coverage of your own teams only.")
    if handler is not None and handler != user.pk:
        allowed = set(
            Team.objects.filter(pk__in=mine).exclude(members=None).values_list("members", flat=True)
        ) | set(Team.objects.filter(pk__in=mine, lead__isnull=False).values_list("lead", flat=True))
        if handler not in allowed:
            raise PermissionDenied("You may see your own coverage and that of your teams' handlers only.")
    return mine
