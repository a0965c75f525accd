"""Issue 15 §6: the customer hears how the plan is going at most once a day, in our words.

Ticking a step sends nothing at once. A done step with customer wording (``ActionStep.customer_wording``;
blank means an internal step the customer is never told of) waits, ``customer_told_at`` empty, for the
case's progress message, which the periodic sweep writes (``progress_digest_sweep``, on the sweep hook):

- at the first sweep from ``PUTRIGHT['PROGRESS_DIGEST_HOUR']`` o'clock, local time (``TIME_ZONE``), so the
  day's ticks go out together;
- earlier, at the next sweep (every few minutes), when waiting for that hour would let a clock a message
  meets (the first update, ``SLA.first_update``) fall due or the customer go past the cadence (A4,
  ``cases.selectors.cadence_cutoff``);
- at most once per local calendar day per case: a case already told today waits for tomorrow's;
- only while the case is in progress. Delivering the plan tells the customer what is still untold at the
  top of the message asking whether the problem is resolved (``progress_on_delivery``, on the delivery
  hook); a case closed (or sent back to choosing) first gets no progress message after its letter: those
  steps stay untold, which the staff's plan shows.

It is an ordinary message to the customer: it sets ``last_customer_update_at`` and meets the clocks as
any message does (``regulation.signals``). Two sweeps at once send one: each case is re-read under its row
lock and re-checked, and its untold steps are claimed under theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from putright import clock
from putright.cases.models import ActionStep, Case
from putright.cases.selectors import cadence_cutoff
from putright.cases.services import case_event, case_lock, customer_tell
from putright.engines.deadlines import MetBy
from putright.regulation.models import CaseClock
from putright.vocab import Status

SUBJECT = "Progress on your case"
DAILY = "daily"
DEADLINE = "deadline"


def daily_moment(now: datetime) -> datetime:
    """When today's progress messages go (local time)."""
    local = timezone.localtime(now)
    return timezone.make_aware(
        datetime.combine(local.date(), time(settings.PUTRIGHT["PROGRESS_DIGEST_HOUR"]))
    )


def _start_of_day(now: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localtime(now).date(), time.min))


def _untold(case_id: int):
    return (
        ActionStep.objects.filter(case_id=case_id, done_at__isnull=False, customer_told_at__isnull=True)
        .exclude(customer_wording="")
        .order_by("done_at", "pk")
    )


def progress_due(case: Case, *, now: datetime) -> str | None:
    """Why the case's progress message goes now (``DAILY`` or ``DEADLINE``), or None: it waits."""
    told_today = ActionStep.objects.filter(case=case, customer_told_at__gte=_start_of_day(now)).exists()
    if told_today:
        return None
    moment = daily_moment(now)
    if now >= moment:
        return DAILY
    # Would a clock a message meets fall due, or the cadence run out, before today's message goes?
    clock_due = CaseClock.objects.filter(
        case=case,
        met_at__isnull=True,
        stopped_at__isnull=True,
        met_by=MetBy.LATER_MESSAGE.value,
        due_at__lte=moment,
    ).exists()
    if clock_due or case.last_customer_update_at < cadence_cutoff(moment):
        return DEADLINE
    return None


def progress_text(wordings: list[str], *, more_to_do: bool) -> str:
    lines = ["Here is how putting things right is going:", ""]
    lines += [f"- {w}" for w in wordings]
    lines.append("")
    lines.append(
        "We are still working on the rest of what we agreed, and will tell you as it is done."
        if more_to_do
        else "That is everything we planned. We will be in touch to check that your problem is put right."
    )
    return "\n".join(lines)


def progress_send(*, case_id: int, now: datetime | None = None) -> bool:
    """Send one case's progress message if it is due; True if it was sent. Safe to run twice at once."""
    now = now or clock.now()
    with transaction.atomic():
        case = case_lock(Case(pk=case_id))
        if case.status != Status.IN_PROGRESS:
            return False
        steps = list(_untold(case.pk).select_for_update())
        if not steps:
            return False
        reason = progress_due(case, now=now)
        if reason is None:
            return False
        wordings = [s.customer_wording for s in steps]
        more_to_do = ActionStep.objects.filter(case=case, done_at__isnull=True).exists()
        message = customer_tell(case, SUBJECT, progress_text(wordings, more_to_do=more_to_do))
        ActionStep.objects.filter(pk__in=[s.pk for s in steps]).update(customer_told_at=message.created_at)
        case_event(
            case,
            None,
            "plan.progress_told",
            "Progress: " + " ".join(wordings),
            after={"steps": [s.pk for s in steps], "message": message.pk, "why": reason},
            customer_visible=True,
        )
    return True


@dataclass(frozen=True)
class ProgressSweepResult:
    sent: int


def progress_digest_sweep(*, now: datetime | None = None) -> ProgressSweepResult:
    """Part of the periodic sweep: each case in progress with untold done steps, in case order."""
    now = now or clock.now()
    case_ids = (
        ActionStep.objects.filter(
            done_at__isnull=False, customer_told_at__isnull=True, case__status=Status.IN_PROGRESS
        )
        .exclude(customer_wording="")
        .values_list("case_id", flat=True)
        .distinct()
        .order_by("case_id")
    )
    return ProgressSweepResult(sent=sum(progress_send(case_id=pk, now=now) for pk in list(case_ids)))


def progress_on_delivery(case: Case) -> str:
    """The plan was delivered (the caller holds the case lock): what is still untold opens the message
    that asks whether the problem is resolved, so no progress message follows it. Returns that opening."""
    steps = list(_untold(case.pk).select_for_update())
    if not steps:
        return ""
    ActionStep.objects.filter(pk__in=[s.pk for s in steps]).update(customer_told_at=clock.now())
    return "Since we last wrote:\n" + "".join(f"- {s.customer_wording}\n" for s in steps) + "\n"
