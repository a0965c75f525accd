"""Reads about who may do what (K4)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from putright.authority.models import ROLE_RANK, AuthorityLimit, Role
from putright.engines.authority import limits as engine
from putright.vocab import OPEN_STATUSES

STAFF_ROLES = [r.value for r in Role]


def user_roles(user) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_putright_roles", None)
    if cached is None:
        cached = sorted(
            (name for name in user.groups.values_list("name", flat=True) if name in STAFF_ROLES),
            key=lambda r: ROLE_RANK[Role(r)],
        )
        user._putright_roles = cached
    return cached


def is_staff_member(user) -> bool:
    """Staff are people with one of the four roles. Anyone else signed in is an outsider."""
    return bool(user_roles(user)) and user.is_active


def has_role_at_least(user, role: Role) -> bool:
    return any(ROLE_RANK[Role(r)] >= ROLE_RANK[role] for r in user_roles(user))


def role_label(user) -> str:
    roles = user_roles(user)
    return Role(roles[-1]).label if roles else "No role"


def _decimal(value) -> Decimal | None:
    return Decimal(value) if value is not None else None


def limit_from_row(row: AuthorityLimit, *, supervisor_limit: Decimal | None) -> engine.Limit:
    """The engine's view of one role's limits. An empty statutory ceiling is the supervisor's money
    limit (``supervisor_limit``; no limit there means no ceiling beyond the recorded price)."""
    ceiling = row.statutory_ceiling if row.statutory_ceiling is not None else supervisor_limit
    return engine.Limit(
        role=row.group.name,
        max_amount=_decimal(row.max_amount),
        remedy_types=frozenset(row.remedy_types or []),
        rank=row.rank,
        may_approve_exceptions=row.may_approve_exceptions,
        statutory_ceiling=_decimal(ceiling),
    )


def limit_for_user(user) -> engine.Limit | None:
    if user is None or not is_staff_member(user):
        return None
    # One query: the user's roles, and the supervisor's row for the default statutory ceiling.
    rows = list(
        AuthorityLimit.objects.filter(Q(group__in=user.groups.all()) | Q(group__name=Role.SUPERVISOR))
        .select_related("group")
        .annotate(held=Exists(user.groups.filter(pk=OuterRef("group_id"))))
    )
    supervisor = next((r for r in rows if r.group.name == Role.SUPERVISOR), None)
    # Without a supervisor role there is no default ceiling to lift the money limit to.
    default_ceiling = supervisor.max_amount if supervisor is not None else Decimal("0")
    return engine.combine([limit_from_row(r, supervisor_limit=default_ceiling) for r in rows if r.held])


def staff_users() -> QuerySet:
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
        .distinct()
        .order_by("first_name", "username")
    )


def approvers_for(option_request: engine.OptionRequest, *, exclude_user_id: int | None) -> list:
    """People whose own authority covers the option, lowest authority first (ask the nearest level)."""
    candidates = []
    for user in staff_users().prefetch_related("groups"):
        if user.pk == exclude_user_id:
            continue
        limit = limit_for_user(user)
        if engine.may_approve(limit, option_request):
            candidates.append((limit.rank if limit else 0, user.pk, user))
    candidates.sort(key=lambda t: (t[0], t[1]))
    return [user for _, _, user in candidates]


def escalation_target_for(user):
    """K4: 'the right person' to escalate to — someone at the next level of authority up.

    Among staff whose highest role ranks above the user's, take the lowest such rank and, within
    it, the person with the fewest open cases (spreads the load). None if there is nobody above.
    """
    own_rank = max((ROLE_RANK[Role(r)] for r in user_roles(user)), default=0)
    candidates = []
    users = (
        staff_users()
        .exclude(pk=user.pk)
        .annotate(open_cases=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN_STATUSES)))
    )
    for other in users:
        rank = max((ROLE_RANK[Role(r)] for r in user_roles(other)), default=0)
        if rank > own_rank:
            candidates.append((rank, other.open_cases, other.pk, other))
    candidates.sort(key=lambda t: t[:3])
    return candidates[0][3] if candidates else None


def may_reopen_closed(user, case) -> bool:
    """Issue 15 §5: a closed case is reopened (or followed up) by its handler, or by a supervisor or above."""
    return is_staff_member(user) and (case.assignee_id == user.pk or has_role_at_least(user, Role.SUPERVISOR))
