"""Request and response schemas of the API.

Built from ``putright.apiv1.fields``: every string has a maximum length that fits its column, and text is
checked for what a database cannot store (NUL, lone surrogates) or an email header must not carry (control
characters in one-line fields), so bad input is a 422 and never reaches a query; the OpenAPI document
states the same rules.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
)

from putright.apiv1.fields import (
    CASE_REFERENCE_PATTERN,
    MAX_DAYS_TO_DELIVER,
    MAX_ID,
    DisputedAmount,
    DueAt,
    DueDate,
    Email,
    Integer,
    Line,
    Money,
    MoneyText,
    RecordedMethod,
    Slug,
    Text,
    Username,
)
from putright.vocab import (
    Channel,
    JustificationFactor,
    PolicyFit,
    Priority,
    RemedyType,
    SourceKind,
    Status,
)


class In(Schema):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- requests


class CustomerIn(In):
    name: Line(200)
    email: Email
    phone: Line(40, required=False) | None = None


class CaseCreateIn(In):
    customer: CustomerIn
    customer_id: Integer(1, MAX_ID) | None = Field(
        None,
        description="An existing customer's id: the case is theirs, and the customer block is kept only "
        "as what was said this time. Without it, the report attaches to the customer whose e-mail and name "
        "both match, or makes a new one.",
    )
    subject: Line(200)
    description: Text(10000) = Field(description="The customer's own words, stored verbatim.")
    desired_outcome: Text(5000, required=False) | None = None
    order_reference: Line(100, required=False) | None = None
    amount_in_dispute: DisputedAmount | None = None
    channel: Channel = Channel.API
    source_kind: SourceKind = SourceKind.CUSTOMER_REPORTED
    category: Slug | None = Field(None, description="A category's slug.")
    consent: Literal[True] = Field(
        description="The customer consents to us processing their details; must be true."
    )


class UnderstandingIn(In):
    summary: Text(5000)
    send_anyway_reason: Line(500, required=False) | None = Field(
        None,
        description="K5: send even though the reply checker has findings (409 reply_check_findings without "
        "it); recorded with the findings on the case.",
    )


class ConfirmIn(In):
    method: RecordedMethod


class SkipIn(In):
    reason: Text(2000)


class OptionIn(In):
    title: Line(200)
    remedy_type: RemedyType
    description: Text(5000, required=False) = ""
    amount: Money = Decimal("0")
    cost_to_organisation: Money = Decimal("0")
    days_to_deliver: Integer(0, MAX_DAYS_TO_DELIVER) = 0
    customer_advantages: Text(5000, required=False) = ""
    customer_disadvantages: Text(5000, required=False) = ""
    organisation_advantages: Text(5000, required=False) = ""
    organisation_disadvantages: Text(5000, required=False) = ""
    is_exception: StrictBool = False
    customer_benefit: Annotated[Integer(0, 5), Field(description="How far it puts things right, 0–5.")] = 3
    policy_fit: PolicyFit = PolicyFit.STANDARD


class WithdrawIn(In):
    reason: Text(2000)


class RecommendIn(In):
    justification: Text(5000)
    factors: Annotated[list[JustificationFactor], Field(max_length=len(JustificationFactor.values))]
    override_reason: Text(2000, required=False) = Field(
        "", description="Why, when recommending another option than the appraisal's suggested best (P4)."
    )


class ConsultationIn(In):
    colleague: Username
    question: Text(5000)


class AnswerIn(In):
    answer: Text(5000)


class AgreementIn(In):
    agree: StrictBool
    method: RecordedMethod
    comment: Text(5000, required=False) | None = None


class StepIn(In):
    description: Line(300)
    owner: Username
    due_date: DueDate
    # Issue 15 §6: what the customer is told once it is done (in the day's progress message); absent or
    # empty: an internal step, never mentioned to the customer.
    customer_wording: Line(300, required=False) | None = None


class PromiseIn(In):
    description: Line(300)
    owner: Username
    due_at: DueAt


class MessageIn(In):
    body: Text(10000)
    requested: StrictBool
    subject: Line(200, required=False) | None = None
    send_anyway_reason: Line(500, required=False) | None = Field(
        None,
        description="K5: send even though the reply checker has findings (409 reply_check_findings without "
        "it); recorded with the findings on the case.",
    )


class SatisfactionIn(In):
    resolved: StrictBool
    comment: Text(5000, required=False) | None = None
    method: RecordedMethod
    # JSON's own integers (2 and 2.0 alike, as JSON Schema's "integer"), as every integer of a request body.
    csat: Integer(1, 5) | None = Field(
        None, description="Satisfaction with how we handled it, 1 (very dissatisfied) to 5 (very satisfied)."
    )
    ces: Integer(1, 7) | None = Field(
        None, description="How easy it was, 1 (very difficult) to 7 (very easy)."
    )
    nps: Integer(0, 10) | None = Field(None, description="How likely to recommend us, 0 to 10.")


class DeliverIn(In):
    upheld: Literal["upheld", "partly", "not_upheld"] = Field(
        "upheld",
        description="Whether the complaint was upheld (kept as the case closes). Defaults to 'upheld' for "
        "clients written before it was asked: delivering an agreed resolution usually means it was.",
    )


class UpheldCorrectIn(In):
    upheld: Literal["upheld", "partly", "not_upheld"]
    reason: Text(2000)


class ReopenIn(In):
    """A reason, for the actions that need one and nothing else."""

    reason: Text(2000)


class CloseUnresolvedIn(In):
    reasons: Text(5000)
    other_routes: Annotated[list[Line(500)], Field(min_length=1, max_length=20)]
    reason_code: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="An active code from the administrator's list of reasons for closing unresolved "
        "(GET /api/unresolved-reasons)."
    )
    upheld: Literal["upheld", "partly", "not_upheld"] = Field(
        "not_upheld", description="Whether the complaint was upheld; 'not_upheld' when left out."
    )
    send_anyway_reason: Line(500, required=False) | None = Field(
        None,
        description="K5: send even though the reply checker has findings (409 reply_check_findings without "
        "it); recorded with the findings on the case.",
    )


class CloseDuplicateIn(In):
    original: Annotated[
        str,
        Field(
            min_length=1,
            max_length=30,
            pattern=CASE_REFERENCE_PATTERN,
            description="The reference of the customer's other open case, which carries on.",
        ),
    ]
    note: Text(1000, required=False) = Field(
        "", description="Why they are the same problem (for the record)."
    )


class EscalateIn(In):
    to: Username | None = Field(
        default=None, description="A colleague's username; omit or null for the next level of authority up."
    )
    reason: Text(2000)


class ClassifyIn(In):
    source_kind: SourceKind
    category: Slug | None = Field(None, description="A category's slug, or null for none.")
    regulated: StrictBool | None = Field(
        None,
        description="A regulated complaint (FCA DISP, energy, communications); starts the regulator's "
        "clocks. Left out: unchanged.",
    )


class EmotionIn(In):
    emotion: Literal["calm", "angry", "distressed"] = Field(
        description="The agent's reading of the customer (K2); the detector leaves it alone afterwards."
    )
    priority: Priority | None = Field(None, description="Leave out to follow the emotional state.")
    reason: Text(2000)


class AssignIn(In):
    assignee: Username | None = Field(description="The new handler's username, or null to unassign.")


class DecideIn(In):
    approve: StrictBool
    note: Text(2000, required=False) | None = None


class QueueQuery(Schema):
    scope: Literal["mine", "team", "unassigned", "all"] = Field(
        "team",
        description=(
            "mine: assigned to you; team: the cases of the teams you are in or lead (every case when you are"
            " in no team); unassigned: nobody's; all: every case."
        ),
    )
    team: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = Field(
        None, description="Only the cases of this team (its id), whoever asks."
    )
    status: Status | None = None
    source_kind: SourceKind | None = None
    category: Slug | None = None
    overdue_promises: bool = False
    awaiting_customer: bool = False
    needs_update: bool = False
    include_closed: bool = False
    q: Line(200, required=False) | None = Field(
        None,
        description=(
            "Search: every word must be found in the reference, the customer's name, e-mail or phone or the"
            " order reference (anywhere in them), or in the subject, the customer's words or the messages (by"
            " the beginnings of their words); a word of one or two characters narrows the cases the others"
            " find. Best matches first; 'count' is the number of matches, up to 1,000: past that,"
            " 'count_capped' is true and the best 1,000 are listed."
        ),
    )
    priority: Priority | None = None
    upset: bool = Field(False, description="Only angry or distressed customers (K2).")
    sort: Literal[
        "newest",
        "oldest",
        "priority",
        "-priority",
        "deadline",
        "-deadline",
        "activity",
        "-activity",
        "assignee",
        "-assignee",
        "reference",
        "-reference",
    ] = Field(
        "newest",
        description=(
            "newest/oldest (age), priority (most urgent first), deadline (the next deadline: the earliest"
            " running regulatory clock or promise still owed, soonest first), activity (last activity,"
            " quiet longest first), assignee (A to Z), reference; a leading '-' reverses. Cases with no"
            " deadline or no assignee come last either way. With q, the best match comes first unless"
            " sort is given."
        ),
    )
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0


# ---------------------------------------------------------------- responses


class FindingOut(Schema):
    rule: str = Field(description="The reply checker's rule id, e.g. K5.blame.")
    text: str = Field(description="The words of the reply that triggered it.")
    hint: str = Field(description="A better way to put it.")


class ErrorOut(Schema):
    code: str = Field(description="Stable, machine-readable: branch on this.")
    message: str = Field(description="For people to read.")
    findings: list[FindingOut] | None = Field(
        None, description="Only with code reply_check_findings: what the reply checker found (K5)."
    )


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


class CustomerOut(Schema):
    name: str
    email: str
    phone: str


class UnderstandingOut(Schema):
    state: str
    summary: str
    correction: str
    skip_reason: str


class RecommendationOut(Schema):
    option_id: int | None
    justification: str
    factors: list[str]


class OptionOut(Schema):
    id: int
    title: str
    description: str
    remedy_type: str
    amount: MoneyText
    cost_to_organisation: MoneyText
    days_to_deliver: int
    customer_advantages: str
    customer_disadvantages: str
    organisation_advantages: str
    organisation_disadvantages: str
    is_exception: bool
    source: str
    rule_ids: list[str]
    status: str


class ConsultationOut(Schema):
    id: int
    asked_by: str
    colleague: str
    question: str
    answer: str
    asked_at: datetime
    answered_at: datetime | None


class StepOut(Schema):
    id: int
    description: str
    owner: str
    due_date: date
    done_at: datetime | None
    done_by: str | None
    customer_wording: str
    customer_told_at: datetime | None


class PromiseOut(Schema):
    id: int
    description: str
    owner: str
    due_at: datetime
    status: str
    kept_at: datetime | None


class ApprovalSummaryOut(Schema):
    id: int
    option_id: int
    status: str
    requested_by: str
    assigned_to: str | None
    decided_by: str | None
    reasons: list[str]
    rule_ids: list[str]
    note: str
    created_at: datetime
    decided_at: datetime | None


class CaseSummaryOut(Schema):
    reference: str
    subject: str
    status: str
    status_label: str
    channel: str
    source_kind: str
    category: str | None = Field(description="The category's slug.")
    customer_name: str
    assignee: str | None
    has_overdue_promise: bool
    needs_update: bool = Field(description="The customer has waited too long for news (A4).")
    priority: Priority
    emotion: str = Field(description="calm, angry, distressed, or empty when not assessed (K2).")
    created_at: datetime
    updated_at: datetime
    last_customer_update_at: datetime
    next_deadline_at: datetime | None = Field(
        None,
        description="The earliest due time among the case's running regulatory clocks and the promises still owed.",
    )
    team: str | None = Field(None, description="The team whose queue holds the case.")


class CaseListOut(Schema):
    count: int
    count_capped: bool = Field(
        False,
        description="A search ('q') matched more than 1,000 cases: 'count' says 1,000, the best listed.",
    )
    items: list[CaseSummaryOut]


class CustomerStateOut(Schema):
    sentiment: str = Field(description="negative, neutral, positive, or empty before any words were read.")
    emotion: str = Field(description="calm, angry, distressed, or empty when not assessed.")
    assessed_by: str = Field(description="auto (from their words) or agent.")
    cues: list[str] = Field(description="What the detector found in their words.")
    priority: Priority


class CaseDetailOut(Schema):
    reference: str
    subject: str
    status: str
    status_label: str
    channel: str
    source_kind: str
    category: str | None
    customer: CustomerOut
    description: str
    desired_outcome: str
    customer_state: CustomerStateOut
    statutory_breach: bool | None = Field(
        description="From the purchase facts: a breach of the Consumer Rights Act (null before any facts)."
    )
    regulated_complaint: bool = Field(description="Under FCA DISP, energy or communications rules.")
    order_reference: str
    amount_in_dispute: MoneyText | None
    assignee: str | None
    understanding: UnderstandingOut
    recommendation: RecommendationOut
    options: list[OptionOut]
    consultations: list[ConsultationOut]
    steps: list[StepOut]
    promises: list[PromiseOut]
    approvals: list[ApprovalSummaryOut]
    satisfaction_comment: str
    unresolved_reasons: str
    other_routes: list[str]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    duplicate_of: str | None = Field(
        None, description="Closed as a duplicate: the reference of the case that carries on (else null)."
    )
    duplicates: list[str] = Field(
        default_factory=list, description="The references of the cases closed as duplicates of this one."
    )
    csat: int | None = Field(None, description="The customer's satisfaction score, 1–5 (null if none given).")
    ces: int | None = Field(None, description="The customer's effort score, 1–7 (null if none given).")
    nps: int | None = Field(None, description="How likely the customer is to recommend us, 0–10.")
    satisfaction_answered_at: datetime | None = Field(
        None, description="When the customer last answered the satisfaction check."
    )
    upheld: str = Field(
        "",
        description="'upheld', 'partly' or 'not_upheld' once recorded (on delivering or closing); else ''.",
    )
    unresolved_reason: str | None = Field(
        None, description="Closed unresolved: the reason code from the administrator's list (else null)."
    )


class CaseReopenOut(CaseDetailOut):
    follow_up: str | None = Field(
        None,
        description="Issue 15 §5: reopening a closed case past the reopen window, or one closed unresolved, opens "
        "a linked follow-up case (its reference; this case stays closed). Null when the case itself reopened.",
    )


class CaseCreatedOut(CaseDetailOut):
    portal_url: str = Field(description="The customer's private link to follow their case.")


class EventOut(Schema):
    seq: int
    at: datetime
    actor: str
    kind: str
    summary: str
    before: dict[str, Any]
    after: dict[str, Any]
    customer_visible: bool
    prev_hash: str
    hash: str


class TimelineOut(Schema):
    reference: str
    events: list[EventOut]


class MessageOut(Schema):
    id: int
    direction: str
    prompt: str
    subject: str
    body: str
    author: str | None
    email_status: str
    created_at: datetime


class EscalationOut(Schema):
    id: int
    from_user: str | None
    to_user: str
    reason: str
    automatic: bool
    created_at: datetime


class ApprovalOptionOut(Schema):
    id: int
    title: str
    remedy_type: str
    amount: MoneyText
    is_exception: bool


class ApprovalOut(ApprovalSummaryOut):
    case_reference: str
    case_subject: str
    option: ApprovalOptionOut


class ApprovalListOut(Schema):
    count: int
    items: list[ApprovalOut]


class UnresolvedReasonOut(Schema):
    code: str
    label: str
    active: bool
