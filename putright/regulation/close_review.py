"""Issue 15 §7: closing unresolved is reviewed before anything is sent.

``close_review`` checks what the agent entered exactly as the close will (reasons, reason code, upheld, the
letter) and makes the e-mail the customer will receive with the function that sends it
(``channels.delivery.message_email_preview``: salutation, the letter as written, the reference and link, the
organisation's signature), for a case as it will be once closed. Nothing is stored or sent. Its ``digest``
covers everything shown: the close is made only when the confirming POST carries the digest of the review
the agent read, so what they confirmed is what goes.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field

from putright.cases import services as case_services
from putright.cases.models import Case
from putright.cases.services import case_guard, require_staff
from putright.channels.delivery import message_email_preview
from putright.errors import DomainError, ErrorCode
from putright.regulation.services import LetterChoices, final_letter_prepare
from putright.vocab import Status, Upheld


@dataclass(frozen=True)
class CloseReview:
    to: str  # the customer's name and address, as the e-mail is addressed
    subject: str  # the e-mail's subject, as sent
    text: str  # the e-mail's plain text, as sent: salutation, letter, reference and link, signature
    reasons: str  # why it cannot be resolved, as recorded on the case
    reason_code: str
    reason_label: str
    upheld: str
    upheld_label: str
    routes: list[str] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    letter: bool = False  # a drafted letter goes (else the core's reasons-and-routes message)

    @property
    def digest(self) -> str:
        shown = [self.to, self.subject, self.text, self.reasons, self.reason_code, self.upheld, self.routes]
        shown.append(self.rule_ids)
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()


def close_review(
    *,
    actor,
    case: Case,
    reasons: str,
    other_routes: list[str],
    reason_code: str,
    upheld: str,
    letter: str = "",
    letter_choices: LetterChoices | None = None,
) -> CloseReview:
    """What closing ``case`` unresolved with these values sends and records (DomainError as the close would
    refuse them: its checks run first)."""
    require_staff(actor)
    case_guard(case, "close_unresolved")
    reasons = case_services.close_reasons_check(reasons)
    reason = case_services.unresolved_reason_get(reason_code)
    upheld = case_services.upheld_check(upheld)
    routes = [r.strip() for r in (other_routes or []) if r and r.strip()]
    rule_ids: list[str] = []
    if letter and letter.strip():
        final = final_letter_prepare(
            actor=actor,
            case=case,
            reasons=reasons,
            letter=letter,
            choices=letter_choices or LetterChoices(),
            extra_routes=routes,
        )
        subject, body, routes, rule_ids = final.subject, final.body, list(final.route_lines), final.rule_ids
    else:
        if not routes:  # the close refuses it too (the form says so first)
            raise DomainError(
                ErrorCode.OTHER_ROUTES_REQUIRED, "Give the customer at least one other route to resolve it."
            )
        subject, body = case_services.unresolved_message(reasons, routes)
    closed = copy.copy(case)
    closed.status = Status.CLOSED_UNRESOLVED  # the e-mail goes once the case is closed
    email = message_email_preview(closed, subject=subject, body=body)
    return CloseReview(
        to=email.to[0] if email.to else "",
        subject=email.subject,
        text=email.body,
        reasons=reasons,
        reason_code=reason.code,
        reason_label=reason.label,
        upheld=upheld,
        upheld_label=Upheld(upheld).label,
        routes=routes,
        rule_ids=list(rule_ids),
        letter=bool(letter and letter.strip()),
    )
