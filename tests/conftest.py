"""The cast every test shares, and a real SMTP server on loopback.

- alice: agent (authority £100, everyday remedy types)
- dave: another agent
- bob: supervisor (£1,000, every remedy type)
- carol: manager (£10,000)
- charlie: signed in, but no role — an outsider who must see nothing
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime
from decimal import Decimal
from email import message_from_bytes
from email.message import Message as EmailMsg

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from hypothesis import settings as hypothesis_settings

from putright.authority.defaults import roles_ensure
from putright.cases import services
from putright.cases.models import UnresolvedReason
from putright.regulation.models import RegimeSettings
from putright.resolution.defaults import defaults_ensure as catalogue_ensure
from putright.vocab import DEFAULT_UNRESOLVED_REASONS, Channel

CI = os.environ.get("CI", "").lower() == "true"

# No time limit per example: speed is measured in bench/, and on a busy machine a pure function can take
# 400 ms for one example without being wrong (a hypothesis deadline failed exactly so).
hypothesis_settings.register_profile("putright", deadline=None)
hypothesis_settings.load_profile("putright")


def plain_text(message: EmailMsg) -> str:
    """The plain-text part of an e-mail, decoded (customers' e-mails are multipart: text and HTML)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/plain part in the e-mail {message['Subject']!r}")


def html_part(message: EmailMsg) -> str:
    """The HTML part of an e-mail, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/html part in the e-mail {message['Subject']!r}")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMsg] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        msg = message_from_bytes(envelope.content)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMsg]:
        with self.lock:
            return [m for m in self.messages if address in m["X-Envelope-To"]]

    def subjects_to(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in self.to(address)]


def database_url() -> str:
    """The test database as a DATABASE_URL, for a worker or server started as a separate process."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


@pytest.fixture(scope="session")
def smtp_server():
    inbox = _Inbox()
    # aiosmtpd cannot start on port 0 (it connects to itself to check), so ask the OS for a free port.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _email_to_loopback_smtp(settings, smtp_server):
    inbox, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    inbox.clear()
    yield


@pytest.fixture(autouse=True)
def _migration_seeds(request):
    """A transactional test empties the database when it ends, with the rows the migrations seeded (roles
    and their limits, the remedy catalogue, the appraisal weights, the regime settings). In one process,
    pytest-django runs those tests last; in two (make test), another test may follow one in the same
    process. So every test that uses the database starts with the seeds there, as after migrating."""
    if request.node.get_closest_marker("django_db") is None and not {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        yield
        return
    request.getfixturevalue("db" if "transactional_db" not in request.fixturenames else "transactional_db")
    roles_ensure()
    catalogue_ensure()
    RegimeSettings.objects.get_or_create(pk=1)
    for position, (code, label) in enumerate(DEFAULT_UNRESOLVED_REASONS):
        UnresolvedReason.objects.get_or_create(code=code, defaults={"label": label, "position": position})
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The report form's rate limits live in the cache: every test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mailbox(smtp_server):
    return smtp_server[0]


def _user(django_user_model, username: str, role: str | None, first: str):
    from django.contrib.auth.models import Group

    from putright.authority.defaults import roles_ensure

    roles_ensure()  # transactional tests flush the roles the migration made
    user = django_user_model.objects.create_user(
        username=username,
        password="correct-horse-battery",
        email=f"{username}@putright.example",
        first_name=first,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def alice(django_user_model):
    return _user(django_user_model, "alice", "agent", "Alice")


@pytest.fixture
def dave(django_user_model):
    return _user(django_user_model, "dave", "agent", "Dave")


@pytest.fixture
def bob(django_user_model):
    return _user(django_user_model, "bob", "supervisor", "Bob")


@pytest.fixture
def carol(django_user_model):
    return _user(django_user_model, "carol", "manager", "Carol")


@pytest.fixture
def charlie(django_user_model):
    return _user(django_user_model, "charlie", None, "Charlie")


def make_report(**overrides) -> services.ReportInput:
    data = dict(
        customer_name="Priya Shah",
        customer_email="priya@example.com",
        subject="Washing machine leaks after a week",
        description="My new washing machine started leaking water on the kitchen floor after 6 days.",
        desired_outcome="A replacement machine",
        channel=Channel.WEB,
        consent=True,
        order_reference="ORD-558812",
        amount_in_dispute=Decimal("449.00"),
    )
    data.update(overrides)
    return services.ReportInput(**data)


@pytest.fixture
def report_case(db):
    def _make(**overrides):
        case, _ = services.case_report(report=make_report(**overrides))
        return case

    return _make


@pytest.fixture
def case_with_options(report_case, alice):
    """A case whose understanding is confirmed, handled by alice: ready for options."""
    case = report_case()
    services.case_summarise_understanding(
        actor=alice, case=case, summary="Machine leaks; wants a replacement."
    )
    services.case_confirm_understanding(actor=None, case=case)
    case.refresh_from_db()
    return case


def aware(y, m, d, hh=9, mm=0) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime(y, m, d, hh, mm))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Under CI=true nothing may be skipped: a skip fails the run."""
    if not CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI=true: {len(skipped)} test(s) were skipped; failing the run", red=True)
        session.exitstatus = 1
