from django.urls import path

from putright.cases import views

app_name = "cases"

# Each workspace form posts to its own URL under the case, so a handler does one thing.
_case = "cases/<str:reference>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.queue, name="queue"),
    path("cases/new/", views.log_call, name="log_call"),
    path(_case, views.detail, name="detail"),
    path(_case + "record/", views.record_html, name="record_html"),
    path(_case + "record.json", views.record_json, name="record_json"),
    path(_case + "assign/", views.assign_me, name="assign_me"),
    path(_case + "escalate/", views.escalate, name="escalate"),
    path(_case + "classify/", views.classify, name="classify"),
    path(_case + "emotion/", views.emotion_set, name="emotion_set"),
    path(_case + "recommendation/withdraw/", views.recommendation_withdraw, name="recommendation_withdraw"),
    path(_case + "link/renew/", views.portal_link_renew, name="portal_link_renew"),
    path(_case + "understanding/", views.understanding_summarise, name="understanding_summarise"),
    path(_case + "understanding/confirm/", views.understanding_confirm, name="understanding_confirm"),
    path(_case + "understanding/skip/", views.understanding_skip, name="understanding_skip"),
    path(_case + "options/", views.option_add, name="option_add"),
    path(_case + "options/<int:option_id>/withdraw/", views.option_withdraw, name="option_withdraw"),
    path(_case + "options/<int:option_id>/recommend/", views.option_recommend, name="option_recommend"),
    path(_case + "consultations/", views.consultation_request, name="consultation_request"),
    path(
        _case + "consultations/<int:consultation_id>/answer/",
        views.consultation_answer,
        name="consultation_answer",
    ),
    path(_case + "agreement/", views.agreement_record, name="agreement_record"),
    path(_case + "steps/", views.step_add, name="step_add"),
    path(_case + "steps/<int:step_id>/done/", views.step_complete, name="step_complete"),
    path(_case + "deliver/", views.deliver, name="deliver"),
    path(_case + "promises/", views.promise_make, name="promise_make"),
    path(_case + "promises/<int:promise_id>/keep/", views.promise_keep, name="promise_keep"),
    path(_case + "messages/", views.message_send, name="message_send"),
    path(_case + "satisfaction/", views.satisfaction_record, name="satisfaction_record"),
    path(_case + "reopen/", views.reopen, name="reopen"),
    path(_case + "close-unresolved/", views.close_unresolved, name="close_unresolved"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:approval_id>/decide/", views.approval_decide, name="approval_decide"),
    path("escalations/", views.escalations, name="escalations"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/read/", views.alert_read, name="alert_read"),
]
