"""Property-based tests: whatever a browser (or a robot) sends, the portal answers 303, 400, 403 or 404, never 500,
and a report or message is stored exactly when it is accepted, in the customer's exact words."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from putright.cases.models import Case
from putright.channels.models import Message
from putright.channels.portal_links import portal_token
from tests.customer_link import my_case, open_case

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

NASTY = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE cases_case; --",
    '" OR 1=1 --',
    "{{ request }}",
    "{% debug %}",
    "${jndi:ldap://x}",
    "../../../etc/passwd",
    "%00",
    "\x00",
    "\u202eevil\u202c",
    "\u200b\u200b",
    "\ufeff",
    "🙂" * 60,
    "ﷺ" * 40,
    "\r\n" * 20,
    " " * 40,
    "\t\x0b\x0c",
    "\x1b[31mred",
    "NaN",
    "-Infinity",
    "1e999999",
    "£1,000.00",
    "0.001",
    "9" * 60,
    "-0",
    "null",
    "[]",
    "{}",
    "a@b",
    "x" * 201,
    "y" * 20001,
]
CONTROL = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=30)
# Long runs of one character, around the field limits, without generating 20,000 random characters each time.
LONG = st.builds(
    lambda ch, n: ch * n,
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from([9, 10, 39, 41, 100, 101, 199, 201, 4999, 5001, 9999, 10001, 19999, 20000, 20001]),
)
HOSTILE = st.one_of(
    st.text(max_size=300),
    CONTROL,
    st.sampled_from(NASTY),
    LONG,
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=40)),
)

FIELDS = [
    "name",
    "email",
    "phone",
    "subject",
    "category",
    "description",
    "desired_outcome",
    "order_reference",
    "amount_in_dispute",
    "consent",
    "leave_this_empty",
]
VALID = {
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


@pytest.fixture(autouse=True)
def _no_report_limits_left_behind():
    """Reports these tests send are not counted against later tests in the same process."""
    yield
    cache.clear()


def post_form(client: Client, path: str, data: dict):
    # Sent as a browser sends a plain <form method="post">: application/x-www-form-urlencoded.
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def description_is_valid(text: str) -> bool:
    return "\x00" not in text and len(text) <= 20000 and len(text.strip()) >= 10


def check_report(client: Client, data: dict) -> int:
    # Every example is a new sender as far as the hourly report limits go: these tests are about the
    # answers to hostile input, not about the limits (tests/test_security_edges.py covers those).
    cache.clear()
    before = Case.objects.count()
    response = post_form(client, reverse("portal:report"), data)
    assert response.status_code in (303, 400)
    event(f"report answered {response.status_code}")
    if response.status_code == 303:
        assert Case.objects.count() == before + 1
        case = Case.objects.order_by("-pk").select_related("customer").first()
        # The report lands on the new case's token-free thanks page, which this browser was granted.
        assert response["Location"] == my_case(case, "report_thanks")
        # strip=False: the customer's words are stored exactly as sent.
        assert case.description == data["description"]
        assert case.subject == data["subject"].strip()
        assert case.customer.name == data["name"].strip()
        assert case.customer.email == data["email"].strip()
    else:
        assert Case.objects.count() == before
    return response.status_code


@PROPERTY
@given(field=st.sampled_from(FIELDS), value=HOSTILE)
def test_hostile_text_in_any_one_report_field_is_a_303_or_a_400_never_a_500(client, field, value):
    check_report(client, {**VALID, field: value})


@PROPERTY
@given(values=st.fixed_dictionaries({}, optional={f: HOSTILE for f in FIELDS}))
def test_hostile_text_in_many_report_fields_at_once_is_a_303_or_a_400(client, values):
    check_report(client, {**VALID, **values})


@PROPERTY
@given(description=HOSTILE)
def test_a_description_is_accepted_exactly_when_it_is_valid_and_then_stored_verbatim(client, description):
    status = check_report(client, {**VALID, "description": description})
    assert status == (303 if description_is_valid(description) else 400)


@PROPERTY
@given(body=HOSTILE)
def test_hostile_text_in_the_message_box_is_stored_exactly_when_valid(client, report_case, body):
    case = report_case()
    before = Message.objects.filter(case=case, direction=Message.Direction.INBOUND).count()
    response = post_form(client, open_case(client, case, "message"), {"body": body})

    inbound = Message.objects.filter(case=case, direction=Message.Direction.INBOUND)
    stripped = body.strip()
    event(f"message answered {response.status_code}")
    if "\x00" not in body and stripped and len(stripped) <= 10000:
        assert response.status_code == 303
        assert inbound.count() == before + 1
        assert inbound.order_by("-pk").first().body == stripped
    else:
        assert response.status_code == 400
        assert inbound.count() == before


@PROPERTY
@given(token=st.one_of(st.text(min_size=1, max_size=200), st.sampled_from(NASTY)))
def test_any_made_up_token_is_a_404(client, report_case, token):
    report_case()
    response = client.get("/track/" + quote(token, safe="") + "/")
    assert response.status_code == 404


@PROPERTY
@given(position=st.integers(min_value=0), replacement=st.characters(exclude_categories=["Cs"]))
def test_changing_any_one_character_of_a_real_token_never_opens_a_case(
    client, report_case, position, replacement
):
    case = report_case()
    token = portal_token(case)
    position %= len(token)
    if token[position] == replacement:
        replacement = "A" if replacement != "A" else "B"
    forged = token[:position] + replacement + token[position + 1 :]
    response = client.get("/track/" + quote(forged, safe="") + "/")
    assert response.status_code == 404
    assert case.reference not in response.content.decode()


@PROPERTY
@given(
    reference=st.one_of(st.text(min_size=1, max_size=60), st.sampled_from(NASTY)).filter(
        lambda r: "/" not in r
    )
)
def test_any_reference_at_the_token_free_address_without_a_grant_is_a_403(client, report_case, reference):
    case = report_case()
    for made_up in (reference, case.reference):
        page = client.get("/my-case/" + quote(made_up, safe="") + "/")
        answer = post_form(client, "/my-case/" + quote(made_up, safe="") + "/message/", {"body": "Hello"})
        assert (page.status_code, answer.status_code) == (403, 403)
        assert case.subject not in page.content.decode()
    assert not Message.objects.filter(case=case, direction=Message.Direction.INBOUND).exists()
