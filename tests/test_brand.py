"""Issue 15 §6: customers see the organisation (its name, signature, reply-to, colour and logo) on their
pages and in every e-mail, never the product's name; administrators keep the brand, nobody else can."""

from __future__ import annotations

import io
import re
from email.utils import parseaddr

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from PIL import Image, PngImagePlugin

from putright.cases import services
from putright.channels import brand as brand_services
from putright.channels.models import Brand
from putright.channels.portal_links import portal_path
from putright.errors import DomainError, PermissionDenied
from tests.conftest import _user, html_part, plain_text

pytestmark = pytest.mark.django_db

VALID = dict(
    display_name="Harbour & Hearth",
    signature="Harbour & Hearth customer care\n0345 600 1234",
    reply_to="care@harbour.example",
    colour="#1d4e5f",
)


@pytest.fixture
def ada(django_user_model):
    return _user(django_user_model, "ada", "administrator", "Ada")


def _png(*, size=(900, 300), text_chunk: str | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    info = PngImagePlugin.PngInfo()
    if text_chunk:
        info.add_text("Comment", text_chunk)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 40), (10, 80, 160)).save(out, format="JPEG")
    return out.getvalue()


def _visible_text(html: str) -> str:
    """What a person reads: the page without its tags, its attributes and its <head>."""
    body = html.split("<body", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


# ---------------------------------------------------------------- keeping the brand


def test_an_administrator_sets_the_brand_and_the_admin_history_says_what_changed(ada):
    view = brand_services.brand_save(actor=ada, **VALID)
    assert (view.display_name, view.signature, view.reply_to, view.colour, view.has_logo, view.is_set) == (
        "Harbour & Hearth",
        "Harbour & Hearth customer care\n0345 600 1234",
        "care@harbour.example",
        "#1d4e5f",
        False,
        True,
    )
    assert brand_services.brand_get() == view
    entry = LogEntry.objects.get()
    assert (entry.user_id, entry.change_message) == (
        ada.pk,
        "Changed the brand: name, reply-to, signature, colour",
    )


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "charlie"])
def test_nobody_but_an_administrator_may_change_the_brand_and_nothing_changes(who, request, ada):
    brand_services.brand_save(actor=ada, **VALID)
    before = list(Brand.objects.values())
    with pytest.raises(PermissionDenied):
        brand_services.brand_save(actor=request.getfixturevalue(who), **{**VALID, "display_name": "Other"})
    assert list(Brand.objects.values()) == before
    assert LogEntry.objects.count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"display_name": "  "}, "Give the organisation's name in at most 100 characters."),
        ({"display_name": "x" * 101}, "Give the organisation's name in at most 100 characters."),
        ({"display_name": "Putright Ltd"}, "Use your organisation's own name, not the product's."),
        ({"reply_to": "not an address"}, "The reply-to address is not a valid e-mail address."),
        ({"signature": ""}, "Give a signature of at most 500 characters."),
        ({"colour": "red"}, "Give the colour as # and six hexadecimal digits, like #0d2538."),
        ({"colour": "#12345"}, "Give the colour as # and six hexadecimal digits, like #0d2538."),
        (
            {"colour": "#777777"},
            "White text on #777777 has a contrast of 4.5:1; it needs at least 4.5:1 to be readable. "
            "Choose a darker colour.",
        ),
    ],
)
def test_a_bad_brand_is_refused_with_a_clear_reason_and_nothing_is_stored(ada, change, message):
    with pytest.raises(DomainError) as refused:
        brand_services.brand_save(actor=ada, **{**VALID, **change})
    assert refused.value.message == message
    assert not Brand.objects.exists()


def test_contrast_follows_wcag():
    # WCAG's own figures: #767676 on white is the lightest grey that passes AA (4.54:1); black gives 21:1.
    assert round(brand_services.contrast_with_white("#767676"), 2) == 4.54
    assert round(brand_services.contrast_with_white("#000000"), 2) == 21.0
    assert round(brand_services.contrast_with_white("#ffffff"), 2) == 1.0


def test_a_logo_is_re_encoded_shrunk_and_stripped_of_its_metadata(ada):
    upload = _png(text_chunk="GPS 51.5 -0.1 secret")
    assert b"secret" in upload
    brand_services.brand_save(actor=ada, **VALID, logo=upload)
    stored = brand_services.brand_logo()
    assert b"secret" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (480, 160))
        assert "Comment" not in image.info
    assert brand_services.brand_get().has_logo


def test_a_jpeg_logo_is_kept_as_png(ada):
    brand_services.brand_save(actor=ada, **VALID, logo=_jpeg())
    with Image.open(io.BytesIO(brand_services.brand_logo())) as image:
        assert (image.format, image.size) == ("PNG", (120, 40))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The logo file is empty."),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "The logo must be a PNG or JPEG image (judged by its content).",
        ),
        (
            b"<html><body>not an image</body></html>",
            "The logo must be a PNG or JPEG image (judged by its content).",
        ),
        (b"GIF89a" + b"\x00" * 64, "The logo must be a PNG or JPEG image (judged by its content)."),
        (_png()[:60], "The logo could not be read as an image."),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 1),
            "The logo is larger than 1 MB: please use a smaller image.",
        ),
    ],
)
def test_a_bad_logo_is_refused_by_its_content_and_the_brand_is_unchanged(ada, data, message):
    brand_services.brand_save(actor=ada, **VALID, logo=_png())
    before = list(Brand.objects.values())
    with pytest.raises(DomainError) as refused:
        brand_services.brand_save(actor=ada, **{**VALID, "display_name": "Changed"}, logo=data)
    assert refused.value.message == message
    assert list(Brand.objects.values()) == before


def test_the_logo_can_be_removed(ada):
    brand_services.brand_save(actor=ada, **VALID, logo=_png())
    brand_services.brand_save(actor=ada, **VALID, remove_logo=True)
    assert brand_services.brand_logo() == b""
    assert LogEntry.objects.order_by("pk").last().change_message == "Changed the brand: logo removed"


# ---------------------------------------------------------------- what customers receive


@pytest.mark.django_db(transaction=True)
def test_customer_emails_go_in_the_organisations_name_as_text_and_html(ada, report_case, alice, mailbox):
    brand_services.brand_save(actor=ada, **VALID)
    case = report_case()
    services.message_send(
        actor=alice, case=case, body="We will collect it <b>on Friday</b> & call first.", requested=False
    )
    mail = mailbox.to("priya@example.com")[-1]
    assert parseaddr(mail["From"]) == ("Harbour & Hearth", "care@putright.example")
    assert mail["Reply-To"] == "care@harbour.example"
    assert mail.get_content_type() == "multipart/alternative"
    text = plain_text(mail).replace("\r\n", "\n")
    assert text.startswith("Dear Priya Shah,\n\nWe will collect it <b>on Friday</b> & call first.\n\n")
    assert text.endswith("Harbour & Hearth customer care\n0345 600 1234")
    html = html_part(mail)
    assert '<html lang="en-GB">' in html
    assert "We will collect it &lt;b&gt;on Friday&lt;/b&gt; &amp; call first." in html
    assert "<b>" not in html
    assert "Harbour &amp; Hearth customer care<br>0345 600 1234" in html
    assert f"<strong>{case.reference}</strong>" in html
    for part in (str(mail["From"]), text, html):
        assert "Putright" not in part


@pytest.mark.django_db(transaction=True)
def test_before_a_brand_is_set_emails_are_neutral_never_the_products(report_case, mailbox):
    report_case()
    mail = mailbox.to("priya@example.com")[-1]
    assert parseaddr(mail["From"]) == ("Customer care", "care@putright.example")
    assert mail["Reply-To"] is None
    assert plain_text(mail).replace("\r\n", "\n").endswith("\n\nCustomer care")
    assert "Putright" not in plain_text(mail) + html_part(mail)


# ---------------------------------------------------------------- what customers see


def test_the_customers_pages_show_the_organisation_never_the_product(client, ada, report_case, alice):
    brand_services.brand_save(actor=ada, **VALID, logo=_png())
    case = report_case()
    # An automatic step (the acknowledgement) and a person's step, both on the customer's timeline.
    services.message_send(actor=alice, case=case, body="Hello", requested=False)
    follow = client.get(portal_path(case))
    assert follow.status_code in (302, 303)
    for url in [reverse("portal:report"), reverse("portal:case", args=[case.reference])]:
        page = client.get(url).content.decode()
        assert "Putright" not in _visible_text(page), url
        assert re.search(r"<title>[^<]*· Harbour &amp; Hearth</title>", page), url
        assert f'href="/brand/brand.css?v={brand_services.brand_get().version}"' in page
        assert 'class="brand-logo" src="/brand/logo.png?v=' in page and 'alt="Harbour &amp; Hearth"' in page
    report = client.get(reverse("portal:report")).content.decode()
    assert (
        "I agree that Harbour &amp; Hearth may use the details I have given to handle this problem." in report
    )


def test_before_a_brand_is_set_the_consent_says_we(client):
    page = client.get(reverse("portal:report")).content.decode()
    assert "I agree that we may use the details I have given to handle this problem." in page
    assert "Putright" not in _visible_text(page)


def test_the_stylesheet_carries_the_colour_and_the_logo_is_served_safely(client, ada):
    assert client.get(reverse("portal:brand_logo")).status_code == 404
    brand_services.brand_save(actor=ada, **VALID, logo=_png())
    css = client.get(reverse("portal:brand_css") + "?v=abc")
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert css.content.decode() == ".site-header, .brand-preview { background: #1d4e5f; }\n"
    assert css["Cache-Control"] == "public, max-age=31536000"
    logo = client.get(reverse("portal:brand_logo"))
    assert (logo.status_code, logo["Content-Type"], logo["X-Content-Type-Options"]) == (
        200,
        "image/png",
        "nosniff",
    )
    assert logo["Cache-Control"] == "public, max-age=86400"
    assert logo.content == brand_services.brand_logo()
    assert client.post(reverse("portal:brand_css")).status_code == 405


# ---------------------------------------------------------------- the administrators' page


def test_the_brand_page_saves_for_an_administrator(client, ada):
    client.force_login(ada)
    page = client.get(reverse("brand_settings"))
    assert page.status_code == 200
    assert "No brand has been set yet" in page.content.decode()
    logo = io.BytesIO(_png())
    logo.name = "logo.png"
    response = client.post(reverse("brand_settings"), {**VALID, "logo": logo})
    assert (response.status_code, response["Location"]) == (302, reverse("brand_settings"))
    view = brand_services.brand_get()
    assert (view.display_name, view.colour, view.has_logo) == ("Harbour & Hearth", "#1d4e5f", True)
    shown = client.get(reverse("brand_settings")).content.decode()
    assert 'for="id_brand_display_name"' in shown and 'for="id_brand_logo"' in shown
    assert "Harbour &amp; Hearth customer care<br>0345 600 1234" in shown


def test_a_bad_form_comes_back_with_the_reason_and_nothing_changes(client, ada):
    client.force_login(ada)
    response = client.post(reverse("brand_settings"), {**VALID, "colour": "#eeeeee"})
    assert response.status_code == 400
    assert "White text on #eeeeee has a contrast of 1.2:1" in response.content.decode()
    assert not Brand.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_other_staff_get_403_from_the_brand_page_and_nothing_changes(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("brand_settings")).status_code == 403
    assert client.post(reverse("brand_settings"), VALID).status_code == 403
    assert not Brand.objects.exists()


def test_the_brand_page_is_for_staff_only(client, charlie):
    response = client.get(reverse("brand_settings"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(charlie)
    assert client.get(reverse("brand_settings")).status_code == 403
