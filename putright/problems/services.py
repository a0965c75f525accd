"""The one way in for problems: open, link, unlink, merge, move through ITIL's stages, assign, route.

Every function checks who may act (``actor`` None is the system: similarity grouping, signals, the
regrouping command), locks the problem row, changes it, appends to the problem's own history
(``ProblemEvent``) and, for each case it touches, writes on that case's hash-chained timeline under
the case lock. Alerts to the owner (in the app and by email) go through the channels app and are
sent after commit.

S3 lives here too: ``case_group`` compares a new case's own words with recent cases from every
customer and links it to an open problem or raises a suspected one; ``problems_regroup`` does the
same for the whole history in one batch.

Growth alerts (documented for owners): the owner is alerted when a problem is first suspected; again
each time its number of cases reaches double the number at their last alert (5 → 10 → 20 …, never
below the minimum group size); and when ``PROBLEM_GROWTH_PER_DAY`` or more cases join it within 24
hours, at most once a day. Each step alerts exactly once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.cases import services as case_services
from putright.cases.models import Case, Category
from putright.channels import services as channels
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.problems import selectors
from putright.problems.models import (
    OPEN_PROBLEM_STATUSES,
    PROBLEM_TRANSITIONS,
    Problem,
    ProblemCase,
    ProblemEvent,
    ProblemOrigin,
    ProblemOwnerRoute,
    ProblemStatus,
    RegroupRun,
)
from putright.vocab import SourceKind

log = logging.getLogger(__name__)

ALERT_SUSPECTED = "problem_suspected"
ALERT_GROWING = "problem_growing"
ALERT_ASSIGNED = "problem_assigned"


# ---------------------------------------------------------------- helpers


def _require_staff(actor) -> None:
    case_services.require_staff(actor)


def _require_supervisor(actor) -> None:
    _require_staff(actor)
    if not has_role_at_least(actor, Role.SUPERVISOR):
        raise PermissionDenied("only a supervisor or someone more senior may do this")


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


# ---------------------------------------------------------------- links (internal: problem locked)


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
    count = _active_links(problem).count()
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
    joined = _active_links(problem).filter(linked_at__gt=day_ago).count()
    if joined >= per_day and _alert_owner(
        problem,
        kind=ALERT_GROWING,
        text=f"Problem {problem.pk} is growing fast: {joined} cases joined in the last 24 hours "
        f"({count} in all). {problem.title}",
    ):
        problem.alerted_case_count = count
        problem.burst_alerted_at = now
        _touch(problem, "alerted_case_count", "burst_alerted_at")


# ---------------------------------------------------------------- open


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


# ---------------------------------------------------------------- link, unlink, merge


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


# ---------------------------------------------------------------- stages and owner


def problem_transition(
    *, actor, problem: Problem, status: str, root_cause: str = "", workaround: str = "", note: str = ""
) -> Problem:
    """Move the problem along ITIL's stages (``PROBLEM_TRANSITIONS``).

    A known error needs its root cause and a workaround; dismissing a problem (closing it before it is
    resolved) needs a note saying why. Root cause and workaround given on any move are recorded.
    """
    _require_staff(actor)
    if status not in ProblemStatus.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown problem status {status!r}.")
    root_cause = _clean(root_cause, field="Root cause", required=False, max_len=10000)
    workaround = _clean(workaround, field="Workaround", required=False, max_len=10000)
    note = _clean(note, field="Note", required=False, max_len=2000)
    with transaction.atomic():
        problem = _lock(problem)
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
            problem.alerted_case_count = _active_links(problem).count()
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
    """Give the problem to another owner (supervisor and above), or take it yourself (any staff)."""
    _require_staff(actor)
    if owner is None or not is_staff_member(owner):
        raise DomainError(ErrorCode.ESCALATION_TARGET_INVALID, "A problem's owner must be a member of staff.")
    if owner.pk != actor.pk:
        _require_supervisor(actor)
    with transaction.atomic():
        problem = _lock(problem)
        if problem.owner_id == owner.pk:
            raise DomainError(ErrorCode.ALREADY_DONE, f"{_name(owner)} already owns problem {problem.pk}.")
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


# ---------------------------------------------------------------- S3: grouping similar cases


@dataclass(frozen=True)
class GroupOutcome:
    action: str  # "already" | "linked" | "opened" | "none"
    problem: Problem | None = None
    similar: int = 0


def _engine():
    """The text engine, imported when first needed (its models load lazily)."""
    from putright.engines import text

    return text


def _embedder():
    text = _engine()
    return text.embedder_for(settings.PUTRIGHT.get("TEXT_BACKEND", "tfidf"))


# How alike two complaints must be to count as the same problem, per text backend, unless the
# PROBLEM_SIMILARITY_PERCENT setting says otherwise. The text engine's own thresholds are tuned for how
# alike a whole group is on average over large batches; S3 compares one new complaint with each recent
# one. Measured on the demo organisation (about 100 cases in a 14-day window), the TF-IDF backend scores
# the same incident told in different customers' words at 0.35-0.85, and unrelated complaints below 0.3;
# at its own 0.5 a burst of paraphrases is missed until it is several times the minimum size.
S3_THRESHOLDS = {"tfidf": 0.35}


def _threshold(embedder) -> float:
    percent = settings.PUTRIGHT["PROBLEM_SIMILARITY_PERCENT"]
    if percent:
        return percent / 100
    return S3_THRESHOLDS.get(embedder.name, embedder.threshold)


def case_words(subject: str, description: str) -> str:
    """What a case is compared on: the customer's own words."""
    return f"{subject}\n{description}"


@dataclass(frozen=True)
class _Candidate:
    pk: int
    text: str
    email: str
    category_id: int | None
    source_kind: str
    created_at: datetime


def _candidates(qs) -> list[_Candidate]:
    return [
        _Candidate(
            pk, case_words(subject, description), (email or "").lower(), category_id, source, created_at
        )
        for pk, subject, description, email, category_id, source, created_at in qs.values_list(
            "pk", "subject", "description", "customer__email", "category_id", "source_kind", "created_at"
        )
    ]


def _open_links_by_case(case_ids: Iterable[int], *, open_only: bool = True) -> dict[int, set[int]]:
    qs = ProblemCase.objects.filter(case_id__in=list(case_ids), unlinked_at__isnull=True)
    if open_only:
        qs = qs.filter(problem__status__in=OPEN_PROBLEM_STATUSES)
    else:
        qs = qs.filter(problem__merged_into__isnull=True)
    result: dict[int, set[int]] = {}
    for case_id, problem_id in qs.values_list("case_id", "problem_id"):
        result.setdefault(case_id, set()).add(problem_id)
    return result


def _shared_words(
    members: Sequence[_Candidate], others: Sequence[_Candidate], embedder
) -> tuple[str, list[str], str]:
    """What the text engine says the group around ``members[0]`` shares: its label, top terms and the
    subject of its most typical complaint (all empty when it finds no such group). The other recent
    cases are grouped alongside, so the terms are the ones that set this group apart from them."""
    texts = [m.text for m in members] + [o.text for o in others]
    grouping = _engine().group_texts(texts, embedder=embedder, min_size=2, threshold=_threshold(embedder))
    mine = grouping.labels[0] if grouping.labels else None
    group = next((g for g in grouping.groups if g.group_id == mine), None)
    if group is None:
        return "", [], ""
    return group.label, list(group.top_terms), texts[group.representative].split("\n", 1)[0]


def _day(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def _describe_group(
    members: Sequence[_Candidate], *, terms: Sequence[str], typical_subject: str
) -> tuple[str, str]:
    """A title (the most typical complaint's own subject) and a description for a new problem."""
    title = " ".join((typical_subject or members[0].text.split("\n", 1)[0]).split())
    title = (title[:1].upper() + title[1:])[:200] or "Similar complaints"
    customers = len({m.email for m in members})
    first = min(m.created_at for m in members)
    last = max(m.created_at for m in members)
    description = (
        f"Raised automatically: {len(members)} similar reports from {customers} customers between "
        f"{_day(first)} and {_day(last)}."
    )
    if terms:
        description += f" Words they share: {', '.join(terms[:8])}."
    return title, description


def _common_category(members: Sequence[_Candidate]):
    counts = Counter(m.category_id for m in members if m.category_id is not None)
    if not counts:
        return None
    return Category.objects.filter(pk=counts.most_common(1)[0][0]).first()


def _common_source(members: Sequence[_Candidate]) -> str:
    return Counter(m.source_kind for m in members).most_common(1)[0][0]


def case_group(case: Case) -> GroupOutcome:
    """S3: compare a new case's own words with recent cases across customers.

    The case is compared with the newest ``PROBLEM_CANDIDATE_CAP`` cases reported before it: a word's
    weight depends on how many complaints use it, which only a wide enough crowd can tell. Similar to
    cases already in an open problem (however old): the case joins that problem. Otherwise, when it and
    the similar cases of the last ``PROBLEM_WINDOW_DAYS`` not yet in an open problem come from at least
    ``PROBLEM_MIN_CASES`` different customers, a suspected problem is opened for them all and its owner
    alerted. Idempotent: a case already in an open problem is left alone.
    """
    if ProblemCase.objects.filter(
        case=case, unlinked_at__isnull=True, problem__status__in=OPEN_PROBLEM_STATUSES
    ).exists():
        return GroupOutcome("already")
    conf = settings.PUTRIGHT
    window_start = case.created_at - timedelta(days=conf["PROBLEM_WINDOW_DAYS"])
    min_cases = conf["PROBLEM_MIN_CASES"]
    recent = _candidates(
        Case.objects.filter(created_at__lte=case.created_at)
        .exclude(pk=case.pk)
        .order_by("-created_at", "-pk")[: conf["PROBLEM_CANDIDATE_CAP"]]
    )
    if not recent:
        return GroupOutcome("none")
    embedder = _embedder()
    hits = _engine().similar(
        case_words(case.subject, case.description),
        [c.text for c in recent],
        embedder=embedder,
        threshold=_threshold(embedder),
    )
    if not hits:
        return GroupOutcome("none")
    scores = {recent[i].pk: float(score) for i, score in hits}
    similar_cases = [recent[i] for i, _ in hits if recent[i].created_at >= window_start]

    # 1. Like cases already in an open problem: join the problem holding the most of them.
    in_problems = _open_links_by_case(scores)
    if in_problems:
        tally: Counter[int] = Counter()
        best: dict[int, float] = {}
        for case_id, problem_ids in in_problems.items():
            for problem_id in problem_ids:
                tally[problem_id] += 1
                best[problem_id] = max(best.get(problem_id, 0.0), scores[case_id])
        problem_id = max(tally, key=lambda pid: (tally[pid], best[pid], -pid))
        problem = Problem.objects.get(pk=problem_id)
        try:
            problem_link_case(actor=None, problem=problem, case=case, similarity=best[problem_id])
        except DomainError:
            # Closed meanwhile, or linked by a concurrent run: nothing more to do for this case.
            return GroupOutcome("already", problem, len(hits))
        return GroupOutcome("linked", problem, len(hits))

    # 2. Enough customers saying the same thing: a suspected problem.
    me = _Candidate(
        case.pk,
        case_words(case.subject, case.description),
        (case.customer.email or "").lower(),
        case.category_id,
        case.source_kind,
        case.created_at,
    )
    members = [me, *similar_cases]
    if len({m.email for m in members}) < min_cases:
        return GroupOutcome("none", None, len(hits))
    with transaction.atomic():
        # Lock the group's cases (id order) so two analyses of the same burst cannot open it twice,
        # then look again: a concurrent analysis may have covered them while this one compared words.
        list(
            Case.objects.select_for_update()
            .filter(pk__in=[m.pk for m in members])
            .order_by("pk")
            .values_list("pk")
        )
        covered = _open_links_by_case([m.pk for m in members])
        if covered:
            return GroupOutcome("already", None, len(hits))
        in_group = {m.pk for m in members}
        crowd = [c for c in recent if c.pk not in in_group]
        _, terms, typical = _shared_words(members, crowd, embedder)
        title, description = _describe_group(members, terms=terms, typical_subject=typical or case.subject)
        scores[case.pk] = 1.0
        problem = _open(
            actor=None,
            title=title,
            description=description,
            origin=ProblemOrigin.SIMILARITY,
            source_kind=_common_source(members),
            category=_common_category(members),
            product="",
            cases=list(Case.objects.filter(pk__in=[m.pk for m in members]).order_by("created_at", "pk")),
            similarity=scores,
            alert=True,
        )
    return GroupOutcome("opened", problem, len(hits))


def case_analyse(*, case_id: int) -> str:
    """The task's body: group one case (S3). A case deleted meanwhile is nothing to do."""
    case = Case.objects.select_related("customer").filter(pk=case_id).first()
    if case is None:
        return "missing"
    return case_group(case).action


# ---------------------------------------------------------------- batch re-grouping


def regroup_run_open(*, actor) -> RegroupRun:
    """Record a regrouping about to start, so the board shows its progress; one at a time.

    ``actor`` None is the console command (``problems regroup``); from the board it is a supervisor.
    """
    if actor is not None:
        _require_supervisor(actor)
    with transaction.atomic():
        active = RegroupRun.objects.select_for_update().filter(
            status__in=[RegroupRun.Status.QUEUED, RegroupRun.Status.RUNNING]
        )
        if active.exists():
            raise DomainError(ErrorCode.ALREADY_DONE, "A regrouping is already under way.")
        return RegroupRun.objects.create(requested_by=actor, created_at=clock.now())


def regroup_start(*, actor) -> RegroupRun:
    """Ask the worker to re-group the whole history (supervisor and above)."""
    _require_supervisor(actor)
    with transaction.atomic():
        run = regroup_run_open(actor=actor)
        transaction.on_commit(lambda: _enqueue_regroup(run.pk))
    return run


def _enqueue_regroup(run_id: int) -> None:
    from putright.problems.tasks import regroup

    regroup.enqueue(run_id)


@dataclass(frozen=True)
class RegroupResult:
    total: int
    problems_opened: int
    cases_linked: int


def problems_regroup(
    *, progress: Callable[[int, int], object] | None = None, run: RegroupRun | None = None
) -> RegroupResult:
    """Re-group the whole history: every window of ``PROBLEM_WINDOW_DAYS`` (overlapping by half) is grouped
    with the text engine; a group from enough customers that no problem covers yet becomes a suspected
    problem, and its members not yet in any problem join the open problem that already holds some of them.

    Idempotent: run twice on the same history, the second run opens and links nothing. Problems found in
    windows that ended long ago are opened without alerting anyone (they are history, not news).
    """
    conf = settings.PUTRIGHT
    window = timedelta(days=conf["PROBLEM_WINDOW_DAYS"])
    min_cases = conf["PROBLEM_MIN_CASES"]
    now = clock.now()
    if run is not None:
        RegroupRun.objects.filter(pk=run.pk).update(
            status=RegroupRun.Status.RUNNING, started_at=now, error=""
        )
    total = Case.objects.count()
    span = Case.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    opened = linked = processed = 0

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)
        if run is not None:
            RegroupRun.objects.filter(pk=run.pk).update(
                total=total, processed=done, problems_opened=opened, cases_linked=linked
            )

    report(0)
    try:
        if span["first"] is not None:
            embedder = _embedder()
            start = span["first"]
            while start <= span["last"]:
                end = start + window
                members = _candidates(
                    Case.objects.filter(created_at__gte=start, created_at__lt=end).order_by(
                        "created_at", "pk"
                    )
                )
                if len(members) >= min_cases:
                    o, k = _regroup_window(
                        members, embedder=embedder, min_cases=min_cases, alert=end >= now - window
                    )
                    opened, linked = opened + o, linked + k
                processed = Case.objects.filter(created_at__lt=end).count()
                report(min(processed, total))
                start += window / 2
        report(total)
    except BaseException as exc:  # an interrupted console run too: the board must not show it running forever
        if run is not None:
            RegroupRun.objects.filter(pk=run.pk).update(
                status=RegroupRun.Status.FAILED,
                error=(str(exc) or type(exc).__name__)[:2000],
                finished_at=clock.now(),
            )
        raise
    if run is not None:
        RegroupRun.objects.filter(pk=run.pk).update(status=RegroupRun.Status.DONE, finished_at=clock.now())
    return RegroupResult(total=total, problems_opened=opened, cases_linked=linked)


def _regroup_window(members: list[_Candidate], *, embedder, min_cases: int, alert: bool) -> tuple[int, int]:
    grouping = _engine().group_texts(
        [m.text for m in members], embedder=embedder, min_size=min_cases, threshold=_threshold(embedder)
    )
    opened = linked = 0
    for group in grouping.groups:
        group_members = [members[i] for i in group.members]
        if len({m.email for m in group_members}) < min_cases:
            continue
        with transaction.atomic():
            any_links = _open_links_by_case([m.pk for m in group_members], open_only=False)
            open_links = _open_links_by_case([m.pk for m in group_members])
            uncovered = [m for m in group_members if m.pk not in any_links]
            if open_links:
                tally = Counter(pid for pids in open_links.values() for pid in pids)
                problem = Problem.objects.get(pk=max(tally, key=lambda pid: (tally[pid], -pid)))
                for m in uncovered:
                    try:
                        problem_link_case(actor=None, problem=problem, case=Case(pk=m.pk), similarity=None)
                    except DomainError:
                        continue
                    linked += 1
            elif any_links:
                # Its cases already belong to a problem that was resolved or dismissed: that was decided.
                continue
            elif len({m.email for m in uncovered}) >= min_cases:
                title, description = _describe_group(
                    group_members,
                    terms=group.top_terms,
                    typical_subject=members[group.representative].text.split("\n", 1)[0],
                )
                _open(
                    actor=None,
                    title=title,
                    description=description,
                    origin=ProblemOrigin.SIMILARITY,
                    source_kind=_common_source(group_members),
                    category=_common_category(group_members),
                    product="",
                    cases=list(
                        Case.objects.filter(pk__in=[m.pk for m in uncovered]).order_by("created_at", "pk")
                    ),
                    similarity={},
                    alert=alert,
                )
                opened += 1
                linked += len(uncovered)
    return opened, linked
