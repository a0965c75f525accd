"""Whose figures a person may read (issue 13 §3): one rule for the dashboard, the click-through and the
API. Managers and administrators see every team's figures. Everyone else on staff — agents and
supervisors alike, as in the team queue — sees the figures of the teams they are in or lead; someone in
no team (a small organisation without teams) sees all, as the team queue shows them every case."""

from __future__ import annotations

from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.authority.teams import team_ids_of
from putright.errors import PermissionDenied


def sees_all_teams(user) -> bool:
    return has_role_at_least(user, Role.MANAGER)


def figure_scope(user, team: int | None = None) -> tuple[int, ...] | None:
    """The teams whose figures ``user`` may see (None: all). Asking for another team's figures is a
    ``PermissionDenied``."""
    if sees_all_teams(user):
        return None
    mine = tuple(team_ids_of(user))
    if not mine:
        return None
    if team is not None and team not in mine:
        raise PermissionDenied("You may see the figures of your own teams only.")
    return mine
