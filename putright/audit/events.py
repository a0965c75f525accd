"""The one place that writes case events (the timeline) and verifies their chain.

Audit sits below the case: it imports nothing above it. The chain head (``audit_seq``, ``audit_head``)
is kept on the case row, which it reaches through the event's own foreign key to the case model.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from putright import clock
from putright.audit.keys import AuditKey, key_current, keys_known
from putright.audit.models import Event

GENESIS = "0" * 64
PLAIN_SHA256 = Event.Scheme.SHA256
HMAC_SHA256 = Event.Scheme.HMAC_SHA256
# The event that starts keyed hashing on a chain, or moves it to a new key; its ``after`` is {"key_id": …}.
REKEYED = "audit.rekeyed"


class _Configured:
    """``event_build``'s default key: the one configured now (AUDIT_KEY_FILE), if any."""


CONFIGURED_KEY = _Configured()


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


def _payload(
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
    key_id: str = "",
) -> bytes:
    content: dict[str, Any] = {
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
    }
    if key_id:
        # A keyed event's MAC covers its scheme and key too. A plain event's content stays exactly as it
        # was before keys existed, so the events written then still verify.
        content["scheme"] = HMAC_SHA256
        content["key"] = key_id
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _digest(payload: bytes, key: AuditKey | None) -> str:
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key.secret, payload, hashlib.sha256).hexdigest()


def _stored_payload(ev: Event) -> bytes:
    """What ``event_build`` hashed, read back from a stored event."""
    return _payload(
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
        key_id=ev.key_id if ev.hash_scheme == HMAC_SHA256 else "",
    )


def case_model():
    """The model whose rows carry each chain's head: the one ``Event.case`` points at."""
    return Event._meta.get_field("case").related_model


# Who an automatic step is by, in the (hashed) event: stored as written, so never changed; the customer's pages
# show the organisation's name in its place.
AUTOMATIC_ACTOR_LABEL = "Putright (automatic)"


def actor_label_for(user) -> str:
    if user is None:
        return AUTOMATIC_ACTOR_LABEL
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
    key: AuditKey | None | _Configured = CONFIGURED_KEY,
) -> Event:
    """One event, hashed onto the chain after ``prev_hash`` and not yet saved.

    ``event_record`` appends one this way under the case lock; a bulk writer (the demo's history)
    builds a whole timeline with it and saves the events together, ending the case at the last hash.
    ``key``: HMAC-SHA256 with this key, plain SHA-256 with None; by default the configured key, so a
    timeline built from its first event starts keyed whenever a key is configured.
    """
    if isinstance(key, _Configured):
        key = key_current()
    # Round-trip through JSON so the stored value is exactly what was hashed.
    before_j = json.loads(json.dumps(_jsonable(before or {})))
    after_j = json.loads(json.dumps(_jsonable(after or {})))
    actor_id = actor.pk if actor is not None else None
    label = actor_label or actor_label_for(actor)
    summary = summary[:500]
    key_id = key.key_id if key is not None else ""
    payload = _payload(
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
        key_id=key_id,
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
        hash=_digest(payload, key),
        hash_scheme=HMAC_SHA256 if key is not None else PLAIN_SHA256,
        key_id=key_id,
    )


def _append(case, head: dict, key: AuditKey | None, **content) -> Event:
    event = event_build(
        case=case,
        seq=head["audit_seq"] + 1,
        prev_hash=head["audit_head"] or GENESIS,
        created_at=clock.now(),
        key=key,
        **content,
    )
    case_model().objects.filter(pk=case.pk).update(audit_seq=event.seq, audit_head=event.hash)
    case.audit_seq, case.audit_head = event.seq, event.hash
    event.save()
    head.update(audit_seq=event.seq, audit_head=event.hash)
    return event


def _chain_key_id(case_pk: int, head: dict) -> str:
    """The key_id the chain's newest event was hashed with; "" for a plain (or empty) chain."""
    if not head["audit_seq"]:
        return ""
    last = (
        Event.objects.filter(case_id=case_pk, seq=head["audit_seq"]).values("hash_scheme", "key_id").first()
    )
    return last["key_id"] if last and last["hash_scheme"] == HMAC_SHA256 else ""


def _rekeyed(case, head: dict, key: AuditKey, chain_key_id: str) -> Event:
    return _append(
        case,
        head,
        key,
        kind=REKEYED,
        summary=f"Timeline keyed from here on (audit key {key.key_id})",
        before={"key_id": chain_key_id or None},
        after={"key_id": key.key_id},
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

    With a key configured, a chain not yet keyed with it gets its ``audit.rekeyed`` event first, so no
    plain event is written after keyed hashing began (``audit_rekey`` does the same for every case at
    once). Without one, a keyed chain is refused rather than continued in plain SHA-256, which
    ``chain_verify`` would report as a downgrade.
    """
    head = case_model().objects.filter(pk=case.pk).values("audit_seq", "audit_head").get()
    key = key_current()
    chain_key_id = _chain_key_id(case.pk, head)
    if key is None and chain_key_id:
        raise ImproperlyConfigured(
            f"case {case.pk}'s timeline is keyed (audit key {chain_key_id}) but AUDIT_KEY_FILE is not set "
            "in this process: a plain event after keyed ones would break its chain"
        )
    if key is not None and head["audit_seq"] and chain_key_id != key.key_id:
        _rekeyed(case, head, key, chain_key_id)
    return _append(
        case,
        head,
        key,
        kind=kind,
        summary=summary,
        actor=actor,
        actor_label=actor_label,
        before=before,
        after=after,
        customer_visible=customer_visible,
    )


def chain_rekey(case_pk: int, key: AuditKey) -> bool:
    """Key ``case_pk``'s chain with ``key`` from now on, under the case lock: append its ``audit.rekeyed``
    event. False when the chain is already keyed with it, or empty (its first event will be keyed)."""
    with transaction.atomic():
        case = case_model().objects.select_for_update().get(pk=case_pk)
        head = {"audit_seq": case.audit_seq, "audit_head": case.audit_head}
        chain_key_id = _chain_key_id(case.pk, head)
        if not head["audit_seq"] or chain_key_id == key.key_id:
            return False
        _rekeyed(case, head, key, chain_key_id)
        return True


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int
    problem: str


def case_pk_find(reference_or_id: str) -> int | None:
    """The case a person names: by its reference as staff see it everywhere (``PR-2026-000241``, in any
    letter case) or by its numeric id. None when there is no such case."""
    given = reference_or_id.strip()
    cases = case_model().objects
    if given.isascii() and given.isdigit():
        found = cases.filter(pk=int(given))
    else:
        found = cases.filter(reference=given.upper())
    return found.values_list("pk", flat=True).first()


@dataclass
class ChainCheck:
    """What ``chain_check`` found: the breaks, and which events each scheme protects."""

    checked: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    cases: int = 0
    plain_events: int = 0
    keyed_events: Counter[str] = field(default_factory=Counter)  # by key_id
    # Cases whose chain has no keyed event although keyed hashing has begun: not rekeyed yet (or, once
    # audit_rekey has run, cut back to before their rekey by someone with the database).
    cases_not_keyed: list[int] = field(default_factory=list)
    keyed_since: datetime | None = None


def _keyed_since(known: dict[str, AuditKey]) -> datetime | None:
    """When keyed hashing began: the time of the earliest keyed event, in any case, whose MAC checks out.

    Only the key's holder can write such an event, and from then on every process with the key writes
    keyed events (``event_record``); a plain event dated later was written without the key, or rewritten.
    """
    keyed = Event.objects.filter(hash_scheme=HMAC_SHA256, key_id__in=list(known)).order_by("created_at", "pk")
    for ev in keyed.iterator(chunk_size=500):
        if hmac.compare_digest(_digest(_stored_payload(ev), known[ev.key_id]), ev.hash):
            return ev.created_at
    return None


class _ChainWalk:
    """Checks one case's events in order; ``chain_check`` walks every case through it."""

    def __init__(self, check: ChainCheck, known: dict[str, AuditKey]):
        self.check = check
        self.known = known
        self.case_id: int | None = None
        self._since_found = False

    def keyed_since(self) -> datetime | None:
        """``_keyed_since``, asked once per check and only when a chain has plain events or no keyed ones
        (so a case record's check of a keyed chain costs no search across cases)."""
        if not self._since_found:
            self.check.keyed_since = _keyed_since(self.known)
            self._since_found = True
        return self.check.keyed_since

    def start(self, case_id: int) -> None:
        self.case_id = case_id
        self.expected_prev = GENESIS
        self.expected_seq = 1
        self.chain_key_id = ""  # the key the chain is keyed with so far; "" while plain
        self.any_keyed = False
        self.plain_times: list[tuple[int, datetime]] = []  # plain events not already a downgrade
        self.uncheckable: set[str] = set()
        self.check.cases += 1

    def _break(self, seq: int, problem: str) -> None:
        assert self.case_id is not None
        self.check.breaks.append(ChainBreak(self.case_id, seq, problem))

    def event(self, ev: Event) -> None:
        self.check.checked += 1
        if ev.seq != self.expected_seq:
            self._break(ev.seq, f"expected event #{self.expected_seq}: an event is missing")
        if ev.prev_hash != self.expected_prev:
            self._break(ev.seq, "previous-hash link does not match the event before")
        if ev.hash_scheme == PLAIN_SHA256:
            self._plain(ev)
        elif ev.hash_scheme == HMAC_SHA256:
            self._keyed(ev)
        else:
            self._break(ev.seq, f"unknown hash scheme {ev.hash_scheme!r}: the event cannot be checked")
        self.expected_prev = ev.hash
        self.expected_seq = ev.seq + 1

    def _plain(self, ev: Event) -> None:
        self.check.plain_events += 1
        if self.chain_key_id:
            self._break(
                ev.seq,
                f"plain SHA-256 after events keyed with audit key {self.chain_key_id}: a chain never goes "
                "back to plain hashing, so this event was rewritten or written without the key",
            )
        else:
            self.plain_times.append((ev.seq, ev.created_at))
        if hashlib.sha256(_stored_payload(ev)).hexdigest() != ev.hash:
            self._break(ev.seq, "content does not match its hash: the event was altered")

    def _keyed(self, ev: Event) -> None:
        self.check.keyed_events[ev.key_id] += 1
        if ev.kind == REKEYED:
            if ev.after != {"key_id": ev.key_id}:
                self._break(
                    ev.seq, f"the audit.rekeyed event is keyed with audit key {ev.key_id} but names another"
                )
        elif ev.key_id != self.chain_key_id and (self.chain_key_id or ev.seq != 1):
            self._break(
                ev.seq,
                f"keyed with audit key {ev.key_id} without an audit.rekeyed event moving the chain to it",
            )
        self.chain_key_id = ev.key_id
        self.any_keyed = True
        key = self.known.get(ev.key_id)
        if key is None:
            self._uncheckable(ev)
        elif not hmac.compare_digest(_digest(_stored_payload(ev), key), ev.hash):
            self._break(
                ev.seq,
                f"content does not match its hash (keyed, audit key {ev.key_id}): the event was altered",
            )

    def _uncheckable(self, ev: Event) -> None:
        if ev.key_id in self.uncheckable:  # once per case and key, not once per event
            return
        self.uncheckable.add(ev.key_id)
        if not self.known:
            why = "no AUDIT_KEY_FILE is configured"
        else:
            why = "that key is neither AUDIT_KEY_FILE's nor one of AUDIT_OLD_KEY_FILES"
        self._break(ev.seq, f"keyed with audit key {ev.key_id} from here, but {why}: it cannot be checked")

    def end(self) -> None:
        if self.case_id is None:
            return
        since = self.keyed_since() if self.plain_times or not self.any_keyed else None
        late = [seq for seq, at in self.plain_times if since is not None and at > since]
        if late:
            self._break(
                late[0],
                f"{len(late)} plain SHA-256 event{'s' if len(late) > 1 else ''} (from here) dated after keyed "
                f"hashing began ({since:%Y-%m-%d %H:%M:%S} UTC): rewritten, or written by a process without "
                "AUDIT_KEY_FILE",
            )
        if not self.any_keyed and since is not None:
            self.check.cases_not_keyed.append(self.case_id)
        self.case_id = None


def chain_check(
    case_ids: list[int] | None = None, *, progress: Callable[[int], object] | None = None
) -> ChainCheck:
    """Recompute every hash (plain SHA-256, or HMAC-SHA256 with the configured keys) and check each chain
    links up, never drops back to plain hashing, and ends at its case's recorded head.

    ``progress`` is called with the number of cases checked so far.
    """
    known = keys_known()
    check = ChainCheck()
    qs = Event.objects.order_by("case_id", "seq")
    if case_ids is not None:
        qs = qs.filter(case_id__in=case_ids)
    walk = _ChainWalk(check, known)
    tails: dict[int, tuple[int, str]] = {}
    for ev in qs.iterator(chunk_size=2000):
        if ev.case_id != walk.case_id:
            walk.end()
            if progress is not None:
                progress(check.cases)
            walk.start(ev.case_id)
        walk.event(ev)
        tails[ev.case_id] = (ev.seq, ev.hash)
    walk.end()
    if progress is not None:
        progress(check.cases)
    heads = case_model().objects.filter(audit_seq__gt=0)
    if case_ids is not None:
        heads = heads.filter(pk__in=case_ids)
    for case_id, head_seq, head_hash in heads.values_list("pk", "audit_seq", "audit_head").iterator(
        chunk_size=5000
    ):
        tail = tails.get(case_id)
        if tail is None or tail != (head_seq, head_hash):
            last_seq = tail[0] if tail else 0
            check.breaks.append(
                ChainBreak(
                    case_id,
                    last_seq + 1,
                    f"the chain should end at event #{head_seq}: newer events are missing",
                )
            )
    return check


def chain_verify(case_ids: list[int] | None = None) -> tuple[int, list[ChainBreak]]:
    """Recompute every hash and check each chain ends at its case's recorded head.

    Returns (events checked, breaks found).
    """
    check = chain_check(case_ids)
    return check.checked, check.breaks
