#!/usr/bin/env python
"""Putright case benchmark: API case creation and queue reads over a large, realistic database.

Not a test. It builds a throwaway database (an SQLite file in a temporary
folder, or a database named ``putright_bench`` on the PostgreSQL server that
``DATABASE_URL`` points at, dropped at the end), migrates it, seeds background
cases, then measures in-process through Django's test client:

  (a) POST /api/cases — case creation through the API (every 10th with an
      Idempotency-Key, retried once: the retry must answer 200 with the same case);
  (b) GET /api/cases?scope=team|mine and with a status filter (first page of 50);
  (c) GET /cases/ — the HTML queue page for a signed-in agent;
  and, as a baseline, the ORM alone: ``selectors.case_queue(...)`` evaluated to 50 rows.

Background rows are bulk-inserted directly (customers, cases, some promises;
no timeline events) because going through the services for 100,000 cases would
take hours; every *measured* operation goes through the real API, services and
views. See bench/README.md.

    .venv/bin/python bench/bench_cases.py [--cases 100000] [--creates 500] [--reads 200]
                                          [--database-url postgres://user:pw@host:5432/db]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import Database, percentile, run_on_throwaway_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "putright_bench"
WARMUP = 5


# ---------------------------------------------------------------- measuring


@dataclass
class Result:
    name: str
    latencies_ms: list[float]
    elapsed_s: float
    statuses: dict[int, int]
    note: str = ""

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else float("nan")


def measure(name: str, repeat: int, call: Callable[[int], int], *, warmup: int = WARMUP) -> Result:
    """Run ``call(i)`` ``warmup`` times unmeasured, then ``repeat`` times; ``call`` returns an HTTP status."""
    for i in range(warmup):
        call(-1 - i)
    latencies, statuses = [], {}
    started = time.perf_counter()
    for i in range(repeat):
        t0 = time.perf_counter()
        status = call(i)
        latencies.append((time.perf_counter() - t0) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return Result(name, latencies, time.perf_counter() - started, statuses)


def measure_interleaved(
    ops: list[tuple[str, Callable[[int], int]]], repeat: int, *, progress: Callable[[int], None] | None = None
) -> list[Result]:
    """Like ``measure`` for several operations at once, taking turns: each round runs every operation once.

    Anything else slowing the machine for a while then slows every operation
    alike, so their differences (the API's overhead over its ORM query) stay fair.
    """
    for i in range(WARMUP):
        for _, call in ops:
            call(-1 - i)
    latencies: list[list[float]] = [[] for _ in ops]
    spent = [0.0] * len(ops)
    statuses: list[dict[int, int]] = [{} for _ in ops]
    for i in range(repeat):
        for j, (_, call) in enumerate(ops):
            t0 = time.perf_counter()
            status = call(i)
            took = time.perf_counter() - t0
            latencies[j].append(took * 1000)
            spent[j] += took
            statuses[j][status] = statuses[j].get(status, 0) + 1
        if progress:
            progress(i + 1)
    return [Result(name, latencies[j], spent[j], statuses[j]) for j, (name, _) in enumerate(ops)]


def table(results: list[Result]) -> str:
    head = f"{'operation':<58} {'n':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  status"
    lines = [head, "-" * len(head)]
    for r in results:
        statuses = ", ".join(f"{code}×{n}" for code, n in sorted(r.statuses.items()))
        lines.append(
            f"{r.name:<58} {len(r.latencies_ms):>5} {r.throughput:>8.1f} {r.percentile(50):>8.2f} "
            f"{r.percentile(95):>8.2f} {r.percentile(99):>8.2f}  {statuses}{r.note}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- seeding


def staff_create():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from putright.authority.models import ApiToken

    User = get_user_model()
    users = {}
    for username, role in [
        ("agent1", "agent"),
        ("agent2", "agent"),
        ("agent3", "agent"),
        ("agent4", "agent"),
        ("supervisor", "supervisor"),
        ("manager", "manager"),
    ]:
        user = User.objects.create(
            username=username, first_name=username.capitalize(), email=f"{username}@bench.example"
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=users["agent1"], name="benchmark", prefix=prefix, key_hash=key_hash)
    return users, raw


def story_pool(rng: random.Random, size: int) -> list:
    """Realistic subjects and descriptions, written once by the demo's story generator and reused."""
    from putright.demo import content
    from putright.demo import stories as demo
    from putright.vocab import SourceKind

    kinds = list(SourceKind)
    today = datetime.now(UTC).date()
    pool = []
    for i in range(size):
        ctx = demo.Ctx(
            rng,
            reported_on=today - timedelta(days=i % 700),
            tone=rng.choice(content.data("organisation")["tones"]),
            handler_first="Alex",
        )
        kind = kinds[0] if rng.random() < 0.7 else rng.choice(kinds)
        pool.append((kind, demo.story_for(kind, ctx), ctx.customer))
    return pool


def background_seed(count: int, users: dict, pool: list, rng: random.Random, progress) -> None:
    """Bulk-insert ``count`` customers and cases (no events), plus promises on some open cases.

    Statuses are a plausible mix for two years of history: most cases closed,
    about one in ten open, the open ones recent.
    """
    from django.db import transaction

    from putright.cases.models import Case, Category, Promise, ReferenceCounter
    from putright.customers.models import Customer
    from putright.vocab import OPEN_STATUSES, PromiseStatus, Status, Understanding

    categories = {
        slug: Category.objects.get(slug=slug) for slug in Category.objects.values_list("slug", flat=True)
    }
    agents = [users[f"agent{i}"] for i in range(1, 5)]
    now = datetime.now(UTC)
    open_weights = {
        Status.NEW: 20,
        Status.OPTIONS: 15,
        Status.AWAITING_APPROVAL: 8,
        Status.AWAITING_CUSTOMER: 14,
        Status.IN_PROGRESS: 25,
        Status.AWAITING_CONFIRMATION: 12,
        Status.NOT_RESOLVED: 6,
    }
    open_statuses, open_w = list(open_weights), list(open_weights.values())
    channels = ["web", "email", "phone", "in_person", "api", "internal"]

    # Creation times first, in order, so references run chronologically like real ones.
    plans = []
    for _ in range(count):
        is_open = rng.random() < 0.10
        age = timedelta(days=rng.uniform(0, 60) if is_open else rng.uniform(3, 730))
        plans.append((now - age, is_open))
    plans.sort(key=lambda p: p[0])
    counters: dict[int, int] = {}
    batch = 2000
    done = 0
    for start in range(0, count, batch):
        chunk = plans[start : start + batch]
        customers, cases = [], []
        for created, is_open in chunk:
            kind, story, who = rng.choice(pool)
            status = (
                rng.choices(open_statuses, weights=open_w)[0]
                if is_open
                else (Status.CLOSED_RESOLVED if rng.random() < 0.85 else Status.CLOSED_UNRESOLVED)
            )
            customers.append(
                Customer(
                    name=who.name,
                    email=who.email,
                    phone=who.phone,
                    consent_given_at=created,
                    consent_text="Consent to process my details to handle this problem.",
                    created_at=created,
                )
            )
            counters[created.year] = counters.get(created.year, 0) + 1
            if status == Status.NEW:
                understanding = rng.choice([Understanding.NOT_STARTED, Understanding.AWAITING_CUSTOMER])
            else:
                # Problems staff found themselves (b, d, e) usually skip the customer's confirmation.
                understanding = Understanding.SKIPPED if kind in "bde" else Understanding.CONFIRMED
            assignee = None if status == Status.NEW and rng.random() < 0.5 else rng.choice(agents)
            closed = status in (Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED)
            updated = min(created + timedelta(days=rng.uniform(0.1, 20)), now)
            cases.append(
                Case(
                    reference=f"PR-{created.year}-{counters[created.year]:06d}",
                    channel=rng.choice(channels),
                    source_kind=kind,
                    category=categories.get(story.category),
                    subject=story.subject,
                    description=story.description,
                    desired_outcome=story.desired_outcome,
                    order_reference=story.order_reference,
                    amount_in_dispute=story.amount,
                    status=status,
                    assignee=assignee,
                    understanding=understanding,
                    understanding_summary=story.summary if understanding != Understanding.NOT_STARTED else "",
                    created_at=created,
                    updated_at=updated,
                    last_customer_update_at=updated,
                    closed_at=updated if closed else None,
                )
            )
        with transaction.atomic():
            Customer.objects.bulk_create(customers)
            for customer, case in zip(customers, cases, strict=True):
                case.customer = customer
            Case.objects.bulk_create(cases)
            promises = [
                Promise(
                    case=case,
                    description="Call the customer back with an update",
                    owner=case.assignee,
                    due_at=now + timedelta(hours=rng.uniform(-72, 120)),
                    created_at=case.updated_at,
                    status=PromiseStatus.OPEN,
                )
                for case in cases
                if case.status in OPEN_STATUSES and case.assignee is not None and rng.random() < 0.3
            ]
            Promise.objects.bulk_create(promises)
        done += len(chunk)
        progress(done)
    # Reports made through the API from here on must carry on from the seeded numbers.
    for year, last in counters.items():
        ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})


# ---------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cases", type=int, default=100_000, help="background cases to seed (default 100000)"
    )
    parser.add_argument("--creates", type=int, default=500, help="POST /api/cases requests (default 500)")
    parser.add_argument("--reads", type=int, default=200, help="requests per read operation (default 200)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL server to use (a database putright_bench is created and dropped); "
        "default: an SQLite file in a temporary folder",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--analyze",
        choices=["auto", "yes", "no"],
        default="auto",
        help="gather planner statistics after seeding; auto: on PostgreSQL (autovacuum would), not on "
        "SQLite (nothing does in a deployment)",
    )
    args = parser.parse_args(argv)

    return run_on_throwaway_database(args.database_url, BENCH_DB, lambda db: run(args, db))


def run(args, db: Database) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from putright.audit.models import Event
    from putright.cases import selectors
    from putright.cases.models import Case, Category
    from putright.customers.models import Customer
    from putright.demo.content import categories as demo_categories
    from putright.progress import ProgressBar
    from putright.vocab import Status

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(args.seed)
    out = sys.stdout

    def bar(total: int, label: str) -> ProgressBar:
        out.flush()  # so the results printed so far come before the bar when both go to one terminal
        progress = ProgressBar(total, write=sys.stderr.write, flush=sys.stderr.flush, label=label)
        progress.update(0)
        return progress

    out.write(
        f"Putright benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}, Django {django.get_version()}\n"
    )
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    out.write(f"Migrated a fresh {db.vendor} database ({db.where}) in {time.perf_counter() - t0:.1f}s\n")
    for name, slug, description in demo_categories():
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    users, token = staff_create()
    pool = story_pool(rng, 600)

    t0 = time.perf_counter()
    seeding = bar(args.cases, "Seeding background cases ")
    background_seed(args.cases, users, pool, rng, seeding.update)
    seeding.finish()
    seeded_s = time.perf_counter() - t0
    out.write(
        f"Seeded {args.cases:,} background cases (bulk insert, no timeline events) in {seeded_s:.1f}s\n"
    )
    # The planner picks the queue's plan from table statistics: without them both databases sort every
    # open case to return 50. PostgreSQL's autovacuum gathers them soon after a bulk insert.
    analyze = args.analyze == "yes" or (args.analyze == "auto" and db.vendor == "postgresql")
    if analyze:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        out.write(f"Gathered planner statistics (ANALYZE) in {time.perf_counter() - t0:.1f}s\n")
    else:
        out.write("No planner statistics (no ANALYZE), as in a SQLite deployment; --analyze yes to compare\n")
    out.write("\n")

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    results: list[Result] = []
    slugs = [slug for _, slug, _ in demo_categories()]

    # (a) case creation through the API.
    replays: list[tuple[str, dict, str]] = []
    created_refs: dict[str, str] = {}

    def body(i: int) -> dict:
        kind, story, who = rng.choice(pool)
        data = {
            "customer": {"name": who.name, "email": who.email, "phone": who.phone},
            "subject": story.subject,
            "description": story.description,
            "desired_outcome": story.desired_outcome,
            "order_reference": story.order_reference,
            "channel": "api",
            "source_kind": kind,
            "category": rng.choice(slugs),
            "consent": True,
        }
        if story.amount is not None:
            data["amount_in_dispute"] = str(story.amount)
        return data

    def create(i: int) -> int:
        data = body(i)
        headers = {}
        if i >= 0 and i % 10 == 9:
            key = str(uuid.uuid4())
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        response = api.post("/api/cases", data, content_type="application/json", **headers)
        if headers and response.status_code == 201:
            replays.append((key, data, response.json().get("reference", "")))
        return response.status_code

    creating = bar(args.creates, "POST /api/cases ")

    def create_with_progress(i: int) -> int:
        status = create(i)
        if i >= 0:
            creating.update(i + 1)
        return status

    results.append(measure("POST /api/cases (new case)", args.creates, create_with_progress))
    creating.finish()
    available = results[-1].statuses.get(201, 0) > 0
    if not available:
        out.write(
            "\nPOST /api/cases is not answering 201 yet (statuses: "
            f"{results[-1].statuses}); the API figures below are not meaningful.\n"
        )

    def replay(i: int) -> int:
        key, data, reference = replays[i]
        response = api.post("/api/cases", data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
        if response.status_code == 200:
            created_refs[key] = response.json().get("reference", "")
        return response.status_code

    if replays:
        result = measure("POST /api/cases (retry, same Idempotency-Key)", len(replays), replay, warmup=0)
        same = sum(1 for key, _, ref in replays if created_refs.get(key) == ref)
        result.note = f"  (same case returned {same}/{len(replays)})"
        results.append(result)

    # (b) the queues through the API, (c) the HTML page, and the ORM baseline for the same queries.
    agent = users["agent1"]
    queries = [
        ("team", "scope=team&limit=50", selectors.QueueFilters(scope="team")),
        ("mine", "scope=mine&limit=50", selectors.QueueFilters(scope="mine")),
        (
            "team, status=in_progress",
            "scope=team&status=in_progress&limit=50",
            selectors.QueueFilters(scope="team", status=Status.IN_PROGRESS),
        ),
    ]
    web = Client()
    web.force_login(agent)

    def orm_page(filters, *, count: bool = False) -> int:
        rows = list(selectors.case_queue(user=agent, filters=filters)[:50])
        if count:
            selectors.case_queue(user=agent, filters=filters).count()
        return 200 if rows else 204

    reads: list[tuple[str, Callable[[int], int]]] = []
    for _, query, _ in queries:
        reads.append((f"GET /api/cases?{query}", lambda i, q=query: api.get(f"/api/cases?{q}").status_code))
    reads.append(("GET /cases/ (HTML queue, signed-in agent)", lambda i: web.get("/cases/").status_code))
    for label, _, filters in queries:
        reads.append((f"ORM baseline: case_queue({label})[:50]", lambda i, f=filters: orm_page(f)))
    reads.append(
        ("ORM baseline: case_queue(team)[:50] + count()", lambda i: orm_page(queries[0][2], count=True))
    )
    reading = bar(args.reads, "Queue reads ")
    results.extend(measure_interleaved(reads, args.reads, progress=reading.update))
    reading.finish()

    out.write("\n" + table(results) + "\n\n")
    by_name = {r.name: r for r in results}
    for label, query, _ in queries:
        api_r, orm_r = by_name[f"GET /api/cases?{query}"], by_name[f"ORM baseline: case_queue({label})[:50]"]
        out.write(
            f"API overhead over the ORM baseline, {label}: p50 {api_r.percentile(50) - orm_r.percentile(50):+.2f} ms "
            f"({api_r.percentile(50) / orm_r.percentile(50):.1f}× the bare query)\n"
        )
    version = (
        connection.Database.sqlite_version
        if db.vendor == "sqlite"
        else (f"{connection.pg_version // 10000}.{connection.pg_version % 10000}")
    )
    open_count = Case.objects.exclude(status__in=[Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED]).count()
    out.write(
        f"\nDatabase: {connection.vendor} {version}; rows: {Case.objects.count():,} cases "
        f"({open_count:,} open), {Customer.objects.count():,} customers, {Event.objects.count():,} timeline events\n"
    )
    failures = sum(n for r in results for code, n in r.statuses.items() if code >= 400)
    if failures:
        out.write(f"{failures} request(s) did not succeed; see the status column.\n")
    return 0 if available and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
