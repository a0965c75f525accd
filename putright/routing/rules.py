"""Issue 12 §3: administrators keep the assignment rules that route a new case to a team.

The rules are a room of their own above the case core: keeping them changes no case (the routing that
reads them runs inside the report's transaction, in ``cases.services.routing``), so nothing here needs
the core's one way in. Each change is written as an admin ``LogEntry`` (the admin's history).
"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.db import transaction
from django.db.models import Max

from putright.authority import teams
from putright.authority.models import Role, Team
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.cases.models import AssignmentRule, Category
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import Channel

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
