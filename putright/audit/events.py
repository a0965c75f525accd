"""The one place that writes case events (the timeline) and verifies their chain.

Audit sits below the case: it imports nothing above it. The chain head (``audit_seq``, ``audit_head``)
is kept on the case row, which it reaches through the event's own foreign key to the case model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from putright import clock
from putright.audit.models import Event

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _digest(
    *,
    prev_hash: str,
    case_id: int,
    seq: int,
    actor_id: int | None,
    actor_label: str,
    kind: str,
    summary: str,
    before: dict,
    after: dict,
    customer_visible: bool,
    created_at: datetime,
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "case": case_id,
            "seq": seq,
            "actor": actor_id,
            "actor_label": actor_label,
            "kind": kind,
            "summary": summary,
            "before": before,
            "after": after,
            "customer_visible": customer_visible,
            # Databases hand times back in UTC whatever zone they were written in: hash the UTC form.
            "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _case_model():
    """The model whose rows carry each chain's head: the one ``Event.case`` points at."""
    return Event._meta.get_field("case").related_model


def actor_label_for(user) -> str:
    if user is None:
        return "Putright (automatic)"
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def event_build(
    *,
    case,
    seq: int,
    prev_hash: str,
    kind: str,
    summary: str,
    actor=None,
    actor_label: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    customer_visible: bool = False,
    created_at: datetime,
) -> Event:
    """One event, hashed onto the chain after ``prev_hash`` and not yet saved.

    ``event_record`` appends one this way under the case lock; a bulk writer (the demo's history)
    builds a whole timeline with it and saves the events together, ending the case at the last hash.
    """
    # Round-trip through JSON so the stored value is exactly what was hashed.
    before_j = json.loads(json.dumps(_jsonable(before or {})))
    after_j = json.loads(json.dumps(_jsonable(after or {})))
    actor_id = actor.pk if actor is not None else None
    label = actor_label or actor_label_for(actor)
    summary = summary[:500]
    digest = _digest(
        prev_hash=prev_hash,
        case_id=case.pk,
        seq=seq,
        actor_id=actor_id,
        actor_label=label,
        kind=kind,
        summary=summary,
        before=before_j,
        after=after_j,
        customer_visible=customer_visible,
        created_at=created_at,
    )
    return Event(
        case=case,
        seq=seq,
        actor_id=actor_id,
        actor_label=label,
        kind=kind,
        summary=summary,
        before=before_j,
        after=after_j,
        customer_visible=customer_visible,
        created_at=created_at,
        prev_hash=prev_hash,
        hash=digest,
    )


def event_record(
    *,
    case,
    kind: str,
    summary: str,
    actor=None,
    actor_label: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    customer_visible: bool = False,
) -> Event:
    """Append an event to ``case``'s timeline.

    The caller must hold the case row lock (services lock it with
    ``select_for_update`` inside ``transaction.atomic``), which serialises
    appends so ``seq`` and the chain stay linear.
    """
    case_model = _case_model()
    head = case_model.objects.filter(pk=case.pk).values("audit_seq", "audit_head").get()
    event = event_build(
        case=case,
        seq=head["audit_seq"] + 1,
        prev_hash=head["audit_head"] or GENESIS,
        kind=kind,
        summary=summary,
        actor=actor,
        actor_label=actor_label,
        before=before,
        after=after,
        customer_visible=customer_visible,
        created_at=clock.now(),
    )
    case_model.objects.filter(pk=case.pk).update(audit_seq=event.seq, audit_head=event.hash)
    case.audit_seq, case.audit_head = event.seq, event.hash
    event.save()
    return event


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int
    problem: str


def case_pk_find(reference_or_id: str) -> int | None:
    """The case a person names: by its reference as staff see it everywhere (``PR-2026-000241``, in any
    letter case) or by its numeric id. None when there is no such case."""
    given = reference_or_id.strip()
    cases = _case_model().objects
    if given.isascii() and given.isdigit():
        found = cases.filter(pk=int(given))
    else:
        found = cases.filter(reference=given.upper())
    return found.values_list("pk", flat=True).first()


def chain_verify(case_ids: list[int] | None = None) -> tuple[int, list[ChainBreak]]:
    """Recompute every hash and check each chain ends at its case's recorded head.

    Returns (events checked, breaks found).
    """
    qs = Event.objects.order_by("case_id", "seq")
    if case_ids is not None:
        qs = qs.filter(case_id__in=case_ids)
    breaks: list[ChainBreak] = []
    checked = 0
    current_case = None
    expected_prev = GENESIS
    expected_seq = 1
    tails: dict[int, tuple[int, str]] = {}
    for ev in qs.iterator(chunk_size=2000):
        if ev.case_id != current_case:
            current_case = ev.case_id
            expected_prev = GENESIS
            expected_seq = 1
        checked += 1
        if ev.seq != expected_seq:
            breaks.append(
                ChainBreak(ev.case_id, ev.seq, f"expected event #{expected_seq}: an event is missing")
            )
        if ev.prev_hash != expected_prev:
            breaks.append(
                ChainBreak(ev.case_id, ev.seq, "previous-hash link does not match the event before")
            )
        recomputed = _digest(
            prev_hash=ev.prev_hash,
            case_id=ev.case_id,
            seq=ev.seq,
            actor_id=ev.actor_id,
            actor_label=ev.actor_label,
            kind=ev.kind,
            summary=ev.summary,
            before=ev.before,
            after=ev.after,
            customer_visible=ev.customer_visible,
            created_at=ev.created_at,
        )
        if recomputed != ev.hash:
            breaks.append(
                ChainBreak(ev.case_id, ev.seq, "content does not match its hash: the event was altered")
            )
        expected_prev = ev.hash
        expected_seq = ev.seq + 1
        tails[ev.case_id] = (ev.seq, ev.hash)
    heads = _case_model().objects.filter(audit_seq__gt=0)
    if case_ids is not None:
        heads = heads.filter(pk__in=case_ids)
    for case_id, head_seq, head_hash in heads.values_list("pk", "audit_seq", "audit_head").iterator(
        chunk_size=5000
    ):
        tail = tails.get(case_id)
        if tail is None or tail != (head_seq, head_hash):
            last_seq = tail[0] if tail else 0
            breaks.append(
                ChainBreak(
                    case_id,
                    last_seq + 1,
                    f"the chain should end at event #{head_seq}: newer events are missing",
                )
            )
    return checked, breaks
