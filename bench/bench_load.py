#!/usr/bin/env python
"""Putright load test: the report form and the API under concurrent clients, then a recount of the database.

Not a test of its own (tests/test_bench_load.py runs a small one). For each tree, the baseline (a git ref,
checked out in a temporary worktree) and the current one (this checkout), it builds a fresh database,
starts the production stack on loopback (web server, task workers, an SMTP sink), sends a fixed number
of reports through the form and through ``POST /api/cases`` at each client count, waits for the workers
to finish, and counts what the database and the mailbox hold against what the clients were told.

    .venv/bin/python bench/bench_load.py [--clients 8,32] [--requests 200] [--baseline REF | --no-baseline]
                                         [--database-url postgres://user:pw@host:5432/db]

Exit status 1 ("FAIL: …") when the current tree answered any error, lost or duplicated a report, or left
work unfinished; the baseline's faults are printed, not failed on. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import psycopg
from _common import percentile
from load_stack import ACK_SUBJECT, RECOUNT_CODE, SERVERS, Tree, listen_overflows, tree_up, work_left

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from putright.progress import ProgressBar  # noqa: E402 - found through ROOT, set just above

# main just before the after-commit work became an outbox: the tree whose 500s and lost work the outbox fixes.
DEFAULT_BASELINE = "51e7ce5"
RETRY_EVERY = 10  # every 10th API request is sent again with the same Idempotency-Key
REQUEST_TIMEOUT_S = 120
KINDS = ("form", "api")
MARKER = re.compile(r"^LOAD-\S+")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Words for the reports: a few kinds of problem, so the analysis in the worker groups some and not others.
PROBLEMS = [
    ("Parcel arrived damaged", "The box was crushed and the kettle inside is dented and leaks."),
    ("Charged twice", "My card was charged twice for the same order last week and I only got one."),
    ("Broadband keeps dropping", "The connection drops every evening for an hour, since the upgrade."),
    ("Refund not received", "You promised a refund for the returned jacket three weeks ago; nothing yet."),
    ("Wrong size delivered", "I ordered the boots in size 8 and received size 6, the label says 8."),
    ("Engineer did not come", "I took a day off work for the engineer visit and nobody turned up."),
    ("Subscription not cancelled", "I cancelled in March but you keep taking the monthly payment."),
    ("Rude call handler", "The person on the phone hung up on me when I asked for a manager."),
]
MOODS = ["", " I am really fed up.", " Please sort it out.", " This is the second time.", " Thanks."]

# ---------------------------------------------------------------- the clients


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes


def request(
    port: int, method: str, path: str, *, body: bytes | None = None, headers=None, timeout=REQUEST_TIMEOUT_S
):
    """One request on a connection of its own (clients do not share connections)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


@dataclass
class Outcome:
    """What one client was told for one report (its retry, for the API, in ``retry``)."""

    marker: str
    ok: bool
    code: str  # "201", "303", "500", "GET 500", "timeout", "ConnectionResetError"…
    latency_ms: float
    reference: str = ""
    retry: str = ""  # for a resent API request: "same", "another case", or what it answered instead


def report_words(rng: random.Random, marker: str) -> tuple[str, str]:
    subject, description = rng.choice(PROBLEMS)
    return f"{marker} {subject}", description + rng.choice(MOODS)


def form_report(port: int, marker: str, rng: random.Random) -> Outcome:
    """GET /report/ for the CSRF cookie and token, then POST the form; success is the thanks page's redirect."""
    t0 = time.perf_counter()
    page = request(port, "GET", "/report/")
    cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("set-cookie", ""))
    token = CSRF_INPUT.search(page.body.decode(errors="replace"))
    if page.status != 200 or not cookie or not token:
        return Outcome(marker, False, f"GET {page.status}", (time.perf_counter() - t0) * 1000)
    subject, description = report_words(rng, marker)
    fields = {
        "csrfmiddlewaretoken": token.group(1),
        "name": "Load Tester",
        "email": f"{marker.lower()}@load.example",
        "phone": "",
        "subject": subject,
        "category": "",
        "description": description,
        "desired_outcome": "Put it right, please.",
        "order_reference": "",
        "amount_in_dispute": "",
        "consent": "on",
        "leave_this_empty": "",
    }
    t0 = time.perf_counter()
    answer = request(
        port,
        "POST",
        "/report/",
        body=urllib.parse.urlencode(fields).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie.group(1)}",
        },
    )
    latency = (time.perf_counter() - t0) * 1000
    # The thanks page: /report/thanks/<token>/ before the customer's link moved out of the address,
    # /my-case/<reference>/thanks/ after.
    ok = answer.status in (302, 303) and "/thanks/" in answer.headers.get("location", "")
    return Outcome(marker, ok, str(answer.status), latency)


def api_report(port: int, marker: str, rng: random.Random, token: str, resend: bool) -> Outcome:
    """POST /api/cases with a unique Idempotency-Key; when ``resend`` and it was created, again with the same
    key and body, which must answer 200 with the same case."""
    subject, description = report_words(rng, marker)
    body = json.dumps(
        {
            "customer": {"name": "Load Tester", "email": f"{marker.lower()}@load.example"},
            "subject": subject,
            "description": description,
            "desired_outcome": "Put it right, please.",
            "consent": True,
        }
    ).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": f"{marker}-{uuid.uuid4()}",
    }
    t0 = time.perf_counter()
    answer = request(port, "POST", "/api/cases", body=body, headers=headers)
    latency = (time.perf_counter() - t0) * 1000
    reference = reference_of(answer) if answer.status == 201 else ""
    outcome = Outcome(marker, bool(reference), str(answer.status), latency, reference)
    if resend and reference:  # only a created case can be asked for again
        again = call_safely(lambda: request(port, "POST", "/api/cases", body=body, headers=headers))
        if isinstance(again, str):
            outcome.retry = again
        elif again.status != 200:
            outcome.retry = str(again.status)
        else:
            outcome.retry = "same" if reference_of(again) == reference else "another case"
    return outcome


def reference_of(answer: Answer) -> str:
    try:
        return str(json.loads(answer.body).get("reference") or "")
    except (ValueError, AttributeError):
        return ""


def call_safely(call):
    """The call's result, or the name of the transport error it raised (a dropped connection, a timeout)."""
    try:
        return call()
    except TimeoutError:
        return "timeout"
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__


@dataclass
class Phase:
    tree: str
    kind: str
    clients: int
    outcomes: list[Outcome]
    elapsed_s: float
    overflows: int | None  # the kernel's listen-queue overflows during the phase

    @property
    def created(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def resent(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.retry]

    @property
    def requests(self) -> int:
        return len(self.outcomes) + len(self.resent)

    @property
    def errors(self) -> Counter:
        """Non-success answers by status (or transport error); a retry that did not answer 200 counts too."""
        counts = Counter(o.code for o in self.outcomes if not o.ok)
        counts.update(f"retry {o.retry}" for o in self.resent if o.retry != "same")
        return counts

    @property
    def throughput(self) -> float:
        return self.created / self.elapsed_s if self.elapsed_s else float("nan")

    def p(self, q: float) -> float:
        return percentile([o.latency_ms for o in self.outcomes], q)


def load_phase(tree: Tree, kind: str, clients: int, count: int, seed: int) -> Phase:
    """``count`` reports of one kind from ``clients`` threads, each taking the next report when it is free."""
    markers = [f"LOAD-{tree.label}-{clients}-{kind}-{i:05d}" for i in range(count)]
    outcomes: list[Outcome | None] = [None] * count
    next_index = iter(range(count))
    lock = threading.Lock()
    bar = ProgressBar(
        count,
        write=sys.stderr.write,
        flush=sys.stderr.flush,
        label=f"{tree.label} {kind} × {clients} clients ",
        interactive=sys.stderr.isatty(),
    )
    done = [0]

    def client(number: int) -> None:
        rng = random.Random(f"{seed}-{tree.label}-{kind}-{clients}-{number}")
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            marker = markers[i]
            t0 = time.perf_counter()
            if kind == "form":
                result = call_safely(partial(form_report, tree.port, marker, rng))
            else:
                resend = i % RETRY_EVERY == 0
                result = call_safely(partial(api_report, tree.port, marker, rng, tree.token, resend))
            if isinstance(result, str):
                result = Outcome(marker, False, result, (time.perf_counter() - t0) * 1000)
            outcomes[i] = result
            with lock:
                done[0] += 1
                bar.update(done[0])

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    overflows = listen_overflows()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)  # a short join, so Ctrl-C reaches this thread
    elapsed = time.perf_counter() - started
    bar.finish()
    after = listen_overflows()
    overflowed = after - overflows if after is not None and overflows is not None else None
    return Phase(tree.label, kind, clients, [o for o in outcomes if o is not None], elapsed, overflowed)


# ---------------------------------------------------------------- draining and recounting


@dataclass
class Recount:
    tree: str
    vendor: str
    sent: int
    answered_ok: int
    cases: int = 0
    duplicated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # answered as created, not in the database
    behind_error: list[str] = field(default_factory=list)  # answered 5xx or dropped, in the database anyway
    no_ack: list[str] = field(default_factory=list)
    ack_not_sent: list[str] = field(default_factory=list)
    ack_not_received: list[str] = field(default_factory=list)
    ack_twice: list[str] = field(default_factory=list)
    unanalysed: list[str] = field(default_factory=list)
    tasks: Counter = field(default_factory=Counter)  # (task path, status) → rows
    jobs: Counter | None = None  # (task, status) → rows; None where the tree has no jobs_job table
    drain: str = ""
    drained: bool = False
    processes: list[str] = field(default_factory=list)  # how each process ended, and what its log says
    overflows: int | None = None  # the kernel's listen-queue overflows during this tree's load phases
    workers_died: list[str] = field(default_factory=list)

    @property
    def lost(self) -> set[str]:
        return {
            *self.missing,
            *self.no_ack,
            *self.ack_not_sent,
            *self.ack_not_received,
            *self.unanalysed,
        }

    @property
    def unfinished(self) -> int:
        tasks = sum(n for (_, status), n in self.tasks.items() if status != "SUCCESSFUL")
        jobs = sum(n for (_, status), n in (self.jobs or {}).items() if status != "done")
        return tasks + jobs


def first_arg(args) -> object:
    """The first positional argument of a task row (``{"args": [...]}``) or of a job (``[...]``)."""
    if isinstance(args, dict):
        args = args.get("args") or []
    return args[0] if isinstance(args, list) and args else None


def drain(tree: Tree, timeout: float, say) -> tuple[float, bool, str]:
    """Wait until the tree's workers have nothing left to do: (seconds waited, drained, what is left)."""
    workers = [p for p in tree.processes if p.name != "web"]
    t0 = time.monotonic()
    last_said = 0.0
    while True:
        try:
            left = work_left(tree.db)
        except (sqlite3.Error, psycopg.Error) as exc:
            # A database busy with others (PostgreSQL's "too many clients") only delays the count: ask again.
            say(f"{tree.label}: could not count the work left ({str(exc).strip()[:120]}); trying again")
            left = None
        waited = time.monotonic() - t0
        if left == 0:
            return waited, True, ""
        what = "work not countable" if left is None else f"{left} task(s)/job(s) left"
        if not any(p.popen.poll() is None for p in workers):
            return waited, False, f"{what} and no worker running after {waited:.1f}s"
        if waited > timeout:
            return waited, False, f"{what} after the {timeout:g}s drain timeout"
        if waited - last_said >= 10 and left is not None:
            say(f"{tree.label}: {what} after {waited:.0f}s")
            last_said = waited
        time.sleep(1)


def recount_of(tree: Tree, phases: list[Phase], drains: list[tuple[float, bool, str]]) -> Recount:
    """What the database and the mail sink hold, against what the clients were told."""
    tree.env["BENCH_MARKER_PREFIX"] = f"LOAD-{tree.label}-"
    tree.env["BENCH_ACK_SUBJECT"] = ACK_SUBJECT
    data = json.loads(tree.shell(RECOUNT_CODE, "BENCH-JSON"))
    stuck = [what for _, drained, what in drains if not drained]
    drained = not stuck
    drain = (
        f"drained after each phase (longest wait {max(w for w, _, _ in drains):.1f}s)"
        if drained
        else "; ".join(stuck)
    )
    outcomes = {o.marker: o for phase in phases for o in phase.outcomes}
    recount = Recount(tree.label, tree.db.vendor, len(outcomes), sum(1 for o in outcomes.values() if o.ok))
    recount.drain, recount.drained = drain, drained
    cases_of: dict[str, list[int]] = {}
    email_of: dict[int, str] = {}
    for case_id, subject, _reference, email in data["cases"]:
        found = MARKER.match(subject)
        if found:
            cases_of.setdefault(found.group(0), []).append(case_id)
            email_of[case_id] = email.lower()
    recount.cases = sum(len(ids) for ids in cases_of.values())
    acks: dict[int, list[str]] = {}
    for case_id, status in data["acks"]:
        acks.setdefault(case_id, []).append(status)
    analysed = {
        first_arg(args)
        for path, status, args in data["tasks"]
        if path.endswith(".case_analyse") and status == "SUCCESSFUL"
    } | {
        first_arg(args)
        for task, status, args in data["jobs"] or []
        if task.endswith(".case_analyse") and status == "done"
    }
    mailed = tree.sink.acks_by_address() if tree.sink else Counter()
    for marker, outcome in sorted(outcomes.items()):
        ids = cases_of.get(marker, [])
        if len(ids) > 1:
            recount.duplicated.append(marker)
        if outcome.ok and not ids:
            recount.missing.append(marker)
        if not outcome.ok and ids and (outcome.code.startswith("5") or not outcome.code[:1].isdigit()):
            recount.behind_error.append(marker)
        for case_id in ids:
            statuses = acks.get(case_id, [])
            if not statuses:
                recount.no_ack.append(marker)
            elif any(status != "sent" for status in statuses):
                recount.ack_not_sent.append(marker)
            received = mailed.get(email_of[case_id], 0)
            if statuses and received == 0:
                recount.ack_not_received.append(marker)
            elif received > len(ids):
                recount.ack_twice.append(marker)
            if case_id not in analysed:
                recount.unanalysed.append(marker)
    recount.tasks = Counter((path, status) for path, status, _ in data["tasks"])
    if data["jobs"] is not None:
        recount.jobs = Counter((task, status) for task, status, _ in data["jobs"])
    known = [ph.overflows for ph in phases if ph.overflows is not None]
    recount.overflows = sum(known) if known else None
    return recount


TRACEBACK_LAST_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*)$")


def processes_report(tree: Tree, recount: Recount) -> None:
    """How each process ended and the errors its log shows: a worker that died is work nobody will do."""
    for process in tree.processes:
        code = process.popen.poll()
        errors = Counter()
        for line in process.log.read_text(errors="replace").splitlines():
            found = TRACEBACK_LAST_LINE.match(line)
            if found:
                errors[found.group(1)[:100]] += 1
        state = "running until stopped" if code is None else f"EXITED with status {code} during the run"
        shown = "; ".join(f"{text} ×{n}" for text, n in errors.most_common(3))
        recount.processes.append(f"{process.name}: {state}" + (f"; its log: {shown}" if shown else ""))
        if code is not None and process.name != "web":
            recount.workers_died.append(f"{process.name} (status {code})")


# ---------------------------------------------------------------- printing


def counts(counter) -> str:
    """``500×3, timeout×1``; a key of several parts (task path, status) is written with spaces."""
    named = {" ".join(key) if isinstance(key, tuple) else key: n for key, n in counter.items()}
    return ", ".join(f"{key}×{n}" for key, n in sorted(named.items())) or "0"


def phase_table(phases: list[Phase]) -> str:
    head = (
        f"{'tree':<9} {'kind':<5} {'clients':>7} {'requests':>8} {'ok':>6}  {'errors':<22} {'creates/s':>9} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  resent (same Idempotency-Key)"
    )
    lines = [head, "-" * len(head)]
    order = {"baseline": 0, "current": 1}
    for ph in sorted(phases, key=lambda ph: (order[ph.tree], ph.clients, KINDS.index(ph.kind))):
        same = sum(1 for o in ph.resent if o.retry == "same")
        resent = f"{same}/{len(ph.resent)} answered 200 with the same case" if ph.resent else ""
        ok = ph.created + same
        lines.append(
            f"{ph.tree:<9} {ph.kind:<5} {ph.clients:>7} {ph.requests:>8} {ok:>6}  {counts(ph.errors):<22} "
            f"{ph.throughput:>9.1f} {ph.p(50):>8.1f} {ph.p(95):>8.1f} {ph.p(99):>8.1f}  {resent}"
        )
    return "\n".join(lines)


def recount_text(r: Recount, errors: int) -> str:
    jobs = "no jobs_job table (the design before the outbox)" if r.jobs is None else counts(r.jobs)
    return "\n".join(
        [
            f"Recount, {r.tree} ({r.vendor}): {r.sent} reports sent, {r.answered_ok} answered as created, "
            f"{r.cases} cases in the database; {r.drain}",
            f"  errors {errors}, lost {len(r.lost)}, duplicated {len(r.duplicated)}, "
            f"committed behind an error {len(r.behind_error)}, unfinished work {r.unfinished}, "
            f"e-mailed twice {len(r.ack_twice)}",
            f"  lost: {len(r.missing)} answered as created but missing, {len(r.no_ack)} without an acknowledgement, "
            f"{len(r.ack_not_sent)} acknowledgements not e-mailed, {len(r.ack_not_received)} not received by the "
            f"mail sink, {len(r.unanalysed)} without a finished analysis",
            *(
                f"  {what}: {', '.join(markers[:5])}{' …' if len(markers) > 5 else ''}"
                for what, markers in (
                    ("duplicated", r.duplicated),
                    ("lost", sorted(r.lost)),
                    ("committed behind an error", r.behind_error),
                )
                if markers
            ),
            f"  tasks (django_tasks_db) by path and status: {counts(r.tasks)}",
            f"  jobs (outbox) by task and status: {jobs}",
            *(f"  {line}" for line in r.processes),
            *(
                [
                    f"  kernel: {r.overflows} connection(s) found a listen queue full during the load (runserver's "
                    "holds 10; such a connection waits, or is reset before Django sees it)"
                ]
                if r.overflows
                else []
            ),
        ]
    )


def faults(r: Recount, errors: int) -> list[str]:
    found = [
        f"{errors} error(s)" if errors else "",
        f"{len(r.lost)} lost" if r.lost else "",
        f"{len(r.duplicated)} duplicated" if r.duplicated else "",
        f"{len(r.behind_error)} committed behind an error" if r.behind_error else "",
        f"{r.unfinished} unfinished task(s)/job(s)" if r.unfinished else "",
        f"{len(r.ack_twice)} acknowledgement(s) e-mailed twice" if r.ack_twice else "",
        "" if r.drained else f"not drained ({r.drain})",
        f"worker(s) died: {', '.join(r.workers_died)}" if r.workers_died else "",
    ]
    return [f for f in found if f]


# ---------------------------------------------------------------- the run


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def client_counts(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("client counts must be whole numbers of at least 1")
    return values


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=client_counts, default=[8, 32], help="client counts (default 8,32)")
    parser.add_argument(
        "--requests", type=positive, default=200, help="reports per client count and per kind (default 200)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL server (databases putright_bench_base_PID and _cur_PID are created and dropped); "
        "default $DATABASE_URL, else an SQLite file in a temporary folder",
    )
    parser.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        help=f"git ref of the tree to compare with (default {DEFAULT_BASELINE}: main before the outbox)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="measure the current tree only")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=180,
        help="seconds to wait for the workers afterwards (default 180)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed for the reports' words (default 7)")
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default="gunicorn",
        help="the web server: gunicorn as in production (2 processes × 4 threads, default), or runserver as "
        "`make run` has it (one process; its listen queue of 10 resets connections past that)",
    )
    parser.add_argument(
        "--require-speedup",
        type=float,
        metavar="X",
        help="also fail unless the current tree creates at least X times the baseline's cases/s at 8 clients",
    )
    args = parser.parse_args(argv)
    if args.require_speedup is not None and (args.no_baseline or 8 not in args.clients):
        parser.error(
            "--require-speedup compares with the baseline at 8 clients: keep the baseline and 8 in --clients"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # SIGTERM (or a closed terminal) ends the run like Ctrl-C: the finally blocks stop and remove everything.
    # SIGINT too when started in the background, where the shell has it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: sys.exit(128 + signum))
    out = sys.stdout

    def say(line: str) -> None:
        out.flush()
        print(line, file=sys.stderr, flush=True)

    scratch = Path(tempfile.mkdtemp(prefix="putright-load-"))
    trees = [
        Tree(
            "current",
            ROOT,
            f"this checkout ({git('rev-parse', '--short', 'HEAD')}"
            + (
                ", with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ")"
            ),
        )
    ]
    worktree = None
    try:
        if not args.no_baseline:
            worktree = scratch / "baseline-tree"
            commit = git("rev-parse", "--short", f"{args.baseline}^{{commit}}")
            git("worktree", "add", "--detach", str(worktree), commit)
            trees.insert(0, Tree("baseline", worktree, f"{args.baseline} ({commit})"))
        out.write(
            f"Putright load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"clients {','.join(map(str, args.clients))}, {args.requests} reports per client count and kind\n"
        )
        for tree in trees:
            out.write(f"  {tree.label}: {tree.describe}\n")
        for tree in trees:
            kind_of_db = "base" if tree.label == "baseline" else "cur"
            tree_up(
                tree,
                args.database_url,
                scratch,
                f"putright_bench_{kind_of_db}_{os.getpid()}",
                say,
                server=args.server,
            )
        phases: list[Phase] = []
        drains: dict[str, list] = {tree.label: [] for tree in trees}
        # The trees take turns, phase by phase, and swap who goes first each time (AB, BA, AB…): anything
        # else loading the machine for a while then weighs on both alike. After each phase its tree's workers
        # finish what it queued, so the next phase, of either tree, starts from an idle stack.
        steps = [(clients, kind) for clients in args.clients for kind in KINDS]
        for n, (clients, kind) in enumerate(steps):
            for tree in trees if n % 2 == 0 else trees[::-1]:
                phase = load_phase(tree, kind, clients, args.requests, args.seed)
                phases.append(phase)
                waited, drained, left = drain(tree, args.drain_timeout, say)
                drains[tree.label].append((waited, drained, left))
                say(
                    f"{tree.label}: {kind} × {clients} clients: {phase.created} created in {phase.elapsed_s:.1f}s, "
                    + (f"queued work done {waited:.1f}s later" if drained else left)
                )
        recounts: dict[str, Recount] = {}
        for tree in trees:
            recounts[tree.label] = recount_of(
                tree, [ph for ph in phases if ph.tree == tree.label], drains[tree.label]
            )
            processes_report(tree, recounts[tree.label])
        return verdict(out, args, phases, recounts)
    finally:
        for tree in trees:
            tree.stop()
            if tree.db is not None:
                tree.db.cleanup()
        if worktree is not None:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True
            )
            subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def verdict(out, args, phases: list[Phase], recounts: dict[str, Recount]) -> int:
    out.write("\n" + phase_table(phases) + "\n\n")
    errors = {label: sum(sum(ph.errors.values()) for ph in phases if ph.tree == label) for label in recounts}
    for label, recount in recounts.items():
        out.write(recount_text(recount, errors[label]) + "\n\n")
    failing = []
    if "baseline" in recounts:
        by = {(ph.tree, ph.kind, ph.clients): ph for ph in phases}
        for clients in args.clients:
            ratios = {
                kind: by[("current", kind, clients)].throughput / by[("baseline", kind, clients)].throughput
                if by[("baseline", kind, clients)].throughput
                else float("inf")
                for kind in KINDS
            }
            out.write(
                f"Speedup at {clients} clients (current ÷ baseline, creates/s): "
                + ", ".join(f"{kind} {ratio:.2f}×" for kind, ratio in ratios.items())
                + "\n"
            )
            if clients == 8 and args.require_speedup is not None:
                failing += [
                    f"{kind} speedup {ratio:.2f}× at 8 clients is below the required {args.require_speedup:g}×"
                    for kind, ratio in ratios.items()
                    if ratio < args.require_speedup
                ]
        found = faults(recounts["baseline"], errors["baseline"])
        out.write(f"Baseline faults (printed, not failed on): {'; '.join(found) if found else 'none'}\n")
    failing = faults(recounts["current"], errors["current"]) + failing
    if failing:
        out.write(f"FAIL: current tree: {'; '.join(failing)}\n")
        return 1
    out.write("PASS: current tree: 0 errors, 0 lost, 0 duplicated, no unfinished work\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print(
            "\nbench: interrupted; the stacks are stopped, their databases and the baseline's tree removed",
            file=sys.stderr,
        )
        sys.exit(130)
