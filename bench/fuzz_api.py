#!/usr/bin/env python
"""A big schemathesis run over the API: every operation, every check, every phase (coverage included).

Not a test (tests/test_api_fuzz.py runs a small one in the suite). It runs against a running Putright,
e.g. `make run` (the demo organisation gives the operations real cases, problems and breaches to find),
as a staff user's API token, and prints the number of operations, test cases, checks, responses by status,
and every failure. Exit status 1 when anything failed.

    .venv/bin/python bench/fuzz_api.py [--url http://127.0.0.1:8000] [--token TOKEN | --user supervisor]
                                       [--examples 200] [--seed 1] [--phases examples,coverage,fuzzing,stateful]

Without --token it creates one for --user with `manage.py api_token_create` (on the database the
settings name: DATABASE_URL, or the SQLite file `make run` uses).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import api_fuzz  # noqa: E402 - after the path is set

PHASES = "examples,coverage,fuzzing,stateful"


def _token_for(user: str) -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "api_token_create", user, "--name", "fuzz_api"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return out.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="where Putright runs")
    parser.add_argument("--token", help="a staff user's API token (default: a new one for --user)")
    parser.add_argument("--user", default="supervisor", help="whose token to create when --token is absent")
    parser.add_argument("--examples", type=int, default=200, help="most test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phases", default=PHASES, help=f"comma-separated (default {PHASES})")
    args = parser.parse_args()

    token = args.token or _token_for(args.user)
    cfg = api_fuzz.config(
        token=token, max_examples=args.examples, seed=args.seed, phases=args.phases.split(",")
    )
    outcome = api_fuzz.run(api_fuzz.url_schema(args.url, cfg))
    print(outcome.summary())
    missing = set(api_fuzz.ALL_CHECKS) - set(outcome.checks)
    if missing:
        print("checks that never ran: " + ", ".join(sorted(missing)))
    return 1 if outcome.failures or outcome.errors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
