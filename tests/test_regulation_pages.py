"""Staff pages for deadlines and the final letter: the deadlines page, the case's clocks panel and its
actions, drafting the letter (htmx and without JavaScript) and sending exactly what the agent edited."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from putright import clock
from putright.cases import services
from putright.cases.models import Case
from putright.channels.models import Message
from putright.channels.portal_links import portal_url
from putright.engines.routes import mentions_odr
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock
from putright.vocab import Status
from tests.close_review import close_after_review
from tests.conftest import aware, make_report, plain_text

REPORTED = aware(2026, 11, 2, 9)
REASONS = (
    "The leak comes from the plumbing under your sink, not the machine, so a repair by us cannot fix it."
)
pytestmark = pytest.mark.django_db


def report(alice=None, **overrides) -> Case:
    with clock.frozen(REPORTED):
        case, _ = services.case_report(report=make_report(**overrides))
        if alice is not None:
            services.case_summarise_understanding(actor=alice, case=case, summary="Leaks")
    case.refresh_from_db()
    return case


def deadlines_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("regulation:deadlines") + (f"?{query}" if query else "")


def reg_url(name: str, case, *args) -> str:
    return reverse(f"regulation:{name}", args=[case.reference, *args])


# ---------------------------------------------------------------- who may see the deadlines page


def test_the_deadlines_page_asks_strangers_to_sign_in(client):
    response = client.get(deadlines_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_deadlines_page_is_forbidden_to_people_without_a_role(client, charlie, alice):
    report(alice)
    client.force_login(charlie)
    with clock.frozen(aware(2026, 11, 13, 9)):
        response = client.get(deadlines_url())
    assert response.status_code == 403
    assert "PR-" not in response.content.decode()


# ---------------------------------------------------------------- what it lists


def test_the_deadlines_page_lists_what_falls_due_soon_and_what_was_missed(client, alice):
    case = report(alice)
    client.force_login(alice)
    with clock.frozen(aware(2026, 11, 13, 9)):  # Friday: resolve is due Monday 16 Nov
        response = client.get(deadlines_url(within=3))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.case.reference, r.rule_id, r.state) for r in rows] == [
        (case.reference, "SLA.resolve", "at_risk")
    ]
    page = response.content.decode()
    assert "Resolve the complaint" in page
    assert "At risk" in page
    assert "Mon 16 Nov 2026" in page

    with clock.frozen(aware(2026, 11, 13, 9)):
        today = client.get(deadlines_url(within=0)).context["rows"]
    assert today == []

    with clock.frozen(aware(2026, 11, 17, 9)):
        missed = client.get(deadlines_url(show="missed")).context["rows"]
        due = client.get(deadlines_url(show="due")).context["rows"]
    assert [(r.rule_id, r.state, r.state_label) for r in missed] == [("SLA.resolve", "missed", "Missed")]
    assert due == []


def test_mine_shows_only_my_cases_and_kind_filters(client, alice, dave):
    mine = report(alice)
    other = report(dave, customer_email="sam@example.com")
    client.force_login(alice)
    with clock.frozen(aware(2026, 11, 13, 9)):
        team = client.get(deadlines_url(within=7)).context["rows"]
        only_mine = client.get(deadlines_url(within=7, scope="mine")).context["rows"]
        by_kind = client.get(deadlines_url(within=7, kind="first_update")).context["rows"]
    assert {r.case_id for r in team} == {mine.pk, other.pk}
    assert {r.case_id for r in only_mine} == {mine.pk}
    assert by_kind == []  # both first updates were met by the summary


def test_closed_cases_leave_the_list_but_an_unpaid_refund_stays(client, alice):
    case = report(alice)
    with clock.frozen(aware(2026, 11, 10, 9)):
        regulation.clock_start(actor=alice, case=case, kind="refund")
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons=REASONS,
            other_routes=["Citizens Advice consumer helpline"],
        )
    client.force_login(alice)
    with clock.frozen(aware(2026, 11, 24, 9)):
        rows = client.get(deadlines_url(within=7)).context["rows"]
    assert [(r.rule_id, r.state) for r in rows] == [("G11", "missed")]


def test_an_invalid_filter_is_a_400_with_the_reason(client, alice):
    client.force_login(alice)
    response = client.get(deadlines_url(within=99))
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()


@pytest.mark.parametrize("cases", [2, 20])
def test_the_deadlines_page_reads_in_a_fixed_number_of_queries(
    client, alice, cases, django_assert_max_num_queries
):
    for n in range(cases):
        report(alice, customer_email=f"c{n}@example.com")
    client.force_login(alice)
    with clock.frozen(aware(2026, 11, 17, 9)), django_assert_max_num_queries(8):
        response = client.get(deadlines_url())
    assert len(response.context["rows"]) == cases


# ---------------------------------------------------------------- the clocks panel on the case page


def render_panel(user, case) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load regulation_tags %}{% case_clocks case %}")
    return template.render(Context({"request": request, "case": case, "csrf_token": "t0ken"}))


def test_the_clocks_panel_shows_each_deadline_with_its_rule_and_state(alice, bob):
    case = report(alice)
    with clock.frozen(aware(2026, 11, 13, 9)):
        html = render_panel(alice, case)
    assert 'id="clocks"' in html
    assert "Acknowledge the complaint" in html and "SLA.acknowledge" in html
    assert html.count('class="badge badge-green">Met<') == 2  # acknowledged, first update sent
    assert 'class="badge badge-amber">At risk<' in html  # resolve, due Monday
    assert "Tue 3 Nov 2026" in html
    assert "Stop this deadline" not in html  # an agent cannot stop one
    with clock.frozen(aware(2026, 11, 13, 9)):
        assert "Stop this deadline" in render_panel(bob, case)


def test_the_clocks_panel_shows_nothing_to_outsiders(charlie, alice):
    case = report(alice)
    assert render_panel(charlie, case).strip() == ""


def test_the_clocks_panel_renders_on_the_case_page_when_included(client, alice, bob):
    case = report(alice)
    with clock.frozen(aware(2026, 11, 10, 9)):
        regulation.clock_start(actor=alice, case=case, kind="subject_access", start_date=date(2026, 11, 9))
        html = render_panel(alice, case)
    assert "Answer the subject access request" in html
    assert "Record it done" in html
    assert "Extend (complex request)" in html
    assert 'name="csrfmiddlewaretoken" value="t0ken"' in html


# ---------------------------------------------------------------- the panel's actions


def test_an_agent_starts_a_subject_access_clock_from_the_panel(client, alice):
    case = report(alice)
    client.force_login(alice)
    with clock.frozen(aware(2026, 11, 10, 9)):
        response = client.post(
            reg_url("clock_start", case),
            {"kind": "subject_access", "start_date": "2026-11-09", "note": "By email"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.reference]) + "#clocks"
    sar = CaseClock.objects.get(case=case, kind="subject_access")
    assert (sar.due_date, sar.started_by) == (date(2026, 12, 9), alice)


def test_an_outsider_cannot_use_the_panel_and_nothing_changes(client, charlie, alice):
    case = report(alice)
    client.force_login(charlie)
    count = CaseClock.objects.count()
    assert client.post(reg_url("clock_start", case), {"kind": "subject_access"}).status_code == 403
    resolve = CaseClock.objects.get(case=case, kind="resolve")
    assert (
        client.post(reg_url("clock_stop", case, resolve.pk), {"reason": "Because I say so"}).status_code
        == 403
    )
    assert CaseClock.objects.count() == count
    resolve.refresh_from_db()
    assert resolve.stopped_at is None


def test_an_agent_may_not_stop_a_deadline_but_a_supervisor_may(client, alice, bob):
    case = report(alice)
    resolve = CaseClock.objects.get(case=case, kind="resolve")
    client.force_login(alice)
    assert (
        client.post(
            reg_url("clock_stop", case, resolve.pk), {"reason": "Withdrawn by the customer"}
        ).status_code
        == 403
    )
    resolve.refresh_from_db()
    assert resolve.stopped_at is None
    client.force_login(bob)
    response = client.post(
        reg_url("clock_stop", case, resolve.pk), {"reason": "Withdrawn by the customer"}, follow=True
    )
    assert "Deadline stopped: Resolve the complaint." in response.content.decode()
    resolve.refresh_from_db()
    assert resolve.stop_reason == "Withdrawn by the customer"


def test_a_refused_or_invalid_action_comes_back_as_a_message(client, alice):
    case = report(alice)
    ack = CaseClock.objects.get(case=case, kind="acknowledge")
    client.force_login(alice)
    page = client.post(reg_url("clock_met", case, ack.pk), {"note": ""}, follow=True).content.decode()
    assert "This clock has already stopped." in page
    page = client.post(reg_url("clock_start", case), {"kind": "nonsense"}, follow=True).content.decode()
    assert "Deadline to start: Select a valid choice." in page


def test_recording_a_refund_paid_and_extending_a_request_from_the_panel(client, alice, mailbox):
    case = report(alice)
    client.force_login(alice)
    with clock.frozen(aware(2026, 11, 10, 9)):
        client.post(reg_url("clock_start", case), {"kind": "refund"})
        client.post(reg_url("clock_start", case), {"kind": "subject_access"})
        refund = CaseClock.objects.get(case=case, kind="refund")
        sar = CaseClock.objects.get(case=case, kind="subject_access")
        client.post(reg_url("clock_met", case, refund.pk), {"note": "Paid, ref 5521"})
        client.post(
            reg_url("clock_extend", case, sar.pk), {"reason": "Your records are spread over three systems."}
        )
    refund.refresh_from_db()
    sar.refresh_from_db()
    assert refund.met_note == "Paid, ref 5521"
    assert sar.due_date == date(2027, 2, 10)


def test_a_clock_on_another_case_is_not_found(client, alice):
    case = report(alice)
    other = report(alice, customer_email="sam@example.com")
    clock_row = CaseClock.objects.get(case=other, kind="resolve")
    client.force_login(alice)
    assert client.post(reg_url("clock_met", case, clock_row.pk)).status_code == 404


# ---------------------------------------------------------------- drafting the final letter


def close_data(**overrides) -> dict:
    data = {
        "reason_code": "outside_policy",
        "reasons": REASONS,
        "decision": "not_upheld",
        "customer_region": "",
        "supply": "goods",
    }
    data.update(overrides)
    return data


def test_draft_the_letter_with_htmx_fills_in_the_letter_field(client, alice):
    case = report(alice)
    client.force_login(alice)
    response = client.post(reg_url("letter_draft", case), close_data(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment
    assert 'id="id_close_letter"' in html and 'name="letter"' in html
    assert "Drafted from the rules." in html
    assert "The manufacturer&#x27;s guarantee or warranty" in html
    assert "Citizens Advice consumer service" in html
    assert REASONS.replace("'", "&#x27;") in html
    assert not mentions_odr(html)


def test_draft_without_reasons_says_what_is_missing(client, alice):
    case = report(alice)
    client.force_login(alice)
    response = client.post(
        reg_url("letter_draft", case), close_data(reasons="Too short"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200  # htmx swaps only successful responses
    assert "Write why we cannot resolve it (at least a sentence) first" in response.content.decode()


def test_draft_without_javascript_opens_the_whole_form_filled_in(client, alice):
    case = report(alice)
    client.force_login(alice)
    response = client.post(
        reg_url("letter_draft", case), close_data(routes=["Manufacturer's warranty claim"])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{reverse("cases:close_unresolved", args=[case.reference])}"' in html
    form = response.context["form"]
    assert form["letter"].value().startswith("Thank you for giving us the chance")
    assert form["reasons"].value() == REASONS


def test_draft_is_forbidden_to_outsiders(client, charlie, alice):
    case = report(alice)
    client.force_login(charlie)
    assert client.post(reg_url("letter_draft", case), close_data()).status_code == 403


# ---------------------------------------------------------------- sending exactly the edited letter


def test_closing_with_the_edited_letter_sends_exactly_that_and_records_the_routes(
    client, alice, mailbox, django_capture_on_commit_callbacks
):
    case = report(alice)
    client.force_login(alice)
    draft = client.post(reg_url("letter_draft", case), close_data(), headers={"HX-Request": "true"})
    letter = draft.context["form"]["letter"].value()
    edited = letter.replace(
        "Thank you for giving us the chance", "Thank you, Priya, for giving us the chance"
    )
    edited = edited.replace("\n", "\r\n") + "\r\nP.S. We have added a note to your account."
    with django_capture_on_commit_callbacks(execute=True):
        response = close_after_review(
            client,
            reverse("cases:close_unresolved", args=[case.reference]),
            close_data(letter=edited, routes=["Section 75 claim with your credit card provider"]),
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED_UNRESOLVED
    sent = edited.replace("\r\n", "\n").strip()
    message = Message.objects.filter(case=case).latest("pk")
    assert (message.subject, message.body, message.author) == (
        "Our final response to your complaint",
        sent,
        alice,
    )
    [email] = [m for m in mailbox.to("priya@example.com") if "Our final response" in str(m["Subject"])]
    assert str(email["Subject"]) == f"[{case.reference}] Our final response to your complaint"
    # SMTP carries lines ending in CRLF; the text between the greeting and the footer is the letter.
    assert f"Dear Priya Shah,\n\n{sent}\n\nYour reference" in plain_text(email).replace("\r\n", "\n")
    # The routes the draft offered, then the agent's own, are on the case and the timeline.
    assert case.other_routes[0].startswith("The manufacturer's guarantee or warranty")
    assert case.other_routes[-1] == "Section 75 claim with your credit card provider"
    event = case.events.get(kind="case.closed_unresolved")
    assert event.after["letter"]["body"] == sent
    assert event.after["letter"]["rule_ids"] == ["A2", "G13"]
    assert (
        event.summary
        == "Closed unresolved (Outside our policy or terms; not upheld); reasons and other routes sent in our "
        "final response letter (A2, G13)"
    )
    # The customer sees it on their own page.
    page = client.get(urlsplit(portal_url(case)).path, follow=True).content.decode()
    assert "Thank you, Priya, for giving us the chance" in page
    assert "P.S. We have added a note to your account." in page


def test_a_letter_linking_to_the_odr_platform_is_refused_and_the_edits_are_kept(client, alice):
    case = report(alice)
    client.force_login(alice)
    letter = f"{REASONS}\n\nYou can also use https://ec.europa.eu/consumers/odr to complain."
    response = client.post(
        reverse("cases:close_unresolved", args=[case.reference]), close_data(letter=letter)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The EU online dispute resolution platform closed on 20 July 2025" in html
    assert "You can also use https://ec.europa.eu/consumers/odr to complain." in html
    case.refresh_from_db()
    assert case.status != Status.CLOSED_UNRESOLVED


def test_without_a_letter_the_reasons_and_ticked_routes_are_sent_as_before(client, alice):
    case = report(alice)
    client.force_login(alice)
    response = close_after_review(
        client,
        reverse("cases:close_unresolved", args=[case.reference]),
        close_data(routes=["Manufacturer's warranty claim"]),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.other_routes == ["Manufacturer's warranty claim"]
    assert Message.objects.filter(case=case).latest("pk").subject == "Our final response"


def test_the_close_form_on_the_case_page_offers_the_letter(client, alice):
    case = report(alice)
    client.force_login(alice)
    html = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Our final response letter" in html
    assert reg_url("letter_draft", case) in html
    assert 'id="id_close_letter"' in html


# ---------------------------------------------------------------- settings in the admin

SETTINGS_FORM = {
    "organisation_name": "Harbour & Hearth Ltd",
    "region": "SCT",
    "sector": "general",
    "service_levels_on": "on",
    "acknowledge_days": "1",
    "first_update_days": "2",
    "resolve_days": "8",
    "refund_clock_on": "on",
    "sar_on": "on",
    "at_risk_business_days": "1",
    "adr_name": "Retail ADR",
    "adr_website": "https://www.retailadr.org.uk",
    "adr_obliged": "on",
}


def _admin(client, django_user_model, *, administrator: bool):
    from django.contrib.auth.models import Group

    from putright.authority.defaults import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user("ops", "ops@putright.example", "correct-horse-battery")
    user.is_staff = True
    user.save()
    if administrator:
        user.groups.add(Group.objects.get(name="administrator"))
    else:
        from django.contrib.auth.models import Permission

        user.groups.add(Group.objects.get(name="manager"))
        user.user_permissions.add(*Permission.objects.filter(codename__endswith="regimesettings"))
    client.force_login(user)
    return user


def test_an_administrator_sets_the_regimes_in_the_admin(client, django_user_model):
    from putright.regulation.models import RegimeSettings

    user = _admin(client, django_user_model, administrator=True)
    url = "/admin/regulation/regimesettings/1/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, SETTINGS_FORM).status_code == 302
    row = RegimeSettings.objects.get(pk=1)
    assert (row.region, row.resolve_days, row.adr_obliged, row.updated_by) == ("SCT", 8, True, user)
    # The next report's clocks follow: 8 business days in Scotland.
    with clock.frozen(aware(2026, 11, 27, 10)):
        case, _ = services.case_report(report=make_report())
    assert CaseClock.objects.get(case=case, kind="resolve").due_date == date(2026, 12, 10)


def test_an_obliged_scheme_without_a_website_is_refused_in_the_admin(client, django_user_model):
    _admin(client, django_user_model, administrator=True)
    response = client.post("/admin/regulation/regimesettings/1/change/", {**SETTINGS_FORM, "adr_website": ""})
    assert response.status_code == 200
    assert "Name the ADR scheme you are obliged to use, and give its website." in response.content.decode()


def test_a_manager_with_admin_access_cannot_change_the_regimes(client, django_user_model):
    from putright.regulation.models import RegimeSettings

    _admin(client, django_user_model, administrator=False)
    response = client.post("/admin/regulation/regimesettings/1/change/", SETTINGS_FORM)
    assert response.status_code == 403
    assert RegimeSettings.objects.get(pk=1).region == "ENG"
