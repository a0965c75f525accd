"""Teams in a real browser: a manager creates a team and marks a member away; a handler marks themselves
away from the header's link; the teams pages fit a laptop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.authority import teams
from putright.authority.models import Team
from putright.routing import rules
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.conftest import _user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_creates_a_team_and_marks_a_member_away(
    live_server, new_page, screenshot, carol, alice, dave
):
    page = new_page(1366, 768)
    sign_in(page, live_server.url, "carol")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    page.get_by_label("Team name").fill("Deliveries")
    page.get_by_label("Lead").select_option(label="Carol (carol)")
    page.get_by_label("Alice (alice)").check()
    page.get_by_label("Dave (dave)").check()
    page.get_by_role("button", name="Create the team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deliveries")
    expect_flash(page, "Team Deliveries created.")
    row = page.locator("tr[data-member=dave]")
    row.get_by_label("Note").fill("Off sick")
    row.get_by_role("button", name="Mark away dave").click()
    expect_flash(page, "dave is away.")
    expect(page.locator("tr[data-member=dave]")).to_contain_text("Away Off sick")
    expect(page.get_by_text("goes to Alice (round-robin, by username)")).to_be_visible()
    screenshot(page, "team-page-laptop")
    team = Team.objects.get()
    assert sorted(team.members.values_list("username", flat=True)) == ["alice", "dave"]
    assert teams.status_of(dave).away_note == "Off sick"


def test_a_handler_marks_themselves_away_from_the_header(live_server, new_page, alice):
    page = new_page(1366, 768)
    sign_in(page, live_server.url, "alice")
    page.get_by_role("link", name="Away or available").click()
    page.get_by_label("Away: give me no new cases").check()
    page.get_by_label("Note for colleagues").fill("Training day")
    page.get_by_role("button", name="Save").click()
    expect_flash(page, "You are marked away")
    expect(page.get_by_text("You are marked away (Training day)")).to_be_visible()
    assert teams.status_of(alice).away is True


def test_the_teams_pages_fit_a_phone(
    live_server, new_page, screenshot, django_user_model, carol, alice, dave
):
    admin = _user(django_user_model, "ada", "administrator", "Ada")
    team = teams.team_create(actor=admin, name="Products & returns", lead=carol, members=[alice, dave])
    teams.availability_set(actor=dave, user=dave, away=True, note="On leave until Monday")
    rules.rule_save(actor=admin, name="Everything else", team=team)
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "ada")
    for path, name in [
        ("/teams/", "teams-list-phone"),
        (f"/teams/{team.pk}/", "team-page-phone"),
        ("/teams/rules/", "rules-phone"),
        ("/account/availability/", "availability-phone"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert_no_horizontal_scroll(page)
        screenshot(page, name)
