"""S5: the one way in for operational signals, the breaches they cause and the proactive notice.

- ``signal_record`` stores a reading as received (committed on its own: nothing is lost), then
  ``signal_evaluate`` checks it against the enabled thresholds. A breach opens an internal problem
  through ``putright.problems.services.problem_open`` (which routes and alerts its owner); within the
  threshold's cooldown, later breaches join the same breach and problem (rules M1–M4 in
  ``putright.monitoring.rules``).
- Customers likely to be affected are resolved from the readings' ``customers`` entries (see
  ``customers_resolve`` for what matches) and listed on the breach.
- ``breach_notice_send``: a supervisor writes one notice; each affected customer gets it on their
  record as information sent unprompted — on their open case, or on a new internal case — and those
  cases are linked to the problem. Each customer is claimed with a conditional UPDATE before anything
  is sent, so a double click or a retried task never sends twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Lower, Replace

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.cases import services as case_services
from putright.cases.models import Case
from putright.customers.models import Customer
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.jobs import queues
from putright.jobs.outbox import later
from putright.jobs.runner import job_task
from putright.monitoring import rules
from putright.monitoring.models import AffectedCustomer, Signal, SignalBreach, SignalThreshold
from putright.problems import services as problems
from putright.problems.models import Problem
from putright.validators import CASE_REFERENCE_RE
from putright.vocab import OPEN_STATUSES, Channel

log = logging.getLogger(__name__)

MAX_NAME = 100
MAX_DIMENSIONS = 20
MAX_DIMENSION_TEXT = 200
MAX_ENTRY_TEXT = 254
# A window is summarised from at most this many readings (the newest), so one busy measurement cannot
# make every reading's evaluation slow.
MAX_WINDOW_READINGS = 10_000
MIN_YEAR = 2000
# Keys of a customer entry that name a customer (the first present is used); anything else is kept as
# an unmatched attribute.
ID_KEYS = ("id", "customer_id")
EMAIL_KEYS = ("email",)
CASE_KEYS = ("case", "case_reference", "reference")
ORDER_KEYS = ("order_reference", "order")
PHONE_KEYS = ("phone",)


# ---------------------------------------------------------------- input


@dataclass(frozen=True)
class SignalInput:
    name: str
    value: float
    observed_at: datetime | None = None
    dimensions: dict = field(default_factory=dict)
    customers: list = field(default_factory=list)
    client_id: str = ""

    def fingerprint(self) -> str:
        data = {
            "name": self.name,
            "value": repr(float(self.value)),
            "observed_at": self.observed_at.isoformat() if self.observed_at else None,
            "dimensions": self.dimensions,
            "customers": self.customers,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class SignalOutcome:
    signal: Signal
    created: bool
    breaches: list[SignalBreach]
    evaluated: bool


def _invalid(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, message)


def _text_ok(value: str) -> bool:
    return "\x00" not in value and all(ch >= " " for ch in value)


def _check_scalar(value, where: str) -> None:
    if isinstance(value, bool) or isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(f"{where} must be a finite number.")
        return
    if isinstance(value, str):
        if len(value) > MAX_DIMENSION_TEXT or not _text_ok(value):
            raise _invalid(f"{where} must be one line of at most {MAX_DIMENSION_TEXT} characters.")
        return
    raise _invalid(f"{where} must be text, a number or true/false.")


def signal_validate(signal: SignalInput, *, now: datetime) -> None:
    """The service's own check of what the API schema checks too: a direct caller gets the same rules."""
    name = signal.name.strip() if isinstance(signal.name, str) else ""
    if not name or len(name) > MAX_NAME or not _text_ok(name):
        raise _invalid(f"The signal's name must be one line of 1 to {MAX_NAME} characters.")
    if (
        isinstance(signal.value, bool)
        or not isinstance(signal.value, int | float)
        or not math.isfinite(signal.value)
    ):
        raise _invalid("The signal's value must be a finite number.")
    if signal.observed_at is not None:
        limit = now + timedelta(minutes=settings.PUTRIGHT["SIGNAL_MAX_FUTURE_MINUTES"])
        if signal.observed_at > limit:
            raise _invalid("The signal's time is in the future.")
        if signal.observed_at.year < MIN_YEAR:
            raise _invalid(f"The signal's time must be after the year {MIN_YEAR}.")
    if not isinstance(signal.dimensions, dict):
        raise _invalid("Dimensions must be an object of names and values.")
    if len(signal.dimensions) > MAX_DIMENSIONS:
        raise _invalid(f"A signal may carry at most {MAX_DIMENSIONS} dimensions.")
    for key, value in signal.dimensions.items():
        if not isinstance(key, str) or not key or len(key) > 50 or not _text_ok(key):
            raise _invalid("Dimension names must be one line of 1 to 50 characters.")
        _check_scalar(value, f"Dimension {key!r}")
    if not isinstance(signal.customers, list):
        raise _invalid("Customers must be a list.")
    cap = settings.PUTRIGHT["SIGNAL_MAX_CUSTOMERS"]
    if len(signal.customers) > cap:
        raise _invalid(f"A signal may name at most {cap} customers.")
    for entry in signal.customers:
        if isinstance(entry, dict):
            if not entry or len(entry) > 10:
                raise _invalid("A customer given by attributes needs 1 to 10 of them.")
            for key, value in entry.items():
                if not isinstance(key, str) or not key or len(key) > 50:
                    raise _invalid("Customer attribute names must be 1 to 50 characters.")
                _check_scalar(value, f"Customer attribute {key!r}")
        elif isinstance(entry, bool) or not isinstance(entry, int | str):
            raise _invalid("Each customer is an id, an email address or an object of attributes.")
        elif isinstance(entry, str) and (
            not entry.strip() or len(entry) > MAX_ENTRY_TEXT or not _text_ok(entry)
        ):
            raise _invalid(f"A customer given as text must be one line of 1 to {MAX_ENTRY_TEXT} characters.")
    if len(signal.client_id) > 200 or not _text_ok(signal.client_id):
        raise _invalid("The signal's id must be one line of at most 200 characters.")


# ---------------------------------------------------------------- record and evaluate


def signal_record(*, actor, signal: SignalInput) -> SignalOutcome:
    """S5: store a reading from another system, then evaluate it against the thresholds.

    With ``client_id`` a retried request returns the reading stored the first time (``created``
    False) and evaluates nothing again; the same id with a different reading is a conflict.
    """
    if actor is None or not is_staff_member(actor):
        raise PermissionDenied("only staff or an integration with a staff role may send signals")
    now = clock.now()
    signal_validate(signal, now=now)
    client_id = signal.client_id.strip()
    fingerprint = signal.fingerprint()
    if client_id:
        existing = Signal.objects.filter(sender=actor, client_id=client_id).first()
        if existing is not None:
            return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            stored = Signal.objects.create(
                sender=actor,
                client_id=client_id,
                fingerprint=fingerprint,
                name=signal.name.strip(),
                dimensions=signal.dimensions,
                value=float(signal.value),
                observed_at=signal.observed_at or now,
                received_at=now,
                customers=signal.customers,
            )
    except IntegrityError:
        existing = Signal.objects.filter(sender=actor, client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    try:
        breaches = signal_evaluate(signal=stored)
    except Exception:  # noqa: BLE001 - the reading is stored; `signals_evaluate` retries it later
        log.exception("evaluating signal %s failed; it stays pending for signals_evaluate", stored.pk)
        return SignalOutcome(signal=stored, created=True, breaches=[], evaluated=False)
    return SignalOutcome(signal=stored, created=True, breaches=breaches, evaluated=True)


def _replay(existing: Signal, fingerprint: str) -> SignalOutcome:
    if existing.fingerprint != fingerprint:
        raise DomainError(ErrorCode.IDEMPOTENCY_CONFLICT, "This id was already used for a different reading.")
    return SignalOutcome(
        signal=existing,
        created=False,
        breaches=list(existing.breaches.select_related("problem", "threshold")),
        evaluated=existing.evaluated_at is not None,
    )


def _window(threshold: SignalThreshold, signal: Signal) -> list[tuple[int, float, list]]:
    """M3: (id, value, customers) of the readings in the threshold's window that match its dimensions."""
    if threshold.aggregation == SignalThreshold.Aggregation.READING:
        return [(signal.pk, signal.value, signal.customers)]
    rows = (
        Signal.objects.filter(
            name=signal.name,
            observed_at__gt=rules.window_start(signal.observed_at, threshold.window_minutes),
            observed_at__lte=signal.observed_at,
        )
        .order_by("-observed_at", "-pk")
        .values_list("pk", "value", "dimensions", "customers")[:MAX_WINDOW_READINGS]
    )
    matching = [
        (pk, value, customers)
        for pk, value, dimensions, customers in rows
        if isinstance(dimensions, dict) and rules.dimensions_match(threshold.dimensions or {}, dimensions)
    ]
    matching.reverse()  # oldest first
    return matching


def signal_evaluate(*, signal: Signal) -> list[SignalBreach]:
    """S5: compare one stored reading with every enabled threshold on its measurement (M1–M4).

    Safe to run again on the same reading: a breach that already holds it is not counted twice.
    """
    if signal.evaluated_at is not None:
        return list(signal.breaches.select_related("problem", "threshold"))
    breaches = []
    thresholds = SignalThreshold.objects.filter(enabled=True, measurement=signal.name).select_related(
        "category"
    )
    for threshold in thresholds:
        if not rules.dimensions_match(threshold.dimensions or {}, signal.dimensions or {}):  # M1
            continue
        window = _window(threshold, signal)
        observed = (
            signal.value
            if threshold.aggregation == SignalThreshold.Aggregation.READING
            else rules.aggregate([value for _, value, _ in window], threshold.aggregation)
        )
        if observed is None or not rules.compare(observed, threshold.comparison, threshold.value):  # M2, M3
            continue
        breaches.append(_breach_record(threshold=threshold, signal=signal, observed=observed, window=window))
    Signal.objects.filter(pk=signal.pk, evaluated_at__isnull=True).update(evaluated_at=clock.now())
    signal.evaluated_at = clock.now()
    return breaches


def _breach_record(
    *, threshold: SignalThreshold, signal: Signal, observed: float, window: list[tuple[int, float, list]]
) -> SignalBreach:
    now = clock.now()
    with transaction.atomic():
        # Written first, so two readings breaching at once decide one after the other (a row lock on
        # PostgreSQL, the write lock on SQLite): a sustained breach opens exactly one problem.
        SignalThreshold.objects.filter(pk=threshold.pk).update(last_checked_at=now)
        latest = (
            SignalBreach.objects.select_for_update()
            .filter(threshold=threshold)
            .order_by("-last_breached_at", "-pk")
            .first()
        )
        if latest is not None and rules.continues_breach(
            signal.observed_at,
            started_at=latest.started_at,
            last_breached_at=latest.last_breached_at,
            cooldown_minutes=threshold.cooldown_minutes,
        ):  # M4
            breach = latest
            if breach.signals.filter(pk=signal.pk).exists():
                return breach  # evaluated before (a retry after a crash): nothing to add
            breach.readings = F("readings") + 1
            breach.last_value = observed
            breach.last_breached_at = max(breach.last_breached_at, signal.observed_at)
            breach.started_at = min(breach.started_at, signal.observed_at)
            breach.save(update_fields=["readings", "last_value", "last_breached_at", "started_at"])
            breach.refresh_from_db()
            opened = False
        else:
            breach = SignalBreach.objects.create(
                threshold=threshold,
                started_at=signal.observed_at,
                last_breached_at=signal.observed_at,
                first_value=observed,
                last_value=observed,
                created_at=now,
            )
            opened = True
        breach.signals.add(*[pk for pk, _, _ in window])
        entries = [entry for _, _, customers in window for entry in (customers or [])]
        added = affected_add(breach=breach, entries=entries)
        if opened:
            breach.problem = problems.problem_open(
                actor=None,
                title=f"Signal: {threshold.name}"[:200],
                description=_problem_description(threshold, signal, observed, len(added)),
                origin="signal",
                source_kind=threshold.source_kind,
                category=threshold.category,
                product=threshold.product,
            )
            breach.save(update_fields=["problem"])
    return breach


def _problem_description(threshold: SignalThreshold, signal: Signal, observed: float, customers: int) -> str:
    dims = ", ".join(f"{k}={v}" for k, v in sorted((signal.dimensions or {}).items())) or "no dimensions"
    when = signal.observed_at.isoformat(timespec="minutes")
    return (
        f"Found by monitoring before customers complained. Threshold: {threshold.rule_text}"
        f"{' for ' + json.dumps(threshold.dimensions, sort_keys=True) if threshold.dimensions else ''}. "
        f"Observed {observed:g} at {when} ({dims}). "
        f"{customers} customer{'s' if customers != 1 else ''} likely to be affected so far; "
        "see the breach page to send them a proactive notice."
    )


def signals_evaluate_pending(*, limit: int = 500, received_before=None) -> int:
    """Evaluate readings stored but never evaluated (a crash between the two steps). Oldest first.

    The periodic sweep passes ``received_before`` so it leaves alone readings whose own request
    may still be evaluating them.
    """
    done = 0
    pending = Signal.objects.filter(evaluated_at__isnull=True)
    if received_before is not None:
        pending = pending.filter(received_at__lt=received_before)
    for signal in pending.order_by("received_at", "pk")[:limit]:
        try:
            signal_evaluate(signal=signal)
        except Exception:  # noqa: BLE001 - one bad reading must not stop the others
            log.exception("evaluating signal %s failed again", signal.pk)
            continue
        done += 1
    return done


# ---------------------------------------------------------------- affected customers


@dataclass(frozen=True)
class CustomerMatch:
    customer: Customer
    email_key: str
    matched_by: str
    matched_value: str


def _first(entry: dict, keys: Sequence[str]):
    for key in keys:
        if key in entry and entry[key] not in (None, ""):
            return entry[key]
    return None


def customers_resolve(entries: Iterable) -> tuple[list[CustomerMatch], list]:
    """Who the readings' ``customers`` entries name, one match per person, and what matched no one.

    What matches:
    - a number, or ``{"id": n}`` / ``{"customer_id": n}``: the customer with that id;
    - text with an ``@``, or ``{"email": ...}``: customers with that email (any case);
    - a case reference (PR-2026-000123), or ``{"case": ...}``: that case's customer;
    - other text, or ``{"order_reference": ...}`` / ``{"order": ...}``: customers of cases with that
      order reference;
    - ``{"phone": ...}``: customers with that phone number (spaces ignored).
    Anything else (e.g. ``{"postcode_prefix": "BS1"}``: we hold no addresses) is returned as unmatched.
    A person is their email address: of several customer records sharing one, the one with the newest
    open case (else the newest record) stands for them.
    """
    ids: dict[int, str] = {}
    emails: dict[str, str] = {}
    references: dict[str, str] = {}
    orders: dict[str, str] = {}
    phones: dict[str, str] = {}
    unmatched: list = []
    for entry in entries:
        if isinstance(entry, bool):
            unmatched.append(entry)
        elif isinstance(entry, int):
            ids[entry] = str(entry)
        elif isinstance(entry, str):
            text = entry.strip()
            if "@" in text:
                emails[text.lower()] = text
            elif CASE_REFERENCE_RE.fullmatch(text):
                references[text] = text
            elif text:
                orders[text] = text
        elif isinstance(entry, dict):
            if (
                (value := _first(entry, ID_KEYS)) is not None
                and isinstance(value, int)
                and not isinstance(value, bool)
            ):
                ids[value] = str(value)
            elif isinstance(value := _first(entry, EMAIL_KEYS), str) and value.strip():
                emails[value.strip().lower()] = value.strip()
            elif isinstance(value := _first(entry, CASE_KEYS), str) and value.strip():
                references[value.strip()] = value.strip()
            elif (value := _first(entry, ORDER_KEYS)) is not None and str(value).strip():
                orders[str(value).strip()] = str(value).strip()
            elif (value := _first(entry, PHONE_KEYS)) is not None and str(value).strip():
                phones[str(value).replace(" ", "")] = str(value).strip()
            else:
                unmatched.append(entry)
        else:
            unmatched.append(entry)

    found: list[tuple[Customer, str, str]] = []
    if ids:
        found += [
            (c, "id", ids[c.pk]) for c in Customer.objects.filter(pk__in=[i for i in ids if 0 < i < 2**31])
        ]
    if emails:
        # Named email_lower, not email_key: the customer's own normalised key field has that name.
        live = Customer.objects.filter(merged_into__isnull=True)  # a merged record stands for nobody now
        for c in live.annotate(email_lower=Lower("email")).filter(email_lower__in=list(emails)):
            found.append((c, "email", emails[c.email_lower]))
    if references:
        for case in Case.objects.filter(reference__in=list(references)).select_related("customer"):
            found.append((case.customer, "case", case.reference))
    if orders:
        for case in Case.objects.filter(order_reference__in=list(orders)).select_related("customer"):
            found.append((case.customer, "order_reference", case.order_reference))
    if phones:
        qs = (
            Customer.objects.filter(merged_into__isnull=True)
            .annotate(phone_bare=Replace("phone", Value(" "), Value("")))
            .filter(phone_bare__in=list(phones))
        )
        found += [(c, "phone", phones[c.phone_bare]) for c in qs]
    matched_values = {value for _, _, value in found}
    unmatched += [
        value
        for source in (ids, emails, references, orders, phones)
        for value in source.values()
        if value not in matched_values
    ]

    # One match per person (email), standing for them: the record with the newest open case, else the newest.
    keys = {c.email.strip().lower() for c, _, _ in found}
    with_open_case = {}
    if keys:
        for customer_id, email in (
            Case.objects.annotate(email_key=Lower("customer__email"))
            .filter(email_key__in=keys, status__in=OPEN_STATUSES)
            .order_by("created_at", "pk")
            .values_list("customer_id", "email_key")
        ):
            with_open_case[email] = customer_id  # the newest wins
    by_person: dict[str, CustomerMatch] = {}
    for customer, how, value in sorted(found, key=lambda row: (row[0].created_at, row[0].pk)):
        key = customer.email.strip().lower()
        preferred = with_open_case.get(key)
        current = by_person.get(key)
        if current is not None and (current.customer.pk == customer.pk or current.customer.pk == preferred):
            continue  # the first way this record was matched stands; the preferred record stays
        if current is None or customer.pk == preferred or customer.created_at >= current.customer.created_at:
            by_person[key] = CustomerMatch(
                customer=customer, email_key=key, matched_by=how, matched_value=value
            )
    return sorted(by_person.values(), key=lambda m: (m.customer.name, m.email_key)), unmatched


def affected_add(*, breach: SignalBreach, entries: list) -> list[AffectedCustomer]:
    """Add the people ``entries`` name to the breach's affected customers (each person once)."""
    if not entries:
        return []
    matches, unmatched = customers_resolve(entries)
    known = set(breach.affected.values_list("email_key", flat=True))
    now = clock.now()
    added = [
        AffectedCustomer.objects.create(
            breach=breach,
            customer=m.customer,
            email_key=m.email_key[:254],
            matched_by=m.matched_by,
            matched_value=m.matched_value[:254],
            added_at=now,
        )
        for m in matches
        if m.email_key not in known
    ]
    if unmatched:
        seen = {json.dumps(u, sort_keys=True) for u in breach.unmatched}
        fresh = []
        for u in unmatched:
            key = json.dumps(u, sort_keys=True)
            if key not in seen:
                seen.add(key)
                fresh.append(u)
        if fresh:
            breach.unmatched = [*breach.unmatched, *fresh][:1000]
            breach.save(update_fields=["unmatched"])
    return added


# ---------------------------------------------------------------- the proactive notice


@dataclass(frozen=True)
class NoticeProgress:
    total: int
    notified: int
    pending: int
    failed: int = 0
    queued: bool = False

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.pending == 0


def notice_progress(*, breach: SignalBreach) -> NoticeProgress:
    rows = breach.affected.values_list("notified_at", flat=True)
    total = len(rows)
    notified = sum(1 for at in rows if at is not None)
    return NoticeProgress(total=total, notified=notified, pending=total - notified)


def require_notice_sender(actor) -> None:
    if actor is None or not is_staff_member(actor) or not has_role_at_least(actor, Role.SUPERVISOR):
        raise PermissionDenied("only a supervisor or above may send a proactive notice")


def _clean_notice(subject: str, body: str) -> tuple[str, str]:
    subject = (subject or "").strip()
    body = (body or "").strip()
    if not subject or len(subject) > 200 or not _text_ok(subject):
        raise _invalid("The subject must be one line of 1 to 200 characters.")
    if not body or len(body) > 10000 or "\x00" in body:
        raise _invalid("The notice must say something, in at most 10,000 characters.")
    return subject, body


def breach_notice_send(*, actor, breach: SignalBreach, subject: str, body: str) -> NoticeProgress:
    """S5/A4: send one proactive notice to every affected customer not yet told.

    Up to ``NOTICE_INLINE_MAX`` customers are told before this returns; more are handed to the worker
    (after commit) and the breach page shows progress. Customers already told are skipped.
    """
    require_notice_sender(actor)
    subject, body = _clean_notice(subject, body)
    with transaction.atomic():
        SignalBreach.objects.filter(pk=breach.pk).update(
            notice_subject=subject,
            notice_body=body,
            notice_requested_at=clock.now(),
            notice_requested_by=actor,
        )
        breach = SignalBreach.objects.select_related("threshold", "problem").get(pk=breach.pk)
        pending = breach.affected.filter(notified_at__isnull=True).count()
        if not breach.affected.exists():
            raise DomainError(
                ErrorCode.INVALID_INPUT, "No customers are known to be affected by this breach."
            )
        if pending == 0:
            raise DomainError(
                ErrorCode.ALREADY_DONE, "Every affected customer has already been sent the notice."
            )
        if pending > settings.PUTRIGHT["NOTICE_INLINE_MAX"]:
            later(deliver_breach_notice, breach.pk)
            progress = notice_progress(breach=breach)
            return NoticeProgress(
                total=progress.total, notified=progress.notified, pending=progress.pending, queued=True
            )
    return breach_notice_deliver(breach_id=breach.pk)


def breach_notice_deliver(*, breach_id: int) -> NoticeProgress:
    """Tell each affected customer not yet told, one transaction each (the task and the page call this)."""
    breach = SignalBreach.objects.select_related("threshold", "problem", "notice_requested_by").get(
        pk=breach_id
    )
    actor = breach.notice_requested_by
    if not breach.notice_subject or actor is None:
        return notice_progress(breach=breach)
    failed = 0
    for affected_id in list(breach.affected.filter(notified_at__isnull=True).values_list("pk", flat=True)):
        try:
            _notice_one(breach=breach, affected_id=affected_id, actor=actor)
        except Exception:  # noqa: BLE001 - the others still hear; this one stays pending for a retry
            log.exception("proactive notice for affected customer %s failed", affected_id)
            failed += 1
    progress = notice_progress(breach=breach)
    return NoticeProgress(
        total=progress.total, notified=progress.notified, pending=progress.pending, failed=failed
    )


def _open_case_of(customer: Customer) -> Case | None:
    """The person's newest open case: theirs, or another record of the same email address."""
    return (
        Case.objects.annotate(email_key=Lower("customer__email"))
        .filter(email_key=customer.email.strip().lower(), status__in=OPEN_STATUSES)
        .order_by("-created_at", "-pk")
        .first()
    )


def _notice_one(*, breach: SignalBreach, affected_id: int, actor) -> bool:
    threshold, problem = breach.threshold, breach.problem
    subject, body = breach.notice_subject, breach.notice_body
    with transaction.atomic():
        # The claim comes first: only the caller whose UPDATE changed the row goes on to send.
        now = clock.now()
        claimed = AffectedCustomer.objects.filter(pk=affected_id, notified_at__isnull=True).update(
            notified_at=now, notified_by=actor
        )
        if not claimed:
            return False
        if problem is not None:
            # Lock order problem, then case, as every problems service takes them (link, merge): a
            # notice and a merge of the same problem running together cannot deadlock.
            list(Problem.objects.select_for_update(of=("self",)).filter(pk=problem.pk).values_list("pk"))
        affected = AffectedCustomer.objects.select_related("customer").get(pk=affected_id)
        customer = affected.customer
        case = _open_case_of(customer)
        opened = case is None
        if opened:
            case, _ = case_services.case_report(
                report=case_services.ReportInput(
                    customer_name=customer.name,
                    customer_email=customer.email,
                    customer_phone=customer.phone,
                    subject=subject,
                    description=(
                        f"Opened by our team to tell this customer about a problem found by monitoring before "
                        f"they reported it: {threshold.name}.\n\n{body}"
                    ),
                    channel=Channel.INTERNAL,
                    consent=False,
                    lawful_basis=Customer.LawfulBasis.LEGITIMATE_INTERESTS,
                    source_kind=threshold.source_kind,
                    category_id=threshold.category_id,
                ),
                actor=actor,
            )
        case = case_services.case_lock(case)
        case_services.case_guard(case, "proactive_notice")
        message = case_services.customer_tell(case, subject, body, author=actor, requested=False)
        case_services.case_touch(case)
        case_services.case_event(
            case,
            actor,
            "message.sent",
            f"Proactive notice to the customer (unprompted): {subject}",
            after={
                "message": message.pk,
                "requested": False,
                "body": body,
                "breach": breach.pk,
                "problem": problem.pk if problem else None,
            },
            customer_visible=True,
        )
        if problem is not None and problem.is_open:
            try:
                with transaction.atomic():
                    problems.problem_link_case(actor=actor, problem=problem, case=case)
            except DomainError:
                pass  # already linked (e.g. found similar before): the link is what matters
        AffectedCustomer.objects.filter(pk=affected_id).update(case=case, case_opened=opened, message=message)
    return True


@job_task(queue=queues.MAIL)
def deliver_breach_notice(breach_id: int) -> dict:
    """Thin and retry-safe: each affected customer is claimed before their notice is sent."""
    return asdict(breach_notice_deliver(breach_id=breach_id))
