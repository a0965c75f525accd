"""K4.statutory: whether an option is the customer's legal right, read from the case for the authority engine.

An option the remedies engine listed (``source='rule'`` with its ``statutory_remedy``) carries the rule that
gave the right first in its ``rule_ids``. The right stands only on the purchase facts it was listed on: an
edit of those facts after the listing (a later ``facts.recorded`` event on the case's timeline) means a
second person looks again. The engine is asked again with today's date, as the law's windows close.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from putright import clock
from putright.audit.models import Event
from putright.cases.models import Case, Option
from putright.engines.authority import limits as authority_engine
from putright.engines.remedies import FactsError, evaluate, facts_from_dict
from putright.vocab import OptionSource


def is_statutory(option: Option) -> bool:
    return option.source == OptionSource.RULE and bool(option.statutory_remedy) and bool(option.rule_ids)


def facts_changed_since_listed(case: Case, option: Option) -> bool:
    """True when the purchase facts were recorded again after the option was listed (or the listing
    cannot be found on the timeline, which proves nothing either way)."""
    listed_at = (
        Event.objects.filter(case=case, kind="option.added", after__option=option.pk)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if listed_at is None:
        return True
    return Event.objects.filter(case=case, kind="facts.recorded", seq__gt=listed_at).exists()


def facts_changed_by_option(case_ids) -> dict[int, bool]:
    """``facts_changed_since_listed`` for every option listed on these cases, in one query (a page that
    shows many). An option missing from the answer has no listing on the timeline."""
    rows = (
        Event.objects.filter(case_id__in=list(case_ids), kind__in=["option.added", "facts.recorded"])
        .order_by("case_id", "seq")
        .values_list("case_id", "seq", "kind", "after__option")
    )
    last_facts: dict[int, int] = {}
    listed: dict[int, tuple[int, int]] = {}
    for case_id, seq, kind, option_id in rows:
        if kind == "facts.recorded":
            last_facts[case_id] = seq
        elif option_id is not None and int(option_id) not in listed:
            listed[int(option_id)] = (case_id, seq)
    return {option_id: last_facts.get(case_id, -1) > seq for option_id, (case_id, seq) in listed.items()}


def available_today(case: Case, option: Option) -> bool:
    today = timezone.localdate(clock.now())
    try:
        assessment = evaluate(facts_from_dict({**(case.purchase_facts or {}), "today": today.isoformat()}))
    except FactsError:
        return False
    return any(r.remedy == option.statutory_remedy for r in assessment.remedies)


def option_entitlement(
    case: Case, option: Option, *, facts_changed: bool | None = None
) -> authority_engine.Entitlement | None:
    """The statutory entitlement behind ``option`` as the authority engine weighs it; None for other options.
    ``facts_changed`` when the caller has it already (``facts_changed_by_option``)."""
    if not is_statutory(option):
        return None
    if facts_changed is None:
        facts_changed = facts_changed_since_listed(case, option)
    return authority_engine.Entitlement(
        rule=option.rule_ids[0],
        recorded_price=Decimal(case.amount_in_dispute) if case.amount_in_dispute is not None else None,
        facts_changed=facts_changed,
        available_today=bool(case.purchase_facts) and available_today(case, option),
    )


def entitled_request(case: Case, option: Option) -> authority_engine.OptionRequest:
    """The option as the handler's own authority is decided on: with its statutory entitlement, if any."""
    return authority_engine.OptionRequest(
        remedy_type=option.remedy_type,
        amount=Decimal(option.amount),
        is_exception=option.is_exception,
        entitlement=option_entitlement(case, option),
    )
