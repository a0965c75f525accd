"""Security edges: one-line fields, the report form's hourly limits, case references that cannot
exist, and production settings that refuse to start unsafely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from putright import clock, ratelimit, validators
from putright.audit.models import Event
from putright.caseforms.forms import (
    CloseUnresolvedForm,
    LogCallForm,
    OptionForm,
    PromiseForm,
    StepForm,
)
from putright.caseforms.forms import MessageForm as StaffMessageForm
from putright.cases import access, selectors
from putright.cases.models import ActionStep, Case, Option, Promise
from putright.channels.models import Message
from putright.customers.models import Customer
from putright.portal.forms import ReportForm
from putright.portal.views import TOO_MANY_REPORTS
from tests.conftest import aware

ONE_LINE = "Please use ordinary letters, numbers and punctuation here (no tabs or line breaks)."
HEADER_INJECTION = "Your refund\r\nBcc: everyone@example.com"
BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_report_limits():
    """No test sees, or leaves behind, reports counted against the hourly limits."""
    cache.clear()
    yield
    cache.clear()


# ---------------------------------------------------------------- 1. one-line fields


@pytest.mark.parametrize(
    "value",
    ["a\r\nb", "a\nb", "a\rb", "a\tb", "a\x00b", "a\x1b[31mb", "a\x7fb", "a\x85b", "a\u2028b", "a\u2029b"],
)
def test_single_line_refuses_line_breaks_and_control_characters_with_the_control_code(value):
    with pytest.raises(ValidationError) as raised:
        validators.single_line(value)
    assert raised.value.code == "control"
    assert raised.value.messages == [ONE_LINE]


@pytest.mark.parametrize("value", ["Parcel arrived damaged", "Café £49.99 – “broken” 🙂", "ORD-558812", ""])
def test_single_line_returns_ordinary_text_unchanged(value):
    assert validators.single_line(value) == value


def _control_errors(form, field: str) -> list[tuple[str, str]]:
    return [(e.code, e.message) for e in form.errors.as_data().get(field, [])]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form_class", "field"),
    [
        (ReportForm, "name"),
        (ReportForm, "subject"),
        (ReportForm, "order_reference"),
        (LogCallForm, "customer_name"),
        (LogCallForm, "customer_phone"),
        (LogCallForm, "subject"),
        (LogCallForm, "order_reference"),
        (StaffMessageForm, "subject"),
        (OptionForm, "title"),
        (StepForm, "description"),
        (PromiseForm, "description"),
        (CloseUnresolvedForm, "other_route"),
    ],
)
def test_every_one_line_field_refuses_a_line_break_and_accepts_a_plain_line(form_class, field):
    refused = form_class(data={field: HEADER_INJECTION})
    assert refused.is_valid() is False
    assert _control_errors(refused, field) == [("control", ONE_LINE)]

    accepted = form_class(data={field: "Parcel arrived damaged"})
    accepted.is_valid()
    assert field not in accepted.errors


def staff_snapshot(case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        case.updated_at,
        Event.objects.filter(case=case).count(),
        Message.objects.filter(case=case).count(),
        Option.objects.filter(case=case).count(),
        ActionStep.objects.filter(case=case).count(),
        Promise.objects.filter(case=case).count(),
    )


def test_a_message_subject_with_a_line_break_is_a_400_and_nothing_is_stored_or_sent(
    client, alice, case_with_options, mailbox, django_capture_on_commit_callbacks
):
    case = case_with_options
    before = staff_snapshot(case)
    mailbox.clear()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("cases:message_send", kwargs={"reference": case.reference}),
            {"prompt": "requested", "subject": HEADER_INJECTION, "body": "Your refund is on its way."},
        )
    assert response.status_code == 400
    assert ONE_LINE in response.content.decode()
    assert callbacks == []
    assert staff_snapshot(case) == before
    assert mailbox.to(case.customer.email) == []


def test_a_one_line_message_subject_is_sent_as_the_email_subject(
    client, alice, case_with_options, mailbox, django_capture_on_commit_callbacks
):
    case = case_with_options
    mailbox.clear()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:message_send", kwargs={"reference": case.reference}),
            {
                "prompt": "requested",
                "subject": "Your refund",
                "body": "Your refund is on its way. I will call you on Tuesday to check it arrived.",
            },
        )
    assert response.status_code == 302
    assert mailbox.subjects_to(case.customer.email) == [f"[{case.reference}] Your refund"]


def test_logging_a_call_with_a_line_break_in_the_name_is_a_400_and_creates_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:log_call"),
        {
            "customer_name": "Tom\r\nOkafor",
            "customer_email": "tom@example.com",
            "subject": "Boiler service missed",
            "description": "The engineer didn't come.",
            "channel": "phone",
            "source_kind": "a",
            "consent": "on",
        },
    )
    assert response.status_code == 400
    assert _control_errors(response.context["form"], "customer_name") == [("control", ONE_LINE)]
    assert list(response.context["form"].errors) == ["customer_name"]
    assert (Case.objects.count(), Customer.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("name", "form_key", "field", "data"),
    [
        (
            "option_add",
            "option_form",
            "title",
            {"remedy_type": "refund", "amount": "10", "cost_to_organisation": "8", "days_to_deliver": "1"},
        ),
        ("step_add", "step_form", "description", {"due_date": "2030-01-01"}),
        ("promise_make", "promise_form", "description", {"due_at": "2030-01-01T10:00"}),
        ("message_send", "message_form", "subject", {"prompt": "requested", "body": "On its way."}),
    ],
)
def test_a_workspace_one_line_field_with_a_line_break_is_a_400_and_changes_nothing(
    client, alice, case_with_options, name, form_key, field, data
):
    case = case_with_options
    before = staff_snapshot(case)
    client.force_login(alice)
    response = client.post(
        reverse(f"cases:{name}", kwargs={"reference": case.reference}),
        {**data, field: HEADER_INJECTION, "owner": alice.pk},
    )
    assert response.status_code == 400
    form = response.context[form_key]
    # The line break is the only thing wrong, and it is shown beside the field.
    assert list(form.errors) == [field]
    assert _control_errors(form, field) == [("control", ONE_LINE)]
    assert ONE_LINE in response.content.decode()
    assert staff_snapshot(case) == before


# ---------------------------------------------------------------- 2. the report form's hourly limits


def report_data(**overrides) -> dict:
    data = {
        "name": "Sam Okafor",
        "email": "sam@example.com",
        "phone": "",
        "subject": "Lamp arrived broken",
        "category": "",
        "description": "The lamp I ordered arrived with its base snapped in two.",
        "desired_outcome": "A replacement lamp, please.",
        "order_reference": "ORD-4471",
        "amount_in_dispute": "",
        "consent": "on",
        "leave_this_empty": "",
    }
    data.update(overrides)
    return data


def post_report(client, *, ip: str = "198.51.100.7", **overrides):
    return client.post(reverse("portal:report"), report_data(**overrides), REMOTE_ADDR=ip)


def stored() -> tuple[int, int, int, int]:
    return (Case.objects.count(), Customer.objects.count(), Message.objects.count(), Event.objects.count())


@pytest.fixture
def limits(settings):
    """Small limits, so a test reaches them in a few requests."""

    def _set(per_ip: int = 100, per_email: int = 100, proxies: int = 0):
        settings.PUTRIGHT = {
            **settings.PUTRIGHT,
            "REPORTS_PER_IP_PER_HOUR": per_ip,
            "REPORTS_PER_EMAIL_PER_HOUR": per_email,
            "TRUSTED_PROXY_COUNT": proxies,
        }

    return _set


def test_the_default_limits_are_ten_reports_per_sender_and_five_per_email_address_an_hour():
    assert django_settings.PUTRIGHT["REPORTS_PER_IP_PER_HOUR"] == 10
    assert django_settings.PUTRIGHT["REPORTS_PER_EMAIL_PER_HOUR"] == 5
    assert django_settings.PUTRIGHT["TRUSTED_PROXY_COUNT"] == 0


@pytest.mark.django_db
def test_the_eleventh_report_from_one_address_in_an_hour_is_a_429_and_creates_and_sends_nothing(
    client, mailbox, django_capture_on_commit_callbacks
):
    for n in range(10):
        assert post_report(client, email=f"customer{n}@example.com").status_code == 303
    before = stored()
    mailbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_report(client, email="victim@example.com")

    assert response.status_code == 429
    assert callbacks == []
    assert stored() == before
    assert mailbox.to("victim@example.com") == []
    html = response.content.decode()
    assert TOO_MANY_REPORTS in html
    assert "Please wait before sending another report" in html
    # The limit message comes first, above the form.
    assert html.index(TOO_MANY_REPORTS) < html.index("<form")


@pytest.mark.django_db
def test_the_429_page_keeps_everything_the_customer_typed_and_is_never_cached(client, limits):
    limits(per_ip=1)
    assert post_report(client, email="first@example.com").status_code == 303
    words = "The lamp arrived\r\n  with its base <snapped> in two & a cracked shade."

    response = post_report(client, email="second@example.com", description=words, phone="07700 900123")

    assert response.status_code == 429
    assert response["Cache-Control"] == "no-store"
    form = response.context["form"]
    assert form.data["description"] == words
    html = response.content.decode()
    for value in ("Sam Okafor", "second@example.com", "07700 900123", "Lamp arrived broken", "ORD-4471"):
        assert f'value="{value}"' in html
    assert (
        "The lamp arrived\r\n  with its base &lt;snapped&gt; in two &amp; a cracked shade.</textarea>" in html
    )
    assert "A replacement lamp, please.</textarea>" in html
    assert 'name="consent" required id="id_consent" checked' in html


@pytest.mark.django_db
def test_the_429_says_when_to_try_again(client, limits):
    limits(per_ip=1)
    with clock.frozen(aware(2026, 3, 2, 14, 45)):
        assert post_report(client).status_code == 303
        response = post_report(client)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)


@pytest.mark.django_db
def test_the_sixth_report_for_one_email_address_is_a_429_even_from_different_senders(client):
    for n in range(5):
        assert post_report(client, ip=f"203.0.113.{n + 1}").status_code == 303
    before = stored()

    response = post_report(client, ip="203.0.113.99")

    assert response.status_code == 429
    assert TOO_MANY_REPORTS in response.content.decode()
    assert stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["SAM@Example.COM", "sam+lamp@example.com", " sam@example.com "])
def test_another_spelling_of_the_same_mailbox_counts_against_the_same_limit(client, limits, spelling):
    limits(per_email=1)
    assert post_report(client, ip="203.0.113.1").status_code == 303
    before = stored()
    assert post_report(client, ip="203.0.113.2", email=spelling).status_code == 429
    assert stored() == before


@pytest.mark.django_db
def test_invalid_reports_do_not_count_against_the_limit(client, limits):
    limits(per_ip=1, per_email=1)
    for _ in range(5):
        assert post_report(client, consent="").status_code == 400
        assert post_report(client, leave_this_empty="I am a robot").status_code == 400
    assert stored()[0] == 0
    assert post_report(client).status_code == 303
    assert stored()[0] == 1


@pytest.mark.django_db
def test_an_invalid_report_past_the_limit_shows_its_errors_with_a_400(client, limits):
    limits(per_ip=1)
    assert post_report(client).status_code == 303
    response = post_report(client, consent="")
    assert response.status_code == 400
    html = response.content.decode()
    assert TOO_MANY_REPORTS not in html
    assert "Please tick the box to let us use your details, or we cannot look into this." in html


@pytest.mark.django_db
def test_the_limit_starts_again_in_the_next_hour(client, limits):
    limits(per_ip=2)
    with clock.frozen(aware(2026, 3, 2, 14, 0)):
        assert post_report(client, email="a@example.com").status_code == 303
        assert post_report(client, email="b@example.com").status_code == 303
    with clock.frozen(aware(2026, 3, 2, 14, 59)):
        assert post_report(client, email="c@example.com").status_code == 429
    with clock.frozen(aware(2026, 3, 2, 15, 0)):
        assert post_report(client, email="c@example.com").status_code == 303


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_escape_the_limit_by_default(client, limits):
    limits(per_ip=1)
    assert post_report(client, email="a@example.com", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 303
    before = stored()
    response = post_report(client, email="b@example.com", HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert response.status_code == 429
    assert stored() == before


@pytest.mark.django_db
def test_a_limit_on_one_sender_leaves_other_senders_free(client, limits):
    limits(per_ip=1)
    assert post_report(client, ip="198.51.100.1", email="a@example.com").status_code == 303
    assert post_report(client, ip="198.51.100.1", email="b@example.com").status_code == 429
    assert post_report(client, ip="198.51.100.2", email="c@example.com").status_code == 303


@pytest.mark.django_db
def test_a_fresh_report_form_shows_no_limit_message(client, limits):
    limits(per_ip=1)
    assert post_report(client).status_code == 303
    response = client.get(reverse("portal:report"), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    assert TOO_MANY_REPORTS not in response.content.decode()


@pytest.mark.django_db
def test_reports_still_go_through_if_the_cache_fails(client, limits, monkeypatch):
    class BrokenCache:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    limits(per_ip=1)
    monkeypatch.setattr(ratelimit, "cache", BrokenCache())
    assert post_report(client, email="a@example.com").status_code == 303
    assert post_report(client, email="b@example.com").status_code == 303
    assert stored()[0] == 2


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/report/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "192.0.2.1", "198.51.100.7"),
        (1, "10.0.0.2", "192.0.2.1", "192.0.2.1"),
        # The client wrote the leftmost entry; our one proxy appended the real address.
        (1, "10.0.0.2", "192.0.2.66, 198.51.100.7", "198.51.100.7"),
        (2, "10.0.0.3", "192.0.2.66, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # Fewer entries than proxies: a misconfiguration, so trust nothing in the header.
        (2, "10.0.0.3", "198.51.100.7", "10.0.0.3"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (0, "2001:db8:1:2:aaaa::1", None, "2001:db8:1:2::/64"),
        (0, "::ffff:198.51.100.7", None, "198.51.100.7"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "TRUSTED_PROXY_COUNT": proxies}
    assert ratelimit.client_address(_request(remote, forwarded)) == expected


def test_two_addresses_in_one_ipv6_network_share_a_limit():
    first = ratelimit.client_address(_request("2001:db8:1:2::1"))
    second = ratelimit.client_address(_request("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    elsewhere = ratelimit.client_address(_request("2001:db8:1:3::1"))
    assert first == second != elsewhere


def test_counting_is_per_limit_and_the_cache_never_holds_the_email_address():
    limit = ratelimit.Limit("report-mailbox", "sam@example.com", 2)
    other = ratelimit.Limit("report-mailbox", "kim@example.com", 2)
    assert ratelimit.exceeded([limit]) is False
    ratelimit.count([limit])
    assert ratelimit.exceeded([limit]) is False
    ratelimit.count([limit])
    assert ratelimit.exceeded([limit]) is True
    assert ratelimit.exceeded([other]) is False
    assert ratelimit.exceeded([other, limit]) is True
    key = limit.key(0)
    assert "sam" not in key and "example" not in key


# ---------------------------------------------------------------- 3. case references that cannot exist

IMPOSSIBLE_REFERENCES = [
    "PR-2026-000001\x00",
    "PR-2026-\x00000001",
    "PR-2026-00001",
    "PR-2026-0000000001",
    "pr-2026-000001",
    "PR-26-000001",
    "PR-2026-000001\n",
    "PR-２０２６-000001",
    "PR-٢٠٢٦-000001",
    "' OR 1=1 --",
    "",
]


@pytest.mark.django_db
@pytest.mark.parametrize("reference", IMPOSSIBLE_REFERENCES)
def test_an_impossible_reference_is_a_404_without_touching_the_database(
    alice, reference, django_assert_num_queries
):
    request = RequestFactory().get("/")
    request.user = alice
    with django_assert_num_queries(0), pytest.raises(Http404):
        access.case_or_404(request, reference)


@pytest.fixture
def no_case_lookups(monkeypatch):
    """Records every case lookup, to prove an impossible reference never reaches one."""
    calls: list[str] = []
    real = selectors.case_get_for_user

    def spy(*, user, reference):
        calls.append(reference)
        return real(user=user, reference=reference)

    monkeypatch.setattr(selectors, "case_get_for_user", spy)
    return calls


def test_a_nul_byte_in_a_case_url_is_a_404_for_staff(client, alice, report_case, no_case_lookups):
    case = report_case()
    client.force_login(alice)
    for path in (f"/cases/{case.reference}%00/", f"/cases/{case.reference}%00/record.json"):
        assert client.get(path).status_code == 404
    assert no_case_lookups == []
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    assert no_case_lookups == [case.reference]


def test_a_nul_byte_in_a_workspace_post_is_a_404_and_changes_nothing(
    client, alice, case_with_options, no_case_lookups
):
    case = case_with_options
    before = staff_snapshot(case)
    client.force_login(alice)
    response = client.post(f"/cases/{case.reference}%00/assign/")
    assert response.status_code == 404
    assert no_case_lookups == []
    assert staff_snapshot(case) == before


def test_a_nul_byte_in_an_api_case_url_is_a_404_json_without_a_lookup(
    client, alice, report_case, no_case_lookups
):
    from tests.test_api import token_for

    case = report_case()
    headers = {"Authorization": f"Bearer {token_for(alice)}"}
    response = client.get(f"/api/cases/{case.reference}%00", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert no_case_lookups == []
    assert client.get(f"/api/cases/{case.reference}", headers=headers).status_code == 200


@pytest.mark.parametrize("reference", ["PR-2026-000123", "PR-1999-999999999"])
def test_the_reference_pattern_accepts_every_reference_we_issue(reference):
    assert validators.CASE_REFERENCE_RE.fullmatch(reference)


# ---------------------------------------------------------------- 4. production settings

GOOD_KEY = "k" + "x7Q-pL2v9Zr4m8Tn6Yb1Wc5Hd3Fj0Gs-" * 2  # 65 characters, well mixed


def run_python(tmp_path, env: dict, *args: str) -> subprocess.CompletedProcess:
    # This process's Django and Putright settings (and what other tests set, such as the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE) must not leak into the child: it sees only what the test gives it.
    inherited = {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "ALLOWED_HOSTS_FILE"}
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in inherited and not k.startswith(("DJANGO_", "PUTRIGHT_"))
    }
    base.update({"PUTRIGHT_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "putright.settings", **env})
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=base, capture_output=True, text=True, timeout=120
    )


def refusal(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    return result.stderr.strip().splitlines()[-1]


PRODUCTION = {"PUTRIGHT_PRODUCTION": "true", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "putright.example"}
WEAK_KEY = (
    "SECRET_KEY is too weak for production: use a random value of at least 50 characters "
    "(for example from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)"
)
NO_HOSTS = (
    "ALLOWED_HOSTS must be set in production: the comma-separated host names this site answers to, "
    "e.g. ALLOWED_HOSTS=care.example.com"
)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DEBUG": "true"},
            "DEBUG must be off when PUTRIGHT_PRODUCTION is true: debug pages show settings and code to anyone",
        ),
        ({"SECRET_KEY": ""}, "SECRET_KEY (or SECRET_KEY_FILE) must be set in production"),
        (
            {"SECRET_KEY": "putright-development-only-secret-key-change-me-0123456789abcdef"},
            "SECRET_KEY is the published development key; set a new random one for production",
        ),
        ({"SECRET_KEY": GOOD_KEY[:49]}, WEAK_KEY),
        ({"SECRET_KEY": "abcd" * 20}, WEAK_KEY),
        ({"ALLOWED_HOSTS": ""}, NO_HOSTS),
        ({"ALLOWED_HOSTS": " , "}, NO_HOSTS),
        ({"ALLOWED_HOSTS": None}, NO_HOSTS),
    ],
    ids=[
        "debug",
        "no-key",
        "dev-key",
        "short-key",
        "repetitive-key",
        "empty-hosts",
        "blank-hosts",
        "unset-hosts",
    ],
)
def test_production_settings_refuse_to_start_unsafely(tmp_path, env, message):
    # None: the variable is not set at all.
    settings_env = {k: v for k, v in {**PRODUCTION, **env}.items() if v is not None}
    result = run_python(tmp_path, settings_env, "-c", "import putright.settings")
    assert refusal(result) == f"django.core.exceptions.ImproperlyConfigured: {message}"


def test_safe_production_settings_load_with_only_the_given_hosts(tmp_path):
    result = run_python(
        tmp_path,
        PRODUCTION,
        "-c",
        "import putright.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['putright.example'] True"


def test_development_settings_still_answer_the_local_names_and_the_test_client(tmp_path):
    result = run_python(tmp_path, {}, "-c", "import putright.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]', 'testserver']"


def test_the_deploy_check_passes_with_production_settings(tmp_path):
    key = "p" + "R4nd0m-K3y_for-Th3-D3ploy-Ch3ck-" * 2
    assert len(key) >= 60
    result = run_python(
        tmp_path,
        {"PUTRIGHT_PRODUCTION": "true", "SECRET_KEY": key[:60], "ALLOWED_HOSTS": "putright.example"},
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_the_report_limits_can_be_set_from_the_environment(tmp_path):
    result = run_python(
        tmp_path,
        {"PUTRIGHT_REPORTS_PER_IP_PER_HOUR": "30", "PUTRIGHT_REPORTS_PER_EMAIL_PER_HOUR": "3"},
        "-c",
        "import putright.settings as s; p = s.PUTRIGHT; "
        "print(p['REPORTS_PER_IP_PER_HOUR'], p['REPORTS_PER_EMAIL_PER_HOUR'], p['TRUSTED_PROXY_COUNT'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "30 3 0"
