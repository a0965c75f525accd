#!/usr/bin/env python
"""Putright insights benchmark: every metric of the catalogue and the three exports over a large database.

Not a test. It builds a throwaway database (an SQLite file in a temporary folder, or a database named
``putright_bench_insights`` on the PostgreSQL server that ``DATABASE_URL`` points at, dropped at the end),
migrates it, bulk-inserts background cases as bench_cases.py does, then gives them what the metrics read
(teams, priorities, satisfaction asked and answered, upheld, reasons for closing unresolved, clocks met
and missed, promises kept and broken, agreed options with money, approvals, escalations, problem links,
the automatic acknowledgement and staff replies, reopenings), and times:

  (a) ``insights.metrics.measure`` — what each chart fragment of the dashboard calls — for every metric
      of the catalogue over the last 30 and the last 365 days, the total and grouped by each of its
      dimensions in turn (each a fragment), ``--repeats`` times each, taking turns;
  (b) ``putright insights export`` for a year (every metric's CSV), ``insights cases`` for a year (rows/s)
      and ``insights return`` for a half-year, through the console command;
  (c) the peak memory (tracemalloc) of the cases export at about a tenth of the rows and at all of them:
      "memory flat" means the peak does not grow with the rows.

Targets (issue 13 §5): each fragment's p95 under 300 ms, the case export at least 20,000 rows/s, memory
flat (the peak at all the rows at most 1.5 times the peak at a tenth). Exit status 1 when one is missed.

    .venv/bin/python bench/bench_insights.py [--cases 100000] [--repeats 5]
                                             [--database-url postgres://user:pw@host:5432/db]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from _common import Database, percentile, run_on_throwaway_database
from bench_cases import background_seed, staff_create, story_pool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "putright_bench_insights"
TARGET_P95_MS = 300.0
TARGET_ROWS_PER_S = 20_000.0
# "Flat": the peak at all the rows may be at most this many times the peak at a tenth of them.
FLAT_FACTOR = 1.5
TEAMS = ("Deliveries", "Billing", "Products")
BATCH = 2000
# The case fields the seed fills beside what bench_cases.background_seed writes (as attribute names).
UPDATED = (
    "team",
    "priority",
    "is_regulated_complaint",
    "created_by",
    "upheld",
    "unresolved_reason",
    "unresolved_reasons",
    "other_routes",
    "satisfaction_asked_at",
    "satisfaction_answered_at",
    "csat",
    "ces",
    "nps",
)

# ---------------------------------------------------------------- seeding what the metrics read


def teams_create(users: dict):
    from putright.authority.models import Team

    teams = []
    for i, name in enumerate(TEAMS):
        team = Team.objects.create(name=name, lead=users["supervisor"])
        team.members.add(users[f"agent{i + 1}"], users["supervisor"])
        teams.append(team)
    teams[0].members.add(users["agent4"])
    return teams


def reasons_ensure() -> list:
    from putright.cases.models import UnresolvedReason

    found = list(UnresolvedReason.objects.all())
    if found:
        return found
    return [
        UnresolvedReason.objects.create(code=code, label=label, position=n)
        for n, (code, label) in enumerate(
            [("outside_policy", "Outside our policy"), ("no_contact", "Could not reach the customer")]
        )
    ]


def insights_seed(users: dict, teams: list, rng: random.Random, progress) -> dict[str, int]:
    """Everything beside the bare case the metrics read, in batches of cases: case fields by
    ``bulk_update``, the rest by ``bulk_create``. Returns the rows written per kind."""
    from django.db import connection, transaction

    from putright.audit.models import Event
    from putright.authority.models import Approval, Escalation
    from putright.cases.models import Case, Option, Promise
    from putright.channels.models import Message
    from putright.engines.deadlines import ClockKind
    from putright.problems.models import Problem, ProblemCase, ProblemOrigin
    from putright.regulation.models import CaseClock
    from putright.vocab import (
        CLOSED_STATUSES,
        Channel,
        OptionStatus,
        Priority,
        PromiseStatus,
        RemedyType,
        Status,
    )

    now = datetime.now(UTC)
    agents = [users[f"agent{i}"] for i in range(1, 5)]
    reasons = reasons_ensure()
    team_of = {users["agent1"].pk: teams[0], users["agent2"].pk: teams[1], users["agent3"].pk: teams[2]}
    team_of[users["agent4"].pk] = teams[0]
    problems = [
        Problem.objects.create(
            title=f"Repeated problem {n}",
            origin=ProblemOrigin.SIMILARITY,
            created_at=now - timedelta(days=700),
            updated_at=now,
            first_seen=now - timedelta(days=700),
            last_seen=now,
        )
        for n in range(20)
    ]
    routes = ["ombudsman", "small_claims", "trading_standards"]
    remedies = [
        RemedyType.REFUND,
        RemedyType.PARTIAL_REFUND,
        RemedyType.REPLACEMENT,
        RemedyType.GOODWILL_CREDIT,
    ]
    written = dict.fromkeys(
        ["messages", "clocks", "promises", "options", "approvals", "escalations", "problem links", "events"],
        0,
    )
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    fields = [Case._meta.get_field(name) for name in UPDATED]
    columns = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    update_sql = f"UPDATE {connection.ops.quote_name(Case._meta.db_table)} SET {columns} WHERE id = %s"
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = list(Case.objects.filter(pk__in=ids[start : start + BATCH]).order_by("pk"))
        messages, clocks, promises, options, escalations, links, events = [], [], [], [], [], [], []
        approvals_for: list[tuple[Option, Case]] = []
        for case in chunk:
            closed = case.status in CLOSED_STATUSES
            end = case.closed_at or now
            span = end - case.created_at
            case.team_id = (team_of.get(case.assignee_id) or rng.choice(teams)).pk
            case.priority = rng.choices([Priority.NORMAL, Priority.HIGH, Priority.URGENT], [80, 15, 5])[0]
            case.is_regulated_complaint = rng.random() < 0.25
            if case.channel in (Channel.PHONE, Channel.IN_PERSON) and rng.random() < 0.8:
                case.created_by_id = rng.choice(agents).pk
            if closed:
                case.upheld = rng.choices(["upheld", "partly", "not_upheld", ""], [45, 20, 30, 5])[0]
                if case.status == Status.CLOSED_UNRESOLVED:
                    reason = rng.choice(reasons)
                    case.unresolved_reason_id, case.unresolved_reasons = reason.pk, reason.label
                    case.other_routes = rng.sample(routes, rng.randint(1, 2))
                if rng.random() < 0.8:
                    asked = case.closed_at + timedelta(minutes=5)
                    case.satisfaction_asked_at = asked
                    if rng.random() < 0.45 and asked + timedelta(days=2) < now:
                        case.satisfaction_answered_at = asked + timedelta(hours=rng.uniform(1, 48))
                        case.csat = rng.choices([1, 2, 3, 4, 5], [5, 7, 13, 35, 40])[0]
                        case.ces = rng.randint(1, 7)
                        case.nps = rng.choices(range(11), [2, 1, 1, 2, 2, 4, 6, 12, 20, 25, 25])[0]
            # The automatic acknowledgement straight away; a person writes within hours or days.
            messages.append(
                Message(
                    case=case,
                    direction=Message.Direction.OUTBOUND,
                    prompt=Message.Prompt.UNPROMPTED,
                    subject="We have your report",
                    body="Thank you: we have your report and will be in touch.",
                    automatic=True,
                    created_at=case.created_at + timedelta(minutes=1),
                )
            )
            if rng.random() < 0.92:
                messages.append(
                    Message(
                        case=case,
                        direction=Message.Direction.OUTBOUND,
                        prompt=Message.Prompt.UNPROMPTED,
                        subject="An update on your case",
                        body="We are looking into this and will update you soon.",
                        author_id=case.assignee_id or rng.choice(agents).pk,
                        created_at=case.created_at + min(span, timedelta(hours=rng.expovariate(1 / 20))),
                    )
                )
            if closed and rng.random() < 0.08:
                messages.append(
                    Message(
                        case=case,
                        direction=Message.Direction.INBOUND,
                        prompt=Message.Prompt.CUSTOMER,
                        subject="Message from customer",
                        body="It is still not right.",
                        created_at=case.closed_at + timedelta(days=rng.uniform(0.5, 6)),
                    )
                )
            # Clocks: acknowledge in 2 business days, resolve in 8 weeks; DISP ones on regulated cases.
            kinds = [(ClockKind.ACKNOWLEDGE, 3), (ClockKind.RESOLVE, 56)]
            if case.is_regulated_complaint:
                kinds += [(ClockKind.DISP_ACKNOWLEDGE, 5), (ClockKind.DISP_FINAL, 56)]
            for kind, days in kinds:
                due = case.created_at + timedelta(days=days)
                met = None
                if closed or rng.random() < 0.5:
                    late = rng.random() < 0.12
                    met = (
                        due + timedelta(hours=rng.uniform(1, 72))
                        if late
                        else case.created_at + (due - case.created_at) * rng.uniform(0.05, 0.95)
                    )
                    met = min(met, now)
                clocks.append(
                    CaseClock(
                        case=case,
                        kind=kind,
                        rule_id=f"bench-{kind}",
                        label=str(kind),
                        met_by="response",
                        started_at=case.created_at,
                        counts_from=case.created_at.date(),
                        due_date=due.date(),
                        due_at=due,
                        warn_at=due - timedelta(days=1),
                        met_at=met,
                        missed_at=due if (met is None or met > due) and due < now else None,
                    )
                )
            if case.assignee_id and rng.random() < 0.3:
                due = case.created_at + span * rng.uniform(0.2, 0.9)
                if due < now:
                    kept = rng.random() < 0.85
                    promises.append(
                        Promise(
                            case=case,
                            description="Call the customer back with an update",
                            owner_id=case.assignee_id,
                            due_at=due,
                            created_at=case.created_at,
                            status=PromiseStatus.KEPT if kept else PromiseStatus.BROKEN,
                            kept_at=due - timedelta(hours=1) if kept else None,
                        )
                    )
            if case.status == Status.CLOSED_RESOLVED and rng.random() < 0.65:
                amount = Decimal(rng.choice([0, 5, 10, 15, 25, 40, 60, 120, 250])).quantize(Decimal("0.01"))
                option = Option(
                    case=case,
                    title="Put it right",
                    remedy_type=rng.choice(remedies),
                    amount=amount,
                    status=OptionStatus.AGREED,
                    created_at=case.created_at + span * 0.3,
                )
                options.append(option)
                if amount >= 100:
                    approvals_for.append((option, case))
            if rng.random() < 0.05:
                escalations.append(
                    Escalation(
                        case=case,
                        from_user_id=case.assignee_id or agents[0].pk,
                        to_user=users["supervisor"],
                        reason="Beyond my authority",
                        created_at=case.created_at + span * 0.4,
                    )
                )
            if rng.random() < 0.08:
                links.append(
                    ProblemCase(
                        problem=rng.choice(problems), case=case, linked_at=case.created_at + span * 0.1
                    )
                )
            if closed and rng.random() < 0.03:
                delivered = case.created_at + span * 0.5
                for seq, kind, at in (
                    (1, "case.delivered", delivered),
                    (2, "case.reopened", delivered + span * 0.2),
                ):
                    events.append(
                        Event(
                            case=case,
                            seq=seq,
                            actor_label="bench",
                            kind=kind,
                            summary=kind,
                            created_at=at,
                            prev_hash="",
                            hash=uuid.UUID(int=rng.getrandbits(128)).hex * 2,
                        )
                    )
        with transaction.atomic():
            # One UPDATE per case, sent as a batch (``bulk_update``'s CASE WHEN per field is far slower).
            with connection.cursor() as cursor:
                cursor.executemany(
                    update_sql,
                    [
                        [f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields] + [case.pk]
                        for case in chunk
                    ],
                )
            Message.objects.bulk_create(messages)
            CaseClock.objects.bulk_create(clocks)
            Promise.objects.bulk_create(promises)
            Option.objects.bulk_create(options)
            Approval.objects.bulk_create(
                [
                    Approval(
                        case=case,
                        option=option,
                        requested_by_id=case.assignee_id or agents[0].pk,
                        assigned_to=users["manager"],
                        status=rng.choice([Approval.Status.APPROVED, Approval.Status.REJECTED]),
                        decided_by=users["manager"],
                        created_at=option.created_at,
                        decided_at=option.created_at + timedelta(hours=rng.uniform(0.5, 60)),
                    )
                    for option, case in approvals_for
                ]
            )
            Escalation.objects.bulk_create(escalations)
            ProblemCase.objects.bulk_create(links)
            Event.objects.bulk_create(events)
        for key, rows in (
            ("messages", messages),
            ("clocks", clocks),
            ("promises", promises),
            ("options", options),
            ("approvals", approvals_for),
            ("escalations", escalations),
            ("problem links", links),
            ("events", events),
        ):
            written[key] += len(rows)
        done += len(chunk)
        progress(done)
    return written


# ---------------------------------------------------------------- what is measured


def fragments(today: date) -> list[tuple[str, str, date, date, str | None]]:
    """(name, metric id, start, end, group_by) for every metric, both periods, total and each dimension."""
    from putright.engines.metrics import METRICS

    out = []
    for days in (30, 365):
        start = today - timedelta(days=days - 1)
        for metric in METRICS:
            for dim in [None, *[d.value for d in metric.dimensions]]:
                out.append((f"{metric.id} {days}d {dim or 'total'}", metric.id, start, today, dim))
    return out


def console(*args: str) -> float:
    """Run ``putright insights …`` as the console does (progress silenced); seconds taken."""
    from django.core.management import call_command

    t0 = time.perf_counter()
    quiet = [] if args[0] == "return" else ["--no-progress"]
    call_command("insights", *args, *quiet, stdout=io.StringIO(), stderr=io.StringIO())
    return time.perf_counter() - t0


def cases_export_peak(start: date, end: date) -> tuple[int, float, int]:
    """The cases export, written to nowhere, under tracemalloc: (rows, seconds, peak bytes)."""
    from putright.insights import exports

    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    rows = sum(1 for _ in exports.export_case_rows(start, end))
    took = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, took, peak


# ---------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed (default 100000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls of each fragment (default 5)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help=f"PostgreSQL server to use (a database {BENCH_DB} is created and dropped); "
        "default: an SQLite file in a temporary folder",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--analyze",
        choices=["auto", "yes", "no"],
        default="auto",
        help="gather planner statistics after seeding; auto: on PostgreSQL (autovacuum would), and on "
        "SQLite too (the sweep's ANALYZE keeps them in a running deployment)",
    )
    args = parser.parse_args(argv)
    return run_on_throwaway_database(args.database_url, BENCH_DB, lambda db: run(args, db))


def run(args, db: Database) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from putright.cases.models import Category
    from putright.demo.content import categories as demo_categories

    rng = random.Random(args.seed)
    out = sys.stdout
    out.write(
        f"Putright insights benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}, Django {django.get_version()}\n"
    )
    call_command("migrate", verbosity=0)
    for name, slug, description in demo_categories():
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    users, _ = staff_create()
    teams = teams_create(users)
    pool = story_pool(rng, 600)

    t0 = time.perf_counter()
    seeding = bar(args.cases, "Seeding cases ", out)
    background_seed(args.cases, users, pool, rng, seeding.update)
    seeding.finish()
    seeding = bar(args.cases, "Seeding what the metrics read ", out)
    written = insights_seed(users, teams, rng, seeding.update)
    seeding.finish()
    out.write(
        f"Seeded {args.cases:,} cases over two years in {time.perf_counter() - t0:.1f}s (bulk inserts): "
        + ", ".join(f"{n:,} {k}" for k, n in written.items())
        + "\n"
    )
    # The rollup of case facts (insights.rollup): the triggers noted every case the seeding wrote; the
    # sweep rolls them up in a deployment (a measurement would do it itself otherwise).
    from putright.insights import rollup

    t0 = time.perf_counter()
    noted = rollup.refresh()
    out.write(
        f"Rolled up {rollup.size():,} cases ({noted:,} change notes) in {time.perf_counter() - t0:.1f}s\n"
    )
    if args.analyze != "no":
        # As a running deployment has them: PostgreSQL's autovacuum gathers statistics soon after a bulk
        # load; on SQLite the planner needs them to pick the period's index over a scan.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if db.vendor == "postgresql" else "ANALYZE")
        out.write("Gathered planner statistics (ANALYZE)\n")
    return measure_and_report(args.repeats, out)


def bar(total: int, label: str, out):
    from putright.progress import ProgressBar

    out.flush()  # so the results printed so far come before the bar when both go to one terminal
    progress = ProgressBar(total, write=sys.stderr.write, flush=sys.stderr.flush, label=label)
    progress.update(0)
    return progress


def measure_and_report(repeats: int, out, *, show_progress: bool = True) -> int:
    """Time every fragment and export on the database as it is, print the tables and the verdicts;
    0 when every target is met, 1 otherwise. The suite runs this on a few hundred cases."""
    from django.db import connection
    from django.utils import timezone

    from putright.cases.models import Case
    from putright.insights.metrics import measure

    def progress(total: int, label: str):
        if show_progress:
            return bar(total, label, out)
        return None

    today = timezone.localdate()
    todo = fragments(today)
    # One unmeasured round: the business-day calendar filled (the sweep keeps it so in a deployment) and
    # the caches warm, as on a server in use.
    for _, metric_id, start, end, dim in todo:
        measure(metric_id, start=start, end=end, group_by=dim)
    timings: list[list[float]] = [[] for _ in todo]
    timing = progress(repeats * len(todo), "Measuring fragments ")
    for r in range(repeats):
        for j, (_, metric_id, start, end, dim) in enumerate(todo):
            t0 = time.perf_counter()
            measure(metric_id, start=start, end=end, group_by=dim)
            timings[j].append((time.perf_counter() - t0) * 1000)
            if timing:
                timing.update(r * len(todo) + j + 1)
    if timing:
        timing.finish()

    head = f"{'fragment: measure(metric, period, group_by)':<52} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    lines = [head, "-" * len(head)]
    slow = []
    for (name, *_), values in zip(todo, timings, strict=True):
        p95 = percentile(values, 95)
        if p95 >= TARGET_P95_MS:
            slow.append((name, p95))
        lines.append(
            f"{name:<52} {len(values):>4} {percentile(values, 50):>8.1f} {p95:>8.1f} {percentile(values, 99):>8.1f}"
        )
    out.write("\n" + "\n".join(lines) + "\n\n")
    every = [ms for values in timings for ms in values]
    worst = max(range(len(todo)), key=lambda j: percentile(timings[j], 95))
    out.write(
        f"All {len(todo)} fragments ({len(every)} calls): p50 {percentile(every, 50):.1f} ms, "
        f"p95 {percentile(every, 95):.1f} ms, p99 {percentile(every, 99):.1f} ms; slowest by p95: "
        f"{todo[worst][0]} {percentile(timings[worst], 95):.1f} ms\n"
    )

    # A measurement that finds changes to roll up first: 100 cases changed since the last one.
    from putright.insights import rollup

    changed = list(Case.objects.order_by("-pk").values_list("pk", flat=True)[:100])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET priority = CASE WHEN priority = 'high' THEN 'normal' ELSE 'high' END "
            f"WHERE id IN ({', '.join(map(str, changed))})"
        )
    t0 = time.perf_counter()
    rollup.refresh()
    refresh_ms = (time.perf_counter() - t0) * 1000
    out.write(f"rollup refresh after 100 changed cases: {refresh_ms:.0f} ms\n")

    # The exports, through the console.
    year_start, half_start = today - timedelta(days=364), today - timedelta(days=182)
    half = f"{half_start.year}H{1 if half_start.month <= 6 else 2}"
    folder = tempfile.mkdtemp(prefix="putright-bench-insights-")
    try:
        export_s = console("export", "--from", str(year_start), "--to", str(today), "--out", folder)
        cases_s = console(
            "cases", "--from", str(year_start), "--to", str(today), "--out", f"{folder}/cases.csv"
        )
        with open(f"{folder}/cases.csv", encoding="utf-8") as handle:
            year_rows = sum(1 for _ in handle) - 1
        return_s = console("return", "--half", half, "--out", f"{folder}/return.csv")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rate = year_rows / cases_s if cases_s else float("inf")
    out.write(
        f"insights export --from {year_start} --to {today} (every metric's CSV): {export_s:.2f}s\n"
        f"insights cases --from {year_start} --to {today}: {year_rows:,} rows in {cases_s:.2f}s "
        f"= {rate:,.0f} rows/s\n"
        f"insights return --half {half}: {return_s:.2f}s\n"
    )

    # Memory: the streamed cases export at about a tenth of the rows, then all of them.
    first = timezone.localdate(Case.objects.order_by("created_at").values_list("created_at", flat=True)[0])
    tenth = today - timedelta(days=max(1, (today - first).days // 10))
    small_rows, _, small_peak = cases_export_peak(tenth, today)
    all_rows, _, all_peak = cases_export_peak(first, today)
    ratio = all_peak / small_peak if small_peak else float("inf")
    out.write(
        f"cases export peak memory (tracemalloc): {small_rows:,} rows {small_peak / 2**20:.1f} MiB, "
        f"{all_rows:,} rows {all_peak / 2**20:.1f} MiB "
        f"({ratio:.2f}x for {all_rows / max(small_rows, 1):.1f}x the rows)\n"
    )

    version = (
        connection.Database.sqlite_version
        if connection.vendor == "sqlite"
        else f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    )
    out.write(f"Database: {connection.vendor} {version}; {Case.objects.count():,} cases\n")
    met_p95, met_rate, met_flat = not slow, rate >= TARGET_ROWS_PER_S, ratio <= FLAT_FACTOR
    out.write(
        f"fragment p95 under {TARGET_P95_MS:.0f} ms: {'met' if met_p95 else 'NOT met'}"
        + (
            ""
            if met_p95
            else f" ({len(slow)} of {len(todo)} over; the slowest: "
            + ", ".join(f"{n} {ms:.0f} ms" for n, ms in sorted(slow, key=lambda item: -item[1])[:5])
            + ")"
        )
        + "\n"
    )
    out.write(
        f"case export at least {TARGET_ROWS_PER_S:,.0f} rows/s: {'met' if met_rate else 'NOT met'} "
        f"({rate:,.0f} rows/s)\n"
    )
    out.write(
        f"memory flat (peak at {all_rows:,} rows at most {FLAT_FACTOR}x the peak at {small_rows:,}): "
        f"{'met' if met_flat else 'NOT met'} ({ratio:.2f}x)\n"
    )
    return 0 if met_p95 and met_rate and met_flat else 1


if __name__ == "__main__":
    sys.exit(main())
