"""The steps every problems service shares: who may act, the problem lock, its own history, alerts to
its owner, and linking a case (with the problem locked) and the growth alerts that follow."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.cases import services as case_services
from putright.cases.models import Case
from putright.channels import services as channels
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.problems.models import Problem, ProblemCase, ProblemEvent
from putright.vocab import Status

log = logging.getLogger(__name__)


ALERT_SUSPECTED = "problem_suspected"


ALERT_GROWING = "problem_growing"


ALERT_ASSIGNED = "problem_assigned"


def _require_staff(actor) -> None:
    case_services.require_staff(actor)


def _require_supervisor(actor) -> None:
    _require_staff(actor)
    if not has_role_at_least(actor, Role.SUPERVISOR):
        raise PermissionDenied("only a supervisor or someone more senior may do this")


def may_handle(actor, problem: Problem) -> bool:
    """Whether ``actor`` may move ``problem`` through its stages or take it over: the owner's role decides.

    A problem owned by a supervisor or someone more senior is theirs to run, so only a supervisor or
    someone more senior may move it on or take it from them (as only they may merge or reassign); a
    problem owned by an agent, or by nobody, is any colleague's. An owner who has left (inactive, or no
    role any more) guards nothing, so their problems are not stranded.
    """
    owner = problem.owner
    if owner is None or owner.pk == actor.pk:
        return True
    owner_is_senior = is_staff_member(owner) and has_role_at_least(owner, Role.SUPERVISOR)
    return not owner_is_senior or has_role_at_least(actor, Role.SUPERVISOR)


def _require_may_handle(actor, problem: Problem) -> None:
    """Refuse unless ``actor`` may handle ``problem``; call it on the locked problem, so the owner is current."""
    if not may_handle(actor, problem):
        raise PermissionDenied(
            f"problem {problem.pk} is owned by {_name(problem.owner)}, a supervisor or someone more senior; "
            "only a supervisor or someone more senior may move it on or take it over"
        )


def _clean(text: str | None, *, field: str, required: bool = True, max_len: int | None = None) -> str:
    value = (text or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must not be empty.")
    if "\x00" in value:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must not contain NUL characters.")
    if max_len is not None and len(value) > max_len:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be at most {max_len} characters.")
    return value


def _lock(problem: Problem) -> Problem:
    """Re-read the problem under a row lock (the caller is inside transaction.atomic)."""
    # "of": owner and category are nullable (outer joins), which PostgreSQL will not lock.
    return (
        Problem.objects.select_for_update(of=("self",)).select_related("owner", "category").get(pk=problem.pk)
    )


def _record(problem: Problem, actor, kind: str, summary: str, **data) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem, kind=kind, summary=summary[:500], actor=actor, data=data, at=clock.now()
    )


def _name(user) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()


def _touch(problem: Problem, *fields: str) -> None:
    problem.updated_at = clock.now()
    problem.save(update_fields=[*fields, "updated_at"])


def _active_links(problem: Problem):
    return ProblemCase.objects.filter(problem=problem, unlinked_at__isnull=True)


def _counted_links(problem: Problem):
    """The links a problem's growth counts: a case closed as a duplicate of another is not a case more."""
    return _active_links(problem).exclude(case__status=Status.CLOSED_DUPLICATE)


def _refresh_seen(problem: Problem) -> None:
    """first_seen / last_seen follow the linked cases' report times (unchanged when none are linked)."""
    seen = _active_links(problem).aggregate(first=Min("case__created_at"), last=Max("case__created_at"))
    if seen["first"] is not None:
        problem.first_seen, problem.last_seen = seen["first"], seen["last"]
    elif problem.first_seen is None:
        problem.first_seen = problem.last_seen = problem.created_at


def _problem_url(problem: Problem) -> str:
    return f"{settings.SITE_URL}{reverse('problems:detail', kwargs={'pk': problem.pk})}"


def _alert_owner(problem: Problem, *, kind: str, text: str, case: Case | None = None, recipient=None) -> bool:
    """Alert the owner (or ``recipient``) in the app and by email, after commit. Returns whether one was made.

    The alert hangs on the problem's newest case when it has one (so the alerts page links to it);
    a problem with no case yet (opened by a signal) gets an alert of its own, with the problem's link.
    """
    recipient = recipient or problem.owner
    if recipient is None:
        _record(problem, None, "problem.alert_skipped", "Nobody owns this problem, so nobody was alerted.")
        return False
    if case is None:
        link = _active_links(problem).select_related("case").order_by("-case__created_at", "-pk").first()
        case = link.case if link else None
    suffix = f" {_problem_url(problem)}"
    channels.alert_create(recipient=recipient, case=case, kind=kind, text=text[: 300 - len(suffix)] + suffix)
    _record(problem, None, "problem.alerted", f"{_name(recipient)} alerted: {text}"[:500], alert_kind=kind)
    return True


def _link(problem: Problem, case: Case, *, actor, similarity: float | None, how: str) -> ProblemCase:
    case = case_services.case_lock(case)
    if ProblemCase.objects.filter(problem=problem, case=case, unlinked_at__isnull=True).exists():
        raise DomainError(
            ErrorCode.ALREADY_DONE, f"{case.reference} is already linked to problem {problem.pk}."
        )
    link = ProblemCase.objects.create(
        problem=problem,
        case=case,
        linked_by=actor,
        similarity=None if similarity is None else round(float(similarity), 4),
        linked_at=clock.now(),
    )
    case_services.case_event(
        case,
        actor,
        "problem.linked",
        f"Linked to problem {problem.pk} ({how}): {problem.title}",
        after={"problem": problem.pk, "similarity": link.similarity},
    )
    return link


def _unlink(link: ProblemCase, *, actor, reason: str, kind: str, summary: str) -> None:
    case = case_services.case_lock(link.case)
    link.unlinked_at = clock.now()
    link.unlinked_by = actor
    link.unlink_reason = reason
    link.save(update_fields=["unlinked_at", "unlinked_by", "unlink_reason"])
    case_services.case_event(
        case, actor, kind, summary, before={"problem": link.problem_id}, after={"reason": reason}
    )


def _growth_check(problem: Problem) -> None:
    """Alert the owner once per growth step (see the module docstring)."""
    if not problem.is_open:
        return
    now = clock.now()
    count = _counted_links(problem).count()
    min_cases = settings.PUTRIGHT["PROBLEM_MIN_CASES"]
    next_step = max(2 * problem.alerted_case_count, min_cases)
    if count >= next_step:
        was = problem.alerted_case_count
        since = f" (was {was} at your last alert)" if was else ""
        if _alert_owner(
            problem,
            kind=ALERT_GROWING,
            text=f"Problem {problem.pk} is growing: {count} cases now{since}. {problem.title}",
        ):
            problem.alerted_case_count = count
            _touch(problem, "alerted_case_count")
        return
    per_day = settings.PUTRIGHT["PROBLEM_GROWTH_PER_DAY"]
    day_ago = now - timedelta(hours=24)
    if problem.burst_alerted_at is not None and problem.burst_alerted_at > day_ago:
        return
    joined = _counted_links(problem).filter(linked_at__gt=day_ago).count()
    if joined >= per_day and _alert_owner(
        problem,
        kind=ALERT_GROWING,
        text=f"Problem {problem.pk} is growing fast: {joined} cases joined in the last 24 hours "
        f"({count} in all). {problem.title}",
    ):
        problem.alerted_case_count = count
        problem.burst_alerted_at = now
        _touch(problem, "alerted_case_count", "burst_alerted_at")
