import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from putright.env import envbool, envint, envlist, envstr


def test_envbool_reads_the_usual_spellings(monkeypatch):
    for raw, expected in [
        ("true", True),
        ("1", True),
        ("YES", True),
        ("off", False),
        ("0", False),
        ("", False),
    ]:
        monkeypatch.setenv("X_FLAG", raw)
        assert envbool("X_FLAG") is expected
    monkeypatch.delenv("X_FLAG")
    assert envbool("X_FLAG", True) is True


def test_envbool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        envbool("X_FLAG")


def test_envint_checks_type_and_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "7")
    assert envint("X_NUM", 3, minimum=1) == 7
    monkeypatch.setenv("X_NUM", "seven")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        envint("X_NUM", 3)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("X_NUM", 3, minimum=1)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert envstr("X_SECRET") == "s3cr3t"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        envstr("X_SECRET")


def test_envlist_splits_and_trims(monkeypatch):
    monkeypatch.setenv("X_LIST", " a.example , b.example,, ")
    assert envlist("X_LIST") == ["a.example", "b.example"]


def settings_in_a_process(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Read putright.settings in a fresh process with only ``env`` set (settings are read once, at import)."""
    child_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"} and not k.startswith(("DJANGO_", "PUTRIGHT_"))
    }
    child_env.update({"PUTRIGHT_VAR_DIR": str(tmp_path), **env})
    show = (
        "from putright import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['CONN_MAX_AGE'], d.get('CONN_HEALTH_CHECKS'))"
    )
    return subprocess.run(
        [sys.executable, "-c", show], env=child_env, capture_output=True, text=True, timeout=60, check=False
    )


POSTGRES_URL = "postgres://putright:secret@127.0.0.1:5432/putright"


def test_postgresql_keeps_connections_for_60_seconds_with_health_checks_by_default(tmp_path):
    shown = settings_in_a_process(tmp_path, DATABASE_URL=POSTGRES_URL)
    assert shown.stdout.split() == ["django.db.backends.postgresql", "60", "True"], shown.stderr


def test_the_postgresql_connection_age_is_a_setting_and_0_means_one_per_request(tmp_path):
    for raw, expected in [("300", "300"), ("0", "0")]:
        shown = settings_in_a_process(tmp_path, DATABASE_URL=POSTGRES_URL, PUTRIGHT_DB_CONN_MAX_AGE=raw)
        assert shown.stdout.split() == ["django.db.backends.postgresql", expected, "True"], shown.stderr


def test_sqlite_keeps_a_connection_per_request(tmp_path):
    shown = settings_in_a_process(tmp_path, PUTRIGHT_DB_CONN_MAX_AGE="300")
    assert shown.stdout.split() == ["django.db.backends.sqlite3", "0", "False"], shown.stderr


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        ("a minute", "PUTRIGHT_DB_CONN_MAX_AGE='a minute' is not an integer"),
        ("-1", "PUTRIGHT_DB_CONN_MAX_AGE=-1 must be at least 0"),
    ],
)
def test_a_bad_connection_age_is_refused_with_a_sentence(tmp_path, raw, sentence):
    shown = settings_in_a_process(tmp_path, DATABASE_URL=POSTGRES_URL, PUTRIGHT_DB_CONN_MAX_AGE=raw)
    assert shown.returncode != 0
    assert sentence in shown.stderr
