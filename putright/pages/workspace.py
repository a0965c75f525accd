"""The case workspace: one page that shows a case at every stage and re-renders with a form's errors.

Views are thin. Each one checks the user is staff, loads the case through the permission-checking
selector, validates its form, then calls one service (the one way in). A ``DomainError`` becomes a page
message, ``PermissionDenied`` a 403, an unknown object a 404 — never a 500. Every form works as a plain
POST + redirect; a few small ones (ticking a step, marking an alert read) also answer htmx with a fragment."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from putright.authority.models import Approval
from putright.authority.selectors import limit_for_user
from putright.caseforms.forms import (
    CloseUnresolvedForm,
    ConfirmFromCallForm,
    ConsultationAnswerForm,
    ConsultationRequestForm,
    MessageForm,
    OptionForm,
    PromiseForm,
    ReasonForm,
    RecommendForm,
    SkipUnderstandingForm,
    StepForm,
    SummaryForm,
    WithdrawOptionForm,
)
from putright.cases import presence, selectors, services
from putright.cases.access import case_or_404, detail_url, staff_required
from putright.cases.models import Case
from putright.engines.authority import limits as authority_engine
from putright.pages import (
    procedure_panel,
    quality_panel,
    reopen_panel,
    resolution_sections,
    workspace_thread,
)
from putright.pages.contact_forms import LogContactForm
from putright.pages.duplicate_forms import CloseDuplicateForm
from putright.pages.team_forms import TeamSetForm
from putright.pages.workspace_forms import (
    AgreementFromCallForm,
    ClassifyForm,
    DeliverForm,
    EmotionForm,
    EscalateForm,
    ReopenForm,
    SatisfactionFromCallForm,
    UpheldCorrectForm,
)
from putright.vocab import (
    OPEN_STATUSES,
    JustificationFactor,
    OptionStatus,
    PromiseStatus,
    Status,
    Understanding,
)
from putright.web import form_act

# The newest few; the customer page lists every one.
OTHER_CASES_SHOWN = 10

# Where the page offers "Close as duplicate": before anything is agreed (the service decides; this only
# chooses whether to show the form), with the customer's other open cases to pick from.
CLOSE_DUPLICATE_FROM = {Status.NEW, Status.OPTIONS, Status.AWAITING_APPROVAL, Status.AWAITING_CUSTOMER}
DUPLICATE_CANDIDATES_SHOWN = 20


OPTION_COLOURS = {
    OptionStatus.PROPOSED: "grey",
    OptionStatus.RECOMMENDED: "blue",
    OptionStatus.WITHDRAWN: "dark",
    OptionStatus.REJECTED: "red",
    OptionStatus.DECLINED: "red",
    OptionStatus.AGREED: "green",
}


PROMISE_COLOURS = {
    PromiseStatus.OPEN: "blue",
    PromiseStatus.AT_RISK: "amber",
    PromiseStatus.BROKEN: "red",
    PromiseStatus.KEPT: "green",
    PromiseStatus.KEPT_LATE: "amber",
    PromiseStatus.WITHDRAWN: "dark",
}


APPROVAL_COLOURS = {
    Approval.Status.PENDING: "amber",
    Approval.Status.APPROVED: "green",
    Approval.Status.REJECTED: "red",
    Approval.Status.WITHDRAWN: "dark",
}


UNDERSTANDING_COLOURS = {
    Understanding.NOT_STARTED: "grey",
    Understanding.AWAITING_CUSTOMER: "amber",
    Understanding.CONFIRMED: "green",
    Understanding.CORRECTED: "red",
    Understanding.SKIPPED: "dark",
}


def auto_id(key: str) -> str:
    """Every form on the workspace gets its own id prefix so labels point at the right input."""
    return f"id_{key}_%s"


def duplicate_candidates(case: Case) -> list[Case]:
    """The customer's other open cases, newest first: what this one may be closed as a duplicate of."""
    return list(
        Case.objects.filter(customer_id=case.customer_id, status__in=OPEN_STATUSES)
        .exclude(pk=case.pk)
        .order_by("-created_at", "-pk")[:DUPLICATE_CANDIDATES_SHOWN]
    )


def _workspace_context(request: HttpRequest, case: Case, bound: dict) -> dict:
    """Everything the workspace shows, with each form either fresh or (after a failed POST) bound."""
    user = request.user

    def form(key: str, cls, **kwargs):
        return bound.get(key) or cls(auto_id=auto_id(key), **kwargs)

    is_open = not case.is_closed
    can_work_options = case.status == Status.OPTIONS and case.understanding_settled

    # P1/P3/K3: purchase facts, the statutory position, the appraisal and the negotiation.
    options = list(case.options.select_related("created_by"))
    resolution = resolution_sections.workspace_context(request, case, bound, options)
    option_rows = []
    for option in options:
        option.badge = OPTION_COLOURS.get(option.status, "grey")
        listed = option.status == OptionStatus.PROPOSED and can_work_options
        appraised = resolution["appraisal"].for_option(option.pk)
        # The suggested best comes with the factors that make it best already ticked.
        reasons = resolution["appraisal"].result.reason_factors if appraised and appraised.is_best else ()
        option_rows.append(
            {
                "option": option,
                "appraisal": appraised,
                "recommend_form": form(f"rec{option.pk}", RecommendForm, initial={"factors": list(reasons)})
                if listed
                else None,
                "withdraw_form": form(f"wd{option.pk}", WithdrawOptionForm) if listed else None,
            }
        )

    consultation_rows = []
    for consultation in case.consultations.select_related("asked_by", "colleague"):
        can_answer = consultation.colleague_id == user.pk and consultation.answered_at is None
        consultation_rows.append(
            {
                "consultation": consultation,
                "answer_form": form(f"ans{consultation.pk}", ConsultationAnswerForm) if can_answer else None,
            }
        )

    approvals = list(case.approvals.select_related("option", "requested_by", "assigned_to", "decided_by"))
    for approval in approvals:
        approval.badge = APPROVAL_COLOURS.get(approval.status, "grey")

    promises = list(case.promises.select_related("owner"))
    for promise in promises:
        promise.badge = PROMISE_COLOURS.get(promise.status, "grey")

    case_messages = list(case.messages.select_related("author"))
    steps = list(case.steps.select_related("owner", "done_by"))
    thread = workspace_thread.thread_context(request, case, case_messages)
    draft = thread["draft"]

    # One customer across cases: the agent sees the rest of this person's history. The same read gives the
    # cases this one may be closed as a duplicate of, and the links both ways (a duplicate is always the
    # same customer's case), so the page costs one query for them all.
    others = list(
        Case.objects.filter(customer_id=case.customer_id)
        .exclude(pk=case.pk)
        .only("pk", "reference", "subject", "status", "created_at", "customer_id", "duplicate_of_id")
        .order_by("-created_at", "-pk")
    )
    can_close_duplicate = case.status in CLOSE_DUPLICATE_FROM
    candidates = (
        [c for c in others if c.status in OPEN_STATUSES][:DUPLICATE_CANDIDATES_SHOWN]
        if can_close_duplicate
        else []
    )

    error_form = next((f for f in bound.values() if f.errors), None)
    action = workspace_thread.next_action(
        case,
        options=options,
        steps=steps,
        may_decide_approval=_may_decide_approval(user, approvals),
        approvals_url=reverse("cases:approvals"),
    )
    timeline = list(selectors.case_timeline(case=case))
    return {
        "case": case,
        # Issue 12 §3: who else has it open, and the cases joined to this one as duplicates.
        "present": presence.presence_others(user=user, case=case),
        "duplicate_of": next((c for c in others if c.pk == case.duplicate_of_id), None)
        or (case.duplicate_of if case.duplicate_of_id else None),
        "duplicates": [c for c in reversed(others) if c.duplicate_of_id == case.pk],
        "can_close_duplicate": can_close_duplicate,
        "close_duplicate_form": form("dup", CloseDuplicateForm, candidates=candidates),
        "nav": "mine" if case.assignee_id == user.pk else "team",
        "understanding_badge": UNDERSTANDING_COLOURS.get(case.understanding, "grey"),
        "factor_labels": factor_labels(case.recommendation_factors),
        "is_open": is_open,
        "can_work_options": can_work_options,
        "can_summarise": case.status in (Status.NEW, Status.OPTIONS),
        "can_confirm": case.status == Status.NEW and case.understanding == Understanding.AWAITING_CUSTOMER,
        "can_skip": case.status == Status.NEW,
        "option_rows": option_rows,
        "consultation_rows": consultation_rows,
        "approvals": approvals,
        "agreements": list(case.agreements.select_related("option", "recorded_by")),
        "steps": steps,
        "can_tick": case.status == Status.IN_PROGRESS,
        "promises": promises,
        "case_messages": case_messages,
        # Issue 15 §1: the conversation (messages and notes in the agent's order), the stage's next action
        # and the side panel's nearest deadline and authority.
        **thread,
        "next_action": action,
        "next_deadline": workspace_thread.nearest_deadline(user, case),
        "authority": workspace_thread.authority_summary(user, option_rows),
        "facts_open": _facts_open(case, resolution),
        **_folds(case, bound, consultation_rows, steps),
        "escalations": list(case.escalations.select_related("from_user", "to_user")),
        "timeline": timeline,
        # Issue 14 §3: the procedure for the step the case is in, and which version each event recorded.
        **procedure_panel.workspace_procedures(case, timeline),
        "other_cases": others[:OTHER_CASES_SHOWN],
        "summary_form": form("summary", SummaryForm),
        "confirm_form": form("confirm", ConfirmFromCallForm),
        "skip_form": form("skip", SkipUnderstandingForm),
        "option_form": form(
            "option", OptionForm, initial=resolution_sections.option_form_initial(request, case)
        ),
        **resolution,
        **quality_panel.workspace_context(request, case, bound),
        **reopen_panel.workspace_context(request, case),
        "consult_form": form("consult", ConsultationRequestForm, user=user),
        "agreement_form": form("agreement", AgreementFromCallForm),
        "step_form": form("step", StepForm, initial={"owner": case.assignee_id or user.pk}),
        "promise_form": form("promise", PromiseForm, initial={"owner": case.assignee_id or user.pk}),
        # The composer starts from the agent's draft on this case, if they left one.
        "message_form": form(
            "message", MessageForm, initial={"subject": draft.subject, "body": draft.body} if draft else None
        ),
        "contact_form": form("contact", LogContactForm),  # issue 15 §2: log a phone call or visit
        "satisfaction_form": form("satisfaction", SatisfactionFromCallForm),
        "reopen_form": form("reopen", ReopenForm),
        "close_form": form("close", CloseUnresolvedForm),
        "deliver_form": form("deliver", DeliverForm),
        # A supervisor (or above) may correct 'upheld' on a closed case with an outcome of its own.
        "can_correct_upheld": case.status in services.UPHELD_CORRECTABLE
        and services.may_correct_upheld(user),
        "upheld_form": form("upheld", UpheldCorrectForm, initial={"upheld": case.upheld}),
        "escalate_form": form("escalate", EscalateForm, user=user),
        "unrecommend_form": form("unrecommend", ReasonForm),
        "relink_form": form("relink", ReasonForm),
        "emotion_form": form(
            "emotion", EmotionForm, initial={"emotion": case.emotion or "calm", "priority": ""}
        ),
        "heat": case.emotion in ("angry", "distressed"),
        "can_unrecommend": case.status in (Status.AWAITING_APPROVAL, Status.AWAITING_CUSTOMER),
        "classify_form": form(
            "classify",
            ClassifyForm,
            initial={
                "source_kind": case.source_kind,
                "category": case.category_id,
                "regulated": case.is_regulated_complaint,
            },
        ),
        "team_form": form("team", TeamSetForm, initial={"team": case.team_id}),
        "error_form": error_form,
    }


def _may_decide_approval(user, approvals: list[Approval]) -> bool:
    """Whether ``user`` may decide one of this case's pending approvals (not one they asked for)."""
    pending = [a for a in approvals if a.status == Approval.Status.PENDING and a.requested_by_id != user.pk]
    if not pending:
        return False
    limit = limit_for_user(user)
    return any(
        authority_engine.may_approve(
            limit,
            authority_engine.OptionRequest(
                remedy_type=a.option.remedy_type, amount=a.option.amount, is_exception=a.option.is_exception
            ),
        )
        for a in pending
    )


# The stages whose section is open on the page while the case is in them (the rest fold away).
OPTIONS_STAGE = {Status.OPTIONS, Status.AWAITING_APPROVAL, Status.AWAITING_CUSTOMER}
OUTCOME_STAGE = {Status.IN_PROGRESS, Status.AWAITING_CONFIRMATION, Status.NOT_RESOLVED}


def _folds(case: Case, bound: dict, consultation_rows: list, steps: list) -> dict:
    """Which folded sections start open: the stage the case is in, and any whose form has errors."""
    failed = {key for key, f in bound.items() if f.errors}
    options_keys = {"option", "unrecommend", "offer", "counter"}
    return {
        "options_open": case.status in OPTIONS_STAGE
        or bool(failed & options_keys)
        or any(k.startswith(("rec", "wd", "settle", "reject")) for k in failed),
        "awaiting_my_answer": any(row["answer_form"] is not None for row in consultation_rows),
        "steps_done": sum(1 for s in steps if s.is_done),
        "outcome_open": case.is_closed
        or case.status in OUTCOME_STAGE
        or bool(failed & {"close", "dup", "upheld", "deliver", "satisfaction", "reopen"}),
    }


def _facts_open(case: Case, resolution: dict) -> bool:
    """Purchase facts stay open only while the legal position is being worked out: nothing agreed yet
    (the case is still being understood or its options chosen) and no statutory finding recorded."""
    working_out = case.status in (Status.NEW, Status.OPTIONS)
    return working_out and not (resolution["statutory"] and not resolution["statutory"].error)


def factor_labels(values) -> list[str]:
    return [JustificationFactor(v).label for v in values or [] if v in JustificationFactor.values]


def render_workspace(request: HttpRequest, case: Case, bound: dict | None = None, status: int = 200):
    return render(request, "cases/detail.html", _workspace_context(request, case, bound or {}), status=status)


@staff_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    # Opening the case reports in, so colleagues see it even before the page's htmx polls (or without it).
    presence.presence_report(user=request.user, case=case)
    return render_workspace(request, case)


def workspace_act(
    request: HttpRequest,
    case: Case,
    *,
    key: str,
    form,
    perform: Callable[[dict], object],
    success: str,
    anchor: str,
) -> HttpResponse:
    """A workspace POST (see ``putright.web.form_act``): an invalid form re-renders the workspace."""
    return form_act(
        request,
        form=form,
        perform=perform,
        success=success,
        rerender=lambda: render_workspace(request, case, {key: form}, status=400),
        done_url=detail_url(case, anchor),
    )


class NoFields:
    """Stands in for a form on buttons that carry no input (assign to me, mark delivered, keep a promise)."""

    cleaned_data: dict = {}
    errors: dict = {}

    def is_valid(self) -> bool:
        return True
