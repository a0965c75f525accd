"""Test settings: the production settings, with tasks run in-process and fast password hashing.

Email still goes through Django's SMTP backend, to a real aiosmtpd server the
test suite starts on 127.0.0.1 (tests/conftest.py points EMAIL_PORT at it).
"""

from putright.settings import *  # noqa: F403

TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["mail", "analysis"]}
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# SQLite tests use a file, not shared-cache memory: threads (the live server for browser tests,
# concurrency tests) then see the same WAL database with the same locking as production.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os as _os
    import tempfile as _tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": _os.path.join(_tempfile.gettempdir(), f"putright-test-{_os.getpid()}.sqlite3")
    }

# Stored files (attachments) go to a folder of this test run's own, never into the repository's var/.
import tempfile as _media_tempfile  # noqa: E402

MEDIA_ROOT = _media_tempfile.mkdtemp(prefix="putright-test-media-")
