"""``{% alert_text alert %}``: an alert's stored text, shown safely, with our own addresses as links.

Alert text is stored as plain text (it is also e-mailed), and some carries a raw address such as a
problem's page. Here every piece of the text is escaped; only an address on this site that resolves to
one of our pages becomes a link, labelled with what it points at ("Problem 12") instead of the URL.
Any other address stays as escaped text, so stored text can never inject markup or a ``javascript:``
link. The case reference that starts many alerts is dropped when the row already links that case.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+")
# Punctuation that ends a sentence is not part of the address before it.
TRAILING_PUNCTUATION = ".,;:!?)"


def _own_path(url: str) -> str | None:
    """The path of ``url`` when it is an address on this site, else None."""
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc) or not parts.path.startswith("/"):
        return None
    return parts.path


def _label(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name == "problems:detail":
        return f"Problem {match.kwargs['pk']}"
    if match.view_name == "cases:detail":
        return f"Case {match.kwargs['reference']}"
    if match.view_name == "procedures:detail":
        return f"Procedure {match.kwargs['procedure_id']}"
    return None


def _piece(url: str) -> SafeString:
    path = _own_path(url)
    label = _label(path) if path else None
    if path is None or label is None:
        return escape(url)
    return format_html('<a href="{}">{}</a>', path, label)


@register.simple_tag
def alert_text(alert) -> SafeString:
    text = alert.text
    if alert.case_id is not None:
        prefix = f"{alert.case.reference}: "
        if text.startswith(prefix):
            text = text[len(prefix) :]
    pieces: list[SafeString] = []
    done = 0
    for found in URL_IN_TEXT.finditer(text):
        url = found.group(0).rstrip(TRAILING_PUNCTUATION)
        pieces.append(escape(text[done : found.start()]))
        pieces.append(_piece(url))
        done = found.start() + len(url)
    pieces.append(escape(text[done:]))
    return format_html_join("", "{}", ((piece,) for piece in pieces))
