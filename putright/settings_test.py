"""Test settings: the production settings, with tasks run in-process and fast password hashing.

Email still goes through Django's SMTP backend, to a real aiosmtpd server the
test suite starts on 127.0.0.1 (tests/conftest.py points EMAIL_PORT at it).
"""

from putright.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
