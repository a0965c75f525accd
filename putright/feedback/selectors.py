"""Reads of the feedback feed shared by the page and the API: the filtered feed, rising themes and
weekly volume by sentiment. Each checks the reader is staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.engines.text.themes import Theme, trending_terms
from putright.errors import PermissionDenied
from putright.feedback.models import FeedbackItem

SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class FeedFilters:
    source: str = ""
    sentiment: str = ""  # "negative" | "neutral" | "positive" | "none" (not read)
    category: str = ""  # category slug
    satisfied: str = ""  # "yes" | "no" | "unknown"
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _require_staff(user) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("only staff may read the feedback feed")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(qs: QuerySet, filters: FeedFilters, *, with_dates: bool = True) -> QuerySet:
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.sentiment == "none":
        qs = qs.filter(sentiment="")
    elif filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    if filters.category:
        qs = qs.filter(category__slug=filters.category)
    if filters.satisfied == "yes":
        qs = qs.filter(satisfied=True)
    elif filters.satisfied == "no":
        qs = qs.filter(satisfied=False)
    elif filters.satisfied == "unknown":
        qs = qs.filter(satisfied__isnull=True)
    if with_dates and filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if with_dates and filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.q.strip():
        qs = qs.filter(text__icontains=filters.q.strip())
    return qs


def feedback_feed(*, user, filters: FeedFilters) -> QuerySet:
    """The feed, newest first, with everything a row shows fetched in the same query."""
    _require_staff(user)
    qs = FeedbackItem.objects.select_related("case", "customer", "category", "flagged_by")
    return _filtered(qs, filters).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ThemeReport:
    themes: list[Theme]
    period_days: int
    current_start: datetime
    previous_start: datetime
    end: datetime
    current_total: int
    previous_total: int


def feedback_themes(*, user, filters: FeedFilters, now: datetime | None = None) -> ThemeReport:
    """Terms rising in the last period against the one before (``FEEDBACK_THEME_DAYS`` each).

    The feed's filters apply except the date range: the periods are the comparison itself. At most
    ``FEEDBACK_THEME_MAX_TEXTS`` newest texts are read per period, so a busy feed stays quick.
    """
    _require_staff(user)
    conf = settings.PUTRIGHT
    days = conf["FEEDBACK_THEME_DAYS"]
    limit = conf["FEEDBACK_THEME_MAX_TEXTS"]
    end = now or clock.now()
    current_start = end - timedelta(days=days)
    previous_start = current_start - timedelta(days=days)
    base = _filtered(FeedbackItem.objects.exclude(text=""), filters, with_dates=False)

    def texts(start: datetime, stop: datetime) -> list[str]:
        return list(
            base.filter(created_at__gte=start, created_at__lt=stop)
            .order_by("-created_at", "-pk")
            .values_list("text", flat=True)[:limit]
        )

    current = texts(current_start, end)
    previous = texts(previous_start, current_start)
    themes = trending_terms(
        current,
        previous,
        top=conf["FEEDBACK_THEME_TOP"],
        min_count=conf["FEEDBACK_THEME_MIN_COUNT"],
    )
    return ThemeReport(
        themes=themes,
        period_days=days,
        current_start=current_start,
        previous_start=previous_start,
        end=end,
        current_total=len(current),
        previous_total=len(previous),
    )


@dataclass(frozen=True)
class WeekVolume:
    week_start: date
    negative: int
    neutral: int
    positive: int
    unread: int

    @property
    def total(self) -> int:
        return self.negative + self.neutral + self.positive + self.unread


def feedback_weekly_volume(
    *, user, filters: FeedFilters, weeks: int = 12, now: datetime | None = None
) -> list[WeekVolume]:
    """Feedback per week (Monday to Sunday, local time) by sentiment, oldest first, ``weeks`` weeks up to
    now; empty weeks included so the chart's axis has no gaps. One query, grouped by day."""
    _require_staff(user)
    end = timezone.localtime(now or clock.now()).date()
    first_monday = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    qs = _filtered(FeedbackItem.objects.all(), filters, with_dates=False).filter(
        created_at__gte=_day_start(first_monday)
    )
    rows = (
        qs.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            negative=Count("pk", filter=Q(sentiment="negative")),
            neutral=Count("pk", filter=Q(sentiment="neutral")),
            positive=Count("pk", filter=Q(sentiment="positive")),
            unread=Count("pk", filter=Q(sentiment="")),
        )
        .order_by("day")
    )
    buckets: dict[date, dict[str, int]] = {
        first_monday + timedelta(weeks=i): dict.fromkeys(("negative", "neutral", "positive", "unread"), 0)
        for i in range(weeks)
    }
    for row in rows:
        day = row["day"]
        monday = day - timedelta(days=day.weekday())
        if monday in buckets:
            for key in buckets[monday]:
                buckets[monday][key] += row[key]
    return [WeekVolume(week_start=monday, **counts) for monday, counts in sorted(buckets.items())]
