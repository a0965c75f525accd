"""Internal notes with @mentions (issue 15 §2): staff only, audited, alerting the colleagues named, and never
on the customer's page, in an e-mail or in the customer's copy of the record."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from putright.audit.models import Event
from putright.cases import services
from putright.channels.models import Alert
from putright.channels.portal_links import portal_path
from putright.errors import DomainError, PermissionDenied
from putright.notes import services as notes
from putright.notes.mentions import mentions_find
from putright.notes.models import Note
from tests.conftest import _user
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db

SECRET = "Customer sounded unwell; their neighbour Mrs Okafor has the spare key."


@pytest.fixture
def ann(django_user_model):
    user = _user(django_user_model, "ann.lee", "agent", "Ann")
    user.last_name = "Lee"
    user.save()
    return user


def state() -> dict:
    return {
        "notes": list(Note.objects.values_list("pk", "body")),
        "alerts": Alert.objects.count(),
        "events": Event.objects.count(),
    }


# ---------------------------------------------------------------- the service


def test_a_note_is_stored_stripped_and_audited_as_a_staff_only_event(report_case, alice):
    case = report_case()

    added = notes.note_add(actor=alice, case=case, body=f"  {SECRET}\n\n")

    note = Note.objects.get()
    assert (note.case, note.author, note.body) == (case, alice, SECRET)
    assert list(note.mentioned.all()) == []
    assert (added.note, added.alerted, added.unknown) == (note, [], [])
    event = case.events.order_by("-seq").first()
    assert (event.kind, event.summary, event.customer_visible, event.actor) == (
        "note.added",
        "Internal note",
        False,
        alice,
    )
    assert event.after == {"note": note.pk, "mentioned": [], "body": SECRET}
    assert Alert.objects.filter(kind=Alert.Kind.MENTION).count() == 0


def test_each_colleague_mentioned_gets_one_alert_and_the_writer_none(report_case, alice, bob, dave, ann):
    case = report_case()
    body = "@bob can you approve? Also @ann.lee, @Bob again, and @alice (me). Cc: @Ann Lee"

    added = notes.note_add(actor=alice, case=case, body=body)

    note = added.note
    assert sorted(u.username for u in note.mentioned.all()) == ["alice", "ann.lee", "bob"]
    assert [u.username for u in added.alerted] == ["bob", "ann.lee"]
    alerts = Alert.objects.filter(kind=Alert.Kind.MENTION).order_by("pk")
    assert [(a.recipient.username, a.case, a.text) for a in alerts] == [
        (r, case, f"{case.reference}: Alice mentioned you in a note: {body}") for r in ("bob", "ann.lee")
    ]
    assert case.events.order_by("-seq").first().summary == "Internal note mentioning bob, ann.lee, alice"
    assert Alert.objects.filter(recipient=dave).count() == 0


def test_an_unknown_name_is_left_as_text_and_reported(report_case, alice, bob, charlie, django_user_model):
    gone = _user(django_user_model, "gone", "agent", "Gone")
    gone.is_active = False
    gone.save()
    case = report_case()

    added = notes.note_add(
        actor=alice, case=case, body="Ask @nobody, @charlie (no role), @gone and write to priya@example.com."
    )

    assert list(added.note.mentioned.all()) == []
    assert added.unknown == ["nobody", "charlie", "gone"]
    assert Alert.objects.filter(kind=Alert.Kind.MENTION).count() == 0


def test_mentions_end_at_punctuation_and_full_names_are_matched_only_when_unique(
    alice, bob, ann, django_user_model
):
    assert [u.username for u in mentions_find("Thanks @bob. Over to @Ann Lee!").users] == ["bob", "ann.lee"]
    twin = _user(django_user_model, "ann.lee2", "agent", "Ann")
    twin.last_name = "Lee"
    twin.save()
    found = mentions_find("Over to @Ann Lee")
    assert (found.users, found.unknown) == ([], ["Ann"])


def test_the_alert_quotes_the_first_150_characters_on_one_line(report_case, alice, bob):
    case = report_case()
    body = "@bob " + "word " * 60 + "\nlast line"

    notes.note_add(actor=alice, case=case, body=body)

    quote = " ".join(body.split())[:149] + "…"
    assert (
        Alert.objects.get(kind=Alert.Kind.MENTION).text
        == f"{case.reference}: Alice mentioned you in a note: {quote}"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "A note must not be empty."),
        ("  \n\t ", "A note must not be empty."),
        ("x" * 5001, "A note must be at most 5,000 characters."),
    ],
)
def test_bad_notes_are_refused_and_nothing_changes(report_case, alice, body, message):
    case = report_case()
    before = state()
    with pytest.raises(DomainError) as exc:
        notes.note_add(actor=alice, case=case, body=body)
    assert exc.value.message == message
    assert state() == before


def test_a_note_of_exactly_5000_characters_is_kept(report_case, alice):
    notes.note_add(actor=alice, case=report_case(), body="y" * 5000)
    assert len(Note.objects.get().body) == 5000


@pytest.mark.parametrize("who", ["charlie", None])
def test_only_staff_may_write_a_note(report_case, charlie, who):
    case = report_case()
    before = state()
    with pytest.raises(PermissionDenied):
        notes.note_add(actor=charlie if who else None, case=case, body="Hello")
    assert state() == before


def test_a_closed_case_can_still_take_a_note(report_case, alice):
    case = report_case()
    services.case_close_unresolved(
        actor=alice,
        case=case,
        reasons="We cannot help with this one at all.",
        other_routes=["Ombudsman"],
        reason_code="outside_policy",
        upheld="not_upheld",
    )
    notes.note_add(actor=alice, case=case, body="Customer rang after closing; told them the routes again.")
    assert Note.objects.filter(case=case).count() == 1


# ---------------------------------------------------------------- never on the customer's side


@pytest.mark.django_db(transaction=True)
def test_a_note_is_never_in_an_email(report_case, alice, bob, mailbox):
    case = report_case()
    notes.note_add(actor=alice, case=case, body=f"@bob {SECRET}")
    services.message_send(
        actor=alice, case=case, body="We are on it: I will call you on Tuesday.", requested=False
    )

    sent = [m.as_string() for m in mailbox.messages]
    mention = [m for m in mailbox.to("bob@putright.example") if "mentioned you" in m.as_string()]
    assert len(mention) == 1
    assert "Alice mentioned you in an internal note." in mention[0].get_payload(decode=True).decode()
    assert len(mailbox.to("priya@example.com")) == 2  # the acknowledgement and the message
    for text in sent:
        assert "Okafor" not in text
        assert "spare key" not in text


def test_a_note_is_never_on_the_customers_page_or_their_record(client, report_case, alice):
    case = report_case()
    notes.note_add(actor=alice, case=case, body=SECRET)

    client.get(portal_path(case))
    page = client.get(reverse("portal:case", args=[case.reference]))
    record = client.get(reverse("portal:record", args=[case.reference]))

    assert page.status_code == record.status_code == 200
    for html in (page.content.decode(), record.content.decode()):
        assert "Okafor" not in html
        assert "Internal note" not in html
    assert case.reference in record.content.decode()


def test_the_staff_record_carries_the_notes(client, report_case, alice, bob):
    case = report_case()
    note = notes.note_add(actor=alice, case=case, body=f"@bob {SECRET}").note
    client.force_login(alice)

    data = client.get(reverse("cases:record_json", args=[case.reference])).json()
    html = client.get(reverse("cases:record_html", args=[case.reference])).content.decode()

    assert data["notes"] == [
        {
            "id": note.pk,
            "author": "alice",
            "body": f"@bob {SECRET}",
            "mentioned": ["bob"],
            "created_at": note.created_at.isoformat(),
        }
    ]
    assert "Mrs Okafor has the spare key" in html


# ---------------------------------------------------------------- the staff page


def test_an_agent_adds_a_note_on_the_case_page_and_is_told_who_was_alerted(client, report_case, alice, bob):
    case = report_case()
    client.force_login(alice)

    response = client.post(
        reverse("cases:note_add", args=[case.reference]), {"body": "@bob please look. @nobody?"}, follow=True
    )

    note = Note.objects.get()
    assert response.redirect_chain[-1][0].endswith(f"/cases/{case.reference}/#note-{note.pk}")
    html = response.content.decode()
    assert "Note added. Alerted: Bob. No colleague is called @nobody, so nobody was alerted for it." in html
    assert f'id="note-{note.pk}"' in html
    assert '<mark class="mention">@bob</mark> please look. @nobody?' in html
    assert "Internal note</span>" in html
    assert '<label for="id_note_body">New internal note</label>' in html


def test_an_empty_note_redraws_the_page_with_the_error_and_keeps_nothing(client, report_case, alice):
    case = report_case()
    client.force_login(alice)
    before = state()

    response = client.post(reverse("cases:note_add", args=[case.reference]), {"body": "   "})

    assert response.status_code == 400
    assert 'id="id_note_body_error"' in response.content.decode()
    assert state() == before


def test_a_note_longer_than_5000_characters_is_refused_on_the_page(client, report_case, alice):
    case = report_case()
    client.force_login(alice)
    before = state()
    response = client.post(reverse("cases:note_add", args=[case.reference]), {"body": "z" * 5001})
    assert response.status_code == 400
    assert "Ensure this value has at most 5000 characters" in response.content.decode()
    assert state() == before


def test_people_without_a_staff_role_cannot_add_notes_or_list_colleagues(client, report_case, charlie):
    case = report_case()
    before = state()
    anonymous = client.post(reverse("cases:note_add", args=[case.reference]), {"body": "Hi"})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    client.force_login(charlie)
    assert client.post(reverse("cases:note_add", args=[case.reference]), {"body": "Hi"}).status_code == 403
    assert client.get(reverse("cases:mention_suggestions"), {"q": "a"}).status_code == 403
    assert state() == before


def test_the_mention_suggestions_list_active_colleagues_by_username_or_name(client, alice, bob, ann, charlie):
    client.force_login(alice)
    url = reverse("cases:mention_suggestions")

    assert client.get(url, {"q": "@le"}).json() == {
        "colleagues": [{"username": "ann.lee", "name": "Ann Lee"}]
    }
    assert client.get(url, {"q": "b"}).json() == {"colleagues": [{"username": "bob", "name": "Bob"}]}
    assert [c["username"] for c in client.get(url).json()["colleagues"]] == ["alice", "ann.lee", "bob"]
    assert client.get(url, {"q": "charlie"}).json() == {"colleagues": []}
    assert client.post(url, {"q": "b"}).status_code == 405


def test_the_notes_on_the_case_page_cost_the_same_queries_however_many(client, report_case, alice, bob, ann):
    case = report_case()
    client.force_login(alice)
    notes.note_add(actor=alice, case=case, body="@bob first")
    url = reverse("cases:detail", args=[case.reference])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(4):
        notes.note_add(actor=bob, case=case, body=f"@alice @ann.lee note {i}")
    with CaptureQueriesContext(connection) as five:
        html = client.get(url).content.decode()
    assert html.count('class="msg thread-note"') == 5
    assert len(five.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------- the API


def test_the_api_adds_and_lists_notes(client, report_case, alice, bob, django_assert_num_queries):
    case = report_case()
    api = Api(client, token_for(alice))

    created = api.post(f"/api/cases/{case.reference}/notes", {"body": " @bob see the photos. @zed "})

    assert created.status_code == 201
    note = Note.objects.get()
    body = created.json()
    assert body == {
        "id": note.pk,
        "author": "alice",
        "body": "@bob see the photos. @zed",
        "mentioned": ["bob"],
        "created_at": body["created_at"],
        "alerted": ["bob"],
        "unknown_mentions": ["zed"],
    }
    notes.note_add(actor=bob, case=case, body="Second")
    listed = api.get(f"/api/cases/{case.reference}/notes")
    assert listed.status_code == 200
    assert [(n["author"], n["body"], n["mentioned"]) for n in listed.json()] == [
        ("alice", "@bob see the photos. @zed", ["bob"]),
        ("bob", "Second", []),
    ]


@pytest.mark.parametrize(
    "payload",
    [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 5001}, {"body": "ok", "extra": 1}, {"body": "a\x00b"}],
)
def test_the_api_refuses_bad_notes_with_422_and_keeps_nothing(client, report_case, alice, payload):
    case = report_case()
    before = state()
    response = Api(client, token_for(alice)).post(f"/api/cases/{case.reference}/notes", payload)
    assert response.status_code == 422
    assert state() == before


def test_the_api_denies_notes_to_outsiders_and_unknown_cases(client, report_case, alice, charlie):
    case = report_case()
    before = state()
    outsider = Api(client, token_for(charlie))
    assert outsider.get(f"/api/cases/{case.reference}/notes").status_code == 403
    assert outsider.post(f"/api/cases/{case.reference}/notes", {"body": "Hi"}).status_code == 403
    assert Api(client, None).post(f"/api/cases/{case.reference}/notes", {"body": "Hi"}).status_code == 401
    assert Api(client, token_for(alice)).get("/api/cases/PR-2020-999999/notes").status_code == 404
    assert state() == before
    assert json.loads(outsider.get(f"/api/cases/{case.reference}/notes").content)["code"] == "forbidden"
