"""``putright reply SUBCOMMAND``: outgoing replies on the console.

``reply check FILE.txt [--authority-limit 100] [--customer-state angry|distressed|calm]
[--date-limit-days N]`` runs the reply checker (K5, the text engine's ``check_reply``) on the reply in
FILE (UTF-8; ``-`` reads standard input) and prints ``{"findings": [{"rule": ..., "text": ..., "hint":
...}]}`` as JSON on standard output: one finding per problem, in the order its words appear in the
reply, an empty list when the reply is fine. The exit status is 0 with or without findings.

- ``--authority-limit``: the most money, in pounds, the sender may offer on their own ("100", "99.50",
  "£250"); without it, amounts are not checked (K5.beyond_authority_money).
- ``--customer-state``: how the customer is, ``angry``, ``distressed`` or ``calm``; the reply must
  acknowledge feelings for the first two (K5.no_empathy); without it, that is not checked.
- ``--date-limit-days``: the furthest ahead, in calendar days, the sender may commit to; promises to
  act "within N days / weeks" beyond it are found (K5.beyond_authority_date). Without it, only dates
  promised for what others do are.

Bad input — a missing, unreadable, empty or binary file, a reply longer than the checker reads, a
limit that is not a sum of money, an unknown state — exits with status 2 and one line on standard
error saying what to change.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from putright.engines.text.reply_check import CUSTOMER_STATES, MAX_CHARS, check_reply

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


def read_reply(path: str) -> str:
    """The reply's text from ``path`` (``-``: standard input), or a CommandError (status 2) saying why not."""
    name = "standard input" if path == "-" else path
    if path == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    else:
        source = Path(path)
        if not source.exists():
            raise _fail(f"{path}: no such file")
        if not source.is_file():
            raise _fail(f"{path} is not a file")
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise _fail(f"{path} cannot be read: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise _fail(f"{name} is a binary file, not the text of a reply")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"{name} is not UTF-8 text (byte {exc.start}); save the reply as UTF-8") from None
    if not text.strip():
        raise _fail(f"{name} is empty: it needs the text of the reply")
    if len(text) > MAX_CHARS:
        raise _fail(
            f"{name} has {len(text):,} characters; the checker reads replies of at most {MAX_CHARS:,}"
        )
    return text


def parse_authority_limit(value: str | None) -> Decimal | None:
    if value is None:
        return None
    raw = value.strip().removeprefix("£").replace(",", "").strip()
    try:
        limit = Decimal(raw)
    except InvalidOperation:
        limit = None
    if limit is None or not limit.is_finite() or limit < 0:
        raise _fail(f"--authority-limit {value!r} is not a sum of money of 0 or more, e.g. 100 or 99.50")
    return limit


def parse_customer_state(value: str | None) -> str | None:
    if value is None:
        return None
    state = value.strip().lower()
    if state not in CUSTOMER_STATES:
        raise _fail(f"--customer-state {value!r} is not one of {', '.join(CUSTOMER_STATES)}")
    return state


def parse_date_limit(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        days = int(value.strip())
    except ValueError:
        days = -1
    if days < 0:
        raise _fail(f"--date-limit-days {value!r} is not a whole number of days, 0 or more")
    return days


def add_check_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="the reply as UTF-8 text (- for standard input)")
    parser.add_argument(
        "--authority-limit",
        default=None,
        help="the most money in pounds the sender may offer on their own (default: not checked)",
    )
    parser.add_argument(
        "--customer-state",
        default=None,
        help=f"the customer's state: {', '.join(CUSTOMER_STATES)} (default: not known)",
    )
    parser.add_argument(
        "--date-limit-days",
        default=None,
        help="the furthest ahead, in calendar days, the sender may commit to (default: no limit)",
    )


def handle_check(command: BaseCommand, options: dict[str, Any]) -> None:
    limit = parse_authority_limit(options["authority_limit"])
    state = parse_customer_state(options["customer_state"])
    date_limit = parse_date_limit(options["date_limit_days"])
    text = read_reply(options["file"])
    findings = check_reply(text, authority_limit=limit, customer_state=state, date_limit_days=date_limit)
    command.stdout.write(json.dumps({"findings": [f.as_dict() for f in findings]}, ensure_ascii=False))


SUBCOMMANDS: dict[str, tuple[str, Callable[[Any], None], Callable[[BaseCommand, dict[str, Any]], None]]] = {
    "check": (
        'check a reply before sending (K5): prints {"findings": [{rule, text, hint}]} as JSON',
        add_check_arguments,
        handle_check,
    ),
}


class Command(BaseCommand):
    help = "Outgoing replies: `reply check FILE.txt [--authority-limit 100] [--customer-state angry]`."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, (help_text, add, _) in SUBCOMMANDS.items():
            add(subcommands.add_parser(name, help=help_text, description=help_text))

    def handle(self, *args, **options):
        SUBCOMMANDS[options["subcommand"]][2](self, options)
