"""Issue 12 §3: assignment rules route a new case to a team and, round-robin, to one of its available
handlers; staff move a case to another team. Administrators keep the rules in ``putright.routing``.

Routing runs inside the report's own transaction (``case_report`` → ``route``), after the report's event:
the first active rule by position whose category and channel match (empty matches any) sets the case's
team; with ``assign_round_robin`` the team row is locked (``select_for_update``) and the next available
member after ``team.last_assigned`` in username order takes the case (``authority.teams.next_handler``).
Nobody available: the case waits in the team queue and the team's lead is alerted once for it. Nothing
here runs after the commit: the alert's email is a job written in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from putright.authority import teams
from putright.authority.models import Team
from putright.cases.models import AssignmentRule, Case
from putright.cases.services._common import _event, _guard, _lock, _require_staff, _save
from putright.channels import services as channels
from putright.channels.models import Alert

# ---------------------------------------------------------------- routing a case


def rule_for(case: Case) -> AssignmentRule | None:
    """The first active rule, by position, that matches the case's category and channel."""
    return (
        AssignmentRule.objects.filter(active=True)
        .filter(Q(category__isnull=True) | Q(category_id=case.category_id))
        .filter(Q(channel="") | Q(channel=case.channel))
        .order_by("position", "pk")
        .first()
    )


def route(case: Case) -> None:
    """Route ``case`` (locked by the caller, inside its transaction) by the rules, when one matches.

    A case that already has a handler (staff logging a call keep it) only joins the team.
    """
    rule = rule_for(case)
    if rule is None:
        return
    team = (
        Team.objects.select_for_update(of=("self",))
        .select_related("lead", "last_assigned")
        .get(pk=rule.team_id)
    )
    case.team = team
    rotate = rule.assign_round_robin and case.assignee_id is None
    pick = teams.next_handler(team) if rotate else teams.Pick(None)
    if pick.handler is not None:
        case.assignee = pick.handler
        team.last_assigned = pick.handler
        team.save(update_fields=["last_assigned"])
    _save(case, "team", "assignee")
    waiting = f"; nobody could take it ({pick.why}), so it waits in the team queue" if pick.why else ""
    _event(
        case,
        None,
        "case.routed",
        f"Routed to team {team.name} by rule “{rule.name}”{waiting}",
        before={"team": None},
        after={"team": team.name, "rule": rule.name, "unassigned_because": pick.why or None},
    )
    if pick.handler is not None:
        name = pick.handler.get_username()
        _event(
            case,
            None,
            "case.assigned",
            f"Assigned to {name} (round-robin in {team.name})",
            before={"assignee": None},
            after={"assignee": name, "by": "round-robin", "team": team.name},
        )
    elif pick.why:
        _alert_lead(case, team, pick.why)


def _alert_lead(case: Case, team: Team, why: str) -> None:
    """Once per case: the lead hears that a new case found nobody to take it."""
    if team.lead is None or Alert.objects.filter(case=case, kind=Alert.Kind.TEAM_UNSTAFFED).exists():
        return
    channels.alert_create(
        recipient=team.lead,
        case=case,
        kind=Alert.Kind.TEAM_UNSTAFFED,
        text=f"{case.reference} came to {team.name} but {why}: it waits unassigned in the team queue.",
    )


def case_team_set(*, actor, case: Case, team: Team | None) -> Case:
    """Staff move a case to another team's queue (or to none); its handler stays."""
    _require_staff(actor)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "team_set")
        if case.team_id == (team.pk if team else None):
            return case
        before = {"team": case.team.name if case.team else None}
        case.team = team
        _save(case, "team")
        _event(
            case,
            actor,
            "case.team_set",
            f"Moved to team {team.name}" if team else "Taken out of its team",
            before=before,
            after={"team": team.name if team else None},
        )
    return case
