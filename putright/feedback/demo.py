"""The S4 part of the demo: a feedback feed with a theme visibly on the rise.

The demo cases' satisfaction answers are already in the feed (``case_satisfaction_record`` adds
them). Beside them, survey responses from the post-delivery survey arrive over the last four weeks:
in the earlier fortnight a mix of the usual comments, in the last fortnight more and more about
parcels left outside — and three colleagues share what they are hearing from customers on open
cases. Everything goes through ``putright.feedback.services``, each at its own moment.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from putright import clock
from putright.cases.models import Case
from putright.feedback import services
from putright.feedback.models import FeedbackItem
from putright.vocab import OPEN_STATUSES, Channel

EARLIER = [
    ("Friendly driver, arrived on time.", True),
    ("The refund took longer than I expected.", False),
    ("Easy to book a delivery slot.", True),
    ("Website checkout kept timing out.", False),
    ("Staff on the phone were very helpful.", True),
    ("Parcel left outside by the bins, but it was fine.", True),
    ("Delivery window was far too wide.", False),
    ("Good value, would order again.", True),
]
RISING = [
    ("Parcel left outside in the rain and the box was soaked.", False),
    ("Courier left my parcel outside without knocking.", False),
    ("Left outside the front door in full view of the street.", False),
    ("My parcel was left outside again — nobody knocked.", False),
    ("Parcel left outside, neighbour brought it in hours later.", False),
    ("Driver left the parcel outside in the rain.", False),
    ("Delivered on time, thank you.", True),
    ("Parcel left outside the gate; the contents were wet.", False),
    ("Courier didn't knock and left the parcel outside.", False),
    ("Quick refund, thanks.", True),
]
NOTES = [
    "Another customer tells me the courier left the parcel outside without knocking — third this week.",
    "Customer says parcels in their street are being left outside in the rain.",
    "Caller mentioned the parcel was left outside the front door in full view; worth checking the courier.",
]


def feedback_demo_load(*, users: dict, now: datetime, seed: int = 2026) -> int:
    """Add the survey responses and colleagues' notes; returns how many feed items were added."""
    rng = random.Random(seed)
    survey = users["manager"]  # the post-delivery survey tool's integration user
    before = FeedbackItem.objects.count()
    for i, (text, satisfied) in enumerate(EARLIER):
        at = now - timedelta(days=rng.uniform(15, 27), minutes=i)
        with clock.frozen(at):
            services.feedback_receive(
                actor=survey, source="survey", text=text, satisfied=satisfied, external_id=f"demo-survey-{i}"
            )
    for i, (text, satisfied) in enumerate(RISING):
        at = now - timedelta(days=rng.uniform(0.5, 12), minutes=i)
        with clock.frozen(at):
            services.feedback_receive(
                actor=survey,
                source="survey",
                text=text,
                satisfied=satisfied,
                external_id=f"demo-survey-{len(EARLIER) + i}",
            )
    # Colleagues share from open cases, after everything else on those cases (the loader keeps every
    # case's steps more than ten minutes before ``now``).
    agents = [users[name] for name in ("agent", "jodie", "kwame") if name in users]
    cases = list(
        Case.objects.filter(status__in=OPEN_STATUSES)
        .exclude(channel=Channel.INTERNAL)
        .exclude(problem_links__isnull=False)
        .order_by("-created_at", "pk")[: len(NOTES)]
    )
    for i, (case, text) in enumerate(zip(cases, NOTES, strict=False)):
        with clock.frozen(now - timedelta(minutes=8 - i)):
            services.feedback_flag(actor=agents[i % len(agents)], case=case, text=text)
    return FeedbackItem.objects.count() - before
