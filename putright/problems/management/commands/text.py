"""``putright text SUBCOMMAND``: the text engine on CSV files.

``text sentiment INPUT.csv --text-column COL --id-column COL --out OUT.csv`` writes ``id,sentiment``
for every input row, in input order, with sentiment one of negative, neutral, positive (K2, the text
engine's ``sentiment_of``). ``--details`` adds the score, anger, distress and the cues found.

Bad input exits with status 2 and a message saying what to change (see ``_csvio``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.core.management.base import BaseCommand

from putright.engines.text import sentiment_of
from putright.problems.management.commands._csvio import ProgressBar, read_table, write_rows
from putright.problems.management.commands.problems import add_text_input_arguments


def add_sentiment_arguments(parser) -> None:
    add_text_input_arguments(parser)
    parser.add_argument(
        "--details",
        action="store_true",
        help="also write score (-1 to 1), anger, distress (true/false) and cues (the words found)",
    )


def handle_sentiment(command: BaseCommand, options: dict[str, Any]) -> None:

    table = read_table(
        options["input"],
        text_column=options["text_column"],
        id_column=options["id_column"],
        delimiter=options["delimiter"],
    )
    progress = ProgressBar(command.stderr, enabled=not options["no_progress"])
    details = options["details"]
    counts = {"negative": 0, "neutral": 0, "positive": 0}
    total = len(table.texts)

    def rows() -> Iterator[list[object]]:
        progress("sentiment", 0, total)
        for done, (row_id, text) in enumerate(zip(table.ids, table.texts, strict=True), start=1):
            result = sentiment_of(text)
            counts[result.label] += 1
            if details:
                yield [
                    row_id,
                    result.label,
                    f"{result.score:.4f}",
                    str(result.anger).lower(),
                    str(result.distress).lower(),
                    "; ".join(result.cues),
                ]
            else:
                yield [row_id, result.label]
            if done % 200 == 0 or done == total:
                progress("sentiment", done, total)

    header = ["id", "sentiment"] + (["score", "anger", "distress", "cues"] if details else [])
    write_rows(options["out"], header, rows())
    if options["out"] != "-":
        command.stdout.write(
            f"{total:,} rows: {counts['negative']:,} negative, {counts['neutral']:,} neutral, "
            f"{counts['positive']:,} positive -> {options['out']}"
        )


SUBCOMMANDS: dict[str, tuple[str, Callable[[Any], None], Callable[[BaseCommand, dict[str, Any]], None]]] = {
    "sentiment": (
        "the sentiment of each row of a CSV file; writes id,sentiment (negative, neutral or positive)",
        add_sentiment_arguments,
        handle_sentiment,
    ),
}


class Command(BaseCommand):
    help = "The text engine on CSV files: `text sentiment INPUT.csv --text-column C --id-column C --out OUT.csv`."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, (help_text, add, _) in SUBCOMMANDS.items():
            add(subcommands.add_parser(name, help=help_text, description=help_text))

    def handle(self, *args, **options):
        SUBCOMMANDS[options["subcommand"]][2](self, options)
