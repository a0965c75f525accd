"""``putright`` console entry point: Django's management commands with our settings."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "putright.settings")
    execute_from_command_line(sys.argv)
