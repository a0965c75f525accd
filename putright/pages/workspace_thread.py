"""The case workspace's conversation (issue 15 §1): the thread of messages and internal notes in the
agent's chosen order, the stage's next action, the compact side panel's facts, and the staff's
workspace preferences (thread order, keyboard shortcuts) with the reply draft endpoint.

``thread_items`` and ``next_action`` are pure reads over what the page already loaded: the thread costs
two queries however long it is (messages with their authors; notes with authors and mentions)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django import forms
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from putright.authority.selectors import limit_for_user
from putright.cases.access import case_or_404, detail_url, staff_required
from putright.cases.models import Case
from putright.cases.services.preferences import staff_preference_get, staff_preference_set
from putright.channels import drafts
from putright.channels import selectors as attachment_selectors
from putright.channels.models import Message
from putright.errors import DomainError
from putright.notes import selectors as notes_selectors
from putright.notes.models import Note
from putright.regulation import selectors as regulation_selectors
from putright.vocab import OptionStatus, Status, Understanding

# What each outbound message's e-mail badge says, in words a colleague reads at a glance (§1.5).
EMAIL_BADGES = {
    Message.EmailStatus.NOT_EMAILED: ("grey", "Not e-mailed"),
    Message.EmailStatus.PENDING: ("amber", "Waiting to send"),
    Message.EmailStatus.SENDING: ("amber", "Sending"),
    Message.EmailStatus.SENT: ("green", "Sent"),
    Message.EmailStatus.FAILED: ("red", "Failed (will retry)"),
    Message.EmailStatus.GAVE_UP: ("red", "Could not be sent"),
}


@dataclass(frozen=True)
class NextAction:
    """The one thing this stage needs now: ``label`` on the button; ``target`` the id of the form (or
    section) it jumps to and opens, or ``href`` for another page; ``waiting`` when it is someone else's
    move (shown as a quieter link, not the primary button)."""

    label: str
    target: str
    href: str = ""
    waiting: bool = False


def next_action(
    case: Case, *, options: list, steps: list, may_decide_approval: bool, approvals_url: str = ""
) -> NextAction | None:
    """The stage's next action from the case's status and what the user may do. ``options`` and
    ``steps`` are the case's, already read for the page. ``None`` once the case is closed."""
    status = case.status
    if status == Status.NEW:
        if case.understanding == Understanding.AWAITING_CUSTOMER:
            return NextAction("Record their confirmation", "confirm-form")
        if case.understanding in (Understanding.NOT_STARTED, Understanding.CORRECTED):
            return NextAction("Write our summary", "summary-form")
        return NextAction("List an option", "add-option")
    if status == Status.OPTIONS:
        proposed = [o for o in options if o.status == OptionStatus.PROPOSED]
        if not proposed:
            return NextAction("List an option", "add-option")
        return NextAction("Recommend an option", f"recommend-{proposed[0].pk}")
    if status == Status.AWAITING_APPROVAL:
        if may_decide_approval:
            return NextAction("Decide the approval", "approvals", href=approvals_url)
        return NextAction("Waiting for approval", "approvals", waiting=True)
    if status == Status.AWAITING_CUSTOMER:
        return NextAction("Record the customer's answer", "agreement-form")
    if status == Status.IN_PROGRESS:
        if not steps:
            return NextAction("Add a step to the plan", "step-form")
        if any(not s.is_done for s in steps):
            return NextAction("Tick the plan", "plan")
        return NextAction("Mark delivered", "deliver-form")
    if status == Status.AWAITING_CONFIRMATION:
        return NextAction("Record satisfaction", "satisfaction-form")
    if status == Status.NOT_RESOLVED:
        return NextAction("Reopen to find another way", "reopen-form")
    return None


@dataclass(frozen=True)
class ThreadItem:
    kind: str  # "message" | "note"
    item: object

    @property
    def created_at(self):
        return self.item.created_at


def thread_items(case_messages: list[Message], notes: list[Note], *, newest_first: bool) -> list[ThreadItem]:
    """Messages (in, out and logged contacts) and internal notes interleaved by time, oldest first by
    default or newest first (the agent's choice). A message and a note at the same instant keep that
    order: the message first when oldest first."""
    rows = chain(
        (ThreadItem("message", m) for m in case_messages),
        (ThreadItem("note", n) for n in notes),
    )
    ordered = sorted(rows, key=lambda r: (r.created_at, r.kind != "message", r.item.pk))
    return ordered[::-1] if newest_first else ordered


def decorate_messages(case_messages: list[Message]) -> None:
    for msg in case_messages:
        msg.badge, msg.badge_text = EMAIL_BADGES.get(
            msg.email_status, ("grey", msg.get_email_status_display())
        )


def nearest_deadline(user, case: Case):
    """The open (not yet met or stopped) clock due soonest, or ``None``: the side panel's one line."""
    if case.is_closed:
        return None
    rows = regulation_selectors.case_clocks(user=user, case=case)
    return next((c for c in rows if c.is_open and not c.is_window), None)


def authority_summary(user, option_rows: list[dict]) -> dict:
    """The handler's money limit beside the largest live option, and whether any live option is beyond
    their authority (the appraisal's own check, which knows statutory rights need no approval)."""
    limit = limit_for_user(user)
    live = [r for r in option_rows if r["option"].status in (OptionStatus.PROPOSED, OptionStatus.RECOMMENDED)]
    largest: Decimal | None = max((r["option"].amount for r in live), default=None)
    max_amount = limit.max_amount if limit is not None else None
    beyond = [
        r
        for r in live
        if (r["appraisal"] and not r["appraisal"].authority.within)
        or (not r["appraisal"] and max_amount is not None and r["option"].amount > max_amount)
    ]
    return {"limit": max_amount, "largest": largest, "beyond": len(beyond), "live": len(live)}


# ---------------------------------------------------------------- the preferences and the draft (views)


class ThreadOrderForm(forms.Form):
    order = forms.ChoiceField(
        choices=[("oldest", "Oldest first"), ("newest", "Newest first")], label="Show the conversation"
    )


class ShortcutsForm(forms.Form):
    shortcuts = forms.ChoiceField(choices=[("on", "On"), ("off", "Off")], label="Keyboard shortcuts")


class DraftForm(forms.Form):
    subject = forms.CharField(max_length=drafts.SUBJECT_MAX, required=False, strip=False)
    body = forms.CharField(max_length=drafts.BODY_MAX, required=False, strip=False)


def thread_context(request: HttpRequest, case: Case, case_messages: list[Message]) -> dict:
    """What the thread and the composer need: the ordered items, the preferences and the draft."""
    pref = staff_preference_get(request.user)
    decorate_messages(case_messages)
    return {
        "thread": thread_items(
            case_messages, list(notes_selectors.case_notes(case=case)), newest_first=pref.newest_first
        ),
        "newest_first": pref.newest_first,
        "shortcuts_enabled": pref.shortcuts_enabled,
        "draft": drafts.draft_get(user=request.user, case=case),
        # Every file of the case, read once: the thread's messages and the Files panel take theirs from it
        # (each included template has a render context of its own, so the tags' own cache would not be shared).
        "attachments": list(attachment_selectors.case_attachments(case)),
    }


@staff_required
@require_POST
def thread_order(request: HttpRequest, reference: str) -> HttpResponse:
    """Remember the agent's thread order; htmx gets the thread re-rendered, a plain POST a redirect."""
    case = case_or_404(request, reference)
    form = ThreadOrderForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose oldest first or newest first.", status=400, content_type="text/plain")
    staff_preference_set(actor=request.user, newest_first=form.cleaned_data["order"] == "newest")
    if request.htmx:
        case_messages = list(case.messages.select_related("author"))
        return render(
            request, "cases/_thread.html", {"case": case, **thread_context(request, case, case_messages)}
        )
    return redirect(detail_url(case, "thread"))


@staff_required
@require_POST
def shortcuts_set(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = ShortcutsForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose on or off.", status=400, content_type="text/plain")
    on = form.cleaned_data["shortcuts"] == "on"
    staff_preference_set(actor=request.user, shortcuts=on)
    flash.success(request, "Keyboard shortcuts are on." if on else "Keyboard shortcuts are off.")
    return redirect(detail_url(case, "workspace-settings"))


@staff_required
@require_POST
def draft_save(request: HttpRequest, reference: str) -> HttpResponse:
    """The composer's autosave (htmx, as they type): 204 when kept; 400 with the reason otherwise."""
    case = case_or_404(request, reference)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return HttpResponse("The draft is too long to keep.", status=400, content_type="text/plain")
    try:
        draft = drafts.draft_save(
            actor=request.user,
            case=case,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    if request.htmx:
        text = f"Draft saved {draft.updated_at:%H:%M}" if draft else "Draft cleared"
        return HttpResponse(text, content_type="text/plain")
    flash.success(request, "Your draft is kept." if draft else "Your draft is cleared.")
    return redirect(detail_url(case, "reply"))
