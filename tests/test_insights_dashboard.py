"""The insights dashboard (issue 13 §3): the page answers at once and each section comes as a fragment;
exact figures from hand-built cases, the change against the previous period, "too few", targets; filters
validated (400 with a clear message); who sees what (another team's figures refused, nothing leaked);
and the click-through: the queue lists exactly as many cases as the number clicked, for every link."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from putright import clock
from putright.audit.models import Event
from putright.authority.models import Team
from putright.cases.models import Case, UnresolvedReason
from putright.engines.metrics import Period
from putright.insights.behind import PARTS, cases_behind
from putright.insights.metrics import measure
from putright.insights.models import MetricTarget
from putright.insights.sql import Filters
from putright.pages.insights_dashboard import SECTION_NAMES
from putright.pages.insights_filters import named_period, period_words
from putright.pages.insights_sections import buckets, change
from putright.vocab import Channel, Status, Upheld
from tests.insights_fixtures import at, case, event, option

pytestmark = pytest.mark.django_db

JULY = "period=custom&from=2026-07-01&to=2026-07-31"
NOW = at(2026, 8, 3, 12)
LINK = re.compile(r'<a href="(/cases/\?insight=[^"]+)" aria-label="([^"]*)">([\d,]+)</a>')


@pytest.fixture(autouse=True)
def august():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def teams(alice, bob, dave):
    red = Team.objects.create(name="Red", lead=bob)
    blue = Team.objects.create(name="Blue")
    red.members.add(alice)
    blue.members.add(dave)
    return red, blue


@pytest.fixture
def book(teams, alice, dave):
    """Five cases opened in July (two Red, two Blue, one in no team), one in June (the previous period)."""
    red, blue = teams
    reason = UnresolvedReason.objects.order_by("position", "pk").first()
    a = case(at(2026, 7, 1), team=red, assignee=alice, category_slug="delivery")
    b = case(
        at(2026, 7, 2),
        team=red,
        assignee=alice,
        category_slug="delivery",
        channel=Channel.EMAIL,
        status=Status.CLOSED_RESOLVED,
        closed=at(2026, 7, 5),
        csat=5,
        satisfaction_asked_at=at(2026, 7, 5),
        upheld=Upheld.UPHELD,
    )
    option(b, "40.00")
    c = case(
        at(2026, 7, 3),
        team=blue,
        assignee=dave,
        category_slug="faulty",
        status=Status.CLOSED_UNRESOLVED,
        closed=at(2026, 7, 10),
        unresolved_reason=reason,
        upheld=Upheld.NOT_UPHELD,
    )
    event(c, "case.delivered", at(2026, 7, 6))
    event(c, "case.reopened", at(2026, 7, 8))
    d = case(at(2026, 7, 4), team=blue, assignee=dave, category_slug="faulty", channel=Channel.PHONE)
    e = case(at(2026, 7, 20), category_slug="delivery")
    f = case(at(2026, 6, 10), team=red, assignee=alice, category_slug="delivery")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "reason": reason}


def fragment(client, name, query=JULY, **headers):
    return client.get(f"/insights/section/{name}/?{query}", HTTP_HX_REQUEST="true", **headers)


def links(body: str) -> list[tuple[str, str, int]]:
    return [(html.unescape(h), label, int(n.replace(",", ""))) for h, label, n in LINK.findall(body)]


def listed(client, href) -> int:
    response = client.get(href)
    assert response.status_code == 200, response.content.decode()[:2000]
    found = re.search(r'<span id="insight-count">([\d,]+) cases?</span>', response.content.decode())
    assert found, response.content.decode()[:3000]
    return int(found.group(1).replace(",", ""))


def tile(body: str, title: str) -> str:
    start = body.index(f'<h3 class="tile-title">{title}</h3>')
    return body[start : body.index("</li>", start)]


def text(fragment_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment_html)).split())


# ---------------------------------------------------------------- the page and its fragments


def test_the_page_answers_at_once_with_a_loading_fragment_per_section(client, carol, book):
    client.force_login(carol)
    response = client.get(f"/insights/?{JULY}")
    assert response.status_code == 200
    body = response.content.decode()
    for name in SECTION_NAMES:
        url = f"/insights/section/{name}/?period=custom&amp;from=2026-07-01&amp;to=2026-07-31"
        assert f'hx-get="{url}" hx-trigger="load"' in body
        assert f'<a href="{url}">' in body  # without JavaScript: the same section as a page
    assert body.count('role="status">Loading…') == len(SECTION_NAMES)
    assert "1–31 Jul 2026, against the 31 days before (31 May – 30 Jun 2026)" in text(body)
    assert 'href="/insights/" aria-current="page">Insights</a>' in body


def test_a_section_without_javascript_is_a_page_of_its_own(client, carol, book):
    client.force_login(carol)
    response = client.get(f"/insights/section/volume/?{JULY}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Cases opened</h1>" in body and "<html" in body
    assert "<html" not in fragment(client, "volume").content.decode()
    assert client.get("/insights/section/nothing/").status_code == 404


def test_headline_tiles_exact_figures_change_and_targets(client, carol, book):
    MetricTarget.objects.create(metric_id="reopen_rate", target=0.1, set_at=NOW)
    MetricTarget.objects.create(metric_id="csat", target=0.8, set_at=NOW)
    client.force_login(carol)
    body = fragment(client, "headline").content.decode()
    volume = text(tile(body, "Cases opened"))
    assert volume == "Cases opened 5 5 cases opened Against the previous period: ▲ up +4 (+400%) from 1"
    # Reopen rate: C was reopened 2 days after it was put right; 1 of the 2 cases closed in July.
    reopen = text(tile(body, "Reopen rate"))
    assert reopen == (
        "Reopen rate 50.0% 1 reopened of 2 cases closed "
        "Against the previous period: No figure to compare Target at most 10.0%: ✗ not met"
    )
    csat = text(tile(body, "Satisfaction (CSAT)"))
    assert csat == (
        "Satisfaction (CSAT) Too few answers 1 satisfied of 1 answers; response rate 100.0%: answered of 1 "
        "asked Against the previous period: No figure to compare Target at least 80.0%: no figure yet"
    )
    resolve = text(tile(body, "Time to resolve"))
    assert resolve.startswith("Time to resolve 72.0 h 90th percentile 72.0 h; median 1.0 business days")
    # Open at the end of July: A, D, E, and F (opened in June); at the end of June: F.
    backlog = text(tile(body, "Backlog"))
    assert backlog == (
        "Backlog 4 4 cases open at the end of the period Against the previous period: ▲ up +3 (+300%) from 1, worse"
    )


def test_the_change_is_arrow_sign_and_words():
    assert change("csat", 0.9, 0.8).text == "▲ up +10.0 points from 80.0%, better"
    assert change("csat", 0.8, 0.9).tone == "worse"
    assert change("time_to_resolve", 10.0, 12.5).text == "▼ down −2.5 h from 12.5 h, better"
    assert change("volume", 3, 3).text == "→ no change from 3"
    assert change("volume", 0, 4).text == "▼ down −4 (−100%) from 4"
    assert change("nps", None, 10).text == "No figure to compare"


def test_periods_and_trend_buckets():
    today = NOW.date()
    assert named_period("last_7", today) == Period(today.replace(day=28, month=7), today)
    assert named_period("last_month", today) == Period(at(2026, 7, 1).date(), at(2026, 7, 31).date())
    assert named_period("this_quarter", today) == Period(at(2026, 7, 1).date(), today)
    assert named_period("last_quarter", today) == Period(at(2026, 4, 1).date(), at(2026, 6, 30).date())
    july = Period(at(2026, 7, 1).date(), at(2026, 7, 31).date())
    assert [b.days for b in buckets(july)] == [7, 7, 7, 7, 3]
    assert period_words(july) == "1–31 Jul 2026"


def test_sections_show_the_tables_behind_the_charts(client, carol, book):
    client.force_login(carol)
    volume = text(fragment(client, "volume").content.decode())
    assert "Cases opened by category Category This period Previous period Change" in volume
    assert "delivery 3 1 ▲ up +2 (+200%) from 1 faulty 2 — No figure to compare" in volume
    assert "Web form 3" in volume and "Phone 1" in volume
    outcomes = text(fragment(client, "outcomes").content.decode())
    assert (
        f"Closed unresolved, by reason Reason This period Previous period Change {book['reason'].label} 1"
        in outcomes
    )
    assert "Escalation rate 0.0% 0 5" in outcomes
    satisfaction = text(fragment(client, "satisfaction").content.decode())
    assert "All teams Too few answers (1) 1 1 1 100.0%" in satisfaction
    assert "Red Too few answers (1) 1 1 1 100.0%" in satisfaction
    workload = text(fragment(client, "workload").content.decode())
    assert "alice 2 1 dave 1 1 Unassigned 1 0 All handlers 4 2" in workload
    remedies = text(fragment(client, "remedies").content.decode())
    assert "Full refund £40.00" in remedies
    backlog = text(fragment(client, "backlog").content.decode())
    assert "0–2 days" not in backlog or backlog.index("3–7 days") > backlog.index("0–2 days")
    # Every chart's JSON is in the fragment, each with a table.
    body = fragment(client, "outcomes").content.decode()
    assert 'id="outcomes-reason-canvas" data-chart-json="{&quot;type&quot;: &quot;bar&quot;' in body
    assert '<table class="insight-table">' in body
    # No clocks in the book: no chart, and the page says so beside the empty table.
    deadlines = text(fragment(client, "deadlines").content.decode())
    assert "Share of deadlines met, by regime: nothing to draw in this period." in deadlines


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    "query, message",
    [
        ("period=custom&from=2026-07-31&to=2026-07-01", "From (31 Jul 2026) is after To (01 Jul 2026)."),
        ("period=custom&from=2026-07-01", "Give both dates, From and To, for a period of your own."),
        ("period=custom&from=yesterday&to=2026-07-01", "From: Enter a valid date."),
        ("period=fortnight", "Period: Select a valid choice. fortnight is not one of the available choices."),
        ("period=custom&from=2001-01-01&to=2026-07-01", "A period may be at most 3660 days."),
        ("period=custom&from=0001-01-01&to=0001-01-01", "Give dates in the years 2000 to 2999."),
        ("from=2026-07-01&to=9999-12-31", "Give dates in the years 2000 to 2999."),
        ("period=last_7&team=abc", "Team: Select a valid choice. abc is not one of the available choices."),
        (
            "period=last_7&channel=pigeon",
            "Channel: Select a valid choice. pigeon is not one of the available choices.",
        ),
        (
            "period=last_7&category=nope",
            "Category: Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_bad_filters_are_a_400_with_a_clear_message(client, carol, book, query, message):
    client.force_login(carol)
    for response in (client.get(f"/insights/?{query}"), fragment(client, "volume", query)):
        assert response.status_code == 400
        assert message in html.unescape(response.content.decode())


def test_filters_narrow_every_figure(client, carol, book, teams):
    client.force_login(carol)
    red, _ = teams
    body = fragment(client, "headline", f"{JULY}&team={red.pk}").content.decode()
    assert text(tile(body, "Cases opened")).startswith("Cases opened 2 2 cases opened")
    body = fragment(client, "headline", f"{JULY}&channel=phone").content.decode()
    assert text(tile(body, "Cases opened")).startswith("Cases opened 1 1 cases opened")
    body = fragment(client, "headline", f"{JULY}&handler=dave&category=faulty").content.decode()
    assert text(tile(body, "Cases opened")).startswith("Cases opened 2 2 cases opened")


# ---------------------------------------------------------------- who sees what


def test_staff_see_their_own_teams_and_cannot_ask_for_another(client, alice, book, teams):
    red, blue = teams
    events = Event.objects.count()
    client.force_login(alice)
    page = client.get(f"/insights/?{JULY}").content.decode()
    assert f'<option value="{red.pk}">Red</option>' in page
    assert "Blue" not in page and ">Dave<" not in page  # neither the other team nor its people offered
    assert "The figures of your own teams." in page
    # Red's figures only: A and B (E has no team, C and D are Blue's).
    body = fragment(client, "headline").content.decode()
    assert text(tile(body, "Cases opened")).startswith("Cases opened 2 2 cases opened")
    assert "faulty" not in text(fragment(client, "volume").content.decode())
    # Another team, or one of its handlers: refused with a message, no figure shown.
    for query in (f"{JULY}&team={blue.pk}", f"{JULY}&handler=dave"):
        response = fragment(client, "headline", query)
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert "tile-value" not in response.content.decode()
    # The click-through cannot reach Blue's cases either.
    response = client.get(f"/cases/?insight=volume&part=opened&{JULY}&team={blue.pk}")
    assert response.status_code == 400
    assert book["c"].reference not in response.content.decode()
    assert listed(client, f"/cases/?insight=volume&part=opened&{JULY}") == 2
    # A supervisor leads a team: the same rule.
    assert Event.objects.count() == events  # reading figures changed nothing


def test_managers_see_every_team(client, carol, bob, book, teams):
    client.force_login(carol)
    body = fragment(client, "headline").content.decode()
    assert text(tile(body, "Cases opened")).startswith("Cases opened 5")
    client.force_login(bob)  # a supervisor, lead of Red
    body = fragment(client, "headline").content.decode()
    assert text(tile(body, "Cases opened")).startswith("Cases opened 2")


def test_outsiders_are_turned_away(client, book, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x")
    client.force_login(stranger)
    for url in (f"/insights/?{JULY}", f"/insights/section/headline/?{JULY}"):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert b"tile-value" not in response.content


# ---------------------------------------------------------------- the click-through


@pytest.mark.parametrize("who", ["carol", "alice"])
def test_every_count_on_the_dashboard_lists_exactly_that_many_cases(client, book, who, request):
    client.force_login(request.getfixturevalue(who))
    seen = set()
    for name in SECTION_NAMES:
        for href, label, number in links(fragment(client, name).content.decode()):
            assert label.startswith(f"List the {number:,} case"), label
            if href in seen:
                continue
            seen.add(href)
            assert listed(client, href) == number, (href, label)
    kinds = {re.search(r"insight=(\w+)&part=(\w+)", h).groups() for h in seen}
    groups = {unquote(re.search(r"group=([^&]+)", h).group(1)) for h in seen if "group=" in h}
    assert (
        len(kinds) >= 15
        and {"handler=alice", "category=faulty" if who == "carol" else "category=delivery"} <= groups
    )


def test_the_queue_names_the_cases_behind_and_links_back(client, carol, book):
    client.force_login(carol)
    reason = book["reason"].code
    url = f"/cases/?insight=unresolved_outcomes&part=unresolved&group=reason%3D{reason}&{JULY}"
    body = client.get(url).content.decode()
    label = book["reason"].label
    banner = f"Cases behind: Closed unresolved, closed unresolved, reason '{label}', 1–31 Jul 2026 — 1 case"
    assert text(body).count(banner) == 1
    assert book["c"].reference in body and book["a"].reference not in body
    assert (
        'href="/insights/?period=custom&amp;from=2026-07-01&amp;to=2026-07-31">Back to the dashboard</a>'
        in body
    )
    # The queue's own filters still narrow, and keep the insight.
    assert '<input type="hidden" name="insight" value="unresolved_outcomes">' in body
    assert listed(client, f"/cases/?insight=volume&part=opened&{JULY}&status=new") == 3


def test_a_click_through_with_bad_dates_is_refused_not_a_500(client, carol, book):
    client.force_login(carol)
    response = client.get("/cases/?insight=volume&part=opened&period=custom&from=9999-12-31&to=9999-12-31")
    assert response.status_code == 400
    assert "Give dates in the years 2000 to 2999." in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "insight=promises_kept&part=kept",
            "Promises kept counts no cases, so there is no list of cases behind it.",
        ),
        ("insight=nothing&part=opened", "There is no metric 'nothing'."),
        ("insight=volume&part=closed", "Cases opened lists cases that are: opened; not 'closed'."),
        ("insight=volume&part=opened&group=regime%3Ddisp", "volume cannot list cases by 'regime'"),
        ("insight=volume&part=opened&group=statistic%3Dp90", "a group is one dimension=value"),
    ],
)
def test_a_click_through_that_lists_nothing_says_why(client, carol, book, query, message):
    client.force_login(carol)
    response = client.get(f"/cases/?{query}&{JULY}")
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert book["a"].reference not in response.content.decode()


def test_cases_behind_agree_with_measure_for_every_part(book):
    """The selector and the metric count the same cases: every part of every metric, every group."""
    start, end = at(2026, 7, 1).date(), at(2026, 7, 31).date()
    for metric_id, parts in PARTS.items():
        for part in parts:
            behind = cases_behind(metric_id, part=part, start=start, end=end, filters=Filters())
            assert behind.cases.count() == len(set(behind.cases.values_list("pk", flat=True)))
    assert (
        cases_behind("volume", part="opened", start=start, end=end).cases.count()
        == measure("volume", start=start, end=end).rows[0].value
    )
    assert Case.objects.count() == 6


# ---------------------------------------------------------------- queries


def _count(client, name) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert fragment(client, name).status_code == 200
    return len(ctx.captured_queries)


# Queries per fragment for July (5 weekly buckets), the same whatever the number of cases: each figure is
# one aggregate query beside the measurement's settings (windows, region, the calendar's extent) and the
# rollup's refresh (one statement when nothing changed); a trend is one measurement, its parts one query.
PINNED = {
    "headline": 83,
    "volume": 41,
    "speed": 65,
    "deadlines": 27,
    "satisfaction": 34,
    "outcomes": 79,
    "remedies": 26,
    "workload": 11,
    "backlog": 16,
}


def test_each_fragment_costs_the_same_queries_whatever_the_number_of_cases(
    client, carol, book, teams, django_assert_num_queries
):
    client.force_login(carol)
    for name in SECTION_NAMES:  # the first measurement fills the business-day calendar once
        fragment(client, name)
    before = {name: _count(client, name) for name in SECTION_NAMES}
    red, _ = teams
    for i in range(12):
        c = case(
            at(2026, 7, 1 + i), team=red, status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 2 + i), csat=4
        )
        option(c, "10.00")
    # The first fragment after the changes rolls them up (insights.rollup): the claim's two companions, once.
    assert _count(client, SECTION_NAMES[0]) == before[SECTION_NAMES[0]] + 2
    after = {name: _count(client, name) for name in SECTION_NAMES}
    assert after == before
    for name, pinned in PINNED.items():
        with django_assert_num_queries(pinned):
            fragment(client, name)
