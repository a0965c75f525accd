"""What a planned demo case is made of: its acts, each "who", "what" and "when", and the hours people keep.

An act is plain data, so the services (``runner.py``) and the bulk writer (``bulk/``) play the same
acts and cannot drift apart in what happens, only in how it is written.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from putright.demo import stories
from putright.vocab import Channel, SourceKind, Status

STAFF_FOUND = {SourceKind.FOUND_INTERNALLY, SourceKind.SYSTEM_FAILURE, SourceKind.RESOURCES_OR_ERROR}
SPOKEN = {Channel.PHONE, Channel.IN_PERSON}
# History: closed cases the customer will not see again. Everything else is the story's present.
HISTORY = {Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED}


@dataclass
class Act:
    """One thing that happens on a case: by staff (in opening hours) or by the customer (any waking hour).

    ``kind`` names what happens and ``params`` say with what; ``prepare``, when set, fills in what
    depends on the act's own time (a due date), just before the act runs.
    """

    who: str
    gap_hours: float
    kind: str
    params: dict = field(default_factory=dict)
    prepare: Callable[[Act], None] | None = None
    at: datetime | None = None


@dataclass
class Plan:
    status: str
    source_kind: str
    channel: str
    created_at: datetime
    handler: object
    reporter: object | None
    story: stories.Story
    customer: stories.Customer
    acts: list[Act] = field(default_factory=list)

    @property
    def is_history(self) -> bool:
        return self.status in HISTORY


def local(t: datetime) -> datetime:
    return timezone.localtime(t)


def snap(t: datetime, who: str, rng: random.Random) -> datetime:
    """Move ``t`` forward into opening hours (staff) or waking hours (customers)."""
    moment = local(t)
    if who == "customer":
        if moment.hour < 6 or (moment.hour == 6 and moment.minute < 30):
            moment = moment.replace(hour=6, minute=30, second=0) + timedelta(minutes=rng.uniform(0, 120))
        return moment
    # The contact centre: Monday–Saturday 08:30–18:30, Sunday 10:00–16:00.
    for _ in range(8):
        sunday = moment.weekday() == 6
        opens = moment.replace(hour=10 if sunday else 8, minute=0 if sunday else 30, second=0, microsecond=0)
        closes = moment.replace(
            hour=16 if sunday else 18, minute=0 if sunday else 30, second=0, microsecond=0
        )
        if moment < opens:
            return opens + timedelta(minutes=rng.uniform(0, 50))
        if moment <= closes:
            return moment
        moment = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return moment


def due_time(t: datetime, rng: random.Random) -> datetime:
    """A promise's due time as people give it: in opening hours, on the quarter hour."""
    moment = local(snap(t, "staff", rng))
    return moment.replace(minute=(moment.minute // 15) * 15, second=0, microsecond=0)
