"""``python -m putright.supervise``: real processes, with tiny stand-ins for the stack's commands."""

from __future__ import annotations

import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from putright.supervise import WORKERS, stack

ROOT = Path(__file__).resolve().parents[1]
STARTED = re.compile(r"^supervise: (?:started|restarted) (\S+) \(pid (\d+)\)")

SLEEPER = "import time; time.sleep(120)"
# Like runserver's autoreloader: the process it starts does the work, in a child of its own.
PARENT_OF_A_SLEEPER = (
    "import subprocess, sys, time; "
    f"child = subprocess.Popen([sys.executable, '-c', {SLEEPER!r}]); "
    "print('grandchild', child.pid, flush=True); time.sleep(120)"
)
DEAF_TO_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('deaf', flush=True); "
    "time.sleep(120)"
)
CRASHER = "import sys, time; time.sleep(0.3); sys.exit(3)"


def python(code: str) -> str:
    return shlex.join([sys.executable, "-c", code])


class Supervised:
    """The supervisor as a child process, its output (and its children's) read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "putright.supervise", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._incoming: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._incoming.put(line.rstrip("\n"))
        self._incoming.put(None)

    def wait_for(self, pattern: str, *, count: int = 1, timeout: float = 20) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(found := [line for line in self.lines if re.search(pattern, line)]) < count:
            try:
                line = self._incoming.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no {pattern!r} in {self.lines}") from None
            if line is None:
                raise AssertionError(f"output ended without {pattern!r}: {self.lines}")
            self.lines.append(line)
        return found

    def finish(self, timeout: float = 20) -> int:
        code = self.process.wait(timeout=timeout)
        while (line := self._incoming.get(timeout=5)) is not None:
            self.lines.append(line)
        return code

    def child_pids(self) -> dict[str, int]:
        return {m[1]: int(m[2]) for line in self.lines if (m := STARTED.match(line))}


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent (or an init that never reaps) to collect it.

    Reads Linux's /proc, which the project runs on (and CI too); elsewhere this fails rather than skips."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def gone(pids, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(pid) for pid in pids)


@pytest.fixture
def supervised():
    started: list[Supervised] = []

    def start(*args: str) -> Supervised:
        started.append(Supervised(*args))
        return started[-1]

    yield start
    for each in started:  # a failed test must not leave a supervisor (or its children) behind
        if each.process.poll() is None:
            each.process.kill()
            each.process.wait()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_stops_every_process_and_what_they_started_and_exits_0(supervised, stop_signal):
    run = supervised(
        "--process", f"mail={python(SLEEPER)}",
        "--process", f"web={python(PARENT_OF_A_SLEEPER)}",
    )  # fmt: skip
    run.wait_for(r"^supervise: started mail \(pid \d+\): ")
    run.wait_for(r"^supervise: started web \(pid \d+\): ")
    grandchild = int(run.wait_for(r"^grandchild \d+$")[0].split()[1])
    pids = [*run.child_pids().values(), grandchild]
    assert all(alive(pid) for pid in pids)

    run.process.send_signal(stop_signal)

    assert run.finish() == 0
    assert run.lines[-2:] == [
        f"supervise: {signal.Signals(stop_signal).name} received: stopping",
        "supervise: all stopped",
    ]
    assert gone(pids), [pid for pid in pids if alive(pid)]


def test_it_prints_one_line_per_process_it_starts(supervised):
    run = supervised("--process", "one=sleep 60", "--process", "two=sleep 61")
    run.wait_for(r"^supervise: started ", count=2)
    pids = run.child_pids()
    assert [line for line in run.lines if line.startswith("supervise: ")] == [
        f"supervise: started one (pid {pids['one']}): sleep 60",
        f"supervise: started two (pid {pids['two']}): sleep 61",
    ]
    run.process.terminate()
    assert run.finish() == 0
    assert gone(pids.values())


def test_a_process_that_dies_is_restarted_with_a_line_saying_so_and_a_growing_pause(supervised):
    run = supervised("--restart-delay", "0.2", "--process", f"worker={python(CRASHER)}")
    exits = run.wait_for(r"^supervise: worker exited with status 3", count=2)
    restarts = run.wait_for(r"^supervise: restarted worker \(pid \d+\)", count=2)
    assert re.fullmatch(
        r"supervise: worker exited with status 3 after \d+\.\d s; restarting in 0\.2 s", exits[0]
    )
    assert exits[1].endswith("; restarting in 0.4 s")  # it keeps failing: the pause doubles
    pids = [int(STARTED.match(line)[2]) for line in restarts]
    run.process.terminate()
    assert run.finish() == 0
    assert gone(pids)


def test_a_process_deaf_to_sigterm_is_killed_after_the_stop_timeout(supervised):
    run = supervised("--stop-timeout", "1", "--process", f"stubborn={python(DEAF_TO_SIGTERM)}")
    run.wait_for(r"^deaf$")
    pid = run.child_pids()["stubborn"]
    started = time.monotonic()
    run.process.terminate()
    assert run.finish() == 0
    assert time.monotonic() - started >= 1
    assert f"supervise: stubborn (pid {pid}) did not stop in time: killed" in run.lines
    assert gone([pid])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("taken_one", ["web", "mail"])
def test_a_port_already_taken_is_one_line_and_nothing_starts(taken_one):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy, free = taken.getsockname()[1], _free_port()
        web, mail = (busy, free) if taken_one == "web" else (free, busy)
        result = subprocess.run(
            [sys.executable, "-m", "putright.supervise", "--port", str(web), "--mail-port", str(mail)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    what, variable = ("the web server", "PORT") if taken_one == "web" else ("the mail sink", "EMAIL_PORT")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"supervise: port {busy} on 127.0.0.1 is already in use, so {what} cannot start "
        f"(stop what is using it, or choose another port: make run {variable}={busy + 1})"
    ]


def test_the_stack_is_the_mail_sink_every_worker_the_scheduler_and_the_web_server():
    specs = stack(port=8123, mail_port=1126, python="python")
    assert [spec.name for spec in specs] == ["mail", *(name for name, _ in WORKERS), "scheduler", "web"]
    commands = {spec.name: shlex.join(spec.command) for spec in specs}
    assert commands["mail"] == "python -m aiosmtpd -n -l 127.0.0.1:1126 -c aiosmtpd.handlers.Mailbox var/mail"
    assert commands["worker-mail"] == "python manage.py worker --queue mail"
    assert commands["worker-analysis"] == "python manage.py worker --queue analysis --nice 10"
    assert commands["scheduler"] == "python manage.py scheduler --interval 60"
    assert commands["web"] == "python manage.py runserver 127.0.0.1:8123"
    assert {spec.name: spec.port for spec in specs if spec.port} == {"mail": 1126, "web": 8123}
    assert os.path.samefile(specs[-1].cwd, ROOT)
