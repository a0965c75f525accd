"""One customer across cases (issue 12 §1): matching a report to a record, the family e-mail rule,
no overwrite by an unauthenticated report, staff picking a customer, correcting and merging records
(with a ``customer.merged`` event on every affected case), the duplicate-joining command, the
customer page and the lookup, and who may do what."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from putright import clock
from putright.audit.events import chain_verify
from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.customers.models import Customer, MergeSuggestion
from putright.customers.normalise import email_key, name_key, phone_key
from putright.customers.selectors import customer_lookup
from putright.errors import DomainError, PermissionDenied
from putright.feedback import services as feedback_services
from putright.feedback.models import FeedbackItem
from putright.monitoring import services as monitoring_services
from tests.conftest import aware, make_report
from tests.test_api import Api, case_body, token_for

pytestmark = pytest.mark.django_db


def _report(actor=None, **overrides) -> Case:
    case, _ = services.case_report(report=make_report(**overrides), actor=actor)
    return case


def _bare_customer(name: str, email: str, **extra) -> Customer:
    """A row as every report made one before matching existed (the duplicates the command joins)."""
    return Customer.objects.create(name=name, email=email, created_at=clock.now(), **extra)


def _case_for(customer: Customer, reference: str) -> Case:
    now = clock.now()
    return Case.objects.create(
        reference=reference,
        customer=customer,
        channel="web",
        subject="Old report",
        description="words",
        created_at=now,
        updated_at=now,
        last_customer_update_at=now,
    )


def _snapshot(customer: Customer) -> dict:
    customer.refresh_from_db()
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "support_needs": customer.support_needs,
        "merged_into": customer.merged_into_id,
        "cases": sorted(customer.cases.values_list("reference", flat=True)),
    }


# ---------------------------------------------------------------- normalisation


def test_keys_ignore_case_space_accents_and_punctuation():
    assert email_key("  Priya.Shah@Example.COM ") == "priya.shah@example.com"
    assert name_key("  José   O'Brien-Smith ") == "jose obriensmith"
    assert name_key("JOSE OBRIEN-SMITH") == name_key("José O’Brien Smith".replace(" Smith", "-Smith"))
    assert phone_key("+44 (0)7700 900-123") == "4407700900123"


# ---------------------------------------------------------------- matching on report


def test_same_email_and_name_attach_the_report_to_the_existing_customer():
    first = _report()
    second = _report(customer_name="  priya  SHAH ", customer_email="PRIYA@example.com ")
    assert second.customer_id == first.customer_id
    assert Customer.objects.count() == 1
    assert MergeSuggestion.objects.count() == 0


def test_a_family_sharing_an_email_get_two_customers_and_a_merge_suggestion_never_a_merge():
    priya = _report(customer_name="Priya Shah", customer_email="shah.family@example.com")
    ravi = _report(customer_name="Ravi Shah", customer_email="shah.family@example.com")
    assert ravi.customer_id != priya.customer_id
    assert Customer.objects.filter(merged_into__isnull=True).count() == 2
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.customer_id, suggestion.similar_to_id) == (ravi.customer_id, priya.customer_id)
    assert suggestion.reason == "Same e-mail address, different name"
    assert suggestion.resolved_at is None


def test_the_same_name_with_another_email_is_another_customer_without_a_suggestion():
    first = _report(customer_email="priya@example.com")
    second = _report(customer_email="priya.shah@work.example")
    assert second.customer_id != first.customer_id
    assert MergeSuggestion.objects.count() == 0


def test_an_unauthenticated_report_never_changes_the_stored_record_but_the_case_keeps_what_was_written():
    first = _report(customer_phone="07700 900123")
    customer = first.customer
    customer.support_needs = "Calls in the morning only"
    customer.save()
    before = _snapshot(customer) | {"consent": customer.consent_given_at}
    second = _report(customer_name="PRIYA SHAH", customer_phone="01632 960000")
    assert second.customer_id == customer.pk
    after = _snapshot(customer) | {"consent": customer.consent_given_at}
    assert {k: v for k, v in after.items() if k != "cases"} == {
        k: v for k, v in before.items() if k != "cases"
    }
    reported = Event.objects.get(case=second, kind="case.reported")
    assert reported.after["reported_as"] == {
        "name": "PRIYA SHAH",
        "email": "priya@example.com",
        "phone": "01632 960000",
        "consent": True,
    }


def test_staff_may_attach_a_report_to_the_customer_they_picked(alice):
    first = _report(customer_name="Priya Shah")
    case = _report(
        actor=alice, channel="phone", customer_name="", customer_email="", customer_id=first.customer_id
    )
    assert case.customer_id == first.customer_id
    assert Customer.objects.count() == 1


def test_a_picked_customer_that_was_merged_resolves_to_the_record_it_joined(alice, bob):
    kept = _report(customer_name="Priya Shah", customer_email="priya@example.com").customer
    old = _report(customer_name="P Shah", customer_email="priya@example.com").customer
    services.customer_merge(actor=bob, source=old, target=kept, reason="Same person")
    case = _report(actor=alice, channel="phone", customer_id=old.pk)
    assert case.customer_id == kept.pk


def test_an_unknown_picked_customer_is_a_clear_error_and_nothing_is_written(alice):
    with pytest.raises(DomainError, match="Unknown customer 999999"):
        _report(actor=alice, channel="phone", customer_id=999999)
    assert Case.objects.count() == 0
    assert Customer.objects.count() == 0


def test_the_public_form_cannot_pick_a_customer():
    first = _report()
    with pytest.raises(PermissionDenied):
        _report(customer_id=first.customer_id)
    assert Case.objects.count() == 1


# ---------------------------------------------------------------- correcting


def test_staff_correct_details_and_every_case_records_the_change(alice):
    a = _report()
    b = _report()
    services.customer_correct(
        actor=alice,
        customer=a.customer,
        details=services.CustomerDetails(
            name="Priya Shah-Patel",
            email="priya@example.com",
            phone="07700 900123",
            lawful_basis="consent",
            support_needs="Large print letters",
            support_needs_consent=True,
        ),
    )
    customer = Customer.objects.get()
    assert (customer.name, customer.name_key, customer.phone_key) == (
        "Priya Shah-Patel",
        "priya shahpatel",
        "07700900123",
    )
    assert customer.support_needs == "Large print letters"
    assert customer.support_needs_consent_at is not None
    for case in (a, b):
        event = Event.objects.get(case=case, kind="customer.corrected")
        assert event.before == {"name": "Priya Shah", "phone": "", "support_needs": ""}
        assert event.after == {
            "name": "Priya Shah-Patel",
            "phone": "07700 900123",
            "support_needs": "Large print letters",
        }
        assert event.actor_id == alice.pk and not event.customer_visible
        assert chain_verify([case.pk])[1] == []


def test_support_needs_without_consent_are_refused_and_nothing_changes(alice):
    case = _report()
    before = _snapshot(case.customer)
    with pytest.raises(DomainError, match="consent"):
        services.customer_correct(
            actor=alice,
            customer=case.customer,
            details=services.CustomerDetails(
                name="Priya Shah",
                email="priya@example.com",
                phone="",
                lawful_basis="consent",
                support_needs="Deaf",
            ),
        )
    assert _snapshot(case.customer) == before
    assert not Event.objects.filter(kind="customer.corrected").exists()


# ---------------------------------------------------------------- merging


def test_merging_moves_every_case_and_writes_an_event_on_each_affected_case(bob):
    priya = [_report(customer_name="Priya Shah", customer_email="shah.family@example.com") for _ in range(2)]
    ravi = _report(
        customer_name="Ravi Shah", customer_email="shah.family@example.com", customer_phone="0161 4960000"
    )
    feedback = FeedbackItem.objects.create(
        source="comment", text="Slow", customer=ravi.customer, created_at=clock.now()
    )
    source, target = ravi.customer, priya[0].customer
    services.customer_merge(actor=bob, source=source, target=target, reason="Ravi is Priya's alias")
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into_id == target.pk and source.merged_at is not None
    assert set(Case.objects.filter(customer=target).values_list("pk", flat=True)) == {
        priya[0].pk,
        priya[1].pk,
        ravi.pk,
    }
    assert target.phone == "0161 4960000"  # taken only because the kept record had none
    assert target.name == "Priya Shah"
    feedback.refresh_from_db()
    assert feedback.customer_id == target.pk
    assert MergeSuggestion.objects.get().resolved_at is not None
    for case in [*priya, ravi]:
        event = Event.objects.get(case=case, kind="customer.merged")
        assert event.after["merged"] == source.pk and event.after["into"] == target.pk
        assert event.after["reason"] == "Ravi is Priya's alias"
        assert event.actor_id == bob.pk
        assert chain_verify([case.pk])[1] == []
    assert Event.objects.get(case=ravi, kind="customer.merged").before == {"customer": source.pk}


def test_an_agent_may_not_merge_and_nothing_changes(alice):
    a = _report(customer_name="Priya Shah", customer_email="shah.family@example.com")
    b = _report(customer_name="Ravi Shah", customer_email="shah.family@example.com")
    before = (_snapshot(a.customer), _snapshot(b.customer))
    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=alice, source=b.customer, target=a.customer, reason="Same")
    assert (_snapshot(a.customer), _snapshot(b.customer)) == before
    assert not Event.objects.filter(kind="customer.merged").exists()


def test_a_record_cannot_be_merged_into_itself_or_twice(bob):
    a = _report(customer_name="Priya Shah")
    b = _report(customer_name="Ravi Shah")
    with pytest.raises(DomainError, match="itself"):
        services.customer_merge(actor=bob, source=a.customer, target=a.customer, reason="x")
    services.customer_merge(actor=bob, source=b.customer, target=a.customer, reason="x")
    with pytest.raises(DomainError, match="already merged"):
        services.customer_merge(actor=bob, source=b.customer, target=a.customer, reason="x")
    assert Event.objects.filter(kind="customer.merged").count() == 2


# ---------------------------------------------------------------- the duplicate-joining command


def test_the_command_joins_todays_duplicates_through_the_service_and_is_idempotent():
    with clock.frozen(aware(2026, 11, 2)):
        oldest = _bare_customer("Priya Shah", "Priya@Example.com")
    with clock.frozen(aware(2026, 11, 3)):
        copy = _bare_customer("priya  shah", "priya@example.com ")
        family = _bare_customer("Ravi Shah", "priya@example.com")
    case_old, case_copy, case_family = (
        _case_for(oldest, "PR-2026-000901"),
        _case_for(copy, "PR-2026-000902"),
        _case_for(family, "PR-2026-000903"),
    )
    out = io.StringIO()
    call_command("customers_join_duplicates", stdout=out)
    assert out.getvalue().strip() == "Joined 1 duplicate customer record(s)."
    copy.refresh_from_db()
    family.refresh_from_db()
    assert copy.merged_into_id == oldest.pk
    assert family.merged_into_id is None  # same e-mail, other name: never joined on its own
    case_copy.refresh_from_db()
    assert case_copy.customer_id == oldest.pk
    assert Event.objects.filter(kind="customer.merged", case__in=[case_old, case_copy]).count() == 2
    assert not Event.objects.filter(case=case_family).exists()

    again = io.StringIO()
    call_command("customers_join_duplicates", stdout=again)
    assert again.getvalue().strip() == "Joined 0 duplicate customer record(s)."
    assert Event.objects.filter(kind="customer.merged").count() == 2


# ---------------------------------------------------------------- lookup


def test_lookup_finds_by_name_email_phone_and_order_reference():
    priya = _report(
        customer_name="Priya Shah", customer_phone="07700 900123", order_reference="HH-55102"
    ).customer
    other = _report(
        customer_name="Tom Brook", customer_email="tom@example.com", order_reference="HH-1"
    ).customer
    assert customer_lookup("shah") == [priya]
    assert customer_lookup("PRIYA@EXAMPLE") == [priya]
    assert customer_lookup("0770 0900") == [priya]
    assert customer_lookup("hh-55102") == [priya]
    assert customer_lookup("tom") == [other]
    assert customer_lookup("s") == []  # too short to mean anything
    assert customer_lookup("nobody") == []


def test_without_javascript_the_lookup_reloads_log_a_report_with_the_matches_to_pick(client, alice):
    priya = _report(customer_name="Priya Shah", order_reference="HH-55102").customer
    _report(customer_name="Tom Brook", customer_email="tom@example.com")
    client.force_login(alice)

    page = client.get("/cases/new/", {"q": "HH-55102"})

    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{priya.pk}" id="id_customer_pick_{priya.pk}"' in html
    assert "Tom Brook" not in html
    assert "1 customer found for “HH-55102”." in html
    # The lookup is its own GET form, so Enter in it never submits the report.
    lookup_form = html[html.index('role="search"') - 200 : html.index('id="id_customer_lookup"')]
    assert 'method="get"' in lookup_form
    assert 'value="HH-55102"' in html
    assert (
        client.get("/cases/new/", {"q": "nobody"}).content.decode().count("No customer matches “nobody”") == 1
    )


# ---------------------------------------------------------------- pages and permissions


def test_the_customer_page_shows_the_record_across_cases(client, alice):
    a = _report(customer_phone="07700 900123")
    b = _report(subject="Dryer is noisy")
    customer = a.customer
    customer.support_needs = "Large print letters"
    customer.save()
    client.force_login(alice)
    page = client.get(reverse("cases:customer_detail", args=[customer.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        a.reference,
        b.reference,
        "Dryer is noisy",
        "07700 900123",
        "Large print letters",
        "Consent",
    ):
        assert text in html
    detail = client.get(reverse("cases:detail", args=[b.reference])).content.decode()
    assert "Other cases from this customer" in detail
    assert a.reference in detail and "Large print letters" in detail


@pytest.mark.parametrize("cases", [1, 8])
def test_the_customer_page_query_count_does_not_grow_with_the_cases(
    client, alice, cases, django_assert_num_queries
):
    customer = None
    for _ in range(cases):
        case = _report()
        customer = case.customer
        services.promise_make(
            actor=alice,
            case=case,
            description="Call back",
            owner=alice,
            due_at=clock.now().replace(year=2030),
        )
    client.force_login(alice)
    # The same 10 for one case or many: session, user and role checks, unread alerts, the customer,
    # then one query each for cases, promises, problems, feedback and merge suggestions.
    with django_assert_num_queries(10):
        assert client.get(reverse("cases:customer_detail", args=[customer.pk])).status_code == 200


def test_customer_pages_are_staff_only(client, charlie):
    customer = _report().customer
    before = _snapshot(customer)
    url = reverse("cases:customer_detail", args=[customer.pk])
    assert client.get(url).status_code == 302  # anonymous: sign in first
    client.force_login(charlie)
    assert client.get(url).status_code == 403
    assert client.get(reverse("cases:customer_lookup"), {"q": "priya"}).status_code == 403
    answer = client.post(
        reverse("cases:customer_correct", args=[customer.pk]),
        {"name": "Mallory", "email": "m@example.com", "lawful_basis": "consent"},
    )
    assert answer.status_code == 403
    assert _snapshot(customer) == before


def test_an_agent_corrects_through_the_page(client, alice):
    case = _report()
    client.force_login(alice)
    answer = client.post(
        reverse("cases:customer_correct", args=[case.customer_id]),
        {"name": "Priya Shah", "email": "priya.new@example.com", "phone": "", "lawful_basis": "consent"},
    )
    assert answer.status_code == 302
    assert Customer.objects.get().email == "priya.new@example.com"
    assert Event.objects.get(case=case, kind="customer.corrected").after == {"email": "priya.new@example.com"}


def test_bad_correction_input_is_a_clear_400_and_nothing_changes(client, alice):
    case = _report()
    before = _snapshot(case.customer)
    client.force_login(alice)
    answer = client.post(
        reverse("cases:customer_correct", args=[case.customer_id]),
        {"name": "", "email": "not-an-address", "lawful_basis": "whim"},
    )
    assert answer.status_code == 400
    assert "Enter a valid email address." in answer.content.decode()
    assert _snapshot(case.customer) == before


def test_an_agent_may_not_merge_through_the_page_and_nothing_changes(client, alice):
    a = _report(customer_name="Priya Shah", customer_email="shah.family@example.com")
    b = _report(customer_name="Ravi Shah", customer_email="shah.family@example.com")
    before = (_snapshot(a.customer), _snapshot(b.customer))
    client.force_login(alice)
    page = client.get(reverse("cases:customer_detail", args=[a.customer_id])).content.decode()
    assert "Join the records" not in page
    answer = client.post(
        reverse("cases:customer_merge", args=[a.customer_id]), {"duplicate": b.customer_id, "reason": "Same"}
    )
    assert answer.status_code == 403
    assert (_snapshot(a.customer), _snapshot(b.customer)) == before


def test_a_supervisor_merges_through_the_page(client, bob):
    a = _report(customer_name="Priya Shah", customer_email="shah.family@example.com")
    b = _report(customer_name="Ravi Shah", customer_email="shah.family@example.com")
    client.force_login(bob)
    page = client.get(reverse("cases:customer_detail", args=[a.customer_id])).content.decode()
    assert "Ravi Shah" in page and "Same e-mail address, different name" in page
    answer = client.post(
        reverse("cases:customer_merge", args=[a.customer_id]),
        {"duplicate": b.customer_id, "reason": "Same person"},
    )
    assert answer.status_code == 302
    b.refresh_from_db()
    assert b.customer_id == a.customer_id
    # The old record's address now leads to the one it joined.
    old = client.get(reverse("cases:customer_detail", args=[b.customer.merged_from.get().pk]))
    assert old.status_code == 302 and old.url == reverse("cases:customer_detail", args=[a.customer_id])


def test_merging_an_unknown_record_is_a_clear_400(client, bob):
    a = _report()
    client.force_login(bob)
    answer = client.post(
        reverse("cases:customer_merge", args=[a.customer_id]), {"duplicate": 99999, "reason": "x"}
    )
    assert answer.status_code == 400
    assert "There is no customer record with that number." in answer.content.decode()
    assert not Event.objects.filter(kind="customer.merged").exists()


def test_log_a_report_with_a_picked_customer(client, alice):
    first = _report()
    client.force_login(alice)
    found = client.get(reverse("cases:customer_lookup"), {"q": "Priya"}, HTTP_HX_REQUEST="true")
    assert f'value="{first.customer_id}"' in found.content.decode()
    answer = client.post(
        reverse("cases:log_call"),
        {
            "customer_id": first.customer_id,
            "customer_name": "",
            "customer_email": "",
            "channel": "phone",
            "subject": "Another fault",
            "description": "The door seal tore.",
            "source_kind": "a",
            "consent": "on",
        },
    )
    assert answer.status_code == 302
    assert Case.objects.get(subject="Another fault").customer_id == first.customer_id


def test_log_a_report_without_a_customer_or_details_is_a_clear_400(client, alice):
    client.force_login(alice)
    answer = client.post(
        reverse("cases:log_call"),
        {
            "channel": "phone",
            "subject": "Fault",
            "description": "Broken.",
            "source_kind": "a",
            "consent": "on",
        },
    )
    assert answer.status_code == 400
    assert "Give the customer&#x27;s name, or pick an existing customer." in answer.content.decode()
    assert Case.objects.count() == 0


# ---------------------------------------------------------------- the API


def test_the_api_takes_an_optional_customer_id(client, alice):
    first = _report(customer_name="Priya Shah", customer_email="priya@example.com")
    api = Api(client, token_for(alice))
    picked = api.post(
        "/api/cases",
        case_body(customer={"name": "P. Shah", "email": "p@example.com"}, customer_id=first.customer_id),
    )
    assert picked.status_code == 201
    assert Case.objects.get(reference=picked.json()["reference"]).customer_id == first.customer_id
    unknown = api.post("/api/cases", case_body(customer_id=987654))
    assert unknown.status_code == 422
    assert "Unknown customer 987654." in unknown.content.decode()
    nonsense = api.post("/api/cases", case_body(customer_id=0))
    assert nonsense.status_code == 422
    assert Case.objects.count() == 2


# ---------------------------------------------------------------- a merged record stands for nobody


def test_after_a_merge_feedback_and_monitoring_find_the_kept_record_not_the_merged_one(bob):
    kept = _report(customer_name="Priya Shah", customer_email="shah.family@example.com").customer
    with clock.frozen(clock.now().replace(year=2030)):
        merged = _report(customer_name="P Shah", customer_email="shah.family@example.com").customer
    services.customer_merge(actor=bob, source=merged, target=kept, reason="Same person")
    item, _ = feedback_services.feedback_receive(
        actor=bob, source="comment", text="Thanks", customer_email="SHAH.family@example.com"
    )
    assert item.customer_id == kept.pk
    matches, unmatched = monitoring_services.customers_resolve(["shah.family@example.com"])
    assert [m.customer.pk for m in matches] == [kept.pk]
    assert unmatched == []
