"""The scorecard on the case page, disputes (who may, the audit trail, the manager's list and decision) and
the coverage view (figures, query count, who sees whose) — issue 14 §4."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.authority.models import Team
from putright.cases import services
from putright.errors import DomainError, PermissionDenied
from putright.quality import disputes, selectors
from putright.quality.coverage import CoverageAsk, coverage
from putright.quality.models import CheckResult, Dispute
from tests.quality_fixtures import closed_resolved

pytestmark = pytest.mark.django_db

WHY = "There was only one remedy that fits a leak."


def dispute_rows() -> list[tuple]:
    return list(
        Dispute.objects.order_by("pk").values_list(
            "case_id", "check_id", "status", "raised_by_id", "note", "decided_by_id", "decision_note"
        )
    )


@pytest.fixture
def team(alice, dave, bob):
    t = Team.objects.create(name="Deliveries", lead=bob)
    t.members.add(alice, dave)
    return t


# ---------------------------------------------------------------- the panel


def test_the_case_page_shows_the_scorecard_in_words_with_a_fails_link_to_its_event(
    client, report_case, alice
):
    case = closed_resolved(report_case, alice, options=1)
    row = CheckResult.objects.get(case=case, check_id="options_weighed")
    client.force_login(alice)

    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()

    assert 'id="scorecard"' in page and "Handling scorecard" in page
    assert "5 pass, 1 fail, 3 do not apply" in page
    assert '<span class="badge badge-red">Fail</span> <strong>Options weighed (P3–P4)</strong>' in page
    assert "Only one option (“Refund £60”) was listed: nothing was weighed against it." in page
    assert f'href="#event-{row.event_id}"' in page and f'id="event-{row.event_id}"' in page
    assert '<span class="badge badge-grey">Does not apply</span>' in page
    assert "Dispute this check" in page  # alice handles it


def test_an_open_case_has_no_panel_and_others_cannot_dispute(client, report_case, alice, dave):
    client.force_login(dave)
    assert (
        'id="scorecard"'
        not in client.get(reverse("cases:detail", args=[report_case().reference])).content.decode()
    )
    case = closed_resolved(report_case, alice, options=1, subject="Closed")
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert 'id="scorecard"' in page and "Dispute this check" not in page


# ---------------------------------------------------------------- disputes


def test_the_handler_disputes_a_failed_check_from_the_case_page_and_the_row_is_the_audit_trail(
    client, report_case, alice
):
    case = closed_resolved(report_case, alice, options=1)
    client.force_login(alice)

    response = client.post(
        reverse("cases:scorecard_dispute", args=[case.reference]),
        {"check_id": "options_weighed", "note": WHY},
    )

    assert response.status_code == 302 and response["Location"].endswith("#scorecard")
    dispute = Dispute.objects.get()
    assert (dispute.case_id, dispute.check_id, dispute.raised_by_id, dispute.note, dispute.status) == (
        case.pk,
        "options_weighed",
        alice.pk,
        WHY,
        "open",
    )
    assert (
        dispute.failed_reason == "Only one option (“Refund £60”) was listed: nothing was weighed against it."
    )
    assert dispute.raised_at == clock.now() or dispute.raised_at <= timezone.now()
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Disputed: Waiting for a decision" in page


def test_an_empty_note_is_a_clear_error_and_nothing_is_recorded(client, report_case, alice):
    case = closed_resolved(report_case, alice, options=1)
    client.force_login(alice)
    response = client.post(
        reverse("cases:scorecard_dispute", args=[case.reference]),
        {"check_id": "options_weighed", "note": " "},
    )
    assert response.status_code == 400
    assert "Why the check is wrong: This field is required." in response.content.decode()
    assert dispute_rows() == []


def test_only_the_handler_may_dispute_and_only_a_failed_check_once(report_case, alice, dave, carol):
    case = closed_resolved(report_case, alice, options=1)
    for outsider in (dave, carol):
        with pytest.raises(PermissionDenied):
            disputes.dispute_raise(actor=outsider, case=case, check_id="options_weighed", note=WHY)
    with pytest.raises(DomainError, match="Only a failed check can be disputed"):
        disputes.dispute_raise(actor=alice, case=case, check_id="kept_informed", note=WHY)
    with pytest.raises(DomainError, match="There is no check 'nonsense'"):
        disputes.dispute_raise(actor=alice, case=case, check_id="nonsense", note=WHY)
    assert dispute_rows() == []
    disputes.dispute_raise(actor=alice, case=case, check_id="options_weighed", note=WHY)
    with pytest.raises(DomainError, match="is already disputed"):
        disputes.dispute_raise(actor=alice, case=case, check_id="options_weighed", note="Again")
    assert len(dispute_rows()) == 1


def test_a_page_post_by_someone_else_is_refused_and_changes_nothing(client, report_case, alice, dave):
    case = closed_resolved(report_case, alice, options=1)
    client.force_login(dave)
    response = client.post(
        reverse("cases:scorecard_dispute", args=[case.reference]),
        {"check_id": "options_weighed", "note": WHY},
    )
    assert response.status_code == 403
    assert dispute_rows() == []


def test_the_manager_sees_the_dispute_and_upholds_it_overturning_the_fail(client, report_case, alice, carol):
    case = closed_resolved(report_case, alice, options=1)
    dispute = disputes.dispute_raise(actor=alice, case=case, check_id="options_weighed", note=WHY)
    client.force_login(carol)

    page = client.get(reverse("quality:disputes")).content.decode()
    assert case.reference in page and WHY in page and "Options weighed (P3–P4)" in page

    response = client.post(
        reverse("quality:dispute_decide", args=[dispute.pk]), {"decision": "uphold", "note": ""}
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decided_by_id, dispute.decision_note) == ("upheld", carol.pk, "")
    line = next(line for line in selectors.scorecard_for(case).lines if line.id == "options_weighed")
    assert (line.result, line.words) == ("pass", "Pass (overturned on dispute)")
    assert (
        CheckResult.objects.get(case=case, check_id="options_weighed").result == "fail"
    )  # the engine's answer kept


def test_a_rejection_needs_a_note_and_keeps_the_fail(client, report_case, alice, carol):
    case = closed_resolved(report_case, alice, options=1)
    dispute = disputes.dispute_raise(actor=alice, case=case, check_id="options_weighed", note=WHY)
    client.force_login(carol)
    url = reverse("quality:dispute_decide", args=[dispute.pk])

    response = client.post(url, {"decision": "reject", "note": ""})
    assert response.status_code == 400 and "Say why the fail stands." in response.content.decode()
    assert Dispute.objects.get().status == "open"

    client.post(url, {"decision": "reject", "note": "Two options were possible: a repair too."})
    assert Dispute.objects.get().status == "rejected"
    line = next(line for line in selectors.scorecard_for(case).lines if line.id == "options_weighed")
    assert line.result == "fail"
    with pytest.raises(DomainError, match="already been decided"):
        disputes.dispute_decide(actor=carol, dispute=dispute, uphold=True)


def test_who_decides_managers_and_the_lead_of_the_handlers_team_never_the_handler(
    client, report_case, alice, dave, bob, carol, team
):
    case = closed_resolved(report_case, alice, options=1)
    dispute = disputes.dispute_raise(actor=alice, case=case, check_id="options_weighed", note=WHY)
    assert [d.pk for d in selectors.disputes_for_decider(user=bob)] == [dispute.pk]  # leads alice's team
    assert [d.pk for d in selectors.disputes_for_decider(user=carol)] == [dispute.pk]
    assert list(selectors.disputes_for_decider(user=dave)) == []
    assert list(selectors.disputes_for_decider(user=alice)) == []
    before = dispute_rows()
    for person in (alice, dave):
        client.force_login(person)
        response = client.post(reverse("quality:dispute_decide", args=[dispute.pk]), {"decision": "uphold"})
        assert response.status_code == 403
    assert dispute_rows() == before
    team.lead = None
    team.save()
    assert list(selectors.disputes_for_decider(user=bob)) == []


def test_outsiders_get_403_on_the_quality_pages_and_change_nothing(client, report_case, alice, charlie):
    case = closed_resolved(report_case, alice, options=1)
    dispute = disputes.dispute_raise(actor=alice, case=case, check_id="options_weighed", note=WHY)
    before = dispute_rows()
    client.force_login(charlie)
    for url in (reverse("quality:disputes"), reverse("quality:coverage")):
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("quality:dispute_decide", args=[dispute.pk]), {"decision": "uphold"}).status_code
        == 403
    )
    client.logout()
    assert client.get(reverse("quality:coverage")).status_code == 302
    assert dispute_rows() == before


# ---------------------------------------------------------------- coverage


@pytest.fixture
def handled(report_case, alice, dave, bob, team):
    """alice: one resolved (one option: options_weighed fails) and one unresolved of kind d, and a message
    sent on request; dave: one resolved with two options and a kept promise; all in alice's team."""
    a1 = closed_resolved(report_case, alice, options=1, team=team, subject="A1")
    a2 = report_case(subject="A2")
    services.case_assign(actor=alice, case=a2, assignee=alice)
    services.case_team_set(actor=alice, case=a2, team=team)
    services.case_classify(actor=alice, case=a2, source_kind="d", category_id=None)
    services.message_send(
        actor=alice,
        case=a2,
        body="Your parcel is on its way.",
        requested=True,
        send_anyway_reason="The test is not about the wording.",
    )
    services.case_close_unresolved(
        actor=alice,
        case=a2,
        reasons="The courier lost it and we cannot send another.",
        other_routes=["Citizens Advice"],
        reason_code="third_party",
        upheld="not_upheld",
    )
    d1 = closed_resolved(report_case, dave, promise=True, team=team, subject="D1")
    return a1, a2, d1


def ask_for(**kw) -> CoverageAsk:
    today = timezone.localdate(clock.now())
    return CoverageAsk(start=today - timedelta(days=29), end=today, **kw)


def test_coverage_figures_per_handler_and_team_are_exact(handled, alice, dave, team):
    found = coverage(ask_for())
    rows = {r.name: r for r in found.handlers}
    assert set(rows) == {"Alice", "Dave"}
    a, d = rows["Alice"], rows["Dave"]
    assert (a.cases, a.kinds) == (2, {"a": 1, "b": 0, "c": 0, "d": 1, "e": 0})
    assert (a.info_requested, a.info_unrequested) == (1, 1)  # asked: the update; unasked: the final response
    assert a.checks["options_weighed"] == {"pass": 0, "fail": 1, "n/a": 1}
    assert a.checks["unresolved_reasons_routes"] == {"pass": 1, "fail": 0, "n/a": 1}
    assert (d.cases, d.kinds["a"]) == (1, 1)
    assert d.checks["promises_kept"] == {"pass": 1, "fail": 0, "n/a": 0}
    [t] = found.teams
    assert (t.name, t.cases) == ("Deliveries", 3)
    assert found.checks["options_weighed"] == {"pass": 1, "fail": 1, "n/a": 1}
    [month] = found.months
    assert found.monthly[(month, "options_weighed")] == (1, 2)
    assert (a.procedure_steps, a.exceptions_agreed) == (0, 0)


def test_an_upheld_dispute_counts_as_a_pass_in_coverage(handled, alice, carol):
    a1 = handled[0]
    dispute = disputes.dispute_raise(actor=alice, case=a1, check_id="options_weighed", note=WHY)
    disputes.dispute_decide(actor=carol, dispute=dispute, uphold=True)
    found = coverage(ask_for())
    assert found.checks["options_weighed"] == {"pass": 2, "fail": 0, "n/a": 1}


def test_coverage_is_a_fixed_number_of_queries(handled, django_assert_num_queries):
    with django_assert_num_queries(12):
        coverage(ask_for())


def test_the_coverage_page_shows_the_tables_and_chart_in_a_fixed_number_of_queries(
    client, handled, carol, django_assert_num_queries
):
    client.force_login(carol)
    client.get(reverse("quality:coverage"))  # warm the session
    with django_assert_num_queries(18):
        response = client.get(reverse("quality:coverage"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Coverage by handler" in page and "Coverage by team" in page and "Deliveries" in page
    assert 'data-chart-json="' in page and "Share of applicable checks passed, by month of closing" in page


def test_an_agent_sees_only_their_own_coverage(client, handled, alice, dave):
    client.force_login(alice)
    page = client.get(reverse("quality:coverage")).content.decode()
    assert "Alice" in page and '<th scope="row">Dave</th>' not in page
    assert client.get(reverse("quality:coverage"), {"handler": "dave"}).status_code == 400
    found = coverage(ask_for(only_self=alice.pk, viewer=alice.pk))
    assert [r.name for r in found.handlers] == ["Alice"]


def test_a_supervisor_sees_their_teams_and_is_refused_another(client, handled, bob, carol):
    other = Team.objects.create(name="Billing")
    client.force_login(bob)
    page = client.get(reverse("quality:coverage")).content.decode()
    assert '<th scope="row">Dave</th>' in page and '<th scope="row">Alice</th>' in page
    assert client.get(reverse("quality:coverage"), {"team": other.pk}).status_code == 400
    client.force_login(carol)
    assert client.get(reverse("quality:coverage"), {"team": other.pk}).status_code == 200


def test_bad_filters_are_a_clear_400(client, handled, carol):
    client.force_login(carol)
    response = client.get(reverse("quality:coverage"), {"period": "custom", "from": "2026-05-01"})
    assert response.status_code == 400
    assert "Give both dates, From and To, for a period of your own." in response.content.decode()


def test_the_printable_record_shows_the_scorecard_with_the_timeline_entry_of_a_fail(
    client, report_case, alice
):
    case = closed_resolved(report_case, alice, options=1)
    client.force_login(alice)
    page = client.get(reverse("cases:record_html", args=[case.reference])).content.decode()
    seq = case.events.get(kind="option.added").seq
    assert "Handling scorecard" in page
    assert (
        "<dt>Options weighed (P3–P4)</dt><dd>Fail: Only one option (“Refund £60”) was listed: nothing was "
        f"weighed against it. (timeline entry #{seq})</dd>"
    ) in page
    assert "<dt>Promises kept (A3)</dt><dd>Does not apply: No promise was made to the customer.</dd>" in page
