"""K3 on the customer's link: they answer our open offer with an amount of their own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from putright.audit.models import Event
from putright.cases import services
from putright.channels.models import Alert
from putright.resolution import services as resolution
from putright.resolution.models import Offer
from putright.vocab import RemedyType
from tests.customer_link import open_case

pytestmark = pytest.mark.django_db


def url(client, case, name: str = "case") -> str:
    return open_case(client, case, name)


@pytest.fixture
def offered(case_with_options, alice):
    """Alice handles the case and has offered a £40 goodwill credit by phone."""
    services.case_assign(actor=alice, case=case_with_options, assignee=alice)
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Goodwill credit", remedy_type=RemedyType.GOODWILL_CREDIT, amount=Decimal("40.00")
        ),
    )
    offer = resolution.offer_make(actor=alice, option=option, method="phone", terms="Credit on your account")
    case_with_options.refresh_from_db()
    return case_with_options, offer


def test_the_customer_sees_our_offer_and_counters_it_and_the_handler_is_alerted(client, offered, alice):
    case, ours = offered
    page = client.get(url(client, case)).content.decode()
    assert "Our offer" in page and "£40.00" in page and "Credit on your account" in page

    response = client.post(
        url(client, case, "counter_offer"), {"amount": "65.50", "terms": "And a delivery refund"}
    )

    assert response.status_code == 303
    counter = Offer.objects.get(kind=Offer.Kind.COUNTER_OFFER)
    assert (counter.party, counter.amount, counter.method, counter.responds_to_id, counter.recorded_by) == (
        Offer.Party.CUSTOMER,
        Decimal("65.50"),
        "portal",
        ours.pk,
        None,
    )
    event = Event.objects.filter(case=case).order_by("-seq").first()
    assert (event.kind, event.customer_visible, event.actor) == ("offer.countered", True, None)
    assert "£65.50" in event.summary and "And a delivery refund" in event.summary
    alert = Alert.objects.get(recipient=alice, kind=Alert.Kind.CUSTOMER_MESSAGE)
    assert "£65.50" in alert.text
    # Answered once: the form is gone, and a second post changes nothing.
    assert "Send my counter-offer" not in client.get(url(client, case)).content.decode()
    client.post(url(client, case, "counter_offer"), {"amount": "70.00"})
    assert Offer.objects.filter(kind=Offer.Kind.COUNTER_OFFER).count() == 1


@pytest.mark.parametrize("amount", ["", "-1", "abc", "10.001", "2000000"])
def test_a_bad_amount_is_shown_beside_the_field_and_nothing_is_recorded(client, offered, amount):
    case, _ = offered
    events = Event.objects.filter(case=case).count()
    response = client.post(url(client, case, "counter_offer"), {"amount": amount})
    assert response.status_code == 400
    assert 'id="counter_amount"' in response.content.decode()
    assert response.context["forms"]["counter"].errors["amount"]
    assert not Offer.objects.filter(kind=Offer.Kind.COUNTER_OFFER).exists()
    assert Event.objects.filter(case=case).count() == events


def test_with_no_offer_of_ours_there_is_nothing_to_counter(client, case_with_options):
    page = client.get(url(client, case_with_options)).content.decode()
    assert "Our offer" not in page
    response = client.post(url(client, case_with_options, "counter_offer"), {"amount": "10.00"})
    assert response.status_code == 303  # back to the case, with a message: the page was stale
    assert not Offer.objects.exists()


def test_the_handler_settles_the_customers_counter_offer(client, offered, alice):
    case, _ = offered
    client.post(url(client, case, "counter_offer"), {"amount": "55.00"})
    counter = Offer.objects.get(kind=Offer.Kind.COUNTER_OFFER)
    resolution.offer_settle(actor=alice, offer=counter)
    counter.option.refresh_from_db()
    assert counter.option.amount == Decimal("55.00")
    assert Offer.objects.filter(responds_to=counter, kind=Offer.Kind.ACCEPTED).exists()
