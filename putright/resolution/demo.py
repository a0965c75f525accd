"""Demo: purchase facts on a handful of open cases, so the demo shows the statutory position (E4, P1).

``demo_enrich(cases, actor)`` picks, from the cases the demo loader made, an open case for each story
below (preferring one whose words match) and records its facts through the service, as an agent would.
Dates count back from today, so a kettle delivered nine days ago still has its 30-day right to reject
whatever day the demo is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from putright.cases.models import Case
from putright.errors import DomainError
from putright.resolution import selectors, services


@dataclass(frozen=True)
class DemoFacts:
    name: str
    words: tuple[str, ...]  # a case whose subject or description has one of these is preferred
    categories: tuple[str, ...]  # otherwise any open case in one of these categories
    facts: Callable[[date], dict]


def _iso(today: date, days_ago: int) -> str:
    return (today - timedelta(days=days_ago)).isoformat()


STORIES: tuple[DemoFacts, ...] = (
    DemoFacts(
        name="faulty kettle within 30 days",
        words=("kettle",),
        categories=("faulty-goods",),
        facts=lambda today: {
            "supply": "goods",
            "contract_date": _iso(today, 11),
            "delivery_date": _iso(today, 9),
            "fault": True,
            "fault_reported_date": _iso(today, 2),
            "distance_sale": True,
        },
    ),
    DemoFacts(
        name="laptop still faulty after one repair",
        words=("laptop",),
        categories=("faulty-goods",),
        facts=lambda today: {
            "supply": "goods",
            "contract_date": _iso(today, 97),
            "delivery_date": _iso(today, 95),
            "fault": True,
            "fault_reported_date": _iso(today, 40),
            "repair_requested_date": _iso(today, 40),
            "returned_after_repair_date": _iso(today, 20),
            "repairs_or_replacements_attempted": 1,
        },
    ),
    DemoFacts(
        name="digital subscription content that does not work",
        words=("app", "subscription", "download"),
        categories=("website-app",),
        facts=lambda today: {
            "supply": "digital_content",
            "contract_date": _iso(today, 20),
            "delivery_date": _iso(today, 20),
            "fault": True,
            "fault_reported_date": _iso(today, 3),
            "distance_sale": True,
            "early_supply_consent": True,
        },
    ),
    DemoFacts(
        name="installation service not done with reasonable care",
        words=("install", "fitted", "fitting"),
        categories=("installation",),
        facts=lambda today: {
            "supply": "service",
            "contract_date": _iso(today, 30),
            "delivery_date": _iso(today, 14),
            "fault": True,
            "fault_reported_date": _iso(today, 10),
        },
    ),
    DemoFacts(
        name="change of mind: an ordinary service issue",
        words=("changed my mind", "don't want", "no longer want"),
        categories=("refunds-returns",),
        facts=lambda today: {
            "supply": "goods",
            "contract_date": _iso(today, 40),
            "delivery_date": _iso(today, 38),
        },
    ),
)


def _pick(candidates: list[Case], story: DemoFacts, taken: set[int]) -> Case | None:
    free = [c for c in candidates if c.pk not in taken]
    for case in free:
        text = f"{case.subject}\n{case.description}".lower()
        if any(word in text for word in story.words):
            return case
    return next((c for c in free if c.category is not None and c.category.slug in story.categories), None)


def demo_enrich(cases: Iterable[Case], actor) -> list[Case]:
    """Record purchase facts on up to one open case per story; returns the cases enriched.

    Newest cases first, so the short-term right to reject is still open on the kettle. A case whose
    state refuses it (e.g. closed meanwhile) is passed over, never forced.
    """
    today = selectors.assessment_today()
    candidates = sorted(
        (c for c in cases if not c.is_closed and not c.purchase_facts),
        key=lambda c: (c.created_at, c.pk),
        reverse=True,
    )
    taken: set[int] = set()
    enriched = []
    for story in STORIES:
        case = _pick(candidates, story, taken)
        if case is None:
            continue
        taken.add(case.pk)
        try:
            enriched.append(services.case_facts_record(actor=actor, case=case, facts=story.facts(today)))
        except DomainError:
            continue
    return enriched
