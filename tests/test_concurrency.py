"""Reports arriving at the same moment each get their own reference and timeline (both databases)."""

import threading

import pytest
from django.db import connection

from putright.audit.events import chain_verify
from putright.cases import services
from putright.cases.models import Case
from tests.conftest import make_report


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_distinct_consecutive_references():
    errors: list[BaseException] = []

    def report(i: int) -> None:
        try:
            services.case_report(
                report=make_report(subject=f"Report {i}", customer_email=f"c{i}@example.com")
            )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    refs = sorted(Case.objects.values_list("reference", flat=True))
    year = Case.objects.first().created_at.year
    assert refs == [f"PR-{year}-{n:06d}" for n in range(1, 9)]
    assert chain_verify()[1] == []
