"""Small files for the attachment tests, made on the fly (none is kept in the repository)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from putright.channels.attachments import IncomingFile, file_check

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"
TEXT = "Order ORD-558812: delivered 3 March, base snapped.\nThanks — Priya\n".encode()


def png(width: int = 64, height: int = 48, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps(width: int = 80, height: int = 40, orientation: int = 6) -> bytes:
    """A photo as a phone takes it: EXIF with a GPS position, a camera model and an orientation flag."""
    image = Image.new("RGB", (width, height), (20, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "Pocket Camera 9"  # Model
    exif[0x0112] = orientation  # Orientation: 6 = turn 90° clockwise to show upright
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.9)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def incoming(name: str = "photo.png", content: bytes | None = None) -> IncomingFile:
    return file_check(name, png() if content is None else content)
