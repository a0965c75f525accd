"""A small fixed-window rate limiter on Django's cache, for the public report form.

Anyone can send the report form, and each report emails the address typed into
it, so without a limit the form could be used to send our mail to anyone. Each
``Limit`` counts events for one subject (a sender's network address, a
recipient's email address) in the current clock hour; the caller asks
``exceeded`` before acting and calls ``count`` only after the action succeeded,
so refused or invalid attempts never use up anyone's allowance.

Fixed windows are approximate by design: two requests at the same moment can
both pass the check, and a burst either side of the hour can reach twice the
limit. That is enough to stop the form being used to flood someone. The counts
live in ``CACHES["default"]``, which must be shared between processes in a
multi-process deployment (see settings). If the cache fails, the limiter lets
requests through and logs it: a customer's report matters more than the limit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from putright import clock

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
# Counters outlive their window a little, so a slightly slow clock never drops one early.
_EXPIRY_SECONDS = WINDOW_SECONDS + 300


@dataclass(frozen=True)
class Limit:
    """At most ``per_window`` counted events for ``subject`` under ``name`` in one window."""

    name: str
    subject: str
    per_window: int

    def key(self, window: int) -> str:
        # Hashed: cache keys stay short and safe for any backend, and no email address sits in the cache.
        digest = hashlib.sha256(self.subject.encode("utf-8", "surrogatepass")).hexdigest()
        return f"putright:ratelimit:{self.name}:{window}:{digest}"


def _window() -> int:
    return int(clock.now().timestamp()) // WINDOW_SECONDS


def seconds_until_reset() -> int:
    """How long until the current window ends: the honest value for a Retry-After header."""
    return WINDOW_SECONDS - int(clock.now().timestamp()) % WINDOW_SECONDS


def exceeded(limits: Iterable[Limit]) -> bool:
    """Whether any of the limits is already used up in this window."""
    window = _window()
    keyed = {limit.key(window): limit for limit in limits}
    try:
        counts = cache.get_many(list(keyed))
    except Exception:
        log.warning("Rate-limit cache unavailable; letting the request through", exc_info=True)
        return False
    return any(counts.get(key, 0) >= limit.per_window for key, limit in keyed.items())


def count(limits: Iterable[Limit]) -> None:
    """Count one event against each limit, in this window."""
    window = _window()
    for limit in limits:
        key = limit.key(window)
        try:
            cache.add(key, 0, timeout=_EXPIRY_SECONDS)
            try:
                cache.incr(key)
            except ValueError:
                # Evicted between add and incr: this event is the first one again.
                cache.set(key, 1, timeout=_EXPIRY_SECONDS)
        except Exception:
            log.warning("Rate-limit cache unavailable; event not counted", exc_info=True)


def client_address(request: HttpRequest) -> str:
    """The address a request came from, as the rate limits count it.

    ``REMOTE_ADDR``, unless ``PUTRIGHT["TRUSTED_PROXY_COUNT"]`` says how many of
    our own proxies append to X-Forwarded-For: then the entry the outermost of
    them added. Entries further left were written by the client and could say
    anything. An IPv6 address counts as its /64 network, which one household or
    server usually holds whole.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PUTRIGHT["TRUSTED_PROXY_COUNT"]
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def mailbox(email: str) -> str:
    """An email address as one mailbox: case-insensitive, and without a "+tag", which most providers ignore."""
    local, _, domain = email.strip().casefold().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
