"""Saved replies (issue 15 §3) and the reply checker on the case page (issue 15 §8).

``/settings/saved-replies/``: every member of staff sees the saved replies offered to them; administrators
keep the organisation's and every team's, a team's lead keeps that team's (create, edit, deactivate), with
K5's findings shown on each. On a case, the picker (``{% reply_picker case %}``) fills a saved reply's
placeholders for the case and puts the text in the message box: htmx swaps the box, without JavaScript the
page reloads with it filled. Sends that K5 stops (a message, the summary, the final response) come back
with the findings next to the form and the text kept, and "Send anyway" with a reason.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from putright.caseforms.forms import CloseUnresolvedForm, MessageForm, SummaryForm
from putright.cases.access import case_or_404, detail_url, forbidden, staff_required, workspace_post
from putright.channels import reply_check
from putright.engines.text.placeholders import PLACEHOLDERS
from putright.errors import DomainError, ReplyCheckFindings
from putright.pages.workspace import auto_id, render_workspace
from putright.regulation.selectors import next_clock_due
from putright.replies import selectors, services
from putright.replies.models import SavedReply
from putright.replies.templatetags.replies_tags import findings_panel

REASON_NEEDED = "Give a reason to send it anyway (it is recorded with the findings)."


class SavedReplyForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=120, help_text="What agents type to find it, e.g. “Refund on its way”."
    )
    team = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Offered to",
        empty_label="Everyone (the organisation's)",
        help_text="A team's saved replies are offered to its members and lead.",
    )
    body = forms.CharField(
        label="Wording",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Placeholders: "
        + ", ".join("{" + name + "} (" + words + ")" for name, words in PLACEHOLDERS.items())
        + ".",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        field.queryset = selectors.teams_kept_by(user)
        if not selectors.is_administrator(user):
            field.required = True
            field.empty_label = None


def _findings_message(request: HttpRequest, reply: SavedReply, findings) -> None:
    if findings:
        messages.warning(
            request,
            f"Saved “{reply.title}”, but the reply checker found {len(findings)} thing"
            f"{'s' if len(findings) != 1 else ''} to look at ({', '.join(sorted({f.rule for f in findings}))}): "
            "see the list. Agents are asked again when they send it.",
        )
    else:
        messages.success(request, f"Saved “{reply.title}”.")


@staff_required
@require_http_methods(["GET", "POST"])
def saved_replies(request: HttpRequest) -> HttpResponse:
    user = request.user
    keeps = selectors.is_administrator(user) or selectors.teams_kept_by(user).exists()
    form = SavedReplyForm(user=user, auto_id="id_reply_%s") if keeps else None
    status = 200
    if request.method == "POST":
        if not keeps:
            return forbidden(request)
        form = SavedReplyForm(request.POST, user=user, auto_id="id_reply_%s")
        if form.is_valid():
            d = form.cleaned_data
            try:
                reply, findings = services.saved_reply_create(
                    actor=user, title=d["title"], body=d["body"], team=d["team"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                _findings_message(request, reply, findings)
                return redirect("cases:saved_replies")
        status = 400
    rows = selectors.listed(user)
    return render(
        request,
        "replies/list.html",
        {"rows": rows, "form": form, "error_form": form if form is not None and form.errors else None},
        status=status,
    )


def _kept_reply(request: HttpRequest, reply_id: int) -> SavedReply | None:
    reply = get_object_or_404(SavedReply.objects.select_related("team"), pk=reply_id)
    return reply if selectors.may_keep(request.user, reply.team) else None


@staff_required
@require_http_methods(["GET", "POST"])
def saved_reply_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _kept_reply(request, reply_id)
    if reply is None:
        return forbidden(request)
    initial = {"title": reply.title, "body": reply.body, "team": reply.team_id}
    form = SavedReplyForm(initial=initial, user=request.user, auto_id="id_reply_%s")
    status = 200
    if request.method == "POST":
        form = SavedReplyForm(request.POST, user=request.user, auto_id="id_reply_%s")
        if form.is_valid():
            d = form.cleaned_data
            try:
                reply, findings = services.saved_reply_update(
                    actor=request.user, reply=reply, title=d["title"], body=d["body"], team=d["team"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                _findings_message(request, reply, findings)
                return redirect("cases:saved_replies")
        status = 400
    context = {
        "reply": reply,
        "form": form,
        "findings": selectors.findings(reply.body),
        "error_form": form if form.errors else None,
    }
    return render(request, "replies/edit.html", context, status=status)


@staff_required
@require_POST
def saved_reply_active(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _kept_reply(request, reply_id)
    if reply is None:
        return forbidden(request)
    active = request.POST.get("active") == "1"
    try:
        services.saved_reply_set_active(actor=request.user, reply=reply, active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"“{reply.title}” is {'offered again' if active else 'no longer offered (kept, with its uses)'}.",
        )
    return redirect("cases:saved_replies")


# ---------------------------------------------------------------- on the case page


def rendered_for(request: HttpRequest, reply: SavedReply, case) -> str:
    return selectors.rendered(reply, case=case, agent=request.user, next_deadline=next_clock_due(case))


@staff_required
@require_GET
def saved_reply_pick(request: HttpRequest, reference: str) -> HttpResponse:
    """The picker: fill the chosen reply for this case and count a use. htmx gets the message box back
    (with what was already written kept above it) and a status line; a plain GET gets the case page with
    the box filled."""
    case = case_or_404(request, reference)
    title = (request.GET.get("reply") or "")[:200]
    reply = selectors.usable_by_title(request.user, title)
    written = (request.GET.get("body") or "")[:10_000].rstrip()
    if reply is None:
        problem = (
            f"No saved reply called “{title.strip()}” is offered to you."
            if title.strip()
            else "Type a saved reply's title."
        )
        if request.htmx:
            return _box(written, problem)
        messages.error(request, problem)
        return render_workspace(request, case, status=400)
    services.saved_reply_use(actor=request.user, reply=reply)
    text = rendered_for(request, reply, case)
    body = f"{written}\n\n{text}" if written else text
    if request.htmx:
        return _box(body, f"Inserted “{reply.title}”: read it through before you send.")
    form = MessageForm(initial={"body": body, "subject": ""}, auto_id=auto_id("message"))
    messages.success(
        request, f"Inserted “{reply.title}” in the message below: read it through before you send."
    )
    return render_workspace(request, case, {"message": form})


def _box(body: str, status: str) -> HttpResponse:
    box = MessageForm(initial={"body": body}, auto_id=auto_id("message"))["body"]
    return HttpResponse(
        format_html(
            '{}<p class="small muted" id="reply-picker-status" role="status" aria-live="polite" '
            'hx-swap-oob="true">{}</p>',
            box.as_widget(),
            status,
        )
    )


# The forms K5 checks on the case page: which of their fields is sent, and the rules the message around
# it already satisfies.
CHECKED = {
    "message": (lambda d: d["body"], reply_check.EXEMPT["reply"]),
    "summary": (lambda d: d["summary"], reply_check.EXEMPT["summary"]),
    "close": (lambda d: d.get("letter", "").strip() or d["reasons"], reply_check.EXEMPT["letter"]),
}


def sent_anyway_reason(request: HttpRequest, form) -> str:
    """The reason posted with "Send anyway" (kept on the form, to show again if the send is refused)."""
    form.send_anyway_reason = " ".join(request.POST.get("send_anyway_reason", "").split())[
        : reply_check.MAX_REASON
    ]
    return form.send_anyway_reason


def findings_back(request: HttpRequest, case, *, key: str, form, exc: ReplyCheckFindings) -> HttpResponse:
    """K5 stopped the send: the page again (400), the findings beside the form, the text kept."""
    form.reply_findings = exc.findings
    if request.POST.get("send_anyway"):
        form.send_anyway_error = REASON_NEEDED
    form.add_error(None, exc.message)
    return render_workspace(request, case, {key: form}, status=400)


def checked_send(
    request: HttpRequest,
    case,
    *,
    key: str,
    form,
    anchor: str,
    perform: Callable[[dict, str], object],
    success: str,
) -> HttpResponse:
    """A workspace POST whose text K5 checks (``perform(cleaned_data, send_anyway_reason)``). Findings
    without a reason re-render the page (400) with the findings beside the form and everything kept."""
    if not form.is_valid():
        return render_workspace(request, case, {key: form}, status=400)
    reason = sent_anyway_reason(request, form)
    try:
        perform(form.cleaned_data, reason)
    except ReplyCheckFindings as exc:
        return findings_back(request, case, key=key, form=form, exc=exc)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success + (" (sent anyway: the reason is recorded)" if reason else ""))
    return redirect(detail_url(case, anchor))


CHECK_FORMS = {"message": MessageForm, "summary": SummaryForm, "close": CloseUnresolvedForm}


@workspace_post
def reply_check_only(request: HttpRequest, case, key: str) -> HttpResponse:
    """The "Check the wording" button: K5's findings for what is in the form, nothing sent. htmx gets the
    findings' panel; a plain POST gets the page back with them, and the text, in place."""
    if key not in CHECKED:
        raise Http404("Nothing to check there")
    text_of, exempt = CHECKED[key]
    data = {name: request.POST.get(name, "")[:10_000] for name in ("body", "summary", "letter", "reasons")}
    findings = reply_check.findings_for(sender=request.user, case=case, text=text_of(data), exempt=exempt)
    form = CHECK_FORMS[key](request.POST, auto_id=auto_id(key))
    form.reply_findings = reply_check.findings_data(findings)
    form.reply_checked_clean = not findings
    form.send_anyway_reason = request.POST.get("send_anyway_reason", "")[: reply_check.MAX_REASON]
    if request.htmx:
        return render(request, "replies/_reply_check.html", findings_panel(form, case, key))
    form.full_clean()
    return render_workspace(request, case, {key: form}, status=200)
