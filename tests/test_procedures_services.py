"""Procedures (issue 14 §3): who may create, change, publish, review and (de)activate; versions numbered
under a lock and never changed; the read receipts (one mechanism for versions and communicated changes);
the sweep's overdue-review alert, once; the history in the admin log; and safe rendering."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from putright import clock
from putright.cases.models import Category
from putright.cases.services.sweep import sweep_run
from putright.channels.models import Alert
from putright.errors import DomainError, PermissionDenied
from putright.procedures import acknowledgements, services
from putright.procedures.models import Acknowledgement, Procedure, ProcedureVersion, Stage
from putright.procedures.rendering import markdown_render

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime(2026, 3, 2, 10, 0))


def details(owner, **overrides) -> services.ProcedureDetails:
    data = dict(
        title="Handling a late delivery",
        owner=owner,
        review_due=date(2026, 9, 1),
        categories=(),
        stages=(Stage.OPTIONS, Stage.UNDERSTANDING),
    )
    data.update(overrides)
    return services.ProcedureDetails(**data)


@pytest.fixture
def delivery(db):
    return Category.objects.create(name="Delivery", slug="delivery")


@pytest.fixture
def late(carol, alice, bob, dave, delivery):
    """Carol's procedure for late deliveries, owned by alice, version 1 published (bob and dave on staff)."""
    with clock.frozen(T0):
        return services.procedure_create(
            actor=carol,
            details=details(alice, categories=(delivery,)),
            body="# Late delivery\n\n1. Apologise.\n2. Check the courier's tracking.",
        )


def history(procedure) -> list[str]:
    ct = ContentType.objects.get_for_model(Procedure)
    return list(
        LogEntry.objects.filter(content_type=ct, object_id=str(procedure.pk))
        .order_by("pk")
        .values_list("change_message", flat=True)
    )


def snapshot() -> dict:
    return {
        "procedures": list(
            Procedure.objects.order_by("pk").values_list(
                "title", "owner_id", "review_due", "stages", "active"
            )
        ),
        "versions": list(
            ProcedureVersion.objects.order_by("pk").values_list("procedure_id", "number", "body")
        ),
        "receipts": list(
            Acknowledgement.objects.order_by("pk").values_list("user_id", "subject_key", "acknowledged_at")
        ),
        "log": LogEntry.objects.count(),
    }


# ---------------------------------------------------------------- creating and changing


def test_a_manager_creates_a_procedure_with_its_first_version_and_everyone_else_is_asked_to_read_it(
    late, carol, alice, bob, dave, delivery
):
    assert late.title == "Handling a late delivery"
    assert late.owner == alice
    # Stages are kept in the lifecycle's order, whatever order they were ticked in.
    assert late.stages == ["understanding", "options"]
    assert list(late.categories.all()) == [delivery]
    version = late.versions.get()
    assert (version.number, version.change_note, version.author) == (1, "First version", carol)
    receipts = acknowledgements.receipts_for(acknowledgements.version_key(version))
    # Every active member of staff but its author, nobody outside the staff.
    assert [r.user.username for r in receipts] == ["alice", "bob", "dave"]
    assert {r.title for r in receipts} == {"Handling a late delivery (version 1): First version"}
    assert {r.url for r in receipts} == {f"/procedures/{late.pk}/"}
    assert history(late) == [
        "Created: “Handling a late delivery”, owner alice, review due 2026-09-01, stages: "
        "Understanding the problem, Choosing a resolution; categories: Delivery",
        "Published version 1: First version",
    ]


def test_a_procedure_may_be_created_without_text_and_then_has_no_version(carol, alice):
    procedure = services.procedure_create(actor=carol, details=details(alice))
    assert procedure.versions.count() == 0
    assert Acknowledgement.objects.count() == 0


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_only_managers_create_procedures_and_nothing_is_written(request, who, alice):
    actor = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.procedure_create(actor=actor, details=details(alice), body="Text")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "   "}, "Give the procedure a title."),
        ({"title": "x" * 201}, "A procedure's title is at most 200 characters."),
        ({"stages": ()}, "Choose at least one stage where the procedure applies."),
        ({"stages": ("understanding", "lunch")}, "Unknown stage(s): lunch."),
        ({"review_due": "soon"}, "Give the date of the next review."),
    ],
)
def test_bad_details_are_refused_with_a_clear_message(carol, alice, overrides, message):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.procedure_create(actor=carol, details=details(alice, **overrides))
    assert exc.value.message == message
    assert snapshot() == before


def test_the_owner_must_be_staff_and_a_title_is_unique(carol, alice, charlie, late):
    with pytest.raises(DomainError, match="owner must be an active member of staff"):
        services.procedure_create(actor=carol, details=details(charlie, title="Other"))
    with pytest.raises(DomainError, match="There is already a procedure called “Handling a late delivery”"):
        services.procedure_create(actor=carol, details=details(alice))
    assert Procedure.objects.count() == 1


def test_a_manager_changes_the_details_and_the_change_is_in_the_history(late, carol, bob, delivery):
    services.procedure_update(
        actor=carol,
        procedure=late,
        details=details(
            bob, title="Late deliveries", stages=(Stage.ACTION_PLAN,), review_due=date(2027, 1, 4)
        ),
    )
    late.refresh_from_db()
    assert (late.title, late.owner, late.stages, late.review_due) == (
        "Late deliveries",
        bob,
        ["action_plan"],
        date(2027, 1, 4),
    )
    assert late.categories.count() == 0
    assert history(late)[-1] == (
        "Changed from “Handling a late delivery”, owner alice, review due 2026-09-01, stages: Understanding the "
        "problem, Choosing a resolution; categories: Delivery to “Late deliveries”, owner bob, review due "
        "2027-01-04, stages: Putting it right (the action plan); categories: all categories"
    )


def test_the_owner_may_not_change_the_details_but_may_publish(late, alice):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.procedure_update(actor=alice, procedure=late, details=details(alice, title="Mine now"))
    assert snapshot() == before
    version = services.version_publish(actor=alice, procedure=late, body="New text", change_note="Shorter")
    assert version.number == 2


# ---------------------------------------------------------------- versions


def test_publishing_numbers_the_next_version_and_never_changes_the_old_one(late, carol, alice):
    old = late.versions.get()
    old_body = old.body
    v2 = services.version_publish(actor=carol, procedure=late, body="Text two", change_note="Courier changed")
    v3 = services.version_publish(actor=carol, procedure=late, body="Text three", change_note="Refund limit")
    assert [v.number for v in late.versions.order_by("number")] == [1, 2, 3]
    old.refresh_from_db()
    assert old.body == old_body
    assert (v2.change_note, v3.change_note) == ("Courier changed", "Refund limit")


@pytest.mark.parametrize("who", ["dave", "bob", "charlie"])
def test_only_a_manager_or_the_owner_publishes(request, late, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.version_publish(
            actor=request.getfixturevalue(who), procedure=late, body="Mine", change_note="Because"
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "note", "message"),
    [
        ("", "Note", "A version needs its text."),
        ("Text", "  ", "Say what changed in this version (the change note)."),
        ("Text", "n" * 501, "A change note is at most 500 characters."),
        ("é" * 50_001, "Note", "A procedure's text is at most 100 kB; split it."),
        (
            "# Late delivery\n\n1. Apologise.\n2. Check the courier's tracking.",
            "Same",
            "The text is the same as version 1: nothing to publish.",
        ),
    ],
)
def test_a_version_needs_text_under_100_kb_a_change_note_and_a_change(late, carol, body, note, message):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.version_publish(actor=carol, procedure=late, body=body, change_note=note)
    assert exc.value.message == message
    assert snapshot() == before


def test_a_text_of_exactly_100_kb_is_accepted(late, carol):
    version = services.version_publish(actor=carol, procedure=late, body="a" * 100_000, change_note="Long")
    assert len(version.body) == 100_000


def test_a_new_version_asks_again_and_withdraws_what_was_unread_of_the_old_one(late, carol, alice, bob, dave):
    v1 = late.versions.get()
    acknowledgements.acknowledge(actor=bob, subject_key=acknowledgements.version_key(v1))
    v2 = services.version_publish(actor=alice, procedure=late, body="Text two", change_note="Courier changed")
    # bob's receipt for v1 stays on the record; dave's unread request for v1 is gone; v2 asks carol, bob, dave.
    assert sorted(
        (user, key, at is None)
        for user, key, at in Acknowledgement.objects.values_list(
            "user__username", "subject_key", "acknowledged_at"
        )
    ) == [
        ("bob", f"procedure-version:{v1.pk}", False),
        ("bob", f"procedure-version:{v2.pk}", True),
        ("carol", f"procedure-version:{v2.pk}", True),
        ("dave", f"procedure-version:{v2.pk}", True),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_get_the_next_two_numbers_never_the_same(django_user_model):
    from tests.conftest import _user

    carol = _user(django_user_model, "carol", "manager", "Carol")
    alice = _user(django_user_model, "alice", "agent", "Alice")
    procedure = services.procedure_create(actor=carol, details=details(alice), body="Version one")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(i: int) -> None:
        try:
            start.wait(timeout=10)
            services.version_publish(
                actor=carol, procedure=procedure, body=f"Text {i}", change_note=f"Change {i}"
            )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(procedure.versions.values_list("number", flat=True)) == [1, 2, 3]
    assert sorted(procedure.versions.exclude(number=1).values_list("body", flat=True)) == ["Text 0", "Text 1"]


# ---------------------------------------------------------------- review and use


def test_marking_reviewed_sets_the_next_date_and_clears_the_alert(late, alice):
    Procedure.objects.filter(pk=late.pk).update(review_alerted_at=T0)
    with clock.frozen(T0):
        services.procedure_review(
            actor=alice, procedure=late, next_review_due=date(2026, 9, 30), note="Still right"
        )
    late.refresh_from_db()
    assert (late.review_due, late.review_alerted_at) == (date(2026, 9, 30), None)
    assert history(late)[-1] == "Reviewed (was due 2026-09-01); next review 2026-09-30: Still right"


def test_a_review_date_must_be_after_today_and_only_the_owner_or_a_manager_reviews(late, dave, alice):
    with clock.frozen(T0), pytest.raises(DomainError, match="The next review must be after today."):
        services.procedure_review(actor=alice, procedure=late, next_review_due=T0.date())
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.procedure_review(actor=dave, procedure=late, next_review_due=date(2027, 1, 1))
    assert snapshot() == before


def test_taking_a_procedure_out_of_use_withdraws_unread_requests_and_bringing_it_back_asks_again(
    late, carol, bob
):
    v1 = late.versions.get()
    acknowledgements.acknowledge(actor=bob, subject_key=acknowledgements.version_key(v1))
    with pytest.raises(DomainError, match="Say why the procedure is no longer in use."):
        services.procedure_set_active(actor=carol, procedure=late, active=False)
    services.procedure_set_active(actor=carol, procedure=late, active=False, reason="Courier contract ended")
    late.refresh_from_db()
    assert late.active is False
    assert list(Acknowledgement.objects.values_list("user__username", flat=True)) == ["bob"]
    with pytest.raises(DomainError, match="bring it back into use before publishing"):
        services.version_publish(actor=carol, procedure=late, body="New", change_note="N")
    services.procedure_set_active(actor=carol, procedure=late, active=True)
    assert sorted(
        (user, at is None)
        for user, at in acknowledgements.receipts_for(acknowledgements.version_key(v1)).values_list(
            "user__username", "acknowledged_at"
        )
    ) == [("alice", True), ("bob", False), ("dave", True)]
    assert history(late)[-2:] == ["Taken out of use: Courier contract ended", "Brought back into use"]


def test_only_managers_take_a_procedure_out_of_use(late, alice):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.procedure_set_active(actor=alice, procedure=late, active=False, reason="Mine")
    assert snapshot() == before


# ---------------------------------------------------------------- read receipts


def test_one_mechanism_for_a_communicated_change_asks_staff_only_once_each(carol, alice, bob, charlie):
    first = acknowledgements.acknowledgements_request(
        actor=carol,
        subject_key="improvement-step:7",
        title="  Deliveries:   ring the customer  ",
        url="/improvements/3/",
        users=[alice, bob, charlie, alice],
    )
    assert [r.user.username for r in first] == ["alice", "bob", "alice"]
    again = acknowledgements.acknowledgements_request(
        actor=carol, subject_key="improvement-step:7", title="Other title", users=[alice]
    )
    assert again[0].pk == first[0].pk
    assert Acknowledgement.objects.count() == 2
    assert Acknowledgement.objects.get(user=alice).title == "Deliveries: ring the customer"
    assert [r.title for r in acknowledgements.pending_for(alice)] == ["Deliveries: ring the customer"]


def test_acknowledging_twice_keeps_the_first_time_and_nobody_acknowledges_for_another(carol, alice, bob):
    acknowledgements.acknowledgements_request(
        actor=carol, subject_key="improvement-step:7", title="T", users=[alice]
    )
    with clock.frozen(T0):
        acknowledgements.acknowledge(actor=alice, subject_key="improvement-step:7")
    with clock.frozen(T0 + timedelta(hours=1)):
        receipt = acknowledgements.acknowledge(actor=alice, subject_key="improvement-step:7")
    assert receipt.acknowledged_at == T0
    with pytest.raises(PermissionDenied):
        acknowledgements.acknowledge(actor=bob, subject_key="improvement-step:7")
    assert list(acknowledgements.pending_for(alice)) == []
    assert [r.title for r in acknowledgements.read_by_user(alice)] == ["T"]


def test_asking_needs_a_staff_actor_a_key_and_a_title(alice, charlie):
    with pytest.raises(PermissionDenied):
        acknowledgements.acknowledgements_request(actor=charlie, subject_key="k", title="T", users=[alice])
    with pytest.raises(DomainError, match="subject key"):
        acknowledgements.acknowledgements_request(actor=alice, subject_key=" ", title="T", users=[alice])
    with pytest.raises(DomainError, match="Say what to read"):
        acknowledgements.acknowledgements_request(actor=alice, subject_key="k", title=" ", users=[alice])
    assert Acknowledgement.objects.count() == 0


# ---------------------------------------------------------------- the sweep


def test_the_sweep_alerts_the_owner_once_when_the_review_is_overdue(late, alice, carol):
    with clock.frozen(timezone.make_aware(datetime(2026, 9, 1, 23, 0))):
        sweep_run()
    assert Alert.objects.filter(kind=Alert.Kind.PROCEDURE_REVIEW).count() == 0  # due today: not yet overdue
    overdue = timezone.make_aware(datetime(2026, 9, 2, 8, 0))
    with clock.frozen(overdue):
        sweep_run()
        sweep_run()
    alert = Alert.objects.get(kind=Alert.Kind.PROCEDURE_REVIEW)
    assert alert.recipient == alice
    assert alert.case is None
    assert alert.text == (
        "Procedure review overdue since 1 Sep 2026: “Handling a late delivery” "
        f"{settings.SITE_URL}/procedures/{late.pk}/"
    )
    late.refresh_from_db()
    assert late.review_alerted_at == overdue
    # Reviewed, then overdue again: a new period, one new alert.
    with clock.frozen(overdue):
        services.procedure_review(actor=carol, procedure=late, next_review_due=date(2026, 10, 1))
    with clock.frozen(timezone.make_aware(datetime(2026, 10, 5, 8, 0))):
        sweep_run()
        sweep_run()
    assert Alert.objects.filter(kind=Alert.Kind.PROCEDURE_REVIEW, recipient=alice).count() == 2


def test_a_procedure_out_of_use_is_not_alerted(late, carol):
    services.procedure_set_active(actor=carol, procedure=late, active=False, reason="Gone")
    with clock.frozen(timezone.make_aware(datetime(2026, 12, 1, 8, 0))):
        sweep_run()
    assert Alert.objects.filter(kind=Alert.Kind.PROCEDURE_REVIEW).count() == 0


# ---------------------------------------------------------------- rendering


def test_markdown_renders_headings_lists_tables_and_links_with_noopener():
    html = markdown_render(
        "# Title\n\n- one\n- **two**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[FOS](https://www.financial-ombudsman.org.uk/)"
    )
    assert "<h3>Title</h3>" in html
    assert "<li><strong>two</strong></li>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<a href="https://www.financial-ombudsman.org.uk/" rel="noopener noreferrer">FOS</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="#" onclick="alert(1)">x</a>',
        '<p style="color:red">styled</p>',
        "![pic](https://evil.example/x.png)",
        "<iframe src='https://evil.example'></iframe>",
        "<javascript:alert(1)>",
        "[vb](vbscript:msgbox(1))",
        "[x](https://ok.example/ 'title\" onmouseover=\"alert(1)')",
    ],
)
def test_raw_html_scripts_event_attributes_styles_and_javascript_links_do_not_survive(text):
    html = markdown_render(text)
    parsed = _Elements()
    parsed.feed(html)
    assert not parsed.tags & {"script", "img", "iframe", "style"}, html
    assert not [name for _, name, _ in parsed.attributes if name.startswith("on") or name == "style"], html
    assert all(
        value.split(":", 1)[0].lower() in {"http", "https", "mailto", "tel"}
        for _, name, value in parsed.attributes
        if name in {"href", "src"}
    ), html


class _Elements(HTMLParser):
    """The elements and attributes a piece of HTML really has (text that looks like HTML is not one)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)


def test_raw_html_is_shown_as_text_not_dropped_silently():
    assert markdown_render("<b>bold?</b>") == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n"
