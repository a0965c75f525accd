"""Domain errors shared by the web (shown as a message) and the API (409 + code).

Codes are stable and machine-readable; clients branch on ``code``, people read
``message``.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    UNDERSTANDING_NOT_CONFIRMED = "understanding_not_confirmed"
    NO_UNDERSTANDING_SUMMARY = "no_understanding_summary"
    JUSTIFICATION_TOO_WEAK = "justification_too_weak"
    APPROVAL_REQUIRED = "approval_required"
    APPROVER_LACKS_AUTHORITY = "approver_lacks_authority"
    SECOND_PERSON_REQUIRED = "second_person_required"
    APPROVAL_ALREADY_DECIDED = "approval_already_decided"
    OPTION_NOT_ON_CASE = "option_not_on_case"
    OPTION_WITHDRAWN = "option_withdrawn"
    STEPS_NOT_DONE = "steps_not_done"
    NO_ACTION_PLAN = "no_action_plan"
    REASONS_REQUIRED = "reasons_required"
    OTHER_ROUTES_REQUIRED = "other_routes_required"
    CASE_CLOSED = "case_closed"
    ALREADY_DONE = "already_done"
    ESCALATION_TARGET_INVALID = "escalation_target_invalid"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    NOT_A_COLLEAGUE = "not_a_colleague"
    NO_APPROVER = "no_approver"
    # P1/P4/K3: purchase facts, statutory options, the appraisal's suggestion, negotiation.
    PURCHASE_FACTS_MISSING = "purchase_facts_missing"
    NO_STATUTORY_REMEDIES = "no_statutory_remedies"
    OVERRIDE_REASON_REQUIRED = "override_reason_required"
    OFFER_NOT_OPEN = "offer_not_open"
    # Closing as a duplicate: the case it repeats must be another open case of the same customer.
    DUPLICATE_INVALID = "duplicate_invalid"
    # A6: closing unresolved takes an active reason code from the administrator's list; closing records
    # whether the complaint was upheld.
    REASON_CODE_INVALID = "reason_code_invalid"
    UPHELD_REQUIRED = "upheld_required"
    # Q1: a scorecard exists once a case closes with an outcome of its own (not open, not a duplicate);
    # only a failed check can be disputed, once per scoring.
    NOT_SCORED = "not_scored"
    DISPUTE_NOT_ALLOWED = "dispute_not_allowed"
    # Input the edges should have refused (the API answers 422): services check it again.
    INVALID_INPUT = "invalid_input"
    # K5 (issue 15 §8): a person's reply has findings from the reply checker and no reason to send anyway.
    REPLY_CHECK_FINDINGS = "reply_check_findings"


class DomainError(Exception):
    """A request that is well-formed but not allowed in the case's current state."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}


class ReplyCheckFindings(DomainError):
    """K5: what a person wrote has findings (``[{"rule", "text", "hint"}]``, plus ``start``/``end``
    offsets for a form to mark them) and no reason was given to send it anyway. Nothing was sent."""

    def __init__(self, findings: list[dict]) -> None:
        rules = sorted({f["rule"] for f in findings})
        super().__init__(
            ErrorCode.REPLY_CHECK_FINDINGS,
            f"The reply checker found {len(findings)} thing{'s' if len(findings) != 1 else ''} to look at "
            f"({', '.join(rules)}): change the wording, or send it anyway with a reason.",
        )
        self.findings = findings

    def as_dict(self) -> dict:
        published = [{"rule": f["rule"], "text": f["text"], "hint": f["hint"]} for f in self.findings]
        return {**super().as_dict(), "findings": published}


class PermissionDenied(Exception):
    """The actor may not see or change this object. The web answers 403/404, the API 403."""
