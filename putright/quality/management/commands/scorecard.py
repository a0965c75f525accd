"""``putright scorecard REF``: a closed case's handling scorecard as JSON (issue 14 §4, Q1).

Prints ``{"case": REF, "checks": [{"id", "result": "pass"|"fail"|"n/a", "reason"}]}`` — ``reason`` empty on
a pass; a fail whose dispute a manager upheld is a pass (overturned on dispute), as on the case page.
REF is the case reference as staff see it (``PR-2026-000241``, in any letter case), without its prefix
(``2026-000241``), or its number alone (``000241``, when only one year has it).

``putright scorecard --rescore-all`` scores every closed case again from its record (batched, with a
progress bar on stderr; ``--no-progress`` to silence it): after an upgrade of the engine, or to score
cases loaded before the scorecard existed.

An unknown case, a case still open or closed as a duplicate (no scorecard), or bad arguments: exit
status 2 and one line saying why.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from putright.cases.models import Case
from putright.progress import ProgressBar
from putright.quality import scoring, selectors

BAD_INPUT = 2
_FULL = re.compile(r"PR-([0-9]{4})-([0-9]{1,9})")
_WITH_YEAR = re.compile(r"([0-9]{4})-([0-9]{1,9})")
_NUMBER = re.compile(r"[0-9]{1,9}")


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


def case_find(given: str) -> Case:
    """The case ``given`` names, or a CommandError (status 2) saying why there is none."""
    text = given.strip().upper()
    if match := _FULL.fullmatch(text) or _WITH_YEAR.fullmatch(text):
        reference = f"PR-{match.group(1)}-{int(match.group(2)):06d}"
        case = Case.objects.filter(reference=reference).first()
        if case is None:
            raise _fail(f"no case {reference}")
        return case
    if _NUMBER.fullmatch(text):
        found = list(Case.objects.filter(reference__endswith=f"-{int(text):06d}").order_by("reference")[:5])
        if len(found) == 1:
            return found[0]
        if found:
            raise _fail(
                f"{text} is the number of {', '.join(c.reference for c in found)}: give the year too "
                f"(e.g. {found[-1].reference})"
            )
        raise _fail(f"no case numbered {text}")
    raise _fail(f"{given!r} is not a case reference (a reference looks like PR-2026-000241)")


class Command(BaseCommand):
    help = "Print a closed case's handling scorecard as JSON, or rescore every closed case (--rescore-all)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("reference", nargs="?", help="the case: PR-2026-000241, 2026-000241 or 000241")
        parser.add_argument(
            "--rescore-all", action="store_true", help="score every closed case again from its record"
        )
        parser.add_argument(
            "--batch-size", type=int, default=scoring.BATCH_SIZE, help="cases per transaction"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        reference, rescore = options["reference"], options["rescore_all"]
        if rescore and reference:
            raise _fail("give a case reference or --rescore-all, not both")
        if rescore:
            self._rescore(options)
            return
        if not reference:
            raise _fail("give a case reference (e.g. PR-2026-000241) or --rescore-all")
        case = case_find(reference)
        if not case.is_closed:
            raise _fail(f"{case.reference} is still open: a case is scored when it closes")
        card = selectors.scorecard_for(case)
        if card is None:
            why = (
                "closed as a duplicate (it has no outcome of its own)"
                if not selectors.is_scored_status(case)
                else ("not scored yet (run putright scorecard --rescore-all)")
            )
            raise _fail(f"{case.reference} has no scorecard: {why}")
        data = selectors.scorecard_data(card)
        out = {
            "case": case.reference,
            "checks": [{"id": c["id"], "result": c["result"], "reason": c["reason"]} for c in data["checks"]],
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))

    def _rescore(self, options: dict[str, Any]) -> None:
        size = options["batch_size"]
        if size < 1 or size > 10_000:
            raise _fail("--batch-size must be between 1 and 10000")
        total = scoring.cases_to_score().count()
        bar = None
        if not options["no_progress"]:
            stream = self.stderr
            bar = ProgressBar(
                total,
                write=lambda text: stream.write(text, ending=""),
                flush=stream.flush,
                label="Scoring closed cases ",
                interactive=stream.isatty(),
            )
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            if bar is not None:
                bar.update(min(done, total))

        count = scoring.cases_rescore(batch_size=size, on_progress=progress)
        if bar is not None:
            bar.finish()
        self.stdout.write(f"Scored {count} closed case(s).")
