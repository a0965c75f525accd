"""Reads the case page and the API share: the statutory position, the appraisal and the negotiation.

The statutory position is worked out again every time it is read, with today's date from the clock:
the law's windows close as time passes, so yesterday's answer may no longer be true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from putright import clock
from putright.authority.models import ROLE_RANK, AuthorityLimit, Role
from putright.authority.selectors import is_staff_member, limit_from_row, user_roles
from putright.cases import services as cases
from putright.cases.models import Case, Option
from putright.engines.authority import limits as authority_engine
from putright.engines.remedies import FactsError, evaluate, facts_from_dict
from putright.engines.remedies import appraisal as appraisal_engine
from putright.resolution.models import AppraisalWeight, Offer, RemedyCatalogueEntry
from putright.resolution.statutory import TEMPLATES
from putright.vocab import OptionSource, OptionStatus, RemedyType

LIVE_OPTION_STATUSES = (OptionStatus.PROPOSED, OptionStatus.RECOMMENDED)


def assessment_today() -> date:
    return timezone.localdate(clock.now())


# ---------------------------------------------------------------- statutory position


@dataclass(frozen=True)
class StatutoryPosition:
    """The engine's assessment of the stored facts as of ``today``, or why it could not be made."""

    facts: dict
    today: date
    assessment: object | None = None
    error_field: str = ""
    error: str = ""

    @property
    def is_breach(self) -> bool | None:
        return None if self.assessment is None else bool(self.assessment.statutory_breach)

    @property
    def unconfirmed(self) -> list[str]:
        return list(self.assessment.unconfirmed) if self.assessment is not None else []


def facts_assess(facts: dict, *, today: date | None = None):
    """Evaluate facts (without ``today``) as of ``today``. Raises FactsError for facts that cannot be assessed."""
    today = today or assessment_today()
    return evaluate(facts_from_dict({**facts, "today": today.isoformat()}))


def statutory_position(case: Case, *, today: date | None = None) -> StatutoryPosition | None:
    """None until the agent has recorded purchase facts."""
    if not case.purchase_facts:
        return None
    today = today or assessment_today()
    try:
        assessment = facts_assess(case.purchase_facts, today=today)
    except FactsError as exc:
        # Facts saved earlier can stop making sense (e.g. saved with a date a clock later moved past);
        # say so beside the field instead of failing the page.
        return StatutoryPosition(
            facts=case.purchase_facts, today=today, error_field=exc.field, error=exc.message
        )
    return StatutoryPosition(facts=case.purchase_facts, today=today, assessment=assessment)


def statutory_unlisted(
    case: Case, position: StatutoryPosition | None, *, options: list[Option] | None = None
) -> list[str]:
    """The statutory remedies open today that are not yet options on the case (what the button would add)."""
    if position is None or position.assessment is None:
        return []
    if options is None:
        options = list(case.options.all())
    listed = {o.statutory_remedy for o in options if o.source == OptionSource.RULE and o.statutory_remedy}
    return [
        r.remedy for r in position.assessment.remedies if r.remedy in TEMPLATES and r.remedy not in listed
    ]


# ---------------------------------------------------------------- authority (K4) as the appraisal sees it


@dataclass(frozen=True)
class AuthorityView:
    within: bool
    reasons: tuple[str, ...]
    approver: str  # "a supervisor", or "" when within authority or nobody can approve

    @property
    def label(self) -> str:
        if self.within:
            return "Within your authority"
        if self.approver:
            return f"Needs approval from {self.approver}"
        return "Needs approval (nobody's authority covers it)"


def _with_article(role_label: str) -> str:
    word = role_label.lower()
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _role_limits() -> list[tuple[str, authority_engine.Limit]]:
    """Every role's limit, lowest authority first (one query for the whole page)."""
    result = []
    rows = [row for row in AuthorityLimit.objects.select_related("group") if row.group.name in Role.values]
    supervisor = next((row for row in rows if row.group.name == Role.SUPERVISOR), None)
    default_ceiling = supervisor.max_amount if supervisor is not None else Decimal("0")
    for row in rows:
        result.append((row.group.name, limit_from_row(row, supervisor_limit=default_ceiling)))
    result.sort(key=lambda pair: (pair[1].rank, ROLE_RANK[Role(pair[0])]))
    return result


def authority_for(option: Option, *, handler_limit, role_limits, entitlement=None) -> AuthorityView:
    """``entitlement``: the customer's statutory right behind the option (K4.statutory), which lifts the
    handler's money limit as it does when they recommend it."""
    request = authority_engine.OptionRequest(
        remedy_type=option.remedy_type,
        amount=Decimal(option.amount),
        is_exception=option.is_exception,
        entitlement=entitlement,
    )
    decision = authority_engine.decide(handler_limit, request)
    if not decision.needs_approval:
        return AuthorityView(within=True, reasons=(), approver="")
    approver = next(
        (Role(name).label for name, limit in role_limits if authority_engine.may_approve(limit, request)), ""
    )
    return AuthorityView(
        within=False, reasons=decision.reasons, approver=_with_article(approver) if approver else ""
    )


def role_limits_all() -> list[tuple[str, authority_engine.Limit]]:
    """Every role's limit, for ``case_appraisal(role_limits=...)`` across many cases in one query."""
    return _role_limits()


# ---------------------------------------------------------------- the appraisal (P3/P4)


def weights_current() -> dict[str, Decimal]:
    """The administrator's weights, the defaults filling any factor without a row."""
    rows = {w.factor: w.weight for w in AppraisalWeight.objects.all() if w.factor in appraisal_engine.FACTORS}
    return appraisal_engine.weights_with_defaults(rows)


# What a customer's own words ask for, per remedy type: "I want my money back" asks for a refund.
_ASKS = {
    RemedyType.REFUND: r"refund|money back|my money|reimburse",
    RemedyType.PARTIAL_REFUND: r"partial refund|price reduction|discount|part of (?:the|my) money",
    RemedyType.REPAIR: r"repair|fix(?:ed)?",
    RemedyType.REPLACEMENT: r"replace(?:ment|d)?|new one|exchange|swap",
    RemedyType.REDELIVERY: r"re-?deliver\w*|resend|send (?:it )?again|deliver\w*",
    RemedyType.GOODWILL_CREDIT: r"voucher|credit|goodwill|gesture",
    RemedyType.COMPENSATION: r"compensat\w*",
    RemedyType.CANCELLATION: r"cancel\w*",
    RemedyType.APOLOGY: r"apolog\w*|sorry|explanation|explain\w*",
}
_ASK_PATTERNS = {kind: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for kind, pattern in _ASKS.items()}


def asked_for(desired_outcome: str, remedy_type: str) -> bool:
    pattern = _ASK_PATTERNS.get(remedy_type)
    return bool(pattern and desired_outcome and pattern.search(desired_outcome))


@dataclass
class OptionAppraisal:
    option: Option
    score: appraisal_engine.OptionScore
    authority: AuthorityView
    is_best: bool


@dataclass
class CaseAppraisal:
    result: appraisal_engine.Appraisal
    rows: list[OptionAppraisal] = field(default_factory=list)

    @property
    def best(self) -> OptionAppraisal | None:
        return next((row for row in self.rows if row.is_best), None)

    def for_option(self, option_id: int) -> OptionAppraisal | None:
        return next((row for row in self.rows if row.option.pk == option_id), None)

    @property
    def reasons(self) -> tuple[appraisal_engine.Reason, ...]:
        return self.result.reasons


def _handler_limit(user, role_limits) -> authority_engine.Limit | None:
    """The user's own limit from the role limits already read (the same as ``limit_for_user``)."""
    if not is_staff_member(user):
        return None
    roles = set(user_roles(user))
    return authority_engine.combine([limit for name, limit in role_limits if name in roles])


def case_appraisal(
    *,
    case: Case,
    user,
    weights: dict[str, Decimal] | None = None,
    options: list[Option] | None = None,
    role_limits: list[tuple[str, authority_engine.Limit]] | None = None,
    facts_changed: dict[int, bool] | None = None,
) -> CaseAppraisal:
    """Weigh the options still on the table (listed or recommended) for the person looking at the case.

    'Within your authority' is the viewer's own K4 limit, so an agent and a supervisor can see different
    suggestions for the same case — each the best *they* can offer. ``options`` are the case's options
    when the caller has them already (the case page), in the order they were listed; ``role_limits``
    (``role_limits_all()``) and ``facts_changed`` (``cases.facts_changed_by_option``) when a page appraises
    many cases and reads them once.
    """
    if options is None:
        options = list(case.options.order_by("created_at", "pk"))
    options = [o for o in options if o.status in LIVE_OPTION_STATUSES]
    if role_limits is None:
        role_limits = _role_limits()
    handler_limit = _handler_limit(user, role_limits)
    if facts_changed is None and any(cases.is_statutory(o) for o in options):
        facts_changed = cases.facts_changed_by_option([case.pk])
    authority = {
        o.pk: authority_for(
            o,
            handler_limit=handler_limit,
            role_limits=role_limits,
            entitlement=cases.option_entitlement(
                case, o, facts_changed=(facts_changed or {}).get(o.pk, True)
            ),
        )
        for o in options
    }
    facts = [
        appraisal_engine.OptionFacts(
            key=str(o.pk),
            title=o.title,
            customer_benefit=o.customer_benefit,
            cost=Decimal(o.cost_to_organisation),
            days=o.days_to_deliver,
            policy_fit=o.policy_fit,
            within_authority=authority[o.pk].within,
            statutory=o.source == OptionSource.RULE and bool(o.rule_ids),
            is_exception=o.is_exception,
            asked_for=asked_for(case.desired_outcome, o.remedy_type),
            rule_ids=tuple(o.rule_ids or ()),
            approver=authority[o.pk].approver,
        )
        for o in options
    ]
    result = appraisal_engine.appraise(facts, weights if weights is not None else weights_current())
    rows = [
        OptionAppraisal(
            option=o,
            score=result.score_for(str(o.pk)),
            authority=authority[o.pk],
            is_best=result.best == str(o.pk),
        )
        for o in options
    ]
    return CaseAppraisal(result=result, rows=rows)


def catalogue_active():
    return RemedyCatalogueEntry.objects.filter(active=True)


# ---------------------------------------------------------------- negotiation (K3)


def case_offers(*, case: Case):
    return Offer.objects.filter(case=case).select_related("option", "recorded_by", "responds_to")


def open_counter_offers(*, case: Case) -> list[Offer]:
    """Customer counter-offers nobody has answered yet, on options still on the table."""
    return [
        offer
        for offer in case_offers(case=case)
        .filter(kind=Offer.Kind.COUNTER_OFFER, responses__isnull=True)
        .filter(option__status__in=LIVE_OPTION_STATUSES)
    ]


def open_organisation_offer(*, case: Case) -> Offer | None:
    """Our newest offer the customer has not answered yet, on an option still on the table (K3)."""
    return (
        case_offers(case=case)
        .filter(party=Offer.Party.ORGANISATION, kind=Offer.Kind.OFFER, responses__isnull=True)
        .filter(option__status__in=LIVE_OPTION_STATUSES)
        .order_by("-created_at", "-pk")
        .first()
    )


def offer_record_data(offer: Offer) -> dict:
    """One step of the negotiation as the case record exports it."""
    return {
        "id": offer.pk,
        "option": offer.option_id,
        "party": offer.party,
        "kind": offer.kind,
        "amount": str(offer.amount),
        "terms": offer.terms,
        "method": offer.method,
        "responds_to": offer.responds_to_id,
        "recorded_by": offer.recorded_by.get_username() if offer.recorded_by else None,
        "at": offer.created_at.isoformat(),
    }
