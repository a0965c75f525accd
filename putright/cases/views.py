"""Staff pages: the queue, logging a call, the case workspace, approvals, escalations and alerts.

Views are thin. Each one checks the user is staff, loads the case through the
permission-checking selector, validates its form, then calls one service in
``putright.cases.services`` (the one way in). A ``DomainError`` becomes a page
message, ``PermissionDenied`` a 403, an unknown object a 404 — never a 500.
Every form works as a plain POST + redirect; a few small ones (ticking a step,
marking an alert read) also answer htmx with a fragment.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from putright import clock
from putright.authority.models import Approval
from putright.authority.selectors import is_staff_member
from putright.cases import selectors, services
from putright.cases.choices import (
    AgreementMethod,
    JustificationFactor,
    OptionStatus,
    PromiseStatus,
    RemedyType,
    Status,
    Understanding,
)
from putright.cases.forms import (
    AgreementFromCallForm,
    ApprovalDecisionForm,
    ClassifyForm,
    CloseUnresolvedForm,
    ConfirmFromCallForm,
    ConsultationAnswerForm,
    ConsultationRequestForm,
    EmotionForm,
    EscalateForm,
    LogCallForm,
    MessageForm,
    OptionForm,
    PromiseForm,
    QueueFilterForm,
    ReasonForm,
    RecommendForm,
    ReopenForm,
    SatisfactionFromCallForm,
    SkipUnderstandingForm,
    StepForm,
    SummaryForm,
    WithdrawOptionForm,
)
from putright.cases.models import ActionStep, Case, Consultation, Option, Promise
from putright.channels import services as channel_services
from putright.channels.models import Alert, Message
from putright.errors import DomainError, ErrorCode
from putright.errors import PermissionDenied as DomainPermissionDenied
from putright.validators import CASE_REFERENCE_RE
from putright.web import form_act

QUEUE_PAGE_SIZE = 50
ALERTS_PAGE_SIZE = 50

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
EMAIL_COLOURS = {
    Message.EmailStatus.NOT_EMAILED: "grey",
    Message.EmailStatus.PENDING: "amber",
    Message.EmailStatus.SENT: "green",
    Message.EmailStatus.FAILED: "red",
}
UNDERSTANDING_COLOURS = {
    Understanding.NOT_STARTED: "grey",
    Understanding.AWAITING_CUSTOMER: "amber",
    Understanding.CONFIRMED: "green",
    Understanding.CORRECTED: "red",
    Understanding.SKIPPED: "dark",
}


# ---------------------------------------------------------------- access


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/forbidden.html", status=403)


def staff_required(view: Callable) -> Callable:
    """Anonymous people sign in first; signed-in people without a staff role get 403 on every page.

    Also turns a service's PermissionDenied (e.g. answering a question asked of
    someone else) into the same 403 page.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            return _forbidden(request)
        try:
            return view(request, *args, **kwargs)
        except DomainPermissionDenied:
            return _forbidden(request)

    return wrapper


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    # A reference that cannot name a case never reaches the database (a NUL byte in one is an
    # error on PostgreSQL, which would otherwise be a 500).
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise Http404("No case with that reference")
    try:
        return selectors.case_get_for_user(user=request.user, reference=reference)
    except Case.DoesNotExist as exc:
        raise Http404("No case with that reference") from exc


def _detail_url(case: Case, anchor: str = "") -> str:
    url = reverse("cases:detail", kwargs={"reference": case.reference})
    return f"{url}#{anchor}" if anchor else url


def _auto_id(key: str) -> str:
    """Every form on the workspace gets its own id prefix so labels point at the right input."""
    return f"id_{key}_%s"


# ---------------------------------------------------------------- home and queue


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and is_staff_member(request.user):
        return redirect("cases:queue")
    return redirect("portal:report")


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    page_obj = None
    status = 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {"scope": "team"}
        filters = selectors.QueueFilters(
            scope=data.get("scope") or "team",
            status=data.get("status") or "",
            source_kind=data.get("source_kind") or "",
            category=data["category"].slug if data.get("category") else "",
            overdue_promises=bool(data.get("overdue_promises")),
            awaiting_customer=bool(data.get("awaiting_customer")),
            needs_update=bool(data.get("needs_update")),
            include_closed=bool(data.get("include_closed")),
            q=data.get("q") or "",
            priority=data.get("priority") or "",
            upset=bool(data.get("upset")),
            sort=data.get("sort") or "newest",
        )
        now = clock.now()
        cases = selectors.case_queue(user=request.user, filters=filters, now=now)
        page_obj = Paginator(cases, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        cutoff = selectors.cadence_cutoff(now)
        for case in page_obj.object_list:
            # A4: worked out here from the row itself, so the flag costs no query per row.
            case.not_updated = not case.is_closed and case.last_customer_update_at < cutoff
        scope = filters.scope
    else:
        status = 400
        scope = request.GET.get("scope")
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "page_obj": page_obj,
            "nav": "mine" if scope == "mine" else "team",
            "scope": scope,
        },
        status=status,
    )


# ---------------------------------------------------------------- S1 log a call


@staff_required
def log_call(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = LogCallForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            report = services.ReportInput(
                customer_name=d["customer_name"],
                customer_email=d["customer_email"],
                customer_phone=d["customer_phone"],
                subject=d["subject"],
                description=d["description"],
                desired_outcome=d["desired_outcome"],
                order_reference=d["order_reference"],
                amount_in_dispute=d["amount_in_dispute"],
                channel=d["channel"],
                source_kind=d["source_kind"],
                category_id=d["category"].pk if d["category"] else None,
                consent=d["consent"],
            )
            try:
                case, _ = services.case_report(report=report, actor=request.user)
            except DomainError as exc:
                # Keep what the agent typed: show the reason above the form instead of losing it.
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Logged as {case.reference}.")
                return redirect(_detail_url(case))
        return render(request, "cases/log_call.html", {"form": form, "nav": "log"}, status=400)
    return render(request, "cases/log_call.html", {"form": LogCallForm(), "nav": "log"})


# ---------------------------------------------------------------- the workspace


def _workspace_context(request: HttpRequest, case: Case, bound: dict) -> dict:
    """Everything the workspace shows, with each form either fresh or (after a failed POST) bound."""
    user = request.user

    def form(key: str, cls, **kwargs):
        return bound.get(key) or cls(auto_id=_auto_id(key), **kwargs)

    is_open = not case.is_closed
    can_work_options = case.status == Status.OPTIONS and case.understanding_settled

    # P1/P3/K3: purchase facts, the statutory position, the appraisal and the negotiation.
    from putright.resolution import views as resolution_views

    options = list(case.options.select_related("created_by"))
    resolution = resolution_views.workspace_context(request, case, bound, options)
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
    for msg in case_messages:
        msg.badge = EMAIL_COLOURS.get(msg.email_status, "grey")

    error_form = next((f for f in bound.values() if f.errors), None)
    return {
        "case": case,
        "nav": "mine" if case.assignee_id == user.pk else "team",
        "understanding_badge": UNDERSTANDING_COLOURS.get(case.understanding, "grey"),
        "factor_labels": _factor_labels(case.recommendation_factors),
        "is_open": is_open,
        "can_work_options": can_work_options,
        "can_summarise": case.status in (Status.NEW, Status.OPTIONS),
        "can_confirm": case.status == Status.NEW and case.understanding == Understanding.AWAITING_CUSTOMER,
        "can_skip": case.status == Status.NEW,
        "option_rows": option_rows,
        "consultation_rows": consultation_rows,
        "approvals": approvals,
        "agreements": list(case.agreements.select_related("option", "recorded_by")),
        "steps": list(case.steps.select_related("owner", "done_by")),
        "can_tick": case.status == Status.IN_PROGRESS,
        "promises": promises,
        "case_messages": case_messages,
        "escalations": list(case.escalations.select_related("from_user", "to_user")),
        "timeline": list(selectors.case_timeline(case=case)),
        "summary_form": form("summary", SummaryForm),
        "confirm_form": form("confirm", ConfirmFromCallForm),
        "skip_form": form("skip", SkipUnderstandingForm),
        "option_form": form(
            "option", OptionForm, initial=resolution_views.option_form_initial(request, case)
        ),
        **resolution,
        "consult_form": form("consult", ConsultationRequestForm, user=user),
        "agreement_form": form("agreement", AgreementFromCallForm),
        "step_form": form("step", StepForm, initial={"owner": case.assignee_id or user.pk}),
        "promise_form": form("promise", PromiseForm, initial={"owner": case.assignee_id or user.pk}),
        "message_form": form("message", MessageForm),
        "satisfaction_form": form("satisfaction", SatisfactionFromCallForm),
        "reopen_form": form("reopen", ReopenForm),
        "close_form": form("close", CloseUnresolvedForm),
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
        "error_form": error_form,
    }


def _factor_labels(values) -> list[str]:
    return [JustificationFactor(v).label for v in values or [] if v in JustificationFactor.values]


def _render_workspace(request: HttpRequest, case: Case, bound: dict | None = None, status: int = 200):
    return render(request, "cases/detail.html", _workspace_context(request, case, bound or {}), status=status)


# For other apps' workspace forms (putright.resolution.views): the same page, re-rendered or returned to.
render_workspace = _render_workspace
detail_url = _detail_url


@staff_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_workspace(request, _case_or_404(request, reference))


def _act(
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
        rerender=lambda: _render_workspace(request, case, {key: form}, status=400),
        done_url=_detail_url(case, anchor),
    )


def workspace_post(view: Callable) -> Callable:
    """Staff only, POST only; a GET (a reload after a failed POST) goes back to the workspace."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, reference: str, *args, **kwargs) -> HttpResponse:
        case = _case_or_404(request, reference)
        if request.method != "POST":
            return redirect(_detail_url(case))
        return view(request, case, *args, **kwargs)

    return wrapper


class _NoFields:
    """Stands in for a form on buttons that carry no input (assign to me, mark delivered, keep a promise)."""

    cleaned_data: dict = {}
    errors: dict = {}

    def is_valid(self) -> bool:
        return True


@workspace_post
def assign_me(request, case):
    return _act(
        request,
        case,
        key="assign",
        form=_NoFields(),
        anchor="facts",
        perform=lambda d: services.case_assign(actor=request.user, case=case, assignee=request.user),
        success="The case is now assigned to you.",
    )


@workspace_post
def classify(request, case):
    form = ClassifyForm(request.POST, auto_id=_auto_id("classify"))
    return _act(
        request,
        case,
        key="classify",
        form=form,
        anchor="facts",
        perform=lambda d: services.case_classify(
            actor=request.user,
            case=case,
            source_kind=d["source_kind"],
            category_id=d["category"].pk if d.get("category") else None,
            regulated=d["regulated"],
        ),
        success="Classification saved.",
    )


@workspace_post
def emotion_set(request, case):
    form = EmotionForm(request.POST, auto_id=_auto_id("emotion"))
    return _act(
        request,
        case,
        key="emotion",
        form=form,
        anchor="customer-state",
        perform=lambda d: services.case_emotion_set(
            actor=request.user, case=case, emotion=d["emotion"], priority=d["priority"], reason=d["reason"]
        ),
        success="Your reading of the customer is recorded.",
    )


@workspace_post
def escalate(request, case):
    form = EscalateForm(request.POST, auto_id=_auto_id("escalate"), user=request.user)
    return _act(
        request,
        case,
        key="escalate",
        form=form,
        anchor="escalate",
        perform=lambda d: services.case_escalate(
            actor=request.user, case=case, to_user=d["to_user"], reason=d["reason"]
        ),
        success="Escalated.",
    )


@workspace_post
def understanding_summarise(request, case):
    form = SummaryForm(request.POST, auto_id=_auto_id("summary"))
    return _act(
        request,
        case,
        key="summary",
        form=form,
        anchor="understanding",
        perform=lambda d: services.case_summarise_understanding(
            actor=request.user, case=case, summary=d["summary"]
        ),
        success="Summary recorded and sent to the customer to confirm.",
    )


@workspace_post
def understanding_confirm(request, case):
    form = ConfirmFromCallForm(request.POST, auto_id=_auto_id("confirm"))
    return _act(
        request,
        case,
        key="confirm",
        form=form,
        anchor="understanding",
        perform=lambda d: services.case_confirm_understanding(
            actor=request.user, case=case, method=d["method"]
        ),
        success="The customer's confirmation is recorded. You can now list options.",
    )


@workspace_post
def understanding_skip(request, case):
    form = SkipUnderstandingForm(request.POST, auto_id=_auto_id("skip"))
    return _act(
        request,
        case,
        key="skip",
        form=form,
        anchor="understanding",
        perform=lambda d: services.case_skip_understanding(actor=request.user, case=case, reason=d["reason"]),
        success="Confirmation skipped; the reason is on the record.",
    )


@workspace_post
def option_add(request, case):
    form = OptionForm(request.POST, auto_id=_auto_id("option"))
    return _act(
        request,
        case,
        key="option",
        form=form,
        anchor="options",
        perform=lambda d: services.option_add(
            actor=request.user, case=case, option=services.OptionInput(**d)
        ),
        success="Option listed.",
    )


@workspace_post
def option_withdraw(request, case, option_id: int):
    option = get_object_or_404(Option, pk=option_id, case=case)
    form = WithdrawOptionForm(request.POST, auto_id=_auto_id(f"wd{option.pk}"))
    return _act(
        request,
        case,
        key=f"wd{option.pk}",
        form=form,
        anchor="options",
        perform=lambda d: services.option_withdraw(actor=request.user, option=option, reason=d["reason"]),
        success=f"Withdrew \u201c{option.title}\u201d.",
    )


@workspace_post
def recommendation_withdraw(request, case):
    form = ReasonForm(request.POST, auto_id=_auto_id("unrecommend"))
    return _act(
        request,
        case,
        key="unrecommend",
        form=form,
        anchor="options",
        perform=lambda d: services.recommendation_withdraw(actor=request.user, case=case, reason=d["reason"]),
        success="Recommendation withdrawn; the case is back to choosing a resolution.",
    )


@workspace_post
def portal_link_renew(request, case):
    form = ReasonForm(request.POST, auto_id=_auto_id("relink"))
    return _act(
        request,
        case,
        key="relink",
        form=form,
        anchor="facts",
        perform=lambda d: services.case_portal_link_renew(actor=request.user, case=case, reason=d["reason"]),
        success="The customer's old links no longer work; a new one has been emailed to them.",
    )


@workspace_post
def option_recommend(request, case, option_id: int):
    """P4 through the appraisal: choosing another than the suggested best option needs a reason."""
    from putright.resolution import services as resolution_services

    option = get_object_or_404(Option, pk=option_id, case=case)
    key = f"rec{option.pk}"
    form = RecommendForm(request.POST, auto_id=_auto_id(key))
    if not form.is_valid():
        return _render_workspace(request, case, {key: form}, status=400)
    d = form.cleaned_data
    try:
        result = resolution_services.option_recommend_weighed(
            actor=request.user,
            option=option,
            justification=d["justification"],
            factors=d["factors"],
            override_reason=d["override_reason"],
        )
    except DomainError as exc:
        if exc.code == ErrorCode.OVERRIDE_REASON_REQUIRED:
            # Beside the field, keeping what the agent typed.
            form.add_error("override_reason", exc.message)
            return _render_workspace(request, case, {key: form}, status=400)
        messages.error(request, exc.message)
    else:
        if result.status == Status.AWAITING_APPROVAL:
            messages.info(
                request, "This option needs approval; it has gone to a colleague with enough authority."
            )
        messages.success(request, f"Recommended \u201c{option.title}\u201d.")
    return redirect(_detail_url(case, "options"))


@workspace_post
def consultation_request(request, case):
    form = ConsultationRequestForm(request.POST, auto_id=_auto_id("consult"), user=request.user)
    return _act(
        request,
        case,
        key="consult",
        form=form,
        anchor="consultations",
        perform=lambda d: services.consultation_request(
            actor=request.user, case=case, colleague=d["colleague"], question=d["question"]
        ),
        success="Question sent.",
    )


@workspace_post
def consultation_answer(request, case, consultation_id: int):
    consultation = get_object_or_404(Consultation, pk=consultation_id, case=case)
    form = ConsultationAnswerForm(request.POST, auto_id=_auto_id(f"ans{consultation.pk}"))
    return _act(
        request,
        case,
        key=f"ans{consultation.pk}",
        form=form,
        anchor="consultations",
        perform=lambda d: services.consultation_answer(
            actor=request.user, consultation=consultation, answer=d["answer"]
        ),
        success="Thank you: your answer is on the case.",
    )


@workspace_post
def agreement_record(request, case):
    form = AgreementFromCallForm(request.POST, auto_id=_auto_id("agreement"))
    return _act(
        request,
        case,
        key="agreement",
        form=form,
        anchor="agreement",
        perform=lambda d: services.option_customer_respond(
            case=case, agree=d["agreed"], actor=request.user, method=d["method"], comment=d["comment"]
        ),
        success="The customer's answer is recorded.",
    )


@workspace_post
def step_add(request, case):
    form = StepForm(request.POST, auto_id=_auto_id("step"))
    return _act(
        request,
        case,
        key="step",
        form=form,
        anchor="plan",
        perform=lambda d: services.step_add(
            actor=request.user,
            case=case,
            description=d["description"],
            owner=d["owner"],
            due_date=d["due_date"],
        ),
        success="Step added to the plan.",
    )


@workspace_post
def step_complete(request, case, step_id: int):
    step = get_object_or_404(ActionStep, pk=step_id, case=case)
    error = None
    try:
        services.step_complete(actor=request.user, step=step)
    except DomainError as exc:
        error = exc.message
    if request.htmx:
        # htmx swaps just the list of steps, with the outcome said inline.
        case.refresh_from_db()
        return render(
            request,
            "cases/_plan_steps.html",
            {
                "case": case,
                "steps": list(case.steps.select_related("owner", "done_by")),
                "can_tick": case.status == Status.IN_PROGRESS,
                "plan_error": error,
                "plan_notice": None if error else f"Done: {step.description}",
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Done: {step.description}")
    return redirect(_detail_url(case, "plan"))


@workspace_post
def deliver(request, case):
    return _act(
        request,
        case,
        key="deliver",
        form=_NoFields(),
        anchor="outcome",
        perform=lambda d: services.case_mark_delivered(actor=request.user, case=case),
        success="Marked as delivered; the customer is asked whether it is resolved.",
    )


@workspace_post
def promise_make(request, case):
    form = PromiseForm(request.POST, auto_id=_auto_id("promise"))
    return _act(
        request,
        case,
        key="promise",
        form=form,
        anchor="promises",
        perform=lambda d: services.promise_make(
            actor=request.user, case=case, description=d["description"], owner=d["owner"], due_at=d["due_at"]
        ),
        success="Promise made and sent to the customer.",
    )


@workspace_post
def promise_keep(request, case, promise_id: int):
    promise = get_object_or_404(Promise, pk=promise_id, case=case)
    return _act(
        request,
        case,
        key="keep",
        form=_NoFields(),
        anchor="promises",
        perform=lambda d: services.promise_keep(actor=request.user, promise=promise),
        success=f"Promise kept: {promise.description}",
    )


@workspace_post
def message_send(request, case):
    form = MessageForm(request.POST, auto_id=_auto_id("message"))
    return _act(
        request,
        case,
        key="message",
        form=form,
        anchor="messages",
        perform=lambda d: services.message_send(
            actor=request.user,
            case=case,
            body=d["body"],
            requested=d["prompt"] == "requested",
            subject=d["subject"],
        ),
        success="Message sent to the customer.",
    )


@workspace_post
def satisfaction_record(request, case):
    form = SatisfactionFromCallForm(request.POST, auto_id=_auto_id("satisfaction"))
    return _act(
        request,
        case,
        key="satisfaction",
        form=form,
        anchor="outcome",
        perform=lambda d: services.case_satisfaction_record(
            case=case, resolved=d["resolved"], comment=d["comment"], actor=request.user, method=d["method"]
        ),
        success="The customer's answer is recorded.",
    )


@workspace_post
def reopen(request, case):
    form = ReopenForm(request.POST, auto_id=_auto_id("reopen"))
    return _act(
        request,
        case,
        key="reopen",
        form=form,
        anchor="options",
        perform=lambda d: services.case_reopen(actor=request.user, case=case, reason=d["reason"]),
        success="Reopened: list another way to put it right.",
    )


@workspace_post
def close_unresolved(request, case):
    form = CloseUnresolvedForm(request.POST, auto_id=_auto_id("close"))
    if form.is_valid() and form.cleaned_data["letter"].strip():
        # P5/A6: the drafted and edited letter is sent exactly as written. If it is refused, it comes
        # back in the form with the reason beside it, so the agent's edits are never lost.
        from putright.regulation.services import LetterChoices

        d = form.cleaned_data
        try:
            services.case_close_unresolved(
                actor=request.user,
                case=case,
                reasons=d["reasons"],
                other_routes=d["all_routes"],
                letter=d["letter"],
                letter_choices=LetterChoices(
                    decision=d["decision"], region=d["customer_region"], supply=d["supply"]
                ),
            )
        except DomainError as exc:
            form.add_error("letter", exc.message)
            return _render_workspace(request, case, {"close": form}, status=400)
        messages.success(request, "Closed unresolved; our final response letter was sent to the customer.")
        return redirect(_detail_url(case, "outcome"))
    return _act(
        request,
        case,
        key="close",
        form=form,
        anchor="outcome",
        perform=lambda d: services.case_close_unresolved(
            actor=request.user, case=case, reasons=d["reasons"], other_routes=d["all_routes"]
        ),
        success="Closed unresolved; the reasons and other routes were sent to the customer.",
    )


# ---------------------------------------------------------------- the record


def _label(choices, value) -> str:
    return dict(choices).get(value, value or "")


def _record_for_display(record: dict) -> dict:
    """The record as exported, plus the human labels the printed page shows beside the stored codes."""
    for option in record["options"]:
        option["remedy_label"] = _label(RemedyType.choices, option["remedy_type"])
        option["status_label"] = _label(OptionStatus.choices, option["status"])
    for approval in record["approvals"]:
        approval["status_label"] = _label(Approval.Status.choices, approval["status"])
    for agreement in record["agreements"]:
        agreement["method_label"] = _label(AgreementMethod.choices, agreement["method"])
    for promise in record["promises"]:
        promise["status_label"] = _label(PromiseStatus.choices, promise["status"])
    for msg in record["messages"]:
        msg["direction_label"] = _label(Message.Direction.choices, msg["direction"])
        msg["prompt_label"] = _label(Message.Prompt.choices, msg["prompt"])
        msg["email_label"] = _label(Message.EmailStatus.choices, msg["email_status"])
    record["understanding"]["state_label"] = _label(Understanding.choices, record["understanding"]["state"])
    record["recommendation"]["factor_labels"] = _factor_labels(record["recommendation"]["factors"])
    titles = {o["id"]: o["title"] for o in record["options"]}
    record["recommendation"]["option_title"] = titles.get(record["recommendation"]["option"])
    for item in record["approvals"] + record["agreements"] + record["offers"]:
        item["option_title"] = titles.get(item["option"], item["option"])
    from putright.resolution.models import Offer

    for offer in record["offers"]:
        offer["party_label"] = _label(Offer.Party.choices, offer["party"])
        offer["kind_label"] = _label(Offer.Kind.choices, offer["kind"])
        offer["method_label"] = _label(AgreementMethod.choices, offer["method"])
    return record


@staff_required
def record_html(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    record = _record_for_display(selectors.case_record(case=case))
    return render(request, "cases/record.html", {"case": case, "record": record, "generated_at": clock.now()})


@staff_required
def record_json(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    response = JsonResponse(selectors.case_record(case=case), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{case.reference}.json"'
    return response


# ---------------------------------------------------------------- K4 approvals and escalations


def _render_approvals(request: HttpRequest, bound: dict | None = None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    rows = []
    for approval in selectors.approvals_for_user(user=request.user):
        key = f"appr{approval.pk}"
        rows.append(
            {"approval": approval, "form": bound.get(key) or ApprovalDecisionForm(auto_id=_auto_id(key))}
        )
    requested = list(selectors.approvals_requested_by(user=request.user))
    for approval in requested:
        approval.badge = APPROVAL_COLOURS.get(approval.status, "grey")
    return render(
        request,
        "cases/approvals.html",
        {
            "rows": rows,
            "requested": requested,
            "nav": "approvals",
            "error_form": next((f for f in bound.values() if f.errors), None),
        },
        status=status,
    )


@staff_required
def approvals(request: HttpRequest) -> HttpResponse:
    return _render_approvals(request)


@staff_required
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    approval = get_object_or_404(Approval.objects.select_related("case", "option"), pk=approval_id)
    if request.method != "POST":
        return redirect("cases:approvals")
    key = f"appr{approval.pk}"
    form = ApprovalDecisionForm(request.POST, auto_id=_auto_id(key))
    if not form.is_valid():
        return _render_approvals(request, {key: form}, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.approval_decide(
            actor=request.user, approval=approval, approve=approve, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        verb = "Approved" if approve else "Rejected"
        messages.success(request, f"{verb} \u201c{approval.option.title}\u201d on {approval.case.reference}.")
    return redirect("cases:approvals")


@staff_required
def escalations(request: HttpRequest) -> HttpResponse:
    lists = selectors.escalations_for_user(user=request.user)
    return render(
        request,
        "cases/escalations.html",
        {
            "received": lists["received"],
            "sent": lists["sent"],
            "nav": "escalations",
        },
    )


# ---------------------------------------------------------------- alerts


@staff_required
def alerts(request: HttpRequest) -> HttpResponse:
    qs = (
        Alert.objects.filter(recipient=request.user)
        .select_related("case")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")
    )
    page_obj = Paginator(qs, ALERTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/alerts.html", {"page_obj": page_obj, "nav": "alerts"})


@staff_required
@require_POST
def alert_read(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.select_related("case"), pk=alert_id, recipient=request.user)
    channel_services.alert_mark_read(user=request.user, alert_id=alert.pk)
    if request.htmx:
        alert.refresh_from_db()
        return render(request, "cases/_alert_row.html", {"alert": alert})
    return redirect("cases:alerts")
