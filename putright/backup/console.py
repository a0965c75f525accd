"""What the backup and restore commands share on the console: sizes and progress bars."""

from collections.abc import Callable

from django.core.management.base import BaseCommand

from putright.progress import ProgressBar


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    amount = float(n)
    for unit in ("KB", "MB", "GB"):
        amount /= 1024
        if amount < 1024 or unit == "GB":
            break
    return f"{amount:.1f} {unit}"


def progress_for(command: BaseCommand) -> Callable[[str], Callable[[int, int], None]]:
    """For each long step, a progress bar on stderr: redrawn in place on a terminal, a line per tenth in a
    log. The bar appears with the step's first report, when its total is known."""

    def write(text: str) -> None:
        command.stderr.write(text, style_func=lambda m: m, ending="")

    def factory(label: str) -> Callable[[int, int], None]:
        bar: list[ProgressBar] = []

        def update(done: int, total: int) -> None:
            if total <= 0:
                return
            if not bar:
                bar.append(
                    ProgressBar(
                        total,
                        write=write,
                        flush=command.stderr.flush,
                        label=label,
                        interactive=command.stderr.isatty(),
                    )
                )
            bar[0].total = total
            if done >= total:
                bar[0].finish()
            else:
                bar[0].update(done)

        return update

    return factory
