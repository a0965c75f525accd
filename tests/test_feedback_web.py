"""S4 pages: the feedback feed (filters, rising themes, weekly volume, constant query count) and
"Share as feedback" on the case workspace; outsiders see and change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from putright import clock
from putright.audit.models import Event
from putright.cases.models import Category
from putright.feedback import services
from putright.feedback.models import FeedbackItem
from tests.conftest import aware

pytestmark = pytest.mark.django_db

NOW = aware(2031, 5, 14, 12)  # a Wednesday


def _item(actor, text, *, days_ago=1, source="survey", satisfied=None, case=None, category=None):
    with clock.frozen(NOW - timedelta(days=days_ago)):
        item, _ = services.feedback_receive(
            actor=actor, source=source, text=text, satisfied=satisfied, case=case, category=category
        )
    return item


def _shown(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="feedback-(\d+)"', response.content.decode())]


@pytest.fixture
def feed(alice):
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    items = {
        "old_positive": _item(alice, "Lovely helpful staff", days_ago=20, satisfied=True),
        "rude": _item(
            alice, "The courier was rude and awful", days_ago=3, satisfied=False, category=delivery
        ),
        "comment": _item(alice, "Website is confusing", days_ago=2, source="comment"),
        "bare": _item(alice, "", days_ago=1, satisfied=True),
    }
    # Pinned, so these tests read the filters, not the text engine's judgement of each sentence.
    for key, sentiment in {"old_positive": "positive", "rude": "negative", "comment": "neutral"}.items():
        FeedbackItem.objects.filter(pk=items[key].pk).update(sentiment=sentiment)
    return items, delivery


def test_the_feed_lists_feedback_newest_first(client, alice, feed):
    items, _ = feed
    client.force_login(alice)
    with clock.frozen(NOW):
        response = client.get(reverse("feedback:feed"))
    assert response.status_code == 200
    expected = [items[k].pk for k in ("bare", "comment", "rude", "old_positive")]
    assert _shown(response) == expected
    assert "No comment given." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"source": "comment"}, ["comment"]),
        ({"sentiment": "negative"}, ["rude"]),
        ({"sentiment": "positive"}, ["bare", "old_positive"]),
        ({"sentiment": "neutral"}, ["comment"]),
        ({"category": "delivery"}, ["rude"]),
        ({"satisfied": "yes"}, ["bare", "old_positive"]),
        ({"satisfied": "no"}, ["rude"]),
        ({"satisfied": "unknown"}, ["comment"]),
        ({"q": "COURIER"}, ["rude"]),
        ({"date_from": "2031-05-11", "date_to": "2031-05-12"}, ["comment", "rude"]),
        ({"date_to": "2031-04-30"}, ["old_positive"]),
    ],
)
def test_each_filter_narrows_the_feed(client, alice, feed, params, keys):
    items, _ = feed
    client.force_login(alice)
    with clock.frozen(NOW):
        response = client.get(reverse("feedback:feed"), params)
    assert response.status_code == 200
    assert _shown(response) == [items[k].pk for k in keys]


@pytest.mark.parametrize(
    "params",
    [{"source": "tweet"}, {"date_from": "2031-02-30"}, {"date_from": "2031-05-12", "date_to": "2031-05-01"}],
)
def test_invalid_filters_are_shown_not_a_500(client, alice, feed, params):
    client.force_login(alice)
    response = client.get(reverse("feedback:feed"), params)
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()


def test_rising_themes_and_weekly_volume_are_shown(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "FEEDBACK_THEME_MIN_COUNT": 3}
    for i in range(4):
        _item(alice, f"Parcel left outside in the rain ({i})", days_ago=2 + i)
    _item(alice, "Parcel left outside", days_ago=20)
    _item(alice, "Friendly driver", days_ago=20)
    client.force_login(alice)
    with clock.frozen(NOW):
        response = client.get(reverse("feedback:feed"))
    page = response.content.decode()
    themes = page[page.index('id="themes"') : page.index('id="volume"')]
    assert "left outside" in themes
    # 4 of 4 texts now against 1 of 2 before: 2 expected, growth (4 + 1) / (2 + 1) = 1.7.
    assert re.search(r"left outside</a>\s*</th>\s*<td>4</td>\s*<td>1</td>\s*<td>×1\.7</td>", themes)
    # Twelve weeks up to this one (Monday 12 May), every item counted once.
    volume = response.context["weeks"]
    assert len(volume) == 12
    assert sum(w.total for w in volume) == 6
    assert volume[-1].week_start.isoformat() == "2031-05-12"


def test_the_feed_query_count_does_not_grow_with_items(client, alice, django_assert_max_num_queries):
    category = Category.objects.create(name="Delivery", slug="delivery")
    client.force_login(alice)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx, clock.frozen(NOW):
            response = client.get(reverse("feedback:feed"))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(_shown(response))

    for i in range(3):
        _item(alice, f"Late delivery {i}", category=category)
    few, rows_few = count_queries()
    for i in range(30):
        _item(alice, f"Late parcel {i}", category=category, days_ago=i % 10)
    with django_assert_max_num_queries(few):
        many, rows_many = count_queries()
    assert (rows_few, rows_many) == (3, 25)
    assert few == many


def test_outsiders_get_no_feed(client, charlie, feed):
    response = client.get(reverse("feedback:feed"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(charlie)
    assert client.get(reverse("feedback:feed")).status_code == 403


# ---------------------------------------------------------------- sharing from a case


def test_the_workspace_offers_share_as_feedback_and_it_lands_in_the_feed(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Share as feedback" in page
    assert reverse("feedback:share", args=[case.reference]) in page

    response = client.post(
        reverse("feedback:share", args=[case.reference]),
        {"text": "Customers keep asking about delivery slots"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("cases:detail", args=[case.reference]) + "#consultations")
    [item] = FeedbackItem.objects.all()
    assert (item.source, item.case_id, item.flagged_by) == ("colleague", case.pk, alice)
    feed_page = client.get(reverse("feedback:feed")).content.decode()
    assert "Customers keep asking about delivery slots" in feed_page
    assert "shared by Alice" in feed_page


def test_an_empty_note_is_not_shared(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    response = client.post(reverse("feedback:share", args=[case.reference]), {"text": "  "}, follow=True)
    assert "Not shared" in response.content.decode()
    assert FeedbackItem.objects.count() == 0


def test_outsiders_cannot_share_and_nothing_changes(client, charlie, report_case):
    case = report_case()
    url = reverse("feedback:share", args=[case.reference])
    events = Event.objects.count()
    assert client.post(url, {"text": "x"}).status_code == 302  # to sign in
    client.force_login(charlie)
    assert client.post(url, {"text": "x"}).status_code == 403
    assert FeedbackItem.objects.count() == 0
    assert Event.objects.count() == events


def test_sharing_needs_a_post_and_a_real_case(client, alice):
    client.force_login(alice)
    assert client.get(reverse("feedback:share", args=["PR-2031-000001"])).status_code == 405
    assert client.post(reverse("feedback:share", args=["PR-2031-999999"]), {"text": "x"}).status_code == 404
    assert client.post(reverse("feedback:share", args=["nonsense"]), {"text": "x"}).status_code == 404


def test_weekly_volume_puts_each_item_in_its_monday_to_sunday_week_by_sentiment(alice):
    from putright.feedback.selectors import FeedFilters, feedback_weekly_volume

    sunday_before = _item(alice, "a", days_ago=3)  # Sunday 11 May: the week of 5 May
    monday = _item(alice, "b", days_ago=2)  # Monday 12 May
    unread = _item(alice, "c", days_ago=1)
    for item, sentiment in ((sunday_before, "negative"), (monday, "positive"), (unread, "")):
        FeedbackItem.objects.filter(pk=item.pk).update(sentiment=sentiment)
    with clock.frozen(NOW):
        weeks = feedback_weekly_volume(user=alice, filters=FeedFilters(), weeks=2)
    assert [(w.week_start.isoformat(), w.negative, w.neutral, w.positive, w.unread) for w in weeks] == [
        ("2031-05-05", 1, 0, 0, 0),
        ("2031-05-12", 0, 0, 1, 1),
    ]
