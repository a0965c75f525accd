"""Workspace forms from triage to the recommendation: assignment, classification, K2, escalation,
understanding (S2), options (P2–P4), consultations and the customer's link."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect

from putright.caseforms.forms import (
    ConfirmFromCallForm,
    ConsultationAnswerForm,
    ConsultationRequestForm,
    OptionForm,
    ReasonForm,
    RecommendForm,
    SkipUnderstandingForm,
    SummaryForm,
    WithdrawOptionForm,
)
from putright.cases import services
from putright.cases.access import detail_url, workspace_post
from putright.cases.models import Consultation, Option
from putright.errors import DomainError, ErrorCode
from putright.pages.procedure_panel import posted_version
from putright.pages.replies import checked_send
from putright.pages.team_forms import TeamSetForm
from putright.pages.workspace import NoFields, auto_id, render_workspace, workspace_act
from putright.pages.workspace_forms import ClassifyForm, EmotionForm, EscalateForm
from putright.resolution import services as resolution_services
from putright.vocab import Status


@workspace_post
def assign_me(request, case):
    return workspace_act(
        request,
        case,
        key="assign",
        form=NoFields(),
        anchor="facts",
        perform=lambda d: services.case_assign(actor=request.user, case=case, assignee=request.user),
        success="The case is now assigned to you.",
    )


@workspace_post
def team_set(request, case):
    """Move the case to another team's queue (issue 12 §3); its handler stays."""
    form = TeamSetForm(request.POST, auto_id=auto_id("team"))
    return workspace_act(
        request,
        case,
        key="team",
        form=form,
        anchor="facts",
        perform=lambda d: services.case_team_set(actor=request.user, case=case, team=d.get("team")),
        success="The case is in that team's queue now.",
    )


@workspace_post
def classify(request, case):
    form = ClassifyForm(request.POST, auto_id=auto_id("classify"))
    return workspace_act(
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
    form = EmotionForm(request.POST, auto_id=auto_id("emotion"))
    return workspace_act(
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
    form = EscalateForm(request.POST, auto_id=auto_id("escalate"), user=request.user)
    return workspace_act(
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
    form = SummaryForm(request.POST, auto_id=auto_id("summary"))
    return checked_send(
        request,
        case,
        key="summary",
        form=form,
        anchor="understanding",
        perform=lambda d, reason: services.case_summarise_understanding(
            actor=request.user,
            case=case,
            summary=d["summary"],
            procedure_version=posted_version(request),
            send_anyway_reason=reason,
        ),
        success="Summary recorded and sent to the customer to confirm.",
    )


@workspace_post
def understanding_confirm(request, case):
    form = ConfirmFromCallForm(request.POST, auto_id=auto_id("confirm"))
    return workspace_act(
        request,
        case,
        key="confirm",
        form=form,
        anchor="understanding",
        perform=lambda d: services.case_confirm_understanding(
            actor=request.user, case=case, method=d["method"], procedure_version=posted_version(request)
        ),
        success="The customer's confirmation is recorded. You can now list options.",
    )


@workspace_post
def understanding_skip(request, case):
    form = SkipUnderstandingForm(request.POST, auto_id=auto_id("skip"))
    return workspace_act(
        request,
        case,
        key="skip",
        form=form,
        anchor="understanding",
        perform=lambda d: services.case_skip_understanding(
            actor=request.user, case=case, reason=d["reason"], procedure_version=posted_version(request)
        ),
        success="Confirmation skipped; the reason is on the record.",
    )


@workspace_post
def option_add(request, case):
    form = OptionForm(request.POST, auto_id=auto_id("option"))
    return workspace_act(
        request,
        case,
        key="option",
        form=form,
        anchor="options",
        perform=lambda d: services.option_add(
            actor=request.user,
            case=case,
            option=services.OptionInput(**d),
            procedure_version=posted_version(request),
        ),
        success="Option listed.",
    )


@workspace_post
def option_withdraw(request, case, option_id: int):
    option = get_object_or_404(Option, pk=option_id, case=case)
    form = WithdrawOptionForm(request.POST, auto_id=auto_id(f"wd{option.pk}"))
    return workspace_act(
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
    form = ReasonForm(request.POST, auto_id=auto_id("unrecommend"))
    return workspace_act(
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
    form = ReasonForm(request.POST, auto_id=auto_id("relink"))
    return workspace_act(
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
    option = get_object_or_404(Option, pk=option_id, case=case)
    key = f"rec{option.pk}"
    form = RecommendForm(request.POST, auto_id=auto_id(key))
    if not form.is_valid():
        return render_workspace(request, case, {key: form}, status=400)
    d = form.cleaned_data
    try:
        result = resolution_services.option_recommend_weighed(
            actor=request.user,
            option=option,
            justification=d["justification"],
            factors=d["factors"],
            override_reason=d["override_reason"],
            procedure_version=posted_version(request),
        )
    except DomainError as exc:
        if exc.code == ErrorCode.OVERRIDE_REASON_REQUIRED:
            # Beside the field, keeping what the agent typed.
            form.add_error("override_reason", exc.message)
            return render_workspace(request, case, {key: form}, status=400)
        messages.error(request, exc.message)
    else:
        if result.status == Status.AWAITING_APPROVAL:
            messages.info(
                request, "This option needs approval; it has gone to a colleague with enough authority."
            )
        messages.success(request, f"Recommended \u201c{option.title}\u201d.")
    return redirect(detail_url(case, "options"))


@workspace_post
def consultation_request(request, case):
    form = ConsultationRequestForm(request.POST, auto_id=auto_id("consult"), user=request.user)
    return workspace_act(
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
    form = ConsultationAnswerForm(request.POST, auto_id=auto_id(f"ans{consultation.pk}"))
    return workspace_act(
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
