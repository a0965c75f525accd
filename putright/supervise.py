"""``python -m putright.supervise``: the local stack (``make run``) under one process that can stop it.

It starts the mail sink (aiosmtpd on 127.0.0.1:1025 writing to var/mail), the task worker(s), the
scheduler and the web server, and prints a line for each. A process that exits is started again, after
a pause that doubles while it keeps failing (so a crash loop does not spin). SIGINT, SIGTERM or SIGHUP
stops them all: SIGTERM, then SIGKILL for any still running after ``--stop-timeout`` seconds; then it
exits 0.

Each process runs in a session (and process group) of its own. Stopping one signals its whole group, so
what it started goes too (runserver serves from a child of its autoreloader), and a Ctrl-C at the
terminal reaches only the supervisor, which then stops them in order.

Only the standard library: it imports nothing from Django or from the rest of Putright.
"""

from __future__ import annotations

import argparse
import errno
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
MAIL_DIR = ROOT / "var" / "mail"
SCHEDULER_INTERVAL_SECONDS = 60

# The task workers, one process per queue, so an acknowledgement never waits behind analysis. Analysis
# (comparing each report with thousands of others) is CPU work that can wait: it runs at a lower priority,
# so the machine's cores serve people first.
WORKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("worker-mail", ("worker", "--queue", "mail")),
    ("worker-analysis", ("worker", "--queue", "analysis", "--nice", "10")),
)

# A process that ran at least this long before exiting was working: its next restart waits only the
# first pause again.
STEADY_SECONDS = 30.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: tuple[str, ...]
    cwd: Path | None = None
    # The local port it listens on, checked free before anything starts, and the make variable that
    # moves it (for the message when it is taken).
    port: int | None = None
    port_variable: str = ""
    what: str = ""


def stack(*, port: int, mail_port: int, python: str = sys.executable) -> list[ProcessSpec]:
    """The processes of ``make run``, started in this order."""
    manage = (python, "manage.py")
    return [
        ProcessSpec(
            "mail",
            (python, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{mail_port}")
            + ("-c", "aiosmtpd.handlers.Mailbox", str(MAIL_DIR.relative_to(ROOT))),
            cwd=ROOT,
            port=mail_port,
            port_variable="EMAIL_PORT",
            what="the mail sink",
        ),
        *(ProcessSpec(name, manage + args, cwd=ROOT) for name, args in WORKERS),
        ProcessSpec(
            "scheduler", manage + ("scheduler", "--interval", str(SCHEDULER_INTERVAL_SECONDS)), cwd=ROOT
        ),
        ProcessSpec(
            "web",
            manage + ("runserver", f"127.0.0.1:{port}"),
            cwd=ROOT,
            port=port,
            port_variable="PORT",
            what="the web server",
        ),
    ]


def port_taken(port: int) -> bool:
    # SO_REUSEADDR as the servers themselves bind, so a connection lingering in TIME_WAIT does not count.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def taken_port_lines(specs: Sequence[ProcessSpec]) -> list[str]:
    return [
        f"port {spec.port} on 127.0.0.1 is already in use, so {spec.what} cannot start (stop what is "
        f"using it, or choose another port: make run {spec.port_variable}={spec.port + 1})"
        for spec in specs
        if spec.port is not None and port_taken(spec.port)
    ]


@dataclass
class Child:
    spec: ProcessSpec
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    starts: int = 0
    exits_in_a_row: int = 0
    restart_at: float | None = None


class Supervisor:
    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        restart_delay: float = 1.0,
        max_restart_delay: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.children = [Child(spec) for spec in specs]
        self.restart_delay = restart_delay
        self.max_restart_delay = max_restart_delay
        self.stop_timeout = stop_timeout
        self.stop_signals: list[int] = []

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_stop_signal)
        try:
            for child in self.children:
                if not self.stop_signals:
                    self._start(child)
            while not self.stop_signals:
                self._look_after_children()
                time.sleep(POLL_SECONDS)
            say(f"{signal.Signals(self.stop_signals[0]).name} received: stopping")
        finally:
            # Also on an unexpected error here: never leave the children running without a supervisor.
            self._stop_all()
        say("all stopped")
        return 0

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only note it: the main loop stops the children, outside the signal handler.
        self.stop_signals.append(signum)

    def _look_after_children(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is None:
                if child.restart_at is not None and now >= child.restart_at:
                    self._start(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            # Whatever it started and left behind (runserver's serving child) would hold its port.
            signal_group(child.process.pid, signal.SIGKILL)
            ran = now - child.started_at
            child.exits_in_a_row = 1 if ran >= STEADY_SECONDS else child.exits_in_a_row + 1
            delay = min(self.restart_delay * 2 ** (child.exits_in_a_row - 1), self.max_restart_delay)
            child.process, child.restart_at = None, now + delay
            say(f"{child.spec.name} {exit_description(code)} after {ran:.1f} s; restarting in {delay:g} s")

    def _start(self, child: Child) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # its lines appear as they happen, even in a log
        child.process = subprocess.Popen(
            child.spec.command,
            cwd=child.spec.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        child.started_at, child.restart_at = time.monotonic(), None
        child.starts += 1
        verb = "started" if child.starts == 1 else "restarted"
        say(f"{verb} {child.spec.name} (pid {child.process.pid}): {display(child.spec.command)}")

    def _stop_all(self) -> None:
        running = [child for child in self.children if child.process is not None]
        for child in running:
            signal_group(child.process.pid, signal.SIGTERM)
        handled = len(self.stop_signals)
        deadline = time.monotonic() + self.stop_timeout
        # A second Ctrl-C (or SIGTERM) means: do not wait.
        while time.monotonic() < deadline and len(self.stop_signals) <= handled:
            if not any(group_alive(child.process) for child in running):
                break
            time.sleep(POLL_SECONDS / 2)
        for child in running:
            if group_alive(child.process):
                signal_group(child.process.pid, signal.SIGKILL)
                say(f"{child.spec.name} (pid {child.process.pid}) did not stop in time: killed")
            child.process.wait()
            child.process = None


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass  # the group is empty: nothing left to signal


def group_alive(process: subprocess.Popen) -> bool:
    """Whether the child, or anything left in its process group, still runs."""
    process.poll()  # reap the leader if it has exited: a zombie would count as alive
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def exit_description(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def display(command: Sequence[str]) -> str:
    return shlex.join(["python" if command[0] == sys.executable else command[0], *command[1:]])


def say(line: str, *, stream=None) -> None:
    print(f"supervise: {line}", file=stream or sys.stdout, flush=True)


def named_process(text: str) -> ProcessSpec:
    name, sep, command = text.partition("=")
    if not sep or not name or not command.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=COMMAND")
    return ProcessSpec(name, tuple(shlex.split(command)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m putright.supervise",
        description="Run the mail sink, the task worker(s), the scheduler and the web server; restart any "
        "that exits; stop them all on SIGINT, SIGTERM or SIGHUP.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 8000),
        help="web server port (default $PORT or 8000)",
    )
    parser.add_argument(
        "--mail-port",
        type=int,
        default=int(os.environ.get("EMAIL_PORT") or 1025),
        help="mail sink port, where the worker sends email (default $EMAIL_PORT or 1025)",
    )
    parser.add_argument(
        "--process",
        action="append",
        type=named_process,
        metavar="NAME=COMMAND",
        help="run these instead of the stack (repeat); used by the tests with stand-in commands",
    )
    parser.add_argument("--restart-delay", type=float, default=1.0, help="first pause before a restart (s)")
    parser.add_argument("--stop-timeout", type=float, default=10.0, help="wait this long before SIGKILL (s)")
    args = parser.parse_args(argv)

    if args.process:
        specs = args.process
    else:
        specs = stack(port=args.port, mail_port=args.mail_port)
        # The worker sends email to EMAIL_PORT (putright.settings): make it the port of this mail sink.
        os.environ["EMAIL_PORT"] = str(args.mail_port)
        for folder in ("tmp", "new", "cur"):  # the mail sink writes a Maildir, which must exist
            (MAIL_DIR / folder).mkdir(parents=True, exist_ok=True)
    taken = taken_port_lines(specs)
    for line in taken:
        say(line, stream=sys.stderr)
    if taken:
        return 1
    return Supervisor(specs, restart_delay=args.restart_delay, stop_timeout=args.stop_timeout).run()


if __name__ == "__main__":
    sys.exit(main())
