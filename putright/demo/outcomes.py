"""Issue 13 §1: the outcome records a demo case closes with — whether the complaint was upheld, the reason
code for closing unresolved, and the customer's scores — chosen from the case's reference, so the stories'
own random sequence (and everything else the demo writes) is unchanged, and both writers (the services
runner and the bulk writer) give a case the same values."""

from __future__ import annotations

import zlib

from putright.vocab import Upheld

# A plausible mix for cases where we delivered an agreed resolution: most upheld, some partly.
_DELIVERED = [Upheld.UPHELD] * 7 + [Upheld.PARTLY] * 3
# Closing unresolved: mostly not upheld; sometimes upheld but impossible to put right as asked.
_UNRESOLVED = [Upheld.NOT_UPHELD] * 6 + [Upheld.PARTLY] * 3 + [Upheld.UPHELD]
_REASON_CODES = [
    "outside_policy",
    "outside_policy",
    "no_fault_found",
    "offer_declined",
    "third_party",
    "cannot_provide",
    "customer_unreachable",
    "other",
]


def _roll(reference: str, salt: str) -> int:
    return zlib.crc32(f"{salt}:{reference}".encode())


def upheld_delivered(reference: str) -> str:
    return str(_DELIVERED[_roll(reference, "upheld") % len(_DELIVERED)])


def upheld_unresolved(reference: str) -> str:
    return str(_UNRESOLVED[_roll(reference, "upheld-unresolved") % len(_UNRESOLVED)])


def reason_code(reference: str) -> str:
    return _REASON_CODES[_roll(reference, "reason") % len(_REASON_CODES)]


def scores(reference: str, *, resolved: bool) -> dict[str, int | None]:
    """CSAT and, for most customers, effort and NPS: high when resolved, low when not; some skip them."""
    roll = _roll(reference, "scores")
    if roll % 10 == 0:  # one in ten answers yes/no alone
        return {"csat": None, "ces": None, "nps": None}
    if resolved:
        csat, ces, nps = 3 + roll % 3, 4 + (roll >> 4) % 4, 6 + (roll >> 8) % 5
    else:
        csat, ces, nps = 1 + roll % 2, 1 + (roll >> 4) % 4, (roll >> 8) % 6
    return {"csat": csat, "ces": ces if roll % 3 else None, "nps": nps if roll % 4 else None}
