"""Procedures (issue 14 §3, K1): the list, a procedure with its versions and who has read the current one,
any old version at its own address, the editor (details; a new version with a preview), reviews, taking a
procedure out of use, and "My reading": everything a colleague has been asked to read and acknowledge.

Everyone on staff reads; managers and administrators create procedures and change their details, and a
manager or the procedure's owner publishes versions and marks it reviewed. The services refuse anyone else
(403, nothing changed). The preview renders through the same sanitiser as the published page: with htmx it
swaps in beside the text; without JavaScript the Preview button posts the form, which comes back with the
preview above it and nothing published.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from putright.cases.access import forbidden, staff_required
from putright.errors import DomainError
from putright.pages.procedure_forms import (
    AcknowledgeForm,
    ActiveForm,
    NewProcedureForm,
    PreviewForm,
    ProcedureForm,
    ReviewForm,
    VersionForm,
)
from putright.procedures import acknowledgements, selectors, services
from putright.procedures.models import Procedure, ProcedureVersion
from putright.procedures.rendering import markdown_render
from putright.validators import MAX_ROW_ID

HISTORY_SHOWN = 50


def _auto_id(key: str) -> str:
    return f"id_{key}_%s"


def _procedure(procedure_id: int) -> Procedure:
    if procedure_id > MAX_ROW_ID:
        raise Http404("No such procedure")  # beyond any id: never sent to the database
    try:
        return selectors.procedure_get(procedure_id=procedure_id)
    except Procedure.DoesNotExist as exc:
        raise Http404("No such procedure") from exc


def _html(body: str):
    # markdown_render escapes raw HTML and sanitises what Markdown makes: safe to put in the page.
    return mark_safe(markdown_render(body))  # noqa: S308 — sanitised by nh3 in markdown_render


def _details(d: dict) -> services.ProcedureDetails:
    return services.ProcedureDetails(
        title=d["title"],
        owner=d["owner"],
        review_due=d["review_due"],
        categories=tuple(d["categories"]),
        stages=tuple(d["stages"]),
    )


# ---------------------------------------------------------------- reading


@staff_required
def procedure_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "procedures/list.html",
        {
            "procedures": selectors.procedure_list(),
            "manages": services.may_manage(request.user),
            "nav": "procedures",
        },
    )


def _history(procedure: Procedure) -> list[LogEntry]:
    content_type = ContentType.objects.get_for_model(Procedure)
    return list(
        LogEntry.objects.filter(content_type=content_type, object_id=str(procedure.pk))
        .select_related("user")
        .order_by("-action_time", "-pk")[:HISTORY_SHOWN]
    )


def _detail_context(request: HttpRequest, procedure: Procedure, **forms) -> dict:
    user = request.user
    versions = selectors.versions_of(procedure)
    current = versions[0] if versions else None
    edits = services.may_edit(user, procedure)
    mine = (
        acknowledgements.pending_for(user).filter(subject_key=acknowledgements.version_key(current)).first()
        if current is not None
        else None
    )
    return {
        "procedure": procedure,
        "current": current,
        "current_html": _html(current.body) if current is not None else "",
        "versions": versions,
        "receipts": selectors.receipts_summary(current) if current is not None and edits else None,
        "history": _history(procedure) if edits else [],
        "my_receipt": mine,
        "edits": edits,
        "manages": services.may_manage(user),
        "review_form": forms.get("review_form") or ReviewForm(auto_id=_auto_id("review")),
        "active_form": forms.get("active_form")
        or ActiveForm(initial={"active": "no" if procedure.active else "yes"}, auto_id=_auto_id("active")),
        "error_form": next((f for f in forms.values() if f is not None and f.errors), None),
        "nav": "procedures",
    }


@staff_required
def procedure_detail(request: HttpRequest, procedure_id: int) -> HttpResponse:
    procedure = _procedure(procedure_id)
    return render(request, "procedures/detail.html", _detail_context(request, procedure))


@staff_required
def procedure_version(request: HttpRequest, procedure_id: int, number: int) -> HttpResponse:
    procedure = _procedure(procedure_id)
    if number > MAX_ROW_ID:
        raise Http404("No such version")
    version = (
        ProcedureVersion.objects.filter(procedure=procedure, number=number).select_related("author").first()
    )
    if version is None:
        raise Http404("No such version")
    latest = procedure.versions.order_by("-number").values_list("number", flat=True).first()
    return render(
        request,
        "procedures/version.html",
        {
            "procedure": procedure,
            "version": version,
            "html": _html(version.body),
            "is_current": version.number == latest,
            "latest": latest,
            "nav": "procedures",
        },
    )


# ---------------------------------------------------------------- editing


@staff_required
@require_http_methods(["GET", "POST"])
def procedure_new(request: HttpRequest) -> HttpResponse:
    if not services.may_manage(request.user):
        return forbidden(request)
    form = NewProcedureForm(auto_id=_auto_id("procedure"), initial={"owner": request.user.pk})
    status, preview = 200, None
    if request.method == "POST":
        form = NewProcedureForm(request.POST, auto_id=_auto_id("procedure"))
        if "preview" in request.POST:
            preview = _html(request.POST.get("body", ""))
        elif form.is_valid():
            try:
                procedure = services.procedure_create(
                    actor=request.user, details=_details(form.cleaned_data), body=form.cleaned_data["body"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Procedure “{procedure.title}” created.")
                return redirect("procedures:detail", procedure_id=procedure.pk)
        if preview is None:
            status = 400
    return render(
        request,
        "procedures/form.html",
        {
            "form": form,
            "preview": preview,
            "error_form": form if form.is_bound and preview is None and form.errors else None,
            "heading": "New procedure",
            "action": reverse("procedures:new"),
            "submit": "Create the procedure",
            "nav": "procedures",
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def procedure_edit(request: HttpRequest, procedure_id: int) -> HttpResponse:
    procedure = _procedure(procedure_id)
    if not services.may_manage(request.user):
        return forbidden(request)
    initial = {
        "title": procedure.title,
        "owner": procedure.owner_id,
        "review_due": procedure.review_due,
        "stages": list(procedure.stages),
        "categories": [c.pk for c in procedure.categories.all()],
    }
    form = ProcedureForm(initial=initial, auto_id=_auto_id("procedure"))
    status = 200
    if request.method == "POST":
        form = ProcedureForm(request.POST, auto_id=_auto_id("procedure"))
        if form.is_valid():
            try:
                services.procedure_update(
                    actor=request.user, procedure=procedure, details=_details(form.cleaned_data)
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Details saved.")
                return redirect("procedures:detail", procedure_id=procedure.pk)
        status = 400
    return render(
        request,
        "procedures/form.html",
        {
            "form": form,
            "procedure": procedure,
            "error_form": form if form.errors else None,
            "heading": f"Details of “{procedure.title}”",
            "action": reverse("procedures:edit", args=[procedure.pk]),
            "submit": "Save the details",
            "nav": "procedures",
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def procedure_publish(request: HttpRequest, procedure_id: int) -> HttpResponse:
    """A new version: the text (starting from the current one) and a change note, with a preview."""
    procedure = _procedure(procedure_id)
    if not services.may_edit(request.user, procedure):
        return forbidden(request)
    current = procedure.versions.order_by("-number").first()
    form = VersionForm(initial={"body": current.body if current else ""}, auto_id=_auto_id("version"))
    status, preview = 200, None
    if request.method == "POST":
        form = VersionForm(request.POST, auto_id=_auto_id("version"))
        if "preview" in request.POST:
            # Without JavaScript: the same form back, with the text as it will read; nothing published.
            preview = _html(request.POST.get("body", ""))
        elif form.is_valid():
            d = form.cleaned_data
            try:
                version = services.version_publish(
                    actor=request.user, procedure=procedure, body=d["body"], change_note=d["change_note"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"Version {version.number} published; colleagues have been asked to read it."
                )
                return redirect("procedures:detail", procedure_id=procedure.pk)
        if preview is None:
            status = 400
    return render(
        request,
        "procedures/publish.html",
        {
            "procedure": procedure,
            "current": current,
            "form": form,
            "preview": preview,
            "error_form": form if form.is_bound and preview is None and form.errors else None,
            "nav": "procedures",
        },
        status=status,
    )


@staff_required
@require_POST
def procedure_preview(request: HttpRequest) -> HttpResponse:
    """The htmx preview: the posted text rendered exactly as the published page will show it."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return render(request, "procedures/_preview.html", {"too_long": True}, status=400)
    return render(request, "procedures/_preview.html", {"preview": _html(form.cleaned_data["body"])})


@staff_required
@require_POST
def procedure_review(request: HttpRequest, procedure_id: int) -> HttpResponse:
    procedure = _procedure(procedure_id)
    if not services.may_edit(request.user, procedure):
        return forbidden(request)
    form = ReviewForm(request.POST, auto_id=_auto_id("review"))
    if form.is_valid():
        try:
            services.procedure_review(
                actor=request.user,
                procedure=procedure,
                next_review_due=form.cleaned_data["next_review_due"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error("next_review_due", exc.message)
        else:
            messages.success(request, "Marked reviewed; the next review date is set.")
            return redirect("procedures:detail", procedure_id=procedure.pk)
    context = _detail_context(request, procedure, review_form=form)
    return render(request, "procedures/detail.html", context, status=400)


@staff_required
@require_POST
def procedure_active(request: HttpRequest, procedure_id: int) -> HttpResponse:
    procedure = _procedure(procedure_id)
    if not services.may_manage(request.user):
        return forbidden(request)
    form = ActiveForm(request.POST, auto_id=_auto_id("active"))
    if form.is_valid():
        active = form.cleaned_data["active"]
        try:
            services.procedure_set_active(
                actor=request.user, procedure=procedure, active=active, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error("reason", exc.message)
        else:
            messages.success(request, "Back in use." if active else "Taken out of use.")
            return redirect("procedures:detail", procedure_id=procedure.pk)
    context = _detail_context(request, procedure, active_form=form)
    return render(request, "procedures/detail.html", context, status=400)


# ---------------------------------------------------------------- my reading


@staff_required
def reading(request: HttpRequest) -> HttpResponse:
    pending = list(acknowledgements.pending_for(request.user).select_related("requested_by"))
    return render(
        request,
        "procedures/reading.html",
        {
            "pending": pending,
            "read": list(acknowledgements.read_by_user(request.user).select_related("requested_by")),
            "nav": "reading",
        },
    )


@staff_required
@require_POST
def acknowledge(request: HttpRequest) -> HttpResponse:
    """Acknowledge one thing I was asked to read (only my own receipt: anything else is 403)."""
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return forbidden(request)
    receipt = acknowledgements.acknowledge(actor=request.user, subject_key=form.cleaned_data["subject"])
    if request.htmx:
        return render(request, "procedures/_reading_row.html", {"r": receipt, "just_read": True})
    messages.success(request, f"Thank you: “{receipt.title}” is acknowledged.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = reverse("procedures:reading")
    return redirect(back)
