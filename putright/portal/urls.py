from django.urls import path

from putright.portal import views

# The customer-facing pages. Every /track/<token>/… URL checks the token again.
app_name = "portal"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/thanks/<str:token>/", views.report_thanks, name="report_thanks"),
    path("track/<str:token>/", views.case_page, name="case"),
    path("track/<str:token>/record/", views.case_record, name="record"),
    path("track/<str:token>/understanding/", views.case_understanding, name="understanding"),
    path("track/<str:token>/agreement/", views.case_agreement, name="agreement"),
    path("track/<str:token>/counter-offer/", views.case_counter_offer, name="counter_offer"),
    path("track/<str:token>/satisfaction/", views.case_satisfaction, name="satisfaction"),
    path("track/<str:token>/message/", views.case_message, name="message"),
]
