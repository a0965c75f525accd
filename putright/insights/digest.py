"""The weekly digest e-mail (issue 13 §4): the headline figures of the last 7 days against the 7 before,
and the 3 metrics that changed most, each with a link to the dashboard.

Who gets it: managers and administrators unless they switched it off; a supervisor who switched it on
(``DigestPreference``; the account page at ``/account/digest/``). Agents never: it is the managers'
view of the service.

When: the sweep (``insights.subscribers.on_sweep``) schedules one job per recipient at the first sweep
from the configured local weekday and hour (``PUTRIGHT['DIGEST_WEEKDAY']``, ``['DIGEST_HOUR']``, default
Monday 07:00), or within two days after it (the worker was down), never later. The week's moment is the
job's argument, so a second sweep in the same week schedules
nothing (a job for that recipient and moment exists already), and the job sends only if the recipient's
``last_sent_at`` is before that moment. The job stamps ``last_sent_at`` before sending (a conditional
UPDATE: of two copies of the job, one sends) and puts it back when the sending fails, so the job is
retried; a worker killed between the stamp and the send loses that week's digest rather than sending it
twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone

from putright import clock
from putright.authority.models import Role, Team
from putright.authority.selectors import has_role_at_least
from putright.engines.metrics import BY_ID, METRICS, Metric, Unit
from putright.insights.access import figure_scope
from putright.insights.metrics import measure
from putright.insights.models import DigestPreference
from putright.insights.sql import Filters, local_zone
from putright.jobs import queues
from putright.jobs.models import Job
from putright.jobs.outbox import later
from putright.jobs.runner import job_task

# The figures every digest opens with, in this order.
HEADLINES = (
    "volume",
    "time_to_acknowledge",
    "time_to_resolve",
    "first_contact_resolution",
    "csat",
    "nps",
    "deadline_compliance",
    "promises_kept",
    "escalation_rate",
    "backlog_age",
)
MOST_CHANGED = 3
WEEK = 7
# A digest the sweep could not send within this long after its moment (the worker was down, or the person
# became a manager later in the week) is left for the next week's: by then it would be stale news.
LATE_LIMIT = timedelta(days=2)


# ---------------------------------------------------------------- who and when


def default_on(user) -> bool:
    """Managers and administrators get the digest unless they switch it off."""
    return bool(user.is_superuser or has_role_at_least(user, Role.MANAGER))


def may_receive(user) -> bool:
    """Supervisors and above may have the digest; agents and outsiders may not."""
    return bool(
        user is not None
        and user.is_active
        and (user.is_superuser or has_role_at_least(user, Role.SUPERVISOR))
    )


def digest_wanted(user) -> bool:
    """Whether ``user`` gets the weekly digest now: their own choice, or their role's default."""
    if not may_receive(user):
        return False
    choice = DigestPreference.objects.filter(user=user).values_list("weekly_digest", flat=True).first()
    return default_on(user) if choice is None else choice


def recipients() -> list:
    """Everyone who gets the digest, with an e-mail address, by username."""
    User = get_user_model()
    chosen = dict(DigestPreference.objects.values_list("user_id", "weekly_digest"))
    candidates = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True) | Q(groups__name__in=[Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR])
        )
        .distinct()
        .order_by("username")
    )
    out = []
    for user in candidates:
        if not may_receive(user):
            continue
        wanted = chosen.get(user.pk)
        if (default_on(user) if wanted is None else wanted) is True:
            out.append(user)
    return out


def week_moment(now: datetime) -> datetime:
    """The latest send moment (the configured local weekday and hour) at or before ``now``."""
    local = timezone.localtime(now, local_zone())
    weekday, hour = settings.PUTRIGHT["DIGEST_WEEKDAY"], settings.PUTRIGHT["DIGEST_HOUR"]
    day = local.date() - timedelta(days=(local.weekday() - weekday) % WEEK)
    moment = timezone.make_aware(datetime.combine(day, time(hour)), local_zone())
    if moment > now:
        moment = timezone.make_aware(datetime.combine(day - timedelta(days=WEEK), time(hour)), local_zone())
    return moment


def digest_periods(moment: datetime) -> tuple[tuple[date, date], tuple[date, date]]:
    """(this week, the week before) as inclusive local dates: the 7 days before the moment's day."""
    end = timezone.localtime(moment, local_zone()).date() - timedelta(days=1)
    start = end - timedelta(days=WEEK - 1)
    return (start, end), (start - timedelta(days=WEEK), start - timedelta(days=1))


def _already_sent(user, moment: datetime) -> bool:
    sent = DigestPreference.objects.filter(user=user).values_list("last_sent_at", flat=True).first()
    return sent is not None and sent >= moment


def digest_schedule(*, now: datetime) -> int:
    """The sweep's share: once the week's moment has come, one job per recipient not yet sent this week
    and with no job for this week yet. Runs in the sweep's transaction (the jobs commit with it)."""
    moment = week_moment(now)
    if now - moment > LATE_LIMIT:
        return 0
    stamp = moment.isoformat()
    task_path = send_digest.module_path
    scheduled = 0
    for user in recipients():
        if _already_sent(user, moment):
            continue
        if Job.objects.filter(task=task_path, args__0=user.pk, args__1=stamp).exists():
            continue  # scheduled by an earlier sweep this week (waiting, running, done or given up)
        later(send_digest, user.pk, stamp)
        scheduled += 1
    return scheduled


# ---------------------------------------------------------------- what it says


@dataclass(frozen=True)
class Figure:
    metric: Metric
    now: float | int | None
    before: float | int | None

    @property
    def change(self) -> float | None:
        """Relative change (0.25 = 25 % up); None when either is missing or the baseline is zero."""
        if self.now is None or self.before is None or self.before == 0:
            return None
        return (float(self.now) - float(self.before)) / abs(float(self.before))

    @property
    def verdict(self) -> str:
        if self.now is None or self.before is None or self.now == self.before:
            return ""
        better = self.metric.higher_is_better
        if better is None:
            return ""
        return "better" if (self.now > self.before) == better else "worse"


def scope_of(user) -> tuple[int, ...] | None:
    """The teams whose figures ``user`` reads (None: all), as the API and the dashboard scope them."""
    # A superuser without a manager's role gets the digest too, and reads every team's figures.
    return None if default_on(user) else figure_scope(user)


def _total(metric_id: str, period: tuple[date, date], filters: Filters, now: datetime):
    measured = measure(metric_id, start=period[0], end=period[1], filters=filters, now=now)
    return next((row.value for row in measured.rows if row.group == ""), None)


def figures(user, moment: datetime) -> list[Figure]:
    """Every metric of the catalogue, this week and the week before, for what ``user`` may see."""
    this_week, before = digest_periods(moment)
    filters = Filters(team_ids=scope_of(user))
    return [
        Figure(m, _total(m.id, this_week, filters, moment), _total(m.id, before, filters, moment))
        for m in METRICS
    ]


def most_changed(found: list[Figure]) -> list[Figure]:
    """The 3 metrics whose value moved most, relative to the week before (catalogue order breaks ties)."""
    moved = [f for f in found if f.change not in (None, 0)]
    moved.sort(key=lambda f: -abs(f.change or 0))
    return moved[:MOST_CHANGED]


def show(value, unit: Unit) -> str:
    """A value as a person reads it in an e-mail."""
    if value is None:
        return "no figure"
    if unit is Unit.COUNT:
        return f"{int(value):,}"
    if unit is Unit.RATE:
        return f"{float(value) * 100:.1f}%"
    if unit is Unit.HOURS:
        return f"{float(value):.1f} h"
    if unit is Unit.BUSINESS_DAYS:
        return f"{float(value):.1f} business days"
    if unit is Unit.MONEY:
        return f"£{float(value):,.2f}"
    return f"{float(value):.1f}"


def _against(f: Figure) -> str:
    parts = [f"was {show(f.before, f.metric.unit)}"]
    if f.change is not None:
        parts.append(f"{f.change * 100:+.1f}%")
    if f.verdict:
        parts.append(f.verdict)
    return ", ".join(parts)


def dashboard_url(metric_id: str, period: tuple[date, date]) -> str:
    query = urlencode({"from": period[0].isoformat(), "to": period[1].isoformat(), "metric": metric_id})
    return f"{settings.SITE_URL}/insights/?{query}#{metric_id}"


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def compose(user, moment: datetime) -> tuple[str, str]:
    """The digest's subject and plain-text body for ``user`` and the week of ``moment``."""
    this_week, before = digest_periods(moment)
    found = figures(user, moment)
    by_id = {f.metric.id: f for f in found}
    scope = scope_of(user)
    if scope is None:
        seen = "All teams."
    else:
        names = ", ".join(Team.objects.filter(pk__in=scope).order_by("name").values_list("name", flat=True))
        seen = f"Your teams: {names}."
    lines = [
        f"Hello {user.first_name or user.get_username()},",
        "",
        f"How the service did in the 7 days {_day(this_week[0])} to {_day(this_week[1])}, against the 7 days "
        f"{_day(before[0])} to {_day(before[1])}. {seen}",
        "",
        "HEADLINE FIGURES",
    ]
    width = max(len(BY_ID[m].title) for m in HEADLINES)
    for metric_id in HEADLINES:
        f = by_id[metric_id]
        lines.append(f"  {f.metric.title:<{width}}  {show(f.now, f.metric.unit)} ({_against(f)})")
    lines += ["", "WHAT CHANGED MOST"]
    changed = most_changed(found)
    if not changed:
        lines.append("  Nothing changed against the week before.")
    for n, f in enumerate(changed, start=1):
        lines.append(f"  {n}. {f.metric.title}: {show(f.now, f.metric.unit)} ({_against(f)})")
        lines.append(f"     {dashboard_url(f.metric.id, this_week)}")
    lines += [
        "",
        f"The dashboard: {settings.SITE_URL}/insights/?{urlencode({'from': this_week[0], 'to': this_week[1]})}",
        f"You get this e-mail every week; to stop it: {settings.SITE_URL}/account/digest/",
        "",
        "Putright",
    ]
    subject = f"[Putright] Weekly digest: {_day(this_week[0])} to {_day(this_week[1])}"
    return subject, "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the job


def digest_send(*, user_id: int, moment: datetime) -> str:
    """Send one recipient's digest for the week of ``moment``, at most once (see the module's note)."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email or not digest_wanted(user):
        return "not wanted"
    DigestPreference.objects.get_or_create(user=user, defaults={"weekly_digest": True})
    before = DigestPreference.objects.filter(user=user).values_list("last_sent_at", flat=True).get()
    now = clock.now()
    claimed = (
        DigestPreference.objects.filter(user=user, weekly_digest=True)
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=moment))
        .update(last_sent_at=now)
    )
    if not claimed:
        return "sent already"
    try:
        subject, body = compose(user, moment)
        EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
        ).send(fail_silently=False)
    except Exception:
        # Not sent: put the stamp back, so the retry (the job fails and runs again later) sends it.
        DigestPreference.objects.filter(user=user, last_sent_at=now).update(last_sent_at=before)
        raise
    return "sent"


@job_task(queue=queues.MAIL)
def send_digest(user_id: int, moment: str) -> str:
    return digest_send(user_id=user_id, moment=datetime.fromisoformat(moment))
