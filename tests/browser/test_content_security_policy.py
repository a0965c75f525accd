"""The Content-Security-Policy in a real browser: every main page works under it without one violation.

Chromium reports a violation two ways: a console error ("Refused to … because it violates the following
Content Security Policy directive …") and a ``securitypolicyviolation`` event. The watcher below collects
both, on every page a test visits, and each test ends by asserting it saw none. A Permissions-Policy
feature Chromium does not recognise is a console error too, so the watcher fails on that as well.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.cases import services
from putright.channels.delivery import alert_create, alerts_of_the_past
from putright.channels.models import Alert
from putright.channels.portal_links import portal_path
from tests.browser.helpers import PASSWORD, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before the page's own scripts; a CDP-injected script is not itself under the
# policy, so it can report what the policy blocks.
LISTEN = """
window.__putrightCspSeen = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const said = `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}`;
  window.__putrightCspViolation(said);
  window.__putrightCspSeen.push(said);
}, true);
"""
POLICY_CONSOLE_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")


class PolicyWatch:
    """Every policy complaint the browser makes in one context, page after page."""

    def __init__(self, new_page) -> None:
        self.complaints: list[str] = []
        self.page = new_page()
        self.page.context.expose_function("__putrightCspViolation", self._violation)
        self.page.context.add_init_script(LISTEN)
        self.page.on("console", self._console)

    def _violation(self, said: str) -> None:
        self.complaints.append(said)

    def _console(self, message) -> None:
        if any(words in message.text for words in POLICY_CONSOLE_WORDS):
            self.complaints.append(f"console {message.type}: {message.text}")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        # Deferred scripts and the first htmx/Chart.js work are done once the page has loaded.
        self.page.wait_for_load_state("load")

    def assert_clean(self) -> None:
        assert self.page.evaluate("() => window.__putrightCspSeen") == []
        assert self.complaints == []


def test_a_customer_reports_and_follows_their_case_without_a_policy_violation(live_server, new_page):
    base = live_server.url
    watch = PolicyWatch(new_page)

    watch.visit(f"{base}/report/")
    page = watch.page
    page.locator("#id_name").fill("Priya Shah")
    page.locator("#id_email").fill("priya@example.com")
    page.locator("#id_subject").fill("Parcel arrived damaged")
    page.locator("#id_description").fill("The box was crushed and the vase inside is broken.")
    page.locator("#id_desired_outcome").fill("A refund")
    page.locator("#id_consent").check()
    # The honeypot is out of sight by app.css now, not by an inline <style>.
    assert page.locator(".hp").evaluate("e => getComputedStyle(e).position") == "absolute"
    page.get_by_role("button", name="Send my report").click()  # form-action 'self'
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: we have your report")

    case = services.case_report(report=make_report(customer_email="kwame@example.com"))[0]
    watch.visit(f"{base}{portal_path(case)}")
    expect(page.get_by_text(case.reference).first).to_be_visible()

    watch.assert_clean()


def test_staff_pages_work_under_the_policy_htmx_included(live_server, new_page, alice):
    base = live_server.url
    case = services.case_report(report=make_report())[0]
    with alerts_of_the_past():
        alert = alert_create(recipient=alice, case=case, kind=Alert.Kind.CUSTOMER_MESSAGE, text="Priya wrote")
    watch = PolicyWatch(new_page)
    page = watch.page

    watch.visit(f"{base}/password-reset/")
    sign_in(page, base, "alice")  # the sign-in page, then the queue it lands on
    watch.visit(f"{base}/cases/?scope=team")
    expect(page.locator(f'tr[data-reference="{case.reference}"]')).to_be_visible()
    watch.visit(f"{base}/cases/{case.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)

    # htmx answers in place under the policy: the row is swapped, and the page never reloads.
    watch.visit(f"{base}/alerts/")
    page.evaluate("() => { window.__samePage = true; }")
    page.get_by_role("button", name=f"Mark read: Customer wrote, {case.reference}").click()
    expect(page.locator(f"#alert-{alert.pk}")).to_contain_text("Read")
    assert page.evaluate("() => window.__samePage") is True
    alert.refresh_from_db()
    assert alert.read_at is not None

    watch.visit(f"{base}/account/two-factor/set-up/")
    expect(page.locator(".qr-code svg")).to_be_visible()  # drawn by Python as inline SVG

    # The pages that draw charts (Chart.js from our static files).
    watch.visit(f"{base}/problems/")
    expect(page.locator("#board-chart")).to_have_attribute(
        "data-chart-state", "ready"
    )  # fetched: connect-src
    watch.visit(f"{base}/feedback/")

    watch.assert_clean()


def test_the_admin_works_under_the_policy(live_server, new_page, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@putright.example", PASSWORD)
    base = live_server.url
    watch = PolicyWatch(new_page)
    page = watch.page

    watch.visit(f"{base}/admin/login/")
    page.locator("#id_username").fill("root")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    watch.visit(f"{base}/admin/auth/user/")
    expect(page.locator("#changelist")).to_be_visible()
    # The add form loads the admin's widget scripts (related-object links, password fields).
    watch.visit(f"{base}/admin/auth/user/add/")
    expect(page.locator("#id_username")).to_be_visible()
    watch.visit(f"{base}/admin/authority/authoritylimit/")
    # The admin's own scripts still work under the policy: they read their data from data- attributes.
    watch.visit(f"{base}/admin/cases/category/add/")
    page.locator("#id_name").press_sequentially("Late delivery")  # prepopulate.js listens for keys
    expect(page.locator("#id_slug")).to_have_value("late-delivery")  # prepopulate.js
    watch.visit(f"{base}/admin/auth/group/add/")
    expect(page.locator("#id_permissions_from")).to_be_visible()  # the two-box filter (SelectFilter2.js)
    watch.visit(f"{base}/admin/auth/user/{root.pk}/change/")
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()  # the date shortcuts and calendar
    watch.visit(f"{base}/admin/resolution/remedycatalogueentry/")  # a change list with editable rows

    watch.assert_clean()


def test_the_api_docs_work_under_the_same_strict_policy(live_server, new_page):
    watch = PolicyWatch(new_page)
    page = watch.page

    watch.visit(f"{live_server.url}/api/docs")
    # The first request for the OpenAPI document builds it (seconds on a busy machine): wait for it.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Putright API", timeout=60_000)
    # Opening an operation renders its parameters, responses and example bodies (highlighted code).
    # (A click event, not .click(): with deepLinking the click pushes a #fragment, and Playwright waits on
    # that "navigation" for as long as Swagger UI keeps the page busy rendering a large schema.)
    page.locator("button.opblock-summary-control").first.dispatch_event("click")
    expect(page.locator(".opblock-body").first).to_be_visible(timeout=30_000)

    watch.assert_clean()


def test_the_browser_enforces_the_policy_and_the_watch_sees_it(live_server, new_page):
    """Injected inline code is refused, not only reported; and the watch above would have caught it."""
    watch = PolicyWatch(new_page)
    page = watch.page
    watch.visit(f"{live_server.url}/report/")

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__injectedRan = true;";
          document.head.appendChild(script);
          document.body.setAttribute("style", "color: rgb(255, 0, 0)");
        }"""
    )

    assert page.evaluate("() => window.__injectedRan") is None
    assert page.evaluate("() => getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    page.wait_for_function("() => window.__putrightCspSeen.length >= 2")
    seen = page.evaluate("() => window.__putrightCspSeen")
    assert sorted(said.split(" ")[0] for said in seen) == ["script-src-elem", "style-src-attr"]
    # The same two reached the watch, and Chromium said so on the console too.
    assert set(seen) <= set(watch.complaints)
    # Chromium's wording changes between versions ("Refused to execute inline script…", "Executing inline
    # script violates…"); the directive it names does not.
    assert any(
        c.startswith("console error:") and "inline script" in c and "Content Security Policy" in c
        for c in watch.complaints
    ), watch.complaints
