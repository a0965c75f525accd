"""A console progress bar for long commands (imports, re-grouping, seeding)."""

from __future__ import annotations

from collections.abc import Callable


class ProgressBar:
    """``[#####-----] 120/240`` redrawn in place on one line; no dependency, quiet between steps."""

    def __init__(
        self,
        total: int,
        *,
        write: Callable[[str], object],
        flush: Callable[[], object] | None = None,
        label: str = "",
        width: int = 30,
    ):
        self.total = max(total, 1)
        self.write = write
        self.flush = flush
        self.label = label
        self.width = width
        self._last_drawn = -1

    def update(self, done: int) -> None:
        # Redraw at most ~200 times whatever the total, so a 100,000-row seed is not slowed by its own bar.
        step = max(self.total // 200, 1)
        if done == self._last_drawn or (
            done != self.total and self._last_drawn >= 0 and done - self._last_drawn < step
        ):
            return
        self._last_drawn = done
        filled = self.width * done // self.total
        self.write(f"\r{self.label}[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total}")
        if self.flush:
            self.flush()

    def finish(self) -> None:
        self.update(self.total)
        self.write("\n")
