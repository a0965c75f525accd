"""P1/P3/P4/K3 through the services: purchase facts, statutory options, the weighed choice, negotiation.

The clock is frozen on 10 March 2026 for every test here, so the law's windows are fixed: a kettle
delivered on 3 March can be rejected for a full refund until 2 April 2026 (G1).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from putright import clock
from putright.authority.models import Approval
from putright.cases import services as case_services
from putright.cases.models import Case, Option
from putright.cases.selectors import case_record
from putright.demo.extras import demo_enrich
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.resolution import selectors, services
from putright.resolution.defaults import defaults_ensure
from putright.resolution.models import AppraisalWeight, Offer, RemedyCatalogueEntry
from putright.vocab import JustificationFactor, OptionSource, OptionStatus, RemedyType, Status
from tests.conftest import aware

pytestmark = pytest.mark.django_db

NOW = aware(2026, 3, 10, 9, 0)
KETTLE = {
    "supply": "goods",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "fault": True,
    "fault_reported_date": "2026-03-09",
}


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def kettle_case(report_case, alice):
    """A £39.99 kettle that stopped working, understanding confirmed, handled by alice."""
    case = report_case(
        subject="Kettle stopped working",
        description="My new kettle stopped heating after a week.",
        desired_outcome="My money back please",
        amount_in_dispute=Decimal("39.99"),
    )
    case_services.case_summarise_understanding(actor=alice, case=case, summary="Kettle dead; wants a refund.")
    case_services.case_confirm_understanding(actor=None, case=case)
    case.refresh_from_db()
    return case


def events(case, kind):
    return list(case.events.filter(kind=kind).order_by("seq"))


# ---------------------------------------------------------------- purchase facts


def test_recording_facts_sets_the_finding_and_records_before_and_after(alice, kettle_case):
    case = services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)

    case.refresh_from_db()
    assert case.purchase_facts == KETTLE
    assert case.is_statutory_breach is True
    [event] = events(case, "facts.recorded")
    assert event.summary == "Purchase facts recorded: statutory breach (G1, G5)"
    assert event.before == {"purchase_facts": {}, "is_statutory_breach": None}
    assert event.after["purchase_facts"] == KETTLE
    assert event.after["assessed_on"] == "2026-03-10"

    # The same facts again change nothing and add no event.
    services.case_facts_record(actor=alice, case=case, facts=dict(KETTLE))
    assert len(events(case, "facts.recorded")) == 1


def test_a_change_of_mind_is_an_ordinary_service_issue(alice, kettle_case):
    services.case_facts_record(
        actor=alice,
        case=kettle_case,
        facts={"supply": "goods", "delivery_date": "2026-03-03", "fault": False},
    )
    kettle_case.refresh_from_db()
    assert kettle_case.is_statutory_breach is False
    assert (
        events(kettle_case, "facts.recorded")[0].summary == "Purchase facts recorded: ordinary service issue"
    )


@pytest.mark.parametrize(
    "facts, field",
    [
        ({**KETTLE, "delivery_date": "2026-02-01"}, "delivery_date"),  # before the contract
        ({**KETTLE, "fault_reported_date": "2026-04-01"}, "fault_reported_date"),  # after today
        ({**KETTLE, "colour": "red"}, "colour"),
        ({**KETTLE, "today": "2026-03-10"}, "today"),
        ({"fault": True}, "supply"),
        ({**KETTLE, "device_damaged": True}, "device_damaged"),  # only for digital content
    ],
)
def test_facts_the_engine_cannot_assess_are_refused_naming_the_field(alice, kettle_case, facts, field):
    with pytest.raises(services.FactsInvalid) as error:
        services.case_facts_record(actor=alice, case=kettle_case, facts=facts)
    assert error.value.field == field
    assert error.value.code == ErrorCode.INVALID_INPUT
    kettle_case.refresh_from_db()
    assert (kettle_case.purchase_facts, kettle_case.is_statutory_breach) == ({}, None)
    assert events(kettle_case, "facts.recorded") == []


def test_someone_without_a_role_cannot_record_facts_and_nothing_changes(charlie, kettle_case):
    with pytest.raises(PermissionDenied):
        services.case_facts_record(actor=charlie, case=kettle_case, facts=KETTLE)
    kettle_case.refresh_from_db()
    assert kettle_case.purchase_facts == {}


def test_a_closed_case_keeps_its_facts(alice, kettle_case):
    case_services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=kettle_case,
        reasons="The customer withdrew the complaint before we could look into it.",
        other_routes=["Citizens Advice"],
    )
    with pytest.raises(DomainError) as error:
        services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    assert error.value.code == ErrorCode.CASE_CLOSED
    assert Case.objects.get(pk=kettle_case.pk).purchase_facts == {}


def test_the_statutory_position_is_worked_out_again_as_time_passes(alice, kettle_case):
    services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    kettle_case.refresh_from_db()
    today = selectors.statutory_position(kettle_case)
    assert [r.remedy for r in today.assessment.remedies] == ["short_term_reject", "repair", "replace"]
    assert any("until 2 April 2026" in line and line.endswith("(G1).") for line in today.assessment.lines)

    later = selectors.statutory_position(kettle_case, today=aware(2026, 4, 20).date())
    assert "short_term_reject" not in [r.remedy for r in later.assessment.remedies]


# ---------------------------------------------------------------- statutory options


def test_statutory_remedies_become_options_once_with_their_rule_ids(alice, kettle_case):
    services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    created = services.statutory_options_add(actor=alice, case=kettle_case)

    assert [(o.title, o.rule_ids, o.remedy_type, o.source) for o in created] == [
        (
            "Short-term right to reject: full refund (G1)",
            ["G1", "G11", "G12"],
            RemedyType.REFUND,
            OptionSource.RULE,
        ),
        ("Repair at our cost (G5)", ["G5"], RemedyType.REPAIR, OptionSource.RULE),
        ("Replacement at our cost (G5)", ["G5"], RemedyType.REPLACEMENT, OptionSource.RULE),
    ]
    refund = created[0]
    assert (refund.amount, refund.cost_to_organisation, refund.statutory_remedy) == (
        Decimal("39.99"),
        Decimal("39.99"),
        "short_term_reject",
    )
    assert refund.customer_advantages.startswith("Full refund, no deduction for use (G1)")
    assert "refund due within 14 days of agreeing (G11)" in refund.organisation_disadvantages
    assert "Available until 2 April 2026 (G1)." in refund.description
    assert (
        "If the repair fails they may ask for a refund or price reduction (G6)."
        in created[1].customer_disadvantages
    )
    assert [e.summary for e in events(kettle_case, "option.added")] == [
        f"Option listed: {o.title}" for o in created
    ]

    with pytest.raises(DomainError) as error:
        services.statutory_options_add(actor=alice, case=kettle_case)
    assert error.value.code == ErrorCode.ALREADY_DONE
    assert Option.objects.filter(case=kettle_case).count() == 3


def test_statutory_options_need_facts_and_a_breach(alice, kettle_case):
    with pytest.raises(DomainError) as error:
        services.statutory_options_add(actor=alice, case=kettle_case)
    assert error.value.code == ErrorCode.PURCHASE_FACTS_MISSING

    services.case_facts_record(actor=alice, case=kettle_case, facts={"supply": "goods", "fault": False})
    with pytest.raises(DomainError) as error:
        services.statutory_options_add(actor=alice, case=kettle_case)
    assert error.value.code == ErrorCode.NO_STATUTORY_REMEDIES
    assert not Option.objects.filter(case=kettle_case).exists()


def test_someone_without_a_role_cannot_add_statutory_options(alice, charlie, kettle_case):
    services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    with pytest.raises(PermissionDenied):
        services.statutory_options_add(actor=charlie, case=kettle_case)
    assert not Option.objects.filter(case=kettle_case).exists()


def test_a_failed_repair_opens_the_final_right_to_reject_without_listing_repair_twice(alice, kettle_case):
    services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    services.statutory_options_add(actor=alice, case=kettle_case)
    services.case_facts_record(
        actor=alice,
        case=kettle_case,
        facts={
            **KETTLE,
            "repair_requested_date": "2026-03-04",
            "returned_after_repair_date": "2026-03-08",
            "repairs_or_replacements_attempted": 1,
        },
    )
    created = services.statutory_options_add(actor=alice, case=kettle_case)
    assert {o.statutory_remedy for o in created} == {"price_reduction", "final_reject"}
    final = next(o for o in created if o.statutory_remedy == "final_reject")
    assert final.rule_ids == ["G6", "G11", "G12", "G7"]
    assert final.title == "Final right to reject: refund (G6)"


DISTANCE_SALE = {
    "supply": "goods",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "distance_sale": True,
    "cancellation_requested_date": "2026-03-08",
}


def test_a_cancellation_made_in_time_becomes_an_option_with_its_refund_and_return(alice, kettle_case):
    case = services.case_facts_record(actor=alice, case=kettle_case, facts=DISTANCE_SALE)
    position = selectors.statutory_position(case)
    assert [r.remedy for r in position.assessment.remedies] == ["cancel"]
    assert selectors.statutory_unlisted(case, position) == ["cancel"]

    [cancel] = services.statutory_options_add(actor=alice, case=kettle_case)

    assert (cancel.title, cancel.rule_ids, cancel.remedy_type, cancel.statutory_remedy) == (
        "Cancel the contract: full refund (C1)",
        ["C1", "C3", "C4"],
        RemedyType.CANCELLATION,
        "cancel",
    )
    assert cancel.description == (
        "Right to cancel a distance or off-premises contract (C1). The customer cancelled within the period, "
        "whose last day is 17 March 2026 (C1). Refund within 14 days after we get the goods back or evidence "
        "they were sent (C3). The customer sends the goods back by 22 March 2026 (C4)."
    )
    assert (cancel.amount, cancel.cost_to_organisation) == (Decimal("39.99"), Decimal("39.99"))
    # An agent may agree it without a supervisor (within the money limit).
    appraisal = selectors.case_appraisal(case=kettle_case, user=alice)
    assert appraisal.for_option(cancel.pk).authority.label == "Within your authority"


def test_a_service_cancelled_in_time_lists_its_refund_date(alice, kettle_case):
    services.case_facts_record(
        actor=alice,
        case=kettle_case,
        facts={
            "supply": "service",
            "contract_date": "2026-03-01",
            "distance_sale": True,
            "cancellation_requested_date": "2026-03-09",
        },
    )

    [cancel] = services.statutory_options_add(actor=alice, case=kettle_case)

    assert cancel.rule_ids == ["C1", "C3"]
    assert cancel.description == (
        "Right to cancel a distance or off-premises contract (C1). The customer cancelled within the period, "
        "whose last day is 15 March 2026 (C1). Refund by 23 March 2026 (C3)."
    )


def test_an_open_right_to_cancel_is_listed_with_its_last_day(alice, kettle_case):
    services.case_facts_record(
        actor=alice,
        case=kettle_case,
        facts={k: v for k, v in DISTANCE_SALE.items() if k != "cancellation_requested_date"},
    )

    [cancel] = services.statutory_options_add(actor=alice, case=kettle_case)

    assert cancel.rule_ids == ["C1", "C3"]
    assert cancel.description == (
        "Right to cancel a distance or off-premises contract (C1). Available until 17 March 2026 (C1)."
    )


# ---------------------------------------------------------------- the catalogue


def test_the_seeded_catalogue_prices_an_option_for_the_case():
    defaults_ensure()
    names = list(RemedyCatalogueEntry.objects.values_list("name", flat=True))
    for name in (
        "Full refund",
        "Replacement",
        "Repair",
        "Price reduction",
        "Goodwill credit",
        "Apology and explanation",
        "Redelivery",
        "Expedite (next-day dispatch)",
        "Callback from a specialist",
    ):
        assert name in names
    replacement = RemedyCatalogueEntry.objects.get(name="Replacement")
    assert replacement.value_for(Decimal("39.99")) == Decimal("39.99")
    assert replacement.cost_for(Decimal("39.99")) == Decimal("35.99")  # £8 + 70% of £39.99
    assert RemedyCatalogueEntry.objects.get(name="Goodwill credit").value_for(None) == Decimal("20.00")


# ---------------------------------------------------------------- the appraisal


def _listed(alice, case, **kwargs):
    base = {"title": "Goodwill credit", "remedy_type": RemedyType.GOODWILL_CREDIT}
    return case_services.option_add(
        actor=alice, case=case, option=case_services.OptionInput(**(base | kwargs))
    )


def test_authority_needed_is_worked_out_for_the_person_looking(alice, bob, case_with_options):
    big = _listed(
        alice,
        case_with_options,
        title="Replace it",
        remedy_type=RemedyType.REPLACEMENT,
        amount=Decimal("449"),
    )
    small = _listed(alice, case_with_options, title="£20 credit", amount=Decimal("20"))
    compensation = _listed(
        alice, case_with_options, title="Pay for the damage", remedy_type=RemedyType.COMPENSATION
    )
    # Agents may honour a cancellation (C1) themselves, within their money limit.
    cancel = _listed(alice, case_with_options, title="Cancel", remedy_type=RemedyType.CANCELLATION)

    for_alice = selectors.case_appraisal(case=case_with_options, user=alice)
    assert for_alice.for_option(big.pk).authority.label == "Needs approval from a supervisor"
    assert for_alice.for_option(small.pk).authority.label == "Within your authority"
    assert for_alice.for_option(compensation.pk).authority.label == "Needs approval from a supervisor"
    assert for_alice.for_option(cancel.pk).authority.label == "Within your authority"
    assert for_alice.for_option(big.pk).score.factor("feasibility").points == Decimal("0.00")

    for_bob = selectors.case_appraisal(case=case_with_options, user=bob)
    assert for_bob.for_option(big.pk).authority.label == "Within your authority"


def test_editing_the_weights_changes_the_suggested_best(alice, kettle_case):
    defaults_ensure()
    services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    services.statutory_options_add(actor=alice, case=kettle_case)
    credit = _listed(
        alice,
        kettle_case,
        amount=Decimal("20"),
        cost_to_organisation=Decimal("20"),
        customer_benefit=1,
        policy_fit="discretionary",
    )

    before = selectors.case_appraisal(case=kettle_case, user=alice)
    assert before.best.option.title == "Short-term right to reject: full refund (G1)"
    assert len(before.reasons) >= 2
    assert {r.factor for r in before.reasons} <= set(JustificationFactor.values)

    # An administrator who counts only cost and speed.
    AppraisalWeight.objects.update(weight=Decimal("0"))
    AppraisalWeight.objects.filter(factor__in=["cost", "time_to_deliver"]).update(weight=Decimal("5"))
    after = selectors.case_appraisal(case=kettle_case, user=alice)
    assert after.best.option == credit
    assert {r.factor for r in after.reasons[:2]} == {"cost", "time_to_deliver"}


def test_recommending_another_than_the_suggested_best_needs_a_reason_which_is_recorded(alice, kettle_case):
    services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    refund, repair, _ = services.statutory_options_add(actor=alice, case=kettle_case)
    assert selectors.case_appraisal(case=kettle_case, user=alice).best.option == refund

    with pytest.raises(DomainError) as error:
        services.option_recommend_weighed(
            actor=alice, option=repair, justification="Cheaper.", factors=["cost", "feasibility"]
        )
    assert error.value.code == ErrorCode.OVERRIDE_REASON_REQUIRED
    assert "Short-term right to reject: full refund (G1)" in error.value.message
    kettle_case.refresh_from_db()
    assert (kettle_case.status, kettle_case.recommended_option) == (Status.OPTIONS, None)

    services.option_recommend_weighed(
        actor=alice,
        option=repair,
        justification="Cheaper.",
        factors=["cost", "feasibility"],
        override_reason="The customer said on the phone they would rather keep this kettle.",
    )
    kettle_case.refresh_from_db()
    assert kettle_case.recommended_option == repair
    [event] = events(kettle_case, "option.recommended")
    assert event.after["suggested_option"] == refund.pk
    assert (
        event.after["override_reason"] == "The customer said on the phone they would rather keep this kettle."
    )
    assert "instead of the suggested “Short-term right to reject: full refund (G1)”" in event.summary


def test_recommending_the_suggested_best_needs_no_reason(alice, kettle_case):
    services.case_facts_record(actor=alice, case=kettle_case, facts=KETTLE)
    refund = services.statutory_options_add(actor=alice, case=kettle_case)[0]
    services.option_recommend_weighed(
        actor=alice,
        option=refund,
        justification="Their legal right.",
        factors=["legal_obligation", "customer_benefit"],
    )
    kettle_case.refresh_from_db()
    assert kettle_case.status == Status.AWAITING_CUSTOMER
    assert "suggested_option" not in events(kettle_case, "option.recommended")[0].after


# ---------------------------------------------------------------- negotiation (K3)


def test_the_negotiation_history_is_kept_in_order_and_on_the_timeline(alice, case_with_options):
    option = _listed(
        alice,
        case_with_options,
        title="Partial refund",
        remedy_type=RemedyType.PARTIAL_REFUND,
        amount=Decimal("40"),
    )
    ours = services.offer_make(actor=alice, option=option, method="phone", terms="Refund to your card")
    counter = services.offer_counter_record(
        actor=alice, option=option, amount="75.00", method="phone", terms="They want £75"
    )
    services.offer_reject(
        actor=alice, offer=counter, method="phone", reason="£75 is more than the fault is worth"
    )
    counter2 = services.offer_counter_record(actor=alice, option=option, amount="60", method="email")
    accepted = services.offer_settle(actor=alice, offer=counter2, note="Fair middle ground")

    history = [(o.party, o.kind, o.amount) for o in selectors.case_offers(case=case_with_options)]
    assert history == [
        ("organisation", "offer", Decimal("40.00")),
        ("customer", "counter_offer", Decimal("75.00")),
        ("organisation", "rejected", Decimal("75.00")),
        ("customer", "counter_offer", Decimal("60.00")),
        ("organisation", "accepted", Decimal("60.00")),
    ]
    assert accepted.responds_to == counter2
    assert ours.recorded_by == alice
    kinds = [
        e.kind for e in case_with_options.events.order_by("seq") if e.kind.startswith(("offer.", "option."))
    ]
    assert kinds[-8:] == [
        "offer.made",
        "offer.countered",
        "offer.rejected",
        "offer.countered",
        "offer.accepted",
        "option.terms_changed",
        "option.recommended",
        "option.proposed",
    ]
    option.refresh_from_db()
    case_with_options.refresh_from_db()
    # £60 is within alice's £100: proposed to the customer to confirm on the agreed terms.
    assert (option.amount, option.status, case_with_options.status) == (
        Decimal("60.00"),
        OptionStatus.RECOMMENDED,
        Status.AWAITING_CUSTOMER,
    )
    # Our offer went to the customer in writing; their counter-offers were theirs, so nothing was sent.
    assert list(
        case_with_options.messages.filter(subject="Our offer to put things right").values_list(
            "body", flat=True
        )
    ) == [
        "As we discussed, we offer to put things right as follows: Partial refund.\nValue: £40.00.\n"
        "Terms: Refund to your card\nTell us whether this works for you, or what would, by replying on your case link."
    ]
    # The record export carries the history.
    record = case_record(case=case_with_options)
    assert [(o["party"], o["kind"], o["amount"]) for o in record["offers"]] == [
        (p, k, str(a)) for p, k, a in history
    ]


def test_settling_beyond_authority_goes_through_approval(alice, bob, case_with_options):
    option = _listed(
        alice,
        case_with_options,
        title="Partial refund",
        remedy_type=RemedyType.PARTIAL_REFUND,
        amount=Decimal("80"),
    )
    counter = services.offer_counter_record(actor=alice, option=option, amount="250.00", method="phone")
    services.offer_settle(actor=alice, offer=counter)

    case_with_options.refresh_from_db()
    assert case_with_options.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case_with_options)
    assert (approval.status, approval.assigned_to, approval.option_id) == ("pending", bob, option.pk)
    # The customer cannot be held to it before someone with authority approves.
    with pytest.raises(DomainError) as error:
        case_services.option_customer_respond(case=case_with_options, agree=True)
    assert error.value.code == ErrorCode.APPROVAL_REQUIRED


def test_an_offer_beyond_authority_is_refused_until_approved(alice, bob, case_with_options):
    option = _listed(
        alice,
        case_with_options,
        title="Replace it",
        remedy_type=RemedyType.REPLACEMENT,
        amount=Decimal("449"),
    )
    with pytest.raises(DomainError) as error:
        services.offer_make(actor=alice, option=option, method="phone")
    assert error.value.code == ErrorCode.APPROVAL_REQUIRED
    assert not Offer.objects.exists()
    # Bob's own authority covers it.
    services.offer_make(actor=bob, option=option, method="phone")
    assert Offer.objects.get().recorded_by == bob


def test_an_answered_counter_offer_cannot_be_answered_again(alice, case_with_options):
    option = _listed(alice, case_with_options, amount=Decimal("20"))
    counter = services.offer_counter_record(actor=alice, option=option, amount="30", method="phone")
    services.offer_reject(actor=alice, offer=counter, method="phone")
    with pytest.raises(DomainError) as error:
        services.offer_settle(actor=alice, offer=counter)
    assert error.value.code == ErrorCode.OFFER_NOT_OPEN
    assert Offer.objects.count() == 2


def test_negotiation_refuses_outsiders_closed_cases_and_bad_input(alice, charlie, case_with_options):
    option = _listed(alice, case_with_options, amount=Decimal("20"))
    with pytest.raises(PermissionDenied):
        services.offer_counter_record(actor=charlie, option=option, amount="30", method="phone")
    with pytest.raises(DomainError) as error:
        services.offer_counter_record(actor=alice, option=option, amount="-5", method="phone")
    assert error.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(DomainError) as error:
        services.offer_counter_record(actor=alice, option=option, amount="30", method="portal")
    assert error.value.code == ErrorCode.INVALID_INPUT
    case_services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=case_with_options,
        reasons="The customer went to their card provider instead of us.",
        other_routes=["Chargeback through your card provider"],
    )
    with pytest.raises(DomainError) as error:
        services.offer_make(actor=alice, option=option, method="phone")
    assert error.value.code == ErrorCode.CASE_CLOSED
    assert not Offer.objects.exists()


# ---------------------------------------------------------------- the demo


def test_demo_enrich_records_facts_on_matching_open_cases(report_case, alice):
    kettle = report_case(subject="Kettle switches off", description="My Lumo kettle switches itself off.")
    laptop = report_case(
        subject="Laptop screen flickers", description="My laptop came back from repair, still broken."
    )
    closed = report_case(subject="Another kettle", description="My kettle leaks.")
    case_services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=closed,
        reasons="The customer asked us to close it and stop.",
        other_routes=["Citizens Advice"],
    )
    closed.refresh_from_db()

    enriched = demo_enrich([closed, kettle, laptop], alice)

    assert {c.pk for c in enriched} == {kettle.pk, laptop.pk}
    kettle.refresh_from_db()
    laptop.refresh_from_db()
    assert (kettle.is_statutory_breach, kettle.purchase_facts["delivery_date"]) == (True, "2026-03-01")
    laptop_remedies = {r.remedy for r in selectors.statutory_position(laptop).assessment.remedies}
    assert {"final_reject", "price_reduction"} <= laptop_remedies
    assert Case.objects.get(pk=closed.pk).purchase_facts == {}
