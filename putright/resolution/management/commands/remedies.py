"""``putright remedies evaluate FACTS.json`` (or ``-`` for stdin): the remedies engine on the console.

Prints the answer as JSON (the same as ``POST /api/remedies/evaluate``) to stdout. Facts the engine
refuses, an unreadable file or text that is not JSON exit with status 2 and a message naming the problem
(the field, for bad facts) on stderr. A file written with a byte-order mark (as Windows editors save
UTF-8) reads as it does through the API. ``remedies`` takes subcommands so it can grow more.

``putright remedies recheck`` lists the open cases whose legal position changed when the six-month
periods (G7, G9/G10), late cancellation information (C2) and cancellations made in time (C1/C3/C4) were
corrected, each with what changed, so staff can recheck them. It changes nothing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from putright.cases.models import Case
from putright.engines.remedies import FactsError, evaluate, facts_from_dict
from putright.engines.remedies.recheck import position_changes
from putright.resolution.selectors import assessment_today
from putright.vocab import OPEN_STATUSES

BAD_INPUT = 2
# A facts file is a few hundred bytes; anything far bigger is not one.
MAX_FACTS_BYTES = 1_000_000


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class Command(BaseCommand):
    help = (
        "UK consumer-law remedies: `remedies evaluate FACTS.json` (or `-` to read stdin) prints the answer."
    )
    # Pure computation: no database, so no checks or migrations are needed to run it.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False
    # Tests hand the command a stream to read as stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        evaluate_parser = subcommands.add_parser(
            "evaluate", help="print the statutory remedies for the facts in a JSON file"
        )
        evaluate_parser.add_argument("facts", help="a JSON file of facts, or - to read them from stdin")
        subcommands.add_parser(
            "recheck",
            help="list open cases whose legal position changed with the corrected six-month periods and "
            "cancellations",
        )

    def handle(self, *args, **options):
        if options["subcommand"] == "evaluate":
            self._evaluate(options["facts"], options.get("stdin") or sys.stdin)
        elif options["subcommand"] == "recheck":
            self._recheck()

    def _evaluate(self, source: str, stdin) -> None:
        text = self._read(source, stdin)
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise CommandError(
                f"{self._name(source)} is not valid JSON: {exc}", returncode=BAD_INPUT
            ) from None
        if not isinstance(data, dict):
            raise CommandError(
                f"{self._name(source)} must hold a JSON object of named facts", returncode=BAD_INPUT
            )
        try:
            facts = facts_from_dict(data)
        except FactsError as exc:
            raise CommandError(f"bad facts: {exc.field}: {exc.message}", returncode=BAD_INPUT) from None
        self.stdout.write(json.dumps(evaluate(facts).to_dict(), indent=2, ensure_ascii=False))

    def _read(self, source: str, stdin) -> str:
        try:
            if source == "-":
                text = stdin.read(MAX_FACTS_BYTES + 1)
            else:
                with open(source, encoding="utf-8") as handle:
                    text = handle.read(MAX_FACTS_BYTES + 1)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {self._name(source)}: {exc}", returncode=BAD_INPUT) from None
        if len(text) > MAX_FACTS_BYTES:
            raise CommandError(f"{self._name(source)} is too large for a facts file", returncode=BAD_INPUT)
        # A byte-order mark is not JSON, but the API's parser skips it: so does the console.
        return text.removeprefix("\ufeff")

    def _recheck(self) -> None:
        today = assessment_today()
        listed = 0
        cases = Case.objects.filter(status__in=OPEN_STATUSES).order_by("created_at", "pk")
        for case in cases.only("reference", "subject", "purchase_facts", "created_at").iterator():
            if not case.purchase_facts:
                continue
            try:
                facts = facts_from_dict({**case.purchase_facts, "today": today.isoformat()})
            except FactsError:
                continue  # the case page already asks for these facts to be corrected
            changes = position_changes(facts, timezone.localdate(case.created_at))
            if not changes:
                continue
            listed += 1
            self.stdout.write(f"{case.reference}: {case.subject}")
            for change in changes:
                self.stdout.write(f"  - {change}")
        self.stdout.write(
            f"{listed} open case{'' if listed == 1 else 's'} to recheck (assessed on {today.isoformat()})."
        )

    @staticmethod
    def _name(source: str) -> str:
        return "stdin" if source == "-" else source
