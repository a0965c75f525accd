"""The UK consumer-law remedies engine over HTTP: facts of a purchase in, statutory remedies out.

The request schema shows the facts in the OpenAPI document and refuses unknown fields and wrong types;
``facts_from_dict`` then applies the engine's own checks (real dates, none after ``today``, dates in a
possible order), so the API, the ``putright remedies evaluate`` command and the case page give the same
answer, or the same refusal, for the same facts. A body that is not a JSON object of facts (empty, not
JSON, a list) is refused like any other bad facts: 422 with a field-style error.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from ninja import Field, Router, Schema
from ninja.errors import ValidationError
from ninja.params.models import Body, BodyModel
from pydantic import StrictBool, StringConstraints, WithJsonSchema

from putright.apiv1.errors import BODY_ERRORS, field_error
from putright.apiv1.fields import Integer
from putright.apiv1.schemas import In
from putright.engines.remedies import FactsError, evaluate, facts_from_dict
from putright.engines.remedies.facts import MAX_ATTEMPTS, MAX_PERISHABLE_DAYS

router = Router(tags=["remedies"])

IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"),
    WithJsonSchema({"type": "string", "format": "date", "example": "2026-04-02"}),
]
RemedyName = Literal[
    "short_term_reject",
    "repair",
    "replace",
    "price_reduction",
    "final_reject",
    "cancel",
    "repeat_performance",
    "repair_device_or_compensate",
]


# Schema names are unique across the API: the OpenAPI document keys components by class name.
class RemedyFactsIn(In):
    """The facts of a purchase and its problem. Only `supply` and `today` are required."""

    supply: Literal["goods", "digital_content", "service"]
    today: IsoDate = Field(description="The day to assess on; no other date may be after it.")
    consumer: StrictBool | None = Field(
        None, description="An individual acting wholly or mainly outside their trade (default true)."
    )
    contract_date: IsoDate | None = None
    delivery_date: IsoDate | None = Field(
        None,
        description="Goods delivered (the last item of a split delivery), content supplied, or service completed.",
    )
    installation_completed_date: IsoDate | None = Field(
        None, description="Goods only: when the trader said installation was finished."
    )
    fault: StrictBool | None = Field(
        None,
        description="The goods or content do not conform, or the service lacked reasonable care and skill.",
    )
    fault_reported_date: IsoDate | None = None
    perishable_days: Integer(1, MAX_PERISHABLE_DAYS) | None = Field(
        None, description="Goods only: how many days after delivery they could be expected to perish."
    )
    motor_vehicle: StrictBool | None = Field(None, description="Goods only.")
    repairs_or_replacements_attempted: Integer(0, MAX_ATTEMPTS) | None = Field(
        None, description="Repairs or replacements (for a service: repeat performances) that failed."
    )
    repair_requested_date: IsoDate | None = Field(None, description="Goods only.")
    returned_after_repair_date: IsoDate | None = Field(None, description="Goods only.")
    distance_sale: StrictBool | None = Field(None, description="A distance or off-premises contract.")
    cancellation_info_given: StrictBool | None = Field(
        None, description="Whether the trader gave the cancellation information (default true)."
    )
    cancellation_info_received_date: IsoDate | None = Field(
        None, description="When the consumer received the cancellation information, if after the contract."
    )
    cancellation_requested_date: IsoDate | None = None
    excluded_from_cancellation: StrictBool | None = Field(
        None,
        description="An exclusion in CCR reg 28 applies (personalised, perishable, sealed goods opened…).",
    )
    early_supply_consent: StrictBool | None = Field(
        None,
        description="Digital content or service only: the consumer asked for it to start within the "
        "cancellation period (for digital content, accepting the loss of the right to cancel).",
    )
    device_damaged: StrictBool | None = Field(None, description="Digital content only: it damaged a device.")
    repeat_performance_impossible: StrictBool | None = Field(None, description="Service only.")
    region: Literal["ENG", "WLS", "SCT", "NIR"] | None = Field(
        None, description="Where the consumer lives, for the time limit on court claims (default ENG)."
    )


def _body_error(message: str, kind: str) -> ValidationError:
    return ValidationError([{"loc": ["body", "payload"], "msg": message, "type": kind}])


class _FactsBodyModel(BodyModel):
    """The request body as facts. ninja answers JSON it cannot parse with a 400 and an empty body with
    "Field required"; here both are the field-style 422 every other bad fact gets."""

    @classmethod
    def get_request_data(cls, request, api, path_params):
        if not request.body:
            raise _body_error("facts must be a JSON object", "model_type")
        try:
            data = api.parser.parse_body(request)
        except ValueError as exc:  # JSON that does not parse, or bytes that are not UTF-8
            raise _body_error(f"facts are not valid JSON: {exc}", "json_invalid") from None
        if not isinstance(data, dict):
            raise _body_error("facts must be a JSON object", "model_type")
        return {cls.__read_from_single_attr__: data}


class _FactsBody(Body):
    """A JSON body read by ``_FactsBodyModel``; the OpenAPI document shows it as any other body."""

    _model = _FactsBodyModel

    @classmethod
    def _param_source(cls) -> str:
        return "body"


class RemedyOptionOut(Schema):
    remedy: RemedyName
    rule: str = Field(description="The rule id the remedy comes from, e.g. G1.")
    available_until: date | None = Field(
        description="The last day it can be used; null when no end can be worked out yet. For a "
        "cancellation the customer has made, the last day of the cancellation period."
    )
    # Only the engine's "cancel" item carries these two; the endpoint leaves unset fields out.
    refund_by: date | None = Field(
        None,
        description="`cancel` only (C3): once the customer has cancelled in time, the last day to refund "
        "when it runs from the cancellation; null for goods they have, whose refund runs from their return.",
    )
    return_by: date | None = Field(
        None,
        description="`cancel` only (C4): once the customer has cancelled goods they have, the last day to "
        "send them back.",
    )


class RemedyAssessmentOut(Schema):
    statutory_breach: bool
    rules: list[str] = Field(description="Every rule id that applies, in the order of uk-rules.md.")
    remedies: list[RemedyOptionOut] = Field(
        description="The remedies still open today, and a cancellation the customer has made in time."
    )
    burden_of_proof: Literal["trader", "consumer"] | None
    deduction_for_use_allowed: bool | None
    unconfirmed: list[str] = Field(description="Rule ids applied whose detail is unconfirmed.")
    explanation: str
    lines: list[str] = Field(description="One sentence per finding, each ending with its rule id.")


@router.post(
    "/remedies/evaluate",
    response={200: RemedyAssessmentOut, **BODY_ERRORS},
    summary="Work out a consumer's statutory remedies from the facts of a purchase (E4)",
    # Keys the engine leaves out stay out (refund_by and return_by belong to a cancellation only).
    exclude_unset=True,
)
def remedies_evaluate(request, payload: Annotated[RemedyFactsIn, _FactsBody(...)]):
    """Changes nothing: the same facts always give the same answer. 422 names the field to correct."""
    try:
        facts = facts_from_dict(payload.model_dump(exclude_none=True))
    except FactsError as exc:
        raise field_error(exc.field, exc.message) from None
    return evaluate(facts).to_dict()
