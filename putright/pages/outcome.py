"""Workspace forms from the agreement to closing: the plan, promises, messages, satisfaction, reopening
and closing unresolved (with the final response letter)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from putright.caseforms.forms import CloseUnresolvedForm, MessageForm, PromiseForm, StepForm
from putright.cases import selectors, services
from putright.cases.access import detail_url, workspace_post
from putright.cases.models import ActionStep, Case, Promise
from putright.channels import reply_check
from putright.errors import DomainError, ReplyCheckFindings
from putright.pages.duplicate_forms import CloseDuplicateForm
from putright.pages.procedure_panel import posted_version
from putright.pages.replies import checked_send, findings_back, sent_anyway_reason
from putright.pages.workspace import (
    NoFields,
    auto_id,
    duplicate_candidates,
    render_workspace,
    workspace_act,
)
from putright.pages.workspace_forms import (
    AgreementFromCallForm,
    DeliverForm,
    ReopenForm,
    SatisfactionFromCallForm,
    UpheldCorrectForm,
)
from putright.regulation import services as regulation_services
from putright.regulation.close_review import close_review
from putright.regulation.services import LetterChoices
from putright.vocab import Status


@workspace_post
def agreement_record(request, case):
    form = AgreementFromCallForm(request.POST, auto_id=auto_id("agreement"))
    return workspace_act(
        request,
        case,
        key="agreement",
        form=form,
        anchor="agreement",
        perform=lambda d: services.option_customer_respond(
            case=case,
            agree=d["agreed"],
            actor=request.user,
            method=d["method"],
            comment=d["comment"],
            procedure_version=posted_version(request),
        ),
        success="The customer's answer is recorded.",
    )


@workspace_post
def step_add(request, case):
    form = StepForm(request.POST, auto_id=auto_id("step"))
    return workspace_act(
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
            customer_wording=d["customer_wording"],
            procedure_version=posted_version(request),
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
    return redirect(detail_url(case, "plan"))


@workspace_post
def deliver(request, case):
    form = DeliverForm(request.POST, auto_id=auto_id("deliver"))
    return workspace_act(
        request,
        case,
        key="deliver",
        form=form,
        anchor="outcome",
        perform=lambda d: services.case_mark_delivered(actor=request.user, case=case, upheld=d["upheld"]),
        success="Marked as delivered; the customer is asked whether it is resolved.",
    )


@workspace_post
def promise_make(request, case):
    form = PromiseForm(request.POST, auto_id=auto_id("promise"))
    return workspace_act(
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
    return workspace_act(
        request,
        case,
        key="keep",
        form=NoFields(),
        anchor="promises",
        perform=lambda d: services.promise_keep(actor=request.user, promise=promise),
        success=f"Promise kept: {promise.description}",
    )


@workspace_post
def message_send(request, case):
    form = MessageForm(request.POST, request.FILES, auto_id=auto_id("message"))
    return checked_send(
        request,
        case,
        key="message",
        form=form,
        anchor="thread",
        perform=lambda d, reason: services.message_send(
            actor=request.user,
            case=case,
            body=d["body"],
            requested=d["prompt"] == "requested",
            subject=d["subject"],
            files=d["attachments"],
            send_anyway_reason=reason,
        ),
        success="Message sent to the customer.",
    )


@workspace_post
def satisfaction_record(request, case):
    form = SatisfactionFromCallForm(request.POST, auto_id=auto_id("satisfaction"))
    return workspace_act(
        request,
        case,
        key="satisfaction",
        form=form,
        anchor="outcome",
        perform=lambda d: services.case_satisfaction_record(
            case=case,
            resolved=d["resolved"],
            comment=d["comment"],
            actor=request.user,
            method=d["method"],
            csat=d["csat"],
            ces=d["ces"],
            nps=d["nps"],
            procedure_version=posted_version(request),
        ),
        success="The customer's answer is recorded.",
    )


@workspace_post
def reopen(request, case):
    form = ReopenForm(request.POST, auto_id=auto_id("reopen"))
    if case.is_closed:
        return _reopen_closed(request, case, form)
    return workspace_act(
        request,
        case,
        key="reopen",
        form=form,
        anchor="options",
        perform=lambda d: services.case_reopen(actor=request.user, case=case, reason=d["reason"]),
        success="Reopened: list another way to put it right.",
    )


def _reopen_closed(request, case, form):
    """Issue 15 §5: Reopen on a closed case: back to choosing a resolution within the window, else a
    linked follow-up case (whose page the agent lands on)."""
    if not form.is_valid():
        return render_workspace(request, case, {"reopen": form}, status=400)
    try:
        case, follow_up = services.case_reopen_closed(
            actor=request.user, case=case, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(detail_url(case, "outcome"))
    if follow_up is not None:
        messages.success(
            request,
            f"Opened {follow_up.reference} to follow up {case.reference}, which stays closed; the "
            "customer was told its reference.",
        )
        return redirect(detail_url(follow_up))
    messages.success(request, "Reopened: the case is back to choosing a resolution; the customer was told.")
    return redirect(detail_url(case, "options"))


@workspace_post
def close_unresolved(request, case):
    """A6 with a review (issue 15 §7): the values are checked and the e-mail shown exactly as it will go
    (``regulation.close_review``); nothing is sent or changed until "Send and close" posts them back with the
    digest of that review. "Change it" returns to the form with everything kept. K5 checks the letter (or
    the reasons) before the review: a finding is reworded, or sent anyway with a reason, first."""
    form = CloseUnresolvedForm(request.POST, auto_id=auto_id("close"))
    if not form.is_valid():
        return render_workspace(request, case, {"close": form}, status=400)
    d = form.cleaned_data
    if "change" in request.POST:
        return render(request, "regulation/letter_page.html", {"case": case, "form": form, "nav": "team"})
    letter = d["letter"].strip()
    choices = LetterChoices(decision=d["decision"], region=d["customer_region"], supply=d["supply"])
    reason = sent_anyway_reason(request, form)
    try:
        reply_check.acknowledge(request.user, case, letter or d["reasons"], reason, kind="letter")
        review = close_review(
            actor=request.user,
            case=case,
            reasons=d["reasons"],
            other_routes=d["all_routes"],
            reason_code=d["reason_code"].code,
            upheld=d["upheld"],
            letter=letter,
            letter_choices=choices,
        )
    except ReplyCheckFindings as exc:
        return findings_back(request, case, key="close", form=form, exc=exc)
    except DomainError as exc:
        if not letter:
            messages.error(request, exc.message)
            return redirect(detail_url(case, "outcome"))
        # P5/A6: a refused letter comes back in the form with the reason beside it, so no edit is lost.
        form.add_error("letter", exc.message)
        return render_workspace(request, case, {"close": form}, status=400)
    confirmed = request.POST.get("confirm", "")
    if confirmed != review.digest:
        # The first time, or what the customer would receive changed since the review was read: show it.
        carried = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in ("csrfmiddlewaretoken", "confirm", "change")
            for value in values
        ]
        context = {
            "case": case,
            "review": review,
            "fields": carried,
            "changed": bool(confirmed),
            "nav": "team",
        }
        return render(request, "regulation/close_review.html", context)
    outcome = {
        "reasons": d["reasons"],
        "other_routes": d["all_routes"],
        "reason_code": review.reason_code,
        "upheld": review.upheld,
        "procedure_version": posted_version(request),
        "send_anyway_reason": reason,
    }
    try:
        if letter:
            regulation_services.case_close_unresolved(
                actor=request.user, case=case, letter=letter, letter_choices=choices, **outcome
            )
        else:
            services.case_close_unresolved(actor=request.user, case=case, **outcome)
    except ReplyCheckFindings as exc:
        return findings_back(request, case, key="close", form=form, exc=exc)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(detail_url(case, "outcome"))
    sent_anyway = " (sent anyway: the reason is recorded)" if reason else ""
    messages.success(
        request,
        ("Closed unresolved; our final response letter was sent to the customer." if letter
         else "Closed unresolved; the reasons and other routes were sent to the customer.") + sent_anyway,
    )  # fmt: skip
    return redirect(detail_url(case, "outcome"))


@workspace_post
def close_duplicate(request, case):
    """Issue 12 §3: close as a duplicate of the customer's other open case, which carries on."""
    form = CloseDuplicateForm(request.POST, auto_id=auto_id("dup"), candidates=duplicate_candidates(case))
    if not form.is_valid():
        return render_workspace(request, case, {"dup": form}, status=400)
    reference = form.cleaned_data["original_reference"]
    try:
        original = selectors.case_get_for_user(user=request.user, reference=reference)
    except Case.DoesNotExist:
        form.add_error("reference", f"There is no case {reference}.")
        return render_workspace(request, case, {"dup": form}, status=400)
    return workspace_act(
        request,
        case,
        key="dup",
        form=form,
        anchor="outcome",
        perform=lambda d: services.case_close_duplicate(
            actor=request.user, case=case, original=original, note=d["note"]
        ),
        success=f"Closed as a duplicate of {original.reference}; the customer was told their report "
        f"carries on there.",
    )


@workspace_post
def upheld_correct(request, case):
    """A supervisor (or above) corrects whether a closed case's complaint was upheld (audited)."""
    form = UpheldCorrectForm(request.POST, auto_id=auto_id("upheld"))
    return workspace_act(
        request,
        case,
        key="upheld",
        form=form,
        anchor="outcome",
        perform=lambda d: services.case_upheld_correct(
            actor=request.user, case=case, upheld=d["upheld"], reason=d["reason"]
        ),
        success="Corrected whether the complaint was upheld.",
    )
