"""The e-mail a customer receives for a message on their case (issue 15 §6): in the organisation's name,
with its signature and reply-to address, as plain text and a simple accessible HTML part.

The plain text is the message exactly as stored, between the salutation and the signature; the HTML part
says the same, escaped (a customer's or an agent's words are never markup) with its web addresses as
links, in one readable column.
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks, urlize

from putright.channels.brand import BrandView


def sender(brand: BrandView) -> str:
    """The organisation's name with the operator's sending address (the domain's mail records are theirs)."""
    return formataddr((brand.display_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def _html(brand: BrandView, *, name: str, body: str, additions: list[str], reference: str, link: str) -> str:
    logo = (
        f'<p><img src="{escape(settings.SITE_URL)}/brand/logo.png?v={brand.version}" alt="{escape(brand.display_name)}"'
        ' height="48"></p>'
        if brand.has_logo
        else f'<p style="font-weight:bold;font-size:18px;color:{brand.colour}">{escape(brand.display_name)}</p>'
    )
    # Escaped, then web addresses made links (the satisfaction check's answer links), then paragraphs.
    paragraphs = "".join(linebreaks(urlize(text, autoescape=True)) for text in [body, *additions])
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(reference)}</title></head>"
        '<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;'
        'line-height:1.5;color:#1b1f24;background:#ffffff">'
        '<div style="max-width:600px;margin:0 auto">'
        f"{logo}<p>Dear {escape(name)},</p>{paragraphs}"
        f"<p>Your reference: <strong>{escape(reference)}</strong></p>"
        f'<p><a href="{escape(link)}" style="color:#0b5cad">Follow your case and reply here</a></p>'
        f"{linebreaks(brand.signature, autoescape=True)}"
        "</div></body></html>"
    )


def customer_text(
    *, brand: BrandView, name: str, body: str, additions: list[str], reference: str, link: str
) -> str:
    """The plain-text part of a customer's e-mail: salutation, the message as stored, what rooms add, the
    reference and link, the organisation's signature. The close-unresolved review shows exactly this."""
    extra = "".join(f"{text}\n\n" for text in additions)
    return (
        f"Dear {name},\n\n{body}\n\n{extra}"
        f"Your reference: {reference}\n"
        f"Follow your case and reply here: {link}\n\n"
        f"{brand.signature}"
    )


def customer_email(
    *,
    brand: BrandView,
    to: str,
    name: str,
    subject: str,
    body: str,
    additions: list[str],
    reference: str,
    link: str,
    headers: dict[str, str],
) -> EmailMultiAlternatives:
    text = customer_text(
        brand=brand, name=name, body=body, additions=additions, reference=reference, link=link
    )
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender(brand),
        to=[to],
        reply_to=[brand.reply_to] if brand.reply_to else None,
        headers=headers,
    )
    email.attach_alternative(
        _html(brand, name=name, body=body, additions=additions, reference=reference, link=link), "text/html"
    )
    return email


def case_links_email(
    *, brand: BrandView, to: str, name: str, links: list[tuple[str, str, str]]
) -> EmailMultiAlternatives:
    """The links to a customer's cases, asked for on "Find my case": (reference, subject, link) each."""
    listed = "\n\n".join(f"{reference}: {subject}\n{link}" for reference, subject, link in links)
    text = (
        f"Dear {name},\n\nYou asked for the links to your cases with us. Each one opens that case's page, "
        f"where you can see where it stands and write to us.\n\n{listed}\n\n"
        "If you did not ask for this, you can ignore this e-mail: the links only open your own cases.\n\n"
        f"{brand.signature}"
    )
    items = "".join(
        f'<li><a href="{escape(link)}" style="color:#0b5cad">{escape(reference)}: {escape(subject)}</a></li>'
        for reference, subject, link in links
    )
    html = (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Your cases</title></head>'
        '<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;'
        'line-height:1.5;color:#1b1f24;background:#ffffff"><div style="max-width:600px;margin:0 auto">'
        f"<p>Dear {escape(name)},</p><p>You asked for the links to your cases with us. Each one opens that "
        "case's page, where you can see where it stands and write to us.</p>"
        f"<ul>{items}</ul><p>If you did not ask for this, you can ignore this e-mail: the links only open "
        f"your own cases.</p>{linebreaks(brand.signature, autoescape=True)}</div></body></html>"
    )
    email = EmailMultiAlternatives(
        subject="The links to your cases",
        body=text,
        from_email=sender(brand),
        to=[to],
        reply_to=[brand.reply_to] if brand.reply_to else None,
    )
    email.attach_alternative(html, "text/html")
    return email
