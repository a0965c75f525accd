"""Internal notes and logged contacts on the staff case page (issue 15 §2), and the colleagues the note
form's @ autocomplete suggests. Each POST calls one service; a refused one comes back as a page message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from putright.cases import services
from putright.cases.access import detail_url, staff_required, workspace_post
from putright.errors import DomainError
from putright.notes import selectors as notes_selectors
from putright.notes import services as notes
from putright.notes.forms import NoteForm
from putright.pages.contact_forms import LogContactForm
from putright.pages.workspace import auto_id, render_workspace, workspace_act


def _names(users) -> str:
    return ", ".join(u.get_full_name() or u.get_username() for u in users)


@workspace_post
def note_add(request: HttpRequest, case) -> HttpResponse:
    form = NoteForm(request.POST, auto_id="id_note_%s")
    if not form.is_valid():
        return render_workspace(request, case, {"note": form}, status=400)
    try:
        added = notes.note_add(actor=request.user, case=case, body=form.cleaned_data["body"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(detail_url(case, "notes"))
    said = "Note added."
    if added.alerted:
        said += f" Alerted: {_names(added.alerted)}."
    if added.unknown:
        said += f" No colleague is called {', '.join('@' + n for n in added.unknown)}, so nobody was alerted for it."
    messages.success(request, said)
    return redirect(detail_url(case, f"note-{added.note.pk}"))


@workspace_post
def contact_log(request: HttpRequest, case) -> HttpResponse:
    form = LogContactForm(request.POST, auto_id=auto_id("contact"))
    return workspace_act(
        request,
        case,
        key="contact",
        form=form,
        anchor="thread",
        perform=lambda d: services.message_log_contact(
            actor=request.user,
            case=case,
            via=d["via"],
            direction=d["direction"],
            body=d["body"],
            requested=d["prompt"] == "requested",
            occurred_at=d["occurred_at"],
        ),
        success="Contact logged. No e-mail was sent.",
    )


@staff_required
@require_safe
def mention_suggestions(request: HttpRequest) -> JsonResponse:
    """``?q=an``: up to eight active colleagues whose username or name starts with it."""
    query = request.GET.get("q", "")[:150]
    return JsonResponse({"colleagues": notes_selectors.mention_suggestions(query=query)})
