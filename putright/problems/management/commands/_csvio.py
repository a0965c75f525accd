"""Reading and writing the CSV files of the text commands (``problems detect``, ``text sentiment``).

Input: UTF-8 with or without a byte-order mark, quoted fields may hold newlines, the delimiter is
guessed from the header line (comma, tab, semicolon or bar) unless given. Every problem a person can
fix — a missing file, a column that is not there, text that is not UTF-8 — is a ``CommandError`` with
exit status 2 that says what to change.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import CommandError

BAD_INPUT = 2
DELIMITERS = {"comma": ",", "tab": "\t", "semicolon": ";", "bar": "|"}
# Complaint narratives can be long; the csv module's default field limit (128 KiB) is not enough.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Table:
    ids: list[str]
    texts: list[str]


def _delimiter(header_line: str, chosen: str) -> str:
    if chosen != "auto":
        return DELIMITERS.get(chosen, chosen)
    counts = {d: header_line.count(d) for d in DELIMITERS.values()}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(path: str, *, text_column: str, id_column: str, delimiter: str = "auto") -> Table:
    """The id and text of every data row of ``path``, in file order (ids as written, texts as written)."""
    source = Path(path)
    if not source.is_file():
        raise CommandError(f"{path}: no such file", returncode=BAD_INPUT)
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            header_line = handle.readline()
            handle.seek(0)
            reader = csv.reader(handle, delimiter=_delimiter(header_line, delimiter))
            header = next(reader, None)
            if not header:
                raise CommandError(
                    f"{path} is empty: it needs a header row naming its columns", returncode=BAD_INPUT
                )
            names = [name.strip() for name in header]
            positions = {}
            for wanted, option in ((text_column, "--text-column"), (id_column, "--id-column")):
                if wanted not in names:
                    raise CommandError(
                        f"{path} has no column {wanted!r} ({option}); its columns are: "
                        + ", ".join(repr(n) for n in names),
                        returncode=BAD_INPUT,
                    )
                positions[option] = names.index(wanted)
            ids: list[str] = []
            texts: list[str] = []
            for row in reader:
                if not row:
                    continue  # a blank line between records is no record
                ids.append(row[positions["--id-column"]] if positions["--id-column"] < len(row) else "")
                texts.append(row[positions["--text-column"]] if positions["--text-column"] < len(row) else "")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8 CSV and try again",
            returncode=BAD_INPUT,
        ) from None
    except csv.Error as exc:
        raise CommandError(f"{path} is not a readable CSV file: {exc}", returncode=BAD_INPUT) from None
    return Table(ids=ids, texts=texts)


def write_rows(path: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a UTF-8 CSV (``-`` writes to standard output)."""
    if path == "-":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}", returncode=BAD_INPUT) from None


class ProgressBar:
    """A plain-text progress bar on a stream (stderr): redrawn in place on a terminal, a line per
    tenth otherwise (so logs stay short)."""

    WIDTH = 30

    def __init__(self, stream, *, enabled: bool = True) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        share = 1.0 if total <= 0 else min(1.0, done / total)
        step = int(share * 100) if self.tty else int(share * 10) * 10
        if self._last == (stage, step):
            return
        self._last = (stage, step)
        filled = int(share * self.WIDTH)
        line = f"{stage:<11} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {done:,}/{total:,}"
        text = "\r" + line + ("\n" if share >= 1.0 else "") if self.tty else line + "\n"
        if hasattr(self.stream, "ending"):  # Django's OutputWrapper adds its own line ending otherwise
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()
