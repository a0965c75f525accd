"""The organisation's brand (issue 15 §6): read it for every page and e-mail a customer sees; administrators
change it (checked: a readable colour, a real image, a valid reply-to).

Until an administrator sets it, customers see a neutral "Customer care", never the product's name.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

import filetype
from django.contrib.admin.models import CHANGE
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from putright import clock
from putright.authority import teams
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.channels.models import Brand
from putright.errors import DomainError, ErrorCode, PermissionDenied

DEFAULT_NAME = "Customer care"
DEFAULT_COLOUR = "#0d2538"
LOGO_MAX_BYTES = 1024 * 1024  # what an administrator may upload
LOGO_MAX_SIDE = 480  # pixels, the longer side once re-encoded (shown at most 48 px high)
# Only formats Pillow decodes safely and browsers show; never SVG (it can carry script).
LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}
# White text on the header colour must reach WCAG 2.2 AA for normal text.
MIN_CONTRAST = 4.5
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class BrandView:
    """What pages and e-mails read: the stored brand, or the neutral defaults before one is set."""

    display_name: str
    reply_to: str
    signature: str
    colour: str
    has_logo: bool
    # Changes whenever the brand does: the stylesheet's and the logo's URLs carry it, so browsers refetch.
    version: str
    # Whether an administrator has set it (before that, the neutral defaults; wording then says "we").
    is_set: bool = True


def _view(brand: Brand | None) -> BrandView:
    if brand is None:
        return BrandView(DEFAULT_NAME, "", DEFAULT_NAME, DEFAULT_COLOUR, False, "0", is_set=False)
    stamp = brand.updated_at.isoformat() if brand.updated_at else ""
    version = hashlib.sha256(f"{stamp}{brand.colour}{len(brand.logo_png)}".encode()).hexdigest()[:12]
    return BrandView(
        brand.display_name, brand.reply_to, brand.signature, brand.colour, bool(brand.logo_png), version
    )


def brand_get() -> BrandView:
    """One query (the logo's bytes are left in the database: the logo is served on its own)."""
    return _view(Brand.objects.defer("logo_png").filter(pk=1).first())


def brand_logo() -> bytes:
    return Brand.objects.filter(pk=1).values_list("logo_png", flat=True).first() or b""


def may_change_brand(user) -> bool:
    return is_staff_member(user) and has_role_at_least(user, Role.ADMINISTRATOR)


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an ``#rrggbb`` colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (relative_luminance(colour) + 0.05)


def logo_reencode(data: bytes) -> bytes:
    """A logo upload made safe to serve: the type read from its content (not its name), decoded by Pillow,
    shrunk to LOGO_MAX_SIDE, and written afresh as PNG — which drops any metadata (EXIF, GPS, comments)
    and anything appended to the file."""
    if not data:
        raise DomainError(ErrorCode.INVALID_INPUT, "The logo file is empty.")
    if len(data) > LOGO_MAX_BYTES:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "The logo is larger than 1 MB: please use a smaller image."
        )
    kind = filetype.guess(data)
    if kind is None or kind.mime not in LOGO_TYPES:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "The logo must be a PNG or JPEG image (judged by its content)."
        )
    try:
        with Image.open(io.BytesIO(data), formats=[LOGO_TYPES[kind.mime]]) as image:
            if image.width * image.height > 40_000_000:
                raise DomainError(ErrorCode.INVALID_INPUT, "The logo has too many pixels.")
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, "The logo could not be read as an image.") from exc
    picture.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _clean(display_name: str, reply_to: str, signature: str, colour: str) -> tuple[str, str, str, str]:
    display_name = " ".join((display_name or "").split())
    if not display_name or len(display_name) > 100:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the organisation's name in at most 100 characters.")
    if "putright" in display_name.lower():
        # Customers see the organisation, never the product (issue 15 §6).
        raise DomainError(ErrorCode.INVALID_INPUT, "Use your organisation's own name, not the product's.")
    reply_to = (reply_to or "").strip()
    if reply_to:
        try:
            validate_email(reply_to)
        except ValidationError as exc:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "The reply-to address is not a valid e-mail address."
            ) from exc
    signature = "\n".join(line.rstrip() for line in (signature or "").strip().splitlines())
    if not signature or len(signature) > 500:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give a signature of at most 500 characters.")
    colour = (colour or "").strip().lower()
    if not _HEX.match(colour):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Give the colour as # and six hexadecimal digits, like #0d2538."
        )
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"White text on {colour} has a contrast of {ratio:.1f}:1; it needs at least {MIN_CONTRAST}:1 to be "
            "readable. Choose a darker colour.",
        )
    return display_name, reply_to, signature, colour


def brand_save(
    *,
    actor,
    display_name: str,
    reply_to: str,
    signature: str,
    colour: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> BrandView:
    """Set the brand (administrators). ``logo`` replaces the logo, ``remove_logo`` drops it; neither keeps it.
    Written to the admin's history, field by field."""
    if not may_change_brand(actor):
        raise PermissionDenied("only administrators may change the organisation's brand")
    display_name, reply_to, signature, colour = _clean(display_name, reply_to, signature, colour)
    logo_png = logo_reencode(logo) if logo is not None else None
    with transaction.atomic():
        brand = Brand.objects.select_for_update().filter(pk=1).first() or Brand(pk=1)
        before = {
            "name": brand.display_name,
            "reply-to": brand.reply_to,
            "signature": brand.signature,
            "colour": brand.colour if brand.pk and brand.display_name else "",
        }
        brand.display_name, brand.reply_to, brand.signature, brand.colour = (
            display_name,
            reply_to,
            signature,
            colour,
        )
        changed = [
            k
            for k, v in zip(before, (display_name, reply_to, signature, colour), strict=True)
            if before[k] != v
        ]
        if logo_png is not None:
            brand.logo_png = logo_png
            changed.append("logo")
        elif remove_logo and brand.logo_png:
            brand.logo_png = b""
            changed.append("logo removed")
        brand.updated_at = clock.now()
        brand.save()
        if changed:
            teams.log_change(actor, brand, CHANGE, "Changed the brand: " + ", ".join(changed))
    return _view(brand)


def brand_css(view: BrandView) -> str:
    """The customer pages' stylesheet for the brand (served as a file: the CSP allows no inline style)."""
    return f".site-header, .brand-preview {{ background: {view.colour}; }}\n"
