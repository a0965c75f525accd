"""The demo's burst of similar complaints raises a suspected problem through the normal S3 path and alerts
its owner (issue 4's "done when")."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from putright.cases.models import Case
from putright.channels.models import Alert
from putright.demo.extras import BURST
from putright.problems import services
from putright.problems.models import Problem, ProblemStatus
from putright.problems.selectors import COUNTED_STATUSES, problems_annotated

CASES = 80  # enough everyday complaints around the burst for their words to be weighed


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    out, err = io.StringIO(), io.StringIO()
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("demo_load", "--cases", str(CASES), "--history-months", "0", stdout=out, stderr=err)
            yield {"stdout": out.getvalue(), "stderr": err.getvalue()}
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_burst_raises_a_suspected_problem_routed_to_the_delivery_owner_who_is_alerted(demo):
    problem = Problem.objects.get(links__case__customer__email=BURST[-1].email)
    assert problem.status == ProblemStatus.SUSPECTED
    assert problem.origin == "similarity"
    assert problem.owner.username == "supervisor"  # the owner route for Delivery
    assert problem.category.slug == "delivery"
    burst_emails = {item.email for item in BURST}
    linked = set(
        problem.links.filter(unlinked_at__isnull=True).values_list("case__customer__email", flat=True)
    )
    assert len(linked & burst_emails) >= 5
    # The owner also owns the delivery-delay problem the demo's signal breach raised: one alert each.
    alerts = Alert.objects.filter(
        recipient=problem.owner, kind=services.ALERT_SUSPECTED, text__contains=f"/problems/{problem.pk}/"
    )
    assert alerts.count() == 1
    assert f"raised suspected problem {problem.pk}" in demo["stdout"]


@pytest.mark.django_db
def test_the_burst_is_part_of_the_count_asked_for(demo):
    assert Case.objects.count() == CASES
    assert f"{CASES} cases loaded" in demo["stdout"]


@pytest.mark.django_db
def test_a_customer_who_wrote_twice_is_one_case_and_one_customer_in_the_problem(demo):
    """Hannah writes again before anyone answered; the agent closed it as a duplicate of her first report."""
    [repeat] = [item for item in BURST if item.repeat]
    first, again = Case.objects.filter(customer__email=repeat.email).order_by("created_at")
    assert (again.status, again.duplicate_of_id) == ("closed_duplicate", first.pk)
    assert first.status != "closed_duplicate"
    problem = Problem.objects.get(links__case__customer__email=BURST[-1].email)
    row = problems_annotated().get(pk=problem.pk)
    linked = problem.links.filter(unlinked_at__isnull=True, case__status__in=COUNTED_STATUSES)
    assert row.case_count == linked.count()
    assert row.customer_count == len(
        {e.lower() for e in linked.values_list("case__customer__email", flat=True)}
    )
    assert not linked.filter(case=again).exists()
