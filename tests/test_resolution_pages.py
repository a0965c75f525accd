"""The case page: purchase facts, the statutory position, weighed options and negotiation (P1–P4, K3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Case, Option
from putright.resolution import services
from putright.resolution.defaults import defaults_ensure
from putright.resolution.models import Offer, RemedyCatalogueEntry
from putright.vocab import RemedyType, Status
from tests.conftest import aware

pytestmark = pytest.mark.django_db

NOW = aware(2026, 3, 10, 9, 0)
KETTLE_FORM = {
    "supply": "goods",
    "consumer": "on",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "fault": "on",
    "fault_reported_date": "2026-03-09",
    "cancellation_info_given": "on",
}


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(NOW):
        yield


def detail(case) -> str:
    return reverse("cases:detail", args=[case.reference])


def url(name: str, case, *args) -> str:
    return reverse(f"resolution:{name}", args=[case.reference, *args])


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_an_agent_records_the_facts_and_sees_the_statutory_position(client, alice, case_with_options):
    client.force_login(alice)
    response = client.post(url("facts_record", case_with_options), KETTLE_FORM, follow=True)

    assert response.status_code == 200
    assert page_messages(response) == ["Purchase facts saved: on these facts this is a statutory breach."]
    case = Case.objects.get(pk=case_with_options.pk)
    # Only what was given is stored; boxes left as the law assumes are not.
    assert case.purchase_facts == {
        "supply": "goods",
        "contract_date": "2026-03-01",
        "delivery_date": "2026-03-03",
        "fault": True,
        "fault_reported_date": "2026-03-09",
    }
    html = response.content.decode()
    assert "Statutory breach" in html
    assert (
        "Short-term right to reject for a full refund, with no deduction for use, until 2 April 2026" in html
    )
    assert "(G1)" in html and "(G5)" in html
    assert (
        "On us: the fault is presumed to have been there at delivery unless we prove otherwise (G9)." in html
    )
    assert "<strong>Unconfirmed:</strong> G13" in html
    assert 'type="date" name="delivery_date" value="2026-03-03"' in html
    assert "Add the statutory remedies as options" in html


def test_a_case_without_facts_invites_them_and_shows_no_finding(client, alice, case_with_options):
    client.force_login(alice)
    html = client.get(detail(case_with_options)).content.decode()
    assert "No purchase facts yet." in html
    assert "Statutory breach" not in html and "Ordinary service issue" not in html
    assert "Add the statutory remedies as options" not in html


def test_facts_errors_are_shown_beside_the_field_and_nothing_is_saved(client, alice, case_with_options):
    client.force_login(alice)
    response = client.post(
        url("facts_record", case_with_options), {**KETTLE_FORM, "fault_reported_date": "2026-03-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_facts_fault_reported_date"' in html
    assert "must not be before delivery_date (2026-03-03)" in html
    assert Case.objects.get(pk=case_with_options.pk).purchase_facts == {}

    response = client.post(
        url("facts_record", case_with_options), {**KETTLE_FORM, "delivery_date": "3rd March"}
    )
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_statutory_options_are_added_and_the_best_is_suggested_with_reasons(client, alice, case_with_options):
    services.case_facts_record(
        actor=alice,
        case=case_with_options,
        facts={"supply": "goods", "delivery_date": "2026-03-03", "fault": True},
    )
    client.force_login(alice)
    response = client.post(url("statutory_options_add", case_with_options), follow=True)
    assert page_messages(response) == [
        "Listed 3 statutory option(s): Short-term right to reject: full refund (G1); Repair at our cost (G5); "
        "Replacement at our cost (G5)."
    ]
    html = response.content.decode()
    # The customer asked for "A replacement machine". £449 is beyond alice's £100 limit, but each option is
    # the customer's legal right within the statutory ceiling and the price (K4.statutory): no approval.
    assert "Suggested best: Replacement at our cost (G5)" in html
    assert "It is what the customer asked for" in html
    assert "Needs approval" not in html
    assert "Within your authority" in html
    assert "Add the statutory remedies as options" not in html  # all of them are listed now
    replacement = Option.objects.get(case=case_with_options, statutory_remedy="replace")
    # Its form comes with the reasons' factors ticked; the others ask why not the suggestion.
    assert f'value="customer_preference" id="id_rec{replacement.pk}_factors_1" checked' in html
    assert f'id="id_rec{replacement.pk}_override_reason"' not in html
    repair = Option.objects.get(case=case_with_options, statutory_remedy="repair")
    assert f'id="id_rec{repair.pk}_override_reason"' in html

    # Recommending another option without a reason is refused beside the field.
    response = client.post(
        reverse("cases:option_recommend", args=[case_with_options.reference, repair.pk]),
        {"justification": "Cheaper for us.", "factors": ["cost", "feasibility"]},
    )
    assert response.status_code == 400
    assert "The suggested best option is “Replacement at our cost (G5)”: say why you recommend another." in (
        response.content.decode()
    )
    assert Case.objects.get(pk=case_with_options.pk).status == Status.OPTIONS

    response = client.post(
        reverse("cases:option_recommend", args=[case_with_options.reference, repair.pk]),
        {
            "justification": "Cheaper for us.",
            "factors": ["cost", "feasibility"],
            "override_reason": "The customer told us they would rather keep this machine.",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=case_with_options.pk)
    assert (case.status, case.recommended_option) == (Status.AWAITING_CUSTOMER, repair)


def test_a_catalogue_entry_prefills_the_option_form(client, alice, case_with_options):
    defaults_ensure()
    entry = RemedyCatalogueEntry.objects.get(name="Goodwill credit")
    client.force_login(alice)
    html = client.get(detail(case_with_options), {"catalogue": entry.pk}).content.decode()
    assert '<details id="add-option" open>' in html
    assert 'name="title" value="Goodwill credit"' in html
    assert 'name="amount" value="20.00"' in html
    assert '<option value="discretionary" selected>' in html
    assert "Looks like a brush-off if offered instead of a legal remedy." in html
    # A made-up entry prefills nothing, and nothing is listed until the agent submits.
    html = client.get(detail(case_with_options), {"catalogue": "999999"}).content.decode()
    assert 'name="title" maxlength="200" required' in html
    assert not Option.objects.filter(case=case_with_options).exists()


def test_the_negotiation_is_recorded_and_shown_from_the_page(client, alice, case_with_options):
    option = case_services.option_add(
        actor=alice,
        case=case_with_options,
        option=case_services.OptionInput(
            title="Partial refund", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("40")
        ),
    )
    client.force_login(alice)
    response = client.post(
        url("offer_make", case_with_options),
        {"option": option.pk, "method": "phone", "terms": "To your card"},
        follow=True,
    )
    assert page_messages(response) == ["Offer recorded and confirmed to the customer in writing."]
    response = client.post(
        url("offer_counter", case_with_options),
        {"option": option.pk, "amount": "55.00", "method": "email", "terms": "£55 and I keep it"},
        follow=True,
    )
    assert page_messages(response) == ["The customer's counter-offer is recorded."]
    html = response.content.decode()
    assert html.index("Us: Offer") < html.index("Customer: Counter-offer")
    assert "£55 and I keep it" in html
    counter = Offer.objects.get(kind=Offer.Kind.COUNTER_OFFER)
    assert url("offer_settle", case_with_options, counter.pk) in html

    response = client.post(url("offer_settle", case_with_options, counter.pk), {"note": "Fair"}, follow=True)
    assert page_messages(response) == ["Accepted on the customer's terms and proposed to them to confirm."]
    option.refresh_from_db()
    assert option.amount == Decimal("55.00")
    assert "Us: Accepted" in response.content.decode()


def test_an_invalid_counter_offer_is_shown_with_its_error(client, alice, case_with_options):
    option = case_services.option_add(
        actor=alice,
        case=case_with_options,
        option=case_services.OptionInput(title="Credit", remedy_type=RemedyType.GOODWILL_CREDIT),
    )
    client.force_login(alice)
    response = client.post(url("offer_counter", case_with_options), {"option": option.pk, "method": "phone"})
    assert response.status_code == 400
    assert 'href="#id_counter_amount"' in response.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    "name, data",
    [
        ("facts_record", KETTLE_FORM),
        ("statutory_options_add", {}),
        ("offer_counter", {"amount": "1", "method": "phone"}),
    ],
)
def test_someone_without_a_role_gets_403_and_nothing_changes(client, charlie, case_with_options, name, data):
    client.force_login(charlie)
    assert client.post(url(name, case_with_options), data).status_code == 403
    assert client.get(detail(case_with_options)).status_code == 403
    case = Case.objects.get(pk=case_with_options.pk)
    assert case.purchase_facts == {}
    assert not Option.objects.filter(case=case).exists()
    assert not Offer.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client, case_with_options):
    response = client.post(url("facts_record", case_with_options), KETTLE_FORM)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert Case.objects.get(pk=case_with_options.pk).purchase_facts == {}


def test_a_get_on_an_action_url_goes_back_to_the_case(client, alice, case_with_options):
    client.force_login(alice)
    response = client.get(url("facts_record", case_with_options))
    assert (response.status_code, response["Location"]) == (302, detail(case_with_options))


def test_the_admin_keeps_the_catalogue_and_the_weights(admin_client):
    defaults_ensure()
    assert admin_client.get(reverse("admin:resolution_remedycatalogueentry_changelist")).status_code == 200
    response = admin_client.get(reverse("admin:resolution_appraisalweight_changelist"))
    assert response.status_code == 200
    assert "Benefit to the customer" in response.content.decode()
    assert admin_client.get(reverse("admin:resolution_appraisalweight_add")).status_code == 403


def test_the_negotiation_is_on_the_printable_record_and_the_customers_timeline(
    client, alice, case_with_options
):
    from putright.channels.portal_links import portal_url

    option = case_services.option_add(
        actor=alice,
        case=case_with_options,
        option=case_services.OptionInput(
            title="Partial refund", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("40")
        ),
    )
    services.offer_make(actor=alice, option=option, method="phone")
    services.offer_counter_record(actor=alice, option=option, amount="65", method="email", terms="£65 please")

    client.force_login(alice)
    html = client.get(reverse("cases:record_html", args=[case_with_options.reference])).content.decode()
    assert ">Negotiation</h2>" in html
    assert "Us: Offer of £40.00 for <strong>Partial refund</strong>" in html
    assert (
        "The customer: Counter-offer of £65.00 for <strong>Partial refund</strong> · By email reply" in html
    )

    client.logout()
    portal = client.get(portal_url(case_with_options), follow=True).content.decode()
    assert "We offered: Partial refund, £40.00 (by phone)" in portal
    assert "Customer&#x27;s counter-offer on Partial refund: £65.00 (by email): £65 please" in portal
