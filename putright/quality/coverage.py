"""Q2: coverage per handler and per team over a period — a coaching view, aggregated in the database.

What a handler's closed cases cover (the cases closed in the period with an outcome of their own, by the
case's handler and the case's team):

- the kinds of problem (source kinds a–e) they handled;
- the information they gave the customer, asked for and unasked (their own messages in the period:
  ``channels.Message.prompt``, A4);
- the procedures they used: steps they took with a procedure version shown (case events whose ``after``
  carries ``procedure_version``, recorded by the case workspace since issue 14 §3);
- the exceptions they made with agreement: options that were exceptions to usual practice (or outside
  standard policy) and were agreed with the customer, and how many of those a second person approved;
- their scorecard results: for each check, pass / fail / does not apply, overall and per month (the
  stored check rows; a fail overturned on dispute counts as a pass).

Every figure is one grouped query (no loop over cases): twelve in all; ``tests/test_quality_pages.py`` pins it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncMonth
from django.utils import timezone

from putright.audit.models import Event
from putright.authority.models import Approval, Team
from putright.cases.models import Case, Option
from putright.channels.models import Message
from putright.engines.quality import CHECK_IDS, Result
from putright.quality.models import CheckResult, Dispute
from putright.quality.record import SCORED_STATUSES
from putright.vocab import OptionStatus, PolicyFit, SourceKind

KINDS = [k.value for k in SourceKind]


@dataclass(frozen=True)
class CoverageAsk:
    start: date
    end: date  # inclusive
    # The narrowing the person asked for and what they may see (quality.access.coverage_scope).
    team: int | None = None
    handler: int | None = None
    team_ids: tuple[int, ...] | None = None  # None: every team
    only_self: int | None = None  # an agent: only their own cases
    viewer: int | None = None  # a supervisor always sees their own cases too

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(self.start, time.min), tz),
            timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz),
        )


@dataclass
class Row:
    key: int | None
    name: str
    cases: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    info_requested: int = 0
    info_unrequested: int = 0
    procedure_steps: int = 0
    procedure_versions: int = 0
    exceptions_agreed: int = 0
    exceptions_approved: int = 0
    checks: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pass_share(self) -> float | None:
        passed = sum(c.get("pass", 0) for c in self.checks.values())
        applicable = passed + sum(c.get("fail", 0) for c in self.checks.values())
        return passed / applicable if applicable else None


@dataclass
class Coverage:
    handlers: list[Row]
    teams: list[Row]
    # check id -> pass / fail / n/a counts over everyone shown
    checks: dict[str, dict[str, int]]
    # (month, check id) -> (passed, applicable)
    monthly: dict[tuple[date, str], tuple[int, int]]
    months: list[date]


def closed_cases(ask: CoverageAsk) -> QuerySet:
    start, end = ask.bounds
    qs = Case.objects.filter(status__in=SCORED_STATUSES, closed_at__gte=start, closed_at__lt=end)
    if ask.only_self is not None:
        qs = qs.filter(assignee_id=ask.only_self)
    elif ask.team_ids is not None:
        qs = qs.filter(Q(team_id__in=list(ask.team_ids)) | Q(assignee_id=ask.viewer))
    if ask.team is not None:
        qs = qs.filter(team_id=ask.team)
    if ask.handler is not None:
        qs = qs.filter(assignee_id=ask.handler)
    return qs


def _people(ask: CoverageAsk) -> QuerySet | None:
    """Whose own acts (messages, procedure steps) are counted: None for everyone."""
    if ask.handler is not None:
        return get_user_model().objects.filter(pk=ask.handler)
    if ask.only_self is not None:
        return get_user_model().objects.filter(pk=ask.only_self)
    teams = [ask.team] if ask.team is not None else (list(ask.team_ids) if ask.team_ids is not None else None)
    if teams is None:
        return None
    people = get_user_model().objects.filter(Q(teams__in=teams) | Q(teams_led__in=teams))
    if ask.team is None and ask.viewer is not None:
        people = people | get_user_model().objects.filter(pk=ask.viewer)
    return people


def _overturned():
    return Exists(
        Dispute.objects.filter(
            case_id=OuterRef("case_id"), check_id=OuterRef("check_id"), status=Dispute.Status.UPHELD
        )
    )


def _check_counts(rows: QuerySet, by: str | None) -> dict:
    """pass / fail / n/a per (group, check id), a fail overturned on dispute counted as a pass."""
    keys = [by, "check_id"] if by else ["check_id"]
    counted = (
        rows.annotate(overturned=_overturned())
        .values(*keys)
        .annotate(
            passed=Count("pk", filter=Q(result=Result.PASS) | Q(result=Result.FAIL, overturned=True)),
            failed=Count("pk", filter=Q(result=Result.FAIL, overturned=False)),
            na=Count("pk", filter=Q(result=Result.NOT_APPLICABLE)),
        )
        .order_by()
    )
    out: dict = {}
    for r in counted:
        group = r[by] if by else None
        out.setdefault(group, {})[r["check_id"]] = {"pass": r["passed"], "fail": r["failed"], "n/a": r["na"]}
    return out


def coverage(ask: CoverageAsk) -> Coverage:
    cases = closed_cases(ask)
    start, end = ask.bounds
    kind_counts = {k: Count("pk", filter=Q(source_kind=k)) for k in KINDS}

    handlers: dict[int | None, Row] = {}
    teams: dict[int | None, Row] = {}
    for by, into in (("assignee_id", handlers), ("team_id", teams)):
        for r in cases.values(by).annotate(total=Count("pk"), **kind_counts).order_by():
            into[r[by]] = Row(key=r[by], name="", cases=r["total"], kinds={k: r[k] for k in KINDS})

    scored = CheckResult.objects.filter(case__in=cases)
    for group, checks in _check_counts(scored.annotate(g=F("case__assignee_id")), "g").items():
        handlers.setdefault(group, Row(key=group, name="")).checks = checks
    for group, checks in _check_counts(scored.annotate(g=F("case__team_id")), "g").items():
        teams.setdefault(group, Row(key=group, name="")).checks = checks
    overall = _check_counts(scored, None).get(None, {})

    # Exceptions agreed on these cases, and how many a second person approved (K4: they always need one).
    approved = Exists(
        Approval.objects.filter(option_id=OuterRef("pk"), status=Approval.Status.APPROVED).exclude(
            decided_by_id=F("requested_by_id")
        )
    )
    exceptions = Option.objects.filter(case__in=cases, status=OptionStatus.AGREED).filter(
        Q(is_exception=True) | Q(policy_fit=PolicyFit.EXCEPTION)
    )
    for by, into in (("case__assignee_id", handlers), ("case__team_id", teams)):
        for r in (
            exceptions.annotate(ok=approved)
            .values(by)
            .annotate(n=Count("pk"), ok_n=Count("pk", filter=Q(ok=True)))
            .order_by()
        ):
            row = into.setdefault(r[by], Row(key=r[by], name=""))
            row.exceptions_agreed, row.exceptions_approved = r["n"], r["ok_n"]

    # A4: what each handler told customers in the period, asked for or not (their own messages).
    people = _people(ask)
    messages = Message.objects.filter(
        direction=Message.Direction.OUTBOUND, automatic=False, created_at__gte=start, created_at__lt=end
    )
    steps = Event.objects.filter(
        created_at__gte=start, created_at__lt=end, after__has_key="procedure_version"
    )
    if people is not None:
        messages = messages.filter(author__in=people)
        steps = steps.filter(actor__in=people)
    for r in (
        messages.values("author_id")
        .annotate(
            asked=Count("pk", filter=Q(prompt=Message.Prompt.REQUESTED)),
            unasked=Count("pk", filter=Q(prompt=Message.Prompt.UNPROMPTED)),
        )
        .order_by()
    ):
        row = handlers.setdefault(r["author_id"], Row(key=r["author_id"], name=""))
        row.info_requested, row.info_unrequested = r["asked"], r["unasked"]
    for r in (
        steps.values("actor_id")
        .annotate(
            n=Count("pk"), versions=Count(KeyTextTransform("procedure_version", "after"), distinct=True)
        )
        .order_by()
    ):
        row = handlers.setdefault(r["actor_id"], Row(key=r["actor_id"], name=""))
        row.procedure_steps, row.procedure_versions = r["n"], r["versions"]

    # Names, in two queries.
    users = {
        u.pk: u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(pk__in=[k for k in handlers if k is not None])
    }
    for key, row in handlers.items():
        row.name = users.get(key, "Nobody (unassigned)") if key is not None else "Nobody (unassigned)"
    names = dict(Team.objects.filter(pk__in=[k for k in teams if k is not None]).values_list("pk", "name"))
    for key, row in teams.items():
        row.name = names.get(key, "No team") if key is not None else "No team"

    monthly: dict[tuple[date, str], tuple[int, int]] = {}
    for r in (
        scored.annotate(overturned=_overturned(), month=TruncMonth("case__closed_at"))
        .values("month", "check_id")
        .annotate(
            passed=Count("pk", filter=Q(result=Result.PASS) | Q(result=Result.FAIL, overturned=True)),
            applicable=Count("pk", filter=~Q(result=Result.NOT_APPLICABLE)),
        )
        .order_by()
    ):
        month = r["month"].date() if isinstance(r["month"], datetime) else r["month"]
        monthly[(month, r["check_id"])] = (r["passed"], r["applicable"])
    return Coverage(
        handlers=sorted(handlers.values(), key=lambda r: (r.key is None, r.name.lower())),
        teams=sorted(teams.values(), key=lambda r: (r.key is None, r.name.lower())),
        checks={c: overall.get(c, {"pass": 0, "fail": 0, "n/a": 0}) for c in CHECK_IDS},
        monthly=monthly,
        months=sorted({m for m, _ in monthly}),
    )
