"""The customer-facing pages: the public report form and the private case link."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from putright import clock
from putright.audit.models import Event
from putright.authority.models import Approval
from putright.cases import services
from putright.cases.models import Agreement, Case, Category, Promise
from putright.channels.models import Alert, Message
from putright.channels.portal_links import portal_path, portal_token
from putright.customers.models import Customer
from putright.errors import DomainError, ErrorCode
from putright.portal.tokens import case_for_token
from putright.vocab import (
    Channel,
    OptionStatus,
    PromiseStatus,
    RemedyType,
    SourceKind,
    Status,
    Understanding,
)
from tests.conftest import aware, plain_text
from tests.customer_link import my_case, open_case

pytestmark = pytest.mark.django_db

CUSTOMER = services.CUSTOMER_LABEL
NOT_FOUND = "We cannot find that case link"
# The customer's words, with the spacing and line breaks they typed: kept exactly as written.
VERBATIM = "  The parcel arrived   crushed.\r\n\r\n\tInside, the lamp's base was   snapped in two.  \r\n"


def report_data(**overrides) -> dict:
    data = {
        "name": "Sam Okafor",
        "email": "sam@example.com",
        "phone": "",
        "subject": "Lamp arrived broken",
        "category": "",
        "description": "The lamp I ordered arrived with its base snapped in two.",
        "desired_outcome": "A replacement lamp, please.",
        "order_reference": "",
        "amount_in_dispute": "",
        "consent": "on",
        "leave_this_empty": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def url(client, case, name: str = "case") -> str:
    """The token-free address of the case's page ``name``, once ``client`` has followed the e-mailed link."""
    return open_case(client, case, name)


def last_event(case) -> Event:
    return Event.objects.filter(case=case).order_by("-seq").first()


def snapshot(case) -> tuple:
    """Everything an answer on the link could change, to prove a refused one changed nothing."""
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        case.understanding,
        case.understanding_correction,
        case.satisfaction_comment,
        case.recommended_option_id,
        case.portal_nonce,
        case.updated_at,
        Event.objects.filter(case=case).count(),
        Message.objects.filter(case=case).count(),
        Agreement.objects.filter(case=case).count(),
        Alert.objects.filter(case=case).count(),
    )


@pytest.fixture(autouse=True)
def _fresh_report_limits():
    """Each test starts, and leaves, with no reports counted against the hourly limits."""
    cache.clear()
    yield
    cache.clear()


def body_of(email) -> str:
    return plain_text(email)


@pytest.fixture
def awaiting_understanding(report_case, alice):
    case = report_case()
    services.case_summarise_understanding(
        actor=alice, case=case, summary="Your washing machine leaks; you want a replacement."
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def awaiting_agreement(case_with_options, alice):
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Replace the leaking machine",
            remedy_type=RemedyType.GOODWILL_CREDIT,
            amount=Decimal("80.00"),
            description="We collect the old machine and deliver a new one.",
            days_to_deliver=5,
        ),
    )
    services.option_recommend(
        actor=alice,
        option=option,
        justification="The customer asked for it; it is fair.",
        factors=["customer_preference", "customer_benefit"],
    )
    case_with_options.refresh_from_db()
    assert case_with_options.status == Status.AWAITING_CUSTOMER
    return case_with_options


@pytest.fixture
def awaiting_confirmation(awaiting_agreement, alice):
    case = awaiting_agreement
    services.option_customer_respond(case=case, agree=True)
    step = services.step_add(
        actor=alice,
        case=case,
        description="Deliver the new machine",
        owner=alice,
        due_date=clock.now().date() + timedelta(days=2),
    )
    services.step_complete(actor=alice, step=step)
    services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    case.refresh_from_db()
    return case


# ---------------------------------------------------------------- the report form


def test_reporting_a_valid_problem_creates_one_case_with_the_exact_words_and_emails_the_link(
    client, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:report"),
            report_data(
                description=VERBATIM,
                phone="+44 (0)20 7946 0000",
                order_reference="ORD-1138",
                amount_in_dispute="39.99",
            ),
        )

    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert response.status_code == 303
    assert response["Location"] == my_case(case, "report_thanks")
    assert case.description == VERBATIM
    assert case.channel == Channel.WEB
    assert case.source_kind == SourceKind.CUSTOMER_REPORTED == "a"
    assert case.subject == "Lamp arrived broken"
    assert case.desired_outcome == "A replacement lamp, please."
    assert case.order_reference == "ORD-1138"
    assert case.amount_in_dispute == Decimal("39.99")
    assert case.created_by is None
    assert (case.customer.name, case.customer.email, case.customer.phone) == (
        "Sam Okafor",
        "sam@example.com",
        "+44 (0)20 7946 0000",
    )
    assert case.customer.consent_given_at is not None
    assert last_event(case).kind == "case.reported"
    assert last_event(case).actor_label == CUSTOMER
    emails = mailbox.to("sam@example.com")
    assert len(emails) == 1
    assert str(emails[0]["Subject"]) == f"[{case.reference}] We have your report"
    links = re.findall(re.escape(settings.SITE_URL) + r"/track/([^/\s]+)/", body_of(emails[0]))
    assert [case_for_token(token) for token in links] == [case]


def test_it_accepts_an_amount_written_with_a_pound_sign_and_thousands_separator(client):
    response = client.post(reverse("portal:report"), report_data(amount_in_dispute="£1,250.50"))
    assert response.status_code == 303
    assert Case.objects.get().amount_in_dispute == Decimal("1250.50")


def test_it_files_the_report_under_the_chosen_category(client):
    category = Category.objects.create(name="Delivery", slug="delivery")
    response = client.post(reverse("portal:report"), report_data(category=str(category.pk)))
    assert response.status_code == 303
    assert Case.objects.get().category == category


INVALID = [
    ("name", "", "Please tell us your name."),
    ("name", "n" * 201, "Please keep this to 200 characters or fewer (it has 201)."),
    (
        "name",
        "Sam\tOkafor",
        "Please use ordinary letters, numbers and punctuation here (no tabs or line breaks).",
    ),
    ("email", "", "Please give us your email address, so we can send you your case link."),
    ("email", "sam-at-example.com", "Please enter an email address like name@example.com."),
    (
        "email",
        "sam@example.com\r\nBcc: all@example.com",
        "Please enter an email address like name@example.com.",
    ),
    ("phone", "call me maybe", "Please enter a phone number using digits, spaces and + ( ) - only."),
    ("phone", "1" * 41, "Please keep this to 40 characters or fewer (it has 41)."),
    ("subject", "", "Please tell us in a few words what went wrong."),
    ("subject", "s" * 201, "Please keep this to 200 characters or fewer (it has 201)."),
    ("subject", "Line one\nline two", "Please use ordinary letters, numbers and punctuation here"),
    ("category", "999999", "Please choose one of the options in the list."),
    ("category", "delivery", "Please choose one of the options in the list."),
    ("description", "", "Please tell us what happened."),
    ("description", "Too short", "Please tell us a little more: at least 10 characters."),
    ("description", "   \r\n  short   \r\n ", "Please tell us a little more: at least 10 characters."),
    ("description", "d" * 20001, "Please keep this to 20,000 characters or fewer (it has 20001)."),
    ("description", "A null \x00 character in the middle", "Null characters are not allowed."),
    ("desired_outcome", "", "Please tell us what you would like us to do, or that you are not sure yet."),
    ("order_reference", "o" * 101, "Please keep this to 100 characters or fewer (it has 101)."),
    ("amount_in_dispute", "-5", "Please enter an amount above £0, or leave this empty."),
    ("amount_in_dispute", "0", "Please enter an amount above £0, or leave this empty."),
    ("amount_in_dispute", "12.345", "Please use no more than 2 decimal places (pence), like 49.99."),
    ("amount_in_dispute", "1000000.01", "Please enter an amount of no more than £1,000,000."),
    ("amount_in_dispute", "99999999999", "Please enter an amount of no more than £1,000,000."),
    ("amount_in_dispute", "twelve", "Please enter an amount in pounds, like 49.99."),
    ("amount_in_dispute", "NaN", "Please enter an amount in pounds, like 49.99."),
    ("amount_in_dispute", "12,50", "Please enter an amount in pounds, like 49.99."),
    ("consent", None, "Please tick the box to let us use your details, or we cannot look into this."),
    ("leave_this_empty", "http://spam.example", "The box labelled “Leave this empty” has something in it."),
]


@pytest.mark.parametrize(
    ("field", "value", "message"), INVALID, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(INVALID)]
)
def test_it_rejects_a_bad_field_with_400_its_error_and_creates_nothing(
    client, mailbox, field, value, message
):
    response = client.post(reverse("portal:report"), report_data(**{field: value}))

    assert response.status_code == 400
    page = response.content.decode()
    assert escape(message) in page
    assert 'class="error-summary" role="alert"' in page
    assert (
        Case.objects.count(),
        Customer.objects.count(),
        Message.objects.count(),
        Event.objects.count(),
    ) == (0, 0, 0, 0)
    assert mailbox.to("sam@example.com") == []


def test_the_error_summary_links_to_each_field_with_a_problem_and_keeps_what_was_typed(client):
    response = client.post(
        reverse("portal:report"), report_data(name="", email="nope", description=VERBATIM[:9])
    )
    page = response.content.decode()

    assert response.status_code == 400
    summary = page[
        page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))
    ]
    assert re.findall(r'href="#(id_\w+)"', summary) == ["id_name", "id_email", "id_description"]
    assert 'aria-invalid="true"' in page
    assert 'id="id_name_error"' in page
    assert escape(VERBATIM[:9]) in page
    assert Case.objects.count() == 0


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append(attrs)
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])


@pytest.mark.parametrize(
    "fixture", ["report_page", "awaiting_understanding", "awaiting_agreement", "awaiting_confirmation"]
)
def test_every_input_on_the_customer_pages_has_a_label(client, request, fixture):
    if fixture == "report_page":
        response = client.get(reverse("portal:report"))
    else:
        response = client.get(url(client, request.getfixturevalue(fixture)))
    parser = _Inputs()
    parser.feed(response.content.decode())

    assert response.status_code == 200
    assert len(parser.controls) >= 2
    unlabelled = [c for c in parser.controls if c.get("id") not in parser.label_for]
    assert unlabelled == []


def test_the_report_form_explains_what_we_do_with_the_customers_details(client):
    page = client.get(reverse("portal:report")).content.decode()
    assert "How we use your details" in page
    assert "We can only do that with your consent, so that is our legal basis for using them." in page
    assert '<meta name="robots"' not in page


def test_the_report_form_refuses_a_post_without_its_csrf_token(db):
    response = Client(enforce_csrf_checks=True).post(reverse("portal:report"), report_data())
    assert response.status_code == 403
    assert Case.objects.count() == 0


# ---------------------------------------------------------------- the thanks page


def test_the_thanks_page_shows_the_reference_where_the_link_went_and_never_the_token(client, report_case):
    case = report_case()
    response = client.get(url(client, case, "report_thanks"))
    page = response.content.decode()

    assert response.status_code == 200
    assert re.fullmatch(r"PR-\d{4}-\d{6}", case.reference)
    assert f'<strong class="reference">{case.reference}</strong>' in page
    assert (
        'We have emailed your private case link to <strong class="break">priya@example.com</strong>' in page
    )
    assert "This browser can open it without the link for the next\n  30 days." in page
    assert f'<a class="button" href="{my_case(case)}">Go to your case</a>' in page
    assert portal_token(case) not in page and "/track/" not in page


def test_the_thanks_page_s_old_address_grants_and_redirects_and_a_forged_one_is_a_404(client, report_case):
    case = report_case()
    forged = client.get(reverse("portal:link_thanks", kwargs={"token": "not-a-real-token"}))
    assert forged.status_code == 404
    assert NOT_FOUND in forged.content.decode()
    assert client.get(my_case(case, "report_thanks")).status_code == 403

    response = client.get(reverse("portal:link_thanks", kwargs={"token": portal_token(case)}))

    assert (response.status_code, response["Location"]) == (303, my_case(case, "report_thanks"))
    assert client.get(response["Location"]).status_code == 200


# ---------------------------------------------------------------- the case page: whose case


def test_the_case_page_shows_its_own_case_and_nothing_of_another(client, report_case):
    mine = report_case(
        subject="Sofa delivered in the wrong colour",
        description="I ordered a green sofa; a red one came.",
        customer_email="mine@example.com",
        order_reference="ORD-MINE",
    )
    theirs = report_case(
        customer_name="Other Person",
        subject="Kettle stopped working",
        description="The kettle no longer boils after two days.",
        customer_email="theirs@example.com",
        order_reference="ORD-THEIRS",
    )
    page = client.get(url(client, mine)).content.decode()

    assert mine.reference in page and "Sofa delivered in the wrong colour" in page
    assert escape("I ordered a green sofa; a red one came.") in page
    for secret in (
        theirs.reference,
        "Kettle stopped working",
        "The kettle no longer boils",
        "theirs@example.com",
        "ORD-THEIRS",
        "Other Person",
    ):
        assert secret not in page


def _tampered(token: str, position: int) -> str:
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    return "".join(chars)


def _bad_tokens(case) -> dict[str, str]:
    good = portal_token(case)
    return {
        "payload-char-changed": _tampered(good, 1),
        "middle-char-changed": _tampered(good, len(good) // 2),
        "signature-char-changed": _tampered(good, len(good) - 1),
        "garbage": "hello-there",
        "empty-signature": good.rsplit(":", 1)[0] + ":",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "payload-char-changed",
        "middle-char-changed",
        "signature-char-changed",
        "garbage",
        "empty-signature",
        "revoked",
    ],
)
@pytest.mark.parametrize(
    ("page", "method", "data"),
    [
        ("case", "get", None),
        ("record", "get", None),
        ("report_thanks", "get", None),
        ("understanding", "post", {"confirm": "yes"}),
        ("message", "post", {"body": "Hello, is anyone there?"}),
    ],
)
def test_a_bad_token_is_a_friendly_404_and_changes_nothing(
    client, awaiting_understanding, kind, page, method, data
):
    case = awaiting_understanding
    if kind == "revoked":
        token = portal_token(case)
        # Rotating the nonce is how a link is revoked: every token issued before stops working.
        Case.objects.filter(pk=case.pk).update(portal_nonce="rotated-nonce")
    else:
        token = _bad_tokens(case)[kind]
    before = snapshot(case)

    old_address = {
        "case": reverse("portal:link", kwargs={"token": token}),
        "report_thanks": reverse("portal:link_thanks", kwargs={"token": token}),
    }.get(page, reverse("portal:link_page", kwargs={"token": token, "page": page}))

    response = getattr(client, method)(old_address, data or {})

    assert response.status_code == 404
    body = response.content.decode()
    assert NOT_FOUND in body
    assert case.reference not in body and case.subject not in body
    assert response["Cache-Control"] == "no-store, private"
    assert snapshot(case) == before
    # Nor did the bad link let this browser in by the token-free address.
    assert client.get(my_case(case)).status_code == 403


def test_a_link_for_one_case_never_opens_another_even_after_the_first_is_revoked(client, report_case):
    first = report_case(subject="First problem")
    second = report_case(subject="Second problem")
    token = portal_token(first)
    Case.objects.filter(pk=first.pk).update(portal_nonce=second.portal_nonce)
    response = client.get(reverse("portal:link", kwargs={"token": token}))
    assert response.status_code == 404
    assert "Second problem" not in response.content.decode()
    assert client.get(my_case(second)).status_code == 403


@pytest.mark.parametrize(
    ("name", "referrer_policy"),
    [
        ("report_thanks", "no-referrer"),
        ("record", "no-referrer"),
        # The case page posts forms: "no-referrer" would make browsers send "Origin: null", which CSRF refuses.
        ("case", "same-origin"),
    ],
)
def test_case_pages_are_never_cached_indexed_or_sent_to_another_site(
    client, awaiting_understanding, name, referrer_policy
):
    response = client.get(url(client, awaiting_understanding, name))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == referrer_policy
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_an_answer_posted_by_a_browser_passes_the_csrf_origin_check(awaiting_understanding):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url(browser, awaiting_understanding)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = browser.post(
        url(browser, awaiting_understanding, "understanding"),
        {"confirm": "yes", "csrfmiddlewaretoken": csrf},
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 303
    awaiting_understanding.refresh_from_db()
    assert awaiting_understanding.understanding == Understanding.CONFIRMED


def test_an_answer_with_a_null_origin_is_refused_by_csrf_and_changes_nothing(awaiting_understanding):
    # What a browser sends from a page under "Referrer-Policy: no-referrer": why the case page uses same-origin.
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url(browser, awaiting_understanding)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    before = snapshot(awaiting_understanding)

    response = browser.post(
        url(browser, awaiting_understanding, "understanding"),
        {"confirm": "yes", "csrfmiddlewaretoken": csrf},
        HTTP_ORIGIN="null",
    )

    assert response.status_code == 403
    assert snapshot(awaiting_understanding) == before


def test_the_answer_urls_only_accept_post(client, awaiting_understanding):
    for name in ("understanding", "agreement", "satisfaction", "message"):
        assert client.get(url(client, awaiting_understanding, name)).status_code == 405


# ---------------------------------------------------------------- S2 understanding


def test_confirming_our_understanding_moves_the_case_to_options_as_the_customer(
    client, awaiting_understanding
):
    case = awaiting_understanding
    page = client.get(url(client, case)).content.decode()
    assert "Have we understood your problem?" in page
    assert escape("Your washing machine leaks; you want a replacement.") in page

    response = client.post(url(client, case, "understanding"), {"confirm": "yes"})

    assert response.status_code == 303
    assert response["Location"] == my_case(case) + "#status"
    case.refresh_from_db()
    assert (case.status, case.understanding) == (Status.OPTIONS, Understanding.CONFIRMED)
    event = last_event(case)
    assert (event.kind, event.actor_label, event.actor_id, event.customer_visible) == (
        "understanding.confirmed",
        CUSTOMER,
        None,
        True,
    )
    followed = client.get(response["Location"]).content.decode()
    assert "Thank you for confirming." in followed


def test_correcting_our_understanding_stores_the_correction_and_alerts_the_handler(
    client, awaiting_understanding, alice
):
    case = awaiting_understanding
    response = client.post(
        url(client, case, "understanding"),
        {"confirm": "no", "correction": "It is the dryer, not the washer."},
    )

    assert response.status_code == 303
    case.refresh_from_db()
    assert (case.status, case.understanding, case.understanding_correction) == (
        Status.NEW,
        Understanding.CORRECTED,
        "It is the dryer, not the washer.",
    )
    event = last_event(case)
    assert (event.kind, event.actor_label) == ("understanding.corrected", CUSTOMER)
    assert Alert.objects.filter(case=case, recipient=alice, kind=Alert.Kind.CUSTOMER_MESSAGE).count() == 1
    page = client.get(url(client, case)).content.decode()
    assert "Thank you for correcting us" in page
    assert "It is the dryer, not the washer." in page


def test_saying_no_without_a_correction_is_a_400_and_changes_nothing(client, awaiting_understanding):
    before = snapshot(awaiting_understanding)
    response = client.post(
        url(client, awaiting_understanding, "understanding"), {"confirm": "no", "correction": "   "}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Please tell us what we have got wrong." in page
    assert 'href="#understanding_correction"' in page
    assert snapshot(awaiting_understanding) == before


# ---------------------------------------------------------------- A1 agreement


def test_the_proposal_shows_what_we_offer(client, awaiting_agreement):
    page = client.get(url(client, awaiting_agreement)).content.decode()
    assert "Our proposal to put it right" in page
    assert "Replace the leaking machine" in page
    assert "We collect the old machine and deliver a new one." in page
    assert "£80.00" in page
    assert "Within 5 days of your agreement" in page


def test_agreeing_to_the_proposal_puts_the_case_in_progress_as_the_customer(client, awaiting_agreement):
    case = awaiting_agreement
    option = case.recommended_option
    response = client.post(url(client, case, "agreement"), {"agree": "yes", "comment": "Thank you"})

    assert response.status_code == 303
    case.refresh_from_db()
    option.refresh_from_db()
    assert (case.status, option.status) == (Status.IN_PROGRESS, OptionStatus.AGREED)
    agreement = Agreement.objects.get(case=case)
    assert (agreement.agreed, agreement.method, agreement.recorded_by, agreement.customer_comment) == (
        True,
        "portal",
        None,
        "Thank you",
    )
    event = last_event(case)
    assert (event.kind, event.actor_label) == ("option.agreed", CUSTOMER)


def test_declining_the_proposal_sends_the_case_back_to_options_with_the_reason(
    client, awaiting_agreement, alice
):
    case = awaiting_agreement
    option = case.recommended_option
    response = client.post(
        url(client, case, "agreement"), {"agree": "no", "comment": "I would rather have a refund."}
    )

    assert response.status_code == 303
    case.refresh_from_db()
    option.refresh_from_db()
    assert (case.status, option.status, case.recommended_option_id) == (
        Status.OPTIONS,
        OptionStatus.DECLINED,
        None,
    )
    assert Agreement.objects.get(case=case).customer_comment == "I would rather have a refund."
    event = last_event(case)
    assert (event.kind, event.actor_label) == ("option.declined", CUSTOMER)
    assert Alert.objects.filter(case=case, recipient=alice, kind=Alert.Kind.CUSTOMER_MESSAGE).count() == 1


def test_an_agreement_without_a_yes_or_no_is_a_400_and_changes_nothing(client, awaiting_agreement):
    before = snapshot(awaiting_agreement)
    response = client.post(url(client, awaiting_agreement, "agreement"), {"agree": "maybe"})
    assert response.status_code == 400
    assert "Please choose whether you agree." in response.content.decode()
    assert snapshot(awaiting_agreement) == before


# ---------------------------------------------------------------- A5 satisfaction


def test_saying_it_is_resolved_closes_the_case_as_the_customer(client, awaiting_confirmation):
    case = awaiting_confirmation
    assert "Is your problem resolved?" in client.get(url(client, case)).content.decode()

    response = client.post(url(client, case, "satisfaction"), {"resolved": "yes"})

    assert response.status_code == 303
    case.refresh_from_db()
    assert case.status == Status.CLOSED_RESOLVED
    assert case.closed_at is not None
    event = last_event(case)
    assert (event.kind, event.actor_label) == ("satisfaction.resolved", CUSTOMER)


def test_saying_it_is_not_resolved_records_what_is_still_wrong(client, awaiting_confirmation, alice):
    case = awaiting_confirmation
    response = client.post(
        url(client, case, "satisfaction"), {"resolved": "no", "comment": "The new one leaks too."}
    )

    assert response.status_code == 303
    case.refresh_from_db()
    assert (case.status, case.satisfaction_comment) == (Status.NOT_RESOLVED, "The new one leaks too.")
    event = last_event(case)
    assert (event.kind, event.actor_label) == ("satisfaction.not_resolved", CUSTOMER)
    assert Alert.objects.filter(case=case, recipient=alice, kind=Alert.Kind.CUSTOMER_MESSAGE).count() == 1
    assert "You told us it is not resolved" in client.get(url(client, case)).content.decode()


def test_not_resolved_without_saying_what_is_wrong_is_a_400_and_changes_nothing(
    client, awaiting_confirmation
):
    before = snapshot(awaiting_confirmation)
    response = client.post(
        url(client, awaiting_confirmation, "satisfaction"), {"resolved": "no", "comment": ""}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Please tell us what is still wrong, so we can put it right." in page
    assert 'href="#satisfaction_comment"' in page
    assert snapshot(awaiting_confirmation) == before


# ---------------------------------------------------------------- answers the case is not waiting for


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("understanding", {"confirm": "yes"}, "There is no summary awaiting confirmation."),
        (
            "understanding",
            {"confirm": "no", "correction": "Not quite"},
            "There is no summary awaiting confirmation.",
        ),
        (
            "agreement",
            {"agree": "yes"},
            "That can't be done at this stage: the case is now 'Understanding the problem'. Please refresh the page to see where it stands.",
        ),
        (
            "satisfaction",
            {"resolved": "yes"},
            "That can't be done at this stage: the case is now 'Understanding the problem'. Please refresh the page to see where it stands.",
        ),
    ],
)
def test_an_answer_the_case_is_not_waiting_for_shows_why_and_changes_nothing(
    client, report_case, name, data, message
):
    case = report_case()
    before = snapshot(case)

    response = client.post(url(client, case, name), data)

    assert response.status_code == 303
    assert response["Location"] == my_case(case)
    assert escape(message) in client.get(response["Location"]).content.decode()
    assert snapshot(case) == before


def test_a_stale_page_answering_a_closed_question_badly_changes_nothing(client, report_case):
    case = report_case()
    before = snapshot(case)
    response = client.post(url(client, case, "satisfaction"), {"resolved": "no", "comment": ""})

    assert response.status_code == 303
    assert (
        "Your case has moved on since that page was loaded" in client.get(url(client, case)).content.decode()
    )
    assert snapshot(case) == before


def test_agreeing_twice_shows_why_the_second_is_refused(client, awaiting_agreement):
    client.post(url(client, awaiting_agreement, "agreement"), {"agree": "yes"})
    before = snapshot(awaiting_agreement)
    response = client.post(url(client, awaiting_agreement, "agreement"), {"agree": "no"})
    assert response.status_code == 303
    assert (
        escape(
            "That can't be done at this stage: the case is now 'Putting it right'. Please refresh the page to see where it stands."
        )
        in client.get(url(client, awaiting_agreement)).content.decode()
    )
    assert snapshot(awaiting_agreement) == before


# ---------------------------------------------------------------- what the customer may and may not see


@pytest.fixture
def case_with_internal_work(case_with_options, alice, bob, dave):
    """A case carrying internal-only events: an option, a consultation, an approval, an escalation."""
    case = case_with_options
    option = services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(
            title="Internal-only option title",
            remedy_type=RemedyType.REFUND,
            amount=Decimal("449.00"),
            cost_to_organisation=Decimal("310.00"),
            organisation_disadvantages="Margin hit on the quarter",
        ),
    )
    services.consultation_request(actor=alice, case=case, colleague=dave, question="Secret question for Dave")
    services.case_escalate(actor=alice, case=case, to_user=dave, reason="Private escalation reason")
    services.option_recommend(
        actor=dave,
        option=option,
        justification="Private justification text",
        factors=["legal_obligation", "cost"],
    )
    services.message_send(
        actor=dave,
        case=case,
        body="We are checking a refund for you.",
        requested=False,
        send_anyway_reason="The test is not about the wording.",
    )
    case.refresh_from_db()
    assert case.status == Status.AWAITING_APPROVAL
    assert Approval.objects.filter(case=case).count() == 1
    return case


@pytest.mark.parametrize("page", ["case", "record"])
def test_internal_events_consultations_and_approvals_are_never_shown(client, case_with_internal_work, page):
    case = case_with_internal_work
    body = client.get(url(client, case, page)).content.decode()

    internal = Event.objects.filter(case=case, customer_visible=False)
    assert internal.count() >= 5
    for event in internal:
        assert escape(event.summary) not in body
    for event in Event.objects.filter(case=case, customer_visible=True):
        assert escape(event.summary) in body
    for secret in (
        "Internal-only option title",
        "Secret question for Dave",
        "Private escalation reason",
        "Private justification text",
        "Margin hit",
        "310.00",
        "Awaiting approval",
        "Approval",
        "alice asks about",
        "dave@putright.example",
    ):
        assert secret not in body
    assert "We are working out how to put it right" in body
    assert "We are checking a refund for you." in body


def test_the_timeline_names_the_customer_for_their_own_answers(client, awaiting_understanding):
    client.post(url(client, awaiting_understanding, "understanding"), {"confirm": "yes"})
    page = client.get(url(client, awaiting_understanding)).content.decode()
    assert "Customer confirmed our understanding (on their case link)" in page
    assert f"{CUSTOMER}</span>" in page


def test_the_printable_record_shows_the_customers_details_words_and_messages(client, report_case):
    case = report_case(description=VERBATIM, customer_phone="07700 900123")
    page = client.get(url(client, case, "record")).content.decode()
    for expected in (
        "Priya Shah",
        "priya@example.com",
        "07700 900123",
        "Consent",
        escape(VERBATIM),
        "We have your report",
        "Problem reported by the customer via Web form",
        "ORD-558812",
        "£449.00",
    ):
        assert expected in page


def test_a_case_closed_unresolved_shows_the_reasons_and_other_routes_first(client, case_with_options, alice):
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=case_with_options,
        reasons="The fault was caused by a flood, which our warranty excludes.",
        other_routes=["Your home insurer", "The Retail Ombudsman: 0300 000 0000"],
    )
    page = client.get(url(client, case_with_options)).content.decode()
    status_section = page[page.index('id="status"') : page.index("</section>", page.index('id="status"'))]
    assert "We could not resolve your problem" in status_section
    assert "The fault was caused by a flood, which our warranty excludes." in status_section
    assert "Your home insurer" in status_section
    assert "The Retail Ombudsman: 0300 000 0000" in status_section


def test_a_closed_case_s_link_opens_it_until_the_configured_days_then_shows_only_that_it_expired(
    client, settings, case_with_options, alice
):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CASE_LINK_DAYS_AFTER_CLOSURE": 30}
    case = case_with_options
    with clock.frozen(aware(2030, 3, 4, 9)):
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="The fault was caused by a flood, which our warranty excludes.",
            other_routes=["Your home insurer"],
        )
    # 30 days on (10:00 in British Summer Time is 09:00 GMT, when it closed): still open.
    with clock.frozen(aware(2030, 4, 3, 10)):
        assert client.get(url(client, case)).status_code == 200
    # A minute later: the e-mailed link and the pages this browser was granted alike are gone.
    with clock.frozen(aware(2030, 4, 3, 10, 1)):
        link = client.get(portal_path(case))
        page = client.get(my_case(case))
        record = client.get(my_case(case, "record"))
        before = snapshot(case)
        messages_before = Message.objects.filter(case=case).count()
        sent = client.post(my_case(case, "message"), {"body": "Are you still there?"})
        old_link_sent = client.post(portal_path(case) + "message/", {"body": "Are you still there?"})

    assert [r.status_code for r in (link, page, record, sent, old_link_sent)] == [410] * 5
    for response in (link, page):
        text = response.content.decode()
        assert "This case link has expired" in text
        for private in (case.subject, case.customer.name, case.customer.email, "flood"):
            assert private not in text
    assert snapshot(case) == before
    assert Message.objects.filter(case=case).count() == messages_before


def test_an_open_case_s_link_never_expires(client, settings, case_with_options):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CASE_LINK_DAYS_AFTER_CLOSURE": 1}
    with clock.frozen(aware(2040, 1, 1)):
        assert client.get(url(client, case_with_options)).status_code == 200


def test_promises_show_what_we_said_and_when(client, case_with_options, alice):
    services.promise_make(
        actor=alice,
        case=case_with_options,
        description="Call you about a delivery slot",
        owner=alice,
        due_at=aware(2030, 3, 4, 15, 30),
    )
    page = client.get(url(client, case_with_options)).content.decode()
    promise = re.search(r"<strong>Call you about a delivery slot</strong>.*?</li>", page, re.S).group(0)
    assert "Monday 4 March 2030, 15:30" in promise
    assert promise.endswith("· Due</li>")


def test_a_broken_promise_is_owned_up_to_not_hidden(client, case_with_options, alice):
    promise = services.promise_make(
        actor=alice,
        case=case_with_options,
        description="Ring you back",
        owner=alice,
        due_at=aware(2030, 3, 4),
    )
    services.promises_sweep(now=aware(2030, 3, 5))
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.BROKEN
    page = client.get(url(client, case_with_options)).content.decode()
    assert re.search(r"<strong>Ring you back</strong>.*?· Late: we are sorry</li>", page, re.S)


# ---------------------------------------------------------------- A4 messages


def test_the_customers_message_is_stored_and_the_handler_is_alerted(client, awaiting_understanding, alice):
    case = awaiting_understanding
    response = client.post(url(client, case, "message"), {"body": "Could you call me after 5pm?\r\nThanks."})

    assert response.status_code == 303
    message = Message.objects.get(case=case, direction=Message.Direction.INBOUND)
    assert message.body == "Could you call me after 5pm?\r\nThanks."
    alert = Alert.objects.get(case=case, recipient=alice, kind=Alert.Kind.CUSTOMER_MESSAGE)
    assert "Could you call me after 5pm?" in alert.text
    event = last_event(case)
    assert (event.kind, event.actor_label) == ("message.received", CUSTOMER)
    page = client.get(url(client, case)).content.decode()
    assert "From you" in page and "Could you call me after 5pm?" in page


def test_one_message_more_than_the_hour_allows_is_refused_with_the_words_kept_and_nothing_alerted(
    client, settings, awaiting_understanding, alice
):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "MESSAGES_PER_CASE_PER_HOUR": 3}
    case = awaiting_understanding
    with clock.frozen(aware(2030, 3, 4, 10, 15)):
        for i in range(3):
            assert client.post(url(client, case, "message"), {"body": f"Message {i}"}).status_code == 303
        alerts = Alert.objects.filter(case=case, kind=Alert.Kind.CUSTOMER_MESSAGE).count()
        inbound = Message.objects.filter(case=case, direction=Message.Direction.INBOUND).count()

        response = client.post(url(client, case, "message"), {"body": "One more, about the washing machine"})

        assert response.status_code == 429
        assert response["Retry-After"] == str(45 * 60)
        page = response.content.decode()
        assert "so this one was not sent" in page and "please send them again in 45 minutes" in page
        assert "One more, about the washing machine</textarea>" in page
        assert Message.objects.filter(case=case, direction=Message.Direction.INBOUND).count() == inbound == 3
        assert Alert.objects.filter(case=case, kind=Alert.Kind.CUSTOMER_MESSAGE).count() == alerts == 3
    # The next hour, the customer can write again.
    with clock.frozen(aware(2030, 3, 4, 11, 0)):
        assert (
            client.post(
                url(client, case, "message"), {"body": "One more, about the washing machine"}
            ).status_code
            == 303
        )
    assert Message.objects.filter(case=case, direction=Message.Direction.INBOUND).count() == 4


def test_messages_are_listed_newest_first(client, awaiting_understanding, alice):
    case = awaiting_understanding
    client.post(url(client, case, "message"), {"body": "First from me"})
    services.message_send(
        actor=alice,
        case=case,
        body="Second, from Alice",
        requested=True,
        send_anyway_reason="The test is not about the wording.",
    )
    page = client.get(url(client, case)).content.decode()
    # Issue 15 §9: the customer's page shows the newest activity first.
    assert page.index("Second, from Alice") < page.index("First from me") < page.index("We have your report")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please write your message before sending it."),
        ("   \r\n  ", "Please write your message before sending it."),
        ("m" * 10001, "Please keep this to 10,000 characters or fewer (it has 10001)."),
    ],
)
def test_an_empty_or_overlong_message_is_a_400_and_nothing_is_stored(
    client, awaiting_understanding, body, message
):
    before = snapshot(awaiting_understanding)
    response = client.post(url(client, awaiting_understanding, "message"), {"body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(awaiting_understanding) == before


def test_the_case_page_reads_in_a_fixed_number_of_queries(
    client, case_with_options, alice, django_assert_max_num_queries
):
    for n in range(5):
        services.message_send(
            actor=alice,
            case=case_with_options,
            body=f"Update {n}",
            requested=False,
            send_anyway_reason="Test.",
        )
        services.promise_make(
            actor=alice,
            case=case_with_options,
            description=f"Promise {n}",
            owner=alice,
            due_at=clock.now() + timedelta(days=n + 1),
        )
    page = url(client, case_with_options)
    # 6 for the case and what it shows, 1 for the organisation's brand (its name, colour and logo), 1 for
    # the running clocks (when the customer will hear from us), 1 for the case's files (issue 15 §4: the Files
    # panel and each message's own).
    with django_assert_max_num_queries(9):
        response = client.get(page)
    assert response.status_code == 200


def test_a_filled_in_honeypot_is_shown_so_a_person_can_clear_it(client):
    page = client.post(reverse("portal:report"), report_data(leave_this_empty="autofilled")).content.decode()
    assert '<div class="hp">' not in page
    assert 'href="#id_leave_this_empty"' in page
    assert 'value="autofilled"' in page
    assert Case.objects.count() == 0


def test_the_honeypot_is_out_of_sight_on_a_fresh_form(client):
    page = client.get(reverse("portal:report")).content.decode()
    hidden = page[page.index('<div class="hp">') :]
    assert hidden.index('id="id_leave_this_empty"') < hidden.index("</div>\n</div>")


def test_a_refusal_from_the_service_is_shown_on_the_form_and_nothing_is_created(client, monkeypatch):
    def refuse(**kwargs):
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Unknown category 7.")

    monkeypatch.setattr(services, "case_report", refuse)
    response = client.post(reverse("portal:report"), report_data())
    assert response.status_code == 400
    assert "Unknown category 7." in response.content.decode()
    assert Case.objects.count() == 0
