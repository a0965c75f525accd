"""``putright problems SUBCOMMAND``: repeated-problem work on the console.

``problems detect INPUT.csv --text-column COL --id-column COL --out OUT.csv [--min-size N]
[--groups-out GROUPS.csv]`` groups the complaints of a CSV file by what they are about (S3, the text
engine's ``group_texts``) and writes ``id,group`` for every input row, in input order; ``group`` is
empty for a row in no group of at least N complaints (default 5). ``--groups-out`` writes one row per
group: its number, size, a short label, its top terms and a representative complaint.

``problems regroup [--no-progress]`` re-groups every case in the database (S3): each window of
``PROBLEM_WINDOW_DAYS`` is grouped and groups no problem covers become suspected problems; safe to run
again. Its progress also shows on the problem board.

Bad input (a missing file, a column that is not there, text that is not UTF-8) exits with status 2 and
a message saying what to change. Progress goes to stderr.

Subcommands are registered in ``SUBCOMMANDS``: each has a function adding its arguments and one
running it, so a new one is a parser function, a handler and one entry.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from putright.engines.text import embedder_for, group_texts
from putright.errors import DomainError
from putright.problems.management.commands._csvio import BAD_INPUT, ProgressBar, read_table, write_rows
from putright.problems.services import problems_regroup, regroup_run_open

REPRESENTATIVE_CHARS = 300


def add_text_input_arguments(parser) -> None:
    """The arguments every CSV-reading text command shares."""
    parser.add_argument("input", help="CSV file with a header row (UTF-8; a byte-order mark is fine)")
    parser.add_argument("--text-column", required=True, help="the column holding the customer's words")
    parser.add_argument("--id-column", required=True, help="the column identifying each row")
    parser.add_argument("--out", required=True, help="CSV file to write (- for standard output)")
    parser.add_argument(
        "--delimiter",
        default="auto",
        help="comma, tab, semicolon, bar or one character (default: guessed from the header line)",
    )
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")


def _backend_arguments(parser) -> None:
    parser.add_argument(
        "--backend",
        choices=["tfidf", "semantic"],
        default=None,
        help="text backend (default: the PUTRIGHT_TEXT_BACKEND setting, tfidf unless set)",
    )
    parser.add_argument(
        "--device", default="cpu", help="semantic backend only: torch device, e.g. cuda (default cpu)"
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="least average similarity inside a group, above 0 and at most 1 (default: the backend's)",
    )


def _positive(value: str) -> int:

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def add_detect_arguments(parser) -> None:
    add_text_input_arguments(parser)
    parser.add_argument(
        "--min-size",
        type=_positive,
        default=5,
        help="least number of complaints that makes a repeated problem (default 5)",
    )
    parser.add_argument("--groups-out", default=None, help="also write one row per group to this CSV file")
    _backend_arguments(parser)


def embedder_from(options: dict[str, Any]):
    """The text engine's embedder the options (or the setting) name, or a clear CommandError."""

    backend = options.get("backend") or settings.PUTRIGHT.get("TEXT_BACKEND", "tfidf")
    try:
        embedder = embedder_for(backend, device=options.get("device") or "cpu")
    except (ImportError, ValueError) as exc:
        raise CommandError(str(exc), returncode=BAD_INPUT) from None
    threshold = options.get("threshold")
    if threshold is not None and not 0.0 < threshold <= 1.0:
        raise CommandError("--threshold must be above 0 and at most 1", returncode=BAD_INPUT)
    return embedder


def handle_detect(command: BaseCommand, options: dict[str, Any]) -> None:

    table = read_table(
        options["input"],
        text_column=options["text_column"],
        id_column=options["id_column"],
        delimiter=options["delimiter"],
    )
    embedder = embedder_from(options)
    progress = ProgressBar(command.stderr, enabled=not options["no_progress"])
    grouping = group_texts(
        table.texts,
        embedder=embedder,
        min_size=options["min_size"],
        threshold=options.get("threshold"),
        progress=progress,
    )
    write_rows(
        options["out"],
        ["id", "group"],
        (
            [row_id, "" if group is None else group]
            for row_id, group in zip(table.ids, grouping.labels, strict=True)
        ),
    )
    if options["groups_out"]:
        write_rows(
            options["groups_out"],
            ["group", "size", "label", "top_terms", "representative_id", "representative_text"],
            (
                [
                    g.group_id,
                    g.size,
                    g.label,
                    "; ".join(g.top_terms),
                    table.ids[g.representative],
                    _snippet(table.texts[g.representative]),
                ]
                for g in grouping.groups
            ),
        )
    grouped = sum(g.size for g in grouping.groups)
    share = grouped / len(table.texts) if table.texts else 0.0
    if options["out"] != "-":
        command.stdout.write(
            f"{len(table.texts):,} rows: {grouped:,} ({share:.1%}) in {len(grouping.groups):,} groups of at "
            f"least {options['min_size']} ({embedder.name} backend) -> {options['out']}"
        )


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= REPRESENTATIVE_CHARS else flat[: REPRESENTATIVE_CHARS - 1].rstrip() + "…"


def add_regroup_arguments(parser) -> None:
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")


def handle_regroup(command: BaseCommand, options: dict[str, Any]) -> None:
    """S3 over the whole history in the database: ``problems.services.problems_regroup``, with a progress bar.

    The run is recorded like one started from the problem board, so the board shows it while it runs.
    """

    try:
        run = regroup_run_open(actor=None)
    except DomainError as exc:
        raise CommandError(exc.message) from None
    progress = ProgressBar(command.stderr, enabled=not options["no_progress"])
    result = problems_regroup(progress=lambda done, total: progress("regrouping", done, total), run=run)
    command.stdout.write(
        f"{result.total:,} cases compared: {result.problems_opened} problem(s) opened, "
        f"{result.cases_linked} case(s) linked."
    )


# name -> (help, add arguments, handle)
SUBCOMMANDS: dict[str, tuple[str, Callable[[Any], None], Callable[[BaseCommand, dict[str, Any]], None]]] = {
    "detect": (
        "group the complaints of a CSV file into repeated problems; writes id,group for every row",
        add_detect_arguments,
        handle_detect,
    ),
    "regroup": (
        "group every case in the database again (S3): suspected problems for groups no problem covers yet",
        add_regroup_arguments,
        handle_regroup,
    ),
}


class Command(BaseCommand):
    help = "Repeated problems on the console: `problems detect INPUT.csv --text-column C --id-column C --out OUT.csv`."
    # `detect` reads files only: no database, so no checks or migrations are needed to run it.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, (help_text, add, _) in SUBCOMMANDS.items():
            add(subcommands.add_parser(name, help=help_text, description=help_text))

    def handle(self, *args, **options):
        SUBCOMMANDS[options["subcommand"]][2](self, options)
