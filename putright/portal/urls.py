from django.urls import path

from putright.portal import attachments, brand, find, views

# The customer-facing pages. The e-mailed /track/<token>/… addresses check the token, grant this browser
# the case and redirect to /my-case/<reference>/…, where every page and answer checks that grant.
app_name = "portal"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("find-my-case/", find.find_case, name="find_case"),
    # The organisation's logo and colours (also linked from e-mails: keep these addresses).
    path("brand/logo.png", brand.logo, name="brand_logo"),
    path("brand/brand.css", brand.stylesheet, name="brand_css"),
    path("track/<str:token>/", views.follow_link, name="link"),
    path("track/<str:token>/<slug:page>/", views.follow_link, name="link_page"),
    # Where a report used to land; still in browser histories, so it grants and redirects like a link.
    path("report/thanks/<str:token>/", views.follow_link, {"page": "thanks"}, name="link_thanks"),
    path("my-case/<str:reference>/", views.case_page, name="case"),
    path("my-case/<str:reference>/thanks/", views.report_thanks, name="report_thanks"),
    path("my-case/<str:reference>/record/", views.case_record, name="record"),
    path("my-case/<str:reference>/understanding/", views.case_understanding, name="understanding"),
    path("my-case/<str:reference>/agreement/", views.case_agreement, name="agreement"),
    path("my-case/<str:reference>/counter-offer/", views.case_counter_offer, name="counter_offer"),
    path("my-case/<str:reference>/satisfaction/", views.case_satisfaction, name="satisfaction"),
    path("my-case/<str:reference>/message/", views.case_message, name="message"),
    path("my-case/<str:reference>/files/<int:attachment_id>/", attachments.download, name="attachment"),
    path(
        "my-case/<str:reference>/files/<int:attachment_id>/preview/",
        attachments.preview,
        name="attachment_preview",
    ),
    path("my-case/<str:reference>/reopen/", views.case_reopen, name="reopen"),
]
