"""The case workspace redesign (issue 15 §1): the next action, the conversation (messages, logged contacts and
internal notes in the agent's order), the preferences, reply drafts and the e-mail badges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from putright import clock
from putright.cases import services
from putright.cases.access import detail_url
from putright.cases.models import StaffPreference
from putright.cases.services.preferences import staff_preference_get, staff_preference_set
from putright.channels import drafts
from putright.channels.models import Message, ReplyDraft
from putright.errors import DomainError, PermissionDenied
from putright.notes.models import Note
from putright.pages.workspace_thread import NextAction, next_action, thread_items
from putright.vocab import OptionStatus, RemedyType, Status, Understanding

pytestmark = pytest.mark.django_db

KETTLE = {
    "supply": "goods",
    "consumer": "on",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "fault": "on",
    "fault_reported_date": "2026-03-09",
    "cancellation_info_given": "on",
}


def url(name, case):
    return reverse(f"cases:{name}", args=[case.reference])


# ---------------------------------------------------------------- the next action


def _case(status, understanding=Understanding.CONFIRMED):
    return SimpleNamespace(status=status, understanding=understanding)


def _option(pk, status):
    return SimpleNamespace(pk=pk, status=status)


def _step(done):
    return SimpleNamespace(is_done=done)


@pytest.mark.parametrize(
    ("status", "understanding", "expected"),
    [
        (Status.NEW, Understanding.NOT_STARTED, NextAction("Write our summary", "summary-form")),
        (Status.NEW, Understanding.CORRECTED, NextAction("Write our summary", "summary-form")),
        (
            Status.NEW,
            Understanding.AWAITING_CUSTOMER,
            NextAction("Record their confirmation", "confirm-form"),
        ),
        (
            Status.AWAITING_CUSTOMER,
            Understanding.CONFIRMED,
            NextAction("Record the customer's answer", "agreement-form"),
        ),
        (
            Status.AWAITING_CONFIRMATION,
            Understanding.CONFIRMED,
            NextAction("Record satisfaction", "satisfaction-form"),
        ),
        (
            Status.NOT_RESOLVED,
            Understanding.CONFIRMED,
            NextAction("Reopen to find another way", "reopen-form"),
        ),
        (Status.CLOSED_RESOLVED, Understanding.CONFIRMED, None),
        (Status.CLOSED_UNRESOLVED, Understanding.CONFIRMED, None),
        (Status.CLOSED_DUPLICATE, Understanding.NOT_STARTED, None),
        (Status.CLOSED_NO_REPLY, Understanding.CONFIRMED, None),
    ],
)
def test_the_next_action_follows_the_stage(status, understanding, expected):
    assert (
        next_action(_case(status, understanding), options=[], steps=[], may_decide_approval=False) == expected
    )


def test_choosing_a_resolution_lists_an_option_first_then_recommends_the_first_listed():
    case = _case(Status.OPTIONS)
    assert next_action(case, options=[], steps=[], may_decide_approval=False) == NextAction(
        "List an option", "add-option"
    )
    withdrawn = [_option(3, OptionStatus.WITHDRAWN)]
    assert next_action(case, options=withdrawn, steps=[], may_decide_approval=False).target == "add-option"
    listed = [*withdrawn, _option(7, OptionStatus.PROPOSED), _option(9, OptionStatus.PROPOSED)]
    assert next_action(case, options=listed, steps=[], may_decide_approval=False) == NextAction(
        "Recommend an option", "recommend-7"
    )


def test_an_approval_is_decided_by_who_may_and_waited_for_by_the_rest():
    case = _case(Status.AWAITING_APPROVAL)
    assert next_action(
        case, options=[], steps=[], may_decide_approval=True, approvals_url="/approvals/"
    ) == NextAction("Decide the approval", "approvals", href="/approvals/")
    assert next_action(case, options=[], steps=[], may_decide_approval=False) == NextAction(
        "Waiting for approval", "approvals", waiting=True
    )


def test_putting_it_right_adds_a_step_ticks_the_plan_then_marks_delivered():
    case = _case(Status.IN_PROGRESS)
    pick = lambda steps: next_action(case, options=[], steps=steps, may_decide_approval=False)  # noqa: E731
    assert pick([]) == NextAction("Add a step to the plan", "step-form")
    assert pick([_step(True), _step(False)]) == NextAction("Tick the plan", "plan")
    assert pick([_step(True), _step(True)]) == NextAction("Mark delivered", "deliver-form")


def test_the_workspace_offers_the_next_action_as_a_skip_link_and_in_the_top_bar(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    html = client.get(detail_url(case)).content.decode()
    assert (
        'id="skip-next-action" href="#summary-form" data-next-action data-target="summary-form">'
        "Skip to the next action: Write our summary</a>" in html
    )
    assert 'href="#summary-form" data-next-action data-target="summary-form"' in html
    assert "Next: Write our summary</a>" in html
    assert '<details id="summary-form" open>' in html


def test_a_supervisor_who_may_approve_is_sent_to_the_approvals_page(client, alice, bob, case_with_options):
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Replace", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449")
        ),
    )
    services.option_recommend(
        actor=alice, option=option, justification="CRA", factors=["legal_obligation", "risk"]
    )
    client.force_login(bob)
    html = client.get(detail_url(case_with_options)).content.decode()
    assert f'href="{reverse("cases:approvals")}" data-next-action' in html
    assert "Next: Decide the approval" in html
    client.force_login(alice)  # she asked for it: she waits
    html = client.get(detail_url(case_with_options)).content.decode()
    assert "Next: Decide" not in html
    assert 'data-target="approvals">Waiting for approval</a>' in html


# ---------------------------------------------------------------- the conversation


def _at(minutes):
    return clock.now() - timedelta(minutes=100 - minutes)


def test_thread_items_interleave_messages_and_notes_by_time_in_either_order():
    m1 = SimpleNamespace(pk=1, created_at=_at(1))
    m2 = SimpleNamespace(pk=2, created_at=_at(5))
    n1 = SimpleNamespace(pk=1, created_at=_at(3))
    n2 = SimpleNamespace(pk=2, created_at=_at(5))  # the same instant as m2: the message comes first
    oldest = thread_items([m1, m2], [n1, n2], newest_first=False)
    assert [(r.kind, r.item.pk) for r in oldest] == [("message", 1), ("note", 1), ("message", 2), ("note", 2)]
    newest = thread_items([m1, m2], [n1, n2], newest_first=True)
    assert [(r.kind, r.item.pk) for r in newest] == [("note", 2), ("message", 2), ("note", 1), ("message", 1)]


def _conversation(case, alice, bob, rows):
    """``rows`` of each: messages out, notes (with a mention) and contacts logged by phone."""
    for i in range(rows):
        services.message_send(
            actor=alice, case=case, body=f"Update {i}: I will call you on Tuesday.", requested=False
        )
        note = Note.objects.create(case=case, author=bob, body=f"Note {i} for @alice", created_at=clock.now())
        note.mentioned.add(alice)
        Message.objects.create(
            case=case,
            direction=Message.Direction.INBOUND,
            prompt=Message.Prompt.CUSTOMER,
            subject="Phone call",
            body=f"Called about the engineer {i}",
            author=bob,
            logged_via=Message.LoggedVia.PHONE,
            created_at=clock.now(),
        )


def test_the_thread_shows_notes_and_logged_contacts_apart_from_e_mails(client, alice, bob, case_with_options):
    _conversation(case_with_options, alice, bob, 1)
    client.force_login(alice)
    html = client.get(detail_url(case_with_options)).content.decode()
    thread = html[html.index('id="thread"') : html.index('id="reply"')]
    assert (
        thread.index("Update 0")
        < thread.index('Note 0 for <mark class="mention">@alice</mark>')
        < thread.index("Called about the engineer 0")
    )
    assert '<span class="badge note-badge">Internal note</span> <strong>Bob</strong>' in thread
    assert "<strong>Phone call, logged by Bob</strong>" in thread
    logged = thread[thread.rindex("<li", 0, thread.index("Called about the engineer 0")) :]
    assert "Email:" not in logged  # a logged call was never e-mailed
    shown = case_with_options.messages.count() + 1
    assert f'Conversation <span class="muted small">({shown})</span>' in thread


@pytest.mark.parametrize("rows", [1, 8])
def test_the_workspace_reads_the_thread_in_a_fixed_number_of_queries(
    client, alice, bob, case_with_options, rows, django_assert_num_queries
):
    _conversation(case_with_options, alice, bob, rows)
    client.force_login(alice)
    # The same count for 3 items or 24: messages with their authors (1), notes with their authors (1) and
    # their mentions (1), every file of the case (1), with the rest of the page's reads (see test_web_staff's
    # query-count test: the saved replies offered are one of those).
    with django_assert_num_queries(39):
        response = client.get(detail_url(case_with_options))
    assert len(response.context["thread"]) == case_with_options.messages.count() + rows


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (Message.EmailStatus.PENDING, "Email: Waiting to send"),
        (Message.EmailStatus.SENDING, "Email: Sending"),
        (Message.EmailStatus.SENT, "Email: Sent"),
        (Message.EmailStatus.FAILED, "Email: Failed (will retry)"),
        (Message.EmailStatus.GAVE_UP, "Email: Could not be sent"),
    ],
)
def test_each_outbound_message_says_whether_it_was_sent(client, alice, case_with_options, status, text):
    msg = services.message_send(
        actor=alice, case=case_with_options, body="Hello. I will call you on Tuesday.", requested=False
    )
    Message.objects.filter(pk=msg.pk).update(email_status=status)
    client.force_login(alice)
    html = client.get(detail_url(case_with_options)).content.decode()
    item = html[html.index(f'id="message-{msg.pk}"') :]
    item = item[: item.index("</li>")]
    assert f'email-{status}">{text}</span>' in item
    assert ("Every try failed" in item) == (status == Message.EmailStatus.GAVE_UP)


# ---------------------------------------------------------------- preferences


def test_preferences_start_at_the_defaults_and_are_remembered(alice):
    assert (staff_preference_get(alice).newest_first, staff_preference_get(alice).shortcuts_enabled) == (
        False,
        True,
    )
    assert StaffPreference.objects.count() == 0
    staff_preference_set(actor=alice, newest_first=True)
    staff_preference_set(actor=alice, shortcuts=False)
    pref = StaffPreference.objects.get(user=alice)
    assert (pref.newest_first, pref.shortcuts_enabled) == (True, False)


def test_someone_without_a_staff_role_keeps_no_preferences(charlie):
    with pytest.raises(PermissionDenied):
        staff_preference_set(actor=charlie, newest_first=True)
    assert StaffPreference.objects.count() == 0


def test_the_thread_order_toggle_works_without_javascript_and_is_remembered(
    client, alice, bob, case_with_options
):
    _conversation(case_with_options, alice, bob, 1)
    client.force_login(alice)
    response = client.post(url("thread_order", case_with_options), {"order": "newest"})
    assert response.status_code == 302
    assert response["Location"] == detail_url(case_with_options, "thread")
    assert StaffPreference.objects.get(user=alice).newest_first is True
    html = client.get(detail_url(case_with_options)).content.decode()
    assert (
        html.index("Called about the engineer 0")
        < html.index('Note 0 for <mark class="mention">@alice</mark>')
        < html.index("Update 0")
    )
    assert 'value="newest" class="small-button" aria-pressed="true"' in html


def test_the_thread_order_toggle_answers_htmx_with_the_thread_alone(client, alice, bob, case_with_options):
    _conversation(case_with_options, alice, bob, 1)
    client.force_login(alice)
    response = client.post(
        url("thread_order", case_with_options), {"order": "newest"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("{#") is False and '<section class="card thread-card" id="thread"' in html
    assert "<html" not in html
    assert html.index("Called about the engineer 0") < html.index("Update 0")


def test_a_bad_thread_order_is_refused_and_nothing_changes(client, alice, case_with_options):
    client.force_login(alice)
    response = client.post(url("thread_order", case_with_options), {"order": "sideways"})
    assert response.status_code == 400
    assert response.content.decode() == "Choose oldest first or newest first."
    assert StaffPreference.objects.count() == 0


def test_shortcuts_can_be_switched_off_and_the_page_says_so(client, alice, case_with_options):
    client.force_login(alice)
    html = client.get(detail_url(case_with_options)).content.decode()
    assert 'data-shortcuts="on"' in html and 'id="shortcuts-help"' in html
    response = client.post(url("shortcuts_set", case_with_options), {"shortcuts": "off"})
    assert response["Location"] == detail_url(case_with_options, "workspace-settings")
    html = client.get(detail_url(case_with_options)).content.decode()
    assert 'data-shortcuts="off"' in html
    assert 'id="shortcuts-help"' not in html
    assert "Keyboard shortcuts are off." in html
    assert client.post(url("shortcuts_set", case_with_options), {"shortcuts": "maybe"}).status_code == 400
    assert StaffPreference.objects.get(user=alice).shortcuts_enabled is False


# ---------------------------------------------------------------- reply drafts


def test_a_draft_is_kept_per_case_and_author_and_an_empty_composer_clears_it(alice, dave, report_case):
    case, other = report_case(), report_case(customer_email="other@example.com")
    drafts.draft_save(actor=alice, case=case, subject="", body="Dear Priya")
    drafts.draft_save(actor=alice, case=case, subject="Your machine", body="Dear Priya, the engineer")
    drafts.draft_save(actor=dave, case=case, subject="", body="Dave's words")
    drafts.draft_save(actor=alice, case=other, subject="", body="Another case")
    assert ReplyDraft.objects.count() == 3
    assert drafts.draft_get(user=alice, case=case).body == "Dear Priya, the engineer"
    assert drafts.draft_get(user=dave, case=case).body == "Dave's words"
    assert drafts.draft_save(actor=alice, case=case, subject=" ", body="\n") is None
    assert drafts.draft_get(user=alice, case=case) is None
    assert ReplyDraft.objects.count() == 2


def test_a_draft_too_long_or_by_someone_without_a_role_is_refused(alice, charlie, report_case):
    case = report_case()
    with pytest.raises(DomainError):
        drafts.draft_save(actor=alice, case=case, subject="", body="x" * 10001)
    with pytest.raises(PermissionDenied):
        drafts.draft_save(actor=charlie, case=case, subject="", body="Hello")
    assert ReplyDraft.objects.count() == 0


def test_sending_the_message_discards_the_draft_in_the_same_transaction(alice, dave, report_case):
    case = report_case()
    drafts.draft_save(actor=alice, case=case, subject="", body="Dear Priya")
    drafts.draft_save(actor=dave, case=case, subject="", body="Dave's words")
    services.message_send(
        actor=alice, case=case, body="Dear Priya, I will call you on Tuesday.", requested=False
    )
    assert list(ReplyDraft.objects.values_list("author__username", flat=True)) == ["dave"]


def test_a_send_that_fails_keeps_the_draft(alice, report_case):
    case = report_case()
    drafts.draft_save(actor=alice, case=case, subject="", body="Dear Priya")
    with pytest.raises(DomainError):
        services.message_send(actor=alice, case=case, body="   ", requested=False)
    assert drafts.draft_get(user=alice, case=case).body == "Dear Priya"


def test_the_composer_autosaves_and_shows_the_draft_after_a_reload(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    response = client.post(
        url("draft_save", case),
        {"subject": "Engineer", "body": "Dear Priya, an engineer"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.decode().startswith("Draft saved ")
    html = client.get(detail_url(case)).content.decode()
    assert 'value="Engineer"' in html
    assert "Dear Priya, an engineer</textarea>" in html
    assert "Draft kept" in html
    # Without JavaScript: the "Keep as draft" button posts the same form there.
    response = client.post(
        url("draft_save", case), {"subject": "", "body": "Dear Priya", "prompt": "unprompted"}
    )
    assert response["Location"] == detail_url(case, "reply")
    assert ReplyDraft.objects.get().body == "Dear Priya"
    # Sending through the page discards it.
    client.post(
        url("message_send", case),
        {"prompt": "unprompted", "subject": "", "body": "Dear Priya, I will call you on Tuesday."},
    )
    assert ReplyDraft.objects.count() == 0
    assert "Draft kept" not in client.get(detail_url(case)).content.decode()


def test_a_draft_too_long_gets_a_clear_error_and_nothing_is_kept(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    response = client.post(url("draft_save", case), {"body": "x" * 10001}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.content.decode() == "The draft is too long to keep."
    assert ReplyDraft.objects.count() == 0


def test_nobody_reads_or_overwrites_another_persons_draft(client, alice, dave, report_case):
    case = report_case()
    drafts.draft_save(actor=dave, case=case, subject="", body="Dave's private words")
    client.force_login(alice)
    assert "Dave's private words" not in client.get(detail_url(case)).content.decode()
    client.post(url("draft_save", case), {"body": "Alice's"}, HTTP_HX_REQUEST="true")
    assert sorted(ReplyDraft.objects.values_list("body", flat=True)) == ["Alice's", "Dave's private words"]


def test_the_draft_and_order_endpoints_answer_get_with_405_and_change_nothing(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    for name in ("draft_save", "thread_order", "shortcuts_set"):
        assert client.get(url(name, case)).status_code == 405
    assert (ReplyDraft.objects.count(), StaffPreference.objects.count()) == (0, 0)


# ---------------------------------------------------------------- the folds


def test_purchase_facts_are_open_only_while_the_legal_position_is_worked_out(
    client, alice, case_with_options
):
    client.force_login(alice)
    marker = '<section class="card stage" id="statutory" aria-labelledby="statutory-h">\n'

    def fold_tag() -> str:
        html = client.get(detail_url(case_with_options)).content.decode()
        return html[html.index(marker) + len(marker) :].split("\n")[1]

    assert fold_tag() == '<details class="fold" open>'
    with clock.frozen(datetime(2026, 3, 10, 10, 0, tzinfo=UTC)):
        response = client.post(reverse("resolution:facts_record", args=[case_with_options.reference]), KETTLE)
        assert response.status_code == 302
        # A finding is recorded: the section folds away, and its summary still says what the finding is.
        assert fold_tag() == '<details class="fold">'
        html = client.get(detail_url(case_with_options)).content.decode()
        assert '<span class="badge badge-red">Statutory breach</span></h2></summary>' in html


# ---------------------------------------------------------------- the side panel


def _side(html: str, dd_id: str) -> str:
    start = html.index(f'<dd id="{dd_id}">')
    return html[start : html.index("</dd>", start)]


def test_the_side_panel_shows_the_agents_authority_against_the_live_options(client, alice, case_with_options):
    client.force_login(alice)
    for title, amount in (("Refund £60", "60"), ("Replace", "449")):
        services.option_add(
            actor=alice,
            case=case_with_options,
            option=services.OptionInput(
                title=title, remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal(amount)
            ),
        )
    html = client.get(detail_url(case_with_options)).content.decode()
    assert _side(html, "authority") == (
        '<dd id="authority">Up to £100.00; largest option £449.00 '
        '<span class="badge badge-amber">1 of 2 beyond it</span>'
    )


def test_the_side_panel_shows_the_nearest_running_deadline(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    html = client.get(detail_url(case)).content.decode()
    deadline = _side(html, "next-deadline")
    assert deadline.startswith('<dd id="next-deadline"><span class="badge badge-blue">Running</span> ')
    assert 'href="#clocks"' in deadline
