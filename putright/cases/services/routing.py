"""Issue 12 §3: assignment rules route a new case to a team and, round-robin, to one of its available
handlers; staff move a case to another team; administrators keep the rules.

Routing runs inside the report's own transaction (``case_report`` → ``route``), after the report's event:
the first active rule by position whose category and channel match (empty matches any) sets the case's
team; with ``assign_round_robin`` the team row is locked (``select_for_update``) and the next available
member after ``team.last_assigned`` in username order takes the case (``authority.teams.next_handler``).
Nobody available: the case waits in the team queue and the team's lead is alerted once for it. Nothing
here runs after the commit: the alert's email is a job written in the same transaction.
"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.db import transaction
from django.db.models import Max, Q

from putright.authority import teams
from putright.authority.models import Role, Team
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.cases.models import AssignmentRule, Case, Category
from putright.cases.services._common import _event, _guard, _lock, _require_staff, _save
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import Channel

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


# ---------------------------------------------------------------- the rules (administrators)


def may_manage_rules(user) -> bool:
    return is_staff_member(user) and has_role_at_least(user, Role.ADMINISTRATOR)


def _require_admin(actor) -> None:
    if not may_manage_rules(actor):
        raise PermissionDenied("only administrators may change assignment rules")


def _describe(rule: AssignmentRule) -> str:
    return (
        f"“{rule.name}”: category {rule.category.name if rule.category else 'any'}, "
        f"channel {Channel(rule.channel).label if rule.channel else 'any'} → {rule.team.name}"
        f"{', round-robin' if rule.assign_round_robin else ''}{'' if rule.active else ' (inactive)'}"
    )


def rule_save(
    *,
    actor,
    rule: AssignmentRule | None = None,
    name: str,
    team: Team,
    category: Category | None = None,
    channel: str = "",
    assign_round_robin: bool = True,
    active: bool = True,
) -> AssignmentRule:
    """Add a rule (last in order) or change one."""
    _require_admin(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the rule a name of at most 100 characters.")
    if channel and channel not in Channel.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown channel {channel!r}.")
    if team is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Choose the team the rule sends cases to.")
    with transaction.atomic():
        if rule is None:
            last = AssignmentRule.objects.aggregate(last=Max("position"))["last"] or 0
            rule = AssignmentRule(position=last + 10)
            before = None
        else:
            rule = (
                AssignmentRule.objects.select_for_update(of=("self",))
                .select_related("category", "team")
                .get(pk=rule.pk)
            )
            before = _describe(rule)
        rule.name, rule.team, rule.category, rule.channel = name, team, category, channel
        rule.assign_round_robin, rule.active = assign_round_robin, active
        rule.save()
        if before is None:
            teams.log_change(actor, rule, ADDITION, f"Added {_describe(rule)}")
        elif before != _describe(rule):
            teams.log_change(actor, rule, CHANGE, f"Changed from {before} to {_describe(rule)}")
    return rule


def rule_move(*, actor, rule: AssignmentRule, up: bool) -> None:
    """Move a rule one place up (tried sooner) or down; positions are renumbered 10, 20, 30…"""
    _require_admin(actor)
    with transaction.atomic():
        rules = list(AssignmentRule.objects.select_for_update().order_by("position", "pk"))
        i = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        j = i - 1 if up else i + 1
        if not 0 <= j < len(rules):
            return
        rules[i], rules[j] = rules[j], rules[i]
        for n, r in enumerate(rules, start=1):
            if r.position != n * 10:
                r.position = n * 10
                r.save(update_fields=["position"])
        teams.log_change(actor, rules[j], CHANGE, f"Moved {'up' if up else 'down'} to place {j + 1}")


def rule_delete(*, actor, rule: AssignmentRule) -> None:
    _require_admin(actor)
    with transaction.atomic():
        rule = AssignmentRule.objects.select_related("category", "team").get(pk=rule.pk)
        teams.log_change(actor, rule, DELETION, f"Deleted {_describe(rule)}")
        rule.delete()
