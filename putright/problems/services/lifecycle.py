"""Problems through ITIL's stages: open, link, unlink, merge, move on, assign, and route to owners."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.cases.models import Case, Category
from putright.errors import DomainError, ErrorCode
from putright.problems import selectors
from putright.problems.models import (
    PROBLEM_TRANSITIONS,
    Problem,
    ProblemCase,
    ProblemOrigin,
    ProblemOwnerRoute,
    ProblemStatus,
)
from putright.problems.services._common import (
    ALERT_ASSIGNED,
    ALERT_SUSPECTED,
    _active_links,
    _alert_owner,
    _clean,
    _counted_links,
    _growth_check,
    _link,
    _lock,
    _name,
    _record,
    _refresh_seen,
    _require_may_handle,
    _require_staff,
    _require_supervisor,
    _touch,
    _unlink,
)
from putright.vocab import SourceKind


def problem_open(
    *,
    actor,
    title: str,
    description: str,
    origin: str,
    source_kind: str,
    category=None,
    product: str = "",
    cases: Iterable[Case] = (),
) -> Problem:
    """Open a suspected problem, route it to its owner, link ``cases`` and alert the owner.

    ``actor`` None is the system (similarity grouping, an operational signal); staff may open one by hand.
    """
    if actor is not None:
        _require_staff(actor)
    return _open(
        actor=actor,
        title=title,
        description=description,
        origin=origin,
        source_kind=source_kind,
        category=category,
        product=product,
        cases=list(cases),
        similarity={},
        alert=True,
    )


def _open(
    *,
    actor,
    title: str,
    description: str,
    origin: str,
    source_kind: str,
    category,
    product: str,
    cases: Sequence[Case],
    similarity: dict[int, float],
    alert: bool,
) -> Problem:
    title = _clean(title, field="Title", max_len=200)
    description = _clean(description, field="Description", required=False, max_len=10000)
    product = _clean(product, field="Product", required=False, max_len=200)
    if origin not in ProblemOrigin.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown origin {origin!r}.")
    if source_kind not in SourceKind.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown source kind {source_kind!r}.")
    if category is not None and not isinstance(category, Category):
        category = Category.objects.filter(pk=category).first()
        if category is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "Unknown category.")
    now = clock.now()
    with transaction.atomic():
        owner, why = selectors.owner_for(category=category, product=product)
        problem = Problem.objects.create(
            title=title,
            description=description,
            origin=origin,
            source_kind=source_kind,
            category=category,
            product=product,
            owner=owner,
            created_at=now,
            updated_at=now,
        )
        _record(
            problem,
            actor,
            "problem.opened",
            f"Suspected problem opened ({ProblemOrigin(origin).label}).",
            origin=origin,
            source_kind=source_kind,
        )
        _record(
            problem,
            None,
            "problem.routed",
            f"Owner: {_name(owner)} ({why}).",
            owner=getattr(owner, "pk", None),
        )
        how = "by a colleague" if actor is not None else ProblemOrigin(origin).label.lower()
        seen: set[int] = set()
        for case in cases:
            if case.pk in seen:
                continue
            seen.add(case.pk)
            _link(problem, case, actor=actor, similarity=similarity.get(case.pk), how=how)
        _refresh_seen(problem)
        count = len(seen)
        problem.alerted_case_count = count
        problem.burst_alerted_at = now
        _touch(problem, "first_seen", "last_seen", "alerted_case_count", "burst_alerted_at")
        if count:
            _record(
                problem, actor, "problem.cases_linked", f"{count} case{'s' if count != 1 else ''} linked."
            )
        if alert:
            customers = selectors.problem_customer_count(problem=problem)
            what = f" {count} similar cases from {customers} customers." if count else ""
            _alert_owner(
                problem,
                kind=ALERT_SUSPECTED,
                text=f"Suspected problem {problem.pk} for you to look into: {title}.{what}",
            )
    return problem


def problem_link_case(*, actor, problem: Problem, case: Case, similarity: float | None = None) -> ProblemCase:
    """Count ``case`` as an incident of ``problem``; the owner hears if that makes the problem grow a step."""
    if actor is not None:
        _require_staff(actor)
    with transaction.atomic():
        problem = _lock(problem)
        if not problem.is_open:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"Problem {problem.pk} is {problem.get_status_display().lower()}; cases can only be linked "
                "to an open problem (confirm it again if it has come back).",
            )
        how = "by a colleague" if actor is not None else "similar words"
        link = _link(problem, case, actor=actor, similarity=similarity, how=how)
        _refresh_seen(problem)
        _touch(problem, "first_seen", "last_seen")
        _record(
            problem,
            actor,
            "problem.case_linked",
            f"{link.case.reference} linked"
            + (f" (similarity {link.similarity:.2f})" if link.similarity else ""),
            case=link.case.reference,
        )
        _growth_check(problem)
    return link


def problem_unlink_case(*, actor, problem: Problem, case: Case, reason: str) -> ProblemCase:
    """The case is not part of the problem after all: the link ends (kept as history), with the reason."""
    _require_staff(actor)
    reason = _clean(reason, field="Reason for unlinking", max_len=2000)
    with transaction.atomic():
        problem = _lock(problem)
        link = (
            ProblemCase.objects.select_for_update()
            .select_related("case")
            .filter(problem=problem, case_id=case.pk, unlinked_at__isnull=True)
            .first()
        )
        if link is None:
            raise DomainError(
                ErrorCode.ALREADY_DONE, f"{case.reference} is not linked to problem {problem.pk}."
            )
        _unlink(
            link,
            actor=actor,
            reason=reason,
            kind="problem.unlinked",
            summary=f"Unlinked from problem {problem.pk}: {reason}",
        )
        _refresh_seen(problem)
        _touch(problem, "first_seen", "last_seen")
        _record(
            problem,
            actor,
            "problem.case_unlinked",
            f"{link.case.reference} unlinked: {reason}",
            case=case.reference,
        )
    return link


def problem_merge(*, actor, source: Problem, target: Problem, reason: str) -> Problem:
    """Two records of one cause: ``source``'s cases move to ``target``; ``source`` closes as merged."""
    _require_supervisor(actor)
    reason = _clean(reason, field="Reason for merging", max_len=2000)
    if source.pk == target.pk:
        raise DomainError(ErrorCode.INVALID_INPUT, "A problem cannot be merged into itself.")
    with transaction.atomic():
        # Lock both in id order, so two merges of the same pair cannot deadlock.
        locked = {
            p.pk: p
            for p in Problem.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.status == ProblemStatus.CLOSED:
            raise DomainError(ErrorCode.INVALID_TRANSITION, f"Problem {source.pk} is already closed.")
        if not target.is_open:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"Problem {target.pk} is {target.get_status_display().lower()}; merge into an open problem.",
            )
        moved = 0
        for link in _active_links(source).select_related("case").order_by("pk"):
            _unlink(
                link,
                actor=actor,
                reason=f"merged into problem {target.pk}: {reason}",
                kind="problem.merged",
                summary=f"Problem {source.pk} merged into problem {target.pk}: {reason}",
            )
            if not _active_links(target).filter(case_id=link.case_id).exists():
                _link(
                    target,
                    link.case,
                    actor=actor,
                    similarity=link.similarity,
                    how=f"merged from problem {source.pk}",
                )
                moved += 1
        before = source.status
        source.status = ProblemStatus.CLOSED
        source.merged_into = target
        source.closed_at = clock.now()
        _touch(source, "status", "merged_into", "closed_at")
        _record(
            source,
            actor,
            "problem.merged_into",
            f"Merged into problem {target.pk}: {reason}",
            before=before,
            target=target.pk,
        )
        _refresh_seen(target)
        _touch(target, "first_seen", "last_seen")
        _record(
            target,
            actor,
            "problem.merged_from",
            f"Problem {source.pk} merged in ({moved} case{'s' if moved != 1 else ''} moved): {reason}",
            source=source.pk,
            moved=moved,
        )
        _growth_check(target)
    return target


def problem_transition(
    *, actor, problem: Problem, status: str, root_cause: str = "", workaround: str = "", note: str = ""
) -> Problem:
    """Move the problem along ITIL's stages (``PROBLEM_TRANSITIONS``).

    A known error needs its root cause and a workaround; dismissing a problem (closing it before it is
    resolved) needs a note saying why. Root cause and workaround given on any move are recorded. A
    problem a supervisor or someone more senior owns is moved on only from supervisor up (``may_handle``).
    """
    _require_staff(actor)
    if status not in ProblemStatus.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown problem status {status!r}.")
    root_cause = _clean(root_cause, field="Root cause", required=False, max_len=10000)
    workaround = _clean(workaround, field="Workaround", required=False, max_len=10000)
    note = _clean(note, field="Note", required=False, max_len=2000)
    with transaction.atomic():
        problem = _lock(problem)
        _require_may_handle(actor, problem)
        old = problem.status
        if status not in PROBLEM_TRANSITIONS[old]:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"A {ProblemStatus(old).label.lower()} problem cannot become "
                f"'{ProblemStatus(status).label.lower()}'. Please refresh the page to see where it stands.",
            )
        root_cause = root_cause or problem.root_cause
        workaround = workaround or problem.workaround
        if status == ProblemStatus.KNOWN_ERROR and not (root_cause and workaround):
            missing = " and ".join(
                name for name, value in (("root cause", root_cause), ("workaround", workaround)) if not value
            )
            raise DomainError(ErrorCode.INVALID_INPUT, f"A known error needs its {missing}.")
        if status == ProblemStatus.CLOSED and old != ProblemStatus.RESOLVED and not note:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "Say why this problem is being closed without being resolved."
            )
        now = clock.now()
        problem.status = status
        problem.root_cause, problem.workaround = root_cause, workaround
        fields = ["status", "root_cause", "workaround"]
        if status == ProblemStatus.RESOLVED:
            problem.resolved_at = now
            fields.append("resolved_at")
        if status == ProblemStatus.CLOSED:
            problem.closed_at = now
            fields.append("closed_at")
        if old == ProblemStatus.RESOLVED and status == ProblemStatus.CONFIRMED:
            problem.resolved_at = None
            # It came back: growth is counted afresh from here.
            problem.alerted_case_count = _counted_links(problem).count()
            fields += ["resolved_at", "alerted_case_count"]
        _touch(problem, *fields)
        summary = f"{ProblemStatus(old).label} → {ProblemStatus(status).label}" + (
            f": {note}" if note else ""
        )
        _record(
            problem,
            actor,
            "problem.status",
            summary,
            before=old,
            after=status,
            root_cause=root_cause,
            workaround=workaround,
        )
    return problem


def problem_assign(*, actor, problem: Problem, owner) -> Problem:
    """Give the problem to another owner (supervisor and above), or take it yourself (any staff, but a
    problem a supervisor or someone more senior owns only from supervisor up: see ``may_handle``)."""
    _require_staff(actor)
    if owner is None or not is_staff_member(owner):
        raise DomainError(ErrorCode.ESCALATION_TARGET_INVALID, "A problem's owner must be a member of staff.")
    if owner.pk != actor.pk:
        _require_supervisor(actor)
    with transaction.atomic():
        problem = _lock(problem)
        if problem.owner_id == owner.pk:
            raise DomainError(ErrorCode.ALREADY_DONE, f"{_name(owner)} already owns problem {problem.pk}.")
        # Taking it yourself is still taking it from its owner (giving it away already needs a supervisor).
        _require_may_handle(actor, problem)
        before = problem.owner
        problem.owner = owner
        _touch(problem, "owner")
        _record(
            problem,
            actor,
            "problem.assigned",
            f"Owner: {_name(before)} → {_name(owner)}",
            before=getattr(before, "pk", None),
            after=owner.pk,
        )
        if owner.pk != actor.pk:
            _alert_owner(
                problem,
                kind=ALERT_ASSIGNED,
                text=f"{_name(actor)} made you the owner of problem {problem.pk}: {problem.title}",
            )
    return problem


def owner_route_set(*, actor, category=None, product: str = "", owner) -> ProblemOwnerRoute:
    """Name the appropriate authority for a category and/or product (supervisor and above)."""
    _require_supervisor(actor)
    product = _clean(product, field="Product", required=False, max_len=200)
    if owner is None or not is_staff_member(owner):
        raise DomainError(ErrorCode.INVALID_INPUT, "A problem owner must be a member of staff.")
    with transaction.atomic():
        existing = (
            ProblemOwnerRoute.objects.select_for_update()
            .filter(category=category, product__iexact=product)
            # Not the default ordering: it joins the (nullable) category, which PostgreSQL won't lock.
            .order_by("pk")
            .first()
        )
        if existing is not None:
            existing.owner = owner
            existing.save(update_fields=["owner"])
            return existing
        return ProblemOwnerRoute.objects.create(
            category=category, product=product, owner=owner, created_at=clock.now()
        )


def owner_route_remove(*, actor, route: ProblemOwnerRoute) -> None:
    _require_supervisor(actor)
    with transaction.atomic():
        ProblemOwnerRoute.objects.filter(pk=route.pk).delete()
