"""``putright`` console entry point (and ``manage.py``'s): Django's management commands with our settings."""

import os
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "putright.settings")
    try:
        execute_from_command_line(argv if argv is not None else sys.argv)
    except ImproperlyConfigured as exc:
        if settings.configured:  # the settings loaded: a fault in code, whose traceback is the story
            raise
        # The settings refused a value from the environment (putright.env, putright.settings). Their
        # sentence says what to change; a traceback through Django's start-up would only bury it.
        sys.exit(str(exc))
