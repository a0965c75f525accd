"""The browser policy headers on every kind of response, and templates that need nothing the policy forbids.

Content-Security-Policy (django-csp, enforced), Referrer-Policy and Permissions-Policy are checked exactly
on a staff page, the customer pages, the API, its docs and the Django admin; a scan of every template (and
of every page fetched here) keeps inline script, inline style, event-handler attributes and htmx's eval
out for good. The browser
side (no violation on the real pages) is tests/browser/test_content_security_policy.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.core import checks
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from putright.cases.models import Case
from putright.channels.portal_links import portal_path
from putright.web import PermissionsPolicyMiddleware
from tests.customer_link import open_case
from tests.test_api import token_for

ROOT = Path(__file__).resolve().parent.parent

CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"


def directives(header: str) -> dict[str, list[str]]:
    """The policy as {directive: sources}; django-csp does not promise an order for the directives."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} appears twice in {header!r}"
        parsed[name] = sources
    return parsed


def assert_policy_headers(response, *, referrer_policy: str = "same-origin") -> None:
    """The three headers, exactly; and a page that needs nothing the policy blocks (what Python put in it too)."""
    assert directives(response["Content-Security-Policy"]) == CSP
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["Referrer-Policy"] == referrer_policy
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    if response["Content-Type"].startswith("text/html"):
        assert violations(response.content.decode()) == []


# ---------------------------------------------------------------- the headers, page by page


@pytest.mark.django_db
def test_a_staff_page_carries_the_policies(client, alice):
    client.force_login(alice)
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    assert_policy_headers(response)


@pytest.mark.django_db
def test_the_sign_in_page_carries_the_policies(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_policy_headers(response)


@pytest.mark.django_db
def test_the_report_form_carries_the_policies(client):
    response = client.get(reverse("portal:report"))
    assert response.status_code == 200
    assert_policy_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "referrer_policy"),
    [
        # The case page posts forms: under no-referrer browsers send "Origin: null", which CSRF refuses
        # (tests/test_portal.py). same-origin still sends nothing to another site.
        ("case", "same-origin"),
        ("record", "no-referrer"),
        ("report_thanks", "no-referrer"),
    ],
)
def test_a_customers_case_pages_carry_the_policies(client, report_case, name, referrer_policy):
    response = client.get(open_case(client, report_case(), name))
    assert response.status_code == 200
    assert_policy_headers(response, referrer_policy=referrer_policy)


@pytest.mark.django_db
def test_the_emailed_link_carries_the_policies_on_its_redirect(client, report_case):
    # Its address holds the token: never a referrer, from this answer or anything it loads.
    response = client.get(portal_path(report_case()))
    assert response.status_code == 303
    assert_policy_headers(response, referrer_policy="no-referrer")


@pytest.mark.django_db
def test_an_api_response_carries_the_policies(client, alice, report_case):
    case = report_case()
    response = client.get(
        f"/api/cases/{case.reference}", headers={"Authorization": f"Bearer {token_for(alice)}"}
    )
    assert response.status_code == 200
    assert response.json()["reference"] == case.reference
    assert_policy_headers(response)


@pytest.mark.django_db
def test_a_refusal_made_before_any_view_carries_the_policies_too(client, alice):
    # The API's 415 comes from middleware, below the one that adds the headers.
    response = client.post(
        "/api/cases",
        data="{}",
        content_type="text/plain",
        headers={"Authorization": f"Bearer {token_for(alice)}"},
    )
    assert response.status_code == 415
    assert_policy_headers(response)


@pytest.mark.django_db
def test_a_page_not_found_carries_the_policies(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_policy_headers(response)


@pytest.mark.django_db
def test_the_api_docs_carry_the_same_strict_policy(client):
    # Swagger UI (django-ninja's own static files) needs nothing looser: the browser test shows it.
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert_policy_headers(response)


@pytest.mark.django_db
def test_the_admin_carries_the_policies(client, django_user_model):
    root = django_user_model.objects.create_superuser(
        "root", "root@putright.example", "correct-horse-battery"
    )
    client.force_login(root)
    for url in (
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_policy_headers(response)


@pytest.mark.django_db
def test_the_sign_in_edges_carry_the_policies(client, alice):
    # The two-factor set-up page holds a QR code drawn by Python as inline SVG.
    response = client.get(reverse("password_reset"))
    assert response.status_code == 200
    assert_policy_headers(response)
    client.force_login(alice)
    for name in ("two_factor_settings", "two_factor_enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_policy_headers(response)
    assert '<svg width="' in response.content.decode()


@pytest.mark.django_db
def test_the_admin_login_carries_the_policies(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert_policy_headers(response)


def test_the_policy_is_enforced_not_only_reported():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"] == CSP
    assert getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) is None


def test_a_view_that_sets_its_own_permissions_policy_keeps_it(rf):
    def view(request):
        response = HttpResponse("ok")
        response["Permissions-Policy"] = "camera=(self)"
        return response

    assert PermissionsPolicyMiddleware(view)(rf.get("/"))["Permissions-Policy"] == "camera=(self)"
    assert PermissionsPolicyMiddleware(lambda r: HttpResponse("ok"))(rf.get("/"))["Permissions-Policy"] == (
        PERMISSIONS_POLICY
    )


# ---------------------------------------------------------------- htmx is configured for the policy


@pytest.mark.django_db
def test_every_page_configures_htmx_to_inject_and_eval_nothing(client):
    page = client.get(reverse("portal:report")).content.decode()
    assert (
        '<meta name="htmx-config" content=\''
        '{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false}'
        "'>"
    ) in page


def test_the_htmx_we_serve_knows_those_settings_by_these_names():
    """An htmx upgrade that renamed them would silently bring the injected <style> and eval back."""
    served = re.search(
        r"static '(django_htmx/htmx-[^']+)'", (ROOT / "putright/templates/base.html").read_text()
    )
    assert served, "base.html no longer loads htmx from django-htmx's static files"
    source = Path(finders.find(served.group(1))).read_text()
    for name in ("includeIndicatorStyles", "allowEval", "allowScriptTags"):
        assert re.search(rf"\b{name}\s*:\s*!?[01a-z]", source), name


def test_the_indicator_styles_htmx_no_longer_injects_are_in_our_stylesheet():
    css = (ROOT / "putright/static/putright/app.css").read_text()
    assert ".htmx-indicator { opacity: 0; visibility: hidden; }" in css
    assert ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator { opacity: 1;" in css


# ---------------------------------------------------------------- no template needs an inline exception

# Each pattern is something the policy blocks (or, for hx-on and js:, something htmx would eval).
FORBIDDEN = {
    # A <script type="application/json"> (json_script) is data the browser never runs: allowed.
    "inline <script> (only <script src=…> loads)": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/json[\"'])[^>]*>", re.I
    ),
    "<style> element": re.compile(r"<style\b", re.I),
    "style= attribute": re.compile(r"<[a-z][^<>]*\sstyle\s*=", re.I),
    "on…= event handler": re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.I),
    "htmx hx-on (evaluated)": re.compile(r"\b(?:data-)?hx-on\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx js: value (evaluated)": re.compile(r"hx-(?:vals|headers|vars)\s*=\s*['\"]\s*js:", re.I),
}


def template_files() -> list[Path]:
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [p for p in (ROOT / "putright").rglob("templates") if p.is_dir()]
    files = sorted({f for folder in folders for f in folder.rglob("*.html")})
    assert len(files) > 40, "the template folders moved: the scan would check nothing"
    return files


# Template comments never reach the browser: a comment may name what it keeps out.
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def violations(text: str) -> list[str]:
    rendered_part = TEMPLATE_COMMENT.sub("", text)
    return [what for what, pattern in FORBIDDEN.items() if pattern.search(rendered_part)]


def test_no_template_has_inline_script_style_or_handlers():
    found = {
        str(path.relative_to(ROOT)): violations(path.read_text(encoding="utf-8")) for path in template_files()
    }
    assert {path: what for path, what in found.items() if what} == {}


@pytest.mark.parametrize(
    ("snippet", "what"),
    [
        ("<script>alert(1)</script>", "inline <script> (only <script src=…> loads)"),
        ("<script defer>\nvar x = 1;</script>", "inline <script> (only <script src=…> loads)"),
        ("<style>.a { color: red }</style>", "<style> element"),
        ('<p class="x" style="color: red">', "style= attribute"),
        ('<button type="button"\n  onclick="go()">', "on…= event handler"),
        ("<form onsubmit='return check()'>", "on…= event handler"),
        ('<button hx-on:click="go()">', "htmx hx-on (evaluated)"),
        ('<div data-hx-on--after-swap="go()">', "htmx hx-on (evaluated)"),
        ('<a href="javascript:go()">', "javascript: URL"),
        ("<!-- <script>go()</script> -->", "inline <script> (only <script src=…> loads)"),
        ('<script type="module">go()</script>', "inline <script> (only <script src=…> loads)"),
        ("<div hx-vals='js:{a: go()}'>", "htmx js: value (evaluated)"),
    ],
)
def test_the_template_scan_catches_each_kind_of_inline_code(snippet, what):
    assert violations(snippet) == [what]


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/putright/charts.js" defer></script>',
        '{{ chart|json_script:"feedback-volume" }}',
        '<a href="/x" {% if nav == "mine" %}aria-current="page"{% endif %}>',
        '<p class="one">Based on one report</p>',
        '<script id="swagger-settings" type="application/json">{"url": "/api/openapi.json"}</script>',
        '<body hx-headers=\'{"X-CSRFToken": "{{ csrf_token }}"}\'>',
        "{# htmx must not inject a <style> or eval hx-on #}",
        "{% comment %}<script>old()</script>{% endcomment %}",
    ],
)
def test_the_template_scan_passes_what_the_policy_allows(snippet):
    assert violations(snippet) == []


def test_no_admin_page_turns_on_django_admins_one_inline_style():
    """Django's change list adds an inline <style> when a ModelAdmin hides both action bars."""
    hidden = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not (model_admin.actions_on_top or model_admin.actions_on_bottom)
    ]
    assert hidden == []


def test_django_csps_own_checks_accept_the_settings():
    """They refuse a policy in the old (3.x) CSP_* settings, which 4.x no longer reads."""
    assert [m for m in checks.run_checks() if m.id.startswith("csp.")] == []


@pytest.mark.django_db
def test_a_refused_form_gets_our_own_policy_clean_page_and_changes_nothing():
    """Django's built-in CSRF failure page styles itself inline; ours uses the stylesheet."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("portal:report"))  # the CSRF cookie is set, but the form's token is missing
    response = browser.post(
        reverse("portal:report"),
        {"name": "Priya Shah", "email": "priya@example.com", "subject": "x", "consent": "on"},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Please send that again</h1>" in page
    assert violations(page) == []
    assert_policy_headers(response)
    assert Case.objects.count() == 0
