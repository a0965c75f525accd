"""Improvements (issue 14 §1–§2): the board by stage, the suggested candidates, the proposal form and the
improvement's page with a form for each step of Plan–Do–Check–Act.

Every form posts to its own URL and works without JavaScript; a refused change re-renders the page with the
reason (400), a person who may not gets 403 and nothing changes (the services decide who may).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from putright.cases.access import staff_required
from putright.engines.metrics import Unit
from putright.engines.metrics import metric as catalogue_metric
from putright.engines.stats import MIN_PER_WINDOW
from putright.errors import DomainError
from putright.improvements import candidates as candidate_source
from putright.improvements import cycle, selectors, services
from putright.improvements.models import (
    STAGE_COLOURS,
    Decision,
    EvidenceKind,
    Improvement,
    Stage,
    Step,
    StepKind,
)
from putright.improvements.present import figure_text
from putright.pages.improvement_forms import (
    ActForm,
    BoardFilterForm,
    CandidateForm,
    EditForm,
    EvidenceForm,
    NoteForm,
    PlanForm,
    ProposeForm,
    ReasonForm,
    StepDoneForm,
    StepForm,
)
from putright.procedures.acknowledgements import acknowledge
from putright.validators import MAX_ROW_ID

BOARD_PAGE_SIZE = 200
VERDICT_WORDS = {
    "improved": "The change made a difference for the better that the numbers support.",
    "worse": "The numbers support a change for the worse.",
    "no detectable difference": "The numbers show no difference they can support: the change may have done "
    "nothing, or too little to tell apart from chance.",
    "too few cases to tell": f"Fewer than {MIN_PER_WINDOW} cases in a window: too few to tell whether anything "
    "changed, whatever the figures look like.",
}
TEST_LABELS = {
    "two_proportion_z": "Two-proportion z test (two-sided)",
    "fisher_exact": "Fisher's exact test (two-sided; an expected cell was under 5)",
    "mann_whitney_u": "Mann–Whitney U (two-sided)",
    "poisson_rate": "Exact conditional test of two Poisson rates",
}
CI_LABELS = {
    "newcombe": "Newcombe's hybrid score interval",
    "bootstrap": "bootstrap, fixed seed",
}


def _auto_id(key: str) -> str:
    return f"id_{key}_%s"


def _improvement(request: HttpRequest, pk: int) -> Improvement:
    if pk > MAX_ROW_ID:
        raise Http404("No such improvement")
    try:
        return selectors.improvement_get_for_user(user=request.user, pk=pk)
    except Improvement.DoesNotExist:
        raise Http404("No such improvement") from None


def _step(improvement: Improvement, step_id: int) -> Step:
    if step_id > MAX_ROW_ID:
        raise Http404("No such step")
    step = Step.objects.filter(improvement=improvement, pk=step_id).select_related("improvement").first()
    if step is None:
        raise Http404("No such step")
    return step


def detail_url(improvement: Improvement, anchor: str = "") -> str:
    url = reverse("improvements:detail", args=[improvement.pk])
    return f"{url}#{anchor}" if anchor else url


# ---------------------------------------------------------------- the board


@staff_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    form = BoardFilterForm(request.GET or None, auto_id=_auto_id("board"))
    sections = None
    status = 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = selectors.BoardFilters(
            stage=data.get("stage") or "", owner_id=data["owner"].pk if data.get("owner") else None
        )
        page = Paginator(
            selectors.improvement_board(user=request.user, filters=filters), BOARD_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        for improvement in rows:
            improvement.metric_title = (
                selectors.metric_title(improvement.metric_id) if improvement.metric_id else ""
            )
        sections = [
            (stage, found) for stage, found in selectors.board_by_stage(rows) if found or not filters.stage
        ]
        if filters.stage:
            sections = [(stage, found) for stage, found in sections if stage.value == filters.stage]
        page_obj = page
    else:
        status = 400
        page_obj = None
    return render(
        request,
        "improvements/board.html",
        {"form": form, "sections": sections, "page_obj": page_obj, "nav": "improvements"},
        status=status,
    )


# ---------------------------------------------------------------- candidates


@staff_required
@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    found = candidate_source.candidates(user=request.user)
    return render(
        request,
        "improvements/candidates.html",
        {"candidates": found, "may_propose": services.is_manager(request.user), "nav": "improvements"},
    )


@staff_required
@require_POST
def candidate_propose(request: HttpRequest) -> HttpResponse:
    form = CandidateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a candidate to propose.")
        return redirect("improvements:candidates")
    try:
        improvement = candidate_source.improvement_propose_from_candidate(
            actor=request.user, key=form.cleaned_data["key"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("improvements:candidates")
    messages.success(request, f"Proposed #{improvement.pk} with its evidence linked. Plan it next.")
    return redirect(detail_url(improvement, "plan"))


# ---------------------------------------------------------------- propose


def _proposal_evidence(data: dict) -> list[services.EvidenceInput]:
    evidence = [
        services.EvidenceInput(kind=EvidenceKind.PROBLEM, problem=p) for p in data.get("problems") or []
    ]
    evidence += [services.EvidenceInput(kind=EvidenceKind.CASE, case=c) for c in data.get("cases") or []]
    if data.get("theme"):
        evidence.append(services.EvidenceInput(kind=EvidenceKind.FEEDBACK_THEME, term=data["theme"]))
    if data.get("metric"):
        evidence.append(
            services.EvidenceInput(
                kind=EvidenceKind.METRIC, term=data["metric"], text=data.get("metric_text", "")
            )
        )
    if data.get("note"):
        evidence.append(services.EvidenceInput(kind=EvidenceKind.NOTE, text=data["note"]))
    return evidence


@staff_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    form = ProposeForm(request.POST or None, auto_id=_auto_id("propose"))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                improvement = services.improvement_propose(
                    actor=request.user,
                    title=d["title"],
                    rationale=d["rationale"],
                    owner=d.get("owner"),
                    evidence=_proposal_evidence(d),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Improvement #{improvement.pk} proposed. Plan it next.")
                return redirect(detail_url(improvement, "plan"))
        status = 400
    return render(
        request,
        "improvements/propose.html",
        {"form": form, "error_form": form if form.errors else None, "nav": "improvements"},
        status=status,
    )


# ---------------------------------------------------------------- the improvement's page


def _plan_initial(improvement: Improvement) -> dict:
    if improvement.metric_id:
        f = improvement.baseline_filter
        return {
            "metric": improvement.metric_id,
            "category": f.get("category"),
            "team": f.get("team"),
            "handler": f.get("handler"),
            "channel": f.get("channel", ""),
            "source_kind": f.get("source_kind", ""),
            "baseline_start": improvement.baseline_start,
            "baseline_end": improvement.baseline_end,
            "target": _target_shown(improvement.metric_id, improvement.target),
            "review_date": improvement.review_date,
        }
    # A proposal made from a candidate suggests its metric and filter.
    for evidence in improvement.evidence.all():
        suggested = evidence.figures.get("suggested_metric") if isinstance(evidence.figures, dict) else None
        if suggested:
            f = evidence.figures.get("suggested_filter") or {}
            return {"metric": suggested, "category": f.get("category")}
    return {}


def _target_shown(metric_id: str, target: float | None) -> float | None:
    if target is None:
        return None
    return round(target * 100, 4) if catalogue_metric(metric_id).is_rate else target


def _figures(improvement: Improvement) -> dict:
    """The baseline and the result in words, in the metric's unit."""
    if not improvement.metric_id:
        return {}
    definition = catalogue_metric(improvement.metric_id)
    unit = definition.unit
    return {
        "metric": definition,
        "baseline": figure_text(improvement.baseline_value, unit),
        "target": figure_text(improvement.target, unit),
        "after": figure_text(improvement.after_value, unit),
        "effect": figure_text(improvement.effect, unit, signed=True),
        "ci_low": figure_text(improvement.ci_low, unit, signed=True),
        "ci_high": figure_text(improvement.ci_high, unit, signed=True),
        "p_value": "—" if improvement.p_value is None else f"{improvement.p_value:.3g}",
        "verdict_words": VERDICT_WORDS.get(improvement.verdict, ""),
        "test_label": TEST_LABELS.get(improvement.test_used, improvement.test_used),
        "ci_method": CI_LABELS.get(improvement.check_detail.get("ci_method", ""), ""),
        "is_count": unit is Unit.COUNT,
    }


def _detail_context(request: HttpRequest, improvement: Improvement, **forms) -> dict:
    user = request.user
    steps = selectors.improvement_steps(improvement)
    editable = improvement.stage == Stage.PROPOSED and services.may_edit(user, improvement)
    runs = services.may_run(user, improvement)
    for step in steps:
        step.receipts = (
            selectors.step_receipts(step) if step.kind == StepKind.COMMUNICATE and step.done_at else []
        )
        step.mine_to_acknowledge = any(
            r.user_id == user.pk and r.acknowledged_at is None for r in step.receipts
        )
        step.acknowledged = sum(1 for r in step.receipts if r.acknowledged_at)
        may_tick = (
            improvement.stage == Stage.DOING and step.done_at is None and (runs or step.owner_id == user.pk)
        )
        if may_tick:
            step.done_form = forms.get(f"done_{step.pk}") or StepDoneForm(auto_id=_auto_id(f"done{step.pk}"))
    error_form = next((f for f in forms.values() if f is not None and f.errors), None)
    context = {
        "improvement": improvement,
        "stage": Stage(improvement.stage),
        "stage_colour": STAGE_COLOURS[Stage(improvement.stage)],
        "steps": steps,
        "evidence": selectors.improvement_evidence(improvement),
        "events": list(selectors.improvement_events(improvement)),
        "cycles": selectors.cycles(improvement),
        "problem_counts": selectors.problem_counts(improvement),
        "figures": _figures(improvement),
        "check_waits": cycle.check_readiness(improvement) if improvement.stage == Stage.DOING else "",
        "editable": editable,
        "runs": runs,
        "decides": improvement.stage == Stage.PROPOSED and services.may_decide(user, improvement),
        "own_proposal": user.pk == improvement.proposer_id,
        "nav": "improvements",
        "error_form": error_form,
        "StepKind": StepKind,
        "Stage": Stage,
    }
    if editable:
        context["edit_form"] = forms.get("edit") or EditForm(
            initial={
                "title": improvement.title,
                "rationale": improvement.rationale,
                "owner": improvement.owner_id,
            },
            auto_id=_auto_id("edit"),
        )
        context["plan_form"] = forms.get("plan") or PlanForm(
            initial=_plan_initial(improvement), auto_id=_auto_id("plan")
        )
        context["step_form"] = forms.get("step") or StepForm(auto_id=_auto_id("step"))
    if improvement.stage in (Stage.PROPOSED, Stage.APPROVED, Stage.DOING, Stage.CHECKING):
        context["evidence_form"] = forms.get("evidence") or EvidenceForm(auto_id=_auto_id("evidence"))
    if context["decides"]:
        context["approve_form"] = forms.get("approve") or NoteForm(auto_id=_auto_id("approve"))
        context["reject_form"] = forms.get("reject") or ReasonForm(auto_id=_auto_id("reject"))
    if improvement.stage in (Stage.PROPOSED, Stage.APPROVED) and services.may_edit(user, improvement):
        context["withdraw_form"] = forms.get("withdraw") or ReasonForm(auto_id=_auto_id("withdraw"))
    if improvement.stage == Stage.CHECKING and runs:
        context["act_form"] = forms.get("act") or ActForm(auto_id=_auto_id("act"))
    return context


def _render_detail(
    request: HttpRequest, improvement: Improvement, status: int = 200, **forms
) -> HttpResponse:
    improvement = _improvement(request, improvement.pk)
    return render(
        request, "improvements/detail.html", _detail_context(request, improvement, **forms), status=status
    )


@staff_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _improvement(request, pk))


def _post(
    request: HttpRequest, pk: int, form_class, name: str, action, success: str, anchor: str = ""
) -> HttpResponse:
    """Bind ``form_class``, call ``action(improvement, cleaned_data)``; the page again with the error (400)."""
    improvement = _improvement(request, pk)
    form = form_class(request.POST, auto_id=_auto_id(name.replace("_", "")))
    if form.is_valid():
        try:
            action(improvement, form.cleaned_data, form)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, success)
            return redirect(detail_url(improvement, anchor))
    return _render_detail(request, improvement, 400, **{name: form})


@staff_required
@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        services.improvement_edit(
            actor=request.user,
            improvement=improvement,
            title=d["title"],
            rationale=d["rationale"],
            owner=d.get("owner"),
        )

    return _post(request, pk, EditForm, "edit", action, "Proposal saved.")


@staff_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        term = d.get("metric") if d["kind"] == EvidenceKind.METRIC else d.get("term", "")
        services.evidence_add(
            actor=request.user,
            improvement=improvement,
            evidence=services.EvidenceInput(
                kind=d["kind"],
                text=d.get("text", ""),
                problem=d.get("problem"),
                case=d.get("case"),
                term=term or "",
            ),
        )

    return _post(request, pk, EvidenceForm, "evidence", action, "Evidence linked.", "evidence")


@staff_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    improvement = _improvement(request, pk)
    if evidence_id > MAX_ROW_ID or not improvement.evidence.filter(pk=evidence_id).exists():
        raise Http404("No such evidence")
    try:
        services.evidence_remove(actor=request.user, improvement=improvement, evidence_id=evidence_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Evidence removed.")
    return redirect(detail_url(improvement, "evidence"))


@staff_required
@require_POST
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        target = d["target"]
        if catalogue_metric(d["metric"]).is_rate:
            target = target / 100.0
        services.plan_set(
            actor=request.user,
            improvement=improvement,
            metric_id=d["metric"],
            filters=form.filters(),
            baseline_start=d["baseline_start"],
            baseline_end=d["baseline_end"],
            target=target,
            review_date=d["review_date"],
            owner=d.get("owner"),
        )

    return _post(request, pk, PlanForm, "plan", action, "Plan saved.", "plan")


@staff_required
@require_POST
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        services.step_add(
            actor=request.user,
            improvement=improvement,
            kind=d["kind"],
            text=d["text"],
            owner=d["owner"],
            due_date=d["due_date"],
            procedure=d.get("procedure"),
        )

    return _post(request, pk, StepForm, "step", action, "Step added to the plan.", "plan")


@staff_required
@require_POST
def step_remove(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    improvement = _improvement(request, pk)
    step = _step(improvement, step_id)
    try:
        services.step_remove(actor=request.user, improvement=improvement, step_id=step.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Step removed.")
    return redirect(detail_url(improvement, "plan"))


@staff_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        services.improvement_approve(actor=request.user, improvement=improvement, note=d.get("note", ""))

    return _post(request, pk, NoteForm, "approve", action, "Approved: the plan and its baseline are frozen.")


@staff_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        services.improvement_reject(actor=request.user, improvement=improvement, reason=d["reason"])

    return _post(request, pk, ReasonForm, "reject", action, "Rejected.")


@staff_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        services.improvement_withdraw(actor=request.user, improvement=improvement, reason=d["reason"])

    return _post(request, pk, ReasonForm, "withdraw", action, "Withdrawn.")


@staff_required
@require_POST
def do_start(request: HttpRequest, pk: int) -> HttpResponse:
    improvement = _improvement(request, pk)
    try:
        cycle.do_start(actor=request.user, improvement=improvement)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Do started: tick each step with its evidence.")
    return redirect(detail_url(improvement, "do"))


@staff_required
@require_POST
def step_done(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    improvement = _improvement(request, pk)
    step = _step(improvement, step_id)
    form = StepDoneForm(request.POST, auto_id=_auto_id(f"done{step.pk}"))
    if form.is_valid():
        d = form.cleaned_data
        try:
            cycle.step_complete(
                actor=request.user,
                step=step,
                evidence=d["evidence"],
                colleagues=list(d.get("colleagues") or []),
                procedure_body=d.get("procedure_body", ""),
                change_note=d.get("change_note", ""),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Step done.")
            return redirect(detail_url(improvement, "do"))
    return _render_detail(request, improvement, 400, **{f"done_{step.pk}": form})


@staff_required
@require_POST
def step_acknowledge(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    """A colleague told of a change confirms, in the app, that they have read it."""
    improvement = _improvement(request, pk)
    step = _step(improvement, step_id)
    acknowledge(actor=request.user, subject_key=step.subject_key)
    messages.success(request, "Thank you: your acknowledgement is recorded.")
    return redirect(detail_url(improvement, "do"))


@staff_required
@require_POST
def check(request: HttpRequest, pk: int) -> HttpResponse:
    improvement = _improvement(request, pk)
    try:
        cycle.check_run(actor=request.user, improvement=improvement)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Checked: the result is below.")
    return redirect(detail_url(improvement, "check"))


@staff_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    def action(improvement, d, form):
        cycle.act(actor=request.user, improvement=improvement, decision=d["decision"], reason=d["reason"])

    decision = request.POST.get("decision", "")
    said = {Decision.ADJUST: "Adjusted: the next cycle is proposed below, linked to this one."}.get(
        decision, "Decided."
    )
    return _post(request, pk, ActForm, "act", action, said, "act")
