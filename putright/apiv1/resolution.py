"""Purchase facts, the statutory position, the weighed options and the negotiation (P1, P3, P4, K3).

Like the case endpoints, each action resolves the case (and a sub-object that must belong to it) and
calls one service in ``putright.resolution.services``. Facts the remedies engine cannot assess are a 422
naming the field, in the same shape as any other invalid request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StringConstraints

from putright.apiv1.cases import CENT, ObjectId, Reference, _case, _on_case
from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS, field_error
from putright.apiv1.fields import Integer, Money, RecordedMethod, Text
from putright.apiv1.schemas import In
from putright.cases.models import Option
from putright.resolution import selectors, services
from putright.resolution.models import Offer

router = Router(tags=["resolution"])

IsoDate = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), Field(description="A date, YYYY-MM-DD.")
]


# ---------------------------------------------------------------- schemas


class FactsIn(In):
    """The purchase facts (all but ``supply`` optional). The day of assessment is always today's date."""

    supply: Literal["goods", "digital_content", "service"]
    consumer: StrictBool | None = None
    contract_date: IsoDate | None = None
    delivery_date: IsoDate | None = None
    installation_completed_date: IsoDate | None = None
    fault: StrictBool | None = None
    fault_reported_date: IsoDate | None = None
    perishable_days: Integer(1, 3650) | None = None
    motor_vehicle: StrictBool | None = None
    repairs_or_replacements_attempted: Integer(0, 100) | None = None
    repair_requested_date: IsoDate | None = None
    returned_after_repair_date: IsoDate | None = None
    distance_sale: StrictBool | None = None
    cancellation_info_given: StrictBool | None = None
    cancellation_info_received_date: IsoDate | None = None
    cancellation_requested_date: IsoDate | None = None
    excluded_from_cancellation: StrictBool | None = None
    early_supply_consent: StrictBool | None = None
    device_damaged: StrictBool | None = None
    repeat_performance_impossible: StrictBool | None = None
    region: Literal["ENG", "WLS", "SCT", "NIR"] | None = None


class RemedyOut(Schema):
    remedy: str
    rule: str
    available_until: str | None


class AssessmentOut(Schema):
    statutory_breach: bool
    rules: list[str]
    remedies: list[RemedyOut]
    burden_of_proof: str | None
    deduction_for_use_allowed: bool | None
    unconfirmed: list[str]
    explanation: str
    lines: list[str]


class StatutoryOut(Schema):
    reference: str
    purchase_facts: dict[str, Any]
    is_statutory_breach: bool | None
    assessed_on: str = Field(description="Today: the statutory position is worked out afresh each time.")
    assessment: AssessmentOut | None
    problem: str | None = Field(description="Why saved facts cannot be assessed today, if they cannot.")


class AuthorityOut(Schema):
    within: bool
    label: str
    approver: str
    reasons: list[str]


class FactorOut(Schema):
    factor: str
    label: str
    value: str
    weight: str
    points: str
    note: str


class ReasonOut(Schema):
    factor: str
    label: str
    text: str


class AppraisedOptionOut(Schema):
    option_id: int
    title: str
    status: str
    remedy_type: str
    source: str
    rule_ids: list[str]
    amount: str
    cost_to_organisation: str
    days_to_deliver: int
    customer_benefit: int
    policy_fit: str
    is_exception: bool
    authority: AuthorityOut
    total: str
    percent: int
    is_best: bool
    factors: list[FactorOut]


class SuggestionOut(Schema):
    option_id: int
    title: str
    reasons: list[ReasonOut]


class AppraisalOut(Schema):
    reference: str
    weights: dict[str, str]
    suggested_best: SuggestionOut | None
    options: list[AppraisedOptionOut]
    statutory: StatutoryOut


class OfferIn(In):
    option_id: Integer(1, 2_147_483_647)
    method: RecordedMethod
    amount: Money | None = Field(None, description="Leave out to offer the option's own value.")
    terms: Text(5000, required=False) = ""


class CounterOfferIn(In):
    option_id: Integer(1, 2_147_483_647)
    method: RecordedMethod
    amount: Money
    terms: Text(5000, required=False) = ""


class SettleIn(In):
    note: Text(500, required=False) = ""


class OfferRejectIn(In):
    method: RecordedMethod
    reason: Text(5000, required=False) = ""


class OfferOut(Schema):
    id: int
    option: int
    party: Literal["organisation", "customer"]
    kind: Literal["offer", "counter_offer", "accepted", "rejected"]
    amount: str
    terms: str
    method: str
    responds_to: int | None
    recorded_by: str | None
    at: datetime


class OfferListOut(Schema):
    reference: str
    offers: list[OfferOut]


class StatutoryOptionsOut(Schema):
    reference: str
    created: list[int]


# ---------------------------------------------------------------- data


def _statutory_data(case) -> dict:
    position = selectors.statutory_position(case)
    today = position.today if position else selectors.assessment_today()
    return {
        "reference": case.reference,
        "purchase_facts": case.purchase_facts or {},
        "is_statutory_breach": case.is_statutory_breach,
        "assessed_on": today.isoformat(),
        "assessment": position.assessment.to_dict() if position and position.assessment else None,
        "problem": f"{position.error_field}: {position.error}" if position and position.error else None,
    }


def _appraisal_data(case, user) -> dict:
    appraisal = selectors.case_appraisal(case=case, user=user)
    best = appraisal.best
    return {
        "reference": case.reference,
        "weights": {k: str(v) for k, v in appraisal.result.weights.items()},
        "suggested_best": {
            "option_id": best.option.pk,
            "title": best.option.title,
            "reasons": [r.to_dict() for r in appraisal.reasons],
        }
        if best
        else None,
        "options": [
            {
                "option_id": row.option.pk,
                "title": row.option.title,
                "status": row.option.status,
                "remedy_type": row.option.remedy_type,
                "source": row.option.source,
                "rule_ids": list(row.option.rule_ids or []),
                "amount": f"{row.option.amount:.2f}",
                "cost_to_organisation": f"{row.option.cost_to_organisation:.2f}",
                "days_to_deliver": row.option.days_to_deliver,
                "customer_benefit": row.option.customer_benefit,
                "policy_fit": row.option.policy_fit,
                "is_exception": row.option.is_exception,
                "authority": {
                    "within": row.authority.within,
                    "label": row.authority.label,
                    "approver": row.authority.approver,
                    "reasons": list(row.authority.reasons),
                },
                "total": str(row.score.total),
                "percent": row.score.percent,
                "is_best": row.is_best,
                "factors": [f.to_dict() for f in row.score.factors],
            }
            for row in appraisal.rows
        ],
        "statutory": _statutory_data(case),
    }


def _offer_data(offer: Offer) -> dict:
    data = selectors.offer_record_data(offer)
    data["at"] = offer.created_at
    return data


# ---------------------------------------------------------------- endpoints


@router.put(
    "/cases/{reference}/facts",
    response={200: StatutoryOut, **ACTION_ERRORS},
    summary="Record the purchase facts; answers with the statutory position today",
)
def facts_record(request, reference: Reference, payload: FactsIn):
    case = _case(request, reference)
    try:
        case = services.case_facts_record(
            actor=request.auth, case=case, facts=payload.model_dump(exclude_none=True)
        )
    except services.FactsInvalid as exc:
        raise field_error(exc.field, exc.detail) from None
    return _statutory_data(case)


@router.get(
    "/cases/{reference}/facts",
    response={200: StatutoryOut, **COMMON_ERRORS},
    summary="The purchase facts and the statutory position today",
)
def facts_read(request, reference: Reference):
    return _statutory_data(_case(request, reference))


@router.get(
    "/cases/{reference}/appraisal",
    response={200: AppraisalOut, **COMMON_ERRORS},
    summary="The options on the table, weighed, with the suggested best and why (P3/P4)",
)
def appraisal_read(request, reference: Reference):
    return _appraisal_data(_case(request, reference), request.auth)


@router.post(
    "/cases/{reference}/options/statutory",
    response={201: StatutoryOptionsOut, **ACTION_ERRORS},
    summary="List the customer's statutory remedies as options (each once)",
)
def statutory_options_add(request, reference: Reference):
    case = _case(request, reference)
    try:
        created = services.statutory_options_add(actor=request.auth, case=case)
    except services.FactsInvalid as exc:
        raise field_error(exc.field, exc.detail) from None
    return Status(201, {"reference": case.reference, "created": [o.pk for o in created]})


@router.get(
    "/cases/{reference}/offers",
    response={200: OfferListOut, **COMMON_ERRORS},
    summary="The negotiation history, oldest first (K3)",
)
def offers_list(request, reference: Reference):
    case = _case(request, reference)
    return {"reference": case.reference, "offers": [_offer_data(o) for o in selectors.case_offers(case=case)]}


@router.post(
    "/cases/{reference}/offers", response={201: OfferOut, **ACTION_ERRORS}, summary="Record an offer we made"
)
def offer_make(request, reference: Reference, payload: OfferIn):
    option = _on_case(Option, payload.option_id, _case(request, reference), "option")
    offer = services.offer_make(
        actor=request.auth,
        option=option,
        method=payload.method,
        amount=payload.amount.quantize(CENT) if payload.amount is not None else None,
        terms=payload.terms,
    )
    return Status(201, _offer_data(offer))


@router.post(
    "/cases/{reference}/offers/counter",
    response={201: OfferOut, **ACTION_ERRORS},
    summary="Record the customer's counter-offer",
)
def offer_counter(request, reference: Reference, payload: CounterOfferIn):
    option = _on_case(Option, payload.option_id, _case(request, reference), "option")
    offer = services.offer_counter_record(
        actor=request.auth,
        option=option,
        amount=payload.amount.quantize(CENT),
        method=payload.method,
        terms=payload.terms,
    )
    return Status(201, _offer_data(offer))


@router.post(
    "/cases/{reference}/offers/{offer_id}/settle",
    response={201: OfferOut, **ACTION_ERRORS},
    summary="Accept the customer's counter-offer (goes for approval when beyond your authority)",
)
def offer_settle(request, reference: Reference, offer_id: ObjectId, payload: SettleIn):
    offer = _on_case(Offer, offer_id, _case(request, reference), "offer")
    accepted = services.offer_settle(actor=request.auth, offer=offer, note=payload.note)
    return Status(201, _offer_data(accepted))


@router.post(
    "/cases/{reference}/offers/{offer_id}/reject",
    response={201: OfferOut, **ACTION_ERRORS},
    summary="Record that an offer or counter-offer was turned down",
)
def offer_reject(request, reference: Reference, offer_id: ObjectId, payload: OfferRejectIn):
    offer = _on_case(Offer, offer_id, _case(request, reference), "offer")
    answer = services.offer_reject(
        actor=request.auth, offer=offer, method=payload.method, reason=payload.reason
    )
    return Status(201, _offer_data(answer))
