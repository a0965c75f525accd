"""Issue 15 §4: attachments on the report form, the customer's messages and staff messages.

Judged by content (never by name), previews re-encoded without metadata, stored through Django's storage
API with no orphan file when a transaction fails, served only to someone who may see the case, listed on
the pages and the record, over the API, and carried by backups.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.cases.services import intake
from putright.channels import attachments
from putright.channels import services as channels
from putright.channels.attachments import AttachmentError, file_check, files_check
from putright.channels.delivery import message_email_send
from putright.channels.models import Attachment, Message
from tests.attachment_files import HTML, PDF, SVG, TEXT, incoming, jpeg_with_gps, png, upload
from tests.conftest import make_report, plain_text
from tests.customer_link import open_case
from tests.test_api import token_for
from tests.test_portal import report_data

pytestmark = pytest.mark.django_db

REFUSED = "this kind of file can't be accepted; send a photo (JPEG or PNG), a PDF or a plain text file"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Each test stores into a folder of its own, so "no file was written" can be checked exactly."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def nothing_changed_snapshot() -> tuple:
    return (
        Attachment.objects.count(),
        Message.objects.count(),
        Case.objects.count(),
        Event.objects.count(),
    )


# ---------------------------------------------------------------- the allow-list, by content


@pytest.mark.parametrize(
    ("name", "content", "content_type", "has_preview"),
    [
        ("photo.png", png(), "image/png", True),
        ("photo.jpg", jpeg_with_gps(), "image/jpeg", True),
        ("receipt.pdf", PDF, "application/pdf", False),
        ("notes.txt", TEXT, "text/plain", False),
        # The name says one thing, the content another: stored as what it is.
        ("receipt.pdf", png(), "image/png", True),
        ("photo.jpg", PDF, "application/pdf", False),
        ("no-extension", TEXT, "text/plain", False),
    ],
)
def test_a_file_is_accepted_by_its_content_and_stored_as_the_type_it_really_is(
    name, content, content_type, has_preview
):
    checked = file_check(name, content)

    assert checked.name == name
    assert checked.content_type == content_type
    assert checked.content == content
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert bool(checked.preview) is has_preview


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("receipt.svg", SVG),
        ("photo.png", SVG),  # an SVG renamed .png
        ("notes.txt", HTML),  # HTML renamed .txt
        ("notes.txt", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("notes.txt", b"  \n<SCRIPT>alert(1)</SCRIPT>"),
        ("notes.txt", "Caf\xe9 receipt".encode("latin-1")),  # not UTF-8
        ("notes.txt", b"text with a \x00 NUL byte"),
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("invoice.pdf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40),  # a zip (or .docx)
        ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60),  # a Windows program
    ],
)
def test_anything_outside_the_allow_list_is_refused_whatever_its_name_says(name, content):
    with pytest.raises(AttachmentError) as err:
        file_check(name, content)
    assert err.value.message == f"{name}: {REFUSED}."


def test_an_empty_file_and_a_damaged_image_are_refused_by_name():
    with pytest.raises(AttachmentError, match=r"^empty\.txt: this file is empty\.$"):
        file_check("empty.txt", b"")
    with pytest.raises(AttachmentError, match=r"^broken\.png: this image is damaged and can't be opened"):
        file_check("broken.png", png()[:60])


def test_a_file_over_the_size_limit_is_refused_with_the_limit(settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "ATTACHMENT_MAX_BYTES": 2048}
    with pytest.raises(AttachmentError) as err:
        file_check("big.txt", b"a" * 3000)
    assert err.value.message == "big.txt: this file is 3 KB; each file may be at most 2 KB."
    # An upload larger than the limit is refused on its declared size, without being read.
    accepted, errors = files_check([upload("huge.txt", b"a" * 5000)])
    assert (accepted, errors) == ([], ["huge.txt: this file is 5 KB; each file may be at most 2 KB."])


def test_too_many_files_or_too_many_bytes_in_all_are_refused(settings):
    accepted, errors = files_check([upload(f"n{i}.txt", TEXT) for i in range(6)])
    assert (accepted, errors) == ([], ["You can send at most 5 files at once (you chose 6)."])

    settings.PUTRIGHT = {**settings.PUTRIGHT, "ATTACHMENTS_MAX_TOTAL_BYTES": 4096}
    accepted, errors = files_check([upload("a.txt", b"a" * 3000), upload("b.txt", b"b" * 3000)])
    assert (accepted, errors) == ([], ["These files come to 6 KB; together they may be at most 4 KB."])


def test_each_bad_file_gets_its_own_error_and_the_good_ones_pass():
    accepted, errors = files_check(
        [upload("ok.png", png()), upload("receipt.svg", SVG), upload("page.txt", HTML)]
    )
    assert [a.name for a in accepted] == ["ok.png"]
    assert errors == [f"receipt.svg: {REFUSED}.", f"page.txt: {REFUSED}."]


def test_a_name_is_kept_without_folders_or_control_characters():
    assert attachments.clean_name("../../etc/passwd") == "passwd"
    assert attachments.clean_name("C:\\Users\\sam\\photo.jpg") == "photo.jpg"
    assert attachments.clean_name("bad\x00name\r\n.txt") == "badname.txt"
    assert attachments.clean_name("") == "file"
    assert len(attachments.clean_name("x" * 300 + ".txt")) == 200


# ---------------------------------------------------------------- previews


def test_a_preview_is_re_encoded_upright_small_and_without_the_photo_s_metadata():
    original = jpeg_with_gps(width=2400, height=1200, orientation=6)
    with Image.open(io.BytesIO(original)) as photo:
        exif = photo.getexif()
        assert exif.get_ifd(0x8825)[2] == (51.0, 30.0, 12.5)  # the original carries a GPS position
        assert exif[0x0110] == "Pocket Camera 9"

    checked = file_check("holiday.jpg", original)

    assert checked.content == original  # the original is kept exactly as sent
    with Image.open(io.BytesIO(checked.preview)) as preview:
        assert preview.format == "JPEG"
        assert preview.mode == "RGB"
        # Orientation 6 turned upright: the landscape sensor image is shown portrait, at most 1024 px.
        assert preview.size == (512, 1024)
        assert dict(preview.getexif()) == {}
        assert preview.getexif().get_ifd(0x8825) == {}
        assert "exif" not in preview.info
    assert b"Exif" not in checked.preview
    assert b"Pocket Camera" not in checked.preview


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "ATTACHMENT_MAX_PIXELS": 10_000}
    with pytest.raises(AttachmentError) as err:
        file_check("bomb.png", png(200, 200))
    assert err.value.message == (
        "bomb.png: this image is too large to open safely (200 × 200 pixels; at most 10,000 pixels). "
        "Please send a smaller photo."
    )
    assert file_check("fine.png", png(100, 100)).preview


def test_pillow_s_own_decompression_bomb_limit_is_a_refusal_too(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    # Over Pillow's limit (it warns as it opens): refused by our check, before decoding.
    with pytest.raises(AttachmentError) as err, pytest.warns(Image.DecompressionBombWarning):
        file_check("bomb.png", png(40, 40))
    assert err.value.message == (
        "bomb.png: this image is too large to open safely (40 × 40 pixels; at most 1,000 pixels). "
        "Please send a smaller photo."
    )
    with pytest.raises(AttachmentError) as err:
        file_check("bomb.png", png(100, 100))  # over twice it: Pillow itself refuses to open it
    assert (
        err.value.message == "bomb.png: this image is too large to open safely. Please send a smaller photo."
    )


def test_a_transparent_image_s_preview_is_drawn_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, "PNG")
    with Image.open(io.BytesIO(file_check("clear.png", out.getvalue()).preview)) as preview:
        assert preview.getpixel((5, 5)) == (255, 255, 255)


# ---------------------------------------------------------------- the report form


def _report_post(client, **files):
    data = report_data()
    data["attachments"] = list(files.values())
    return client.post(reverse("portal:report"), data)


def test_a_report_with_a_photo_stores_it_with_the_case_and_records_it_on_the_report_event(client, media):
    content = png()
    response = _report_post(client, a=upload("broken lamp.png", content, "image/png"))

    assert response.status_code == 303
    case = Case.objects.get()
    attachment = Attachment.objects.get()
    assert (attachment.case, attachment.message, attachment.from_customer, attachment.author) == (
        case,
        None,
        True,
        None,
    )
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "broken lamp.png",
        "image/png",
        len(content),
    )
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}", attachment.file.name)
    assert attachment.file.read() == content
    assert stored_files(media) == sorted([attachment.file.name, attachment.preview.name])
    event = Event.objects.get(case=case, kind="case.reported")
    assert event.after["attachments"] == [
        {
            "name": "broken lamp.png",
            "content_type": "image/png",
            "size": len(content),
            "sha256": attachment.sha256,
        }
    ]


def test_a_report_with_a_bad_file_comes_back_with_everything_typed_and_an_error_naming_the_file(
    client, media
):
    response = _report_post(
        client, a=upload("receipt.svg", SVG, "image/svg+xml"), b=upload("photo.png", png(), "image/png")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert escape(f"receipt.svg: {REFUSED}") in html
    assert 'href="#id_attachments"' in html  # the error summary leads to the file picker
    assert "Please choose your files again" in html
    # Everything the customer typed is still in the form.
    assert 'value="Sam Okafor"' in html
    assert 'value="sam@example.com"' in html
    assert "The lamp I ordered arrived with its base snapped in two." in html
    assert 'enctype="multipart/form-data"' in html
    assert (Case.objects.count(), Attachment.objects.count(), stored_files(media)) == (0, 0, [])


def test_the_report_form_offers_the_file_picker_with_a_label():
    html = Client().get(reverse("portal:report")).content.decode()
    assert '<label for="id_attachments">Photos or documents' in html
    assert re.search(r'<input type="file" name="attachments"[^>]* multiple', html)
    assert 'accept="image/jpeg,image/png,application/pdf,text/plain,' in html


# ---------------------------------------------------------------- the customer's messages


def test_a_customer_message_carries_its_files_and_the_page_lists_them(client, report_case, media):
    case = report_case()
    page = open_case(client, case)
    response = client.post(
        reverse("portal:message", kwargs={"reference": case.reference}),
        {
            "body": "Here is the receipt and a photo.",
            "attachments": [upload("receipt.pdf", PDF), upload("p.jpg", jpeg_with_gps())],
        },
    )

    assert response.status_code == 303
    message = Message.objects.get(case=case, direction="in")
    files = list(Attachment.objects.filter(message=message).order_by("pk"))
    assert [(a.original_name, a.content_type, a.from_customer) for a in files] == [
        ("receipt.pdf", "application/pdf", True),
        ("p.jpg", "image/jpeg", True),
    ]
    assert Event.objects.get(case=case, kind="message.received").after["attachments"] == [
        {"name": a.original_name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
        for a in files
    ]
    html = client.get(page).content.decode()
    for a in files:
        href = reverse("portal:attachment", kwargs={"reference": case.reference, "attachment_id": a.pk})
        assert f'href="{href}" download>{a.original_name}</a>' in html
    preview = reverse(
        "portal:attachment_preview", kwargs={"reference": case.reference, "attachment_id": files[1].pk}
    )
    assert f'src="{preview}"' in html
    assert "from you" in html


def test_a_customer_message_with_a_bad_file_keeps_their_words_and_sends_nothing(client, report_case, media):
    case = report_case()
    open_case(client, case)
    before = nothing_changed_snapshot()
    response = client.post(
        reverse("portal:message", kwargs={"reference": case.reference}),
        {"body": "My words, kept.", "attachments": [upload("page.txt", HTML)]},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert escape(f"page.txt: {REFUSED}") in html
    assert "My words, kept.</textarea>" in html
    assert nothing_changed_snapshot() == before
    assert stored_files(media) == []


# ---------------------------------------------------------------- staff messages and the case page


def _staff_send(client, case, *files, body="Please see the label attached. I will call you on Tuesday."):
    return client.post(
        reverse("cases:message_send", args=[case.reference]),
        {"prompt": "unprompted", "subject": "", "body": body, "attachments": list(files)},
    )


def test_a_staff_message_carries_its_files_and_the_case_page_shows_thumbnails(
    client, alice, case_with_options
):
    client.force_login(alice)
    response = _staff_send(
        client, case_with_options, upload("returns label.pdf", PDF), upload("where.png", png())
    )

    assert response.status_code == 302
    message = Message.objects.get(
        case=case_with_options, body="Please see the label attached. I will call you on Tuesday."
    )
    files = list(message.attachments.order_by("pk"))
    assert [(a.original_name, a.from_customer, a.author) for a in files] == [
        ("returns label.pdf", False, alice),
        ("where.png", False, alice),
    ]
    assert Event.objects.get(case=case_with_options, kind="message.sent").after["attachments"][0]["name"] == (
        "returns label.pdf"
    )
    html = client.get(reverse("cases:detail", args=[case_with_options.reference])).content.decode()
    assert 'id="attachments"' in html
    preview = reverse("cases:attachment_preview", args=[case_with_options.reference, files[1].pk])
    assert f'<img src="{preview}" alt="" loading="lazy">' in html
    assert "from us (alice)" in html
    assert 'enctype="multipart/form-data"' in html


def test_a_staff_message_with_a_bad_file_comes_back_with_the_text_and_sends_nothing(
    client, alice, case_with_options, media
):
    client.force_login(alice)
    before = nothing_changed_snapshot()
    response = _staff_send(client, case_with_options, upload("x.png", SVG), body="Kept words")

    assert response.status_code == 400
    html = response.content.decode()
    assert escape(f"x.png: {REFUSED}") in html
    assert "Kept words</textarea>" in html
    assert nothing_changed_snapshot() == before
    assert stored_files(media) == []


def test_the_case_page_reads_every_file_in_one_query(client, alice, case_with_options):
    """The panel and every message's files come from one read, however many messages have files."""
    client.force_login(alice)
    url = reverse("cases:detail", args=[case_with_options.reference])
    client.get(url)
    counts = []
    for _ in range(2):
        services.message_receive(
            case=case_with_options, body="More", files=[incoming(), incoming("b.pdf", PDF)]
        )
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(sum('"channels_attachment"' in q["sql"] for q in ctx.captured_queries))
    assert counts == [1, 1]


def test_the_customer_s_e_mail_names_the_files_and_carries_none_of_them(alice, case_with_options, mailbox):
    with_files = services.message_send(
        actor=alice,
        case=case_with_options,
        body="Your returns label and the courier's photo. I will call you on Tuesday.",
        requested=False,
        files=[file_check("label.pdf", PDF), incoming("parcel.png")],
    )
    plain = services.message_send(
        actor=alice,
        case=case_with_options,
        body="No files here. I will call you on Tuesday.",
        requested=False,
    )
    for message in (with_files, plain):
        assert message_email_send(message_id=message.pk) == "sent"

    sent = [m for m in mailbox.to("priya@example.com") if "returns label" in plain_text(m)]
    assert len(sent) == 1
    size = Attachment.objects.get(original_name="parcel.png").size
    assert (
        "We have sent you these files with this message: label.pdf (PDF, "
        f"{len(PDF)} bytes), parcel.png (PNG image, {attachments.size_words(size)}). "
        "You can download them from your case page."
    ) in plain_text(sent[0])
    assert [part.get_content_type() for part in sent[0].walk() if part.get_filename()] == []
    other = [m for m in mailbox.to("priya@example.com") if "No files here." in plain_text(m)]
    assert "We have sent you" not in plain_text(other[0])


# ---------------------------------------------------------------- serving


def test_staff_download_the_original_with_safe_headers(client, alice, report_case):
    case = report_case()
    content = jpeg_with_gps()
    services.message_receive(case=case, body="Photo", files=[file_check("Café façade.jpeg", content)])
    attachment = Attachment.objects.get()
    client.force_login(alice)

    response = client.get(reverse("cases:attachment", args=[case.reference, attachment.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Cafe facade.jpeg\"; filename*=UTF-8''Caf%C3%A9%20fa%C3%A7ade.jpeg"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_download_s_name_says_what_the_file_really_is(client, alice, report_case):
    case = report_case()
    services.message_receive(case=case, body="Receipt", files=[file_check('receipt"; x=.jpg', PDF)])
    attachment = Attachment.objects.get()
    client.force_login(alice)

    response = client.get(reverse("cases:attachment", args=[case.reference, attachment.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"receipt__ x_.jpg.pdf\"; filename*=UTF-8''receipt%22%3B%20x%3D.jpg.pdf"
    )


def test_the_preview_is_the_re_encoded_image_and_a_pdf_has_none(client, alice, report_case):
    case = report_case()
    services.message_receive(
        case=case, body="Two", files=[file_check("p.jpg", jpeg_with_gps()), file_check("r.pdf", PDF)]
    )
    photo, pdf = Attachment.objects.order_by("pk")
    client.force_login(alice)

    response = client.get(reverse("cases:attachment_preview", args=[case.reference, photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert (
        response["Content-Disposition"]
        == "inline; filename=\"preview-p.jpg\"; filename*=UTF-8''preview-p.jpg"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"Exif" not in b"".join(response.streaming_content)
    assert client.get(reverse("cases:attachment_preview", args=[case.reference, pdf.pk])).status_code == 404


def test_staff_cannot_reach_a_file_through_another_case_and_outsiders_get_nothing(
    client, alice, charlie, report_case
):
    mine, other = report_case(subject="Mine"), report_case(subject="Other")
    services.message_receive(case=other, body="Secret", files=[incoming("secret.png")])
    attachment = Attachment.objects.get()
    before = nothing_changed_snapshot()
    urls = [
        reverse("cases:attachment", args=[mine.reference, attachment.pk]),
        reverse("cases:attachment_preview", args=[mine.reference, attachment.pk]),
    ]
    own = reverse("cases:attachment", args=[other.reference, attachment.pk])

    client.force_login(alice)
    for url in urls + [reverse("cases:attachment", args=["PR-2020-999999", attachment.pk])]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"secret.png" not in response.content
    assert client.post(own).status_code == 405

    client.force_login(charlie)  # signed in, no staff role
    assert client.get(own).status_code == 403
    client.logout()
    response = client.get(own)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert nothing_changed_snapshot() == before


def test_the_customer_downloads_only_their_own_case_s_files(report_case):
    mine, other = report_case(customer_email="me@example.com"), report_case(customer_email="them@example.com")
    services.message_receive(case=mine, body="Mine", files=[incoming("mine.png")])
    services.message_receive(case=other, body="Theirs", files=[incoming("theirs.png")])
    my_file, their_file = Attachment.objects.order_by("pk")
    before = nothing_changed_snapshot()

    def portal_url(case, attachment, name="portal:attachment"):
        return reverse(name, kwargs={"reference": case.reference, "attachment_id": attachment.pk})

    customer = Client()
    open_case(customer, mine)
    response = customer.get(portal_url(mine, my_file))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="mine.png"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert customer.get(portal_url(mine, my_file, "portal:attachment_preview")).status_code == 200
    # Another case's file through my case's address: not found, and nothing of it shown.
    response = customer.get(portal_url(mine, their_file))
    assert response.status_code == 404
    assert b"theirs.png" not in response.content
    # Another case's address without its link: the same refusal as every page there.
    response = customer.get(portal_url(other, their_file))
    assert response.status_code == 403
    assert b"theirs.png" not in response.content
    # A stranger with no link at all.
    assert Client().get(portal_url(mine, my_file)).status_code == 403
    assert nothing_changed_snapshot() == before


def test_the_content_security_policy_lets_previews_show_from_the_same_origin(settings):
    assert "'self'" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]


# ---------------------------------------------------------------- nothing lost, no orphan file


def test_a_failed_message_leaves_no_row_and_no_file(report_case, media, monkeypatch):
    case = report_case()
    before = nothing_changed_snapshot()

    def fail(**kwargs):
        raise RuntimeError("alerting failed")

    monkeypatch.setattr(channels, "alert_create", fail)
    with pytest.raises(RuntimeError, match="alerting failed"):
        services.message_receive(
            case=case, body="With files", files=[incoming("a.png"), incoming("b.pdf", PDF)]
        )

    assert nothing_changed_snapshot() == before
    assert stored_files(media) == []


def test_a_failed_report_leaves_no_row_and_no_file(media, monkeypatch):
    def fail(case):
        raise RuntimeError("routing failed")

    monkeypatch.setattr(intake.routing, "route", fail)
    with pytest.raises(RuntimeError, match="routing failed"):
        services.case_report(report=make_report(), files=[incoming("a.jpg", jpeg_with_gps())])

    assert (Case.objects.count(), Attachment.objects.count(), stored_files(media)) == (0, 0, [])


def test_files_are_stored_only_under_the_guard(report_case):
    case = report_case()
    with pytest.raises(RuntimeError, match="attachments_guard"):
        channels.attachments_store(case=case, message=None, files=[incoming()], from_customer=True)
    assert channels.attachments_store(case=case, message=None, files=[], from_customer=True) == []


def test_a_committed_message_keeps_its_files(report_case, media):
    case = report_case()
    services.message_receive(case=case, body="Kept", files=[incoming("a.png")])
    attachment = Attachment.objects.get()
    assert stored_files(media) == sorted([attachment.file.name, attachment.preview.name])
    assert default_storage.exists(attachment.file.name)


@pytest.mark.django_db(transaction=True)
def test_a_backup_carries_the_files_and_a_restore_brings_them_back(report_case, media, tmp_path):
    case = report_case()
    content = jpeg_with_gps()
    services.message_receive(case=case, body="Photo", files=[file_check("leak.jpg", content)])
    attachment = Attachment.objects.get()
    preview = attachment.preview.open("rb").read()
    backups = tmp_path / "backups"
    backups.mkdir()
    out = io.StringIO()
    call_command("backup", "--output", str(backups), stdout=out, stderr=io.StringIO())
    archive_path = re.search(r"backup written: (\S+) \(", out.getvalue()).group(1)
    with tarfile.open(archive_path, "r:gz") as tar:
        names = tar.getnames()
    assert f"files/{attachment.file.name}" in names
    assert f"files/{attachment.preview.name}" in names
    # After the backup the file is lost and its row removed.
    default_storage.delete(attachment.file.name)
    Attachment.objects.all().delete()

    call_command("restore", archive_path, "--yes", stdout=io.StringIO(), stderr=io.StringIO())

    restored = Attachment.objects.get()
    assert (restored.pk, restored.original_name, restored.sha256) == (
        attachment.pk,
        "leak.jpg",
        attachment.sha256,
    )
    assert hashlib.sha256(restored.file.open("rb").read()).hexdigest() == attachment.sha256
    assert restored.preview.open("rb").read() == preview


def _check(*args: str) -> tuple[dict, int]:
    out = io.StringIO()
    try:
        call_command("attachments", "check", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return json.loads(out.getvalue()), exc.returncode
    return json.loads(out.getvalue()), 0


def test_the_console_check_finds_missing_damaged_and_orphaned_files(report_case, media):
    case = report_case()
    services.message_receive(case=case, body="Two", files=[incoming("a.png"), incoming("b.pdf", PDF)])
    photo, pdf = Attachment.objects.order_by("pk")
    assert _check() == ({"rows": 2, "files": 3, "missing": [], "damaged": [], "orphans": [], "deleted": 0}, 0)

    default_storage.delete(photo.preview.name)
    (media / pdf.file.name).write_bytes(b"%PDF-1.4 altered")
    orphan = default_storage.save("attachments/2026/01/" + "f" * 32, ContentFile(b"left behind"))
    # A file younger than the window may belong to a transaction still running: not an orphan yet.
    assert _check()[0]["orphans"] == []

    report, status = _check("--orphan-hours", "0")
    assert status == 1
    where = {"case": case.reference}
    assert report["missing"] == [{"id": photo.pk, "name": "a.png", "path": photo.preview.name, **where}]
    assert report["damaged"] == [{"id": pdf.pk, "name": "b.pdf", "path": pdf.file.name, **where}]
    assert report["orphans"] == [orphan]

    report, status = _check("--orphan-hours", "0", "--delete-orphans")
    assert (report["deleted"], status) == (1, 1)  # still 1: the missing and damaged files remain
    assert not default_storage.exists(orphan)
    assert Attachment.objects.count() == 2  # rows are never touched


def test_the_console_check_refuses_a_bad_window_with_status_2():
    with pytest.raises(CommandError) as err:
        call_command("attachments", "check", "--orphan-hours", "soon", stdout=io.StringIO())
    assert (str(err.value), err.value.returncode) == (
        "--orphan-hours 'soon' is not a whole number of hours, 0 or more",
        2,
    )


# ---------------------------------------------------------------- the record and the API


def test_the_record_lists_files_by_what_they_are_never_their_bytes(client, alice, report_case):
    case = report_case()
    services.message_receive(case=case, body="Receipt", files=[file_check("receipt.pdf", PDF)])
    attachment = Attachment.objects.get()
    client.force_login(alice)

    record = client.get(reverse("cases:record_json", args=[case.reference])).json()
    assert record["attachments"] == [
        {
            "id": attachment.pk,
            "name": "receipt.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
            "from_customer": True,
            "author": None,
            "message": attachment.message_id,
            "created_at": attachment.created_at.isoformat(),
        }
    ]
    api = client.get(
        f"/api/cases/{case.reference}/record", headers={"Authorization": f"Bearer {token_for(alice)}"}
    )
    assert api.json()["attachments"] == record["attachments"]
    html = client.get(reverse("cases:record_html", args=[case.reference])).content.decode()
    assert "receipt.pdf" in html and hashlib.sha256(PDF).hexdigest() in html

    customer = Client()
    page = open_case(customer, case, "record")
    assert "receipt.pdf" in customer.get(page).content.decode()


def test_the_api_lists_a_case_s_files_and_serves_each_one(client, alice, charlie, report_case):
    case, other = report_case(), report_case(subject="Other")
    services.message_receive(case=case, body="Photo", files=[file_check("p.png", png())])
    services.message_receive(case=other, body="Other", files=[incoming("o.png")])
    mine, theirs = Attachment.objects.order_by("pk")
    auth = {"Authorization": f"Bearer {token_for(alice)}"}

    listing = client.get(f"/api/cases/{case.reference}/attachments", headers=auth)
    assert listing.status_code == 200
    assert listing.json() == {
        "reference": case.reference,
        "attachments": [
            {
                "id": mine.pk,
                "name": "p.png",
                "content_type": "image/png",
                "size": mine.size,
                "sha256": mine.sha256,
                "from_customer": True,
                "author": None,
                "message": mine.message_id,
                "created_at": listing.json()["attachments"][0]["created_at"],
            }
        ],
    }
    download = client.get(f"/api/cases/{case.reference}/attachments/{mine.pk}", headers=auth)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == mine.file.open("rb").read()
    assert download["Content-Disposition"].startswith('attachment; filename="p.png"')
    assert download["X-Content-Type-Options"] == "nosniff"

    not_here = client.get(f"/api/cases/{case.reference}/attachments/{theirs.pk}", headers=auth)
    assert (not_here.status_code, not_here.json()["code"]) == (404, "not_found")
    assert client.get("/api/cases/PR-2020-999999/attachments", headers=auth).status_code == 404
    outsider = {"Authorization": f"Bearer {token_for(charlie)}"}
    assert (
        client.get(f"/api/cases/{case.reference}/attachments/{mine.pk}", headers=outsider).status_code == 403
    )
    assert client.get(f"/api/cases/{case.reference}/attachments").status_code == 401


def test_the_api_document_describes_the_download_as_a_file(client):
    spec = client.get("/api/openapi.json").json()
    content = spec["paths"]["/api/cases/{reference}/attachments/{attachment_id}"]["get"]["responses"]["200"][
        "content"
    ]
    assert sorted(content) == ["application/pdf", "image/jpeg", "image/png", "text/plain"]
