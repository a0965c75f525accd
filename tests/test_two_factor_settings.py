"""PUTRIGHT_TWO_FACTOR_ROLES: administrators and supervisors in production by default, nobody otherwise,
and a name that is not a staff role refused at start-up with one sentence."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from putright import settings as putright_settings
from putright.authority.models import Role

GOOD_KEY = "k" + "x7Q-pL2v9Zr4m8Tn6Yb1Wc5Hd3Fj0Gs-" * 2
PRODUCTION = {"PUTRIGHT_PRODUCTION": "true", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "care.example"}


def roles_in_a_process(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Read putright.settings in a fresh process with only ``env`` set (settings are read once, at import)."""
    child_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
        and not k.startswith(("DJANGO_", "PUTRIGHT_"))
    }
    child_env.update({"PUTRIGHT_VAR_DIR": str(tmp_path), **env})
    show = "from putright import settings; print(','.join(settings.PUTRIGHT['TWO_FACTOR_ROLES']) or '-')"
    return subprocess.run(
        [sys.executable, "-c", show], env=child_env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_setting_knows_every_staff_role():
    assert putright_settings._STAFF_ROLE_NAMES == tuple(role.value for role in Role)


@pytest.mark.parametrize(
    ("env", "roles"),
    [
        ({}, "-"),
        ({"DEBUG": "1"}, "-"),
        (PRODUCTION, "administrator,supervisor"),
        ({**PRODUCTION, "PUTRIGHT_TWO_FACTOR_ROLES": " manager , administrator "}, "manager,administrator"),
        ({**PRODUCTION, "PUTRIGHT_TWO_FACTOR_ROLES": ""}, "-"),
        (
            {"PUTRIGHT_TWO_FACTOR_ROLES": "agent,supervisor,manager,administrator"},
            "agent,supervisor,manager,administrator",
        ),
    ],
    ids=["development", "demo", "production", "named", "production-off", "everyone"],
)
def test_who_owes_a_code_by_default_and_when_named(tmp_path, env, roles):
    shown = roles_in_a_process(tmp_path, **env)
    assert (shown.returncode, shown.stdout.strip()) == (0, roles), shown.stderr


@pytest.mark.parametrize("raw", ["admins", "supervisor,Manager", "superuser"])
def test_a_name_that_is_not_a_staff_role_is_refused_with_a_sentence(tmp_path, raw):
    shown = roles_in_a_process(tmp_path, PUTRIGHT_TWO_FACTOR_ROLES=raw)
    bad = [name.strip() for name in raw.split(",") if name.strip() not in {r.value for r in Role}]
    assert shown.returncode != 0
    assert (
        f"PUTRIGHT_TWO_FACTOR_ROLES names {', '.join(map(repr, bad))}, which is not a staff role: use a "
        "comma-separated list of agent, supervisor, manager, administrator (or nothing, to turn it off)"
    ) in shown.stderr
