"""Other routes and the final letter, drafted from the rules (P5, A6; uk-rules A1–A6, F6, G13)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from putright.engines.routes import (
    AdrScheme,
    Decision,
    LetterInput,
    Sector,
    Supply,
    draft_letter,
    mentions_odr,
    routes_for,
)

REASONS = (
    "The leak comes from the plumbing under your sink, not the machine, so a repair by us cannot fix it."
)
RETAIL_ADR = AdrScheme("Retail ADR", "https://www.retailadr.org.uk", obliged=True)


def letter_input(**overrides) -> LetterInput:
    data: dict = dict(
        reference="PR-2026-000042",
        received=date(2026, 10, 1),
        final_response=date(2026, 11, 20),
        reasons=REASONS,
        signed_by="Alice Smith",
        organisation="Harbour & Hearth Ltd",
    )
    data.update(overrides)
    return LetterInput(**data)


def keys(inp: LetterInput) -> list[str]:
    return [r.key for r in routes_for(inp)]


# ---------------------------------------------------------------- routes per sector


def test_a_retailer_offers_its_obliged_adr_scheme_the_guarantee_advice_and_small_claims():
    inp = letter_input(adr=RETAIL_ADR, supply=Supply.GOODS)
    assert keys(inp) == ["adr", "warranty", "advice", "small_claims"]
    letter = draft_letter(inp)
    assert letter.rule_ids == ("A2", "G13")
    assert (
        "Retail ADR (https://www.retailadr.org.uk) is an independent alternative dispute resolution scheme, "
        "and we are obliged to use it." in letter.body
    )
    assert "Citizens Advice consumer service" in letter.body
    assert "0808 223 1133" in letter.body
    assert "https://www.gov.uk/make-court-claim-for-money" in letter.body
    assert letter.warnings == ()


def test_with_no_adr_scheme_a2_says_we_are_not_obliged_to_use_one():
    letter = draft_letter(letter_input())
    assert "We are not obliged to use an alternative dispute resolution scheme" in letter.body
    assert "A2" in letter.rule_ids
    assert keys(letter_input()) == ["advice", "small_claims"]


def test_a_voluntary_scheme_is_offered_without_claiming_we_must_use_it():
    inp = letter_input(adr=AdrScheme("Retail ADR", "https://www.retailadr.org.uk", obliged=False))
    letter = draft_letter(inp)
    assert "we are willing to use it" in letter.body
    assert "obliged to use it" not in letter.body
    adr = routes_for(inp)[0]
    assert (adr.key, adr.rule_ids) == ("adr", ())


def test_the_manufacturer_s_guarantee_is_offered_for_goods_only():
    assert "warranty" in keys(letter_input(supply=Supply.GOODS))
    for supply in (Supply.SERVICES, Supply.DIGITAL_CONTENT, Supply.UNKNOWN):
        assert "warranty" not in keys(letter_input(supply=supply))


def test_financial_firms_give_the_fos_with_the_f6_final_response_content():
    inp = letter_input(sector=Sector.FINANCIAL, disp=True)
    letter = draft_letter(inp)
    fos = routes_for(inp)[0]
    assert (fos.key, fos.name, fos.website) == (
        "fos",
        "Financial Ombudsman Service",
        "https://www.financial-ombudsman.org.uk",
    )
    assert fos.rule_ids == ("A3", "F6", "A2")
    assert fos.time_limit == "refer within 6 months of this letter, by 20 May 2027"
    body = letter.body
    assert "This letter is our final response." in body
    assert (
        "free of charge, but you must do so within six months of the date of this letter (by 20 May 2027)"
        in body
    )
    assert "the Ombudsman will not have our permission to consider it" in body
    assert "within six years of the event, or within three years of when you knew" in body
    assert "leaflet" in body
    assert set(letter.rule_ids) >= {"A3", "F6", "A2", "G13"}
    # The Ombudsman is the obliged scheme: no separate "not obliged" ADR paragraph.
    assert "not obliged" not in body


def test_a_firm_under_disp_gives_the_fos_whatever_sector_it_is_filed_under():
    inp = letter_input(sector=Sector.GENERAL, disp=True)
    assert keys(inp)[0] == "fos"
    assert "F6" in draft_letter(inp).rule_ids


def test_a_firm_that_waives_the_time_limits_says_so():
    body = draft_letter(
        letter_input(sector=Sector.FINANCIAL, disp=True, waive_ombudsman_time_limits=True)
    ).body
    assert "we will not object to the Ombudsman considering it" in body
    assert "will not have our permission" not in body


def test_payment_services_add_f7_to_the_rules_applied():
    letter = draft_letter(letter_input(sector=Sector.FINANCIAL, disp=True, payment_services=True))
    assert "F7" in letter.rule_ids


def test_a_financial_firm_without_disp_is_warned_to_check_the_wording():
    letter = draft_letter(letter_input(sector=Sector.FINANCIAL, disp=False))
    assert "F6" not in letter.rule_ids
    assert any("DISP" in w for w in letter.warnings)


def test_energy_deadlock_letters_say_what_a4_requires():
    inp = letter_input(sector=Sector.ENERGY)
    letter = draft_letter(inp)
    assert keys(inp)[0] == "energy_ombudsman"
    body = letter.body
    assert "Energy Ombudsman" in body
    assert "independent and free to use" in body
    assert (
        "apologise or explain, take practical action to put things right, or pay you a financial award"
        in body
    )
    assert "If you accept its decision, we must follow it. You do not have to accept it" in body
    assert "within 12 months of this letter (by 20 November 2027)" in body
    assert "A4" in letter.rule_ids


def test_communications_providers_name_their_compulsory_scheme():
    scheme = AdrScheme("Communications Ombudsman", "https://www.commsombudsman.org", obliged=True)
    inp = letter_input(sector=Sector.COMMUNICATIONS, adr=scheme)
    letter = draft_letter(inp)
    route = routes_for(inp)[0]
    assert (route.key, route.name, route.rule_ids) == ("adr", "Communications Ombudsman", ("A5", "A2"))
    assert "Every communications provider must belong to an approved scheme" in letter.body
    assert "eight weeks after you first made it" in letter.body
    assert letter.warnings == ()


def test_a_communications_provider_with_no_scheme_set_is_warned():
    letter = draft_letter(letter_input(sector=Sector.COMMUNICATIONS))
    assert any(w.startswith("A5") for w in letter.warnings)


def test_a_scheme_that_is_the_sector_ombudsman_is_not_offered_twice():
    inp = letter_input(
        sector=Sector.ENERGY, adr=AdrScheme("Energy Ombudsman", "https://www.energyombudsman.org", True)
    )
    assert keys(inp).count("energy_ombudsman") == 1
    assert "adr" not in keys(inp)


# ---------------------------------------------------------------- A1 only before 6 April 2026


def test_a1_applies_to_a_complaint_received_before_6_april_2026():
    inp = letter_input(received=date(2026, 4, 5), adr=RETAIL_ADR)
    letter = draft_letter(inp)
    assert letter.rule_ids[:2] == ("A1", "A2")
    assert (
        "We cannot settle your complaint with you. Retail ADR (https://www.retailadr.org.uk)" in letter.body
    )


def test_a1_does_not_apply_from_6_april_2026():
    letter = draft_letter(letter_input(received=date(2026, 4, 6), adr=RETAIL_ADR))
    assert "A1" not in letter.rule_ids
    assert "We cannot settle your complaint" not in letter.body


def test_a1_without_an_adr_body_warns_the_agent():
    letter = draft_letter(letter_input(received=date(2026, 3, 1)))
    assert any(w.startswith("A1") for w in letter.warnings)


def test_adr_duties_apply_to_consumer_contracts_only():
    letter = draft_letter(letter_input(consumer_contract=False, adr=RETAIL_ADR))
    assert "A2" not in letter.rule_ids
    assert "alternative dispute resolution" not in letter.body.lower()


# ---------------------------------------------------------------- nations: courts and advice


@pytest.mark.parametrize(
    ("region", "court", "limit", "advice"),
    [
        ("ENG", "Small claims in the county court (Money Claim Online)", "6 years", "Citizens Advice"),
        ("WLS", "Small claims in the county court (Money Claim Online)", "6 years", "Citizens Advice"),
        ("SCT", "Simple procedure in the sheriff court", "5 years", "Advice Direct Scotland"),
        ("NIR", "The small claims court", "6 years", "Consumerline"),
    ],
)
def test_the_court_and_the_advice_service_follow_the_customer_s_nation(region, court, limit, advice):
    routes = {r.key: r for r in routes_for(letter_input(region=region))}
    assert routes["small_claims"].name == court
    assert limit in routes["small_claims"].time_limit
    assert routes["small_claims"].rule_ids == ("G13",)
    assert routes["advice"].name.startswith(advice)


def test_an_unknown_region_falls_back_to_england_and_wales():
    assert routes_for(letter_input(region="XX"))[-1].name.startswith("Small claims in the county court")


# ---------------------------------------------------------------- the letter itself


@pytest.mark.parametrize(
    ("decision", "wording"),
    [
        (Decision.UPHELD, "so we uphold your complaint, but we cannot put it right in the way you asked"),
        (Decision.PARTLY_UPHELD, "so we partly uphold your complaint"),
        (Decision.NOT_UPHELD, "and we do not uphold your complaint"),
    ],
)
def test_the_letter_states_our_decision(decision, wording):
    assert wording in draft_letter(letter_input(decision=decision)).body


def test_the_letter_gives_the_reasons_the_dates_and_a_sign_off():
    letter = draft_letter(letter_input())
    assert letter.subject == "Our final response to your complaint"
    body = letter.body
    assert REASONS in body
    assert "which we received on 1 October 2026" in body
    assert "quoting PR-2026-000042" in body
    assert body.endswith("Yours sincerely,\nAlice Smith\nHarbour & Hearth Ltd")
    # The email adds the greeting: the letter must not start with a second one.
    assert not body.startswith("Dear")


def test_the_agent_s_own_routes_follow_the_rules_own_without_repeating_them():
    inp = letter_input(
        supply=Supply.GOODS,
        extra_routes=(
            "Manufacturer's warranty claim",
            "Citizens Advice consumer helpline (0808 223 1133)",
            "Section 75 claim with your credit card provider",
            "  ",
        ),
    )
    routes = routes_for(inp)
    assert [r.key for r in routes] == ["warranty", "advice", "small_claims", "own"]
    assert routes[-1].name == "Section 75 claim with your credit card provider"
    assert "• Section 75 claim with your credit card provider" in draft_letter(inp).body


def test_each_route_has_a_one_line_form_for_the_record():
    lines = [r.line() for r in routes_for(letter_input(sector=Sector.FINANCIAL, disp=True))]
    assert lines[0] == (
        "Financial Ombudsman Service (refer within 6 months of this letter, by 20 May 2027): "
        "https://www.financial-ombudsman.org.uk"
    )


# ---------------------------------------------------------------- A6: never the EU ODR platform


@pytest.mark.parametrize(
    "text",
    [
        "https://ec.europa.eu/consumers/odr",
        "see ec.europa.eu/consumers/odr/main for details",
        "Use the EU Online Dispute Resolution platform",
        "the ODR platform",
    ],
)
def test_a_mention_of_the_closed_odr_platform_is_recognised(text):
    assert mentions_odr(text)


@pytest.mark.parametrize("text", ["Retail ADR", "odour from the fridge", "order reference ODR-1", ""])
def test_ordinary_text_is_not_mistaken_for_the_odr_platform(text):
    assert not mentions_odr(text)


def test_an_odr_link_typed_as_a_route_is_dropped_and_the_agent_warned():
    inp = letter_input(extra_routes=("EU ODR platform: https://ec.europa.eu/consumers/odr",))
    letter = draft_letter(inp)
    assert not mentions_odr(letter.body)
    assert any(w.startswith("A6") for w in letter.warnings)


@given(
    sector=st.sampled_from(list(Sector)),
    decision=st.sampled_from(list(Decision)),
    supply=st.sampled_from(list(Supply)),
    region=st.sampled_from(["ENG", "WLS", "SCT", "NIR", "??"]),
    received=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    consumer=st.booleans(),
    disp=st.booleans(),
    adr=st.sampled_from([None, RETAIL_ADR, AdrScheme("Other ADR", "https://adr.example", False)]),
)
def test_no_letter_ever_links_to_the_odr_platform_and_every_one_offers_a_route(
    sector, decision, supply, region, received, consumer, disp, adr
):
    inp = letter_input(
        sector=sector,
        decision=decision,
        supply=supply,
        region=region,
        received=received,
        final_response=max(received, date(2026, 11, 20)),
        consumer_contract=consumer,
        disp=disp,
        adr=adr,
    )
    letter = draft_letter(inp)
    assert not mentions_odr(letter.body)
    assert "europa.eu" not in letter.body
    assert letter.routes
    assert "A1" not in letter.rule_ids or received < date(2026, 4, 6)
    # Every rule the letter names is one of the reference's.
    assert all(re.fullmatch(r"A[1-5]|F[67]|G13", rule) for rule in letter.rule_ids)
