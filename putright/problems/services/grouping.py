"""S3: compare a new case's own words with recent cases from every customer; link it to an open
problem or raise a suspected one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from putright.cases.models import Case, Category
from putright.engines import text as text_engine
from putright.errors import DomainError
from putright.problems.models import OPEN_PROBLEM_STATUSES, Problem, ProblemCase, ProblemOrigin
from putright.problems.services.lifecycle import _open, problem_link_case


@dataclass(frozen=True)
class GroupOutcome:
    action: str  # "already" | "linked" | "opened" | "none"
    problem: Problem | None = None
    similar: int = 0


def _embedder():
    return text_engine.embedder_for(settings.PUTRIGHT.get("TEXT_BACKEND", "tfidf"))


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
    grouping = text_engine.group_texts(texts, embedder=embedder, min_size=2, threshold=_threshold(embedder))
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
    hits = text_engine.similar(
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
