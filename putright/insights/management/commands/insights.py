"""``putright insights SUBCOMMAND``: the exports of issue 13 §4 on the console.

``insights export --from YYYY-MM-DD --to YYYY-MM-DD --out DIR`` writes one ``METRIC_ID.csv`` per metric
of the catalogue with the columns ``metric_id,period_start,period_end,group,value,numerator,denominator``:
the total (``group`` empty) and one row per group of the metric's natural dimensions.

``insights cases --from … --to … --out FILE.csv`` writes one row per case opened in the period, streamed
from the database in chunks (100,000 cases never sit in memory).

``insights return --half 2026H2 --out FILE.csv`` writes the complaints return for the half-year.

``insights rollup`` brings the rollup of case facts up to date (the cases noted as changed; measurements
and the sweep do this too); ``insights rollup --rebuild`` computes every case's facts again, with a
progress bar (after a restore, or a change of the calendar's region done outside the application).

``--from``/``--to`` are inclusive local dates (the organisation's time zone). Bad arguments exit with
status 2 and one line saying what to change. Progress goes to stderr (``--no-progress`` to silence it).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from putright.engines.metrics import METRICS, Period, half_year, parse_date
from putright.insights import exports, rollup
from putright.insights.metrics import measure_natural
from putright.progress import ProgressBar

BAD_INPUT = 2


def _period(options: dict[str, Any]) -> Period:
    try:
        start = parse_date(options["from"], name="--from")
        end = parse_date(options["to"], name="--to")
        return Period(start, end)
    except ValueError as exc:
        raise CommandError(str(exc), returncode=BAD_INPUT) from None


def _bar(command: BaseCommand, options: dict[str, Any], total: int, label: str) -> ProgressBar | None:
    if options["no_progress"]:
        return None
    stream = command.stderr
    return ProgressBar(
        total,
        write=lambda text: stream.write(text, ending=""),
        flush=stream.flush,
        label=label,
        interactive=stream.isatty(),
    )


def _write(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    on_row: Callable[[int], None] | None = None,
) -> int:
    count = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
                if on_row is not None:
                    on_row(count)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}", returncode=BAD_INPUT) from None
    return count


def _dates(parser) -> None:
    parser.add_argument("--from", required=True, metavar="YYYY-MM-DD", help="first day (inclusive, local)")
    parser.add_argument("--to", required=True, metavar="YYYY-MM-DD", help="last day (inclusive, local)")
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")


def add_export_arguments(parser) -> None:
    _dates(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the METRIC_ID.csv files")


def handle_export(command: BaseCommand, options: dict[str, Any]) -> None:
    period = _period(options)
    folder = Path(options["out"])
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--out {folder} is a file, not a folder", returncode=BAD_INPUT)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot make the folder {folder}: {exc.strerror}", returncode=BAD_INPUT) from None
    bar = _bar(command, options, len(METRICS), "Measuring metrics ")
    rows = 0
    for done, definition in enumerate(METRICS, start=1):
        measurement = measure_natural(definition.id, start=period.start, end=period.end)
        rows += _write(
            folder / f"{definition.id}.csv", exports.METRIC_COLUMNS, exports.metric_csv_rows(measurement)
        )
        if bar:
            bar.update(done)
    if bar:
        bar.finish()
    command.stdout.write(f"{len(METRICS)} metrics, {rows:,} rows, {period.start} to {period.end} -> {folder}")


def add_cases_arguments(parser) -> None:
    _dates(parser)
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")


def _file(options: dict[str, Any]) -> Path:
    path = Path(options["out"])
    if path.is_dir():
        raise CommandError(f"--out {path} is a folder: name a file", returncode=BAD_INPUT)
    if not path.parent.is_dir():
        raise CommandError(f"--out {path}: the folder {path.parent} does not exist", returncode=BAD_INPUT)
    return path


def handle_cases(command: BaseCommand, options: dict[str, Any]) -> None:
    period = _period(options)
    path = _file(options)
    total = exports.case_count(period.start, period.end)
    bar = _bar(command, options, total, "Writing cases ")
    count = _write(
        path,
        exports.CASE_COLUMNS,
        exports.export_case_rows(period.start, period.end),
        on_row=bar.update if bar else None,
    )
    if bar:
        bar.finish()
    command.stdout.write(f"{count:,} cases opened {period.start} to {period.end} -> {path}")


def add_return_arguments(parser) -> None:
    parser.add_argument("--half", required=True, metavar="YYYYH1|YYYYH2", help="the half-year, e.g. 2026H2")
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")


def handle_return(command: BaseCommand, options: dict[str, Any]) -> None:
    try:
        period = half_year(options["half"])
    except ValueError as exc:
        raise CommandError(f"--half {exc}", returncode=BAD_INPUT) from None
    path = _file(options)
    report = exports.complaints_return(period, options["half"].strip())
    _write(path, exports.RETURN_COLUMNS, exports.return_csv_rows(report))
    command.stdout.write(
        f"Complaints return {report.label} ({period.start} to {period.end}): {report.total.opened:,} opened, "
        f"{report.total.closed:,} closed -> {path}"
    )


def add_rollup_arguments(parser) -> None:
    parser.add_argument("--rebuild", action="store_true", help="compute every case's facts again")
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")


def handle_rollup(command: BaseCommand, options: dict[str, Any]) -> None:
    if not options["rebuild"]:
        noted = rollup.refresh()
        command.stdout.write(f"Rollup up to date: {noted:,} change notes applied, {rollup.size():,} cases")
        return
    bar: ProgressBar | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = _bar(command, options, total, "Rebuilding the rollup ")
        if bar is not None:
            bar.update(done)

    total = rollup.rebuild(progress=progress)
    if bar is not None:
        bar.finish()
    command.stdout.write(f"Rollup rebuilt: {total:,} cases")


SUBCOMMANDS: dict[str, tuple[str, Callable[[Any], None], Callable[[BaseCommand, dict[str, Any]], None]]] = {
    "export": ("write one METRIC_ID.csv per metric for a period", add_export_arguments, handle_export),
    "cases": ("write one row per case opened in a period", add_cases_arguments, handle_cases),
    "return": ("write the complaints return for a half-year", add_return_arguments, handle_return),
    "rollup": (
        "bring the rollup of case facts up to date (--rebuild: all of it)",
        add_rollup_arguments,
        handle_rollup,
    ),
}


class Command(BaseCommand):
    help = "Insight on the console: `insights export --from 2026-07-01 --to 2026-12-31 --out DIR`."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, (help_text, add, _) in SUBCOMMANDS.items():
            add(subcommands.add_parser(name, help=help_text, description=help_text))

    def handle(self, *args, **options):
        SUBCOMMANDS[options["subcommand"]][2](self, options)
