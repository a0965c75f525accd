"""The one clock the domain reads, so tests can move time.

Services, sweeps and selectors call ``clock.now()``; tests use
``with clock.frozen(dt):`` (or ``clock.set_now``) instead of patching
``django.utils.timezone``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

_state = threading.local()
_global_override: list[datetime] = []


def now() -> datetime:
    override = getattr(_state, "now", None)
    if override is not None:
        return override
    if _global_override:
        return _global_override[-1]
    return timezone.now()


@contextlib.contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Freeze time for this process (all threads) inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("freeze with an aware datetime")
    _global_override.append(moment)
    try:
        yield
    finally:
        _global_override.pop()
