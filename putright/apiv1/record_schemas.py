"""Response schemas of a case's whole record (``GET /api/cases/{reference}/record``, as
``cases.selectors.case_record`` returns it) and of the handling scorecard (Q1), apart from the other schemas
so that neither module grows past the house's length."""

from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from putright.apiv1.fields import MoneyText
from putright.apiv1.schemas import OptionOut

# The whole record, as ``selectors.case_record`` returns it.


class RecordCustomerOut(Schema):
    name: str
    email: str
    phone: str
    lawful_basis: str
    consent_given_at: str | None


class RecordUnderstandingOut(Schema):
    state: str
    summary: str
    correction: str
    skip_reason: str


class RecordOptionOut(OptionOut):
    """An option as the case record shows it: the same fields as everywhere else."""


class RecordRecommendationOut(Schema):
    option: int | None
    justification: str
    factors: list[str]


class RecordConsultationOut(Schema):
    asked_by: str | None
    colleague: str | None
    question: str
    answer: str
    asked_at: str
    answered_at: str | None


class RecordApprovalOut(Schema):
    option: int
    status: str
    requested_by: str | None
    assigned_to: str | None
    decided_by: str | None
    reasons: list[str]
    rule_ids: list[str]
    note: str


class RecordAgreementOut(Schema):
    option: int
    agreed: bool
    method: str
    recorded_by: str | None
    comment: str
    at: str


class RecordStepOut(Schema):
    description: str
    owner: str | None
    due_date: str
    done_at: str | None
    customer_wording: str  # blank: an internal step
    customer_told_at: str | None


class RecordPromiseOut(Schema):
    description: str
    owner: str | None
    due_at: str
    status: str
    kept_at: str | None


class RecordMessageOut(Schema):
    direction: str
    prompt: str
    subject: str
    body: str
    author: str | None
    email_status: str
    at: str


class RecordAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    from_customer: bool
    author: str | None
    message: int | None = Field(description="The message it came with; null for the report's own files.")
    created_at: str


class RecordEscalationOut(Schema):
    # "from" is a Python keyword: the field is named from_user and keeps "from" on the wire.
    from_user: str | None = Field(alias="from")
    to: str | None
    reason: str
    automatic: bool
    at: str


class RecordOutcomeOut(Schema):
    satisfaction_comment: str
    unresolved_reasons: str
    other_routes: list[str]
    closed_at: str | None


class RecordEventOut(Schema):
    seq: int
    at: str
    actor: str
    kind: str
    summary: str
    before: dict[str, Any]
    after: dict[str, Any]
    customer_visible: bool
    prev_hash: str
    hash: str


class RecordChainProblemOut(Schema):
    seq: int
    problem: str


class RecordChainOut(Schema):
    events_verified: int
    intact: bool
    problems: list[RecordChainProblemOut]


class RecordOfferOut(Schema):
    id: int
    option: int
    party: str
    kind: str
    amount: MoneyText
    terms: str
    method: str
    responds_to: int | None
    recorded_by: str | None
    at: str


# Q1: the handling scorecard (GET /api/cases/{reference}/scorecard, and the record's section).


class ScorecardDisputeOut(Schema):
    status: Literal["open", "upheld", "rejected"] = Field(
        description="open: waiting for the manager; upheld: the fail is overturned (result pass); "
        "rejected: the fail stands."
    )
    raised_by: str | None
    raised_at: str
    note: str
    failed_reason: str = Field(description="What the check said when it was disputed.")
    decided_by: str | None
    decided_at: str | None
    decision_note: str


class ScorecardCheckOut(Schema):
    id: str = Field(
        description="One of the nine check ids (understanding_confirmed … escalated_beyond_authority)."
    )
    result: Literal["pass", "fail", "n/a"]
    reason: str = Field(description="Why it failed or does not apply; empty on a pass.")
    event_id: int | None = Field(description="The timeline event that shows it (a fail), when there is one.")
    disputed: ScorecardDisputeOut | None = Field(
        description="The handler's dispute of a failed check, if any."
    )


class ScorecardOut(Schema):
    case: str
    engine_version: str
    scored_at: str
    checks: list[ScorecardCheckOut]


class RecordOut(Schema):
    reference: str
    status: str
    status_label: str
    channel: str
    source_kind: str
    source_kind_label: str
    category: str | None = Field(description="The category's name.")
    subject: str
    description: str
    desired_outcome: str
    order_reference: str
    amount_in_dispute: MoneyText | None
    customer: RecordCustomerOut
    assignee: str | None
    understanding: RecordUnderstandingOut
    options: list[RecordOptionOut]
    recommendation: RecordRecommendationOut
    purchase_facts: dict[str, Any] = Field(description="The facts the statutory position is worked out from.")
    is_statutory_breach: bool | None
    offers: list[RecordOfferOut] = Field(description="The negotiation history, oldest first (K3).")
    consultations: list[RecordConsultationOut]
    approvals: list[RecordApprovalOut]
    agreements: list[RecordAgreementOut]
    action_plan: list[RecordStepOut]
    promises: list[RecordPromiseOut]
    messages: list[RecordMessageOut]
    attachments: list[RecordAttachmentOut] = Field(
        default_factory=list, description="The case's files (issue 15 §4): what they are, never their bytes."
    )
    escalations: list[RecordEscalationOut]
    duplicate_of: str | None = Field(None, description="The case this one was closed as a duplicate of.")
    duplicates: list[str] = Field(default_factory=list, description="Cases closed as duplicates of this one.")
    outcome: RecordOutcomeOut
    timeline: list[RecordEventOut]
    created_at: str
    audit_chain: RecordChainOut
    scorecard: ScorecardOut | None = Field(
        None, description="The handling scorecard (Q1), once the case has closed with an outcome of its own."
    )
