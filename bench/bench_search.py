#!/usr/bin/env python
"""Putright search benchmark: the case search over a large database, beside a plain ``icontains`` baseline.

Not a test. It builds a throwaway database (an SQLite file in a temporary folder, or a database named
``putright_bench_search`` on the PostgreSQL server that ``DATABASE_URL`` points at, dropped at the end),
migrates it, bulk-inserts background cases as bench_cases.py does and at least three messages on each
(the search index is kept by the database's triggers as they go in), then times, taking turns:

  (a) the search: ``search.query.cases_matching`` over every case, closed ones included (``scope=all``, as
      the header's box searches), its count and its first page of 50 — what the queue page and the API run;
  (b) GET /api/cases?q=…&scope=all&include_closed=true — the same through the API;
  (c) the baseline: the same queue narrowed by ``icontains`` on every searched field (messages through
      an EXISTS), its count and its first 50 — what a search without an index costs.

The terms are what agents type, drawn from the seeded rows: a customer's full name, a surname, an
e-mail, a phone, an order reference, a reference's number without its zeros, a reference with its year,
and two words of a subject.

    .venv/bin/python bench/bench_search.py [--cases 100000] [--messages 3] [--queries 100]
                                           [--database-url postgres://user:pw@host:5432/db]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import Database, run_on_throwaway_database
from bench_cases import Result, background_seed, measure_interleaved, staff_create, story_pool, table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "putright_bench_search"
PAGE = 50
TARGET_P95_MS = 50.0

# What customers and agents write after the report, around words of the case itself.
MESSAGE_OPENINGS = [
    "Thanks for getting back to me.",
    "I am still waiting to hear about this.",
    "We have looked into your case and will update you soon.",
    "Could you send a photo of the label and the receipt?",
    "Attached is the photo you asked for.",
    "We have arranged a courier to collect the item on Thursday.",
]

# ---------------------------------------------------------------- seeding


def messages_seed(per_case: int, rng: random.Random, pool: list, progress) -> int:
    """Bulk-insert ``per_case`` messages on every case, alternating customer and staff, in batches."""
    from django.db import transaction

    from putright.cases.models import Case
    from putright.channels.models import Message

    ids = list(Case.objects.order_by("pk").values_list("pk", "created_at"))
    batch, done, written = 2000, 0, 0
    for start in range(0, len(ids), batch):
        rows = []
        for case_id, created in ids[start : start + batch]:
            for n in range(per_case):
                inbound = n % 2 == 0
                _, story, _ = rng.choice(pool)
                words = story.description.split()
                snippet = " ".join(words[: rng.randint(8, 30)])
                rows.append(
                    Message(
                        case_id=case_id,
                        direction=Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
                        prompt=Message.Prompt.CUSTOMER if inbound else Message.Prompt.UNPROMPTED,
                        subject="Message from customer" if inbound else "An update on your case",
                        body=f"{rng.choice(MESSAGE_OPENINGS)} {snippet}",
                        created_at=created + timedelta(hours=n + 1),
                    )
                )
        with transaction.atomic():
            Message.objects.bulk_create(rows)
        written += len(rows)
        done += len(ids[start : start + batch])
        progress(done)
    return written


def terms_pick(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """``count`` (kind, term, reference of the case it was drawn from), the kinds in turn."""
    from putright.cases.models import Case

    total = Case.objects.count()
    kinds = ["full name", "surname", "e-mail", "phone", "order reference", "reference number", "year-number"]
    kinds.append("subject words")
    picked: list[tuple[str, str, str]] = []
    while len(picked) < count:
        case = Case.objects.select_related("customer").order_by("pk")[rng.randrange(total)]
        kind = kinds[len(picked) % len(kinds)]
        year, number = case.reference.split("-")[1:]
        term = {
            "full name": case.customer.name,
            "surname": case.customer.name.split()[-1],
            "e-mail": case.customer.email,
            # Read out over the phone, a number is typed as one run of digits.
            "phone": "".join(ch for ch in case.customer.phone if ch.isdigit()),
            "order reference": case.order_reference,
            "reference number": str(int(number)),
            "year-number": f"{year}-{int(number)}",
            "subject words": " ".join(case.subject.split()[:2]),
        }[kind]
        if term.strip():
            picked.append((kind, term, case.reference))
    return picked


# ---------------------------------------------------------------- what is measured


def search_page(user, text: str) -> tuple[int, list[str]]:
    """The search as the header's box runs it: its count and first page."""
    from putright.cases import selectors
    from putright.search.query import cases_matching, term_parse

    queue = selectors.case_queue(user=user, filters=selectors.QueueFilters(scope="all", include_closed=True))
    found = cases_matching(queue, term_parse(text))
    return found.count(), [c.reference for c in found[:PAGE]]


def baseline_page(user, text: str) -> tuple[int, list[str]]:
    """The same parts matched with ``icontains`` on every field: no index can help."""
    from django.db.models import Exists, OuterRef, Q

    from putright.cases import selectors
    from putright.channels.models import Message
    from putright.search.query import term_parse

    queue = selectors.case_queue(user=user, filters=selectors.QueueFilters(scope="all", include_closed=True))
    for part in term_parse(text).parts:
        in_messages = Exists(Message.objects.filter(case=OuterRef("pk"), body__icontains=part))
        queue = queue.filter(
            Q(reference__icontains=part)
            | Q(customer__name__icontains=part)
            | Q(customer__email__icontains=part)
            | Q(customer__phone__icontains=part)
            | Q(order_reference__icontains=part)
            | Q(subject__icontains=part)
            | Q(description__icontains=part)
            | in_messages
        )
    return queue.count(), [c.reference for c in queue[:PAGE]]


# ---------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed (default 100000)")
    parser.add_argument("--messages", type=int, default=3, help="messages on each case (default 3)")
    parser.add_argument("--queries", type=int, default=100, help="search terms timed (default 100)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help=f"PostgreSQL server to use (a database {BENCH_DB} is created and dropped); "
        "default: an SQLite file in a temporary folder",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)

    return run_on_throwaway_database(args.database_url, BENCH_DB, lambda db: run(args, db))


def run(args, db: Database) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from putright.cases.models import Case, Category
    from putright.channels.models import Message
    from putright.demo.content import categories as demo_categories
    from putright.progress import ProgressBar
    from putright.search.query import COUNT_LIMIT

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(args.seed)
    out = sys.stdout

    def bar(total: int, label: str) -> ProgressBar:
        out.flush()
        progress = ProgressBar(total, write=sys.stderr.write, flush=sys.stderr.flush, label=label)
        progress.update(0)
        return progress

    out.write(
        f"Putright search benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}, Django {django.get_version()}\n"
    )
    call_command("migrate", verbosity=0)
    for name, slug, description in demo_categories():
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    users, token = staff_create()
    pool = story_pool(rng, 600)

    t0 = time.perf_counter()
    seeding = bar(args.cases, "Seeding cases ")
    background_seed(args.cases, users, pool, rng, seeding.update)
    seeding.finish()
    cases_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    seeding = bar(args.cases, "Seeding messages ")
    written = messages_seed(args.messages, rng, pool, seeding.update)
    seeding.finish()
    messages_s = time.perf_counter() - t0
    out.write(
        f"Seeded {args.cases:,} cases in {cases_s:.1f}s and {written:,} messages in {messages_s:.1f}s "
        "(bulk inserts; the triggers index each as it goes in)\n"
    )
    if db.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would soon after a bulk load: statistics, and the GIN indexes' pending lists
            # merged (until then every search reads the lists of recent writes whole) and dead rows gone.
            cursor.execute("VACUUM ANALYZE")

    agent = users["agent1"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    terms = terms_pick(rng, args.queries)
    mismatched: list[str] = []  # informational, see below

    def search(i: int) -> int:
        count, _ = search_page(agent, terms[i % len(terms)][1])
        return 200 if count else 204

    def through_api(i: int) -> int:
        return api.get(
            "/api/cases", {"q": terms[i % len(terms)][1], "scope": "all", "include_closed": "true"}
        ).status_code

    def baseline(i: int) -> int:
        count, _ = baseline_page(agent, terms[i % len(terms)][1])
        return 200 if count else 204

    # Every term once, unmeasured: where the two differ, say so. They may: the search finds words of the
    # texts by their beginnings ("476" is not found inside "£1476"), the baseline anywhere; and the search
    # counts up to its limit (COUNT_LIMIT): past it, the two differ only when the baseline finds fewer.
    for kind, term, _ in terms:
        indexed, plain = search_page(agent, term)[0], baseline_page(agent, term)[0]
        if indexed == COUNT_LIMIT and plain > COUNT_LIMIT:
            continue
        if indexed != plain:
            shown = f"more than {COUNT_LIMIT:,}" if indexed == COUNT_LIMIT else str(indexed)
            mismatched.append(f"{kind} {term!r}: search {shown}, icontains {plain}")

    timing = bar(len(terms), "Searching ")
    results: list[Result] = measure_interleaved(
        [
            ("search: count + first 50 (cases_matching)", search),
            ("GET /api/cases?q=…&scope=all&include_closed=true", through_api),
            ("baseline: icontains on every field, count + first 50", baseline),
        ],
        len(terms),
        progress=timing.update,
    )
    timing.finish()

    out.write("\n" + table(results) + "\n\n")
    by_kind: dict[str, list[float]] = {}
    for (kind, _, _), ms in zip(terms, results[0].latencies_ms, strict=True):
        by_kind.setdefault(kind, []).append(ms)
    out.write(
        "search p50 by kind of term: "
        + ", ".join(f"{k} {sorted(v)[len(v) // 2]:.1f} ms" for k, v in by_kind.items())
        + "\n"
    )
    version = (
        connection.Database.sqlite_version
        if db.vendor == "sqlite"
        else f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    )
    p95 = results[0].percentile(95)
    out.write(
        f"Database: {db.vendor} {version}; {Case.objects.count():,} cases, {Message.objects.count():,} messages\n"
        f"search p95 {p95:.1f} ms (target under {TARGET_P95_MS:.0f} ms): "
        f"{'met' if p95 < TARGET_P95_MS else 'NOT met'}; baseline p95 {results[2].percentile(95):.1f} ms\n"
    )
    out.write(
        f"Terms where the search and the baseline count differently: {len(mismatched)} of {len(terms)}\n"
    )
    for line in mismatched[:10]:
        out.write(f"  {line}\n")
    failures = sum(n for r in results for code, n in r.statuses.items() if code >= 400)
    return 0 if not failures and p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
