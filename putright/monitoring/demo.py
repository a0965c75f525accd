"""The S5 part of the demo: delivery delays in the south-west breach a threshold before customers
complain, a problem (source kind d) is opened, and the supervisor sends a proactive notice.

The warehouse system reports the average delivery delay per region every two hours over the last
day and a half (``POST /api/signals`` in real life; ``signal_record`` here, the same service). The
south-west climbs past 48 hours; its last readings name six customers with orders on the way. The
breach opens one problem however many readings breach, and the supervisor tells those six
customers — on their open cases, recorded as sent unprompted. Everything goes through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from putright import clock
from putright.cases.models import Case, Category
from putright.monitoring import services
from putright.monitoring.models import SignalBreach, SignalThreshold
from putright.vocab import OPEN_STATUSES, Channel, SourceKind

THRESHOLD_NAME = "Deliveries to the south-west more than two days late"
NOTICE_SUBJECT = "Your delivery may be late: we are sorry"
NOTICE_BODY = (
    "We are sorry: our courier's depot for the south-west is running more than two days behind, and your "
    "order is one of those affected. You do not need to do anything — we spotted it before it reached you "
    "and we are moving parcels to another depot.\n\n"
    "We will tell you as soon as yours is on its way. If the delay causes you any problem or cost, reply to "
    "this message and we will put it right."
)
# Hours before ``now`` and the south-west's average delay then: a steady climb past 48.
SOUTH_WEST = [
    (36, 22),
    (34, 25),
    (32, 27),
    (30, 31),
    (28, 34),
    (26, 37),
    (24, 39),
    (22, 42),
    (20, 44),
    (18, 46),
    (16, 47),
    (14, 49),
    (12, 52),
    (10, 55),
    (8, 57),
    (6, 61),
    (4, 64),
    (2, 66),
]
AFFECTED = 6


@dataclass(frozen=True)
class MonitoringDemo:
    threshold: SignalThreshold
    breach: SignalBreach | None
    notified: int


def monitoring_demo_load(*, users: dict, now: datetime) -> MonitoringDemo:
    integration = users["admin"]  # the warehouse system's API user
    supervisor = users["supervisor"]
    delivery = Category.objects.filter(slug="delivery").first()
    threshold = SignalThreshold.objects.create(
        name=THRESHOLD_NAME,
        measurement="delivery_delay_hours",
        dimensions={"region": "south-west"},
        comparison=SignalThreshold.Comparison.GT,
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
        category=delivery,
        product="Standard delivery",
        cooldown_minutes=24 * 60,
        notice_subject=NOTICE_SUBJECT,
        notice_body=NOTICE_BODY,
    )
    SignalThreshold.objects.create(
        name="Card payments failing",
        measurement="payment_failed",
        comparison=SignalThreshold.Comparison.GTE,
        value=20,
        aggregation=SignalThreshold.Aggregation.COUNT,
        window_minutes=15,
        source_kind=SourceKind.SYSTEM_FAILURE,
        cooldown_minutes=120,
    )
    # Six people with orders on the way: customers with open cases, not ones already in a problem.
    people = list(
        Case.objects.filter(status__in=OPEN_STATUSES)
        .exclude(channel=Channel.INTERNAL)
        .exclude(problem_links__isnull=False)
        .select_related("customer")
        .order_by("created_at", "pk")[:AFFECTED]
    )
    named: list = [case.customer.email for case in people]
    if people and people[0].order_reference:
        named[0] = {"order_reference": people[0].order_reference}  # matched through their case
    named.append({"postcode_prefix": "TR1"})  # an area we hold no addresses for: listed for follow-up

    for i, (hours_ago, delay) in enumerate(SOUTH_WEST):
        at = now - timedelta(hours=hours_ago)
        last_three = i >= len(SOUTH_WEST) - 3
        _send(integration, at, "south-west", delay, named if last_three else [], f"wms-sw-{i}")
        _send(integration, at + timedelta(minutes=1), "north", 20 + (i % 4), [], f"wms-n-{i}")
    for i in range(6):
        at = now - timedelta(hours=3, minutes=2 * i)
        with clock.frozen(at):
            services.signal_record(
                actor=integration,
                signal=services.SignalInput(
                    name="payment_failed",
                    value=1,
                    observed_at=at,
                    dimensions={"gateway": "cards"},
                    client_id=f"pay-{i}",
                ),
            )

    breach = SignalBreach.objects.filter(threshold=threshold).select_related("problem").first()
    notified = 0
    if breach is not None and breach.affected.exists():
        # After every other step on those cases (the loader keeps them ten minutes before ``now``).
        with clock.frozen(now - timedelta(minutes=5)):
            progress = services.breach_notice_send(
                actor=supervisor, breach=breach, subject=NOTICE_SUBJECT, body=NOTICE_BODY
            )
        notified = progress.notified
    return MonitoringDemo(threshold=threshold, breach=breach, notified=notified)


def _send(actor, at: datetime, region: str, delay: float, customers: list, client_id: str) -> None:
    with clock.frozen(at):
        services.signal_record(
            actor=actor,
            signal=services.SignalInput(
                name="delivery_delay_hours",
                value=delay,
                observed_at=at,
                dimensions={"region": region, "carrier": "Parcelwise"},
                customers=customers,
                client_id=client_id,
            ),
        )
