"""The year of history in bulk: what a case lived through beyond the story's own acts.

A story case of the present is short: the one sweep the loader runs at "now" is all the worker ever did
for it. A case of the year before lived for weeks while the worker's sweep ran every few minutes, so
its record carries what the sweep did back then, at the time it did it: promises marked at risk and
broken, deadlines at risk and missed, summary-resolution windows ended (``_sweep_to``, mirroring
``cases.services.promises_sweep`` and ``regulation.services.clocks_sweep``). It also carries the
parts of a case's life the story's present has no room for: the team the assignment rules gave it,
the satisfaction check reminded once and then closed as resolved with no reply (mirroring
``satisfaction_remind`` and ``case_close_no_reply``), and the link the repeated-problem analysis
made to a problem of that time (mirroring ``problems.services.problem_link_case``, with the owner's
growth alerts).

The rows are written many cases at a time (``HistoryWriter.write_many``): one ``bulk_create`` per
table per batch, the audit chain of each case hashed as ``audit.events.event_record`` hashes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from putright.audit.models import Event
from putright.authority.models import Role
from putright.cases.models import AssignmentRule, Case, Promise, ReferenceCounter, UnresolvedReason
from putright.cases.services.satisfaction import REMINDER_SUBJECT, satisfaction_settings_get
from putright.channels.models import Alert
from putright.customers.models import Customer
from putright.demo.acts import Act, Plan
from putright.demo.bulk.draft import PayloadId
from putright.demo.bulk.writer import BulkWriter, HistoryCase
from putright.engines.deadlines import ClockKind, clocks_for
from putright.feedback.models import FeedbackItem
from putright.problems.models import Problem, ProblemCase, ProblemEvent
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock
from putright.vocab import OPEN_STATUSES, PromiseStatus, SourceKind, Status

SWEEP = timedelta(seconds=settings.PUTRIGHT["SWEEP_INTERVAL_SECONDS"])
# The alert kinds of ``problems.services`` and ``regulation.services``.
PROBLEM_GROWING = "problem_growing"


def sweep_after(moment: datetime) -> datetime:
    """The first run of the worker's periodic sweep after ``moment`` (runs on the interval's boundaries)."""
    step = SWEEP.total_seconds()
    seconds = moment.astimezone(UTC).timestamp()
    return datetime.fromtimestamp(math.floor(seconds / step + 1) * step, tz=UTC)


@dataclass
class ProblemState:
    """A problem of the year, as the analysis saw it while history was written: its links by time."""

    problem: Problem
    linked_at: list[datetime] = field(default_factory=list)
    alerted_case_count: int = 0
    burst_alerted_at: datetime | None = None


class HistoryDraft(HistoryCase):
    """One case of the year: the story's acts, plus routing, the sweep's marks, reminders and problem links."""

    def __init__(self, writer: HistoryWriter, plan: Plan):
        super().__init__(writer, plan)
        self.rows[ProblemCase] = []
        self.rows[ProblemEvent] = []

    # ------------------------------------------------------------ the report, then routing

    def report(self, act: Act, *, report: dict, actor) -> None:
        super().report(act, report=report, actor=actor)
        rule = self.writer.rule_for(self.case)
        if rule is None:
            return
        team = self.writer.teams[rule.team_id]
        self.case.team = team
        self._save("team")
        # The history's handler comes from the plan (a colleague takes it, or it was theirs on the phone):
        # the rule puts the case in the team's queue.
        self._event(
            None,
            "case.routed",
            f"Routed to team {team.name} by rule “{rule.name}”",
            before={"team": None},
            after={"team": team.name, "rule": rule.name, "unassigned_because": None},
        )

    def classify_regulated(self, act: Act, *, actor) -> None:
        """``cases.services.case_classify`` marking a regulated complaint; the regulation receiver then starts
        the regulator's clocks, counted from receipt (``regulation.services.clocks_start``)."""
        case, writer = self.case, self.writer
        category = case.category.name if case.category else None
        before = {
            "source_kind": case.source_kind,
            "category": category,
            "regulated": case.is_regulated_complaint,
        }
        after = {"source_kind": case.source_kind, "category": category, "regulated": True}
        case.is_regulated_complaint = True
        self._save("source_kind", "category", "is_regulated_complaint")
        self._event(
            actor,
            "case.classified",
            f"Classified: {SourceKind(case.source_kind).label}; category {category or 'none'}; a regulated complaint",
            before=before,
            after=after,
        )
        specs = clocks_for(
            timezone.localtime(case.created_at),
            regulation.config_for(writer.settings_row),
            writer.calendar,
            regulated=regulation.case_is_regulated(case, writer.settings_row),
        )
        existing = {c.kind for c in self.rows[CaseClock]}
        if existing & {ClockKind.DISP_PAYMENT_FINAL.value, ClockKind.DISP_PAYMENT_EXCEPTIONAL.value}:
            existing.add(ClockKind.DISP_FINAL.value)
        received = regulation.local_day(case.created_at)
        for spec in specs:
            if spec.kind.value not in existing:
                self._clock(spec, counts_from=received, started_at=case.created_at)

    # ------------------------------------------------------------ the worker's sweep, back then

    def _sweep_to(self, until: datetime) -> None:
        """Everything the periodic sweep did to this open case before ``until``, in time order."""
        if self.case is None or self.case.status not in OPEN_STATUSES:
            return
        while True:
            due = self._next_sweep_mark(until)
            if due is None:
                return
            at, mark = due
            self.now = at
            mark()

    def _next_sweep_mark(self, until: datetime):
        """The earliest sweep run before ``until`` that finds something, and what it does then."""
        found = []
        at_risk_window = timedelta(hours=settings.PUTRIGHT["PROMISE_AT_RISK_HOURS"])
        for promise in self.rows[Promise]:
            if promise.status in (PromiseStatus.OPEN, PromiseStatus.AT_RISK):
                at = sweep_after(promise.due_at)
                at = max(at, sweep_after(promise.created_at))
                found.append((at, 0, lambda p=promise: self._promise_broken(p)))
            if promise.status == PromiseStatus.OPEN:
                at = sweep_after(
                    max(promise.due_at - at_risk_window, promise.created_at) - timedelta(seconds=1)
                )
                if at <= promise.due_at:
                    found.append((at, 1, lambda p=promise: self._promise_at_risk(p)))
        for row in self.rows[CaseClock]:
            if row.met_at is not None or row.stopped_at is not None:
                continue
            if row.is_window:
                found.append((sweep_after(row.due_at), 2, lambda c=row: self._window_end(c)))
                continue
            if row.missed_alerted_at is None:
                found.append((sweep_after(row.due_at), 3, lambda c=row: self._clock_alert(c, missed=True)))
            if row.alerted_at is None:
                at = sweep_after(max(row.warn_at, row.started_at) - timedelta(seconds=1))
                if at <= row.due_at:
                    found.append((at, 4, lambda c=row: self._clock_alert(c, missed=False)))
        # A run finds only what is there when it runs: nothing before the case's last step.
        floor = sweep_after(self.now)
        found = [(max(at, floor), order, mark) for at, order, mark in found]
        found = [f for f in found if f[0] < until]
        if not found:
            return None
        at, _, mark = min(found, key=lambda f: (f[0], f[1]))
        return at, mark

    def _promise_broken(self, promise: Promise) -> None:
        before = promise.status
        promise.status, promise.broken_alerted_at = PromiseStatus.BROKEN, self.now
        self._promise_marked(
            promise, before, f"Promise broken: {promise.description}", Alert.Kind.PROMISE_BROKEN
        )
        self._alert(
            promise.owner,
            Alert.Kind.PROMISE_BROKEN,
            f"{self.case.reference}: promise broken — {promise.description}",
        )

    def _promise_at_risk(self, promise: Promise) -> None:
        promise.status, promise.at_risk_alerted_at = PromiseStatus.AT_RISK, self.now
        self._promise_marked(promise, PromiseStatus.OPEN, f"Promise at risk: {promise.description}", "")
        due = timezone.localtime(promise.due_at)
        self._alert(
            promise.owner,
            Alert.Kind.PROMISE_AT_RISK,
            f"{self.case.reference}: promise due {due:%d %b %H:%M} — {promise.description}",
        )

    def _promise_marked(self, promise: Promise, before: str, summary: str, _kind: str) -> None:
        self._event(
            None,
            f"promise.{promise.status}",
            summary,
            before={"promise_status": before},
            after={"promise": PayloadId(promise), "promise_status": promise.status},
        )

    def _clock_alert(self, row: CaseClock, *, missed: bool) -> None:
        was_at_risk = row.alerted_at is not None
        if missed:
            row.missed_at, row.missed_alerted_at = row.due_at, self.now
            row.alerted_at = row.alerted_at or self.now
        else:
            row.alerted_at = self.now
        due = regulation.day_text(row.due_date)
        word = "missed" if missed else "at risk"
        self._event(
            None,
            "clock.missed" if missed else "clock.at_risk",
            f"Deadline {word}: {row.label} ({row.rule_id}) {'was' if missed else 'is'} due {due}",
            before={"state": "at_risk" if missed and was_at_risk else "running"},
            after={"clock": PayloadId(row), "kind": row.kind, "rule_id": row.rule_id, "due": row.due_date},
        )
        text = (
            f"{self.case.reference}: deadline missed — {row.label} ({row.rule_id}) was due {due}"
            if missed
            else f"{self.case.reference}: deadline due {due} — {row.label} ({row.rule_id})"
        )
        for owner in self.writer.clock_owners(self.case):
            self._alert(owner, regulation.ALERT_MISSED if missed else regulation.ALERT_AT_RISK, text)

    def _window_end(self, row: CaseClock) -> None:
        row.stopped_at = row.due_at
        row.stop_reason = (
            "Not resolved within the window: the acknowledgement (F5) and final response (F6) apply"
        )
        self._event(
            None,
            "clock.window_ended",
            f"{row.label} ({row.rule_id}) ended unresolved; the final response deadline still runs",
            after={"clock": PayloadId(row), "kind": row.kind, "rule_id": row.rule_id},
        )

    def _clocks_note_status(self) -> None:
        """``regulation.services.clocks_note_status``, closed with no reply included (a resolved close)."""
        status, now = self.case.status, self.now
        resolved = status in (Status.CLOSED_RESOLVED, Status.CLOSED_NO_REPLY)
        if status == Status.AWAITING_CONFIRMATION or resolved:
            for c in self._running(regulation.MetBy.DELIVERED.value):
                c.met_at, c.met_note = now, "The agreed plan was delivered"
        if not resolved and status != Status.CLOSED_UNRESOLVED:
            return
        closed_at = self.case.closed_at or now
        how = Status(status).label if resolved else "Closed with our final response"
        for c in self._running(regulation.MetBy.CLOSED.value):
            c.met_at, c.met_note = closed_at, how
        if resolved:
            for c in self._running(regulation.MetBy.CLOSED_RESOLVED.value):
                if c.due_at >= closed_at:
                    c.met_at, c.met_note = closed_at, "Resolved within the summary resolution window"
        for c in self._running():
            if c.met_by not in regulation.OUTLIVE_THE_CASE:
                c.stopped_at, c.stop_reason = closed_at, how

    # ------------------------------------------------------------ A5: remind once, then close

    def satisfaction_remind(self, act: Act) -> None:
        case, row = self.case, self.writer.satisfaction_row
        case.satisfaction_reminded_at = self.now
        self._save("satisfaction_reminded_at")
        self._event(
            None,
            "satisfaction.reminded",
            "Reminded the customer to say whether it is resolved "
            f"(no answer after {row.remind_after_days} days)",
            before={"satisfaction_reminded_at": None},
            after={"satisfaction_reminded_at": self.now.isoformat()},
            visible=True,
        )
        self._tell(
            REMINDER_SUBJECT,
            "We recently finished putting your problem right and asked whether it is now resolved. "
            "We have not heard from you yet: please answer on your case link (it takes a moment). "
            f"If we do not hear from you within {row.close_no_reply_after_days} days, we will take it "
            "that the problem is resolved and close your case — you can still write to us after that.",
        )

    def close_no_reply(self, act: Act) -> None:
        case = self.case
        before = {"status": case.status}
        case.status = Status.CLOSED_NO_REPLY
        case.closed_at = self.now
        self._save("status", "closed_at")
        self._event(
            None,
            "case.closed_no_reply",
            "Closed as resolved with no reply: the customer was asked and reminded, and did not answer",
            before=before,
            after={"status": case.status, "reminded_at": case.satisfaction_reminded_at.isoformat()},
            visible=True,
        )
        self._settle_on_close(None)
        self._tell(
            "Your case is closed",
            "We did everything we agreed and asked whether your problem is resolved, but have not heard "
            "back, so we have closed your case as resolved. If it is not resolved, reply to this e-mail or "
            "write to us on your case link and we will look at it again.",
        )

    # ------------------------------------------------------------ S3: the analysis links it to a problem

    def problem_link(self, act: Act, *, problem: str, similarity: float) -> None:
        state = self.writer.problems[problem]
        found = state.problem
        link = self._add(
            ProblemCase(
                problem=found,
                case=self.case,
                linked_by=None,
                similarity=round(similarity, 4),
                linked_at=self.now,
            )
        )
        self._event(
            None,
            "problem.linked",
            f"Linked to problem {found.pk} (similar words): {found.title}",
            after={"problem": found.pk, "similarity": link.similarity},
        )
        self._problem_event(
            found,
            "problem.case_linked",
            f"{self.case.reference} linked (similarity {link.similarity:.2f})",
            case=self.case.reference,
        )
        state.linked_at.append(self.now)
        self._growth_check(state)

    def _problem_event(self, problem: Problem, kind: str, summary: str, **data) -> None:
        self._add(
            ProblemEvent(
                problem=problem, kind=kind, summary=summary[:500], actor=None, data=data, at=self.now
            )
        )

    def _growth_check(self, state: ProblemState) -> None:
        """``problems.services._growth_check``: the owner hears at each doubling, or of a burst in a day."""
        problem, count = state.problem, len(state.linked_at)
        next_step = max(2 * state.alerted_case_count, settings.PUTRIGHT["PROBLEM_MIN_CASES"])
        if count >= next_step:
            was = state.alerted_case_count
            since = f" (was {was} at your last alert)" if was else ""
            self._owner_alert(
                problem, f"Problem {problem.pk} is growing: {count} cases now{since}. {problem.title}"
            )
            state.alerted_case_count = count
            return
        day_ago = self.now - timedelta(hours=24)
        if state.burst_alerted_at is not None and state.burst_alerted_at > day_ago:
            return
        joined = sum(1 for at in state.linked_at if at > day_ago)
        if joined >= settings.PUTRIGHT["PROBLEM_GROWTH_PER_DAY"]:
            self._owner_alert(
                problem,
                f"Problem {problem.pk} is growing fast: {joined} cases joined in the last 24 hours "
                f"({count} in all). {problem.title}",
            )
            state.alerted_case_count, state.burst_alerted_at = count, self.now

    def _owner_alert(self, problem: Problem, text: str) -> None:
        suffix = f" {settings.SITE_URL}{reverse('problems:detail', kwargs={'pk': problem.pk})}"
        self._alert(problem.owner, PROBLEM_GROWING, text[: 300 - len(suffix)] + suffix)
        name = problem.owner.get_full_name() or problem.owner.get_username()
        self._problem_event(
            problem, "problem.alerted", f"{name} alerted: {text}"[:500], alert_kind=PROBLEM_GROWING
        )


class HistoryWriter(BulkWriter):
    """Writes the cases of the year, many at a time. Reads the rules, teams and settings once."""

    def __init__(self, *, users: dict, categories: dict, problems: dict[str, Problem]):
        super().__init__(users=users, categories=categories)
        self.problems = {key: ProblemState(problem) for key, problem in problems.items()}
        self.satisfaction_row = satisfaction_settings_get()
        self.rules = list(
            AssignmentRule.objects.filter(active=True).select_related("team").order_by("position", "pk")
        )
        self.teams = {rule.team_id: rule.team for rule in self.rules}
        self._supervisors: list | None = None
        # One record per person across their cases (as ``customer_find_or_add`` matches: e-mail and name).
        self.customers: dict[tuple[str, str], Customer] = {}
        self.references: dict[int, int] = {}

    # ------------------------------------------------------------ what the services would read

    def reference_next(self, now: datetime) -> str:
        """``cases.services.reference_next`` counted here, the counters written with each batch: nobody else
        reports while the demo loads (it holds the one transaction)."""
        year = now.year
        if year not in self.references:
            row = ReferenceCounter.objects.filter(year=year).first()
            self.references[year] = row.last if row else 0
        self.references[year] += 1
        return f"PR-{year}-{self.references[year]:06d}"

    def rule_for(self, case: Case) -> AssignmentRule | None:
        """``cases.services.routing.rule_for``, on the rules read once."""
        for rule in self.rules:
            if rule.category_id in (None, case.category_id) and rule.channel in ("", case.channel):
                return rule
        return None

    def clock_owners(self, case: Case) -> list:
        """``regulation.services.clock_owners``: the handler, or the supervisors while nobody handles it."""
        if case.assignee is not None:
            return [case.assignee]
        if self._supervisors is None:
            User = get_user_model()
            self._supervisors = []
            for role in (Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR):
                people = list(User.objects.filter(is_active=True, groups__name=role.value).order_by("pk"))
                if people:
                    self._supervisors = people
                    break
        return self._supervisors

    # ------------------------------------------------------------ playing and writing

    def play(self, plan: Plan) -> HistoryDraft:
        """The case in memory, act by act, with what the sweep did between the acts."""
        if self.settings_row is None:
            self.settings_row = regulation.regime_settings_get()
            self.calendar = regulation.calendar_for(self.settings_row)
            self.unresolved_reasons = {r.code: r for r in UnresolvedReason.objects.all()}
        draft = HistoryDraft(self, plan)
        for act in plan.acts:
            if act.prepare is not None:
                act.prepare(act)
            at = act.at.astimezone(UTC)
            draft._sweep_to(at)
            draft.now = at
            getattr(draft, act.kind)(act, **act.params)
        return draft

    def write_many(self, drafts: list[HistoryDraft]) -> list[Case]:
        """Every row of ``drafts``, one ``bulk_create`` per table, in the order the services create them."""
        new_customers = []
        for draft in drafts:
            key = (draft.customer.email.lower(), draft.customer.name)
            known = self.customers.get(key)
            if known is None:
                self.customers[key] = known = draft.customer
                new_customers.append(known)
            draft.customer = draft.case.customer = known
            for item in draft.rows[FeedbackItem]:
                item.customer = known
        Customer.objects.bulk_create(new_customers)
        cases = [draft.case for draft in drafts]
        recommended = [case.recommended_option for case in cases]
        for case in cases:
            case.recommended_option = None  # written once the option has its id
        Case.objects.bulk_create(cases)
        for model in drafts[0].rows:
            rows = [row for draft in drafts for row in draft.rows[model]]
            if rows:
                model.objects.bulk_create(rows, batch_size=500)
        events = []
        for draft, case, option in zip(drafts, cases, recommended, strict=True):
            chain = draft._chain()
            events.extend(chain)
            case.recommended_option = option
            case.audit_seq, case.audit_head = len(chain), chain[-1].hash
        Event.objects.bulk_create(events, batch_size=500)
        Case.objects.bulk_update(cases, ["recommended_option", "audit_seq", "audit_head"], batch_size=200)
        for year, last in self.references.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
        return cases

    def problems_seen(self) -> None:
        """Each problem's first and last report seen, from its links (``problems.services._refresh_seen``)."""
        for state in self.problems.values():
            problem = state.problem
            seen = ProblemCase.objects.filter(problem=problem, unlinked_at__isnull=True).aggregate(
                first=Min("case__created_at"), last=Max("case__created_at")
            )
            if seen["first"] is not None:
                problem.first_seen, problem.last_seen = seen["first"], seen["last"]
            problem.alerted_case_count = max(problem.alerted_case_count, state.alerted_case_count)
            problem.burst_alerted_at = state.burst_alerted_at or problem.burst_alerted_at
            problem.save(update_fields=["first_seen", "last_seen", "alerted_case_count", "burst_alerted_at"])
