"""Case endpoints: create, the queue, reads, and one POST per lifecycle action.

Each action endpoint resolves what the path names (the case, then a sub-object
that must belong to that case) and the usernames in the body, then calls exactly
one service. Services raise DomainError (409) or PermissionDenied (403); the
handlers in ``putright.apiv1.errors`` turn them into JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from django.contrib.auth import get_user_model
from ninja import Header, Path, Query, Router, Status
from pydantic import StringConstraints

from putright import clock
from putright.apiv1 import present
from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS, NotFound, field_error
from putright.apiv1.fields import CASE_REFERENCE_PATTERN, MAX_ID, JsonSchema
from putright.apiv1.record_schemas import RecordOut
from putright.apiv1.schemas import (
    AgreementIn,
    AnswerIn,
    AssignIn,
    CaseCreatedOut,
    CaseCreateIn,
    CaseDetailOut,
    CaseListOut,
    CaseReopenOut,
    ClassifyIn,
    CloseDuplicateIn,
    CloseUnresolvedIn,
    ConfirmIn,
    ConsultationIn,
    ConsultationOut,
    DeliverIn,
    EmotionIn,
    EscalateIn,
    EscalationOut,
    MessageIn,
    MessageOut,
    OptionIn,
    OptionOut,
    PromiseIn,
    PromiseOut,
    QueueQuery,
    RecommendIn,
    ReopenIn,
    SatisfactionIn,
    SkipIn,
    StepIn,
    StepOut,
    TimelineOut,
    UnderstandingIn,
    UnresolvedReasonOut,
    UpheldCorrectIn,
    WithdrawIn,
)
from putright.cases import selectors, services
from putright.cases.models import ActionStep, Case, Category, Consultation, Option, Promise, UnresolvedReason
from putright.channels.portal_links import portal_url
from putright.errors import DomainError
from putright.regulation.selectors import next_deadline_at
from putright.resolution.services import option_recommend_weighed
from putright.search.query import SearchResults, cases_matching, term_parse
from putright.validators import CASE_REFERENCE_RE

router = Router(tags=["cases"])

# The pattern is documented, not enforced here: anything else cannot name a case, and _case answers 404.
Reference = Annotated[
    str,
    JsonSchema.of(pattern=CASE_REFERENCE_PATTERN),
    Path(max_length=30, description="The case reference, e.g. PR-2026-000123."),
]
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[\x20-\x7e]+$")]
CENT = Decimal("0.01")


# ---------------------------------------------------------------- lookups


def _category_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise field_error("category", f"No category with the slug {slug!r}.", kind="unknown_category")
    return category.pk


def _case(request, reference: str) -> Case:
    # Anything that is not PR-<year>-<number> cannot name a case: a 404 without a query.
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise NotFound(f"No case {reference!r}.")
    try:
        return selectors.case_get_for_user(user=request.auth, reference=reference)
    except Case.DoesNotExist:
        raise NotFound(f"No case {reference}.") from None


def _on_case(model, pk: int, case: Case, what: str):
    """A sub-object addressed by id; one on another case is as absent as one that does not exist."""
    obj = model.objects.select_related("case").filter(pk=pk, case=case).first()
    if obj is None:
        raise NotFound(f"No {what} {pk} on {case.reference}.")
    return obj


def _user(username: str, field: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise field_error(field, f"No user with the username {username!r}.", kind="unknown_user")
    return user


def _pounds(amount: Decimal) -> Decimal:
    """One spelling per amount: "100", "1E+2" and "100.00" are the same request (and the same idempotency
    fingerprint), and the timeline records 100.00. Schemas have already bounded it to two places."""
    return abs(amount.quantize(CENT))


def _detail(request, reference: str) -> dict:
    return present.case_detail_data(_case(request, reference))


# ---------------------------------------------------------------- create and read


@router.post(
    "/cases",
    response={201: CaseCreatedOut, 200: CaseCreatedOut, **ACTION_ERRORS},
    summary="Report a problem on the customer's behalf (S1)",
)
def case_create(
    request,
    payload: CaseCreateIn,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
):
    """A retry with the same Idempotency-Key and body returns the first case (200), not a second one."""
    category_id = _category_id(payload.category)
    amount = _pounds(payload.amount_in_dispute) if payload.amount_in_dispute is not None else None
    report = services.ReportInput(
        customer_name=payload.customer.name,
        customer_email=payload.customer.email,
        customer_phone=payload.customer.phone or "",
        subject=payload.subject,
        description=payload.description,
        desired_outcome=payload.desired_outcome or "",
        order_reference=payload.order_reference or "",
        amount_in_dispute=amount,
        channel=payload.channel.value,
        source_kind=payload.source_kind.value,
        category_id=category_id,
        consent=payload.consent,
        customer_id=payload.customer_id,
    )
    case, created = services.case_report(report=report, actor=request.auth, idempotency_key=idempotency_key)
    case = _case(request, case.reference)
    return Status(201 if created else 200, {**present.case_detail_data(case), "portal_url": portal_url(case)})


@router.get(
    "/cases", response={200: CaseListOut, **COMMON_ERRORS}, summary="The queue (mine, team, unassigned, all)"
)
def case_list(request, filters: Query[QueueQuery]):
    queue = selectors.case_queue(
        user=request.auth,
        filters=selectors.QueueFilters(
            scope=filters.scope,
            status=filters.status.value if filters.status else "",
            source_kind=filters.source_kind.value if filters.source_kind else "",
            category=filters.category or "",
            overdue_promises=filters.overdue_promises,
            awaiting_customer=filters.awaiting_customer,
            needs_update=filters.needs_update,
            include_closed=filters.include_closed,
            priority=filters.priority.value if filters.priority else "",
            upset=filters.upset,
            sort=filters.sort,
            team=filters.team,
        ),
        next_deadline=next_deadline_at(),
    )
    search = term_parse(filters.q or "")
    found = cases_matching(queue, search)
    capped = isinstance(found, SearchResults) and found.capped
    if search and "sort" in filters.model_fields_set:
        # A sort asked for outright decides the order, over every match listed; the search then only narrows.
        found = selectors.queue_sort(queue.filter(pk__in=found.ids()), filters.sort)
    queue = found
    cutoff = selectors.cadence_cutoff(clock.now())
    page = queue[filters.offset : filters.offset + filters.limit]
    return {
        "count": queue.count(),
        "count_capped": capped,
        "items": [present.case_summary_data(c, cutoff=cutoff) for c in page],
    }


@router.get("/cases/{reference}", response={200: CaseDetailOut, **COMMON_ERRORS}, summary="One case")
def case_detail(request, reference: Reference):
    return _detail(request, reference)


@router.get(
    "/cases/{reference}/timeline",
    response={200: TimelineOut, **COMMON_ERRORS},
    summary="The case's hash-chained timeline",
)
def case_timeline(request, reference: Reference):
    case = _case(request, reference)
    return {
        "reference": case.reference,
        "events": [present.event_data(e) for e in selectors.case_timeline(case=case)],
    }


@router.get(
    "/cases/{reference}/record",
    response={200: RecordOut, **COMMON_ERRORS},
    by_alias=True,
    summary="The whole case record",
)
def case_record(request, reference: Reference):
    return selectors.case_record(case=_case(request, reference))


# ---------------------------------------------------------------- S2 understanding


@router.post(
    "/cases/{reference}/understanding",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Record our summary of the problem for the customer to confirm",
)
def understanding_summarise(request, reference: Reference, payload: UnderstandingIn):
    services.case_summarise_understanding(
        actor=request.auth,
        case=_case(request, reference),
        summary=payload.summary,
        send_anyway_reason=payload.send_anyway_reason or "",
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/understanding/confirm",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Record that the customer confirmed our summary (by phone, in person or email)",
)
def understanding_confirm(request, reference: Reference, payload: ConfirmIn):
    services.case_confirm_understanding(
        actor=request.auth, case=_case(request, reference), method=payload.method
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/understanding/skip",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Move on without the customer's confirmation, with the reason",
)
def understanding_skip(request, reference: Reference, payload: SkipIn):
    services.case_skip_understanding(
        actor=request.auth, case=_case(request, reference), reason=payload.reason
    )
    return _detail(request, reference)


# ---------------------------------------------------------------- P2–P4 options


@router.post(
    "/cases/{reference}/options", response={201: OptionOut, **ACTION_ERRORS}, summary="List an option"
)
def option_add(request, reference: Reference, payload: OptionIn):
    option = services.option_add(
        actor=request.auth,
        case=_case(request, reference),
        option=services.OptionInput(
            title=payload.title,
            remedy_type=payload.remedy_type.value,
            description=payload.description,
            amount=_pounds(payload.amount),
            cost_to_organisation=_pounds(payload.cost_to_organisation),
            days_to_deliver=payload.days_to_deliver,
            customer_advantages=payload.customer_advantages,
            customer_disadvantages=payload.customer_disadvantages,
            organisation_advantages=payload.organisation_advantages,
            organisation_disadvantages=payload.organisation_disadvantages,
            is_exception=payload.is_exception,
            customer_benefit=payload.customer_benefit,
            policy_fit=payload.policy_fit.value,
        ),
    )
    option.refresh_from_db()
    return Status(201, present.option_data(option))


@router.post(
    "/cases/{reference}/options/{option_id}/withdraw",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Withdraw a listed option",
)
def option_withdraw(request, reference: Reference, option_id: ObjectId, payload: WithdrawIn):
    option = _on_case(Option, option_id, _case(request, reference), "option")
    services.option_withdraw(actor=request.auth, option=option, reason=payload.reason)
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/options/{option_id}/recommend",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Recommend an option, naming at least two factors (goes for approval if beyond authority)",
)
def option_recommend(request, reference: Reference, option_id: ObjectId, payload: RecommendIn):
    option = _on_case(Option, option_id, _case(request, reference), "option")
    option_recommend_weighed(
        actor=request.auth,
        option=option,
        justification=payload.justification,
        factors=[f.value for f in payload.factors],
        override_reason=payload.override_reason,
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/consultations",
    response={201: ConsultationOut, **ACTION_ERRORS},
    summary="Ask a colleague for input",
)
def consultation_request(request, reference: Reference, payload: ConsultationIn):
    case = _case(request, reference)
    colleague = _user(payload.colleague, "colleague")
    consultation = services.consultation_request(
        actor=request.auth, case=case, colleague=colleague, question=payload.question
    )
    return Status(201, present.consultation_data(consultation))


@router.post(
    "/cases/{reference}/consultations/{consultation_id}/answer",
    response={200: ConsultationOut, **ACTION_ERRORS},
    summary="Answer a question you were asked",
)
def consultation_answer(request, reference: Reference, consultation_id: ObjectId, payload: AnswerIn):
    consultation = _on_case(Consultation, consultation_id, _case(request, reference), "consultation")
    consultation = services.consultation_answer(
        actor=request.auth, consultation=consultation, answer=payload.answer
    )
    return present.consultation_data(consultation)


# ---------------------------------------------------------------- A1–A3 agree, plan, promise


@router.post(
    "/cases/{reference}/agreement",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Record the customer's answer to the proposed option",
)
def agreement_record(request, reference: Reference, payload: AgreementIn):
    services.option_customer_respond(
        case=_case(request, reference),
        agree=payload.agree,
        actor=request.auth,
        method=payload.method,
        comment=payload.comment or "",
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/steps",
    response={201: StepOut, **ACTION_ERRORS},
    summary="Add a step to the action plan",
)
def step_add(request, reference: Reference, payload: StepIn):
    case = _case(request, reference)
    owner = _user(payload.owner, "owner")
    step = services.step_add(
        actor=request.auth,
        case=case,
        description=payload.description,
        owner=owner,
        due_date=payload.due_date,
        customer_wording=payload.customer_wording or "",
    )
    return Status(201, present.step_data(step))


@router.post(
    "/cases/{reference}/steps/{step_id}/complete",
    response={200: StepOut, **ACTION_ERRORS},
    summary="Mark a step done",
)
def step_complete(request, reference: Reference, step_id: ObjectId):
    step = _on_case(ActionStep, step_id, _case(request, reference), "step")
    step = services.step_complete(actor=request.auth, step=step)
    return present.step_data(step)


@router.post(
    "/cases/{reference}/promises",
    response={201: PromiseOut, **ACTION_ERRORS},
    summary="Make a promise to the customer",
)
def promise_make(request, reference: Reference, payload: PromiseIn):
    case = _case(request, reference)
    owner = _user(payload.owner, "owner")
    promise = services.promise_make(
        actor=request.auth, case=case, description=payload.description, owner=owner, due_at=payload.due_at
    )
    return Status(201, present.promise_data(promise))


@router.post(
    "/cases/{reference}/promises/{promise_id}/keep",
    response={200: PromiseOut, **ACTION_ERRORS},
    summary="Record that a promise was kept",
)
def promise_keep(request, reference: Reference, promise_id: ObjectId):
    promise = _on_case(Promise, promise_id, _case(request, reference), "promise")
    promise = services.promise_keep(actor=request.auth, promise=promise)
    return present.promise_data(promise)


# ---------------------------------------------------------------- A4–A6 update, check, close


@router.post(
    "/cases/{reference}/messages",
    response={201: MessageOut, **ACTION_ERRORS},
    summary="Send the customer a message",
)
def message_send(request, reference: Reference, payload: MessageIn):
    message = services.message_send(
        actor=request.auth,
        case=_case(request, reference),
        body=payload.body,
        requested=payload.requested,
        subject=payload.subject or "",
        send_anyway_reason=payload.send_anyway_reason or "",
    )
    return Status(201, present.message_data(message))


@router.post(
    "/cases/{reference}/deliver",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Every step is done: ask the customer whether it is resolved",
)
def case_deliver(request, reference: Reference, payload: DeliverIn | None = None):
    upheld = payload.upheld if payload is not None else "upheld"
    services.case_mark_delivered(actor=request.auth, case=_case(request, reference), upheld=upheld)
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/satisfaction",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Record whether the customer says the problem is resolved",
)
def satisfaction_record(request, reference: Reference, payload: SatisfactionIn):
    services.case_satisfaction_record(
        case=_case(request, reference),
        resolved=payload.resolved,
        comment=payload.comment or "",
        actor=request.auth,
        method=payload.method,
        csat=payload.csat,
        ces=payload.ces,
        nps=payload.nps,
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/reopen",
    response={200: CaseReopenOut, **ACTION_ERRORS},
    summary="Look for another way after 'not resolved', or reopen a closed case (A5, issue 15 §5)",
    description="On a case the customer said is not resolved: back to choosing a resolution. On a closed case "
    "(its handler, or a supervisor or above): closed resolved or with no reply within the reopen window, the "
    "case reopens; closed unresolved or past the window, it stays closed and a linked follow-up case opens, "
    "named in `follow_up`. Asked twice, the second answer names the same follow-up.",
)
def case_reopen(request, reference: Reference, payload: ReopenIn):
    case = _case(request, reference)
    follow_up = None
    if case.is_closed:
        _, follow_up = services.case_reopen_closed(actor=request.auth, case=case, reason=payload.reason)
    else:
        services.case_reopen(actor=request.auth, case=case, reason=payload.reason)
    return {**_detail(request, reference), "follow_up": follow_up.reference if follow_up else None}


@router.post(
    "/cases/{reference}/recommendation/withdraw",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Withdraw the recommendation awaiting approval or the customer's answer",
)
def case_recommendation_withdraw(request, reference: Reference, payload: ReopenIn):
    services.recommendation_withdraw(
        actor=request.auth, case=_case(request, reference), reason=payload.reason
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/link/renew",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Revoke the customer's case links and email them a new one",
)
def case_portal_link_renew(request, reference: Reference, payload: ReopenIn):
    services.case_portal_link_renew(actor=request.auth, case=_case(request, reference), reason=payload.reason)
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/close-unresolved",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Close without resolution, with reasons and other routes for the customer",
)
def case_close_unresolved(request, reference: Reference, payload: CloseUnresolvedIn):
    """422 ``reason_code`` when the code is not on the administrator's list of active reasons."""
    case = _case(request, reference)
    try:
        services.unresolved_reason_get(payload.reason_code)
    except DomainError as exc:
        raise field_error("reason_code", exc.message, kind="unknown_reason_code") from None
    services.case_close_unresolved(
        actor=request.auth,
        case=case,
        reasons=payload.reasons,
        other_routes=payload.other_routes,
        reason_code=payload.reason_code,
        upheld=payload.upheld,
        send_anyway_reason=payload.send_anyway_reason or "",
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/upheld",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Correct whether a closed case's complaint was upheld (supervisors and above)",
)
def case_upheld_correct(request, reference: Reference, payload: UpheldCorrectIn):
    services.case_upheld_correct(
        actor=request.auth, case=_case(request, reference), upheld=payload.upheld, reason=payload.reason
    )
    return _detail(request, reference)


@router.get(
    "/unresolved-reasons",
    response=list[UnresolvedReasonOut],
    summary="The reason codes for closing a case unresolved, in the administrator's order",
)
def unresolved_reasons(request):
    return list(UnresolvedReason.objects.values("code", "label", "active"))


@router.post(
    "/cases/{reference}/close-duplicate",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Close as a duplicate of the customer's other open case, which carries on",
)
def case_close_duplicate(request, reference: Reference, payload: CloseDuplicateIn):
    """No final letter: the customer gets one message naming the case that carries on; the clocks stop.
    409 ``duplicate_invalid`` when the original is this case, closed, or another customer's; 422 when the
    original names no case."""
    case = _case(request, reference)
    try:
        original = selectors.case_get_for_user(user=request.auth, reference=payload.original)
    except Case.DoesNotExist:
        raise field_error("original", f"No case {payload.original}.", kind="unknown_case") from None
    services.case_close_duplicate(actor=request.auth, case=case, original=original, note=payload.note)
    return _detail(request, reference)


# ---------------------------------------------------------------- K4 escalate and assign


@router.post(
    "/cases/{reference}/escalate",
    response={201: EscalationOut, **ACTION_ERRORS},
    summary="Escalate the case to a colleague (or the next level up), with the reason",
)
def case_escalate(request, reference: Reference, payload: EscalateIn):
    case = _case(request, reference)
    to_user = _user(payload.to, "to") if payload.to is not None else None
    escalation = services.case_escalate(actor=request.auth, case=case, to_user=to_user, reason=payload.reason)
    return Status(201, present.escalation_data(escalation))


@router.post(
    "/cases/{reference}/classify",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Record the problem's source (a–e) and category",
)
def case_classify(request, reference: Reference, payload: ClassifyIn):
    case = _case(request, reference)
    services.case_classify(
        actor=request.auth,
        case=case,
        source_kind=payload.source_kind,
        category_id=_category_id(payload.category),
        regulated=payload.regulated,
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/emotion",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Record the agent's reading of the customer's emotional state (K2)",
)
def case_emotion_set(request, reference: Reference, payload: EmotionIn):
    case = _case(request, reference)
    services.case_emotion_set(
        actor=request.auth,
        case=case,
        emotion=payload.emotion,
        priority=payload.priority.value if payload.priority else "",
        reason=payload.reason,
    )
    return _detail(request, reference)


@router.post(
    "/cases/{reference}/assign",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Assign the case to a member of staff, or unassign it",
)
def case_assign(request, reference: Reference, payload: AssignIn):
    case = _case(request, reference)
    assignee = _user(payload.assignee, "assignee") if payload.assignee is not None else None
    services.case_assign(actor=request.auth, case=case, assignee=assignee)
    return _detail(request, reference)
