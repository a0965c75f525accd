"""Search that finds (issue 12 §2): every searchable field, parts of references, ranking, the count and the
"No cases match" message, the index kept by database triggers, who may search, and constant query counts.

Runs on whichever database the settings name: SQLite by default, PostgreSQL with DATABASE_URL set (CI runs
both), so each field is proven on both.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from putright.cases import selectors, services
from putright.cases.models import Case
from putright.channels.models import Message
from putright.customers.models import Customer
from putright.search import query as search_query
from putright.search.query import cases_matching, term_parse
from tests.test_api import token_for

pytestmark = pytest.mark.django_db

REFS = re.compile(r'data-reference="(PR-\d{4}-\d{6})"')


def shown(response) -> list[str]:
    return REFS.findall(response.content.decode())


def found(text: str, *, include_closed: bool = True, user=None) -> list[str]:
    """References the search finds, best first, over every case (as the header's box searches)."""
    queue = selectors.case_queue(
        user=user, filters=selectors.QueueFilters(scope="team", include_closed=include_closed)
    )
    return [c.reference for c in cases_matching(queue, term_parse(text))]


@pytest.fixture
def world(report_case, alice):
    """Priya's kettle case with a message from her, Tom's parcel case, and Ravi's closed fridge case."""
    priya = report_case(
        customer_name="Priya Shah",
        customer_email="priya.shah@example.com",
        customer_phone="07700 900123",
        order_reference="HH-55102",
        subject="Kettle stopped working",
        description="The switch snapped clean off after two uses.",
    )
    services.message_receive(case=priya, body="The courier left it at Juniper Cottage, soaked through.")
    tom = report_case(
        customer_name="Tom Baker",
        customer_email="tom.baker@example.net",
        customer_phone="",
        order_reference="ORD-771100",
        subject="Parcel never arrived",
        description="Tracking says delivered but the porch was empty.",
    )
    ravi = report_case(
        customer_name="Ravi Patel",
        customer_email="ravi@example.org",
        customer_phone="",
        order_reference="ORD-990001",
        subject="Fridge too warm",
        description="Milk goes off in a day.",
    )
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=ravi,
        reasons="Bought from another shop.",
        other_routes=["Manufacturer"],
    )
    return {"priya": priya, "tom": tom, "ravi": ravi}


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("Priya Shah", "priya"),  # the customer's name, whole
        ("priya", "priya"),  # part of it, any case
        ("shah", "priya"),
        ("priya.shah@example.com", "priya"),  # e-mail, whole
        ("shah@exam", "priya"),  # and a part of it
        ("07700 900123", "priya"),  # phone as typed
        ("07700900123", "priya"),  # and without its space
        ("HH-55102", "priya"),  # order reference
        ("55102", "priya"),  # part of it
        ("kettle", "priya"),  # subject
        ("snapped", "priya"),  # the customer's words
        ("Juniper Cottage", "priya"),  # a message
        ("parcel never", "tom"),
        ("porch", "tom"),
        ("ORD-771100", "tom"),
        ("Tom Baker", "tom"),
    ],
)
def test_each_searchable_field_finds_exactly_its_case(world, alice, text, who):
    assert found(text, user=alice) == [world[who].reference]


def test_a_reference_is_found_whole_or_by_any_part_with_or_without_its_year(world, alice):
    reference = world["tom"].reference  # PR-<year>-00000N
    year, number = reference.split("-")[1], reference.split("-")[2]
    for text in [reference, reference.lower(), f"{year}-{number}", number, f"{year}-{int(number)}"]:
        assert found(text, user=alice) == [reference], text


def test_a_number_written_with_a_hyphen_in_the_customers_words_is_found_by_its_number(report_case, alice):
    case = report_case(order_reference="", description="Order HH-48213 came a week late.")
    assert found("48213", user=alice) == [case.reference]
    assert found("HH-48213", user=alice) == [case.reference]


def test_every_word_must_match_somewhere(world, alice):
    assert found("priya parcel", user=alice) == []
    assert found("priya kettle", user=alice) == [world["priya"].reference]


def test_a_part_shorter_than_three_characters_is_still_honoured(world, alice):
    # In the texts by the beginnings of words ("sw": "switch"); in the identifiers of the cases a longer part
    # found there ("priya": her name; "sh" in "shah").
    assert found("kettle sw", user=alice) == [world["priya"].reference]
    assert found("priya sh", user=alice) == [world["priya"].reference]
    assert found("kettle zq", user=alice) == []
    assert found("priya zq", user=alice) == []
    # Not inside a word of the texts ("ah" in "Shah" is in no text of Priya's), and not in the identifiers of a
    # case found by its words: a part of one or two letters is in half the identifiers, it only narrows.
    assert found("kettle ah", user=alice) == []


def test_closed_cases_are_searched_only_when_asked(world, alice):
    assert found("fridge", include_closed=False, user=alice) == []
    assert found("fridge", include_closed=True, user=alice) == [world["ravi"].reference]


def test_the_exact_reference_ranks_first_and_a_subject_hit_above_a_message_hit(report_case, alice):
    in_subject = report_case(subject="Toaster sparks", description="It sparks when switched on.")
    in_message = report_case(subject="Late delivery", description="Two weeks late.")
    services.message_receive(case=in_message, body="And the toaster in the box was the wrong colour.")
    assert found("toaster", user=alice) == [in_subject.reference, in_message.reference]
    # The number of in_message's reference is part of no other case's text but its own.
    assert found(in_message.reference, user=alice)[0] == in_message.reference


def test_the_ranking_tiers_an_identifier_then_the_subject_then_the_rest_newest_reference_first(
    report_case, alice
):
    # Tiers, so the index ranks the first page alone: a part in an identifier, then every part in the
    # subject, then the customer's words or messages; within a tier, newest reference first.
    old_message = report_case(subject="Late delivery", description="Two weeks late.")
    services.message_receive(case=old_message, body="The blender arrived in pieces.")
    old_subject = report_case(subject="Blender cracked", description="The jug split.")
    new_subject = report_case(subject="Blender noisy", description="Very loud.")
    new_words = report_case(subject="Wrong colour", description="The blender is red, not blue.")
    in_name = report_case(
        customer_name="Bo Blenderman",
        customer_email="bo@example.com",
        subject="Toaster",
        description="Burnt.",
    )
    assert found("blender", user=alice) == [
        c.reference for c in [in_name, new_subject, old_subject, new_words, old_message]
    ]


def test_the_index_follows_every_writer_bulk_updates_included(world, alice):
    priya, tom = world["priya"], world["tom"]
    # A bulk update (no save(), no signal) of the customer: the database trigger keeps the index right.
    Customer.objects.filter(pk=priya.customer_id).update(
        name="Priya Kaur", email="pk@example.com", phone="01632 960001"
    )
    assert found("shah", user=alice) == []
    assert found("kaur", user=alice) == [priya.reference]
    assert found("01632960001", user=alice) == [priya.reference]
    Case.objects.filter(pk=tom.pk).update(subject="Parcel left in the rain")
    assert found("rain", user=alice) == [tom.reference]
    assert found("never arrived", user=alice) == []
    Message.objects.filter(case=priya, body__contains="Juniper").update(case=tom)
    assert found("juniper", user=alice) == [tom.reference]
    Message.objects.filter(case=tom, body__contains="Juniper").delete()
    assert found("juniper", user=alice) == []


def test_a_search_term_that_looks_like_sql_or_a_match_expression_is_only_text(world, alice):
    for text in [
        '" OR 1=1 --',
        "zzz*",
        "NEAR(priya shah)",
        "%",
        "_",
        "100%",
        "'; DROP TABLE cases_case; --",
    ]:
        assert found(text, user=alice) == [], text
    assert Case.objects.count() == 3


def test_term_parse_reads_parts_and_pads_a_reference_with_its_year():
    assert term_parse("  Priya   SHAH ").parts == ("priya", "shah")
    assert term_parse("PR-2026-241").parts == ("2026-000241",)
    assert term_parse("2026-000241").parts == ("2026-000241",)
    assert term_parse("priya priya").parts == ("priya",)
    assert not term_parse("   ")
    # A part with no letter or digit in it is not searched for: it would hide every case.
    assert term_parse("Click & Collect").parts == ("click", "collect")
    assert term_parse("kettle -").parts == ("kettle",)
    assert term_parse("& -").parts == ("&", "-")  # alone, kept: nothing holds them, so nothing matches


def test_punctuation_between_words_does_not_hide_the_cases_that_match_them(world, alice):
    assert found("Kettle & stopped", user=alice) == [world["priya"].reference]
    assert found("& -", user=alice) == []


# ---------------------------------------------------------------- the queue page and the header box


def test_the_queue_says_how_many_cases_match_and_lists_them(client, alice, world):
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), {"q": "Priya Shah"})
    assert response.status_code == 200
    assert shown(response) == [world["priya"].reference]
    assert "1 case matches “Priya Shah”, best match first" in response.content.decode()


def test_no_match_says_what_was_searched_and_where(client, alice, world):
    client.force_login(alice)
    html = client.get(reverse("cases:queue"), {"q": "fridge"}).content.decode()
    assert "No cases match “fridge”." in html
    assert "reference, customer&#x27;s name, e-mail and phone, order reference, subject" in html
    assert "in open cases only" in html
    assert "Tick “Include closed” to search closed cases too." in html
    html = client.get(reverse("cases:queue"), {"q": "zebra", "include_closed": "1"}).content.decode()
    assert "No cases match “zebra”." in html
    assert "in open and closed cases" in html


def test_the_search_help_text_the_field_points_at_is_rendered(client, alice, world):
    client.force_login(alice)
    html = client.get(reverse("cases:queue")).content.decode()
    assert 'aria-describedby="id_q_helptext"' in html
    assert 'id="id_q_helptext"' in html


def test_the_header_box_searches_every_case_closed_ones_too(client, alice, world):
    client.force_login(alice)
    html = client.get(reverse("cases:queue")).content.decode()
    box = re.search(r'<form[^>]*class="header-search".*?</form>', html, re.S).group(0)
    assert 'action="/cases/"' in box or f'action="{reverse("cases:queue")}"' in box
    assert '<label for="header-search-q"' in box
    params = dict(re.findall(r'<input type="hidden" name="(\w+)" value="(\w+)"', box))
    assert params == {"scope": "all", "include_closed": "1"}
    response = client.get(reverse("cases:queue"), {**params, "q": "fridge"})
    assert shown(response) == [world["ravi"].reference]


def test_the_search_keeps_the_queue_scope(client, alice, world):
    services.case_assign(actor=alice, case=world["tom"], assignee=alice)
    client.force_login(alice)
    assert shown(client.get(reverse("cases:queue"), {"q": "parcel", "scope": "mine"})) == [
        world["tom"].reference
    ]
    assert shown(client.get(reverse("cases:queue"), {"q": "kettle", "scope": "mine"})) == []


def test_a_search_too_long_is_a_clear_error_not_a_500(client, alice, world):
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), {"q": "x" * 201})
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()


def test_people_without_a_staff_role_cannot_search_and_nothing_changes(client, charlie, world):
    before = list(Case.objects.order_by("pk").values_list("reference", "subject", "status"))
    client.force_login(charlie)
    response = client.get(reverse("cases:queue"), {"q": "Priya"})
    assert response.status_code == 403
    assert "Priya" not in response.content.decode()
    client.logout()
    response = client.get(reverse("cases:queue"), {"q": "Priya"})
    assert response.status_code == 302
    assert list(Case.objects.order_by("pk").values_list("reference", "subject", "status")) == before


def test_the_search_page_costs_the_same_queries_for_one_match_or_many(
    client, alice, report_case, django_assert_num_queries
):
    report_case(subject="Blender blade loose")
    client.force_login(alice)
    client.get(reverse("cases:queue"), {"q": "blender"})  # warm the session and caches
    with django_assert_num_queries(QUEUE_QUERIES) as one:
        response = client.get(reverse("cases:queue"), {"q": "blender"})
    assert len(shown(response)) == 1
    for _ in range(4):
        report_case(subject="Blender jug cracked")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("cases:queue"), {"q": "blender"})
    assert len(shown(response)) == 5


# The session, the user and their roles, unread alerts with the open cases in My queue, the count and the
# page of cases, the saved filters, the category list (filters and bulk bar), the staff (bulk bar), the teams
# for the team picker and whether the user is in one: fixed, whatever the rows.
QUEUE_QUERIES = 12


# ---------------------------------------------------------------- the API's q


def test_the_api_list_takes_q_and_counts_the_matches(client, alice, world):
    headers = {"Authorization": f"Bearer {token_for(alice)}"}
    body = client.get("/api/cases", {"q": "HH-55102"}, headers=headers).json()
    assert body["count"] == 1
    assert [item["reference"] for item in body["items"]] == [world["priya"].reference]
    body = client.get("/api/cases", {"q": "fridge", "include_closed": "true"}, headers=headers).json()
    assert [item["reference"] for item in body["items"]] == [world["ravi"].reference]
    body = client.get("/api/cases", {"q": "nothing-like-this"}, headers=headers).json()
    assert body == {"count": 0, "count_capped": False, "items": []}


# ---------------------------------------------------------------- more matches than are listed


@pytest.fixture
def three_toasters(report_case):
    """Three cases that hold "toaster": the newest has it in the order reference (an identifier: first)."""
    older = report_case(subject="Toaster sparks", description="It sparks.", order_reference="")
    middle = report_case(subject="Late delivery", description="The toaster came late.", order_reference="")
    newest = report_case(subject="Wrong colour", description="Red, not blue.", order_reference="TOASTER-1")
    return [newest.reference, older.reference, middle.reference]  # best first: identifier, subject, words


def test_past_the_limit_a_search_counts_and_lists_the_best_only(monkeypatch, three_toasters, alice):
    monkeypatch.setattr(search_query, "COUNT_LIMIT", 2)
    queue = selectors.case_queue(user=alice, filters=selectors.QueueFilters(scope="all", include_closed=True))
    results = cases_matching(queue, term_parse("toaster"))
    assert (results.count(), results.capped) == (2, True)
    assert [c.reference for c in results] == three_toasters[:2]
    assert len(results.ids()) == 2
    monkeypatch.setattr(search_query, "COUNT_LIMIT", 3)
    results = cases_matching(queue, term_parse("toaster"))
    assert (results.count(), results.capped) == (3, False)
    assert [c.reference for c in results] == three_toasters


def test_the_queue_and_the_api_say_when_more_match_than_are_listed(
    monkeypatch, client, three_toasters, alice
):
    monkeypatch.setattr(search_query, "COUNT_LIMIT", 2)
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), {"q": "toaster", "scope": "all"})
    assert shown(response) == three_toasters[:2]
    assert (
        "More than 2 cases match “toaster”: the best 2 are listed, best match first."
        in response.content.decode()
    )
    # Sorted by a column: the best two, in that order (newest first).
    response = client.get(reverse("cases:queue"), {"q": "toaster", "scope": "all", "sort": "oldest"})
    assert shown(response) == sorted(three_toasters[:2])
    headers = {"Authorization": f"Bearer {token_for(alice)}"}
    body = client.get("/api/cases", {"q": "toaster", "scope": "all"}, headers=headers).json()
    assert (body["count"], body["count_capped"]) == (2, True)
    assert [item["reference"] for item in body["items"]] == three_toasters[:2]
    body = client.get(
        "/api/cases", {"q": "toaster", "scope": "all", "sort": "oldest"}, headers=headers
    ).json()
    assert (body["count"], body["count_capped"]) == (2, True)
    assert [item["reference"] for item in body["items"]] == sorted(three_toasters[:2])


def test_the_api_refuses_a_search_to_people_without_a_staff_role(client, charlie, world):
    response = client.get(
        "/api/cases", {"q": "Priya"}, headers={"Authorization": f"Bearer {token_for(charlie)}"}
    )
    assert response.status_code == 403
    assert "Priya" not in response.content.decode()


def test_the_index_exists_on_this_database():
    """The migration made the vendor's own index (the other vendor's table is absent)."""
    table = {"sqlite": "search_case_ids", "postgresql": "search_case_document"}[connection.vendor]
    assert table in connection.introspection.table_names(include_views=False) or _sqlite_virtual(table)


def _sqlite_virtual(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table])
        row = cursor.fetchone()
    return bool(row) and "tokenize = 'trigram'" in row[0]
