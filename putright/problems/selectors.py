"""Reads about problems that pages, the API and the services share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from putright import clock
from putright.authority.models import ROLE_RANK, Role
from putright.authority.selectors import is_staff_member, staff_users, user_roles
from putright.errors import PermissionDenied
from putright.problems.models import (
    OPEN_PROBLEM_STATUSES,
    Problem,
    ProblemCase,
    ProblemOwnerRoute,
    ProblemStatus,
    RegroupRun,
)
from putright.vocab import Status

ACTIVE = Q(links__unlinked_at__isnull=True)
# What a problem's figures count: its linked cases, less those closed as a duplicate of another case (the
# same report twice is one case and one customer; the case it repeats is counted). Issue 12 §3.
COUNTED_STATUSES = [s for s in Status if s != Status.CLOSED_DUPLICATE]
COUNTED = ACTIVE & Q(links__case__status__in=COUNTED_STATUSES)
# The board sorts by growth over this many days, and draws each row's trend over SPARK_DAYS.
GROWTH_DAYS = 7
SPARK_DAYS = 14


def _require_staff(user) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see problems")


@dataclass(frozen=True)
class BoardFilters:
    status: str = ""  # "" = the open ones; "all" = every status; or one status
    owner_id: int | None = None
    category_id: int | None = None


def problems_annotated(*, now: datetime | None = None) -> QuerySet:
    """Problems with their active case count, customers affected and cases reported in the last week."""
    now = now or clock.now()
    since = now - timedelta(days=GROWTH_DAYS)
    return Problem.objects.select_related("owner", "category", "merged_into").annotate(
        case_count=Count("links", filter=COUNTED, distinct=True),
        # Each report makes its own customer record, so the same person is recognised by their email.
        customer_count=Count(Lower("links__case__customer__email"), filter=COUNTED, distinct=True),
        recent_count=Count("links", filter=COUNTED & Q(links__case__created_at__gte=since), distinct=True),
    )


def problem_board(*, user, filters: BoardFilters, now: datetime | None = None) -> QuerySet:
    """The board: problems sorted by recent growth, then by the newest case."""
    _require_staff(user)
    qs = problems_annotated(now=now)
    if filters.status == "all":
        pass
    elif filters.status:
        qs = qs.filter(status=filters.status)
    else:
        qs = qs.filter(status__in=OPEN_PROBLEM_STATUSES)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    return qs.order_by("-recent_count", "-case_count", "-last_seen", "-pk")


def problem_get_for_user(*, user, pk: int, now: datetime | None = None) -> Problem:
    """One problem with its counts. PermissionDenied for outsiders, Problem.DoesNotExist if absent."""
    _require_staff(user)
    return problems_annotated(now=now).get(pk=pk)


def problem_links(*, problem: Problem, include_unlinked: bool = False) -> QuerySet:
    qs = ProblemCase.objects.filter(problem=problem).select_related(
        "case", "case__customer", "case__category", "linked_by", "unlinked_by"
    )
    if not include_unlinked:
        qs = qs.filter(unlinked_at__isnull=True)
    return qs.order_by("-case__created_at", "-pk")


def problem_events(*, problem: Problem) -> QuerySet:
    return problem.events.select_related("actor").order_by("-at", "-pk")


def _days(now: datetime, days: int) -> list[date]:
    today = timezone.localdate(now)
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def daily_counts(*, problem_ids: list[int], days: int, now: datetime | None = None) -> dict[int, list[int]]:
    """New cases per day (by when the customer reported them) per problem, oldest day first: one query."""
    now = now or clock.now()
    day_list = _days(now, days)
    start = timezone.make_aware(datetime.combine(day_list[0], datetime.min.time()))
    counts: dict[int, list[int]] = {pk: [0] * days for pk in problem_ids}
    index = {d: i for i, d in enumerate(day_list)}
    rows = (
        ProblemCase.objects.filter(
            problem_id__in=problem_ids,
            unlinked_at__isnull=True,
            case__created_at__gte=start,
            case__status__in=COUNTED_STATUSES,
        )
        .annotate(day=TruncDate("case__created_at", tzinfo=timezone.get_current_timezone()))
        .values("problem_id", "day")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        i = index.get(row["day"])
        if i is not None:
            counts[row["problem_id"]][i] = row["n"]
    return counts


def chart_labels(*, days: int, now: datetime | None = None) -> list[str]:
    return [d.isoformat() for d in _days(now or clock.now(), days)]


def problem_trend(*, problem: Problem, days: int, now: datetime | None = None) -> dict:
    """The data for the trend chart (``putright/charts.js`` format): new linked cases per day."""
    now = now or clock.now()
    counts = daily_counts(problem_ids=[problem.pk], days=days, now=now)[problem.pk]
    return {
        "type": "bar",
        "title": f"New cases per day in problem {problem.pk}, last {days} days",
        "x_label": "Day reported",
        "y_label": "New cases",
        "labels": chart_labels(days=days, now=now),
        "datasets": [{"label": "New cases", "data": counts}],
    }


def board_trend(*, problems: list[Problem], days: int = 30, now: datetime | None = None) -> dict:
    """The board's chart: one line per problem (the busiest few on the board)."""
    now = now or clock.now()
    counts = daily_counts(problem_ids=[p.pk for p in problems], days=days, now=now)
    return {
        "type": "line",
        "title": f"New cases per day in the busiest open problems, last {days} days",
        "x_label": "Day reported",
        "y_label": "New cases",
        "labels": chart_labels(days=days, now=now),
        "datasets": [{"label": f"#{p.pk} {p.title}"[:60], "data": counts[p.pk]} for p in problems],
    }


def case_problems(*, case) -> list[ProblemCase]:
    """The problems a case is part of now (active links), the problem loaded on each link."""
    return list(
        ProblemCase.objects.filter(case=case, unlinked_at__isnull=True)
        .exclude(problem__status=ProblemStatus.CLOSED)
        .select_related("problem", "problem__owner")
        .order_by("-linked_at")
    )


def problem_customer_count(*, problem: Problem) -> int:
    return (
        ProblemCase.objects.filter(
            problem=problem, unlinked_at__isnull=True, case__status__in=COUNTED_STATUSES
        )
        .values(email=Lower("case__customer__email"))
        .distinct()
        .count()
    )


# ---------------------------------------------------------------- who owns what


def _rank(user) -> int:
    return max((ROLE_RANK[Role(r)] for r in user_roles(user)), default=0)


def owner_for(*, category, product: str = "") -> tuple[object | None, str]:
    """The appropriate authority for a problem, and why: the most specific owner route, else a fallback.

    Routes: category and product, then product, then category, then the route for everything else.
    Fallback: the ``PROBLEM_DEFAULT_OWNER`` setting, else the least busy supervisor (fewest open problems
    owned), else the least busy person above them. Inactive or role-less owners are passed over.
    """
    product = (product or "").strip()
    routes = list(
        ProblemOwnerRoute.objects.select_related("owner", "category").filter(
            Q(category__isnull=True) | Q(category=category)
            if category is not None
            else Q(category__isnull=True)
        )
    )

    def specificity(route: ProblemOwnerRoute) -> int | None:
        product_match = route.product and product and route.product.lower() == product.lower()
        if route.product and not product_match:
            return None
        if route.category_id is not None and product_match:
            return 0
        if product_match:
            return 1
        if route.category_id is not None:
            return 2
        return 3

    ranked = sorted(
        ((s, r.pk, r) for r in routes if (s := specificity(r)) is not None and is_staff_member(r.owner)),
        key=lambda t: t[:2],
    )
    if ranked:
        route = ranked[0][2]
        return route.owner, f"owner route: {route}"
    default_name = settings.PUTRIGHT.get("PROBLEM_DEFAULT_OWNER", "")
    if default_name:
        user = get_user_model().objects.filter(username=default_name).first()
        if user is not None and is_staff_member(user):
            return user, "the default problem owner setting"
    candidates = []
    users = staff_users().annotate(
        open_problems=Count("problems", filter=Q(problems__status__in=OPEN_PROBLEM_STATUSES), distinct=True)
    )
    for user in users:
        rank = _rank(user)
        if rank >= ROLE_RANK[Role.SUPERVISOR]:
            candidates.append((rank, user.open_problems, user.pk, user))
    if not candidates:
        return None, "no supervisor to own it"
    candidates.sort(key=lambda t: t[:3])
    return candidates[0][3], "no owner route: the least busy supervisor"


def owner_routes() -> QuerySet:
    return ProblemOwnerRoute.objects.select_related("category", "owner").order_by(
        "category__name", "product", "pk"
    )


def regroup_latest() -> RegroupRun | None:
    return RegroupRun.objects.select_related("requested_by").order_by("-created_at", "-pk").first()
