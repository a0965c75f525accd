"""A search of several parts, each found in a case's identifiers or in its words (issue 12 §2), as every writer
changes them: on PostgreSQL both are in one row of ``search_case_words`` (migration search/0004), which the
triggers must keep in step with the cases, their customers and their messages.

Runs on whichever database the settings name (SQLite by default, PostgreSQL with DATABASE_URL set).
"""

from __future__ import annotations

import pytest
from django.db import connection

from putright.cases import selectors, services
from putright.cases.models import Case
from putright.channels.models import Message
from putright.customers.models import Customer
from putright.search.query import cases_matching, term_parse

pytestmark = pytest.mark.django_db


def found(text: str, user) -> list[str]:
    queue = selectors.case_queue(user=user, filters=selectors.QueueFilters(scope="all", include_closed=True))
    return [c.reference for c in cases_matching(queue, term_parse(text))]


@pytest.fixture
def georges(report_case):
    """Five cases around "George White": in the name, split between the name and the words, or neither."""

    def make(name: str, email: str, subject: str, description: str) -> Case:
        return report_case(
            customer_name=name,
            customer_email=email,
            subject=subject,
            description=description,
            order_reference="",
        )

    return {
        "both": make("George White", "george.white@example.com", "Kettle leaks", "Water everywhere."),
        "split": make(
            "George Black", "george.black@example.com", "Toaster broke", "The white plastic melted."
        ),
        "surname": make("Sam White", "sam@example.com", "Lid cracked", "It fell off."),
        "words": make("Ann Lee", "ann@example.com", "Call back", "George White from next door called."),
        "name": make("George Brown", "gb@example.org", "Door scratched", "Arrived damaged."),
    }


def refs(georges: dict[str, Case], *keys: str) -> list[str]:
    return [georges[key].reference for key in keys]


def test_each_part_is_found_in_the_identifiers_or_the_words_and_the_index_follows_every_writer(
    georges, alice
):
    # Both names in the identifiers (score 24: name and e-mail, each part), one in the name and one in the
    # words (12), then the case whose words alone hold both (the last tier).
    assert found("george white", alice) == refs(georges, "both", "split", "words")
    # A bulk update of a customer (no save(), no signal): "white" is now in Sam's name, beside "george".
    Customer.objects.filter(pk=georges["surname"].customer_id).update(name="George Whiteley")
    assert found("george white", alice) == refs(georges, "both", "surname", "split", "words")
    # A bulk update of a case's words: "white" leaves them.
    Case.objects.filter(pk=georges["split"].pk).update(description="Nothing to see.")
    assert found("george white", alice) == refs(georges, "both", "surname", "words")
    # A message brings "white" to a George's words; deleting it takes it away.
    services.message_receive(case=georges["name"], body="White smoke came out of it.")
    assert found("george white", alice) == refs(georges, "both", "surname", "name", "words")
    Message.objects.filter(case=georges["name"]).delete()
    assert found("george white", alice) == refs(georges, "both", "surname", "words")


def test_a_short_part_narrows_by_the_identifiers_and_a_part_missing_everywhere_finds_nothing(georges, alice):
    # "wh" narrows the Georges by their identifiers, and any case by the beginnings of words in its texts.
    assert found("george wh", alice) == refs(georges, "both", "words")
    assert found("white george", alice) == refs(georges, "both", "split", "words")
    assert found("george white zebra", alice) == []
    assert found("lee george white", alice) == refs(georges, "words")


def test_the_identifier_index_follows_bulk_updates_of_customers_and_cases(georges):
    """A bulk update (no service, no signal) still reaches the identifiers a search reads: on PostgreSQL both
    tables that hold them (the narrow one and the words table) agree; on SQLite the trigram table has them."""
    Customer.objects.filter(pk=georges["both"].customer_id).update(
        email="gw@example.net", phone="01632 960002"
    )
    Case.objects.filter(pk=georges["both"].pk).update(order_reference="HH-77001")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE w.ids = d.ids) FROM search_case_words w"
                " JOIN search_case_document d ON d.case_id = w.case_id"
            )
            assert cursor.fetchone() == (5, 5)
            cursor.execute("SELECT ids FROM search_case_words WHERE case_id = %s", [georges["both"].pk])
            assert cursor.fetchone()[0] == (
                f"{georges['both'].reference.lower()} george white gw@example.net 01632 960002 01632960002 hh-77001"
            )
        else:
            cursor.execute(
                "SELECT customer, order_reference FROM search_case_ids WHERE rowid = %s", [georges["both"].pk]
            )
            customer, order_reference = cursor.fetchone()
            assert ("gw@example.net" in customer, "01632 960002" in customer) == (True, True)
            assert order_reference == "HH-77001"
