"""The demo's teams (issue 12 §3): three teams with leads and members drawn from the demo staff, a handler
away on leave and a tighter cap, the assignment rules that route new cases, and the open cases of the
story's present placed in the teams those rules name. Everything goes through the services.

Teams and rules are made after the cases load, so the story's cases keep the handlers the lifecycle gave
them; from then on every new report (``make run``, the public form) is routed by the rules.
"""

from __future__ import annotations

from putright.authority import teams as team_services
from putright.authority.models import Team
from putright.cases import services as case_services
from putright.cases.models import Case
from putright.cases.services import routing
from putright.routing import rules
from putright.vocab import OPEN_STATUSES, Channel

# (team, lead, members): usernames from data/organisation.yaml.
TEAMS = [
    ("Deliveries", "supervisor", ["agent", "jodie", "owen"]),
    ("Products & returns", "manager", ["agent", "kwame", "jodie"]),
    ("Billing", "manager", ["kwame", "owen"]),
]

# (rule name, category slug or None for any, channel or "" for any, team, round-robin), in the order tried.
RULES = [
    ("Deliveries", "delivery", "", "Deliveries", True),
    ("Stock and collection", "stock-availability", "", "Deliveries", True),
    ("Faulty goods", "faulty-goods", "", "Products & returns", True),
    ("Refunds and returns", "refunds-returns", "", "Products & returns", True),
    ("Installation", "installation", "", "Products & returns", True),
    ("Billing and payments", "billing-payments", "", "Billing", True),
    ("Unclassified by phone", None, Channel.PHONE, "Products & returns", False),
    ("Everything else", None, "", "Products & returns", False),
]


def teams_demo_load(*, users: dict, categories: dict) -> list[Team]:
    """Create the teams and rules, mark Owen away and give Jodie a cap of 12, and put each open case in the
    queue of the team the rules name for it (its handler stays). At ``clock.now()``: after the story's
    present, so every timeline still runs forwards."""
    manager, admin = users["manager"], users["admin"]
    made = {
        name: team_services.team_create(
            actor=admin, name=name, lead=users[lead], members=[users[u] for u in members]
        )
        for name, lead, members in TEAMS
    }
    for name, slug, channel, team, round_robin in RULES:
        if slug is not None and slug not in categories:
            continue
        rules.rule_save(
            actor=admin,
            name=name,
            team=made[team],
            category=categories[slug] if slug else None,
            channel=channel,
            assign_round_robin=round_robin,
        )
    team_services.availability_set(
        actor=users["owen"], user=users["owen"], away=True, note="On leave until Monday"
    )
    team_services.cap_set(actor=manager, user=users["jodie"], cap=12)
    by_pk = {team.pk: team for team in made.values()}
    backlog = Case.objects.filter(status__in=OPEN_STATUSES, team__isnull=True).order_by("created_at", "pk")
    for case in backlog:
        rule = routing.rule_for(case)
        if rule is not None:
            case_services.case_team_set(actor=manager, case=case, team=by_pk[rule.team_id])
    return list(made.values())
