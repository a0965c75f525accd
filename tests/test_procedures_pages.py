"""The procedures pages (issue 14 §3): who may see and change what (denial changes nothing), the editor's
preview with and without htmx, old versions at their own address, "My reading" and its count, the list's
pinned query count; and the case workspace: the procedure for the step a case is in, the version id the
page posts back and the case event that records it."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from putright import clock
from putright.audit.models import Event
from putright.cases import services as case_services
from putright.cases.models import Case, Category
from putright.pages import urls as pages_urls
from putright.procedures import acknowledgements, selectors, services
from putright.procedures.models import Acknowledgement, Procedure, ProcedureVersion, Stage
from putright.vocab import RemedyType, Status

pytestmark = pytest.mark.django_db


def details(owner, **overrides) -> services.ProcedureDetails:
    data = dict(
        title="Handling a late delivery",
        owner=owner,
        review_due=date(2030, 1, 1),
        categories=(),
        stages=tuple(Stage.values[:-1]),  # every step but closing unresolved
    )
    data.update(overrides)
    return services.ProcedureDetails(**data)


@pytest.fixture
def delivery(db):
    return Category.objects.create(name="Delivery", slug="delivery")


@pytest.fixture
def late(carol, alice, bob, dave, delivery):
    """For Delivery cases at every step but closing; owned by alice; version 1 (bob and dave asked to read)."""
    return services.procedure_create(
        actor=carol,
        details=details(alice, categories=(delivery,)),
        body="# Late delivery\n\n1. Apologise.\n2. Check the courier's tracking.",
    )


@pytest.fixture
def final_letter(carol, bob):
    """For every category, when closing unresolved."""
    return services.procedure_create(
        actor=carol,
        details=details(bob, title="The final response letter", stages=(Stage.CLOSING_UNRESOLVED,)),
        body="Give **every** route: the ombudsman and Citizens Advice.",
    )


def snapshot() -> dict:
    return {
        "procedures": list(
            Procedure.objects.order_by("pk").values_list(
                "title", "owner_id", "review_due", "stages", "active", "review_alerted_at"
            )
        ),
        "categories": list(
            Procedure.categories.through.objects.order_by("pk").values_list("procedure_id", "category_id")
        ),
        "versions": list(
            ProcedureVersion.objects.order_by("pk").values_list("procedure_id", "number", "body")
        ),
        "receipts": list(
            Acknowledgement.objects.order_by("pk").values_list("user_id", "subject_key", "acknowledged_at")
        ),
        "log": LogEntry.objects.count(),
        "events": Event.objects.count(),
    }


def procedure_urls(p: Procedure) -> list[tuple[str, dict]]:
    """Every procedures URL, with a POST body that a permitted person's request would get through."""
    r = reverse
    return [
        (r("procedures:list"), {}),
        (
            r("procedures:new"),
            {"title": "New one", "owner": p.owner_id, "review_due": "2031-01-01", "stages": ["options"]},
        ),
        (r("procedures:preview"), {"body": "**bold**"}),
        (r("procedures:reading"), {}),
        (r("procedures:acknowledge"), {"subject": acknowledgements.version_key(p.versions.get())}),
        (r("procedures:detail", args=[p.pk]), {}),
        (
            r("procedures:edit", args=[p.pk]),
            {"title": "Renamed", "owner": p.owner_id, "review_due": "2031-01-01", "stages": ["options"]},
        ),
        (r("procedures:publish", args=[p.pk]), {"body": "New text", "change_note": "Changed"}),
        (r("procedures:review", args=[p.pk]), {"next_review_due": "2031-01-01"}),
        (r("procedures:active", args=[p.pk]), {"active": "no", "reason": "Gone"}),
        (r("procedures:version", args=[p.pk, 1]), {}),
    ]


def test_the_list_below_covers_every_procedures_url(late):
    named = {p.name for p in pages_urls.procedure_urlpatterns}
    assert {resolve(path).url_name for path, _ in procedure_urls(late)} == named


def test_a_signed_in_user_without_a_role_gets_403_everywhere_and_changes_nothing(client, charlie, late):
    client.force_login(charlie)
    before = snapshot()
    for path, data in procedure_urls(late):
        assert client.get(path).status_code == 403, path
        assert client.post(path, data).status_code == 403, path
        assert client.post(path, data, HTTP_HX_REQUEST="true").status_code == 403, path
    assert snapshot() == before


def test_anonymous_people_are_sent_to_sign_in_and_change_nothing(client, late):
    before = snapshot()
    for path, data in procedure_urls(late):
        for response in (client.get(path), client.post(path, data)):
            assert response.status_code == 302, path
            assert response["Location"].startswith(reverse("login") + "?next="), path
    assert snapshot() == before


def test_an_agent_reads_everything_but_changes_nothing(client, dave, late):
    client.force_login(dave)
    for name, args in [("list", []), ("detail", [late.pk]), ("version", [late.pk, 1]), ("reading", [])]:
        assert client.get(reverse(f"procedures:{name}", args=args)).status_code == 200, name
    before = snapshot()
    for path, data in procedure_urls(late):
        if resolve(path).url_name in {"new", "edit", "publish", "review", "active"}:
            assert client.get(path).status_code in (403, 405), path
            assert client.post(path, data).status_code == 403, path
    assert snapshot() == before


def test_the_owner_publishes_and_reviews_but_may_not_change_the_details_or_take_it_out_of_use(
    client, alice, late
):
    client.force_login(alice)
    before = snapshot()
    urls = dict((resolve(p).url_name, (p, d)) for p, d in procedure_urls(late))
    for name in ("edit", "active", "new"):
        path, data = urls[name]
        assert client.post(path, data).status_code == 403, name
    assert snapshot() == before
    path, data = urls["publish"]
    assert client.post(path, data)["Location"] == reverse("procedures:detail", args=[late.pk])
    path, data = urls["review"]
    assert client.post(path, data)["Location"] == reverse("procedures:detail", args=[late.pk])
    late.refresh_from_db()
    assert late.review_due == date(2031, 1, 1)
    assert list(late.versions.values_list("number", flat=True)) == [2, 1]


def test_unknown_procedures_and_versions_are_not_found(client, carol, late):
    client.force_login(carol)
    for path in (
        reverse("procedures:detail", args=[999999]),
        reverse("procedures:detail", args=[2**64]),
        reverse("procedures:version", args=[late.pk, 2]),
        reverse("procedures:version", args=[late.pk, 2**64]),
        reverse("procedures:publish", args=[999999]),
    ):
        assert client.get(path).status_code == 404, path


# ---------------------------------------------------------------- the list and a procedure


def test_the_list_shows_each_procedure_with_its_version_and_an_overdue_review_in_red_and_words(
    client, dave, late, final_letter
):
    Procedure.objects.filter(pk=final_letter.pk).update(review_due=date(2020, 1, 1))
    client.force_login(dave)
    html = client.get(reverse("procedures:list")).content.decode()
    assert f'<a href="/procedures/{late.pk}/versions/1/">v1</a>' in html
    assert "Understanding the problem, Choosing a resolution, Approval" in html
    assert "<td>Delivery</td>" in html
    row = html[html.index('data-procedure="The final response letter"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="badge badge-red">Overdue</span> <time datetime="2020-01-01">1 Jan 2020</time>' in row
    assert '<span class="muted">All</span>' in row
    # Only managers are offered a new procedure.
    assert reverse("procedures:new") not in html


def test_the_list_costs_the_same_queries_however_many_procedures(
    client, carol, alice, late, django_assert_num_queries
):
    client.force_login(carol)
    client.get(reverse("procedures:list"))  # warm the session and content types

    def count() -> int:
        with django_assert_num_queries(LIST_QUERIES):
            assert client.get(reverse("procedures:list")).status_code == 200

    count()
    for i in range(5):
        services.procedure_create(
            actor=carol, details=details(alice, title=f"Procedure {i}"), body=f"Text {i}"
        )
    count()


# session, user, roles, the navigation's counts, procedures, their categories, their current versions
LIST_QUERIES = 7


def test_a_procedure_page_shows_the_text_the_versions_and_to_its_owner_who_has_read_it(
    client, alice, dave, bob, late
):
    services.version_publish(
        actor=alice, procedure=late, body="Ring the courier first.", change_note="Courier first"
    )
    acknowledgements.acknowledge(
        actor=bob, subject_key=acknowledgements.version_key(late.versions.get(number=2))
    )
    client.force_login(alice)
    html = client.get(reverse("procedures:detail", args=[late.pk])).content.decode()
    assert '<div class="prose"><p>Ring the courier first.</p>\n</div>' in html
    assert "Courier first" in html and "First version" in html
    assert f'href="/procedures/{late.pk}/versions/1/"' in html
    unread = html[html.index('id="receipts-unread"') :]
    unread = unread[: unread.index("</ul>")]
    assert "Carol" in unread and "Dave" in unread and "Bob" not in unread
    assert "Bob" in html[html.index('id="receipts-read"') :]
    assert "Published version 2: Courier first" in html  # the history
    # An agent reads it but does not see who has read it, nor the history.
    client.force_login(dave)
    html = client.get(reverse("procedures:detail", args=[late.pk])).content.decode()
    assert 'id="receipts' not in html and 'id="history"' not in html
    assert "I have read version 2" in html


def test_an_old_version_stays_readable_at_its_own_address(client, dave, alice, late):
    services.version_publish(actor=alice, procedure=late, body="Version two", change_note="Two")
    client.force_login(dave)
    html = client.get(reverse("procedures:version", args=[late.pk, 1])).content.decode()
    assert "An old version, kept as it was." in html
    assert (
        "<li>Check the courier&#x27;s tracking.</li>" in html
        or "<li>Check the courier's tracking.</li>" in html
    )
    html = client.get(reverse("procedures:version", args=[late.pk, 2])).content.decode()
    assert "This is the current version." in html


# ---------------------------------------------------------------- the editor


def test_a_manager_creates_a_procedure_from_the_page(client, carol, alice, delivery):
    client.force_login(carol)
    response = client.post(
        reverse("procedures:new"),
        {
            "title": "Refunds: the short-term right to reject",
            "owner": alice.pk,
            "review_due": "2031-06-30",
            "stages": ["options", "agreement"],
            "categories": [delivery.pk],
            "body": "Within **30 days**: a full refund.",
        },
    )
    procedure = Procedure.objects.get()
    assert response["Location"] == reverse("procedures:detail", args=[procedure.pk])
    assert (procedure.owner, procedure.stages, procedure.review_due) == (
        alice,
        ["options", "agreement"],
        date(2031, 6, 30),
    )
    assert procedure.versions.get().body == "Within **30 days**: a full refund."


def test_bad_details_come_back_beside_the_fields_and_nothing_is_written(client, carol, alice):
    client.force_login(carol)
    before = snapshot()
    response = client.post(
        reverse("procedures:new"),
        {"title": "", "owner": alice.pk, "review_due": "31/02/2031", "stages": ["lunch"]},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"title", "review_due", "stages"}
    assert "There is a problem" in response.content.decode()
    assert snapshot() == before


def test_preview_without_javascript_re_renders_the_form_with_the_sanitised_text_and_publishes_nothing(
    client, carol, late
):
    client.force_login(carol)
    before = snapshot()
    response = client.post(
        reverse("procedures:publish", args=[late.pk]),
        {"body": "## Step one\n\n<script>alert(1)</script>", "change_note": "", "preview": "1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h4>Step one</h4>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    # What was typed is still in the form.
    assert "## Step one" in html
    assert snapshot() == before


def test_the_htmx_preview_answers_with_the_rendered_fragment_only(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("procedures:preview"), {"body": "[x](javascript:alert(1)) **ok**"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>ok</strong>" in html and "<html" not in html and "href=" not in html


def test_publishing_from_the_page_needs_a_change_note(client, carol, late):
    client.force_login(carol)
    before = snapshot()
    response = client.post(reverse("procedures:publish", args=[late.pk]), {"body": "New", "change_note": ""})
    assert response.status_code == 400
    assert response.context["form"].errors == {"change_note": ["This field is required."]}
    response = client.post(
        reverse("procedures:publish", args=[late.pk]),
        {"body": late.versions.get().body, "change_note": "Nothing really"},
    )
    assert response.status_code == 400
    assert "The text is the same as version 1: nothing to publish." in response.content.decode()
    assert snapshot() == before


def test_a_manager_changes_the_details_and_takes_it_out_of_use_with_a_reason(client, carol, bob, late):
    client.force_login(carol)
    response = client.post(
        reverse("procedures:edit", args=[late.pk]),
        {"title": "Late deliveries", "owner": bob.pk, "review_due": "2031-01-01", "stages": ["action_plan"]},
    )
    assert response["Location"] == reverse("procedures:detail", args=[late.pk])
    before = snapshot()
    response = client.post(reverse("procedures:active", args=[late.pk]), {"active": "no", "reason": ""})
    assert response.status_code == 400
    assert "Say why the procedure is no longer in use." in response.content.decode()
    assert snapshot() == before
    client.post(reverse("procedures:active", args=[late.pk]), {"active": "no", "reason": "Merged"})
    late.refresh_from_db()
    assert (late.title, late.owner, late.active) == ("Late deliveries", bob, False)


def test_a_review_date_in_the_past_is_refused_beside_the_field(client, alice, late):
    client.force_login(alice)
    before = snapshot()
    response = client.post(reverse("procedures:review", args=[late.pk]), {"next_review_due": "2001-01-01"})
    assert response.status_code == 400
    assert response.context["review_form"].errors == {
        "next_review_due": ["The next review must be after today."]
    }
    assert snapshot() == before


# ---------------------------------------------------------------- my reading


def test_my_reading_lists_versions_and_communicated_changes_and_the_nav_counts_them(
    client, carol, dave, late
):
    acknowledgements.acknowledgements_request(
        actor=carol, subject_key="improvement-step:7", title="Deliveries: ring first", url="/x/", users=[dave]
    )
    client.force_login(dave)
    html = client.get(reverse("procedures:reading")).content.decode()
    assert "To read (2)" in html
    assert "Handling a late delivery (version 1): First version" in html
    assert "Deliveries: ring first" in html
    assert 'My reading <span class="nav-count">(2<span class="visually-hidden"> to read</span>)' in html

    response = client.post(reverse("procedures:acknowledge"), {"subject": "improvement-step:7"})
    assert response["Location"] == reverse("procedures:reading")
    response = client.post(
        reverse("procedures:acknowledge"),
        {"subject": acknowledgements.version_key(late.versions.get())},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Read <time" in response.content.decode() and "<html" not in response.content.decode()
    html = client.get(reverse("procedures:reading")).content.decode()
    assert "Nothing to read: you are up to date." in html
    assert 'My reading <span class="nav-count">(0' in html


def test_nobody_acknowledges_what_they_were_not_asked_and_a_bad_next_stays_on_this_site(
    client, carol, dave, late
):
    client.force_login(carol)  # carol wrote it: she was not asked
    before = snapshot()
    response = client.post(
        reverse("procedures:acknowledge"), {"subject": acknowledgements.version_key(late.versions.get())}
    )
    assert response.status_code == 403
    assert client.post(reverse("procedures:acknowledge"), {"subject": ""}).status_code == 403
    assert snapshot() == before
    client.force_login(dave)
    response = client.post(
        reverse("procedures:acknowledge"),
        {"subject": acknowledgements.version_key(late.versions.get()), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("procedures:reading")


# ---------------------------------------------------------------- the case workspace


@pytest.fixture
def delivery_case(report_case, delivery):
    case = report_case(subject="Parcel three weeks late")
    Case.objects.filter(pk=case.pk).update(category=delivery)
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        (Status.NEW, Stage.UNDERSTANDING),
        (Status.OPTIONS, Stage.OPTIONS),
        (Status.AWAITING_APPROVAL, Stage.APPROVAL),
        (Status.AWAITING_CUSTOMER, Stage.AGREEMENT),
        (Status.IN_PROGRESS, Stage.ACTION_PLAN),
        (Status.AWAITING_CONFIRMATION, Stage.SATISFACTION),
        (Status.NOT_RESOLVED, Stage.SATISFACTION),
        (Status.CLOSED_RESOLVED, None),
        (Status.CLOSED_UNRESOLVED, None),
    ],
)
def test_each_status_maps_to_its_step(status, stage):
    assert selectors.stage_for_status(status) == stage


@pytest.mark.parametrize("status", [Status.NEW, Status.OPTIONS, Status.AWAITING_CUSTOMER, Status.IN_PROGRESS])
def test_the_workspace_shows_the_procedure_for_the_step_and_posts_its_version_back(
    client, alice, late, final_letter, delivery_case, status
):
    Case.objects.filter(pk=delivery_case.pk).update(status=status)
    version = late.versions.get()
    client.force_login(alice)
    response = client.get(reverse("cases:detail", args=[delivery_case.reference]))
    html = response.content.decode()
    panel = html[html.index('id="procedure"') :]
    panel = panel[: panel.index("</section>")]
    stage_label = Stage(selectors.stage_for_status(status)).label
    assert f"({stage_label})" in panel
    assert "<summary>Handling a late delivery <span" in panel and "(version 1)" in panel
    assert "<li>Apologise.</li>" in panel
    assert f'href="/procedures/{late.pk}/"' in panel
    assert f'<input type="hidden" name="procedure_version" value="{version.pk}">' in html
    # Closing unresolved has its own procedure beside its form, with its own version.
    closing = html[html.index('id="closing-procedure"') :]
    assert "The final response letter" in closing[: closing.index("</form>")]
    closing_version = final_letter.versions.get().pk
    assert f'name="procedure_version" value="{closing_version}"' in closing[: closing.index("</form>")]


def test_a_procedure_for_another_category_or_stage_or_out_of_use_is_not_shown(
    client, alice, carol, late, report_case
):
    other = report_case(subject="Rude staff")  # no category: only procedures for every category apply
    client.force_login(alice)
    html = client.get(reverse("cases:detail", args=[other.reference])).content.decode()
    assert 'id="procedure"' not in html and 'name="procedure_version"' not in html
    services.procedure_update(actor=carol, procedure=late, details=details(late.owner, categories=()))
    assert (
        "Handling a late delivery"
        in client.get(reverse("cases:detail", args=[other.reference])).content.decode()
    )
    services.procedure_set_active(actor=carol, procedure=late, active=False, reason="Gone")
    assert (
        'id="procedure"' not in client.get(reverse("cases:detail", args=[other.reference])).content.decode()
    )


def _events(case, kind):
    return list(case.events.filter(kind=kind).values_list("after", flat=True))


def test_each_step_records_the_version_shown_and_the_timeline_names_it(
    client, alice, late, final_letter, delivery_case
):
    case = delivery_case
    v = late.versions.get().pk
    client.force_login(alice)

    def post(name, data, *args):
        response = client.post(
            reverse(f"cases:{name}", args=[case.reference, *args]), {**data, "procedure_version": v}
        )
        assert response.status_code == 302, (name, response.content.decode()[:2000])

    post("understanding_summarise", {"summary": "Parcel late; wants a refund of postage."})
    post("understanding_confirm", {"method": "phone"})
    post(
        "option_add",
        {
            "title": "Refund postage",
            "remedy_type": RemedyType.PARTIAL_REFUND,
            "amount": "4.99",
            "cost_to_organisation": "4.99",
            "days_to_deliver": "1",
        },
    )
    option = case.options.get()
    post("option_recommend", {"justification": "Fair and quick", "factors": ["cost", "risk"]}, option.pk)
    post("agreement_record", {"agreed": "yes", "method": "phone"})
    post(
        "step_add",
        {"description": "Refund £4.99", "owner": alice.pk, "due_date": clock.now().date().isoformat()},
    )
    for kind in (
        "understanding.summarised",
        "understanding.confirmed",
        "option.added",
        "option.recommended",
        "option.agreed",
        "plan.step_added",
    ):
        assert [a.get("procedure_version") for a in _events(case, kind)] == [v], kind
    html = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert (
        timeline.count(
            f'Procedure: <a href="/procedures/{late.pk}/versions/1/">Handling a late delivery v1</a>'
        )
        == 6
    )


def test_skipping_satisfaction_and_closing_unresolved_record_the_version_too(
    alice, late, final_letter, delivery_case
):
    v, closing = late.versions.get().pk, final_letter.versions.get().pk
    case_services.case_skip_understanding(
        actor=alice, case=delivery_case, reason="Customer unreachable", procedure_version=v
    )
    case_services.case_close_unresolved(
        actor=alice,
        case=delivery_case,
        reasons="The courier has lost the parcel and the seller is abroad.",
        other_routes=["Citizens Advice"],
        reason_code="other",
        upheld="not_upheld",
        procedure_version=closing,
    )
    assert _events(delivery_case, "understanding.skipped")[0]["procedure_version"] == v
    assert _events(delivery_case, "case.closed_unresolved")[0]["procedure_version"] == closing


@pytest.mark.parametrize(
    "posted", ["", "abc", "-1", "0", "1.5", "٣", "99999999999999999999999", "999999", " "]
)
def test_a_bad_or_unknown_version_id_is_ignored_and_the_step_still_happens(
    client, alice, late, delivery_case, posted
):
    client.force_login(alice)
    response = client.post(
        reverse("cases:understanding_summarise", args=[delivery_case.reference]),
        {"summary": "Parcel late.", "procedure_version": posted},
    )
    assert response.status_code == 302
    assert _events(delivery_case, "understanding.summarised") == [
        {"understanding": "awaiting_customer", "summary": "Parcel late.", "status": "new"}
    ]


def test_the_workspace_pays_a_fixed_number_of_queries_for_its_procedures(client, alice, carol, delivery_case):
    url = reverse("cases:detail", args=[delivery_case.reference])
    client.force_login(alice)
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    none = queries()
    services.procedure_create(actor=carol, details=details(alice, title="One"), body="One")
    one = queries()
    for i in range(4):
        services.procedure_create(actor=carol, details=details(alice, title=f"More {i}"), body=f"More {i}")
    # One query finds the procedures; one more reads their current versions, however many there are.
    assert (one - none, queries()) == (1, one)


def test_closed_cases_show_no_procedure_and_keep_the_versions_they_recorded(
    client, alice, late, delivery_case
):
    v = late.versions.get().pk
    case_services.case_skip_understanding(
        actor=alice, case=delivery_case, reason="Unreachable", procedure_version=v
    )
    case_services.case_close_unresolved(
        actor=alice,
        case=delivery_case,
        reasons="The courier has lost the parcel and the seller is abroad.",
        other_routes=["Citizens Advice"],
        reason_code="other",
        upheld="not_upheld",
    )
    services.version_publish(actor=alice, procedure=late, body="Newer text", change_note="Newer")
    client.force_login(alice)
    html = client.get(reverse("cases:detail", args=[delivery_case.reference])).content.decode()
    assert 'id="procedure"' not in html
    assert "Handling a late delivery v1</a>" in html  # the version shown then, not the current one
