"""The staff pages' addresses. The names keep their namespaces: ``cases:…`` for the workspace and the
desk, ``resolution:…`` for the purchase facts, statutory options and negotiation forms.

Each workspace form posts to its own URL under the case, so a handler does one thing.
"""

from django.urls import path

from putright.pages import (
    account_digest,
    alerts,
    approvals,
    attachments,
    brand,
    customers,
    desk,
    handling,
    improvements,
    insights_dashboard,
    insights_return,
    notes,
    outcome,
    presence,
    procedures,
    quality,
    quality_coverage,
    queue_bulk,
    record,
    replies,
    resolution,
    teams,
    workspace,
    workspace_thread,
)

_case = "cases/<str:reference>/"

case_urlpatterns = [
    path("", desk.home, name="home"),
    path("cases/", desk.queue, name="queue"),
    path("cases/bulk/", queue_bulk.queue_bulk, name="queue_bulk"),
    path("cases/saved-filters/", queue_bulk.saved_filter_save, name="saved_filter_save"),
    path(
        "cases/saved-filters/<int:saved_filter_id>/delete/",
        queue_bulk.saved_filter_remove,
        name="saved_filter_delete",
    ),
    path("cases/new/", desk.log_call, name="log_call"),
    path("customers/lookup/", customers.customer_lookup, name="customer_lookup"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/correct/", customers.customer_correct, name="customer_correct"),
    path("customers/<int:customer_id>/merge/", customers.customer_merge, name="customer_merge"),
    path(_case, workspace.detail, name="detail"),
    path(_case + "record/", record.record_html, name="record_html"),
    path(_case + "record.json", record.record_json, name="record_json"),
    path(_case + "attachments/<int:attachment_id>/", attachments.download, name="attachment"),
    path(_case + "attachments/<int:attachment_id>/preview/", attachments.preview, name="attachment_preview"),
    path(_case + "assign/", handling.assign_me, name="assign_me"),
    path(_case + "escalate/", handling.escalate, name="escalate"),
    path(_case + "classify/", handling.classify, name="classify"),
    path(_case + "team/", handling.team_set, name="team_set"),
    path(_case + "emotion/", handling.emotion_set, name="emotion_set"),
    path(
        _case + "recommendation/withdraw/", handling.recommendation_withdraw, name="recommendation_withdraw"
    ),
    path(_case + "link/renew/", handling.portal_link_renew, name="portal_link_renew"),
    # Issue 15 §3 and §8: saved replies, and the reply checker's "Check the wording".
    path(_case + "saved-replies/pick/", replies.saved_reply_pick, name="saved_reply_pick"),
    path(_case + "reply-check/<slug:key>/", replies.reply_check_only, name="reply_check"),
    path("settings/saved-replies/", replies.saved_replies, name="saved_replies"),
    path("settings/saved-replies/<int:reply_id>/", replies.saved_reply_edit, name="saved_reply_edit"),
    path(
        "settings/saved-replies/<int:reply_id>/active/", replies.saved_reply_active, name="saved_reply_active"
    ),
    path(_case + "understanding/", handling.understanding_summarise, name="understanding_summarise"),
    path(_case + "understanding/confirm/", handling.understanding_confirm, name="understanding_confirm"),
    path(_case + "understanding/skip/", handling.understanding_skip, name="understanding_skip"),
    path(_case + "options/", handling.option_add, name="option_add"),
    path(_case + "options/<int:option_id>/withdraw/", handling.option_withdraw, name="option_withdraw"),
    path(_case + "options/<int:option_id>/recommend/", handling.option_recommend, name="option_recommend"),
    path(_case + "consultations/", handling.consultation_request, name="consultation_request"),
    path(
        _case + "consultations/<int:consultation_id>/answer/",
        handling.consultation_answer,
        name="consultation_answer",
    ),
    path(_case + "agreement/", outcome.agreement_record, name="agreement_record"),
    path(_case + "steps/", outcome.step_add, name="step_add"),
    path(_case + "steps/<int:step_id>/done/", outcome.step_complete, name="step_complete"),
    path(_case + "deliver/", outcome.deliver, name="deliver"),
    path(_case + "promises/", outcome.promise_make, name="promise_make"),
    path(_case + "promises/<int:promise_id>/keep/", outcome.promise_keep, name="promise_keep"),
    path(_case + "messages/", outcome.message_send, name="message_send"),
    path(_case + "contacts/", notes.contact_log, name="contact_log"),
    path(_case + "notes/", notes.note_add, name="note_add"),
    path(_case + "satisfaction/", outcome.satisfaction_record, name="satisfaction_record"),
    path(_case + "reopen/", outcome.reopen, name="reopen"),
    path(_case + "close-unresolved/", outcome.close_unresolved, name="close_unresolved"),
    path(_case + "upheld/", outcome.upheld_correct, name="upheld_correct"),
    path(_case + "close-duplicate/", outcome.close_duplicate, name="close_duplicate"),
    path(_case + "presence/", presence.presence_report, name="presence_report"),
    path(_case + "thread-order/", workspace_thread.thread_order, name="thread_order"),
    path(_case + "shortcuts/", workspace_thread.shortcuts_set, name="shortcuts_set"),
    path(_case + "draft/", workspace_thread.draft_save, name="draft_save"),
    path(_case + "scorecard/dispute/", quality.scorecard_dispute, name="scorecard_dispute"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("approvals/<int:approval_id>/decide/", approvals.approval_decide, name="approval_decide"),
    path("approvals/decide/", approvals.approvals_bulk_decide, name="approvals_bulk_decide"),
    path("escalations/", alerts.escalations, name="escalations"),
    path("alerts/", alerts.alerts, name="alerts"),
    path("alerts/read/", alerts.alerts_read_all, name="alerts_read_all"),
    path("alerts/<int:alert_id>/read/", alerts.alert_read, name="alert_read"),
    path("colleagues/mentions/", notes.mention_suggestions, name="mention_suggestions"),
]

resolution_urlpatterns = [
    path(_case + "facts/", resolution.facts_record, name="facts_record"),
    path(_case + "options/statutory/", resolution.statutory_options_add, name="statutory_options_add"),
    path(_case + "offers/", resolution.offer_make, name="offer_make"),
    path(_case + "offers/counter/", resolution.offer_counter, name="offer_counter"),
    path(_case + "offers/<int:offer_id>/settle/", resolution.offer_settle, name="offer_settle"),
    path(_case + "offers/<int:offer_id>/reject/", resolution.offer_reject, name="offer_reject"),
]

insights_urlpatterns = [
    path("insights/", insights_dashboard.dashboard, name="insights"),
    path("insights/section/<slug:name>/", insights_dashboard.section, name="insights_section"),
    path("insights/return/", insights_return.complaints_return_page, name="insights_return"),
    path("insights/return.csv", insights_return.complaints_return_csv, name="insights_return_csv"),
    path("account/digest/", account_digest.digest_preference, name="account_digest"),
    path("settings/brand/", brand.brand_settings, name="brand_settings"),
]

# Q1–Q2 (issue 14 §4): disputed scorecard checks and the coverage view.
quality_urlpatterns = [
    path("quality/coverage/", quality_coverage.coverage_page, name="coverage"),
    path("quality/disputes/", quality.disputed_checks, name="disputes"),
    path("quality/disputes/<int:dispute_id>/decide/", quality.dispute_decide, name="dispute_decide"),
]

team_urlpatterns = [
    path("teams/", teams.team_list, name="list"),
    path("teams/<int:team_id>/", teams.team_detail, name="detail"),
    path("teams/<int:team_id>/delete/", teams.team_delete, name="delete"),
    path("teams/<int:team_id>/handlers/<int:user_id>/cap/", teams.handler_cap, name="handler_cap"),
    path(
        "teams/<int:team_id>/handlers/<int:user_id>/availability/",
        teams.handler_availability,
        name="handler_availability",
    ),
    path("teams/rules/", teams.rules, name="rules"),
    path("teams/rules/<int:rule_id>/", teams.rule_edit, name="rule_edit"),
    path("teams/rules/<int:rule_id>/move/", teams.rule_move, name="rule_move"),
    path("teams/rules/<int:rule_id>/active/", teams.rule_active, name="rule_active"),
    path("teams/rules/<int:rule_id>/delete/", teams.rule_delete, name="rule_delete"),
    path("account/availability/", teams.availability, name="availability"),
]


# Issue 14 §3: procedures and "My reading" (the read receipts).
procedure_urlpatterns = [
    path("procedures/", procedures.procedure_list, name="list"),
    path("procedures/new/", procedures.procedure_new, name="new"),
    path("procedures/preview/", procedures.procedure_preview, name="preview"),
    path("procedures/reading/", procedures.reading, name="reading"),
    path("procedures/reading/acknowledge/", procedures.acknowledge, name="acknowledge"),
    path("procedures/<int:procedure_id>/", procedures.procedure_detail, name="detail"),
    path("procedures/<int:procedure_id>/edit/", procedures.procedure_edit, name="edit"),
    path("procedures/<int:procedure_id>/publish/", procedures.procedure_publish, name="publish"),
    path("procedures/<int:procedure_id>/review/", procedures.procedure_review, name="review"),
    path("procedures/<int:procedure_id>/active/", procedures.procedure_active, name="active"),
    path(
        "procedures/<int:procedure_id>/versions/<int:number>/",
        procedures.procedure_version,
        name="version",
    ),
]

_improvement = "improvements/<int:pk>/"

improvement_urlpatterns = [
    path("improvements/", improvements.board, name="board"),
    path("improvements/candidates/", improvements.candidate_list, name="candidates"),
    path("improvements/candidates/propose/", improvements.candidate_propose, name="candidate_propose"),
    path("improvements/new/", improvements.propose, name="propose"),
    path(_improvement, improvements.detail, name="detail"),
    path(_improvement + "edit/", improvements.edit, name="edit"),
    path(_improvement + "evidence/", improvements.evidence_add, name="evidence_add"),
    path(
        _improvement + "evidence/<int:evidence_id>/remove/",
        improvements.evidence_remove,
        name="evidence_remove",
    ),
    path(_improvement + "plan/", improvements.plan, name="plan"),
    path(_improvement + "steps/", improvements.step_add, name="step_add"),
    path(_improvement + "steps/<int:step_id>/remove/", improvements.step_remove, name="step_remove"),
    path(_improvement + "steps/<int:step_id>/done/", improvements.step_done, name="step_done"),
    path(
        _improvement + "steps/<int:step_id>/acknowledge/",
        improvements.step_acknowledge,
        name="step_acknowledge",
    ),
    path(_improvement + "approve/", improvements.approve, name="approve"),
    path(_improvement + "reject/", improvements.reject, name="reject"),
    path(_improvement + "withdraw/", improvements.withdraw, name="withdraw"),
    path(_improvement + "do/", improvements.do_start, name="do_start"),
    path(_improvement + "check/", improvements.check, name="check"),
    path(_improvement + "act/", improvements.act, name="act"),
]
