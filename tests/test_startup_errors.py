"""A refused setting or a port already taken says so in one line, and the process exits non-zero.

Each command runs as a real process, with only the environment the test gives it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD_KEY = "k" + "x7Q-pL2v9Zr4m8Tn6Yb1Wc5Hd3Fj0Gs-" * 2
NOT_A_BOOLEAN = "DEBUG='maybe' is not a boolean (use true/false)"
NO_KEY = "SECRET_KEY (or SECRET_KEY_FILE) must be set in production"
RETIRED = (
    "PUTRIGHT_LOGIN_FAILURES_PER_USER_PER_HOUR is retired: sign-in now slows down instead of locking "
    "an account; use PUTRIGHT_LOGIN_FAILURES_BEFORE_SLOWDOWN and PUTRIGHT_LOGIN_SLOWDOWN_MAX_SECONDS."
)
# The `putright` console script installed beside this Python (make install, pip install -e .).
CONSOLE_SCRIPT = str(Path(sys.executable).with_name("putright"))


def run(tmp_path, env: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    # Nothing of this process's Django or Putright configuration leaks into the child.
    inherited = {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "DATABASE_URL"}
    child_env = {
        k: v
        for k, v in os.environ.items()
        if k not in inherited and not k.startswith(("DJANGO_", "PUTRIGHT_"))
    }
    child_env.update({"PUTRIGHT_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(command, cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "entry_point",
    [(sys.executable, "manage.py"), (CONSOLE_SCRIPT,)],
    ids=["manage.py", "putright"],
)
@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"DEBUG": "maybe"}, NOT_A_BOOLEAN),
        ({"PUTRIGHT_PRODUCTION": "true", "ALLOWED_HOSTS": "putright.example"}, NO_KEY),
        ({"DEBUG": "1", "PUTRIGHT_LOGIN_FAILURES_PER_USER_PER_HOUR": "5"}, RETIRED),
    ],
    ids=["debug-maybe", "production-without-key", "retired-login-setting"],
)
def test_a_refused_setting_prints_its_sentence_alone_and_exits_1(tmp_path, entry_point, env, sentence):
    result = run(tmp_path, env, *entry_point, "check")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"{sentence}\n")


def test_good_settings_still_run_the_command(tmp_path):
    result = run(tmp_path, {"DEBUG": "true"}, CONSOLE_SCRIPT, "check")
    assert (result.returncode, result.stdout) == (0, "System check identified no issues (0 silenced).\n")


def test_the_wsgi_module_raises_the_sentence_without_the_settings_traceback(tmp_path):
    # A WSGI server reports a failed import itself; what it shows ends with the sentence, one frame deep.
    result = run(tmp_path, {"DEBUG": "maybe"}, sys.executable, "-c", "import putright.wsgi")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {NOT_A_BOOLEAN}"
    assert "settings.py" not in result.stderr and "env.py" not in result.stderr


def test_the_web_server_on_a_port_already_taken_says_so_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            tmp_path,
            {"DEBUG": "true"},
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        )
    assert (result.returncode, result.stderr) == (1, "Error: That port is already in use.\n")
