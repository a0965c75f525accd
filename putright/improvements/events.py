"""The one place that writes an improvement's history, and checks its chain.

Each event's ``hash`` is SHA-256 over its content and the previous event's hash, so editing or removing
one breaks the chain from there (``chain_verify`` finds where). The caller holds the improvement's row
lock (the services take it with ``select_for_update``), which orders the sequence.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from putright import clock
from putright.improvements.models import Improvement, ImprovementEvent

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _digest(
    *,
    prev_hash: str,
    improvement_id: int,
    seq: int,
    actor_id: int | None,
    actor_label: str,
    kind: str,
    summary: str,
    before: dict,
    after: dict,
    created_at: datetime,
) -> str:
    content = {
        "prev": prev_hash,
        "improvement": improvement_id,
        "seq": seq,
        "actor": actor_id,
        "actor_label": actor_label,
        "kind": kind,
        "summary": summary,
        "before": before,
        "after": after,
        # Databases hand times back in UTC whatever zone they were written in: hash the UTC form.
        "at": created_at.astimezone(UTC).isoformat(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def actor_name(user) -> str:
    if user is None:
        return "Putright"
    return user.get_full_name() or user.get_username()


def event_record(
    *,
    improvement: Improvement,
    actor,
    kind: str,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
) -> ImprovementEvent:
    before, after = _jsonable(before or {}), _jsonable(after or {})
    seq = improvement.event_seq + 1
    prev = improvement.event_head or GENESIS
    now = clock.now()
    label = actor_name(actor)
    summary = summary[:500]
    digest = _digest(
        prev_hash=prev,
        improvement_id=improvement.pk,
        seq=seq,
        actor_id=actor.pk if actor else None,
        actor_label=label,
        kind=kind,
        summary=summary,
        before=before,
        after=after,
        created_at=now,
    )
    event = ImprovementEvent.objects.create(
        improvement=improvement,
        seq=seq,
        actor=actor,
        actor_label=label,
        kind=kind,
        summary=summary,
        before=before,
        after=after,
        created_at=now,
        prev_hash=prev,
        hash=digest,
    )
    Improvement.objects.filter(pk=improvement.pk).update(event_seq=seq, event_head=digest)
    improvement.event_seq, improvement.event_head = seq, digest
    return event


def chain_verify(improvement: Improvement) -> int | None:
    """The seq of the first event whose hash does not follow from its content and its predecessor, or
    None when the whole chain holds (including its head on the improvement)."""
    prev = GENESIS
    expected_seq = 1
    for event in ImprovementEvent.objects.filter(improvement=improvement).order_by("seq"):
        digest = _digest(
            prev_hash=prev,
            improvement_id=improvement.pk,
            seq=event.seq,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            kind=event.kind,
            summary=event.summary,
            before=event.before,
            after=event.after,
            created_at=event.created_at,
        )
        if event.seq != expected_seq or event.prev_hash != prev or event.hash != digest:
            return event.seq
        prev, expected_seq = digest, expected_seq + 1
    if (improvement.event_head or GENESIS) != prev:
        return expected_seq
    return None
