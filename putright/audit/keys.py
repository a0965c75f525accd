"""The audit key: a secret kept outside the database that keys each case's hash chain (HMAC-SHA256).

A plain SHA-256 chain proves only that nobody edited an event *without recomputing the hashes after it*;
anyone who can write to the database can recompute them. An HMAC needs the key as well, so an insider
with the database alone (or a copy of its backup) can no longer forge a chain that verifies.

The settings read the key files at start-up (``key_file_read``: one clear sentence and no start when a
file is unreadable, too short, SECRET_KEY or inside PUTRIGHT_VAR_DIR); the rest of the audit room asks
``key_current`` and ``keys_known``. Only a key's fingerprint (``key_id``) is ever stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_MIN_BYTES = 32
# A random 32-byte key has about 30 different byte values; fewer than this means a made-up "key".
_KEY_MIN_DISTINCT_BYTES = 8
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_KEY_ADVICE = "make one with `python -c 'import secrets; print(secrets.token_hex(32))' > FILE`"


@dataclass(frozen=True)
class AuditKey:
    """A key and its public fingerprint; ``repr`` (diffsettings, debug pages, logs) shows only the latter."""

    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        """The first 16 hex digits of the key's SHA-256: tells keys apart, reveals nothing usable."""
        return hashlib.sha256(self.secret).hexdigest()[:16]


def key_file_read(setting: str, path: str, *, secret_key: str, var_dir: Path) -> AuditKey:
    """The key in the file at ``path`` (hex digits, or raw bytes), or ImproperlyConfigured saying why not."""
    where = f"{setting}={path!r}"
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"{where} cannot be read: {exc.strerror or exc}") from exc
    text = data.strip()
    if text and set(text) <= _HEX_DIGITS:
        if len(text) < 2 * KEY_MIN_BYTES or len(text) % 2:
            raise ImproperlyConfigured(
                f"{where} holds {len(text)} hex digits: an audit key needs an even number, at least "
                f"{2 * KEY_MIN_BYTES} ({KEY_MIN_BYTES} random bytes); {_KEY_ADVICE}"
            )
        secret = bytes.fromhex(text.decode("ascii"))
    else:
        secret = data
        if len(secret) < KEY_MIN_BYTES:
            raise ImproperlyConfigured(
                f"{where} holds {len(secret)} bytes: an audit key needs at least {KEY_MIN_BYTES} random "
                f"bytes; {_KEY_ADVICE}"
            )
    if secret_key and (secret == secret_key.encode("utf-8") or text == secret_key.encode("utf-8")):
        # SECRET_KEY sits in every web process's settings and signs what we hand to customers: a key
        # that must stay out of reach of the database's users needs to be a secret of its own.
        raise ImproperlyConfigured(f"{where} holds SECRET_KEY: the audit key must be a separate secret")
    if len(set(secret)) < _KEY_MIN_DISTINCT_BYTES:
        raise ImproperlyConfigured(f"{where} does not hold random bytes; {_KEY_ADVICE}")
    resolved, var = Path(path).resolve(), var_dir.resolve()
    if resolved.is_relative_to(var):
        raise ImproperlyConfigured(
            f"{where} is inside PUTRIGHT_VAR_DIR ({var}), beside the database and its backups: keep the "
            "audit key elsewhere, or whoever holds a copy of the database holds the key too"
        )
    return AuditKey(secret)


def key_current() -> AuditKey | None:
    """The key new events are hashed with (``AUDIT_KEY_FILE``); None: new events use plain SHA-256."""
    return getattr(settings, "AUDIT_KEY", None)


def keys_known() -> dict[str, AuditKey]:
    """Every key that may have keyed a stored event, by key_id: the current one and the retired ones."""
    keys = [*getattr(settings, "AUDIT_OLD_KEYS", ())]
    current = key_current()
    if current is not None:
        keys.append(current)
    return {key.key_id: key for key in keys}
