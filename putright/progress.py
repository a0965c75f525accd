"""A console progress bar for long commands (imports, re-grouping, seeding)."""

from __future__ import annotations

from collections.abc import Callable


class ProgressBar:
    """``[#####-----] 120/240``; no dependency, quiet between steps.

    On a terminal (``interactive=True``) it is redrawn in place on one line. Anywhere else (a log file, a
    pipe, CI) carriage returns would pile up into one enormous line, so it writes a plain line at each
    tenth instead, the last one being the finished bar.
    """

    def __init__(
        self,
        total: int,
        *,
        write: Callable[[str], object],
        flush: Callable[[], object] | None = None,
        label: str = "",
        width: int = 30,
        interactive: bool = False,
    ):
        self.total = max(total, 1)
        self.write = write
        self.flush = flush
        self.label = label
        self.width = width
        self.interactive = interactive
        self._last_drawn = -1
        self._last_tenth = -1

    def update(self, done: int) -> None:
        if self.interactive:
            self._redraw(done)
        else:
            self._line_per_tenth(done)

    def finish(self) -> None:
        self.update(self.total)
        if self.interactive:
            self.write("\n")

    def _redraw(self, done: int) -> None:
        # Redraw at most ~200 times whatever the total, so a 100,000-row seed is not slowed by its own bar.
        step = max(self.total // 200, 1)
        if done == self._last_drawn or (
            done != self.total and self._last_drawn >= 0 and done - self._last_drawn < step
        ):
            return
        self._last_drawn = done
        self._emit(f"\r{self._bar(done)}")

    def _line_per_tenth(self, done: int) -> None:
        tenth = 10 * done // self.total
        if tenth == self._last_tenth:
            return
        self._last_tenth = tenth
        self._emit(f"{self._bar(done)}\n")

    def _bar(self, done: int) -> str:
        filled = self.width * done // self.total
        return f"{self.label}[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total}"

    def _emit(self, text: str) -> None:
        self.write(text)
        if self.flush:
            self.flush()
