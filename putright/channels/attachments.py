"""Issue 15 §4: files a customer or a colleague sends with a report or a message.

No virus scanner can be kept current on the machines Putright runs on, so a file is judged by what it
*is*, never by its name: an allow-list checked on the content (JPEG, PNG, PDF, plain text; never SVG,
HTML or anything else), an image's preview re-encoded by Pillow with its metadata (EXIF, GPS) left
behind, and every original served only as a download (``Content-Disposition: attachment``, ``nosniff``).

A name that disagrees with the content (a PDF called ``receipt.jpg``) is accepted as what it really is:
phones and scanners mislabel files all the time, refusing a genuine PDF helps nobody, and the safety
comes from the content check. The stored type is the detected one, and the download's name gets the
extension of that type, so it opens in the right program.

Validation happens at the edge (the forms' :class:`AttachmentsField`, the API), so the case services only
ever receive :class:`IncomingFile` values; ``putright.channels.services.attachments_store`` stores them.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from PIL import Image, ImageOps, UnidentifiedImageError

# What may be sent, by detected content type: the words the pages use, and the extension a download gets.
ALLOWED: dict[str, tuple[str, str]] = {
    "image/jpeg": ("JPEG photo", ".jpg"),
    "image/png": ("PNG image", ".png"),
    "application/pdf": ("PDF", ".pdf"),
    "text/plain": ("Text file", ".txt"),
}
IMAGES = {"image/jpeg", "image/png"}
# What the file input offers (a convenience for the picker; the content check is what decides).
ACCEPT = "image/jpeg,image/png,application/pdf,text/plain,.jpg,.jpeg,.png,.pdf,.txt"
REFUSED_KIND = "this kind of file can't be accepted; send a photo (JPEG or PNG), a PDF or a plain text file"
# Markup a browser could be persuaded to run, looked for near the start of a "text" file.
_MARKUP = (b"<html", b"<svg", b"<?xml", b"<script", b"<!doctype", b"<body", b"<iframe", b"<head")
PREVIEW_MAX_PX = 1024
PREVIEW_TYPE = "image/jpeg"


class AttachmentError(ValueError):
    """A file that cannot be accepted; ``message`` names the file and says why, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IncomingFile:
    """A file that passed the checks, ready to store: its content as sent, and its preview (images)."""

    name: str
    content: bytes
    content_type: str
    sha256: str
    preview: bytes = b""

    @property
    def size(self) -> int:
        return len(self.content)

    def audit(self) -> dict:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


def limits() -> dict[str, int]:
    conf = settings.PUTRIGHT
    return {
        "max_bytes": conf["ATTACHMENT_MAX_BYTES"],
        "per_message": conf["ATTACHMENTS_PER_MESSAGE"],
        "max_total": conf["ATTACHMENTS_MAX_TOTAL_BYTES"],
        "max_pixels": conf["ATTACHMENT_MAX_PIXELS"],
    }


def size_words(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def clean_name(name: str) -> str:
    """The sender's file name as we keep and show it: its last part only, no control characters, ≤ 200."""
    base = PurePath(str(name).replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return (base or "file")[:200]


def _sniff(content: bytes) -> str | None:
    """The content's type when it is one we accept, else None."""
    kind = filetype.guess(content[:8192])
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED and kind.mime != "text/plain" else None
    return "text/plain" if _is_plain_text(content) else None


def _is_plain_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = content[:2048].lower()
    return not any(tag in head for tag in _MARKUP)


def _pixels_words(pixels: int) -> str:
    return f"{pixels / 1_000_000:g} million" if pixels >= 1_000_000 else f"{pixels:,}"


def _preview(name: str, content: bytes, max_pixels: int) -> bytes:
    """The image decoded and drawn afresh: turned upright, RGB, at most 1024 px, JPEG, no metadata at all.

    The pixel count is checked before anything is decoded, against our own limit and Pillow's
    (``Image.MAX_IMAGE_PIXELS``), whichever is lower; Pillow refuses a bomb past twice its limit itself.
    """
    if Image.MAX_IMAGE_PIXELS:
        max_pixels = min(max_pixels, int(Image.MAX_IMAGE_PIXELS))
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise AttachmentError(
                    f"{name}: this image is too large to open safely ({width} × {height} pixels; at most "
                    f"{_pixels_words(max_pixels)} pixels). Please send a smaller photo."
                )
            if image.format == "JPEG":
                # Decode a large photo at a reduced scale straight away (still at least the preview's size).
                image.draft("RGB", (PREVIEW_MAX_PX, PREVIEW_MAX_PX))
            image.load()
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((PREVIEW_MAX_PX, PREVIEW_MAX_PX))
            if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                # Transparent parts (a screenshot's, a logo's) shown on white, not black.
                rgba = upright.convert("RGBA")
                rgb = Image.new("RGB", rgba.size, (255, 255, 255))
                rgb.paste(rgba, mask=rgba.getchannel("A"))
            else:
                rgb = upright.convert("RGB")
    except AttachmentError:
        raise
    except Image.DecompressionBombError as exc:
        raise AttachmentError(
            f"{name}: this image is too large to open safely. Please send a smaller photo."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise AttachmentError(
            f"{name}: this image is damaged and can't be opened. Please send it again."
        ) from exc
    # A new image holds only the pixels: nothing of the original's info (EXIF, GPS, comments) comes along.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def file_check(name: str, content: bytes) -> IncomingFile:
    """One file judged by its content. Raises :class:`AttachmentError` naming the file and why."""
    name = clean_name(name)
    limit = limits()
    if not content:
        raise AttachmentError(f"{name}: this file is empty.")
    if len(content) > limit["max_bytes"]:
        raise AttachmentError(
            f"{name}: this file is {size_words(len(content))}; each file may be at most "
            f"{size_words(limit['max_bytes'])}."
        )
    content_type = _sniff(content)
    if content_type is None:
        raise AttachmentError(f"{name}: {REFUSED_KIND}.")
    preview = _preview(name, content, limit["max_pixels"]) if content_type in IMAGES else b""
    return IncomingFile(
        name=name,
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        preview=preview,
    )


def files_check(uploaded) -> tuple[list[IncomingFile], list[str]]:
    """Every file of one report or message: (those accepted, the errors for the rest and for the whole)."""
    limit = limits()
    uploaded = [f for f in uploaded if f is not None]
    if len(uploaded) > limit["per_message"]:
        return [], [f"You can send at most {limit['per_message']} files at once (you chose {len(uploaded)})."]
    total = sum(f.size for f in uploaded)
    if total > limit["max_total"]:
        return [], [
            f"These files come to {size_words(total)}; together they may be at most "
            f"{size_words(limit['max_total'])}."
        ]
    accepted: list[IncomingFile] = []
    errors: list[str] = []
    for upload in uploaded:
        name = clean_name(upload.name or "file")
        if upload.size > limit["max_bytes"]:
            # Never read into memory: refused on the size the upload declared.
            errors.append(
                f"{name}: this file is {size_words(upload.size)}; each file may be at most "
                f"{size_words(limit['max_bytes'])}."
            )
            continue
        upload.seek(0)
        try:
            accepted.append(file_check(name, upload.read()))
        except AttachmentError as exc:
            errors.append(exc.message)
    return accepted, errors


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero or more files; cleans to a list of :class:`IncomingFile`, or one error per bad file."""

    widget = MultipleFileInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Attach files")
        kwargs.setdefault(
            "help_text",
            f"Photos (JPEG or PNG), PDFs or plain text files, up to {limits()['per_message']} "
            f"files of at most {size_words(limits()['max_bytes'])} each.",
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT)

    def clean(self, data, initial=None) -> list[IncomingFile]:
        uploads = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        accepted, errors = files_check(uploads)
        if errors:
            raise ValidationError(errors)
        return accepted


# ---------------------------------------------------------------- e-mail


def email_note(case, message) -> str:
    """What a customer's e-mail says of the files sent with its message (registered in ``ChannelsConfig``).

    The files themselves stay on the case page, behind the case link: never in a mailbox, where a
    forwarded e-mail would carry them to anyone.
    """
    # A message not yet stored (the close-unresolved review's preview) has no files of its own.
    files = list(message.attachments.all()) if message.direction == "out" and message.pk else []
    if not files:
        return ""
    listed = ", ".join(
        f"{a.original_name} ({ALLOWED.get(a.content_type, (a.content_type, ''))[0]}, {size_words(a.size)})"
        for a in files
    )
    many = "these files" if len(files) > 1 else "this file"
    return f"We have sent you {many} with this message: {listed}. You can download {'them' if len(files) > 1 else 'it'} from your case page."


# ---------------------------------------------------------------- serving


def download_name(attachment) -> str:
    """The sender's name, with the extension of what the file really is when the name said otherwise."""
    name = attachment.original_name or "file"
    ext = ALLOWED.get(attachment.content_type, ("", ""))[1]
    if ext and not name.lower().endswith(ext) and not (ext == ".jpg" and name.lower().endswith(".jpeg")):
        name += ext
    return name


def content_disposition(disposition: str, name: str) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…``: a safe ASCII fallback and the exact name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch if ch.isalnum() or ch in " .-_()" else "_" for ch in ascii_name).strip() or "file"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(attachment, *, preview: bool = False) -> FileResponse:
    """The stored file as a download (or its re-encoded preview, shown in an <img>), never for a cache."""
    stored = attachment.preview if preview else attachment.file
    response = FileResponse(
        stored.open("rb"), content_type=PREVIEW_TYPE if preview else attachment.content_type
    )
    name = download_name(attachment)
    if preview:
        response["Content-Disposition"] = content_disposition("inline", f"preview-{PurePath(name).stem}.jpg")
    else:
        response["Content-Disposition"] = content_disposition("attachment", name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Nothing in a stored file may run, even if a browser were talked into rendering it.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
