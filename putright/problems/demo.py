"""The S3 part of the demo: a burst of "delivered but never arrived" complaints that raises a problem.

Eight customers write in over the last day and a half, each in their own words (some choose the
Delivery category on the form, some do not). Each report goes through ``case_report`` and then through
``case_group``, the same S3 step the worker runs for every new case, so by the time the demo is loaded
the burst has become a suspected problem, routed to the owner set for Delivery, who has been alerted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Case
from putright.problems import services
from putright.problems.models import Problem, ProblemCase, ProblemStatus
from putright.vocab import Channel


@dataclass(frozen=True)
class BurstReport:
    name: str
    email: str
    subject: str
    description: str
    desired_outcome: str
    chose_delivery: bool
    hours_ago: float


BURST = [
    BurstReport(
        "Hannah Clarke",
        "hannah.clarke@example.com",
        "Parcel marked as delivered but never arrived",
        "Tracking says my parcel was delivered yesterday afternoon but it never arrived. I was in all day "
        "and nobody knocked.",
        "Please send it again",
        True,
        38,
    ),
    BurstReport(
        "Tariq Hussain",
        "tariq.h@example.org",
        "Tracking says delivered, parcel never arrived",
        "My parcel is marked as delivered on the tracking but it never arrived. The delivery photo is not my "
        "front door.",
        "A refund",
        False,
        33,
    ),
    BurstReport(
        "Megan Price",
        "megan.price@example.net",
        "Parcel never arrived but tracking says delivered",
        "Tracking says my parcel was delivered to a safe place. It never arrived: nothing in the porch or "
        "with next door.",
        "Resend it please",
        True,
        27,
    ),
    BurstReport(
        "Daniel Morgan",
        "dan.morgan@example.com",
        "Parcel marked delivered, never received",
        "I had an email saying my parcel was delivered but it never arrived. The tracking photo shows a "
        "different house.",
        "Send another one or refund me",
        False,
        21,
    ),
    BurstReport(
        "Aisha Begum",
        "aisha.begum@example.org",
        "Marked as delivered but no parcel",
        "The courier marked my parcel as delivered but it never arrived. Drivers seem to be marking parcels "
        "as delivered without delivering them.",
        "My order, this week",
        True,
        15,
    ),
    BurstReport(
        "Rhys Evans",
        "rhys.evans@example.net",
        "Parcel never arrived - marked delivered",
        "My parcel was marked as delivered on Monday evening but it never arrived, and nothing was left with "
        "the neighbours.",
        "Send it again",
        False,
        9,
    ),
    BurstReport(
        "Grace Okafor",
        "grace.okafor@example.com",
        "Tracking shows parcel delivered, it never arrived",
        "Tracking says my parcel was delivered and handed to a resident, but it never arrived. Our doorbell "
        "camera shows nobody came.",
        "A refund to my card",
        True,
        5,
    ),
    BurstReport(
        "Liam Walsh",
        "liam.walsh@example.org",
        "Never received my parcel, marked delivered",
        "My parcel shows as delivered on the tracking but it never arrived. The driver's photo is of a "
        "doorstep I don't recognise.",
        "Resend the parcel",
        False,
        2,
    ),
]


def problem_routes_create(*, users: dict, categories: dict) -> None:
    """The appropriate authorities: Fiona (supervisor) for delivery, Daniel (manager) for faulty goods."""
    admin = users["admin"]
    if "delivery" in categories:
        services.owner_route_set(actor=admin, category=categories["delivery"], owner=users["supervisor"])
    if "faulty-goods" in categories:
        services.owner_route_set(actor=admin, category=categories["faulty-goods"], owner=users["manager"])


def problem_burst_load(*, users: dict, categories: dict, now: datetime) -> tuple[list[Case], Problem | None]:
    """Report the burst through the services and group each case as the worker would.

    Returns the burst's cases and the suspected problem they raised (None if they raised none).
    """
    problem_routes_create(users=users, categories=categories)
    delivery = categories.get("delivery")
    cases = []
    for report in BURST:
        at = (now - timedelta(hours=report.hours_ago)).astimezone(UTC)
        with clock.frozen(at):
            case, _ = case_services.case_report(
                report=case_services.ReportInput(
                    customer_name=report.name,
                    customer_email=report.email,
                    subject=report.subject,
                    description=report.description,
                    desired_outcome=report.desired_outcome,
                    channel=Channel.WEB,
                    consent=True,
                    category_id=delivery.pk if delivery is not None and report.chose_delivery else None,
                )
            )
            services.case_group(case)
            cases.append(case)
    link = (
        ProblemCase.objects.filter(
            case=cases[-1], unlinked_at__isnull=True, problem__status=ProblemStatus.SUSPECTED
        )
        .select_related("problem")
        .first()
    )
    return cases, (link.problem if link else None)
