"""The one way in: every change to a case goes through a function here.

Each function checks who may act, locks the case row, checks the transition is
allowed, changes state, appends to the audit timeline, announces the step to the
rooms above (``putright.cases.hooks``) and schedules side effects (emails) with
``transaction.on_commit``. Web pages, the API, the portal, tasks and commands all
call these; none writes case models directly.

The modules follow the lifecycle: ``intake`` (S1, triage), ``understanding`` (S2),
``options`` (P2–P4, approvals), ``agreement`` (A1–A2), ``promises`` (A3–A4),
``closing`` (A5–A6) and ``sweep``; ``_common`` holds the steps they share. Callers
keep one import path: ``from putright.cases import services``.

``actor`` is a staff user, or ``None`` for the customer acting through their
signed link (only the customer-facing functions accept that) or for the system.
"""

from __future__ import annotations

from putright.cases.services._common import (
    ALLOWED_FROM,
    CUSTOMER_LABEL,
    OPEN,
    case_event,
    case_guard,
    case_lock,
    case_touch,
    customer_tell,
    emotion_apply,
    option_request,
    require_staff,
)
from putright.cases.services.agreement import (
    case_mark_delivered,
    option_customer_respond,
    step_add,
    step_complete,
)
from putright.cases.services.closing import (
    FinalResponse,
    case_close_duplicate,
    case_close_no_reply,
    case_close_unresolved,
    case_reopen,
    case_reopen_closed,
    case_satisfaction_record,
    close_reasons_check,
    reopen_plan,
    unresolved_message,
)
from putright.cases.services.customers import (
    CustomerDetails,
    customer_correct,
    customer_merge,
    customers_join_duplicates,
    may_merge,
)
from putright.cases.services.entitlement import (
    entitled_request,
    facts_changed_by_option,
    is_statutory,
    option_entitlement,
)
from putright.cases.services.intake import (
    CONSENT_TEXT,
    ReportInput,
    case_assign,
    case_classify,
    case_emotion_set,
    case_escalate,
    case_report,
    reference_next,
)
from putright.cases.services.options import (
    OptionInput,
    approval_decide,
    case_portal_link_renew,
    consultation_answer,
    consultation_request,
    option_add,
    option_recommend,
    option_withdraw,
    recommendation_withdraw,
    statutory_proposal_recheck,
)
from putright.cases.services.promises import (
    cadence_sweep,
    message_log_contact,
    message_receive,
    message_send,
    promise_keep,
    promise_make,
    promises_sweep,
)
from putright.cases.services.routing import case_team_set
from putright.cases.services.satisfaction import (
    SCORE_RANGES,
    UPHELD_CORRECTABLE,
    asked_scores,
    case_upheld_correct,
    may_correct_upheld,
    satisfaction_remind,
    satisfaction_settings_get,
    scores_check,
    unresolved_reason_get,
    upheld_check,
)
from putright.cases.services.sweep import (
    SatisfactionSweepResult,
    SweepResult,
    satisfaction_sweep,
    sweep_run,
)
from putright.cases.services.understanding import (
    case_confirm_understanding,
    case_correct_understanding,
    case_skip_understanding,
    case_summarise_understanding,
)

__all__ = [
    "CONSENT_TEXT",
    "emotion_apply",
    "option_request",
    "entitled_request",
    "option_entitlement",
    "statutory_proposal_recheck",
    "facts_changed_by_option",
    "is_statutory",
    "reference_next",
    "reopen_plan",
    "unresolved_message",
    "ALLOWED_FROM",
    "CUSTOMER_LABEL",
    "FinalResponse",
    "OPEN",
    "OptionInput",
    "ReportInput",
    "CustomerDetails",
    "customer_correct",
    "customer_merge",
    "customers_join_duplicates",
    "may_merge",
    "SweepResult",
    "approval_decide",
    "cadence_sweep",
    "case_assign",
    "case_classify",
    "case_close_duplicate",
    "case_close_unresolved",
    "case_confirm_understanding",
    "case_correct_understanding",
    "case_emotion_set",
    "case_escalate",
    "case_event",
    "case_guard",
    "case_lock",
    "case_mark_delivered",
    "case_portal_link_renew",
    "case_reopen",
    "case_reopen_closed",
    "case_report",
    "case_satisfaction_record",
    "case_skip_understanding",
    "case_summarise_understanding",
    "case_team_set",
    "case_touch",
    "close_reasons_check",
    "consultation_answer",
    "consultation_request",
    "customer_tell",
    "message_log_contact",
    "message_receive",
    "message_send",
    "option_add",
    "option_customer_respond",
    "option_recommend",
    "option_withdraw",
    "promise_keep",
    "promise_make",
    "promises_sweep",
    "recommendation_withdraw",
    "require_staff",
    "step_add",
    "step_complete",
    "sweep_run",
    "SCORE_RANGES",
    "UPHELD_CORRECTABLE",
    "SatisfactionSweepResult",
    "asked_scores",
    "case_close_no_reply",
    "case_upheld_correct",
    "may_correct_upheld",
    "satisfaction_remind",
    "satisfaction_settings_get",
    "satisfaction_sweep",
    "scores_check",
    "unresolved_reason_get",
    "upheld_check",
]
