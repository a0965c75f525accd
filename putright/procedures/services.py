"""The one way in for procedures (issue 14 §3, K1): create one, change its details, publish a version, mark
it reviewed, take it out of use and back.

Who may do what: managers and administrators create procedures, change their details and (de)activate
them; a manager or the procedure's owner publishes a new version and marks it reviewed; everyone on staff
reads them. Each change is written to Django's admin log (``LogEntry``, through ``authority.teams
.log_change``, the house's history for administrative records), so the procedure page and the admin show
who changed what and when.

A version is never edited: publishing writes the next number under the procedure's row lock, so two
managers publishing at once get N+1 and N+2, never the same number. Publishing asks every active member of
staff but its author to acknowledge the new version (``acknowledgements``, the one read-receipt mechanism)
and withdraws what was still unread of the versions it replaces: nobody is asked to read an old text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member, staff_users
from putright.authority.teams import log_change
from putright.cases.models import Category
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.procedures import acknowledgements
from putright.procedures.models import Procedure, ProcedureVersion, Stage

# The body of one version, in bytes of UTF-8 (a long procedure is a few thousand words; 100 kB is plenty).
MAX_BODY_BYTES = 100_000
MAX_CHANGE_NOTE = 500
MAX_TITLE = 200
FIRST_NOTE = "First version"


# ---------------------------------------------------------------- who may


def may_manage(user) -> bool:
    """Managers and administrators create procedures, change their details and (de)activate them."""
    return is_staff_member(user) and has_role_at_least(user, Role.MANAGER)


def may_edit(user, procedure: Procedure) -> bool:
    """Who may publish a version and mark the procedure reviewed: a manager, or its owner."""
    return is_staff_member(user) and (has_role_at_least(user, Role.MANAGER) or procedure.owner_id == user.pk)


def _require_manager(actor) -> None:
    if not may_manage(actor):
        raise PermissionDenied("only managers and administrators may manage procedures")


def _require_editor(actor, procedure: Procedure) -> None:
    if not may_edit(actor, procedure):
        raise PermissionDenied("only a manager or the procedure's owner may change it")


# ---------------------------------------------------------------- checks


@dataclass(frozen=True)
class ProcedureDetails:
    """What the details form sets: everything but the text, which lives in versions."""

    title: str
    owner: object
    review_due: dt.date
    categories: tuple = ()
    stages: tuple[str, ...] = ()


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the procedure a title.")
    if len(title) > MAX_TITLE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A procedure's title is at most {MAX_TITLE} characters.")
    return title


def _stages(stages: Iterable[str]) -> list[str]:
    chosen = set(stages or [])
    unknown = sorted(chosen - set(Stage.values))
    if unknown:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown stage(s): {', '.join(unknown)}.")
    if not chosen:
        raise DomainError(ErrorCode.INVALID_INPUT, "Choose at least one stage where the procedure applies.")
    # In the order of the lifecycle, so lists and comparisons read the same everywhere.
    return [s for s in Stage.values if s in chosen]


def _owner(owner) -> object:
    if owner is None or not is_staff_member(owner):
        raise DomainError(ErrorCode.INVALID_INPUT, "A procedure's owner must be an active member of staff.")
    return owner


def _categories(categories: Iterable) -> list[Category]:
    chosen = list(categories or [])
    if any(not isinstance(c, Category) for c in chosen):
        raise DomainError(ErrorCode.INVALID_INPUT, "Choose categories from the list.")
    return sorted(set(chosen), key=lambda c: c.pk)


def _review_due(value) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the date of the next review.")
    return value


def _body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(ErrorCode.INVALID_INPUT, "A version needs its text.")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"A procedure's text is at most {MAX_BODY_BYTES // 1000} kB; split it."
        )
    return body


def _note(note: str) -> str:
    note = " ".join((note or "").split())
    if not note:
        raise DomainError(ErrorCode.INVALID_INPUT, "Say what changed in this version (the change note).")
    if len(note) > MAX_CHANGE_NOTE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A change note is at most {MAX_CHANGE_NOTE} characters.")
    return note


def _describe(procedure: Procedure, categories: list[Category]) -> str:
    names = ", ".join(sorted(c.name for c in categories)) or "all categories"
    stages = ", ".join(Stage(s).label for s in procedure.stages)
    return (
        f"“{procedure.title}”, owner {procedure.owner.get_username()}, review due "
        f"{procedure.review_due.isoformat()}, stages: {stages}; categories: {names}"
    )


def _details(details: ProcedureDetails) -> dict:
    return {
        "title": _title(details.title),
        "owner": _owner(details.owner),
        "review_due": _review_due(details.review_due),
        "stages": _stages(details.stages),
    }


def _duplicate(title: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, f"There is already a procedure called “{title}”.")


# ---------------------------------------------------------------- procedures


def procedure_create(
    *, actor, details: ProcedureDetails, body: str = "", change_note: str = FIRST_NOTE
) -> Procedure:
    """A new procedure; with ``body``, its first version is published at once (and colleagues asked to
    read it). Without one it stays unpublished (the workspace shows no procedure without a version)."""
    _require_manager(actor)
    fields = _details(details)
    categories = _categories(details.categories)
    if body.strip():
        body, change_note = _body(body), _note(change_note)
    try:
        with transaction.atomic():
            procedure = Procedure.objects.create(**fields, created_at=clock.now())
            procedure.categories.set(categories)
            log_change(actor, procedure, ADDITION, f"Created: {_describe(procedure, categories)}")
            if body.strip():
                _publish(actor=actor, procedure=procedure, body=body, change_note=change_note)
    except IntegrityError:
        raise _duplicate(fields["title"]) from None
    return procedure


def procedure_update(*, actor, procedure: Procedure, details: ProcedureDetails) -> Procedure:
    """Change a procedure's title, owner, review date, stages and categories (its text is versioned)."""
    _require_manager(actor)
    fields = _details(details)
    categories = _categories(details.categories)
    try:
        with transaction.atomic():
            procedure = Procedure.objects.select_for_update().select_related("owner").get(pk=procedure.pk)
            before = _describe(procedure, list(procedure.categories.all()))
            review_moved = fields["review_due"] != procedure.review_due
            for name, value in fields.items():
                setattr(procedure, name, value)
            if review_moved:
                # A new date is a new period: the sweep alerts the owner again once it passes.
                procedure.review_alerted_at = None
            procedure.save(update_fields=[*fields, "review_alerted_at"])
            procedure.categories.set(categories)
            after = _describe(procedure, categories)
            if after != before:
                log_change(actor, procedure, CHANGE, f"Changed from {before} to {after}")
    except IntegrityError:
        raise _duplicate(fields["title"]) from None
    return procedure


def version_publish(*, actor, procedure: Procedure, body: str, change_note: str) -> ProcedureVersion:
    """Publish the next version of the text with a note of what changed (a manager or the owner)."""
    _require_editor(actor, procedure)
    return _publish_locked(actor=actor, procedure=procedure, body=body, change_note=change_note)


def version_publish_planned(*, actor, procedure: Procedure, body: str, change_note: str) -> ProcedureVersion:
    """Publish the next version as a step of an approved improvement plan (issue 14 §2 Do): the manager's
    approval of the plan is the authority, so the step's owner need not be the procedure's editor. The
    caller (the improvements room) checks that ``actor`` may tick that step; the version is numbered,
    logged and sent to colleagues to read exactly as any other."""
    if not is_staff_member(actor):
        raise PermissionDenied("only staff may publish a procedure version")
    return _publish_locked(actor=actor, procedure=procedure, body=body, change_note=change_note)


def _publish_locked(*, actor, procedure: Procedure, body: str, change_note: str) -> ProcedureVersion:
    body, change_note = _body(body), _note(change_note)
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        if not procedure.active:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"“{procedure.title}” is not in use: bring it back into use before publishing a version.",
            )
        return _publish(actor=actor, procedure=procedure, body=body, change_note=change_note)


def _publish(*, actor, procedure: Procedure, body: str, change_note: str) -> ProcedureVersion:
    """The caller holds the procedure's row lock (or has just created it), so the number is the next."""
    current = procedure.versions.order_by("-number").first()
    if current is not None and current.body == body:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"The text is the same as version {current.number}: nothing to publish."
        )
    number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        body=body,
        change_note=change_note,
        author=actor,
        created_at=clock.now(),
    )
    log_change(actor, procedure, CHANGE, f"Published version {number}: {change_note}")
    _ask_to_read(actor=actor, procedure=procedure, version=version)
    return version


def _ask_to_read(*, actor, procedure: Procedure, version: ProcedureVersion) -> None:
    """Everyone on staff but the author reads the new version; what was unread of older ones is moot."""
    older = [
        acknowledgements.version_key(v)
        for v in procedure.versions.exclude(pk=version.pk).only("pk", "procedure_id")
    ]
    acknowledgements.pending_withdraw(subject_keys=older)
    acknowledgements.acknowledgements_request(
        actor=actor,
        subject_key=acknowledgements.version_key(version),
        title=f"{procedure.title} (version {version.number}): {version.change_note}"[:300],
        url=reverse("procedures:detail", args=[procedure.pk]),
        users=staff_users().exclude(pk=actor.pk),
        version=version,
    )


def procedure_review(*, actor, procedure: Procedure, next_review_due: dt.date, note: str = "") -> Procedure:
    """The procedure was reviewed (its text still stands, or a version was just published): set the next
    review date. The sweep alerts the owner again once that date passes."""
    _require_editor(actor, procedure)
    next_review_due = _review_due(next_review_due)
    if next_review_due <= timezone.localdate(clock.now()):
        raise DomainError(ErrorCode.INVALID_INPUT, "The next review must be after today.")
    note = " ".join((note or "").split())[:MAX_CHANGE_NOTE]
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        previous = procedure.review_due
        procedure.review_due = next_review_due
        procedure.review_alerted_at = None
        procedure.save(update_fields=["review_due", "review_alerted_at"])
        log_change(
            actor,
            procedure,
            CHANGE,
            f"Reviewed (was due {previous.isoformat()}); next review {next_review_due.isoformat()}"
            + (f": {note}" if note else ""),
        )
    return procedure


def procedure_set_active(*, actor, procedure: Procedure, active: bool, reason: str = "") -> Procedure:
    """Take a procedure out of use (the workspace stops showing it; unread requests to read it are
    withdrawn) or bring it back (colleagues who have not yet acknowledged its current version are asked)."""
    _require_manager(actor)
    reason = " ".join((reason or "").split())[:MAX_CHANGE_NOTE]
    if not active and not reason:
        raise DomainError(ErrorCode.INVALID_INPUT, "Say why the procedure is no longer in use.")
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        if procedure.active == active:
            return procedure
        procedure.active = active
        procedure.save(update_fields=["active"])
        keys = [acknowledgements.version_key(v) for v in procedure.versions.only("pk", "procedure_id")]
        if active:
            current = procedure.versions.order_by("-number").first()
            if current is not None:
                _ask_to_read(actor=actor, procedure=procedure, version=current)
        else:
            acknowledgements.pending_withdraw(subject_keys=keys)
        log_change(
            actor,
            procedure,
            CHANGE,
            ("Brought back into use" if active else "Taken out of use") + (f": {reason}" if reason else ""),
        )
    return procedure
