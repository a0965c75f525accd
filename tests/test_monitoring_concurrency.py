"""S5 under concurrency (real threads, real transactions): readings breaching at the same moment open
one problem, and two supervisors sending the notice at once tell each customer once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from putright import clock
from putright.channels.models import Message
from putright.monitoring import services
from putright.monitoring.models import SignalBreach, SignalThreshold
from putright.problems.models import Problem
from putright.vocab import SourceKind

pytestmark = pytest.mark.django_db(transaction=True)


def _threshold() -> SignalThreshold:
    return SignalThreshold.objects.create(
        name="South-west late",
        measurement="delivery_delay_hours",
        dimensions={"region": "south-west"},
        comparison=">",
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
    )


def _run_together(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_readings_breaching_at_the_same_moment_open_one_problem(alice):
    _threshold()
    now = clock.now()

    def send(i: int) -> None:
        services.signal_record(
            actor=alice,
            signal=services.SignalInput(
                name="delivery_delay_hours",
                value=50 + i,
                observed_at=now - timedelta(seconds=i),
                dimensions={"region": "south-west"},
            ),
        )

    assert _run_together(send, 6) == []
    [breach] = SignalBreach.objects.all()
    assert breach.readings == 6
    assert breach.signals.count() == 6
    assert Problem.objects.count() == 1


def test_two_supervisors_sending_at_once_tell_each_customer_once(alice, bob, carol, report_case):
    _threshold()
    for i in range(4):
        report_case(customer_email=f"c{i}@example.com")
    [breach] = services.signal_record(
        actor=alice,
        signal=services.SignalInput(
            name="delivery_delay_hours",
            value=60,
            dimensions={"region": "south-west"},
            customers=[f"c{i}@example.com" for i in range(4)],
        ),
    ).breaches
    senders = [bob, carol]

    def notify(i: int) -> None:
        try:
            services.breach_notice_send(actor=senders[i], breach=breach, subject="Late", body="Sorry.")
        except services.DomainError:
            pass  # the other one had already told everybody

    assert _run_together(notify, 2) == []
    assert Message.objects.filter(subject="Late").count() == 4
    assert sorted(Message.objects.filter(subject="Late").values_list("case__customer__email", flat=True)) == [
        f"c{i}@example.com" for i in range(4)
    ]
